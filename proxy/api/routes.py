"""HTTP handlers. Each one parses, calls the cache service, and shapes the answer; the decisions
live in ``proxy.cache``."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import math
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import HttpMethod, MediaType, Request, Response, Router, get, post, route
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from backends.http_errors import error_response
from backends.images_api import (
    ImageData,
    ImagesRequest,
    ImagesResponse,
    check_cost,
    decode_error,
    to_generation_request,
)
from proxy.accounting import Savings
from proxy.api.access import (
    authorize,
    bearer,
    image_url,
    json_body,
    ready,
    services_of,
    sharing_of,
    viewer_of,
)
from proxy.api.cache_routes import cache_routes
from proxy.api.openapi import body_operation
from proxy.api.ui import ui_router
from proxy.cache.controls import CacheControls, CacheOptions
from proxy.cache.results import CacheResult, ServedImage
from proxy.cache.tenancy import Viewer
from proxy.errors import ClientGone, Forbidden, NotReady, RateLimited, Unauthorized
from proxy.index.base import IndexUnavailable, Where
from proxy.settings import Settings
from proxy.store import BlobNotFound, StoreError

if TYPE_CHECKING:
    from proxy.app import Services

__all__ = ["ProxyImagesRequest", "routes"]

_IMMUTABLE = "max-age=31536000, immutable"


class ProxyImagesRequest(ImagesRequest, forbid_unknown_fields=True, omit_defaults=True):
    """OpenAI's request body plus the proxy's ``cache`` object (sent through ``extra_body``)."""

    cache: CacheOptions | None = None


@post("/v1/images/generations", status_code=200, operation_class=body_operation(ProxyImagesRequest))
async def create_image(request: Request[Any, Any, Any]) -> Response[bytes]:
    """OpenAI's ``images.generate``, answered from the cache when it can be."""
    started = time.perf_counter()
    services = services_of(request)
    viewer = viewer_of(authorize(request, services), services)
    _limit_rate(request, services)
    raw = await json_body(request)
    try:
        body = msgspec.json.decode(raw, type=ProxyImagesRequest)
    except msgspec.DecodeError as error:
        raise decode_error(error) from None
    ready(services)
    cache = services.cache
    assert cache is not None
    backend = services.backend
    generation, response_format = to_generation_request(
        body,
        default_model=services.default_model,
        default_size=backend.default_size,
    )
    # Checked by the rules of the name asked for; made, cached and priced as the model it means.
    generation = dataclasses.replace(generation, model=services.names.resolve(generation.model))
    if backend.generates_here:
        check_cost(generation, services.settings.max_request_pixels)
    controls = CacheControls.parse(
        request.headers.get("cache-control"),
        body.cache,
        min_threshold=services.settings.min_threshold,
    )
    if services.settings.upstream_key_passthrough:
        generation = dataclasses.replace(generation, api_key=_upstream_key(request, services))
    result = await _unless_the_client_leaves(
        request,
        cache.generate(generation, controls, viewer, with_bytes=response_format == "b64_json"),
    )
    data = [
        _image_data(image, response_format, request, services, viewer) for image in result.images
    ]
    payload = ImagesResponse(
        created=int(time.time()),
        data=data,
        size=generation.size,
        quality=generation.quality,
        output_format=generation.output_format,
        background=generation.background,
    )
    elapsed = time.perf_counter() - started
    savings = services.accountant.record(result, generation.model, elapsed)
    headers = _cache_headers(result, savings)
    headers["X-Memoaized-Model"] = generation.model
    # Server-Timing lets a client (and bench/latency.py) tell backend time from proxy time.
    headers["Server-Timing"] = (
        f"generate;dur={result.generation_seconds * 1000:.1f}, total;dur={elapsed * 1000:.1f}"
    )
    return Response(msgspec.json.encode(payload), media_type=MediaType.JSON, headers=headers)


def _limit_rate(request: Request[Any, Any, Any], services: Services) -> None:
    """The per-key rate limit (``--rate-limit``); without a key, per client address."""
    if services.limiter.per_minute <= 0:
        return
    token = bearer(request)
    if token:
        key = "key:" + hashlib.sha256(token.encode()).hexdigest()
    else:
        key = "address:" + (request.client.host if request.client else "unknown")
    try:
        services.limiter.check(key)
    except RateLimited:
        services.metrics.rejections.labels("rate_limited").inc()
        raise


def _upstream_key(request: Request[Any, Any, Any], services: Services) -> str | None:
    """The client's own upstream key, for pass-through: ``X-Upstream-Api-Key``, or with no
    client keys configured the bearer token itself. None: the proxy's own key is used."""
    key = request.headers.get("x-upstream-api-key", "").strip()
    if not key and not services.keys.clients:
        token = bearer(request) or ""
        key = "" if services.keys.holder(token) else token  # never forward a proxy key
    if not key and not services.settings.upstream_api_key:
        raise Unauthorized(
            "This proxy sends your own key to the upstream images API: pass it as the bearer "
            "token, or in the X-Upstream-Api-Key header when the proxy needs its own key."
        )
    return key or None


def _image_data(
    image: ServedImage,
    response_format: str,
    request: Request[Any, Any, Any],
    services: Services,
    viewer: Viewer,
) -> ImageData:
    if response_format == "b64_json":
        assert image.data is not None
        return ImageData(
            b64_json=base64.b64encode(image.data).decode(), revised_prompt=image.revised_prompt
        )
    if image.blob_id is not None:
        url = image_url(request, services, image.blob_id, viewer)
    else:  # not cached (no-store, or caching failed): the image travels in the URL itself
        assert image.data is not None
        url = f"data:{image.media_type};base64,{base64.b64encode(image.data).decode()}"
    return ImageData(url=url, revised_prompt=image.revised_prompt)


_WATCH_AFTER = 0.05
"""Seconds a request's work runs before the client is watched for leaving: a hit is answered
sooner, and watching costs a task of its own (a tenth of an exact hit's time at 64 clients)."""


async def _unless_the_client_leaves(
    request: Request[Any, Any, Any], work: Coroutine[Any, Any, CacheResult]
) -> CacheResult:
    """``work``'s result, or ``ClientGone`` once the client has disconnected: ``work`` is then
    cancelled, and with it a generation no one else waits for (see ``SingleFlight``). The client
    is watched from ``_WATCH_AFTER`` seconds on, when the work is a generation."""
    task = asyncio.ensure_future(work)
    left: list[asyncio.Task[None]] = []

    def watch() -> None:
        watcher = asyncio.ensure_future(_disconnected(request))
        watcher.add_done_callback(lambda w: w.cancelled() or w.exception() or task.cancel())
        left.append(watcher)

    timer = asyncio.get_running_loop().call_later(_WATCH_AFTER, watch)
    try:
        return await task
    except asyncio.CancelledError:
        if not (left and left[0].done() and not left[0].cancelled()):
            raise  # this handler was cancelled, not the client gone
        services_of(request).metrics.abandoned_requests.inc()
        raise ClientGone("The client closed the connection before the answer was ready.") from None
    finally:
        timer.cancel()
        for watcher in left:
            watcher.cancel()
        if not task.done():  # this handler itself was cancelled
            task.cancel()


async def _disconnected(request: Request[Any, Any, Any]) -> None:
    """Return when the client disconnects (the body has been read: what comes next is that)."""
    message = await request.receive()
    while message["type"] != "http.disconnect":
        message = await request.receive()


def _cache_headers(result: CacheResult, savings: Savings) -> dict[str, str]:
    headers = {
        "X-Cache": result.status.value,
        "X-Cache-Saved-Energy-Wh": f"{savings.energy_wh:.4f}",
        "X-Cache-Saved-Seconds": f"{savings.seconds:.3f}",
        "X-Cache-Saved-USD": f"{savings.usd:.4f}",
    }
    entries = [image.entry.id for image in result.images if image.entry is not None]
    if entries:
        headers["X-Cache-Entry"] = ",".join(entries)
    if result.match is not None:
        headers["X-Cache-Match"] = result.match
    if result.similarity is not None:
        headers["X-Cache-Similarity"] = f"{result.similarity:.4f}"
    if result.created_at is not None:
        headers["Age"] = str(max(0, math.floor(time.time() - result.created_at)))
    return headers


@route(
    "/v1/images/files/{name:str}",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    media_type=MediaType.JSON,
)
async def get_image_file(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
    """A stored image, addressed by its content hash: immutable, so cached forever downstream.

    Needs a URL signed for a tenant that may see an entry showing the image, or a key of such
    a tenant (or an admin key); with no client keys configured, nothing. An image the reader
    may not see is answered exactly like one that does not exist."""
    services = services_of(request)
    if services.store is None:
        raise NotReady("memoaized is starting; try again shortly")
    try:
        media_type = services.store.media_type_of(name)
    except (ValueError, KeyError):
        return _no_image(name)
    viewer = _file_reader(request, services, name)
    if not viewer.admin:
        try:
            visible = await services.index.count(viewer.where(Where(blob_id=name)))
        except IndexUnavailable:
            raise NotReady("the index is unavailable; try again shortly") from None
        if not visible:
            return _no_image(name)
    etag = f'"{name.partition(".")[0]}"'
    # With tenants, a shared downstream cache must not hand one tenant's image to another.
    scope = "private" if services.keys.clients else "public"
    headers = {"ETag": etag, "Cache-Control": f"{scope}, {_IMMUTABLE}"}
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(b"", status_code=304, headers=headers)
    try:
        data = await services.store.get(name)
    except BlobNotFound:
        return _no_image(name)
    except StoreError:
        return error_response(
            503,
            "The image store is unavailable; try again shortly.",
            error_type="server_error",
            code="store_unavailable",
        )
    return Response(data, media_type=media_type, headers=headers)


def _no_image(name: str) -> Response[bytes]:
    return error_response(404, f"No image named {name!r}.", code="not_found")


def _file_reader(request: Request[Any, Any, Any], services: Services, name: str) -> Viewer:
    """Who fetches an image: the tenant its URL was signed for, else the holder of the
    request's key (tenant ``default`` when no client keys are configured)."""
    params = request.query_params
    if "signature" in params:
        try:
            tenant = services.signer.verify(
                name, params.get("tenant", ""), params.get("expires", ""), params["signature"]
            )
        except TimeoutError:
            raise Forbidden(
                "This image URL has expired; ask for the image again to get a fresh one."
            ) from None
        except ValueError:
            raise Forbidden("This image URL's signature is not valid.") from None
        return Viewer(tenant, sharing_of(services))
    return viewer_of(authorize(request, services, allow="any"), services)


@get("/v1/models", media_type=MediaType.JSON)
async def list_models(request: Request[Any, Any, Any]) -> Response[bytes]:
    services = services_of(request)
    authorize(request, services)
    backend = services.backend
    # The demo pipeline is a placeholder from the start, before start-up has written its folder.
    placeholder = backend.placeholder or services.tiny_model_dir is not None
    note: dict[str, Any] = {
        "backend": backend.name,
        "placeholder": placeholder,
        # The range of a request's ``cache.threshold``, for clients that offer the dial.
        "threshold": services.settings.threshold,
        "min_threshold": services.settings.min_threshold,
    }
    if placeholder:
        note["notice"] = services.settings.placeholder_notice
    aliases = services.names.aliases
    body = {
        "object": "list",
        "data": [
            {
                "id": name,
                "object": "model",
                "created": 0,
                "owned_by": "memoaized",
                # An alias says which model really makes its images.
                "memoaized": note | {"alias_of": aliases[name]} if name in aliases else note,
            }
            for name in services.names.listing(services.default_model)
        ],
    }
    return Response(msgspec.json.encode(body), media_type=MediaType.JSON)


@get("/healthz", media_type=MediaType.JSON)
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@get("/readyz", media_type=MediaType.JSON)
async def readyz(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Readiness: the embedding model, the index and the backend are loaded."""
    services = services_of(request)
    if services.ready:
        body: dict[str, str] = {"status": "ready"}
        if services.volume.low:  # hits and generation go on; nothing new is cached
            body["degraded"] = services.volume.describe()
        return Response(msgspec.json.encode(body), media_type=MediaType.JSON)
    detail = services.startup_error or "loading the embedding model and the backend"
    return error_response(503, f"Not ready: {detail}.", error_type="server_error", code="not_ready")


# Prometheus's text format; litestar adds the charset itself (CONTENT_TYPE_LATEST names it too).
_METRICS_TYPE = CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")


@get("/metrics", media_type=_METRICS_TYPE)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    return Response(
        generate_latest(services_of(request).metrics.registry), media_type=_METRICS_TYPE
    )


def routes(settings: Settings) -> list[HTTPRouteHandler | Router]:
    """Every route of the proxy, and the browser page unless it is switched off."""
    return [
        create_image,
        get_image_file,
        list_models,
        healthz,
        readyz,
        metrics,
        *cache_routes(settings.max_import_bytes),
        *([ui_router(settings.ui_path)] if settings.ui else []),
    ]
