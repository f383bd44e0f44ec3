"""What keeps the proxy answering under load and while its backend is down.

- ``GenerationGate``: at most ``concurrency`` backend generations at once, up to ``queue`` more
  waiting for a slot; beyond that a request is refused at once (429 with ``Retry-After``) rather
  than left to pile up. Only generations pass the gate: hits never wait behind misses.
- ``CircuitBreaker``: after ``failures`` consecutive backend-unreachable errors it opens, and
  generations fail fast (503 with ``Retry-After``) instead of each waiting for a timeout; after
  ``cooldown`` seconds one probe generation is let through, and its success closes it.
- ``RateLimiter``: an optional token bucket per client key (requests per minute).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable

from backends.base import BackendUnavailable
from proxy.errors import CircuitOpen, Overloaded, RateLimited

__all__ = ["CircuitBreaker", "GenerationGate", "RateLimiter"]


class GenerationGate:
    """Bounds the generations running and waiting."""

    def __init__(self, concurrency: int, queue: int, retry_after: float = 2.0) -> None:
        self.concurrency = concurrency
        self.queue = queue
        self.retry_after = retry_after
        self._slots = asyncio.Semaphore(concurrency)
        self.running = 0
        self.waiting = 0

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a generation slot; raises ``Overloaded`` when the queue is full."""
        if self._slots.locked() and self.waiting >= self.queue:
            raise Overloaded(
                f"The proxy is generating {self.running} images and {self.waiting} more are "
                "waiting; try again shortly (cached images are still served).",
                retry_after=self.retry_after,
            )
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._slots.release()


class CircuitBreaker:
    """Fails generations fast while the backend is unreachable, and probes it back."""

    def __init__(
        self,
        failures: int,
        cooldown: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        """Consecutive unreachable-backend errors that open the circuit (0: never)."""
        self.cooldown = cooldown
        self._clock = clock
        self._consecutive = 0
        self._open_until: float | None = None
        self._probing = False
        self.state = "closed"

    @contextlib.asynccontextmanager
    async def call(self) -> AsyncIterator[None]:
        """Guard one backend call: raises ``CircuitOpen`` while open (or while another
        request probes); counts ``BackendUnavailable`` raised inside."""
        probe = self._admit()
        try:
            yield
        except BackendUnavailable:
            self._failed(probe)
            raise
        except BaseException:
            if probe:  # answered, even if with an error: the backend is reachable
                self._probing = False
                self._set("closed")
            raise
        self._consecutive = 0
        if probe or self.state != "closed":
            self._probing = False
            self._set("closed")

    def _admit(self) -> bool:
        """Whether this call is the half-open probe; raises when it may not run."""
        if self._open_until is None:
            return False
        now = self._clock()
        if now < self._open_until or self._probing:
            wait = max(1, math.ceil(self._open_until - now)) if now < self._open_until else 1
            raise CircuitOpen(
                "The image backend is unreachable; generations fail fast until it answers "
                "again (cached images are still served).",
                retry_after=wait,
            )
        self._probing = True
        self._set("half_open")
        return True

    def _failed(self, probe: bool) -> None:
        self._consecutive += 1
        if probe:
            self._probing = False
        if probe or (self.failures and self._consecutive >= self.failures):
            self._open_until = self._clock() + self.cooldown
            self._set("open")

    def _set(self, state: str) -> None:
        if state == "closed":
            self._open_until = None
            self._consecutive = 0
        self.state = state


class RateLimiter:
    """A token bucket per key: ``per_minute`` requests a minute, in bursts of as many."""

    def __init__(
        self, per_minute: float, *, keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._keys = keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def check(self, key: str) -> None:
        """Take one token for ``key``; raises ``RateLimited`` when there is none."""
        if self.per_minute <= 0:
            return
        now = self._clock()
        tokens, last = self._buckets.pop(key, (self.per_minute, now))
        tokens = min(self.per_minute, tokens + (now - last) * self.per_minute / 60.0)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            wait = math.ceil((1.0 - tokens) * 60.0 / self.per_minute)
            raise RateLimited(
                f"Rate limit reached: {self.per_minute:g} requests per minute for this key.",
                retry_after=wait,
            )
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > self._keys:  # forget the longest-idle key
            self._buckets.popitem(last=False)
