"""Probe the verifier with minimal edits made from templates: how many wrong images it serves.

Each family writes pairs of prompts that show different pictures (two things swapped around a
preposition or a verb, attributes swapped between two things, another count, a thing said to be
absent, another material, size, age, time, weather, season, style, artist or camera), from fixed
word lists and a fixed seed, so that a run is repeatable. A pair is served when its canonical
forms are equal (an exact hit, no check) or the verifier finds nothing that differs; the figure
is pairs served of pairs written, each pair tried as written (and, where the edit is not
symmetric, the other way round too). Some families hold pairs served by design, said in their
line: "beside", "near" and "next to" say no direction; "a few" may stand for a count of three;
"autumn" is "fall". These are not the hand-written held-out pairs of ``bench/verification.py``,
and were written by the same person who wrote the rules: read them as regression probes, not
as a measure of match quality.

Run: ``.venv/bin/python bench/probes.py [--examples 3] [--family NAME ...]``
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

from proxy.matching.canonical import canonical_prompt  # noqa: E402
from proxy.matching.lexicon import WordNet  # noqa: E402
from proxy.matching.verify import Verifier  # noqa: E402
from proxy.settings import DEFAULT_WORDNET_DIR  # noqa: E402

Pairs = Iterator[tuple[str, str]]

_THINGS = """
    cat dog lamp vase book clock tower statue boat car tree house bird horse man woman robot
    teapot guitar chair
""".split()
_AGENTS = """
    cat dog knight dragon man woman boy girl robot bear fox wolf lion tiger horse eagle owl monkey
""".split()


def _swapped(form: str, a: str, b: str, **fields: str) -> tuple[str, str]:
    """``form`` with ``a`` and ``b`` in their places, then in each other's."""
    return form.format(a=a, b=b, **fields), form.format(a=b, b=a, **fields)


def two_things(rng: random.Random) -> Pairs:
    """Two things swapped around a preposition ("a vase under a statue").

    "beside", "near", "next to" and "with" say no direction: those pairs are served by design."""
    preps = (
        "on|under|next to|behind|in front of|beside|above|below|inside|with|near|on top of|"
        "leaning against|facing|chasing|holding|riding|carrying|looking at|sitting on"
    ).split("|")
    forms = [
        "a {a} {p} a {b}",
        "{a} {p} {b}, oil painting",
        "a photo of a {a} {p} a {b} at night",
        "the {a} is {p} the {b}",
    ]
    for _ in range(600):
        a, b = rng.sample(_THINGS, 2)
        p, form = rng.choice(preps), rng.choice(forms)
        yield _swapped(form, a, b, p=p)


def attributes(rng: random.Random) -> Pairs:
    """Two things' attributes swapped ("a red car and a blue bike")."""
    adjectives = (
        "red blue green yellow black white tall short old young big small wooden metal happy "
        "sad striped spotted shiny rusty"
    ).split()
    things = [*_THINGS, "umbrella", "kite", "balloon", "hat"]
    forms = [
        "a {x} {a} and a {y} {b}",
        "a {x} {a} next to a {y} {b}",
        "{x} {a}, {y} {b}, studio lighting",
        "a {x} {a} with a {y} {b}",
        "the {a} is {x} and the {b} is {y}",
        "a {a} that is {x} beside a {b} that is {y}",
        "a {x} {a} chasing a {y} {b}",
        "two {x} {a}s and a {y} {b}",
        "a {a} in a {x} {b}, a {y} {c}",
    ]
    for _ in range(800):
        a, b, c = rng.sample(things, 3)
        x, y = rng.sample(adjectives, 2)
        form = rng.choice(forms)
        yield form.format(a=a, b=b, c=c, x=x, y=y), form.format(a=a, b=b, c=c, x=y, y=x)


def counts(rng: random.Random) -> Pairs:
    """Another count of one thing ("three apples" / "two apples").

    "a few" or "several" for a small count, and "a single" for "a", are served by design."""
    things = """
        cat dog lamp vase book clock boat car tree house bird horse robot teapot guitar chair
        umbrella kite balloon hat apple candle
    """.split()
    numbers = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "a",
        "a single",
        "a pair of",
        "several",
        "many",
        "a few",
        "no",
    ]
    forms = [
        "{n} {a} on a table",
        "{n} {a} and {m} {b}",
        "a shelf with {n} {a}",
        "{n} {a} in the snow, oil painting, 4k",
        "{n} {a} next to {m} {b}, photo",
        "there are {n} {a} near the window",
        "{n} {a}, {m} {b}, studio lighting",
    ]

    def counted(number: str, thing: str) -> str:
        return thing if number in ("one", "a", "a single") else thing + "s"

    for _ in range(800):
        a, b = rng.sample(things, 2)
        n1, n2, m = rng.sample(numbers, 3)
        form = rng.choice(forms)
        other = counted(m, b)
        yield (
            form.format(n=n1, a=counted(n1, a), m=m, b=other),
            form.format(n=n2, a=counted(n2, a), m=m, b=other),
        )


def absence(rng: random.Random) -> Pairs:
    """A thing said to be absent, both ways ("a street without cars")."""
    things = [*_THINGS, "umbrella", "apple", "candle", "people", "clouds"]
    forms = [
        ("a street with {a}", "a street without {a}"),
        ("a room with {a}", "an empty room, no {a}"),
        ("a beach, {a}, sunset", "a beach, no {a}, sunset"),
        ("a field with {a} in it", "a field with no {a} in it"),
        ("a park, {a}, 4k, photo", "a park, without {a}, 4k, photo"),
        ("a kitchen with a {a}", "a kitchen but not a {a}"),
        ("a desk, {a}, lamp", "a desk, lamp, {a} missing"),
        ("a {a} that is not red", "a {a} that is red"),
        ("a landscape with {a}", "a landscape devoid of {a}"),
    ]
    for _ in range(400):
        thing = rng.choice(things)
        with_it, without = (form.format(a=thing) for form in rng.choice(forms))
        yield with_it, without
        yield without, with_it


def roles(rng: random.Random) -> Pairs:
    """Who does what to whom, swapped ("a cat chasing a dog")."""
    verbs = [
        ("chasing", "chases", "chased"),
        ("feeding", "feeds", "fed"),
        ("hugging", "hugs", "hugged"),
        ("watching", "watches", "watched"),
        ("painting", "paints", "painted"),
        ("pushing", "pushes", "pushed"),
        ("carrying", "carries", "carried"),
        ("biting", "bites", "bitten"),
        ("kissing", "kisses", "kissed"),
        ("riding", "rides", "ridden"),
        ("fighting", "fights", "fought"),
        ("following", "follows", "followed"),
        ("photographing", "photographs", "photographed"),
        ("teaching", "teaches", "taught"),
        ("rescuing", "rescues", "rescued"),
    ]
    forms = [
        "a {a} {ing} a {b}",
        "the {a} {s} the {b}",
        "a {b} being {pp} by a {a}",
        "{a} {ing} {b}, digital art, 4k",
        "a {a} {ing} a {b} in a forest",
        "a painting of a {a} {ing} a {b}",
        "two {a}s {ing} a {b}",
        "a {a} is {ing} a {b} at night",
        "a small {a} {ing} a big {b}",
        "{a}, {b}, {a} {ing} {b}, cinematic",
    ]
    for _ in range(1000):
        a, b = rng.sample(_AGENTS, 2)
        ing, s, pp = rng.choice(verbs)
        form = rng.choice(forms)
        yield _swapped(form, a, b, ing=ing, s=s, pp=pp)


def placements(rng: random.Random) -> Pairs:
    """Two things of a scene in each other's place ("a barn in the distance, a deer on the left").

    "in the distance" and "in the background" say one place: those pairs are served by design."""
    things = (
        "a castle|a lone tree|a lighthouse|a small cabin|a red barn|a windmill|a waterfall|"
        "a deer|a horse|a fisherman|a sailboat|mountains|a volcano|a city skyline|an old church"
    ).split("|")
    places = [
        "in the foreground",
        "in the background",
        "in the distance",
        "on the left",
        "on the right",
        "in the middle",
        "in the center",
    ]
    forms = [
        "{a} {x}, {b} {y}, oil painting",
        "{a} {x} and {b} {y}",
        "landscape, {a} {x}, {b} {y}, golden hour, 8k",
        "{b} {y}, {a} {x}",
        "a photo of {a} {x}, {b}",
    ]
    for _ in range(600):
        a, b = rng.sample(things, 2)
        x, y = rng.sample(places, 2)
        form = rng.choice(forms)
        yield _swapped(form, a, b, x=x, y=y)


def materials(rng: random.Random) -> Pairs:
    """Another material ("a wooden sword" / "a steel sword").

    A more general name ("a metal coin" from "a silver coin") is served by design."""
    names = (
        "wooden metal steel iron golden silver glass plastic stone paper leather cotton wool "
        "silk clay ceramic marble bronze copper brass concrete rubber crystal porcelain"
    ).split()
    things = (
        "sword ring cup chair table box statue door bowl spoon bell coin crown knife bottle "
        "vase lamp key helmet shield bridge boat bench fence gate bucket mask pipe chain plate"
    ).split()
    for thing in things:
        for first, second in rng.sample(list(itertools.permutations(names, 2)), 12):
            yield f"a {first} {thing} on a shelf", f"a {second} {thing} on a shelf"
            yield f"a {thing} made of {first.removesuffix('en')}", f"a {thing} made of {second}"


def sizes_and_ages(rng: random.Random) -> Pairs:
    """Another size or age ("a small dog" / "a big dog")."""
    pairs = [
        ("tiny", "huge"),
        ("small", "large"),
        ("little", "giant"),
        ("young", "old"),
        ("baby", "adult"),
        ("elderly", "young"),
        ("teenage", "elderly"),
        ("newborn", "grown"),
        ("miniature", "enormous"),
        ("short", "tall"),
        ("thin", "fat"),
        ("skinny", "chubby"),
    ]
    things = """
        dog cat man woman elephant horse tree house boat robot dragon bear owl girl boy castle
    """.split()
    forms = [
        "a {x} {t} in a park",
        "a {x} {t}, oil painting, 8k",
        "portrait of a {x} {t}",
        "a {x} {t} next to a fence",
        "the {t} is {x}",
        "a {t} that is very {x}",
    ]
    for _ in range(600):
        (x, y), thing, form = rng.choice(pairs), rng.choice(things), rng.choice(forms)
        first, second = form.format(x=x, t=thing), form.format(x=y, t=thing)
        yield first, second
        yield second, first


def settings(rng: random.Random) -> Pairs:
    """Another time of day, weather, season, style, artist or camera angle.

    "autumn" / "fall", "drizzle" / "rain" and camera words of one class ("aerial view" / "from
    above") are served by design."""
    scenes = [
        "a lighthouse on a cliff",
        "a fox in a meadow",
        "a city street",
        "a mountain lake",
        "a farmhouse",
        "a knight on horseback",
        "a harbor with fishing boats",
        "a girl reading on a bench",
    ]
    options = [
        [
            "at dawn",
            "at noon",
            "at dusk",
            "at night",
            "at sunset",
            "at sunrise",
            "in the morning",
            "in the evening",
            "at midnight",
            "at golden hour",
            "during blue hour",
        ],
        [
            "in the rain",
            "in the snow",
            "in fog",
            "in a thunderstorm",
            "on a sunny day",
            "under overcast skies",
            "in a sandstorm",
            "in a blizzard",
            "on a windy day",
            "in drizzle",
        ],
        ["in spring", "in summer", "in autumn", "in winter", "in fall"],
        [
            "oil painting",
            "watercolor",
            "pencil sketch",
            "3d render",
            "anime style",
            "pixel art",
            "photograph",
            "charcoal drawing",
            "ukiyo-e print",
            "vector illustration",
            "claymation",
            "low poly",
        ],
        [
            "by van gogh",
            "by monet",
            "by greg rutkowski",
            "by hokusai",
            "by rembrandt",
            "by studio ghibli",
            "by alphonse mucha",
            "by salvador dali",
        ],
        [
            "aerial view",
            "close-up",
            "wide shot",
            "low angle",
            "from above",
            "from below",
            "bird's eye view",
            "worm's eye view",
            "macro shot",
            "side view",
            "front view",
            "top-down view",
        ],
    ]
    forms = [
        "{s} {x}",
        "{s}, {x}, highly detailed, 8k",
        "{x}, {s}",
        "a beautiful picture of {s}, {x}, trending on artstation",
    ]
    for kinds in options:
        for _ in range(80):
            scene = rng.choice(scenes)
            a, b = rng.sample(kinds, 2)
            for form in forms:
                yield form.format(s=scene, x=a), form.format(s=scene, x=b)


FAMILIES: dict[str, tuple[Callable[[random.Random], Pairs], int]] = {
    "two_things": (two_things, 3),
    "attributes": (attributes, 5),
    "counts": (counts, 7),
    "absence": (absence, 9),
    "settings": (settings, 11),
    "roles": (roles, 13),
    "placements": (placements, 17),
    "sizes_and_ages": (sizes_and_ages, 19),
    "materials": (materials, 1),
}
"""Each family and its seed."""


def served(verifier: Verifier, pairs: Pairs) -> tuple[int, list[tuple[str, str]]]:
    """How many pairs there are, and those served: the same canonical form, or verified."""
    total, found = 0, []
    for cached, request in pairs:
        total += 1
        exact = canonical_prompt(cached) == canonical_prompt(request)
        if exact or verifier.check(cached, request) is None:
            found.append((cached, request))
    return total, found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=3, help="served pairs to print per family")
    parser.add_argument("--family", nargs="*", choices=sorted(FAMILIES), help="only these")
    args = parser.parse_args(argv)
    wordnet = WordNet.open(DEFAULT_WORDNET_DIR)
    if wordnet is None:
        print(f"no WordNet at {DEFAULT_WORDNET_DIR}: run `make setup` first", file=sys.stderr)
        return 1
    verifier = Verifier(wordnet)
    for name in args.family or FAMILIES:
        make, seed = FAMILIES[name]
        total, found = served(verifier, make(random.Random(seed)))
        print(f"{name:15} {len(found):5} served of {total:5}  ({make.__doc__.splitlines()[0]})")
        for cached, request in found[: args.examples]:
            print(f"    {cached!r} -> {request!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
