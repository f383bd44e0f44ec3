"""One contract suite for every ``SemanticIndex`` implementation.

``server`` runs ``QdrantServerIndex`` on qdrant-client's local mode (``":memory:"``): no Qdrant
server binary can be installed on the machines that build this project, so the server API's code
path is exercised against qdrant-client's own in-process implementation of it.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest
import qdrant_edge as qe
from qdrant_client import models

from proxy.cache.tenancy import Viewer
from proxy.index.base import (
    EVERYTHING,
    Candidate,
    Entry,
    Footprint,
    IndexUnavailable,
    SemanticIndex,
    Where,
    entry_id,
)
from proxy.index.edge import EdgeIndex
from proxy.index.server import QdrantServerIndex
from tests.conftest import hold_the_copy

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
        "id": entry_id(key, blob, str(kw.get("tenant", "default")), bool(kw.get("private"))),
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
    assert await index.get(entry_id("nope", "nope", "default", False)) is None
    assert await index.count() == 1


async def test_upsert_many_stores_each_entry_in_one_write(index: SemanticIndex) -> None:
    entries = [_entry(f"k{i}", f"{i}" * 64 + ".png") for i in range(3)]
    await index.upsert_many([])  # nothing to write is no error
    await index.upsert_many([(entry, _vector(i)) for i, entry in enumerate(entries)])
    assert [await index.get(entry.id) for entry in entries] == entries
    assert await index.count() == 3
    assert await index.exact("k2", 10) == [entries[2]]


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
    found = await index.nearest(base, 5, Where(partition=close.partition))
    assert [c.entry.id for c in found] == [close.id, far.id]
    assert found[0].similarity > 0.99 > found[1].similarity
    assert [
        c.entry.id for c in await index.nearest(base, 5, Where(partition="other-partition"))
    ] == [elsewhere.id]
    assert await index.nearest(base, 5, Where(partition="empty-partition")) == []


async def test_count_by_blob(index: SemanticIndex) -> None:
    shared = "c" * 64 + ".png"
    await index.upsert(_entry("k1", shared), _vector(1))
    await index.upsert(_entry("k2", shared), _vector(2))
    await index.upsert(_entry("k3", "d" * 64 + ".png"), _vector(3))
    assert await index.count(Where(blob_id=shared)) == 2
    assert await index.count(Where(blob_id="e" * 64 + ".png")) == 0
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
    await index.delete([drop.id, entry_id("never", "stored", "default", False)])
    assert await index.get(drop.id) is None
    assert await index.exact("k2", 5) == []
    assert [
        c.entry.id for c in await index.nearest(_vector(2), 5, Where(partition=drop.partition))
    ] == [keep.id]
    assert await index.count() == 1


async def test_tenancy_is_a_filter_inside_every_query(index: SemanticIndex) -> None:
    """The same request key and image, stored by three owners: each reader's exact, nearest,
    scroll and count see exactly what its sharing mode lets it read."""
    blob = "4" * 64 + ".png"
    shared_a = _entry("k", blob, tenant="a")
    private_a = _entry("k", blob, tenant="a", private=True)
    shared_b = _entry("k", blob, tenant="b")
    for entry in (shared_a, private_a, shared_b):
        await index.upsert(entry, _vector(1))
    assert len({shared_a.id, private_a.id, shared_b.id}) == 3
    expected = {
        Viewer("a", "org"): {shared_a.id, private_a.id, shared_b.id},
        Viewer("b", "org"): {shared_a.id, shared_b.id},
        Viewer("c", "org"): {shared_a.id, shared_b.id},
        Viewer("a", "tenant"): {shared_a.id, private_a.id},
        Viewer("b", "tenant"): {shared_b.id},
        Viewer("c", "tenant"): set(),
        Viewer(None): {shared_a.id, private_a.id, shared_b.id},
    }
    for viewer, ids in expected.items():
        where = viewer.where()
        assert {e.id for e in await index.exact("k", 10, where)} == ids, viewer
        nearest = await index.nearest(_vector(1), 10, where.narrow(partition=shared_a.partition))
        assert {c.entry.id for c in nearest} == ids, viewer
        assert {e.id for e in (await index.scroll(where)).entries} == ids, viewer
        assert await index.count(where.narrow(blob_id=blob)) == len(ids), viewer
        for entry in (shared_a, private_a, shared_b):
            assert viewer.sees(entry) == (entry.id in ids), (viewer, entry.tenant)


async def test_entries_from_before_tenancy_become_the_default_tenants_shared_ones(
    index: SemanticIndex,
) -> None:
    old = _entry("k-old", "5" * 64 + ".png")
    payload = {k: v for k, v in old.payload().items() if k not in ("tenant", "private", "audience")}
    if isinstance(index, EdgeIndex):  # written as the previous version wrote it
        await index._apply([("upsert", [(old.id, _vector(1).tobytes(), payload)])])
    else:
        assert isinstance(index, QdrantServerIndex)
        point = models.PointStruct(id=old.id, vector=_vector(1).tolist(), payload=payload)
        await index.client.upsert(index.collection, [point], wait=True)
    assert await index.exact("k-old", 5, Viewer("default").where()) == []
    assert await index.upgrade() == 1
    assert await index.exact("k-old", 5, Viewer("team-x").where()) == [old]
    assert await index.upgrade() == 0


async def test_scroll_pages_orders_and_filters(index: SemanticIndex) -> None:
    entries = [
        _entry(
            f"k{i}",
            f"{i:064x}.png",
            created_at=1000.0 + i,
            hits=i % 3,
            user=f"u{i % 2}",
            expires_at=2000.0 + i if i % 2 else None,
        )
        for i in range(7)
    ]
    for i, entry in enumerate(entries):
        await index.upsert(entry, _vector(i))
    seen: list[str] = []
    offset = None
    while True:
        page = await index.scroll(limit=3, offset=offset, with_vectors=True)
        assert page.vectors is not None and len(page.vectors) == len(page.entries)
        seen += [e.id for e in page.entries]
        if page.next is None:
            break
        offset = page.next
    assert sorted(seen) == sorted(e.id for e in entries)
    newest = await index.scroll(limit=2, order_by="created_at")
    assert [e.created_at for e in newest.entries] == [1006.0, 1005.0] and newest.next is None
    assert [e.hits for e in (await index.scroll(limit=3, order_by="hits")).entries] == [2, 2, 1]
    assert await index.count(Where(user="u1")) == 3
    assert await index.count(Where(created_before=1003.0)) == 3
    assert await index.count(Where(expires_before=2004.0)) == 2  # 2001 and 2003; None never


async def test_footprints_page_through_what_eviction_needs(index: SemanticIndex) -> None:
    """Every entry within ``where``, a page at a time, as its footprint: the fields eviction
    reads, equal to the entry's own, usage included."""
    entries = [
        _entry(f"k{i}", f"{i % 3:064x}.png", created_at=1000.0 + i, bytes=100 + i, user=f"u{i % 2}")
        for i in range(7)
    ]
    for i, entry in enumerate(entries):
        await index.upsert(entry, _vector(i))
    await index.record_usage({entries[2].id: (4, 5000.0)})
    seen: dict[str, Footprint] = {}
    offset = None
    while True:
        page, offset = await index.footprints(limit=3, offset=offset)
        assert len(page) <= 3
        seen.update((footprint.id, footprint) for footprint in page)
        if offset is None:
            break
    assert len(seen) == 7
    for entry in entries:
        footprint = seen[entry.id]
        assert (footprint.blob_id, footprint.bytes, footprint.created_at) == (
            entry.blob_id,
            entry.bytes,
            entry.created_at,
        )
        assert footprint.generation_seconds == entry.generation_seconds
    assert (seen[entries[2].id].hits, seen[entries[2].id].last_used) == (4, 5000.0)
    assert seen[entries[3].id].last_used == entries[3].created_at
    mine, _ = await index.footprints(Where(user="u1"))
    assert sorted(f.id for f in mine) == sorted(e.id for e in entries if e.user == "u1")


async def test_usage_adds_hits_and_keeps_the_latest_time(index: SemanticIndex) -> None:
    entry = _entry("k1", "a" * 64 + ".png", hits=2, last_hit_at=50.0)
    await index.upsert(entry, _vector(1))
    missing = entry_id("gone", "gone", "default", False)
    await index.record_usage({entry.id: (3, 40.0), missing: (1, 1.0)})
    stored = await index.get(entry.id)
    assert stored is not None and (stored.hits, stored.last_hit_at) == (5, 50.0)
    await index.record_usage({entry.id: (1, 60.0)})
    stored = await index.get(entry.id)
    assert stored is not None and (stored.hits, stored.last_hit_at) == (6, 60.0)
    assert await index.get(missing) is None


async def test_edge_index_persists_across_reopen(tmp_path: Path) -> None:
    entry = _entry("k1", "a" * 64 + ".png")
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert(entry, _vector(1))
    async with EdgeIndex(tmp_path / "index") as index:
        assert await index.get(entry.id) == entry
        assert [
            c.entry.id for c in await index.nearest(_vector(1), 1, Where(partition=entry.partition))
        ] == [entry.id]


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
        assert await index.unindexed() == 300
        task = asyncio.create_task(index.maintain())
        late = _entry("late", "f" * 64 + ".png")
        await asyncio.sleep(0)
        await index.upsert(late, _vector(1000))  # lands while the child optimises the copy
        assert (await index.nearest(_vector(5), 1, Where(partition=entries[5].partition)))[
            0
        ].entry == entries[5]
        assert await task is True
        assert await index.unindexed() <= 1  # at most the replayed point is outside the HNSW graph
        assert await index.count() == 301
        assert await index.get(late.id) == late
        assert (await index.nearest(_vector(1000), 1, Where(partition=late.partition)))[
            0
        ].entry == late
    _assert_only_the_live_shard(tmp_path)


async def test_writes_during_the_copy_are_held_not_blocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the live shard is copied its files must not change, so writes used to wait for the
    copy (16 s at a million entries on ext4). Now an upsert is journaled and returns during the
    copy, lookups see it once the copy is done, and the optimised shard has it; a delete still
    waits (a purge is gone when it returns), and so do hits. The copy here is the real one, held
    open by the test until the writes have had their chance."""
    import asyncio

    held_copy = hold_the_copy(monkeypatch)
    release, copying = held_copy.release, held_copy.copying
    index = EdgeIndex(tmp_path / "index", optimize_after=100, indexing_threshold_kb=64)
    async with index:
        entries = [_entry(f"k{i}", f"{i:064x}.png") for i in range(200)]
        await index.upsert_many([(entry, _vector(i)) for i, entry in enumerate(entries)])
        task = asyncio.create_task(index.maintain(force=True))
        try:
            assert await asyncio.to_thread(copying.wait, 60)
            late = _entry("late", "f" * 64 + ".png")
            # Held, not blocked by the copy.
            await asyncio.wait_for(index.upsert(late, _vector(1000)), timeout=30)
            usage = asyncio.create_task(index.record_usage({entries[0].id: (3, 123.0)}))
            # Hits read for an entry that a delete removed before the copy began: Edge refuses
            # them, and they must not keep the other held writes out.
            ghost = entry_id("ghost", "e" * 64 + ".png", "default", False)
            await index._apply([("set_payload", [ghost], {"hits": 1})])
            assert (tmp_path / "index.held").is_file()
            assert await index.get(late.id) is None  # not in the live shard while it is copied
            deleted = asyncio.create_task(index.delete([entries[1].id]))
            settled = asyncio.create_task(index.settled())
            await asyncio.sleep(0.2)
            # They wait for the copy: a delete, hits (added to what the shard holds), settling.
            assert not any(task.done() for task in (deleted, usage, settled))
        finally:
            release.set()
        await asyncio.gather(deleted, usage, settled)
        assert await index.get(late.id) == late
        stored = await index.get(entries[0].id)
        assert stored is not None and stored.hits == 3
        assert await task is True
        assert await index.get(late.id) == late  # in the optimised shard too
        assert await index.get(entries[1].id) is None
        assert await index.count() == 200
        assert not (tmp_path / "index.held").exists()
    _assert_only_the_live_shard(tmp_path)


async def test_a_shutdown_during_the_copy_keeps_the_held_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy shuts down while the shard is copied and an entry is held: the optimisation
    fails, the journal stays, and the next open has the entry."""
    import asyncio

    held_copy = hold_the_copy(monkeypatch)
    release, copying = held_copy.release, held_copy.copying
    held = _entry("held", "a" * 64 + ".png")
    index = EdgeIndex(tmp_path / "index")
    await index.open()
    try:
        await index.upsert(_entry("first", "b" * 64 + ".png"), _vector(0))
        task = asyncio.create_task(index.maintain(force=True))
        assert await asyncio.to_thread(copying.wait, 60)
        await index.upsert(held, _vector(1))
        await index.close()
    finally:
        release.set()
    with pytest.raises(IndexUnavailable):
        await task
    assert (tmp_path / "index.held").is_file()
    async with EdgeIndex(tmp_path / "index") as reopened:
        assert await reopened.get(held.id) == held
        assert await reopened.count() == 2
    assert not (tmp_path / "index.held").exists()


async def test_writes_held_when_the_proxy_died_are_applied_at_open(tmp_path: Path) -> None:
    """The journal of held writes outlives a crash: the next open applies every complete
    record, skips one cut short (that write was never acknowledged), and deletes it."""
    from proxy.index import edge_files

    kept, damaged, cut = (
        _entry(k, c * 64 + ".png") for k, c in (("a", "a"), ("b", "b"), ("c", "c"))
    )
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert(_entry("before", "d" * 64 + ".png"), _vector(0))
    journal = tmp_path / "index.held"

    def append(entry: Entry, seed: int) -> None:
        edge_files.journal_append(
            journal, [("upsert", [(entry.id, _vector(seed).tobytes(), entry.payload())])]
        )

    append(kept, 1)
    append(cut, 2)
    journal.write_bytes(journal.read_bytes()[:-10])  # the last append never finished
    async with EdgeIndex(tmp_path / "index") as index:
        assert await index.get(kept.id) == kept
        assert await index.get(cut.id) is None
        assert await index.count() == 2
    assert not journal.exists()
    # A damaged record (a bit flipped on disk) stops the reading: what follows it is skipped.
    append(damaged, 3)
    size = journal.stat().st_size
    append(cut, 2)
    data = bytearray(journal.read_bytes())
    data[size // 2] ^= 1
    journal.write_bytes(bytes(data))
    async with EdgeIndex(tmp_path / "index") as index:
        assert await index.get(damaged.id) is None and await index.get(cut.id) is None
        assert await index.count() == 2


def _assert_only_the_live_shard(folder: Path) -> None:
    """``index`` links to the one generation left: no optimiser copy, no replaced shard (the
    key filter a clean close leaves beside them aside)."""
    names = sorted(p.name for p in folder.iterdir() if p.name != "index.keys")
    assert len(names) == 2 and names[0] == "index" and names[1].startswith("index.g"), names
    assert (folder / "index").is_symlink() and (folder / "index").resolve().name == names[1]


async def test_edge_recovers_when_a_swap_was_interrupted(tmp_path: Path) -> None:
    """A crash after the live shard was renamed away but before the optimised one took its
    place leaves only ``index.retired`` (before generations) or the generations without
    ``index`` (when a shard from before generations was moved aside): opening finds the live
    one, and deletes the rest."""
    entry = _entry("k1", "b" * 64 + ".png")
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert(entry, _vector(1))
    live = (tmp_path / "index").resolve()
    (tmp_path / "index").unlink()
    live.rename(tmp_path / "index.retired")
    async with EdgeIndex(tmp_path / "index") as index:
        assert await index.get(entry.id) == entry
    (tmp_path / "index").rename(tmp_path / "index.g7")  # the newest generation is the live one
    shutil.copytree(tmp_path / "index.g7", tmp_path / "index.g3")
    shutil.copytree(tmp_path / "index.g7", tmp_path / "index.optimizing-x")
    (tmp_path / "index.link").symlink_to("index.g3")  # a link made but never put in place
    async with EdgeIndex(tmp_path / "index") as index:
        assert await index.get(entry.id) == entry
    assert (tmp_path / "index").resolve().name == "index.g7"
    _assert_only_the_live_shard(tmp_path)


async def test_a_shard_from_before_generations_is_moved_aside_by_its_first_swap(
    tmp_path: Path,
) -> None:
    """Older versions kept the shard in ``index`` itself: it opens as it is, and the first
    optimisation switches ``index`` to a link, with every entry kept and its payload indexes
    brought up to date."""
    _shard_from_before_generations(tmp_path / "index", payload_indexes=True)
    entries = [_entry(f"k{i}", f"{i:064x}.png") for i in range(50)]
    async with EdgeIndex(tmp_path / "index", indexing_threshold_kb=16) as index:
        for i, entry in enumerate(entries):
            await index.upsert(entry, _vector(i))
        assert not (tmp_path / "index").is_symlink()
        assert await index.maintain(force=True)
        assert await index.count() == 50 and await index.get(entries[7].id) == entries[7]
    _assert_only_the_live_shard(tmp_path)
    shard = qe.EdgeShard.load(str(tmp_path / "index"))
    schemas = shard.info().payload_schema
    shard.close()
    assert schemas["key"].params.memory == qe.Memory.Cold
    assert schemas["partition"].params.enable_hnsw and not schemas["key"].params.enable_hnsw
    async with EdgeIndex(tmp_path / "index") as index:
        assert await index.get(entries[7].id) == entries[7]


async def test_a_cancelled_optimisation_kills_its_child_and_leaves_no_copy(tmp_path: Path) -> None:
    """Shutdown cancels maintenance: the optimiser process must not outlive it."""
    import asyncio

    import psutil

    index = EdgeIndex(tmp_path / "index", optimize_after=1, indexing_threshold_kb=64)
    async with index:
        for i in range(2000):
            await index.upsert(_entry(f"k{i}", f"{i:064x}.png"), _vector(i))
        task = asyncio.create_task(index.maintain())
        for _ in range(200):  # until the child has started (others may run beside this test)
            children = [
                child
                for child in psutil.Process().children()
                if "proxy.index.edge_optimize" in " ".join(child.cmdline())
            ]
            if children:
                break
            await asyncio.sleep(0.01)
        assert children, "the optimiser child never started"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not any(child.is_running() and child.status() != "zombie" for child in children)
        assert await index.count() == 2000
    _assert_only_the_live_shard(tmp_path)


async def test_a_small_cache_is_indexed_too(tmp_path: Path) -> None:
    """A thousand unindexed points make a small cache due for optimisation, and optimising
    builds its HNSW graph (Edge's default threshold left caches under about 6,500 points
    unindexed, and the proxy waited for 10,000)."""
    async with EdgeIndex(tmp_path / "index") as index:
        for i in range(999):
            await index.upsert(_entry(f"k{i}", f"{i:064x}.png"), _vector(i))
        assert not await index.due()
        await index.upsert(_entry("k999", f"{999:064x}.png"), _vector(999))
        assert await index.due()
        assert await index.maintain()
        assert await index.unindexed() == 0 and not await index.due()


async def test_an_optimisation_takes_no_more_space_than_it_is_allowed(tmp_path: Path) -> None:
    """What decides whether an optimisation fits (``space_needed``) is at least what one takes
    at its peak: every block allocated under the index's folder, read every 5 ms through
    ``maintain``, for 3,000 new points on 6,000 indexed in segments of 2,000."""
    import threading

    from proxy.index.edge_files import allocated

    async with EdgeIndex(tmp_path / "index", segment_points=2000) as index:
        for i in range(9000):
            await index.upsert(_entry(f"k{i}", f"{i:064x}.png"), _vector(i))
            if i == 5999:
                assert await index.maintain(force=True)
        before = allocated(tmp_path)
        allowed = await index.space_needed()
        peak, done = [before], threading.Event()

        def watch() -> None:
            while not done.wait(0.005):
                peak[0] = max(peak[0], allocated(tmp_path))

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            assert await index.maintain(force=True)
        finally:
            done.set()
            watcher.join()
        assert peak[0] > before, "the watcher saw no copy"
        assert peak[0] - before <= allowed, (
            f"peak {(peak[0] - before) / 2**20:.1f} MiB over {before / 2**20:.1f}, "
            f"allowed {allowed / 2**20:.1f}"
        )


def test_the_optimiser_reports_its_own_peak_memory_not_its_parents() -> None:
    """The optimiser logs its peak RSS; started by a process holding 512 MiB, it reports its
    own (an interpreter with Edge loaded: about 50 MiB). ``getrusage`` said the parent's."""
    import subprocess
    import sys

    held = bytearray(512 * 2**20)
    held[::4096] = b"\1" * (len(held) // 4096)  # resident, page by page
    code = "from proxy.index.edge_optimize import _peak_rss; print(_peak_rss())"
    peak = int(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout)
    assert 10 * 2**20 < peak < 256 * 2**20, f"{peak / 2**20:.0f} MiB"
    del held


@pytest.mark.slow
async def test_lookups_go_on_indexed_through_an_optimisation_and_its_switch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Probe an exact and a semantic lookup every 20 ms, with a write after each, while 3,000
    new points on a 20,000-point index are optimised in the child and switched in: every probe
    finds what it looks for, none waits longer than the bound, the HNSW graph of the 20,000
    stays in use throughout, and the switch is to a new shard process while the old one exits
    (loading and closing a shard hold the GIL, so neither runs in this process).

    The bound is what a busy machine with three test workers on two cores needs to wake an
    event loop and answer two lookups (once 539 ms here, with the optimiser's threads beside
    them); on an idle machine the longest wait is a few ms, and the median is checked too.
    Waiting for the optimisation itself would take 5 to 12 s here. Before shards had processes
    of their own, the load alone paused lookups for about 50 ms here and a quarter of a second
    at 100,000 points."""
    import asyncio

    import psutil

    bound = 1.0
    index = EdgeIndex(tmp_path / "index")
    async with index:
        entries = [_entry(f"k{i}", f"{i:064x}.png") for i in range(23_000)]
        for i, entry in enumerate(entries[:20_000]):
            await index.upsert(entry, _vector(i))
        assert await index.maintain(force=True) and await index.unindexed() == 0
        for i, entry in enumerate(entries[20_000:], start=20_000):
            await index.upsert(entry, _vector(i))
        assert await index.due()
        before = psutil.Process(index.pid)
        task = asyncio.create_task(index.maintain())
        waits, probes, missed = [], 0, []
        while not task.done():
            asked = time.perf_counter()
            await asyncio.sleep(0.02)
            seed = probes * 7919 % len(entries)
            target = entries[seed]
            assert [e.id for e in await index.exact(target.key, 1)] == [target.id]
            found = await index.nearest(_vector(seed), 3)
            if target.id not in [c.entry.id for c in found]:
                missed.append((seed, [(c.entry.key, round(c.similarity, 4)) for c in found]))
            waits.append(time.perf_counter() - asked - 0.02)
            assert (await index.info()).indexed >= 20_000
            # A write between lookups (it waits while the shard is copied; lookups do not).
            await index.upsert(
                _entry(f"new{probes}", f"{probes:064x}.png"), _vector(10**6 + probes)
            )
            probes += 1
        assert await task
        assert index.pid != before.pid and not before.is_running()
    assert probes > 10, "the optimisation finished before it could be probed"
    assert max(waits) < bound, f"a lookup waited {max(waits):.3f} s"
    assert sorted(waits)[len(waits) // 2] < 0.1, f"median wait {sorted(waits)[len(waits) // 2]}"
    # HNSW is approximate: once in a CI run a graph (built by several threads, so never the same
    # twice) lost one point, whose own vector then found three others at 0.18, while 69,000
    # lookups on three graphs here found every point. An index gone unsearchable or searched on
    # the wrong shard misses nearly every probe; one in a hundred is allowed, each still stored
    # with its vector.
    assert len(missed) <= probes // 100, f"{len(missed)} of {probes} probes missed: {missed}"
    async with EdgeIndex(tmp_path / "index") as index:
        for seed, _ in missed:
            page = await index.scroll(EVERYTHING.narrow(key=f"k{seed}"), with_vectors=True)
            assert page.vectors is not None and len(page.vectors) == 1
            assert float(np.dot(page.vectors[0], _vector(seed))) > 0.999
        assert await index.count() == 23_000 + probes
        assert await index.get(entries[22_999].id) == entries[22_999]


async def test_a_switch_that_cannot_link_leaves_the_old_shard_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full or read-only volume can refuse the new ``index`` link: the live shard then stays
    open and answering, the optimised copy is deleted, and a later optimisation succeeds."""
    import os

    index = EdgeIndex(tmp_path / "index", indexing_threshold_kb=16)
    async with index:
        entries = [_entry(f"k{i}", f"{i:064x}.png") for i in range(40)]
        for i, entry in enumerate(entries):
            await index.upsert(entry, _vector(i))
        live = (tmp_path / "index").resolve()
        real_replace = os.replace

        monkeypatch.setattr(os, "replace", _no_space)
        with pytest.raises(OSError):
            await index.maintain(force=True)
        assert (tmp_path / "index").resolve() == live
        assert await index.get(entries[3].id) == entries[3]
        await index.upsert(entries[0], _vector(0))  # writes go on, to the live shard
        _assert_only_the_live_shard(tmp_path)
        monkeypatch.setattr(os, "replace", real_replace)
        assert await index.maintain(force=True)
        assert (tmp_path / "index").resolve() != live
        assert await index.count() == 40
    _assert_only_the_live_shard(tmp_path)


async def test_a_shard_from_before_generations_that_cannot_be_linked_stays_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The older layout's switch closes the shard before moving it aside; when the link then
    fails, the shard is moved back and reopened, and answers as before."""
    import os

    _shard_from_before_generations(tmp_path / "index", payload_indexes=False)
    entries = [_entry(f"k{i}", f"{i:064x}.png") for i in range(20)]
    async with EdgeIndex(tmp_path / "index", indexing_threshold_kb=16) as index:
        for i, entry in enumerate(entries):
            await index.upsert(entry, _vector(i))

        monkeypatch.setattr(os, "replace", _no_space)
        with pytest.raises(OSError):
            await index.maintain(force=True)
        monkeypatch.undo()
        assert (tmp_path / "index").is_dir() and not (tmp_path / "index").is_symlink()
        assert await index.get(entries[5].id) == entries[5]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]  # noqa: ASYNC240
        assert await index.maintain(force=True)
        assert await index.count() == 20
    _assert_only_the_live_shard(tmp_path)


def _shard_from_before_generations(path: Path, *, payload_indexes: bool) -> None:
    """A shard as older versions made it: in ``path`` itself, payload indexes in memory."""
    from proxy.embedding import EMBEDDING_DIM
    from proxy.index.edge_optimize import PAYLOAD_SCHEMAS

    config = qe.EdgeConfig(
        vectors=qe.EdgeVectorParams(size=EMBEDDING_DIM, distance=qe.Distance.Cosine)
    )
    old = qe.EdgeShard.create(str(path), config)
    for name in PAYLOAD_SCHEMAS if payload_indexes else ():
        old.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword))
    old.close()


def _no_space(src: object, dst: object) -> None:
    raise OSError(28, "No space left on device")


async def test_a_shard_process_that_dies_is_started_again_with_its_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process serving the shard killed (out of memory, say): calls fail with
    ``IndexUnavailable`` (the proxy then generates without the cache) until it is started
    again, which the next call does, at most every few seconds; no entry is lost."""
    import asyncio
    import os
    import signal

    import psutil

    import proxy.index.edge as edge

    monkeypatch.setattr(edge, "_REVIVE_AFTER", 1.0)
    entry = _entry("k1", "c" * 64 + ".png")
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert(entry, _vector(1))

        async def kill() -> int:
            pid = index.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            for _ in range(100):  # (asyncio reaps it: waiting here would take its status)
                try:
                    if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                        break
                except psutil.NoSuchProcess:
                    break
                await asyncio.sleep(0.05)
            return pid

        interrupted = index.pid
        assert interrupted is not None
        os.kill(interrupted, signal.SIGINT)  # Ctrl-C reaches it too: the proxy closes it later
        assert await index.get(entry.id) == entry and index.pid == interrupted
        first = await kill()
        for _ in range(50):  # until the death is noticed; then the next call starts it again
            try:
                assert await index.get(entry.id) == entry
                break
            except IndexUnavailable:
                await asyncio.sleep(0.1)
        assert index.pid not in (None, first)
        await kill()
        with pytest.raises(IndexUnavailable):  # too soon after the last start: not again yet
            await index.get(entry.id)
        await asyncio.sleep(1.1)
        assert await index.nearest(_vector(1), 1) == [
            Candidate(entry, pytest.approx(1.0, abs=1e-4))  # stored as float16
        ]
        assert await index.count() == 1


def test_the_serving_process_never_loads_qdrant_edge(tmp_path: Path) -> None:
    """Every Edge call holds the GIL while it runs, so none may run where requests are served:
    a process that opens the embedded index, writes, looks up and closes it has not imported
    ``qdrant_edge`` (this test process has, for the tests beside it, so it asks another)."""
    import subprocess
    import sys

    payload = _entry("k", "d" * 64 + ".png").payload()
    script = f"""
import asyncio, sys
import numpy as np
from pathlib import Path
from proxy.index.base import Entry
from proxy.index.edge import EdgeIndex

async def main():
    async with EdgeIndex(Path({str(tmp_path / "index")!r})) as index:
        entry = Entry.from_payload({payload!r})
        vector = np.ones(384, dtype=np.float32) / np.sqrt(384)
        await index.upsert(entry, vector)
        assert (await index.nearest(vector, 1))[0].entry == entry
    print("qdrant_edge" in sys.modules)

asyncio.run(main())
"""
    cwd = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@contextlib.contextmanager
def _reflink_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder on a file system with reflinks: ``MEMOAIZED_TEST_REFLINK_DIR`` if set, else a
    loop-mounted XFS image (as root, with xfsprogs, which ``make test-tools`` installs)."""
    import os
    import subprocess

    given = os.environ.get("MEMOAIZED_TEST_REFLINK_DIR")
    if given:
        folder = Path(given) / f"copy-{os.getpid()}"
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if shutil.which("mkfs.xfs") is None:
        pytest.skip("no mkfs.xfs to make an XFS volume (make test-tools installs xfsprogs)")
    image, folder = tmp_path / "xfs.img", tmp_path / "xfs"
    folder.mkdir()
    with image.open("wb") as f:
        f.truncate(512 << 20)
    for command in (
        ["mkfs.xfs", "-q", "-m", "reflink=1", str(image)],
        ["mount", "-o", "loop", str(image), str(folder)],
    ):
        made = subprocess.run(command, capture_output=True, text=True)
        if made.returncode != 0:
            pytest.skip(f"cannot make an XFS volume here ({command[0]}): {made.stderr.strip()}")
    try:
        yield folder / "copy"
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize("reflinks", [False, True], ids=["ext4-or-tmpfs", "xfs"])
def test_the_optimisers_copy_shares_blocks_where_the_file_system_can(
    tmp_path: Path, reflinks: bool
) -> None:
    """The shard's copy for the optimiser is a clone of each file (no space, milliseconds) on
    a file system with reflinks, such as XFS or Btrfs, and a plain copy elsewhere (this
    machine's ext4); either way the files are the same."""
    import os

    from proxy.index.edge_files import copy_shard

    with contextlib.ExitStack() as stack:
        base = stack.enter_context(_reflink_folder(tmp_path)) if reflinks else tmp_path
        source = base / "shard"
        files = {
            Path("wal") / "open-1": os.urandom(8 << 20),
            Path("segments") / "a" / "vectors.dat": os.urandom(16 << 20),
            Path("edge_config.json"): b"{}",
        }
        for name, data in files.items():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes(data)
        os.sync()
        free = os.statvfs(base).f_bavail * os.statvfs(base).f_frsize
        copy_shard(source, base / "copy")
        os.sync()
        used = free - os.statvfs(base).f_bavail * os.statvfs(base).f_frsize
        for name, data in files.items():
            assert (base / "copy" / name).read_bytes() == data
        if reflinks:
            assert used < 1 << 20, f"the clone took {used / 2**20:.1f} MiB"
