"""The suite-wide upstream-key scan (tests/secret_scan.py) finds what it must: checked here on
planted texts with a scan of its own, so the session's scan stays clean."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.secret_scan import SCAN, UPSTREAM_KEY, SecretScan


def test_the_scan_finds_a_key_or_a_piece_of_one_in_proxy_responses_only() -> None:
    scan = SecretScan((UPSTREAM_KEY,))
    masked = f"Incorrect API key provided: sk-...{UPSTREAM_KEY[-12:]}"
    proxy = httpx.Request("POST", "http://127.0.0.1:8080/v1/images/generations")
    scan.response(httpx.Response(502, json={"error": {"message": masked}}, request=proxy))
    scan.response(httpx.Response(200, headers={"x-debug": UPSTREAM_KEY}, request=proxy))
    upstream = httpx.Request(
        "POST",
        "http://upstream.test/v1/images",
        headers={"Authorization": f"Bearer {UPSTREAM_KEY}"},
    )
    scan.response(httpx.Response(401, json={"error": UPSTREAM_KEY}, request=upstream))
    scan.check("log line", "proxy", "cannot index a generated image: disk full")
    assert len(scan.leaks) == 2
    assert scan.leaks[0].startswith("response body POST /v1/images/generations -> 502")
    assert scan.leaks[1].startswith("response header")
    assert scan.requests_with_a_key == 1  # the upstream's answer is not scanned, only counted
    assert scan.scanned == {"response header": 2, "response body": 2, "log line": 1}


def test_the_session_scan_is_recording() -> None:
    """Responses to loopback made by this session are scanned as they arrive."""
    before = SCAN.scanned.get("response body", 0)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="fine"))
    with httpx.Client(transport=transport, base_url="http://127.0.0.1:9") as client:
        client.get("/healthz")
    assert SCAN.scanned["response body"] == before + 1


def test_a_workers_scan_adds_up_in_the_controllers() -> None:
    worker = SecretScan((UPSTREAM_KEY,))
    worker.check("log line", "proxy", f"leaked {UPSTREAM_KEY}")
    worker.check("log line", "proxy", "fine")
    controller = SecretScan(("sk-other-key-0123456789abcdef",))
    controller.check("log line", "proxy", "fine")
    controller.add(worker.report())
    assert controller.scanned == {"log line": 3}
    assert len(controller.leaks) == 1 and controller.leaks[0].startswith("log line proxy")


@pytest.mark.slow
def test_a_leak_in_a_parallel_worker_fails_the_run() -> None:
    """Under pytest-xdist each worker scans with its own keys; a leak in one fails the run."""
    if os.environ.get(_PLANT):
        pytest.skip("the planted run itself")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "1"]
    planted = subprocess.run(
        [*command, f"{__file__}::test_planted_leak"],
        env={**os.environ, _PLANT: "1"},
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert planted.returncode == pytest.ExitCode.TESTS_FAILED, planted.stdout
    assert "1 passed" in planted.stdout and "UPSTREAM KEY LEAKED: log line proxy" in planted.stdout


_PLANT = "MEMOAIZED_TEST_PLANT_LEAK"


def test_planted_leak() -> None:
    """Passes, but leaks the key into a scanned log: only the scan can fail the run."""
    if not os.environ.get(_PLANT):
        pytest.skip(f"run by test_a_leak_in_a_parallel_worker_fails_the_run ({_PLANT}=1)")
    logging.getLogger("proxy").warning("the key is %s", UPSTREAM_KEY)
