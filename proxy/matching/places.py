"""Places: whether the request puts the things both prompts name where the cached prompt does.
The verifier (:mod:`proxy.matching.verify`) asks this last, with
:func:`proxy.matching.roles.swapped`, once every word of the request is covered.

- ``spatial``: "a cat on the bed" / "a cat under the bed", checked both ways; directions
  ("skiing up" / "down"); and the open air, where an "outside" said alone adds nothing ("dancing
  in the rain" / "dancing outside in the rain").
"""

from __future__ import annotations

from proxy.matching.reading import OPPOSITE
from proxy.matching.reading_model import Reading
from proxy.matching.roles import LOOSE_RELATIONS, beings_named
from proxy.matching.words import COLOURS

__all__ = ["spatial"]


_POSITIONS = frozenset(
    "below above atop behind front near inside outside left "
    "right middle between against background foreground upside underwater around foot".split()
)
"""Spatial classes that fix where a thing is; motion ("through", "across", "toward") does
not contradict a loose "in" ("a kite flying through the sky", "in the sky")."""


def _relations(reading: Reading) -> dict[tuple[str, str], set[str]]:
    """(thing, the subject it is placed against) -> how it is placed: a spatial class
    ("below", "behind"), or "in" for the loose "in", "on", "at"."""
    found: dict[tuple[str, str], set[str]] = {}
    for i in reading.heads():
        word = reading.words[i]
        if word.listed:
            continue  # its role, taken across a comma from the thing before, is a guess
        relation, _, subject = word.role.partition("/")
        if relation in ("in", "@in"):
            kinds = {"in", "inside"}  # "in a box" is "inside a box"; loosely, "on" or "at" it
        elif relation == "on":
            kinds = {"in", "atop"}  # loosely "in" or "at"; "on top of" it
        elif relation in LOOSE_RELATIONS:
            kinds = {"in"}
        elif relation == "@against":
            kinds = {"against", "in"}  # "leaning against a wall" is loosely "on" it
        elif relation == "@middle":
            kinds = {"middle", "in"}  # "in the middle of a forest" is in the forest
        elif relation[1:] in _POSITIONS and relation.startswith("@"):
            kinds = {relation[1:]}
        else:
            continue
        if subject:
            found.setdefault((word.key, subject), set()).update(kinds)
    return found


def _placed_somewhere(
    relations: dict[tuple[str, str], set[str]], thing: tuple[str, str], beings: frozenset[str]
) -> set[str] | None:
    """How ``relations`` place a thing of that name where one of the two places it against a
    guess ("?": "castle, tall towers, on a hill"): against whatever it is placed but a person
    or an animal (``beings``), which the guess is not."""
    name, subject = thing
    if subject != "?" and (name, "?") not in relations:
        return None
    found = [
        kinds
        for (other, against), kinds in relations.items()
        if other == name and (subject if against == "?" else against) not in beings
    ]
    return set().union(*found) if found else None


def _crossed(have: Reading, want: Reading) -> bool:
    """Whether each thing the request has something go "across" is what the cached prompt has
    that same thing cross: "a ferry crossing a fjord" / "a ferry sailing across a fjord"; not
    "a woman with crossed legs" for "a woman sitting across the table"."""
    crossed = {
        (w.role.partition("/")[2], w.key)
        for w in have.words
        if w.governor == "cross" and w.role.startswith("object/")
    }
    across = {
        (w.role.partition("/")[2], w.key) for w in want.words if w.role.startswith("@across/")
    }
    return bool(across) and across <= crossed


_OPEN_AIR = frozenset(
    """
    rain snow storm thunderstorm hail sleet beach park field forest woods garden yard backyard
    meadow desert jungle playground courtyard trail
    """.split()
)
"""Places and weather one can only be in out of doors."""
_PLACED_IN = frozenset("in at on under inside near by beside through along across".split())
_PHRASE_ENDS = _PLACED_IN | frozenset(", . ; and or while as where when with of during".split())
_INDOORS = frozenset(
    """
    indoors indoor inside interior room bedroom bathroom kitchen living hallway hall lobby
    classroom office studio shop store cafe restaurant bar hospital greenhouse barn cabin tent
    house home window windows door doors car bus train plane tv television screen painting poster
    photo picture book wallpaper model bathtub bed couch sofa closet garage museum gallery
    """.split()
)
"""What says a picture may be indoors, or shows the open air only as a picture or a view."""


def _out_of_doors(have: Reading) -> bool:
    """Whether the cached prompt puts what it shows out of doors: every place it is in, on or at
    is one only the open air has ("dancing in the rain", "a dog at the park", "in heavy rain"),
    none is another ("in a diner in the storm", "in rain boots": boots are no place), and it
    names nothing that may be indoors ("a girl by the window, rain", "1girl, bedroom")."""
    sequence = have.sequence
    if not _INDOORS.isdisjoint(sequence):
        return False
    found = False
    for i, token in enumerate(sequence):
        if token not in _PLACED_IN:
            continue
        end = next(
            (j for j in range(i + 1, len(sequence)) if sequence[j] in _PHRASE_ENDS), len(sequence)
        )
        if end == i + 1 or end - i > 5:
            continue  # no place named, or a long phrase read elsewhere
        if sequence[end - 1] not in _OPEN_AIR:
            return False  # in, on or at another place, which may be indoors
        found = True
    return found


_OUTSIDE = frozenset({"outside", "outdoors"})
_AFTER_ALONE = frozenset(
    ["", ",", ".", "in", "on", "at", "under", "during", "with", "and", "through", "along", "across"]
)


def _outside_alone(sequence: tuple[str, ...]) -> bool:
    """Whether every "outside" in ``sequence`` is said alone, of no thing ("playing outside in
    the snow", not "outside of the forest" nor "outside the house")."""
    return all(
        (sequence[i + 1] if i + 1 < len(sequence) else "") in _AFTER_ALONE
        for i, token in enumerate(sequence)
        if token in _OUTSIDE
    )


def _sides_swapped(have: Reading, want: Reading) -> bool:
    """Whether a thing of a kind named more than once, told apart by the words that describe
    it, is placed elsewhere in the request than in the cached prompt: "an older sister on the
    left and a younger sister on the right" / the sides swapped (but not the two named in the
    other order)."""
    for thing, described, kind in want.sides - have.sides:
        elsewhere = {k for t, d, k in have.sides if t == thing and d == described}
        if described and elsewhere and kind not in elsewhere:
            return True
    return False


def spatial(have: Reading, want: Reading) -> str | None:
    """A spatial relation the request asks for ("under", "beside", "in front of") that the
    cached prompt does not state; or a direction the cached prompt states the opposite of
    ("skiing up" / "down", "headphones on" / "off"). "in", "on" and "at" alone are too loosely
    used to count."""
    if _said_in_order(want) and _in_order(have) != _in_order(want):
        return "spatial"  # "a cat, a dog and a bird, from left to right" in another order
    missing = want.spatial - have.spatial
    if "in" in have.tokens:
        # where the cached prompt puts it "in" is checked below; moving "through" a place is
        # being in it ("a jellyfish drifting in / through the deep ocean")
        missing -= {"inside", "through"}
    if "on" in have.tokens and not have.spatial & {"below", "middle"}:
        # "on top of" is "on", checked below too, and so is "leaning against"; not "at the
        # bottom"
        missing -= {"atop", "against"}
    across = ("across" in have.spatial and "over" in want.tokens) or (
        "over" in have.tokens and "across" in want.spatial
    )
    if across:
        missing -= {"above", "across"}  # "a bridge across a river" is "a bridge over a river"
    if "across" in missing and _crossed(have, want):
        missing -= {"across"}  # "a ferry crossing a fjord" goes across it
    if "outside" in missing and _out_of_doors(have) and _outside_alone(want.sequence):
        missing -= {"outside"}  # "dancing in the rain" is dancing outside
    if missing:
        return "spatial"
    # Both ways: "a cat on the bed" asks for the bed elsewhere than "a cat under the bed" has it.
    cached = _relations(have)
    behind = {named for named, kind in have.placed - want.placed if kind == "background"}
    beings = beings_named(have) | beings_named(want)
    for thing, relations in _relations(want).items():
        placed = cached.get(thing) or _placed_somewhere(cached, thing, beings)
        if placed and not placed & relations:
            return "spatial"
        if thing[0] in behind and relations & {"in", "atop"}:
            return "spatial"  # "a cat, fireplace background" has no cat in the fireplace
    # "a castle in the distance, a knight" / "a castle, a knight in the distance"
    have_heads = {have.words[i].key for i in have.heads()}
    places = {kind for _, kind in have.placed}
    for named, kind in want.placed - have.placed:
        if kind in places and named in have_heads:
            return "spatial"
    if _sides_swapped(have, want):
        return "spatial"  # "an older sister on the left, a younger one on the right", swapped
    for direction in want.directions - have.directions:
        if OPPOSITE[direction] & have.directions:
            return "spatial"
    return None


_ORDER_ENDS = frozenset({"left", "right", "top", "bottom"})
_BANDS = frozenset({"stripes", "bands"})


def _said_in_order(reading: Reading) -> bool:
    """Whether ``reading`` says that the order of what it names is where each is: "from left
    to right", "top to bottom", "vertical stripes of blue, white and red", a tricolour; not
    "black and white stripes", a zebra's either way."""
    words = reading.sequence
    return any(
        (
            word == "to"
            and k
            and words[k - 1] in _ORDER_ENDS
            and _ORDER_ENDS.intersection(words[k + 1 : k + 2])
        )
        or (word in ("vertical", "horizontal") and _BANDS.intersection(words[k + 1 : k + 3]))
        or word in ("tricolor", "tricolour")
        for k, word in enumerate(words)
    )


def _in_order(reading: Reading) -> list[str]:
    """The things ``reading`` names and the colours it says, each once, in the order the
    prompt says them (its words as typed: the reader moves a place said first to the end)."""
    named = {reading.words[i].text for i in reading.heads()}
    named |= {word.text for word in reading.words if word.lemmas & COLOURS}
    seen: list[str] = []
    for token in reading.sequence:
        if token in named and token not in _ORDER_ENDS and token not in seen:
            seen.append(token)
    return seen
