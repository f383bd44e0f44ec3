"""The verifier's words said one way before compounds are joined, or right after: a medium said
as how the scene was made ("a house drawn in crayon": "a house, crayon drawing"), a part said
as a describing word ("a red-haired woman": "a woman with red hair"), a colour, size or age
said after "that is" ("a car that is red": "a red car"), a tool said as what is used ("a
chef using a knife to chop onions": "a chef chopping onions with a knife"), a medium that
closes a noun phrase after what it shows ("a red car photo": "a red car, photo"), "by
itself" said as "alone", a style said as its maker ("in the style of van gogh": "by van gogh")
and a time said two ways ("early in the morning": "in the early morning").

:mod:`proxy.matching.filler` takes off the canonical prompt's filler, and
:mod:`proxy.matching.normalise` folds the tokens' synonyms, prepositions and word order.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from proxy.matching.compounds import DESCRIBING
from proxy.matching.filler import DRAWN
from proxy.matching.word_order import DETERMINERS, PART_ENDS, PLACING, TIMES
from proxy.matching.words import COLOURS, FUNCTION_WORDS, MADE_MEDIA, MEDIA, STYLES

if TYPE_CHECKING:
    from proxy.matching.lexicon import WordNet

__all__ = ["early_in", "medium_apart", "normalise_words", "styled_by", "verb_ing"]


_MADE_IN = {
    "drawn": "drawing", "painted": "painting", "sketched": "sketch", "rendered": "render",
    "illustrated": "illustration", "photographed": "photo",
}  # fmt: skip
_MADE_ALONE = frozenset({"photographed", "sketched", "rendered"})
"""Of ``_MADE_IN``, those that alone in a tag say how the picture was made ("a book, illustrated"
may be an illustrated book)."""
_PHOTOGRAPHED_AT = frozenset({"in", "on", "at", "during", "under"})
"""Where "photographed" says where the thing is as the photo shows it: "a fox photographed in the
snow" is "a fox in the snow, photo" ("from a helicopter" is where the camera was)."""
_NOT_PHOTOS = frozenset(
    """
    painting painted paint drawing drawn sketch sketched illustration illustrated watercolor
    watercolour oil acrylic ink charcoal pencil cartoon anime manga comic render rendered 3d cgi
    sculpture statue engraving etching woodcut lithograph mosaic mural vector clipart
    """.split()
)
"""Media of a picture that is no photo: "a painting of a cat photographed in a museum" is a photo
of the painting, or a painting; not "a cat in a museum, photo"."""


_PLURAL_MATERIALS = frozenset(
    "oils pastels watercolors acrylics inks crayons pencils markers".split()
)
_PENS = frozenset("pen pens pencil pencils marker markers".split())
_WITH_ON = frozenset({"with", "on"})
_KINDS_OF_PEN = frozenset("ballpoint felt fountain gel colored coloured".split())
"""What a pen or a pencil is said to be, the two a medium: "sketched in ballpoint pen"."""
_DONE = frozenset({"done", "executed"})
_PAINTS = frozenset("oil acrylic watercolor gouache tempera".split())
"""Media said as what a picture was done in ("done in watercolor"): painted, or else drawn."""
_ART_MATERIALS = _PAINTS | DRAWN | {"crayon", "marker"}


def normalise_words(words: Sequence[str]) -> list[str]:
    """The verifier's words before compounds are joined: the medium said as how the scene was
    made ("a house drawn in crayon") said as a medium ("a house, crayon drawing"), and a part
    said as a describing word ("a red-haired woman") said with "with" ("a woman with red
    hair")."""
    return _used_to(_predicates_before(_with_parts(_made_in(_worded_alike(words)))))


_SELVES = frozenset("itself himself herself themselves myself yourself".split())


def _worded_alike(words: Sequence[str]) -> list[str]:
    """ "by itself", "by herself" as "alone": no artist's name after "by"; "lit with lanterns"
    as "lit by lanterns", which a passive reads as the lanterns lighting it; and "lit up in the
    glow of the furnace" or "lit by" it as "in the glow of the furnace", which shows no more."""
    if _SELVES.isdisjoint(words) and "lit" not in words:
        return list(words)
    out: list[str] = []
    for i, word in enumerate(words):
        if word in _SELVES and out and out[-1] == "by":
            out[-1] = "alone"
        elif word == "with" and out[-1:] == ["lit"]:
            out.append("by")
        elif word in ("in", "by") and _a_light(words, i + 1) and "lit" in out[-2:]:
            del out[out.index("lit", len(out) - 2) :]  # and "up" after it
            out.append("in")
        else:
            out.append(word)
    return out


_GLOWS = frozenset("light glow glare gleam radiance shine flicker".split())
_LONGEST_GLOW = 4


def _a_light(words: Sequence[str], i: int) -> bool:
    """Whether the noun phrase at ``i`` names light ("the orange glow", "soft light"), in which
    a thing lit is lit by it; not a colour or a place ("lit in red", "lit in the window")."""
    phrase = itertools.takewhile(
        lambda t: t[:1].isalpha() and (t in DETERMINERS or t not in FUNCTION_WORDS),
        words[i : i + _LONGEST_GLOW],
    )
    return not _GLOWS.isdisjoint(phrase)


_USE = frozenset({"use", "uses", "used", "using"})
_LONGEST_USED = 120
"""Prompts of more words are not rephrased for "using X to": each "use" looks ahead, and each
rephrasing reads the rest again, so a long run of them would cost the square of its length."""
_VOWELS = re.compile(r"[aeiouy]+")


def _used_to(tokens: list[str]) -> list[str]:
    """ "a chef using a knife to chop onions" -> "a chef chopping onions with a knife": the tool
    after what is done with it, as "with" says it. What is done is the verb after "to"; its
    object, a noun phrase right after it, keeps its place ("used a sword to slice a bottle")."""
    if _USE.isdisjoint(tokens) or "to" not in tokens or len(tokens) > _LONGEST_USED:
        return tokens
    for i, token in enumerate(tokens):
        if token not in _USE:
            continue
        end = i + 1 + (i + 1 < len(tokens) and tokens[i + 1] in DETERMINERS)
        tool_end = end
        while tool_end < len(tokens) and (
            _names_the_thing(tokens[tool_end])
            # "a pair of scissors"
            or (tokens[tool_end] == "of" and tool_end > end and tool_end + 1 < len(tokens))
        ):
            tool_end += 1
        if (
            tool_end == end  # "used to sit": nothing is used
            or tool_end + 1 >= len(tokens)
            or tokens[tool_end] != "to"
            or not _names_the_thing(tokens[tool_end + 1])  # "a ladder to the roof"
        ):
            continue
        verb = tool_end + 1
        done = verb + 1 + (verb + 1 < len(tokens) and tokens[verb + 1] in DETERMINERS)
        while done < len(tokens) and _names_the_thing(tokens[done]):
            done += 1
        return [
            *tokens[:i],
            verb_ing(tokens[verb]),
            *tokens[verb + 1 : done],
            "with",
            *tokens[i + 1 : tool_end],
            *_used_to(tokens[done:]),
        ]
    return tokens


def verb_ing(verb: str) -> str:
    """ "chop" -> "chopping", "slice" -> "slicing", "paint" -> "painting"."""
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        return verb[:-1] + "ing"
    if len(_VOWELS.findall(verb)) == 1 and re.search(r"[^aeiou][aeiou][^aeiouwxy]$", verb):
        return verb + verb[-1] + "ing"  # "cut", "stir", "chop"
    return verb + "ing"


_RELATIVE_BE = {("that", "is"), ("which", "is"), ("that", "are"), ("which", "are")}


_BEFORE_A_PHRASE = PLACING | {"and", "with", "next"}
"""Words after which a describing word said after "that is" has ended its phrase."""


def _predicates_before(tokens: list[str]) -> list[str]:
    """ "a car that is red" -> "a red car": a colour, size or age said after "that is" at the
    end of a part of the prompt or before another noun phrase ("... and a cat"), before the noun
    phrase it is said of (from its determiner)."""
    if "that" not in tokens and "which" not in tokens:
        return tokens
    out = list(tokens)
    i = 1
    while i + 2 < len(out):
        if (
            (out[i], out[i + 1]) in _RELATIVE_BE
            and out[i + 2] in DESCRIBING
            and (
                i + 3 == len(out)
                or out[i + 3] in PART_ENDS
                # "a dog that is white and a cat": a new noun phrase follows; or a place
                # ("a vase that is white beside a tower")
                or (
                    out[i + 3] in _BEFORE_A_PHRASE
                    and i + 4 < len(out)
                    and (out[i + 4] in DETERMINERS or out[i + 4] == "to")
                )
            )
        ):
            start = i - 1
            while start > 0 and _names_the_thing(out[start - 1]):
                start -= 1
            if start > 0 and out[start - 1] in DETERMINERS and _names_the_thing(out[i - 1]):
                out[start : i + 3] = [out[i + 2], *out[start:i]]
        i += 1
    return out


_PARTS = {
    "haired": "hair", "eyed": "eyes", "eared": "ears", "legged": "legs", "winged": "wings",
    "horned": "horns", "tailed": "a tail", "roofed": "a roof", "sleeved": "sleeves",
    "brimmed": "a brim", "heeled": "heels", "wheeled": "wheels", "faced": "a face",
    "necked": "a neck", "bearded": "a beard",
}  # fmt: skip
"""Describing words made of a part ("long-eared", "red-roofed"): the part, as "with" says it."""
_WITH_PART = {"bearded": "a beard", "mustached": "a mustache", "bespectacled": "glasses"}
"""Such words said without what the part is like: "a bearded man" is "a man with a beard"."""
_HYPHENED_PART = re.compile(r"([a-z0-9]+)-([a-z]+ed)")


def _with_parts(tokens: list[str]) -> list[str]:
    """ "a red-haired woman sitting" -> "a woman with red hair sitting", "a bearded man" -> "a
    man with a beard": the part after the thing it belongs to, as most prompts say it. The
    thing is the words that follow up to a function word, a verb's "-ing" or "-ed" form or the
    end of a part of the prompt; a count says the part's number ("three-legged": "three legs")."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        part = _WITH_PART.get(token)
        if part is not None:
            said = part.split()
        elif (
            (match := _HYPHENED_PART.fullmatch(token))
            and match[2] in _PARTS
            and token != "dog-eared"  # worn pages, not a dog's ears
        ) or (token in _PARTS and out and _names_the_thing(out[-1])):
            # "red-haired", or "red haired" written apart
            like, part = (match[1], _PARTS[match[2]]) if match else (out[-1], _PARTS[token])
            if like in ("one", "1", "single"):
                part = part if part.startswith("a ") else part[:-1]  # "one-eyed": one eye
                like = "one"
            said = [*part.split()[:-1], like, part.split()[-1]]
        else:
            out.append(token)
            i += 1
            continue
        end = i + 1
        while end < len(tokens) and _names_the_thing(tokens[end]):
            end += 1
        if end == i + 1:  # nothing it describes follows: "the horse was one-eyed"
            out.append(token)
            i += 1
            continue
        if token in _PARTS and token not in _WITH_PART:
            out.pop()  # the describing word written apart ("red haired") goes with its part
        out += [*tokens[i + 1 : end], "with", *said]
        i = end
    return out


def _names_the_thing(token: str) -> bool:
    """Whether ``token`` may describe or name a thing: a word, not a function word nor a verb's
    "-ing" or "-ed" form ("red" and "bed" are words)."""
    return (
        token[0].isalpha()
        and token not in FUNCTION_WORDS
        and (token in _NOT_VERBS or not token.endswith(("ing", "ed")))
    )


_NOT_VERBS = COLOURS | {"bed", "shed", "sled", "king", "ring", "wing", "string", "ceiling"}


def _made_in(tokens: list[str]) -> list[str]:
    """ "a house drawn in crayon" -> "a house, crayon drawing": the medium, said as how the scene
    was made, at the end of a part of the prompt; "..., sketched" as "..., sketch"; and "a fox
    photographed in the snow" or "a fox, photographed at night", where no other medium is
    named, as "a fox in the snow, photo" and "a fox, at night, photo"."""
    out: list[str] = []
    photo = _NOT_PHOTOS.isdisjoint(tokens) and _ART_MATERIALS.isdisjoint(tokens)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        after = tokens[i + 1] if i + 1 < len(tokens) else ","
        if token == "taken" and out[-1:] and out[-1] in PART_ENDS and after in PART_ENDS:
            i += 1  # "a photo of a fox, taken from above": the view is read apart
            continue
        if token in _MADE_ALONE and out[-1:] and out[-1] in PART_ENDS and after in PART_ENDS:
            # "a fox in the snow, illustrated": an illustration; but "an easter egg, painted"
            # may be a painted egg
            out.append(_MADE_IN[token])
            i += 1
            continue
        if (
            token == "photographed"
            and photo
            and out
            # "a fox photographed in the snow", "a night market, photographed at night"
            and (out[-1] in PART_ENDS or (out[-1][0].isalpha() and out[-1] not in FUNCTION_WORDS))
            # "a fox photographed" ends its part where the camera's place was taken out of
            # it ("a fox photographed from above": a photo of a fox, the view apart)
            and (after in _PHOTOGRAPHED_AT or after in PART_ENDS)
        ):
            end = next(
                (j for j in range(i + 1, len(tokens)) if tokens[j] in PART_ENDS), len(tokens)
            )
            out.extend([*tokens[i + 1 : end], ",", "photo"])
            i = end
            continue
        if token in _MADE_IN and after == "digitally" and out:
            # "a castle, painted digitally by raymond swanland": "digital painting by ..." (a
            # tag of its own, "..., painted digitally", is the filler's)
            if out[-1] not in PART_ENDS:
                out.append(",")
            out.extend(["digital", _MADE_IN[token]])
            i += 2
            continue
        traditional = (
            after == "in"
            and tokens[i + 2 : i + 3] == ["traditional"]
            and tokens[i + 3 : i + 4] != []
            and tokens[i + 3] in _ART_MATERIALS | _PLURAL_MATERIALS
        )
        if traditional:
            out.append("traditional")  # "painted in traditional oils": a traditional oil painting
            tokens = [*tokens[: i + 2], *tokens[i + 3 :]]
        made = (token in _MADE_IN or token in _DONE) and after in ("in", "with")
        # "sketched in ballpoint pen": a pen of a kind, two words for one medium
        pen = made and tokens[i + 2 : i + 3] != [] and tokens[i + 2] in _KINDS_OF_PEN
        pen = pen and tokens[i + 3 : i + 4] != [] and tokens[i + 3] in _PENS
        said = 2 if pen else 1  # the words that name the material
        if (
            made
            and i + 2 + said <= len(tokens)
            # "painted in gouache with flat colors": a gouache painting with flat colors, and
            # "painted in oil on a wood panel" an oil painting on one
            and (
                i + 2 + said == len(tokens)
                or tokens[i + 2 + said] in PART_ENDS
                or tokens[i + 2 + said] in _WITH_ON
            )
        ):
            material = tokens[i + 1 + said]
            material = material[:-1] if material in _PLURAL_MATERIALS else material
            medium = _MADE_IN.get(token)
            if after == "with" and material not in _ART_MATERIALS | _PLURAL_MATERIALS:
                medium = None  # "painted with roses" puts roses on it, in no medium
            if medium is None:  # "done in watercolor": only an art material names a medium
                if material not in _ART_MATERIALS or tokens[i + 2] == "oil":  # fried in oil
                    out.append(token)
                    i += 1
                    continue
                medium = "painting" if material in _PAINTS else "drawing"
            if out and out[-1] not in PART_ENDS:
                out.append(",")
            out.extend([*tokens[i + 2 : i + 1 + said], material, medium])
            i += 2 + said
            continue
        out.append(token)
        i += 1
    return out


_MEDIUM_AFTER = frozenset(
    """
    photo photograph portrait painting drawing sketch illustration render watercolor snapshot
    """.split()
)
"""Media that may close a noun phrase after what they show: "a red car photo"."""
_KINDS_OF_PICTURE = frozenset(
    """
    product studio fashion street film stock passport profile editorial magazine book cover
    concept press news travel matte
    """.split()
)
"""Nouns that say what kind of picture a medium is, not what it shows: "a product photo"."""


def medium_apart(wordnet: WordNet | None, tokens: list[str]) -> list[str]:
    """ "a red car photo" -> "a red car, photo", as "a photo of a red car" reads: a medium that
    closes a noun phrase right after a thing names how the thing is shown, not a red photo.
    So does a background: "a snowy fjord background" is "a snowy fjord in the background" (but
    "a white background" is no thing)."""
    if wordnet is None or (_MEDIUM_AFTER.isdisjoint(tokens) and _BACKDROPS.isdisjoint(tokens)):
        return tokens
    out: list[str] = []
    for i, token in enumerate(tokens):
        ends = i and (i + 1 == len(tokens) or tokens[i + 1] in PART_ENDS)
        if ends and token in _BACKDROPS and _backdrop_thing(wordnet, tokens[i - 1]):
            out += ["in", "the", "background"]
            continue
        if ends and token in _MEDIUM_AFTER and _shown(wordnet, tokens[i - 1]):
            out.append(",")
        out.append(token)
    return out


_BACKDROPS = frozenset({"background", "backdrop"})


def _backdrop_thing(wordnet: WordNet, word: str) -> bool:
    """Whether ``word``, right before "background", is a thing shown there ("desert", "city"),
    not what the background looks like ("dark", "plain", "pastel blue")."""
    return (
        word[0].isalpha()
        and word not in FUNCTION_WORDS
        and word not in COLOURS
        and word not in STYLES
        and "n" in wordnet.parts_of_speech(word)
        and not wordnet.usually(word, "a", "n")
    )


def _shown(wordnet: WordNet, word: str) -> bool:
    """Whether ``word``, right before a medium, is a thing it shows ("car" in "a car photo"),
    not how the picture is made ("oil", "digital") or what kind it is ("a product photo")."""
    return (
        len(word) > 1  # not the "d" of "3d render"
        and word[0].isalpha()
        and word not in STYLES
        and word not in _KINDS_OF_PICTURE
        and word not in FUNCTION_WORDS
        and wordnet.usually(word, "n", "a")
        and wordnet.usually(word, "n", "v")
    )


def early_in(tokens: Sequence[str]) -> list[str]:
    """ "early in the morning" as "in the early morning", "late in the afternoon" and "late at
    night" as "in the late afternoon" and "in the late night": one time of day, said two ways."""
    out = list(tokens)
    for i in range(len(out) - 2):
        if out[i] not in ("early", "late"):
            continue
        if out[i + 1 : i + 3] == ["in", "the"] and i + 3 < len(out) and out[i + 3] in TIMES:
            out[i : i + 3] = ["in", "the", out[i]]
        elif out[i + 1] == "at" and out[i + 2] in TIMES:
            out[i : i + 2] = ["in", "the", out[i]]
    return out


def styled_by(tokens: Sequence[str]) -> list[str]:
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
