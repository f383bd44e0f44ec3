"""Holding: whether two prompts put one thing in, on or "with" another alike, said two ways.
"a cabin in a forest" and "a forest with a cabin" show one picture, as do "a field of
sunflowers" and "sunflowers in a field"; "a cat and a dog in a car, a man outside" and "a car
with a cat, a dog and a man" do not. The role checks (:mod:`proxy.matching.roles`) ask this
before they call two things named in another order a swap.
"""

from __future__ import annotations

from proxy.matching.lexicon import WordNet
from proxy.matching.reading_model import Reading

__all__ = ["held_alike", "joined", "owner", "put_with_a_place"]

Heads = dict[str, tuple[int, str]]
"""Each head noun of a prompt by its first lemma: its first position and role."""


def held_alike(
    have: Reading,
    have_heads: Heads,
    want_heads: Heads,
    pair: tuple[str, str],
    beings: frozenset[str],
    wordnet: WordNet | None,
) -> bool:
    """Whether the cached prompt puts one thing of ``pair`` in, on or "of" the other, or has it
    "with" the other, and the request says the same another way (:func:`_holds`,
    :func:`_with_it`, :func:`_filled`, each thing in turn the place). ``beings``: the things
    either prompt names that are people or animals."""
    first, second = pair
    return any(
        _holds(have_heads, want_heads, owner(have_heads, place), thing)
        or _with_it(have, have_heads, want_heads, (place, thing), beings, wordnet)
        or _filled(have_heads, want_heads, place, thing)
        for place, thing in ((first, second), (second, first))
    )


def _holds(have_heads: Heads, want_heads: Heads, place: str, thing: str) -> bool:
    """Whether the cached prompt has ``thing`` in or on ``place`` and the request asks for
    ``place`` with ``thing``: "a cabin in a forest" shows "a forest with a cabin" (and the other
    way round, :func:`_with_it`). The place may be read as the last of things listed together:
    "flasks and a coil in a lab" has both in it, as "a lab with flasks and a coil" asks."""
    relation, _, subject = have_heads[place][1].partition("/")
    wanted = want_heads[thing][1]
    if relation not in _IN_OR_ON or (
        wanted != f"with/{place}" and (wanted != f"of/{place}" or relation not in _IN)
    ):
        return False  # "of" holds what is in a thing ("a cup of coffee"), not on it
    return subject == thing or (
        subject in have_heads
        and subject in want_heads
        and have_heads[subject][1] == have_heads[thing][1]
        and want_heads[subject][1] == f"with/{place}"
    )


def _with_it(
    have: Reading,
    have_heads: Heads,
    want_heads: Heads,
    place_and_thing: tuple[str, str],
    beings: frozenset[str],
    wordnet: WordNet | None,
) -> bool:
    """Whether the cached prompt has ``place`` "with" ``thing`` and the request ``thing`` in,
    on or at ``place``: "a beach with a sleeping dog" shows "a sleeping dog on a beach" (the
    reverse of :func:`_holds`). Not a person or an animal "with" a thing, which is beside
    them ("a man with a dog" shows no "dog on a man"), nor a building, whose things may be
    outside ("a house with a garden"), nor a thing "on" what things are in ("a car with a dog"
    shows no "dog on a car"), nor a place done "with" a thing ("a rock painted with a ladybug"
    shows no ladybug on a rock). The thing may be listed with another that the request places
    there: "food stalls and lanterns at a market"."""
    place, thing = place_and_thing
    if place in beings or have_heads[thing][1] != f"with/{place}":
        return False
    at = have.heads()[have_heads[place][0]]
    if any(word.verb and word.head == at for word in have.words):
        return False
    relation, _, subject = want_heads[place][1].partition("/")
    if (
        relation not in _IN_OR_ON
        or _is_a(wordnet, place, "building")  # "a house with a garden" has it outside
        or (relation not in _IN and _is_a(wordnet, place, "container"))
    ):
        return False
    return subject == thing or (
        subject in want_heads
        and subject in have_heads
        and want_heads[subject][1] == want_heads[thing][1]
        and have_heads[subject][1] == f"with/{place}"
    )


def _is_a(wordnet: WordNet | None, thing: str, kind: str) -> bool:
    """Whether WordNet files ``thing`` under ``kind``; any thing may be, without WordNet."""
    return wordnet is None or wordnet.is_a(thing, kind)


def _filled(have_heads: Heads, want_heads: Heads, place: str, thing: str) -> bool:
    """Whether the cached prompt has ``place`` "of" ``thing`` and the request ``thing`` in or on
    ``place``: "a field of sunflowers" shows "sunflowers in a field"."""
    relation, _, subject = want_heads[place][1].partition("/")
    return have_heads[thing][1] == f"of/{place}" and relation in _IN and subject == thing


def put_with_a_place(
    have: Reading,
    have_heads: Heads,
    want_heads: Heads,
    shared: list[str],
) -> bool:
    """Whether the request has a thing "with" a place that the cached prompt has something in
    or on, while the cached prompt puts that thing elsewhere: "a cat and a dog in a car, a man
    outside" shows no "car with a cat, a dog and a man". The thing may be the one in the place,
    listed with it, or in the place itself."""
    for lemma in shared:
        relation, _, place = want_heads[lemma][1].partition("/")
        if relation != "with" or place not in have_heads or have_heads[lemma] == want_heads[lemma]:
            continue  # not moved: "..., a boat with a flag" in both
        placed, _, holder = have_heads[place][1].partition("/")
        if placed not in _IN_OR_ON or not holder or holder == lemma:
            continue
        if any(key != place and _placed_on(role) == lemma for key, (_, role) in have_heads.items()):
            return True  # "a phone on the floor": a place of its own
        relation, _, other = have_heads[lemma][1].partition("/")
        if (
            joined(have, lemma, holder)
            or (relation == "with" and other == holder)
            or (relation in _IN_OR_ON and other in (place, holder))  # "a cabin in a forest, snow"
        ):
            continue
        return True
    return False


_IN_OR_ON = frozenset({"in", "on", "@in", "@on"})
_IN = frozenset({"in", "@in"})


def _placed_on(role: str) -> str | None:
    """The thing a role places its own in or on ("dog" for "in/dog"), else None."""
    relation, _, thing = role.partition("/")
    return thing if relation in _IN_OR_ON else None


def owner(heads: Heads, lemma: str) -> str:
    """The thing ``lemma`` is "of" ("stack" for the books of "a stack of books"), or itself."""
    role = heads[lemma][1]
    return role[3:] if role.startswith("of/") and role[3:] in heads else lemma


def joined(reading: Reading, first: str, second: str) -> bool:
    """Whether ``reading`` names the two kinds of thing in one coordination ("a dog and a
    cat")."""
    words = reading.words
    return any(
        words[h].key == first and any(words[g].key == second for g in reading.group(h))
        for h in reading.heads()
    )
