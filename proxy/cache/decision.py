"""The one place where a cached entry is accepted or rejected for a request.

Every path that could serve a cached image (exact lookups, semantic lookups, and later the
evaluation command and the benchmarks) asks ``MatchPolicy.decide``; nothing else decides a hit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
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
    match: str | None = None
    """For a served candidate: ``exact`` (same key) or ``semantic``."""


class MatchPolicy:
    """Accepts a candidate when it lies in the query's partition and either has the query's
    exact key, or a similarity at or above the threshold (the request's own, else the default)
    and the same text where the embedding model is blind.

    ``unseen_text`` names that text for a prompt (``Embedder.unseen_text``): the model maps
    most emoji, non-Latin digits and scripts to ``[UNK]`` and ignores what lies past its
    maximum length, so "a 狗 cat" and "a 猫 cat" (or two counts in Arabic-Indic digits) embed
    identically and their similarity says nothing.
    """

    def __init__(self, threshold: float, unseen_text: Callable[[str], Counter[str]]) -> None:
        self.threshold = threshold
        self.unseen_text = unseen_text

    async def decide(self, query: Query, candidate: Candidate, controls: CacheControls) -> Decision:
        entry = candidate.entry
        if entry.partition != query.partition.key:
            return Decision(False, "partition_mismatch")
        if entry.key == query.key:
            return Decision(True, "exact", "exact")
        threshold = controls.threshold if controls.threshold is not None else self.threshold
        if candidate.similarity < threshold:
            return Decision(False, "below_threshold")
        if self.unseen_text(query.canonical) != self.unseen_text(entry.canonical):
            return Decision(False, "unseen_text_differs")
        return Decision(True, "similar", "semantic")
