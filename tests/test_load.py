"""Under load and faults, over loopback, against live processes (the tiny pipeline, in the proxy
or behind an sd-server): no 5xx beyond the backend being down, every answer a valid OpenAI body,
memory bounded, single-flight holding, the backend killed and brought back, and the proxy killed
with SIGKILL mid-write.

Prompts are real: DiffusionDB prompts and COCO captions, a sample shipped in tests/data (see its
README for sources and licences). Every loop here is bounded in time and in count.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import msgspec
import pytest

from backends.images_api import ImagesResponse
from bench.latency import load_captions, load_prompts
from proxy.index.base import Where
from proxy.index.edge import EdgeIndex
from proxy.store import BlobStore
from tests.conftest import LiveServer, serve_sd_upstream, serve_tiny

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Answer:
    prompt: str
    status: int
    cache: str
    entry: str
    at: float
    retry_after: str | None = None


@dataclass
class Mix:
    """Repeats of seeded prompts, rewordings of them, and new prompts."""

    seeded: list[str]
    fresh: list[str]
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    drawn: int = 0

    def next(self) -> str:
        draw = self.rng.random()
        if draw < 0.6:
            return self.rng.choice(self.seeded)
        if draw < 0.85:
            return _reword(self.rng.choice(self.seeded))
        self.drawn += 1
        if self.fresh:
            return self.fresh.pop()
        # Misses refused in a few ms while the backend is down can use up the real prompts.
        return f"{self.rng.choice(self.seeded)}, study number {self.drawn}"


def _reword(prompt: str) -> str:
    if prompt.startswith("A "):
        return prompt[2:]  # a caption without its article
    return prompt.rsplit(",", 1)[0] if "," in prompt else prompt + "."


def _prompts() -> tuple[list[str], list[str]]:
    rng = random.Random(3)
    prompts, captions = load_prompts(DATA), load_captions(DATA)
    rng.shuffle(prompts)
    rng.shuffle(captions)
    return prompts[:10] + captions[:10], prompts[10:410] + captions[10:410]


async def ask(client: httpx.AsyncClient, prompt: str, size: str = "256x256") -> Answer:
    """One request; its answer checked as an OpenAI body. Status 0: the proxy was gone."""
    body = {"prompt": prompt, "size": size, "response_format": "url"}
    try:
        response = await client.post("/v1/images/generations", json=body)
    except httpx.TransportError:  # the proxy itself is gone (killed on purpose)
        return Answer(prompt, 0, "", "", time.monotonic())
    if response.status_code == 200:
        parsed = msgspec.json.decode(response.content, type=ImagesResponse)
        assert parsed.data and parsed.data[0].url, response.text
    else:
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}, error
    return Answer(
        prompt,
        response.status_code,
        response.headers.get("x-cache", ""),
        response.headers.get("x-cache-entry", ""),
        time.monotonic(),
        response.headers.get("retry-after"),
    )


async def load(
    url: str,
    next_prompt: Callable[[], str],
    clients: int,
    seconds: float,
    stop: asyncio.Event | None = None,
    answers: list[Answer] | None = None,
) -> list[Answer]:
    """``clients`` request loops for ``seconds``, or until ``stop`` is set (a loop ends early
    if the proxy is gone). Answers are appended to ``answers`` as they come, where given. A
    client told to retry later waits, as the OpenAI SDK does, but a second at most."""
    answers = [] if answers is None else answers
    deadline = time.monotonic() + seconds
    stop = stop or asyncio.Event()
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def loop() -> None:
            while time.monotonic() < deadline and not stop.is_set():
                answers.append(await ask(client, next_prompt()))
                if answers[-1].status == 0:
                    return
                if answers[-1].retry_after:
                    await asyncio.sleep(min(float(answers[-1].retry_after), 1.0))

        await asyncio.gather(*(loop() for _ in range(clients)))
    return answers


async def burst(url: str, prompt: str, count: int) -> list[Answer]:
    """``count`` identical requests at once."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        return list(await asyncio.gather(*(ask(client, prompt) for _ in range(count))))


def _seed(url: str, prompts: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        for prompt in prompts:
            body = {"prompt": prompt, "size": "256x256", "response_format": "url"}
            assert client.post("/v1/images/generations", json=body).status_code == 200


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


def test_mixed_load_answers_everything_and_keeps_single_flight(
    live_server: Callable[..., LiveServer], tmp_path: Path, tiny_model_dir: Path
) -> None:
    proxy = live_server(*serve_tiny(tmp_path / "data", tiny_model_dir))
    seeded, fresh = _prompts()
    _seed(proxy.url, seeded)
    assert proxy.process is not None
    rss_before = _rss_mib(proxy.process.pid)

    async def scenario() -> tuple[list[Answer], list[Answer]]:
        background = asyncio.create_task(load(proxy.url, Mix(seeded, fresh).next, 16, 6.0))
        await asyncio.sleep(2)
        same = "forty identical lanterns drifting over a harbour at night"
        return await background, await burst(proxy.url, same, 24)

    answers, identical = asyncio.run(scenario())
    rss_after = _rss_mib(proxy.process.pid)
    print(f"\n{len(answers)} requests in 6 s; proxy RSS {rss_before:.0f} -> {rss_after:.0f} MiB")
    assert len(answers) > 60
    assert {a.status for a in answers} == {200}  # no 5xx, and no 429 at this load
    outcomes = {a.cache for a in answers}
    assert {"HIT", "MISS"} <= outcomes
    assert rss_after - rss_before < 300  # bounded: no per-request growth to speak of
    # Twenty-four identical new prompts at once: one generation, everyone gets its entry.
    assert sorted(a.cache for a in identical) == ["HIT"] * 23 + ["MISS"]
    assert len({a.entry for a in identical}) == 1


def test_the_backend_killed_and_restarted_under_load(
    live_server: Callable[..., LiveServer], tmp_path: Path, tiny_model_dir: Path
) -> None:
    sd = live_server(
        "sd-server", "--sd-model", str(tiny_model_dir), "--data-dir", str(tmp_path / "sd"),
        wait=False,
    )  # fmt: skip
    proxy = live_server(
        *serve_sd_upstream(
            tmp_path / "proxy", sd,
            "--upstream-retries", "0", "--breaker-failures", "2", "--breaker-seconds", "1",
        )
    )  # fmt: skip
    sd.wait()
    seeded, fresh = _prompts()
    _seed(proxy.url, seeded[:10])

    async def scenario() -> tuple[list[Answer], float, float]:
        mix = Mix(seeded[:10], fresh)
        stop = asyncio.Event()
        answers: list[Answer] = []
        background = asyncio.create_task(load(proxy.url, mix.next, 2, 90.0, stop, answers))
        await asyncio.sleep(2)
        assert sd.process is not None
        sd.process.send_signal(signal.SIGKILL)
        sd.process.wait()
        down_at = time.monotonic()
        await asyncio.sleep(3)
        sd.stop()  # closes its log; the process is gone already
        await asyncio.to_thread(sd.start)  # the same port, as a restarted pod would be
        up_at = time.monotonic()
        # Until misses are generated again, and two seconds of answers after that.
        for _ in range(200):  # 20 s at most
            if any(a.at > up_at and a.cache == "MISS" and a.status == 200 for a in answers):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)
        stop.set()
        return await background, down_at, up_at

    answers, down_at, up_at = asyncio.run(scenario())
    print(f"\n{len(answers)} answers; backend down for {up_at - down_at:.1f} s")
    statuses = {a.status for a in answers}
    assert statuses <= {200, 503}, statuses  # never 500 or 502: down is "unavailable"
    for a in answers:
        if a.status == 503:
            assert a.retry_after and down_at <= a.at, a
    down = [a for a in answers if down_at + 0.5 < a.at < up_at]
    hits_while_down = [a for a in down if a.prompt in seeded[:10]]
    assert hits_while_down and all(a.status == 200 for a in hits_while_down)
    assert any(a.status == 503 for a in down)
    # The breaker lets one probe through a second; once one succeeds, every miss does again.
    first_success = min(
        (a.at for a in answers if a.at > up_at and a.cache == "MISS" and a.status == 200),
        default=None,
    )
    assert first_success is not None and first_success - up_at < 10
    print(f"misses generated again {first_success - up_at:.1f} s after the backend was back")
    after = [a for a in answers if a.at > first_success + 0.5]
    assert after and all(a.status == 200 for a in after)


def test_sigkill_mid_write_loses_no_acknowledged_entry(
    live_server: Callable[..., LiveServer], tmp_path: Path, sd_server: LiveServer
) -> None:
    data = tmp_path / "data"
    proxy = live_server(*serve_sd_upstream(data, sd_server))
    _, fresh = _prompts()

    async def until_killed() -> list[Answer]:
        background = asyncio.create_task(load(proxy.url, fresh.pop, 6, 30.0))
        await asyncio.sleep(4)
        assert proxy.process is not None
        proxy.process.send_signal(signal.SIGKILL)  # requests in flight fail, as they should
        return await background

    acknowledged = asyncio.run(until_killed())
    assert any(a.status == 0 for a in acknowledged)  # the kill did land mid-load
    proxy.stop()
    stored = {a.entry for a in acknowledged if a.status == 200 and a.cache == "MISS"}

    # Orphaned images (written, never indexed) are collected at once on this restart.
    restarted = live_server(
        *serve_sd_upstream(
            data, sd_server, "--orphan-grace-seconds", "0", "--eviction-seconds", "0.2"
        )
    )
    time.sleep(1.0)
    restarted.stop()

    async def check() -> tuple[set[str], set[str], set[str]]:
        async with EdgeIndex(data / "index") as index, BlobStore(str(data / "images")) as store:
            entries = (await index.scroll(limit=10_000)).entries
            missing = {e.id for e in entries if not await store.exists(e.blob_id)}
            images = set(await store.list_ids())
            shown = {e.blob_id for e in entries}
            assert await index.count(Where()) == len(entries)
            return {e.id for e in entries}, missing, images - shown

    ids, missing, orphans = asyncio.run(check())
    print(f"\n{len(stored)} entries acknowledged before SIGKILL; {len(ids)} found after restart")
    assert stored and stored <= ids  # every entry a url answer acknowledged survived
    assert missing == set()  # no index point without its image
    assert orphans == set()  # images nobody shows were collected
    assert not any(p.name.startswith(".") for p in (data / "images").rglob("*"))  # no stages
    assert os.path.exists(data / "index")


def _immutable(paths: list[Path], on: bool) -> None:
    flag = "+i" if on else "-i"
    done = subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(
            f"chattr {flag} is not permitted here ({done.stderr.strip()}): as root, "
            "only an immutable directory makes the store refuse writes"
        )


def test_a_store_that_refuses_writes_degrades_to_pass_through(
    live_server: Callable[..., LiveServer], tmp_path: Path, sd_server: LiveServer
) -> None:
    """The image directory stops taking files (immutable, as a read-only or full volume would
    refuse them): misses are still generated and answered, uncached, with a clear log line and
    a counted error; hits keep being served; writes resume once the directory takes files."""
    data = tmp_path / "data"
    proxy = live_server(*serve_sd_upstream(data, sd_server))
    seeded, fresh = _prompts()
    _seed(proxy.url, seeded[:5])
    images = data / "images"
    # Every folder of the store, its blobs' folders too: they exist from the start.
    frozen = [images, *[p for p in images.rglob("*") if p.is_dir()]]
    _immutable(frozen, on=True)
    try:
        answers = asyncio.run(load(proxy.url, Mix(seeded[:5], fresh).next, 4, 4.0))
    finally:
        _immutable(frozen, on=False)
    assert answers and {a.status for a in answers} == {200}
    assert any(a.cache == "HIT" for a in answers)
    with httpx.Client(base_url=proxy.url, timeout=60) as client:
        misses_while_frozen = [a for a in answers if a.cache == "MISS"]
        assert misses_while_frozen
        metrics = client.get("/metrics").text
        store_writes = 'memoaized_cache_errors_total{component="store",operation="write"}'
        failed = [line for line in metrics.splitlines() if line.startswith(store_writes)]
        assert failed and float(failed[0].rsplit(" ", 1)[1]) >= len(misses_while_frozen)
        assert "cannot store a generated image, serving it uncached" in proxy.log()
        # Once the directory takes files again, misses are cached again.
        body = {"prompt": fresh.pop(), "size": "256x256", "response_format": "url"}
        again = client.post("/v1/images/generations", json=body)
        assert again.status_code == 200 and again.json()["data"][0]["url"].startswith("http")


def test_sigterm_finishes_generations_in_flight_and_keeps_them(
    live_server: Callable[..., LiveServer], tmp_path: Path, sd_server: LiveServer
) -> None:
    data = tmp_path / "data"
    proxy = live_server(*serve_sd_upstream(data, sd_server, "--max-generations", "1"))
    _, fresh = _prompts()
    prompts = [fresh.pop() for _ in range(6)]

    async def shut_down_mid_flight() -> list[Answer]:
        async with httpx.AsyncClient(base_url=proxy.url, timeout=60) as client:
            pending = [asyncio.create_task(ask(client, prompt)) for prompt in prompts]
            await asyncio.sleep(0.3)  # one generating, the rest queued behind it
            assert proxy.process is not None
            proxy.process.send_signal(signal.SIGTERM)
            return list(await asyncio.gather(*pending))

    answers = asyncio.run(shut_down_mid_flight())
    assert [a.status for a in answers] == [200] * 6  # every request in flight was answered
    assert proxy.process is not None
    proxy.process.wait(60)  # uvicorn re-raises SIGTERM once it has shut down cleanly
    assert "Finished server process" in proxy.log()
    restarted = live_server(*serve_sd_upstream(data, sd_server))
    with httpx.Client(base_url=restarted.url, timeout=60) as client:
        for answer in answers:
            body = {"prompt": answer.prompt, "size": "256x256", "cache": {"mode": "only-if-cached"}}
            kept = client.post("/v1/images/generations", json=body)
            assert kept.status_code == 200 and kept.headers["x-cache-entry"] == answer.entry
