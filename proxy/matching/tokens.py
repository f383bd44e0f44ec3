"""The reader's tokens: a prompt split into words, its spatial phrases marked, and where a part
of it opens or a verb's doer was named (:mod:`proxy.matching.reading` builds a reading on these).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from proxy.matching.phrases import COORDINATORS, DETERMINERS, SENTENCE_ENDS
from proxy.matching.reading_model import Reading, Word
from proxy.matching.word_order import PART_ENDS
from proxy.matching.words import FUNCTION_WORDS, SPATIAL_PHRASES, SPATIAL_WORDS

__all__ = [
    "AUXILIARIES",
    "PLACED_ALONE",
    "POSSESSIVE",
    "ends_phrase",
    "opens_part",
    "placed",
    "said_of_last",
    "sides",
    "spatial_classes",
    "tokenise",
    "unaccented",
]

AUXILIARIES = frozenset("is are was were be been being am to".split()) | frozenset(
    "can could will would may might must should do does did".split()
)
"""Words that stand between a thing and the verb it does: "a fisherman is casting"."""
_PHRASES_BY_FIRST_WORD: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _phrase, _kind in SPATIAL_PHRASES.items():
    _PHRASES_BY_FIRST_WORD.setdefault(_phrase[0], []).append((_phrase, _kind))
POSSESSIVE = "'s"
"""The token a possessive "'s" is split into: "a dog's back"."""
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:-[a-z]+)*(?:'[a-z]+|(?<=s)'(?![a-z]))?|[,&;:.]")


def unaccented(text: str) -> str:
    """``text`` without accents ("café" is "cafe", "crème brûlée" is "creme brulee", as the
    lexicon spells them)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_OPENING_TAG = frozenset(["and", "there", "is", "are"])


def opens_part(tokens: list[str], i: int, alive: bool = False) -> bool:
    """Whether the words before ``tokens[i]`` are a determiner and what it names, or a thing
    named without one, right after a comma and words that open a tag ("..., a salaryman
    loosening", "..., whale gliding", "..., and there is a bicycle leaning"). ``alive``: the
    thing named last is a person or an animal, which does a verb that ends its tag ("...,
    diver circling, ..."; but "..., studio lighting, ..." names a kind of light)."""
    start = i
    while start > 0 and tokens[start - 1] != ",":
        start -= 1
    comma = start
    while 0 < start < i and tokens[start] in _OPENING_TAG:
        start += 1  # "..., and a bicycle leaning", "..., and there is a bicycle leaning"
    if tokens[start] in DETERMINERS:
        named = start + 1
    elif start == comma and (
        (tokens[i + 1 : i + 2] and tokens[i + 1][0].isalpha() and tokens[i + 1] not in _NOUN_AFTER)
        or (alive and (i + 1 == len(tokens) or tokens[i + 1] in PART_ENDS))
    ):
        # "..., whale gliding overhead"; but not "..., pencil drawing", "..., oil painting of",
        # nor the last of a list ("..., steam, and smoke mixing")
        named = start
    else:
        return False
    return (
        start > 0
        and 1 <= i - named <= 3
        and not any(t in FUNCTION_WORDS or not t[0].isalpha() for t in tokens[named:i])
    )


_NOUN_AFTER = frozenset({"of", "and", "or"})
"""Words after which an -ing word that ends a bare noun phrase names a thing ("oil painting of a
lake"), not what the thing before it does."""


def tokenise(text: str) -> list[str]:
    tokens = _TOKEN.findall(text.replace("n't", " not"))
    if "'s" not in text and "s'" not in text:
        return tokens
    split: list[str] = []
    for token in tokens:
        if token.endswith("'s"):
            split += (token[:-2], POSSESSIVE)  # "a dog's back": the dog describes the back
        elif token.endswith("s'"):
            split += (token[:-1], POSSESSIVE)  # "the kids' toys": a plural owner
        else:
            split.append(token)
    return split


def spatial_classes(tokens: list[str]) -> tuple[list[str], set[str]]:
    """Spatial phrases replaced by nothing, and the set of their classes."""
    classes: set[str] = set()
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase, kind in _PHRASES_BY_FIRST_WORD.get(tokens[i], ()):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                classes.add(kind)
                kept.append("@" + kind)  # a break between noun phrases, and a role
                i += len(phrase)
                break
        else:
            token = tokens[i]
            if token in SPATIAL_WORDS:
                classes.add(SPATIAL_WORDS[token])
                kept.append("@" + SPATIAL_WORDS[token])
            else:
                kept.append(token)
            i += 1
    classes.discard("in")
    classes.discard("on")
    return kept, classes


PLACED_ALONE = frozenset(
    """
    background foreground left right middle behind above below front underwater inside outside
    upside near
    """.split()
)
"""Spatial classes a phrase may say of the thing before with no thing after: "in the distance",
"on the left", "a castle behind"."""


_SCENE_PARTS = frozenset("background foreground left right".split())
"""Classes that name a part of the picture, which the things "and" joins share."""


def placed(reading: Reading, placing: list[tuple[int, str]]) -> frozenset[tuple[str, str]]:
    """(thing, class) for each word placed by a phrase after it, and, for a part of the scene
    (``_SCENE_PARTS``), the things before it that "and" joins it to: "a shark and a ray in the
    distance" places both; "a castle, a knight in the distance" and "a knight and a castle
    behind" place the last alone."""
    words, placed = reading.words, set[tuple[str, str]]()
    heads = {w: words[w].head for w, _ in placing if w >= 0}
    own = set(heads.values())  # things placed by a phrase of their own
    for w, kind in placing:
        head = heads.get(w)
        if head is not None:
            joined = kind in _SCENE_PARTS and not words[head].listed  # by "and", not a comma
            together = [h for h in reading.group(head) if h == head or (h < head and h not in own)]
            placed.update((words[h].key, kind) for h in (together if joined else [head]))
    return frozenset(placed)


def sides(
    reading: Reading, placing: list[tuple[int, str]]
) -> frozenset[tuple[str, frozenset[str], str]]:
    """(thing, its describing words, class) for each thing of a kind named more than once that
    a phrase after it places (see :attr:`Reading.sides`)."""
    words = reading.words
    if not placing or max(reading.kinds.values(), default=0) < 2:
        return frozenset()
    found = set()
    for w, kind in placing:
        head = words[w].head if w >= 0 else None
        if head is None or reading.kinds[words[head].key] < 2:
            continue
        described = frozenset(
            x.key for i, x in enumerate(words) if x.head == head and i != head and not x.verb
        )
        found.add((words[head].key, described, kind))
    return frozenset(found)


def ends_phrase(tokens: Sequence[str], i: int) -> bool:
    """Whether nothing follows ``tokens[i]`` in its phrase: the end, a comma or "and"."""
    return i + 1 == len(tokens) or tokens[i + 1] in COORDINATORS or tokens[i + 1] in SENTENCE_ENDS


def said_of_last(tokens: Sequence[str], i: int, words: list[Word]) -> bool:
    """Whether only auxiliaries ("is", "are"), after "who", "that" or "which" or not, or "who"
    or "which" alone stand between the verb at ``tokens[i]`` and the noun read last, which then
    does it: "a fisherman is casting his line", "a boy who is smiling", "a man who reads"."""
    k = i - 1
    while k >= 0 and (tokens[k] in AUXILIARIES or tokens[k] in _PERFECT) and tokens[k] != "to":
        k -= 1  # "an apprentice who has spilled a potion" as "who spilled"
    said = k < i - 1
    if k > 0 and tokens[k] in _RELATIVE and (said or tokens[k] != "that"):
        k -= 1  # "a boy who is smiling", "a man who reads": not "a dog that" alone
        said = True
    return said and k >= 0 and bool(words) and words[-1].noun and tokens[k] == words[-1].text


_RELATIVE = frozenset({"who", "that", "which"})
_PERFECT = frozenset({"has", "have", "had"})
