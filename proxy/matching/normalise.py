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

The vocabularies live in :mod:`proxy.matching.words`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence

from proxy.matching.features import says
from proxy.matching.word_order import (
    DETERMINERS,
    PART_ENDS,
    TIMES,
    active,
    fronted,
    fronted_place,
    fronted_time,
    names_the_doer,
)
from proxy.matching.words import (
    ART_SITES,
    BOILERPLATE,
    DEFAULT_MEDIA,
    FRAMES,
    FUNCTION_WORDS,
    LOOSE_PREPOSITIONS,
    MADE_MEDIA,
    MEDIA,
    SETTINGS,
    SPELLINGS,
    STYLES,
    SYNONYMS,
)

__all__ = ["DRAWN", "as_tags", "fold_words", "normalise_tokens", "respell", "strip_filler"]


def _phrases(phrases: Iterable[str]) -> str:
    """A regex alternative of ``phrases``, longest first, spaces matching spaces or hyphens."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"[\s-]+".join(map(re.escape, p.split())) for p in ordered)


_BOILERPLATE = re.compile(
    r"(?<![\w-])(?:in\s+)?(?:(?:ultra|super|very|extremely)[\s-]+)?(?:"
    + _phrases(" ".join(p) for p in BOILERPLATE)
    + r")(?![\w-])"
)
_SHARP = ("sharp", "crisp", "professional")
_SHARP_TAG = re.compile(
    r"(?:^|(?<=,))\s*(?:sharp(?:\s+(?:details?|image))?|crisp\s+(?:details?|image)|professional)"
    r"\s*(?=,|$)"
)
""""..., 4k, sharp, ..." and "..., 8k uhd, professional, ..." ask for a good image: boilerplate
as a tag of its own among other quality tags or in a long list of tags, never a description of
a thing ("a sharp knife"; "a knife, sharp"; "a professional chef")."""
_PROFESSIONAL_PHOTO = re.compile(r"(?<![\w-])professional\s+(photo(?:graph|graphy)?)(?![\w-])")
""""a professional photo" is a photo: how good, not what kind."""
_LONG_TAG_LIST = 5
"""Commas in a prompt long enough that a lone "sharp", "crisp image" or "professional" in it is
about the image."""
_FRAME = re.compile(
    r"(?:^|(?<=,))\s*(?:(?:a|an|the)\s+)?(?:"
    + "|".join(sorted(FRAMES))
    + r")s?\s+(?:of|showing)(?:\s*:)?\s+"
)
_MADE_FROM = ("made", "crafted", "carved", "built")
_MADE_OF = re.compile(
    r"(?<![\w-])(?:" + "|".join(_MADE_FROM) + r")\s+(?:out\s+)?(?:of|from)(?![\w-])"
)
""""a table made of wood" is "a table of wood", whose material the reader checks."""
_COVERS = ("covered", "coated", "blanketed")
_COVERED = re.compile(r"(?<![\w-])(?:" + "|".join(_COVERS) + r")\s+(?:in|with|by)(?![\w-])")
""""a peak covered in snow" is "a peak with snow", which "a snowy peak" shows."""
_TAKING = {"nap": "napping", "walk": "walking", "stroll": "strolling", "bath": "bathing",
           "shower": "showering", "swim": "swimming", "rest": "resting", "run": "running",
           "jog": "jogging", "ride": "riding", "hike": "hiking", "laugh": "laughing"}  # fmt: skip
_TAKING_A = re.compile(
    r"(?<![\w-])(?:(?:take|takes|taking|took|taken|having|has|have|had|share|shares|sharing"
    r"|shared)\s+an?"
    r"|(?:go|goes|going|went|gone)\s+for\s+an?)\s+(" + "|".join(_TAKING) + r")(?![\w-])"
)
""""a cat taking a nap" is "a cat napping", "a man goes for a run" "a man running", "friends
sharing a laugh" "friends laughing"."""
_OWNER = r"(?:his|her|their|its|the|a|an|my|your|our)\s+[\w-]+"
_FOR_A = {"walk": "walking"}
_TAKEN_FOR_A = re.compile(
    rf"(?<![\w-])(?:take|takes|taking|took)\s+({_OWNER})\s+for\s+an?\s+({'|'.join(_FOR_A)})(?![\w-])"
)
""""a man taking his dog for a walk" is "a man walking his dog" (not "for a ride": "taking his
girlfriend for a ride" is no "riding his girlfriend")."""
_GIVING = {"food": "feeding", "a bath": "bathing", "a hug": "hugging",
           "a kiss": "kissing", "a massage": "massaging", "a shave": "shaving", "a push": "pushing",
           "a pat": "patting"}  # fmt: skip
_GIVES = r"(?<![\w-])(?:give|gives|giving|gave)\s+"
_GIVEN_TO = re.compile(_GIVES + rf"({'|'.join(_GIVING)})\s+to(?![\w-])")
_GIVEN = re.compile(_GIVES + rf"({_OWNER})\s+({'|'.join(_GIVING)})(?![\w-])")
_WATERED = re.compile(
    _GIVES + r"water\s+to\s+((?:the|his|her|their|its|my|your|our|some)\s+(?:[\w-]+\s+)?"
    r"(?:plants?|flowers?|garden|lawn|crops?|trees?|seedlings?|vegetables?|roses?|herbs?))(?![\w-])"
)
""""a mother giving her baby a bath" is "a mother bathing her baby", and "a woman giving water
to the potted plants" "a woman watering the potted plants"; water given to someone alive is a
drink, not a spray."""
_REPAIRS = re.compile(
    r"(?<![\w-])(?:do|does|doing|did|make|makes|making|made)\s+(?:some\s+)?repairs\s+(?:on|to)(?![\w-])"
)
""""a mechanic doing repairs on a car" is "a mechanic repairing a car"."""
_RENDERED = ("made", "done", "rendered", "created")
_MADE = "|".join(_RENDERED)
_MADE_AS = re.compile(
    rf"(?:^|(?<=,))\s*(?:(?:{_MADE})\s+as|(?:(?:{_MADE})\s+)?in\s+the\s+form\s+of)\s+(?:an?\s+)?(?=\w)"
)
""""..., made as a woodcut", "..., in the form of a woodcut": the medium, said at length."""
_MADE_AS_WORDS = (*_RENDERED, "form")
_DIGITAL = {"painted": "painting", "drawn": "drawing", "illustrated": "illustration"}
_DIGITALLY = re.compile(
    rf"(?:^|(?<=,))\s*(?:digitally\s+({'|'.join(_DIGITAL)})|({'|'.join(_DIGITAL)})\s+digitally)"
    r"\s*(?=,|$)"
)
""""..., painted digitally" and "..., digitally painted", a tag of their own, are "..., digital
painting"."""
_REQUEST = re.compile(
    r"^\s*(?:(?:hey|hi|hello)(?:\s+there)?(?:\s*,\s*|\s+(?=(?:please|can|could|would|i|generate"
    r"|create|make|draw|show|give|render|produce)\s)))?(?:please\s+)?(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?"
    r"(?:i\s*(?:would|'d)\s+(?:like|love)\s+(?:to\s+see\s+)?|i\s+(?:want|need)\s+(?:to\s+see\s+)?"
    r"|(?:here\s+is|here's|this\s+is)\s+what\s+i\s+(?:want|need)(?:\s+to\s+see)?\s*[:-]\s*)?"
    r"(?:prompt\s*:\s*)?(?:imagine\s+)?"
    r"(?:(?:generate|create|make|draw|show|give|render|produce)(?:\s+(?:for\s+)?(?:me|us))?"
    r"(?:\s*:\s*|\s+))?"
    r"(?:please\s+)?"
)
_SHOW_ME = re.compile(
    r"(^|,)\s*(?:i\s*(?:would|'d)\s+(?:like|love)|i\s+(?:want|need))\s+(?:the|this|my)\s+"
    r"(?:picture|image|scene)\s+to\s+(?:show|have|include|feature)\s+"
)
"""A request said anywhere a tag begins: "..., i would like the picture to show prayer flags"."""
_SHOWN = ("to show", "to have", "to include", "to feature")
_THERE_IS = re.compile(r"^\s*there\s+(?:is|are)\s+|(?<![\w-])(?:a\s+)?game\s+of\s+(?=\w)")
_PLEASE = re.compile(
    r"(?<![\s,])[\s,]+(?:(?:please|pls|plz)(?:\s+and\s+thanks?(?:\s+you)?)?"
    r"|thanks?(?:\s+(?:you|u))?(?:\s+(?:so|very)\s+much|\s+a\s+lot)?"
    r"(?:\s+in\s+advance)?|thx|ty|if\s+(?:possible|you\s+can)|"
    r"(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?"
    r"(?:generate|create|make|draw|render|paint)\s+(?:this|it|that)(?:\s+for\s+(?:me|us))?"
    r"(?:\s+please)?)(?:\s*[.!?]+)?\s*$"
)
"""A courtesy that closes a prompt; taken off up to three times ("..., if possible, thanks a
lot"): one pattern repeating itself would backtrack without end on a prompt of many."""
_SUPPORTS = ("canvas", "paper", "board", "panel", "linen")
_ON_CANVAS = re.compile(
    r"(?<![\w-])(painted\s+in\s+)?(oils?|acrylics?|gouache|tempera|watercolou?rs?|ink|charcoal"
    r"|pencil|graphite|pastels?)\s+on\s+(?:" + "|".join(_SUPPORTS) + r")(?![\w-])"
)
""""oil on canvas" is "oil painting", "ink on paper" "ink drawing"; "painted in oil on canvas"
"painted in oil"."""
DRAWN = frozenset({"ink", "charcoal", "pencil", "graphite", "pastel", "pastels"})
_PHOTO_TAKEN = re.compile(
    r"(?<![\w-])(?:(?:a\s+)?photo(?:graph)?\s+taken|photographed)\s+(with|on|using)(?![\w-])"
)
""""a photo taken with a 24mm lens" is "photographed with a 24mm lens"."""


def _on_canvas(match: re.Match[str]) -> str:
    painted, medium = match.group(1), match.group(2)
    if painted:
        return f"{painted}{medium}"
    return f"{medium} {'drawing' if medium in DRAWN else 'painting'}"


_VERSIONED = ("unreal", "blender", "octane", "midjourney")
_VERSION = re.compile(
    r"(?<![\w-])(unreal\s+engine|blender|octane|midjourney)\s+v?\d+(?:\.\d+)?(?![\w.-])"
)
""""unreal engine 5" is "unreal engine": a version number is not a count of anything."""
_OUT_IN = re.compile(r"(?<![\w-])out\s+(?=in\s+the\s)")
_MISSING = re.compile(r"(?:^|(?<=,))(\s*)(?:(?:a|an|the)\s+)?([a-z]+)\s+missing\s*(?=,|$)")
""""..., lamp missing, ...": "..., no lamp, ..."."""
_MISSING_A = re.compile(r"(?<![\w-])missing\s+(?=(?:a|an|one|two|his|her|its|their)\s)")
""""a man missing a tooth": "a man without a tooth"."""
""""a house out in the woods" is "a house in the woods"."""
_DAY = re.compile(r"(?<![\w-])(?:on|in|during)\s+(?:a|an|the)\s+([a-z]+)\s+day(?![\w-])")
_DAY_TAG = re.compile(r"(?:^|(?<=,))(\s*(?:" + "|".join(sorted(SETTINGS)) + r"))\s+day\s*(?=,|$)")
""""..., sunny day, ..." is "..., sunny, ...", as "on a sunny day" is: the day is no thing."""
_MIDDLE_OF = re.compile(
    r"(?<![\w-])in\s+the\s+(?:very\s+)?middle\s+of\s+the\s+(day|night)(?![\w-])"
)
_MIDDLE = {"day": "at midday", "night": "at midnight"}
""""in the middle of the day" is "at midday", "in the middle of the night" "at midnight"."""
_NOT_A_STYLE = r"(?!(?:an?|the|this|that|his|her|their|its|my|same|similar|different)\s)"
_IN_STYLE = re.compile(
    r"(?<![\w-])in\s+(?:an?\s+)?"
    rf"({_NOT_A_STYLE}[a-z][\w-]*(?:\s+{_NOT_A_STYLE}[a-z][\w-]*)?)\s+style(?![\w-])(?!\s+of)"
)
""""a street in cyberpunk style" is "a street, cyberpunk": a style of the whole picture, as a
tag of its own says it."""
_SIDE_BY_SIDE = re.compile(r"(?<![\w-])side[\s-]+by[\s-]+side(?![\w-])")
""""two cats sleeping side by side" is "together": no side is a thing in the picture."""
_ONSTAGE = re.compile(r"(?<![\w-])(on|off)stage(?![\w-])")
""""a band playing onstage" is "a band playing on stage"."""
_FLAGS = re.compile(
    r"(?<!\S)--(?:ar|aspect|v|version|q|quality|s|stylize|c|chaos|seed)(?:\s+[\d.:]+)?"
    r"(?=\s+--|\s*$)"
)
""""--ar 16:9", "--v 5": a Midjourney parameter pasted with its prompt; here the request's own
fields say the size. Not "--no" (a negative prompt), "--tile" or "--niji" (they change it)."""
_AT_THE_TOP = re.compile(r"(?<![\w-])at\s+the\s+(?:very\s+)?top\s+of(?![\w-])")
""""at the top of a tree" is "on top of a tree"."""
_ON_TOP = re.compile(r"(?<![\w-])on\s+(?:a|an|the)\s+(hill|mountain|roof|tree|house)top(?![\w-])")
""""on a hilltop" is "on top of a hill" (which is "on" it, loosely)."""
_FILM_STOCK = re.compile(r"\b(kodak)[\s-]+(gold)\b")
""""kodak gold" is a film stock, one name: no gold thing in the picture, nor a golden film."""
_SPACES = re.compile(r"[ \t]+")
_EMPTY_PARTS = re.compile(r"(?<![\s,])(?:\s*,)+\s*(?=,|$)|^\s*,+")
_COMMA_GAP = re.compile(r",\s*(?:,|$)")
"""What every empty part but a leading one holds: a comma, then another or the end. A pattern
that opens with a literal is scanned for quickly; one that opens with a lookbehind is tried at
every character (15 to 50 us on a 700-character prompt)."""


def _rewrite(
    pattern: re.Pattern[str],
    replacement: str | Callable[[re.Match[str]], str],
    text: str,
    needles: Iterable[str],
) -> str:
    """``pattern.sub(replacement, text)`` where ``text`` holds one of ``needles`` (what every
    match holds), else ``text``: a substring test takes well under a microsecond."""
    if any(needle in text for needle in needles):
        return pattern.sub(replacement, text)
    return text


def as_tags(text: str) -> str:
    """``text`` with the separators of a tag list written as commas: a bar ("castle | sunset"),
    and semicolons where they alone separate ("castle; sunset; oil painting")."""
    text = text.replace("|", ",")
    if text.count(";") >= 2 and "," not in text:
        text = text.replace(";", ",")
    return text


def strip_filler(text: str, shows_words: bool | None = None) -> str:
    """``text`` (lower-case, outside quoted text) without the words that do not change the
    picture; whatever is left when nothing else is (a prompt that is all boilerplate) stays.
    Where it names words to render without quotes (``shows_words``, found in ``text`` when not
    given), its courtesies stay: "a banner that reads welcome, thank you"."""
    stripped, quality_tags = _BOILERPLATE.subn(" ", text)
    if quality_tags or text.count(",") >= _LONG_TAG_LIST:
        stripped = _rewrite(_SHARP_TAG, " ", stripped, _SHARP)
    stripped = _rewrite(_PROFESSIONAL_PHOTO, r"\1", stripped, ("professional",))
    stripped = _rewrite(_COVERED, "with", stripped, _COVERS)
    stripped = _rewrite(_MADE_OF, "of", stripped, _MADE_FROM)
    stripped = _rewrite(_ON_CANVAS, _on_canvas, stripped, _SUPPORTS)
    stripped = _rewrite(_PHOTO_TAKEN, r"photo \1", stripped, ("photo",))
    stripped = _rewrite(_TAKING_A, lambda m: _TAKING[m.group(1)], stripped, _TAKING)
    stripped = _rewrite(_TAKEN_FOR_A, lambda m: f"{_FOR_A[m[2]]} {m[1]}", stripped, (" for ",))
    stripped = _rewrite(_WATERED, r"watering \1", stripped, ("water",))
    stripped = _rewrite(_GIVEN_TO, lambda m: _GIVING[m[1]], stripped, ("giv", "gave"))
    stripped = _rewrite(_GIVEN, lambda m: f"{_GIVING[m[2]]} {m[1]}", stripped, ("giv", "gave"))
    stripped = _rewrite(_REPAIRS, "repairing", stripped, ("repairs",))
    stripped = _rewrite(_FRAME, " ", stripped, FRAMES)
    stripped = _rewrite(_MADE_AS, " ", stripped, _MADE_AS_WORDS)
    stripped = _rewrite(
        _DIGITALLY, lambda m: f" digital {_DIGITAL[m[1] or m[2]]}", stripped, ("digitally",)
    )
    stripped = _rewrite(_SHOW_ME, r"\1 ", stripped, _SHOWN)
    stripped = _REQUEST.sub("", stripped)
    stripped = _rewrite(_THERE_IS, "", stripped, ("there", "game"))
    # A courtesy before the quality tags taken off closes the prompt too: "..., thanks, 4k".
    stripped = stripped.rstrip(" ,") if quality_tags else stripped
    if not (says(stripped) if shows_words is None else shows_words):
        for _ in range(3):
            stripped, courtesies = _PLEASE.subn("", stripped)
            if not courtesies:
                break
    stripped = _rewrite(_FRAME, " ", stripped, FRAMES)
    stripped = _rewrite(_VERSION, r"\1", stripped, _VERSIONED)
    stripped = _rewrite(_OUT_IN, "", stripped, ("out",))
    stripped = _rewrite(_MISSING, r"\1no \2", stripped, ("missing",))
    stripped = _rewrite(_MISSING_A, "without ", stripped, ("missing",))
    stripped = _rewrite(_MIDDLE_OF, lambda m: _MIDDLE[m.group(1)], stripped, ("middle",))
    stripped = _rewrite(_DAY, r"\1", stripped, ("day",))
    stripped = _rewrite(_DAY_TAG, r"\1", stripped, (" day",))
    stripped = _rewrite(_ONSTAGE, r"\1 stage", stripped, ("stage",))
    stripped = _rewrite(_SIDE_BY_SIDE, "together", stripped, ("side",))
    stripped = _rewrite(_IN_STYLE, r", \1", stripped, (" style",))
    stripped = _rewrite(_FLAGS, " ", stripped, ("--",))
    stripped = _rewrite(_FILM_STOCK, r"\1\2", stripped, ("kodak",))
    stripped = _rewrite(_AT_THE_TOP, "on top of", stripped, ("top",))
    stripped = _rewrite(_ON_TOP, r"on top of a \1", stripped, ("top",))
    stripped = _SPACES.sub(" ", stripped)
    if _COMMA_GAP.search(stripped) or stripped.lstrip().startswith(","):
        stripped = _EMPTY_PARTS.sub("", stripped)
    stripped = stripped.strip(" ,")
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
    # A compound the reader has joined ("mobile_phone") is looked up as "mobile-phone", as
    # hyphenated words are.
    table.update({word.replace("_", "-"): form for word, form in table.items() if "_" in word})
    return table


_PAINTINGS = frozenset({"watercolor", "watercolour", "gouache"})
"""Media that name a painting on their own."""
_IRREGULAR = {"man": "men", "woman": "women", "child": "children"}
REPLACEMENTS = _replacements()
_KEEP_BEFORE = {"still": frozenset({"life", "lifes"})}
"""Listed words that are something else before these ("a still life" is a genre)."""
_FILMED = frozenset({"film", "movie", "cinematic", "video", "tv", "anime"})
"""What makes "still" a medium after it: "a film still of a cowboy" is "a cowboy, film still"."""
_JUMPING = frozenset(
    "jump jumps jumped jumping leap leaps leaped leapt leaping hop hops hopped hopping "
    "vault vaults vaulted vaulting hurdle hurdles hurdled hurdling".split()
)
"""Verbs whose object is what they go over ("jumps a fence")."""


LOWER_WORD = re.compile(r"(?<![\w'-])[a-z]+(?![\w'-])")
"""A lower-case word standing alone (not part of "x-ray", "dog's" or a mixed-case name)."""


_PHOTO_OF = re.compile(
    r"(?:^|(?<=,))\s*(?:(?:a|an|the)\s+)?(?:"
    + "|".join(sorted(DEFAULT_MEDIA))
    + r")s?\s+(?:of|showing)\s+(?=\w)"
)


def fold_words(text: str) -> str:
    """``text`` in one spelling and one word per group of listed synonyms ("a grey bunny" is "a
    gray rabbit"), without a photo frame ("a photo of a cat" is "a cat", which the verifier
    agrees a photo shows): what the embedding model reads, so such re-asks land near each
    other."""
    text = _PHOTO_OF.sub(" ", text).strip()
    return LOWER_WORD.sub(lambda m: REPLACEMENTS.get(m.group(), m.group()), text)


def respell(tokens: Sequence[str]) -> list[str]:
    """American spelling for British ("grey armour" is "gray armor")."""
    return [SPELLINGS.get(token, token) for token in tokens]


def _a_verb_before(tokens: Sequence[str], i: int) -> bool:
    """Whether the "-s" word at ``i`` is a verb, a thing after it and one before: "the cat
    photographs the monkey" (not "photos")."""
    return (
        tokens[i].endswith("s")
        and 0 < i < len(tokens) - 1
        and tokens[i + 1] in DETERMINERS
        and tokens[i - 1][:1].isalpha()
        and tokens[i - 1] not in FUNCTION_WORDS
    )


def normalise_tokens(
    tokens: Sequence[str], verb_like: Callable[[str], bool] | None = None
) -> list[str]:
    """The verifier's tokens (spelt alike, compounds joined) with synonyms, loose prepositions
    and media folded; ``verb_like`` as :func:`proxy.matching.word_order.active` takes it."""
    if "style" in tokens or "manner" in tokens:
        tokens = _styled_by(tokens)
    if "early" in tokens or "late" in tokens:
        tokens = _early_in(tokens)
    if tokens and fronted(tokens) and "," in tokens:
        # "in a snowy forest, a wolf howls" is "a wolf howls in a snowy forest"
        comma = tokens.index(",")
        tokens = [*tokens[comma + 1 :], *tokens[:comma]]
    elif (end := fronted_time(tokens) or fronted_place(tokens)) is not None:
        # "at night a fox crossing a road" is "a fox crossing a road at night"
        tokens = [*tokens[end:], *tokens[:end]]
    out: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in {"aged", "age"} and out and out[-1] == "middle":
            out[-1] = "middle-aged"  # an age of its own, not "aged" (old) in the middle
            continue
        replacement = REPLACEMENTS.get(token.replace("_", "-"))
        if (
            replacement is not None
            and following not in _KEEP_BEFORE.get(token, ())
            and not (token == "still" and i and tokens[i - 1] in _FILMED)
            and not _a_verb_before(tokens, i)
        ):
            token = replacement
        elif token in LOOSE_PREPOSITIONS or (token == "attending" and following in DETERMINERS):
            token = "in"  # "at a concert", "attending a concert"
        elif token == "around" and _WHEN.intersection(_after_determiner(tokens, i + 1)[:1]):
            token = "in"  # "around noon" is "at noon", "around christmas" "at christmas"
        elif token == "by" and following in _LAMPLIGHT:
            token = "in"  # "writing by candlelight" is writing in it, not a painter's name
        elif token in _UNDER and _SKY.intersection(_after_determiner(tokens, i + 1)[:2]):
            token = "in"  # "under the moonlight", "under a starry sky": lit by it, not below it
        elif token == "by" and following in DETERMINERS and not names_the_doer(out, len(out)):
            token = "beside"  # "a cabin by the lake"; but "kicked by a boy", "by greg rutkowski"
        elif token == "before" and following in DETERMINERS and out and out[-1] in _FACING:
            out += ["in", "front"]  # "kneeling before a king" is "kneeling in front of" him
            token = "of"
        elif token == "photographed" and out and out[-1] == "," and following in ("", ","):
            token = "photo"  # "a bowl of pho, photographed" is "a photo of a bowl of pho"
        elif token == "painting" and out and out[-1] in _PAINTINGS:
            continue  # "a watercolor painting" is "a watercolor"
        elif token == "style" and following != "of" and out and out[-1] in STYLES:
            continue  # "watercolor style" is "watercolor", "anime style drawing" "anime drawing"
        elif token == "over" and out and out[-1] in _JUMPING and following in DETERMINERS:
            continue  # "a deer jumping over a fence" is "a deer jumping a fence"
        elif _trending(tokens, i) or (i and token == "on" and _trending(tokens, i - 1)):
            continue  # "trending on artstation" is the tag "artstation": it places nothing
        out.append(token)
    # The medium first, so that what it shows is read as any other part: "a watercolor of a
    # lake surrounded by trees" as "trees surrounded a lake, watercolor", like "a lake
    # surrounded by trees, watercolor"; and again after the weather.
    return _media_last(_weather_last(active(_media_last(out, sentences=False), verb_like)))


_TRENDING = frozenset(["trending", "featured", "popular"])
_ON_A_SITE = frozenset(("on", site) for site in ART_SITES)


def _trending(tokens: Sequence[str], i: int) -> bool:
    """Whether ``tokens[i]`` opens "trending on artstation" (or "featured on pixiv", ...)."""
    return tokens[i] in _TRENDING and tuple(tokens[i + 1 : i + 3]) in _ON_A_SITE


_WEATHER = {
    "rainy": "rain", "raining": "rain", "rain": "rain", "snowy": "snow", "snowing": "snow",
    "snow": "snow", "foggy": "fog", "fog": "fog", "misty": "mist", "mist": "mist",
    "stormy": "storm", "storm": "storm", "windy": "wind",
}  # fmt: skip


def _weather_last(tokens: list[str]) -> list[str]:
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
            if noun in _WEATHER and not noun.endswith("y") and _ends_phrase(tokens, said + 1):
                weather.append(" ".join([*tokens[j:said], _WEATHER[noun]]))
                i = said + 1
                continue
        out.append(token)
        i += 1
    if not weather:
        return list(tokens)
    return [*out, *(t for w in dict.fromkeys(weather) for t in (",", *w.split()))]


def _ends_phrase(tokens: Sequence[str], i: int) -> bool:
    """Whether the weather word before ``i`` ends its phrase: "in the rain on a city street",
    not "in the rain forest"."""
    return (
        i >= len(tokens)
        or tokens[i] in PART_ENDS
        or tokens[i] in LOOSE_PREPOSITIONS
        or tokens[i] in _PLACING
    )


_PLACING = frozenset("on with near beside by along across over through past around".split())


def _early_in(tokens: Sequence[str]) -> list[str]:
    """ "early in the morning" as "in the early morning", "late in the afternoon" as "in the
    late afternoon": one time of day, said two ways."""
    out = list(tokens)
    for i in range(len(out) - 3):
        if (
            out[i] in ("early", "late")
            and out[i + 1 : i + 3] == ["in", "the"]
            and out[i + 3] in TIMES
        ):
            out[i : i + 3] = ["in", "the", out[i]]
    return out


def _styled_by(tokens: Sequence[str]) -> list[str]:
    """ "in the style of van gogh" and "in the manner of an ukiyo-e print" as "by van gogh" and
    "by ukiyo-e print": how the picture is made, which "by" opens (a determiner after "by"
    would make it a place). After a determiner, only a medium or a style is: "a house in the
    style of a castle" is no castle's work."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for said in _STYLED:
            end = i + len(said)
            if tuple(tokens[i:end]) == said and end < len(tokens):
                named = end + (tokens[end] in ("a", "an", "the"))
                phrase = itertools.takewhile(lambda t: t not in PART_ENDS, tokens[named:])
                if named == end or not _STYLE_WORDS.isdisjoint(phrase):
                    out.append("by")
                    i = named
                    break
        else:
            out.append(tokens[i])
            i += 1
    return out


_STYLE_WORDS = STYLES | MEDIA | MADE_MEDIA
_STYLED = (
    ("in", "the", "style", "of"),
    ("in", "style", "of"),
    ("in", "the", "manner", "of"),
)
_WHEN = TIMES | frozenset(
    "christmas christmastime halloween easter thanksgiving hanukkah diwali new_year".split()
)
"""Times, and the holidays that say one: "around" them is "at" them, not encircling them."""
_LAMPLIGHT = frozenset(
    "candlelight lamplight firelight torchlight gaslight moonlight starlight sunlight".split()
)
"""Light said to be what one does something "by" ("by candlelight") or "under"."""
_SKY = _LAMPLIGHT | frozenset(
    """
    sky skies night_sky stars moon sun full_moon sunshine
    northern_lights aurora aurora_borealis aurora_australis
    """.split()
)
"""What a thing is "under" when it is lit by it or out in the open, not below something."""


_UNDER = frozenset({"under", "beneath", "underneath"})
_WEATHER_AROUND = frozenset({"in", "through", *_UNDER})
"""Prepositions of weather one is out in: "under falling snow" is "in falling snow"."""
_FALLING = frozenset(["falling", "heavy", "light", "pouring", "driving", "gentle", "thick"])
"""How weather falls: kept with it ("in heavy rain" is not "in light rain")."""
_FACING = frozenset(
    """
    kneel kneels kneeling knelt bow bows bowing bowed stand stands standing stood pray prays
    praying prayed sit sits sitting sat pose poses posing posed
    """.split()
)
"""Postures whose "before" someone is "in front of" them, not earlier than them."""


def _after_determiner(tokens: Sequence[str], i: int) -> Sequence[str]:
    return tokens[i + 1 :] if tokens[i : i + 1] and tokens[i] in DETERMINERS else tokens[i:]


_GLASS_WINDOW = ["stained_glass", "window"]


_FINITE_BE = frozenset({"is", "are", "was", "were"})


def _media_last(tokens: list[str], *, sentences: bool = True) -> list[str]:
    """ "an oil painting of a lighthouse, at night" -> "a lighthouse, at night, oil painting":
    the medium names how the scene is shown, not a thing in it, wherever the prompt puts it.
    ``sentences`` false: not where a verb follows the medium's thing ("a mural of whales was
    painted by a teenager": the mural is a thing, read once the voice is active)."""
    for i, token in enumerate(tokens[:-1]):
        if tokens[i + 1] != "of":
            continue
        medium = (
            token.rsplit("_", 1)[-1] in MEDIA
            or tokens[i - 1 : i + 1] == _GLASS_WINDOW
            or (token == "still" and i > 0 and tokens[i - 1] in _FILMED)
        )
        # "a claymation scene of a mouse" is "a mouse, claymation"
        scene = token == "scene" and i > 0 and tokens[i - 1] in MEDIA
        if medium or scene:
            start = i
            while start > 0 and tokens[start - 1] not in DETERMINERS | PART_ENDS:
                start -= 1
            describing = tokens[start : i if scene else i + 1]
            if start > 0 and tokens[start - 1] in DETERMINERS:
                start -= 1
            if start > 0 and tokens[start - 1] not in PART_ENDS:
                continue  # "a room with a painting of a horse": the painting is in the scene
            end = i + 2
            while end < len(tokens) and tokens[end] not in PART_ENDS:
                end += 1
            shown = tokens[i + 2 : end]
            if not sentences and not _FINITE_BE.isdisjoint(shown):
                continue
            rest = _media_last(tokens[end:], sentences=sentences)
            return [*tokens[:start], *shown, ",", *describing, *rest]
    return tokens
