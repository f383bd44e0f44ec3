"""Which thing of a prompt is which, where a prompt names several of one kind: by their role
("a baby elephant leading an elephant": the one that leads), or, where nothing but their order
tells them apart ("a big dog and a small dog" / "a small dog and a big dog"), by the words that
describe each. :mod:`proxy.matching.roles` pairs the things of two prompts with these."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable

from proxy.matching.reading_model import Reading, Thing

__all__ = ["repeated_heads", "same_thing", "told_apart_alike"]


def same_thing(have: Reading, want: Reading) -> Callable[[set[Thing], Thing], bool]:
    """Whether some (lemma, role) of a set names the same thing as another: the same lemma,
    and where either prompt names several things of that kind, the same role too."""
    repeated = repeated_heads(have) | repeated_heads(want)
    # "a big dog and a small dog" / "a small dog and a big dog": where every thing of a kind
    # has one role in both prompts, which is which is told by nothing but their order
    alike = _alike(have, want)

    def named_in(things: set[Thing], b: Thing) -> bool:
        # a set lookup first: a tag list of thousands of one thing compares each with each
        return (
            b in things
            or (b[0] not in repeated and any(a[0] == b[0] for a in things))
            or (b[0] in alike and any(a[:2] == b[:2] for a in things))
        )

    return named_in


def repeated_heads(reading: Reading) -> set[str]:
    lemmas = Counter(reading.words[i].key for i in reading.heads())
    return {lemma for lemma, count in lemmas.items() if count > 1}


_MOST_ALIKE = 4
"""The most things of a kind in one role whose descriptions are paired up in any order."""


def _alike(have: Reading, want: Reading) -> set[str]:
    """The kinds of thing both prompts name several of, :func:`_in_one_role` in each, where
    neither places anything left or right, in front or behind: "a red car on the left and a
    blue car on the right" tells the cars apart by where they are."""
    if have.spatial or want.spatial:
        return set()
    return repeated_heads(have) & repeated_heads(want) & _in_one_role(have) & _in_one_role(want)


def _in_one_role(reading: Reading) -> set[str]:
    """The kinds of thing whose every head in ``reading`` (a few at most) has the same role,
    no preposition's, and that nothing else is placed by or does anything: "a tall man in a
    black coat and a short man in a white coat" says which man wears which coat by their order
    alone, and "a big dog in a park and a small dog" puts one dog in the park (but "a big dog
    and a small dog in a park" both)."""
    words = reading.words
    roles: dict[str, list[str]] = {}
    for i in reading.heads():
        roles.setdefault(words[i].key, []).append(words[i].role)
    # What is placed by a thing or done by it, by the thing's kind, with where it is said; but
    # what follows a coordination of things of one kind is said of them all: "a big dog and a
    # small dog sitting on a porch" (both sit).
    said_of: dict[str, list[int]] = {}
    for i in reading.heads():
        said_of.setdefault(words[i].role.rpartition("/")[2], []).append(i)
    for at, w in enumerate(words):
        if w.verb and w.head is not None:
            said_of.setdefault(words[w.head].key, []).append(at)
    return {
        key
        for key, said in roles.items()
        if len(set(said)) == 1
        and len(said) <= _MOST_ALIKE
        and not any(at <= _last_together(reading, key) for at in said_of.get(key, ()))
        and "/" not in said[0]  # the coats two men are in, the roofs of a cottage
    }


def _last_together(reading: Reading, key: str) -> int:
    """Where the coordination that joins every thing of kind ``key`` ends ("a big dog and a
    small dog"), or the end of the prompt where no one coordination joins them."""
    heads = [i for i in reading.heads() if reading.words[i].key == key]
    group = reading.group(heads[0])
    return max(group) if set(heads) <= set(group) else len(reading.words)


def told_apart_alike(
    have: Reading,
    want: Reading,
    have_attached: dict[str, set[Thing]],
    want_attached: dict[str, set[Thing]],
) -> bool:
    """Whether the things of each kind that :func:`same_thing` pairs in any order can be
    paired so that each keeps the cached prompt's words that describe it: "a small dog and a
    big dog" can, "a big dog and a big dog" cannot."""
    alike = _alike(have, want)
    if not alike:
        return True

    def described(attached: dict[str, set[Thing]]) -> dict[Thing, set[str]]:
        things: dict[Thing, set[str]] = {}
        for word, heads in attached.items():
            for head in heads:
                if head[0] in alike:
                    things.setdefault(head, set()).add(word)
        return things

    cached, wanted = described(have_attached), described(want_attached)
    for key in alike:
        options = [words for thing, words in cached.items() if thing[0] == key]
        asked = [words & have_attached.keys() for thing, words in wanted.items() if thing[0] == key]
        if not any(
            all(a <= options[at] for a, at in zip(asked, order, strict=False))
            for order in itertools.permutations(range(len(options)), len(asked))
        ):
            return False
    return True
