"""What a cached prompt shows: its words, their WordNet senses and everything more general,
gathered once so that checking a request word against it is one look-up. The verifier
(:mod:`proxy.matching.verify`) asks it whether each word of a request is shown, excluded, or
shown on the right thing."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from proxy.matching.lexicon import NOTHING, Pos, Sense, SenseId, WordNet, frozen, reaches
from proxy.matching.reading_model import Word
from proxy.matching.words import COLOURS

__all__ = ["Coverage", "describes"]


class Coverage:
    """What a cached prompt shows, gathered once so that checking a request against it costs
    one look-up per word of the request, however long the cached prompt is.

    A request's word is shown when the cached prompt has the same lemma, or one of the word's
    senses among the senses and hypernyms of the cached words (the word is a synonym or more
    general: "dog" for "puppy"). Verbs name actions loosely ("cutting", "slicing", "chopping"),
    so a request's verb is also shown by a cached verb one level more general.
    """

    def __init__(
        self, words: list[Word], wordnet: WordNet | None, also: frozenset[str] = frozenset()
    ) -> None:
        """``also``: lemmas the prompt shows that none of its words says ("drawing" for "a
        charcoal portrait")."""
        self.wordnet = wordnet
        self.words = words
        self._of_thing: dict[str, Coverage | _Either] = {}
        self._things: Coverage | None = None
        self._own: dict[str, list[Word]] = {}
        """The words that describe each kind of thing, by its key."""
        shown = [w for w in words if not w.negated]
        excluded = [w for w in words if w.negated]
        self.lemmas = frozen(chain(also, chain.from_iterable(w.lemmas for w in shown)))
        self.excluded_lemmas = frozen(chain.from_iterable(w.lemmas for w in excluded))
        self.reached: frozenset[SenseId] = NOTHING
        self.excluded_reached: frozenset[SenseId] = NOTHING
        self.verb_senses: frozenset[SenseId] = NOTHING
        self.excluded_senses: frozenset[SenseId] = NOTHING
        if wordnet is not None:
            self.reached = _union(
                wordnet.closure(lemma, pos)
                for i, w in enumerate(words)
                if not w.negated
                for lemma in _own_lemmas(w)
                for pos in _shown_as(w, i, lemma, wordnet)
            )
            self.excluded_reached = _union(
                wordnet.closure(lemma, w.pos) for w in excluded for lemma in w.lemmas
            )
            self.verb_senses = _union(
                (s.id for s in wordnet.senses(lemma, "v"))
                for w in shown
                if w.verb
                for lemma in w.lemmas
            )
            self.excluded_senses = _union(
                (s.id for s in wordnet.senses(lemma, w.pos)) for w in excluded for lemma in w.lemmas
            )

    def of_thing(self, key: str) -> Coverage | _Either:
        """What the cached prompt shows of the things named ``key``: every word but those that
        describe other things ("teal" in "teal sky, a red dragon" says nothing of the dragon)."""
        found = self._of_thing.get(key)
        if found is None:
            if self._things is None:  # every thing's coverage starts from the same words
                words = self.words
                # a palette ("..., purple and cyan, ...", "..., ochre, ...") is the picture's, no
                # thing's colour
                self._things = Coverage(
                    [
                        w
                        for i, w in enumerate(words)
                        if not describes(w, i) and not ((w.whole or w.tag) and self._a_colour(w))
                    ],
                    self.wordnet,
                )
                self._own = {}
                for i, w in enumerate(words):
                    if w.head is not None and describes(w, i):
                        self._own.setdefault(words[w.head].key, []).append(w)
            own = self._own.get(key)
            found = _Either(self._things, Coverage(own, self.wordnet)) if own else self._things
            self._of_thing[key] = found
        return found

    def _a_colour(self, word: Word) -> bool:
        """Whether ``word`` names a colour: a listed one, or a shade WordNet knows ("ochre")."""
        wordnet = self.wordnet
        return bool(word.lemmas & COLOURS) or (
            wordnet is not None
            and any(wordnet.is_a(lemma, "chromatic_color") for lemma in word.lemmas)
        )

    def describing(self, key: str) -> Coverage | None:
        """What the words that describe the things named ``key`` show (None: none do): the
        coverage :meth:`of_thing` gathered for them."""
        found = self.of_thing(key)
        return found.second if isinstance(found, _Either) else None

    def shows(self, word: Word, *, describing: bool = False) -> bool:
        """Whether the cached prompt shows ``word``; ``describing``: the word describes another
        (its noun and adjective readings both count: "brave" in "a brave knight")."""
        if word.lemmas & self.lemmas:
            return True
        wordnet = self.wordnet
        if wordnet is None:
            return False
        if any(
            reaches(senses, self.reached)
            for lemma in word.lemmas
            for senses in (
                _asked_as(word, lemma, wordnet)
                if describing
                else (wordnet.senses(lemma, word.pos),)
            )
        ):
            return True
        return word.verb and any(
            not wordnet.closure(lemma, "v").isdisjoint(self.verb_senses) for lemma in word.lemmas
        )

    def pertains(self, word: Word) -> bool:
        """Whether the words gathered name a noun that ``word``, an adjective, pertains to: a
        robot for "robotic", a moon for "lunar"."""
        wordnet = self.wordnet
        return wordnet is not None and any(
            reaches(wordnet.pertaining(lemma), self.reached) for lemma in word.lemmas
        )

    def excludes(self, word: Word, *, loosely: bool = False) -> bool:
        """Whether the cached prompt excludes ``word`` or something more general ("no animals"
        excludes a dog). ``loosely``: or something more specific, which is enough to refuse a
        request that asks for the word ("a man with a hat" against "a man without a hat")."""
        if word.lemmas & self.excluded_lemmas:
            return True
        wordnet = self.wordnet
        if wordnet is None:
            return False
        reached = _union(wordnet.closure(lemma, word.pos) for lemma in word.lemmas)
        if not reached.isdisjoint(self.excluded_senses):
            return True
        return loosely and any(
            s.id in self.excluded_reached
            for lemma in word.lemmas
            for s in wordnet.senses(lemma, word.pos)
        )


class _Either:
    """What two coverages show together: the words of a cached prompt's things, and those that
    describe one of them. Asked in turn rather than merged, which would copy every sense the
    long prompt reaches once per thing it names."""

    def __init__(self, first: Coverage, second: Coverage) -> None:
        self.first, self.second = first, second

    def shows(self, word: Word, *, describing: bool = False) -> bool:
        return self.first.shows(word, describing=describing) or self.second.shows(
            word, describing=describing
        )


def _own_lemmas(word: Word) -> frozenset[str]:
    """``word``'s lemmas, less those only a verb's form gives a word read as a thing or said of
    one: "a fell landscape" (a fell is a hill) shows no fall of the year, though "fell" is also
    what "fall" did."""
    if word.verb or not (
        word.pos == "n"
        or (
            word.pos is None
            and ("n", word.text) in word.readings
            and not word.text.endswith(("ing", "ed"))  # "glowing letters" glow
        )
    ):
        return word.lemmas
    verbs_only = {lemma for pos, lemma in word.readings if pos == "v"} - {
        lemma for pos, lemma in word.readings if pos != "v"
    }
    return word.lemmas - verbs_only if verbs_only else word.lemmas


def _shown_as(word: Word, index: int, lemma: str, wordnet: WordNet) -> tuple[Pos | None, ...]:
    """The parts of speech whose senses ``word`` (at ``index``) shows: a describing word that
    WordNet knows as an adjective shows only those ("white sand" shows no white person, so it
    cannot show the people a request asks for); a noun that describes another thing shows its
    adjective senses too ("a brave knight" shows a courageous one)."""
    pos = word.pos
    if pos is None and "a" in wordnet.parts_of_speech(lemma):
        return ("a",)
    if pos is None and _a_verb_only(word, lemma) and "noun.time" in wordnet.lexnames(lemma):
        return ("v",)  # "a fallen tree" shows no fall of the year ("cobbled" shows cobbles)
    if describes(word, index):
        return _describing_as(word, lemma, wordnet)
    return (pos,)


def _a_verb_only(word: Word, lemma: str) -> bool:
    """Whether ``word`` has ``lemma`` only as a form of a verb ("fall" of "fallen")."""
    return ("v", lemma) in word.readings and all(
        pos == "v" for pos, other in word.readings if other == lemma
    )


def _asked_as(word: Word, lemma: str, wordnet: WordNet) -> Iterable[tuple[Sense, ...]]:
    """The senses of a request's word that describes another thing, by part of speech: a
    colour's, where the reader could not tell its part of speech, as an adjective and as the
    thing it names first ("an olive tree"), never as one it names after ("a green tram" asks
    for no park, though a park is a green to WordNet)."""
    if word.pos is None and lemma in COLOURS:
        return wordnet.senses(lemma, "a"), wordnet.senses(lemma, "n")[:1]
    return (wordnet.senses(lemma, pos) for pos in _describing_as(word, lemma, wordnet))


def _describing_as(word: Word, lemma: str, wordnet: WordNet) -> tuple[Pos | None, ...]:
    """The parts of speech of a word that describes another thing: a noun's adjective reading
    too."""
    if word.pos == "n" and "a" in wordnet.parts_of_speech(lemma):
        return ("n", "a")
    return (word.pos,)


def describes(word: Word, index: int) -> bool:
    """Whether ``word`` (at ``index``) describes a thing other than itself: an attribute."""
    return word.head is not None and word.head != index and not word.verb


def _union(sets: Iterable[Iterable[SenseId]]) -> frozenset[SenseId]:
    return frozen(chain.from_iterable(sets))
