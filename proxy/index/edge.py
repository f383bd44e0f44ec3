"""The embedded index: Qdrant Edge on local disk, in processes of its own.

Qdrant Edge answers queries in about a millisecond once its HNSW index is built, but every call
into it holds the GIL: building the index (``optimize()``) takes a minute at 100k points, and
loading or closing a shard takes a quarter of a second there and seconds at a million. So no
Edge call runs in the serving process:

- The live shard is served by a child process (``edge_process``); the proxy sends it calls and
  awaits the answers.
- Optimisation runs on a copy of the live shard (a reflink clone where the file system has
  them), in another child at the lowest CPU priority, while the live shard (its HNSW graph from
  the last optimisation, plus a brute-force tail of the points added since) keeps serving.
  While the copy is made, writes are held back from the live shard (``edge_writes``).
- The optimised copy becomes ``index.g<N>`` beside ``index`` and is loaded, and warmed with a
  lookup, by a new shard process, which has the writes made meanwhile replayed onto it; then it
  is switched in by pointer: the proxy's reference and the ``index`` symlink. The old process
  answers what it was asked before the switch, then deletes its directory at the lowest CPU
  priority and exits.
- Optimisation starts when a tenth of the points, at least 1,000 and at most ``optimize_after``,
  are outside the HNSW graph, so small caches are indexed too and the unindexed tail stays
  short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from proxy.embedding import EMBEDDING_DIM
from proxy.index.base import (
    EVERYTHING,
    FOOTPRINT_FIELDS,
    LEGACY_OWNER,
    Candidate,
    Entry,
    Footprint,
    IndexUnavailable,
    Page,
    SemanticIndex,
    Vector,
    Where,
    added_usage,
)
from proxy.index.edge_files import (
    adopt,
    allocated,
    copy_shard,
    fingerprint,
    generation_path,
    link,
    next_generation,
    optimizer_folder,
    recover,
)
from proxy.index.edge_process import (
    LEGACY,
    Operation,
    ShardClosed,
    ShardInfo,
    ShardLayout,
    ShardProcess,
    points_in,
)
from proxy.index.edge_tail import UnindexedTail
from proxy.index.edge_writes import ShardWrites
from proxy.index.exact_answers import ExactAnswers
from proxy.index.known_keys import KeyReading, KnownKeys, keys_of

__all__ = ["EdgeIndex"]

log = logging.getLogger(__name__)

_SCROLL_LIMIT = 256
_INDEXING_THRESHOLD_KB = 1000
"""Segments above this size get an HNSW graph when optimised: about 650 vectors."""
_SEGMENT_POINTS = 200_000
"""The most points Edge puts in one segment: an optimisation builds one segment's HNSW graph at a
time, so this bounds its memory (one segment of a million points peaked at 7.2 GB) on every
machine. Edge's own limit is 256 MB of vectors per indexing thread, and it runs about one per
core (some 680,000 points with two, 2.7 million with eight). A cache of up to this many points
stays one segment, the quickest to search."""
_ANY_VECTOR = np.full(EMBEDDING_DIM, EMBEDDING_DIM**-0.5, dtype=np.float32)
_REVIVE_AFTER = 5.0
"""Seconds between attempts to start the shard process again after it died."""
_REWRITE_FACTOR = 1.5
_PREALLOCATED = 256 * 2**20
"""An optimisation's peak use of the data volume, beyond the live shard, is estimated as the
shard's copy, plus ``_REWRITE_FACTOR`` times the segments it may rewrite (two full segments,
or the whole shard where that is less), plus ``_PREALLOCATED`` for the files new segments and
their write-ahead logs reserve. Peaks measured (every block under the index's folder, read
every 10 ms through ``maintain``), against the estimate: 359 MiB against 616 for 3,000 points
on 20,000 in one segment (a 144 MiB shard), 685 against 936 for 10,000 on 90,000 (272 MiB),
472 against 691 with segments of 20,000, 255 against 393 for 3,000 on 6,000 with segments of
2,000 (82 MiB). Without the 256 MiB the last was over by 118."""


class EdgeIndex(SemanticIndex):
    """Qdrant Edge in ``path``, served by a child process. One proxy per directory: Edge locks
    it.

    Calls go to the live shard process in the order they are made, and it answers them in that
    order, so the optimise-and-swap in ``maintain`` needs no lock around reads: a read sent
    before the switch is answered by the old shard, one sent after by the new. If the process
    dies, calls fail with ``IndexUnavailable`` (the proxy generates without the cache) and it is
    started again, at most every few seconds.
    """

    def __init__(
        self,
        path: Path,
        *,
        optimize_after: int = 10_000,
        indexing_threshold_kb: int = _INDEXING_THRESHOLD_KB,
        segment_points: int = _SEGMENT_POINTS,
        keep_free: int = 0,
    ) -> None:
        self.path = path
        """The shard's directory, or a symlink to the live generation (``index.g<N>``)."""
        self.indexing_threshold_kb = indexing_threshold_kb
        """Segment size above which Edge builds HNSW; tests set it lower."""
        self.segment_points = segment_points
        """The most points in one segment (see ``_SEGMENT_POINTS``); tests set it lower."""
        self.keep_free = keep_free
        """Bytes of the data volume an optimisation must leave free (``--min-free-bytes``):
        one that might take more is put off, and said once in the log, until space is freed."""
        self._put_off = False
        self._shard: ShardProcess | None = None
        self._live: Path = path
        """Where the open shard's files are: ``path`` itself, or the generation it links to."""
        self._exact = ExactAnswers(lambda: self._writes.holding or self._writes.journal_due)
        self._writes = ShardWrites(
            path, self._call, self._exact.changed, lambda held: self._keys.written(keys_of(held))
        )
        self._keys = KnownKeys()
        self._keys_saved = path.with_name(path.name + ".keys")
        """The key filter, from a clean close to the next open (``known_keys``)."""
        self._reading = KeyReading(self._keys, self._call, lambda: self._writes.held)
        self._maintain_lock = asyncio.Lock()
        """One optimise-and-swap at a time: a second would swap in a copy that misses the
        first's replayed writes (and deletes: a purge would come back)."""
        self._rebuilt_outdated = False
        """Whether an optimisation has started since open: an outdated shard is due only until
        then, so one that stays outdated is not optimised again and again."""
        self._revive_lock = asyncio.Lock()
        self._next_revival = 0.0
        self._tail = UnindexedTail(optimize_after)

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        recover(self.path)
        self._live = self.path.resolve() if self.path.is_symlink() else self.path
        create = not any((self._live / name).exists() for name in ("edge_config.json", "wal"))
        if create and not self.path.exists():
            # A new shard is the first generation (a folder the caller made stays the shard's
            # own, as before generations).
            self._live = next_generation(self.path)
        files = b"" if create else await asyncio.to_thread(fingerprint, self._live)
        self._shard = await self._start(self._live, create=create)
        try:
            if create and self._live != self.path:
                link(self.path, self._live)
            try:
                await self._writes.apply_journal()
            except IndexUnavailable as error:  # applied before the next write instead
                self._writes.journal_due = True
                log.warning("cannot apply the index writes held before a restart: %s", error)
            await self.upgrade()
            try:  # so that the first request after a restart does not pay for it
                await self._warm(self._shard)
            except IndexUnavailable as error:
                log.warning("the index's first lookup failed: %s", error)
            info = await self.info()
        except BaseException:
            await self.close()
            raise
        if not await asyncio.to_thread(self._keys.load, self._keys_saved, info.points, files):
            self._reading.start()
        log.info(
            "Qdrant Edge index at %s: %d points, %d indexed (process %d)",
            self.path,
            info.points,
            info.indexed,
            self._shard.pid,
        )

    @property
    def pid(self) -> int | None:
        """The process serving the live shard (None while closed)."""
        return None if self._shard is None else self._shard.pid

    async def _start(self, path: Path, *, create: bool = False) -> ShardProcess:
        try:
            layout = ShardLayout(EMBEDDING_DIM, self.indexing_threshold_kb, self.segment_points)
            return await ShardProcess.start(path, layout, create=create)
        except OSError as error:
            raise IndexUnavailable(f"cannot start the index process for {path}: {error}") from error

    async def close(self) -> None:
        self._tail.quiet()
        self._exact.changed()
        await self._reading.stop()
        if self._shard is not None:
            async with self._writes.lock:
                shard, self._shard = self._shard, None
                if shard is not None:
                    info: ShardInfo | None = None
                    with contextlib.suppress(IndexUnavailable):  # then read at the next open
                        info = await shard.call("ping")
                    await shard.close()
                    if info is not None:
                        files = await asyncio.to_thread(fingerprint, self._live)
                        await asyncio.to_thread(
                            self._keys.save, self._keys_saved, info.points, files
                        )

    async def _call(self, name: str, *args: Any) -> Any:
        """``name`` on the live shard, in its process; the process is started again when it
        died (at most every few seconds), and a failure is ``IndexUnavailable``."""
        shard = self._shard
        if shard is None:
            raise IndexUnavailable("the index is not open")
        if shard.failure is not None:
            shard = await self._revive(shard)
        try:
            return await shard.call(name, *args)
        except ShardClosed:
            if self._shard is None or self._shard is shard:
                raise
            # Switched to an optimised shard after this call took the old one (from another
            # thread's event loop, whose call is sent on this one): the new one answers it.
            return await self._shard.call(name, *args)

    async def _revive(self, dead: ShardProcess) -> ShardProcess:
        async with self._revive_lock:
            if self._shard is not dead:
                if self._shard is None:
                    raise IndexUnavailable("the index is not open")
                return self._shard  # started again, or switched, while this call waited
            if time.monotonic() < self._next_revival:
                raise IndexUnavailable(dead.failure or "the index process is not running")
            self._next_revival = time.monotonic() + _REVIVE_AFTER
            log.warning("%s; starting it again", dead.failure)
            self._exact.changed()  # what it answered is read again from its files
            await dead.wait()  # its lock on the shard goes with it
            self._shard = await self._start(self._live)
            return self._shard

    async def info(self) -> ShardInfo:
        """How many points the live shard holds, and how many of them its HNSW graph does."""
        info: ShardInfo = await self._call("ping")
        return info

    async def exact(self, key: str, limit: int, where: Where = EVERYTHING) -> list[Entry]:
        entries = self._exact.get(key, where)
        if entries is None:
            if self._keys.lacks(key):
                return []
            asked = self._exact.version
            records, _ = await self._call("scroll", where.narrow(key=key), _SCROLL_LIMIT)
            entries = sorted((Entry.from_payload(p) for _, p, _ in records), key=_age, reverse=True)
            self._exact.remember(key, where, asked, entries)
        return entries[:limit]

    async def nearest(
        self, vector: Vector, limit: int, where: Where = EVERYTHING
    ) -> list[Candidate]:
        points = await self._call("query", _bytes(vector), limit, where)
        return [Candidate.of_payload(payload, score) for payload, score in points]

    async def scroll(
        self,
        where: Where = EVERYTHING,
        *,
        limit: int = 256,
        offset: str | None = None,
        order_by: str | None = None,
        with_vectors: bool = False,
    ) -> Page:
        records, following = await self._call(
            "scroll", where, limit, offset, order_by, None, with_vectors
        )
        return Page(
            [Entry.from_payload(payload) for _, payload, _ in records],
            [_vector(vector) for _, _, vector in records] if with_vectors else None,
            None if order_by else following,
        )

    async def footprints(
        self, where: Where = EVERYTHING, *, limit: int = 1024, offset: str | None = None
    ) -> tuple[list[Footprint], str | None]:
        records, following = await self._call(
            "scroll", where, limit, offset, None, FOOTPRINT_FIELDS
        )
        return [Footprint.from_payload(payload) for _, payload, _ in records], following

    async def upsert_many(self, entries: Sequence[tuple[Entry, Vector]]) -> None:
        if entries:
            points = [(entry.id, _bytes(vector), entry.payload()) for entry, vector in entries]
            await self._apply([("upsert", points)])

    async def record_usage(self, usage: Mapping[str, tuple[int, float]]) -> None:
        # Hits are added to what the shard holds: read it once writes held back are in it.
        await self.settled()
        records = await self._call("retrieve", list(usage))
        # Only points that exist: Edge refuses a payload for a missing one.
        await self._apply(
            [
                ("set_payload", [point_id], added_usage(payload, *usage[point_id]))
                for point_id, payload, _ in records
            ]
        )

    async def delete(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            await self._apply([("delete", list(entry_ids))])

    async def _apply(self, operations: list[Operation]) -> None:
        if not operations:
            return
        with self._keys.writing(keys_of(operations)):
            await self._writes.apply(operations)
        if self._keys.outgrown:
            self._reading.start()
        self._tail.stored(points_in([op for op in operations if op[0] == "upsert"]))

    async def settled(self) -> None:
        await self._writes.settled()  # entries stored while the shard is copied are held back

    async def get(self, entry_id: str) -> Entry | None:
        records = await self._call("retrieve", [entry_id])
        return Entry.from_payload(records[0][1]) if records else None

    async def count(self, where: Where = EVERYTHING) -> int:
        count: int = await self._call("count", where)
        return count

    async def unindexed(self) -> int:
        """Points not yet in the HNSW index (searched by brute force until optimised)."""
        return (await self.info()).unindexed

    async def due(self) -> bool:
        """Whether enough points are outside the HNSW graph to optimise (a tenth of them, at
        least 1,000 and at most ``optimize_after``), or segments built by an older version hold
        every vector in memory (once per open: an optimisation rebuilds them)."""
        info = await self.info()
        if info.outdated and not self._rebuilt_outdated:
            return True
        return self._tail.due(info)

    async def upkeep_wanted(self, seconds: float) -> None:
        """Return after ``seconds``, or as soon as enough points were stored since ``due`` last
        looked to make the tail due: a bulk import is indexed as it arrives, so lookups never
        search a long unindexed tail by brute force and no optimisation takes all of it at once."""
        await self._tail.wanted(seconds)

    async def make_room(self) -> None:
        """Wait while an optimisation under way, or about to start, indexes more points than
        lookups should search by brute force (see ``UnindexedTail.make_room``): an import calls
        this between pages, so that it never outruns the optimisations. An import used to leave
        every point it wrote to brute force until it ended (probes p50 13 ms at 100,000 points,
        87 ms at 1,000,000), and then one optimisation indexed them all (7.2 GB at 1,000,000)."""
        await self._tail.make_room(self.info, self._maintain_lock.locked)

    async def upgrade(self) -> int:
        count: int = await self._call("count", LEGACY)
        if count:
            await self._apply([("set_payload_by_filter", LEGACY, LEGACY_OWNER)])
            log.info("%d entries from before tenancy are now the default tenant's, shared", count)
        return count

    async def erase(self) -> None:
        """Rewrite the shard from its live points (in a child process, like ``maintain``): a
        deleted point's payload otherwise stays in Edge's files until segments are rebuilt."""
        await self.maintain(force=True, rewrite=True)
        await self._reading.restart()  # no bit of an erased key stays

    async def maintain(self, *, force: bool = False, rewrite: bool = False) -> bool:
        """Optimise a copy of the shard in a child process and switch to it.

        Returns True when an optimised shard was switched in. While the shard is copied,
        entries stored are journaled and applied after it (deletes and hits wait); writes wait
        only while the last few are replayed. Lookups go on throughout: the optimised shard
        loads, and the replaced one closes, in processes of their own.
        """
        async with self._maintain_lock:
            if self._shard is None or not (force or await self.due()):
                return False
            short = await self._short_of_space()
            if short:
                if force:
                    raise IndexUnavailable(f"not optimised: {short}")
                if not self._put_off:
                    log.warning(
                        "%s: put off until space is freed (entries stored meanwhile are searched "
                        "by brute force)",
                        short,
                    )
                self._put_off = True
                self._tail.put_off()
                return False
            if self._put_off:
                log.warning("the data volume has room for the index's optimisation again")
                self._put_off = False
            self._rebuilt_outdated = True  # whether or not this one succeeds: not again
            return await self._optimize_and_swap(rewrite)

    async def space_needed(self) -> int:
        """Bytes of the data volume an optimisation may take at its peak, beyond the live
        shard: its copy and the segments it rewrites (see ``_REWRITE_FACTOR``)."""
        live = await asyncio.to_thread(allocated, self._live)
        points = max(1, (await self.info()).points)
        rewritten = min(live, 2 * live * self.segment_points // points)
        return live + int(_REWRITE_FACTOR * rewritten) + _PREALLOCATED

    async def _short_of_space(self) -> str | None:
        """Why an optimisation might take the data volume under ``keep_free``, or None where
        it fits."""
        needed = await self.space_needed()
        free = await asyncio.to_thread(shutil.disk_usage, self.path.parent)
        if free.free - needed >= self.keep_free:
            return None
        return (
            f"the index's optimisation may write {needed / 2**20:.0f} MiB and the data volume has "
            f"{free.free / 2**20:.0f} MiB free, {self.keep_free / 2**20:.0f} MiB of which it "
            "keeps (--min-free-bytes)"
        )

    async def _optimize_and_swap(self, rewrite: bool) -> bool:
        started = time.perf_counter()
        work = await self._copy()
        process: asyncio.subprocess.Process | None = None
        fresh: ShardProcess | None = None
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "proxy.index.edge_optimize",
                str(work),
                *(["--rewrite"] if rewrite else []),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            output, _ = await process.communicate()
            if process.returncode != 0:
                raise IndexUnavailable(
                    f"optimiser exited with {process.returncode}: {output.decode()}"
                )
            optimised = time.perf_counter()
            work = generation = adopt(self.path, work)
            fresh = await self._start(generation)
            # The first lookup on a freshly loaded shard maps its graph in: 80 ms more at
            # 100,000 points. One is made here, so that no request pays for it.
            await self._warm(fresh)
            loaded = time.perf_counter() - optimised
            await self._writes.replay_onto(fresh.call)
            async with self._writes.lock:
                await self._writes.replay_onto(fresh.call, last=True)
                replaced, old = await self._switch(fresh, generation)
        except BaseException:
            self._writes.replay = None
            if fresh is not None and fresh is not self._shard:
                fresh.kill()
                await fresh.wait()
            if process is not None and process.returncode is None:
                process.kill()  # cancelled (shutdown): the child must not outlive its copy
                await process.wait()
            shutil.rmtree(work, ignore_errors=True)
            raise
        if replaced is not None:
            # It answers what it was asked before the switch, then exits: its files go next.
            await replaced.close(keep=False)
        await asyncio.to_thread(shutil.rmtree, old, ignore_errors=True)
        # What was written during the optimisation is the new tail: an import that wrote
        # faster than it was indexed gets the next optimisation at once.
        with contextlib.suppress(IndexUnavailable):  # switched in all the same
            self._tail.due(await self.info())
        log.info(
            "index optimised and switched in after %.1f s (loaded in %.0f ms by process %d; the "
            "optimiser's %s)",
            time.perf_counter() - started,
            1000 * loaded,
            fresh.pid,
            (output.decode(errors="replace").splitlines() or ["peak RSS unknown"])[-1],
        )
        return True

    async def _copy(self) -> Path:
        """Copy the live shard for the optimiser. Writes made meanwhile are held back from the
        live shard (its files must not change under the copy), journaled, and applied when the
        copy is done: they wait for a journal append instead of the copy (16 s at a million
        entries on ext4), and lookups see them from then on."""
        await self._writes.hold()
        work: Path | None = None
        try:
            work = optimizer_folder(self.path)
            await asyncio.to_thread(copy_shard, self._live, work)
            await self._writes.release()
        except BaseException:
            self._writes.replay = None
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
            if self._writes.holding:  # the copy failed: its held writes are still to apply
                await self._writes.release()
            raise
        return work

    @staticmethod
    async def _warm(fresh: ShardProcess) -> None:
        """A semantic and an exact lookup in the partition of the newest entry (maps the graph
        and that partition's payload index in)."""
        records, _ = await fresh.call(
            "scroll", EVERYTHING, 1, None, "created_at", ("partition", "key")
        )
        where = EVERYTHING.narrow(partition=records[0][1]["partition"]) if records else EVERYTHING
        await fresh.call("query", _bytes(_ANY_VECTOR), 1, where)
        if records:
            await fresh.call("scroll", where.narrow(key=records[0][1]["key"]), 1)

    async def _switch(
        self, fresh: ShardProcess, generation: Path
    ) -> tuple[ShardProcess | None, Path]:
        """Make ``fresh`` (loaded from ``generation``, every write replayed) the live shard;
        returns the replaced shard's process, still to close (None when it is closed), and its
        directory, to delete. At every instant ``index`` names a complete shard (see
        ``edge_files.recover``), so a crash here loses nothing."""
        self._writes.replay = None
        replaced: ShardProcess | None = self._shard
        if replaced is None:
            raise IndexUnavailable("the index was closed while it was being optimised")
        old = self._live
        if self.path.is_symlink():
            link(self.path, generation)  # from here on the new shard is the one on disk
        else:
            # A shard from before generations, in ``index`` itself: closed before it moves
            # aside (Edge writes its files by path), then ``index`` links to the new one.
            self._shard = None  # until one of the two is open again: lookups fail over cleanly
            await replaced.close()
            replaced = None
            old = generation_path(self.path, 0)
            try:
                self.path.rename(old)
                link(self.path, generation)
            except BaseException:
                if not self.path.exists() and old.exists():
                    old.rename(self.path)
                self._shard = await self._start(self.path)
                raise
        self._shard, self._live = fresh, generation
        self._exact.changed()  # the same points, but asked again of the shard serving them
        return replaced, old


def _age(entry: Entry) -> float:
    return entry.created_at


def _bytes(vector: Vector) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def _vector(raw: bytes | None) -> Vector:
    return np.frombuffer(raw or b"", dtype=np.float32).copy()
