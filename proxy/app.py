"""``create_app``: the proxy as a litestar app, built from a ``Settings`` object.

Nothing happens at import time. The lifespan opens the store and the index, then loads the
embedding model and starts the backend in the background, so ``/healthz`` answers at once and
``/readyz`` turns ready when the proxy can serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.plugins import PluginProtocol
from litestar.plugins.core import MsgspecDIPlugin
from prometheus_client import CollectorRegistry

from backends.base import ImageBackend
from backends.heap import FreezeSurvivors, keep_collections_short
from backends.http_errors import openai_exception_handlers
from backends.images_api import InvalidRequest
from backends.model_names import ModelNames
from backends.registry import default_registry
from proxy.accounting import Accountant, CostModel
from proxy.api.cache_routes import BODIES
from proxy.api.openapi import body_schemas
from proxy.api.routes import ProxyImagesRequest, routes
from proxy.auth import KeyRing, UrlSigner, load_url_secret
from proxy.cache.admin import CacheAdmin
from proxy.cache.admission import CircuitBreaker, GenerationGate, RateLimiter
from proxy.cache.eviction import Evictor
from proxy.cache.service import ImageCache
from proxy.cache.warm import WarmStart
from proxy.embedding import Embedder, default_threads
from proxy.errors import proxy_exception_handlers
from proxy.index.base import IndexUnavailable, SemanticIndex
from proxy.index.edge import EdgeIndex
from proxy.matching.decision import MatchPolicy
from proxy.metrics import Metrics
from proxy.settings import Settings
from proxy.store import BlobStore, StoreError
from proxy.volume import DataVolume

__all__ = ["Services", "build_embedder", "create_app", "ready_banner"]

log = logging.getLogger("memoaized")


@dataclass
class Services:
    """What the lifespan opens and the handlers use."""

    settings: Settings
    metrics: Metrics
    accountant: Accountant
    keys: KeyRing
    names: ModelNames
    """The model names clients may ask for, aliases included."""
    signer: UrlSigner
    limiter: RateLimiter
    backend: ImageBackend
    index: SemanticIndex
    embedder: Embedder
    store: BlobStore | None = None
    cache: ImageCache | None = None
    admin: CacheAdmin | None = None
    evictor: Evictor | None = None
    freezer: FreezeSurvivors | None = None
    policy: MatchPolicy | None = None
    startup_error: str | None = None
    tiny_model_dir: Path | None = None
    volume: DataVolume = field(default_factory=lambda: DataVolume([], 0))
    background: set[asyncio.Task[None]] = field(default_factory=set)
    on_startup_failure: Callable[[str], None] | None = None
    """Called with the reason when loading failed (``memoaized serve`` stops the server);
    without it the proxy stays up, answering 503 with the reason."""

    @property
    def ready(self) -> bool:
        return self.cache is not None and self.embedder.loaded

    @property
    def default_model(self) -> str:
        return self.settings.default_model or self.backend.default_model


def _build_backend(settings: Settings) -> tuple[ImageBackend, Path | None]:
    """The configured backend, and the folder of the tiny demo pipeline when it is the one."""
    registry = default_registry()
    name = settings.backend or "diffusers"
    if name == "openai":
        backend = registry.create(
            "openai",
            base_url=settings.upstream_url,
            api_key=settings.upstream_api_key or None,
            default_model=settings.default_model or "dall-e-2",
            timeout=settings.upstream_timeout,
            connect_retries=settings.upstream_retries,
            max_download_bytes=settings.max_download_bytes,
            warm_starts=settings.upstream_warm_starts,
        )
        return backend, None
    tiny = None if settings.sd_model else settings.data_dir / "models" / "tiny-sd"
    model = settings.sd_model or str(tiny)
    return registry.create(name, model=model, **settings.diffusers_options), tiny


def _build_index(settings: Settings) -> SemanticIndex:
    if settings.qdrant_url:
        # qdrant-client takes half a second to import: only a shared index pays for it.
        from proxy.index.server import QdrantServerIndex

        return QdrantServerIndex(
            settings.qdrant_url,
            collection=settings.qdrant_collection,
            api_key=settings.qdrant_api_key or None,
        )
    return EdgeIndex(settings.index_dir, keep_free=settings.min_free_bytes)


def build_embedder(settings: Settings) -> Embedder:
    threads = settings.embedding_threads or default_threads()
    if settings.embedding_model_dir == "download":
        return Embedder(settings.embedding_model, threads=threads)
    model_dir = (
        Path(settings.embedding_model_dir)
        if settings.embedding_model_dir
        else settings.data_dir / "models" / "all-MiniLM-L6-v2"
    )
    return Embedder(settings.embedding_model, model_dir, threads=threads)


def ready_banner(settings: Settings, backend: ImageBackend, names: ModelNames) -> str:
    """Where to go once the proxy is ready: the API, the page, the data and the backend."""
    if settings.public_url:
        base = settings.public_url.rstrip("/")
    else:
        host = settings.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"  # listening everywhere: this machine's own name works
        base = f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"
    lines = [
        "memoaized is ready.",
        f"  API          {base}/v1",
        f'  with the SDK OpenAI(base_url="{base}/v1", api_key=...)  (nothing else changes)',
        f"  page         {base}{settings.ui_path}" if settings.ui else "  page         off (--ui)",
        f"  data         {settings.data_dir}",
        f"  backend      {backend.describe()}",
        f"  models       {names.describe(backend.default_model)}",
    ]
    return "\n".join(lines)


async def _warm_up(services: Services) -> None:
    """Load the embedding model and start the backend; then the proxy is ready."""
    settings = services.settings
    try:
        if services.tiny_model_dir is not None:
            from backends.tiny import write_tiny_pipeline

            await asyncio.to_thread(write_tiny_pipeline, services.tiny_model_dir)
        _, services.policy, _ = await asyncio.gather(
            asyncio.to_thread(services.embedder.load),
            asyncio.to_thread(
                MatchPolicy.from_settings, settings, services.embedder.unseen_text, services.metrics
            ),
            services.backend.start(),
        )
    except Exception as error:
        services.startup_error = f"{type(error).__name__}: {error}"
        log.error("memoaized cannot start: %s", services.startup_error)
        if services.on_startup_failure is not None:
            # Waiting will not mend what configuration broke: the command stops the server.
            services.on_startup_failure(services.startup_error)
        return
    assert services.store is not None and services.policy is not None
    services.cache = ImageCache(
        backend=services.backend,
        index=services.index,
        store=services.store,
        embedder=services.embedder,
        policy=services.policy,
        metrics=services.metrics,
        energy_estimate_wh=services.accountant.costs.energy_wh,
        candidates=settings.candidates,
        ttl=settings.ttl,
        gate=GenerationGate(settings.max_generations, settings.generation_queue),
        breaker=CircuitBreaker(settings.breaker_failures, settings.breaker_seconds),
        warm=WarmStart(
            settings.warm_min_similarity, settings.warm_strength_min, settings.warm_strength_max
        )
        if settings.warm_start
        else None,
        generation_timeout=settings.generation_timeout or None,
        volume=services.volume,
        embedding_batch=settings.embedding_batch,
        embedding_cache=settings.embedding_cache,
    )
    services.admin = CacheAdmin(services.cache, settings.embedding_model)
    services.evictor = Evictor(
        services.cache,
        max_entries=settings.max_entries,
        max_bytes=settings.max_bytes,
        half_life=settings.eviction_half_life,
        grace=settings.eviction_grace_seconds,
        orphan_grace=settings.orphan_grace_seconds,
    )
    # What start-up loaded (modules, models, word lists) lives as long as the process: kept out
    # of the garbage collector's full passes, which would otherwise walk all of it each time;
    # so is what later full passes find alive (the verifier's remembered readings).
    services.freezer = keep_collections_short(asyncio.get_running_loop())
    log.info(
        "memoaized is ready: backend %s, default model %s, similarity threshold %.2f, "
        "verifier %s, judge %s",
        services.backend.describe(),
        services.default_model,
        settings.threshold,
        "on" if settings.verify else "OFF",
        f"{settings.judge_model} for similarities in [{settings.judge_min_similarity}, "
        f"{settings.judge_max_similarity})"
        if settings.judge_url
        else "none",
    )
    log.info("%s", ready_banner(settings, services.backend, services.names))
    if services.backend.placeholder:
        log.warning(settings.placeholder_notice)


_REOPEN_SECONDS = 5.0


async def _reopen_index(services: Services) -> None:
    """Open a shared index that was down at start-up, once it answers. Meanwhile each lookup
    fails fast and the request is generated, as when the index fails later."""
    while True:
        await asyncio.sleep(_REOPEN_SECONDS)
        try:
            await services.index.open()
        except IndexUnavailable as error:
            log.debug("the shared index is still unavailable: %s", error)
            continue
        log.info("the shared index answers again: caching resumes")
        return


async def _measure_cache(services: Services) -> None:
    """Keep the cache-size gauges current, off the request path."""
    while True:
        try:
            services.metrics.cache_entries.set(await services.index.count())
            if services.store is not None:
                _, size = await services.store.usage()
                services.metrics.cache_bytes.set(size)
        except Exception as error:  # a failing index or store must not end the loop
            log.warning("cannot measure the cache's size: %s", error)
        await asyncio.sleep(services.settings.stats_seconds)


async def _maintain_index(services: Services) -> None:
    """Background upkeep of the index, off the request path: every
    ``index_maintenance_seconds``, and as soon as the embedded index has enough new points to
    optimise (one optimisation after another while an import writes faster than they finish)."""
    seconds = services.settings.index_maintenance_seconds
    while True:
        await services.index.upkeep_wanted(seconds)
        if services.volume.low:
            await asyncio.sleep(seconds)  # an optimisation writes a second copy of the shard
            continue
        try:
            await services.index.maintain()
        except Exception:
            log.exception("index maintenance failed; will try again")
            await asyncio.sleep(seconds)  # not at once: each try copies the shard


async def _evict(services: Services) -> None:
    """The background sweep: usage written back, expired and excess entries removed, orphaned
    images collected. Never on the request path."""
    while True:
        await asyncio.sleep(services.settings.eviction_seconds)
        if services.evictor is None:
            continue
        try:
            await services.evictor.sweep()
        except (IndexUnavailable, StoreError) as error:
            log.warning("eviction sweep failed; will try again: %s", error)
            component = "index" if isinstance(error, IndexUnavailable) else "store"
            services.metrics.cache_errors.labels(component, "evict").inc()
        except Exception:  # a bug must not end the loop either
            log.exception("eviction sweep failed; will try again")


def _spawn(services: Services, coroutine: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(coroutine)
    services.background.add(task)
    task.add_done_callback(services.background.discard)


@contextlib.asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    services: Services = app.state.services
    settings = services.settings
    services.store = BlobStore(settings.images_url, options=settings.store_option_map or None)
    try:
        await services.index.open()
    except IndexUnavailable as error:
        if not settings.qdrant_url:  # the embedded index: its folder is broken, not away
            raise
        log.warning(
            "the shared index is unavailable (%s): misses are generated and not cached until "
            "it answers; trying again every %.0f s",
            error,
            _REOPEN_SECONDS,
        )
        _spawn(services, _reopen_index(services))
    _spawn(services, _warm_up(services))
    _spawn(services, _maintain_index(services))
    _spawn(services, _measure_cache(services))
    _spawn(services, _evict(services))
    try:
        yield
    finally:
        log.info("shutting down: finishing generations in flight")
        if services.freezer is not None:
            services.freezer.remove()
        for task in list(services.background):
            task.cancel()
        await asyncio.gather(*services.background, return_exceptions=True)
        if services.cache is not None:
            await services.cache.flights.drain()
            unwritten = await services.cache.storage.written()  # images answered, not yet stored
            if unwritten:
                log.warning("%d answered images could not be stored before shutdown", unwritten)
            await services.cache.read_ahead_done()  # before the lexicon closes
            with contextlib.suppress(IndexUnavailable):
                await services.cache.storage.write_usage()
        await services.backend.close()
        if services.policy is not None:
            await services.policy.close()
        await services.index.close()
        await services.store.close()


class _Litestar(Litestar):
    """Litestar without the plugins it adds for pydantic models whenever pydantic is importable
    (qdrant-client installs it). The proxy has no pydantic model, and importing those plugins
    costs every proxy about 9 MiB (pydantic and its compiled core; issue 17)."""

    @staticmethod
    def _get_default_plugins(plugins: list[PluginProtocol]) -> list[PluginProtocol]:
        plugins.append(MsgspecDIPlugin())
        return plugins


def create_app(
    settings: Settings,
    *,
    backend: ImageBackend | None = None,
    registry: CollectorRegistry | None = None,
    on_startup_failure: Callable[[str], None] | None = None,
) -> Litestar:
    """The proxy app. ``backend`` replaces the configured one (tests, embedding in other apps);
    ``registry`` receives the metrics (a fresh one by default); ``on_startup_failure`` is called
    when the embedding model, the verifier or the backend cannot be loaded."""
    tiny_model_dir = None
    if backend is None:
        backend, tiny_model_dir = _build_backend(settings)
    if settings.qdrant_url and not settings.url_secret:
        log.warning(
            "a shared index without --url-secret: each replica signs image URLs with its own "
            "secret, so a URL from one replica fails on another; give every replica the same one"
        )
    metrics = Metrics(registry)
    costs = CostModel(
        energy_wh_per_image=settings.energy_wh_per_image,
        model_energy_wh=settings.model_energy_map,
        prices=settings.price_map,
        price_per_image=settings.price_per_image,
    )
    names = ModelNames.of(backend.served_models(), backend.default_model, settings.model_alias_map)
    if settings.default_model:
        try:
            names.resolve(settings.default_model)
        except InvalidRequest as error:
            raise ValueError(f"default_model: {error}") from None
    services = Services(
        settings=settings,
        names=names,
        metrics=metrics,
        accountant=Accountant(metrics, costs),
        keys=KeyRing.from_settings(settings.api_keys, settings.keys_file, settings.admin_keys),
        signer=UrlSigner(load_url_secret(settings.url_secret, settings.data_dir), settings.url_ttl),
        limiter=RateLimiter(settings.rate_limit),
        backend=backend,
        index=_build_index(settings),
        embedder=build_embedder(settings),
        tiny_model_dir=tiny_model_dir,
        volume=DataVolume(settings.local_paths, settings.min_free_bytes),
        on_startup_failure=on_startup_failure,
    )
    app = _Litestar(
        route_handlers=routes(settings),
        lifespan=[_lifespan],
        exception_handlers={**openai_exception_handlers(), **proxy_exception_handlers()},
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(title="memoaized", version="0.1.0", path="/docs"),
        # The command line configures logging (``--log-level``); litestar's default
        # configuration would reset the root logger to INFO when the app starts.
        logging_config=None,
        debug=False,
    )
    app.state.services = services
    # litestar builds the schema once and serves that copy: the body schemas join it here.
    app.openapi_schema.components.schemas.update(body_schemas([ProxyImagesRequest, *BODIES]))
    return app
