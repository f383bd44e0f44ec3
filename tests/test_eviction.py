"""Eviction, TTL and tenancy in the cache service, on real parts (the ``cache`` fixture: tiny
pipeline, embedding model, Qdrant Edge, a local directory). Sweeps are called directly with a
chosen ``now``, so no test waits for time to pass."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from backends.base import GenerationRequest
from proxy.cache.admin import CacheAdmin
from proxy.cache.controls import CacheControls
from proxy.cache.entries import Owner
from proxy.cache.eviction import Evictor, Sweep, value
from proxy.cache.service import CacheStatus, ImageCache
from proxy.cache.tenancy import Viewer
from proxy.index.base import Entry, Where
from tests.conftest import png_of, sample, tiny_request

HOUR = 3600.0


async def _seed(
    cache: ImageCache, prompt: str, shade: int, seconds: float, **owner: object
) -> Entry:
    """An entry for ``prompt`` whose generation cost ``seconds``."""
    admin = CacheAdmin(cache, "test")
    return await admin.add(
        tiny_request(prompt),
        png_of(shade),
        "image/png",
        Owner(**owner),
        generation_seconds=seconds,  # type: ignore[arg-type]
    )


async def _ids(cache: ImageCache) -> set[str]:
    return {entry.id for entry in (await cache.index.scroll(limit=1000)).entries}


def test_value_grows_with_cost_and_hits_and_decays_while_unused() -> None:
    now = 100 * HOUR
    base = Entry(
        id="x", key="k", partition="p", prompt="p", canonical="p", blob_id="b",
        media_type="image/png", created_at=now - HOUR, model="m", size="s", quality=None,
        style=None, background=None, moderation=None, output_format="png",
        generation_seconds=2.0, energy_wh=1.0, energy_source="estimated", backend="t",
    )  # fmt: skip
    costly = dataclasses.replace(base, generation_seconds=20.0)
    reused = dataclasses.replace(base, hits=9)
    stale = dataclasses.replace(base, created_at=now - 48 * HOUR)
    assert value(costly, now, 24 * HOUR) == 10 * value(base, now, 24 * HOUR)
    assert value(reused, now, 24 * HOUR) == 10 * value(base, now, 24 * HOUR)
    assert value(stale, now, 24 * HOUR) == 2.0 * 0.25  # two half-lives unused: a quarter
    refreshed = dataclasses.replace(stale, last_hit_at=now - HOUR)
    assert value(refreshed, now, 24 * HOUR) == value(base, now, 24 * HOUR)


async def test_capacity_keeps_the_valuable_entries_and_removes_the_rest(cache: ImageCache) -> None:
    cheap = [await _seed(cache, f"a cheap sketch number {i}", i, seconds=0.5) for i in range(3)]
    costly = await _seed(cache, "an expensive oil painting", 100, seconds=30.0)
    popular = await _seed(cache, "a popular cheap doodle", 101, seconds=0.5)
    for _ in range(200):  # hits, counted in memory and written back by the sweep
        cache.storage.usage.hit(popular.id, time.time())
    evictor = Evictor(cache, max_entries=2, grace=60.0, orphan_grace=HOUR)
    sweep = await evictor.sweep(now=time.time() + HOUR)
    assert (sweep.entries, sweep.evicted, sweep.expired, sweep.protected) == (5, 3, 0, 0)
    assert await _ids(cache) == {costly.id, popular.id}
    for entry in cheap:
        assert not await cache.store.exists(entry.blob_id)
    stored = await cache.index.get(popular.id)
    assert stored is not None and stored.hits == 200
    assert sample(cache, "memoaized_evictions_total", reason="capacity") == 3
    # Within capacity now: a second sweep removes nothing.
    assert (await evictor.sweep(now=time.time() + HOUR)).evicted == 0


async def test_byte_capacity_counts_each_image_once(cache: ImageCache) -> None:
    old = await _seed(cache, "an old cheap sketch", 1, seconds=0.1)
    twin = await CacheAdmin(cache, "test").add(
        tiny_request("the same sketch, indexed twice"), png_of(1), "image/png", Owner()
    )
    new = await _seed(cache, "a newer costly render", 2, seconds=10.0)
    assert twin.blob_id == old.blob_id
    evictor = Evictor(cache, max_bytes=old.bytes + new.bytes, grace=0.0)
    assert (await evictor.sweep(now=time.time() + 1)).evicted == 0  # two images fit
    evictor.max_bytes = new.bytes + new.bytes // 10  # room for one image: 5% under it too
    sweep = await evictor.sweep(now=time.time() + 1)
    assert sweep.evicted == 2 and await _ids(cache) == {new.id}  # both entries of the image


async def test_a_sweep_reads_every_entry_only_when_a_limit_is_passed(cache: ImageCache) -> None:
    """Reading every entry is what costs at a million entries: a sweep under both limits only
    counts, and an eviction goes 5% under the limit so that the next ones need not read."""
    for i in range(21):
        await _seed(cache, f"a numbered study of a pear, plate {i}", i, seconds=1.0 + i)
    evictor = Evictor(cache, max_entries=20, grace=0.0, orphan_grace=HOUR)
    now = time.time() + 1
    sweep = await evictor.sweep(now=now)  # over by one: down to 19, the cheapest two go
    assert (sweep.entries, sweep.evicted) == (21, 2)
    assert await cache.index.count() == 19
    await _seed(cache, "one more study of a pear", 30, seconds=5.0)
    assert (await evictor.sweep(now=now + 1)).entries == 0  # 20 of 20: nothing read
    await _seed(cache, "and yet another study of a pear", 31, seconds=5.0)
    sweep = await evictor.sweep(now=now + 2)
    assert (sweep.entries, sweep.evicted) == (21, 2)

    # By bytes: what this process stores counts toward the limit without reading entries.
    sizes = {entry.blob_id: entry.bytes for entry in (await cache.index.scroll(limit=100)).entries}
    evictor = Evictor(cache, max_bytes=sum(sizes.values()), grace=0.0, orphan_grace=HOUR)
    assert (await evictor.sweep(now=now + 3)) == Sweep(19, 0, 0, 0, 0)  # the first reads all
    assert (await evictor.sweep(now=now + 4)).entries == 0
    await _seed(cache, "a study of a pear in a new shade", 200, seconds=5.0)
    sweep = await evictor.sweep(now=now + 5)
    assert sweep.entries == 20 and sweep.evicted >= 1
    left = {entry.blob_id: entry.bytes for entry in (await cache.index.scroll(limit=100)).entries}
    assert sum(left.values()) <= evictor.max_bytes - int(evictor.max_bytes * 0.05)


async def test_an_entry_in_use_is_never_evicted(cache: ImageCache) -> None:
    """The lowest-value entry is being served while the sweep runs: it stays, the sweep says
    how many it had to spare, and every concurrent request gets its image."""
    busy = await _seed(cache, "a busy little watercolour", 3, seconds=0.01)
    idle = await _seed(cache, "an idle costly fresco", 4, seconds=50.0)
    evictor = Evictor(cache, max_entries=1, grace=300.0)
    request = tiny_request("a busy little watercolour")

    async def serve() -> bytes | None:
        result = await cache.generate(request, CacheControls(), with_bytes=True)
        assert result.status is CacheStatus.HIT
        return result.images[0].data

    served = await asyncio.gather(*(serve() for _ in range(20)), evictor.sweep())
    assert all(data == png_of(3) for data in served[:20])
    sweep = served[20]
    assert isinstance(sweep, Sweep) and (sweep.evicted, sweep.protected) == (0, 2)  # both new
    # The idle entry is old enough to go (its last use lies beyond the grace period); the
    # busy one, cheaper but just served, is kept however far over capacity the cache is.
    later = time.time() + 301
    await cache.index.record_usage({busy.id: (1, later - 1)})
    sweep = await evictor.sweep(now=later)
    assert await _ids(cache) == {busy.id}
    assert sweep.evicted == 1 and idle.id not in await _ids(cache)
    assert await cache.store.exists(busy.blob_id)


async def test_ttl_stops_serving_and_the_sweep_removes_expired_entries(cache: ImageCache) -> None:
    short = await cache.generate(
        tiny_request("a soap bubble about to pop"), CacheControls(ttl=60.0), with_bytes=True
    )
    lasting = await cache.generate(
        tiny_request("a granite mountain range"), CacheControls(), with_bytes=True
    )
    short_entry, lasting_entry = short.images[0].entry, lasting.images[0].entry
    assert short_entry is not None and lasting_entry is not None
    assert short_entry.expires_at is not None and lasting_entry.expires_at is None
    now = time.time()
    assert cache.expired(short_entry, now + 61) and not cache.expired(lasting_entry, now + 61)
    cache.ttl = HOUR  # the server's TTL bounds every entry
    assert cache.expired(lasting_entry, now + HOUR + 1)

    # An expired entry is never served, even before a sweep removes it.
    expired = dataclasses.replace(short_entry, expires_at=now - 1)
    await cache.index.upsert(expired, await cache.embed(expired.canonical))
    again = await cache.generate(
        tiny_request("a soap bubble about to pop"), CacheControls(store=False), with_bytes=True
    )
    assert again.status is CacheStatus.BYPASS or again.status is CacheStatus.MISS
    # Expired, but stored moments ago: a response may still name it, so it stays a while.
    assert (await Evictor(cache, grace=300.0).sweep(now=now + 10)).expired == 0
    sweep = await Evictor(cache, grace=300.0).sweep(now=now + 310)
    assert sweep.expired == 1 and await _ids(cache) == {lasting_entry.id}
    assert not await cache.store.exists(short_entry.blob_id)


async def test_orphaned_images_are_collected_once_old_enough(cache: ImageCache) -> None:
    kept = await _seed(cache, "a kept picture of a wren", 5, seconds=1.0)
    orphan = await cache.store.put(png_of(6), "image/png")  # as a crash between the writes leaves
    evictor = Evictor(cache, orphan_grace=HOUR)
    assert (await evictor.sweep(now=time.time() + 60)).orphans == 0  # too young: maybe in flight
    assert await cache.store.exists(orphan)
    evictor = Evictor(cache, orphan_grace=HOUR)
    assert (await evictor.sweep(now=time.time() + HOUR + 60)).orphans == 1
    assert not await cache.store.exists(orphan) and await cache.store.exists(kept.blob_id)


async def test_identical_requests_share_a_generation_only_within_what_they_may_read(
    cache: ImageCache,
) -> None:
    calls = 0
    generate = cache.backend.generate

    async def counted(request: GenerationRequest):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.2)  # long enough for every request to arrive while it runs
        return await generate(request)

    cache.backend.generate = counted  # type: ignore[method-assign]
    request = tiny_request("a kite over the dunes")
    private = CacheControls(private=True)
    a, b = Viewer("team-a"), Viewer("team-b")
    results = await asyncio.gather(
        cache.generate(request, private, a, with_bytes=True),
        cache.generate(request, CacheControls(), b, with_bytes=True),
        cache.generate(request, CacheControls(), a, with_bytes=True),
        cache.generate(request, private, Viewer("team-c"), with_bytes=True),
    )
    # a's private flight, the shared flight (b, joined by a), c's private flight.
    assert calls == 3
    # Clients passing their own upstream keys never share a generation (or its failure).
    fresh = tiny_request("a kite over the dunes, at noon")
    await asyncio.gather(
        cache.generate(
            dataclasses.replace(fresh, api_key="key-1"), CacheControls(), b, with_bytes=True
        ),
        cache.generate(
            dataclasses.replace(fresh, api_key="key-2"), CacheControls(), b, with_bytes=True
        ),
        cache.generate(
            dataclasses.replace(fresh, api_key="key-2"), CacheControls(), b, with_bytes=True
        ),
    )
    assert calls == 5
    private_entry, shared_entry = results[0].images[0].entry, results[1].images[0].entry
    assert private_entry is not None and private_entry.private and private_entry.tenant == "team-a"
    assert shared_entry is not None and not shared_entry.private
    assert results[2].images[0].data == results[1].images[0].data
    assert results[3].images[0].entry is not None
    assert await cache.index.count(Where(tenant="team-c")) == 1
