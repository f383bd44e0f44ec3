"""How the embedded index stores its vectors, on the real Qdrant Edge engine: float16 on disk,
mapped rather than held in memory, an int8 copy in memory for the HNSW search, whose candidates
are ranked again by the stored vectors; and how a shard made by an older version (float32
vectors all in memory, payload indexes nothing filters on) is brought to that by its next
optimisation without losing an entry."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

import numpy as np
import qdrant_edge as qe

from proxy.index.base import FLOAT_INDEXES, KEYWORD_INDEXES, Entry
from proxy.index.edge import EdgeIndex
from proxy.index.edge_optimize import PAYLOAD_SCHEMAS
from tests.conftest import cached_entry

DIM = 384


def _entry(number: int) -> Entry:
    return cached_entry(f"prompt {number}", blob_id=f"{number:064x}")


def _clusters(count: int, seed: int = 0) -> np.ndarray:
    """``count`` unit vectors in tight clusters of 20 (cosine about 0.95 within one), as a
    cache of re-asks holds them: the int8 copy alone cannot always tell their order."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((count // 20 + 1, DIM)).astype(np.float32)
    vectors = centres[np.arange(count) // 20] + rng.normal(scale=0.25, size=(count, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _segments(index_path: Path) -> list[dict]:
    return [
        json.loads(path.read_text())["config"]["vector_data"][""]
        for path in index_path.resolve().glob("segments/*/segment.json")
    ]


async def test_vectors_are_float16_with_an_int8_copy_and_the_nearest_is_exact(
    tmp_path: Path,
) -> None:
    vectors = _clusters(2000)
    async with EdgeIndex(tmp_path / "index", indexing_threshold_kb=16) as index:
        await index.upsert_many([(_entry(i), v) for i, v in enumerate(vectors)])
        assert await index.maintain(force=True)
        hnsw = [s for s in _segments(tmp_path / "index") if s["index"]["type"] == "hnsw"]
        assert hnsw, "no HNSW segment was built"
        for segment in hnsw:
            assert segment["datatype"] == "float16"
            assert segment["storage_type"] == "Mmap"  # mapped, not read into memory
            assert segment["quantization_config"]["scalar"]["type"] == "int8"
        stored = vectors.astype(np.float16).astype(np.float32)
        stored /= np.linalg.norm(stored, axis=1, keepdims=True)
        rng = np.random.default_rng(1)
        for q in range(100):
            query = vectors[q * 20] + rng.normal(scale=0.02, size=DIM).astype(np.float32)
            query /= np.linalg.norm(query)
            found = await index.nearest(query, 8)
            best = int(np.argmax(stored @ query))
            assert found[0].entry.prompt == f"prompt {best}"
            assert abs(found[0].similarity - float(stored[best] @ query)) < 1e-3


async def test_a_shard_from_an_older_version_is_rebuilt_by_its_next_optimisation(
    tmp_path: Path,
) -> None:
    """Its HNSW segment held float32 vectors in memory and no int8 copy: opening it keeps its
    vectors' type (Edge cannot change it), makes it due once, and the optimisation adds the
    int8 copy and drops the payload indexes nothing filters on; every entry answers as before."""
    path = tmp_path / "index"
    vectors = _clusters(1200, seed=2)
    entries = [_entry(i) for i in range(len(vectors))]
    old = qe.EdgeShard.create(
        str(path),
        qe.EdgeConfig(
            vectors=qe.EdgeVectorParams(size=DIM, distance=qe.Distance.Cosine),
            optimizers=qe.EdgeOptimizersConfig(indexing_threshold=16),
        ),
    )
    for name in ("partition", "key", "model", "style"):
        old.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword))
    old.update(
        qe.UpdateOperation.upsert_points(
            [qe.Point(e.id, v.tolist(), e.payload()) for e, v in zip(entries, vectors, strict=True)]
        )
    )
    old.optimize()
    old.close()
    hnsw = [s for s in _segments(path) if s["index"]["type"] == "hnsw"]
    assert hnsw and not any(s["quantization_config"] for s in hnsw)

    async with EdgeIndex(path, indexing_threshold_kb=16) as index:
        info = await index.info()
        assert info.unindexed == 0 and info.outdated
        # Indexes nothing filters on are dropped at open, the missing ones made.
        assert info.payload_indexes == {*KEYWORD_INDEXES, *FLOAT_INDEXES}
        assert await index.due()  # only because it is outdated
        assert await index.maintain()
        assert not await index.due()
        info = await index.info()
        assert info.points == 1200 and info.unindexed == 0 and not info.outdated
        assert info.payload_indexes == {*KEYWORD_INDEXES, *FLOAT_INDEXES} == PAYLOAD_SCHEMAS.keys()
        found = await index.nearest(vectors[777], 1)
        assert found[0].entry == entries[777]
        assert abs(found[0].similarity - 1.0) < 1e-5  # still float32
    for segment in _segments(path):
        assert "datatype" not in segment or segment["datatype"] == "float32"
        if segment["index"]["type"] == "hnsw":
            assert segment["quantization_config"]["scalar"]["type"] == "int8"


async def test_an_index_growing_by_optimisations_keeps_its_segments_bounded(
    tmp_path: Path,
) -> None:
    """Each upkeep round indexes the points stored since the last; Edge used to merge them into
    one segment every time, so each round rebuilt the HNSW graph of the whole cache (7.2 GB
    of optimiser memory at a million points). With a segment size of 500 points, five rounds of
    400 leave at least four HNSW segments (one without it; Edge never splits a segment, so one
    round's points stay together), with every lookup still exact."""
    vectors = _clusters(2000, seed=3)
    path = tmp_path / "index"
    async with EdgeIndex(path, indexing_threshold_kb=16, segment_points=500) as index:
        for start in range(0, 2000, 400):
            await index.upsert_many([(_entry(i), vectors[i]) for i in range(start, start + 400)])
            assert await index.maintain(force=True)
        info = await index.info()
        assert info.points == info.indexed == 2000
        assert sum(s["index"]["type"] == "hnsw" for s in _segments(path)) >= 4
        for i in range(0, 2000, 97):
            found = await index.nearest(vectors[i], 1)
            assert found[0].entry.prompt == f"prompt {i}"
    async with EdgeIndex(tmp_path / "small", indexing_threshold_kb=16) as index:
        for start in range(0, 2000, 400):
            await index.upsert_many([(_entry(i), vectors[i]) for i in range(start, start + 400)])
            assert await index.maintain(force=True)
        # A cache smaller than the default segment size stays one segment, the quickest.
        assert sum(s["index"]["type"] == "hnsw" for s in _segments(tmp_path / "small")) == 1


def _log_pages_held(pid: int) -> int:
    """Bytes of the shard's write-ahead log that process ``pid`` holds in memory (Linux)."""
    held, in_log = 0, False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:  # a mapping's first line
            in_log = len(fields) == 6 and "/wal/" in fields[5]
        elif fields[0] == "Rss:" and in_log:
            held += int(fields[1]) * 1024
    return held


def _holes_held(pid: int) -> int:
    """Bytes of the shard's segment files that process ``pid`` holds in memory beyond what the
    files have written (their holes, read in as zeros), in the mapping of each file that holds
    the most (Edge maps some twice) (Linux)."""
    held: Counter[str] = Counter()
    name = None
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:  # a mapping's first line
            shared_segment = len(fields) == 6 and "/segments/" in fields[5] and fields[1][3] == "s"
            name = fields[5] if shared_segment else None
        elif fields[0] == "Rss:" and name:
            held[name] = max(held[name], int(fields[1]) * 1024)
    return sum(
        max(0, rss - os.stat(name).st_blocks * 512)
        for name, rss in held.items()
        if os.path.exists(name)
    )


async def test_pages_with_nothing_to_read_are_not_held_in_memory_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    """Edge reads its log through when a shard opens and maps each write's pages; none is read
    again while the shard is open. It also reads in every page of the payload indexes of the
    segment that takes new points, mostly holes that nothing was written to. The shard's
    process hands both back (they are the files', mapped shared) after opening and every 2,000
    points written, and every write stays, through a SIGKILL of that process too. The writes
    here end on a hand-back (6,000 and 2,000 points), so the log holds nothing when it is
    measured."""
    vectors = _clusters(8000)
    async with EdgeIndex(tmp_path / "index") as index:
        for page in range(0, 6000, 1000):
            await index.upsert_many([(_entry(i), vectors[i]) for i in range(page, page + 1000)])
        assert index.pid is not None
        assert _log_pages_held(index.pid) < 1 << 20  # about 14 MiB held before
    async with EdgeIndex(tmp_path / "index") as index:
        assert index.pid is not None
        assert _log_pages_held(index.pid) < 1 << 20
        assert _holes_held(index.pid) < 1 << 20  # about 39 MiB held before
        await index.upsert_many([(_entry(i), vectors[i]) for i in range(6000, 8000)])
        assert _log_pages_held(index.pid) < 1 << 20
        assert _holes_held(index.pid) < 1 << 20
        os.kill(index.pid, signal.SIGKILL)
    async with EdgeIndex(tmp_path / "index") as index:
        assert await index.count() == 8000
        for i in range(0, 8000, 500):
            found = await index.nearest(vectors[i], 1)
            assert found[0].entry.prompt == f"prompt {i}"
