"""What a prompt says, with the ways of saying it that do not change the picture folded away.

Two layers, both conservative:

- :func:`strip_filler` works on text and is part of the canonical prompt (so it decides exact hits
  and what is embedded): resolution and quality tags ("8k", "highly detailed", "masterpiece"),
  neutral framing at the start of a prompt or of a tag ("an image of", "a picture of"; "a room
  with a picture of a horse" keeps its picture), request phrasing ("please draw", "generate an
  image of", "there is", "a game of"), and "on a windy day" as "windy".
- :func:`normalise_tokens` works on the verifier's tokens: one spelling for British and American
  words, one word for each group of listed synonyms, one preposition for those of place and time
  that do not move anything, and a medium or framing phrase that opens a prompt or a tag moved
  to the end ("an oil painting of a lighthouse" reads as "a lighthouse, oil painting").

:func:`correct_typos` mends a pair of prompts: a word that is in no dictionary is read as the
other prompt's word within a small edit distance ("beautifull" as "beautiful").

The vocabularies live in :mod:`proxy.matching.words`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence

from rapidfuzz.distance import OSA

from proxy.matching.words import (
    BOILERPLATE,
    FRAMES,
    LOOSE_PREPOSITIONS,
    MEDIA,
    SPELLINGS,
    SYNONYMS,
)

__all__ = ["correct_typos", "normalise_tokens", "respell", "strip_filler"]


def _phrases(phrases: Iterable[str]) -> str:
    """A regex alternative of ``phrases``, longest first, spaces matching spaces or hyphens."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"[\s-]+".join(map(re.escape, p.split())) for p in ordered)


_BOILERPLATE = re.compile(
    r"(?<![\w-])(?:in\s+)?(?:" + _phrases(" ".join(p) for p in BOILERPLATE) + r")(?![\w-])"
)
_FRAME = re.compile(
    r"(?:^|(?<=,))\s*(?:(?:a|an|the)\s+)?(?:"
    + "|".join(sorted(FRAMES))
    + r")s?\s+(?:of|showing)\s+"
)
_REQUEST = re.compile(
    r"^\s*(?:please\s+)?(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?"
    r"(?:i\s*(?:would|'d)\s+(?:like|love)\s+(?:to\s+see\s+)?|i\s+want\s+(?:to\s+see\s+)?)?"
    r"(?:(?:generate|create|make|draw|show|give|render|produce)(?:\s+me)?\s+)?(?:please\s+)?"
)
_THERE_IS = re.compile(r"^\s*there\s+(?:is|are)\s+|(?<![\w-])(?:a\s+)?game\s+of\s+(?=\w)")
_PLEASE = re.compile(r"[\s,]+please\s*$")
_DAY = re.compile(r"(?<![\w-])(?:on|in|during)\s+(?:a|an|the)\s+([a-z]+)\s+day(?![\w-])")
_SPACES = re.compile(r"[ \t]+")
_EMPTY_PARTS = re.compile(r"(?:\s*,)+\s*(?=,|$)|^\s*,+")


def strip_filler(text: str) -> str:
    """``text`` (lower-case, outside quoted text) without the words that do not change the
    picture; whatever is left when nothing else is (a prompt that is all boilerplate) stays."""
    stripped = _BOILERPLATE.sub(" ", text)
    stripped = _FRAME.sub(" ", stripped)
    stripped = _REQUEST.sub("", stripped)
    stripped = _THERE_IS.sub("", stripped)
    stripped = _FRAME.sub(" ", _PLEASE.sub("", stripped))
    stripped = _DAY.sub(r"\1", stripped)
    stripped = _EMPTY_PARTS.sub("", _SPACES.sub(" ", stripped)).strip(" ,")
    return stripped if any(c.isalnum() for c in stripped) else text


def _replacements() -> dict[str, str]:
    """Every listed spelling and synonym -> the form the verifier reads."""
    table = dict(SPELLINGS)
    listed = {}
    for line in SYNONYMS.strip().splitlines():
        first, *others = line.split()
        for word in others:
            if ":" in word:
                form, target = word.split(":")
                listed[form] = target
            else:
                table[word] = first
                table.setdefault(word + "s", _IRREGULAR.get(first, first + "s"))
    table.update(listed)
    return table


_IRREGULAR = {"man": "men", "woman": "women", "child": "children"}
REPLACEMENTS = _replacements()
_KEEP_BEFORE = {"still": frozenset({"life", "lifes"})}
"""Listed words that are something else before these ("a still life" is a genre)."""
_DETERMINERS = frozenset(["a", "an", "the", "this", "that", "these", "those"])
_PART_ENDS = frozenset({",", ".", ";"})


def respell(tokens: Sequence[str]) -> list[str]:
    """American spelling for British ("grey armour" is "gray armor")."""
    return [SPELLINGS.get(token, token) for token in tokens]


def normalise_tokens(tokens: Sequence[str]) -> list[str]:
    """The verifier's tokens (spelt alike, compounds joined) with synonyms, loose prepositions
    and media folded."""
    if tokens and tokens[0] in _FRONTED and "," in tokens:
        # "in a snowy forest, a wolf howls" is "a wolf howls in a snowy forest"
        comma = tokens.index(",")
        tokens = [*tokens[comma + 1 :], *tokens[:comma]]
    out: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        replacement = REPLACEMENTS.get(token.replace("_", "-"))
        if replacement is not None and following not in _KEEP_BEFORE.get(token, ()):
            token = replacement
        elif token in LOOSE_PREPOSITIONS:
            token = "in"
        elif (
            token == "by"
            and following in _DETERMINERS
            and not _PARTICIPLE.search(out[-1] if out else "")
        ):
            token = "beside"  # "a cabin by the lake"; but "kicked by a boy", "by greg rutkowski"
        out.append(token)
    return _media_last(out)


_FRONTED = LOOSE_PREPOSITIONS | frozenset(
    "on under beneath below above over behind beside "
    "near past across through inside outside among amid".split()
)
"""Prepositions whose phrase, put first and closed by a comma, says where the rest happens."""
_PARTICIPLE = re.compile(r"(?:ed|en|wn)$")


def _media_last(tokens: list[str]) -> list[str]:
    """ "an oil painting of a lighthouse, at night" -> "a lighthouse, at night, oil painting":
    the medium names how the scene is shown, not a thing in it, wherever the prompt puts it."""
    for i, token in enumerate(tokens):
        if token.rsplit("_", 1)[-1] in MEDIA and tokens[i + 1 : i + 2] == ["of"]:
            start = i
            while start > 0 and tokens[start - 1] not in _DETERMINERS | _PART_ENDS:
                start -= 1
            describing = tokens[start : i + 1]
            if start > 0 and tokens[start - 1] in _DETERMINERS:
                start -= 1
            if start > 0 and tokens[start - 1] not in _PART_ENDS:
                continue  # "a room with a painting of a horse": the painting is in the scene
            end = i + 2
            while end < len(tokens) and tokens[end] not in _PART_ENDS:
                end += 1
            scene = tokens[i + 2 : end]
            rest = _media_last(tokens[end:])
            return [*tokens[:start], *scene, ",", *describing, *rest]
    return tokens


def correct_typos(
    words: Sequence[str], other: Iterable[str], known: Callable[[str], bool]
) -> dict[str, str]:
    """For each word of ``words`` that ``known`` does not know, the word of ``other`` it is
    most likely a misspelling of: within one edit (a letter added, dropped, changed or two
    swapped) for words of up to seven letters, two for longer ones, with the first letter kept.
    Words of under four letters are never corrected: too many real words lie one edit apart."""
    other = list(other)
    candidates = {w for w in other if w.isalpha() and len(w) >= 3}
    split = {a + b: f"{a} {b}" for a, b in itertools.pairwise(other)}
    corrections = {}
    for word in words:
        if len(word) < 4 or not word.isalpha() or word in candidates or known(word):
            continue
        if word in split:
            corrections[word] = split[word]  # "teddybear" is "teddy bear"
            continue
        limit = 1 if len(word) <= 7 else 2
        best = None
        for candidate in candidates:
            if candidate[0] != word[0] or abs(len(candidate) - len(word)) > limit:
                continue
            distance = OSA.distance(word, candidate, score_cutoff=limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, candidate)
        if best is not None:
            corrections[word] = best[1]
    return corrections
