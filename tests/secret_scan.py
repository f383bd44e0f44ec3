"""The upstream keys of the test suite, and the scan that proves they never come out of the proxy.

Every test that configures an upstream key uses ``UPSTREAM_KEY`` (the proxy's own) or
``CLIENT_UPSTREAM_KEY`` (a client's own, passed through); both are random per session. For the
whole session, ``install`` records and scans:

- every HTTP response the tests receive from a proxy (the in-process test client's and every
  request to loopback: the OpenAI SDK, httpx), body and headers, which includes every
  ``/metrics`` page fetched;
- every log record of the proxy's, the backends' and httpx's loggers, at debug level;
- the log file of every live server, and its ``/metrics`` page, when it stops.

Responses of upstream stubs (mock transports on other hosts) are not scanned: an upstream
echoing the key is what some tests simulate, and what the proxy must not pass on. The session
fails (``conftest.pytest_sessionfinish``) if any scanned text holds a key or a 10-character
piece of one's random part.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import httpx
import httpx2

__all__ = ["CLIENT_UPSTREAM_KEY", "SCAN", "UPSTREAM_KEY", "SecretScan"]

UPSTREAM_KEY = f"sk-memoaized-upstream-{secrets.token_hex(12)}"
CLIENT_UPSTREAM_KEY = f"sk-memoaized-client-{secrets.token_hex(12)}"

_PIECE = 10
_PROXY_HOSTS = frozenset({"127.0.0.1", "localhost", "testserver.local", "testserver"})
_LOGGERS = ("proxy", "backends", "memoaized", "httpx")
_KEY_HEADERS = ("authorization", "x-upstream-api-key")


@dataclass
class SecretScan:
    """Scans texts for the keys; remembers where it found one, and how much it scanned."""

    keys: tuple[str, ...]
    scanned: dict[str, int] = field(default_factory=dict)
    leaks: list[str] = field(default_factory=list)
    requests_with_a_key: int = 0
    """Requests that carried one of the keys (to an upstream, or a client's own to the proxy):
    the keys were in use, so the scan is not vacuous."""

    def pieces(self) -> set[str]:
        found = set()
        for key in self.keys:
            tail = key.rsplit("-", 1)[1]
            found |= {tail[i : i + _PIECE] for i in range(len(tail) - _PIECE + 1)}
        return found | set(self.keys)

    def check(self, kind: str, where: str, text: str | bytes) -> None:
        self.scanned[kind] = self.scanned.get(kind, 0) + 1
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        for piece in self._pieces:
            if piece in text:
                self.leaks.append(f"{kind} {where}: holds {piece!r}")
                return

    def __post_init__(self) -> None:
        self._pieces = self.pieces()

    def report(self) -> dict[str, Any]:
        """What was scanned and found, for an xdist worker to hand to the controller."""
        return {
            "scanned": dict(self.scanned),
            "leaks": list(self.leaks),
            "requests_with_a_key": self.requests_with_a_key,
        }

    def add(self, report: dict[str, Any]) -> None:
        """Count in a worker's :meth:`report`: each worker scans with keys of its own."""
        for kind, count in report["scanned"].items():
            self.scanned[kind] = self.scanned.get(kind, 0) + count
        self.leaks.extend(report["leaks"])
        self.requests_with_a_key += report["requests_with_a_key"]

    def response(self, response: httpx.Response | httpx2.Response) -> None:
        request = response.request
        sent = " ".join(request.headers.get(name, "") for name in _KEY_HEADERS)
        if any(key in sent for key in self.keys):
            self.requests_with_a_key += 1
        if request.url.host not in _PROXY_HOSTS:
            return
        where = f"{request.method} {request.url.path} -> {response.status_code}"
        self.check("response header", where, str(list(response.headers.items())))
        # A streamed download is read by its caller, and not scanned.
        with contextlib.suppress(httpx.ResponseNotRead, httpx2.ResponseNotRead):
            self.check("response body", where, response.content)


SCAN = SecretScan((UPSTREAM_KEY, CLIENT_UPSTREAM_KEY))


class _LogScanner(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:
            text = f"{record.msg} {record.args}"
        SCAN.check("log line", record.name, text)


def _recording(send: Callable[..., Any], is_async: bool) -> Callable[..., Any]:
    if is_async:

        @wraps(send)
        async def async_send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            response = await send(self, request, *args, **kwargs)
            SCAN.response(response)
            return response

        return async_send

    @wraps(send)
    def sync_send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = send(self, request, *args, **kwargs)
        SCAN.response(response)
        return response

    return sync_send


def install() -> None:
    """Start recording, for the rest of the process."""
    handler = _LogScanner(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    for module in (httpx, httpx2):
        module.Client.send = _recording(module.Client.send, is_async=False)  # type: ignore[method-assign]
        module.AsyncClient.send = _recording(module.AsyncClient.send, is_async=True)  # type: ignore[method-assign]
