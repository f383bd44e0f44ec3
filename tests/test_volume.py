"""A full data volume (issue 15, finding 1): the embedded index maps its files into memory, and a
write to a full volume killed the proxy with SIGBUS, after as few as 66 hits (the hit counts
written back) or at the first admin upload; on a small volume it died at start-up.

The live tests put the data directory on a real tmpfs (``mount -t tmpfs``, as root), fill it to
the last page, and check that hits and pass-through generation go on, that nothing more is
written, that ``/readyz`` and the metrics say so, and that writing resumes when space is freed.
Where mounting is not possible they are skipped with the reason."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from proxy.volume import DataVolume, VolumeLow
from tests.conftest import LiveServer, run_memoaized, serve_sd_upstream, serve_tiny

MIB = 2**20


def _statvfs(free: list[int]) -> Callable[[Path], object]:
    return lambda path: SimpleNamespace(f_bavail=free[0], f_frsize=1)


def test_the_floor_is_checked_before_each_write_and_crossing_it_is_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    free = [500 * MIB]
    volume = DataVolume([tmp_path / "not" / "yet"], 256 * MIB, statvfs=_statvfs(free))
    assert not volume.low
    with caplog.at_level(logging.WARNING, logger="proxy.volume"):
        free[0] = 100 * MIB
        assert volume.low and volume.low
        with pytest.raises(VolumeLow, match="under the floor of 256 MiB"):
            volume.check("storing an entry")
        free[0] = 400 * MIB
        assert not volume.low and not volume.low
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2 and "paused" in messages[0] and "resumes" in messages[1]
    assert not DataVolume([], 256 * MIB).low  # nothing local (Qdrant server, object store)
    assert not DataVolume([tmp_path], 0).low  # no floor


# ---------------------------------------------------------------------------- a real tmpfs


@contextlib.contextmanager
def _tmpfs(where: Path, size_mib: int) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(volume: Path, leave: int) -> Path:
    """A file taking all but ``leave`` bytes of ``volume``."""
    stats = os.statvfs(volume)
    filler = volume / "filler"
    with filler.open("wb") as f:
        os.posix_fallocate(f.fileno(), 0, max(0, stats.f_bavail * stats.f_frsize - leave))
    return filler


def _generate(server: LiveServer, prompt: str) -> httpx.Response:
    answer = httpx.post(
        server.url + "/v1/images/generations",
        json={"prompt": prompt, "size": "64x64", "response_format": "b64_json"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return answer


@pytest.mark.slow
def test_a_full_volume_pauses_writes_and_keeps_serving(
    live_server: Callable[..., LiveServer], tmp_path: Path, sd_server: LiveServer
) -> None:
    with _tmpfs(tmp_path / "volume", 320) as volume:
        options = (
            *("--min-free-bytes", str(64 * MIB), "--eviction-seconds", "0.2"),
            *("--admin-keys", "admin-key-for-the-volume-test"),
        )
        server = live_server(*serve_sd_upstream(volume / "data", sd_server, *options))
        cached = _generate(server, "a brass lantern on a stone wall")
        listed = httpx.get(  # stored by then: a listing waits for writes after answers
            server.url + "/v1/cache/entries",
            headers={"Authorization": "Bearer admin-key-for-the-volume-test"},
            timeout=30,
        )
        assert len(listed.json()["data"]) == 1
        filler = _fill(volume, leave=0)  # full: without the floor, the hits below kill it
        for _ in range(100):  # hits, with their counts written back every 0.2 s
            hit = _generate(server, "a brass lantern on a stone wall")
            assert hit.headers["x-cache"] == "HIT"
        time.sleep(1.5)
        missed = _generate(server, "a copper kettle on a wooden table")
        assert missed.headers["x-cache"] == "MISS"
        again = _generate(server, "a copper kettle on a wooden table")
        assert again.headers["x-cache"] == "MISS"  # served, but not cached
        upload = httpx.post(
            server.url + "/v1/cache/entries",
            headers={"Authorization": "Bearer admin-key-for-the-volume-test"},
            json={"prompt": "a red kite", "image": cached.json()["data"][0]["b64_json"]},
            timeout=30,
        )
        assert upload.status_code == 503 and "--min-free-bytes" in upload.text
        ready = httpx.get(server.url + "/readyz").json()
        assert ready["status"] == "ready" and "--min-free-bytes" in ready["degraded"]
        assert server.metric("memoaized_data_volume_low") == 1
        assert server.process is not None and server.process.poll() is None  # alive
        assert "paused until space is freed" in server.log()

        filler.unlink()
        time.sleep(1.5)
        _generate(server, "a copper kettle on a wooden table")
        stored = _generate(server, "a copper kettle on a wooden table")
        assert stored.headers["x-cache"] == "HIT"
        assert "degraded" not in httpx.get(server.url + "/readyz").json()
        assert server.metric("memoaized_data_volume_low") == 0
        server.stop()
        assert "writing resumes" in server.log()


@pytest.mark.slow
def test_start_up_on_a_volume_under_the_floor_says_so_in_one_line(
    tmp_path: Path, tiny_model_dir: Path, embedding_model_dir: Path
) -> None:
    with _tmpfs(tmp_path / "small", 20) as volume:
        started = run_memoaized(embedding_model_dir, *serve_tiny(volume / "data", tiny_model_dir))
        assert started.returncode != 0
        lines = started.stderr.strip().splitlines()
        assert lines[-1].startswith("memoaized: not starting: the data volume has")
        assert "--min-free-bytes" in lines[-1]
        assert not (volume / "data" / "index").exists()  # nothing was written


async def test_an_optimisation_the_volume_has_no_room_for_is_put_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An optimisation that might take the data volume under the floor is put off and said once
    in the log, with nothing copied, while lookups and writes go on; a forced one (a purge's
    erasure) fails with the reason; with room again it runs. Before, on this 280 MiB volume, each
    try (one a minute) copied the shard and the optimiser then failed for want of space, with a
    traceback in the log."""
    from proxy.app import _build_index
    from proxy.index.base import IndexUnavailable
    from proxy.index.edge import EdgeIndex
    from proxy.settings import Settings
    from tests.test_index_contract import _entry, _vector

    floor = 64 * MIB
    built = _build_index(Settings(data_dir=tmp_path / "data", min_free_bytes=floor))
    assert isinstance(built, EdgeIndex) and built.keep_free == floor  # the proxy's floor
    caplog.set_level(logging.WARNING, logger="proxy.index.edge")
    with _tmpfs(tmp_path / "volume", 280) as volume:
        index = EdgeIndex(volume / "index", keep_free=floor)
        async with index:
            for i in range(2000):
                await index.upsert(_entry(f"k{i}", f"{i:064x}.png"), _vector(i))
            assert await index.due()
            assert not await index.maintain()
            await index.upsert(_entry("k2000", f"{2000:064x}.png"), _vector(2000))
            assert not await index.maintain()
            put_off = [r.getMessage() for r in caplog.records if "put off" in r.getMessage()]
            assert len(put_off) == 1 and "--min-free-bytes" in put_off[0], put_off
            assert sorted(p.name for p in volume.iterdir()) == ["index", "index.g1"]
            assert await index.unindexed() == 2001
            assert [c.entry.key for c in await index.nearest(_vector(7), 1)] == ["k7"]
            with pytest.raises(IndexUnavailable, match=r"not optimised: .*--min-free-bytes"):
                await index.maintain(force=True)
            remount = ["mount", "-o", "remount,size=700m", str(volume)]
            await asyncio.to_thread(subprocess.run, remount, check=True)
            assert await index.maintain()
            assert await index.unindexed() == 0
        assert "room for the index's optimisation again" in caplog.text
