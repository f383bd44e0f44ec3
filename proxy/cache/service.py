"""The cache in front of a backend: lookup, decision, single-flight, generation and storage.

Knows nothing of HTTP. The request path, for each request::

    exact lookup by key  ->  embed, nearest neighbours in the partition  ->  MatchPolicy.decide
    ->  join an identical generation in flight, or generate the remainder  ->  store  ->  result

A failing index or store degrades the cache, never the request: lookups fail to misses, writes
are skipped, and both are counted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import logging
import time
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from backends.base import (
    BackendFailed,
    GenerationRequest,
    ImageBackend,
)
from proxy.auth import DEFAULT_TENANT
from proxy.cache.admission import CircuitBreaker, GenerationGate
from proxy.cache.controls import CacheControls
from proxy.cache.entries import Owner, cost_of
from proxy.cache.generation import Generations
from proxy.cache.results import CacheResult, CacheStatus, ServedImage
from proxy.cache.singleflight import SingleFlight
from proxy.cache.storage import CacheStorage, Vector
from proxy.cache.tenancy import Viewer
from proxy.cache.warm import WarmStart
from proxy.cache.writes import settle
from proxy.embedding import Embedder, EmbeddingBatches
from proxy.errors import NotCached
from proxy.index.base import (
    Candidate,
    Entry,
    IndexUnavailable,
    SemanticIndex,
    Stored,
    Where,
)
from proxy.matching.canonical import Partition
from proxy.matching.decision import MatchPolicy, Query
from proxy.matching.reading import REMEMBERED
from proxy.metrics import CIRCUIT_STATES, Metrics
from proxy.store import BlobNotFound, BlobStore, StoreError
from proxy.volume import DataVolume

__all__ = [
    "CacheResult",
    "CacheStatus",
    "ImageCache",
    "ServedImage",
]

log = logging.getLogger(__name__)

_WRITES_BEHIND = 64
"""Images at most being stored after their answers; beyond, a miss is stored before it is
answered (a slow store slows misses rather than filling memory with images)."""


class ImageCache:
    """Answers generation requests from the cache where the policy allows, else from the
    backend, storing what it generates."""

    def __init__(
        self,
        *,
        backend: ImageBackend,
        index: SemanticIndex,
        store: BlobStore,
        embedder: Embedder,
        policy: MatchPolicy,
        metrics: Metrics,
        energy_estimate_wh: Callable[[str], float],
        candidates: int = 8,
        ttl: float = 0.0,
        gate: GenerationGate | None = None,
        breaker: CircuitBreaker | None = None,
        warm: WarmStart | None = None,
        generation_timeout: float | None = None,
        volume: DataVolume | None = None,
        embedding_batch: int = 32,
        embedding_cache: int = 4096,
    ) -> None:
        self.backend = backend
        self.index = index
        self.store = store
        self.embedder = embedder
        self.policy = policy
        self.embeddings = EmbeddingBatches(
            self._embed_canonical,
            max_batch=embedding_batch,
            remember=embedding_cache,
            count=self._count_embeddings,
        )
        """Prompt vectors: concurrent requests share model calls, recent prompts are remembered."""
        self.metrics = metrics
        self.energy_estimate_wh = energy_estimate_wh
        """Energy of one image of a model, for backends that cannot measure it."""
        self.candidates = candidates
        """Nearest neighbours fetched per lookup (at least n)."""
        self.ttl = ttl
        """Seconds an entry may be served after it was stored (0: no limit)."""
        self.warm = warm
        """Warm starts for near misses (None: off)."""
        self.generations = Generations(
            backend,
            gate or GenerationGate(concurrency=8, queue=1024),
            breaker or CircuitBreaker(failures=0, cooldown=10.0),
            metrics,
            generation_timeout=generation_timeout,
        )
        """The way to the backend: the breaker, a slot of the gate, the deadline."""
        self.storage = CacheStorage(index, store, metrics, volume)
        """The entries and their images, and the writes still running after their answers."""
        metrics.queued.set_function(lambda: self.gate.waiting)
        metrics.circuit_state.set_function(lambda: CIRCUIT_STATES[self.breaker.state])
        self.flights: SingleFlight[tuple[ServedImage, ...]] = SingleFlight()
        self.reading_ahead: set[asyncio.Task[None]] = set()
        """The verifier reading prompts being generated (:meth:`MatchPolicy.read_ahead`)."""

    @property
    def gate(self) -> GenerationGate:
        """Generation slots and the queue for them."""
        return self.generations.gate

    @gate.setter
    def gate(self, gate: GenerationGate) -> None:
        self.generations.gate = gate

    @property
    def breaker(self) -> CircuitBreaker:
        return self.generations.breaker

    async def generate(
        self,
        request: GenerationRequest,
        controls: CacheControls,
        viewer: Viewer = Viewer(DEFAULT_TENANT),  # noqa: B008 - frozen: one default is safe
        *,
        with_bytes: bool,
    ) -> CacheResult:
        """``request.n`` images for ``request``: cached ones first, then generated ones.

        Only entries ``viewer`` (by default: tenant ``default``, in ``org`` sharing) may read
        are candidates; what is generated is stored for ``viewer``'s tenant (privately when
        ``controls`` say so). ``with_bytes`` asks for the bytes of cached images too
        (``b64_json`` responses); URL responses need only their blob ids. Raises
        ``NotCached`` for an ``only-if-cached`` request the cache cannot fill, ``BackendError``
        when generation fails.
        """
        query = Query.of(request.prompt, Partition.of(request))
        vector: list[Vector] = []  # computed at most once, by the lookup or by the first store
        found: list[ServedImage] = []
        near: list[Candidate] = []
        if controls.lookup:
            found = await self._lookup(query, request.n, controls, viewer, with_bytes, vector, near)
        if len(found) < request.n and controls.only_if_cached:
            self.metrics.requests.labels("only_if_cached_miss", "none").inc()
            raise NotCached(
                f"The image is not cached and the request said only-if-cached "
                f"({len(found)} of {request.n} images are cached)."
            )
        while len(found) < request.n:
            need = request.n - len(found)
            seed = await self._warm_seed(query, near, controls) if need == request.n else None
            work = functools.partial(
                self._produce,
                dataclasses.replace(request, n=need),
                query,
                controls,
                viewer,
                vector,
                seed,
                later=with_bytes,
            )
            if not (controls.lookup and controls.store):
                # A no-cache request wants a fresh image, so it never joins another's
                # generation; a no-store request's image is its own, so nobody joins it.
                produced, joined = await work(), False
            else:
                flight = viewer.flight(query.key, controls.private)
                if request.api_key:  # a client's own upstream key: its misses are its own
                    flight += "/key:" + hashlib.sha256(request.api_key.encode()).hexdigest()
                produced, joined = await self.flights.run(flight, work)
            if not produced:
                raise BackendFailed(f"the backend returned no image for {need} requested")
            if joined:
                self.metrics.single_flight_joins.inc()
                produced = tuple(
                    dataclasses.replace(image, match="exact", similarity=1.0) for image in produced
                )
                if not with_bytes:  # a b64_json leader's images may still be being written
                    produced = await self.storage.named(produced)
            found.extend(produced[:need])
        return CacheResult(_status(found, controls), tuple(found))

    async def forget(self, entries: Sequence[Stored]) -> int:
        """Remove entries, and each image no remaining entry shows (:meth:`CacheStorage.remove`),
        with what the verifier and judge remember of their prompts; returns how many images
        went."""
        removed = await self.storage.remove(entries)
        if entries:
            # A prompt being read ahead would be remembered again after the memory is cleared.
            await self.read_ahead_done()
            self.policy.forget()
        return removed

    async def read_ahead_done(self) -> None:
        """Wait for the verifier's readings of prompts being generated (a few milliseconds)."""
        if self.reading_ahead:
            await asyncio.wait(set(self.reading_ahead))

    def expired(self, entry: Entry, now: float) -> bool:
        """Whether ``entry`` outlived its own TTL or the server's."""
        if entry.expires_at is not None and entry.expires_at <= now:
            return True
        return bool(self.ttl) and entry.created_at + self.ttl <= now

    async def _lookup(
        self,
        query: Query,
        n: int,
        controls: CacheControls,
        viewer: Viewer,
        with_bytes: bool,
        vector: list[Vector],
        near: list[Candidate],
    ) -> list[ServedImage]:
        """The cached images that may serve ``query``; the nearest candidates not served are
        left in ``near`` (for a warm start)."""
        served: list[ServedImage] = []
        seen: set[str] = set()
        # What was answered before this request arrived, and is still being stored.
        deadline = time.monotonic() + self.storage.lookup_waits
        earlier = self.storage.writing.of(query.partition.key)
        try:
            await settle(self.storage.writing.of(query.key), deadline)  # a repeat finds its miss
            started = time.perf_counter()
            exact = await self.index.exact(query.key, n, viewer.where())
            self.metrics.stage_done("index_exact", started)
            for entry in exact:
                await self._offer(query, Candidate(entry, 1.0), controls, with_bytes, served, seen)
            if len(served) >= n:
                return served
            vector.append(await self.embed(query.canonical))
            await settle(earlier, deadline)  # done by now, as a rule
            started = time.perf_counter()
            candidates = await self.index.nearest(
                vector[0],
                max(self.candidates, n + len(seen)),
                viewer.where(Where(partition=query.partition.key)),
            )
            self.metrics.stage_done("index_nearest", started)
        except IndexUnavailable as error:
            log.warning("cache lookup failed, generating without it: %s", error)
            self.metrics.cache_errors.labels("index", "lookup").inc()
            return served
        if candidates:
            self.metrics.best_similarity.observe(candidates[0].similarity)
        for candidate in candidates:
            if len(served) >= n:
                break
            await self._offer(query, candidate, controls, with_bytes, served, seen)
        if len(served) < n:  # only a miss starts warm, from what it was not served
            near.extend(c for c in candidates if c.entry.blob_id not in seen)
        return served

    async def _offer(
        self,
        query: Query,
        candidate: Candidate,
        controls: CacheControls,
        with_bytes: bool,
        served: list[ServedImage],
        seen: set[str],
    ) -> None:
        """Ask the policy about one candidate; keep it when served, distinct and readable."""
        entry = candidate.entry
        now = time.time()
        if entry.blob_id in seen or self.expired(entry, now):
            return
        started = time.perf_counter()
        decision = await self.policy.decide(query, candidate, controls)
        self.metrics.stage_done("decide", started)
        self.metrics.decisions.labels(
            "serve" if decision.serve else "reject", decision.reason
        ).inc()
        if not decision.serve:
            if decision.stage == "verifier":
                self.metrics.verifier_rejections.labels(decision.reason).inc()
            log.debug(
                "candidate %s rejected by the %s (%s, similarity %.4f)",
                entry.id,
                decision.stage,
                decision.reason,
                candidate.similarity,
            )
            return
        data = None
        if with_bytes:
            try:
                data = await self.storage.get_blob(entry.blob_id)
            except BlobNotFound:
                log.warning("entry %s points at missing image %s; skipped", entry.id, entry.blob_id)
                self.metrics.cache_errors.labels("store", "missing_blob").inc()
                return
            except StoreError as error:
                log.warning("cannot read cached image %s: %s", entry.blob_id, error)
                self.metrics.cache_errors.labels("store", "read").inc()
                return
        seen.add(entry.blob_id)
        self.storage.usage.hit(entry.id, now)
        match = decision.match or "semantic"
        served.append(
            ServedImage(
                media_type=entry.media_type,
                data=data,
                blob_id=entry.blob_id,
                entry=entry,
                match=match,
                similarity=1.0 if match == "exact" else candidate.similarity,
                revised_prompt=entry.revised_prompt or entry.prompt,
            )
        )

    async def _warm_seed(
        self, query: Query, near: list[Candidate], controls: CacheControls
    ) -> tuple[Candidate, bytes] | None:
        """The cached image a miss may start from (a warm start), with its bytes: the nearest
        candidate within the warm band that no hard check rules out. Never for ``no-cache``
        (which never looks up), nor when warm starts are off or the backend cannot do them."""
        if self.warm is None or not self.backend.warm_starts or not controls.lookup:
            return None
        for candidate in near:  # best first
            if candidate.similarity < self.warm.min_similarity:
                return None
            if not await self.policy.may_warm_start(query, candidate):
                continue
            try:
                return candidate, await self.storage.get_blob(candidate.entry.blob_id)
            except StoreError:
                continue
        return None

    async def _produce(
        self,
        request: GenerationRequest,
        query: Query,
        controls: CacheControls,
        viewer: Viewer,
        vector: list[Vector],
        seed: tuple[Candidate, bytes] | None = None,
        *,
        later: bool = False,
    ) -> tuple[ServedImage, ...]:
        """Generate ``request.n`` images (from ``seed``'s image, when given) and store each
        (image first, then its index point): ``later``, after the answer, when the answer
        carries the images themselves (see :meth:`written`)."""
        warm_request = None
        if seed is not None:
            assert self.warm is not None
            threshold = controls.threshold or self.policy.threshold
            strength = self.warm.strength(seed[0].similarity, threshold)
            warm_request = dataclasses.replace(request, init_image=seed[1], strength=strength)
        if controls.store and len(query.prompt) <= REMEMBERED:
            # Read while the image is made, done long before it; a longer prompt's reading
            # would not be remembered.
            reading = asyncio.create_task(self.policy.read_ahead(query.prompt))
            self.reading_ahead.add(reading)
            reading.add_done_callback(self._read_ahead)
        generation, warm = await self.generations.run(request, warm_request)
        if not warm:
            seed = None
        images = []
        cost = cost_of(generation, warm, self.energy_estimate_wh(request.model))
        for image in generation.images:
            blob_id = entry = None
            if controls.store:
                now = time.time()
                owner = Owner(
                    tenant=viewer.tenant or DEFAULT_TENANT,
                    private=controls.private,
                    user=request.user,
                    expires_at=round(now + controls.ttl, 3) if controls.ttl else None,
                )
                entry = self.storage.new_entry(
                    query,
                    image.data,
                    image.media_type,
                    revised_prompt=image.revised_prompt,
                    cost=cost,
                    owner=owner,
                    backend=self.backend.name,
                )
                if entry is not None:
                    write = self.storage.keep_generated(
                        entry, image.data, vector, functools.partial(self.embed, query.canonical)
                    )
                    writing = self.storage.writing
                    if later and len(writing) < _WRITES_BEHIND:  # no URL names it yet
                        writing.start((query.key, query.partition.key, entry.id), write)
                    elif await write:
                        blob_id = entry.blob_id
                    else:
                        entry = None
            images.append(
                ServedImage(
                    media_type=image.media_type,
                    data=image.data,
                    blob_id=blob_id,
                    entry=entry,
                    match=None,
                    similarity=None,
                    revised_prompt=image.revised_prompt,
                    generation_seconds=cost.seconds,
                    energy_wh=cost.energy_wh,
                    energy_source=cost.energy_source,
                    warm_similarity=seed[0].similarity if seed is not None else None,
                    steps_skipped=cost.steps_skipped,
                    steps_run=cost.steps_run,
                )
            )
        if warm:
            self._count_warm_starts(images)
        return tuple(images)

    def _read_ahead(self, reading: asyncio.Task[None]) -> None:
        self.reading_ahead.discard(reading)
        if not reading.cancelled() and reading.exception() is not None:
            # Nothing is lost: a request checked against the entry reads the prompt then.
            log.warning("cannot read a prompt ahead: %r", reading.exception())

    def _count_warm_starts(self, images: list[ServedImage]) -> None:
        """Metrics of warm-started images: the steps they skipped, and what those would have
        cost at the cost per step of the steps that ran."""
        self.metrics.warm_starts.inc(len(images))
        for image in images:
            self.metrics.warm_steps_skipped.inc(image.steps_skipped)
            self.metrics.warm_seconds_saved.inc(image.warm_seconds_saved)
            self.metrics.warm_energy_saved_wh.inc(image.warm_energy_saved_wh)

    async def embed(self, canonical: str) -> Vector:
        """The vector of a canonical prompt, as the policy has the model read it (in a model call
        shared with the prompts of concurrent requests, or remembered)."""
        started = time.perf_counter()
        vector = await self.embeddings.embed(canonical)
        self.metrics.stage_done("embed", started)
        return vector

    def _embed_canonical(self, canonicals: list[str]) -> npt.NDArray[np.float32]:
        return self.embedder.embed([self.policy.embedding_text(text) for text in canonicals])

    def _count_embeddings(self, source: str, texts: int) -> None:
        self.metrics.embeddings.labels(source).inc(texts)
        if source == "model":
            self.metrics.embedding_batch_size.observe(texts)


def _status(images: list[ServedImage], controls: CacheControls) -> CacheStatus:
    cached = sum(1 for image in images if image.match is not None)
    if cached == len(images):
        return CacheStatus.HIT
    if cached:
        return CacheStatus.PARTIAL
    if not controls.lookup:
        return CacheStatus.REFRESH if controls.store else CacheStatus.BYPASS
    return CacheStatus.MISS
