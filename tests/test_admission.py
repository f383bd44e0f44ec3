"""Staying up under load and while the backend is down: the generation gate (bounded queue, 429),
the circuit breaker (503 while the backend is unreachable, probed back), per-key rate limits.

The breaker and limiter are first checked on their own with a hand-moved clock; then through the
cache service on real parts, and over HTTP (in-process app) in front of an `openai` backend
whose upstream is an `httpx.MockTransport` that can be switched off and on.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from backends.base import BackendUnavailable, GenerationRequest
from backends.openai_compat import OpenAIBackend
from proxy.app import create_app
from proxy.cache.admission import CircuitBreaker, GenerationGate, RateLimiter
from proxy.cache.controls import CacheControls
from proxy.cache.service import CacheStatus, ImageCache
from proxy.errors import CircuitOpen, Overloaded, RateLimited
from proxy.settings import Settings
from tests.conftest import LiveServer, open_ready, sample, serve_tiny, tiny_request


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _fail(breaker: CircuitBreaker) -> None:
    with pytest.raises(BackendUnavailable):
        async with breaker.call():
            raise BackendUnavailable("connection refused")


async def test_the_breaker_opens_fails_fast_and_probes_back() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=2, cooldown=10.0, clock=clock)
    await _fail(breaker)
    assert breaker.state == "closed"
    await _fail(breaker)
    assert breaker.state == "open"
    clock.now += 4
    with pytest.raises(CircuitOpen) as raised:
        async with breaker.call():
            raise AssertionError("must not run while open")
    assert raised.value.headers["Retry-After"] == "6"
    clock.now += 6
    # One probe goes through; a concurrent call still fails fast.
    probe = breaker.call()
    await probe.__aenter__()
    assert breaker.state == "half_open"
    with pytest.raises(CircuitOpen):
        async with breaker.call():
            pass
    await probe.__aexit__(BackendUnavailable, BackendUnavailable("still down"), None)
    assert breaker.state == "open"  # a failed probe reopens at once
    clock.now += 10
    async with breaker.call():
        pass
    assert breaker.state == "closed"
    await _fail(breaker)  # counting starts again from zero
    assert breaker.state == "closed"


async def test_errors_other_than_unreachable_never_open_the_breaker() -> None:
    breaker = CircuitBreaker(failures=1, cooldown=10.0)
    for _ in range(3):
        with pytest.raises(ValueError, match="bad image"):
            async with breaker.call():
                raise ValueError("bad image")
    assert breaker.state == "closed"


def test_rate_limits_are_per_key_and_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)
    limiter.check("a")
    limiter.check("a")
    limiter.check("b")
    with pytest.raises(RateLimited) as raised:
        limiter.check("a")
    assert raised.value.headers["Retry-After"] == "30"
    clock.now += 30
    limiter.check("a")
    RateLimiter(0).check("a")  # 0: no limit


async def test_the_queue_is_bounded_and_hits_never_wait_behind_misses(cache: ImageCache) -> None:
    cached = tiny_request("a cached lemon on a plate")
    await cache.generate(cached, CacheControls(), with_bytes=True)
    cache.gate = GenerationGate(concurrency=1, queue=1)
    release = asyncio.Event()
    generate = cache.backend.generate

    async def slow(request: GenerationRequest):  # type: ignore[no-untyped-def]
        await release.wait()
        return await generate(request)

    cache.backend.generate = slow  # type: ignore[method-assign]
    running = asyncio.create_task(
        cache.generate(tiny_request("a slow fresco"), CacheControls(), with_bytes=True)
    )
    waiting = asyncio.create_task(
        cache.generate(tiny_request("a slow mosaic"), CacheControls(), with_bytes=True)
    )
    for _ in range(200):  # each looks up first: tens of ms, more on a loaded machine
        if (cache.gate.running, cache.gate.waiting) == (1, 1):
            break
        await asyncio.sleep(0.05)
    assert (cache.gate.running, cache.gate.waiting) == (1, 1)
    assert sample(cache, "memoaized_generations_queued") == 1
    with pytest.raises(Overloaded) as raised:
        await cache.generate(tiny_request("a third slow thing"), CacheControls(), with_bytes=True)
    assert raised.value.status_code == 429 and raised.value.headers["Retry-After"] == "2"
    assert sample(cache, "memoaized_rejections_total", reason="queue_full") == 1
    started = time.perf_counter()
    hit = await cache.generate(cached, CacheControls(), with_bytes=True)
    assert hit.status is CacheStatus.HIT and time.perf_counter() - started < 1.0
    release.set()
    assert (await running).status is CacheStatus.MISS
    assert (await waiting).status is CacheStatus.MISS
    assert (cache.gate.running, cache.gate.waiting) == (0, 0)


# ---------------------------------------------------------------------------- over HTTP


class Switchable:
    """An upstream that answers with an image, or refuses connections while down."""

    def __init__(self) -> None:
        self.down = False
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        png = {"created": 1, "data": [{"b64_json": "iVBORw0KGgo="}]}
        return httpx.Response(200, json=png)


@pytest.fixture
async def proxy(tmp_path: Path, embedding_model_dir: Path) -> AsyncIterator[Any]:
    upstream = Switchable()
    backend = OpenAIBackend(
        base_url="http://upstream.test/v1",
        default_model="dall-e-2",
        connect_retries=0,
        transport=httpx.MockTransport(upstream),
    )
    settings = Settings(
        data_dir=tmp_path / "data",
        backend="openai",
        embedding_model_dir=str(embedding_model_dir),
        breaker_failures=2,
        breaker_seconds=0.5,
        rate_limit=30,
    )
    client: AsyncTestClient[Any] = await open_ready(create_app(settings, backend=backend))
    client.upstream = upstream  # type: ignore[attr-defined]
    yield client
    await client.__aexit__(None, None, None)


async def _post(client: Any, prompt: str, key: str = "client-1") -> httpx.Response:
    body = {"prompt": prompt, "size": "256x256"}
    response: httpx.Response = await client.post(
        "/v1/images/generations", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    return response


async def test_while_the_backend_is_down_misses_fail_fast_and_hits_are_served(proxy: Any) -> None:
    assert (await _post(proxy, "a cached teapot")).status_code == 200
    proxy.upstream.down = True
    for _ in range(2):  # each waits for its own connection error
        assert (await _post(proxy, "a new kettle")).status_code == 503
    calls = proxy.upstream.calls
    fast = await _post(proxy, "another new kettle")
    assert fast.status_code == 503 and proxy.upstream.calls == calls  # never reached it
    error = fast.json()["error"]
    assert error["code"] == "backend_unavailable" and set(error) == {
        "message",
        "type",
        "param",
        "code",
    }
    assert int(fast.headers["retry-after"]) >= 1
    hit = await _post(proxy, "a cached teapot")
    assert hit.status_code == 200 and hit.headers["x-cache"] == "HIT"
    metrics = (await proxy.get("/metrics")).text
    assert "memoaized_backend_circuit_state 2.0" in metrics
    assert 'memoaized_rejections_total{reason="circuit_open"} 1.0' in metrics

    proxy.upstream.down = False
    await asyncio.sleep(0.6)  # the cooldown: the next miss is the probe
    back = await _post(proxy, "a kettle once the backend is back")
    assert back.status_code == 200 and back.headers["x-cache"] == "MISS"
    assert "memoaized_backend_circuit_state 0.0" in (await proxy.get("/metrics")).text


async def test_a_key_over_its_rate_limit_gets_429_with_retry_after(proxy: Any) -> None:
    answers = [await _post(proxy, f"a small sketch {i % 3}", key="eager") for i in range(31)]
    assert [r.status_code for r in answers[:30]] == [200] * 30
    refused = answers[30]
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert (await _post(proxy, "a small sketch 0", key="patient")).status_code == 200


@pytest.mark.slow
def test_a_generation_past_its_deadline_is_a_504_and_frees_its_slot(
    live_server: Callable[..., LiveServer], tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Issue 15, finding 3: one long generation held every slot for minutes. With
    ``--generation-timeout`` the request gets 504 and the next miss runs."""
    options = ("--generation-timeout", "0.000001", "--sd-steps", "20", "--max-generations", "1")
    server = live_server(*serve_tiny(tmp_path / "data", tiny_model_dir, *options))
    for prompt in ("a slow red lantern", "a slow blue lantern"):
        answer = httpx.post(
            server.url + "/v1/images/generations",
            json={"prompt": prompt, "size": "64x64", "response_format": "b64_json"},
            timeout=60,
        )
        assert answer.status_code == 504, answer.text
        assert answer.json()["error"]["code"] == "generation_timeout"
        # The pipeline stops at its first step's end; on a machine too busy to run that step
        # within the proxy's 2 s of slack, the proxy gives up waiting first.
        assert re.search(
            r"stopped after 1 of 20 steps|\(--generation-timeout\) and was given up",
            answer.json()["error"]["message"],
        )


@pytest.mark.slow
def test_a_generation_every_client_left_is_stopped(
    live_server: Callable[..., LiveServer], tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Issue 15, finding 3: a client that asks for a long generation and hangs up left it
    running, holding its slot. Now the pipeline stops at its next step."""
    options = ("--sd-steps", "20", "--max-generations", "1")
    server = live_server(*serve_tiny(tmp_path / "data", tiny_model_dir, *options))
    body = json.dumps({"prompt": "a long night at sea", "size": "1024x1024"}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        deadline = time.monotonic() + 30
        while server.metric("memoaized_generations_in_flight") < 1:  # it has started
            assert time.monotonic() < deadline
            time.sleep(0.05)
    # The slot is free again, and the next miss is answered.
    answer = httpx.post(
        server.url + "/v1/images/generations",
        json={"prompt": "a short day at sea", "size": "64x64", "response_format": "b64_json"},
        timeout=120,
    )
    assert answer.status_code == 200
    assert server.metric("memoaized_abandoned_requests_total") == 1
    stopped = re.search(r"stopped a generation after (\d+) of 20 steps", server.log())
    assert stopped is not None and int(stopped.group(1)) < 20
