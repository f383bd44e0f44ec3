"""What each request cost and what the cache saved: energy, time and money.

A generated image spends its energy (measured by the backend on an NVIDIA GPU, else the model's
estimate from configuration) and its price. A cached image saves what its entry recorded when it
was generated: the same energy, with the same source label, and the model's price. Latency saved
is the generation time of the cached images less the time the proxy spent answering. A warm start
saves the time and energy of the steps it skipped (counted in the ``memoaized_warm_*`` metrics).
Each request's own figures are returned as ``Savings``, for its response headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from proxy.cache.results import CacheResult
from proxy.metrics import Metrics

__all__ = ["Accountant", "CostModel", "Savings"]


@dataclass(frozen=True, slots=True)
class CostModel:
    """Per-model estimates from configuration."""

    energy_wh_per_image: float
    """For models with no figure of their own."""
    model_energy_wh: Mapping[str, float] = field(default_factory=dict)
    prices: Mapping[str, float] = field(default_factory=dict)
    price_per_image: float = 0.0
    """For models with no price of their own."""

    def energy_wh(self, model: str) -> float:
        return self.model_energy_wh.get(model, self.energy_wh_per_image)

    def price(self, model: str) -> float:
        return self.prices.get(model, self.price_per_image)


@dataclass(frozen=True, slots=True)
class Savings:
    """What the cache saved one request."""

    energy_wh: float = 0.0
    """What the cached images served cost when they were generated, plus what warm starts
    skipped."""
    seconds: float = 0.0
    """Generation time of the cached images served less the time the proxy took, plus the
    time warm starts skipped."""
    usd: float = 0.0
    """The price of the cached images served."""


class Accountant:
    """Credits one answered request to the metrics."""

    def __init__(self, metrics: Metrics, costs: CostModel) -> None:
        self.metrics = metrics
        self.costs = costs

    def record(self, result: CacheResult, model: str, elapsed: float) -> Savings:
        """``result`` answered a request for ``model`` in ``elapsed`` seconds: credit it to the
        metrics, and return what it saved."""
        metrics = self.metrics
        outcome = result.status.value.lower()
        metrics.requests.labels(outcome, result.match or "none").inc()
        metrics.request_seconds.labels(outcome).observe(elapsed)
        generation_avoided = energy_saved = money_saved = warm_seconds = 0.0
        for image in result.images:
            if image.match is None:
                metrics.images_served.labels("backend").inc()
                metrics.energy_spent_wh.labels(image.energy_source).inc(image.energy_wh)
                metrics.money_spent_usd.inc(self.costs.price(model))
                energy_saved += image.warm_energy_saved_wh
                warm_seconds += image.warm_seconds_saved
                continue
            metrics.images_served.labels("cache").inc()
            if image.entry is None:
                continue
            entry = image.entry
            price = self.costs.price(entry.model)
            metrics.energy_saved_wh.labels(entry.energy_source).inc(entry.energy_wh)
            metrics.money_saved_usd.inc(price)
            energy_saved += entry.energy_wh
            money_saved += price
            generation_avoided += entry.generation_seconds
        latency_saved = 0.0
        if generation_avoided:
            # The time not spent generating, less the time the proxy took for the rest.
            answering = elapsed - result.generation_seconds
            latency_saved = max(0.0, generation_avoided - answering)
            metrics.latency_saved_seconds.inc(latency_saved)
        return Savings(energy_saved, latency_saved + warm_seconds, money_saved)
