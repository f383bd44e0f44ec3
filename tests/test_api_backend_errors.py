"""What clients see when the backend fails or keys are required: the real app in-process with
the real embedding model and index, in front of an `openai` backend whose upstream answers come
from `httpx.MockTransport` (the upstream must misbehave on cue; the live happy path is in
test_e2e_sd_server.py)."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from backends.openai_compat import OpenAIBackend
from proxy.app import create_app
from proxy.settings import Settings
from tests.conftest import open_ready
from tests.secret_scan import CLIENT_UPSTREAM_KEY, UPSTREAM_KEY

Upstream = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
async def make_client(
    tmp_path: Path, embedding_model_dir: Path
) -> AsyncIterator[Callable[..., Any]]:
    clients: list[AsyncTestClient[Any]] = []

    async def make(upstream: Upstream, **settings: Any) -> AsyncTestClient[Any]:
        backend = OpenAIBackend(
            base_url="http://upstream.test/v1",
            api_key=UPSTREAM_KEY,
            default_model="dall-e-2",
            connect_retries=0,
            transport=httpx.MockTransport(upstream),
        )
        app = create_app(
            Settings(
                data_dir=tmp_path / f"data{len(clients)}",
                backend="openai",
                embedding_model_dir=str(embedding_model_dir),
                **settings,
            ),
            backend=backend,
        )
        client = await open_ready(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.__aexit__(None, None, None)


async def _generate(client: AsyncTestClient[Any], **headers: str) -> httpx.Response:
    return await client.post(
        "/v1/images/generations", json={"prompt": "a cat", "size": "256x256"}, headers=headers
    )


def _error(status: int, body: dict[str, Any], **headers: str) -> Upstream:
    return lambda request: httpx.Response(status, json={"error": body}, headers=headers)


async def test_upstream_rate_limit_reaches_the_client_with_retry_after(
    make_client: Callable[..., Any],
) -> None:
    client = await make_client(
        _error(
            429,
            {
                "message": "Slow down",
                "type": "requests",
                "param": None,
                "code": "rate_limit_exceeded",
            },
            **{"Retry-After": "12"},
        )
    )
    response = await _generate(client)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "12"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"


async def test_failing_upstream_is_502_and_unreachable_is_503(
    make_client: Callable[..., Any],
) -> None:
    failing = await make_client(lambda request: httpx.Response(500, text="internal"))
    response = await _generate(failing)
    assert response.status_code == 502
    assert response.json()["error"]["type"] == "server_error"

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    unreachable = await make_client(refuse)
    response = await _generate(unreachable)
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


async def test_refused_upstream_key_is_502_and_never_echoed(
    make_client: Callable[..., Any],
) -> None:
    client = await make_client(
        _error(
            401,
            {
                "message": f"Incorrect API key {UPSTREAM_KEY}",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            },
        )
    )
    response = await _generate(client)
    assert response.status_code == 502
    assert UPSTREAM_KEY not in response.text
    assert UPSTREAM_KEY not in str(response.headers)


async def test_client_keys_are_required_when_configured(make_client: Callable[..., Any]) -> None:
    png = httpx.Response(200, json={"created": 1, "data": [{"b64_json": "iVBORw0KGgo="}]})
    client = await make_client(lambda request: png, api_keys="key-one, key-two")
    missing = await _generate(client)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "invalid_api_key"
    wrong = await _generate(client, Authorization="Bearer key-three")
    assert wrong.status_code == 401
    assert "key-three" not in wrong.text
    assert (await client.get("/v1/models")).status_code == 401
    right = await _generate(client, Authorization="Bearer key-two")
    assert right.status_code == 200, right.text
    assert (await client.get("/healthz")).status_code == 200  # probes need no key


def _remembering(seen: list[str], refuse: str | None = None) -> Upstream:
    """An upstream that records the key each request carries, refusing ``refuse`` (and echoing
    it, as OpenAI's own 401 message partly does)."""
    png = {"created": 1, "data": [{"b64_json": "iVBORw0KGgo="}]}

    def answer(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"].removeprefix("Bearer ")
        seen.append(key)
        if key == refuse:
            error = {
                "message": f"Incorrect API key provided: {key}",
                "type": "invalid_request_error",
            }
            return httpx.Response(401, json={"error": error})
        return httpx.Response(200, json=png)

    return answer


async def test_pass_through_sends_the_clients_own_key_upstream(
    make_client: Callable[..., Any],
) -> None:
    seen: list[str] = []
    # No client keys: the bearer token is the client's upstream key.
    open_proxy = await make_client(
        _remembering(seen, refuse=CLIENT_UPSTREAM_KEY + "-revoked"),
        upstream_key_passthrough=True,
        upstream_api_key=UPSTREAM_KEY,  # as the backend's own key is configured in production
    )
    ok = await _generate(open_proxy, Authorization=f"Bearer {CLIENT_UPSTREAM_KEY}")
    assert ok.status_code == 200, ok.text
    assert seen == [CLIENT_UPSTREAM_KEY]
    # Only a miss reaches the upstream, so only a miss finds out the key is refused.
    revoked = f"Bearer {CLIENT_UPSTREAM_KEY}-revoked"
    hit = await _generate(open_proxy, Authorization=revoked)
    assert hit.status_code == 200 and hit.headers["x-cache"] == "HIT"
    refused = await _generate(open_proxy, Authorization=revoked, **{"Cache-Control": "no-cache"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_upstream_api_key"
    assert CLIENT_UPSTREAM_KEY not in refused.text
    # Without a key of its own the proxy falls back to its configured one.
    fallback = await _generate(open_proxy, **{"Cache-Control": "no-cache"})
    assert fallback.status_code == 200 and seen[-1] == UPSTREAM_KEY

    # With client keys: the proxy key authenticates, X-Upstream-Api-Key goes upstream.
    keyed = await make_client(
        _remembering(seen), upstream_key_passthrough=True, api_keys="team:proxy-key-0123"
    )
    alone = await _generate(keyed, Authorization="Bearer proxy-key-0123")
    assert alone.status_code == 401 and "X-Upstream-Api-Key" in alone.json()["error"]["message"]
    own = await _generate(
        keyed,
        Authorization="Bearer proxy-key-0123",
        **{"X-Upstream-Api-Key": CLIENT_UPSTREAM_KEY, "Cache-Control": "no-cache"},
    )
    assert own.status_code == 200 and seen[-1] == CLIENT_UPSTREAM_KEY
    assert "proxy-key-0123" not in seen


async def test_model_names_a_client_makes_up_are_one_metric_label(
    make_client: Callable[..., Any],
) -> None:
    """Issue 15, finding 6: with an upstream that accepts any model, each client-chosen name
    was a new series of ``memoaized_generation_duration_seconds``, and /metrics grew without
    bound."""
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    data = [{"b64_json": base64.b64encode(png).decode()}]
    client = await make_client(lambda r: httpx.Response(200, json={"created": 1, "data": data}))
    for i in range(20):
        answer = await client.post(
            "/v1/images/generations",
            json={"prompt": f"a cat number {i}", "model": f"made-up-model-{i:03d}-" + "x" * 200},
        )
        assert answer.status_code == 200, answer.text
    await client.post("/v1/images/generations", json={"prompt": "a dog", "model": "dall-e-2"})
    metrics = (await client.get("/metrics")).text
    labels = set(
        re.findall(r'memoaized_generation_duration_seconds_count\{[^}]*model="([^"]*)"', metrics)
    )
    assert labels == {"other", "dall-e-2"}
