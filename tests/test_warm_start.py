"""Warm starts on the CPU with the tiny pipeline: a near miss is generated from the cached image
of a similar prompt, running the expected fraction of the denoising steps (counted by the
pipeline's own step callback), and stored as a new entry; never with warm starts off, never for
``no-cache``, never across a hard difference (a count); and ``X-Cache-Match: warm`` over HTTP.
A warm start the backend refuses is generated from noise; no other error is retried."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from backends.base import BackendFailed, UpstreamRejected
from backends.diffusers_backend import DiffusersBackend
from backends.openai_compat import OpenAIBackend
from proxy.app import create_app
from proxy.cache.controls import CacheControls
from proxy.cache.service import CacheStatus, ImageCache
from proxy.cache.warm import WarmStart
from proxy.embedding import Embedder
from proxy.index.edge import EdgeIndex
from proxy.matching.decision import MatchPolicy
from proxy.matching.lexicon import DEFAULT_WORDNET_DIR, WordNet
from proxy.matching.verify import Verifier
from proxy.settings import Settings
from proxy.store import BlobStore
from tests.conftest import make_cache, open_ready, sample, tiny_request

STEPS = 8
CACHED = "a castle on a hill at sunset"
NEAR = "a castle on a hill at sunrise"


@pytest.fixture(scope="module", params=["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
async def eight_steps(
    request: pytest.FixtureRequest, tiny_model_dir: Path
) -> AsyncIterator[DiffusersBackend]:
    """The tiny pipeline at eight steps, on the CPU and, where there is one, on CUDA."""
    backend = DiffusersBackend(model=str(tiny_model_dir), steps=STEPS, device=request.param)
    async with backend as started:
        yield started


@pytest.fixture
async def warm_cache(
    tmp_path: Path, eight_steps: DiffusersBackend, embedder: Embedder
) -> AsyncIterator[ImageCache]:
    async with EdgeIndex(tmp_path / "index") as index, BlobStore(str(tmp_path / "images")) as store:
        cache = make_cache(eight_steps, index, store, embedder)
        cache.warm = WarmStart(min_similarity=0.6, strength_min=0.5, strength_max=0.75)
        yield cache


async def test_a_near_miss_runs_the_expected_fraction_of_steps_and_is_stored(
    warm_cache: ImageCache,
) -> None:
    await warm_cache.generate(tiny_request(CACHED), CacheControls(), with_bytes=True)
    await warm_cache.storage.written()  # stored after the answer; a lookup waits only so long
    result = await warm_cache.generate(tiny_request(NEAR), CacheControls(), with_bytes=True)
    assert result.status is CacheStatus.MISS and result.match == "warm"
    image = result.images[0]
    assert image.warm_similarity is not None and 0.6 <= image.warm_similarity < 0.98
    strength = warm_cache.warm.strength(image.warm_similarity, 0.98)  # type: ignore[union-attr]
    ran = int(STEPS * strength)  # diffusers' image-to-image runs int(steps x strength)
    assert image.steps_skipped == STEPS - ran >= STEPS // 4  # at least a quarter skipped
    assert sample(warm_cache, "memoaized_warm_starts_total") == 1
    assert sample(warm_cache, "memoaized_warm_steps_skipped_total") == STEPS - ran
    assert sample(warm_cache, "memoaized_warm_seconds_saved_total") > 0
    # The skipped steps are priced at the energy per step that ran. Without NVML that energy
    # is the 2.9 Wh estimate of a whole generation, of which a warm start spent its share.
    saved = sample(warm_cache, "memoaized_warm_energy_saved_wh_total")
    assert saved == pytest.approx(image.energy_wh * (STEPS - ran) / ran)
    if image.energy_source == "estimated":
        assert image.energy_wh == pytest.approx(2.9 * ran / STEPS)
    # Its entry keeps what a whole generation costs: a hit on it will save that much.
    assert image.entry.energy_wh == pytest.approx(image.energy_wh * STEPS / ran)
    assert image.entry.generation_seconds == pytest.approx(image.generation_seconds * STEPS / ran)
    assert image.entry is not None and image.entry.prompt == NEAR  # a new entry of its own
    again = await warm_cache.generate(tiny_request(NEAR), CacheControls(), with_bytes=True)
    assert again.status is CacheStatus.HIT and again.images[0].data == image.data


async def test_no_warm_start_when_off_for_no_cache_or_far_away(warm_cache: ImageCache) -> None:
    await warm_cache.generate(tiny_request(CACHED), CacheControls(), with_bytes=True)
    fresh = await warm_cache.generate(
        tiny_request(NEAR), CacheControls(lookup=False), with_bytes=True
    )
    assert fresh.status is CacheStatus.REFRESH and fresh.images[0].steps_skipped == 0
    far = await warm_cache.generate(
        tiny_request("a bowl of ramen with a soft egg"), CacheControls(), with_bytes=True
    )
    assert far.match is None and far.images[0].warm_similarity is None
    nearby = "a stone castle on a hill at dawn"
    vectors = warm_cache.embedder.embed([CACHED, nearby])
    assert 0.6 <= float(vectors[0] @ vectors[1]) < 0.98  # in the band (0.78): warm, were it on
    warm_cache.warm = None
    off = await warm_cache.generate(tiny_request(nearby), CacheControls(), with_bytes=True)
    assert off.match is None and off.images[0].steps_skipped == 0
    assert sample(warm_cache, "memoaized_warm_starts_total") == 0


async def test_hard_differences_never_warm_start(
    tmp_path: Path, eight_steps: DiffusersBackend, embedder: Embedder
) -> None:
    async with EdgeIndex(tmp_path / "index") as index, BlobStore(str(tmp_path / "images")) as store:
        cache = make_cache(eight_steps, index, store, embedder)
        verifier = Verifier(WordNet.open(DEFAULT_WORDNET_DIR))
        cache.policy = MatchPolicy(0.98, embedder.unseen_text, verifier=verifier)
        cache.warm = WarmStart(min_similarity=0.6)
        await cache.generate(
            tiny_request("two cats asleep on a sofa"), CacheControls(), with_bytes=True
        )
        counted = await cache.generate(
            tiny_request("three cats asleep on a sofa"), CacheControls(), with_bytes=True
        )
        assert counted.match is None  # a count cannot be redrawn from the composition
        recoloured = await cache.generate(
            tiny_request("two cats asleep on a red sofa"), CacheControls(), with_bytes=True
        )
        assert recoloured.match == "warm"  # a colour can


async def test_the_response_says_warm(
    tmp_path: Path, embedding_model_dir: Path, tiny_model_dir: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        backend="diffusers",
        sd_model=str(tiny_model_dir),
        sd_steps=STEPS,
        embedding_model_dir=str(embedding_model_dir),
    )
    client: Any = await open_ready(create_app(settings))
    try:
        body = {"prompt": CACHED, "size": "256x256"}
        assert (await client.post("/v1/images/generations", json=body)).status_code == 200
        near = await client.post("/v1/images/generations", json={**body, "prompt": NEAR})
        assert near.status_code == 200, near.text
        assert near.headers["x-cache"] == "MISS"
        assert near.headers["x-cache-match"] == "warm"
        assert 0.6 <= float(near.headers["x-cache-similarity"]) < 1
        metrics = (await client.get("/metrics")).text
        assert "memoaized_warm_starts_total 1.0" in metrics
    finally:
        await client.__aexit__(None, None, None)


def _upstream(warm_answer: httpx.Response) -> tuple[OpenAIBackend, list[dict[str, Any]]]:
    """The openai backend with warm starts on, in front of an upstream that draws every image
    from noise and answers warm starts with ``warm_answer``: httpx's MockTransport stands in
    for sd-server here, to refuse or fail on cue (the live refusal is in
    test_e2e_sd_server.py)."""
    bodies: list[dict[str, Any]] = []
    png = io.BytesIO()
    Image.new("RGB", (64, 64), "teal").save(png, format="PNG")
    image = {"b64_json": base64.b64encode(png.getvalue()).decode()}

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        if "init_image" in bodies[-1]:
            return warm_answer
        return httpx.Response(200, json={"created": 1, "data": [image]})

    backend = OpenAIBackend(
        base_url="http://sd-server.test/v1",
        warm_starts=True,
        transport=httpx.MockTransport(answer),
    )
    return backend, bodies


def _refusal(status: int, param: str | None) -> httpx.Response:
    error = {"message": "no", "type": "invalid_request_error", "param": param, "code": None}
    return httpx.Response(status, json={"error": error})


async def test_a_refused_warm_start_is_generated_from_noise_and_nothing_else_is_retried(
    tmp_path: Path, embedder: Embedder
) -> None:
    """A 400 naming ``init_image`` refuses the warm start: the same request runs again from
    noise, counted. A 5xx or a 400 about another parameter is the answer to the request
    itself: not retried, so an overloaded server is not asked twice."""
    cases: list[tuple[httpx.Response, type[Exception] | None]] = [
        (_refusal(400, "init_image"), None),
        (_refusal(503, None), BackendFailed),
        (_refusal(400, "size"), UpstreamRejected),
    ]
    for number, (warm_answer, error) in enumerate(cases):
        backend, bodies = _upstream(warm_answer)
        folder = tmp_path / str(number)
        index, store = EdgeIndex(folder / "index"), BlobStore(str(folder / "images"))
        async with backend, index, store:
            cache = make_cache(backend, index, store, embedder)
            cache.warm = WarmStart(min_similarity=0.6)
            request = dataclasses.replace(tiny_request(CACHED), model="sd")
            await cache.generate(request, CacheControls(), with_bytes=True)
            # its image is stored after the answer, and a lookup waits for that only so long: on
            # a busy build machine the near request once found nothing to start warm from
            await cache.storage.written()
            bodies.clear()
            near = dataclasses.replace(request, prompt=NEAR)
            if error is None:
                result = await cache.generate(near, CacheControls(), with_bytes=True)
                assert result.status is CacheStatus.MISS and result.match is None
                assert result.images[0].warm_similarity is None
                assert len(bodies) == 2 and "init_image" not in bodies[1]  # from noise
            else:
                with pytest.raises(error):
                    await cache.generate(near, CacheControls(), with_bytes=True)
                assert len(bodies) == 1  # asked once
            assert "init_image" in bodies[0]  # it was tried as a warm start
            refused = sample(cache, "memoaized_warm_start_failures_total")
            assert refused == (1 if error is None else 0)
            assert sample(cache, "memoaized_warm_starts_total") == 0
