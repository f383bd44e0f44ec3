"""Counting for the verifier: how many of a thing each prompt asks for, in numbers ("three
boats"), in number (a dog / dogs) and in amounts ("many", "a few", "an empty glass"), and whether
a request's count differs from a cached prompt's."""

from __future__ import annotations

from collections.abc import Callable

from proxy.matching.features import ENDS_PHRASE, singular
from proxy.matching.lexicon import WordNet
from proxy.matching.normalise import REPLACEMENTS
from proxy.matching.reading_model import Reading, Word
from proxy.matching.words import SAME_PLURAL

__all__ = [
    "amount_conflict",
    "counts",
    "one_of",
    "one_shows_many",
    "plural_conflict",
    "single_things",
]


def amount_conflict(have: Reading, want: Reading) -> bool:
    """Whether the request states an amount the cached prompt does not, on a scale the cached
    prompt states another amount on ("many birds" against "a few birds")."""
    scales = {amount.partition(":")[0] for amount in have.amounts}
    if any(a.partition(":")[0] in scales for a in want.amounts - have.amounts):
        return True
    # One amount of a thing in the request, another of the same thing cached, though the
    # prompt states both amounts of other things: "a few white clouds, lots of sheep" / "a
    # few white clouds, a few sheep".
    cached = {(scale, thing): value for scale, value, thing in have.amounts_of}
    if any(
        cached.get((scale, thing), value) != value and (scale, value, thing) not in have.amounts_of
        for scale, value, thing in want.amounts_of
    ):
        return True
    # "many horses" asked for, "two horses" cached; "a few boats", "twenty boats"
    counted = counts(have)
    for scale, value, thing in want.amounts_of:
        number = counted.get(thing, counted.get(_folded(thing)))
        if scale == "plenty" and number is not None and not _FEW_OR_MANY[value](number):
            return True
    return False


def _folded(thing: str) -> str:
    """``thing`` as an amount names it, read through the listed synonyms to its last word:
    "policemen" and "cop" both as "officer", "ladies" as "woman"."""
    return singular(REPLACEMENTS.get(thing, thing).rpartition("_")[2])


_FEW_OR_MANY: dict[str, Callable[[int], bool]] = {
    "few": lambda count: count <= 6,
    "many": lambda count: count >= 4,
}
"""Counts that "a few" and "many" may stand for."""


def counts(reading: Reading) -> dict[str, int]:
    """Each counted thing by its key, and by the name :func:`~proxy.matching.features.amounts`
    gives it: "three boats" gives {"boat": 3}, "two policemen" {"officer": 2, "policemen": 2};
    an animal whose plural is its singular counts one after "a" or "one" ("a sheep")."""
    words = reading.words
    found = {}
    for word in words:
        if word.head is not None and not word.negated:
            for lemma in word.lemmas:
                if lemma[:1] == "#" and lemma[1:].isdigit():
                    found[words[word.head].key] = int(lemma[1:])
    for thing, number in reading.counted.items():
        found.setdefault(thing, number)
        found.setdefault(_folded(thing), number)
    sequence = reading.sequence
    for i, token in enumerate(sequence):
        following = sequence[i + 1] if i + 1 < len(sequence) else ","
        if (
            token in SAME_PLURAL
            and _ONE.intersection(sequence[max(0, i - 2) : i])
            # the thing itself, not "a fish tank"
            and (
                not following[:1].isalpha()
                or following in ENDS_PHRASE
                or following.endswith(("ing", "ed"))
                or (following.endswith("s") and not following.endswith("ss"))
            )
        ):
            found.setdefault(token, 1)
    return found


_ONE = frozenset({"a", "an", "one"})


_DISTRIBUTIVE = frozenset({"each", "every", "per"})


def single_things(reading: Reading) -> set[str]:
    """The things a prompt names as one, uncounted ("a dog", "the dog"; not "three goldfish");
    none where "each" or "every" may make one several ("a controller in each hand")."""
    if reading.tokens & _DISTRIBUTIVE:
        return set()
    words = reading.words
    counted = {w.head for w in words if any(lemma[:1] == "#" for lemma in w.lemmas)}
    return {
        words[i].key
        for i in reading.heads()
        if not words[i].plural and not words[i].negated and i not in counted
    }


def one_of(word: Word, want: Reading, single: set[str]) -> bool:
    """Whether ``word`` is a "one" said of a thing in ``single``: "one dog" is what "a dog"
    shows."""
    return word.text == "one" and word.head is not None and want.words[word.head].key in single


def plural_conflict(have: Reading, want: Reading) -> bool:
    """One dog asked for, several cached, or the other way round: a thing the request names in
    a number (singular or plural) that the cached prompt never names it in; or in that role
    ("a person on motorcycles passing a group of people" / "people on motorcycles passing a
    person": person and people in both, but the one riding is one or several)."""
    cached: dict[str, set[bool]] = {}
    cached_roles: dict[tuple[str, str], set[bool]] = {}
    for i in have.heads():
        word = have.words[i]
        if not word.negated:
            key, plural = _number(word)
            cached.setdefault(key, set()).add(plural)
            cached_roles.setdefault((key, word.role), set()).add(plural)
    for i in want.heads():
        word = want.words[i]
        if not word.negated:
            key, plural = _number(word)
            forms = cached.get(key)
            if forms is not None and plural not in forms:
                return True
            forms = cached_roles.get((key, word.role))
            if forms is not None and plural not in forms:
                return True
    return False


def _number(word: Word) -> tuple[str, bool]:
    """What a thing names and whether it is several: a plural WordNet also knows as a word of
    its own ("shoes", as in "in his shoes") is its singular's plural."""
    key = word.key
    if not word.plural and key.endswith("s"):
        for lemma in word.lemmas:
            if lemma != key and key.startswith(lemma) and key[len(lemma) :] in ("s", "es"):
                return lemma, True
    return key, word.plural


def one_shows_many(wordnet: WordNet | None, have: Reading, want: Reading) -> bool:
    """People or animals the request names as several that the cached prompt shows as
    one, named once ("a man on a beach" does not show "people on a beach"), or as fewer
    than many where the request asks for many ("a man and a woman" or "two passengers" do
    not show "a train crowded with people")."""
    if wordnet is None:
        return False
    cached = [have.words[i] for i in have.heads() if not have.words[i].negated]
    counted = counts(have)
    many = {thing for scale, value, thing in want.amounts_of if value == "many"}
    for i in want.heads():
        word = want.words[i]
        if word.negated or not (word.plural or word.key in SAME_PLURAL) or not word.animate:
            continue  # people or animals, several
        alive = _alive_as(wordnet, word.key)
        shown_by = {
            w.key: w.plural
            for w in cached
            if w.key == word.key
            or (
                wordnet.covers(word.key, w.key, "n", "n")
                and _alive_as(wordnet, w.key) in (alive, None)
            )
        }
        if (
            not shown_by
            and alive == "noun.person"
            and any(wordnet.covers(word.key, w.key, "n", "n") for w in cached)
        ):
            return True  # "people" shown only by sheep, which WordNet calls timid people
        if not shown_by or any(
            key in SAME_PLURAL or "noun.group" in wordnet.lexnames(key) for key in shown_by
        ):
            continue
        if word.key in many and ("plenty", "many", word.key) not in have.amounts_of:
            if sum(counted.get(key, 4 if plural else 1) for key, plural in shown_by.items()) < 4:
                return True
        elif word.key not in shown_by and len(shown_by) == 1 and not any(shown_by.values()):
            return counted.get(next(iter(shown_by)), 1) < 2
    return False


def _alive_as(wordnet: WordNet, key: str) -> str | None:
    """ "noun.person" or "noun.animal", as WordNet files ``key`` first; None for anything
    else. A sheep is a person to WordNet only as "a timid simpleton"."""
    if key == "person":
        return "noun.person"
    senses = wordnet.senses(key, "n")
    first = senses[0].lexname if senses else None
    return first if first in ("noun.person", "noun.animal") else None
