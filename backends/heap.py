"""Python's garbage collector, kept off the request path.

A full collection walks every container object the process tracks and holds the event loop for all
of it. Start-up loads modules, the embedding model and the word lists, which live as long as the
process (in the sd-server: torch, diffusers and the pipeline): :func:`settle_start_up_heap`
collects once, freezes what is left (``gc.freeze``: full collections skip it from then on) and
hands the heap that start-up freed back to the system.

The verifier's remembered readings grow the same way while the proxy serves: tens of thousands of
long-lived objects that every later full collection walks again. Measured under
`bench/load.py --driver wrk --workloads semantic --concurrency 64` (2,000 entries), the proxy's
full collections took 95 to 131 ms each, one every five to ten seconds, and every request in
flight waited for each. :class:`FreezeSurvivors` freezes what a full collection left (live by
definition) once it finishes, so the next one walks only what is new since.

The cost: an object frozen while alive and later dropped is freed as usual by its reference count,
but if it is part of a reference cycle, the cycle is never collected. Request handling leaves
almost no cyclic garbage (those full collections found 0 to 25 objects), and freezing runs at most
once per ``min_seconds``, so what can leak is bounded by the few cycles alive at that moment.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import time
from typing import Any

__all__ = ["FreezeSurvivors", "keep_collections_short", "return_free_heap", "settle_start_up_heap"]

log = logging.getLogger(__name__)


def settle_start_up_heap() -> None:
    """Collect once, freeze what is left and return the freed heap to the system (glibc keeps
    it for the next allocation otherwise: about 60 MB after the embedding model loads, measured
    with `bench/load.py` as the proxy's RSS at ready). The return is skipped off glibc."""
    gc.collect()
    gc.freeze()
    return_free_heap()


def return_free_heap() -> None:
    """Return the heap freed so far to the system (off glibc: nothing)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        log.debug("malloc_trim is not available; freed heap stays with the process")


class FreezeSurvivors:
    """While installed, the objects that survive a full collection are frozen just after it (on
    ``loop``), at most once per ``min_seconds``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, min_seconds: float = 10.0) -> None:
        self.loop = loop
        self.min_seconds = min_seconds
        self.freezes = 0
        self._last = float("-inf")
        self._pending = False

    def install(self) -> None:
        if self._on_collection not in gc.callbacks:
            gc.callbacks.append(self._on_collection)

    def remove(self) -> None:
        if self._on_collection in gc.callbacks:
            gc.callbacks.remove(self._on_collection)

    def _on_collection(self, phase: str, info: dict[str, Any]) -> None:
        # Called inside the collector, possibly on another thread: only schedule the freeze.
        if phase != "stop" or info.get("generation") != 2 or self._pending:
            return
        if time.monotonic() - self._last < self.min_seconds or self.loop.is_closed():
            return
        self._pending = True
        try:
            self.loop.call_soon_threadsafe(self._freeze)
        except RuntimeError:  # the loop closed meanwhile
            self._pending = False

    def _freeze(self) -> None:
        self._pending = False
        self._last = time.monotonic()
        gc.freeze()
        self.freezes += 1


def keep_collections_short(loop: asyncio.AbstractEventLoop) -> FreezeSurvivors:
    """Once start-up is done: settle its heap, then freeze survivors while serving (call
    ``remove`` on the result at shutdown)."""
    settle_start_up_heap()
    freezer = FreezeSurvivors(loop)
    freezer.install()
    return freezer
