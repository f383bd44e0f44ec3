"""The active voice: a passive clause, and a verb of giving's two objects, said as the active
voice says them (see :func:`proxy.matching.normalise.normalise_tokens`, which applies them to
the verifier's tokens).

- ``active``: "a ball being kicked by a boy" reads as "a boy kicked a ball"; "a locksmith is
  handed a key by a woman" as "a woman handed a key to the locksmith"; "a receptionist handing
  a guest a key" as "a receptionist handing a key to a guest"; "a plate with food on it" as
  "food on a plate".
- ``names_the_doer``: whether a "by" names who does a thing ("kicked by a boy"), not a place
  ("a cabin by the lake").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from proxy.matching.phrases import COORDINATORS
from proxy.matching.tokens import POSSESSIVE
from proxy.matching.word_order import (
    DETERMINERS,
    IRREGULAR_PARTICIPLES,
    MOVING,
    OWNERS,
    PART_ENDS,
    PLACING,
    TIMES,
    describes_next,
    is_participle,
    looks_like_verb,
    noun_phrase_placed,
    plain_noun_phrase,
)
from proxy.matching.words import FUNCTION_WORDS, NUMBERS

__all__ = ["active", "names_the_doer"]


_PASSIVE_AUXILIARIES = frozenset("is are was were be been being gets get got getting".split())
_BEING = frozenset("is are was were being".split())
"""What a placing participle follows where its "by" may name who placed the thing."""


_MADE = frozenset(
    """
    created designed directed drawn illustrated inspired made painted photographed rendered
    sculpted shot sketched written
    """.split()
)
"""Participles whose "by" names the artist, not a doer in the picture."""


def active(
    tokens: list[str],
    verb_like: Callable[[str], bool] | None = None,
    alive: Callable[[str], bool] | None = None,
) -> list[str]:
    """A passive clause in the active voice: "a ball being kicked by a boy in a red shirt" reads
    as "a boy in a red shirt kicked a ball". Only where the thing done to is a plain noun phrase
    that opens its part of the prompt (no other verb or preposition in it), and never for the
    one who made the picture ("painted by greg rutkowski"). A thing "with" another "in it" or "on
    it" reads as the other in or on it ("a plate with food on it": "food on a plate").
    ``verb_like`` tells a verb from a word spelt like one ("red", "wooden", "kitten"); by
    default any word ending as a participle does ("-ed", "-en", "-wn"). ``alive`` tells a
    person or an animal, who may give a thing or do it at a time ("a girl is served a cocktail
    by a waiter", "a tent pitched at dusk by a scout"), from a place ("by the pool"); by
    default any word may be one."""
    verb_like = verb_like or looks_like_verb
    out: list[str] = []
    start = 0
    ends = (i for i, t in enumerate(tokens) if t in PART_ENDS and not _done_after(tokens, i))
    for end in [*ends, len(tokens)]:
        part = tokens[start:end]
        out.extend(
            _given_to(
                _active_part(_put_on(_held_part(part, verb_like), verb_like), verb_like, alive),
                verb_like,
                alive or (lambda word: True),
            )
        )
        out.extend(tokens[end : end + 1])
        start = end + 1
    return out


def _done_after(tokens: list[str], i: int) -> bool:
    """Whether the comma at ``i`` stands before what was done to the part it ends, by whom: "a
    castle on a hill, surrounded by fog" is "a castle on a hill surrounded by fog"."""
    return (
        tokens[i] == ","
        and i + 2 < len(tokens)
        and tokens[i + 2] == "by"
        and is_participle(tokens[i + 1])
        and tokens[i + 1] not in _MADE
    )


_PLACED_AT = frozenset({"in", "on", "at", "inside", "under", "to", "against", "onto", "into"})
"""Prepositions of a place, which stand between a participle and its "by" only after "being":
"a puppy being bathed in the tub by a girl" (but "a house built on a hill by the sea")."""


_PHRASAL = frozenset("picked rounded knocked".split())
"""Participles whose particle may stand before "by" ("three goats rounded up by a dog", "a ball
picked up by a puppy"). Only these: most ("curled up by the fire", "pulled over by the road")
place the thing by something rather than name who did it."""


_PARTICLES = frozenset("up down over".split())


def _active_part(
    part: list[str], verb_like: Callable[[str], bool], alive: Callable[[str], bool] | None
) -> list[str]:
    if "by" not in part[2:]:
        return part
    by = part.index("by", 2)
    particle = _particle(part, by, alive)
    way = [] if particle else _way_taken(part, by, alive)
    given = [] if particle or way else _thing_given(part, by, verb_like, alive)
    begin = by - 1 - len(particle) - len(way) - len(given)
    participle = part[begin]
    if not is_participle(participle):
        return part
    said = begin
    while begin > 0 and part[begin - 1] in _PASSIVE_AUXILIARIES:
        begin -= 1
    if participle in _MADE and (
        said == begin or (part[by + 1] not in DETERMINERS and not _people(part[by + 1], alive))
    ):
        # "painted by greg rutkowski"; but "the fence was painted by a boy", "... by children"
        return part
    done_to = part[:begin]
    if (
        by + 1 == len(part)
        or not all(
            plain_noun_phrase(phrase, verb_like) or noun_phrase_placed(phrase, verb_like)
            # things joined by "and" only before "is", "are", "being": "two girls and a boy
            # skated by a snowman" went past it
            for phrase in (_joined(done_to) if said > begin else [done_to])
        )
        or ("wearing" in done_to and participle not in _DONE_TO_PEOPLE)
    ):
        return part
    # The one who does it is the noun phrase after "by" ("a herd of buffalo"), with what it is
    # in or with ("a girl kissed by a boy in a blue suit": the boy's suit); what follows stays
    # at the end ("a dog walked by a boy along the beach": "a boy walked a dog along ...").
    places = [i for i in range(by + 2, len(part)) if part[i] in PLACING]
    if places and part[places[0]] in _WEARING_IN:
        places = places[1:]
    end = places[0] if places else len(part)
    doing = IRREGULAR_PARTICIPLES.get(participle, participle)
    if doing == "surrounded":
        doing = "surrounding"  # the place word "pine trees surrounding a cabin" says
    if (
        done_to[0] not in DETERMINERS | OWNERS
        and done_to[0] not in NUMBERS
        and not done_to[0].isdigit()
    ):
        # "mouse chased by a cat": "a cat chased the mouse", not a chased mouse it describes
        done_to = ["the", *done_to]
    if given:
        # "a locksmith is handed a key by a woman": "a woman handed a key to the locksmith";
        # a bare thing given gets "the", as what is done to does: "served the coffee"
        if given[0] not in DETERMINERS | OWNERS:
            given = ["the", *given]
        return [*part[by + 1 : end], doing, *given, "to", *done_to, *part[end:]]
    return [*part[by + 1 : end], doing, *particle, *done_to, *way, *part[end:]]


def _joined(phrase: list[str]) -> list[list[str]]:
    """``phrase`` split at "and" into the noun phrases it joins ("the bride and groom"); never
    empty ones, so a phrase that opens or ends with "and" is read whole."""
    parts: list[list[str]] = [[]]
    for token in phrase:
        if token == "and":
            parts.append([])
        else:
            parts[-1].append(token)
    return parts if all(parts) else [phrase]


_TIME_WORDS = TIMES | frozenset("time times day days week year moment minute hour".split())


_GIVES = frozenset(
    """
    give gives giving gave hand hands handing handed show shows showing showed demonstrate
    demonstrates demonstrating demonstrated offer offers
    offering offered pass passes passing passed send sends sending sent serve serves serving
    served throw throws throwing threw toss tosses tossing tossed bring brings bringing brought
    sell sells selling sold lend lends lending lent teach teaches teaching taught feed feeds
    feeding fed
    """.split()
)
"""Forms of the verbs of giving, whose two objects may come in either order: "a zookeeper
feeding a tapir a slice of melon" is "... feeding a slice of melon to a tapir"."""
_TELLS = frozenset("read reads reading tell tells telling told sing sings singing sang".split())
"""Forms of the verbs of telling, whose two objects come in either order where the first is
someone told ("reading twin toddlers a story"), not a thing read ("reading the paper her
coffee on the table", a comma left out)."""


_GIVES_OR_TELLS = _GIVES | _TELLS
_OPENERS = DETERMINERS | OWNERS
_LISTENERS = frozenset(
    """
    class crowd audience fans twins grandchildren grandkids kids children students pupils guests
    customers doll dolls teddy_bear teddy_bears
    """.split()
)
"""Who is told or given a thing though WordNet's first sense is no person: "reading the class a
book", "singing the crowd a song", "reading her doll a story"."""
_PLURAL_ENDS = re.compile(r"(?<!s)s$|^(?:children|people|men|women)$")


def _given_to(
    part: list[str], verb_like: Callable[[str], bool], alive: Callable[[str], bool]
) -> list[str]:
    """``part`` with a verb of giving's two objects said with "to": "a receptionist handing a
    guest a room key" as "a receptionist handing a room key to a guest", as its passive reads
    ("a guest is handed a room key by a receptionist"). Only where the second object opens with a
    determiner or an owner and the first is a plain noun phrase that opens with one too or names
    people or animals ("reading twin toddlers a story"); not in a passive."""
    for at, token in enumerate(part[:-3]):
        if token not in _GIVES_OR_TELLS or (
            at and part[at - 1] in _PASSIVE_AUXILIARIES and not token.endswith("ing")
        ):
            continue  # "is handed a key" is a passive, "is handing a boy a cake" not
        opener = _OPENERS
        second = next((k for k in range(at + 2, len(part)) if part[k] in opener), 0)
        first = part[at + 1 : second]
        if (
            not second
            or second - at > 5
            or not plain_noun_phrase(first, verb_like)
            or not (first[0] in opener or _PLURAL_ENDS.search(first[-1]))
            or (
                (token in _TELLS or first[0] not in opener)
                and not (alive(first[-1]) or first[-1] in _LISTENERS)
            )
        ):
            continue  # "reading twin toddlers a story": a bare first object names several
        if _TIME_WORDS.intersection(part[second : second + 4]):
            continue  # "a runner passing the bakery this morning": a time, nothing given
        end = second + 1
        while end < len(part) and not (
            part[end] in PART_ENDS
            or (part[end] in FUNCTION_WORDS and part[end] not in DETERMINERS | {"of"})
            or (verb_like(part[end]) and not describes_next(part, end))
        ):
            end += 1
        told = first if first[0] in opener else ["the", *first]  # "to kids", no verb "kids"
        return [*part[: at + 1], *part[second:end], "to", *told, *part[end:]]
    return part


_ONLY_PARTICIPLES = frozenset({"given", "shown", "thrown"})
"""Participles of giving that are no past tense, passive without "is"."""


_WORKS = frozenset(
    "book books novel novels painting paintings song songs poem poems album albums record "
    "records drawing drawings sketch sketches portrait portraits sculpture sculptures".split()
)
"""Things given whose "by" names who made them: "a student is sold a novel by stephen king"."""


_GIVING = frozenset(
    """
    handed given shown offered passed sent served thrown tossed brought sold lent taught fed
    """.split()
)
"""Participles of giving, whose passive names what is given before "by": "a locksmith is handed
a key by a woman"."""


def _thing_given(
    part: list[str],
    by: int,
    verb_like: Callable[[str], bool],
    alive: Callable[[str], bool] | None,
) -> list[str]:
    """The noun phrase between a ``_GIVING`` participle after "is", "was" or "being" and
    ``part[by]`` ("a key" in "a locksmith is handed a key by a woman", "a cup of tea"), or
    none. Without the auxiliary, "a boy handed a ball by the river" is a boy who handed it
    ("a girl given a balloon by a vendor" was given it: "given" is no past tense); without a
    determiner or "is", "a waiter served soup" reads as soup that was served."""
    start = next((k for k in range(by - 2, 0, -1) if part[k] in _GIVING), 0)
    between = part[start + 1 : by]
    if not start or any(
        t in FUNCTION_WORDS and t not in DETERMINERS | OWNERS | {"of"} for t in between
    ):
        return []
    named = _of_whole(between)
    if named[-1] in _WORKS:
        return []  # "a student is sold a novel by stephen king": its author
    after_be = part[start - 1] in _PASSIVE_AUXILIARIES
    passive = after_be or part[start] in _ONLY_PARTICIPLES
    # after "is" or "being", a thing given may be bare: "a pilot is served coffee by a waiter"
    given = passive and (after_be or between[0] in DETERMINERS | OWNERS)
    # the last word names the thing, whatever its ending ("a drawing")
    given = given and plain_noun_phrase(named, lambda t: t != named[-1] and verb_like(t))
    return between if given and _living_doer(part, by, alive) else []


def _particle(part: list[str], by: int, alive: Callable[[str], bool] | None = None) -> list[str]:
    """The particle between one of the ``_PHRASAL`` participles and ``part[by]`` ("up" in
    "rounded up by"), or between any participle after "is" or "are" and a person or an animal
    that ``alive`` says follows "by" ("a horse is tied up by a cowboy"; not "a boat is tied up
    by the dock"), or none."""
    if by < 2 or part[by - 1] not in _PARTICLES:
        return []
    if part[by - 2] in _PHRASAL or (
        alive is not None
        and by > 2
        and part[by - 3] in _PASSIVE_AUXILIARIES
        and is_participle(part[by - 2])
        and _living_doer(part, by, alive)
    ):
        return [part[by - 1]]
    return []


_WEARING_IN = frozenset({"in", "with"})
"""Prepositions of what the one who does a thing wears or has: "kissed by a boy in a suit"."""


_DONE_TO_PEOPLE = frozenset(
    """
    kissed hugged embraced chased followed watched greeted helped comforted pushed surrounded
    photographed rescued
    """.split()
)
"""What is done to a person rather than to what they wear: after "a girl wearing a red dress",
"kissed by a boy" is done to the girl, "held by a bridesmaid" as often to the dress."""


_PEOPLE = frozenset("children kids people men women boys girls students".split())
"""People a thing "was painted by" without a determiner, who are no artist's name."""


def _people(word: str, alive: Callable[[str], bool] | None) -> bool:
    """Whether ``word`` after "by" names people in the picture, not an artist: listed ones
    ("children"), or beings in the plural ("is photographed by visitors"), as a name is not."""
    return word in _PEOPLE or (alive is not None and word.endswith("s") and alive(word))


_HELD = frozenset({"it", "them", "her", "him"})


_HELD_TOO = DETERMINERS | OWNERS | {"of", "and"}
"""Function words in what a thing is "with" that is in or on it: "a vase of flowers"."""

_HOLDING = frozenset("in into on onto inside under over above beside behind around".split())
"""Where "it" holds what a thing is "with": "a plate with food on it"."""


def _held_part(part: list[str], verb_like: Callable[[str], bool]) -> list[str]:
    """ "a gorge with a waterfall plunging into it" as "a waterfall plunging into a gorge", "a
    plate with food on it" as "food on a plate": where the thing that holds is a plain noun
    phrase that opens the part, and "it" (or "them", "her", "him") ends the part."""
    if len(part) < 5 or part[-1] not in _HELD or part[-2] not in _HOLDING or "with" not in part:
        return part
    with_ = part.index("with")
    holder, held = part[:with_], part[with_ + 1 : -2]
    if (
        not held
        or not plain_noun_phrase(_of_whole(holder), verb_like)
        or not PLACING.isdisjoint(holder)
        # "... with a cup in her hand while the driver waves at her": "her" is no holder
        or any(t in FUNCTION_WORDS and t not in _HELD_TOO for t in held)
    ):
        return part
    return [*held, part[-2], *holder]


_DECORATED = frozenset(
    """
    painted decorated carved engraved printed embroidered stitched tattooed etched stamped
    inscribed adorned
    """.split()
)
"""Participles of what is put on a thing's surface: "a boat painted with roses" has roses
painted on it."""


def _put_on(part: list[str], verb_like: Callable[[str], bool]) -> list[str]:
    """ "roses and castles painted on a canal boat" as "a canal boat painted with roses and
    castles": what is put on a thing said with the thing first, as a thing painted with it reads
    (and "a ladybug painted on a rock" is no ladybug on a rock). Only where what is put on opens
    the part and the thing it is on ends it, both plain noun phrases."""
    at = next((i for i, t in enumerate(part[1:-2], 1) if t in _DECORATED), 0)
    if not at or part[at + 1] != "on":
        return part
    put, thing = part[:at], part[at + 2 :]
    things = [t for t in put if t not in COORDINATORS]
    if not plain_noun_phrase(_of_whole(things), verb_like) or not plain_noun_phrase(
        thing, verb_like
    ):
        return part
    return [*thing, part[at], "with", *put]


def _of_whole(tokens: list[str]) -> list[str]:
    """``tokens`` without a plain "of" phrase that ends them ("a field of tulips": the field,
    what it is of still naming the same thing); as they are otherwise."""
    if "of" not in tokens[1:-1]:
        return tokens
    of = tokens.index("of", 1)
    after = tokens[of + 1 :]
    if "of" in after or any(t in FUNCTION_WORDS and t not in DETERMINERS for t in after):
        return tokens
    return tokens[:of]


def _way_taken(part: list[str], by: int, alive: Callable[[str], bool] | None = None) -> list[str]:
    """The way phrase between a participle and ``part[by]`` ("through the garden" in "chased
    through the garden by a dog"), with a time phrase that ends it ("driven down an avenue at
    night by a woman", "driven at night by a woman": only where ``alive`` says a person or
    an animal follows "by"), or none."""
    when = _time_before(part, by)
    if when < by and not _living_doer(part, by, alive):
        return []  # "a tent pitched at dusk by the river"
    if when < by and is_participle(part[when - 1]):
        return part[when:by]
    living = _living_doer(part, by, alive)
    # a tool only before someone a determiner or an owner opens: "by a milliner", not "by
    # michelangelo", an artist who made the thing rather than someone seen doing it
    named = living and part[by + 1 : by + 2] and part[by + 1] in DETERMINERS | OWNERS
    way = _way_before(part, when, living, bool(named))
    return [*way, *part[when:by]] if way else []


def _time_before(part: list[str], end: int) -> int:
    """Where a time phrase that ends just before ``part[end]`` starts ("at night", "on a rainy
    evening"); ``end`` where there is none."""
    if end < 3 or part[end - 1] not in TIMES:
        return end
    for start in range(end - 2, max(end - 5, 0), -1):
        if part[start] in _AT_A_TIME:
            return start
        if part[start] in FUNCTION_WORDS and part[start] not in DETERMINERS:
            break
    return end


_AT_A_TIME = frozenset({"at", "in", "on", "during"})


def _way_before(part: list[str], by: int, living: bool, tool: bool = False) -> list[str]:
    """The way or place phrase that ends before ``part[by]``; a place only after "being", or
    after "is" or "are" where a person or an animal (``living``) follows "by": "a jug is
    shaped on the wheel by a potter"; what a thing was aimed "at" where one follows that a
    determiner or an owner opens (``tool``): "lightning hurled at a ship by a sorceress" (but
    "a lamp placed on a table by a sleeping cat" is beside it); what it is done with only where
    ``tool`` says so: "a brim trimmed with scissors by a milliner"."""
    for start in range(by - 2, 0, -1):
        if (
            part[start] in MOVING
            or (part[start] == "with" and tool)  # "trimmed with scissors by a milliner"
            or (
                part[start] in _PLACED_AT
                and start > 1
                and (
                    part[start - 2] == "being"
                    or (living and part[start - 2] in _PASSIVE_AUXILIARIES)
                    # "lightning hurled at a ship by a sorceress": where it was aimed
                    or (living and tool and part[start - 1] in _AIMED)
                )
            )
        ) and is_participle(part[start - 1]):
            way = part[start:by]
            if not any(_verb_in_way(way, k) for k in range(len(way))) and way[-1] not in (
                FUNCTION_WORDS
            ):
                return way
            return []
        if part[start] in PART_ENDS or (
            part[start] in FUNCTION_WORDS
            and part[start] not in _OPENING_A_WAY
            and part[start - 1 : start + 1] != ["out", "of"]  # "pulled out of the waves by"
        ):
            return []
    return []


_AIMED = frozenset(
    "thrown hurled tossed flung fired shot aimed pointed launched kicked lobbed cast".split()
)
"""Participles whose "at" names what a thing was aimed at, not where it lies."""
_OPENING_A_WAY = DETERMINERS | {"every", "each"}
"""Words that open the noun phrase of a way or place: "tied to every chair by the parents"."""


def _verb_in_way(way: list[str], k: int) -> bool:
    """Whether ``way[k]`` may be a verb of its own: a word in "-ing" that no noun of the way
    follows and no determiner or other "-ing" word comes before ("out of a burning building"
    names a way; "through the garden laughing" does not)."""
    return (
        way[k].endswith("ing")
        and (k + 1 == len(way) or way[k + 1] in FUNCTION_WORDS)
        and not (k and (way[k - 1] in DETERMINERS or way[k - 1].endswith("ing")))
    )


def _living_doer(part: list[str], by: int, alive: Callable[[str], bool] | None) -> bool:
    """Whether the noun phrase after ``part[by]`` names a person or an animal, by ``alive`` (any
    noun where it is None): "by a waiter", "by her aunt", "by two white horses", not "by the
    pool"."""
    if alive is None:
        return True
    said = []
    for token in part[by + 1 :]:
        if token in PART_ENDS or (token in FUNCTION_WORDS and token not in DETERMINERS | OWNERS):
            break
        said.append(token)
    nouns = [t for t in said if t not in DETERMINERS | OWNERS and t not in NUMBERS]
    return bool(nouns) and (nouns[-1] in _PEOPLE or alive(nouns[-1]))


def names_the_doer(
    tokens: list[str],
    by: int,
    verb_like: Callable[[str], bool] | None = None,
    alive: Callable[[str], bool] | None = None,
) -> bool:
    """Whether "by" at ``tokens[by]`` names who does what the participle before it says ("kicked
    by a boy", "chased through the garden by a dog"), not a place ("a cabin by the lake");
    ``verb_like`` and ``alive`` as :func:`active` takes them."""
    if by == 0:
        return False
    if tokens[by - 1] in _PLACED or tokens[_time_before(tokens, by) - 1] in _PLACED:
        # "docked at night by the pier"; but "wheels of brie being stacked by a cheesemaker"
        return (
            alive is not None
            and by > 1
            and tokens[by - 2] in _BEING
            and _living_doer(tokens, by, alive)
        )
    # "a shed by the river", "a builder's shed": a participle's spelling after "a" or an
    # owner names a thing
    named = by > 1 and (tokens[by - 2] in _OPENERS or tokens[by - 2] == POSSESSIVE)
    return (is_participle(tokens[by - 1]) and not named) or bool(
        _particle(tokens, by, alive)
        or _way_taken(tokens, by, alive)
        or _thing_given(tokens, by, verb_like or looks_like_verb, alive)
    )


_PLACED = frozenset(
    """
    stacked piled parked moored docked anchored placed set seated perched propped leaned
    lined tied chained tethered hung stored abandoned
    """.split()
)
"""Participles that say where a thing was put, after which "by" is a place: "lobster pots
stacked by the door", "a boat moored by the pier", not who did it."""
