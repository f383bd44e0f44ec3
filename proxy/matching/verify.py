"""Verification: may the image cached for one prompt be served for another?

A similarity threshold cannot tell "a dog chasing a cat" from "a cat chasing a dog" (cosine
0.978), or three apples from two. The verifier reads both prompts as words and asks whether the
cached image, made for the cached prompt, shows everything the new prompt asks for. It is
directional: the image for "a tattooed woman with piercings" may serve "a woman with piercings",
never the other way round, because the request would get less than it asked for.

Checks, in order, each a rejection reason (a bounded label, used in metrics and logs):

``text``
    Text to be rendered ("a sign that says 'open'", quoted text) must be exactly the same.
``count``
    Numbers (digits and number words) must agree, and so must singular and plural of one noun
    and amounts stated on one scale ("a full glass" / "an empty glass", "many" / "a few").
``negation``
    What the request excludes ("without a hat", "no people") the cached prompt must exclude too,
    and nothing the request asks for may be excluded by the cached prompt.
``colour``, ``material``, ``style``, ``setting``, ``size_age``, ``spatial``, ``object``,
``action``, ``attribute``
    Every word of the request must be covered by a word of the cached prompt: the same word, a
    synonym, or a more general word ("dog" is covered by "puppy"; "person" by "woman"). The
    reason names the kind of the first word that is not covered.
``spatial``
    Also: a spatial relation of the request ("under", "behind", "next to") that the cached
    prompt does not state, or a direction it states the opposite of ("up" / "down", "on" /
    "off", "in" / "out of").
``camera``
    Where the request has the camera stand (an aerial view, a low angle, eye level, a close-up, a
    wide shot), the cached prompt must say so too.
``style``
    Also: an image of a painting, render, statue or any medium but photography never serves a
    request that names no medium, style or artist, because that one asks for a photo.
``swapped_attributes``, ``swapped_roles``
    The same words in other roles: "a white dog and a black cat" / "a black dog and a white
    cat", "a dog chasing a cat" / "a cat chasing a dog".

How a prompt is read is :mod:`proxy.matching.reading`; word knowledge comes from WordNet
(:mod:`proxy.matching.lexicon`) and the small word lists of :mod:`proxy.matching.words`.
Without WordNet every word must appear in the cached prompt as it is, which keeps hits right and
makes them rarer.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Callable

from proxy.matching.coverage import Coverage
from proxy.matching.lexicon import WordNet
from proxy.matching.reading import OPPOSITE, Reader, Reading, Thing, Word
from proxy.matching.spelling import correct_typos
from proxy.matching.words import (
    COLOURS,
    DEFAULT_MEDIA,
    MADE_MEDIA,
    MATERIALS,
    MEDIA,
    SETTINGS,
    SIZES_AGES,
    STYLES,
    YOUNG,
)

__all__ = ["REASONS", "WARM_BLOCKERS", "Verifier"]

REASONS = (
    "unreadable",
    "text",
    "count",
    "negation",
    "colour",
    "material",
    "style",
    "setting",
    "size_age",
    "spatial",
    "camera",
    "object",
    "action",
    "attribute",
    "swapped_attributes",
    "swapped_roles",
)
WARM_BLOCKERS = frozenset(
    {"unreadable", "text", "count", "negation", "spatial", "camera", "swapped_roles"}
)
"""Findings that rule a warm start out: image-to-image keeps the composition, so a different
count, arrangement, camera angle, negation or rendered text would survive into the new image.
Colours, styles, settings, materials or a changed object are what it redraws."""
_WEARING = frozenset({"wear", "wearing", "dress", "dressed"})
_AGE_MARKERS = frozenset("old older elderly aged senior teen teenage adolescent".split())
"""Ages that change how a person or an animal looks, unlike "young" (what "a woman" shows)."""


_ADULT = frozenset("adult adults grown grownup grown-up mature".split())
"""Words that ask for a grown person, which an image of a child does not show."""


def _aged(reading: Reading) -> set[str]:
    """The living things ``reading`` gives an age ("an elderly man": man), by their keys."""
    words = reading.words
    return {
        words[w.head].key
        for i, w in enumerate(words)
        if w.head is not None
        and w.head != i
        and words[w.head].animate
        and not w.lemmas.isdisjoint(_AGE_MARKERS)
    }


def _animate_heads(reading: Reading) -> set[str]:
    return {reading.words[h].key for h in reading.heads() if reading.words[h].animate}


def _young(reading: Reading) -> bool:
    """Whether ``reading`` names a young animal or a baby."""
    return any(not YOUNG.isdisjoint(token.split("_")) for token in reading.tokens)


def _made(reading: Reading) -> bool:
    """Whether ``reading`` names a medium other than photography."""
    return any(not MADE_MEDIA.isdisjoint(token.split("_")) for token in reading.tokens)


def _asks_for_photo(reading: Reading) -> bool:
    """Whether ``reading`` asks for a photograph: it says so, or says nothing of how the picture
    is made (no medium, style or artist: "a lion"; not "a lion, concept art" or "a lion by greg
    rutkowski")."""
    if _made(reading):
        return False
    return not reading.tokens.isdisjoint(_PHOTO) or (
        reading.tokens.isdisjoint(STYLES) and not any(word.style_scope for word in reading.words)
    )


_PHOTO = frozenset({"photo", "photograph", "photography", "photographic", "snapshot"})


class Verifier:
    """Decides whether the image of a cached prompt shows everything a new prompt asks for."""

    def __init__(self, wordnet: WordNet | None, memory: int = 2048) -> None:
        """``memory``: how many prompts' readings and coverages are kept (about 30 KB each for a
        typical DiffusionDB prompt, so the default keeps under 60 MB)."""
        self.wordnet = wordnet
        self.read = Reader(wordnet, memory).read
        self.coverage = functools.lru_cache(maxsize=memory)(self._coverage)

    def _coverage(self, cached: str) -> Coverage:
        return Coverage(self.read(cached).words, self.wordnet)

    def forget(self) -> None:
        """Drop the prompts' readings and coverages kept in memory (WordNet's stay: they hold
        dictionary words, not prompts)."""
        self.read.cache_clear()
        self.coverage.cache_clear()

    def check(self, cached: str, request: str) -> str | None:
        """None when the image cached for ``cached`` may serve ``request``; else the reason."""
        have, want = self.read(cached), self.read(request)
        if have.unknown or want.unknown:
            cached, request = self._mend_typos(cached, have, request, want)
            have, want = self.read(cached), self.read(request)
        if have.unreadable or want.unreadable:
            return "unreadable"
        if have.emoji != want.emoji:
            return "swapped_roles" if sorted(have.emoji) == sorted(want.emoji) else "object"
        if not want.texts <= have.texts:
            return "text"
        if want.palette and have.palette and want.palette != have.palette:
            return "colour"  # a colour photo asked for, a black-and-white one cached
        if want.camera - have.camera:
            return "camera"  # an aerial view asked for, one from the ground cached
        if _made(have) and _asks_for_photo(want):
            return "style"  # "a lion" asks for a photo; "a statue of a lion" is not one
        if _young(have) and not _young(want) and any(want.words[h].animate for h in want.heads()):
            return "size_age"  # "a puppy" cached, "a dog" asked for
        if _aged(have) - _aged(want) & _animate_heads(want):
            return "size_age"  # "an elderly man" cached, "a man" asked for
        if want.tokens & _ADULT and not have.tokens & _ADULT and _young(have):
            return "size_age"  # "1boy, adult" asked for, "1boy, child" cached
        if want.numbers - have.numbers or _plural_conflict(have, want):
            return "count"
        if _amount_conflict(have, want):
            return "count"  # "a full glass" asked for, "an empty glass" cached
        for reason in (self._uncovered(have, want, cached), _spatial(have, want)):
            if reason is not None:
                return reason
        return self._swapped(have, want)

    def _mend_typos(
        self, cached: str, have: Reading, request: str, want: Reading
    ) -> tuple[str, str]:
        """Both prompts with each unknown word that is a likely misspelling of a word of the
        other prompt replaced by that word; a cached word only by a dictionary word, so two
        unknown words ("artstation", "artstaton") are mended one way, not swapped."""
        known = self.wordnet.knows if self.wordnet is not None else lambda word: False
        words = [w for w in want.sequence if known(w) or _known_parts(w, known)]
        unshared = sorted(have.unknown - set(want.sequence))  # a name both prompts have stays
        return (
            _replace_words(cached, correct_typos(unshared, words, known)),
            _replace_words(request, correct_typos(sorted(want.unknown), have.sequence, known)),
        )

    # ---------------------------------------------------------------- coverage

    def _uncovered(self, have: Reading, want: Reading, cached: str) -> str | None:
        coverage = self.coverage(cached)
        for word in want.words:
            if word.verb and word.lemmas & _WEARING and have.tokens & {"with", "in", "without"}:
                continue  # "a man wearing a hat" is "a man with a hat", "a man in a hat"
            if word.lemmas & DEFAULT_MEDIA and not have.tokens & STYLES:
                continue  # "a photo of a cat" is what "a cat" gives, when no medium is named
            if word.negated:
                # Excluded by the request: the cached prompt must exclude it, or something more
                # general ("no animals" excludes "no dog").
                if not coverage.excludes(word):
                    return "negation"
            elif not coverage.shows(word):
                if coverage.excludes(word, loosely=True):
                    return "negation"
                return self._kind(word)
            elif (
                _describes_shared_thing(want, word, have)
                # "anime girl": the whole picture is anime; but "colorful" binds to its thing
                and not (_names_medium(word) and word.lemmas.isdisjoint(COLOURS))
                and not coverage.of_thing(want.words[word.head].key).shows(word)  # type: ignore[index]
            ):
                return self._kind(word)  # shown, but only as another thing's attribute
        return None

    def _kind(self, word: Word) -> str:
        """The rejection reason for a word of the request that the cached prompt lacks."""
        names = word.lemmas | {word.text, *word.text.split("_")}  # "oil_painting": style
        if names & COLOURS:
            return "colour"
        if names & MATERIALS:
            return "material"
        if word.style_scope or names & STYLES:
            return "style"
        if names & SETTINGS:
            return "setting"
        if names & SIZES_AGES:
            return "size_age"
        if names & {"side", "top", "front", "back", "middle", "center", "bottom", "edge"}:
            return "spatial"
        if self.wordnet is None:
            return "object"
        lexnames = self.wordnet.lexnames(word.text)
        if lexnames & {"noun.substance"}:
            return "material"
        if lexnames & {"noun.time", "noun.location", "verb.weather"}:
            return "setting"
        if word.verb:
            return "action"
        if word.noun or not self.wordnet.parts_of_speech(word.text):
            return "object"
        return "attribute"

    # ---------------------------------------------------------------- roles

    def _swapped(self, have: Reading, want: Reading) -> str | None:
        """The same words, bound to other things or in another order."""
        owned = _possessions(have)
        if any((thing, owner) in owned for owner, thing in _possessions(want)):
            return "swapped_roles"  # "the dog's owner" / "the owner's dog"
        if _attachments_moved(have, want):
            return "swapped_attributes"
        # Two things named in the other order, one of them in another role: "a city street
        # with a rainbow" / "a rainbow with a city street". Only things whose role changed need
        # pairing, which keeps long prompts cheap.
        have_heads, want_heads = _head_lemmas(have), _head_lemmas(want)
        shared = [lemma for lemma in want_heads if lemma in have_heads]
        listed = _listed(have) | _listed(want)
        moved = [
            lemma
            for lemma in shared
            if have_heads[lemma][1] != want_heads[lemma][1] and lemma not in listed
        ]
        if _owner_changed(have_heads, want_heads, shared):
            return "swapped_roles"  # "a cup of coffee" / "a plate of coffee"
        for first in moved:
            for second in shared:
                inverted = (have_heads[first][0] > have_heads[second][0]) != (
                    want_heads[first][0] > want_heads[second][0]
                )
                if (
                    second != first
                    and inverted
                    and not (_joined(have, first, second) and _joined(want, first, second))
                    and not (
                        _side_by_side(have_heads, first, second)
                        and _side_by_side(want_heads, first, second)
                    )
                ):
                    return "swapped_roles"
        if _bound_elsewhere(have, want, _verb_subjects) or _bound_elsewhere(
            have, want, _verb_objects
        ):
            return "swapped_roles"
        return None

    # ---------------------------------------------------------------- reading


def _head_lemmas(reading: Reading) -> dict[str, tuple[int, str]]:
    """Each head noun, by its first lemma: its first position and role."""
    positions: dict[str, tuple[int, str]] = {}
    for position, i in enumerate(reading.heads()):
        word = reading.words[i]
        if not _names_medium(word):
            positions.setdefault(word.key, (position, word.role))
    return positions


def _joined(reading: Reading, first: str, second: str) -> bool:
    """Whether ``reading`` names the two kinds of thing in one coordination ("a dog and a
    cat")."""
    words = reading.words
    return any(
        words[h].key == first and any(words[g].key == second for g in reading.group(h))
        for h in reading.heads()
    )


def _possessions(reading: Reading) -> set[tuple[str, str]]:
    """(owner, thing) for each "owner's thing" of ``reading``."""
    words = reading.words
    return {
        (w.key, words[w.head].key)
        for i, w in enumerate(words)
        if w.possessor and w.head is not None and w.head != i
    }


def _listed(reading: Reading) -> set[str]:
    """The things whose role is only that of the tag before them (``Word.listed``)."""
    return {reading.words[i].key for i in reading.heads() if reading.words[i].listed}


def _side_by_side(heads: dict[str, tuple[int, str]], first: str, second: str) -> bool:
    """Whether the two things, each with the things "of" it, are placed next to each other ("a
    vase of tulips next to a stack of books"): a relation that reads the same both ways round."""
    a, b = _owner(heads, first), _owner(heads, second)
    return a != b and (heads[a][1] == f"@near/{b}" or heads[b][1] == f"@near/{a}")


def _owner(heads: dict[str, tuple[int, str]], lemma: str) -> str:
    """The thing ``lemma`` is "of" ("stack" for the books of "a stack of books"), or itself."""
    role = heads[lemma][1]
    return role[3:] if role.startswith("of/") and role[3:] in heads else lemma


def _owner_changed(
    have: dict[str, tuple[int, str]], want: dict[str, tuple[int, str]], shared: list[str]
) -> bool:
    """Whether a thing is "of" another thing in each prompt, and not the same other thing."""
    return any(
        have[lemma][1].startswith("of/")
        and want[lemma][1].startswith("of/")
        and _owner(have, lemma) != _owner(want, lemma)
        and _owner(have, lemma) in want
        and _owner(want, lemma) in have
        for lemma in shared
    )


def _attachments(reading: Reading, *, compounds: bool = True) -> dict[str, set[Thing]]:
    """Each describing word -> the things it describes. With ``compounds``, a compound's first
    parts describe its last: "fried" in "fried egg"."""
    attached: dict[str, set[Thing]] = {}
    for i, word in enumerate(reading.words):
        if word.head is not None and word.head != i and not word.verb:
            head = reading.words[word.head]
            if _names_medium(word) or _names_medium(head):
                continue  # "oil painting portrait" and "portrait, oil painting": one medium
            attached.setdefault(word.key, set()).add(head.thing)
        if compounds and word.head == i and "_" in word.base:
            for part in word.base.split("_")[:-1]:
                attached.setdefault(part, set()).add(word.thing)
    return attached


def _names_medium(word: Word) -> bool:
    """A medium, a style or an artist: how the whole image is made, not a thing in it."""
    return word.style_scope or not (word.lemmas | set(word.text.split("_"))).isdisjoint(_MEDIA)


_MEDIA = STYLES | MEDIA


def _attachments_moved(have: Reading, want: Reading) -> bool:
    """A word that describes one thing in the request and only other things in the cached
    prompt ("white" on the dog, not on the cat; "baby" on the elephant that leads, not on the
    one led). Roles tell apart two things of one kind only."""
    have_attached, want_attached = _attachments(have), _attachments(want)
    have_heads = {have.words[i].key for i in have.heads()}
    same = _same_thing(have, want)
    have_head_words = {have.words[i].key for i in have.heads()}
    plain_words = _attachments(want, compounds=False)
    have_tags = {have.words[i].key for i in have.heads() if have.words[i].tag}
    have_heads_roles = {key: role for key, (_, role) in _head_lemmas(have).items()}
    for word, heads in want_attached.items():
        shared = {head for head in heads if head[0] in have_heads}
        if not shared:
            continue
        cached = have_attached.get(word)
        if cached is not None:
            # Every thing both prompts name that the request describes with this word must be
            # described with it in the cached prompt too.
            if not all(any(same(a, b) for a in cached) for b in shared):
                return True
        elif (
            word in have_head_words
            and word in plain_words
            and word not in have_tags
            and not any(have_heads_roles.get(word) == f"of/{head[0]}" for head in shared)
        ):
            # A thing of its own in the cached prompt, a description in the request: "a cane
            # and a roller bag" / "a roller and a cane bag"; but a tag of one word is the
            # whole picture's ("a city, cyberpunk" / "a cyberpunk city"), and a thing "of" the
            # one it describes is the same ("a field of sunflowers" / "a sunflower field").
            return True
    return False


def _verb_subjects(reading: Reading) -> dict[str, set[Thing]]:
    """Each verb (by first lemma) -> (lemma, role) of the things that do it: the noun it
    directly follows ("a man riding"), else its clause's subject, with everything coordinated
    with that subject."""
    words = reading.words
    subjects = [h for h in reading.heads() if words[h].role == "subject"]
    doers: dict[str, set[Thing]] = {}
    for i, word in enumerate(words):
        if not word.verb or word.head is None:
            continue
        doer = word.head
        if not word.bound or not (words[doer].role in ("subject", "") or words[doer].animate):
            # A verb after "on a surfboard" is still the man's: a lifeless thing named in a
            # prepositional phrase does nothing ("next to a man riding a bike" is another
            # matter).
            at = bisect.bisect_left(subjects, i)
            doer = subjects[at - 1] if at > 0 else word.head
        group = reading.group(doer)
        doers.setdefault(word.key, set()).update(words[h].thing for h in group)
    return doers


def _verb_objects(reading: Reading) -> dict[str, set[Thing]]:
    """Each verb (by lemma) -> the things it is done to ("holds a spoon": the spoon)."""
    found: dict[str, set[Thing]] = {}
    for i in reading.heads():
        word = reading.words[i]
        if word.governor is not None:
            found.setdefault(word.governor, set()).add(word.thing)
    return found


def _bound_elsewhere(
    have: Reading,
    want: Reading,
    binding: Callable[[Reading], dict[str, set[Thing]]],
) -> bool:
    """A verb bound (by ``binding``) to other things in the request than in the cached prompt:
    "a woman prepares a pizza while a man watches" / "a man prepares a pizza while a woman
    watches" (doers), "holds a spoon and looks at a cupcake" / "looks at a spoon and holds a
    cupcake" (objects). Lenient: any thing in common will do, since a rewording may name one
    more or fewer ("a man laughing with a woman")."""
    cached_bindings = binding(have)
    have_heads = {have.words[i].key for i in have.heads()}
    same = _same_thing(have, want)
    for verb, things in binding(want).items():
        cached = cached_bindings.get(verb)
        if (
            cached
            and not any(same(a, b) for a in cached for b in things)
            and any(thing[0] in have_heads for thing in things)
        ):
            return True
    return False


def _same_thing(have: Reading, want: Reading) -> Callable[[Thing, Thing], bool]:
    """Whether two (lemma, role) name the same thing: the same lemma, and where either prompt
    names several things of that kind, the same role too."""
    repeated = _repeated_heads(have) | _repeated_heads(want)

    def same(a: Thing, b: Thing) -> bool:
        return a[0] == b[0] and (a[0] not in repeated or a[1:] == b[1:])

    return same


def _repeated_heads(reading: Reading) -> set[str]:
    lemmas = Counter(reading.words[i].key for i in reading.heads())
    return {lemma for lemma, count in lemmas.items() if count > 1}


def _replace_words(text: str, replacements: dict[str, str]) -> str:
    for word, replacement in replacements.items():
        text = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", replacement, text, flags=re.I)
    return text


def _known_parts(word: str, known: Callable[[str], bool]) -> bool:
    """Whether ``word`` is hyphenated words that are each known ("snow-capped")."""
    return "-" in word and all(known(part) for part in word.split("-") if part)


def _amount_conflict(have: Reading, want: Reading) -> bool:
    """Whether the request states an amount the cached prompt does not, on a scale the cached
    prompt states another amount on ("many birds" against "a few birds")."""
    scales = {amount.partition(":")[0] for amount in have.amounts}
    return any(a.partition(":")[0] in scales for a in want.amounts - have.amounts)


def _plural_conflict(have: Reading, want: Reading) -> bool:
    """One dog asked for, several cached, or the other way round: a thing the request names in
    a number (singular or plural) that the cached prompt never names it in; or in that role
    ("a person on motorcycles passing a group of people" / "people on motorcycles passing a
    person": person and people in both, but the one riding is one or several)."""
    cached: dict[str, set[bool]] = {}
    cached_roles: dict[tuple[str, str], set[bool]] = {}
    for i in have.heads():
        word = have.words[i]
        if not word.negated:
            cached.setdefault(word.key, set()).add(word.plural)
            cached_roles.setdefault((word.key, word.role), set()).add(word.plural)
    for i in want.heads():
        word = want.words[i]
        if not word.negated:
            forms = cached.get(word.key)
            if forms is not None and word.plural not in forms:
                return True
            forms = cached_roles.get((word.key, word.role))
            if forms is not None and word.plural not in forms:
                return True
    return False


def _describes_shared_thing(want: Reading, word: Word, have: Reading) -> bool:
    """Whether ``word`` describes a thing of the request that the cached prompt names too."""
    head = word.head
    if head is None or word.verb or want.words[head] is word or word.key.startswith("#"):
        return False
    key = want.words[head].key
    return any(have.words[i].key == key for i in have.heads())


_LOOSE_RELATIONS = frozenset({"in", "on", "at", "@in", "@on"})
_POSITIONS = frozenset(
    "below above atop behind front near inside outside left "
    "right middle between against background foreground upside underwater".split()
)
"""Spatial classes that fix where a thing is; motion ("through", "across", "toward") does
not contradict a loose "in" ("a kite flying through the sky", "in the sky")."""


def _relations(reading: Reading) -> dict[tuple[str, str], set[str]]:
    """(thing, the subject it is placed against) -> how it is placed: a spatial class
    ("below", "behind"), or "in" for the loose "in", "on", "at"."""
    found: dict[tuple[str, str], set[str]] = {}
    for i in reading.heads():
        word = reading.words[i]
        relation, _, subject = word.role.partition("/")
        if relation in ("in", "@in"):
            kinds = {"in", "inside"}  # "in a box" is "inside a box"; loosely, "on" or "at" it
        elif relation == "on":
            kinds = {"in", "atop"}  # loosely "in" or "at"; "on top of" it
        elif relation in _LOOSE_RELATIONS:
            kinds = {"in"}
        elif relation[1:] in _POSITIONS and relation.startswith("@"):
            kinds = {relation[1:]}
        else:
            continue
        if subject:
            found.setdefault((word.key, subject), set()).update(kinds)
    return found


def _spatial(have: Reading, want: Reading) -> str | None:
    """A spatial relation the request asks for ("under", "beside", "in front of") that the
    cached prompt does not state; or a direction the cached prompt states the opposite of
    ("skiing up" / "down", "headphones on" / "off"). "in", "on" and "at" alone are too loosely
    used to count."""
    missing = want.spatial - have.spatial
    if "in" in have.tokens:
        missing -= {"inside"}  # where the cached prompt puts it "in" is checked below
    if "on" in have.tokens and not have.spatial & {"below", "middle"}:
        missing -= {"atop"}  # "on top of" is "on", checked below too; not "at the bottom"
    if missing:
        return "spatial"
    # Both ways: "a cat on the bed" asks for the bed elsewhere than "a cat under the bed" has it.
    cached = _relations(have)
    for thing, relations in _relations(want).items():
        placed = cached.get(thing)
        if placed and not placed & relations:
            return "spatial"
    for direction in want.directions - have.directions:
        if OPPOSITE[direction] & have.directions:
            return "spatial"
    return None
