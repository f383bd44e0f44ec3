"""The verifier's word lists: small, closed classes of English that WordNet does not mark.

Tuned on the ``tune`` half of the labelled pairs (bench/pairs.py) only; the figures in
docs/matching.md come from the other half.
"""

from __future__ import annotations

__all__ = [
    "AMOUNTS_SAID",
    "BOILERPLATE",
    "COLOURS",
    "DEFAULT_MEDIA",
    "DEPICTIONS",
    "DESCRIBING_ALONE",
    "DOING_TO",
    "FRAMES",
    "FUNCTION_WORDS",
    "GROUPED",
    "IRREGULAR_PLURALS",
    "LOOSE_PREPOSITIONS",
    "MADE_MEDIA",
    "MATERIALS",
    "MATERIAL_ADJECTIVES",
    "MEDIA",
    "NEGATORS",
    "NUMBERS",
    "PUBLICATIONS",
    "PUBLICATION_PARTS",
    "SAME_PLURAL",
    "SETTINGS",
    "SIZES_AGES",
    "SPATIAL_PHRASES",
    "SPATIAL_WORDS",
    "STYLES",
    "YOUNG",
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
    devoid lacking never no nobody none not nothing without
    """.split()
)
"""Words that exclude what follows them."""

FUNCTION_WORDS = frozenset(
    """
    along
    herd flock pack swarm crowd line row
    a about all almost also am an and another any appears are as at be because been being
    bit bunch but by can close could depicted depicting did do does doing
    down each every features featuring few filled for from full group had has have having
    he her here hers him his how i if image in into is it it's its just kind lot lots many may
    me might mine more most much multiple must my nor numerous of off on one's only onto
    or other other's others our out over picture plenty quite rather really scene seems
    seen several shall she shot should show showing shown shows so some somebody someone
    someone's something sort such than that the their them then there there's theres these
    they this those to together too type up us variety various very view was we were what
    when where which while who whom whose why will with would yet you your
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
    alabaster amber bone brass burlap chrome cork driftwood ebony felt granite ivory jade
    lace limestone linen mahogany oak obsidian onyx pewter plywood quartz rattan resin
    sandstone satin slate suede teak terracotta timber titanium tweed wax
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
    surrealist unreal vector vintage watercolor watercolour woodcut fauvism fauvist
    expressionism pointillism pointillist dadaism dadaist gouache tempera
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
    adult aged ancient baby big child chubby elder elderly enormous fat giant gigantic huge infant
    juvenile kid kids large little long massive middle-aged mini miniature modern new old
    older plump senior short skinny slender slim small tall teen teenage teenager thin tiny
    toddler young younger
    """.split()
)
"""Size and age (reason ``size_age``)."""

FEELINGS = frozenset(
    """
    happy sad angry tired worried scared shy surprised shocked nervous excited bored sleepy
    serious grumpy lonely curious embarrassed proud confident determined confused annoyed
    jealous mischievous smug
    """.split()
)
"""How a person or an animal feels or looks it, as listed synonyms are read ("joyful" as
"happy"): a tag of these alone is the being's of the tag before ("1girl, happy, 1boy, sad"),
not the mood of the whole picture ("calm", "eerie")."""

DESCRIBING_ALONE = COLOURS | MATERIALS | SIZES_AGES | {"and", "or"}
"""Words a tag of their own can only say of the thing of the tag before it: "a car, red, a
house, blue", "a woman, a man, red and blue"."""

YOUNG = frozenset(
    """
    baby babies calf calves chick chicks colt colts cub cubs cygnet duckling ducklings eaglet
    fawn fawns filly foal foals gosling infant joey kitten kittens kitty lamb lambs newborn
    owlet piglet piglets pup puppies puppy pups toddler toddlers
    boy boys girl girls child children kid kids schoolboy schoolboys schoolgirl schoolgirls
    teen teens teenager teenagers youngster youngsters
    """.split()
)
"""Young of a kind ("a puppy", "a baby elephant", "a fox cub", "a boy"): a request for the grown
animal or person ("a dog", "a man") is not served by them, though WordNet files a puppy under
dog and a boy under man."""

SPATIAL_PHRASES: dict[tuple[str, ...], str] = {
    ("in", "front", "of"): "front",
    ("on", "top", "of"): "atop",
    ("on", "the", "top", "of"): "atop",
    ("in", "the", "top", "of"): "atop",  # "at" is read as "in" before these: "at the top of"
    ("next", "to"): "near",
    ("close", "to"): "near",
    ("along", "the", "side", "of"): "near",
    ("on", "the", "side", "of"): "near",
    ("by", "the", "side", "of"): "near",
    ("in", "the", "middle", "of"): "middle",
    ("in", "the", "center", "of"): "middle",
    ("in", "the", "centre", "of"): "middle",
    # "at the foot of a cliff", "at its base"; not "the bottom of", which is inside a glass
    ("in", "the", "foot", "of"): "foot",
    ("in", "the", "base", "of"): "foot",
    ("in", "the", "back", "of"): "behind",
    ("in", "the", "background"): "background",
    ("in", "the", "foreground"): "foreground",
    ("in", "the", "distance"): "background",
    ("in", "background"): "background",
    ("under", "water"): "underwater",
    ("under", "the", "water"): "underwater",
    ("under", "the", "sea"): "underwater",  # "ocean" is read as "sea"
    ("beneath", "the", "water"): "underwater",
    ("beneath", "the", "sea"): "underwater",
    ("in", "foreground"): "foreground",
    ("upside", "down"): "upside",
    ("in", "the", "far", "distance"): "background",
    ("to", "the", "left", "of"): "left",
    ("to", "the", "right", "of"): "right",
    ("on", "the", "left"): "left",
    ("on", "the", "right"): "right",
    # after the phrases they begin, which are tried first: "in the middle of a field"
    ("in", "the", "middle"): "middle",
    ("in", "the", "center"): "middle",
    ("in", "the", "centre"): "middle",
    ("close", "by"): "near",
}
"""Spatial phrases and their class: two phrases of one class say the same thing."""
_WITHOUT_THE = frozenset(
    "distance far background foreground middle center centre top bottom foot base left "
    "right".split()
)
"""Spatial phrases that keep their sense without "the": "in back of" a truck is in its bed, "on
side of" a bus painted on it."""
SPATIAL_PHRASES |= {
    phrase[:1] + phrase[2:]: kind
    for phrase, kind in SPATIAL_PHRASES.items()
    if phrase[1] == "the" and len(phrase) > 2 and phrase[2] in _WITHOUT_THE
}  # tags drop the article: "peaks in distance", "a tree in middle of a field"

SPATIAL_WORDS = {
    "under": "below", "beneath": "below", "below": "below", "underneath": "below",
    "above": "above", "atop": "atop", "over": "above", "behind": "behind",
    "beside": "near", "besides": "near", "near": "near", "nearby": "near", "alongside": "near",
    "inside": "inside", "within": "inside", "outside": "outside", "outdoors": "outside",
    "between": "between",
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

BOILERPLATE = frozenset(
    tuple(line.split())
    for line in """
    2k
    4k
    8k
    16k
    32k
    hd
    uhd
    fhd
    qhd
    hdr
    720p
    1080p
    1440p
    2160p
    4320p
    ultra hd
    full hd
    high definition
    high resolution
    high res
    highres
    hi res
    resolution
    high quality
    highest quality
    absurdres
    absurd resolution
    best quality
    top quality
    ultra quality
    hq
    masterpiece
    highly detailed
    very detailed
    ultra detailed
    hyper detailed
    hyperdetailed
    extremely detailed
    super detailed
    insanely detailed
    intricately detailed
    detailed
    high detail
    intricate detail
    intricate details
    sharp focus
    in focus
    award winning
    award winning quality
    professional quality
    premium quality
    excellent quality
    amazing quality
    perfect quality
    4k wallpaper
    8k wallpaper
    16k wallpaper
    hd wallpaper
    uhd wallpaper
    desktop wallpaper
    """.strip().splitlines()
)
"""Resolution and quality tags: they ask for a better image, not another one. Style, medium,
artist and lighting are content and stay ("octane render", "by greg rutkowski", "cinematic
lighting"); so does anything not listed here."""

FRAMES = frozenset("image picture pic depiction rendition".split())
"""Nouns that frame a scene without naming a medium: "an image of a cat" is "a cat"."""

MEDIA = frozenset(
    """
    painting illustration photo photograph photography drawing sketch render rendering
    watercolor watercolour gouache artwork portrait poster shot view closeup close-up snapshot
    print art claymation mosaic tapestry mural fresco engraving etching woodcut linocut lithograph
    sculpture statue figurine cartoon caricature diorama collage screenshot embroidery
    needlepoint stained_glass applique blueprint origami
    """.split()
)
"""Nouns that name a medium or a framing: "an oil painting of X" is "X, oil painting"."""

PUBLICATIONS = ("comic", "manga", "storybook", "magazine", "book", "album")
PUBLICATION_PARTS = ("panel", "page", "strip", "spread", "cover")
"""A publication's part that is a kind of picture, written as one word ("magazine cover" is
"magazinecover"): a medium, as "a comic" is."""

MADE_MEDIA = frozenset(
    """
    3d acrylic anime cartoon caricature cgi charcoal claymation clipart collage comic diorama
    drawing engraving etching figurine fresco graffiti illustration ink lego linocut
    lithograph lowpoly manga mosaic mural origami painting papercraft pastel pencil pixel
    render rendering sculpture sketch statue tapestry vector watercolor watercolour woodcut
    embroidery needlepoint stained_glass applique blueprint woodblock ukiyo
    """.split()
)
"""Media that are not a photograph: a prompt that names none asks for a photo, which a cached
painting, statue or render of the same scene is not."""

ART_SITES = frozenset("artstation cgsociety pixiv deviantart behance".split())
"""Sites whose "trending on" tag asks for the look of digital art shown there: a style for a
photo, nothing more for a painting or a render."""

DEFAULT_MEDIA = frozenset("photo photograph photography picture image snapshot dslr".split())
"""Media a prompt that names none gets anyway: "a photo of a cat" is served by "a cat"."""

DEPICTIONS = MEDIA | FRAMES | DEFAULT_MEDIA | frozenset(["still_life", "scene"])
"""Nouns whose "of" phrase is the whole picture: what "and" adds after it is in the picture too
("a still life of lemons and a blue vase"), unlike "a cup of coffee and a croissant"."""

LOOSE_PREPOSITIONS = frozenset("in at during amid amidst among amongst throughout".split())
"""Prepositions of place and time that place a thing without moving it: one is as good as
another ("during a storm", "in a storm"; "fox in leaves", "fox among leaves")."""

AMOUNTS_SAID = {
    tuple(phrase.split()): tuple(amount.split())
    for amount, phrases in (
        (
            "many",
            "a great many|a good many|a huge number of|a large number of|a great number of|"
            "a vast number of|a multitude of|countless|innumerable|numerous|myriad|myriads of|"
            "a great deal of|a good deal of|a ton of|tons of|loads of",
        ),
        ("a few", "a handful of|a small handful of"),
        ("full of", "packed with|crammed with|thronged with|teeming with|crowded with|"
         "brimming with|stuffed with"),
        ("a dusting of", "a light dusting of|a sprinkling of|a light sprinkling of|"
         "a sprinkle of|a light sprinkle of"),
    )
    for phrase in phrases.split("|")
}  # fmt: skip
"""Phrases of amount said one way: "a great many" and "a multitude of" as "many"; "packed with"
as "full of". Amounts stay compared (:func:`proxy.matching.features.amounts`)."""

SAME_PLURAL = frozenset(
    "sheep deer fish moose bison cattle poultry livestock salmon trout swine elk reindeer "
    "shrimp squid offspring buffalo goldfish koi tuna carp cod halibut herring mackerel "
    "plaice".split()
)
"""Animals whose plural is their singular: "sheep" may be several."""

GROUPED: dict[str, frozenset[str] | None] = {
    word: frozenset(plurals.split()) if plurals else None
    for word, plurals in {
        "troop": "monkeys baboons apes gorillas scouts soldiers kangaroos",
        "colony": "ants bees penguins bats seals termites gulls seabirds rabbits",
        "school": "sardines mackerel herring minnows piranhas anchovies sharks dolphins",
        "shoal": "sardines mackerel herring minnows piranhas anchovies",
        "pod": "whales dolphins orcas seals",
        "pride": "lions lionesses",
        "cloud": "locusts bats mosquitoes flies gnats butterflies birds insects bees midges "
        "moths starlings",
        "band": "thieves outlaws rebels robbers brothers pirates mercenaries bandits warriors "
        "adventurers heroes misfits survivors",
        "gaggle": "", "horde": "", "throng": "", "mob": "", "gang": "",
    }.items()
}  # fmt: skip
"""Words for a group of animals or people that say no more than the plural after "of" does
("a troop of monkeys", "a shoal of sardines"): read as "group" before those plurals (None: any
plural), never where they name something else ("a pod of peas", "a band of robots" on a
stage, "the school of athens")."""

DOING_TO = frozenset("wearing holding carrying wielding hugging feeding chasing using".split())
"""Verbs whose "-ing" opening a tag says what the thing before does to what follows ("...,
wearing sunglasses, ..."), never a compound noun as "reading glasses" or "riding boots" are."""
