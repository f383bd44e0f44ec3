"""Things listed in another order: "a still life of a violin, an apple and a book on a table" and
"a still life of a book, a violin and an apple on a table" show one picture.

A list is two or more plain noun phrases ("an apple", "falling confetti", "two red cups": no
preposition, no verb) joined by commas and a last "and" or "or". It may open the prompt, a
tag, or follow "with", "of" or a verb's "-ing" form, and it ends the prompt or a tag or comes
before a place that is then all of the list's ("... on a table"). Where the request lists the
same things in the same place as the cached prompt, in another order, it is read in the cached
prompt's order (:func:`in_listed_order`). A list a place opens ("a cat on a sofa, a dog and a
bird") is none: its first thing is where the cat is; nor one a verb or "with" ends ("a cat, a
dog and a man holding a leash"): only the last thing holds the leash.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from proxy.matching.lexicon import WordNet
from proxy.matching.words import DEPICTIONS, FUNCTION_WORDS, SPATIAL_WORDS

__all__ = ["Lists", "in_listed_order", "lists_of"]

_TOKEN = re.compile(r"[a-z0-9][a-z0-9'-]*|[,.;:]")
_OPENING = frozenset("a an the some two three four five six seven eight nine ten".split())
"""Words that may open an item: a determiner or a number."""
_BEFORE = frozenset({"", ",", ";", ":", "with", "of", "featuring", "including", "showing"})
"""What a list may follow (or a verb's "-ing" form): not a place ("a cat on a sofa, ...")."""
_PLACES = frozenset(
    """on in at under beneath below underneath above over around near by beside behind
    against inside among amid across along atop upon within""".split()
)
"""What may follow a list, besides its end: a place of the whole list."""
_ENDS = frozenset({"", ",", ".", ";"})
_LONGEST = 6
"""Words in an item, at most."""
_NOT_IN_AN_ITEM = (FUNCTION_WORDS | frozenset(SPATIAL_WORDS) | _PLACES) - _OPENING
_ORDERED = re.compile(
    r"\b(?:left|right|order|top|bottom|panels?|stripes?|striped|flags?|tricolou?r|sequence|"
    r"followed|in a row|lined|first|then|finally)\b"
)
"""Words that say a list's order is what the picture shows: "from left to right: a cat, a dog
and a bird", "vertical stripes of blue, white and red", "three panels"."""
_PALETTES = frozenset("palette palettes colors colours shades tones hues".split())
"""What a list of colours after "of" is, all of it: "a palette of teal, orange and cream"."""
_COLLECTIVE = frozenset("row line herd flock pack swarm crowd bunch group".split())
"""Function words that name a thing of their own before "of": "a row of claw machines"."""


class _List(NamedTuple):
    start: int
    end: int
    items: tuple[str, ...]
    before: str
    after: str
    joined: str


Lists = tuple[tuple[_List, ...], tuple[_List, ...]]
"""A prompt's lists, read plain and with an "of" in each item (``()`` where it says an order
or lists nothing)."""


def lists_of(text: str, wordnet: WordNet | None) -> Lists:
    """The lists of ``text``, its items read plain first, then with an "of" each ("a frame of
    honey"), which would take "a still life of a violin" for the first item of "a still life
    of a violin, an apple and a book"; none where it says what order the picture shows."""
    if (" and " not in text and " or " not in text) or _ORDERED.search(text.lower()):
        return (), ()
    return tuple(_lists(text, wordnet, False)), tuple(_lists(text, wordnet, True))


def in_listed_order(cached: str, request: str, lists: Callable[[str], Lists]) -> str:
    """``request`` with each list of things it shares with ``cached`` (the same things, after
    and before the same words) in the cached prompt's order; ``lists`` reads a prompt's lists
    (:func:`lists_of`, remembered)."""
    if " and " not in request and " or " not in request:
        return request
    for theirs_found, ours_found in zip(lists(cached), lists(request), strict=True):
        theirs = {
            (found.before, found.after, tuple(sorted(found.items))): found for found in theirs_found
        }
        pieces, start = [], 0
        for ours in ours_found if theirs else ():
            match = theirs.get((ours.before, ours.after, tuple(sorted(ours.items))))
            if match is not None and match.items != ours.items:
                pieces += [request[start : ours.start], ", ".join(match.items[:-1])]
                pieces.append(f" {ours.joined} {match.items[-1]}")
                start = ours.end
        if pieces:
            return "".join([*pieces, request[start:]])
    return request


def _lists(text: str, wordnet: WordNet | None, with_of: bool) -> Iterator[_List]:
    """The lists of ``text`` (see the module docstring), each with its character span."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]
    words = [t for t, _, _ in tokens]
    for k, word in enumerate(words):
        if word not in ("and", "or"):
            continue
        end = max(
            (
                e
                for e in range(k + 2, min(k + 2 + _LONGEST, len(words) + 1))
                if _item(words[k + 1 : e], wordnet, with_of)
            ),
            default=None,
        )
        if end is None:
            continue
        after = words[end] if end < len(words) else ""
        if after not in _ENDS and after not in _PLACES:
            continue  # "a cat, a dog and a man holding a leash": the man's leash
        items = [" ".join(words[k + 1 : end])]
        begin = stop = k - 1 if k and words[k - 1] == "," else k  # an Oxford comma
        while (first := _item_start(words, stop, wordnet, with_of)) is not None:
            before = words[first - 1] if first else ""
            if before not in _BEFORE and not before.endswith("ing"):
                break  # "a cat on a sofa, a dog and a bird": the sofa is no thing listed
            items.insert(0, " ".join(words[first:stop]))
            begin = first
            if before != ",":
                break
            stop = first - 1
        if len(items) < 2:
            continue
        before = words[begin - 1] if begin else ""
        if before == "of" and not _depicts(words[: begin - 1]):
            continue  # "a jar of honey, a loaf and a knife": only the honey is in the jar
        if (before.endswith("ing") or after in _PLACES) and any(
            _a_being(item, wordnet) for item in items
        ):
            # "a boy kicking a ball and a girl": the girl is kicked by no one; "a kitchen with
            # a kettle, a toaster and a cat on the windowsill": only the cat is on it
            continue
        yield _List(tokens[begin][1], tokens[end - 1][2], tuple(items), before, after, word)


def _item_start(words: list[str], stop: int, wordnet: WordNet | None, with_of: bool) -> int | None:
    """Where the longest item that ends before ``stop`` starts (None: none ends there)."""
    return min(
        (s for s in range(max(0, stop - _LONGEST), stop) if _item(words[s:stop], wordnet, with_of)),
        default=None,
    )


def _item(words: list[str], wordnet: WordNet | None, with_of: bool) -> bool:
    """Whether ``words`` are a plain noun phrase: determiners or a number, then words that are
    neither function words nor places, a verb's form only first ("falling confetti", not "a
    man holding"); ``with_of``: or two such joined by "of" ("a frame of honey", "a row of claw
    machines")."""
    if with_of and "of" in words:
        if words.count("of") != 1:
            return False
        at = words.index("of")
        head, rest = words[:at], words[at + 1 :]
        collective = bool(head) and head[-1] in _COLLECTIVE
        return (
            _item(head, wordnet, False)
            or (collective and (_OPENING.issuperset(head[:-1]) or _item(head[:-1], wordnet, False)))
        ) and _item(rest, wordnet, False)
    opened = 0
    while opened < len(words) and words[opened] in _OPENING:
        opened += 1
    content = words[opened:]
    return bool(content) and all(
        word[0].isalnum()
        and word not in _NOT_IN_AN_ITEM
        and word not in _OPENING
        and (n == 0 or not word.endswith(("ing", "ed")) or _usually_a_thing(word, wordnet))
        for n, word in enumerate(content)
    )


def _depicts(words: list[str]) -> bool:
    """Whether ``words`` end in a picture whose "of" shows all that is listed after it ("a
    portrait of", "a still life of"), unlike a thing's ("a jar of")."""
    return bool(words) and (
        words[-1] in DEPICTIONS or words[-1] in _PALETTES or words[-2:] == ["still", "life"]
    )


def _a_being(item: str, wordnet: WordNet | None) -> bool:
    """Whether the thing ``item`` names is first a person or an animal (unknown: it may be;
    "a machine" is a person only in a later sense)."""
    if wordnet is None:
        return True
    head, of, rest = item.rpartition(" of ")
    # "a mural of a tiger" is a mural; "a herd of cows" cows
    last = head if of and head.rsplit(" ", 1)[-1] not in _COLLECTIVE else rest
    senses = wordnet.senses(last.rsplit(" ", 1)[-1], "n")
    return not senses or senses[0].lexname in ("noun.person", "noun.animal")


def _usually_a_thing(word: str, wordnet: WordNet | None) -> bool:
    """Whether the "-ing" or "-ed" ``word`` is more often a noun than a verb ("a wedding")."""
    return wordnet is not None and wordnet.usually(word, "n", "v")
