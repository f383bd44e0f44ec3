"""Whose a tag is, where a prompt's tags name several people or animals: what is worn "in" or
"with" right after a person something is done to is theirs ("a boy kissing a girl in a red
dress"), a tag of what someone has, does or feels right after a being's tag is that being's
("a knight, silver armor, a mage, red robes", "1girl, smiling, 1boy, crying"), and what a verb
after the one something is done to is done to is done by that one. Passes over a
:class:`~proxy.matching.reading_model.Reading` the reader has made, each linear in the prompt.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING

from proxy.matching.normalise import REPLACEMENTS
from proxy.matching.words import FEELINGS

if TYPE_CHECKING:
    from proxy.matching.reading_model import Reading, Word
    from proxy.matching.word_classes import WordClasses

__all__ = ["done_by_the_one_before", "had_by_the_tag_before", "worn_by_the_one_before"]


def _acts_alone(word: Word) -> bool:
    """Whether ``word`` opens a tag with an -ing verb said of no one yet: "..., smiling, ...",
    "..., holding an umbrella, ..."; not "..., she is crying", which says whose it is."""
    return word.verb and not (word.bound or word.after_pronoun) and word.text.endswith("ing")


def worn_by_the_one_before(reading: Reading, parts: list[int], classes: WordClasses) -> None:
    """What is worn "in" right after a person the clause's subject does something to, or
    "with" or "in" after one a phrase of the subject names, is theirs, not the subject's:
    "a boy kissing a girl in a red dress" dresses the girl, as "a girl in a red dress kissed
    by a boy" does; "a man talking to a woman with a scarf" gives her the scarf. Not across
    a comma ("1girl, hugging a boy, in a red dress"), nor "with" after a verb's object,
    which is as often what the verb is done with ("slapping a man with a glove")."""
    words = reading.words
    for before, head in itertools.pairwise(reading.heads()):
        wearer, worn = words[before], words[head]
        relation, _, subject = worn.role.partition("/")
        by, _, doer = wearer.role.partition("/")
        if (
            relation in ("in", "with")
            and doer == subject
            and wearer.key != subject
            and not (relation == "with" and by == "object")
            and not any(before < part <= head for part in parts)
            and classes.person(wearer)
            and classes.worn(worn)
        ):
            role = worn.role
            for member in reading.group(head):
                if words[member].role == role:
                    words[member].role = f"{relation}/{wearer.key}"


def had_by_the_tag_before(reading: Reading, parts: list[int], classes: WordClasses) -> None:
    """A tag of what someone has on or has alone ("silver armor", "blue eyes") after a tag
    that names a person or an animal is theirs, where two tags or more name one: "a knight,
    silver armor, a mage, red robes" is "a knight with silver armor, a mage with red robes",
    so the same tags swapped between them are another picture. Through other such tags ("a
    knight, silver armor, red cape"), not past a tag of anything else."""
    words = reading.words
    heads = reading.heads()
    # the words as typed, or as their listed synonyms are read ("mage" as "wizard")
    typed = {*reading.sequence, *(REPLACEMENTS.get(t, t) for t in reading.sequence)}
    had = functools.cache(classes.had)  # a prompt of thousands of tags asks again
    bounds = [*parts, len(words)]
    # per tag: its first head, and whether it is a being's (True), what one has (False) or
    # neither (None); one pass over the heads, however many tags. A tag that opens with a
    # verb ("..., smiling, ...", "..., holding an umbrella, ...") or says how one feels
    # ("..., shy, ...") is the being's before too: its first word, as False.
    tags: list[tuple[int, bool | None]] = []
    feelings: dict[int, int] = {}  # where a tag of how a being feels starts -> its end
    at = 0
    for start, end in itertools.pairwise([0, *bounds]):
        while at < len(heads) and heads[at] < start:
            at += 1
        if at == len(heads) or heads[at] >= end:
            verbs = [i for i in range(start, end) if words[i].verb]
            if len(verbs) == 1 and _acts_alone(words[verbs[0]]):
                tags.append((verbs[0], False))
            elif start < end and all(w.text in FEELINGS for w in words[start:end]):
                tags.append((start, False))  # "..., happy, ...", "..., shy and nervous"
                feelings[start] = end
            else:
                tags.append((-1, None))  # no thing named
            continue
        first = heads[at]
        word = words[first]
        alone = not (at + 1 < len(heads) and heads[at + 1] < end)
        if _acts_alone(words[start]):
            tags.append((start, False))  # "..., holding an umbrella, ..."
        elif word.role != "subject" or any(w.verb for w in words[start:end]):
            tags.append((first, None))
        elif alone and had(word.text):
            tags.append((first, False))
        elif word.text in typed and classes.alive(word.text) and not had(word.text):
            tags.append((first, True))  # not "leatherjacket" (a larva) the reader joined
        else:
            tags.append((first, None))
    if sum(being is True for _, being in tags) < 2:
        return
    owner: int | None = None
    given: set[int] = set()
    for head, being in tags:
        if being is None:
            owner = None
        elif being:
            owner = head
        elif owner is not None and words[head].verb:
            # "1girl, smiling, 1boy": the girl's alone, not the whole list's
            words[head].head, words[head].bound, words[head].opens_tag = owner, True, True
        elif owner is not None and head in feelings:
            for word in words[head : feelings[head]]:
                word.head, word.whole = owner, False
        elif owner is not None:
            words[head].role = f"with/{words[owner].key}"
            words[head].listed = False  # no guess: whose it is, the tags say
            words[head].owned = True
            given.add(head)
    for group in {id(g): g for h in given if (g := reading.groups.get(h))}.values():
        # with its being, not one of a list of things
        group[:] = [h for h in group if h not in given]
    for head in given:
        reading.groups.pop(head, None)


def done_by_the_one_before(reading: Reading, parts: list[int], classes: WordClasses) -> None:
    """What a verb right after a person the clause's subject does something to is done to
    is done by that person, not by the subject: in "a boy kissing a girl wearing a red
    dress" the girl wears the dress. Up to the next verb or comma; not onto an animal,
    which is as often ridden or led in what its rider wears."""
    words = reading.words
    for i, verb in enumerate(words):
        if not verb.verb or not verb.bound or verb.head is None:
            continue
        doer = words[verb.head]
        by, _, subject = doer.role.partition("/")
        if (
            not subject
            or by == "subject"
            or len(reading.group(verb.head)) > 1  # "a fox and a badger sharing a picnic"
            or not classes.person(doer)  # "a jockey riding a horse wearing silks"
        ):
            continue
        for k in range(i + 1, len(words)):
            word = words[k]
            if word.verb or k in parts:
                break
            if word.governor == verb.key and word.role == f"object/{subject}":
                word.role = f"object/{doer.key}"
