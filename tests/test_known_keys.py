"""The embedded index knows which keys it surely lacks, on the real Qdrant Edge engine in its own
process: a miss's exact lookup is answered without a round trip to it, and no key stored (before
the filter learnt the shard's keys, while it learnt them, held back for a copy, or read back
from the journal) is ever taken for absent."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from proxy.index import known_keys
from proxy.index.edge import EdgeIndex, _bytes
from proxy.index.edge_files import journal_append
from proxy.index.edge_process import ShardProcess
from proxy.index.known_keys import KnownKeys
from tests.conftest import cached_entry, hold_the_copy

DIM = 384


def _vector(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _count_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys the shard process is asked for from now on (one per exact lookup)."""
    asked: list[str] = []
    call = ShardProcess.call

    async def counted(self: ShardProcess, name: str, *args: Any) -> Any:
        if name == "scroll" and args[0].key is not None:
            asked.append(args[0].key)
        return await call(self, name, *args)

    monkeypatch.setattr(ShardProcess, "call", counted)
    return asked


async def _learnt(index: EdgeIndex) -> None:
    assert index._learning is not None
    await asyncio.wait_for(index._learning, 30)


def _saved(tmp_path: Path) -> Path:
    """The key filter a clean close leaves for the next open."""
    return tmp_path / "index.keys"


async def test_a_key_the_shard_lacks_is_not_asked_for_once_its_keys_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat, dog = cached_entry("a cat on a sofa"), cached_entry("a dog on a sofa")
    fox = cached_entry("a fox on a sofa")
    odd = dataclasses.replace(cached_entry("an owl on a sofa"), key="Owl: a key of no hex digits")
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert_many([(cat, _vector(1)), (odd, _vector(4))])
    _saved(tmp_path).unlink(missing_ok=True)  # as after a crash
    async with EdgeIndex(tmp_path / "index") as index:  # the keys are read from the shard
        await _learnt(index)
        asked = _count_lookups(monkeypatch)
        assert await index.exact(dog.key, 4) == []
        assert asked == []
        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]
        assert [e.id for e in await index.exact(odd.key, 4)] == [odd.id]
        assert asked == [cat.key, odd.key]

        await index.upsert_many([(dog, _vector(2))])  # known as it is written
        assert [e.id for e in await index.exact(dog.key, 4)] == [dog.id]
        assert await index.exact(fox.key, 4) == []
        assert asked == [cat.key, odd.key, dog.key]


async def test_every_key_is_asked_for_until_the_keys_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys stored while the shard's keys are being read, and those of a write still on its
    way when the reading started, are known once it ends."""
    cat, dog = cached_entry("a cat on a sofa"), cached_entry("a dog on a sofa")
    fox = cached_entry("a fox on a sofa")
    reading, go_on = asyncio.Event(), asyncio.Event()
    call = ShardProcess.call

    async def slow_reading(self: ShardProcess, name: str, *args: Any) -> Any:
        answer = await call(self, name, *args)
        if name == "keys" and answer[1] is None:
            reading.set()  # every key is read: one stored from now on is not among them
            await go_on.wait()
        return answer

    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert_many([(cat, _vector(1))])
    _saved(tmp_path).unlink(missing_ok=True)
    monkeypatch.setattr(ShardProcess, "call", slow_reading)
    async with EdgeIndex(tmp_path / "index") as index:
        await asyncio.wait_for(reading.wait(), 30)
        asked = _count_lookups(monkeypatch)
        assert await index.exact(fox.key, 4) == []
        assert asked == [fox.key]  # not read yet: asked for
        await index.upsert_many([(dog, _vector(2))])
        go_on.set()
        await _learnt(index)
        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]
        assert [e.id for e in await index.exact(dog.key, 4)] == [dog.id]
        assert await index.exact(fox.key, 4) == []
        assert asked == [fox.key, cat.key, dog.key]


async def test_a_clean_close_leaves_the_filter_to_the_next_open_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next open takes it instead of reading the keys, and deletes it, so that a crash
    after that leaves none; one whose count of entries, or whose bits, do not match the shard
    is not used."""
    cat, dog = cached_entry("a cat on a sofa"), cached_entry("a dog on a sofa")
    async with EdgeIndex(tmp_path / "index") as index:
        await _learnt(index)
        await index.upsert_many([(cat, _vector(1))])
    saved = _saved(tmp_path).read_bytes()

    async with EdgeIndex(tmp_path / "index") as index:
        assert index._learning is None  # nothing read
        assert not _saved(tmp_path).exists()
        asked = _count_lookups(monkeypatch)
        assert await index.exact(dog.key, 4) == []
        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]
        assert asked == [cat.key]
        await index.upsert_many([(dog, _vector(2))])
    assert not KnownKeys().load(_saved(tmp_path), 1)  # one entry more since
    damaged = bytearray(saved)
    damaged[-1] ^= 1
    _saved(tmp_path).write_bytes(damaged)
    assert not KnownKeys().load(_saved(tmp_path), 1)

    _saved(tmp_path).write_bytes(saved)  # from before the dog was stored
    async with EdgeIndex(tmp_path / "index") as index:
        await _learnt(index)  # read: the count is not the shard's
        assert [e.id for e in await index.exact(dog.key, 4)] == [dog.id]


async def test_writes_held_for_a_copy_are_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry held back while the shard is copied is known to a reading of the keys that
    starts before it is applied (the reading cannot find it in the shard)."""
    held_copy = hold_the_copy(monkeypatch)
    cat = cached_entry("a cat on a sofa")
    async with EdgeIndex(tmp_path / "index") as index:
        await _learnt(index)
        await index.upsert_many([(cached_entry("a dog on a sofa"), _vector(2))])
        optimising = asyncio.create_task(index.maintain(force=True))
        try:
            assert await asyncio.to_thread(held_copy.copying.wait, 60)
            await index.upsert_many([(cat, _vector(1))])  # held back
            index._learn()  # reads the shard without the cat
            await _learnt(index)
        finally:
            held_copy.release.set()
        assert await optimising
        await index.settled()
        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]


async def test_writes_read_back_from_the_journal_are_known(tmp_path: Path) -> None:
    """Writes held for a copy that could not be applied (the shard process died, say) stay in
    the journal and are applied before the next write; the index's own writes never saw them
    on their way to the shard, and a reading of the keys may have come before."""
    cat, dog = cached_entry("a cat on a sofa"), cached_entry("a dog on a sofa")
    async with EdgeIndex(tmp_path / "index") as index:
        await _learnt(index)
        assert index._keys.lacks(cat.key)
        journal_append(
            index._writes.journal, [("upsert", [(cat.id, _bytes(_vector(1)), cat.payload())])]
        )
        index._writes.journal_due = True
        await index.upsert_many([(dog, _vector(2))])  # the journal first
        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]
        assert [e.id for e in await index.exact(dog.key, 4)] == [dog.id]


async def test_an_erasure_reads_the_keys_again_without_the_erased_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat, dog = cached_entry("a cat on a sofa"), cached_entry("a dog on a sofa")
    async with EdgeIndex(tmp_path / "index") as index:
        await _learnt(index)
        await index.upsert_many([(cat, _vector(1)), (dog, _vector(2))])
        await index.delete([cat.id])
        assert not index._keys.lacks(cat.key)  # deleted keys stay seen
        await index.erase()
        await _learnt(index)
        assert index._keys.lacks(cat.key)
        assert not index._keys.lacks(dog.key)


async def test_the_keys_are_read_again_into_a_larger_filter_when_it_fills(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(known_keys, "_SMALLEST", 4)
    entries = [cached_entry(f"a cat number {i}") for i in range(12)]
    async with EdgeIndex(tmp_path / "index") as index:
        await _learnt(index)
        for i, entry in enumerate(entries):
            await index.upsert_many([(entry, _vector(i))])
            if index._learning is not None:
                await _learnt(index)
        assert index._keys._filter is not None
        assert index._keys._filter.capacity >= 8
        for entry in entries:
            assert [e.id for e in await index.exact(entry.key, 4)] == [entry.id]


async def test_keys_of_a_write_under_way_or_held_are_known_to_a_reading_that_starts_first() -> None:
    keys = KnownKeys()
    assert not keys.lacks("anything")  # nothing read yet: every key may be there

    stored, under_way, held, never = (
        cached_entry(f"a {animal} on a sofa").key for animal in ("cat", "dog", "fox", "owl")
    )

    async def pages() -> AsyncIterator[list[str]]:
        yield [stored]

    with keys.writing([under_way]):
        await keys.learn(1, pages(), held=[held])
    for key in (stored, under_way, held):
        assert not keys.lacks(key), key
    assert keys.lacks(never)


def test_the_filter_has_no_false_negatives_and_few_false_positives() -> None:
    """Keys as the proxy makes them (32 hex digits) and any other strings alike."""
    bloom = known_keys._Bloom(20_000)
    stored = [cached_entry(f"a cat number {i}").key for i in range(10_000)]
    stored += [f"an odd key {i}" for i in range(10_000)]
    for start in range(0, len(stored), 1024):
        bloom.add(stored[start : start + 1024])
    assert all(key in bloom for key in stored)
    absent = [cached_entry(f"a dog number {i}").key for i in range(10_000)]
    absent += [f"an absent key {i}" for i in range(10_000)]
    false = sum(key in bloom for key in absent)
    assert false < 400, false  # about 1% at capacity


def test_a_filter_that_cannot_be_kept_or_read_costs_a_reading_and_nothing_else(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keys = KnownKeys()

    async def pages() -> AsyncIterator[list[str]]:
        yield [cached_entry("a cat on a sofa").key]

    asyncio.run(keys.learn(1, pages(), held=[]))
    keys.save(tmp_path / "gone" / "index.keys", 1)  # a folder that is not there, as a full disk
    assert "cannot keep the index's key filter" in caplog.text
    assert not list(tmp_path.iterdir())
    for junk in (b"", b"memoaized key filter 1\n", b"memoaized key filter 1\n" + bytes(40)):
        (tmp_path / "index.keys").write_bytes(junk)
        assert not KnownKeys().load(tmp_path / "index.keys", 1)
        assert not (tmp_path / "index.keys").exists()
    keys.save(tmp_path / "index.keys", 1)
    assert KnownKeys().load(tmp_path / "index.keys", 1)
