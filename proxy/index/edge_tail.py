"""When the embedded shard's unindexed tail is due an optimisation, and how an import waits for it.

Points stored since the last optimisation are outside the HNSW graph and searched by brute force.
The tail is due once it holds a tenth of the points, at least ``SMALLEST_TAIL`` and at most
``optimize_after``. Writes count the points they store, so that the proxy's upkeep loop is woken
as soon as the tail is due instead of at its next look: a bulk import is indexed as it arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from proxy.index.edge_process import ShardInfo

__all__ = ["SMALLEST_TAIL", "UnindexedTail"]

log = logging.getLogger(__name__)

SMALLEST_TAIL = 1000
"""Fewer unindexed points than this never start an optimisation: brute force is as quick."""
_ROOM_SECONDS = 60.0
"""The longest an import page waits for the index to catch up: well within the import client's
120 s timeout (an optimisation at a million points may take longer; the page goes on)."""
_ROOM_IDLE = 5.0
"""How long an import waits for an optimisation to start before it goes on without one."""
_ROOM_POLL = 0.25


class UnindexedTail:
    """The points outside the HNSW graph, as of the shard's last count plus those stored since."""

    def __init__(self, optimize_after: int) -> None:
        self.optimize_after = optimize_after
        """Optimise at the latest once this many points are not yet in the HNSW index (a
        brute-force search of 10,000 vectors takes about a millisecond)."""
        self._wanted = asyncio.Event()
        self._stored = 0
        self._room = SMALLEST_TAIL
        """Points that may be stored, as of the last count, before the tail is due."""

    def due(self, info: ShardInfo) -> bool:
        """Whether ``info``'s unindexed tail is due, and how many points may be stored before
        it is: the upkeep loop is woken then (at once where it is due already)."""
        tail = min(self.optimize_after, max(SMALLEST_TAIL, info.points // 10))
        self._stored, self._room = 0, max(1, tail - info.unindexed)
        if info.unindexed >= tail:
            self._wanted.set()
        else:
            self._wanted.clear()
        return info.unindexed >= tail

    def stored(self, points: int) -> None:
        """``points`` were stored: the upkeep loop is woken once they make the tail due."""
        self._stored += points
        if self._stored >= self._room:
            self._wanted.set()

    def put_off(self) -> None:
        """An optimisation was put off (the volume is low): not woken by every write."""
        self._stored, self._room = 0, SMALLEST_TAIL
        self._wanted.clear()

    def quiet(self) -> None:
        """Nothing to maintain (the index closes): an upkeep loop still running waits its timer."""
        self._wanted.clear()

    async def wanted(self, seconds: float) -> None:
        """Return after ``seconds``, or as soon as enough points were stored since the last
        count to make the tail due."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wanted.wait(), seconds)
        self._wanted.clear()  # set again by the next write while the tail is still due

    async def make_room(
        self, info: Callable[[], Awaitable[ShardInfo]], optimising: Callable[[], bool]
    ) -> None:
        """Wait while more points are outside the HNSW graph than lookups should search by brute
        force (twice ``optimize_after``, or a tenth of the points where that is more) and an
        optimisation is under way (``optimising``) to index them, or one is about to start.
        Returns at once where no optimisation runs for a few seconds (the volume is low, or
        upkeep is off), and after ``_ROOM_SECONDS`` at the most."""
        loop = asyncio.get_running_loop()
        started = idle = loop.time()
        while loop.time() - started < _ROOM_SECONDS:
            now = await info()
            if now.unindexed <= max(2 * self.optimize_after, now.points // 10):
                return
            self._wanted.set()
            if optimising():
                idle = loop.time()
            elif loop.time() - idle > _ROOM_IDLE:
                return
            await asyncio.sleep(_ROOM_POLL)
        log.warning(
            "an import went on with %d points unindexed after waiting %.0f s for the index",
            now.unindexed,
            _ROOM_SECONDS,
        )
