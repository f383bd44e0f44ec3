"""OpenAI-shaped error responses for litestar apps (the proxy and ``sd-server`` share them).

Every error leaves as ``{"error": {"message", "type", "param", "code"}}`` with OpenAI's status
codes, including the ones litestar raises itself (unknown route, wrong method, oversize body).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException

from backends.base import BackendError, UpstreamRejected
from backends.images_api import ErrorBody, ErrorDetail, InvalidRequest

__all__ = ["error_response", "openai_exception_handlers"]

log = logging.getLogger(__name__)

_TYPES: Mapping[int, str] = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    504: "timeout_error",
}
_CODES: Mapping[int, str] = {
    401: "invalid_api_key",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    429: "rate_limit_exceeded",
}


def error_response(
    status_code: int,
    message: str,
    *,
    error_type: str | None = None,
    param: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[bytes]:
    """One OpenAI-shaped error response."""
    body = ErrorBody(
        ErrorDetail(
            message=message,
            type=error_type or _TYPES.get(status_code, "server_error"),
            param=param,
            code=code if code is not None else _CODES.get(status_code),
        )
    )
    return Response(
        msgspec.json.encode(body),
        status_code=status_code,
        media_type=MediaType.JSON,
        headers=dict(headers or {}),
    )


def _http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if status == 404:
        message = f"Invalid URL ({request.method} {request.url.path})"
    elif status == 405:
        message = f"Method {request.method} is not allowed for {request.url.path}."
    elif status == 413:
        message = "The request body is too large."
    else:
        message = str(exc.detail)
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "content-type"}
    return error_response(status, message, headers=headers)


def _invalid_request(_: Request[Any, Any, Any], exc: InvalidRequest) -> Response[bytes]:
    return error_response(exc.status_code, exc.message, param=exc.param, code=exc.code)


def _backend_error(_: Request[Any, Any, Any], exc: BackendError) -> Response[bytes]:
    headers = {"Retry-After": exc.retry_after} if exc.retry_after else None
    if isinstance(exc, UpstreamRejected):
        return error_response(
            exc.status_code,
            exc.message,
            error_type=exc.error_type,
            param=exc.param,
            code=exc.code,
            headers=headers,
        )
    log.warning("backend error: %s", exc.message)
    return error_response(
        exc.status_code,
        exc.message,
        error_type="server_error",
        code=getattr(exc, "code", None) or "backend_error",
        headers=headers,
    )


def _unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "The server had an error while processing your request.")


def openai_exception_handlers() -> dict[type[Exception] | int, Any]:
    """Exception handlers to pass to ``Litestar(exception_handlers=...)``."""
    return {
        HTTPException: _http_exception,
        InvalidRequest: _invalid_request,
        BackendError: _backend_error,
        Exception: _unexpected,
    }
