"""What a prompt says as a whole, read by pattern rather than word by word: the text the image
must render, its palette, where the camera stands, and whether it is written in another script.
:mod:`proxy.matching.reading` folds these into a prompt's reading."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from proxy.matching.lexicon import NOTHING, frozen
from proxy.matching.words import IRREGULAR_PLURALS, NUMBERS

__all__ = [
    "ENDS_PHRASE",
    "amounts",
    "camera",
    "counted",
    "foreign_script",
    "palette",
    "palette_said",
    "rendered_text",
    "says",
    "singular",
]

_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|(?<![a-zA-Z])'([^']+)'(?![a-zA-Z])")
_SAYS_WORDS = ("read", "say", "spell", "written", "label")
"""What every match of ``_SAYS`` holds, in lower case, but those "with the words" or "with text"
(see ``_MONOCHROME_WORDS``)."""
_LETTERED = (
    "sign signs banner banners placard placards plaque plaques poster posters label labels "
    "billboard billboards signboard chalkboard blackboard whiteboard marquee headline note "
    "notice sticker neon"
).split()
"""Things a text is put on, after which "reading" is the text's ("a sign reading OPEN"), not
someone reading ("a girl in a shirt reading a book")."""
_SAYS = re.compile(
    r"\b(?:(?:that|which)\s+(?:reads|read|spells)|spells\s+out|"
    + "(?:"
    + "|".join(rf"(?<=\b{thing}\s)" for thing in _LETTERED)
    + r")(?:reading|spells)|(?:that|which)?\s*(?:says|saying|spelling|"
    r"with the words?|with the text|with text|(?<!hand )(?<!hand-)written(?!\s+(?:in|on|at|"
    r"across|along|over|under|inside|above|below|around|into|onto|upon|with|by)\b)|labeled|"
    r"labelled))\s+(?:\x00|(?![\s\x00])([^,.;:\x00]+))",
    re.IGNORECASE,
)
"""Words to render after "says", "with the words", "a sign reading", ...; not a place, a medium
or a hand after "written" ("the specials written in the center in pale yellow", "written in
icing"), nor what "hand written" says of ("hand written lettering that lists the specials"), nor
the spells a witch reads or casts ("spells" is a verb after "that" or a thing lettered)."""
_SAID = " \x00 "
"""What a quoted text is cut out for: a mark no text to render runs across."""
_READING_CAPITALS = re.compile(
    r"\b(?:reading|(?:(?:that|which)\s+)?says|saying)\s+([A-Z][A-Z0-9'&!?-]+(?:\s+[A-Z0-9][A-Z0-9'&!?-]*)*)\b"
    r"(?=\s*(?:$|[,.;:]|(?:at|in|on|over|under|above|below|beside|next|near|behind|inside|"
    r"outside|by|across|along|with|against|from|hanging|glowing|painted|written)\b))"
)
"""Capitals after "reading", "says" or "saying", whatever it is said of, where a place or a
tag follows them: "title text across the top reading ORBIT OF TERROR in red letters" renders
"ORBIT OF TERROR", and "a sign that says OPEN on a door" "OPEN", on a door (but "a sign reading
OPEN Mon-Fri" renders all of it)."""
_WRITTEN_ON = re.compile(
    r"\bwith\s+([^,.;:]+?)\s+written(?=\s+(?:in|on|at|across|along|over|under|inside|above|"
    r"below|around|into|onto|upon)\b)",
    re.IGNORECASE,
)
"""Words to render before "written" and where they are written: "a cake with happy birthday
written in icing", "a sign with open written on it"."""

_BLACK_WHITE = r"black\s*(?:-?\s*(?:and|&|n)\s*-?|-|/)\s*white"
_BLACK_AND_WHITE = rf"(?:{_BLACK_WHITE}|b\s*&\s*w|b/w)"
"""Black and white, black-and-white, black & white, black/white, b&w, ..."""
_MONOCHROME = re.compile(rf"\b{_BLACK_AND_WHITE}\b|monochrom|gr[ae]y\s*scale|\bsepia\b|\bduotone\b")
_MONOCHROME_WORDS = ("&", "/", "monochrom", "scale", "sepia", "duotone")
"""What every match of ``_MONOCHROME`` holds, but "black and white": a text with none is not
searched (a long prompt takes the pattern about 0.06 ms)."""
_PHOTO_WORDS = r"(?:photo|photograph|photography|portrait|film|movie|still|shot)s?\b"
_PICTURE_WORDS = (
    r"(?:photo|photograph|photography|portrait|film|movie|still|shot|snapshot|image|picture|pic|"
    r"drawing|sketch|illustration|manga|comic|art|artwork|painting|render|rendering|style|"
    r"aesthetic|filter|tone|palette|version|cinematography|photoshoot|video|footage)s?\b"
)
_THING_COLOURED = re.compile(
    rf"(?<![\w-]){_BLACK_WHITE}(?=[\s-]+[a-z])(?![\s-]+(?:[a-z'-]+\s+){{0,2}}{_PICTURE_WORDS})"
)
"""Black and white said of a thing, before its name: "a black-and-white cat", "a cow with black
and white spots"; not where a word for the picture follows within three words ("a black and
white photo", "black and white cat photo")."""
_PALETTE_BEFORE = re.compile(rf"(?<![\w-]){_BLACK_AND_WHITE}(?=\s+{_PHOTO_WORDS})")
_PALETTE_TAG = re.compile(rf"(?:^|(?<=,))\s*{_BLACK_AND_WHITE}\s*(?=,|$)")
_PHOTOGRAPHED = re.compile(rf"\b{_PHOTO_WORDS}")
_SHOT_IN_PALETTE = re.compile(
    rf"(?:^|(?<=,))\s*(?:shot|photographed|filmed|captured|taken)\s+in\s+{_BLACK_AND_WHITE}"
    r"\s*(?=,|$)"
)
""""Black and white" said of the picture: before "photo", as a tag of its own in a prompt that
names a photo, or after "shot in" ("..., shot in black and white": a photo); not of a thing in
it ("a black and white cat", "a dog, black and white", "a tiled floor in black and white", "a
black and white print dress")."""
_IN_COLOUR = re.compile(r"\b(?:full[\s-]*)?colou?r(?:ed|ful)?\b(?!\s+of)|\btechnicolou?r\b")


_CAMERA = {
    "above": r"aerial|birds?'?s?[\s-]*eye|from\s+(?:directly\s+|straight\s+)?above|"
    r"from\s+(?:directly\s+)?overhead|top[\s-]*down|overhead\s+(?:view|shot)|"
    r"drone\s+(?:view|shot|photo)|high[\s-]*angle|(?<!mountain\s)(?<!hill\s)top\s+view\b|flat[\s-]*lay\b",
    "below": r"worms?'?s?[\s-]*eye|low[\s-]*angle|from\s+(?:directly\s+|straight\s+)?below|"
    r"from\s+(?:the\s+)?ground|ground[\s-]*level(?=\s+(?:view|shot|angle|perspective|photo))",
    "level": r"eye[\s-]*level|street[\s-]*level(?=\s+(?:view|shot|angle|perspective|photo))",
    "close": r"close[\s-]*up|macro\s+(?:shots?|photo(?:graph|graphy)?s?|lens)\b|extreme\s+close",
    "wide": r"wide[\s-]*(?:shot|angle|view)|long\s+shot|establishing\s+shot",
}
_CAMERA_PATTERNS = {name: re.compile(rf"(?<![\w-])(?:{rx})") for name, rx in _CAMERA.items()}
_VIEWS = re.compile(r"(?<![\w-])(?:" + "|".join(_CAMERA.values()) + r")(?:\s+(?:view|shot))?")


def camera(text: str) -> tuple[frozenset[str], str]:
    """Where the camera stands (above, below, at eye level, close, or wide), and ``text``
    without the words that say so: they are checked as a whole, not as words of the scene
    ("..., wide shot, ..." describes no thing, wherever it stands)."""
    first = _VIEWS.search(text)  # one pass over a long prompt instead of five
    if first is None:
        return NOTHING, text
    start = first.start()  # no view is named before the first
    found = frozen(name for name, p in _CAMERA_PATTERNS.items() if p.search(text, start))
    return found, _VIEWS.sub(" ", text)


_MASS = frozenset(
    """
    snow water wine sand rain milk sugar salt smoke fog mist dust money coffee tea oil paint
    blood butter cheese cream honey grass moss mud beer juice soup rice flour steam foam glitter
    sunlight
    """.split()
)
"""What "a little" says an amount of ("a little snow"), where it names the thing itself: "a
little water bottle" is a small bottle."""

# Amounts on a scale: words the reader skips as function words ("many", "full") that still
# change the picture when a prompt states the other end of their scale ("an empty glass").
_AMOUNTS = {
    "fullness:full": r"(?<!half[\s-])full(?![\s-]*(?:moon|body|length|hd|colou?r|bloom|size|"
    r"figure|frame|res|resolution|grown|beard|scale|speed|sun|face|height|view|portrait|"
    r"armou?r|plate|sail|shot|house|time|screen|swing|blast|throttle|force|circle|name))|"
    r"(?<!half[\s-])(?:filled|packed)\b",
    "fullness:empty": r"(?<!half[\s-])(?:empty|vacant)",
    "fullness:half": r"half[\s-]*(?:full|empty|filled)",
    "extent:all": r"all(?:\s+of)?\s+(?:the|its|their|his|her|these|those)|all\s+of\s+them|every|"
    r"all(?=\s+[a-z]*[^\Ws]s\b)(?!\s+(?:sorts|kinds|types|ages|colou?rs|sizes|shapes|sides|"
    r"things|directions|seasons|fours|hours|times|ways|smiles)\b)",
    "extent:some": r"some(?:\s+of)?|only\s+(?:a\s+)?(?:few|some|one|two|half)|half\s+of|most\s+of|"
    r"(?:a\s+few|several|many)\s+of\s+(?:them|the|its|their|these|those)",
    "plenty:few": r"(?:a\s+)?few|some(?!\s+(?:kind|sort|type)s?\s+of)|a\s+couple\s+of|"
    r"a\s+(?:small\s+)?handful\s+of|a\s+(?:little\s+)?bit\s+of|a\s+(?:drop|wisp|trickle)\s+of|"
    r"a\s+(?:light\s+)?(?:dusting|sprinkle)\s+of|"
    rf"a\s+little\s+(?=(?:bit\s+of\s+)?(?:{'|'.join(sorted(_MASS))})\b)|"
    # not "many scattered leaves", "lots of scattered toys": many, spread about
    r"(?<!many\s)(?<!numerous\s)(?<!countless\s)(?<!of\s)(?:scattered|sparse(?:ly)?)|"
    r"a\s+(?:scattering|smattering|sprinkling)\s+of|"
    r"one\s+or\s+two|(?:hardly|barely)\s+any",
    "plenty:many": r"many|lots\s+of|a\s+lot\s+of|plenty\s+of|numerous|multiple|countless|"
    r"dozens|hundreds|thousands|a\s+multitude\s+of|innumerable|myriads?(?:\s+of)?|scores\s+of|"
    r"(?:huge|large|great|vast)\s+number\s+of|(?:great|good)\s+deal\s+of|an?\s+ton\s+of|"
    r"(?:crowds|flocks|herds|throngs|droves)\s+of|full\s+of|(?:piled|heaped|stacked)\s+(?:high|(?:up\s+)?with)|"
    r"(?:overflowing|brimming|teeming|packed|(?:over)?crowded)(?:\s+with)?|(?:bustling|swarming|"
    r"thronged)\s+with|(?:covered|carpeted|filled)\s+(?:in|with)|dense(?:ly)?|"
    r"(?:cluttered|littered|strewn|crammed|stuffed|jammed|laden|loaded|stocked|bursting|"
    r"heaving|thick|awash)\s+with|overgrown|jam[\s-]*packed|"
    r"an?\s+(?:crowd|flock|herd|pack|swarm|troop|colony|school|shoal|pod|pride|gaggle|mob|gang|"
    r"band|cloud|horde|throng|sea|mass|pile|heap|mountain|basketful|"
    r"bucketful|bucket|truckload)\s+of|(?:heaps|piles|loads|tons|masses|swarms|hordes)\s+of|"
    r"an?\s+(?:very\s+)?long\s+(?:line|queue|row)\s+of|long\s+(?:lines|queues|rows)\s+of",
}
_AMOUNT_PATTERNS = {name: re.compile(rf"\b(?:{rx})\b") for name, rx in _AMOUNTS.items()}
_ANY_AMOUNT = re.compile(r"\b(?:" + "|".join(_AMOUNTS.values()) + r"|crowds?)\b")


def amounts(text: str) -> tuple[frozenset[str], frozenset[tuple[str, str, str]]]:
    """The amounts ``text`` states, as ``scale:value`` ("fullness:empty", "plenty:many"), and
    those it states of each thing, as (scale, value, thing): "lots of grazing sheep, a few white
    clouds" gives ("plenty", "many", "sheep") and ("plenty", "few", "cloud"). The thing is the
    last word of the phrase after the amount, a plural's "s" dropped; a guess, so only a thing
    both prompts give amounts of is compared."""
    first = _ANY_AMOUNT.search(text)  # one pass over a long prompt instead of seven
    if first is None:
        return NOTHING, NOTHING
    # No amount is stated before the first: each is looked for from there on.
    start = first.start()
    stated, of_things = set(), set()
    for name, pattern in _AMOUNT_PATTERNS.items():
        scale, _, value = name.partition(":")
        for match in pattern.finditer(text, start):
            thing = _thing_after(text, match.end())
            if match.group().rstrip().endswith("little") and thing not in _MASS:
                continue  # "a little water bottle": a size
            stated.add(name)
            if thing:
                of_things.add((scale, value, thing))
    if _A_CROWD.search(text):  # "a crowd waiting outside": many people
        stated.add("plenty:many")
        of_things.add(("plenty", "many", "person"))
    return frozen(stated), frozen(of_things)


_MORE_AMOUNT = frozenset(
    "of dozens hundreds thousands millions lots loads tons heaps piles masses scores".split()
)
"""Words that may stand between an amount and its thing and say the amount again."""


def _thing_after(text: str, at: int) -> str | None:
    """The thing a phrase from ``at`` names: its last word before a preposition, a break or a
    participle, in the singular ("lots of grazing sheep on the hill": "sheep")."""
    words: list[str] = []
    for token in _AFTER_AMOUNT.findall(text, at, at + 80):
        if not words and token in _MORE_AMOUNT:
            continue  # "filled with hundreds of balloons", "dozens of": the balloons
        if (
            not token[0].isalpha()
            or token in ENDS_PHRASE
            or len(words) == 4
            or (words and token.endswith(("ed", "ing")))  # "sheep scattered across"
        ):
            break
        words.append(token)
    return singular(words[-1]) if words else None


def counted(text: str) -> dict[str, int]:
    """The things ``text`` gives a number of, named as :func:`amounts` names them: "two
    policemen on a street" gives {"policemen": 2}."""
    found = {}
    for match in _A_NUMBER.finditer(text):
        thing = _thing_after(text, match.end())
        number = match.group()
        if thing:
            found[thing] = int(number) if number.isdigit() else _NUMBER_WORDS[number]
    return found


_GROUPS = frozenset({"pair", "couple", "twin", "twins", "trio", "triple"})
_NUMBER_WORDS = {
    word: number for word, number in NUMBERS.items() if 2 <= number <= 20 and word not in _GROUPS
}
"""Number words that count what follows them; not the group words ("a couple walking")."""
_A_NUMBER = re.compile(
    r"\b(?:\d{1,4}|"
    + "|".join(_NUMBER_WORDS)
    + r")\b(?![\s-]+(?:hundred|thousand|million|dozen|of)\b)"
)
_A_CROWD = re.compile(
    r"(?<!\bno )(?<!\bwithout )\b(?:(?:an?|the)\s+(?:[a-z]+\s+)?crowds?|crowds)\b"
    r"(?!\s+(?:of|surfing|surfer|favou?rite|pleaser|control|barriers?)\b)|(?:^|,)\s*crowd\s*(?=,|$)"
)
_AFTER_AMOUNT = re.compile(r"[a-z]+|[^\sa-z]")
ENDS_PHRASE = frozenset(
    "and or in on at with across over under through by of near next along around from into "
    "onto behind beside against above below between for to while that which who".split()
)
"""Words that end the phrase an amount is stated of ("lots of sheep on the hill")."""


_SINGULARS = IRREGULAR_PLURALS | {
    "children": "child", "mice": "mouse",
    "geese": "goose", "teeth": "tooth", "feet": "foot", "oxen": "ox", "wolves": "wolf",
    "leaves": "leaf", "calves": "calf", "halves": "half", "elves": "elf", "shelves": "shelf",
    "loaves": "loaf", "thieves": "thief", "knives": "knife", "wives": "wife", "lives": "life",
    "scarves": "scarf", "hooves": "hoof", "dwarves": "dwarf",
}  # fmt: skip
"""Plurals not made with "s", by the key the reader gives their singular."""


def singular(word: str) -> str:
    """A guess at ``word``'s singular, the same one :func:`amounts` names a thing by."""
    if word in _SINGULARS:
        return _SINGULARS[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def palette(text: str) -> str | None:
    """ "monochrome" for a black-and-white, grayscale or sepia picture, "colour" for one asked
    for in colour, else None."""
    if _may_be_monochrome(text) and _MONOCHROME.search(_THING_COLOURED.sub(" ", text)):
        return "monochrome"  # not where only a thing is: "a black and white cat" in colour
    return "colour" if _IN_COLOUR.search(text) else None


def palette_said(text: str) -> str:
    """``text`` without the words that say a picture is black and white (the palette holds
    that): "black and white portrait photo of X" and "portrait photo of X, black and white"
    then describe the same things."""
    text = _PALETTE_BEFORE.sub(" ", text)
    if " in " in text:  # "..., shot in black and white" is "..., photo"
        text = _SHOT_IN_PALETTE.sub(" photo", text)
    return _PALETTE_TAG.sub(" ", text) if _PHOTOGRAPHED.search(text) else text


def _may_be_monochrome(text: str) -> bool:
    """False where ``_MONOCHROME`` surely finds nothing in ``text`` (lower case)."""
    return ("white" in text and "black" in text) or any(w in text for w in _MONOCHROME_WORDS)


def _may_say(text: str) -> bool:
    """False where ``_SAYS`` surely finds nothing in ``text`` (lower case): "with" alone is in
    most prompts, "text" and "word" in "texture" and "sword". Only ASCII text is ruled out: the
    pattern ignores case as Unicode does, so "says" spelt with a long s (U+017F) is "says" to it."""
    return (
        not text.isascii()
        or any(w in text for w in _SAYS_WORDS)
        or ("with" in text and ("word" in text or "text" in text))
    )


def says(text: str) -> bool:
    """Whether ``text`` (lower case) names words to render without quotes ("a sign that says
    open")."""
    return _may_say(text) and (
        _SAYS.search(text) is not None
        or ("written" in text and _WRITTEN_ON.search(text) is not None)
    )


def foreign_script(text: str) -> bool:
    """Whether ``text`` has letters of a script other than Latin (Cyrillic, CJK, Arabic, ...)."""
    return not text.isascii() and any(
        c.isalpha() and not c.isascii() and not unicodedata.name(c, "").startswith("LATIN")
        for c in text
    )


def rendered_text(prompt: str) -> tuple[frozenset[str], str]:
    """Text the image must show (quoted, after "that says", "with the words", ..., or between
    "with" and "written on"), and the prompt without it."""
    found: set[str] = set()
    # A quoted text leaves a mark that "reading" or "says" before it takes as said already:
    # "a neon sign reading 'ramen' glowing over a shop" renders "ramen" alone.
    unquoted = _cut(
        _QUOTED, prompt, lambda m: next(g for g in m.groups() if g).strip(), found, _SAID
    )
    lower = unquoted.lower()
    if _may_say(lower):
        plain = unquoted
        if "reading" in lower or "says" in lower or "saying" in lower:
            # first, so that what follows the capitals stays a place: "a sign reading SOUP OF
            # THE DAY at the doorway"
            plain = _cut(_READING_CAPITALS, plain, lambda m: m.group(1).strip().lower(), found)
        plain = _cut(_SAYS, plain, lambda m: (m.group(1) or "").strip().lower(), found)
        if "written" in lower:
            # what it is written in stays the writing's: "written in red" is a red inscription
            plain = _cut(
                _WRITTEN_ON,
                plain,
                lambda m: m.group(1).strip().lower(),
                found,
                " with an inscription ",
            )
    else:
        plain = unquoted
    texts = (text.replace(_SAID.strip(), "").strip() for text in found)
    return frozen(text for text in texts if text), plain.replace(_SAID.strip(), " ")


def _cut(
    pattern: re.Pattern[str],
    text: str,
    take: Callable[[re.Match[str]], str],
    into: set[str],
    instead: str = " ",
) -> str:
    """``pattern.sub(instead, text)``, adding what ``take`` reads from each match ``into`` a set:
    one pass over the text, not two."""
    pieces, start = [], 0
    for match in pattern.finditer(text):
        into.add(take(match))
        pieces.append(text[start : match.start()])
        start = match.end()
    return instead.join([*pieces, text[start:]]) if pieces else text
