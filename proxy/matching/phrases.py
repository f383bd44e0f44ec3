"""Phrases: how the reader groups a prompt's words into noun phrases. Each phrase's last noun
is its head, the words before it describe it, and its role is the preposition that introduced
it ("on/cat": on the cat), "object" after a verb, or "subject". Words left without a head
describe the noun before them; a tag of describing words alone describes the whole picture.

The reader (:mod:`proxy.matching.reading`) calls these as it walks a prompt's tokens.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING

from proxy.matching.lexicon import NOTHING
from proxy.matching.words import DEPICTIONS, FUNCTION_WORDS

if TYPE_CHECKING:
    from proxy.matching.reading_model import Reading, Word

__all__ = [
    "COORDINATORS",
    "DETERMINERS",
    "PART",
    "ROLE_MARKERS",
    "SENTENCE_ENDS",
    "attach_predicates",
    "close_chunk",
    "ends_in_head",
    "govern_lists",
    "is_break",
    "lone_tag",
    "next_content",
    "phrase_follows",
]

HEAD_LIKE = frozenset("light lights dark gold silver".split())
"""Describing words that end a tag as its head: "dramatic light", "neon lights", "deep dark",
"rose gold"."""
DETERMINERS = frozenset(
    "a an the this that these those his her its their our my your some any each every".split()
)
SENTENCE_ENDS = frozenset({".", ";", ":"})
ROLE_MARKERS = frozenset(
    "with without of on in at to from for by into onto under over near behind above below".split()
)
COORDINATORS = frozenset({"and", "or", "&", ",", "as well as", "plus"})


def lone_tag(reading: Reading, chunk: list[int], breaks: list[str]) -> bool:
    """Whether ``chunk``, ending at a comma or the end, is a tag of its own made of describing
    words ("..., dramatic, ...", "cozy, tiny house"), not the start of a list ("black, white
    and brown dogs" follows "a")."""
    return (
        bool(chunk)
        and breaks in ([","], [])
        and (breaks == [","] or chunk[0] == 0)
        and not any(reading.words[w].noun or reading.words[w].verb for w in chunk)
        and not ends_in_head(reading, chunk)
    )


def ends_in_head(reading: Reading, chunk: list[int]) -> bool:
    """Whether the noun phrase ``chunk`` ends in a describing word that is its head here
    ("dramatic light", "rose gold"), not the colour of what follows ("light, airy")."""
    return len(chunk) > 1 and reading.words[chunk[-1]].text in HEAD_LIKE


def close_chunk(
    reading: Reading, chunk: list[int], breaks: list[str], following: frozenset[str] = NOTHING
) -> None:
    """End a noun phrase: its last noun is its head, the words before it describe it, and its
    role is the preposition that introduced it, "object" after a verb, else "subject".
    ``following``: the lemmas of the word after the phrase, a preposition or a verb."""
    if not chunk:
        return
    words = reading.words
    heads = [i for i in chunk if words[i].noun]
    if not heads and (
        (words[chunk[-1]].nounish and any(b in DETERMINERS for b in breaks))
        or ends_in_head(reading, chunk)
    ):
        # "a rainbow", "the light", "dramatic light": a describing word that ends a noun phrase
        # is its head.
        heads = [chunk[-1]]
        words[chunk[-1]].noun = True
    if heads:
        head = heads[-1]
        owner = None
        for i in reversed(chunk):
            # The words before an owner describe it: "red" in "a red truck's engine", as in
            # "the engine of a red truck".
            words[i].head = head if owner is None else owner
            if i != head and words[i].possessor:
                owner = i
        key = words[head].key
        words[head].occurrence = reading.kinds[key]
        reading.kinds[key] += 1
        earlier = reading.head_indexes  # the heads before this one: it is added last
        # A preposition a comma or "and" closes governs nothing after it: "a castle in the
        # distance, a knight" places the castle, "a cat on the left and a dog" the cat, "a
        # tent lit from inside, camels" nothing.
        prepositions = [
            b
            for k, b in enumerate(breaks)
            if (b in ROLE_MARKERS or b.startswith("@"))
            and COORDINATORS.isdisjoint(breaks[k + 1 : k + 2])
            and "," not in breaks[k + 1 :]
        ]
        if (
            (PART in breaks or _a_being_after_a_place(words, chunk, earlier, breaks))
            and not prepositions
            and earlier
            and words[earlier[-1]].role != "subject"
            and not any(b in COORDINATORS - {","} for b in breaks)
        ):
            # "a cat on a sofa, sunlight through the window": a new part of the prompt, with a
            # subject of its own, not a second thing on the sofa.
            words[head].role = "subject"
        elif earlier and any(b in COORDINATORS for b in breaks) and not prepositions:
            partner = earlier[-1]
            if (
                opens_phrase(breaks)
                and words[partner].role.startswith("of")
                and len(earlier) > 1
                and words[earlier[-2]].lemmas.isdisjoint(DEPICTIONS)
            ):
                # "a cup of coffee and a croissant": a determiner after "and" starts a phrase
                # coordinated with the cup, not with the coffee; but "a painting of a fox and a
                # hare" paints both.
                partner = earlier[-2]
            elif (
                _placed_apart(words[partner], following)
                and len(earlier) > 1
                # "a cat on a sofa and a dog by the window"; but "price tags on jam jars and
                # honey pots in a shop" are on both
                and (words[earlier[-2]].role.startswith("with/") or opens_phrase(breaks))
            ):
                # "a hut with gulls on the roof and nets by the door": a second thing with a
                # place of its own, not a second thing the gulls are on; the roof is the gulls'
                # place, the door the nets'
                place, partner = words[partner], earlier[-2]
                place.role = f"{place.role.partition('/')[0]}/{words[partner].key}"
                reading.placed_apart.add(head)
            elif opens_phrase(breaks) and _said_alike(words[partner], following):
                # "a girl with a balloon and a boy with a kite", "a man holding a cup and a woman
                # holding a book": the same relation again, of a thing of its own
                partner = _owner(reading, earlier, partner)
            elif (
                opens_phrase(breaks)
                and ("and" in breaks or "or" in breaks)
                and words[head].animate
                and not words[partner].animate
                and words[partner].role.startswith("in/")
            ):
                # "a corgi in a blue bandana and a grinning groomer": no one is in the groomer
                partner = _owner(reading, earlier, partner)
            words[head].role = words[partner].role
            words[head].listed = not any(b in COORDINATORS - {","} for b in breaks)
            group = reading.groups.setdefault(partner, [partner])
            group.append(head)
            reading.groups[head] = group
        elif prepositions or any(w.verb for w in words[(earlier[-1] if earlier else 0) : chunk[0]]):
            # Relative to the clause's subject: "on the board" of the knife, not of the cabbage.
            subject = next((h for h in reversed(earlier) if words[h].role == "subject"), None)
            relation = prepositions[-1] if prepositions else "object"
            if prepositions and earlier[-1:] and earlier[-1] in reading.placed_apart:
                subject = earlier[-1]
            if relation == "of" and earlier:
                subject = earlier[-1]  # "a stack of books": the books of the stack
            if not prepositions:
                verbs = [w for w in words[(earlier[-1] if earlier else 0) : chunk[0]] if w.verb]
                words[head].governor = verbs[-1].key
            between = words[(earlier[-1] if earlier else 0) : chunk[0]]
            if (
                prepositions
                and relation != "of"
                and (breaks[0] == "," or any(w.leads_tag for w in between))
            ):
                # A tag of a place, or one that opens with a verb: "sci-fi soldier, energy
                # shield on the forearm, standing on a moon base", "dog, kitchen, under the
                # table". The place is the last being's named before, the soldier's; with none,
                # a verb's is a guess, and only how it is placed counts, and a place alone is
                # the last thing's ("house, under a tree, car")
                subject = next(
                    (
                        h
                        for h in reversed(earlier)
                        if words[h].role == "subject" and words[h].animate
                    ),
                    None,
                )
                if subject is None and any(w.leads_tag for w in between):
                    relation += "/?"
                elif subject is None:
                    subject = next(
                        (h for h in reversed(earlier) if words[h].role == "subject"), None
                    )
            words[head].role = relation + (f"/{words[subject].key}" if subject is not None else "")
        else:
            words[head].role = "subject"
        reading.head_indexes.append(head)
    chunk.clear()
    breaks.clear()


def _said_alike(word: Word, following: frozenset[str]) -> bool:
    """Whether ``following`` says again the relation ``word`` has to its thing: the
    preposition of "with a balloon", the verb of "holding a cup"."""
    relation, _, thing = word.role.partition("/")
    if not thing:
        return False
    if relation == "object":
        return word.governor is not None and word.governor in following
    return relation in following


def _placed_apart(word: Word, following: frozenset[str]) -> bool:
    """Whether ``word`` is where a thing is and ``following`` (what comes after the thing
    coordinated with it) places that thing elsewhere."""
    relation = word.role.partition("/")[0]
    return (
        relation != "object"
        and (relation in _PLACES or relation.startswith("@"))
        and any(t in _PLACES or t.startswith("@") for t in following)
    )


def _owner(reading: Reading, earlier: list[int], partner: int) -> int:
    """The head before ``partner`` that ``partner``'s role names ("girl" for "with/girl"), or
    ``partner`` itself where there is none."""
    words = reading.words
    thing = words[partner].role.partition("/")[2]
    return next((h for h in reversed(earlier) if h < partner and words[h].key == thing), partner)


PART = "|"
"""A break: a comma that opens a part of the prompt with a relation of its own."""


def _a_being_after_a_place(
    words: list[Word], chunk: list[int], earlier: list[int], breaks: list[str]
) -> bool:
    """Whether the noun phrase ``chunk``, a person or an animal a determiner or a number opens
    after a comma, follows a lifeless thing a preposition of place put another being at, or
    that being does something to, and so is no second thing there: "a cat, on a red cushion, a
    dog" puts the cat alone on the cushion, "1girl, holding umbrella, 1boy" has the girl hold
    the umbrella alone ("with roses, lilies" lists on, "a picnic in a clearing, a fox" may be a
    fox in the clearing, and in "..., on a pocket watch, copper feathers" the feathers are an
    animal's to WordNet)."""
    head = chunk[-1]
    if not earlier or breaks[:1] != [","] or not words[head].animate:
        return False
    if not any(b in DETERMINERS for b in breaks) and not words[chunk[0]].key.startswith("#"):
        return False
    before = words[earlier[-1]]
    relation, _, owner = before.role.partition("/")
    return (
        relation in _PLACES
        # "a knight, on a white horse, a squire" puts the squire on no horse; but "a girl
        # holding a cat, a dog" may hold both
        and not (before.animate and relation == "object")
        and any(words[h].key == owner and words[h].animate for h in earlier)
    )


_PLACES = frozenset("on in at under over near behind above below beside object".split())


def phrase_follows(tokens: Sequence[str], i: int) -> bool:
    """Whether the comma at ``i`` opens a part with a preposition of its own ("..., sunlight
    through the window"), not the next item of a list ("apples, pears and grapes", "with
    roses, lilies and tulips in bloom")."""
    # by index: a copy of the rest at each of a long tag list's commas would be quadratic
    for k in range(i + 1, len(tokens)):
        token = tokens[k]
        if token in SENTENCE_ENDS or token == ",":
            return False
        if token in COORDINATORS and tokens[i + 1] not in DETERMINERS:
            return False
        if token in ROLE_MARKERS or token.startswith("@"):
            return True
    return False


def opens_phrase(breaks: Sequence[str]) -> bool:
    """Whether a determiner follows the coordinator among ``breaks`` ("and a", ", the")."""
    after = next((i for i, b in enumerate(breaks) if b in COORDINATORS), len(breaks))
    return any(b in DETERMINERS for b in breaks[after + 1 :])


def govern_lists(reading: Reading) -> None:
    """Give the things of a list after a verb, joined by "and" or "or", the verb the first of
    them is governed by: "holding a lamp and a jar", "selling apples, pears and plums" hold and
    sell each. Not a thing that does something of its own ("holding a lamp and a dog
    barking"), nor a being after a thing or a thing after a being ("kicking a ball and a
    girl"): a new subject as often as a second object."""
    words = reading.words
    doing = {w.head for w in words if w.verb and w.bound}  # the things that do something
    seen: set[int] = set()
    for head in reading.heads():
        group = reading.group(head)
        if len(group) < 2 or group[0] in seen:
            continue
        seen.update(group)
        first = words[group[0]]
        if first.governor is None or not first.role.startswith("object"):
            continue
        listed = [words[h] for h in group[1:] if words[h].role == first.role]
        if (
            listed
            and any(not word.listed for word in listed)  # an "and", not commas alone
            and all(word.animate == first.animate for word in listed)
            and doing.isdisjoint(h for h in group[1:])
        ):
            for word in listed:
                if word.governor is None:
                    word.governor = first.governor


def attach_predicates(reading: Reading) -> None:
    """Words left without a head ("a dog that is white", "a man riding") describe the noun
    before them, or the one after when none came before."""
    heads = reading.heads()
    for i, word in enumerate(reading.words):
        if word.head is None and not word.whole:
            at = bisect.bisect_left(heads, i)
            before = heads[at - 1] if at > 0 else None
            after = heads[at] if at < len(heads) else None
            if word.forward and after is not None:
                word.head = after
            else:
                word.head = before if before is not None else after


def next_content(tokens: Sequence[str], i: int) -> str:
    """The first token after ``i`` that is not a function word ("." at the end)."""
    for token in tokens[i + 1 :]:
        if token not in FUNCTION_WORDS:
            return token
    return "."


def is_break(token: str) -> bool:
    """Whether ``token`` ends a noun phrase: a function word, a coordinator, punctuation, or a
    spatial class marker."""
    return token in FUNCTION_WORDS or token in COORDINATORS or not token[0].isalnum()
