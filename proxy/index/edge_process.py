"""A Qdrant Edge shard in a process of its own, and the proxy's handle on it.

Every call into Qdrant Edge holds the GIL for as long as it runs, so a shard in the serving
process stalls every request while it loads (a quarter of a second at 100,000 points, seconds at
a million), closes, or answers a slow query. Here the shard lives in a child process
(``python -m proxy.index.edge_process``) that answers one call at a time over a socket, and the
proxy only waits for its own answers: another shard can load or close in another child meanwhile.

Calls and answers are plain data (pickled tuples of ``Where``, ids, payload dicts and float32
vector bytes): nothing of Edge's crosses the socket, and the proxy never imports it. Writes are
:data:`Operation` tuples, so that what was written to one shard can be replayed onto another.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import shutil
import signal
import socket
import struct
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxy.index.base import IndexUnavailable

__all__ = [
    "LEGACY",
    "PAGE_POINTS",
    "Operation",
    "ShardClosed",
    "ShardInfo",
    "ShardProcess",
    "first_page",
    "points_in",
]

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!I")
_LIMIT = 1 << 30
"""No answer or call is larger than this; a larger length means the stream is corrupt."""

LEGACY = "legacy"
"""In place of a ``Where``: the entries stored before entries had an owner (no ``audience``)."""

Operation = tuple[Any, ...]
"""A write: ``("upsert", [(id, vector bytes, payload), ...])``, ``("set_payload", ids,
payload)``, ``("delete", ids)`` or ``("set_payload_by_filter", Where or LEGACY, payload)``."""
PAGE_POINTS = 1000
"""Points a replayed or held batch touches at most (an import's page: 1,000 entries in one
write): pickling more holds the event loop, and applying more holds the shard's process."""


def points_in(operations: Sequence[Operation]) -> int:
    """How many points ``operations`` touch (one for a write by filter)."""
    return sum(len(op[1]) if isinstance(op[1], list) else 1 for op in operations)


def first_page(operations: Sequence[Operation]) -> list[Operation]:
    """The first operations of ``operations`` that touch at most ``PAGE_POINTS`` points (at
    least one): one call each, so that none holds the event loop or a shard process long."""
    points = 0
    for end, operation in enumerate(operations):
        points += points_in([operation])
        if points > PAGE_POINTS and end:
            return list(operations[:end])
    return list(operations)


@dataclass(frozen=True, slots=True)
class ShardInfo:
    points: int
    indexed: int
    """Points in an HNSW graph; the rest are searched by brute force."""
    payload_indexes: frozenset[str]
    outdated: bool = False
    """Whether segments were built by an older version (see ``Shard.outdated``)."""

    @property
    def unindexed(self) -> int:
        return max(0, self.points - self.indexed)


@dataclass(frozen=True, slots=True)
class ShardLayout:
    """How a shard lays out its vectors: what the child that opens it is told."""

    dimension: int
    indexing_threshold_kb: int
    """Segment size above which Edge builds an HNSW graph."""
    segment_points: int
    """The most points in one segment: an optimisation builds one segment's graph at a time."""

    def argv(self) -> list[str]:
        return [str(self.dimension), str(self.indexing_threshold_kb), str(self.segment_points)]

    @classmethod
    def from_argv(cls, argv: Sequence[str]) -> ShardLayout:
        dimension, threshold, segment_points = map(int, argv)
        return cls(dimension, threshold, segment_points)


class ShardClosed(IndexUnavailable):
    """A call reached a shard process after it was closed (the child never ran it): asked of
    the shard that replaced it, it is answered."""


class ShardProcess:
    """The proxy's end: starts the child on a shard directory, sends it calls and awaits the
    answers (in order: the child answers one call at a time). Safe to call concurrently. If
    the child dies, every call fails with ``IndexUnavailable`` until it is started again."""

    def __init__(
        self,
        path: Path,
        process: asyncio.subprocess.Process,
        stream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        self.path = path
        self._process = process
        self._reader, self._writer = stream
        self._waiting: deque[asyncio.Future[Any]] = deque()
        self._failure: str | None = None
        self._closed = False
        self._loop = asyncio.get_running_loop()
        self._answers = asyncio.create_task(self._read_answers())

    @classmethod
    async def start(cls, path: Path, layout: ShardLayout, *, create: bool) -> ShardProcess:
        """Open (or, with ``create``, make) the shard at ``path`` in a new child process, with
        its payload indexes in place; returns once it answers."""
        ours, theirs = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "proxy.index.edge_process",
                str(theirs.fileno()),
                str(path),
                *layout.argv(),
                *(["--create"] if create else []),
                stdin=asyncio.subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        shard = cls(path, process, await asyncio.open_unix_connection(sock=ours))
        try:
            await shard.call("ping")
        except BaseException:
            shard.kill()
            await shard.wait()
            raise
        return shard

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def failure(self) -> str | None:
        """Why calls fail (the child exited, or was closed); None while it answers."""
        return self._failure

    async def call(self, name: str, *args: Any) -> Any:
        """Run ``name`` on the shard in the child and return its answer; an error there, or the
        child gone, is ``IndexUnavailable``. A call from another thread's event loop (a test
        client running the app in a thread of its own, say) is made on the loop that started
        the child, which reads its answers."""
        if asyncio.get_running_loop() is not self._loop:
            made = asyncio.run_coroutine_threadsafe(self.call(name, *args), self._loop)
            return await asyncio.wrap_future(made)
        if self._failure is not None:
            raise self._error()
        message = pickle.dumps((name, args), protocol=pickle.HIGHEST_PROTOCOL)
        answer = asyncio.get_running_loop().create_future()
        self._waiting.append(answer)
        try:
            self._writer.write(_HEADER.pack(len(message)) + message)
            await self._writer.drain()
        except ConnectionError as error:
            self._fail(f"the index process for {self.path} is gone: {error}")
        return await answer

    async def close(self, *, keep: bool = True) -> None:
        """Flush and close the shard, and wait for the child to exit (after answering every
        call sent before this one). ``keep=False``: the shard is not needed any more, so the
        child deletes its files at the lowest CPU priority and exits, without flushing or
        closing them (at 100,000 points closing takes half a second of a core that serving
        needs)."""
        if self._failure is None:
            try:
                await self.call("close" if keep else "abandon")
            except IndexUnavailable as error:
                log.warning("closing the index shard in %s failed: %s", self.path, error)
        self._closed = True
        self._fail("the index shard was closed")
        self._writer.close()
        await self.wait()

    def kill(self) -> None:
        self._fail("the index shard was stopped")
        self._writer.close()
        if self._process.returncode is None:
            self._process.kill()

    async def wait(self) -> None:
        await self._process.wait()
        await asyncio.gather(self._answers, return_exceptions=True)

    async def _read_answers(self) -> None:
        try:
            while True:
                (length,) = _HEADER.unpack(await self._reader.readexactly(_HEADER.size))
                if length > _LIMIT:
                    raise ValueError(f"an answer of {length} bytes")
                ok, value = pickle.loads(await self._reader.readexactly(length))
                answer = self._waiting.popleft()
                if answer.done():
                    continue  # its caller was cancelled
                if ok:
                    answer.set_result(value)
                else:
                    answer.set_exception(IndexUnavailable(value))
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError) as error:
            code = await self._process.wait() if self._process.returncode is None else None
            reason = (
                f"the index process for {self.path} exited"
                + (f" with {code}" if code else "")
                + ("" if isinstance(error, asyncio.IncompleteReadError) else f": {error}")
            )
            self._fail(reason)
            self._writer.close()

    def _fail(self, reason: str) -> None:
        if self._failure is None:
            self._failure = reason
        while self._waiting:
            answer = self._waiting.popleft()
            if not answer.done():
                answer.set_exception(self._error())

    def _error(self) -> IndexUnavailable:
        """What a call fails with now: ``ShardClosed`` once :meth:`close` has answered, for a
        call sent after it, which the child never ran."""
        assert self._failure is not None
        return (ShardClosed if self._closed else IndexUnavailable)(self._failure)


# ---- the child -------------------------------------------------------------------------------


def main() -> None:
    from backends.heap import settle_start_up_heap
    from proxy.index.edge_shard import Shard  # Edge itself: imported by the child alone

    # Ctrl-C in a terminal reaches the whole process group: the proxy's shutdown closes the
    # shard (flushed) after the requests in flight, so this process must not die first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, path = int(sys.argv[1]), Path(sys.argv[2])
    layout = ShardLayout.from_argv(sys.argv[3:6])
    connection = socket.socket(fileno=fd)
    incoming = connection.makefile("rb")
    shard: Shard | None = None
    try:
        shard = Shard.open(path, layout, create="--create" in sys.argv)
    except Exception as error:
        _answer(connection, False, f"cannot open the Qdrant Edge index in {path}: {error}")
        return
    # Opening a shard frees what it read on the way (33 MiB of heap at 100,000 points, which
    # glibc otherwise kept for this process's whole life: 88 MiB anonymous instead of 55).
    settle_start_up_heap()
    while True:
        header = incoming.read(_HEADER.size)
        if len(header) < _HEADER.size:
            break  # the proxy is gone
        name, args = pickle.loads(incoming.read(_HEADER.unpack(header)[0]))
        if name == "abandon":
            # Its files go without being flushed, by this process at the lowest priority: the
            # kernel's work of unmapping and unlinking them is then not taken from serving.
            _answer(connection, True, None)
            os.nice(19)
            shutil.rmtree(path, ignore_errors=True)
            os._exit(0)
        try:
            if name.startswith("_"):
                raise ValueError("not a shard call")
            value = getattr(shard, name)(*args)
        except Exception as error:
            _answer(connection, False, f"{name} failed: {error}")
        else:
            _answer(connection, True, value)
        if name == "close":
            return
    shard.close()


def _answer(connection: socket.socket, ok: bool, value: Any) -> None:
    message = pickle.dumps((ok, value), protocol=pickle.HIGHEST_PROTOCOL)
    connection.sendall(_HEADER.pack(len(message)) + message)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
