"""The way from a miss to the backend: one generation through the circuit breaker, a slot of
the generation gate and the deadline, warm-started where asked, with its metrics."""

from __future__ import annotations

import asyncio
import logging

from backends.base import (
    BackendError,
    Generation,
    GenerationRequest,
    GenerationTimedOut,
    ImageBackend,
    WarmStartRefused,
)
from backends.images_api import KNOWN_MODELS
from proxy.cache.admission import CircuitBreaker, GenerationGate
from proxy.errors import CircuitOpen, Overloaded
from proxy.metrics import Metrics

__all__ = ["Generations"]

log = logging.getLogger(__name__)

_DEADLINE_SLACK = 2.0
"""Seconds the proxy waits past ``generation_timeout`` for the backend's own timeout error."""


class Generations:
    """Runs generations on ``backend``: only generations wait for a slot, never hits."""

    def __init__(
        self,
        backend: ImageBackend,
        gate: GenerationGate,
        breaker: CircuitBreaker,
        metrics: Metrics,
        *,
        generation_timeout: float | None = None,
    ) -> None:
        self.backend = backend
        self.gate = gate
        self.breaker = breaker
        self.metrics = metrics
        self.generation_timeout = generation_timeout
        """Seconds a generation may take before the request gets 504 and the slot is freed."""

    async def run(
        self, request: GenerationRequest, warm: GenerationRequest | None = None
    ) -> tuple[Generation, bool]:
        """One generation, through the circuit breaker and the generation gate: only
        generations wait for a slot, never hits. With ``warm`` (``request`` as a warm start),
        that is tried first; if the backend refuses the warm start, ``request`` runs from noise
        in the same slot. Returns the generation and whether it was warm-started."""
        try:
            async with self.breaker.call(), self.gate.slot():
                self.metrics.in_flight.inc()
                try:
                    generation, warmed = await self._within_deadline(request, warm)
                finally:
                    self.metrics.in_flight.dec()
        except BackendError as error:
            self.metrics.backend_errors.labels(type(error).__name__).inc()
            raise
        except (Overloaded, CircuitOpen) as error:
            reason = "queue_full" if isinstance(error, Overloaded) else "circuit_open"
            self.metrics.rejections.labels(reason).inc()
            raise
        self.metrics.generation_seconds.labels(
            self.backend.name, self._model_label(request)
        ).observe(generation.seconds)
        return generation, warmed

    async def _within_deadline(
        self, request: GenerationRequest, warm: GenerationRequest | None
    ) -> tuple[Generation, bool]:
        """The generation, or ``GenerationTimedOut`` once ``generation_timeout`` has passed (a
        little later than the backend's own deadline, which can say more)."""
        if self.generation_timeout is None:
            return await self._warm_or_cold(request, warm)
        try:
            return await asyncio.wait_for(
                self._warm_or_cold(request, warm), self.generation_timeout + _DEADLINE_SLACK
            )
        except TimeoutError:
            raise GenerationTimedOut(
                f"the generation took longer than {self.generation_timeout:g} s "
                "(--generation-timeout) and was given up"
            ) from None

    async def _warm_or_cold(
        self, request: GenerationRequest, warm: GenerationRequest | None
    ) -> tuple[Generation, bool]:
        if warm is not None:
            try:
                return await self.backend.generate(warm), True
            except WarmStartRefused as refused:
                log.warning("warm start refused, generating from noise: %s", refused.message)
                self.metrics.warm_start_failures.inc()
        return await self.backend.generate(request), False

    def _model_label(self, request: GenerationRequest) -> str:
        """The model as a metric label: a configured or known model's name, else ``other``
        (a backend that passes any name through must not let clients mint label values)."""
        served = self.backend.served_models()
        known = served if served is not None else KNOWN_MODELS
        if request.model in known or request.model == self.backend.default_model:
            return request.model
        return "other"
