"""One spelling for each word a prompt may spell two ways: American for British ("grey armour" is
"gray armor"), part by part in a hyphenated word, and a decade one way ("70s", "1970s",
"seventies"), where tens after "her" or "his" are an age instead ("in her 40s")."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["OWNERS_SAID", "SPELLINGS", "respell"]


SPELLINGS = {
    "grey": "gray", "greys": "grays", "greyish": "grayish", "colour": "color",
    "colours": "colors", "coloured": "colored", "colourful": "colorful", "armour": "armor",
    "armoured": "armored", "centre": "center", "centres": "centers", "theatre": "theater",
    "metre": "meter", "jewellery": "jewelry", "favourite": "favorite", "harbour": "harbor",
    "neighbour": "neighbor", "neighbourhood": "neighborhood", "flavour": "flavor",
    "honour": "honor", "humour": "humor", "labour": "labor", "odour": "odor",
    "parlour": "parlor", "vapour": "vapor", "rumour": "rumor", "splendour": "splendor",
    "glamour": "glamor", "tyre": "tire", "tyres": "tires", "aluminium": "aluminum",
    "aeroplane": "airplane", "aeroplanes": "airplanes", "moustache": "mustache",
    "pyjamas": "pajamas", "plough": "plow", "cosy": "cozy", "doughnut": "donut",
    "doughnuts": "donuts", "woollen": "woolen", "catalogue": "catalog", "sceptre": "scepter",
    "sombre": "somber", "fibre": "fiber", "lustre": "luster", "mould": "mold",
    "jewelled": "jeweled", "travelling": "traveling", "travelled": "traveled",
    "chilli": "chili", "chillies": "chilies", "savannah": "savanna", "savannahs": "savannas",
    "kerb": "curb", "storey": "story", "gaol": "jail", "cheque": "check", "ochre": "ocher",
    "mediaeval": "medieval", "realise": "realize", "stylised": "stylized",
    "organised": "organized", "watercolour": "watercolor", "watercolours": "watercolors",
    "sepulchre": "sepulcher", "calibre": "caliber", "grey-haired": "gray-haired",
    "practise": "practice", "practised": "practiced", "practising": "practicing",
    "centred": "centered", "centring": "centering", "defence": "defense",
    "manoeuvre": "maneuver", "manoeuvres": "maneuvers", "manoeuvring": "maneuvering",
    "colouring": "coloring", "recognised": "recognized", "licence": "license",
    "programme": "program", "programmes": "programs", "kerbside": "curbside",
    # British words for the same thing
    "aubergine": "eggplant", "aubergines": "eggplants", "courgette": "zucchini",
    "courgettes": "zucchinis", "coriander": "cilantro", "ladybird": "ladybug",
    "ladybirds": "ladybugs", "lorry": "truck", "lorries": "trucks", "pavement": "sidewalk",
    "motorway": "highway", "postbox": "mailbox", "nappy": "diaper",
    "trainers": "sneakers", "petrol": "gasoline", "mum": "mom", "takeaway": "takeout",
    "funfair": "fair", "tins": "cans", "thru": "through", "spanner": "wrench",
    "spanners": "wrenches",
    # a season's adjective for the season said before a thing ("a wintry pass")
    "wintry": "winter", "wintery": "winter", "summery": "summer", "autumnal": "autumn",
}  # fmt: skip
"""British spellings and words, and their American forms (one form is enough for the
lexicon)."""


_FROM_ANIMALS = frozenset("cheese milk wool fleece yogurt yoghurt butter".split())
"""What is made from an animal, which "goat's cheese" names as "goat cheese" does."""
_RAIL = frozenset({"railway", "railroad"})
_RAIL_THINGS = frozenset("station stations platform platforms".split())
"""Places "railway" and "railroad" name as "train" does: "a railway platform"; but "a railway"
alone is the tracks, no train, and "railroad tracks" show none ("train tracks" would name one to
the reader)."""


_ORDINALS = {
    word: n
    for n, word in enumerate(
        """
        first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
        thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth
        """.split(),
        1,
    )
} | {"twenty-first": 21}
"""Ordinals spelt out, as a century's number is written in figures ("eighteenth century")."""
_SUFFIXES = {1: "st", 2: "nd", 3: "rd", 21: "st"}


def _century(token: str, following: str) -> list[str]:
    """``token`` with a century's ordinal in figures, as the tokeniser splits "18th" and
    "18th-century": "eighteenth" before "century" is "18", "th"; "eighteenth-century" is "18",
    "th-century". Else ``token`` alone."""
    first, _, rest = token.rpartition("-")
    if following.startswith("centur") and token in _ORDINALS:
        n, after = _ORDINALS[token], ""
    elif rest.startswith("centur") and first in _ORDINALS:
        n, after = _ORDINALS[first], f"-{rest}"
    else:
        return [token]
    return [str(n), _SUFFIXES.get(n, "th") + after]


def respell(tokens: Sequence[str]) -> list[str]:
    """American spelling for British ("grey armour" is "gray armor"), a decade said one way
    ("70s", "'70s", "1970s" and "seventies" are "1970s"; "1800s" stays), and names said two
    ways: "goat's cheese" is "goat cheese", "a railway platform" "a train platform", "the
    eighteenth century" "the 18th century"."""
    out: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token == "'s" and following in _FROM_ANIMALS:
            continue  # no goat in the picture
        if token in _RAIL and following in _RAIL_THINGS:
            out.append("train")
        elif "centur" in following or "centur" in token:
            out += _century(token, following)
        elif token == "s" and out and _DECADE.fullmatch(out[-1]):
            tens = out[-1]
            if len(tens) == 2 and _an_age(out):
                out[-1] = _AGES[tens]  # "in her 40s" is "in her forties", no decade
            else:
                out[-1] = (tens if len(tens) == 4 else "19" + tens) + "s"
        elif token in _DECADES and not _an_age([*out, token]):
            out.append(_DECADES[token])
        else:
            out.append(SPELLINGS.get(token) or _respelt_parts(token))
    return out


def _an_age(said: list[str]) -> bool:
    """Whether the tens that end ``said`` are someone's age: "in her 40s", "his early
    forties"."""
    before = said[-2] if len(said) > 1 else ""
    if before in _AGE_EDGES and len(said) > 2:
        before = said[-3]
    return before in OWNERS_SAID


def _respelt_parts(token: str) -> str:
    """A hyphenated word with each part in American spelling: "colour-changing"."""
    if "-" not in token:
        return token
    return "-".join(SPELLINGS.get(part, part) for part in token.split("-"))


_DECADE = re.compile(r"[1-9]0|1[0-9][0-9]0|20[0-9]0")
"""A decade's number, before the "s" the tokeniser splits off ("70s", "1970s", "2010s")."""
_TENS = "twent thirt fort fift sixt sevent eight ninet".split()
_DECADES = {f"{word}ies": f"19{tens}0s" for tens, word in enumerate(_TENS, 2)}
_AGES = {f"{tens}0": f"{word}ies" for tens, word in enumerate(_TENS, 2)}
"""Tens said as an age: "in her 40s" is "in her forties"."""
OWNERS_SAID = frozenset("her his their my your our its one's".split())
"""Words that say whose a thing is: "her 40s" is an age."""
_AGE_EDGES = frozenset({"early", "mid", "late"})
