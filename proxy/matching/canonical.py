"""Canonical prompts and partitions: what makes two requests the same request.

Only the prompt is matched by meaning. Every other parameter that changes the picture is part of
the partition and matched exactly, so an image made at one size, quality or moderation level is
never served for another.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from backends.base import GenerationRequest
from proxy.matching.features import says
from proxy.matching.filler import as_tags, strip_filler
from proxy.matching.memo import PromptMemo
from proxy.matching.phrases import ROLE_MARKERS
from proxy.matching.word_order import TIMES
from proxy.matching.words import DESCRIBING_ALONE, DOING_TO, SPATIAL_WORDS

__all__ = ["Partition", "cache_key", "canonical_prompt", "forget_canonical_prompts"]

_SPACE = re.compile(r"\s+")
# Sentence punctuation at the end of a word ("a cat." "wow!!" "note: ..."): it never changes the
# picture. Anything else stays, because it can: ":)" and ":(", "<3", "5 > 3", "(word:1.2)"
# weights, "1.5", "x-ray".
_SENTENCE_END = re.compile(r"(?<=[\w)\]])[.!?;:]+(?=\s|,|$)")
_SPACE_BEFORE_COMMA = re.compile(r"(?<!\s)\s+,")
"""Whitespace before a comma, from the start of its run: tried at every space of a long run
that no comma ends, it took 1.1 s for 30,000 spaces."""
# Quoted text is text to be rendered: every common quote style, single quotes only when they
# stand apart from words (so "the dog's bowl" is not a quotation).
_QUOTED = re.compile(
    r"(\"[^\"]*\"|\u201c[^\u201d]*\u201d|\u2018[^\u2019]*\u2019|\u00ab[^\u00bb]*\u00bb"
    r"|(?<!\w)'[^']+'(?!\w))"
)


def canonical_prompt(prompt: str) -> str:
    """The prompt with case, width, whitespace and sentence punctuation folded away.

    Conservative on purpose: two prompts with the same canonical form are served the same image
    without any further check, so only what cannot change the picture is folded: besides case
    and punctuation, the resolution and quality tags, neutral framing and request phrasing of
    :func:`~proxy.matching.filler.strip_filler` ("a castle, 8k" is "a castle"). Quoted text
    (text to be rendered) keeps its case and punctuation. Comma-separated tag lists ("castle,
    sunset, oil painting") compare as sets: when a prompt has three or more comma-separated
    parts, they are sorted and deduplicated, each that places the thing of the one before it
    ("..., a cat, on the left, ...") or says "it", "them" or "they" ("a dog, a cat chasing it")
    kept with it; with fewer, commas are dropped.
    """
    return _remembered(prompt)


def _canonical(prompt: str) -> str:
    text = unicodedata.normalize("NFKC", prompt)
    pieces = _QUOTED.split(text)
    for i in range(0, len(pieces), 2):  # even pieces lie outside quotes
        piece = pieces[i].casefold()
        shows_words = says(piece)  # "a sign that says open | closed" keeps its bar and thanks
        piece = piece if shows_words else as_tags(piece)
        pieces[i] = strip_filler(_SENTENCE_END.sub(" ", piece), shows_words)
    text = _SPACE_BEFORE_COMMA.sub(",", "".join(pieces))
    parts = [_SPACE.sub(" ", part).strip() for part in text.split(",")]
    parts = [part for part in parts if part]
    if len(parts) >= 3:
        return ", ".join(sorted(set(_with_what_they_place(parts))))
    return " ".join(parts)  # a sentence with a comma or two: the commas are only punctuation


_POINTS_BACK = re.compile(r"\b(?:it|them|they)\b")
"""Words that may name a thing of another tag, which moving the tags would change."""
_WHOLE_SCENE = TIMES | frozenset(
    "rain snow fog mist storm sun sunlight moonlight winter summer spring autumn fall style".split()
)
"""Words of a tag that set the whole scene ("at night", "in the rain", "in the style of"):
such a tag places no one thing."""
_OF_THE_SCENE = frozenset("photography photo photos shot shots scene world setting".split())
"""Second words that make a tag of place one of the whole picture: "underwater photography",
"outdoors scene"."""
_SCENE_WIDE = frozenset({"underwater", "outdoors", "aerial"})
"""First words of such tags."""
_COURTESY = re.compile(r"(?:please|pls|plz|thx|thanks?(?: you| u)?(?: (?:so|very) much)?)\W*")
_DETERMINERS = frozenset("a an the his her their its one two".split())
"""Words after a verb's "-ing" that make a tag of what the thing before does: "wearing a hat"."""


def _with_what_they_place(parts: list[str]) -> list[str]:
    """Tags, each that places or describes the thing of the tag before it ("on the left", "with a
    hat", "next to a well", "red"), says what it does ("wearing a hat") or names it
    as "it" ("a cat chasing it") kept with the last tag that names a thing: "a cat, on the
    left, a dog, on the right" is not "a dog, on the left, a cat, on the right", nor is "a cat,
    at night, on the left, a dog" (nor with "thank you" between). A tag of the whole scene ("at
    night", "in the rain", "underwater photography"), an artist's ("by ...") or a courtesy
    stands alone."""
    kept: list[str] = []
    thing = -1  # where in ``kept`` the last tag that names a thing is
    for part in parts:
        words = part.split()
        first = words[0]
        placing = first in ROLE_MARKERS or first in SPATIAL_WORDS or first in _PLACING
        whole = (
            first == "by"
            or not _WHOLE_SCENE.isdisjoint(words)
            or (len(words) == 2 and first in _SCENE_WIDE and words[1] in _OF_THE_SCENE)
            or _COURTESY.fullmatch(part) is not None
        )
        # "a cat, wearing a hat, a dog" is not "a dog, wearing a hat, a cat"
        doing = len(words) > 1 and (
            first in DOING_TO or (first.endswith("ing") and words[1] in _DETERMINERS)
        )
        # "a car, red, a house, blue": a bare colour, size or material is the thing's before it
        bare = all(word in DESCRIBING_ALONE for word in words)
        # "a dog, a cat chasing it": "it" is the thing of the tag before, which stays with it
        if thing >= 0 and ((placing and not whole) or doing or bare or _POINTS_BACK.search(part)):
            kept[thing] += ", " + part
            continue
        kept.append(part)
        if not (placing or whole):
            thing = len(kept) - 1
    return kept


_PLACING = frozenset({"next", "during", "far"})
"""Other first words of a tag that places the thing before: "next to a well", "far away"."""


_remembered = PromptMemo(_canonical)
"""Folding a prompt takes a dozen regular expression passes, the most of an exact hit's own
time after HTTP: recent prompts keep their canonical form."""


def forget_canonical_prompts() -> None:
    """Drop the prompts whose canonical forms are remembered (an erasure must not leave them)."""
    _remembered.clear()


@dataclass(frozen=True, slots=True)
class Partition:
    """The hard parameters of a request: an entry only ever serves requests with equal ones."""

    model: str
    size: str
    quality: str | None
    style: str | None
    background: str | None
    moderation: str | None
    output_format: str

    @classmethod
    def of(cls, request: GenerationRequest) -> Partition:
        return cls(
            model=request.model,
            size=request.size,
            quality=request.quality,
            style=request.style,
            background=request.background,
            moderation=request.moderation,
            output_format=request.output_format,
        )

    @property
    def key(self) -> str:
        """A stable string naming the partition, stored on every point and indexed."""
        fields = (
            self.model,
            self.size,
            self.quality,
            self.style,
            self.background,
            self.moderation,
            self.output_format,
        )
        return "|".join("" if value is None else value for value in fields)


def cache_key(partition: Partition, canonical: str) -> str:
    """The exact-match key: a hash of the partition and the canonical prompt."""
    digest = hashlib.sha256(f"{partition.key}\n{canonical}".encode()).hexdigest()
    return digest[:32]
