"""Energy, time and money: what a miss spends and a hit saves, read from a live proxy's
``/metrics`` while the official SDK drives it.

Two backends: the tiny diffusers pipeline on CPU, whose energy can only be estimated (from
``--model-energy-wh``), and a loopback upstream that reports a measured figure in ``X-Energy-Wh``
as ``memoaized sd-server`` does on an NVIDIA GPU. No GPU is here, so that upstream is a small
stand-in speaking the images API; the NVML path itself is tested with marker ``gpu``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from openai import OpenAI
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import LiveServer, serve_tiny

pytestmark = pytest.mark.slow

# A 1x1 PNG: the upstream's image (the proxy stores and serves whatever bytes it gets).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
MEASURED_WH = 1.25
UPSTREAM_SECONDS = 0.4


def _metrics(server: LiveServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for family in text_string_to_metric_families(httpx.get(server.url + "/metrics").text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _generate(client: OpenAI, prompt: str, size: str = "256x256") -> str:
    raw = client.images.with_raw_response.generate(prompt=prompt, size=size)  # type: ignore[arg-type]
    return raw.headers["x-cache"]


@pytest.fixture
def upstream() -> Iterator[str]:
    """Answers ``POST /v1/images/generations`` like sd-server on a GPU: a b64 image, the
    generation's seconds and its measured energy in headers."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(UPSTREAM_SECONDS)
            body = json.dumps(
                {
                    "created": int(time.time()),
                    "data": [{"b64_json": base64.b64encode(PNG).decode()}],
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Energy-Wh", str(MEASURED_WH))
            self.send_header("X-Generation-Seconds", str(UPSTREAM_SECONDS))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_estimated_energy_and_prices_for_a_local_model(
    live_server: Callable[..., LiveServer], tmp_path: Path, tiny_model_dir: Path
) -> None:
    proxy = live_server(
        *serve_tiny(tmp_path / "data", tiny_model_dir),
        "--model-energy-wh", "tiny-sd=0.7",
        "--prices", "tiny-sd=0.5",
        "--stats-seconds", "0.2",
    )  # fmt: skip
    with OpenAI(base_url=proxy.url + "/v1", api_key="unused", max_retries=0) as client:
        assert _generate(client, "a paper boat on a puddle") == "MISS"
        after_miss = _metrics(proxy)
        assert _generate(client, "A paper boat on a puddle.") == "HIT"
        after_hit = _metrics(proxy)

    assert _value(after_miss, "memoaized_energy_spent_wh_total", source="estimated") == 0.7
    assert _value(after_miss, "memoaized_energy_spent_wh_total", source="measured") == 0.0
    assert _value(after_miss, "memoaized_money_spent_usd_total") == 0.5
    assert _value(after_miss, "memoaized_energy_saved_wh_total", source="estimated") == 0.0
    # The hit saves exactly what the entry recorded, with the same source, and spends nothing.
    assert _value(after_hit, "memoaized_energy_saved_wh_total", source="estimated") == 0.7
    assert _value(after_hit, "memoaized_energy_spent_wh_total", source="estimated") == 0.7
    assert _value(after_hit, "memoaized_money_saved_usd_total") == 0.5
    assert _value(after_hit, "memoaized_images_served_total", source="cache") == 1.0
    assert _value(after_hit, "memoaized_images_served_total", source="backend") == 1.0

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the size gauges are measured in the background
        sizes = _metrics(proxy)
        if _value(sizes, "memoaized_cache_entries") == 1.0:
            break
        time.sleep(0.2)
    assert _value(sizes, "memoaized_cache_entries") == 1.0
    stored = list((tmp_path / "data" / "images").rglob("*.png"))
    assert _value(sizes, "memoaized_cache_bytes") == sum(p.stat().st_size for p in stored) > 0


def test_measured_energy_and_latency_saved(
    live_server: Callable[..., LiveServer], tmp_path: Path, upstream: str
) -> None:
    proxy = live_server(
        "serve",
        "--data-dir", str(tmp_path / "data"),
        "--backend", "openai",
        "--upstream-url", upstream,
        "--default-model", "dall-e-3",
    )  # fmt: skip
    with OpenAI(base_url=proxy.url + "/v1", api_key="unused", max_retries=0) as client:
        assert _generate(client, "a lighthouse in a storm", "1024x1024") == "MISS"
        before = _metrics(proxy)
        assert _generate(client, "a lighthouse in a storm", "1024x1024") == "HIT"
        after = _metrics(proxy)

    assert _value(before, "memoaized_energy_spent_wh_total", source="measured") == MEASURED_WH
    assert _value(after, "memoaized_energy_saved_wh_total", source="measured") == MEASURED_WH
    assert _value(after, "memoaized_energy_saved_wh_total", source="estimated") == 0.0
    # dall-e-3's default price, from OpenAI's list prices.
    assert _value(after, "memoaized_money_saved_usd_total") == pytest.approx(0.04)
    # The entry's generation time (the upstream's 0.4 s, as the proxy measured it) less the
    # hit's own response time, both as the proxy's other metrics recorded them.
    generation = _value(
        after, "memoaized_generation_duration_seconds_sum", backend="openai", model="dall-e-3"
    )
    hit_time = _value(after, "memoaized_request_duration_seconds_sum", outcome="hit")
    assert generation >= UPSTREAM_SECONDS and 0 < hit_time < generation
    saved = _value(after, "memoaized_latency_saved_seconds_total")
    assert saved == pytest.approx(generation - hit_time, abs=1e-6)
