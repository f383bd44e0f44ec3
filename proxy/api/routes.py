"""HTTP handlers. Each one parses, calls the cache service, and shapes the answer; the decisions
live in ``proxy.cache``."""

from __future__ import annotations

import base64
import math
import time
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.params import FromPath
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from backends.http_errors import error_response
from backends.images_api import (
    ImageData,
    ImagesRequest,
    ImagesResponse,
    InvalidRequest,
    decode_error,
    to_generation_request,
)
from proxy.auth import DEFAULT_TENANT, Principal
from proxy.cache.controls import CacheControls, CacheOptions
from proxy.cache.service import CacheResult, ServedImage
from proxy.errors import Forbidden, NotReady, Unauthorized
from proxy.index.base import IndexUnavailable
from proxy.settings import PLACEHOLDER_NOTICE
from proxy.store import BlobNotFound, StoreError

if TYPE_CHECKING:
    from proxy.app import Services

__all__ = ["ROUTES", "ProxyImagesRequest"]

_IMMUTABLE = "public, max-age=31536000, immutable"


class ProxyImagesRequest(ImagesRequest, forbid_unknown_fields=True, omit_defaults=True):
    """OpenAI's request body plus the proxy's ``cache`` object (sent through ``extra_body``)."""

    cache: CacheOptions | None = None


def _services(request: Request[Any, Any, Any]) -> Services:
    services: Services = request.app.state.services
    return services


def _authorize(
    request: Request[Any, Any, Any], services: Services, *, admin: bool = False
) -> Principal:
    """The holder of the request's key: a tenant's client, or (``admin``) an administrator.
    Raises ``Unauthorized`` (401) for a missing or unknown key, ``Forbidden`` (403) for the
    wrong kind. With no client keys configured, client routes are open (on loopback only)."""
    keys = services.keys
    if not admin and not keys.clients:
        return Principal(DEFAULT_TENANT)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "You didn't provide an API key. You need to provide your API key in an Authorization "
            "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        )
    principal = keys.holder(token.strip())
    if principal is None:
        raise Unauthorized("Incorrect API key provided.")
    if principal.admin != admin:
        raise Forbidden(
            "This route needs an admin key (--admin-keys)."
            if admin
            else "Admin keys are for the /v1/cache routes; use a client key to generate images."
        )
    return principal


@post("/v1/images/generations", status_code=200)
async def create_image(request: Request[Any, Any, Any]) -> Response[bytes]:
    """OpenAI's ``images.generate``, answered from the cache when it can be."""
    started = time.perf_counter()
    services = _services(request)
    _authorize(request, services)
    raw = await request.body()
    try:
        body = msgspec.json.decode(raw, type=ProxyImagesRequest)
    except msgspec.DecodeError as error:
        raise decode_error(error) from None
    cache = services.cache
    if cache is None:
        raise NotReady(
            services.startup_error or "memoaized is starting; try again shortly",
            headers={"Retry-After": "2"},
        )
    backend = services.backend
    generation, response_format = to_generation_request(
        body,
        default_model=services.default_model,
        default_size=backend.default_size,
    )
    served_models = backend.served_models()
    if served_models is not None and generation.model not in served_models:
        raise InvalidRequest(
            f"The model '{generation.model}' does not exist or you do not have access to it. "
            f"This proxy serves: {', '.join(served_models)}.",
            param="model",
            code="model_not_found",
        )
    controls = CacheControls.parse(
        request.headers.get("cache-control"),
        body.cache,
        min_threshold=services.settings.min_threshold,
    )
    result = await cache.generate(generation, controls, with_bytes=response_format == "b64_json")
    base_url = services.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    data = [_image_data(image, response_format, base_url) for image in result.images]
    payload = ImagesResponse(
        created=int(time.time()),
        data=data,
        size=generation.size,
        quality=generation.quality,
        output_format=generation.output_format,
        background=generation.background,
    )
    elapsed = time.perf_counter() - started
    services.accountant.record(result, generation.model, elapsed)
    headers = _cache_headers(result)
    # Server-Timing lets a client (and bench/latency.py) tell backend time from proxy time.
    headers["Server-Timing"] = (
        f"generate;dur={result.generation_seconds * 1000:.1f}, total;dur={elapsed * 1000:.1f}"
    )
    return Response(msgspec.json.encode(payload), media_type=MediaType.JSON, headers=headers)


def _image_data(image: ServedImage, response_format: str, base_url: str) -> ImageData:
    if response_format == "b64_json":
        assert image.data is not None
        return ImageData(
            b64_json=base64.b64encode(image.data).decode(), revised_prompt=image.revised_prompt
        )
    if image.blob_id is not None:
        url = f"{base_url}/v1/images/files/{image.blob_id}"
    else:  # not stored (no-store): nothing to link to, so the image travels in the URL itself
        assert image.data is not None
        url = f"data:{image.media_type};base64,{base64.b64encode(image.data).decode()}"
    return ImageData(url=url, revised_prompt=image.revised_prompt)


def _cache_headers(result: CacheResult) -> dict[str, str]:
    headers = {"X-Cache": result.status.value}
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


@get("/v1/images/files/{name:str}", media_type=MediaType.JSON)
async def get_image_file(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
    """A stored image, addressed by its content hash: immutable, so cached forever downstream."""
    services = _services(request)
    if services.store is None:
        raise NotReady("memoaized is starting; try again shortly")
    try:
        media_type = services.store.media_type_of(name)
    except (ValueError, KeyError):
        return error_response(404, f"No image named {name!r}.", code="not_found")
    etag = f'"{name.partition(".")[0]}"'
    headers = {"ETag": etag, "Cache-Control": _IMMUTABLE}
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(b"", status_code=304, headers=headers)
    try:
        data = await services.store.get(name)
    except BlobNotFound:
        return error_response(404, f"No image named {name!r}.", code="not_found")
    except StoreError:
        return error_response(
            503,
            "The image store is unavailable; try again shortly.",
            error_type="server_error",
            code="store_unavailable",
        )
    return Response(data, media_type=media_type, headers=headers)


@get("/v1/models", media_type=MediaType.JSON)
async def list_models(request: Request[Any, Any, Any]) -> Response[bytes]:
    services = _services(request)
    _authorize(request, services)
    backend = services.backend
    names = list(backend.served_models() or [services.default_model])
    note: dict[str, Any] = {"backend": backend.name, "placeholder": backend.placeholder}
    if backend.placeholder:
        note["notice"] = PLACEHOLDER_NOTICE
    body = {
        "object": "list",
        "data": [
            {
                "id": name,
                "object": "model",
                "created": 0,
                "owned_by": "memoaized",
                "memoaized": note,
            }
            for name in names
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
    services = _services(request)
    if services.ready:
        return Response(msgspec.json.encode({"status": "ready"}), media_type=MediaType.JSON)
    detail = services.startup_error or "loading the embedding model and the backend"
    return error_response(503, f"Not ready: {detail}.", error_type="server_error", code="not_ready")


@get("/metrics", media_type=CONTENT_TYPE_LATEST)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    return Response(
        generate_latest(_services(request).metrics.registry), media_type=CONTENT_TYPE_LATEST
    )


@get("/v1/cache/stats", media_type=MediaType.JSON)
async def cache_stats(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Admin: how big the cache is, and how it decides."""
    services = _services(request)
    _authorize(request, services, admin=True)
    if services.store is None:
        raise NotReady("memoaized is starting; try again shortly", headers={"Retry-After": "2"})
    try:
        entries = await services.index.count()
        images, size = await services.store.usage()
    except (IndexUnavailable, StoreError) as error:
        raise NotReady(f"the cache cannot be measured now: {error}") from None
    settings = services.settings
    body = {
        "object": "cache.stats",
        "entries": entries,
        "images": images,
        "bytes": size,
        "threshold": settings.threshold,
        "verify": settings.verify,
        "judge": settings.judge_model if settings.judge_url else None,
    }
    return Response(msgspec.json.encode(body), media_type=MediaType.JSON)


ROUTES = [create_image, get_image_file, list_models, healthz, readyz, metrics, cache_stats]
