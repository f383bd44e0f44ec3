"""``sd-server``: one local diffusers pipeline behind its own OpenAI-compatible images API.

It lets the proxy (or any OpenAI client) reach a GPU on another machine through the ``openai``
backend, exactly as it would reach OpenAI. Routes::

    POST /v1/images/generations   OpenAI's request plus optional ``seed``, and ``init_image``
                                  with ``strength`` for a warm start; b64_json only
    GET  /v1/models               the one model served, in OpenAI's list shape
    GET  /healthz                 200 while the process is up
    GET  /readyz                  200 once the pipeline is loaded and warmed up, 503 before
    GET  /metrics                 Prometheus metrics (memoaized_sd_*)

Every error leaves in OpenAI's shape (``backends.http_errors``).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from litestar import Litestar, MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from PIL import Image as PILImage
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from backends.base import Generation, WarmStartRefused
from backends.diffusers_backend import DiffusersBackend
from backends.heap import FreezeSurvivors, keep_collections_short
from backends.http_errors import openai_exception_handlers
from backends.images_api import (
    ImageData,
    ImagesRequest,
    ImagesResponse,
    InvalidRequest,
    decode_error,
    to_generation_request,
)
from backends.model_names import ModelNames
from backends.serving import Serving, listen

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_INIT_PIXELS",
    "SdImagesRequest",
    "SdMetrics",
    "create_sd_app",
    "run_sd_server",
]

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 2**20
"""The largest request body accepted: a warm start's image, base64-encoded (a 2048x2048 PNG
of noise, the worst case, is some 16 MB as base64); a prompt with every option is tiny."""


MAX_INIT_PIXELS = 2048 * 2048
"""The largest warm-start image taken: the largest size sd-server generates. A bigger one (a
small PNG can declare a huge canvas) is refused before it is decoded."""


_INIT_FORMATS = ("PNG", "JPEG", "WEBP")


class SdImagesRequest(ImagesRequest, forbid_unknown_fields=True, omit_defaults=True):
    """OpenAI's request body plus sd-server's own fields: ``seed`` (the same request gives the
    same images: image ``i`` uses ``seed + i``), and ``init_image`` (base64 PNG, JPEG or WebP)
    with ``strength`` (0 to 1, the fraction of the steps to run) for a warm start from an
    earlier image."""

    seed: int | None = None
    init_image: str | None = None
    strength: float | None = None


def _warm_start(body: SdImagesRequest, backend: DiffusersBackend) -> dict[str, Any]:
    """The request's warm start as ``GenerationRequest`` fields, checked."""
    if body.init_image is None:
        if body.strength is not None:
            raise InvalidRequest("'strength' needs an 'init_image'.", param="strength")
        return {}
    if not backend.warm_starts:
        raise InvalidRequest(
            f"The model '{backend.default_model}' runs {backend.steps} denoising step: it "
            "takes no warm start.",
            param="init_image",
            code="unsupported_value",
        )
    try:
        strength = backend.check_warm_start(body.strength)
    except WarmStartRefused as refused:
        raise InvalidRequest(f"Invalid 'strength': {refused.message}.", param="strength") from None
    try:
        image = base64.b64decode(body.init_image, validate=True)
    except ValueError:
        raise InvalidRequest("'init_image' is not base64.", param="init_image") from None
    try:
        with PILImage.open(io.BytesIO(image), formats=_INIT_FORMATS) as picture:
            size = picture.size
            picture.verify()
    except Exception:  # PIL raises many kinds for a broken file
        raise InvalidRequest(
            "'init_image' is not a PNG, JPEG or WebP image.", param="init_image"
        ) from None
    if size[0] * size[1] > MAX_INIT_PIXELS:
        raise InvalidRequest(
            f"'init_image' is {size[0]}x{size[1]}: larger than 2048x2048.", param="init_image"
        )
    return {"init_image": image, "strength": strength}


class ModelCard(msgspec.Struct):
    id: str
    created: int
    object: str = "model"
    owned_by: str = "memoaized"


class ModelList(msgspec.Struct):
    data: list[ModelCard]
    object: str = "list"


class SdMetrics:
    """What sd-server exports: images, pipeline calls and how full they were, time, energy."""

    def __init__(self, backend: DiffusersBackend) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.images = Counter("memoaized_sd_images", "Images generated for requests.", registry=r)
        self.requests = Counter(
            "memoaized_sd_generations", "Generation requests answered.", registry=r
        )
        self.batch_images = Histogram(
            "memoaized_sd_batch_images",
            "Images in the pipeline call each request shared (micro-batching).",
            buckets=(1, 2, 3, 4, 6, 8, 12, 16),
            registry=r,
        )
        self.seconds = Histogram(
            "memoaized_sd_generation_seconds",
            "Each request's share of its pipeline call's time.",
            registry=r,
        )
        self.energy_wh = Counter(
            "memoaized_sd_energy_wh", "Energy measured by NVML for generations, in Wh.", registry=r
        )
        self.steps_skipped = Counter(
            "memoaized_sd_steps_skipped",
            "Denoising steps warm starts did not run.",
            registry=r,
        )
        pipeline_calls = Gauge(
            "memoaized_sd_pipeline_calls", "Pipeline calls since start-up.", registry=r
        )
        pipeline_calls.set_function(lambda: backend.pipeline_calls)

    def record(self, generation: Generation) -> None:
        self.requests.inc()
        self.images.inc(len(generation.images))
        self.batch_images.observe(generation.batch_images)
        self.seconds.observe(generation.seconds)
        if generation.energy_wh is not None:
            self.energy_wh.inc(generation.energy_wh)
        if generation.steps is not None and generation.full_steps is not None:
            self.steps_skipped.inc(max(0, generation.full_steps - generation.steps))


def create_sd_app(
    backend: DiffusersBackend, on_startup_failure: Callable[[str], None] | None = None
) -> Litestar:
    """Build the sd-server app around ``backend``. The app's lifespan starts the backend (loads
    the pipeline) before the first request and closes it at shutdown; nothing is loaded here.
    A pipeline that cannot load is passed to ``on_startup_failure``, where given (the command
    stops the server with one line), else raised."""
    created = int(time.time())

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        freezer: FreezeSurvivors | None = None
        try:
            await backend.start()
        except Exception as error:
            if on_startup_failure is None:
                raise
            on_startup_failure(f"{type(error).__name__}: {error}")
        else:
            # torch and diffusers leave hundreds of thousands of objects that every full
            # collection would walk, holding the event loop and the generation's Python steps.
            freezer = keep_collections_short(asyncio.get_running_loop())
            log.info("sd-server ready: %s", backend.describe())
        try:
            yield
        finally:
            if freezer is not None:
                freezer.remove()
            await backend.close()

    async def provide_backend() -> DiffusersBackend:
        return backend

    sd_metrics = SdMetrics(backend)

    async def provide_metrics() -> SdMetrics:
        return sd_metrics

    # OpenAI's names are aliases of the served model: worked out once, not per request.
    names = ModelNames.of(backend.served_models(), backend.default_model)

    async def provide_names() -> ModelNames:
        return names

    return Litestar(
        route_handlers=[create_images, list_models, healthz, readyz, metrics],
        dependencies={
            "backend": Provide(provide_backend),
            "sd_metrics": Provide(provide_metrics),
            "names": Provide(provide_names),
        },
        lifespan=[lifespan],
        exception_handlers=openai_exception_handlers(),
        request_max_body_size=MAX_BODY_BYTES,
        state=State({"created": created}),
        openapi_config=None,
        # Logging is the host's to configure (run_sd_server does); an app factory leaves it be.
        logging_config=None,
    )


@post("/v1/images/generations", status_code=200)
async def create_images(
    request: Request[Any, Any, Any],
    backend: NamedDependency[DiffusersBackend],
    sd_metrics: NamedDependency[SdMetrics],
    names: NamedDependency[ModelNames],
) -> Response[bytes]:
    """Generate images. The body is decoded strictly (unknown fields are refused, as OpenAI
    does) and validated by the same rules the proxy applies."""
    try:
        body = msgspec.json.decode(await request.body(), type=SdImagesRequest)
    except msgspec.DecodeError as exc:
        raise decode_error(exc) from None
    generation_request, response_format = to_generation_request(
        body, default_model=backend.default_model, default_size=backend.default_size
    )
    # OpenAI's names are aliases of the served model, checked by their own rules.
    generation_request = dataclasses.replace(
        generation_request, model=names.resolve(generation_request.model)
    )
    if response_format == "url":
        raise InvalidRequest(
            "sd-server returns images inline only: use response_format 'b64_json'.",
            param="response_format",
            code="unsupported_value",
        )
    warm_start = _warm_start(body, backend)
    generation = await backend.generate(
        dataclasses.replace(generation_request, seed=body.seed, **warm_start)
    )
    sd_metrics.record(generation)
    payload = ImagesResponse(
        created=int(time.time()),
        data=[
            ImageData(b64_json=base64.b64encode(image.data).decode("ascii"))
            for image in generation.images
        ],
        size=generation_request.size,
        output_format=generation_request.output_format,
    )
    headers = {
        "X-Generation-Seconds": f"{generation.seconds:.3f}",
        "X-Batch-Images": str(generation.batch_images),
    }
    if generation.steps is not None and generation.full_steps is not None:
        headers["X-Denoising-Steps"] = str(generation.steps)
        headers["X-Full-Steps"] = str(generation.full_steps)
    if generation.energy_wh is not None:
        headers["X-Energy-Wh"] = f"{generation.energy_wh:.6f}"
    return Response(msgspec.json.encode(payload), media_type=MediaType.JSON, headers=headers)


@get("/v1/models")
async def list_models(state: State, names: NamedDependency[ModelNames]) -> Response[bytes]:
    """The served model, then its aliases, in OpenAI's ``GET /v1/models`` shape; ``created``
    is when the app was built."""
    created = int(state["created"])
    models = ModelList(data=[ModelCard(id=name, created=created) for name in names.listing()])
    return Response(msgspec.json.encode(models), media_type=MediaType.JSON)


@get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@get("/readyz")
async def readyz(backend: NamedDependency[DiffusersBackend]) -> Response[dict[str, str]]:
    """Readiness: 200 once the pipeline is loaded, 503 before and while shutting down."""
    if backend.ready:
        return Response({"status": "ready", "model": backend.default_model})
    return Response({"status": "loading", "model": backend.default_model}, status_code=503)


@get("/metrics", media_type=CONTENT_TYPE_LATEST)
async def metrics(sd_metrics: NamedDependency[SdMetrics]) -> Response[bytes]:
    return Response(generate_latest(sd_metrics.registry), media_type=CONTENT_TYPE_LATEST)


def run_sd_server(host: str, port: int, **backend_options: Any) -> None:
    """Serve a :class:`DiffusersBackend` built from ``backend_options`` with uvicorn, in one
    worker (one pipeline per process: a second worker would load a second copy of the model).
    Blocks until the server stops."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    sock = listen(host, port)  # a port in use: one line, nothing loaded
    backend = DiffusersBackend(**backend_options)
    log.info("sd-server: loading %s, to serve at http://%s:%d/v1", backend.describe(), host, port)
    serving = Serving()
    serving.run(create_sd_app(backend, serving.stop), sock, host=host, port=port, log_level="info")
