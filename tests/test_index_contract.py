"""One contract suite for every ``SemanticIndex`` implementation.

``server`` runs ``QdrantServerIndex`` on qdrant-client's local mode (``":memory:"``): no Qdrant
server binary can be installed on the machines that build this project, so the server API's code
path is exercised against qdrant-client's own in-process implementation of it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from proxy.index.base import Entry, SemanticIndex, entry_id
from proxy.index.edge import EdgeIndex
from proxy.index.server import QdrantServerIndex

DIM = 384


def _vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def _near(base: np.ndarray, seed: int, noise: float) -> np.ndarray:
    v = base + noise * _vector(seed)
    return (v / np.linalg.norm(v)).astype(np.float32)


def _entry(
    key: str, blob: str, partition: str = "m|256x256|auto||auto|auto|png", **kw: object
) -> Entry:
    fields: dict[str, object] = {
        "id": entry_id(key, blob),
        "key": key,
        "partition": partition,
        "prompt": f"prompt {key}",
        "canonical": f"prompt {key}",
        "blob_id": blob,
        "media_type": "image/png",
        "created_at": round(time.time(), 3),
        "model": "m",
        "size": "256x256",
        "quality": "auto",
        "style": None,
        "background": "auto",
        "moderation": "auto",
        "output_format": "png",
        "generation_seconds": 1.5,
        "energy_wh": 2.9,
        "energy_source": "estimated",
        "backend": "diffusers",
    }
    fields.update(kw)
    return Entry(**fields)  # type: ignore[arg-type]


@pytest.fixture(params=["edge", "server"])
async def index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SemanticIndex]:
    impl: SemanticIndex
    if request.param == "edge":
        impl = EdgeIndex(tmp_path / "index")
    else:
        impl = QdrantServerIndex(":memory:", collection="contract")
    async with impl:
        yield impl


async def test_upsert_then_get_roundtrips_every_field(index: SemanticIndex) -> None:
    entry = _entry("k1", "a" * 64 + ".png", revised_prompt="a revised prompt", style="vivid")
    await index.upsert(entry, _vector(1))
    assert await index.get(entry.id) == entry
    assert await index.get(entry_id("nope", "nope")) is None
    assert await index.count() == 1


async def test_exact_finds_only_its_key_newest_first(index: SemanticIndex) -> None:
    older = _entry("k1", "1" * 64 + ".png", created_at=100.0)
    newer = _entry("k1", "2" * 64 + ".png", created_at=200.0)
    other = _entry("k2", "3" * 64 + ".png")
    for i, entry in enumerate((newer, other, older)):
        await index.upsert(entry, _vector(i))
    assert await index.exact("k1", 10) == [newer, older]
    assert await index.exact("k1", 1) == [newer]
    assert await index.exact("missing", 5) == []


async def test_nearest_ranks_by_similarity_within_the_partition_only(index: SemanticIndex) -> None:
    base = _vector(7)
    close = _entry("close", "4" * 64 + ".png")
    far = _entry("far", "5" * 64 + ".png")
    elsewhere = _entry("elsewhere", "6" * 64 + ".png", partition="other-partition")
    await index.upsert(close, _near(base, 1, 0.05))
    await index.upsert(far, _near(base, 2, 1.0))
    await index.upsert(elsewhere, base)  # identical vector, but another partition
    found = await index.nearest(base, close.partition, 5)
    assert [c.entry.id for c in found] == [close.id, far.id]
    assert found[0].similarity > 0.99 > found[1].similarity
    assert [c.entry.id for c in await index.nearest(base, "other-partition", 5)] == [elsewhere.id]
    assert await index.nearest(base, "empty-partition", 5) == []


async def test_count_by_blob(index: SemanticIndex) -> None:
    shared = "c" * 64 + ".png"
    await index.upsert(_entry("k1", shared), _vector(1))
    await index.upsert(_entry("k2", shared), _vector(2))
    await index.upsert(_entry("k3", "d" * 64 + ".png"), _vector(3))
    assert await index.count(blob_id=shared) == 2
    assert await index.count(blob_id="e" * 64 + ".png") == 0
    assert await index.count() == 3


async def test_upsert_of_the_same_id_replaces(index: SemanticIndex) -> None:
    entry = _entry("k1", "7" * 64 + ".png")
    await index.upsert(entry, _vector(1))
    await index.upsert(entry, _vector(1))
    assert await index.count() == 1


async def test_delete_removes_and_ignores_unknown_ids(index: SemanticIndex) -> None:
    keep = _entry("k1", "8" * 64 + ".png")
    drop = _entry("k2", "9" * 64 + ".png")
    await index.upsert(keep, _vector(1))
    await index.upsert(drop, _vector(2))
    await index.delete([drop.id, entry_id("never", "stored")])
    assert await index.get(drop.id) is None
    assert await index.exact("k2", 5) == []
    assert [c.entry.id for c in await index.nearest(_vector(2), drop.partition, 5)] == [keep.id]
    assert await index.count() == 1


async def test_edge_index_persists_across_reopen(tmp_path: Path) -> None:
    entry = _entry("k1", "a" * 64 + ".png")
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert(entry, _vector(1))
    async with EdgeIndex(tmp_path / "index") as index:
        assert await index.get(entry.id) == entry
        assert [c.entry.id for c in await index.nearest(_vector(1), entry.partition, 1)] == [
            entry.id
        ]


async def test_edge_optimisation_runs_in_a_child_and_keeps_concurrent_writes(
    tmp_path: Path,
) -> None:
    """``maintain`` builds the HNSW index on a copy in another process; writes made while it runs
    are replayed onto the optimised shard, and queries keep answering throughout."""
    import asyncio

    index = EdgeIndex(tmp_path / "index", optimize_after=100, indexing_threshold_kb=64)
    async with index:
        entries = [_entry(f"k{i}", f"{i:064x}.png") for i in range(300)]
        for i, entry in enumerate(entries):
            await index.upsert(entry, _vector(i))
        assert index.unindexed() == 300
        task = asyncio.create_task(index.maintain())
        late = _entry("late", "f" * 64 + ".png")
        await asyncio.sleep(0)
        await index.upsert(late, _vector(1000))  # lands while the child optimises the copy
        assert (await index.nearest(_vector(5), entries[5].partition, 1))[0].entry == entries[5]
        assert await task is True
        assert index.unindexed() <= 1  # at most the replayed point is outside the HNSW graph
        assert await index.count() == 301
        assert await index.get(late.id) == late
        assert (await index.nearest(_vector(1000), late.partition, 1))[0].entry == late
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]  # noqa: ASYNC240


async def test_edge_recovers_when_a_swap_was_interrupted(tmp_path: Path) -> None:
    """A crash after the live shard was renamed away but before the optimised one took its
    place leaves only ``index.retired``: opening restores it."""
    entry = _entry("k1", "b" * 64 + ".png")
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert(entry, _vector(1))
    (tmp_path / "index").rename(tmp_path / "index.retired")
    async with EdgeIndex(tmp_path / "index") as index:
        assert await index.get(entry.id) == entry


async def test_a_cancelled_optimisation_kills_its_child_and_leaves_no_copy(tmp_path: Path) -> None:
    """Shutdown cancels maintenance: the optimiser process must not outlive it."""
    import asyncio

    import psutil

    index = EdgeIndex(tmp_path / "index", optimize_after=1, indexing_threshold_kb=64)
    async with index:
        for i in range(2000):
            await index.upsert(_entry(f"k{i}", f"{i:064x}.png"), _vector(i))
        task = asyncio.create_task(index.maintain())
        for _ in range(200):  # until the child has started
            children = psutil.Process().children()
            if children:
                break
            await asyncio.sleep(0.01)
        assert children, "the optimiser child never started"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not any(child.is_running() and child.status() != "zombie" for child in children)
        assert await index.count() == 2000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]  # noqa: ASYNC240
