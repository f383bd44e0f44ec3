"""How a prompt's picture is made: a medium other than photography, or a photograph, said or
left unsaid ("a lion" gives a photo; "a lion, concept art" does not; "a tailor, shot on leica
m6" is one)."""

from __future__ import annotations

import re

from proxy.matching.reading_model import Reading
from proxy.matching.words import MADE_MEDIA, STYLES

__all__ = ["asks_for_photo", "made_otherwise", "photographed", "picture_kinds"]


def made_otherwise(reading: Reading) -> bool:
    """Whether ``reading`` names a medium other than photography (not a verb: "a man is
    painting a fence" is no painting)."""
    doing = {word.text for word in reading.words if word.verb}
    return any(
        not MADE_MEDIA.isdisjoint(token.split("_"))
        for token in reading.tokens
        if token not in doing
    )


def asks_for_photo(reading: Reading) -> bool:
    """Whether ``reading`` asks for a photograph: it says so, or says nothing of how the picture
    is made (no medium, style or artist: "a lion"; not "a lion, concept art" or "a lion by greg
    rutkowski")."""
    if made_otherwise(reading):
        return False
    return not reading.tokens.isdisjoint(_PHOTO) or (
        reading.tokens.isdisjoint(STYLES) and not any(word.style_scope for word in reading.words)
    )


_PHOTO = frozenset({"photo", "photograph", "photography", "photographic", "snapshot"})


def _names_a_medium(reading: Reading, but: frozenset[str] = frozenset()) -> bool:
    """Whether a prompt names how its picture is made: a medium or style ("oil painting",
    "gouache"), or an artist or style it is "by" or "in the style of"; other than ``but``."""
    return bool(reading.tokens & (STYLES | _ART_MEDIA) - but) or any(
        w.style_scope for w in reading.words
    )


def photographed(reading: Reading, text: str) -> bool:
    """Whether a prompt's picture is a photograph, as far as anyone can tell: it names no
    medium, or it says what it was shot on ("shot on leica m6", "kodak portra 400", "a polaroid
    of ...") and names no medium but a photograph's ("documentary portrait")."""
    return not _names_a_medium(reading) or bool(
        _SHOT_ON.search(text.lower()) and not _names_a_medium(reading, but=_PHOTOGRAPHS)
    )


_SHOT_ON = re.compile(
    r"(?<![\w-])(?:(?:shot|taken|photographed|captured)\s+(?:on|with)(?![\w-])"
    r"|(?:kodak|portra|kodachrome|ektachrome|fujifilm|ilford|leica|hasselblad|polaroid)s?(?![\w-]))"
)
"""What says a picture was shot on a camera or film: "shot on ...", a film stock or a camera
maker (not "film", "lens" or "camera" alone: "an animated film", "a camera on a table")."""
_PHOTOGRAPHS = frozenset("photo photograph photographic photography polaroid portrait".split())
"""What ``STYLES`` holds that a photograph may be said to be."""


_ART_MEDIA = frozenset(
    "gouache tempera pastel pastels crayon crayons embroidery ukiyo-e stained_glass".split()
)
"""Media of art that ``STYLES`` does not hold."""


_DRAWN = frozenset("charcoal pencil graphite crayon pastel conte".split())
_PAINTED = frozenset("oil acrylic watercolor watercolour gouache tempera encaustic".split())
_PICTURES = frozenset({"portrait", "self-portrait", "still_life"})
"""Pictures named by what they show, which a medium makes a drawing or a painting of (not "a
study", which may be a room, nor "a chalk landscape", which may be rock)."""


def picture_kinds(reading: Reading) -> frozenset[str]:
    """The kinds of picture that ``reading`` names through a medium: "a charcoal portrait" is a
    drawing, "an oil portrait" a painting, as "a portrait drawn in charcoal" and "a portrait
    painted in oil" say; none where it says it is a photograph ("a charcoal portrait of a
    miner, photograph")."""
    words = reading.words
    kinds: set[str] = set()
    if not reading.tokens.isdisjoint(_PHOTO):
        return frozenset()
    for i, word in enumerate(words):
        head = word.head
        if head is None or head == i or word.negated or words[head].lemmas.isdisjoint(_PICTURES):
            continue
        for media, kind in ((_DRAWN, "drawing"), (_PAINTED, "painting")):
            for medium in word.lemmas & media:
                kinds.update((kind, f"{medium}_{kind}"))  # WordNet's "oil_painting" too
    return frozenset(kinds)
