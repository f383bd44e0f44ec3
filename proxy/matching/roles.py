"""Roles: whether the request gives the things both prompts name the same roles and attributes
as the cached prompt does. The verifier (:mod:`proxy.matching.verify`) asks this last, with
:func:`proxy.matching.places.spatial`, once every word of the request is covered.

- ``swapped``: "a dog chasing a cat" / "a cat chasing a dog" (``swapped_roles``), "a white dog
  and a black cat" / "a black dog and a white cat" (``swapped_attributes``), "the dog's owner" /
  "the owner's dog", "her child's diary" / "a diary to her child".
"""

from __future__ import annotations

import bisect
import functools
from collections import Counter
from collections.abc import Callable

from proxy.matching.alike import same_thing, told_apart_alike
from proxy.matching.holding import held_alike, joined, owner, put_with_a_place
from proxy.matching.lexicon import WordNet
from proxy.matching.normalise import REPLACEMENTS
from proxy.matching.reading_model import Reading, Thing, Word
from proxy.matching.word_order import TIMES
from proxy.matching.words import MEDIA, STYLES

__all__ = ["names_medium", "swapped"]


def swapped(have: Reading, want: Reading, wordnet: WordNet | None = None) -> str | None:
    """``swapped_attributes`` or ``swapped_roles`` where the request has the cached prompt's
    words bound to other things or in another order, else None. ``wordnet`` tells what a thing
    is (one that things are in, one that is held); without it, no thing is either."""
    owned, wanted = _possessions(have), _possessions(want)
    if any((thing, owner) in owned for owner, thing in wanted):
        return "swapped_roles"  # "the dog's owner" / "the owner's dog"
    have_heads, want_heads = _head_lemmas(have), _head_lemmas(want)
    # "the riders face": an owner typed without its "'s" is still the owner
    wanted |= {(a.key, b.key) for a, b in zip(want.words, want.words[1:], strict=False)}
    if _owner_brought_in(owned, wanted, want_heads, have_heads):
        return "swapped_roles"  # "reading her child's diary" / "reading a diary to her child"
    if _attachments_moved(have, want, have_heads):
        return "swapped_attributes"
    if _given_to_another(have, want):
        return (
            "swapped_roles"  # "a robot, glowing eyes, a child" / "a robot, a child, glowing eyes"
        )
    # Two things named in the other order, one of them in another role: "a city street
    # with a rainbow" / "a rainbow with a city street". Only things whose role changed need
    # pairing, which keeps long prompts cheap.
    shared = [lemma for lemma in want_heads if lemma in have_heads]
    listed = _listed(have) | _listed(want)
    beings = beings_named(have) | beings_named(want)
    # the one time of day both prompts name is the whole scene's, whatever it follows: "a beach
    # at dusk with a dog" / "a dog on a beach at dusk"
    timed = _one_time(have) & _one_time(want)
    moved = [
        lemma
        for lemma in shared
        if not _same_role(have_heads[lemma][1], want_heads[lemma][1], beings)
        and lemma not in listed
        and lemma not in timed
    ]
    if _owner_changed(have_heads, want_heads, [lemma for lemma in shared if lemma not in listed]):
        return "swapped_roles"  # "a cup of coffee" / "a plate of coffee"
    if _placed_on_another(have_heads, want_heads, shared):
        return "swapped_roles"  # "a street with cars on the road and people on the sidewalk"
    if put_with_a_place(have, have_heads, want_heads, shared):
        return "swapped_roles"  # "a mug on a bed, a phone on the floor" / "a bed with both"
    for first in moved:
        for second in (lemma for lemma in shared if lemma not in timed):
            inverted = (have_heads[first][0] > have_heads[second][0]) != (
                want_heads[first][0] > want_heads[second][0]
            )
            if (
                second != first
                and inverted
                and not held_alike(have, have_heads, want_heads, (first, second), beings, wordnet)
                and not (joined(have, first, second) and joined(want, first, second))
                and not _accompanies(have, have_heads, want, want_heads, first)
                and not _accompanies(have, have_heads, want, want_heads, second)
                and not (
                    _side_by_side(have_heads, first, second)
                    and _side_by_side(want_heads, first, second)
                )
            ):
                return "swapped_roles"
    # what the cached prompt holds, each thing held; what the request holds, as it is said
    held = functools.partial(_verb_objects, wordnet=wordnet)
    if _bound_elsewhere(have, want, _verb_subjects) or _bound_elsewhere(
        have, want, _verb_objects, held
    ):
        return "swapped_roles"
    cached_objects = _done_by_each(have)
    if any(
        key in cached_objects and cached_objects[key].isdisjoint(things)
        for key, things in _done_by_each(want).items()
    ):
        return "swapped_roles"  # "a man holding a cup and a woman holding a book" / swapped
    return None


def _one_time(reading: Reading) -> set[str]:
    """The time of day ``reading`` names as a thing ("dusk" in "a beach at dusk"), where it
    names one; none where it names two ("a city at night and a village at dawn")."""
    times = {reading.words[i].key for i in reading.heads()} & TIMES
    return times if len(times) == 1 else set()


def _done_by_each(reading: Reading) -> dict[tuple[str, str], set[str]]:
    """(verb, doer) -> what the verb is done to, for verbs that two things or more do ("a man
    holding a cup and a woman holding a book": the man holds the cup). Where one thing does a
    verb, its doer may be a guess ("..., holding a staff, ..."), and it is not compared."""
    found: dict[tuple[str, str], set[str]] = {}
    for i in reading.heads():
        word = reading.words[i]
        relation, _, doer = word.role.partition("/")
        if relation == "object" and doer and word.governor is not None:
            found.setdefault((word.governor, doer), set()).add(word.key)
    doers = Counter(verb for verb, _ in found)
    return {key: things for key, things in found.items() if doers[key[0]] > 1}


def _accompanies(
    have: Reading,
    have_heads: dict[str, tuple[int, str]],
    want: Reading,
    want_heads: dict[str, tuple[int, str]],
    lemma: str,
) -> bool:
    """Whether one prompt names ``lemma`` "with" a thing that the other names it together with:
    "a boy and his dog sitting on a porch" / "a boy sitting on a porch with his dog"."""
    for heads, other, others in ((want_heads, have, have_heads), (have_heads, want, want_heads)):
        relation, _, thing = heads[lemma][1].partition("/")
        if (
            relation == "with"
            and thing in others
            and others[thing][1] == "subject"
            and joined(other, thing, lemma)
        ):
            return True
    return False


def _head_lemmas(reading: Reading) -> dict[str, tuple[int, str]]:
    """Each head noun, by its first lemma: its first position and role. A medium is left out,
    but where it is a thing placed against another, or another against it, and shows nothing
    "of" anything: "a vase under a statue", not "a statue of a lion on a hill"."""
    positions: dict[str, tuple[int, str]] = {}
    placed: set[str] | None = None  # what things are placed against, and what shows things
    showing: set[str] = set()
    for position, i in enumerate(reading.heads()):
        word = reading.words[i]
        if names_medium(word):
            if placed is None:
                roles = [w.role.partition("/") for w in reading.words]
                placed = {subject for relation, _, subject in roles if _places(relation)}
                showing = {subject for relation, _, subject in roles if relation == "of"}
            relation = word.role.partition("/")[0]
            if word.key in showing or not (_places(relation) or word.key in placed):
                continue
        positions.setdefault(word.key, (position, word.role))
    return positions


LOOSE_RELATIONS = frozenset({"in", "on", "at", "@in", "@on"})
"""Relations too loosely used to place a thing anywhere in particular ("shot on film")."""


def _places(relation: str) -> bool:
    """Whether a role's relation says where a thing is ("@below", "@behind"; not the loose
    "in" or "on": "shot on film")."""
    return relation.startswith("@") and relation not in LOOSE_RELATIONS


def _role(role: str) -> str:
    """A thing's role for telling swaps apart: a verb's object without its doer, which the
    verb's own subjects are checked for ("..., holding a staff, ...": whose is a guess)."""
    return "object" if role.startswith("object/") else role


def _same_role(have: str, want: str, beings: frozenset[str]) -> bool:
    """Whether two roles are one for telling swaps apart (:func:`_role`); a place whose thing is
    a guess ("on/?": "castle, tall towers, on a hill", no being named before it) is the same
    place of any thing but a person's or an animal's (``beings``), which the guess is not."""
    have, want = _role(have), _role(want)
    if have == want:
        return True
    if have.endswith("/?") or want.endswith("/?"):
        (relation, _, owner), (other, _, theirs) = have.partition("/"), want.partition("/")
        return relation == other and (owner if theirs == "?" else theirs) not in beings
    return False


def beings_named(reading: Reading) -> frozenset[str]:
    """The things a prompt names that are people or animals, by key."""
    return frozenset(w.key for w in reading.words if w.animate and w.noun)


def _possessions(reading: Reading) -> set[tuple[str, str]]:
    """(owner, thing) for each "owner's thing" of ``reading``."""
    words = reading.words
    return {
        (w.key, words[w.head].key)
        for i, w in enumerate(words)
        if w.possessor and w.head is not None and w.head != i
    }


_OWNED_AS = ("of/", "by", "for/")
"""Roles that say whose a thing is, as "'s" does: "the tail of a cat", "a drawing by a child",
"a sweater for her grandson"."""


def _owner_brought_in(
    owned: set[tuple[str, str]],
    wanted: set[tuple[str, str]],
    want_heads: dict[str, tuple[int, str]],
    have_heads: dict[str, tuple[int, str]],
) -> bool:
    """Whether the request names a cached owner's thing and the owner too, as a thing of its own
    and not as its owner: "her child's diary" may show no child, "a diary to her child" does
    (but "a falconers glove", an owner without its "'s", still has the glove); or the owner
    alone where the cached prompt names it only as one ("a fisherman's hut" / "a fisherman")."""
    return any(
        owner in want_heads
        and (thing in want_heads or owner not in have_heads)
        and (owner, thing) not in wanted
        and not want_heads[owner][1].startswith(_OWNED_AS)
        and not (thing in want_heads and want_heads[thing][1].endswith(f"/{owner}"))
        for owner, thing in owned
    )


def _listed(reading: Reading) -> set[str]:
    """The things whose role is only that of the tag before them (``Word.listed``)."""
    return {reading.words[i].key for i in reading.heads() if reading.words[i].listed}


def _side_by_side(heads: dict[str, tuple[int, str]], first: str, second: str) -> bool:
    """Whether the two things, each with the things "of" it, are placed next to each other ("a
    vase of tulips next to a stack of books"): a relation that reads the same both ways round."""
    a, b = owner(heads, first), owner(heads, second)
    return a != b and (heads[a][1] == f"@near/{b}" or heads[b][1] == f"@near/{a}")


def _given_to_another(have: Reading, want: Reading) -> bool:
    """Whether a tag of what someone has is only another being's in the request than in the
    cached prompt, both beings named in each: "a robot, glowing eyes, a child" / "a robot, a
    child, glowing eyes" (:attr:`Word.owned`). Owners are compared as sets: "a cat, blue eyes,
    a dog, green eyes" has eyes that are the cat's and eyes that are the dog's."""
    owned: dict[str, set[str]] = {}
    for word in have.words:
        if word.owned:
            owned.setdefault(word.key, set()).add(word.role)
    if not owned:
        return False
    beings = beings_named(have) & beings_named(want)
    return any(
        w.owned
        and w.key in owned
        and w.role not in owned[w.key]
        and w.role[5:] in beings
        and any(role[5:] in beings for role in owned[w.key])
        for w in want.words
    )


def _placed_on_another(
    have: dict[str, tuple[int, str]], want: dict[str, tuple[int, str]], shared: list[str]
) -> bool:
    """Whether a place is one thing's in a prompt and another's in the other, the two things
    had by one thing alike in both: the people on the sidewalk of "a street with cars on the
    road and people on the sidewalk", the cars in the swapped request."""

    def siblings(heads: dict[str, tuple[int, str]], a: str, b: str) -> bool:
        return a in heads and b in heads and heads[a][1] == heads[b][1] != "subject"

    for lemma in shared:
        (relation, _, owner), (other, _, theirs) = (
            have[lemma][1].partition("/"),
            want[lemma][1].partition("/"),
        )
        if (
            relation == other
            and relation not in ("of", "object", "subject", "with")
            and owner != theirs
            and siblings(have, owner, theirs)
            and siblings(want, owner, theirs)
        ):
            return True
    return False


def _owner_changed(
    have: dict[str, tuple[int, str]], want: dict[str, tuple[int, str]], shared: list[str]
) -> bool:
    """Whether a thing is "of" another thing in each prompt, and not the same other thing."""
    return any(
        have[lemma][1].startswith("of/")
        and want[lemma][1].startswith("of/")
        and owner(have, lemma) != owner(want, lemma)
        and owner(have, lemma) in want
        and owner(want, lemma) in have
        for lemma in shared
    )


def _attachments(reading: Reading, *, compounds: bool = True) -> dict[str, set[Thing]]:
    """Each describing word -> the things it describes. With ``compounds``, a compound's first
    parts describe its last: "fried" in "fried egg"."""
    attached: dict[str, set[Thing]] = {}
    for i, word in enumerate(reading.words):
        if word.head is not None and word.head != i and not word.verb:
            head = reading.words[word.head]
            if names_medium(word) or names_medium(head) or head.key == "mood":
                # "oil painting portrait" and "portrait, oil painting": one medium; "storybook
                # feel, whimsical mood": the mood of the whole picture, however many are named
                continue
            attached.setdefault(word.key, set()).add(head.thing)
        if compounds and word.head == i and "_" in word.base:
            for part in word.base.split("_")[:-1]:
                # one word for listed synonyms: "ocean floor" and "sea floor" are one place
                part = REPLACEMENTS.get(part, part)
                attached.setdefault(part, set()).add(word.thing)
    return attached


def names_medium(word: Word) -> bool:
    """A medium, a style or an artist: how the whole image is made, not a thing in it."""
    return word.style_scope or not (word.lemmas | set(word.text.split("_"))).isdisjoint(_MEDIA)


_MEDIA = STYLES | MEDIA


def _attachments_moved(
    have: Reading, want: Reading, have_lemmas: dict[str, tuple[int, str]]
) -> bool:
    """A word that describes one thing in the request and only other things in the cached
    prompt ("white" on the dog, not on the cat; "baby" on the elephant that leads, not on the
    one led). Roles tell apart two things of one kind only. ``have_lemmas``: ``_head_lemmas``
    of ``have``."""
    have_attached, want_attached = _attachments(have), _attachments(want)
    if not told_apart_alike(have, want, have_attached, want_attached):
        return True  # "a big dog and a small dog" / "a big dog and a big dog"
    have_heads = _things(have)
    named_in = same_thing(have, want)
    plain_words = _attachments(want, compounds=False)
    have_tags = {have.words[i].key for i in have.heads() if have.words[i].tag}
    for word, heads in want_attached.items():
        shared = {head for head in heads if head[0] in have_heads}
        if not shared:
            continue
        cached = have_attached.get(word)
        if cached is not None:
            # Every thing both prompts name that the request describes with this word must be
            # described with it in the cached prompt too.
            if not all(named_in(cached, b) for b in shared):
                return True
        elif (
            word in have_lemmas  # a thing, not a medium or an artist ("by snow")
            and word in plain_words
            and word not in have_tags
            and not any(_placed_in(have, have_lemmas[word], head[0]) for head in shared)
        ):
            # A thing of its own in the cached prompt, a description in the request: "a cane
            # and a roller bag" / "a roller and a cane bag"; but a tag of one word is the
            # whole picture's ("a city, cyberpunk" / "a cyberpunk city"), and a thing "of" the
            # one it describes, or the one it is in, is the same ("a field of sunflowers" / "a
            # sunflower field", "a waterfall in the jungle" / "a jungle waterfall").
            return True
    return False


def _things(reading: Reading) -> set[str]:
    """What the things of ``reading`` name: its heads, and its owners, which are things too ("a
    truck's red engine" / "a red truck's engine")."""
    words = reading.words
    return {words[i].key for i in reading.heads()} | {w.key for w in words if w.possessor}


def _placed_in(reading: Reading, at: tuple[int, str], head: str) -> bool:
    """Whether the head at ``at`` (its place among the heads, and its role) is ``head``'s "of"
    thing, or the place ``head`` is in, named by a word that is no adjective as written ("the
    jungle", "the forest", not "dead" misread as the dead)."""
    position, role = at
    if role == f"of/{head}":
        return True
    word = reading.words[reading.heads()[position]]
    return role == f"in/{head}" and not any(
        pos in ("a", "s") and lemma == word.text for pos, lemma in word.readings
    )


def _verb_subjects(reading: Reading) -> dict[str, set[Thing]]:
    """Each verb (by first lemma) -> (lemma, role) of the things that do it: the noun it
    directly follows ("a man riding"), else its clause's subject, with everything coordinated
    with that subject."""
    words = reading.words
    subjects = [h for h in reading.heads() if words[h].role == "subject"]
    busy = {w.head for w in words if w.verb and w.bound}  # things a verb follows right after
    named: dict[str, set[Thing]] = {}  # lemma -> the things of that name, found once
    for h in reading.heads():
        named.setdefault(words[h].key, set()).add(words[h].thing)
    doers: dict[str, set[Thing]] = {}
    # Each coordinated group's things, and its heads no verb follows, found once (by the
    # group's first head, which no other group has): a tag list of thousands of things would
    # otherwise be walked once per verb.
    of_group: dict[int, set[Thing]] = {}
    idle: dict[int, list[int]] = {}
    for i, word in enumerate(words):
        if not word.verb or word.head is None:
            continue
        doer = word.head
        if not word.bound or not (
            words[doer].role in ("subject", "")
            or words[doer].animate
            or word.opens_tag
            or (words[doer].listed and word.text not in MEDIA)  # "..., rain falling"
        ):
            # A verb after "on a surfboard" is still the man's: a lifeless thing named in a
            # prepositional phrase does nothing ("next to a man riding a bike" is another
            # matter); but one that opens a tag of its own does ("..., steam rising").
            at = bisect.bisect_left(subjects, i)
            doer = subjects[at - 1] if at > 0 else word.head
        # "..., a woman cooking, a man watching": the woman alone cooks, not every thing of
        # the list the commas make (nor any dog but "the dog" of "..., the dog wagging")
        done = doers.setdefault(word.key, set())
        if word.opens_tag:
            done.update(named[words[doer].key])
            continue
        group = reading.group(doer)
        if word.bound and doer == word.head:
            # "a cat sleeping and a dog playing": the dog alone plays, the cat doing its own;
            # "a woman leaning, a boy": the boy, named after, does not lean
            free = idle.get(group[0])
            if free is None:
                free = idle[group[0]] = [h for h in group if h not in busy]  # in order
            done.add(words[doer].thing)
            done.update(words[h].thing for h in free[: bisect.bisect_left(free, i)])
        elif words[doer].listed and words[doer].animate and not word.leads_tag:
            # "beach volleyball, a woman in a bikini setting the ball": the woman's alone, not
            # the whole list's the commas make
            done.add(words[doer].thing)
        else:
            things = of_group.get(group[0])
            if things is None:
                things = of_group[group[0]] = {words[h].thing for h in group}
            done.update(things)
    return doers


def _verb_objects(reading: Reading, wordnet: WordNet | None = None) -> dict[str, set[Thing]]:
    """Each verb (by lemma) -> the things it is done to ("holds a spoon": the spoon). What is
    held or carried is each thing of the coordination that opens with its object, where WordNet
    knows it as a thing one holds: "holding a pencil and a ruler" holds both (but "kicking a
    ball and a girl" kicks the ball)."""
    found: dict[str, set[Thing]] = {}
    words = reading.words
    for i in reading.heads():
        word = words[i]
        if word.governor is None:
            continue
        things = found.setdefault(word.governor, set())
        things.add(word.thing)
        if wordnet is not None and word.governor in _HELD_BY:
            things.update(
                words[j].thing
                for j in reading.group(i)
                if j > i
                and words[j].governor is None
                and words[j].role == word.role
                and not wordnet.lexnames(words[j].key).isdisjoint(_HELD_KINDS)
            )
    return found


_HELD_BY = frozenset({"hold", "carry"})
_HELD_KINDS = frozenset({"noun.artifact", "noun.food", "noun.plant"})
"""What WordNet files the things one holds under: a ruler (also a person), a smoker (also one who
smokes), flowers."""


def _bound_elsewhere(
    have: Reading,
    want: Reading,
    binding: Callable[[Reading], dict[str, set[Thing]]],
    cached_binding: Callable[[Reading], dict[str, set[Thing]]] | None = None,
) -> bool:
    """A verb bound (by ``binding``) to other things in the request than in the cached prompt:
    "a woman prepares a pizza while a man watches" / "a man prepares a pizza while a woman
    watches" (doers), "holds a spoon and looks at a cupcake" / "looks at a spoon and holds a
    cupcake" (objects). Lenient: any thing in common will do, since a rewording may name one
    more or fewer ("a man laughing with a woman"). ``cached_binding``: how the cached prompt's
    things are bound, where not as the request's are."""
    cached_bindings = (cached_binding or binding)(have)
    have_heads = _things(have)
    named_in = same_thing(have, want)
    for verb, things in binding(want).items():
        cached = cached_bindings.get(verb)
        if (
            cached
            and not any(named_in(cached, b) for b in things)
            and any(thing[0] in have_heads for thing in things)
        ):
            return True
    return False
