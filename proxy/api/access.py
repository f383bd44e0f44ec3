"""Who a request acts for, and the URLs it may be given: shared by every handler."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from litestar import Request

from proxy.auth import DEFAULT_TENANT, Principal
from proxy.cache.tenancy import Sharing, Viewer
from proxy.errors import Forbidden, NotReady, Unauthorized

if TYPE_CHECKING:
    from proxy.app import Services

__all__ = [
    "authorize",
    "bearer",
    "image_url",
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
    upstream key, for pass-through). On ``any`` routes an admin key still acts as admin."""
    keys = services.keys
    token = bearer(request)
    open_to_clients = allow != "admin" and not keys.clients
    if allow == "client" and open_to_clients:
        return Principal(DEFAULT_TENANT)
    principal = keys.holder(token) if token else None
    if principal is None and open_to_clients:
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
