"""The canonical prompt's text rewrites: what a prompt says, with the words that do not change
the picture taken off and a few phrasings said one way, on the text itself (so they decide exact
hits and what is embedded, and the verifier reads what is left).

- Resolution and quality tags ("8k", "highly detailed", "masterpiece"), neutral framing at the
  start of a prompt or of a tag ("an image of", "a picture of"; "a room with a picture of a
  horse" keeps its picture), request phrasing ("please draw", "generate an image of", "there
  is", "a game of"), and courtesies.
- Phrasings said one way: "on a windy day" as "windy", "made of" as "of", "covered in" as
  "with", "taking a nap" as "napping", "giving her baby a bath" as "bathing her baby", "in the
  style of" as a tag of its own.

Each pattern is tried only on a text holding a word every match holds (:func:`_rewrite`).
:mod:`proxy.matching.normalise` does the same for the verifier's tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from proxy.matching.features import says
from proxy.matching.words import (
    BOILERPLATE,
    COLOURS,
    FRAMES,
    MADE_MEDIA,
    MEDIA,
    PUBLICATION_PARTS,
    PUBLICATIONS,
    SETTINGS,
    STYLES,
)

__all__ = ["DRAWN", "as_tags", "strip_filler"]


def _phrases(phrases: Iterable[str]) -> str:
    """A regex alternative of ``phrases``, longest first, spaces matching spaces or hyphens."""
    ordered = sorted(phrases, key=lambda phrase: (-len(phrase), phrase))  # the same every run
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
_PROFESSIONAL_PHOTO = re.compile(
    r"(?<![\w-])(?:professional|raw)\s+(photo(?:graph|graphy)?)(?![\w-])"
)
""""a professional photo" and "raw photo" (a camera's unprocessed file, said for a lifelike
one) are a photo: how good, not what kind."""
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
_DRAWN_AS = ("drawn", "painted", "illustrated", "sketched")
_A_MEDIUM = _phrases(
    (MEDIA | MADE_MEDIA | STYLES)
    - {"photo", "photograph", "photography", "photographic", "polaroid", "snapshot", "shot"}
)  # "a dog, drawn as a photo" is no photo
_MADE_AS = re.compile(
    rf"(?:^|(?<=,))\s*(?:(?:{_MADE})\s+as|(?:(?:{_MADE})\s+)?in\s+the\s+form\s+of"
    rf"|(?:{'|'.join(_DRAWN_AS)})\s+as(?=\s[^,]*(?<![\w-])(?:{_A_MEDIUM})(?![\w-])))"
    r"\s+(?:an?\s+)?(?=\w)"
)
""""..., made as a woodcut", "..., in the form of a woodcut", "..., drawn as a comic book
panel": the medium, said at length; but "..., drawn as a knight" names no medium."""
_MADE_AS_WORDS = (*_RENDERED, *_DRAWN_AS, "form")
_THING_MADE_AS = re.compile(
    rf"(?<=[a-z])\s+(?:{_MADE}|{'|'.join(_DRAWN_AS)})\s+as\s+(?:an?\s+)?"
    rf"(?=(?:[a-z-]+\s+){{0,2}}(?:{_A_MEDIUM})\s*(?:,|$))"
)
""""a jade dragon rendered as a mosaic" is "a jade dragon, mosaic": a medium that ends its tag
(not "a cat drawn as a knight")."""
_RENDERED_IN = re.compile(
    rf"(?<![\w-])(renders?|renderings?)\s+(?:{_MADE})\s+(?:in|with|using)\s+(?=[a-z0-9])"
)
""""a 3d rendering made in unreal engine" is "a 3d rendering, unreal engine": the software a
render is made with, named as its own tag."""
_DIGITAL = {"painted": "painting", "drawn": "drawing", "illustrated": "illustration"}
_DIGITALLY = re.compile(
    rf"(?:^|(?<=,))\s*(?:digitally\s+({'|'.join(_DIGITAL)})|({'|'.join(_DIGITAL)})\s+digitally)"
    r"\s*(?=,|$)"
)
""""..., painted digitally" and "..., digitally painted", a tag of their own, are "..., digital
painting"."""
_DONE_IN_WORDS = ("done", "executed", "illustrated", "drawn", "painted", "rendered", "sketched")
_DONE_IN = re.compile(
    r"(?:^|(?<=,))\s*(?:(?:(illustration|drawing|painting|sketch|artwork)\s+)?(?:done|executed)\s+in"
    r"\s+(pen\s+and\s+ink|[a-z-]+)(?![\w-])|(illustrated|drawn|painted|"
    r"rendered|sketched)\s+in\s+(?:an?\s+|the\s+)?([a-z-]+(?:\s+[a-z-]+)?)\s+style(?=\s*(?:,|$)))"
)
""""..., done in cross-stitch embroidery", "..., illustration done in pen and ink" and "...,
illustrated in anime style", tags of their own, say how the whole picture is made as "...,
cross-stitch embroidery", "..., pen and ink illustration" and "..., anime style illustration"
do."""
_MADE_IN_STYLE = {
    "illustrated": "illustration", "drawn": "drawing", "painted": "painting",
    "rendered": "render", "sketched": "sketch",
}  # fmt: skip


_PAINTS = frozenset("oil oils acrylic acrylics gouache tempera watercolor watercolors".split())


def _done_in(match: re.Match[str]) -> str:
    work, medium, made, style = match.group(1, 2, 3, 4)
    if made:
        return f" {style} style {_MADE_IN_STYLE[made]}"
    medium = " ".join(medium.split())
    one = medium.removesuffix("s")  # "done in oils": an oil painting
    if work:  # "illustration done in pen and ink": a pen and ink one
        return f" {one if medium in _PAINTS else medium} {work}"
    if medium in DRAWN:
        return f" {one} drawing"  # "done in pencil": a pencil drawing
    return f" {one} painting" if medium in _PAINTS else f" {medium}"


_PAINTED_IN = re.compile(
    r"(?:^|(?<=,))\s*(painted|drawn|sketched)\s+in\s+((?:soft|thick|fine|loose|bold|black|"
    r"coloured|colored)\s+)?(oils?|acrylics?|gouache|tempera|watercolou?rs?|ink|charcoal|pencil|"
    r"graphite|pastels?|crayons?)(?:\s+(?:painting|drawing))?(?=\s*(?:,|$))"
)
""""..., painted in gouache" and "..., drawn in soft pastels", tags of their own, are "...,
gouache painting" and "..., soft pastel drawing" (not "painted in red", a colour); a support
after the medium ("on toned paper") is taken off before."""


def _painted_in(match: re.Match[str]) -> str:
    made, how, medium = match.group(1, 2, 3)
    one = medium.removesuffix("s")
    return f" {how or ''}{one} {'painting' if made == 'painted' else 'drawing'}"


_CAPTURED = re.compile(
    r"(?:^|(?<=,))\s*captured\s+(?:in|on|as)\s+(?:an?\s+)?(?=(?:photo|photograph|film|polaroid"
    r"|snapshot)(?![\w-]))"
)
""""..., captured in a photograph" is "..., photograph"."""
_ON_A_CAMERA = re.compile(
    r"(?:^|(?<=,))\s*(?:captured|shot|taken|photographed)\s+(?:on|with)\s+(?:an?\s+)?"
    r"([a-z0-9-]+(?:\s+[a-z0-9-]+)?)\s+camera(?=\s*(?:,|$))"
)
""""..., shot on a polaroid camera" is "..., polaroid photo"."""
_INTO_THE_NIGHT = re.compile(r"(?<![\w-])late\s+into\s+the\s+night(?![\w-])")
""""working late into the night" is working late at night."""
_MADE_AS_A_TAG = {"illustrated": "illustration", "sketched": "sketch"}
_DONE_ALONE = re.compile(rf"(?:^|(?<=,))\s*({'|'.join(_MADE_AS_A_TAG)})\s*(?=,|$)")
""""..., illustrated", a tag of its own, is "..., illustration" (not "painted" or "drawn": "a
fence, painted" and "a curtain, drawn" may be the fence's and the curtain's), but for a thing
that has pictures in it ("a book, illustrated" is an illustrated book)."""
_HAS_PICTURES = re.compile(
    r"(?:book|books|manual|guide|map|maps|manuscript|magazine|encyclopedia|story|stories|poem"
    r"|letter|menu|card|cards|atlas|edition|catalog|catalogue|journal|diary|bible|textbook"
    r"|cover|page|pages|poster|postcard|comic|album|flyer|label)"
    r"\s*,\s*$"
)


_SEASONS = frozenset("spring summer autumn fall winter".split())


def _day(match: re.Match[str]) -> str:
    """ "on a sunny day" is "sunny"; "on a winter day" is "in winter", no winter thing."""
    return f"in {match[1]}" if match[1] in _SEASONS else match[1]


def _jumping(match: re.Match[str]) -> str:
    ending = match[1] or ""
    return "jump" + {"e": "", "es": "s"}.get(ending, ending)


def _made_as_a_tag(match: re.Match[str]) -> str:
    if _HAS_PICTURES.search(match.string, 0, match.start() + 1):
        return match[0]
    return f" {_MADE_AS_A_TAG[match[1]]}"


_REQUEST = re.compile(
    r"^\s*(?:(?:hey|hi|hello)(?:\s+there)?(?:\s*,\s*|\s+(?=(?:please|pls|plz|can|could|would|i|generate"
    r"|create|make|draw|show|give|render|produce)\s)))?(?:(?:please|pls|plz)\s+)?(?:(?:can|could|would)\s+you\s+)?(?:(?:please|pls|plz)\s+)?"
    r"(?:i\s*(?:would|'d)\s+(?:like|love)\s+(?:to\s+see\s+)?|i\s+(?:want|need)\s+(?:to\s+see\s+)?"
    r"|(?:can|could|may)\s+i\s+(?:(?:please|pls|plz)\s+)?(?:get|have|see)\s+"
    r"|(?:here\s+is|here's|this\s+is)\s+what\s+i\s+(?:want|need)(?:\s+to\s+see)?\s*[:-]\s*"
    r"|make\s+it\s+look\s+like\s*:?\s*)?"
    r"(?:prompt\s*:\s*)?(?:imagine\s+)?"
    r"(?:(?:generate|create|make|draw|paint|show|give|render|produce)(?:\s+(?:for\s+)?(?:me|us))?"
    r"(?:\s+(?:a|an)\s+(?:image|picture|pic)\s*[:,]\s*|\s*:\s*|\s+))?"
    r"(?:(?:please|pls|plz)\s+)?"
)
_WANTED = re.compile(
    r",\s*(?:and\s+|also\s+)?(?:i\s+(?:want|need)|i\s*(?:would|'d)\s+(?:like|love))\s+"
    r"(?:to\s+see\s+)?"
    r"(?!to\s|it\s|(?:the|this|my)\s+(?:picture|image|scene)\s)"
)
""""..., (and) i want bright midday light, ...": a tag asked for later in the prompt, as the
opening "i want" asks for the whole."""
_SHOW_ME = re.compile(
    r"(^|,)\s*(?:i\s*(?:would|'d)\s+(?:like|love)|i\s+(?:want|need))\s+(?:the|this|my)\s+"
    r"(?:picture|image|scene)\s+to\s+(?:show|have|include|feature)\s+"
)
"""A request said anywhere a tag begins: "..., i would like the picture to show prayer flags"."""
_MAKE_A_PICTURE = re.compile(
    r"(^|,)\s*(?:(?:please|pls|plz)\s+)?(?:generate|create|make|draw|render)\s+(?:(?:for\s+)?me\s+)?"
    r"(?:a|an)\s+(?:image|picture|pic)\s*(?=,|$)"
)
"""A tag that asks for a picture and says nothing of it, wherever the tags put it: "generate a
picture, storm knight, ..." (the tags may be read in the cached prompt's order)."""
_ALSO = re.compile(r"(^|,)\s*(?:(?:please\s+)?(?:include|add)|and\s+also|also)\s+(?=\w)")
"""A tag that asks for one thing more: "..., please include a grandmother at a stall", "...,
and also a boy holding a bubble tea"."""
_SHOWN = ("to show", "to have", "to include", "to feature")
_THERE_IS = re.compile(
    r"(?:^|(?<=,))\s*(?:and\s+)?there\s+(?:is|are)\s+|(?<![\w-])(?:a\s+)?game\s+of\s+(?=\w)"
    r"|(?<![\w-])there(?:'s|\s+is|\s+are)\s+(?=(?:a|an|the|some|two|three|four|five|many|several)\s)"
)
_RECIPIENTS = frozenset(
    """
    class students kids children son daughter family friend friends team boss project school
    teacher mom dad wife husband sister brother niece nephew grandma grandpa grandson
    granddaughter classroom blog website
    """.split()
)
"""Who or what a closing "make this for my ..." is for: not a medium, a format or a time ("for
my painting", "for my tattoo", "for my winter")."""
_PLEASE = re.compile(
    r"(?<![\s,])[\s,]+(?:(?:please|pls|plz)(?:\s+and\s+thanks?(?:\s+you)?)?"
    r"|thanks?(?:\s+(?:you|u))?(?:\s+(?:so|very)\s+much|\s+a\s+lot)?"
    r"(?:\s+in\s+advance)?|thx|ty|if\s+(?:possible|you\s+can)|"
    r"i\s+(?:want|need|would\s+like|'d\s+like)\s+(?:a|an)\s+(?:picture|image|pic)\s+of\s+(?:this|it|that)|"
    r"(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?(?:(?:generate|create|make|draw|render|paint)"
    r"\s+(?:this|it|that)(?:\s+(?:image|picture|pic))?|(?:generate|create|make|render)(?:\s+me)?"
    r"\s+(?:a|an)\s+(?:picture|image|pic)\s+of\s+(?:this|it|that))"
    r"(?:\s+for\s+(?:me|us|(?:my|our)\s+(?:" + "|".join(sorted(_RECIPIENTS)) + r")))?"
    r"(?:\s+please)?)(?:\s*[.!?]+)?\s*$"
)
"""A courtesy that closes a prompt; taken off up to three times ("..., if possible, thanks a
lot", "..., can you make this for my class? thanks"): one pattern repeating itself would
backtrack without end on a prompt of many."""
_FOR_A_PROJECT = re.compile(
    r"(?<![\s,.!])\s*[,.!]\s*(?:this\s+is|it\s+is|it'?s)\s+for\s+(?:(?:a|my|our)\s+)?"
    r"(?:(?:school|class|uni|university|college|work|art|science|history)\s+)?(?:project|assignment"
    r"|homework|presentation|report|" + "|".join(sorted(_RECIPIENTS)) + r")(?:\s*[.!?]+)?\s*$"
)
"""What a prompt is for, said as a tag of its own at its end ("..., this is for a school
project"): not after a colon, where it is words to show ("a note: this is for my teacher")."""
_SUPPORTS = ("canvas", "paper", "board", "panel", "linen")
_ON_CANVAS = re.compile(
    r"(?<![\w-])(painted\s+in\s+)?(oils?|acrylics?|gouache|tempera|watercolou?rs?|ink|charcoal"
    r"|pencil|graphite|pastels?)(\s+(?:painting|drawing|sketch))?\s+on\s+"
    r"(?:(?:(?:cold|hot)[\s-]press(?:ed)?|rough|textured|toned|watercolou?r|rice|handmade|heavy"
    r"|smooth|cotton)\s+)?(?:" + "|".join(_SUPPORTS) + r")(?![\w-])"
)
""""oil on canvas" is "oil painting", "ink on paper" "ink drawing"; "painted in oil on canvas"
"painted in oil", "gouache painting on cold press paper" "gouache painting"."""
_CANVAS_TAG = re.compile(r"(?:(?<=painting)|(?<=drawing))\s*,\s*(?:on\s+)?canvas(?=\s*(?:,|$))")
""""..., oil painting, canvas, ...": the canvas a painting is on, as "oil painting on canvas"
says it ("oil painting")."""
DRAWN = frozenset({"ink", "charcoal", "pencil", "graphite", "pastel", "pastels"})
_PHOTO_TAKEN = re.compile(
    r"(?<![\w-])(?:(?:a\s+)?photo(?:graph)?\s+taken|photographed)\s+(with|on|using)(?![\w-])"
)
""""a photo taken with a 24mm lens" is "photographed with a 24mm lens"."""


def _on_canvas(match: re.Match[str]) -> str:
    painted, medium, named = match.group(1), match.group(2), match.group(3)
    if painted or named:
        return f"{painted or ''}{medium}{named or ''}"
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
_DAWN = re.compile(
    r"(?<![\w-])(at|until|till|from|by)\s+(?:(?:the\s+)?(?:crack|break)\s+of\s+(?:dawn|day)"
    r"|first\s+light)(?![\w-])"
)
""""at the crack of dawn", "at break of day" and "at first light" are "at dawn" (but "the lunch
break of day laborers")."""
_OUT_SIDE = re.compile(r"(?<![\w-])out\s+(side|doors)(?![\w-])")
""""out side" and "out doors" are "outside" and "outdoors", spelt apart."""
_FIRE_MADE = {
    "start": "make", "starts": "makes", "starting": "making", "started": "made",
    "build": "make", "builds": "makes", "building": "making", "built": "made",
}  # fmt: skip
_MAKES_A_FIRE = re.compile(
    rf"(?<![\w-])(?<!a )(?<!the )({'|'.join(_FIRE_MADE)})"
    r"(?=\s+(?:(?:a|the|his|her|their|small|big)\s+)*(?:fire|campfire|bonfire)(?![\w-])"
    r"(?!\s+(?:truck|engine|pit|station|drill|alarm|hydrant|escape|extinguisher|place|fighter"
    r"|brigade|department|hose|house|ring|bowl|pole|starter|ant|fly)))"
)
""""starting a fire" and "building a fire" are "making a fire" (not "a building fire", nor
"starting a fire truck")."""
_ON_A_TRAMPOLINE = re.compile(
    r"(?<![\w-])(?:play|bounc|jump)(e|es|s|ing|ed)?(?=\s+(?:on|in)\s+(?:a|the)\s+trampoline)"
)
""""playing", "bouncing" and "jumping" on a trampoline are one thing to see."""
_BACKDROP = re.compile(
    r"(?<![\w-])((?:plain|simple|solid|neutral|studio|blurred|blurry|dark|light|coloured|colored"
    r"|painted(?:\s+[a-z]+)?|" + "|".join(sorted(COLOURS)) + r")\s+)backdrop(s?)(?![\w-])"
)
""""a plain backdrop", "a white backdrop" are "a plain background": the scenery behind, not "a
military background"."""
_PUBLICATION_PART = re.compile(
    rf"(?<![\w-])({'|'.join(PUBLICATIONS)})\s+({'|'.join(PUBLICATION_PARTS)})(?![\w-])"
)
""""a comic panel", "a magazine cover": one word, a kind of picture that "the cover of a
magazine", a thing in a scene, does not name."""
_PUBLICATION_PARTS = tuple(f" {part}" for part in PUBLICATION_PARTS)
_STEPS = re.compile(
    r"(?<![\w-])((?:the|porch|stone|front|wooden|concrete|marble|brick|back|church|temple"
    r"|cathedral|museum|library)\s+)steps(?![\w-])"
)
""""the porch steps" are "the porch stairs" ("he steps" is no staircase)."""
_STILL_FROM = re.compile(
    r"(?<![\w-])still(?:\s+frame)?\s+(?:from|of)\s+(?:a|an|the)\s+(?:movie|film)(?![\w-])"
)
""""a still from a movie" (or "a still frame from a film") is "a film still"."""
_STILL_FRAME_FROM = re.compile(
    r"(?<![\w-])still(?:\s+frame)?\s+from\s+(?:a|an|the)\s+((?:[\w-]+\s+){1,3})(movie|film)(?![\w-])"
)
""""a still frame from a 1950s technicolor film" is "a 1950s technicolor film still"."""
_OFF_CENTRE = re.compile(r"(?<![\w-])off[\s-]+cent(?:er|re)(?:ed|d)?(?![\w-])")
""""off-center" is one word, no "center" that "centered" shows."""
_IN_PUBLIC = re.compile(r"(?<![\w-])in\s+(?:a|the)\s+public\s+(?:place|space|area)(?![\w-])")
""""in a public place" is "in public": no place more than that."""
_PLAYERS = {
    "saxophone": "saxophonist", "sax": "saxophonist", "guitar": "guitarist", "piano": "pianist",
    "violin": "violinist", "cello": "cellist", "flute": "flutist", "harp": "harpist",
    "trumpet": "trumpeter", "bass": "bassist", "drum": "drummer", "accordion": "accordionist",
    "banjo": "banjoist", "clarinet": "clarinetist", "trombone": "trombonist", "organ": "organist",
    "keyboard": "keyboardist",
}  # fmt: skip
_PLAYER = re.compile(rf"(?<![\w-])(?:([a-z]+)\s+)?({'|'.join(_PLAYERS)})\s+player(s?)(?![\w-])")
""""a saxophone player" is "a saxophonist", as the one word says; not where the instrument is
another's ("a steel drum player", "a mouth organ player"), but "a bass guitar player" is a
bassist."""
_OTHER_INSTRUMENT = frozenset("bass steel air mouth barrel jaw glass toy thumb hand slide".split())


def _player(match: re.Match[str]) -> str:
    before, instrument, plural = match[1] or "", match[2], match[3]
    if before == "bass" and instrument == "guitar":
        return f"bassist{plural}"
    if before in _OTHER_INSTRUMENT:
        return match[0]
    return f"{before} {_PLAYERS[instrument]}{plural}".lstrip()


_SACK_OF = re.compile(r"(?<![\w-])(?<!the )sack(s?)\s+of(?![\w-])")
""""a sack of grain" is "a bag of grain" (but a sack alone may be no bag one carries, and "the
sack of rome" is no bag)."""
_ONE_DAY = re.compile(
    r"(?<![\w-])(?:on\s+)?one\s+(?=(?:[a-z]+\s+)?(?:morning|afternoon|evening|night|day)(?![\w-]))"
)
""""one sunday afternoon" is "on a sunday afternoon": a time, no count ("a night in paris" where
it opens a part)."""


_A_WORD_BEFORE = re.compile(r"[a-z0-9]\s*$")


_TIME_THEN_COMMA = re.compile(
    r"(?:[a-z]+\s+)?(?:morning|afternoon|evening|night|day)"
    r"(?:\s*,|\s+(?=(?:a|an|the|his|her|their|my|our|two|three|some|he|she|they|we|i)\s))"
)


def _one_day(match: re.Match[str]) -> str:
    """ "on a" after a word or before what happens then ("one sunny morning, a girl on a swing",
    "one morning a girl feeds the birds"), "a" where "one ..." opens a part of its own ("one
    night in paris")."""
    opens = not _A_WORD_BEFORE.search(match.string, 0, match.start())
    fronted = _TIME_THEN_COMMA.match(match.string, match.end())
    said_on = match[0].split(None, 1)[0] == "on"
    return "a " if opens and not fronted and not said_on else "on a "


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
    stripped = _rewrite(_PROFESSIONAL_PHOTO, r"\1", stripped, ("professional", "raw"))
    stripped = _rewrite(_COVERED, "with", stripped, _COVERS)
    stripped = _rewrite(_MADE_OF, "of", stripped, _MADE_FROM)
    stripped = _rewrite(_ON_CANVAS, _on_canvas, stripped, _SUPPORTS)
    stripped = _rewrite(_CANVAS_TAG, "", stripped, ("canvas",))
    stripped = _rewrite(_PHOTO_TAKEN, r"photo \1", stripped, ("photo",))
    stripped = _rewrite(_TAKING_A, lambda m: _TAKING[m.group(1)], stripped, _TAKING)
    stripped = _rewrite(_TAKEN_FOR_A, lambda m: f"{_FOR_A[m[2]]} {m[1]}", stripped, _FOR_A)
    stripped = _rewrite(_WATERED, r"watering \1", stripped, ("water",))
    stripped = _rewrite(_GIVEN_TO, lambda m: _GIVING[m[1]], stripped, ("giv", "gave"))
    stripped = _rewrite(_GIVEN, lambda m: f"{_GIVING[m[2]]} {m[1]}", stripped, ("giv", "gave"))
    stripped = _rewrite(_REPAIRS, "repairing", stripped, ("repairs",))
    stripped = _rewrite(_FRAME, " ", stripped, FRAMES)
    stripped = _rewrite(_MADE_AS, " ", stripped, _MADE_AS_WORDS)
    stripped = _rewrite(_THING_MADE_AS, ", ", stripped, _MADE_AS_WORDS)
    stripped = _rewrite(_RENDERED_IN, r"\1, ", stripped, ("render",))
    stripped = _rewrite(
        _DIGITALLY, lambda m: f" digital {_DIGITAL[m[1] or m[2]]}", stripped, ("digitally",)
    )
    stripped = _rewrite(_DONE_IN, _done_in, stripped, _DONE_IN_WORDS)
    stripped = _rewrite(_PAINTED_IN, _painted_in, stripped, ("painted", "drawn", "sketched"))
    stripped = _rewrite(_ON_A_CAMERA, r" \1 photo", stripped, ("camera",))
    stripped = _rewrite(_CAPTURED, " ", stripped, ("captured",))
    stripped = _rewrite(_INTO_THE_NIGHT, "late at night", stripped, ("night",))
    stripped = _rewrite(_DONE_ALONE, _made_as_a_tag, stripped, tuple(_MADE_AS_A_TAG))
    stripped = _rewrite(_SHOW_ME, r"\1 ", stripped, _SHOWN)
    stripped = _rewrite(_WANTED, ", ", stripped, ("i want", "i need", "i'd", "i would"))
    stripped = _rewrite(_ALSO, r"\1 ", stripped, ("include", "add", "also"))
    stripped = _rewrite(_MAKE_A_PICTURE, r"\1", stripped, ("image", "picture", "pic"))
    stripped = _REQUEST.sub("", stripped)
    stripped = _rewrite(_THERE_IS, "", stripped, ("there", "game"))
    # A courtesy before the quality tags taken off closes the prompt too: "..., thanks, 4k".
    stripped = stripped.rstrip(" ,") if quality_tags else stripped
    if not (says(stripped) if shows_words is None else shows_words):
        for _ in range(3):
            stripped, courtesies = _PLEASE.subn("", stripped)
            stripped, purposes = (
                _FOR_A_PROJECT.subn("", stripped) if " for " in stripped else (stripped, 0)
            )
            if not courtesies + purposes:
                break
    stripped = _rewrite(_FRAME, " ", stripped, FRAMES)
    stripped = _rewrite(_VERSION, r"\1", stripped, _VERSIONED)
    stripped = _rewrite(_OUT_IN, "", stripped, ("out",))
    stripped = _rewrite(_MISSING, r"\1no \2", stripped, ("missing",))
    stripped = _rewrite(_MISSING_A, "without ", stripped, ("missing",))
    stripped = _rewrite(_MIDDLE_OF, lambda m: _MIDDLE[m.group(1)], stripped, ("middle",))
    stripped = _rewrite(_DAWN, r"\1 dawn", stripped, ("crack", "break", "first"))
    stripped = _rewrite(_IN_PUBLIC, "in public", stripped, ("public",))
    stripped = _rewrite(_OFF_CENTRE, "offcenter", stripped, ("off",))
    stripped = _rewrite(_STILL_FROM, "film still", stripped, ("still ",))
    stripped = _rewrite(_STILL_FRAME_FROM, r"\1\2 still", stripped, ("still ",))
    stripped = _rewrite(_STEPS, r"\1stairs", stripped, ("steps",))
    stripped = _rewrite(_PUBLICATION_PART, r"\1\2", stripped, _PUBLICATION_PARTS)
    stripped = _rewrite(_BACKDROP, r"\1background\2", stripped, ("backdrop",))
    stripped = _rewrite(_MAKES_A_FIRE, lambda m: _FIRE_MADE[m[1]], stripped, ("fire",))
    stripped = _rewrite(_ON_A_TRAMPOLINE, _jumping, stripped, ("trampoline",))
    stripped = _rewrite(_OUT_SIDE, r"out\1", stripped, ("out ",))
    stripped = _rewrite(_PLAYER, _player, stripped, (" player",))
    stripped = _rewrite(_SACK_OF, r"bag\1 of", stripped, ("sack",))
    stripped = _rewrite(_ONE_DAY, _one_day, stripped, ("one ",))
    stripped = _rewrite(_DAY, _day, stripped, ("day",))
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
