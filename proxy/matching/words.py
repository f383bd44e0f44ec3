"""The verifier's word lists: small, closed classes of English that WordNet does not mark.

Tuned on the ``tune`` half of the labelled pairs (bench/pairs.py) only; the figures in the README
come from the other half.
"""

from __future__ import annotations

__all__ = [
    "COLOURS",
    "FUNCTION_WORDS",
    "IRREGULAR_PLURALS",
    "MATERIALS",
    "MATERIAL_ADJECTIVES",
    "NEGATORS",
    "NUMBERS",
    "SETTINGS",
    "SIZES_AGES",
    "SPATIAL_PHRASES",
    "SPATIAL_WORDS",
    "STYLES",
]

NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen":
    14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "dozen": 12, "single": 1,
    "lone": 1, "pair": 2, "couple": 2, "twin": 2, "twins": 2, "triple": 3, "trio":
    3,
}  # fmt: skip
"""Number words, and words that state a count ("a pair", "twins")."""

NEGATORS = frozenset(
    """
    lacking never no nobody none not nothing without
    """.split()
)
"""Words that exclude what follows them."""

FUNCTION_WORDS = frozenset(
    """
    along
    herd flock pack swarm crowd line row
    a about all almost also am an and another any appears are as at be because been being
    bit bunch but by can close close-up closeup could depicted depicting did do does doing
    down each every features featuring few filled for from full group had has have having
    he her here hers him his i if image in into is it it's its just kind lot lots many may
    me might mine more most much multiple must my nor numerous of off on one's only onto
    or other other's others our out over picture plenty quite rather really scene seems
    seen several shall she shot should show showing shown shows so some somebody someone
    someone's something sort such than that the their them then there there's theres these
    they this those to together too type up us variety various very view was we were what
    when where which while who whom whose will with would yet you your
    """.split()
)
"""Words that carry no content of their own: the image is the same with or without them."""

COLOURS = frozenset(
    """
    amber beige black black_and_white blond blonde blue bright bronze brown brunette
    checkered colorful colourful copper cream crimson cyan dark gold golden gray green
    grey indigo ivory khaki lavender light lime magenta maroon monochrome multicolored
    multicoloured navy neon olive orange pale pastel pink plaid purple rainbow red scarlet
    sepia silver spotted striped tan teal turquoise violet white yellow
    """.split()
)
"""Colours and colour patterns (rejection reason ``colour``)."""

MATERIALS = frozenset(
    """
    aluminium aluminum bamboo brick bronze cardboard ceramic clay cloth concrete copper
    cotton crystal denim diamond fabric glass gold ice iron leather marble metal metallic
    paper plastic porcelain rubber silk silver steel stone straw tin velvet wicker wood
    wooden wool woolen
    """.split()
)
"""Materials (reason ``material``; WordNet's noun.substance counts too)."""

STYLES = frozenset(
    """
    3d abstract acrylic anime art artstation artwork baroque cartoon cgi charcoal
    cinematic clipart comic cubism cubist digital drawing drawn engraving etching
    expressionist figurine gothic graffiti hyperrealistic illustrated illustration
    impressionism impressionist ink lithograph lowpoly manga minimalist mosaic mural noir
    octane oil paint painted painting pencil photo photograph photographic photography
    photorealistic pixel pixelated polaroid pop portrait poster realistic renaissance
    render rendered retro sculpture sketch sketched statue style surreal surrealism
    surrealist unreal vector vintage watercolor watercolour woodcut
    """.split()
)
"""Media and styles (reason ``style``; so does any word after "by" or "style of")."""

SETTINGS = frozenset(
    """
    afternoon autumn cloudy dawn day daylight daytime dusk evening fall fog foggy indoor
    indoors lightning midnight mist misty moonlight moonlit morning night nighttime noon
    outdoor outdoors overcast rain raining rainy snow snowing snowy spring starry storm
    stormy summer sunny sunrise sunset thunderstorm twilight underwater windy winter
    """.split()
)
"""Time of day, season, weather, indoors and outdoors (reason ``setting``)."""

SIZES_AGES = frozenset(
    """
    adult aged ancient baby big child elder elderly enormous giant gigantic huge infant
    juvenile kid kids large little long massive mini miniature modern new old older senior
    short small tall teen teenage teenager tiny toddler young younger
    """.split()
)
"""Size and age (reason ``size_age``)."""

SPATIAL_PHRASES: dict[tuple[str, ...], str] = {
    ("in", "front", "of"): "front",
    ("on", "top", "of"): "above",
    ("at", "the", "top", "of"): "above",
    ("next", "to"): "near",
    ("close", "to"): "near",
    ("along", "the", "side", "of"): "near",
    ("on", "the", "side", "of"): "near",
    ("by", "the", "side", "of"): "near",
    ("in", "the", "middle", "of"): "middle",
    ("in", "the", "center", "of"): "middle",
    ("in", "the", "centre", "of"): "middle",
    ("at", "the", "bottom", "of"): "below",
    ("in", "the", "back", "of"): "behind",
    ("in", "the", "background"): "background",
    ("in", "the", "foreground"): "foreground",
    ("in", "the", "distance"): "background",
    ("to", "the", "left", "of"): "left",
    ("to", "the", "right", "of"): "right",
    ("on", "the", "left"): "left",
    ("on", "the", "right"): "right",
}
"""Spatial phrases and their class: two phrases of one class say the same thing."""

SPATIAL_WORDS = {
    "under": "below", "beneath": "below", "below": "below", "underneath": "below",
    "above": "above", "atop": "above", "over": "above", "behind": "behind",
    "beside": "near", "besides": "near", "near": "near", "nearby": "near", "alongside": "near",
    "inside": "inside", "within": "inside", "outside": "outside", "between": "between",
    "around": "around", "surrounding": "around", "across": "across", "through": "through",
    "against": "against", "among": "among", "amongst": "among", "toward": "toward",
    "towards": "toward", "away": "away", "left": "left", "right": "right", "upside": "upside",
    "underwater": "underwater", "past": "past", "onto": "on", "into": "in",
}  # fmt: skip
"""Spatial prepositions and adverbs, by class."""

MATERIAL_ADJECTIVES = {
    "wooden": "wood", "golden": "gold", "woolen": "wool", "woollen": "wool", "silken": "silk",
    "metallic": "metal", "glassy": "glass", "stony": "stone", "leathern": "leather",
}  # fmt: skip
"""Material adjectives WordNet does not link to their noun."""

IRREGULAR_PLURALS = {
    "people": "person", "persons": "person", "men": "man", "women": "woman",
}  # fmt: skip
"""Plurals WordNet lists as words of their own."""
