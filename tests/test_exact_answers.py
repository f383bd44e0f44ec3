"""The embedded index remembers its answers to exact lookups between writes, on the real Qdrant
Edge engine in its own process: a repeated key is answered without a round trip to it, and no
write, held write, or write that lands while a lookup is on its way leaves a stale answer."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from proxy.index.base import EVERYTHING, Where
from proxy.index.edge import EdgeIndex
from proxy.index.edge_process import ShardProcess
from proxy.index.exact_answers import ExactAnswers
from proxy.index.known_keys import KeyReading
from tests.conftest import cached_entry, hold_the_copy

DIM = 384


def _vector(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture(autouse=True)
def _every_key_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the key filter (``test_known_keys``), which answers for keys the shard lacks
    and reads the shard's keys with calls of its own."""
    monkeypatch.setattr(KeyReading, "start", lambda reading: None)


def _count_scrolls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The shard process's "scroll" calls from now on (an exact lookup is one)."""
    scrolls: list[str] = []
    call = ShardProcess.call

    async def counted(self: ShardProcess, name: str, *args: Any) -> Any:
        if name == "scroll":
            scrolls.append(name)
        return await call(self, name, *args)

    monkeypatch.setattr(ShardProcess, "call", counted)
    return scrolls


async def test_a_repeated_key_is_answered_without_asking_the_shard_until_a_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat, dog = cached_entry("a cat on a sofa"), cached_entry("a dog on a sofa")
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert_many([(cat, _vector(1))])
        scrolls = _count_scrolls(monkeypatch)

        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]
        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]
        assert await index.exact(dog.key, 4) == []
        assert await index.exact(dog.key, 4) == []  # an answer of none is remembered too
        assert len(scrolls) == 2

        # Another tenant's view is another question.
        other = EVERYTHING.narrow(tenant="someone-else")
        assert await index.exact(cat.key, 4, other) == []
        assert len(scrolls) == 3

        # A write forgets every answer: the dog is found, the cat is gone once deleted.
        await index.upsert_many([(dog, _vector(2))])
        assert [e.id for e in await index.exact(dog.key, 4)] == [dog.id]
        await index.delete([cat.id])
        assert await index.exact(cat.key, 4) == []
        await index.record_usage({dog.id: (3, 1.0)})
        assert [e.id for e in await index.exact(dog.key, 4)] == [dog.id]
        assert len(scrolls) == 6


async def test_an_answer_a_write_overtook_is_not_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shard answered before the entry was stored, the answer arrived after: it was true
    when asked, and must not be given again."""
    cat = cached_entry("a cat on a sofa")
    asked, answer_back = asyncio.Event(), asyncio.Event()
    call = ShardProcess.call

    async def late(self: ShardProcess, name: str, *args: Any) -> Any:
        result = await call(self, name, *args)
        if name == "scroll" and not answer_back.is_set():
            asked.set()
            await answer_back.wait()
        return result

    async with EdgeIndex(tmp_path / "index") as index:
        monkeypatch.setattr(ShardProcess, "call", late)
        lookup = asyncio.create_task(index.exact(cat.key, 4))
        await asyncio.wait_for(asked.wait(), 10)
        await index.upsert_many([(cat, _vector(1))])
        answer_back.set()
        assert await lookup == []
        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]


async def test_writes_held_for_a_copy_are_found_once_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the shard is copied for the optimiser, entries stored are held back from it; an
    answer given meanwhile is not remembered past their release."""
    held_copy = hold_the_copy(monkeypatch)
    cat = cached_entry("a cat on a sofa")
    async with EdgeIndex(tmp_path / "index") as index:
        await index.upsert_many([(cached_entry("a dog on a sofa"), _vector(2))])
        optimising = asyncio.create_task(index.maintain(force=True))
        try:
            assert await asyncio.to_thread(held_copy.copying.wait, 60)
            scrolls = _count_scrolls(monkeypatch)
            await index.upsert_many([(cat, _vector(1))])  # held back
            assert await index.exact(cat.key, 4) == []
            assert await index.exact(cat.key, 4) == []
            assert len(scrolls) == 2  # nothing remembered while writes are held
        finally:
            held_copy.release.set()
        assert await optimising
        await index.settled()
        assert [e.id for e in await index.exact(cat.key, 4)] == [cat.id]


def test_answers_are_bounded_and_forgotten_at_a_write() -> None:
    unsettled = [False]
    answers = ExactAnswers(lambda: unsettled[0], size=2)
    where = Where()
    for key in ("a", "b", "c"):
        answers.remember(key, where, answers.version, [])
    assert answers.get("a", where) is None  # the oldest went
    assert answers.get("b", where) == [] and answers.get("c", where) == []

    asked = answers.version
    answers.changed()
    assert answers.get("b", where) is None  # the write forgot the rest at once
    answers.remember("d", where, asked, [])  # asked before the write: dropped
    assert answers.get("d", where) is None

    unsettled[0] = True
    answers.remember("e", where, answers.version, [])
    assert answers.get("e", where) is None
