"""Single-flight: concurrent requests for the same key share one piece of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["SingleFlight"]

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Runs at most one ``work`` per key at a time; callers that arrive while it runs wait for
    its result (or its exception) instead of starting their own.

    The work runs as its own task, shielded from each caller: a caller whose client disconnects
    does not cancel a generation that others still wait for. When the last caller is gone, no
    one is left to answer, and the work is cancelled (a generation that nobody waits for would
    hold a slot, and the CPU or GPU, for nothing).
    """

    def __init__(self) -> None:
        self._flights: dict[str, asyncio.Task[T]] = {}
        self._waiting: dict[asyncio.Task[T], int] = {}

    def __len__(self) -> int:
        return len(self._flights)

    async def run(self, key: str, work: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """The result of the flight for ``key``, and whether this caller joined one already in
        progress (True) rather than leading it (False)."""
        task = self._flights.get(key)
        joined = task is not None
        if task is None:
            task = asyncio.ensure_future(work())
            self._flights[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        self._waiting[task] = self._waiting.get(task, 0) + 1
        try:
            return await asyncio.shield(task), joined
        finally:
            self._waiting[task] -= 1
            if not self._waiting[task]:
                del self._waiting[task]
                if not task.done():
                    task.cancel()  # every caller has gone away

    def _forget(self, key: str, task: asyncio.Task[T]) -> None:
        if self._flights.get(key) is task:
            del self._flights[key]
        if not task.cancelled():
            task.exception()  # retrieved here so an unawaited failure is never logged as lost

    async def drain(self) -> None:
        """Wait for every flight in progress (graceful shutdown)."""
        if self._flights:
            await asyncio.gather(*self._flights.values(), return_exceptions=True)
