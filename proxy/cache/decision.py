"""The one place where a cached entry is accepted or rejected for a request.

Every path that could serve a cached image (exact lookups, semantic lookups, and later the
evaluation command and the benchmarks) asks ``MatchPolicy.decide``; nothing else decides a hit.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass

from proxy.cache.canonical import Partition, cache_key, canonical_prompt
from proxy.cache.controls import CacheControls
from proxy.index.base import Candidate

__all__ = ["Decision", "MatchPolicy", "Query"]


@dataclass(frozen=True, slots=True)
class Query:
    """A request's prompt and partition, as the cache sees them."""

    prompt: str
    canonical: str
    partition: Partition
    key: str

    @classmethod
    def of(cls, prompt: str, partition: Partition) -> Query:
        canonical = canonical_prompt(prompt)
        return cls(prompt, canonical, partition, cache_key(partition, canonical))


@dataclass(frozen=True, slots=True)
class Decision:
    """Serve or not, and why (the reason is a bounded label, fit for metrics and logs)."""

    serve: bool
    reason: str


# Characters the English embedding model cannot see: its tokenizer maps most emoji, symbols and
# non-Latin scripts to [UNK], so "a 狗 cat" and "a 猫 cat" embed identically (cosine 1.0).
_OPAQUE_CATEGORIES = frozenset({"So", "Sk", "Co", "Cn", "Lo"})


def _opaque_characters(text: str) -> Counter[str]:
    return Counter(c for c in text if unicodedata.category(c) in _OPAQUE_CATEGORIES)


class MatchPolicy:
    """Accepts a candidate when it lies in the query's partition and either has the query's
    exact key, or a similarity at or above the threshold (the request's own, else the default)
    and the same characters the embedding model cannot see."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    async def decide(self, query: Query, candidate: Candidate, controls: CacheControls) -> Decision:
        entry = candidate.entry
        if entry.partition != query.partition.key:
            return Decision(False, "partition_mismatch")
        if entry.key == query.key:
            return Decision(True, "exact")
        threshold = controls.threshold if controls.threshold is not None else self.threshold
        if candidate.similarity < threshold:
            return Decision(False, "below_threshold")
        if _opaque_characters(query.canonical) != _opaque_characters(entry.canonical):
            return Decision(False, "unembeddable_text_differs")
        return Decision(True, "similar")
