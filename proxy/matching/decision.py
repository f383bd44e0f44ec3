"""The one place where a cached entry is accepted or rejected for a request.

Every path that could serve a cached image (exact lookups and semantic lookups in the proxy, the
``memoaized eval`` and ``calibrate`` commands, and the benchmarks) asks ``MatchPolicy.decide``;
nothing else decides a hit. For a candidate, in order::

    same partition?  ->  same key: exact hit (unless the verifier finds tags given to
                         another thing: the key compares tags as a set)
    ->  similarity at or above the threshold (or in the judge's gray zone)?
    ->  the same text where the embedding model is blind?
    ->  the verifier: does the cached image show everything the request asks for?
    ->  in the gray zone, the judge: yes or no
    ->  semantic hit
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from proxy.cache.controls import CacheControls
from proxy.index.base import Candidate
from proxy.matching.canonical import (
    Partition,
    cache_key,
    canonical_prompt,
    forget_canonical_prompts,
)
from proxy.matching.judge import Judge, Verdict
from proxy.matching.lexicon import WordNet
from proxy.matching.memo import PromptMemo
from proxy.matching.normalise import fold_words
from proxy.matching.reading import KNOWN
from proxy.matching.spelling import Speller
from proxy.matching.verify import WARM_BLOCKERS, Verifier
from proxy.metrics import Metrics
from proxy.settings import Settings

__all__ = ["Decision", "MatchPolicy", "Query"]

LONG_PROMPTS = 2000
"""Characters in two prompts beyond which they are verified in a worker thread."""
MOVED_TAGS = frozenset({"swapped_attributes", "swapped_roles"})
"""The verifier's findings that refuse even an exact hit: tags moved between two things."""


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
    stage: str = "policy"
    """What decided: ``policy`` (partition, key, threshold, unseen text), ``verifier`` or
    ``judge``."""


class MatchPolicy:
    """Accepts a candidate when it lies in the query's partition and either has the query's
    exact key, or a similarity at or above the threshold (the request's own, else the default),
    the same text where the embedding model is blind, and the verifier's and, in the gray zone,
    the judge's approval.

    ``unseen_text`` names that text for a prompt (``Embedder.unseen_text``): the model maps
    most emoji, non-Latin digits and scripts to ``[UNK]`` and ignores what lies past its
    maximum length, so "a 狗 cat" and "a 猫 cat" (or two counts in Arabic-Indic digits) embed
    identically and their similarity says nothing.

    With a judge, candidates whose similarity lies in its gray zone are served only when it says
    yes, even below the default threshold; a request's own threshold still bounds everything.
    """

    def __init__(
        self,
        threshold: float,
        unseen_text: Callable[[str], Counter[str]],
        *,
        verifier: Verifier | None = None,
        judge: Judge | None = None,
        speller: Speller | None = None,
    ) -> None:
        self.threshold = threshold
        # Tokenizing both prompts for every candidate took a sixth of the proxy's busy time
        # under semantic hits (py-spy, 64 clients): the query and the cached prompts recur.
        self.unseen_text = PromptMemo(unseen_text)
        self.verifier = verifier
        self.judge = judge
        self.speller = speller

    @classmethod
    def from_settings(
        cls, settings: Settings, unseen_text: Callable[[str], Counter[str]], metrics: Metrics
    ) -> MatchPolicy:
        """The policy ``settings`` describe: the proxy and the evaluation commands build theirs
        here, so they decide alike. Reads WordNet (a fraction of a second): call it off the
        event loop."""
        verifier = Verifier(WordNet.open(settings.wordnet_dir)) if settings.verify else None
        speller = None
        if verifier is not None and verifier.wordnet is not None:
            speller = Speller(verifier.wordnet, KNOWN)
        judge = None
        if settings.judge_url:
            judge = Judge(
                base_url=settings.judge_url,
                model=settings.judge_model,
                api_key=settings.judge_api_key,
                timeout=settings.judge_timeout,
                lower=settings.judge_min_similarity,
                upper=settings.judge_max_similarity,
                metrics=metrics,
            )
        return cls(settings.threshold, unseen_text, verifier=verifier, judge=judge, speller=speller)

    def embedding_text(self, canonical: str) -> str:
        """What the embedding model reads for a canonical prompt: misspelt words mended where
        the verifier has a lexicon (:class:`~proxy.matching.spelling.Speller`), then one
        spelling and one word per listed synonym group
        (:func:`~proxy.matching.normalise.fold_words`), so a typo or a synonym does not push a
        re-ask below the threshold. The verifier still decides."""
        mended = self.speller.mend(canonical) if self.speller is not None else canonical
        return fold_words(mended)

    def forget(self) -> None:
        """Drop every prompt (and every word of one) the verifier, the speller and the judge
        remember, and the canonical forms remembered (after entries are deleted: an erased
        prompt must not live on in memory)."""
        forget_canonical_prompts()
        self.unseen_text.clear()
        if self.verifier is not None:
            self.verifier.forget()
        if self.speller is not None:
            self.speller.forget()
        if self.judge is not None:
            self.judge.memory.clear()

    async def read_ahead(self, prompt: str) -> None:
        """Have the verifier read ``prompt`` as a cached prompt (:meth:`Verifier.prepare`), in a
        worker thread, while its image is generated."""
        if self.verifier is not None:
            await asyncio.to_thread(self.verifier.prepare, prompt)

    async def close(self) -> None:
        if self.judge is not None:
            await self.judge.close()
        if self.verifier is not None and self.verifier.wordnet is not None:
            self.verifier.wordnet.close()

    async def may_warm_start(self, query: Query, candidate: Candidate) -> bool:
        """Whether a miss for ``query`` may start from ``candidate``'s image: same partition,
        the same text where the embedding model is blind, and no verifier finding that image-to-
        image could not redraw (``WARM_BLOCKERS``)."""
        entry = candidate.entry
        if entry.partition != query.partition.key:
            return False
        if self.unseen_text(query.canonical) != self.unseen_text(entry.canonical):
            return False
        return await self._verify(entry.prompt, query.prompt) not in WARM_BLOCKERS

    async def _verify(self, cached: str, request: str) -> str | None:
        """The verifier's finding (None: nothing differs that matters, or no verifier)."""
        if self.verifier is None:
            return None
        if len(cached) + len(request) > LONG_PROMPTS:
            # A few milliseconds and up (200 ms for two 32,000-character prompts read for the
            # first time): not on the event loop, where every other request waits.
            return await asyncio.to_thread(self.verifier.check, cached, request)
        return self.verifier.check(cached, request)

    async def _moved_tags(self, cached: str, request: str) -> str | None:
        """The verifier's finding where a request with the cached prompt's key gives its tags
        to other things (``MOVED_TAGS``), else None. The canonical form compares three tags or
        more as a set: "a knight, silver armor, a mage, red robes" with the armor and the robes
        swapped is the same set, but another picture."""
        if cached == request or request.count(",") < 2:
            return None
        reason = await self._verify(cached, request)
        return reason if reason in MOVED_TAGS else None

    async def decide(self, query: Query, candidate: Candidate, controls: CacheControls) -> Decision:
        entry = candidate.entry
        if entry.partition != query.partition.key:
            return Decision(False, "partition_mismatch")
        if entry.key == query.key:
            moved = await self._moved_tags(entry.prompt, query.prompt)
            if moved is not None:
                return Decision(False, moved, stage="verifier")
            return Decision(True, "exact", "exact")
        similarity = candidate.similarity
        threshold = controls.threshold if controls.threshold is not None else self.threshold
        gray = (
            self.judge is not None
            and self.judge.in_gray_zone(similarity)
            and (controls.threshold is None or similarity >= controls.threshold)
        )
        if similarity < threshold and not gray:
            return Decision(False, "below_threshold")
        if self.unseen_text(query.canonical) != self.unseen_text(entry.canonical):
            return Decision(False, "unseen_text_differs")
        reason = await self._verify(entry.prompt, query.prompt)
        if reason is not None:
            return Decision(False, reason, stage="verifier")
        if gray:
            assert self.judge is not None
            verdict = await self.judge.allows(entry.prompt, query.prompt)
            if verdict is not Verdict.YES:
                return Decision(False, f"judge_{verdict.value}", stage="judge")
            return Decision(True, "judge_yes", "semantic", stage="judge")
        return Decision(True, "verified" if self.verifier else "similar", "semantic")
