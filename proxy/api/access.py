"""Who a request acts for, and the URLs it may be given: shared by every handler."""

from __future__ import annotations

import functools
import ipaddress
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from litestar import Request

from backends.images_api import shown
from proxy.auth import DEFAULT_TENANT, Principal
from proxy.cache.tenancy import Sharing, Viewer
from proxy.errors import Forbidden, NotReady, Unauthorized, UnsupportedMediaType

if TYPE_CHECKING:
    from proxy.app import Services

__all__ = [
    "authorize",
    "bearer",
    "image_url",
    "json_body",
    "ready",
    "services_of",
    "sharing_of",
    "viewer_of",
]

Allow = Literal["client", "admin", "any"]

_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
)


def services_of(request: Request[Any, Any, Any]) -> Services:
    services: Services = request.app.state.services
    return services


def ready(services: Services) -> None:
    """Raise ``NotReady`` (503) until the cache is up."""
    if services.cache is None:
        raise NotReady(
            services.startup_error or "memoaized is starting; try again shortly",
            headers={"Retry-After": "2"},
        )


def bearer(request: Request[Any, Any, Any]) -> str | None:
    """The request's bearer token, if it sent one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def authorize(
    request: Request[Any, Any, Any], services: Services, *, allow: Allow = "client"
) -> Principal:
    """The holder of the request's key, which must be of the kind ``allow`` names. Raises
    ``Unauthorized`` (401) for a missing or unknown key, ``Forbidden`` (403) for the wrong kind.

    With no client keys configured (loopback only), client routes are open and act for tenant
    ``default``; the bearer token, if any, is then not a proxy key (it may be the client's
    upstream key, for pass-through), and only requests from this machine are answered (see
    ``_from_this_machine``). On ``any`` routes an admin key still acts as admin."""
    keys = services.keys
    token = bearer(request)
    open_to_clients = allow != "admin" and not keys.clients
    if allow == "client" and open_to_clients:
        _from_this_machine(request, services)
        return Principal(DEFAULT_TENANT)
    principal = keys.holder(token) if token else None
    if principal is None and open_to_clients:
        _from_this_machine(request, services)
        return Principal(DEFAULT_TENANT)
    if token is None:
        raise Unauthorized(_NO_KEY)
    if principal is None:
        raise Unauthorized("Incorrect API key provided.")
    if allow == "admin" and not principal.admin:
        raise Forbidden("This route needs an admin key (--admin-keys).")
    if allow == "client" and principal.admin:
        raise Forbidden(
            "Admin keys are for the /v1/cache routes; use a client key to generate images."
        )
    return principal


def _from_this_machine(request: Request[Any, Any, Any], services: Services) -> None:
    """With no keys, being reachable is the only credential, so a page on another site must not
    borrow it: refuse a request whose browser says it comes from another site (``Origin`` other
    than the proxy's own, ``Sec-Fetch-Site: cross-site``), and, when the proxy listens on
    loopback, one whose ``Host`` is not a loopback name (DNS rebinding: evil.example resolving
    to 127.0.0.1)."""
    host = request.headers.get("host", "")
    if services.settings.loopback and not _is_loopback_name(_hostname(host)):
        raise Forbidden(
            f"This proxy has no API keys and answers only loopback host names, not "
            f"{shown(host)!r}; configure keys (MEMOAIZED_API_KEYS) to serve other names."
        )
    origin = request.headers.get("origin")
    cross_site = request.headers.get("sec-fetch-site", "").lower() == "cross-site"
    if cross_site or (origin is not None and urlsplit(origin).netloc.lower() != host.lower()):
        raise Forbidden(
            "This proxy has no API keys and refuses requests from other sites' pages; "
            "configure keys (MEMOAIZED_API_KEYS) to serve browsers elsewhere."
        )


def _hostname(host: str) -> str:
    """``host`` (a Host header) without its port, lower-cased; IPv6 without brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@functools.lru_cache(maxsize=256)  # the same few names on every request; bounded for a hostile one
def _is_loopback_name(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


async def json_body(request: Request[Any, Any, Any]) -> bytes:
    """The body of an API write, which must say it is JSON: a page on another site can send a
    ``text/plain`` body without asking first, never an ``application/json`` one."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType(
            f"Request bodies must be JSON (Content-Type: application/json), not "
            f"{shown(media_type or 'none')!r}."
        )
    return await request.body()


def sharing_of(services: Services) -> Sharing:
    return "tenant" if services.settings.sharing == "tenant" else "org"


def viewer_of(principal: Principal, services: Services) -> Viewer:
    """What ``principal`` may read, under the proxy's sharing mode."""
    return Viewer(None if principal.admin else principal.tenant, sharing_of(services))


def base_url(request: Request[Any, Any, Any], services: Services) -> str:
    return services.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")


def image_url(
    request: Request[Any, Any, Any], services: Services, blob_id: str, viewer: Viewer
) -> str:
    """The URL of a stored image, signed for ``viewer``."""
    query = services.signer.sign(blob_id, viewer.tenant)
    return f"{base_url(request, services)}/v1/images/files/{blob_id}?{query}"
