"""Warm starts: a near miss generated from the cached image of a similar prompt.

Between a hit and a miss lies a band of near misses ("a castle on a hill at sunrise" after "a
castle on a hill at sunset"). A new image is needed, but the cached one is a good start: the
backend noises it part of the way and denoises from there (image-to-image), so only a fraction
of the steps runs. NIRVANA (NSDI 2024) reuses intermediate states of similar prompts in the same
spirit.

The closer the prompts, the less is redone: ``strength`` (the fraction of steps run) falls from
``strength_max`` at ``min_similarity`` to ``strength_min`` at the hit threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WarmStart"]


@dataclass(frozen=True, slots=True)
class WarmStart:
    """The warm-start band and the strengths used in it."""

    min_similarity: float
    strength_min: float = 0.5
    strength_max: float = 0.75

    def strength(self, similarity: float, threshold: float) -> float:
        """The fraction of steps to run for a candidate at ``similarity``, below ``threshold``
        (or above it, when the verifier refused it): never more than ``strength_max``."""
        span = max(threshold - self.min_similarity, 1e-6)
        closeness = min(1.0, max(0.0, (similarity - self.min_similarity) / span))
        return round(self.strength_max - closeness * (self.strength_max - self.strength_min), 3)
