"""The suite-wide upstream-key scan (tests/secret_scan.py) finds what it must: checked here on
planted texts with a scan of its own, so the session's scan stays clean."""

from __future__ import annotations

import httpx

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
