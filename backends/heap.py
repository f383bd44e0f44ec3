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

While it serves, the young generation is also collected less often (``YOUNG_COLLECTION_AFTER``),
so that a request's temporaries are not caught alive and moved to generations walked again.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import time
from typing import Any

__all__ = [
    "YOUNG_COLLECTION_AFTER",
    "FreezeSurvivors",
    "keep_collections_short",
    "return_free_heap",
    "settle_start_up_heap",
]

log = logging.getLogger(__name__)

YOUNG_COLLECTION_AFTER = 50_000
"""Container objects allocated, less those freed, before a young collection while serving
(Python's default is 700). A young collection walks every container still alive, and what it
finds alive moves to an older generation, which later collections walk again: a request's
temporaries caught mid-request. Most of them are freed by their reference count before 50,000
more are made. Measured over 34,000 verifier checks (the held-out pairs read ahead, one process,
``gc.callbacks``): with 700, about 1,750 young collections of 0.8 ms, 157 middle ones of 12 ms
and 15 full ones of 150 ms; with 50,000, 18 young ones of about 75 ms and almost no older ones,
and the checks of long prompts took 18% less in all. Through the live proxy
(`bench/latency.py --backend sd-server --entries 2000 --queries 100`, two runs each, alternating):
a semantic hit on a tag list p50 20.0 and 21.0 ms before, 15.6 and 16.7 after; on a caption 11.3
and 10.2 before, 7.2 and 8.6 after. Hits a second under load and the memory at 100,000 entries
did not move beyond their noise (see ``docs/benchmarks.md``)."""


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


class _YoungCollections:
    """The young generation's threshold, shared by every installed :class:`FreezeSurvivors` (two
    apps in one process, as in the tests): the first to install sets it, and the last to be
    removed restores what was there before, whatever order they stop in."""

    def __init__(self) -> None:
        self._holders = 0
        self._before: tuple[int, int, int] | None = None

    def hold(self) -> None:
        if self._holders == 0:
            self._before = gc.get_threshold()
            gc.set_threshold(YOUNG_COLLECTION_AFTER, *self._before[1:])
        self._holders += 1

    def release(self) -> None:
        self._holders -= 1
        if self._holders == 0 and self._before is not None:
            gc.set_threshold(*self._before)
            self._before = None


_young_collections = _YoungCollections()


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
        """Freeze survivors from now on, and collect the young generation less often (see
        ``YOUNG_COLLECTION_AFTER``)."""
        if self._on_collection not in gc.callbacks:
            gc.callbacks.append(self._on_collection)
            _young_collections.hold()

    def remove(self) -> None:
        """Stop freezing survivors, and collect as before :meth:`install`."""
        if self._on_collection in gc.callbacks:
            gc.callbacks.remove(self._on_collection)
            _young_collections.release()

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
