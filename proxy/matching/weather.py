"""Weather is the whole scene's: "a rainy street", "a street in the rain" and "walking through
the rain" all read as "a street, rain" (:mod:`proxy.matching.normalise` calls this last)."""

from __future__ import annotations

from collections.abc import Sequence

from proxy.matching.word_order import PART_ENDS
from proxy.matching.words import LOOSE_PREPOSITIONS

__all__ = ["UNDER", "ends_phrase", "weather_last"]


UNDER = frozenset({"under", "beneath", "underneath"})
_WEATHER_AROUND = frozenset({"in", "through", *UNDER})
"""Prepositions of weather one is out in: "under falling snow" is "in falling snow"."""
_FALLING = frozenset(["falling", "heavy", "light", "pouring", "driving", "gentle", "thick"])
"""How weather falls: kept with it ("in heavy rain" is not "in light rain")."""


_WEATHER = {
    "rainy": "rain", "raining": "rain", "rain": "rain", "snowy": "snow", "snowing": "snow",
    "snow": "snow", "foggy": "fog", "fog": "fog", "misty": "mist", "mist": "mist",
    "stormy": "storm", "storm": "storm", "windy": "wind",
}  # fmt: skip


def weather_last(tokens: list[str]) -> list[str]:
    """ "a rainy street", "a street in the rain" and "walking through the rain" -> "a street,
    rain": weather is the whole scene's, whether a describing word or a phrase says it."""
    out: list[str] = []
    weather: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.endswith(("y", "ing")):
            if token in _WEATHER and tokens[i + 1 : i + 2] != ["day"]:
                weather.append(_WEATHER[token])
                i += 1
                continue
        elif token in _WEATHER_AROUND:  # "walking through the rain" is walking in it
            j = i + 1 + (tokens[i + 1 : i + 2] in (["the"], ["a"]))
            said = j + (j < len(tokens) and tokens[j] in _FALLING)  # "under falling snow"
            noun = tokens[said] if said < len(tokens) else ""
            if noun in _WEATHER and not noun.endswith("y") and ends_phrase(tokens, said + 1):
                weather.append(" ".join([*tokens[j:said], _WEATHER[noun]]))
                i = said + 1
                continue
        out.append(token)
        i += 1
    if not weather:
        return list(tokens)
    return [*out, *(t for w in dict.fromkeys(weather) for t in (",", *w.split()))]


def ends_phrase(tokens: Sequence[str], i: int) -> bool:
    """Whether the weather word before ``i`` ends its phrase: "in the rain on a city street",
    not "in the rain forest"."""
    return (
        i >= len(tokens)
        or tokens[i] in PART_ENDS
        or tokens[i] in LOOSE_PREPOSITIONS
        or tokens[i] in _PLACING
    )


_PLACING = frozenset("on with without near beside by along across over through past around".split())
