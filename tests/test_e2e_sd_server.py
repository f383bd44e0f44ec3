"""The `openai` backend against a live `memoaized sd-server`: the proxy in front of the server,
both on loopback, both real processes, the server running the tiny pipeline."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import httpx
import openai
import pytest
from openai import OpenAI

from tests.conftest import LiveServer, serve_sd_upstream
from tests.secret_scan import UPSTREAM_KEY

pytestmark = pytest.mark.slow


def test_proxy_in_front_of_sd_server(
    live_server: Callable[..., LiveServer], tmp_path: Path, tiny_model_dir: Path
) -> None:
    sd = live_server(
        "sd-server", "--sd-model", str(tiny_model_dir), "--data-dir", str(tmp_path / "sd"),
        wait=False,
    )  # fmt: skip
    proxy = live_server(
        *serve_sd_upstream(tmp_path / "proxy", sd, "--upstream-api-key", UPSTREAM_KEY)
    )
    sd.wait()
    models = httpx.get(sd.url + "/v1/models").json()
    assert models["data"][0]["id"] == "tiny-sd"  # then OpenAI's names
    with OpenAI(base_url=proxy.url + "/v1", api_key="client-key", max_retries=0) as client:
        raw = client.images.with_raw_response.generate(
            prompt="a copper kettle on a wooden stove",
            size="256x256",
            response_format="b64_json",
        )
        assert raw.headers["x-cache"] == "MISS"
        first = base64.b64decode(raw.parse().data[0].b64_json or "")  # type: ignore[index]
        assert first.startswith(b"\x89PNG")

        raw = client.images.with_raw_response.generate(
            prompt="A copper kettle on a wooden stove.",
            size="256x256",
            response_format="b64_json",
        )
        assert raw.headers["x-cache"] == "HIT"
        assert base64.b64decode(raw.parse().data[0].b64_json or "") == first  # type: ignore[index]

        # A model the upstream does not have comes back as the upstream's own OpenAI error.
        with pytest.raises(openai.NotFoundError) as raised:
            client.images.generate(prompt="a kettle", model="not-served-here", size="256x256")
        assert raised.value.body["param"] == "model"  # type: ignore[index]
        assert raised.value.code == "model_not_found"

    sd.stop()
    with OpenAI(base_url=proxy.url + "/v1", api_key="client-key", max_retries=0) as client:
        # The upstream is gone: misses are a 503, hits are still served.
        with pytest.raises(openai.APIStatusError) as unavailable:
            client.images.generate(prompt="a brand new prompt about owls", size="256x256")
        assert unavailable.value.status_code == 503
        assert "sk-proxy-to-sd" not in unavailable.value.response.text
        hit = client.images.with_raw_response.generate(
            prompt="a copper kettle on a wooden stove",
            size="256x256",
            response_format="b64_json",
        )
        assert hit.headers["x-cache"] == "HIT"


CACHED, NEAR = "a castle on a hill at sunset", "a castle on a hill at sunrise"


def _sd_and_proxy(
    live_server: Callable[..., LiveServer], data: Path, tiny_model_dir: Path, *sd_options: str
) -> tuple[LiveServer, LiveServer]:
    """sd-server on the tiny pipeline with ``sd_options``, and a proxy in front of it that
    sends it warm starts."""
    sd = live_server(
        "sd-server", "--sd-model", str(tiny_model_dir), "--data-dir", str(data / "sd"),
        *sd_options, wait=False,
    )  # fmt: skip
    proxy = live_server(*serve_sd_upstream(data / "proxy", sd, "--upstream-warm-starts", "true"))
    return sd.wait(), proxy


def test_warm_starts_through_sd_server(
    live_server: Callable[..., LiveServer], tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A near miss reaches sd-server as a warm start: it runs part of the steps, says how
    many, and the proxy counts the rest as skipped."""
    sd, proxy = _sd_and_proxy(live_server, tmp_path, tiny_model_dir, "--sd-steps", "8")
    with OpenAI(base_url=proxy.url + "/v1", api_key="client-key", max_retries=0) as client:
        cached = client.images.with_raw_response.generate(prompt=CACHED, size="256x256")
        assert cached.headers["x-cache"] == "MISS" and "x-cache-match" not in cached.headers
        near = client.images.with_raw_response.generate(prompt=NEAR, size="256x256")
        assert (near.headers["x-cache"], near.headers["x-cache-match"]) == ("MISS", "warm")
    skipped = proxy.metric("memoaized_warm_steps_skipped_total")
    assert 2 <= skipped <= 4  # strength 0.5 to 0.75 of 8 steps runs 4 to 6
    assert sd.metric("memoaized_sd_steps_skipped_total") == skipped
    assert proxy.metric("memoaized_warm_starts_total") == 1


def test_a_warm_start_the_upstream_refuses_is_generated_from_noise(
    live_server: Callable[..., LiveServer], tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Warm starts configured, but sd-server serves a one-step model (a turbo) and refuses
    them with a 400: the proxy generates the near miss from noise instead, and counts it."""
    _, proxy = _sd_and_proxy(live_server, tmp_path, tiny_model_dir, "--sd-profile", "sd-turbo")
    with OpenAI(base_url=proxy.url + "/v1", api_key="client-key", max_retries=0) as client:
        client.images.generate(prompt=CACHED, size="256x256")
        near = client.images.with_raw_response.generate(prompt=NEAR, size="256x256")
        assert near.headers["x-cache"] == "MISS" and "x-cache-match" not in near.headers
    assert proxy.metric("memoaized_warm_start_failures_total") == 1
    assert proxy.metric("memoaized_warm_starts_total") == 0
    assert "takes no warm start" in proxy.log()
