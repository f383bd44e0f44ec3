"""What a cached prompt shows without the request's words: the cases the verifier's coverage
check (:meth:`proxy.matching.verify.Verifier._uncovered`) lets a request word pass although no
cached word covers it, or refuses although one does.

- A verb that only places a lifeless thing ("a typewriter sitting on a desk" is "a typewriter on
  a desk"), a vague verb of rest that a posture shows ("resting" / "sitting"), a vague verb of
  going that a way of going shows ("making its way across" / "sailing across"), an object a
  verb implies ("eating food" / "eating"), what a doer's name says it does ("a surfer surfing a
  wave" / "a surfer on a wave").
- "young" or "little" said of a child, which "a girl" shows.
- A noun before a chain of nouns, which may describe the next noun ("luxury wristwatch product
  photo" / "product photo of a luxury wristwatch").
- A material, shown only as its thing's own ("a steel blade" is not shown by a sword).
- A picture painted or rendered as a whole, which "trending on artstation" adds nothing to.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from proxy.matching.coverage import Coverage, describes
from proxy.matching.lexicon import NOTHING, WordNet
from proxy.matching.reading_model import Reading, Word
from proxy.matching.words import COLOURS, MATERIALS, SIZES_AGES

__all__ = [
    "DRAWN_PICTURE",
    "IMPLIED",
    "PLACED",
    "chained_to",
    "describes_shared_thing",
    "done_by_name",
    "done_otherwise",
    "lifeless_at_rest",
    "made_of",
    "made_things",
    "making_way",
    "said_of_a_child",
    "shown_at_rest",
    "sized",
]


PLACED = frozenset(
    "sit sitting stand standing lie lying rest resting lay laying place placed set "
    "position positioned situate situated locate located".split()
)
"""Verbs that only say where a lifeless thing is: "a typewriter sitting on a desk" is "a
typewriter on a desk" (a cat sitting is not a cat lying, so only for things that are not alive)."""


IMPLIED = {
    "eat": frozenset({"food", "meal", "something"}),
    "drink": frozenset({"drink", "beverage", "something"}),
}
"""Objects a verb implies when it has none: "eating food" is what "eating" shows."""


DRAWN_PICTURE = re.compile(
    r"(?:^|[,.;:])\s*(?:(?:an?|the)\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:painting|illustration|render|rendering|drawing|sketch|watercolou?r|artwork|"
    r"concept art|digital art|fantasy art|anime|cartoon|cgi)\s*(?:$|[,.;:]|of\b)"
)
"""A picture drawn, painted or rendered, said as what the whole picture is ("an oil painting
of ...", "..., digital art, ..."), not a painting in the scene ("a painting on the wall")."""


_AT_REST = frozenset("sit lie lay lounge recline sleep nap doze snooze sprawl".split())


_RESTING = {"rest": _AT_REST, "relax": _AT_REST}
"""Vague verbs and the postures that show them: "a cat resting on a couch" is what "a cat
sitting (lying, sleeping) on a couch" shows; not the other way round."""


_TRAVELLING = frozenset(
    """
    walk run jog sprint stroll march hike trek trudge wander roam stride hurry rush limp wade
    crawl climb swim sail row paddle cruise navigate drive ride cycle pedal ski skate fly cross
    carry push squeeze weave travel go move
    """.split()
)
"""Verbs of going somewhere, which show "making its way": not sinking, falling or dancing,
which move without going, nor leaving or descending, which go one way only."""
_UPWARD = frozenset({"climb"})


def making_way(word: Word, want: Reading, have: Reading) -> bool:
    """Whether ``word`` is "making" or "way" of "making its way", and the cached prompt has
    the same thing go there a way of its own: "a ferry sailing across a fjord", "a farmer
    driving a tractor through a field", "a boy climbing a tree" (not down it); not standing
    there, nor falling. Not the other way round: "making its way" cached shows no way of going
    in particular."""
    if word.key == "way" and word.governor == "make" and word.role.startswith("object/"):
        doer = word.role.partition("/")[2]
        return any(
            w.verb
            and "make" in w.lemmas
            and w.head is not None
            and want.words[w.head].key == doer
            and making_way(w, want, have)
            for w in want.words
        )
    if not word.verb or word.head is None or word.negated or "make" not in word.lemmas:
        return False
    objects = {w.key for w in want.words if w.governor is not None and w.governor in word.lemmas}
    if objects != {"way"}:
        return False
    thing = want.words[word.head].key
    return any(
        w.verb
        and not w.negated
        and w.head is not None
        and have.words[w.head].key == thing
        and not w.lemmas.isdisjoint(_TRAVELLING)
        and not (w.lemmas & _UPWARD and "down" in want.tokens)
        and not ("away" in have.tokens and "away" not in want.tokens)
        for w in have.words
    )


_DOERS = {"cyclist": {"ride", "pedal", "cycle"}, "biker": {"ride"}, "jockey": {"ride"},
          "pilot": {"fly"}, "chef": {"cook"}}  # fmt: skip
"""Doers whose name does not spell what they do (see ``done_by_name``)."""
_ON_IT = frozenset({"ride"})
"""Verbs that being on what they are done to shows: "a man on a horse" is riding it."""


def done_by_name(verb: Word, want: Reading, have: Reading) -> bool:
    """Whether ``verb`` is what its doer's name says it does, or riding what the doer is on, and
    the cached prompt names that doer doing nothing else: "a cyclist riding on a road" is what
    "a cyclist on a road" shows, "a surfer surfing a wave" what "a surfer on a wave" shows and
    "a man riding a horse" what "a man on a horse" shows; not "a dancer sitting"'s."""
    if verb.head is None or verb.negated:
        return False
    doer = want.words[verb.head].key
    by_name = any(
        len(lemma) > 2 and doer != lemma and doer.startswith(lemma.removesuffix("e"))
        for lemma in verb.lemmas
    ) or not verb.lemmas.isdisjoint(_DOERS.get(doer, NOTHING))
    if not by_name and verb.lemmas.isdisjoint(_ON_IT):
        return False  # checked first: every verb of a long prompt comes here
    done_to = {w.key for w in want.words if w.governor is not None and w.governor in verb.lemmas}
    if not by_name and not done_to:
        return False
    if not any(have.words[i].key == doer for i in have.heads()) or any(
        w.verb and w.head is not None and have.words[w.head].key == doer for w in have.words
    ):
        return False
    # What it is done to is what the doer is on ("a surfer on a wave"), not beside it ("a jockey
    # next to a horse" rides none).
    return all(
        any(w.key == thing and w.role == f"on/{doer}" for w in have.words) for thing in done_to
    )


_DOING = frozenset({"do", "does", "doing", "did", "done", "perform", "performs", "performing"})
_ACT_OPENS = frozenset(
    {"a", "an", "the", "his", "her", "its", "their", "my", "our", "your", "some"}
)
_DONE_BY = frozenset({"do", "perform", "execute", "practice", "practise"})


def done_otherwise(have: Reading, want: Reading) -> bool:
    """Whether the request has something done ("a gymnast doing a backflip") that the cached
    prompt has another verb for ("a gymnast watching a backflip", "filming a trick"): "doing"
    is a function word, so its object alone would be found in the cached prompt."""
    if want.tokens.isdisjoint(_DOING):
        return False
    sequence = want.sequence
    done: set[str] = set()
    for i, token in enumerate(sequence):
        if token in _DOING:
            j = i + 1
            while j < len(sequence) and sequence[j] in _ACT_OPENS:
                j += 1
            done.update(sequence[j : j + 2])  # "a magic trick": the act may be two words
    return any(
        w.governor is not None
        and w.governor not in _DONE_BY
        and not done.isdisjoint({w.text, w.key, *w.text.split("_")})
        for w in have.words
    )


def lifeless_at_rest(want: Reading, position: int, have: Reading) -> bool:
    """Whether the verb at ``position`` (one of ``PLACED``) only places a lifeless thing, and
    the cached prompt ``have`` says nothing of how its things rest nor what that thing does
    ("lying" or "hanging" against "standing" still counts). Not where something alive comes
    before it: "a man holding a surfboard sitting on a beach" may have the man sit."""
    verb = want.words[position]
    if verb.head is None:
        return False
    if any(w.animate for w in want.words[:position]) or want.words[verb.head].animate:
        return False
    # The cached prompt says how its things rest ("lying"), or what this one does ("hanging").
    thing = want.words[verb.head].key
    return not any(
        w.verb and (w.lemmas & PLACED or (w.head is not None and have.words[w.head].key == thing))
        for w in have.words
    )


def shown_at_rest(verb: Word, want: Reading, have: Reading) -> bool:
    """Whether ``verb`` is a vague one of resting ("resting", "relaxing") and the cached prompt
    shows the same thing in a posture of rest: "a cat sitting on a couch"."""
    postures = frozenset().union(*(_RESTING.get(lemma, NOTHING) for lemma in verb.lemmas))
    if not postures or verb.head is None:
        return False
    thing = want.words[verb.head].key
    return any(
        w.verb
        and not w.negated
        and w.lemmas & postures
        and w.head is not None
        and have.words[w.head].key == thing
        for w in have.words
    )


def made_of(coverage: Coverage, thing: str, material: Word) -> bool:
    """Whether the cached prompt says the things named ``thing`` are made of ``material``: a
    word describing them ("a wooden chair") or what they are "of" ("a chair made of wood")."""
    own = coverage.describing(thing)
    if own is not None and own.shows(material, describing=True):
        return not (material.lemmas & _WOOD and own.lemmas & _WOVEN and not own.lemmas & _WOOD)
    of = [w for w in coverage.words if w.role == f"of/{thing}" and not w.negated]
    return bool(of) and Coverage(of, coverage.wordnet).shows(material, describing=True)


_WOOD = frozenset({"wood", "wooden"})
_WOVEN = frozenset({"wicker", "rattan", "cane", "cork"})
"""Materials WordNet files under wood that no one calls wooden: a wicker hamper is woven."""


_CHILDLIKE = frozenset({"young", "small", "little"})


_CHILDREN = frozenset("boy girl child kid toddler baby".split())


def said_of_a_child(word: Word, want: Reading, sized: set[str]) -> bool:
    """Whether ``word`` is "young" or "little" said of a child ("a little girl"), which is what
    "a girl" shows, and the cached child is given no other size or age (``sized``: the things
    the cached prompt gives one; "a tall girl" does not serve "a little girl")."""
    if word.lemmas.isdisjoint(_CHILDLIKE) or word.head is None or word.noun:
        return False
    child = want.words[word.head].key
    return child in _CHILDREN and child not in sized


def sized(have: Reading) -> set[str]:
    """The things ``have`` gives a size or age other than "young" or "little", by key."""
    return {
        have.words[w.head].key
        for w in have.words
        if w.head is not None and not w.noun and w.lemmas & SIZES_AGES - _CHILDLIKE
    }


def chained_to(want: Reading, position: int, coverage: Coverage, word: Word) -> bool:
    """Whether ``word``, a noun that describes ("fox" in "a fox head logo"), describes in the
    cached prompt a noun between it and its head, as a chain of nouns may also be read ("a logo
    of a fox head"). Not a colour nor a material: "a red car door" keeps its red door."""
    head = word.head
    if head is None or head <= position or word.lemmas & (COLOURS | MATERIALS):
        return False
    between = want.words[position + 1 : head]
    return all(w.noun or w.head == head for w in between) and any(
        w.noun and coverage.of_thing(w.key).shows(word, describing=True) for w in between
    )


def describes_shared_thing(want: Reading, word: Word, cached_things: set[str]) -> bool:
    """Whether ``word`` describes a thing of the request that the cached prompt names too (its
    key is among ``cached_things``)."""
    head = word.head
    if head is None or word.verb or want.words[head] is word or word.key.startswith("#"):
        return False
    return want.words[head].key in cached_things


def made_things(
    wordnet: WordNet | None, word: Word, position: int, want: Reading, have: Reading
) -> set[str]:
    """The things ``word`` (at ``position``), a material, may say what is made of: the one
    it describes ("a wooden bridge"), or the one it is "of" ("a bridge made of wood") and,
    named once in the cached prompt, what that one is "of" in turn or is "of" it ("a statue
    of a woman made of marble"); none for a container or a heap whose "of" is what they
    hold ("a pot of gold", not "a pot made of gold")."""
    if describes(word, position):
        return {want.words[word.head].key}  # type: ignore[index]
    relation, _, owner = word.role.partition("/")
    made = _made_from(want.sequence, word.text)
    if relation != "of" or not owner or (_holds_things(wordnet, owner) and not made):
        return set()
    # "a statue of a woman" reads as "a woman, statue": the statue is "of" her too
    related = {
        w.role.partition("/")[2] for w in want.words if w.key == owner and w.role.startswith("of/")
    } | {w.key for w in want.words if w.role == word.role and w.noun and w is not word}
    named = Counter(w.key for w in have.words)
    return {owner} | {
        key for key in related if key and named[key] == 1 and not _holds_things(wordnet, key)
    }


def _holds_things(wordnet: WordNet | None, key: str) -> bool:
    """Whether the things named ``key`` hold others: a container ("pot", "chest") or a
    heap ("pile")."""
    return key in _HEAPS or (wordnet is not None and wordnet.covers("container", key, "n", "n"))


_MAKING = frozenset(
    "made carved built crafted forged sculpted cast woven constructed fashioned hewn".split()
)


def _made_from(sequence: Sequence[str], material: str) -> bool:
    """Whether ``sequence`` says something is made of ``material``: "made of", "carved out of",
    "built from" a word or two before it."""
    for i, token in enumerate(sequence):
        if token == material:
            before = sequence[max(0, i - 4) : i]
            if any(t in _MAKING for t in before) and any(t in ("of", "from") for t in before):
                return True
    return False


_HEAPS = frozenset("pile heap stack mound mountain load lot handful".split())
