"""Misspelt words, mended two ways.

- :func:`correct_typos` mends a pair of prompts for the verifier: a word that is in no dictionary
  is read as the other prompt's word within a small edit distance ("beautifull" as "beautiful").
- :class:`Speller` mends one prompt for the embedding model, against dictionaries alone: a word in
  none becomes the most common English word one edit away (SymSpell, with the word frequencies
  symspellpy ships: "wizzard" is "wizard"), and two words WordNet knows as one are joined ("rain
  bow" is "rainbow", where the frequency list has the joined word too). A typo moves a short
  prompt's embedding far enough to fall below the similarity threshold; mended, it is found, and
  the verifier still decides whether the picture is the same. Only what is embedded changes:
  the canonical prompt, and so every exact hit, keeps the words as they were typed.
"""

from __future__ import annotations

import functools
import importlib.resources
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from rapidfuzz.distance import OSA
from symspellpy import SymSpell, Verbosity

from proxy.matching.normalise import LOWER_WORD
from proxy.matching.words import COLOURS, FUNCTION_WORDS, SIZES_AGES

__all__ = ["Speller", "correct_typos"]

SHORTEST = 4
"""Words of fewer letters are never corrected from the word list, and from the other prompt
only by a letter added: too many real words lie one edit apart."""
_DROPPED_ODDS = 100
"""How much less common a word may be than the commonest one edit away, and still be taken for
a misspelling with a letter left out."""
_FREQUENCIES = "frequency_dictionary_en_82_765.txt"
"""The 82,765 most common English words with their counts, as symspellpy ships them."""


class Lexicon(Protocol):
    def knows(self, word: str) -> bool: ...


class Speller:
    """Mends the misspelt words of a prompt (see the module docstring). The word frequencies
    (about 0.25 s to load and 17 MB) are loaded once per process and shared."""

    def __init__(self, lexicon: Lexicon, known: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        self.known = frozenset(known) | FUNCTION_WORDS
        """Words the lexicon lacks that are words all the same (prepositions, for WordNet)."""
        self.symspell = _frequencies()
        self._common: dict[str, int] = self.symspell.words
        """The frequency list's words (and counts)."""
        # Bounded: a long-running proxy remembers the words its prompts use, not every typo.
        self._word = functools.lru_cache(maxsize=16384)(self._mend_word)
        self._pair = functools.lru_cache(maxsize=16384)(self._join)

    def forget(self) -> None:
        """Drop the words remembered from prompts (after entries are deleted)."""
        self._word.cache_clear()
        self._pair.cache_clear()

    def mend(self, text: str) -> str:
        """``text`` with misspelt lower-case words mended and split compounds joined."""
        text = LOWER_WORD.sub(lambda m: self._word(m.group()), text)
        # Overlapping pairs: "a double rain bow" tries "double rain", then "rain bow".
        return _PAIR.sub(lambda m: self._pair(m.group(1), m.group(2)), text)

    def _mend_word(self, word: str) -> str:
        # The frequency list first: a dict look-up, where WordNet's would try every suffix rule.
        if len(word) < SHORTEST or word in self._common or word in self.known:
            return word
        if self.lexicon.knows(word):
            return word
        suggestions = self.symspell.lookup(
            word, Verbosity.CLOSEST, max_edit_distance=1, transfer_casing=False
        )
        if any(suggestion.distance == 0 for suggestion in suggestions):
            return word  # a word after all: a name ("greg"), or one WordNet lacks
        # The first letter kept (people rarely mistype it), and a word WordNet knows, not a
        # name or an abbreviation; most common first, ties in alphabetical order (SymSpell's
        # own order of equally common words depends on how it files them).
        found = sorted(
            (
                (str(s.term), s.count)
                for s in suggestions
                if s.term[0] == word[0] and self.lexicon.knows(s.term)
            ),
            key=lambda term_count: (-term_count[1], term_count[0]),
        )
        if not found:
            return word
        terms = {term for term, _ in found}
        for i in range(len(word) - 1):
            if word[i] == word[i + 1] and word[:i] + word[i + 1 :] in terms:
                return word[:i] + word[i + 1 :]  # a letter typed twice: "beautifull"
        # A letter left out is the commonest slip: "medival" is "medieval", though "medical",
        # a letter changed, is 19 times as common.
        dropped = [(term, count) for term, count in found if len(term) == len(word) + 1]
        if dropped and dropped[0][1] * _DROPPED_ODDS >= found[0][1]:
            return dropped[0][0]
        return found[0][0]

    def _join(self, first: str, second: str) -> str:
        """``first`` and the space after it, or ``first`` alone where it makes one word with
        ``second`` (which follows in the text)."""
        if (
            first in _NOT_JOINED
            or second in FUNCTION_WORDS
            or first + second not in self._common  # most pairs stop here, at a dict look-up
            or self.lexicon.knows(f"{first}_{second}")  # "hot dog" is a word as it is
            or not self.lexicon.knows(first + second)
        ):
            return f"{first} "
        return first


@functools.lru_cache(maxsize=1)
def _frequencies() -> SymSpell:
    """The word frequencies, loaded once per process: spellers only look words up in them.

    Each word is filed under its first four letters and those less one (SymSpell's prefix):
    16 MiB instead of 25 with five letters (tracemalloc), for the same answers on 39,867
    words one edit from a listed one (an ad-hoc script); a look-up that misses the list takes
    about 160 us instead of 70, once per word a proxy sees (they are remembered)."""
    symspell = SymSpell(max_dictionary_edit_distance=1, prefix_length=4)
    with importlib.resources.as_file(
        importlib.resources.files("symspellpy") / _FREQUENCIES
    ) as path:
        if not symspell.load_dictionary(path, term_index=0, count_index=1):
            raise FileNotFoundError(f"symspellpy's word frequencies are missing: {path}")
    return symspell


_PAIR = re.compile(r"(?<![\w'-])([a-z]{3,}) (?=([a-z]{3,})(?![\w'-]))")
_NOT_JOINED = FUNCTION_WORDS | (COLOURS | SIZES_AGES) - {"light"}
"""First words that describe the second rather than form a word with it ("black bird"); as in
the reader, "light" may ("light house")."""


def correct_typos(
    words: Sequence[str], other: Iterable[str], known: Callable[[str], bool]
) -> dict[str, str]:
    """For each word of ``words`` that ``known`` does not know, the word of ``other`` it is
    most likely a misspelling of: within one edit (a letter added, dropped, changed or two
    swapped) for words of up to six letters, two for longer ones ("bycicle"), with the first
    letter kept. Words of under four letters are corrected only to the same word with a letter
    added ("hil" to "hill") or two letters swapped ("dgo" to "dog"): too many real words lie
    one changed letter apart."""
    other = list(other)
    candidates = {w for w in other if w.isalpha() and len(w) >= 3}
    split = {a + b: f"{a} {b}" for a, b in itertools.pairwise(other)}
    split.update({w.replace("-", ""): w for w in other if "-" in w})
    corrections = {}
    for word in words:
        if len(word) < 3 or not word.isalpha() or word in candidates or known(word):
            continue
        if word in split:
            corrections[word] = split[word]  # "teddybear" is "teddy bear"; "snow-capped"
            continue
        limit = 1 if len(word) <= 6 else 2
        best = None
        for candidate in candidates:
            if candidate[0] != word[0] or abs(len(candidate) - len(word)) > limit:
                continue
            if len(word) < SHORTEST and not (
                len(candidate) == len(word) + 1 or _swapped(word, candidate)
            ):
                continue
            distance = OSA.distance(word, candidate, score_cutoff=limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, candidate)
        if best is not None:
            corrections[word] = best[1]
    return corrections


def _swapped(word: str, candidate: str) -> bool:
    """Whether ``candidate`` has ``word``'s letters, in another order: within the one edit
    checked after, two letters side by side swapped."""
    return len(word) == len(candidate) and sorted(word) == sorted(candidate)
