"""The embedded index knows which keys it surely lacks, on the real Qdrant Edge engine in its own
process: a miss's exact lookup is answered without a round trip to it, and no key stored (before
the filter learnt the shard's keys, while it learnt them, held back for a copy, or read back
from the journal) is ever taken for absent."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from proxy.index import known_keys
from proxy.index.base import IndexUnavailable
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
    assert index._reading.task is not None
    await asyncio.wait_for(index._reading.task, 30)


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
        assert index._reading.task is None  # nothing read
        assert not _saved(tmp_path).exists()
        asked = _count_lookups(monkeypatch)
        assert await index.exact(dog.key, 4) == []
        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]
        assert asked == [cat.key]
        await index.upsert_many([(dog, _vector(2))])
    assert not KnownKeys().load(_saved(tmp_path), 1, b"")  # one entry more since
    damaged = bytearray(saved)
    damaged[-1] ^= 1
    _saved(tmp_path).write_bytes(damaged)
    assert not KnownKeys().load(_saved(tmp_path), 1, b"")

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
            index._reading.start()  # reads the shard without the cat
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
            if index._reading.task is not None:
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
    keys.save(
        tmp_path / "gone" / "index.keys", 1, bytes(32)
    )  # a folder that is not there, as a full disk
    assert "cannot keep the index's key filter" in caplog.text
    assert not list(tmp_path.iterdir())
    for junk in (b"", b"memoaized key filter 1\n", b"memoaized key filter 1\n" + bytes(40)):
        (tmp_path / "index.keys").write_bytes(junk)
        assert not KnownKeys().load(tmp_path / "index.keys", 1, bytes(32))
        assert not (tmp_path / "index.keys").exists()
    keys.save(tmp_path / "index.keys", 1, bytes(32))
    assert KnownKeys().load(tmp_path / "index.keys", 1, bytes(32))


async def test_a_filter_saved_before_another_program_wrote_to_the_shard_is_not_taken(
    tmp_path: Path,
) -> None:
    """index.keys left by a clean close; the shard is then changed by something that does not
    know the file (an older release after a rollback, a restored copy of `index`), with the
    entry count unchanged (one evicted, one stored: the norm at --max-entries). Found by a
    review (58)."""
    cat, dog, fox = (cached_entry(f"a {a} on a sofa") for a in ("cat", "dog", "fox"))
    async with EdgeIndex(tmp_path / "index") as index:
        await _learnt(index)
        await index.upsert_many([(cat, _vector(1)), (dog, _vector(2))])
    aside = tmp_path / "aside.keys"
    (tmp_path / "index.keys").rename(aside)  # the older release never looks at it
    async with EdgeIndex(tmp_path / "index") as index:
        await index.delete([dog.id])
        await index.upsert_many([(fox, _vector(3))])
    (tmp_path / "index.keys").unlink(missing_ok=True)  # the older release writes none
    aside.rename(tmp_path / "index.keys")
    async with EdgeIndex(tmp_path / "index") as index:
        assert index._reading.task is not None  # the saved filter was not taken: read
        await _learnt(index)
        assert await index.get(fox.id) is not None
        assert [e.id for e in await index.exact(fox.key, 4)] == [fox.id]


async def test_a_reading_started_while_a_refused_held_batch_is_applied_one_by_one_knows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """release() takes a batch out of the held writes before it lands; if Edge refuses the
    batch (hits held for an entry deleted meanwhile) update() applies it one write at a time,
    and a reading of the keys started in between (by `outgrown` after another held write) must
    still know its entries. Found by a review (58)."""
    held_copy = hold_the_copy(monkeypatch)
    cat, owl = cached_entry("a cat on a sofa"), cached_entry("an owl on a sofa")
    gone = cached_entry("an entry deleted after its hits were read")
    bulk = [cached_entry(f"an import {i}") for i in range(1000)]
    call = ShardProcess.call
    fired: list[bool] = []

    async def hooked(self: ShardProcess, name: str, *args: Any) -> Any:
        ops = args[0] if args else None
        if (
            name == "update"
            and not fired
            and len(ops) == 1
            and ops[0][0] == "upsert"
            and ops[0][1][0][0] == cat.id
        ):
            fired.append(True)
            filt = index._keys._filter
            filt.added = filt.capacity + 1  # the filter has filled up (outgrown)
            await index.upsert_many([(owl, _vector(9))])  # a request's write: held, then a reading
            await _learnt(index)
        return await call(self, name, *args)

    async with EdgeIndex(tmp_path / "index") as index:
        await _learnt(index)
        optimising = asyncio.create_task(index.maintain(force=True))
        try:
            assert await asyncio.to_thread(held_copy.copying.wait, 60)
            # record_usage read `gone` before it was deleted: its hits are held, Edge refuses them
            await index._apply([("set_payload", [gone.id], {"hits": 1, "last_hit_at": 1.0})])
            await index.upsert_many([(cat, _vector(1))])
            await index.upsert_many([(e, _vector(10 + i)) for i, e in enumerate(bulk)])
            monkeypatch.setattr(ShardProcess, "call", hooked)
        finally:
            held_copy.release.set()
        assert await optimising
        await index.settled()
        assert fired
        assert await index.get(cat.id) is not None
        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]


async def test_a_stored_key_that_is_no_string_fails_a_reading_and_nothing_else(
    tmp_path: Path,
) -> None:
    """A stored payload whose `key` is not a string (hand-edited, corrupted, a foreign tool):
    the reading skips it, and close() closes the shard process."""
    async with EdgeIndex(tmp_path / "index") as index:
        await _learnt(index)
        await index._call(
            "update", [("upsert", [(cached_entry("x").id, _bytes(_vector(1)), {"key": 7})])]
        )
    (tmp_path / "index.keys").unlink()
    index = EdgeIndex(tmp_path / "index")
    await index.open()
    await asyncio.wait([index._reading.task], timeout=30)
    pid = index.pid
    try:
        await index.close()
    finally:
        alive = index._shard is not None
        if alive:
            await index._shard.close()
    assert not alive, f"shard process {pid} left running"


async def test_a_failed_reading_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reading that failed (the index process died, say) is tried again, after
    ``_READ_AGAIN_AFTER``: without a filter none would be due otherwise."""
    call = ShardProcess.call
    failed: list[bool] = []

    async def once(self: ShardProcess, name: str, *args: Any) -> Any:
        if name == "keys" and not failed:
            failed.append(True)
            raise IndexUnavailable("the index process exited (say)")
        return await call(self, name, *args)

    monkeypatch.setattr(ShardProcess, "call", once)
    monkeypatch.setattr(known_keys, "_READ_AGAIN_AFTER", 0.1)
    async with EdgeIndex(tmp_path / "index") as index:
        await _learnt(index)
        for i in range(50):
            await index.upsert_many([(cached_entry(f"e{i}"), _vector(i))])
        await asyncio.sleep(0.5)
        assert index._keys._filter is not None


async def test_an_erasure_during_a_reading_starts_it_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reading under way when the shard is erased began before the erasure and may hold the
    erased key: it is started over."""
    cat, dog = cached_entry("a cat on a sofa"), cached_entry("a dog on a sofa")
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert_many([(cat, _vector(1)), (dog, _vector(2))])
    (tmp_path / "index.keys").unlink(missing_ok=True)
    go_on = asyncio.Event()
    call = ShardProcess.call

    async def slow(self: ShardProcess, name: str, *args: Any) -> Any:
        answer = await call(self, name, *args)
        if name == "keys":
            await go_on.wait()
        return answer

    monkeypatch.setattr(ShardProcess, "call", slow)
    async with EdgeIndex(tmp_path / "index") as index:
        await asyncio.sleep(0.5)  # the reading has read the cat
        await index.delete([cat.id])
        await index.erase()
        go_on.set()
        await _learnt(index)
        assert index._keys.lacks(cat.key)


def test_only_a_regular_file_is_read_as_a_saved_filter(tmp_path: Path) -> None:
    """A FIFO at index.keys would block open for good, a link to /dev/zero fill the memory: only
    a regular file is read, at most 1 GiB."""
    path = tmp_path / "index.keys"
    os.mkfifo(path)
    done = threading.Event()
    threading.Thread(
        target=lambda: (KnownKeys().load(path, 1, b""), done.set()), daemon=True
    ).start()
    blocked = not done.wait(2)
    if blocked:  # let the thread go
        with open(path, "wb"):
            pass
    assert not blocked
    assert not path.exists()
