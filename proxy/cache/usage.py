"""The cache service's bookkeeping in memory: hits not yet written to the index, and one lock
per image so that storing it and deleting its last entry exclude each other."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

__all__ = ["KeyedLocks", "Usage"]


class Usage:
    """Hits counted in memory, written back to the index in the background (by the evictor):
    a hit never waits for an index write."""

    def __init__(self) -> None:
        self._hits: dict[str, tuple[int, float]] = {}

    def hit(self, entry_id: str, when: float) -> None:
        hits, _ = self._hits.get(entry_id, (0, 0.0))
        self._hits[entry_id] = (hits + 1, when)

    def __contains__(self, entry_id: object) -> bool:
        """Whether the entry was served since usage was last written back."""
        return entry_id in self._hits

    def take(self) -> dict[str, tuple[int, float]]:
        """Every hit counted since the last call, by entry id."""
        taken, self._hits = self._hits, {}
        return taken

    def restore(self, taken: dict[str, tuple[int, float]]) -> None:
        """Count again hits ``take`` returned that could not be written."""
        for key, (hits, last) in taken.items():
            now_hits, now_last = self._hits.get(key, (0, 0.0))
            self._hits[key] = (now_hits + hits, max(now_last, last))


class KeyedLocks:
    """One asyncio lock per key, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @contextlib.asynccontextmanager
    async def hold_all(self, keys: Iterable[str]) -> AsyncIterator[None]:
        """Hold the lock of every key, taken in sorted order so that two holders of
        overlapping sets never wait for each other."""
        async with contextlib.AsyncExitStack() as stack:
            for key in sorted(set(keys)):
                await stack.enter_async_context(self.hold(key))
            yield
