"""The cache service without HTTP, on real parts: the embedding model, a Qdrant Edge index, a
local image store and the tiny diffusers pipeline (the ``cache`` fixture)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from backends.base import BackendFailed, Generation, GenerationRequest
from backends.diffusers_backend import DiffusersBackend
from backends.openai_compat import OpenAIBackend
from proxy.app import create_app
from proxy.auth import DEFAULT_TENANT
from proxy.cache.admin import CacheAdmin, Exported
from proxy.cache.controls import CacheControls
from proxy.cache.entries import new_entry
from proxy.cache.service import CacheStatus, ImageCache
from proxy.cache.tenancy import Viewer
from proxy.embedding import Embedder
from proxy.index.base import EVERYTHING
from proxy.index.edge import EdgeIndex
from proxy.matching.canonical import Partition
from proxy.matching.decision import MatchPolicy, Query
from proxy.matching.lexicon import DEFAULT_WORDNET_DIR, WordNet
from proxy.matching.verify import Verifier
from proxy.settings import Settings
from proxy.store import BlobStore, StoreError
from tests.conftest import make_cache, open_ready, png_of, sample, tiny_request


async def test_exact_hits_skip_the_embedding(cache: ImageCache) -> None:
    miss = await cache.generate(tiny_request("a snail on a leaf"), CacheControls(), with_bytes=True)
    assert miss.status is CacheStatus.MISS
    # its image is stored after the answer; a lookup waits for that only so long (a slow build
    # machine took longer), which is not what this test is about
    await cache.storage.written()
    embeddings = sample(cache, "memoaized_stage_duration_seconds_count", stage="embed")
    hit = await cache.generate(tiny_request("A snail on a leaf!"), CacheControls(), with_bytes=True)
    assert hit.status is CacheStatus.HIT and hit.match == "exact"
    assert hit.images[0].data == miss.images[0].data
    assert sample(cache, "memoaized_stage_duration_seconds_count", stage="embed") == embeddings


async def test_entries_record_their_cost(cache: ImageCache) -> None:
    result = await cache.generate(
        tiny_request("a kite over a beach", n=2), CacheControls(), with_bytes=False
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
        tiny_request("a teapot shaped like a whale"), CacheControls(), with_bytes=False
    )
    entry = result.images[0].entry
    assert entry is not None
    assert await cache.store.exists(entry.blob_id)
    # A second entry showing the same image (as a seeded or imported library can have).
    twin = dataclasses.replace(entry, id="00000000-0000-4000-8000-000000000001", key="another-key")
    await cache.index.upsert(twin, cache.embedder.embed_one(twin.canonical))
    assert await cache.forget([entry]) == 0
    assert await cache.index.get(entry.id) is None
    assert await cache.store.exists(entry.blob_id)  # still shown by the twin
    assert await cache.forget([twin]) == 1
    assert not await cache.store.exists(entry.blob_id)


@pytest.mark.parametrize("with_bytes", [False, True], ids=["url", "b64_json"])
async def test_a_failing_index_degrades_to_generating(cache: ImageCache, with_bytes: bool) -> None:
    await cache.index.close()  # every index call now raises IndexUnavailable
    result = await cache.generate(
        tiny_request("a lamp made of coral"), CacheControls(), with_bytes=with_bytes
    )
    await cache.storage.written()  # a b64_json answer's image is stored after it
    assert result.status is CacheStatus.MISS
    assert result.images[0].data is not None
    assert result.images[0].blob_id is None  # so a URL response carries the image itself
    if not with_bytes:
        assert result.images[0].entry is None  # generated and served, not cached
    assert sample(cache, "memoaized_cache_errors_total", component="index", operation="lookup") == 1
    assert sample(cache, "memoaized_cache_errors_total", component="index", operation="write") == 1


@pytest.mark.parametrize("with_bytes", [False, True], ids=["url", "b64_json"])
async def test_a_failing_store_still_returns_the_image(cache: ImageCache, with_bytes: bool) -> None:
    await cache.store.close()  # every store call now raises StoreError
    result = await cache.generate(
        tiny_request("a violin in the rain"), CacheControls(), with_bytes=with_bytes
    )
    await cache.storage.written()
    assert result.images[0].data is not None and result.images[0].blob_id is None
    assert await cache.index.count() == 0  # no point without its image
    assert sample(cache, "memoaized_cache_errors_total", component="store", operation="write") == 1


async def test_an_unexpected_error_after_the_answer_is_counted(
    cache: ImageCache, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(data: bytes, media_type: str) -> str:
        raise RuntimeError("a fault of neither the store nor the index")

    monkeypatch.setattr(cache.store, "put", broken)
    result = await cache.generate(
        tiny_request("a kettle on a stove"), CacheControls(), with_bytes=True
    )
    await cache.storage.written()
    assert result.images[0].data is not None  # answered before the write failed
    assert await cache.index.count() == 0
    assert (
        sample(cache, "memoaized_cache_errors_total", component="unknown", operation="write") == 1
    )
    assert "writing a generated image failed" in caplog.text


async def _until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Wait for ``condition``, polled every 10 ms, failing after ``seconds``."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def _hold_writes(cache: ImageCache, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Images written to ``cache``'s store wait until the returned event is set."""
    release = asyncio.Event()
    put = cache.store.put

    async def held(data: bytes, media_type: str) -> str:
        await release.wait()
        return await put(data, media_type)

    monkeypatch.setattr(cache.store, "put", held)
    return release


async def test_a_b64_json_miss_is_answered_before_its_image_is_stored(
    cache: ImageCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer carries the image, so the write follows it; a repeat, exact or reworded,
    asked before the write ends waits for it and is served from it."""
    release = _hold_writes(cache, monkeypatch)
    cache.storage.lookup_waits = 30.0  # however slow this machine
    miss = await cache.generate(
        tiny_request("a red fox sitting in the snow"), CacheControls(), with_bytes=True
    )
    assert miss.status is CacheStatus.MISS and miss.images[0].data is not None
    entry = miss.images[0].entry
    assert entry is not None and miss.images[0].blob_id is None  # not yet written: no URL
    assert await cache.index.count() == 0
    loose = CacheControls(threshold=0.8)  # this cache has no verifier and a strict threshold
    repeats = [
        asyncio.ensure_future(cache.generate(tiny_request(p), loose, with_bytes=True))
        for p in ("A red fox sitting in the snow!", "a red fox sits in the snow")
    ]
    await asyncio.sleep(0.2)
    assert not any(repeat.done() for repeat in repeats)  # waiting for the write, not generating
    assert sample(cache, "memoaized_stage_duration_seconds_count", stage="store_put") == 0
    assert sample(cache, "memoaized_writes_after_answers") == 1
    release.set()
    exact, reworded = await asyncio.gather(*repeats)
    assert sample(cache, "memoaized_writes_after_answers") == 0
    assert exact.status is CacheStatus.HIT and exact.match == "exact"
    assert reworded.status is CacheStatus.HIT and reworded.match == "semantic"
    assert exact.images[0].data == reworded.images[0].data == miss.images[0].data
    stored = await cache.index.get(entry.id)
    assert stored is not None and stored.key == entry.key and stored.blob_id == entry.blob_id
    assert await cache.store.exists(entry.blob_id)


async def test_a_stalled_write_holds_lookups_up_to_a_bound(
    cache: ImageCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that hangs must not hang the hits: a lookup waits for earlier answers' writes
    a bounded time, then goes on without them."""
    release = _hold_writes(cache, monkeypatch)
    cache.storage.lookup_waits = 0.3
    await cache.generate(tiny_request("a moth at a lamp"), CacheControls(), with_bytes=True)
    for prompt in ("a moth at a lamp", "a beetle on a leaf"):  # the key's wait, the partition's
        later = cache.generate(tiny_request(prompt), CacheControls(), with_bytes=True)
        result = await asyncio.wait_for(later, 10)  # not held for as long as the write
        assert result.status is CacheStatus.MISS  # generated (again) rather than waiting on
    release.set()
    assert await cache.storage.written() == 0
    assert await cache.index.count() == 3


async def test_a_url_request_joining_a_b64_json_generation_gets_a_stored_url(
    cache: ImageCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Identical requests share one generation whatever format each asked for: the one that
    wants a URL waits for the image to be stored, then names it."""
    release = _hold_writes(cache, monkeypatch)
    cache.storage.lookup_waits = 30.0  # however slow this machine
    go = (
        asyncio.Event()
    )  # the generation waits for it: the b64_json request leads, then the other joins
    generate = cache.backend.generate

    async def held(request: GenerationRequest) -> Generation:
        await go.wait()
        return await generate(request)

    monkeypatch.setattr(cache.backend, "generate", held)
    request = tiny_request("a tortoise eating a strawberry")
    leader = asyncio.ensure_future(cache.generate(request, CacheControls(), with_bytes=True))
    await _until(lambda: len(cache.flights) == 1)
    joiner = asyncio.ensure_future(cache.generate(request, CacheControls(), with_bytes=False))
    await _until(lambda: sum(cache.flights._waiting.values()) == 2)
    go.set()
    answered = await leader
    assert answered.images[0].blob_id is None  # b64_json: answered before it is stored
    await asyncio.sleep(0.1)
    assert not joiner.done()
    release.set()
    joined = (await joiner).images[0]
    assert sample(cache, "memoaized_single_flight_joins_total") == 1
    assert joined.entry is not None and joined.blob_id == joined.entry.blob_id
    assert await cache.store.exists(joined.blob_id)


async def test_a_url_miss_is_stored_before_it_is_answered(
    cache: ImageCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL must name a stored image: a ``url`` miss (and a ``b64_json`` one while too many
    writes are waiting) is answered only once its image and point are written."""
    release = _hold_writes(cache, monkeypatch)
    monkeypatch.setattr("proxy.cache.service._WRITES_BEHIND", 0)
    for with_bytes in (False, True):
        prompt = f"a stork on a chimney, {with_bytes}"
        request = cache.generate(tiny_request(prompt), CacheControls(), with_bytes=with_bytes)
        answer = asyncio.ensure_future(request)
        await asyncio.sleep(0.5)
        assert not answer.done()
        release.set()
        image = (await answer).images[0]
        assert image.entry is not None and image.blob_id == image.entry.blob_id
        assert await cache.store.exists(image.blob_id)
        stored = await cache.index.get(image.entry.id)
        assert stored is not None and stored.blob_id == image.blob_id
        release.clear()


async def test_images_being_stored_are_written_before_an_operator_lists_or_erases(
    cache: ImageCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry named in an answer's X-Cache-Entry can be fetched and deleted at once, and an
    erasure takes entries still being stored."""
    admin = CacheAdmin(cache, "model-a")
    release = _hold_writes(cache, monkeypatch)
    first = await cache.generate(tiny_request("a wren"), CacheControls(), with_bytes=True)
    entry = first.images[0].entry
    assert entry is not None
    lookup = asyncio.ensure_future(admin.get(Viewer(DEFAULT_TENANT), entry.id))
    await asyncio.sleep(0.1)
    assert not lookup.done()
    release.set()
    found = await lookup
    assert found is not None and found.id == entry.id
    second = await cache.generate(tiny_request("an otter"), CacheControls(), with_bytes=True)
    assert second.images[0].entry is not None and cache.storage.writing  # its write has just begun
    assert await admin.purge(EVERYTHING) == (2, 2)
    assert await cache.index.count() == 0


async def test_an_import_page_stores_every_image_before_any_point(cache: ImageCache) -> None:
    """A page of an import is stored at once: images first, then the points in one write. A
    failing store writes no point (an image without a point is an orphan, collected later)."""
    admin = CacheAdmin(cache, "model-a")

    async def exported(prompt: str, shade: int) -> Exported:
        image = png_of(shade)
        entry = new_entry(
            Query.of(prompt, Partition.of(tiny_request(prompt))),
            blob_id=BlobStore.id_for(image, "image/png"),
            media_type="image/png",
            size=len(image),
            generation_seconds=1.0,
            energy_wh=0.1,
            energy_source="estimated",
            backend="test",
        )
        return Exported(entry, await cache.embed(entry.canonical), image)

    page = [await exported(f"a clay pot, study {i}", i) for i in range(5)]
    assert await admin.load(page, "model-a") == 5
    assert await cache.index.count() == 5
    for item in page:
        assert await cache.store.get(item.entry.blob_id) == item.image
        assert await cache.index.get(item.entry.id) == item.entry
    # Another model's vectors are embedded again, together: the same vectors as one by one.
    other = [await exported(f"a glass jar, study {i}", 10 + i) for i in range(3)]
    wrong = [dataclasses.replace(item, vector=item.vector[::-1].copy()) for item in other]
    assert await admin.load(wrong, "model-b") == 3
    found = await cache.index.nearest(other[1].vector, 1)
    assert found[0].entry.id == other[1].entry.id and found[0].similarity > 0.999

    # The second image of a page fails to write (a fault injected into the real store, as a
    # full or broken volume would fail it): the first image is written, no point at all.
    failing = [await exported(f"a tin cup, study {i}", 20 + i) for i in range(3)]
    put = cache.store.put

    async def put_or_fail(data: bytes, media_type: str) -> str:
        if data == failing[1].image:
            raise StoreError("injected: the volume failed")
        return await put(data, media_type)

    cache.store.put = put_or_fail  # type: ignore[method-assign]
    with pytest.raises(StoreError, match="injected"):
        await admin.load(failing, "model-a")
    assert await cache.index.count() == 8


@pytest.mark.parametrize(
    ("stored", "asked"),
    [
        ("a 狗 cat", "a 猫 cat"),  # dog, cat: both [UNK] to the tokenizer
        ("\u0663 apples on a table", "\u0665 apples on a table"),  # Arabic-Indic 3 and 5
        ("a price tag that says 5\u20bf", "a price tag that says 5\u20bd"),  # bitcoin, rouble
        ("a blackboard with \u2203x written on it", "a blackboard with \u2200x written on it"),
        # past the model's 256 tokens
        (
            "a " + "very " * 300 + "tall castle at dawn",
            "a " + "very " * 300 + "tall castle at dusk",
        ),
    ],
)
async def test_prompts_differing_where_the_model_is_blind_never_match(
    cache: ImageCache, stored: str, asked: str
) -> None:
    """The embedding model maps these to [UNK] or cuts them off past 256 tokens: the pairs embed
    (nearly) identically, so only the unseen-text check keeps one from serving the other."""
    first = await cache.generate(tiny_request(stored), CacheControls(), with_bytes=False)
    assert first.status is CacheStatus.MISS
    second = await cache.generate(tiny_request(asked), CacheControls(), with_bytes=False)
    assert second.status is CacheStatus.MISS
    rejected = sample(
        cache, "memoaized_candidate_decisions_total", verdict="reject", reason="unseen_text_differs"
    )
    assert rejected >= 1


async def test_a_no_store_image_is_never_handed_to_another_request(cache: ImageCache) -> None:
    private, shared = await asyncio.gather(
        cache.generate(
            tiny_request("a private sketch"), CacheControls(store=False), with_bytes=True
        ),
        cache.generate(tiny_request("a private sketch"), CacheControls(), with_bytes=True),
    )
    assert private.images[0].entry is None
    assert shared.images[0].entry is not None  # generated and stored for itself
    assert shared.images[0].data != private.images[0].data
    assert sample(cache, "memoaized_single_flight_joins_total") == 0


class _NoImages(DiffusersBackend):
    """A backend that breaks the contract by answering with no image at all (a plug-in bug the
    cache must survive); everything else is the real tiny pipeline."""

    async def generate(self, request: GenerationRequest) -> Generation:
        return Generation(images=(), seconds=0.01)


async def test_a_backend_returning_no_image_fails_instead_of_looping(
    tmp_path: Path, embedder: Embedder, tiny_model_dir: Path
) -> None:
    index = EdgeIndex(tmp_path / "other-index")
    store = BlobStore(str(tmp_path / "other-images"))
    async with index, store, _NoImages(model=str(tiny_model_dir)) as backend:
        cache = make_cache(backend, index, store, embedder)
        with pytest.raises(BackendFailed, match="no image"):
            await asyncio.wait_for(
                cache.generate(tiny_request("anything"), CacheControls(), with_bytes=True), 5
            )


@contextlib.asynccontextmanager
async def _verified_cache(
    tmp_path: Path, backend: DiffusersBackend, embedder: Embedder, verifier: Verifier | None = None
) -> AsyncIterator[ImageCache]:
    """A cache on a Qdrant Edge index and a local store whose policy has the verifier."""
    verifier = verifier or Verifier(WordNet.open(DEFAULT_WORDNET_DIR))
    index = EdgeIndex(tmp_path / "index")
    store = BlobStore(str(tmp_path / "images"))
    async with index, store:
        cache = make_cache(backend, index, store, embedder)
        cache.policy = MatchPolicy(0.8, embedder.unseen_text, verifier=verifier)
        yield cache


async def test_verifier_rejections_are_counted_and_logged(
    tmp_path: Path,
    backend: DiffusersBackend,
    embedder: Embedder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with _verified_cache(tmp_path, backend, embedder) as cache:
        controls = CacheControls()
        await cache.generate(tiny_request("a dog chasing a cat"), controls, with_bytes=False)
        with caplog.at_level(logging.DEBUG, logger="proxy.cache.service"):
            swapped = await cache.generate(
                tiny_request("a cat chasing a dog"), controls, with_bytes=False
            )
        assert swapped.status is CacheStatus.MISS
        assert sample(cache, "memoaized_verifier_rejections_total", reason="swapped_roles") == 1.0
        assert any(
            "rejected by the verifier (swapped_roles" in record.getMessage()
            for record in caplog.records
        )
        reworded = await cache.generate(
            tiny_request("A dog is chasing a cat."), controls, with_bytes=False
        )
        assert reworded.status is CacheStatus.HIT and reworded.match in ("exact", "semantic")
        assert (
            sample(cache, "memoaized_candidate_decisions_total", verdict="serve", reason="verified")
            + sample(cache, "memoaized_candidate_decisions_total", verdict="serve", reason="exact")
            == 1.0
        )


async def test_tags_swapped_between_two_things_are_no_exact_hit(
    tmp_path: Path, backend: DiffusersBackend, embedder: Embedder
) -> None:
    """The canonical form compares tags as a set, so the same tags given to the other one of two
    people share a key; the verifier still refuses them, and an exact hit with the tags merely
    reordered is still served as one."""
    async with _verified_cache(tmp_path, backend, embedder) as cache:
        controls = CacheControls()
        cached = "portrait, a woman, blue eyes, a man, brown eyes, oil painting"
        swapped = "portrait, a woman, brown eyes, a man, blue eyes, oil painting"
        partition = Partition.of(tiny_request(cached))
        assert Query.of(cached, partition).key == Query.of(swapped, partition).key
        await cache.generate(tiny_request(cached), controls, with_bytes=False)
        await cache.storage.written()
        refused = await cache.generate(tiny_request(swapped), controls, with_bytes=False)
        assert refused.status is CacheStatus.MISS
        assert (
            sample(
                cache,
                "memoaized_candidate_decisions_total",
                verdict="reject",
                reason="swapped_attributes",
            )
            >= 1.0
        )
        moved = "oil painting, portrait, a woman, blue eyes, a man, brown eyes"
        hit = await cache.generate(tiny_request(moved), controls, with_bytes=False)
        assert hit.status is CacheStatus.HIT and hit.match == "exact"


async def test_a_stored_prompt_is_read_while_its_image_is_made(
    tmp_path: Path, backend: DiffusersBackend, embedder: Embedder
) -> None:
    """A cached prompt is read once, as it is stored: a later request checked against its
    entry reads only itself. A prompt that is not stored is not read ahead."""
    verifier = Verifier(WordNet.open(DEFAULT_WORDNET_DIR))
    async with _verified_cache(tmp_path, backend, embedder, verifier) as cache:
        stored = tiny_request("a heron in the reeds")
        await cache.generate(stored, CacheControls(), with_bytes=False)
        unstored = tiny_request("three bicycles chained to a fence")
        await cache.generate(unstored, CacheControls(store=False), with_bytes=False)
        await asyncio.gather(*cache.reading_ahead)
        read = verifier.reader.read.cache_info()
        assert read.currsize == 1  # nothing else was read: the second prompt had no candidate
        verifier.check("a heron in the reeds", "a grey heron in the reeds")
        assert verifier.reader.read.cache_info().misses == read.misses + 1  # the request only
        # An erasure waits for a reading under way: else it would be remembered after the
        # memory is cleared, and an erased prompt would live on.
        stork = await cache.generate(tiny_request("a stork"), CacheControls(), with_bytes=False)
        entry = stork.images[0]
        assert entry.entry is not None
        long_prompt = ", ".join(["a stork on a chimney at dusk"] * 1000)  # ~0.2 s to read
        reading = asyncio.create_task(cache.policy.read_ahead(long_prompt))
        cache.reading_ahead.add(reading)
        await cache.forget([entry.entry])
        assert reading.done()
        assert verifier.reader.read.cache_info().currsize == 0
        assert len(verifier.lists) == 0 and len(verifier.coverage) == 0  # nor its lists


async def test_shutdown_stores_the_images_answered_before_it(
    tmp_path: Path, embedding_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``b64_json`` miss answered just before the proxy stops is still cached after a
    restart: shutdown waits for the writes that follow answers. (The upstream is
    ``httpx.MockTransport``; the rest of the app is real.)"""
    calls = 0

    def upstream(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        image = base64.b64encode(png_of(calls)).decode()
        return httpx.Response(200, json={"created": 1, "data": [{"b64_json": image}]})

    def app() -> Litestar:
        backend = OpenAIBackend(
            base_url="http://upstream.test/v1",
            default_model="dall-e-2",
            transport=httpx.MockTransport(upstream),
        )
        settings = Settings(
            data_dir=tmp_path / "data", embedding_model_dir=str(embedding_model_dir)
        )
        return create_app(settings, backend=backend)

    body = {"prompt": "a lighthouse keeper's cat", "response_format": "b64_json"}
    client = await open_ready(app())
    store = client.app.state.services.store
    put = store.put

    async def slow(data: bytes, media_type: str) -> str:
        await asyncio.sleep(0.5)  # still writing when the shutdown begins
        return await put(data, media_type)

    monkeypatch.setattr(store, "put", slow)
    first = await client.post("/v1/images/generations", json=body)
    assert first.status_code == 200 and first.headers["x-cache"] == "MISS"
    await client.__aexit__(None, None, None)

    client = await open_ready(app())
    try:
        again = await client.post("/v1/images/generations", json=body)
        assert again.headers["x-cache"] == "HIT" and calls == 1
        assert again.json()["data"][0]["b64_json"] == first.json()["data"][0]["b64_json"]
    finally:
        await client.__aexit__(None, None, None)
