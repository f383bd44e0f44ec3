"""The proxy's own errors. One handler (``proxy_exception_handlers``) turns each into OpenAI's
error shape; errors shared with ``sd-server`` (``InvalidRequest``, ``BackendError``) are mapped
by ``backends.http_errors``::

    ProxyError
    ├── Unauthorized     401  a key is required and missing or wrong
    ├── Forbidden        403  a client key on an admin route, an admin key on a client's, a
    │                         forged or expired image URL, or (with no client keys) a request
    │                         from another site or for another host name
    ├── NotFound         404  no such cache entry (or none the caller may see)
    ├── UnsupportedMediaType 415  an API write whose body is not ``application/json``
    ├── Overloaded       429  the generation queue is full (Retry-After)
    ├── RateLimited      429  the key's request rate limit is reached (Retry-After)
    ├── ClientGone       499  the client left before its answer was ready (nobody reads it)
    ├── NotReady         503  the proxy is still starting, or failed to start
    ├── CircuitOpen      503  the backend is unreachable; generations fail fast (Retry-After)
    └── NotCached        504  ``only-if-cached`` and the cache cannot answer the whole request
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from litestar import Request, Response

from backends.http_errors import error_response

__all__ = [
    "CircuitOpen",
    "ClientGone",
    "Forbidden",
    "NotCached",
    "NotFound",
    "NotReady",
    "Overloaded",
    "ProxyError",
    "RateLimited",
    "Unauthorized",
    "UnsupportedMediaType",
    "proxy_exception_handlers",
]


class ProxyError(Exception):
    """Base of the proxy's errors: a status, OpenAI's error type and code, extra headers."""

    status_code: ClassVar[int] = 500
    error_type: ClassVar[str | None] = None
    code: ClassVar[str | None] = None

    def __init__(self, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})


class Unauthorized(ProxyError):
    status_code = 401
    code = "invalid_api_key"


class Forbidden(ProxyError):
    status_code = 403
    code = "forbidden"


class NotFound(ProxyError):
    status_code = 404
    code = "not_found"


class UnsupportedMediaType(ProxyError):
    status_code = 415
    code = "unsupported_media_type"


class ClientGone(ProxyError):
    """The client disconnected before its answer was ready (nginx's 499; nobody reads it)."""

    status_code = 499
    code = "client_closed_request"


class NotReady(ProxyError):
    status_code = 503
    error_type = "server_error"
    code = "not_ready"


class _RetryLater(ProxyError):
    """An error that says when to try again."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, math.ceil(retry_after)))})


class Overloaded(_RetryLater):
    status_code = 429
    error_type = "requests"
    code = "rate_limit_exceeded"


class RateLimited(_RetryLater):
    status_code = 429
    error_type = "requests"
    code = "rate_limit_exceeded"


class CircuitOpen(_RetryLater):
    status_code = 503
    error_type = "server_error"
    code = "backend_unavailable"


class NotCached(ProxyError):
    status_code = 504
    code = "cache_miss"

    def __init__(self, message: str) -> None:
        # The OpenAI SDK retries 5xx answers; asking again cannot make the image cached.
        super().__init__(message, headers={"X-Cache": "MISS", "X-Should-Retry": "false"})


def _proxy_error(_: Request[Any, Any, Any], exc: ProxyError) -> Response[bytes]:
    return error_response(
        exc.status_code,
        exc.message,
        error_type=exc.error_type,
        code=exc.code,
        headers=exc.headers,
    )


def proxy_exception_handlers() -> dict[type[Exception] | int, Any]:
    """Exception handlers for the proxy's own errors, to merge with the shared ones."""
    return {ProxyError: _proxy_error}
