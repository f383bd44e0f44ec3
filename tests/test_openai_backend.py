"""The `openai` backend's protocol handling: request shape, upstream errors, retries, downloads.

Upstream answers come from `httpx.MockTransport` (httpx's own test transport: the real client,
request building and response parsing run; only the socket is replaced), because these cases
need an upstream that misbehaves on cue. The happy path against a live server is in
test_e2e_sd_server.py. Connection-refused uses a real closed port.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
from collections.abc import Callable

import httpx
import pytest

from backends.base import BackendFailed, BackendUnavailable, GenerationRequest, UpstreamRejected
from backends.openai_compat import OpenAIBackend
from tests.ports import free_port
from tests.secret_scan import CLIENT_UPSTREAM_KEY, UPSTREAM_KEY

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def _backend(handler: Callable[[httpx.Request], httpx.Response], **kw: object) -> OpenAIBackend:
    return OpenAIBackend(
        base_url="http://upstream.test/v1",
        api_key=UPSTREAM_KEY,
        transport=httpx.MockTransport(handler),
        **kw,  # type: ignore[arg-type]
    )


def _ok(n: int = 1, **extra: object) -> httpx.Response:
    data = [{"b64_json": base64.b64encode(PNG).decode(), "revised_prompt": "rp", **extra}] * n
    return httpx.Response(200, json={"created": 1, "data": data})


REQUEST = GenerationRequest(
    prompt="a cat", model="dall-e-3", size="1024x1024", quality="standard", style="vivid"
)


async def test_sends_only_the_family_parameters_with_the_proxy_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _ok()

    async with _backend(handler) as backend:
        generation = await backend.generate(REQUEST)
    assert generation.images[0].data == PNG
    assert generation.images[0].revised_prompt == "rp"
    assert generation.energy_wh is None
    assert str(seen[0].url) == "http://upstream.test/v1/images/generations"
    assert seen[0].headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert json.loads(seen[0].content) == {
        "prompt": "a cat",
        "model": "dall-e-3",
        "n": 1,
        "size": "1024x1024",
        "quality": "standard",
        "style": "vivid",
        "response_format": "b64_json",
    }


async def test_gpt_image_requests_omit_response_format() -> None:
    bodies: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return _ok()

    request = GenerationRequest(
        prompt="a cat",
        model="gpt-image-1",
        size="auto",
        quality="auto",
        background="auto",
        moderation="auto",
    )
    async with _backend(handler) as backend:
        await backend.generate(request)
    assert "response_format" not in bodies[0]
    assert bodies[0]["output_format"] == "png"


async def test_a_429_keeps_its_retry_after_and_error_fields() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            headers={"Retry-After": "7"},
            json={
                "error": {
                    "message": "Rate limit reached",
                    "type": "requests",
                    "param": None,
                    "code": "rate_limit_exceeded",
                }
            },
        )

    async with _backend(handler) as backend:
        with pytest.raises(UpstreamRejected) as raised:
            await backend.generate(REQUEST)
    assert raised.value.status_code == 429
    assert raised.value.retry_after == "7"
    assert raised.value.code == "rate_limit_exceeded"
    assert raised.value.message == "Rate limit reached"


async def test_a_400_is_passed_on_with_its_param() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400,
            json={
                "error": {
                    "message": "Your request was rejected by the safety system.",
                    "type": "invalid_request_error",
                    "param": "prompt",
                    "code": "content_policy_violation",
                }
            },
        )

    async with _backend(handler) as backend:
        with pytest.raises(UpstreamRejected) as raised:
            await backend.generate(REQUEST)
    assert (raised.value.status_code, raised.value.param) == (400, "prompt")


@pytest.mark.parametrize("status", [401, 403])
async def test_rejected_upstream_credentials_are_a_502_that_names_no_key(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status,
            json={
                "error": {
                    "message": f"Incorrect API key provided: {UPSTREAM_KEY}",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            },
        )

    async with _backend(handler) as backend:
        with pytest.raises(BackendFailed) as raised:
            await backend.generate(REQUEST)
    assert raised.value.status_code == 502
    assert UPSTREAM_KEY not in str(raised.value)


async def test_upstream_5xx_and_garbage_are_502() -> None:
    async with _backend(lambda r: httpx.Response(500, text="boom")) as backend:
        with pytest.raises(BackendFailed):
            await backend.generate(REQUEST)
    async with _backend(lambda r: httpx.Response(200, text="not json")) as backend:
        with pytest.raises(BackendFailed):
            await backend.generate(REQUEST)
    async with _backend(lambda r: _ok(n=2)) as backend:
        with pytest.raises(BackendFailed, match="asked the upstream for 1"):
            await backend.generate(REQUEST)


async def test_connection_errors_are_retried_then_503() -> None:
    attempts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise httpx.ConnectError("refused", request=request)
        return _ok()

    async with _backend(handler, connect_retries=2) as backend:
        assert (await backend.generate(REQUEST)).images[0].data == PNG
    assert attempts == 3

    closed = OpenAIBackend(base_url=f"http://127.0.0.1:{free_port()}/v1", connect_retries=1)
    async with closed:
        with pytest.raises(BackendUnavailable) as raised:
            await closed.generate(REQUEST)
    assert raised.value.status_code == 503


async def test_timeouts_are_not_retried() -> None:
    attempts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ReadTimeout("slow", request=request)

    async with _backend(handler) as backend:
        with pytest.raises(BackendUnavailable, match="timed out"):
            await backend.generate(REQUEST)
    assert attempts == 1  # the upstream may be generating: never pay twice


async def test_url_results_are_downloaded_without_the_key_and_size_limited() -> None:
    downloads: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/images/generations":
            return httpx.Response(
                200, json={"created": 1, "data": [{"url": "http://cdn.test/img.png"}]}
            )
        downloads.append(request)
        return httpx.Response(200, content=PNG)

    async with _backend(handler) as backend:
        assert (await backend.generate(REQUEST)).images[0].data == PNG
    assert "authorization" not in downloads[0].headers
    async with _backend(handler, max_download_bytes=10) as backend:
        with pytest.raises(BackendFailed, match="larger than 10 bytes"):
            await backend.generate(REQUEST)


async def test_a_wrong_upstream_url_or_an_html_error_page_is_502() -> None:
    not_found = httpx.Response(404, text="<html>Not Found</html>")
    async with _backend(lambda r: not_found) as backend:
        with pytest.raises(BackendFailed) as raised:
            await backend.generate(REQUEST)
    assert raised.value.status_code == 502
    error = {"message": "Invalid URL", "type": "invalid_request_error", "param": None, "code": None}
    openai_404 = httpx.Response(404, json={"error": error})
    async with _backend(lambda r: openai_404) as backend:
        with pytest.raises(BackendFailed, match="UPSTREAM_URL"):
            await backend.generate(REQUEST)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("0.25", 0.25), ("n/a", None), ("-1e9", None), ("nan", None), ("inf", None), (None, None)],
)
async def test_reported_energy_is_taken_only_when_plausible(
    header: str | None, expected: float | None
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        response = _ok()
        if header is not None:
            response.headers["X-Energy-Wh"] = header
        return response

    async with _backend(handler) as backend:
        assert (await backend.generate(REQUEST)).energy_wh == expected


async def test_warm_starts_go_to_sd_server_as_its_own_fields() -> None:
    """With ``warm_starts`` the init image travels as base64 ``init_image`` with its
    ``strength``; the steps sd-server reports come back, and malformed counts are ignored."""
    bodies: list[dict[str, object]] = []
    counts = iter([("3", "8", "2"), ("three", "-8", "")])

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        response = _ok()
        steps, full, batch = next(counts)
        response.headers.update(
            {"X-Denoising-Steps": steps, "X-Full-Steps": full, "X-Batch-Images": batch}
        )
        return response

    warm = GenerationRequest(prompt="a cat", model="sd", init_image=PNG, strength=0.375)
    async with _backend(handler, warm_starts=True) as backend:
        assert backend.warm_starts
        generation = await backend.generate(warm)
        assert (generation.steps, generation.full_steps, generation.batch_images) == (3, 8, 2)
        garbled = await backend.generate(warm)
        assert (garbled.steps, garbled.full_steps, garbled.batch_images) == (None, None, 1)
    assert base64.b64decode(str(bodies[0]["init_image"])) == PNG
    assert bodies[0]["strength"] == 0.375
    assert not OpenAIBackend(base_url="http://upstream.test/v1").warm_starts  # off by default


def _echoes(key: str) -> list[str]:
    """Forms an upstream might echo a key in."""
    return [
        key,
        key.upper(),
        key[3:19],  # part of it
        base64.b64encode(key.encode()).decode(),
        base64.urlsafe_b64encode(f"x{key}".encode()).decode(),
    ]


@pytest.mark.parametrize("echo", range(5))
async def test_an_upstream_error_echoing_the_key_in_any_form_or_field_passes_none_on(
    echo: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 15, finding 2: only ``message`` was masked, and only the key as it was."""
    leaked = _echoes(UPSTREAM_KEY)[echo]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            headers={"Retry-After": f"7 {leaked}"},
            json={
                "error": {
                    "message": f"key {leaked} is over its quota",
                    "type": leaked,
                    "param": f"p-{leaked}",
                    "code": leaked,
                }
            },
        )

    async with _backend(handler) as backend:
        with pytest.raises(UpstreamRejected) as raised:
            await backend.generate(REQUEST)
    error = raised.value
    fields = (error.message, error.error_type, error.param, error.code, error.retry_after)
    passed_on = " ".join(str(v) for v in fields)
    for piece in (UPSTREAM_KEY[i : i + 8] for i in range(len(UPSTREAM_KEY) - 7)):
        assert piece.lower() not in passed_on.lower()
    # Of a base64 form, only the characters that mix in the bytes around the key may stay.
    left = error.message.removeprefix("key ").removesuffix(" is over its quota")
    assert "***" in left and len(left.replace("***", "")) <= 6
    assert (error.error_type, error.param, error.code) == ("invalid_request_error", None, None)
    assert error.retry_after is None  # not a number


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", "7"),
        ("999999", "3600"),
        ("-1", None),
        ("7.5", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", "0"),  # in the past
        ("tomorrow", None),
    ],
)
async def test_retry_after_is_passed_on_only_as_bounded_seconds(
    header: str, expected: str | None
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            headers={"Retry-After": header},
            json={"error": {"message": "slow down", "type": "requests", "code": None}},
        )

    async with _backend(handler) as backend:
        with pytest.raises(UpstreamRejected) as raised:
            await backend.generate(REQUEST)
    assert raised.value.retry_after == expected


async def test_a_revised_prompt_echoing_the_key_is_masked_before_it_is_stored() -> None:
    """The cache stores a revised prompt with the entry and serves it to every tenant that
    hits it: a client's passed-through key must not ride along."""
    leaked = f"{CLIENT_UPSTREAM_KEY} / {UPSTREAM_KEY.upper()}"
    async with _backend(lambda r: _ok(revised_prompt=f"a cat ({leaked})")) as backend:
        request = dataclasses.replace(REQUEST, api_key=CLIENT_UPSTREAM_KEY)
        image = (await backend.generate(request)).images[0]
    assert image.revised_prompt == "a cat (*** / ***)"


async def test_logged_upstream_urls_carry_no_query_string(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """httpx logs every request's URL at INFO; an image URL's query string is its signature."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/images/generations":
            url = f"http://cdn.test/img.png?sig={UPSTREAM_KEY}&expires=1"
            return httpx.Response(200, json={"created": 1, "data": [{"url": url}]})
        return httpx.Response(200, content=PNG)

    with caplog.at_level(logging.INFO, logger="httpx"):
        async with _backend(handler) as backend:
            await backend.generate(REQUEST)
    logged = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("http://cdn.test/img.png" in line for line in logged)
    assert not any("sig=" in line for line in logged)
