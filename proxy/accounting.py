"""What each request cost and what the cache saved: energy, time and money.

A generated image spends its energy (measured by the backend on an NVIDIA GPU, else the model's
estimate from configuration) and its price. A cached image saves what its entry recorded when it
was generated: the same energy, with the same source label, and the model's price. Latency saved
is the generation time of the cached images less the time the proxy spent answering.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from proxy.cache.results import CacheResult
from proxy.metrics import Metrics

__all__ = ["Accountant", "CostModel"]


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


class Accountant:
    """Credits one answered request to the metrics."""

    def __init__(self, metrics: Metrics, costs: CostModel) -> None:
        self.metrics = metrics
        self.costs = costs

    def record(self, result: CacheResult, model: str, elapsed: float) -> None:
        """``result`` answered a request for ``model`` in ``elapsed`` seconds."""
        metrics = self.metrics
        outcome = result.status.value.lower()
        metrics.requests.labels(outcome, result.match or "none").inc()
        metrics.request_seconds.labels(outcome).observe(elapsed)
        generation_avoided = 0.0
        for image in result.images:
            if image.match is None:
                metrics.images_served.labels("backend").inc()
                metrics.energy_spent_wh.labels(image.energy_source).inc(image.energy_wh)
                metrics.money_spent_usd.inc(self.costs.price(model))
                continue
            metrics.images_served.labels("cache").inc()
            if image.entry is None:
                continue
            entry = image.entry
            metrics.energy_saved_wh.labels(entry.energy_source).inc(entry.energy_wh)
            metrics.money_saved_usd.inc(self.costs.price(entry.model))
            generation_avoided += entry.generation_seconds
        if generation_avoided:
            # The time not spent generating, less the time the proxy took for the rest.
            answering = elapsed - result.generation_seconds
            metrics.latency_saved_seconds.inc(max(0.0, generation_avoided - answering))
