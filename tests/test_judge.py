"""The optional judge against a live loopback server that speaks the chat completions protocol.

No real LLM runs here (none can: there is no model hub and no GPU). The server below answers by
a rule the test controls, which is what these tests need: they check what the proxy sends, what
it does with each kind of answer, and that only gray-zone candidates reach the judge.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI
from prometheus_client import CollectorRegistry

from proxy.cache.controls import CacheControls
from proxy.matching.decision import MatchPolicy, Query
from proxy.matching.judge import Judge, Verdict
from proxy.matching.lexicon import DEFAULT_WORDNET_DIR, WordNet
from proxy.matching.verify import Verifier
from proxy.metrics import JUDGE_VERDICTS, Metrics
from tests.conftest import TEST_PARTITION, LiveServer, cached_candidate, serve_sd_upstream

Answer = Callable[[dict[str, Any]], tuple[int, Any]]


class ChatServer:
    """A loopback HTTP server with ``POST /v1/chat/completions``; ``answer`` picks the reply."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer: Answer = lambda body: (200, "yes")
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                body["authorization"] = self.headers.get("Authorization")
                server.requests.append(body)
                time.sleep(server.delay)
                status, content = server.answer(body)
                if self.path != "/v1/chat/completions":
                    status, content = 404, "not found"
                reply = json.dumps(
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "choices": [
                            {"index": 0, "message": {"role": "assistant", "content": content}}
                        ],
                    }
                    if status == 200
                    else {"error": {"message": content, "type": "server_error"}}
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(reply)  # the judge may have given up waiting (timeouts)

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    server = ChatServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(WordNet.open(DEFAULT_WORDNET_DIR))


def _judge(chat: ChatServer, metrics: Metrics, timeout: float = 2.0) -> Judge:
    return Judge(
        base_url=chat.url,
        model="judge-model",
        api_key="judge-key",
        timeout=timeout,
        lower=0.75,
        upper=0.90,
        metrics=metrics,
    )


def _no_unseen(_: str) -> Any:
    from collections import Counter

    return Counter()


async def test_gray_zone_candidates_follow_the_judge(chat: ChatServer, verifier: Verifier) -> None:
    metrics = Metrics(CollectorRegistry())
    judge = _judge(chat, metrics)
    policy = MatchPolicy(0.85, _no_unseen, verifier=verifier, judge=judge)
    controls = CacheControls()
    query = Query.of("a puppy asleep on a sofa", TEST_PARTITION)
    try:
        chat.answer = lambda body: (200, "Yes.")
        decision = await policy.decide(
            query, cached_candidate("a puppy asleep on a couch", 0.8), controls
        )
        assert (decision.serve, decision.reason, decision.stage) == (True, "judge_yes", "judge")
        sent = chat.requests[-1]
        assert sent["model"] == "judge-model" and sent["authorization"] == "Bearer judge-key"
        assert "a puppy asleep on a couch" in sent["messages"][-1]["content"]

        chat.answer = lambda body: (200, "no")
        decision = await policy.decide(
            query, cached_candidate("a puppy asleep on the sofa", 0.88), controls
        )
        assert (decision.serve, decision.reason) == (False, "judge_no")

        # Above the gray zone the verifier alone decides; below it nothing is asked.
        asked = len(chat.requests)
        decision = await policy.decide(
            query, cached_candidate("a puppy asleep on sofas", 0.95), controls
        )
        assert decision.reason == "count" and decision.stage == "verifier"
        decision = await policy.decide(
            query, cached_candidate("a puppy asleep on a bed", 0.92), controls
        )
        assert decision.stage == "verifier"
        decision = await policy.decide(query, cached_candidate("a puppy asleep", 0.70), controls)
        assert decision.reason == "below_threshold"
        # In the zone but refused by the verifier: the judge is never asked either.
        decision = await policy.decide(
            query, cached_candidate("a kitten asleep on a sofa", 0.8), controls
        )
        assert decision.stage == "verifier"
        assert len(chat.requests) == asked
        # A request's own threshold bounds the gray zone too.
        strict = CacheControls(threshold=0.9)
        decision = await policy.decide(
            query, cached_candidate("a puppy asleep on a couch", 0.8), strict
        )
        assert decision.reason == "below_threshold" and len(chat.requests) == asked

        samples = {
            s.labels["verdict"]: s.value
            for s in metrics.judge_requests.collect()[0].samples
            if s.name.endswith("_total") and s.value
        }
        assert samples == {"yes": 1.0, "no": 1.0}
        count = next(
            s.value for s in metrics.judge_seconds.collect()[0].samples if s.name.endswith("_count")
        )
        assert count == 2
    finally:
        await judge.close()


async def test_answers_are_remembered(chat: ChatServer) -> None:
    judge = _judge(chat, Metrics(CollectorRegistry()))
    try:
        assert await judge.allows("a red barn", "a barn") is Verdict.YES
        assert await judge.allows("a red barn", "a barn") is Verdict.YES
        assert len(chat.requests) == 1
    finally:
        await judge.close()


@pytest.mark.parametrize(
    ("setup", "verdict"),
    [
        (lambda chat: setattr(chat, "delay", 1.0), Verdict.TIMEOUT),
        (lambda chat: setattr(chat, "answer", lambda body: (500, "overloaded")), Verdict.ERROR),
        (
            lambda chat: setattr(chat, "answer", lambda body: (200, "Probably, yes")),
            Verdict.INVALID,
        ),
        (lambda chat: setattr(chat, "answer", lambda body: (200, "")), Verdict.INVALID),
        (lambda chat: setattr(chat, "answer", lambda body: (200, None)), Verdict.INVALID),
        (lambda chat: setattr(chat, "answer", lambda body: (200, ["yes"])), Verdict.INVALID),
    ],
    ids=["timeout", "server-error", "not-yes-or-no", "empty", "null", "not-text"],
)
async def test_failures_count_as_misses(
    chat: ChatServer, setup: Callable[[ChatServer], None], verdict: Verdict
) -> None:
    setup(chat)
    metrics = Metrics(CollectorRegistry())
    judge = _judge(chat, metrics, timeout=0.3)
    policy = MatchPolicy(0.85, _no_unseen, judge=judge)
    try:
        decision = await policy.decide(
            Query.of("a red barn", TEST_PARTITION),
            cached_candidate("a red barn in a field", 0.8),
            CacheControls(),
        )
        assert (decision.serve, decision.reason) == (False, f"judge_{verdict.value}")
        # Failures are not remembered: the next lookup asks again.
        assert await judge.allows("a red barn in a field", "a red barn") is verdict
        assert len(chat.requests) == 2
    finally:
        await judge.close()
        await asyncio.sleep(0)


def test_empty_gray_zone_is_refused(chat: ChatServer) -> None:
    with pytest.raises(ValueError, match="gray zone is empty"):
        Judge(base_url=chat.url, model="m", lower=0.9, upper=0.9, metrics=Metrics())


@pytest.mark.slow
def test_live_proxy_asks_the_judge_about_gray_zone_candidates(
    chat: ChatServer,
    live_server: Callable[..., LiveServer],
    tmp_path: Path,
    sd_server: LiveServer,
) -> None:
    """The proxy as users run it, with ``--judge-url`` pointing at the loopback chat server."""
    proxy = live_server(
        *serve_sd_upstream(tmp_path / "data", sd_server),
        "--judge-url", chat.url,
        "--judge-model", "judge-model",
        "--judge-api-key", "judge-secret",
    )  # fmt: skip
    client = OpenAI(base_url=proxy.url + "/v1", api_key="unused", max_retries=0)

    def generate(prompt: str) -> str:
        raw = client.images.with_raw_response.generate(prompt=prompt, size="256x256")
        return raw.headers["x-cache"]

    with client:
        assert generate("a red barn in a wheat field") == "MISS"
        assert generate("a tabby cat sleeping on a windowsill") == "MISS"
        assert chat.requests == []  # misses with nothing similar cached: nobody asked

        # Similarities 0.82 and 0.82: inside the default gray zone, and past the verifier.
        chat.answer = lambda body: (200, "no")
        assert generate("a barn in a field") == "MISS"
        chat.answer = lambda body: (200, "yes")
        assert generate("a cat on a windowsill") == "HIT"
        assert len(chat.requests) == 2
        assert "Prompt A: a tabby cat sleeping on a windowsill" in str(chat.requests[-1])

        # An exact repeat never reaches the judge; nor does a candidate the verifier refuses.
        assert generate("a red barn in a wheat field") == "HIT"
        assert generate("a blue barn in a wheat field") == "MISS"
        assert len(chat.requests) == 2

        # The judge failing (similarity 0.77, in the zone): a miss, never an error.
        chat.answer = lambda body: (503, "down")
        assert generate("a sleeping cat") == "MISS"
        metrics = httpx.get(proxy.url + "/metrics").text
    assert 'memoaized_judge_requests_total{verdict="no"} 1.0' in metrics
    assert 'memoaized_judge_requests_total{verdict="yes"} 1.0' in metrics
    assert 'memoaized_judge_requests_total{verdict="error"} 1.0' in metrics
    assert "memoaized_judge_duration_seconds_count" in metrics
    assert "judge-secret" not in metrics and "judge-secret" not in proxy.log()


def test_metrics_know_every_verdict() -> None:
    assert tuple(verdict.value for verdict in Verdict) == JUDGE_VERDICTS
