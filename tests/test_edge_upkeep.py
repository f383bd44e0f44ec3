"""How the embedded index keeps up with an import, on the real Qdrant Edge engine: the upkeep
loop is woken as soon as enough points are stored (an import's pages are indexed as they
arrive, not a minute later, all at once), and what an optimisation held or has to replay is
applied a page at a time, so that no call holds the event loop or the shard process long."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from proxy.app import _maintain_index, create_app
from proxy.index import edge_tail
from proxy.index.base import Entry
from proxy.index.edge import EdgeIndex
from proxy.index.edge_process import ShardProcess
from proxy.settings import Settings
from proxy.store import BlobStore
from tests.conftest import cached_entry, hold_the_copy, open_ready, png_of

DIM = 384
ADMIN_KEY = "admin-key-for-upkeep"


def _vectors(count: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _page(first: int, count: int, blob_id: str = "b" * 64) -> list[tuple[Entry, np.ndarray]]:
    vectors = _vectors(count, seed=first)
    return [(cached_entry(f"prompt number {first + i}", blob_id), vectors[i]) for i in range(count)]


async def test_stored_points_wake_the_upkeep_loop_before_its_timer(tmp_path: Path) -> None:
    """The loop used to look every 60 s, so an import of 2,000 entries a second left 120,000
    points to brute force before the first look, and the optimisation then took them all."""
    async with EdgeIndex(tmp_path / "index") as index:
        woken = asyncio.create_task(index.upkeep_wanted(3600))
        await index.upsert_many(_page(0, 999))
        await index.record_usage({entry.id: (1, 1.0) for entry, _ in _page(0, 50)})  # no points
        await asyncio.sleep(0.3)
        assert not woken.done()  # 999 unindexed points: not due yet
        await index.upsert_many(_page(999, 1))
        await asyncio.wait_for(woken, timeout=10)
        assert await index.due()
        assert await index.maintain()
        assert await index.unindexed() == 0

        # Once looked at, the count starts again: a few more points do not wake it.
        woken = asyncio.create_task(index.upkeep_wanted(3600))
        await index.upsert_many(_page(1000, 10))
        await asyncio.sleep(0.3)
        assert not woken.done()
        woken.cancel()

        # Without writes it waits its interval, as before.
        started = asyncio.get_running_loop().time()
        await index.upkeep_wanted(0.2)
        assert asyncio.get_running_loop().time() - started >= 0.19


async def test_an_import_page_waits_for_the_optimisation_it_wakes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import no longer outruns the index: a page waits while more points are unindexed than
    lookups should search by brute force (here, with ``optimize_after`` 100, 200 of 1,000) and
    the proxy's upkeep loop indexes them. With no optimisation running, it goes on."""
    monkeypatch.setattr(edge_tail, "_ROOM_IDLE", 0.5)
    async with EdgeIndex(tmp_path / "index", optimize_after=100) as index:
        await index.upsert_many(_page(0, 1000))
        started = time.perf_counter()
        await index.make_room()  # nothing optimises: it waits a moment, then goes on
        assert 0.5 <= time.perf_counter() - started < 10
        assert await index.unindexed() == 1000

        services = SimpleNamespace(
            settings=SimpleNamespace(index_maintenance_seconds=3600),
            volume=SimpleNamespace(low=False),
            index=index,
        )
        upkeep = asyncio.create_task(_maintain_index(services))  # type: ignore[arg-type]
        try:
            await asyncio.wait_for(index.make_room(), timeout=120)
            assert await index.unindexed() <= 200
            assert await index.count() == 1000
        finally:
            upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upkeep


async def test_writes_held_through_a_copy_are_applied_a_page_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages imported while the shard is copied are held; they used to be applied all at once
    under the write lock (13,000 points kept writes waiting 2.8 s) and replayed onto the
    optimised shard the same way. Now no call touches more than an import's page, and nothing
    held or replayed is lost. The copy is the real one, held open by the test."""
    held_copy = hold_the_copy(monkeypatch)
    release, copying = held_copy.release, held_copy.copying
    updates: list[int] = []
    call = ShardProcess.call

    async def counted(self: ShardProcess, name: str, *args: Any) -> Any:
        if name == "update":
            updates.append(sum(len(op[1]) if isinstance(op[1], list) else 1 for op in args[0]))
        return await call(self, name, *args)

    monkeypatch.setattr(ShardProcess, "call", counted)
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert_many(_page(0, 1000))
        task = asyncio.create_task(index.maintain(force=True))
        try:
            assert await asyncio.to_thread(copying.wait, 60)
            for first in range(1000, 4500, 500):  # 3,500 points held, in pages of 500
                await index.upsert_many(_page(first, 500))
        finally:
            release.set()
        updates.clear()
        assert await task
        await index.settled()
        assert max(updates) <= 1000 and sum(updates) >= 2 * 3500  # applied, then replayed
        assert await index.count() == 4500
        for first in (1000, 2500, 4499):
            entry, _ = _page(first, 1)[0]
            stored = await index.get(entry.id)
            assert stored is not None and stored.prompt == entry.prompt
        assert not (tmp_path / "index.held").exists()


async def test_an_import_into_the_running_proxy_is_indexed_without_waiting_for_the_timer(
    tmp_path: Path, embedding_model_dir: Path
) -> None:
    """Through the live app (in-process HTTP): two import pages make 1,200 entries, and the
    proxy's upkeep loop, whose timer says once an hour, optimises them at once."""
    settings = Settings(
        data_dir=tmp_path,
        backend="openai",
        upstream_url="http://127.0.0.1:9/v1",  # never asked: nothing is generated here
        embedding_model_dir=str(embedding_model_dir),
        admin_keys=ADMIN_KEY,
        index_maintenance_seconds=3600,
    )
    image = png_of(90)
    blob_id = BlobStore.id_for(image, "image/png")
    client = await open_ready(create_app(settings))
    try:
        services = client.app.state.services
        assert services.admin is not None
        for first in (0, 600):
            body = {
                "embedding_model": services.admin.embedding_model,
                "entries": [
                    {
                        "entry": entry.payload(),
                        "vector": vector.tolist(),
                        "image": base64.b64encode(image).decode(),
                    }
                    for entry, vector in _page(first, 600, blob_id)
                ],
            }
            answer = await client.post(
                "/v1/cache/import", json=body, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
            )
            assert answer.status_code == 200, answer.text
        for _ in range(600):
            if await services.index.unindexed() == 0:
                break
            await asyncio.sleep(0.1)
        assert await services.index.count() == 1200
        assert await services.index.unindexed() == 0
    finally:
        await client.__aexit__(None, None, None)


async def test_lookups_from_another_event_loop_are_answered_through_switches(
    tmp_path: Path,
) -> None:
    """A call from another thread's event loop (a test client running the app, a script) takes
    the live shard in its own thread and is sent on the app's loop: a switch in between closed
    that shard before the call reached it. The new shard answers it instead; the old one never
    ran it."""
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(2500, 384)).astype(np.float32)
    failures: list[Exception] = []
    answered = 0
    stop = threading.Event()

    def ask(index: EdgeIndex) -> None:
        async def keep_asking() -> None:
            nonlocal answered
            while not stop.is_set():
                try:
                    await index.info()
                    answered += 1
                except Exception as error:  # every failure is the finding
                    failures.append(error)

        asyncio.run(keep_asking())

    async with EdgeIndex(tmp_path / "index", indexing_threshold_kb=16) as index:
        asker = threading.Thread(target=ask, args=(index,))
        asker.start()
        try:
            for first in range(0, 2500, 500):
                entries = [
                    (cached_entry(f"prompt {i}"), vectors[i]) for i in range(first, first + 500)
                ]
                await index.upsert_many(entries)
                assert await index.maintain(force=True)
        finally:
            stop.set()
            await asyncio.to_thread(asker.join)
    assert failures == [] and answered > 0
