"""The cache's plain parts: canonical prompts, partitions, controls, the decision seam and
single-flight. No I/O."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from backends.base import GeneratedImage, Generation, GenerationRequest
from backends.images_api import InvalidRequest
from proxy.cache.controls import CacheControls, CacheOptions
from proxy.cache.entries import cost_of
from proxy.cache.singleflight import SingleFlight
from proxy.index.base import Candidate, Entry, entry_id
from proxy.matching.canonical import Partition, cache_key, canonical_prompt
from proxy.matching.decision import MatchPolicy, Query


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("A Cat  sitting on a MAT.", "a cat sitting on a mat"),
        ("a red fox, sitting in the snow!", "a red fox sitting in the snow"),
        ("castle, sunset, oil painting", "Oil painting,castle , sunset, castle"),
        ("castle | sunset | oil painting", "castle, sunset, oil painting"),  # a bar is a comma
        ("castle; sunset; oil painting", "oil painting, castle, sunset"),  # semicolons alone
        ("\uff46\uff55\uff4c\uff4c width", "full width"),  # fullwidth letters fold (NFKC)
        # Resolution and quality tags, neutral framing and request phrasing (issue 14).
        ("a castle on a hill, fantasy art, 8k", "a castle on a hill, fantasy art, 4K UHD"),
        ("castle, sunset, oil painting, masterpiece, best quality", "castle, sunset, oil painting"),
        ("High quality image of a mountain village", "a mountain village"),
        ("please draw a red barn", "a red barn"),
        ("I would like a picture of a robot barista, please", "a robot barista"),
        ("I want the image to show a red barn", "a red barn"),
        ("a village, I'd like the scene to include prayer flags", "a village, prayer flags"),
        ("a beach on a windy day", "a beach windy"),
        ("hey, could you draw a unicorn in a meadow?", "a unicorn in a meadow"),
        ("a cozy bedroom, if possible, thanks a lot", "a cozy bedroom"),
        ("a lighthouse, oil on canvas", "a lighthouse, oil painting"),
        ("a hummingbird near a flower, 4k, sharp, hq", "a hummingbird near a flower"),
        ("kids playing soccer on a beach, ultra high quality", "kids playing soccer on a beach"),
        ("i need a picture of a cat", "a cat"),
        ("a man goes for a run along the beach", "a man running along the beach"),
        ("a cat on a windowsill, please and thank you", "a cat on a windowsill"),
        ("a cat on a windowsill --ar 16:9 --v 5.2", "a cat on a windowsill"),
        (
            "create an image of: a mechanical owl, brass feathers",
            "a mechanical owl, brass feathers",
        ),
        # Tags in another order; a tag of the whole scene moves alone.
        (
            "portrait of an elven queen, silver crown, intricate embroidered gown, seated on a "
            "forest throne, by alphonse mucha, detailed face, sharp focus",
            "portrait of an elven queen, silver crown, detailed face, seated on a forest throne, "
            "by alphonse mucha, intricate embroidered gown, sharp focus",
        ),
        ("a castle, at night, fog, oil painting, 8k", "a castle, oil painting, fog, at night"),
        (
            "a polar bear under ice, sunbeams, crystal clear water, blue tones, sharp, "
            "underwater photography",
            "a polar bear under ice, blue tones, sharp, underwater photography, sunbeams, "
            "crystal clear water",
        ),
        # A tag that says "it" moves with the tag before it.
        (
            "a dog, a cat chasing it, a garden, oil painting",
            "a garden, oil painting, a dog, a cat chasing it",
        ),
        # Bars and lone semicolons separate tags as commas do.
        ("a castle | sunset | oil painting", "oil painting, a castle, sunset"),
        ("a castle; sunset; oil painting", "sunset, a castle, oil painting"),
    ],
)
def test_equivalent_prompts_share_a_canonical_form(a: str, b: str) -> None:
    assert canonical_prompt(a) == canonical_prompt(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ('a sign that says "Open"', 'a sign that says "OPEN"'),
        ('a sign that says "A | B"', 'a sign that says "A, B"'),  # not in text to render
        ('a sign that says "A; B; C"', 'a sign that says "A, B, C"'),
        ("three apples", "two apples"),
        ("version 1.5 of the logo", "version 15 of the logo"),
        ("a dog chasing a cat", "a cat chasing a dog"),
        ("a t-shirt that says :)", "a t-shirt that says :("),
        ("a card with <3 written on it", "a card with 3 written on it"),
        ("a blackboard showing 5 > 3", "a blackboard showing 5 < 3"),
        ("a neon sign reading 'OPEN'", "a neon sign reading 'open'"),
        ("a sign that says \u201cEXIT\u201d", "a sign that says \u201cexit\u201d"),
        ("a (red:1.3) car", "a red car"),
        # A medium is content, and so is a picture inside the scene.
        ("a photo of a cat", "a cat"),
        ("a watercolor of a cat", "a cat"),
        ("a room with a picture of a horse", "a room with a horse"),
        ('a sign that says "8k"', "a sign"),
        ("masterpiece", "best quality"),  # all boilerplate: nothing is dropped
        ("hello kitty plush on a bed", "kitty plush on a bed"),  # a name, not a greeting
        ("a chef with a sharp knife", "a chef with a knife"),  # "sharp" is a tag only alone
        ("a street --no cars", "a street"),  # a negative prompt
        ("a knife, sharp", "a knife"),  # "sharp" is boilerplate only among quality tags
        ("bacon, crisp, 4k", "bacon, 4k"),
        ("a cat --c 2 dogs", "a cat dogs"),  # a parameter ends the prompt
        ("a marble floor --tile", "a marble floor"),  # a seamless tile
        # A tag that places the thing of the tag before it moves with that thing; a tag that
        # says "it" keeps its place.
        # A bare colour, size or material describes the thing of the tag before it.
        ("a car, red, a house, blue, street", "a car, blue, a house, red, street"),
        ("a woman, a man, red and blue, party", "a woman, red and blue, a man, party"),
        (
            "a cat, on the left, a dog, on the right, park",
            "a dog, on the left, a cat, on the right, park",
        ),
        ("a man, with a hat, a woman, street", "a woman, with a hat, a man, street"),
        ("a dog, a cat chasing it, a garden", "a cat chasing it, a dog, a garden"),
        ("a dog, a ball, a cat chasing it", "a ball, a dog, a cat chasing it"),
        ("a turtle, underwater, a bird, a rock", "a bird, underwater, a turtle, a rock"),
        ("a card that says thank you, roses, a table", "a card that says, roses, a table"),
        # Found in review: a place or a doing that opens a tag is the tag before's; text to
        # render without quotes keeps its separators and its thanks.
        (
            "a diver, underwater near a reef, a turtle, photo",
            "a turtle, underwater near a reef, a diver, photo",
        ),
        ("a cat, nearby a dog, a bird, a tree", "a bird, nearby a dog, a cat, a tree"),
        ("a cat | wearing a hat | a dog", "a dog | wearing a hat | a cat"),
        ("a cat, wearing sunglasses, a dog", "a dog, wearing sunglasses, a cat"),
        ("a castle, far away, a knight", "a knight, far away, a castle"),
        # A tag of place goes with the last tag that names a thing, past one of the whole
        # scene or a courtesy.
        ("a cat, thank you, on the left, a dog", "a dog, thank you, on the left, a cat"),
        ("a cat, at night, on the left, a dog", "a dog, at night, on the left, a cat"),
        ("a knight, with shot, a dragon", "a dragon, with shot, a knight"),
        ("a sign that says A | B", "a sign that says A, B"),
        ("a banner that reads welcome, goodbye", "a banner that reads welcome, thank you, goodbye"),
        ("a sign that says come in", "a sign that says come in, please"),
    ],
)
def test_different_prompts_keep_different_canonical_forms(a: str, b: str) -> None:
    assert canonical_prompt(a) != canonical_prompt(b)


def _request(**kw: object) -> GenerationRequest:
    fields: dict[str, object] = {
        "prompt": "a cat",
        "model": "m",
        "size": "256x256",
        "quality": "auto",
        "background": "auto",
        "moderation": "auto",
    }
    fields.update(kw)
    return GenerationRequest(**fields)  # type: ignore[arg-type]


def test_every_hard_parameter_changes_the_partition_and_the_key() -> None:
    base = Partition.of(_request())
    variants = [
        _request(model="other"),
        _request(size="512x512"),
        _request(quality="hd"),
        _request(style="natural"),
        _request(background="opaque"),
        _request(moderation="low"),
        _request(output_format="webp"),
    ]
    keys = {Partition.of(v).key for v in variants}
    assert base.key not in keys and len(keys) == len(variants)
    assert cache_key(base, "a cat") != cache_key(Partition.of(variants[0]), "a cat")
    # n, user and compression do not change what the picture shows
    assert Partition.of(_request(n=3, user="u", output_compression=50)) == base


def test_controls_from_header_and_body() -> None:
    assert CacheControls.parse(None, None) == CacheControls()
    assert CacheControls.parse("no-cache", None) == CacheControls(lookup=False)
    assert CacheControls.parse("No-Store, max-age=0", None) == CacheControls(store=False)
    both = CacheControls.parse("no-store", CacheOptions(mode="no-cache", threshold=0.8))
    assert both == CacheControls(lookup=False, store=False, threshold=0.8)
    assert CacheControls.parse(None, CacheOptions(mode="only-if-cached")).only_if_cached
    with pytest.raises(InvalidRequest):
        CacheControls.parse("only-if-cached", CacheOptions(mode="no-cache"))
    with pytest.raises(InvalidRequest):
        CacheControls.parse(None, CacheOptions(threshold=0.0))


def _candidate(
    query: Query,
    *,
    key: str | None = None,
    partition: str | None = None,
    similarity: float,
    canonical: str = "p",
) -> Candidate:
    blob = "a" * 64 + ".png"
    entry = Entry(
        id=entry_id(key or "other", blob, "default", False),
        key=key or "other",
        partition=partition or query.partition.key,
        prompt="p",
        canonical=canonical,
        blob_id=blob,
        media_type="image/png",
        created_at=time.time(),
        model="m",
        size="256x256",
        quality="auto",
        style=None,
        background="auto",
        moderation="auto",
        output_format="png",
        generation_seconds=1.0,
        energy_wh=1.0,
        energy_source="estimated",
        backend="b",
    )
    return Candidate(entry, similarity)


async def test_policy_serves_exact_keys_and_similar_prompts_in_the_partition_only() -> None:
    policy = MatchPolicy(threshold=0.9, unseen_text=lambda text: Counter())
    query = Query.of("a cat", Partition.of(_request()))
    controls = CacheControls()
    exact = await policy.decide(query, _candidate(query, key=query.key, similarity=1.0), controls)
    assert exact.serve and exact.reason == "exact" and exact.match == "exact"
    similar = await policy.decide(query, _candidate(query, similarity=0.95), controls)
    assert similar.serve and similar.match == "semantic"
    below = await policy.decide(query, _candidate(query, similarity=0.85), controls)
    assert not below.serve and below.reason == "below_threshold"
    elsewhere = await policy.decide(
        query, _candidate(query, partition="x", key=query.key, similarity=1.0), controls
    )
    assert not elsewhere.serve and elsewhere.reason == "partition_mismatch"
    strict = CacheControls(threshold=0.99)
    assert not (await policy.decide(query, _candidate(query, similarity=0.95), strict)).serve
    loose = CacheControls(threshold=0.8)
    assert (await policy.decide(query, _candidate(query, similarity=0.85), loose)).serve


async def test_single_flight_runs_once_and_shares_results_and_errors() -> None:
    flights: SingleFlight[int] = SingleFlight()
    calls = 0

    async def work() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return 42

    results = await asyncio.gather(*(flights.run("k", work) for _ in range(8)))
    assert calls == 1
    assert [value for value, _ in results] == [42] * 8
    assert sorted(joined for _, joined in results) == [False] + [True] * 7
    assert len(flights) == 0

    async def fail() -> int:
        await asyncio.sleep(0.01)
        raise RuntimeError("backend down")

    outcomes = await asyncio.gather(
        *(flights.run("k", fail) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert (await flights.run("k", work))[0] == 42  # a failed flight is forgotten


async def test_a_cancelled_leader_does_not_cancel_the_shared_work() -> None:
    flights: SingleFlight[str] = SingleFlight()
    finished = asyncio.Event()

    async def work() -> str:
        await asyncio.sleep(0.05)
        finished.set()
        return "stored"

    leader = asyncio.create_task(flights.run("k", work))
    await asyncio.sleep(0.01)
    follower = asyncio.create_task(flights.run("k", work))
    await asyncio.sleep(0)
    leader.cancel()
    assert await follower == ("stored", True)
    assert finished.is_set()


async def test_work_no_caller_waits_for_any_more_is_cancelled() -> None:
    """Issue 15, finding 3: when every client of a generation has gone, it stops."""
    flights: SingleFlight[str] = SingleFlight()
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def work() -> str:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    callers = [asyncio.create_task(flights.run("k", work)) for _ in range(2)]
    await started.wait()
    callers[0].cancel()
    await asyncio.sleep(0.01)
    assert not cancelled.is_set()  # one caller still waits
    callers[1].cancel()
    await asyncio.wait_for(cancelled.wait(), 5)
    assert len(flights) == 0


def test_a_prompt_memo_remembers_short_recent_prompts_only() -> None:
    from proxy.matching.memo import PromptMemo

    calls: list[str] = []

    def length(text: str) -> int:
        calls.append(text)
        return len(text)

    memo = PromptMemo(length, size=2, up_to=10)
    assert [memo("a cat"), memo("a cat"), memo("x" * 11), memo("x" * 11)] == [5, 5, 11, 11]
    assert calls == ["a cat", "x" * 11, "x" * 11]  # the long one is worked out each time
    memo("a dog")
    memo("a fox")  # the oldest, "a cat", goes
    assert len(memo) == 2
    memo("a cat")
    assert calls[-1] == "a cat"
    memo.clear()
    assert len(memo) == 0


def test_a_candidate_from_a_payload_builds_its_entry_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A lookup reads its candidates best first and usually stops at the first: the others'
    entries are never built."""
    query = Query.of("a red fox", Partition("m", "256x256", None, None, None, None, "png"))
    entries = [_candidate(query, key=f"k{i}", similarity=0.9).entry for i in range(8)]
    built: list[str] = []
    from_payload = Entry.from_payload.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Entry], payload: dict[str, object]) -> Entry:
        built.append(str(payload["key"]))
        return from_payload(cls, payload)  # type: ignore[no-any-return]

    monkeypatch.setattr(Entry, "from_payload", classmethod(counted))
    candidates = [Candidate.of_payload(entry.payload(), 0.9) for entry in entries]
    assert built == []
    assert candidates[0].entry == entries[0] and candidates[0].entry is candidates[0].entry
    assert built == ["k0"]
    assert candidates[1] == Candidate(entries[1], 0.9)  # compared by value, built to compare
    assert candidates[2] != Candidate(entries[2], 0.8)


def test_an_entry_reads_back_from_its_payload_and_from_a_newer_versions() -> None:
    """A payload carries ``audience`` beside the fields, and a newer version may add fields:
    neither is an entry's, and neither stops it being read."""
    query = Query.of("a red fox", Partition("m", "256x256", None, None, None, None, "png"))
    entry = _candidate(query, key="k", similarity=0.9).entry
    assert "audience" in entry.payload()
    assert Entry.from_payload(entry.payload()) == entry
    assert Entry.from_payload({**entry.payload(), "added_later": [1, 2]}) == entry


@pytest.mark.parametrize(
    ("energy_wh", "warm", "per_image", "whole", "source"),
    [
        (None, False, 2.9, 2.9, "estimated"),  # the estimate is a whole generation's
        (None, True, 2.9 * 10 / 40, 2.9, "estimated"),  # a warm start spent its share of it
        (4.0, False, 2.0, 2.0, "measured"),  # measured for the call, shared by its two images
        (4.0, True, 2.0, 2.0 * 40 / 10, "measured"),  # a whole generation runs all 40 steps
    ],
)
def test_each_image_costs_its_share_and_its_entry_a_whole_generation(
    energy_wh: float | None, warm: bool, per_image: float, whole: float, source: str
) -> None:
    images = (GeneratedImage(b"a", "image/png"), GeneratedImage(b"b", "image/png"))
    generation = Generation(images, seconds=3.0, energy_wh=energy_wh, steps=10, full_steps=40)
    cost = cost_of(generation, warm, estimate_wh=2.9)
    assert cost.energy_wh == pytest.approx(per_image) and cost.energy_source == source
    assert cost.whole_energy_wh == pytest.approx(whole)
    assert cost.seconds == 1.5 and cost.whole_seconds == (1.5 * 4 if warm else 1.5)
    assert (cost.steps_run, cost.steps_skipped) == (10, 30 if warm else 0)
