"""Word order that does not change the picture: a phrase of place, time or doing put first,
read in its usual order (see :func:`proxy.matching.normalise.normalise_tokens`, which applies
it to the verifier's tokens), and the noun phrases both this and
:mod:`proxy.matching.passives` read.

- ``fronted``, ``fronted_time``, ``fronted_place``: where a prompt opens with where or when the
  rest happens ("in a snowy forest, a wolf howls"; "at night a fox crossing a road"), or with what
  someone is doing ("riding a white horse, a knight in armor").
- ``doer_first``, ``place_last``: such a prompt said in the usual order ("a knight riding a
  white horse"; "a wolf howls, in a snowy forest").
- ``at_as_cached``: "by the door" said as the cached prompt's "at the door", or the reverse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from proxy.matching.words import FUNCTION_WORDS, LOOSE_PREPOSITIONS, NUMBERS, SPATIAL_PHRASES

__all__ = [
    "BY_DAY",
    "DETERMINERS",
    "HOW_FAR",
    "ING_NOUNS",
    "IRREGULAR_PARTICIPLES",
    "LAMPLIGHT",
    "MOVING",
    "OWNERS",
    "PART_ENDS",
    "PLACING",
    "TIMES",
    "at_as_cached",
    "describes_next",
    "doer_first",
    "each_place_last",
    "fronted",
    "fronted_place",
    "fronted_time",
    "is_participle",
    "looks_like_verb",
    "noun_phrase_placed",
    "place_last",
    "plain_noun_phrase",
]


DETERMINERS = frozenset(["a", "an", "the", "this", "that", "these", "those"])


_AT_OR_BY = re.compile(
    r"(?<![\w-])(at|by)\s+(the|a|an|his|her|its|their)\s+([a-z][\w'-]*)", re.IGNORECASE
)


def at_as_cached(cached: str, request: str) -> str:
    """``request`` with "by the X" said as "at the X", or "at the X" as "by the X", where the
    cached prompt says it so and not the other way: "waiting at the bus stop" and "waiting by
    the bus stop" show one place (a spatial edit says "behind" or "under" it)."""
    said = {tuple(group.lower() for group in m.groups()) for m in _AT_OR_BY.finditer(cached)}
    if not said:
        return request

    def as_cached(match: re.Match[str]) -> str:
        word, determiner, thing = (group.lower() for group in match.groups())
        other = "by" if word == "at" else "at"
        if (other, determiner, thing) in said and (word, determiner, thing) not in said:
            return other + match.group(0)[len(word) :]
        return match.group(0)

    return _AT_OR_BY.sub(as_cached, request)


PART_ENDS = frozenset({",", ".", ";"})


_OPENS_A_PHRASE = DETERMINERS | frozenset(NUMBERS)


TIMES = frozenset(
    "dawn sunrise morning noon midday afternoon sunset dusk twilight evening night midnight".split()
)


_FRONTED = LOOSE_PREPOSITIONS | frozenset(
    "on under beneath below above over behind beside "
    "near past across through inside outside among amid with from against into onto toward "
    "between around along atop underneath opposite "
    "towards out".split()
)
"""Prepositions whose phrase, put first and closed by a comma, says where the rest happens, or
what it has ("with a cup of coffee, an old man on a porch")."""


LAMPLIGHT = frozenset(
    "candlelight lamplight firelight torchlight gaslight moonlight starlight sunlight "
    "blacklight".split()
)
"""Light said to be what one does something "by" ("by candlelight") or "under"."""
BY_DAY = frozenset({"day", "night", "daylight", "moonlight"})
"""What something is seen "by" that is a time or a light, not a painter: "a city by night"."""


HOW_FAR = frozenset("high low far deep just directly right".split())
"""Words that say how far a place phrase they open is ("high above the city, a hawk")."""


PLACING = _FRONTED | frozenset("along into onto toward towards from without".split())


_PARTICIPLE = re.compile(r"(?:ed|en|wn)$")


def fronted_time(tokens: Sequence[str]) -> int | None:
    """Where a time phrase that opens ``tokens`` without a comma ends ("at night a fox ...",
    "on a foggy morning a woman ..."): a determiner must follow it, so "in the morning light"
    is not one."""
    if not tokens or tokens[0] not in {"at", "on", "in", "during"}:
        return None
    for end in range(2, min(len(tokens), 5)):
        if tokens[end - 1] in TIMES:
            # "at sunset two boys fishing": a count opens the rest as a determiner does
            return end if end < len(tokens) and tokens[end] in _OPENS_A_PHRASE else None
    return None


def fronted_place(tokens: Sequence[str]) -> int | None:
    """Where a place phrase that opens ``tokens`` without a comma ends ("on a windy hill a
    child flies a kite"): at the first determiner within a few words that follows no
    preposition ("in a field of tulips a girl", not at "of tulips"), or at the determiner
    after a name ("in lisbon a tram")."""
    opening = max(
        (len(p) for p in SPATIAL_PHRASES if p[-1] == "of" and tuple(tokens[: len(p)]) == p),
        default=1 if tokens and tokens[0] in _FRONTED else 0,
    )  # "on top of a hill a boy ...", "in front of a barn a dog ..."
    if not opening or len(tokens) < opening + 3:
        return None
    if tokens[opening] not in DETERMINERS:
        # a name with no determiner: "in lisbon a tram passes a church"
        named = tokens[opening]
        if named.isalpha() and named not in FUNCTION_WORDS and tokens[opening + 1] in DETERMINERS:
            return opening + 1
        return None
    for end in range(opening + 2, min(len(tokens), opening + 9)):
        token = tokens[end]
        if not token[0].isalpha():
            return None  # a comma: "fronted" reads that
        if token in DETERMINERS and tokens[end - 1] not in PLACING | {"of", "and", "or"}:
            # after a verb, the determiner opens its object: "on a hill holding a sword"
            return None if looks_like_verb(tokens[end - 1]) else end
    return None


def fronted(tokens: Sequence[str], only_doing: Callable[[str], bool] | None = None) -> bool:
    """Whether ``tokens`` open with a preposition of place ("in a forest, ...", "next to a
    window, ...", "high above the city, ...", "surrounded by fog, ..."), or with what someone
    is doing (``only_doing``: whether an -ing word is a verb's form and never describes a thing,
    as "eating" and not "glowing")."""
    return (
        tokens[0] in _FRONTED
        # "by the sea", "by candlelight"
        or (len(tokens) > 1 and tokens[0] == "by" and tokens[1] in DETERMINERS | LAMPLIGHT | BY_DAY)
        or (len(tokens) > 1 and tokens[0] in HOW_FAR and tokens[1] in _FRONTED)
        or (len(tokens) > 1 and is_participle(tokens[0]) and tokens[1] in _FRONTED | {"by"})
        or any(tuple(tokens[: len(phrase)]) == phrase for phrase in SPATIAL_PHRASES)
        or _fronted_doing(tokens, only_doing)
    )


ING_NOUNS = frozenset(
    """
    awning building bunting ceiling clothing drawing earring evening icing landing lightning morning
    offering painting pudding railing setting sibling stuffing wedding
    """.split()
)
"""Things whose names end as a verb's -ing form does."""


def _doing(token: str) -> bool:
    """Whether ``token`` looks like a verb's -ing form: not "ring", "king", "string" (no vowel
    before "ing"), nor a thing named so ("painting", "building")."""
    stem = token[:-3]
    return token.endswith("ing") and any(c in "aeiouy" for c in stem) and token not in ING_NOUNS


def _fronted_doing(tokens: Sequence[str], only_doing: Callable[[str], bool] | None) -> bool:
    """Whether ``tokens`` open with what someone is doing and then, after a comma, who ("riding
    a white horse, a knight in armor"; "standing in a junkyard, cyberpunk mercenary, smoke"): an
    -ing word with an object or a place, then a noun phrase with no verb. Not a tag ("glowing
    eyes, a black cat": no object); but a verb that describes nothing ("eating roasted
    chestnuts, a girl with a red scarf") with a bare object, where who ends the prompt."""
    if not _doing(tokens[0]) or len(tokens) < 2 or "," not in tokens:
        return False
    comma = tokens.index(",")
    if not bool(_doer_after(tokens, comma, looks_like_verb, None)):
        return False
    if tokens[1] in DETERMINERS | PLACING | OWNERS or tokens[1] in NUMBERS:
        return True
    return (
        only_doing is not None
        and only_doing(tokens[0])
        and tokens[comma + 1] in DETERMINERS
        and PART_ENDS.isdisjoint(tokens[comma + 1 :])
    )


def doer_first(
    tokens: Sequence[str],
    comma: int,
    verb_like: Callable[[str], bool] | None = None,
    alive: Callable[[str], bool] | None = None,
) -> list[str]:
    """``tokens`` that open with what someone does or how something is placed, up to the comma
    at ``comma``, with that said after who: "riding a horse, a knight" as "a knight riding a
    horse"; "standing in a junkyard, a mercenary, smoke" as "a mercenary, standing in a
    junkyard, smoke" (where ``alive`` says a mercenary may stand); "pushing her bicycle, a
    woman up a hill" as "a woman pushing her bicycle up a hill" (the way is the pushing's);
    as they are where more tags follow and none names who. ``verb_like`` and ``alive`` as
    :func:`proxy.matching.passives.active` takes them."""
    verb_like = verb_like or looks_like_verb
    doing, rest = list(tokens[:comma]), list(tokens[comma + 1 :])
    who = _doer_after(tokens, comma, verb_like, alive)
    if who and len(who) < len(rest):
        return [*who, ",", *doing, *rest[len(who) :]]
    if not PART_ENDS.isdisjoint(rest):
        return list(tokens)  # "wearing a crown, golden throne, king": who wears it is unsaid
    way = next((k for k, t in enumerate(rest) if t in MOVING), 0)
    if way and plain_noun_phrase(rest[:way], verb_like):
        return [*rest[:way], *doing, *rest[way:]]
    return [*rest, *doing]


def place_last(tokens: Sequence[str], comma: int) -> list[str]:
    """``tokens`` that open with a place phrase, up to the comma at ``comma``, with the phrase
    said last and apart: "in a snowy forest, a wolf howls" as "a wolf howls, in a snowy
    forest". A place said with how far it is follows what the next part names, as it would be
    said there: "high above the city, a hawk, dusk" as "a hawk high above the city, dusk"."""
    phrase, rest = list(tokens[:comma]), list(tokens[comma + 1 :])
    if tokens[0] in HOW_FAR:
        end = next((k for k, t in enumerate(rest) if t in PART_ENDS), len(rest))
        return [*rest[:end], *phrase, *rest[end:]]
    return [*rest, ",", *phrase]


def _doer_after(
    tokens: Sequence[str],
    comma: int,
    verb_like: Callable[[str], bool],
    alive: Callable[[str], bool] | None,
) -> list[str]:
    """The part after the comma at ``comma``, up to the next comma, when it names who does what
    the part before says: the prompt's last part, opened by a determiner ("riding a horse, a
    knight reading a map"), or a noun phrase with no verb before more tags, with or without a
    determiner, that names a person or an animal by ``alive`` ("standing in a junkyard,
    cyberpunk mercenary, smoke"; not "holding a sword, red cape, knight"). Empty where it is
    not one."""
    end = next((i for i in range(comma + 1, len(tokens)) if tokens[i] in PART_ENDS), len(tokens))
    who = list(tokens[comma + 1 : end])
    if not who:
        return []
    if end == len(tokens):
        return who if who[0] in DETERMINERS else []
    if who[0] not in DETERMINERS and who[0] in FUNCTION_WORDS:
        return []
    named = next((k for k, t in enumerate(who) if t in _PLACED_WITH), len(who))
    if alive is not None and (not named or not alive(who[named - 1])):
        return []
    placed = plain_noun_phrase(who, verb_like) or noun_phrase_placed(who, verb_like)
    return who if placed else []


IRREGULAR_PARTICIPLES = {
    "bought": "buying", "bound": "binding", "brought": "bringing", "caught": "catching",
    "cut": "cutting", "dug": "digging", "fed": "feeding", "found": "finding", "held": "holding",
    "hit": "hitting", "hung": "hanging", "kept": "keeping", "laid": "laying", "led": "leading",
    "left": "leaving",
    "lent": "lending", "lit": "lighting", "met": "meeting", "put": "putting", "read": "reading",
    "rung": "ringing", "sent": "sending", "set": "setting", "sung": "singing",
    "shut": "shutting", "sold": "selling", "spread": "spreading", "spun": "spinning",
    "stuck": "sticking", "stung": "stinging", "struck": "striking", "swept": "sweeping",
    "swung": "swinging", "taught": "teaching", "told": "telling", "won": "winning",
}  # fmt: skip
"""Past participles that do not end in -ed, -en or -wn ("a cake being cut by a chef"), with the
form said in the active voice: "cut" or "read" alone may be a noun ("a woman read")."""


MOVING = frozenset(
    "through across along around into onto down up over toward towards out off".split()
)
"""Prepositions of a way taken, which may stand between a participle and its "by" ("a cat
chased through the garden by a dog"); not "on", "in" or "at", after which "by" is as often a
place ("a house built on a hill by the sea")."""


def plain_noun_phrase(tokens: list[str], verb_like: Callable[[str], bool]) -> bool:
    """Whether ``tokens`` name a thing and nothing else: no verb, no preposition."""
    return (
        bool(tokens)
        and not all(t in DETERMINERS or t in NUMBERS for t in tokens)
        and not any(
            (t in FUNCTION_WORDS and t not in DETERMINERS and t not in OWNERS)
            or (verb_like(t) and not describes_next(tokens, k))
            or t in _STILL_VERBS  # "an oracle sits in a temple": a clause, no thing alone
            for k, t in enumerate(tokens)
        )
    )


def noun_phrase_placed(tokens: list[str], verb_like: Callable[[str], bool]) -> bool:
    """Whether ``tokens`` are a plain noun phrase and where it is or what it has, with no verb:
    "a banjo player on the steps of a courthouse", "a boy with his hovercraft". The passive
    reads alike with "is", "being" or neither ("a girl in a white dress (is) chased by a
    wolf"); a phrase after the participle may still be a place ("a house built on a hill by
    the sea"), which :func:`proxy.matching.passives.active` tells apart."""
    first = next((k for k, t in enumerate(tokens) if t in _PLACED_WITH), None)
    if not first:
        return False
    rest = tokens[first:]
    return plain_noun_phrase(tokens[:first], verb_like) and not any(
        (t in FUNCTION_WORDS and t not in DETERMINERS and t not in _PLACED_WITH | OWNERS)
        or (verb_like(t) and t not in _PLACED_WITH and not describes_next(rest, k))
        for k, t in enumerate(rest)
    )


_PLACED_WITH = frozenset("on in at of with near beside under behind inside wearing".split())


OWNERS = frozenset("his her its their".split())


def describes_next(tokens: list[str], k: int) -> bool:
    """Whether the participle ``tokens[k]`` describes the word after it ("a sunken galleon", "a
    frozen lake"): a word that is no function word follows it."""
    return (
        bool(_PARTICIPLE.search(tokens[k]))
        and k + 1 < len(tokens)
        and tokens[k + 1] not in FUNCTION_WORDS
    )


def is_participle(token: str) -> bool:
    return (
        bool(_PARTICIPLE.search(token)) and token not in _SPELT_LIKE_PARTICIPLES
    ) or token in IRREGULAR_PARTICIPLES


_SPELT_LIKE_PARTICIPLES = frozenset({"dawn", "lawn"})
"""Words that end like "drawn" or "sewn" and name no thing made or done ("a crown by a
goldsmith" may be his work): "getting ready at dawn by a window" is beside it."""


def looks_like_verb(token: str) -> bool:
    return token.endswith("ing") or is_participle(token)


def each_place_last(tokens: Sequence[str]) -> list[str]:
    """``tokens`` with the place or time that opens each of its parts, closed by the
    determiner of what follows it ("on a windy hill a child flies a kite"), said after the rest
    of that part, as it usually is ("a child flies a kite on a windy hill")."""
    out: list[str] = []
    start = 0
    while start <= len(tokens):
        comma = next((k for k in range(start, len(tokens)) if tokens[k] == ","), len(tokens))
        part = tokens[start:comma]
        end = fronted_time(part) or fronted_place(part)
        if out:
            out.append(",")
        if end is not None and end > 3 and part[end - 1] in _STILL_VERBS:
            end -= 1  # "on the windowsill sat a ginger cat": "sat" is no part of the sill
        out += [*_subject_first(part[end:]), *part[:end]] if end is not None else part
        start = comma + 1
    return out


def _subject_first(rest: Sequence[str]) -> Sequence[str]:
    """What follows a fronted place with its verb after its subject: "on the windowsill sat a
    ginger cat" is "a ginger cat sat on the windowsill"."""
    if len(rest) < 3 or rest[0] not in _STILL_VERBS or rest[1] not in DETERMINERS:
        return rest
    end = 2
    while end < len(rest) and rest[end] not in FUNCTION_WORDS and rest[end] not in PART_ENDS:
        end += 1
    return [*rest[1:end], rest[0], *rest[end:]]


_STILL_VERBS = frozenset(
    """
    sat sits stood stands lay lies hung hangs perched perches slept sleeps rested rests
    waited waits was were is are
    """.split()
)
"""Verbs that may follow a fronted place before their subject ("beside the door stood a
vase")."""
