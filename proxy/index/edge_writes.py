"""The live Edge shard's writes: applied in the order they are made, flushed every thousand points,
held back while the shard is copied for the optimiser, and replayed onto the optimised copy.

While the copy is made, the live shard's files must not change: entries stored and hits recorded
meanwhile are held back in a journal (``index.held`` beside ``index``, appended durably) and
applied when the copy is done, or at the next open after a crash. Deletes wait for the copy
instead, so that a purge is gone from lookups when it returns. Every write made from the copy on
is also kept for replay onto the optimised shard, until it is switched in.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from proxy.index.base import IndexUnavailable
from proxy.index.edge_files import journal_append, journal_read
from proxy.index.edge_process import PAGE_POINTS, Operation, first_page, points_in

__all__ = ["ShardWrites"]

log = logging.getLogger(__name__)

Call = Callable[..., Awaitable[Any]]
"""A call into a shard process: ``call(name, *args)``."""

_HELD = ".held"
"""The journal of writes held back from the live shard while it is copied, beside ``index``."""
_HOLDABLE = frozenset({"upsert", "set_payload"})
"""Writes that may be held while the shard is copied (seen by lookups a little later): an entry
stored, hits recorded. Deletes wait for the copy instead."""
_FLUSH_EVERY = 1000
"""Points written between flushes: a flush holds the shard process for as long as it takes (600 ms
after 100,000 writes, 6 ms after 1,000), and lookups wait behind it."""


P = ParamSpec("P")
T = TypeVar("T")


def _changes(
    method: Callable[Concatenate[ShardWrites, P], Awaitable[T]],
) -> Callable[Concatenate[ShardWrites, P], Awaitable[T]]:
    """A method that writes to the live shard: ``changed`` is called as it starts and ends."""

    @functools.wraps(method)
    async def changing(writes: ShardWrites, /, *args: P.args, **kwargs: P.kwargs) -> T:
        writes.changed()
        try:
            return await method(writes, *args, **kwargs)
        finally:
            writes.changed()

    return changing


class ShardWrites:
    """The writes to the shard at ``path``, sent through ``call`` (the live shard's, whichever
    process serves it). ``lock`` is held while a write is applied: whoever holds it knows that
    no write is under way (the switch to an optimised shard, closing)."""

    def __init__(
        self,
        path: Path,
        call: Call,
        changed: Callable[[], None],
        read_back: Callable[[Sequence[Operation]], None],
    ) -> None:
        self._call = call
        self.changed = changed
        """Called as every write to the live shard (applied, released, or read back from the
        journal) starts and ends: what was read from it before may be out of date."""
        self.read_back = read_back
        """Called with the writes read back from the journal (held before a restart, or whose
        applying failed), before they are applied: :meth:`apply` never saw them."""
        self.journal = path.with_name(path.name + _HELD)
        self.lock = asyncio.Lock()
        self.journal_due = False
        """Held writes that could not be applied yet: the next write or open applies them first."""
        self.replay: list[Operation] | None = None
        """From a copy on, until its optimised shard is switched in (or the optimisation ends):
        the writes made to the live shard, to replay onto the optimised one."""
        self._held: list[Operation] | None = None
        """While the live shard is copied: the writes held back from it (and journaled)."""
        self._landing: list[Operation] = []
        """Held or journaled writes taken out to be applied, until they are."""
        self._copied = asyncio.Event()
        self._copied.set()
        self._unflushed = 0

    @property
    def holding(self) -> bool:
        """Whether writes are being held back (a copy is under way)."""
        return self._held is not None

    @property
    def held(self) -> list[Operation]:
        """The writes held back from the live shard, or read back from the journal, that are
        not applied yet (a batch being applied, one write at a time if refused, included)."""
        return [*(self._held or []), *self._landing]

    @_changes
    async def apply(self, operations: list[Operation]) -> None:
        """Apply ``operations`` to the live shard, or hold them back (journaled) while it is
        copied; a delete waits for the copy instead."""
        holdable = all(operation[0] in _HOLDABLE for operation in operations)
        while True:
            if not holdable:
                # A delete must be gone from lookups when it returns (a purge is an erasure),
                # so it waits for the copy instead of being held.
                await self._copied.wait()
            async with self.lock:
                if self._held is not None and not holdable:
                    continue  # another copy began before this write got the lock
                if self._held is not None:
                    try:
                        await asyncio.to_thread(journal_append, self.journal, operations)
                    except OSError as error:
                        raise IndexUnavailable(f"cannot hold an index write: {error}") from error
                    self._held.extend(operations)
                else:
                    if self.journal_due:  # held writes that could not be applied yet
                        await self.apply_journal()
                    await self._call("update", operations)
                    self._unflushed += points_in(operations)
                    if self._unflushed >= _FLUSH_EVERY:
                        await self.flush()
                if self.replay is not None:
                    self.replay.extend(operations)
                return

    async def flush(self) -> None:
        await self._call("flush")
        self._unflushed = 0

    async def settled(self) -> None:
        """Wait until every write acknowledged so far is seen by lookups: while the shard is
        copied, entries stored are held back from it until the copy is done."""
        await self._copied.wait()

    async def hold(self) -> None:
        """The live shard is about to be copied: apply what the journal still holds, flush, and
        from now on hold writes back (and keep them for replay) until :meth:`release`."""
        async with self.lock:
            if self.journal_due:  # older held writes first, so that the copy has them
                await self.apply_journal()
            await self.flush()
            self._held, self.replay = [], []
            self._copied.clear()

    @_changes
    async def release(self) -> None:
        """The copy is done: apply the held writes to the live shard, a page at a time with
        requests served in between (entries stored meanwhile are held too, after them), then
        the rest under the lock; drop the journal. Applied whole, the 13,000 points an import
        held kept writes waiting 2.8 s. On failure the journal stays, and the next write or
        open applies it first."""
        applied, budget = False, 2 * points_in(self._held or [])
        while True:
            async with self.lock:
                held = self._held or []
                if budget <= 0 or points_in(held) <= PAGE_POINTS:
                    self._held = None
                    self._copied.set()
                    if held or applied:
                        self.journal_due = True
                        await self.apply_journal(held, flush=applied)
                    return
                batch = first_page(held)
                del held[: len(batch)]
                self._landing = batch
            try:
                await update(self._call, batch)
            except BaseException:
                self._held, self.journal_due = None, True  # the whole journal, before any write
                self._copied.set()
                raise
            finally:
                self._landing = []
            applied, budget = True, budget - points_in(batch)

    @_changes
    async def apply_journal(
        self, held: Sequence[Operation] | None = None, *, flush: bool = False
    ) -> None:
        """Apply the journaled writes (``held``, or what the journal file holds: after a crash,
        or a failed apply) to the live shard, flush (also when ``flush``), and delete the
        journal. On failure it stays, and the next write or open applies it first (writes are
        idempotent)."""
        if held is None:
            held = await asyncio.to_thread(journal_read, self.journal)
            if held:
                log.info("applying %d index writes held while the shard was copied", len(held))
                self.read_back(held)
        rest = list(held)
        self._landing = list(held)
        try:
            while rest:
                batch = first_page(rest)
                del rest[: len(batch)]
                await update(self._call, batch)
        finally:
            self._landing = []
        if held or flush:
            await self.flush()
        self.journal.unlink(missing_ok=True)
        self.journal_due = False

    async def replay_onto(self, call: Call, *, last: bool = False) -> None:
        """Replay through ``call`` (an optimised shard's) the writes made to the live shard since
        it was copied, a page at a time with requests served in between; ``last``: all of them
        (the caller holds :attr:`lock`, so no more come). Without ``last`` it stops after twice
        what there was to replay: an import may write as fast as the replay goes, and would keep
        it going."""
        budget = math.inf if last else 2 * points_in(self.replay or [])
        while self.replay and budget > 0 and (last or points_in(self.replay) > PAGE_POINTS):
            batch = first_page(self.replay)
            del self.replay[: len(batch)]
            await update(call, batch)
            budget -= points_in(batch)
        if last:
            await call("flush")


async def update(call: Call, operations: list[Operation]) -> None:
    """``update`` through ``call`` (the live shard's or an optimised one's) for held or replayed
    writes. A batch refused is applied one write at a time, dropping hits recorded for an entry
    deleted between their reading and the copy (Edge refuses a payload for a missing point): one
    such write must not keep the rest, and every later write, out."""
    try:
        await call("update", operations)
        return
    except IndexUnavailable as error:
        log.info("held or replayed index writes refused (%s); applying them one by one", error)
    for operation in operations:
        try:
            await call("update", [operation])
        except IndexUnavailable:
            if operation[0] != "set_payload" or await call("retrieve", operation[1]):
                raise
            log.info("dropped hits held for entry %s, deleted meanwhile", operation[1][0])
