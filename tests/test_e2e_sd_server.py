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

from tests.conftest import LiveServer
from tests.secret_scan import UPSTREAM_KEY

pytestmark = pytest.mark.slow


def test_proxy_in_front_of_sd_server(
    live_server: Callable[..., LiveServer], tmp_path: Path, tiny_model_dir: Path
) -> None:
    sd = live_server(
        "sd-server", "--sd-model", str(tiny_model_dir), "--data-dir", str(tmp_path / "sd")
    )
    models = httpx.get(sd.url + "/v1/models").json()
    assert [m["id"] for m in models["data"]] == ["tiny-sd"]
    proxy = live_server(
        "serve",
        "--data-dir",
        str(tmp_path / "proxy"),
        "--backend",
        "openai",
        "--upstream-url",
        sd.url + "/v1",
        "--upstream-api-key",
        UPSTREAM_KEY,
        "--default-model",
        "tiny-sd",
    )
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

        # A parameter the upstream refuses comes back as the upstream's own OpenAI error.
        with pytest.raises(openai.BadRequestError) as raised:
            client.images.generate(prompt="a kettle", model="not-served-here", size="256x256")
        assert raised.value.body["param"] == "model"  # type: ignore[index]

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
