"""Tags in another order: a request whose comma-separated tags are the cached prompt's, moved
("..., sunny afternoon, 1980s photo, nostalgic" / "..., nostalgic, 1980s photo, sunny
afternoon"), is read with them in the cached prompt's order, so that the reader never sees a
moved tag as a new role or a rebound attribute.

A tag moves only where it stands on its own: a noun phrase ("balloons in blue and gold", "a grad
hugging her mom"), a style or a mood ("synthwave", "candid"), an artist ("by greg rutkowski").
A tag that leans on the one before it keeps that one before it, or nothing moves: a tag that
opens with a preposition, a conjunction or a verb with its object ("on a table", "and a dog",
"riding a horse", "surrounded by fog"), one with a pronoun that may point back ("a dog beside
her"), a bare number, a bare colour, material, size or age ("..., red and blue"), and, where
two tags or more name people or animals, what someone has on or has ("..., blue eyes") or a
verb alone ("..., smiling"). So
"a cat, on a table, a dog" is never read as "a dog, on a table, a cat".

The same tags moved so that what a person or an animal does to a thing follows another one
("a knight, a dragon, riding a horse" / "a dragon, a knight, riding a horse") are refused
(:func:`rebound`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from proxy.matching.memo import PromptMemo
from proxy.matching.normalise import REPLACEMENTS
from proxy.matching.reading import REMEMBERED
from proxy.matching.tokens import tokenise, unaccented
from proxy.matching.word_order import DETERMINERS, ING_NOUNS, OWNERS, PLACING
from proxy.matching.words import DESCRIBING_ALONE, FEELINGS, FUNCTION_WORDS, NUMBERS

if TYPE_CHECKING:
    from proxy.matching.word_classes import WordClasses

__all__ = ["forget_tags", "in_cached_order", "read_tags", "rebound"]


def in_cached_order(cached: str, request: str, classes: WordClasses) -> str:
    """``request`` with its tags in the cached prompt's order: each tag the cached prompt has
    too where the cached prompt has it, each other tag where the cached prompt has a tag the
    request lacks, in turn ("a wolf" for "a fox"), and any left over last. ``request`` itself
    where that is its order already, or where a tag that leans on the one before it would get
    another. ``classes`` tell a verb's form from a thing's name ("carved", not "red";
    "eating", not "falling" as in "falling snow") and what is alive."""
    if "," not in request or "," not in cached:
        return request
    ours, theirs = _tags(request), _tags(cached)
    places: dict[tuple[str, ...], list[int]] = {}
    for place, key in enumerate(theirs):
        places.setdefault(key, []).append(place)
    place_of: dict[int, int] = {}
    for slot, key in enumerate(ours):
        left = places.get(key)
        if left:
            # a tag said twice goes where the same tag stands before it: "a girl, blue eyes, a
            # boy, blue eyes" / "a boy, blue eyes, a girl, blue eyes"
            before = ours[slot - 1] if slot else None
            pick = next((p for p in left if (theirs[p - 1] if p else None) == before), left[0])
            left.remove(pick)
            place_of[slot] = pick
    free = sorted(place for left in places.values() for place in left)
    others = [slot for slot in range(len(ours)) if slot not in place_of]
    for k, slot in enumerate(others):
        place_of[slot] = free[k] if k < len(free) else len(theirs) + k
    order = sorted(range(len(ours)), key=place_of.__getitem__)
    if order == sorted(order):
        return request
    several = sum(bool(tag) and classes.alive(_head(tag)) for tag in ours) > 1
    if not all(
        (ours[order[slot - 1]] if slot else None) == (ours[tag - 1] if tag else None)
        for slot, tag in enumerate(order)
        if _leans(ours[tag], classes) or (several and _the_one_befores(ours[tag], classes))
    ):
        return request
    texts = request.split(",")
    return ", ".join(texts[tag].strip() for tag in order)


def rebound(cached: str, request: str, classes: WordClasses) -> bool:
    """Whether ``request`` is the cached prompt's tags in another order that gives what a
    person or an animal does to a thing to another one: "a knight, a dragon, riding a horse" /
    "a dragon, a knight, riding a horse". A place or a time ("..., in the snow") is the whole
    scene's, a tag after a style or a mood ("a knight, cinematic, riding a horse") is still
    the knight's, and a pronoun ("a bride, a groom, she is crying") says whose by itself."""
    if "," not in request:
        return False
    ours, theirs = _tags(request), _tags(cached)
    if ours == theirs or sorted(ours) != sorted(theirs):
        return False
    asked, shown = _doers(ours, classes), _doers(theirs, classes)
    return any(asked[tag] != shown[tag] and all(asked[tag]) and all(shown[tag]) for tag in asked)


def _doers(
    tags: tuple[tuple[str, ...], ...], classes: WordClasses
) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Each tag that says what someone does to a thing ("riding a horse", "wearing a scarf"),
    with the nearest tags before it that name a person or an animal ("a knight in armor,
    cinematic, riding a horse": the knight), in order; an empty tag where none does (a tag
    that opens the prompt, read with who follows)."""
    found: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    doer: tuple[str, ...] = ()
    for tag in tags:
        if tag and _done_to(tag, classes):
            found.setdefault(tag, []).append(doer)
        elif tag and classes.alive(_head(tag)):
            doer = tag
    return found


def _done_to(tag: tuple[str, ...], classes: WordClasses) -> bool:
    """Whether ``tag`` is a verb and the noun phrase or place it acts on: "riding a horse",
    "wearing sunglasses"; not "shearing shed" or "falling snow", which may name a thing."""
    return _doing(tag, classes) and (
        tag[0] in _WITH_A_THING or (len(tag) > 1 and tag[1] in _LINKING)
    )


def _the_one_befores(tag: tuple[str, ...], classes: WordClasses) -> bool:
    """Whether ``tag`` says what the person or animal of the tag before has or does, where
    two tags or more name one: what someone has on or has ("blue eyes"), a verb alone ("1girl,
    smiling, 1boy, crying") or how one feels ("..., shy, ...")."""
    if len(tag) == 1 and tag[0].endswith("ing") and tag[0] not in ING_NOUNS:
        return classes.verb_like(tag[0])
    if all(REPLACEMENTS.get(token, token) in FEELINGS or token == "and" for token in tag):
        return True
    return classes.had(_head(tag))


def _head(tag: tuple[str, ...]) -> str:
    """The last word of ``tag`` before a preposition or other linking word, as the word of its
    listed synonyms the reader reads it as: "knight" of "a knight in armor", "wizard" of "a
    mage"."""
    head = ""
    for token in tag:
        if token in _LINKING and token not in DETERMINERS:
            break
        head = token
    return REPLACEMENTS.get(head, head)


def _read_tags(prompt: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(tokenise(unaccented(tag.lower()))) for tag in prompt.split(","))


_tags = PromptMemo(_read_tags, size=2048, up_to=REMEMBERED)
"""Each comma-separated tag of a prompt as its tokens: the same tag however cased or spaced.
Remembered for the last prompts (read ahead: :func:`read_tags`), as their readings are."""


def read_tags(prompt: str) -> None:
    """Split ``prompt`` into its tags, to be remembered for its checks: as a cached prompt,
    while its image is made."""
    _tags(prompt)


def forget_tags() -> None:
    """Drop the prompts whose tags are remembered (an erasure must not leave them)."""
    _tags.clear()


def _doing(tag: tuple[str, ...], classes: WordClasses) -> bool:
    """Whether ``tag`` opens with a verb with its object or its agent ("riding a horse",
    "holding flowers", "wearing sunglasses", "surrounded by cats")."""
    first = tag[0]
    follows = tag[1] if len(tag) > 1 else ","
    if first.endswith("ed"):
        return classes.verb_like(first) and follows in _LINKING and follows != ","
    return (
        first.endswith("ing")
        and first not in ING_NOUNS
        and (
            (follows in _LINKING and follows != ",")
            or first in _WITH_A_THING
            or classes.only_doing(first)
        )
    )


def _leans(tag: tuple[str, ...], classes: WordClasses) -> bool:
    """Whether ``tag`` says something of a tag next to it rather than standing on its own."""
    if not tag:
        return True  # an empty tag between two commas: keep the prompt as written
    first = tag[0]
    follows = tag[1] if len(tag) > 1 else ","
    if first == "by" and follows not in _LINKING and follows not in NUMBERS:
        return False  # "by greg rutkowski", "by candlelight": the whole picture's
    # "riding a horse", "surrounded by fog", "holding flowers", "wearing sunglasses"; but
    # "falling snow", "faded colors", and "smiling" or "detailed" alone, are a thing or a state
    return (
        (first in _LINKING and first not in DETERMINERS)
        or _doing(tag, classes)
        or (len(tag) == 1 and (first in NUMBERS or first.isdigit()))
        or all(token in DESCRIBING_ALONE for token in tag)
        or any(_points_back(tag, k) for k, token in enumerate(tag) if token in _POINTING_BACK)
    )


def _points_back(tag: tuple[str, ...], k: int) -> bool:
    """Whether the pronoun ``tag[k]`` may stand for a thing of another tag: "a dog beside her",
    "a cat on her lap"; not an owner right after what its doer does ("a grad hugging her
    mom", "a dog wagging its tail")."""
    owner = tag[k] in OWNERS and k + 1 < len(tag) and tag[k + 1] not in _LINKING
    return not (owner and k and tag[k - 1].endswith("ing"))


_LINKING = (
    FUNCTION_WORDS
    | PLACING
    | frozenset(
        """
        after around atop before beyond between like underneath upon via whose when where
        which while who within alongside
        """.split()
    )
    | {","}
)
"""Words that open a tag saying something of another (prepositions, conjunctions, pronouns),
or end one ("," stands for the end)."""

_POINTING_BACK = OWNERS | frozenset("he she him hers they them it".split())
"""Pronouns, which may stand for a thing another tag names."""

_WITH_A_THING = frozenset({"wearing"})
"""-ing words that say what someone has on, though WordNet also has them as adjectives."""
