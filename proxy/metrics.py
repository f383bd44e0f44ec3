"""Prometheus metrics, held by one object that is given its registry (never module globals), so
two apps in one process, and tests, never share counters."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from backends.base import BackendError
from proxy.matching.verify import REASONS

__all__ = ["CIRCUIT_STATES", "JUDGE_VERDICTS", "Metrics"]

# Every label value a counter can take, known in advance: each series is exported from the start
# at zero, so the first increment shows in rate() and every dashboard query has data.
OUTCOMES = ("hit", "miss", "partial", "refresh", "bypass", "only_if_cached_miss")
MATCHES = ("exact", "semantic", "none")
ENERGY_SOURCES = ("measured", "estimated")
JUDGE_VERDICTS = ("yes", "no", "invalid", "timeout", "error")
CACHE_ERRORS = (
    ("index", "lookup"),
    ("index", "write"),
    ("store", "read"),
    ("store", "write"),
    ("store", "missing_blob"),
    ("index", "evict"),
    ("store", "evict"),
    ("unknown", "write"),
)
REJECTION_REASONS = ("queue_full", "rate_limited", "circuit_open")
CIRCUIT_STATES = {"closed": 0, "half_open": 1, "open": 2}
EVICTION_REASONS = ("expired", "capacity", "deleted", "purged", "orphan_image")

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_SIMILARITY_BUCKETS = tuple(round(0.5 + 0.025 * i, 3) for i in range(21))


class Metrics:
    """Every metric the proxy exports. Label values are bounded: outcomes, match kinds, backend
    and model names from configuration, error kinds; never prompts, users, keys or paths."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "memoaized_requests",
            "Image generation requests by cache outcome and match kind.",
            ["outcome", "match"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "memoaized_request_duration_seconds",
            "Request latency by cache outcome.",
            ["outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.generation_seconds = Histogram(
            "memoaized_generation_duration_seconds",
            "Backend generation time.",
            ["backend", "model"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.images_served = Counter(
            "memoaized_images_served",
            "Images returned to clients, by where they came from.",
            ["source"],
            registry=r,
        )
        self.best_similarity = Histogram(
            "memoaized_best_candidate_similarity",
            "Cosine similarity of the best semantic candidate of each lookup.",
            buckets=_SIMILARITY_BUCKETS,
            registry=r,
        )
        self.decisions = Counter(
            "memoaized_candidate_decisions",
            "Candidate decisions by verdict and reason.",
            ["verdict", "reason"],
            registry=r,
        )
        self.verifier_rejections = Counter(
            "memoaized_verifier_rejections",
            "Semantic candidates the verifier refused, by what differed.",
            ["reason"],
            registry=r,
        )
        self.judge_requests = Counter(
            "memoaized_judge_requests",
            "Questions sent to the judge, by verdict (yes, no, invalid, timeout, error).",
            ["verdict"],
            registry=r,
        )
        self.judge_seconds = Histogram(
            "memoaized_judge_duration_seconds",
            "Time the judge took to answer.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.single_flight_joins = Counter(
            "memoaized_single_flight_joins",
            "Requests that waited for an identical generation already in progress.",
            registry=r,
        )
        self.backend_errors = Counter(
            "memoaized_backend_errors",
            "Backend failures by kind.",
            ["kind"],
            registry=r,
        )
        self.cache_errors = Counter(
            "memoaized_cache_errors",
            "Index or store failures the proxy degraded around (served without the cache).",
            ["component", "operation"],
            registry=r,
        )
        self.stage_seconds = Histogram(
            "memoaized_stage_duration_seconds",
            "Latency of embedding, index and store calls.",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.embeddings = Counter(
            "memoaized_embeddings",
            "Prompt vectors by source: a model call, or remembered from a recent one.",
            ["source"],
            registry=r,
        )
        self.embedding_batch_size = Histogram(
            "memoaized_embedding_batch_size",
            "Prompts embedded together in one model call.",
            buckets=(1, 2, 4, 8, 16, 32, 64),
            registry=r,
        )
        self.energy_spent_wh = Counter(
            "memoaized_energy_spent_wh",
            "Energy spent generating images, in Wh, measured on the GPU or estimated.",
            ["source"],
            registry=r,
        )
        self.energy_saved_wh = Counter(
            "memoaized_energy_saved_wh",
            "Energy the cache saved, in Wh: what the served entries cost when generated.",
            ["source"],
            registry=r,
        )
        self.latency_saved_seconds = Counter(
            "memoaized_latency_saved_seconds",
            "Time the cache saved clients: generation time of the served entries less the time "
            "the proxy took to answer.",
            registry=r,
        )
        self.money_spent_usd = Counter(
            "memoaized_money_spent_usd",
            "What the generated images cost, in US dollars, at the configured prices.",
            registry=r,
        )
        self.money_saved_usd = Counter(
            "memoaized_money_saved_usd",
            "What the images served from the cache would have cost, in US dollars.",
            registry=r,
        )
        self.cache_entries = Gauge(
            "memoaized_cache_entries",
            "Entries in the index, as last measured.",
            registry=r,
        )
        self.cache_bytes = Gauge(
            "memoaized_cache_bytes",
            "Bytes of images in the store, as last measured.",
            registry=r,
        )
        self.evictions = Counter(
            "memoaized_evictions",
            "Entries removed in the background, by why: expired (TTL), capacity (least valuable "
            "first), purged or deleted (admin API); and orphaned images collected.",
            ["reason"],
            registry=r,
        )
        self.warm_starts = Counter(
            "memoaized_warm_starts",
            "Images generated from the cached image of a similar prompt (near misses).",
            registry=r,
        )
        self.warm_steps_skipped = Counter(
            "memoaized_warm_steps_skipped",
            "Denoising steps warm starts did not run.",
            registry=r,
        )
        self.warm_seconds_saved = Counter(
            "memoaized_warm_seconds_saved",
            "Generation time warm starts saved: the skipped steps at the time per step run.",
            registry=r,
        )
        self.warm_energy_saved_wh = Counter(
            "memoaized_warm_energy_saved_wh",
            "Energy warm starts saved, in Wh: the skipped steps at the energy per step run.",
            registry=r,
        )
        self.warm_start_failures = Counter(
            "memoaized_warm_start_failures",
            "Warm starts the backend failed or refused; each was generated again from noise.",
            registry=r,
        )
        self.rejections = Counter(
            "memoaized_rejections",
            "Requests refused to protect the service: queue_full (429), rate_limited (429), "
            "circuit_open (503, the backend is unreachable).",
            ["reason"],
            registry=r,
        )
        self.circuit_state = Gauge(
            "memoaized_backend_circuit_state",
            "The backend's circuit breaker: 0 closed, 1 half-open (probing), 2 open.",
            registry=r,
        )
        self.queued = Gauge(
            "memoaized_generations_queued",
            "Generations waiting for a slot (--max-generations).",
            registry=r,
        )
        self.in_flight = Gauge(
            "memoaized_generations_in_flight",
            "Backend generations running now.",
            registry=r,
        )
        self.writes_after_answers = Gauge(
            "memoaized_writes_after_answers",
            "Generated images being stored after their b64_json answers (64 at most; a store "
            "that stalls keeps this up).",
            registry=r,
        )
        self.abandoned_requests = Counter(
            "memoaized_abandoned_requests",
            "Generation requests whose client disconnected before the answer; a generation no "
            "other request waits for is cancelled with them.",
            registry=r,
        )
        self.volume_free_bytes = Gauge(
            "memoaized_data_volume_free_bytes",
            "Free bytes on the data volume (the fullest one holding the index and the images).",
            registry=r,
        )
        self.volume_low = Gauge(
            "memoaized_data_volume_low",
            "1 while the data volume is under --min-free-bytes and the cache writes nothing.",
            registry=r,
        )
        self._start_at_zero()

    def stage_done(self, stage: str, started: float) -> None:
        """Observe the seconds since ``started`` (``time.perf_counter``) as ``stage``'s."""
        self.stage_seconds.labels(stage).observe(time.perf_counter() - started)

    def _start_at_zero(self) -> None:
        for outcome in OUTCOMES:
            self.request_seconds.labels(outcome)
            for match in MATCHES:
                self.requests.labels(outcome, match)
        for source in ENERGY_SOURCES:
            self.energy_spent_wh.labels(source)
            self.energy_saved_wh.labels(source)
        for served_from in ("cache", "backend"):
            self.images_served.labels(served_from)
        for source in ("model", "remembered"):
            self.embeddings.labels(source)
        for kind in _subclass_names(BackendError):
            self.backend_errors.labels(kind)
        for reason in REASONS:
            self.verifier_rejections.labels(reason)
        for verdict in JUDGE_VERDICTS:
            self.judge_requests.labels(verdict)
        for component, operation in CACHE_ERRORS:
            self.cache_errors.labels(component, operation)
        for reason in EVICTION_REASONS:
            self.evictions.labels(reason)
        for reason in REJECTION_REASONS:
            self.rejections.labels(reason)


def _subclass_names(cls: type[Exception]) -> list[str]:
    names: list[str] = []
    for sub in cls.__subclasses__():
        names += [sub.__name__, *_subclass_names(sub)]
    return names
