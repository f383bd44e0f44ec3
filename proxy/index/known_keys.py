"""The keys the embedded index holds, in a Bloom filter, so that a key it surely lacks is not
asked for.

Every request asks the index for its canonical key first, and with the index in a process of its
own each ask is a round trip to it (0.5 to 0.8 ms after the idle wait of a generation). A miss
and a semantic hit ask for a key the index does not hold. One proxy owns an embedded shard (Edge
locks it), so every write to it passes through this process: the filter learns the keys of the
shard's entries once, in the background after the index opens, and every key written from then
on as the write is sent. A key it has never seen is surely absent; a key it has seen may be
(about one in a hundred that it has not seen look seen, and deleted keys stay seen), and is
asked for as before.

The keys are read from the shard a page of entries at a time (their ``key`` alone), each page a
few milliseconds of the shard process's time between lookups at any size; that process hands
back the pages of its files the reading mapped in (see ``edge_shard.Shard.keys``). A facet of the
payload index of ``key`` reads the keys in a few calls, but each walks the whole index (about
0.5 s at a million entries, with every lookup waiting) and leaves Edge 2 to 4 MiB bigger.

A proxy that closes the index cleanly leaves the filter beside it (``index.keys``, 1.25 bytes a
key it was sized for), with the shard's entry count and a fingerprint of its files; the next open
takes it instead of reading the keys if both are the same, and deletes it first, so that a
crash can never leave a filter that misses what was written after it. Reading the keys maps
every entry's payload into the shard's process and the page cache, which the lookups that follow
then map in wider spans: at 100,000 entries the shard's process held 30 MiB more after a load
than without the reading.

Until the keys are first read, every key is asked for (a failed reading is tried again a minute
later). They are read again into a larger filter
once it holds more keys than it was sized for (twice those read), and after an erasure, so that
no bit of an erased key stays (the bits are a hash's, not the prompt's); the old filter answers
until the new one is complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import os
import re
import stat
import struct
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from proxy.index.edge_process import Operation

__all__ = ["KeyReading", "KnownKeys", "keys_of"]

log = logging.getLogger(__name__)

_BITS_PER_KEY = 10
_PROBES = 7
"""Bits per key and bits set per key: about 1% of absent keys look present at capacity."""
_SMALLEST = 1 << 16
"""Keys a filter is sized for at least (80 KB): a new cache does not read its keys again soon."""
_HEX_KEY = re.compile(r"[0-9a-f]{32}")
_MASK = (1 << 64) - 1
_SAVED = b"memoaized key filter 2\n"
_HEADER = struct.Struct("<QQQI32s")
"""capacity, keys added, the shard's entries, CRC-32 of the bits, the shard's files' fingerprint"""
_LARGEST_SAVED = 1 << 30
"""Bytes of a saved filter read at most (one for 800 million keys)."""
_READ_AGAIN_AFTER = 60.0
"""Seconds before a failed reading of the shard's keys is tried again."""
_KEY_PAGE = 512
"""Keys read in one call: about 10 ms of the shard process's time (the entries' payloads are
read for them), between lookups."""


def _hashes(key: str) -> tuple[int, int]:
    """Two 64-bit hashes of ``key``, the same in every process."""
    if not _HEX_KEY.fullmatch(key):
        key = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return int(key[:16], 16), int(key[16:32], 16) | 1


class _Bloom:
    """A Bloom filter of strings for ``capacity`` keys (Kirsch-Mitzenmacher double hashing)."""

    def __init__(self, capacity: int, bits: bytes | None = None) -> None:
        self.capacity = capacity
        self._size = capacity * _BITS_PER_KEY
        self._bytes = bytearray((self._size + 7) // 8) if bits is None else bytearray(bits)
        self.added = 0
        """Keys added, some maybe twice."""

    def __contains__(self, key: str) -> bool:
        held = self._bytes
        return all(held[at >> 3] >> (at & 7) & 1 for at in self._positions(key))

    def _positions(self, key: str) -> Iterator[int]:
        first, step = _hashes(key)
        return (((first + i * step) & _MASK) % self._size for i in range(_PROBES))

    def add(self, keys: list[str]) -> None:
        held = self._bytes
        for key in keys:
            for at in self._positions(key):
                held[at >> 3] |= 1 << (at & 7)
        self.added += len(keys)


class KnownKeys:
    """Which keys the index surely lacks: none until :meth:`learn` has read them all."""

    def __init__(self) -> None:
        self._filter: _Bloom | None = None
        self._learning: _Bloom | None = None
        self._writing: dict[int, list[str]] = {}
        self._writes = itertools.count()

    def lacks(self, key: str) -> bool:
        """Whether no entry of the index has ``key`` (False: it may have one)."""
        return self._filter is not None and key not in self._filter

    def written(self, keys: list[str]) -> None:
        """``keys`` are written to the index."""
        for bloom in (self._filter, self._learning):
            if bloom is not None:
                bloom.add(keys)

    @contextlib.contextmanager
    def writing(self, keys: list[str]) -> Iterator[None]:
        """Around a write of ``keys``: known from its start, and to a :meth:`learn` that starts
        before it lands (and whose reading may pass its place in the index first)."""
        self.written(keys)
        write = next(self._writes)
        self._writing[write] = keys
        try:
            yield
        finally:
            del self._writing[write]

    @property
    def outgrown(self) -> bool:
        """Whether the keys should be read again into a larger filter: it holds more than it was
        sized for, and more absent keys look present than they should."""
        return self._filter is not None and self._filter.added > self._filter.capacity

    async def learn(self, count: int, pages: AsyncIterator[list[str]], held: list[str]) -> None:
        """Read the index's keys (about ``count`` of them, a page at a time from ``pages``) into
        a new filter, with ``held``: keys of writes made but held back from the index, and seen
        by it later. Keys written meanwhile go into it too. The old filter answers until the
        new one is complete; if reading fails, it stays."""
        bloom = self._learning = _Bloom(max(2 * count, _SMALLEST))
        bloom.add(held)
        for keys in self._writing.values():
            bloom.add(keys)
        try:
            async for keys in pages:
                bloom.add(keys)
        finally:
            self._learning = None
        self._filter = bloom

    def save(self, path: Path, entries: int, files: bytes) -> None:
        """Leave the filter at ``path`` for the next open, with the shard's count of
        ``entries`` and the ``files`` fingerprint of its files (``edge_files.fingerprint``, taken
        once it is closed); nothing while none is complete or one is being read. A failure (a
        full or read-only volume) costs the next open a reading."""
        bloom = self._filter
        if bloom is None or self._learning is not None:
            return
        bits = bytes(bloom._bytes)
        header = _HEADER.pack(bloom.capacity, bloom.added, entries, zlib.crc32(bits), files)
        temporary = path.with_name(path.name + ".new")
        try:
            temporary.write_bytes(_SAVED + header + bits)
            os.replace(temporary, path)
        except OSError as error:
            log.warning("cannot keep the index's key filter for the next start: %s", error)
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)

    def load(self, path: Path, entries: int, files: bytes) -> bool:
        """Take the filter left at ``path`` if it was saved with the shard's count of
        ``entries`` and the ``files`` fingerprint its files have now (taken before it opens:
        nothing else wrote to the shard since, such as an older version after a rollback, or a
        copy restored), and delete it (before it is used: a filter that cannot be deleted could
        outlive the writes made after it, and is not used). Only a regular file is read."""
        try:
            if not stat.S_ISREG(path.lstat().st_mode):
                path.unlink()
                return False
            with path.open("rb") as file:
                saved = file.read(_LARGEST_SAVED)
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError as error:
            log.warning("the index's key filter %s is not used: %s", path, error)
            return False
        header = saved[len(_SAVED) : len(_SAVED) + _HEADER.size]
        bits = saved[len(_SAVED) + _HEADER.size :]
        if not saved.startswith(_SAVED) or len(header) < _HEADER.size:
            return False
        capacity, added, saved_entries, crc, saved_files = _HEADER.unpack(header)
        if (
            saved_entries != entries
            or saved_files != files
            or capacity < 1
            or len(bits) != (capacity * _BITS_PER_KEY + 7) // 8
            or zlib.crc32(bits) != crc
        ):
            return False
        bloom = _Bloom(capacity, bits)
        bloom.added = added
        self._filter = bloom
        return True


class KeyReading:
    """Reads the shard's keys into ``known`` in the background, a page at a time through
    ``call`` (the live shard's, so a reading goes on across a switch to an optimised shard), with
    the keys of the writes ``held`` back from it. One reading at a time; a failed one leaves the
    filter as it was and is tried again after ``_READ_AGAIN_AFTER``."""

    def __init__(
        self,
        known: KnownKeys,
        call: Callable[..., Awaitable[Any]],
        held: Callable[[], Sequence[Operation]],
    ) -> None:
        self._known = known
        self._call = call
        self._held = held
        self.task: asyncio.Task[None] | None = None
        """The reading under way or last made (None before the first)."""

    def start(self) -> None:
        """Start a reading, unless one is under way."""
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        """Cancel a reading under way (the filter stays as it was)."""
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def restart(self) -> None:
        """Start a reading over, from now (after an erasure: no bit of an erased key stays)."""
        await self.stop()
        self.start()

    async def _read(self) -> None:
        while True:
            started = time.perf_counter()
            try:
                count = (await self._call("ping")).points
                await self._known.learn(count, self._pages(), keys_of(self._held()))
            except Exception as error:  # a dead process, a payload that is not an entry's
                log.warning(
                    "cannot read the index's keys (every key is looked up until then; trying "
                    "again in %d s): %s",
                    _READ_AGAIN_AFTER,
                    error,
                )
                await asyncio.sleep(_READ_AGAIN_AFTER)
                continue
            log.info("read the keys of %d entries in %.1f s", count, time.perf_counter() - started)
            return

    async def _pages(self) -> AsyncIterator[list[str]]:
        offset = None
        while True:
            keys, offset = await self._call("keys", offset, _KEY_PAGE)
            yield [key for key in keys if isinstance(key, str)]
            if offset is None:
                return


def keys_of(operations: Sequence[Operation]) -> list[str]:
    """The keys of the entries ``operations`` store."""
    return [
        payload["key"]
        for operation in operations
        if operation[0] == "upsert"
        for _, _, payload in operation[1]
        if "key" in payload
    ]
