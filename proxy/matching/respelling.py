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
    "funfair": "fair", "tins": "cans", "thru": "through",
}  # fmt: skip
"""British spellings and words, and their American forms (one form is enough for the
lexicon)."""


def respell(tokens: Sequence[str]) -> list[str]:
    """American spelling for British ("grey armour" is "gray armor"), and a decade said one way
    ("70s", "'70s", "1970s" and "seventies" are "1970s"; "1800s" stays)."""
    out: list[str] = []
    for token in tokens:
        if token == "s" and out and _DECADE.fullmatch(out[-1]):
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
