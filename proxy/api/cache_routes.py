"""The cache's own API under ``/v1/cache``: what the ``memoaized cache`` CLI and the browser page
call.

Reading entries (search, get) is open to client keys, through the same tenancy filter as the
request path, and to admin keys; everything else needs an admin key::

    GET    /v1/cache/stats              admin   size of the cache and how it decides
    GET    /v1/cache/entries            any     search by text, or most recent / most reused
    GET    /v1/cache/entries/{id}       any     one entry
    POST   /v1/cache/entries            admin   add an image with its prompt and parameters
    DELETE /v1/cache/entries/{id}       admin   delete one entry
    POST   /v1/cache/purge              admin   delete by tenant, user, partition or age
    GET    /v1/cache/export             admin   a page of the whole cache: entries, vectors, images
    POST   /v1/cache/import             admin   store a page of exported entries
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import math
import time
import uuid
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import msgspec
import numpy as np
from litestar import MediaType, Request, Response, delete, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery

from backends.images_api import (
    MEDIA_TYPES,
    ImagesRequest,
    InvalidRequest,
    decode_error,
    to_generation_request,
)
from proxy.api.access import authorize, image_url, json_body, ready, services_of, viewer_of
from proxy.api.openapi import body_operation
from proxy.auth import DEFAULT_TENANT, valid_tenant
from proxy.cache.admin import CacheAdmin, Exported, Order
from proxy.cache.entries import Owner
from proxy.cache.tenancy import Viewer
from proxy.embedding import EMBEDDING_DIM
from proxy.errors import NotFound, NotReady
from proxy.index.base import Entry, IndexUnavailable, Where
from proxy.store import BlobStore, StoreError

if TYPE_CHECKING:
    from proxy.app import Services

__all__ = ["BODIES", "cache_routes"]

_T = TypeVar("_T")
_MAX_LIMIT = 1000
_FORMATS_BY_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"))


class AddRequest(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """An image to add, with the prompt and parameters it answers."""

    prompt: str
    image: str
    """The image, base64: PNG, JPEG or WebP."""
    model: str | None = None
    size: str | None = None
    quality: str | None = None
    style: str | None = None
    background: str | None = None
    moderation: str | None = None
    tenant: str = DEFAULT_TENANT
    scope: Literal["shared", "private"] = "shared"
    user: str | None = None
    ttl: float | None = None
    generation_seconds: float = 0.0
    energy_wh: float = 0.0


class PurgeRequest(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What to purge; every criterion given narrows it, and at least one is required."""

    tenant: str | None = None
    user: str | None = None
    partition: str | None = None
    older_than: float | None = None
    """Seconds: entries stored longer ago than this."""
    all: bool = False
    """Purge everything (only with no other criterion)."""


class ArchivedEntry(msgspec.Struct, forbid_unknown_fields=True):
    """One entry of an export page or an import: payload, vector and base64 image."""

    entry: dict[str, Any]
    vector: list[float]
    image: str


class ImportRequest(msgspec.Struct, forbid_unknown_fields=True):
    embedding_model: str
    entries: list[ArchivedEntry]


BODIES: tuple[type[msgspec.Struct], ...] = (AddRequest, PurgeRequest, ImportRequest)
"""The request bodies of these routes, for the OpenAPI schema."""


def _admin(services: Services) -> CacheAdmin:
    ready(services)
    assert services.admin is not None
    return services.admin


def _json(body: Any, status_code: int = 200) -> Response[bytes]:
    return Response(msgspec.json.encode(body), media_type=MediaType.JSON, status_code=status_code)


def _view(
    entry: Entry,
    request: Request[Any, Any, Any],
    services: Services,
    viewer: Viewer,
    similarity: float | None = None,
) -> dict[str, Any]:
    """An entry as the API shows it to ``viewer``: who stored it only to administrators."""
    view: dict[str, Any] = {
        "id": entry.id,
        "object": "cache.entry",
        "prompt": entry.prompt,
        "revised_prompt": entry.revised_prompt,
        "url": image_url(request, services, entry.blob_id, viewer),
        "model": entry.model,
        "size": entry.size,
        "quality": entry.quality,
        "style": entry.style,
        "background": entry.background,
        "moderation": entry.moderation,
        "output_format": entry.output_format,
        "partition": entry.partition,
        "private": entry.private,
        "created_at": entry.created_at,
        "expires_at": entry.expires_at,
        "hits": entry.hits,
        "last_hit_at": entry.last_hit_at,
        "bytes": entry.bytes,
        "generation_seconds": entry.generation_seconds,
        "energy_wh": entry.energy_wh,
        "backend": entry.backend,
    }
    if similarity is not None:
        view["similarity"] = round(similarity, 4)
    if viewer.admin:
        view["tenant"] = entry.tenant
        view["user"] = entry.user
    return view


async def _unavailable(work: Any) -> Any:
    """Await ``work``; a failing index or store is a 503."""
    try:
        return await work
    except (IndexUnavailable, StoreError) as error:
        raise NotReady(f"the cache is unavailable: {error}", headers={"Retry-After": "5"}) from None


@get("/v1/cache/stats", media_type=MediaType.JSON)
async def cache_stats(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Admin: how big the cache is, and how it decides."""
    services = services_of(request)
    authorize(request, services, allow="admin")
    ready(services)
    assert services.store is not None and services.cache is not None
    await services.cache.storage.written()  # answers sent before this count too
    entries = await _unavailable(services.index.count())
    images, size = await _unavailable(services.store.usage())
    settings = services.settings
    return _json(
        {
            "object": "cache.stats",
            "entries": entries,
            "images": images,
            "bytes": size,
            "threshold": settings.threshold,
            "verify": settings.verify,
            "judge": settings.judge_model if settings.judge_url else None,
            "sharing": settings.sharing,
            "ttl": settings.ttl or None,
            "max_entries": settings.max_entries or None,
            "max_bytes": settings.max_bytes or None,
        }
    )


@get("/v1/cache/entries", media_type=MediaType.JSON)
async def search_entries(
    request: Request[Any, Any, Any],
    q: FromQuery[str | None] = None,
    order: FromQuery[Literal["recent", "hits"]] = "recent",
    limit: FromQuery[int] = 20,
    tenant: FromQuery[str | None] = None,
    user: FromQuery[str | None] = None,
) -> Response[bytes]:
    """Entries the caller may see: nearest to ``q`` in meaning, else most recent or most
    reused (``order``). Administrators may narrow by ``tenant`` and ``user``."""
    services = services_of(request)
    viewer = viewer_of(authorize(request, services, allow="any"), services)
    if not 1 <= limit <= _MAX_LIMIT:
        raise InvalidRequest(f"'limit' must be between 1 and {_MAX_LIMIT}.", param="limit")
    if (tenant or user) and not viewer.admin:
        raise InvalidRequest("Only admin keys may search by tenant or user.", param="tenant")
    admin = _admin(services)
    order_by: Order = order
    found = await _unavailable(
        admin.search(viewer, q, where=Where(tenant=tenant, user=user), order=order_by, limit=limit)
    )
    data = [_view(f.entry, request, services, viewer, f.similarity) for f in found]
    return _json({"object": "list", "data": data})


@get("/v1/cache/entries/{entry_id:str}", media_type=MediaType.JSON)
async def get_entry(request: Request[Any, Any, Any], entry_id: FromPath[str]) -> Response[bytes]:
    """One entry, if the caller may see it; otherwise 404, as if it did not exist."""
    services = services_of(request)
    viewer = viewer_of(authorize(request, services, allow="any"), services)
    entry = await _unavailable(_admin(services).get(viewer, _entry_id(entry_id)))
    if entry is None:
        raise NotFound(f"No cache entry {entry_id!r}.")
    return _json(_view(entry, request, services, viewer))


@delete("/v1/cache/entries/{entry_id:str}", status_code=200, media_type=MediaType.JSON)
async def delete_entry(request: Request[Any, Any, Any], entry_id: FromPath[str]) -> Response[bytes]:
    """Admin: delete one entry, and its image when no other entry shows it."""
    services = services_of(request)
    authorize(request, services, allow="admin")
    if not await _unavailable(_admin(services).delete(_entry_id(entry_id))):
        raise NotFound(f"No cache entry {entry_id!r}.")
    return _json({"id": entry_id, "object": "cache.entry.deleted", "deleted": True})


async def add_entry(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Admin: add an image with the prompt and parameters it answers."""
    services = services_of(request)
    authorize(request, services, allow="admin")
    body = _decode(await json_body(request), AddRequest)
    image = _base64(body.image, "image")
    output_format = _sniff(image)
    generation, _ = to_generation_request(
        ImagesRequest(
            prompt=body.prompt,
            model=body.model,
            size=body.size,
            quality=body.quality,
            style=body.style,
            background=body.background,
            moderation=body.moderation,
            output_format=output_format,
        ),
        default_model=services.default_model,
        default_size=services.backend.default_size,
    )
    # Stored where a request naming the same model, or an alias of it, looks.
    generation = dataclasses.replace(
        generation, model=services.names.aliases.get(generation.model, generation.model)
    )
    if not valid_tenant(body.tenant):
        raise InvalidRequest(
            "'tenant' must be 1 to 64 letters, digits, '.', '_' or '-'.", param="tenant"
        )
    if body.ttl is not None and body.ttl <= 0:
        raise InvalidRequest("'ttl' must be a positive number of seconds.", param="ttl")
    if body.generation_seconds < 0 or body.energy_wh < 0:
        raise InvalidRequest("Costs cannot be negative.", param="generation_seconds")
    owner = Owner(
        tenant=body.tenant,
        private=body.scope == "private",
        user=body.user,
        expires_at=round(time.time() + body.ttl, 3) if body.ttl else None,
    )
    entry = await _unavailable(
        _admin(services).add(
            generation,
            image,
            MEDIA_TYPES[output_format],
            owner,
            generation_seconds=body.generation_seconds,
            energy_wh=body.energy_wh,
        )
    )
    return _json(_view(entry, request, services, Viewer(None)), status_code=201)


@post(
    "/v1/cache/purge",
    status_code=200,
    media_type=MediaType.JSON,
    operation_class=body_operation(PurgeRequest),
)
async def purge(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Admin: delete every entry matching all the criteria given (and the images no other
    entry shows). ``user`` erases one end user's entries."""
    services = services_of(request)
    authorize(request, services, allow="admin")
    body = _decode(await json_body(request), PurgeRequest)
    criteria = (body.tenant, body.user, body.partition, body.older_than)
    if body.all == any(value is not None for value in criteria):
        raise InvalidRequest(
            "Give at least one of 'tenant', 'user', 'partition' or 'older_than', or 'all': true "
            "alone to purge the whole cache.",
            param="all",
        )
    if body.older_than is not None and body.older_than < 0:
        raise InvalidRequest("'older_than' must be seconds, 0 or more.", param="older_than")
    where = Where(
        tenant=body.tenant,
        user=body.user,
        partition=body.partition,
        created_before=None if body.older_than is None else time.time() - body.older_than,
    )
    entries, images = await _unavailable(_admin(services).purge(where))
    return _json({"object": "cache.purge", "entries": entries, "images": images})


@get("/v1/cache/export", media_type=MediaType.JSON)
async def export_page(
    request: Request[Any, Any, Any],
    offset: FromQuery[str | None] = None,
    limit: FromQuery[int] = 100,
) -> Response[bytes]:
    """Admin: a page of the whole cache (entries with vectors and images); ``next`` is the
    ``offset`` of the following page, null after the last."""
    services = services_of(request)
    authorize(request, services, allow="admin")
    if not 1 <= limit <= _MAX_LIMIT:
        raise InvalidRequest(f"'limit' must be between 1 and {_MAX_LIMIT}.", param="limit")
    admin = _admin(services)
    items, following = await _unavailable(
        admin.export(_entry_id(offset) if offset else None, limit)
    )
    total = await _unavailable(services.index.count())
    entries = [
        ArchivedEntry(
            entry=item.entry.payload(),
            vector=[float(x) for x in item.vector],
            image=base64.b64encode(item.image).decode(),
        )
        for item in items
    ]
    return _json(
        {
            "object": "cache.export",
            "embedding_model": admin.embedding_model,
            "total": total,
            "entries": entries,
            "next": following,
        }
    )


async def import_page(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Admin: store exported entries as they were (ids, tenants, usage)."""
    services = services_of(request)
    authorize(request, services, allow="admin")
    body = _decode(await json_body(request), ImportRequest)
    items = [_archived(item, f"entries[{number}]") for number, item in enumerate(body.entries)]
    try:
        imported = await _unavailable(_admin(services).load(items, body.embedding_model))
    except ValueError as error:
        raise InvalidRequest(str(error), param="entries") from None
    return _json({"object": "cache.import", "imported": imported})


def _archived(item: ArchivedEntry, param: str) -> Exported:
    """An archived entry, checked whole before anything is written: a payload of the wrong
    shape would otherwise fail every later lookup that met it."""
    try:
        entry = msgspec.convert(item.entry, type=Entry)
        BlobStore.media_type_of(entry.blob_id)
    except (msgspec.ValidationError, ValueError) as error:
        raise InvalidRequest(f"{param} is not a cache entry: {error}", param=param) from None
    numbers = (entry.created_at, entry.generation_seconds, entry.energy_wh, entry.hits)
    problems = [
        (entry.id != _entry_id(entry.id), "its id is not a UUID"),
        (not valid_tenant(entry.tenant), "its tenant is not a valid tenant name"),
        (entry.media_type not in MEDIA_TYPES.values(), "its media type is not an image's"),
        (not all(math.isfinite(x) and x >= 0 for x in numbers), "a number is negative"),
        (len(item.vector) != EMBEDDING_DIM, f"its vector has not {EMBEDDING_DIM} numbers"),
    ]
    for failed, why in problems:
        if failed:
            raise InvalidRequest(f"{param} is not a cache entry: {why}.", param=param)
    vector = np.asarray(item.vector, dtype=np.float32)
    return Exported(entry, vector, _base64(item.image, f"{param}.image"))


def _decode(raw: bytes, kind: type[_T]) -> _T:
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.DecodeError as error:
        raise decode_error(error) from None


def _base64(text: str, param: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"'{param}' is not valid base64.", param=param) from None
    if not data:
        raise InvalidRequest(f"'{param}' is empty.", param=param)
    return data


def _sniff(image: bytes) -> str:
    """The format of an image, from its first bytes."""
    for magic, name in _FORMATS_BY_MAGIC:
        if image.startswith(magic):
            return name
    if image[:4] == b"RIFF" and image[8:12] == b"WEBP":
        return "webp"
    raise InvalidRequest("'image' must be a PNG, JPEG or WebP image.", param="image")


def _entry_id(text: str) -> str:
    """An entry id as the index takes it (a UUID); anything else is a 400, not a 500."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InvalidRequest(f"{text!r} is not a cache entry id.", param="id") from None


def cache_routes(max_import_bytes: int) -> list[HTTPRouteHandler]:
    """The ``/v1/cache`` routes; the two that upload images take bodies up to
    ``max_import_bytes``."""

    def upload(path: str, handler: Any, body: type[msgspec.Struct]) -> HTTPRouteHandler:
        return post(
            path,
            media_type=MediaType.JSON,
            status_code=201,
            request_max_body_size=max_import_bytes,
            operation_class=body_operation(body),
        )(handler)

    return [
        cache_stats,
        search_entries,
        get_entry,
        delete_entry,
        purge,
        export_page,
        upload("/v1/cache/entries", add_entry, AddRequest),
        upload("/v1/cache/import", import_page, ImportRequest),
    ]
