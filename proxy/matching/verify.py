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

import functools
import logging
import traceback
from collections import Counter

from proxy.matching.counting import (
    amount_conflict,
    one_of,
    one_shows_many,
    plural_conflict,
    single_things,
)
from proxy.matching.coverage import Coverage, describes
from proxy.matching.lexicon import NOTHING, WordNet
from proxy.matching.listed import in_listed_order, lists_of
from proxy.matching.media import asks_for_photo, made_otherwise, photographed, picture_kinds
from proxy.matching.memo import PromptMemo
from proxy.matching.normalise import GATHERING
from proxy.matching.places import spatial
from proxy.matching.reading import REMEMBERED, Reader
from proxy.matching.reading_model import Reading, Word
from proxy.matching.rephrasing import verb_ing
from proxy.matching.roles import names_medium, swapped
from proxy.matching.spelling import (
    correct_typos,
    doubled,
    hyphenated_alike,
    rarely_meant,
    rejoined,
    replace_words,
    with_parts,
)
from proxy.matching.tag_order import forget_tags, in_cached_order, read_tags, rebound
from proxy.matching.unsaid import (
    DRAWN_PICTURE,
    IMPLIED,
    PLACED,
    chained_to,
    describes_shared_thing,
    done_by_name,
    done_otherwise,
    lifeless_at_rest,
    made_of,
    made_things,
    making_way,
    said_of_a_child,
    shown_at_rest,
    sized,
)
from proxy.matching.word_order import at_as_cached
from proxy.matching.words import (
    ART_SITES,
    COLOURS,
    DEFAULT_MEDIA,
    MATERIALS,
    SETTINGS,
    SIZES_AGES,
    STYLES,
    YOUNG,
)

__all__ = ["REASONS", "WARM_BLOCKERS", "Verifier"]

log = logging.getLogger(__name__)

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
_HOLDING = frozenset({"hold", "carry"})
_LOOK_APART = (
    ("frog", "toad"),
    ("moose", "elk"),
    ("jaguar", "panther"),
    ("castle", "palace"),
    ("river", "stream"),
)
"""Words WordNet puts in one synset for things that look different in a picture ("elk" is a
moose in Europe, a wapiti in America)."""


_AGE_MARKERS = frozenset(
    "old older elderly aged middle-aged senior teen teenage adolescent".split()
)
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


class Verifier:
    """Decides whether the image of a cached prompt shows everything a new prompt asks for."""

    def __init__(self, wordnet: WordNet | None, memory: int = 2048) -> None:
        """``memory``: how many prompts' readings and coverages are kept (about 30 KB each for a
        typical DiffusionDB prompt, so the default keeps under 60 MB)."""
        self.wordnet = wordnet
        self.reader = Reader(wordnet, memory)
        self.read = self.reader.read
        self.coverage = PromptMemo(self._coverage, size=memory, up_to=REMEMBERED)
        self.lists = PromptMemo(
            functools.partial(lists_of, wordnet=wordnet), size=memory, up_to=REMEMBERED
        )
        # Pairs of prompts up to 1,000 characters: 8,192 take under 64 MB however written.
        self._verdicts = PromptMemo(self._check, size=4 * memory)

    def _coverage(self, cached: str) -> Coverage:
        have = self.read(cached)
        return Coverage(have.words, self.wordnet, picture_kinds(have))

    def prepare(self, cached: str) -> None:
        """Read ``cached``, and what its words cover, as a cached prompt: once, when it is
        stored; a request checked against it later reads only itself (while the last
        ``memory`` prompts read are kept)."""
        try:
            self.coverage(cached)
            self._read_apart(cached)
        except Exception as error:  # a check of this prompt reads it again, and refuses
            _log_failure(error)

    def _read_apart(self, prompt: str) -> None:
        """What a check takes of a prompt besides its reading: its tags and its lists."""
        read_tags(prompt)
        self.lists(prompt)

    def forget(self) -> None:
        """Drop the prompts' readings and coverages kept in memory (WordNet's stay: they hold
        dictionary words, not prompts)."""
        self.reader.forget()
        self.coverage.clear()
        self.lists.clear()
        forget_tags()
        self._verdicts.clear()

    def check(self, cached: str, request: str) -> str | None:
        """None when the image cached for ``cached`` may serve ``request``; else the reason.

        Remembered for the last pairs checked (four times ``memory``) of prompts up to 1,000
        characters each: a rewording asked again, as scripts and retries do, is not read again.

        A fault of the verifier's own on some pair of prompts refuses the candidate as
        ``unreadable`` (logged, without the prompts): the request is generated instead of
        failing, and no image is served or warm-started that was not checked."""
        try:
            return self._verdicts(cached, request)
        except Exception as error:
            _log_failure(error)
            return "unreadable"

    def _check(self, cached: str, request: str) -> str | None:
        classes = self.reader.classes
        if rebound(cached, request, classes):
            return "swapped_roles"  # "a knight, a dragon, riding a horse": who rides moved
        request = at_as_cached(cached, in_cached_order(cached, request, classes))
        request = in_listed_order(cached, request, self.lists)
        have, want = self.read(cached), self.read(request)
        if not want.texts <= have.texts:
            return "text"  # as typed: no mended spelling, "scifi" for "sci fi", is shown
        if "-" in request or "-" in cached:
            respelt = hyphenated_alike(request, want.sequence, have.sequence)
            if respelt != request:
                request, want = respelt, self.read(respelt)
        undoubled = self._undoubled(want, have), self._undoubled(have, want)
        if have.unknown or want.unknown or any(undoubled):
            cached, request = self._mend_typos(cached, have, request, want, undoubled)
            have, want = self.read(cached), self.read(request)
        rare = (
            rarely_meant(have.sequence, frozenset(want.sequence)),
            rarely_meant(want.sequence, frozenset(have.sequence)),
        )
        if any(rare):  # "a kitsune sprit" for "a kitsune spirit"
            cached, request = replace_words(cached, rare[0]), replace_words(request, rare[1])
            have, want = self.read(cached), self.read(request)
        if have.unreadable or want.unreadable:
            return "unreadable"
        if have.emoji != want.emoji:
            return "swapped_roles" if sorted(have.emoji) == sorted(want.emoji) else "object"
        if want.palette and have.palette and want.palette != have.palette:
            return "colour"  # a colour photo asked for, a black-and-white one cached
        if (want.palette == "monochrome") != (have.palette == "monochrome"):
            # a black-and-white photo asked for, and one in colour cached, as most are; or the
            # reverse: a prompt that names no palette asks for colour
            return "colour"
        if want.camera - have.camera:
            return "camera"  # an aerial view asked for, one from the ground cached
        if made_otherwise(have) and asks_for_photo(want):
            return "style"  # "a lion" asks for a photo; "a statue of a lion" is not one
        if _young(have) and not _young(want) and any(want.words[h].animate for h in want.heads()):
            return "size_age"  # "a puppy" cached, "a dog" asked for
        if _aged(have) - _aged(want) & _animate_heads(want):
            return "size_age"  # "an elderly man" cached, "a man" asked for
        if want.tokens & _ADULT and not have.tokens & _ADULT and _young(have):
            return "size_age"  # "1boy, adult" asked for, "1boy, child" cached
        single = single_things(have) if want.numbers[1] else set()
        ones = Counter(1 for word in want.words if one_of(word, want, single))
        if (
            want.numbers - have.numbers - ones
            or plural_conflict(have, want)
            or one_shows_many(self.wordnet, have, want)
        ):
            return "count"
        if amount_conflict(have, want):
            return "count"  # "a full glass" asked for, "an empty glass" cached
        if _looks_apart(have, want):
            return "object"
        if done_otherwise(have, want):
            return "action"  # "a gymnast doing a backflip" asked for, "... watching one" cached
        for reason in (self._uncovered(have, want, cached, single), spatial(have, want)):
            if reason is not None:
                return reason
        if self._shown_by_another(have, want):
            return "object"
        return swapped(have, want, self.wordnet)

    def _shown_by_another(self, have: Reading, want: Reading) -> bool:
        """A person or an animal of the request that only a more specific one of the cached
        prompt shows, which the request names as well: "a man with a girl" does not show "a
        woman with a girl", though to WordNet a girl is a young woman."""
        if self.wordnet is None:
            return False
        cached = {have.words[i].key for i in have.heads() if not have.words[i].negated}
        asked = {want.words[i].key for i in want.heads()}
        for i in want.heads():
            word = want.words[i]
            if word.negated or word.key in cached or not word.animate or word.plural:
                continue  # a person or an animal, one: "people" may be those named
            shown_by = [c for c in cached if self.wordnet.covers(word.key, c, "n", "n")]
            if shown_by and all(c in asked for c in shown_by):
                return True
        return False

    def _undoubled(self, have: Reading, want: Reading) -> set[str]:
        """Words of ``want`` that ``have`` writes with their consonant doubled: "cuting" is a
        form of "cut" to WordNet, but "cutting" was meant ("weding" beside the "wedding_cake"
        a compound joined, too). Not where the word is the form of a verb in "-e" ("taping",
        "staring", "filed": "tapping", "starring" and "filled" are other acts)."""
        if self.wordnet is None or not any(w.endswith(("ing", "ed")) for w in want.sequence):
            return set()
        # a doubled word no dictionary knows is itself the misspelling: "openning" for "opening"
        have_words = set(with_parts(have.sequence)) - have.unknown
        return {
            word
            for word in want.sequence
            if doubled(word) in have_words
            and "v"
            not in self.wordnet.parts_of_speech(word[: -3 if word.endswith("ing") else -2] + "e")
        }

    def _mend_typos(
        self,
        cached: str,
        have: Reading,
        request: str,
        want: Reading,
        undoubled: tuple[set[str], set[str]],
    ) -> tuple[str, str]:
        """Both prompts with each unknown word that is a likely misspelling of a word of the
        other prompt replaced by that word; a cached word only by a dictionary word, so two
        unknown words ("artstation", "artstaton") are mended one way, not swapped.
        ``undoubled``: known words of the cached prompt and of the request mended too
        (:meth:`_undoubled`)."""
        known = self.wordnet.knows if self.wordnet is not None else lambda word: False
        # A word the reader knows, WordNet's or its own ("against", "beside"), and the other
        # forms of its verbs ("bulding" is "building" where the other prompt says "builds").
        words = [w for w in want.sequence if w[:1].isalpha() and w not in want.unknown]
        # a name both prompts have stays
        unshared = sorted((have.unknown | undoubled[0]) - set(want.sequence))
        asked = correct_typos(
            sorted(want.unknown | undoubled[1]),
            [*with_parts(have.sequence), *_verb_forms(have)],
            known,
        )
        # Written apart where the cached prompt writes one word ("sci fi", "sci-fi"): first, so
        # that neither half is mended on its own.
        asked = rejoined(want.sequence, want.unknown, have.sequence) | asked
        return (
            replace_words(
                cached, correct_typos(unshared, [*with_parts(words), *_verb_forms(want)], known)
            ),
            replace_words(request, asked),
        )

    # ---------------------------------------------------------------- coverage

    def _uncovered(self, have: Reading, want: Reading, cached: str, single: set[str]) -> str | None:
        coverage = self.coverage(cached)
        cached_things = {have.words[i].key for i in have.heads()}
        sized_things = sized(have)
        for position, word in enumerate(want.words):
            if one_of(word, want, single):
                continue  # checked with the counts
            if word.verb and word.lemmas & _WEARING and have.tokens & {"with", "in", "without"}:
                continue  # "a man wearing a hat" is "a man with a hat", "a man in a hat"
            if word.verb and word.lemmas & _HOLDING and self._holds_a_thing(want, word, have):
                continue  # "a girl holding an umbrella" is "a girl with an umbrella"
            if word.verb and word.lemmas & GATHERING and not GATHERING.isdisjoint(have.sequence):
                continue  # "bees swarming around a hive" is "a swarm of bees around a hive"
            if said_of_a_child(word, want, sized_things):
                continue  # "a little boy", "a young boy" and "a boy" show one child
            if word.lemmas & DEFAULT_MEDIA and photographed(have, cached):
                continue  # "a photo of a cat" is what "a cat" gives, when no medium is named
            if word.verb and word.lemmas & PLACED and lifeless_at_rest(want, position, have):
                continue
            if making_way(word, want, have):
                continue  # "making its way across a fjord" is what "sailing across it" shows
            if word.verb and (shown_at_rest(word, want, have) or done_by_name(word, want, have)):
                continue
            if word.text in ART_SITES and DRAWN_PICTURE.search(cached.lower()):
                continue  # "trending on artstation" adds nothing to a digital painting's style
            if (
                word.governor in IMPLIED
                and word.lemmas & IMPLIED[word.governor]
                and any(w.verb and word.governor in w.lemmas and not w.negated for w in have.words)
            ):
                continue  # "a man eating" shows him eating food
            if self._person_apart(word, have):
                return "style"  # "a portrait of van gogh" is no portrait by him, nor the reverse
            if word.negated:
                # Excluded by the request: the cached prompt must exclude it, or something more
                # general ("no animals" excludes "no dog").
                if not coverage.excludes(word):
                    return "negation"
            elif self._names_its_thing(word, position, want) and not word.lemmas & coverage.lemmas:
                # "a steel sword": to WordNet a steel is a sword, which "a wooden sword" shows
                return self._kind(word, describing=True)
            elif (
                word.lemmas & MATERIALS
                and (
                    things := made_things(self.wordnet, word, position, want, have) & cached_things
                )
                and not any(made_of(coverage, thing, word) for thing in things)
            ):
                # "a steel blade": to WordNet a steel is a sword, which "a sword with an obsidian
                # blade" names; "a bridge made of wood": maple is a wood, which "maple trees"
                # name. A material is shown only as what its thing is made of.
                return "material"
            elif word.lemmas & coverage.excluded_lemmas:
                # "a sky with no clouds": not served for clouds, whatever else could pass for
                # one ("a smoking volcano")
                return "negation"
            elif not coverage.shows(word, describing=describes(word, position)):
                if self._said_by_its_noun(word, position, want, coverage):
                    continue  # "a robotic arm", where "a robot arm" is cached
                if coverage.excludes(word, loosely=True):
                    return "negation"
                return self._kind(word)
            elif (
                describes_shared_thing(want, word, cached_things)
                # "anime girl": the whole picture is anime; but "colorful" binds to its thing
                and not (names_medium(word) and word.lemmas.isdisjoint(COLOURS))
                and not coverage.of_thing(want.words[word.head].key).shows(  # type: ignore[index]
                    word, describing=True
                )
                and not chained_to(want, position, coverage, word)
            ):
                # shown, but only as another thing's attribute
                return self._kind(word, describing=True)
        return None

    @staticmethod
    def _said_by_its_noun(word: Word, position: int, want: Reading, coverage: Coverage) -> bool:
        """Whether ``word``, an adjective, describes a thing that the cached prompt describes by
        the noun the word pertains to: "a robotic arm" for "a robot arm", "a lunar landscape"
        for "a moon landscape"; not where the noun is a thing of its own ("a robot next to a
        dog" shows no robotic dog)."""
        if not describes(word, position) or word.pos not in (None, "a"):
            return False
        own = coverage.describing(want.words[word.head].key)  # type: ignore[index]
        return own is not None and own.pertains(word)

    def _person_apart(self, word: Word, have: Reading) -> bool:
        """Whether ``word`` names a person the request's picture is "by" ("by van gogh") whom
        the cached prompt only shows ("a portrait of van gogh"), or one it shows whom the
        cached picture is only by."""
        if self.wordnet is None or not any(
            symbol == "@i" and "noun.person" in sense.lexname
            for sense in self.wordnet.senses(word.text, "n")
            for symbol, _ in sense.pointers
        ):
            return False  # a person named (an instance of a painter), not "a teenager"
        same = [w for w in have.words if w.lemmas & word.lemmas]
        return bool(same) and all(w.style_scope != word.style_scope for w in same)

    def _names_its_thing(self, word: Word, position: int, want: Reading) -> bool:
        """Whether ``word`` describes a thing, or is what it is made "of", that it also names in
        WordNet: "steel" in "a steel sword" or "a sword made of steel", where a steel is a
        sword; only the word itself then shows it."""
        if self.wordnet is None:
            return False
        relation, _, owner = word.role.partition("/")
        if describes(word, position):
            thing = want.words[word.head].key  # type: ignore[index]
        elif relation == "of" and owner:
            thing = owner
        else:
            return False
        return any(self.wordnet.covers(lemma, thing, None, "n") for lemma in word.lemmas)

    def _holds_a_thing(self, want: Reading, verb: Word, have: Reading) -> bool:
        """Whether ``verb`` ("holding", "carrying") is done by someone alive to made things
        only, not worn ones, each of which the cached prompt has them "with": "a knight with a
        sword" holds it; "a man with a dog" may be walking it, "a girl with a hat" wears it, "a
        car with a flat tire" holds nothing."""
        if self.wordnet is None or verb.head is None or not want.words[verb.head].animate:
            return False
        held = [w for w in want.words if w.governor is not None and w.governor in verb.lemmas]
        with_ = {w.key for w in have.words if w.role.startswith("with")}
        return bool(held) and all(
            w.key in with_
            and not w.animate
            and "noun.artifact" in self.wordnet.lexnames(w.text)
            and not self.reader.classes.worn(w)
            for w in held
        )

    def _kind(self, word: Word, *, describing: bool = False) -> str:
        """The rejection reason for a word of the request that the cached prompt lacks;
        ``describing``: the word describes another thing, so its noun senses do not say what
        it is ("dead" in "a dead cat" is no time, as "the dead of night" is)."""
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
        lexnames = NOTHING if describing else self.wordnet.lexnames(word.text)
        if lexnames & {"noun.substance"}:
            return "material"
        if lexnames & {"noun.time", "noun.location", "verb.weather"}:
            return "setting"
        if word.verb:
            return "action"
        if (word.noun and not describing) or not self.wordnet.parts_of_speech(word.text):
            return "object"
        return "attribute"


def _verb_forms(reading: Reading) -> list[str]:
    """The -ing, -s and -ed forms of the verbs ``reading`` has ("build": "building")."""
    return [
        form
        for word in reading.words
        if word.verb
        for lemma in word.lemmas
        for form in (verb_ing(lemma), lemma + "s", lemma + "ed")
    ]


def _looks_apart(have: Reading, want: Reading) -> bool:
    """Whether the request names one of a pair in ``_LOOK_APART`` where the cached prompt names
    the other (and not the first)."""
    cached, asked = (
        frozenset().union(*(w.lemmas for w in r.words if not w.negated)) for r in (have, want)
    )
    return any(
        x in asked and y in cached and x not in cached
        for pair in _LOOK_APART
        for x, y in (pair, pair[::-1])
    )


def _log_failure(error: Exception) -> None:
    """Log a fault of the verifier with where it happened, but not its message, which may quote
    a word of a prompt."""
    frame = traceback.extract_tb(error.__traceback__)[-1]
    log.error(
        "the verifier failed (%s at %s:%d in %s); the candidate is not served",
        type(error).__name__,
        frame.filename.rsplit("/", 1)[-1],
        frame.lineno or 0,
        frame.name,
    )
