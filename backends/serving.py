"""Serving an app with uvicorn so that what configuration broke stops the start in one line.

The port is bound before the app is built, so a port in use is said before anything loads; an
app whose models cannot load reports it through the callback it is built with, which stops the
server, and the failure is raised once uvicorn has shut down cleanly.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

__all__ = ["Serving", "listen"]


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, for uvicorn to serve on; a port in use is one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise OSError(
                f"not starting: port {port} on {host} is in use by another process; stop it, "
                "or choose another with --port"
            ) from None
        raise OSError(f"not starting: cannot listen on {host}:{port}: {error}") from None
    sock.set_inheritable(True)
    return sock


class Serving:
    """uvicorn serving one app on a bound socket, which the app may stop with :meth:`stop` when
    its models cannot load; :meth:`run` then raises the reason once uvicorn has shut down."""

    def __init__(self) -> None:
        self.failure: str | None = None
        self._server: Any = None

    def stop(self, failure: str) -> None:
        self.failure = failure
        if self._server is not None:
            self._server.should_exit = True

    def run(self, app: Any, sock: socket.socket, **config: Any) -> None:
        import uvicorn

        self._server = uvicorn.Server(uvicorn.Config(app, **config))
        self._server.run(sockets=[sock])
        if self.failure is not None:
            raise RuntimeError(f"not starting: {self.failure}")
