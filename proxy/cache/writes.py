"""Images being stored after their answers.

A ``b64_json`` answer carries its images, so the cache writes them (image, then index point)
after the answer leaves, a few milliseconds off every miss. Each write is a task known by the
keys whoever must see it waits on: its cache key (an exact repeat), its partition key (a
reworded request) and its entry id (a ``url`` request that joined the generation). A crash in
between loses those entries, never an answer, and never leaves a point without its image.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["WritesAfterAnswers", "settle"]

log = logging.getLogger(__name__)


class WritesAfterAnswers:
    """The writes in progress, by each of their keys. ``failed`` hears of a write that raised
    (the writer catches and counts the store's and the index's own errors)."""

    def __init__(self, failed: Callable[[], None] = lambda: None) -> None:
        self._tasks: set[asyncio.Task[bool]] = set()
        self._by_key: dict[str, set[asyncio.Task[bool]]] = {}
        self._failed = failed

    def __len__(self) -> int:
        """How many writes are in progress."""
        return len(self._tasks)

    def all(self) -> set[asyncio.Task[bool]]:
        """Every write in progress, as they are now."""
        return set(self._tasks)

    def of(self, key: str) -> set[asyncio.Task[bool]]:
        """The writes in progress under ``key``, as they are now."""
        return set(self._by_key.get(key, ()))

    def start(self, keys: tuple[str, ...], write: Coroutine[Any, Any, bool]) -> None:
        """Run ``write`` (True when stored) as a task known under each of ``keys``."""
        task = asyncio.create_task(write)
        self._tasks.add(task)
        for key in keys:
            self._by_key.setdefault(key, set()).add(task)
        task.add_done_callback(functools.partial(self._done, keys))

    async def wait(self, key: str | None, at_most: float) -> int:
        """Wait, ``at_most`` seconds, for the writes under ``key`` (None: all of them); how
        many are still in progress."""
        tasks = self.of(key) if key is not None else self.all()
        return await settle(tasks, time.monotonic() + at_most)

    def _done(self, keys: tuple[str, ...], task: asyncio.Task[bool]) -> None:
        self._tasks.discard(task)
        for key in keys:
            tasks = self._by_key.get(key)
            if tasks is not None:
                tasks.discard(task)
                if not tasks:
                    del self._by_key[key]
        if not task.cancelled() and task.exception() is not None:
            log.error("writing a generated image failed", exc_info=task.exception())
            self._failed()


async def settle(tasks: set[asyncio.Task[bool]], deadline: float) -> int:
    """Wait for ``tasks`` until ``deadline`` (``time.monotonic``); how many are not done."""
    pending = {task for task in tasks if not task.done()}
    if pending:
        _, pending = await asyncio.wait(pending, timeout=max(0.0, deadline - time.monotonic()))
    return len(pending)
