"""Amounts and groups said one way: "a great deal of" and "lots of" alike, "a troop of
monkeys" as a group of them, and "a crowd" that is not "a crowd of" something as the people it
is (:func:`proxy.matching.normalise.normalise_tokens` applies them to the verifier's tokens
first)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from proxy.matching.word_order import DETERMINERS
from proxy.matching.words import AMOUNTS_SAID, GROUPED, IRREGULAR_PLURALS, SAME_PLURAL

__all__ = ["AMOUNT_WORDS", "amounts_alike", "done_by_many"]


def _joinings(phrase: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """``phrase`` with every choice of neighbouring words joined as the reader joins WordNet's
    compounds ("a great deal of" as "a great_deal of")."""
    for joins in itertools.product((" ", "_"), repeat=len(phrase) - 1):
        yield tuple("".join(itertools.chain(*zip(phrase, (*joins, ""), strict=True))).split())


_AMOUNTS_SAID = {
    joined: said for phrase, said in AMOUNTS_SAID.items() for joined in _joinings(phrase)
}
_AMOUNT_STARTS = frozenset(phrase[0] for phrase in _AMOUNTS_SAID)
_LONGEST_AMOUNT = max(map(len, _AMOUNTS_SAID))
AMOUNT_WORDS = (
    frozenset(word for phrase in _AMOUNTS_SAID for word in phrase)
    - frozenset("a of with good great large huge vast small light".split())
    | frozenset(GROUPED)
    | {"crowd", "crowds"}
)
"""Words one of which each phrase :func:`amounts_alike` rewrites has."""


def amounts_alike(tokens: Sequence[str]) -> list[str]:
    """``tokens`` with amounts said one way (:data:`~proxy.matching.words.AMOUNTS_SAID`); a
    group word before a plural ("a troop of monkeys") as "group"; and "a crowd" that is not
    "a crowd of" something as the people it is."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        phrase = token in _AMOUNT_STARTS and next(
            (
                phrase
                for n in range(_LONGEST_AMOUNT, 0, -1)
                if (phrase := tuple(tokens[i : i + n])) in _AMOUNTS_SAID
            ),
            None,
        )
        # "scores of" but not "the scores of both teams"
        if phrase and not (
            phrase[0].startswith(_NOUNS_OF_AMOUNT) and out and out[-1] in DETERMINERS
        ):
            out += _AMOUNTS_SAID[phrase]
            i += len(phrase)
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in GROUPED and following == "of" and _grouped(token, tokens[i + 2 : i + 3]):
            token = "group"
        elif (
            token in ("crowd", "crowds") and following not in _NOT_A_CROWD and not done_by_many(out)
        ):
            out.append("people")  # "a crowd waiting", "a stadium crowd"; not "tourists crowd"
            if token == "crowd" and _third_person(following):
                out.append(_base_form(following))  # "a crowd watches": people watch
                i += 1
            i += 1
            continue
        out.append(token)
        i += 1
    return out


def _third_person(token: str) -> bool:
    """Whether ``token`` may be a verb's "-s" form ("watches"), not "grass" or "bus"."""
    return token.endswith("s") and not token.endswith(("ss", "us", "is")) and len(token) > 3


def _base_form(verb: str) -> str:
    """A verb's "-s" form without its ending: "watches" -> "watch", "cheers" -> "cheer"."""
    if verb.endswith(("ches", "shes", "sses", "xes", "zes")):
        return verb[:-2]
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    return verb[:-1]


_NOT_A_CROWD = frozenset(
    "of surfing surfer favourite favorite pleaser control barrier barriers".split()
)
_NOUNS_OF_AMOUNT = ("loads", "tons")
"""Amounts said by a noun ("tons of"), which a determiner makes a thing ("the tons of steel it
carried")."""
_WHO_CROWD = frozenset("they we you i people children men women who".split())


def done_by_many(before: Sequence[str]) -> bool:
    """Whether a group word after ``before`` ("crowd", "swarm") is a verb: after a plural or a
    pronoun ("tourists crowd the beach", "they crowd around", "bees swarm around a hive")."""
    return bool(before) and (
        before[-1] in _WHO_CROWD
        or before[-1] in SAME_PLURAL
        or (before[-1].endswith("s") and not before[-1].endswith("ss"))
    )


def _grouped(word: str, after: Sequence[str]) -> bool:
    """Whether the one token in ``after`` is a plural that the group word ``word`` names a
    group of ("monkeys" for "troop"; any plural for "horde")."""
    if not after:
        return False
    plurals = GROUPED[word]
    if plurals is not None:
        return after[0] in plurals
    return after[0] in IRREGULAR_PLURALS or (after[0].endswith("s") and not after[0].endswith("ss"))
