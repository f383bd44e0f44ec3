"""The connection layer of a live `memoaized serve` against hostile sockets (issue 15, findings
4 and 9): idle connections are closed, a flood of them is capped and logged, and requests that
are not valid HTTP get an OpenAI-shaped error. Raw sockets on loopback, every wait bounded."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.conftest import LiveServer, serve_sd_upstream

pytestmark = pytest.mark.slow

LIMIT = 20
IDLE = 1.5


@pytest.fixture(scope="module")
def server(
    module_servers: Callable[..., LiveServer],
    tmp_path_factory: pytest.TempPathFactory,
    sd_server: LiveServer,
) -> LiveServer:
    data = tmp_path_factory.mktemp("data")
    return module_servers(
        *serve_sd_upstream(
            data, sd_server, "--max-connections", str(LIMIT), "--idle-timeout", str(IDLE)
        )
    )


@contextlib.contextmanager
def _sockets(server: LiveServer, count: int) -> Iterator[list[socket.socket]]:
    opened = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            opened.append(sock)
        yield opened
    finally:
        for sock in opened:
            sock.close()


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes ``sock`` (EOF or reset) within ``within`` seconds."""
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_idle_connections_are_closed_and_a_flood_is_capped_and_logged(server: LiveServer) -> None:
    with _sockets(server, LIMIT + 10) as idle:
        # Past the limit, new connections are closed at once; the first ones stay open a while.
        assert all(_closed_by_server(sock, 2.0) for sock in idle[LIMIT + 2 :])
        started = time.monotonic()
        assert all(_closed_by_server(sock, IDLE + 3.0) for sock in idle[: LIMIT - 2])
        assert time.monotonic() - started < IDLE + 3.0
    assert "refusing new ones" in server.log()
    # The slots are free again: requests are answered.
    assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200


def _raw(server: LiveServer, request: bytes) -> tuple[int, dict[str, object]]:
    received = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        # The server answers and closes as soon as a limit is passed, before the rest is sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"POST /v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(10_000))
        + b"\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"v" * 2_000_000 + b"\r\n\r\n",
    ],
    ids=["100 KB path", "negative Content-Length", "10,000 headers", "2 MB header"],
)
def test_what_is_not_valid_http_gets_an_openai_shaped_400(
    server: LiveServer, request_bytes: bytes
) -> None:
    status, body = _raw(server, request_bytes)
    assert status == 400
    error = body["error"]
    assert isinstance(error, dict) and error["code"] == "invalid_http"
    assert error["type"] == "invalid_request_error"
