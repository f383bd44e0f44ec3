"""The garbage collector off the request path: what a full collection leaves alive is frozen
after it, so the next full collection does not walk it again."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from backends import heap
from backends.heap import FreezeSurvivors
from proxy.app import create_app
from proxy.settings import Settings
from tests.conftest import open_ready, survivor_freezers, thaw


class Node:
    """A tracked container object, as the verifier's remembered readings are."""

    def __init__(self, label: int) -> None:
        self.label = label
        self.children: list[Node] = []


@pytest.fixture
def unfrozen() -> Iterator[None]:
    thaw()
    yield
    thaw()


async def _settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_what_a_full_collection_leaves_alive_is_frozen_once_per_interval(
    unfrozen: None,
) -> None:
    freezer = FreezeSurvivors(asyncio.get_running_loop(), min_seconds=3600)
    freezer.install()
    try:
        kept = [Node(i) for i in range(5_000)]
        gc.collect()
        await _settle()
        assert freezer.freezes == 1
        tracked = {id(obj) for obj in gc.get_objects()}
        assert id(kept[0]) not in tracked and id(kept) not in tracked  # frozen: not walked

        more = [Node(i) for i in range(5_000)]
        gc.collect()
        await _settle()
        assert freezer.freezes == 1  # within the interval: no second freeze
        assert id(more[0]) in {id(obj) for obj in gc.get_objects()}
    finally:
        freezer.remove()
    assert freezer._on_collection not in gc.callbacks


async def test_only_full_collections_freeze(unfrozen: None) -> None:
    freezer = FreezeSurvivors(asyncio.get_running_loop(), min_seconds=0)
    freezer.install()
    try:
        young = [Node(i) for i in range(1_000)]
        gc.collect(0)
        gc.collect(1)
        await _settle()
        assert freezer.freezes == 0
        assert id(young[0]) in {id(obj) for obj in gc.get_objects()}
    finally:
        freezer.remove()


async def test_a_frozen_object_that_is_dropped_is_still_freed() -> None:
    """Freezing keeps cycles from the collector, not objects from their reference count."""
    import weakref

    freezer = FreezeSurvivors(asyncio.get_running_loop(), min_seconds=0)
    freezer.install()
    try:
        node = Node(1)
        node.children.append(Node(2))
        gone = weakref.ref(node.children[0])
        gc.collect()
        await _settle()
        assert freezer.freezes == 1
        del node
        assert gone() is None
    finally:
        freezer.remove()
        thaw()


async def test_the_proxy_freezes_survivors_while_it_serves_and_stops_at_shutdown(
    tmp_path: Path, embedding_model_dir: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        backend="openai",
        upstream_url="http://127.0.0.1:9/v1",  # never asked: nothing is generated here
        embedding_model_dir=str(embedding_model_dir),
        index_maintenance_seconds=3600,
    )

    before, thresholds = survivor_freezers(), gc.get_threshold()
    client = await open_ready(create_app(settings))
    try:
        assert len(survivor_freezers()) == len(before) + 1
        assert gc.get_threshold() == (heap.YOUNG_COLLECTION_AFTER, *thresholds[1:])
    finally:
        await client.__aexit__(None, None, None)
    assert survivor_freezers() == before
    assert gc.get_threshold() == thresholds


async def test_while_serving_the_young_generation_is_collected_less_often() -> None:
    """A request's temporaries are mostly freed by their reference count before the next young
    collection, instead of being caught alive and moved to a generation walked again later."""
    thresholds = gc.get_threshold()
    freezer = FreezeSurvivors(asyncio.get_running_loop())
    freezer.install()
    try:
        assert gc.get_threshold()[0] == heap.YOUNG_COLLECTION_AFTER > thresholds[0]
        freezer.install()  # twice: what remove restores is still the first
    finally:
        freezer.remove()
    assert gc.get_threshold() == thresholds


async def test_two_apps_in_one_process_restore_the_collector_whatever_order_they_stop_in() -> None:
    """CI caught it: a test opened two proxies; the first to stop restored Python's default and
    the second then put back its own 50,000, left for every later test in that worker."""
    thresholds = gc.get_threshold()
    loop = asyncio.get_running_loop()
    first, second = FreezeSurvivors(loop), FreezeSurvivors(loop)
    first.install()
    second.install()
    first.remove()
    assert gc.get_threshold()[0] == heap.YOUNG_COLLECTION_AFTER  # the second still serves
    second.remove()
    assert gc.get_threshold() == thresholds
