"""The cache service without HTTP, on real parts: the embedding model, a Qdrant Edge index, a
local image store and the tiny diffusers pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backends.base import GenerationRequest
from backends.diffusers_backend import DiffusersBackend
from proxy.cache.controls import CacheControls
from proxy.cache.decision import MatchPolicy
from proxy.cache.service import CacheStatus, ImageCache
from proxy.embedding import Embedder
from proxy.index.edge import EdgeIndex
from proxy.metrics import Metrics
from proxy.store import BlobStore


@pytest.fixture(scope="module")
async def backend(tiny_model_dir: Path) -> AsyncIterator[DiffusersBackend]:
    async with DiffusersBackend(model=str(tiny_model_dir)) as started:
        yield started


@pytest.fixture(scope="module")
def embedder(embedding_model_dir: Path) -> Embedder:
    loaded = Embedder(model_dir=embedding_model_dir)
    loaded.load()
    return loaded


@pytest.fixture
async def cache(
    tmp_path: Path, backend: DiffusersBackend, embedder: Embedder
) -> AsyncIterator[ImageCache]:
    index = EdgeIndex(tmp_path / "index")
    store = BlobStore(str(tmp_path / "images"))
    async with index, store:
        yield ImageCache(
            backend=backend,
            index=index,
            store=store,
            embedder=embedder,
            policy=MatchPolicy(0.98),
            metrics=Metrics(),
            energy_estimate_wh=lambda _: 2.9,
        )


def _request(prompt: str, n: int = 1) -> GenerationRequest:
    return GenerationRequest(
        prompt=prompt,
        model="tiny-sd",
        n=n,
        size="64x64",
        quality="auto",
        background="auto",
        moderation="auto",
    )


def _samples(cache: ImageCache, metric: str, **labels: str) -> float:
    value = cache.metrics.registry.get_sample_value(metric, labels)
    return value or 0.0


async def test_exact_hits_skip_the_embedding(cache: ImageCache) -> None:
    miss = await cache.generate(_request("a snail on a leaf"), CacheControls(), with_bytes=True)
    assert miss.status is CacheStatus.MISS
    embeddings = _samples(cache, "memoaized_stage_duration_seconds_count", stage="embed")
    hit = await cache.generate(_request("A snail on a leaf!"), CacheControls(), with_bytes=True)
    assert hit.status is CacheStatus.HIT and hit.match == "exact"
    assert hit.images[0].data == miss.images[0].data
    assert _samples(cache, "memoaized_stage_duration_seconds_count", stage="embed") == embeddings


async def test_entries_record_their_cost(cache: ImageCache) -> None:
    result = await cache.generate(
        _request("a kite over a beach", n=2), CacheControls(), with_bytes=False
    )
    entries = [image.entry for image in result.images]
    assert all(entry is not None for entry in entries)
    for entry in entries:
        assert entry is not None
        assert entry.energy_wh == 2.9 and entry.energy_source == "estimated"
        assert entry.generation_seconds > 0
        assert entry.backend == "diffusers"
    assert result.images[0].data is not None  # freshly generated images always carry bytes


async def test_delete_removes_the_point_before_the_image_and_keeps_shared_images(
    cache: ImageCache,
) -> None:
    result = await cache.generate(
        _request("a teapot shaped like a whale"), CacheControls(), with_bytes=False
    )
    entry = result.images[0].entry
    assert entry is not None
    assert await cache.store.exists(entry.blob_id)
    # A second entry showing the same image (as a seeded or imported library can have).
    twin = type(entry)(
        **{**entry.payload(), "id": "00000000-0000-4000-8000-000000000001", "key": "another-key"}
    )
    await cache.index.upsert(twin, cache.embedder.embed_one(twin.canonical))
    assert await cache.delete_entry(entry.id)
    assert await cache.index.get(entry.id) is None
    assert await cache.store.exists(entry.blob_id)  # still shown by the twin
    assert await cache.delete_entry(twin.id)
    assert not await cache.store.exists(entry.blob_id)
    assert not await cache.delete_entry(entry.id)


async def test_a_failing_index_degrades_to_generating(cache: ImageCache) -> None:
    await cache.index.close()  # every index call now raises IndexError
    result = await cache.generate(
        _request("a lamp made of coral"), CacheControls(), with_bytes=True
    )
    assert result.status is CacheStatus.MISS
    assert result.images[0].data is not None
    assert result.images[0].entry is None  # generated and served, not cached
    assert (
        _samples(cache, "memoaized_cache_errors_total", component="index", operation="lookup") == 1
    )
    assert (
        _samples(cache, "memoaized_cache_errors_total", component="index", operation="write") == 1
    )


async def test_a_failing_store_still_returns_the_image(cache: ImageCache) -> None:
    await cache.store.close()  # every store call now raises StoreError
    result = await cache.generate(
        _request("a violin in the rain"), CacheControls(), with_bytes=True
    )
    assert result.images[0].data is not None and result.images[0].blob_id is None
    assert await cache.index.count() == 0  # no point without its image
    assert (
        _samples(cache, "memoaized_cache_errors_total", component="store", operation="write") == 1
    )
