"""The HTTP connection layer: uvicorn's httptools protocol with limits a hostile client cannot
get around.

uvicorn closes a keep-alive connection that stays idle after a response, but not one that never
sends a byte, sets no limit on the number of connections, and accepts any number and size of
headers. :func:`guarded_protocol` adds, per connection:

- an idle deadline from the moment it opens (``--idle-timeout``): a socket that sends nothing
  is closed;
- a limit on open connections (``--max-connections``): past it, a new connection is closed at
  once and the first such refusal in a minute is logged, so a flood of idle sockets cannot use
  up the process's file descriptors while hits and misses wait;
- limits on the request target (8 KiB) and on headers (100 of them, 32 KiB in all);

and answers a request it cannot parse (a malformed line, a negative ``Content-Length``, a limit
exceeded) with an OpenAI-shaped JSON error instead of uvicorn's plain text.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httptools
import msgspec
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from backends.images_api import ErrorBody, ErrorDetail

__all__ = ["MAX_HEADERS", "MAX_HEADER_BYTES", "MAX_TARGET_BYTES", "guarded_protocol"]

log = logging.getLogger(__name__)

MAX_TARGET_BYTES = 8192
MAX_HEADERS = 100
MAX_HEADER_BYTES = 32768
_LOG_EVERY = 60.0


class _Refused(httptools.HttpParserError):
    """A request over one of the limits (raised inside a parser callback)."""


def guarded_protocol(*, max_connections: int, idle_timeout: float) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with these limits (pass it as ``uvicorn.run(http=...)``)."""

    class GuardedProtocol(HttpToolsProtocol):
        _refused_logged_at = -_LOG_EVERY

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                self._log_refusal()
                transport.close()
                return
            # Closed unless its first bytes come in time; the first data cancels it.
            self.timeout_keep_alive_task = self.loop.call_later(
                idle_timeout, self.timeout_keep_alive_handler
            )

        def _log_refusal(self) -> None:
            now = time.monotonic()
            cls = type(self)
            if now - cls._refused_logged_at >= _LOG_EVERY:
                cls._refused_logged_at = now
                log.warning(
                    "%d connections are open, the limit (--max-connections); refusing new "
                    "ones until some close (logged once a minute)",
                    max_connections,
                )

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._header_count = 0
            self._header_bytes = 0

        def on_url(self, url: bytes) -> None:
            super().on_url(url)
            if len(self.url) > MAX_TARGET_BYTES:
                raise _Refused("request target too long")

        def on_header(self, name: bytes, value: bytes) -> None:
            self._header_count += 1
            self._header_bytes += len(name) + len(value)
            if self._header_count > MAX_HEADERS or self._header_bytes > MAX_HEADER_BYTES:
                raise _Refused("too many or too large headers")
            super().on_header(name, value)

        def send_400_response(self, msg: str) -> None:
            body = msgspec.json.encode(
                ErrorBody(
                    ErrorDetail(
                        message=(
                            "The request could not be read as HTTP (a malformed line or header, "
                            f"an invalid Content-Length, a target over {MAX_TARGET_BYTES} bytes, "
                            f"or more than {MAX_HEADERS} headers or {MAX_HEADER_BYTES} bytes of "
                            "them)."
                        ),
                        type="invalid_request_error",
                        code="invalid_http",
                    )
                )
            )
            head = [STATUS_LINE[400]]
            for name, value in self.server_state.default_headers:
                head += [name, b": ", value, b"\r\n"]
            head += [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n\r\n",
            ]
            self.transport.write(b"".join(head) + body)
            self.transport.close()

    return GuardedProtocol
