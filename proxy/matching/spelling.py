"""Misspelt words, mended two ways.

- :func:`correct_typos` mends a pair of prompts for the verifier: a word that is in no dictionary
  is read as the other prompt's word within a small edit distance ("beautifull" as "beautiful").
- :class:`Speller` mends one prompt for the embedding model, against dictionaries alone: a word in
  none becomes the most common English word one edit away (from the word frequencies symspellpy
  ships: "wizzard" is "wizard"), and two words WordNet knows as one are joined ("rain
  bow" is "rainbow", where the frequency list has the joined word too). A typo moves a short
  prompt's embedding far enough to fall below the similarity threshold; mended, it is found, and
  the verifier still decides whether the picture is the same. Only what is embedded changes:
  the canonical prompt, and so every exact hit, keeps the words as they were typed.
"""

from __future__ import annotations

import array
import functools
import importlib.util
import itertools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import marisa_trie
from rapidfuzz.distance import OSA

from proxy.matching.normalise import LOWER_WORD
from proxy.matching.words import COLOURS, FUNCTION_WORDS, SIZES_AGES

__all__ = [
    "Speller",
    "correct_typos",
    "doubled",
    "hyphenated_alike",
    "rarely_meant",
    "rejoined",
    "replace_words",
    "with_parts",
]

SHORTEST = 4
"""Words of fewer letters are never corrected from the word list, and from the other prompt
only by a letter added: too many real words lie one edit apart."""
_DROPPED_ODDS = 100
"""How much less common a word may be than the commonest one edit away, and still be taken for
a misspelling with a letter left out."""
_FREQUENCIES = "frequency_dictionary_en_82_765.txt"
"""The 82,834 most common English words with their counts, as symspellpy ships them."""


class Lexicon(Protocol):
    def knows(self, word: str) -> bool: ...


class Speller:
    """Mends the misspelt words of a prompt (see the module docstring). The word frequencies
    (about 0.2 s to load and 4 MiB) are loaded once per process and shared."""

    def __init__(self, lexicon: Lexicon, known: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        self.known = frozenset(known) | FUNCTION_WORDS
        """Words the lexicon lacks that are words all the same (prepositions, for WordNet)."""
        self._common = _frequencies()
        """The frequency list's words and counts."""
        # Bounded: a long-running proxy remembers the words its prompts use, not every typo.
        self._word = functools.lru_cache(maxsize=16384)(self._mend_word)
        self._pair = functools.lru_cache(maxsize=16384)(self._join)

    def forget(self) -> None:
        """Drop the words remembered from prompts (after entries are deleted)."""
        self._word.cache_clear()
        self._pair.cache_clear()

    def mend(self, text: str) -> str:
        """``text`` with misspelt lower-case words mended and split compounds joined ("rain
        bow", "light-house")."""
        if "-" in text:
            text = _TWO_HYPHENATED.sub(self._unhyphenated, text)
        text = LOWER_WORD.sub(lambda m: self._word(m.group()), text)
        # Overlapping pairs: "a double rain bow" tries "double rain", then "rain bow".
        return _PAIR.sub(lambda m: self._pair(m.group(1), m.group(2)), text)

    def _mend_word(self, word: str) -> str:
        if len(word) < SHORTEST:
            return self._swapped_short(word)
        # The frequency list first: a trie look-up, where WordNet's would try every suffix rule.
        if word in self._common or word in self.known:
            return word
        if self.lexicon.knows(word):
            return word
        # The first letter kept (people rarely mistype it), and a word WordNet knows, not a
        # name or an abbreviation; most common first, then in alphabetical order.
        found = sorted(
            ((term, count) for term, count in self._common.near(word) if self.lexicon.knows(term)),
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

    def _swapped_short(self, word: str) -> str:
        """A three-letter word no dictionary has with its last two letters swapped, where that
        makes a word ("dgo" is "dog", "teh" "the"); any other short word as it is: too many
        real words lie one changed letter apart."""
        if len(word) != 3 or word in self.known or word in self._common or self.lexicon.knows(word):
            return word
        swapped = word[0] + word[2] + word[1]
        if swapped in self.known or (swapped in self._common and self.lexicon.knows(swapped)):
            return swapped
        return word

    def _unhyphenated(self, match: re.Match[str]) -> str:
        """Two words a hyphen joins written as one where that is a common word WordNet knows
        ("light-house" is "lighthouse", "key-board" "keyboard"; not "well-known")."""
        joined = match[1] + match[2]
        return joined if joined in self._common and self.lexicon.knows(joined) else match[0]

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


class Frequencies:
    """The word frequencies symspellpy ships, in a trie: about 4 MiB where SymSpell's own index
    took 17 (its deletes of every word's first four letters), for the same words one edit away
    (checked against SymSpell on 18,049 misspellings of listed words, an ad-hoc script) in about
    the same time, 180 us for a word the list lacks."""

    def __init__(self, path: Path) -> None:
        # Two passes over the 1.6 MB file, streamed: a list of every word held at once would
        # leave about 3 MiB more of the heap behind (measured in a process of its own).
        with path.open(encoding="utf-8") as lines:
            self._words = marisa_trie.Trie(line.split(" ", 1)[0] for line in lines)
        self._counts = array.array("Q", bytes(8 * len(self._words)))
        letters: set[str] = set()
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                word, count = line.split()
                self._counts[self._words[word]] = int(count)
                letters.update(word)
        self._letters = "".join(sorted(letters))

    def __contains__(self, word: object) -> bool:
        return word in self._words

    def count(self, word: str) -> int:
        """How often ``word`` is seen in English (0: not listed)."""
        key = self._words.get(word)
        return 0 if key is None else self._counts[key]

    def near(self, word: str) -> list[tuple[str, int]]:
        """The listed words one edit from ``word`` that keep its first letter, with their
        counts: a letter dropped, added or changed, or two neighbours swapped (the optimal
        string alignment distance, rapidfuzz's ``OSA``, is 1)."""
        found = []
        for candidate in set(_one_edit(word, self._letters)):
            key = self._words.get(candidate)
            if key is not None and OSA.distance(word, candidate) == 1:
                found.append((candidate, self._counts[key]))
        return found


def _one_edit(word: str, letters: str) -> Iterator[str]:
    """The strings one edit from ``word`` after its first letter (some are ``word`` itself,
    which ``Frequencies.near`` leaves out by its distance)."""
    for i in range(1, len(word) + 1):
        head, tail = word[:i], word[i:]
        for letter in letters:
            yield head + letter + tail
        if tail:
            yield head + tail[1:]
            yield from (head + letter + tail[1:] for letter in letters)
            if len(tail) > 1:
                yield head + tail[1] + tail[0] + tail[2:]


@functools.lru_cache(maxsize=1)
def _frequencies() -> Frequencies:
    """The word frequencies, loaded once per process: spellers only look words up in them.
    symspellpy's file is found without importing symspellpy."""
    spec = importlib.util.find_spec("symspellpy")
    folders = spec.submodule_search_locations if spec is not None else None
    path = Path(folders[0]) / _FREQUENCIES if folders else None
    if path is None or not path.is_file():
        raise FileNotFoundError(f"symspellpy's word frequencies are missing: {path}")
    return Frequencies(path)


_TWO_HYPHENATED = re.compile(r"(?<![\w-])([a-z]{2,})-([a-z]{2,})(?![\w-])")
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
    # By first letter, which a misspelling keeps: a prompt of thousands of unknown words is
    # compared with the other's words that could be meant, not with every one.
    starting: dict[str, list[str]] = {}
    for candidate in sorted(candidates):
        starting.setdefault(candidate[0], []).append(candidate)
    split = {a + b: f"{a} {b}" for a, b in itertools.pairwise(other)}
    split.update({w.replace("-", ""): w for w in other if "-" in w})
    corrections = {}
    for word in words:
        letters = word.replace("-", "")
        if "-" in word and letters.isalpha() and letters != word:
            # "sci-fi" where the other prompt says "scifi" or "sci fi"
            found = letters if letters in candidates else split.get(letters)
            if found is not None and found != word:
                corrections[word] = found
            continue
        if len(word) < 3 or not word.isalpha() or word in candidates:
            continue
        meant = doubled(word)
        if meant is not None and meant in candidates:
            corrections[word] = meant  # "cuting" is a form of "cut" to WordNet, but meant as
            continue  # the other prompt's "cutting"
        if known(word):
            continue
        if word in split:
            corrections[word] = split[word]  # "teddybear" is "teddy bear"; "snow-capped"
            continue
        limit = 1 if len(word) <= 6 else 2
        best = None
        for candidate in starting.get(word[0], ()):
            if abs(len(candidate) - len(word)) > limit:
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


RARE = 300_000
"""Words seen fewer times than this in the frequency list (of hundreds of billions) are rare
enough to be taken for a misspelling of a far commoner word one edit away ("sprit", "hokey")."""
_RARER = 30
"""How many times commoner than a rare word the word it is taken for must be: "hokey" (205
thousand) for "hockey" (22 million), "crowed" (90 thousand) for "crowded" (3.2 million), "vouge"
(26 thousand) for "vogue" (2.2 million); not "boar" (900 thousand) for "bear". Only a slip of
the fingers counts (:func:`_slip`), which keeps a lower bar safe."""


def rarely_meant(words: Iterable[str], other: Collection[str]) -> dict[str, str]:
    """For each rare word of ``words`` that ``other`` lacks, the word of ``other`` it mistypes
    (a slip, :func:`_slip`; first letter kept) that is at least ``_RARER`` times as common: "a
    kitsune sprit" meant "spirit", "ice hokey" "hockey". A word WordNet knows is otherwise read
    as its own word, so two prompts that differ only by a typo that happens to spell a word
    differ. At most ``_MOST_RARE`` rare words are looked at: a prompt has a few typos, not
    thousands."""
    frequencies = _frequencies()
    words = list(words)
    said = set(words)
    found: dict[str, str] = {}
    looked = 0
    for word in words:
        if len(word) <= SHORTEST or word in other or not word.isalpha() or word in found:
            continue
        seen = frequencies.count(word)
        if seen >= RARE:
            continue
        looked += 1
        if looked > _MOST_RARE:
            break
        for candidate in _one_edit(word, _LETTERS):
            if (
                candidate in other
                and candidate not in said  # a prompt that says both means both
                and _slip(word, candidate)
                and frequencies.count(candidate) >= _RARER * max(seen, 1)
            ):
                found[word] = candidate
                break
    return found


def _slip(word: str, meant: str) -> bool:
    """Whether ``word`` is ``meant`` typed with a slip of the fingers rather than another
    word: a letter left out ("sprit"), two letters swapped ("sials") or one doubled
    ("lemmons"); not a letter changed ("woolen" is no "wooden", "harpy" no "happy") nor added
    ("writhing", "krill", "coati"), which make other words as often as they mistype one."""
    if len(word) == len(meant) - 1:
        return True
    if len(word) == len(meant):
        return _swapped(word, meant)
    return len(word) == len(meant) + 1 and any(
        word[k] == word[k + 1] and word[:k] + word[k + 1 :] == meant for k in range(len(word) - 1)
    )


_MOST_RARE = 16
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def rejoined(
    words: Sequence[str], unknown: Collection[str], other: Iterable[str]
) -> dict[str, str]:
    """Each two words of ``words``, one of them in ``unknown``, that ``other`` writes as one
    word, closed up or hyphenated ("sci fi" where it says "sci-fi" or "scifi"), -> that word.
    Two words that are both known stay apart: "cat walk" is no "catwalk"."""
    closed = {w.replace("-", ""): w for w in other if w[:1].isalpha()}
    return {
        f"{first} {second}": closed[first + second]
        for first, second in itertools.pairwise(words)
        if (first in unknown or second in unknown)
        and first.isalpha()
        and second.isalpha()
        and first + second in closed
    }


def hyphenated_alike(request: str, asked: Sequence[str], cached: Sequence[str]) -> str:
    """``request`` with words hyphenated as the cached prompt writes them: "wind up dolls" where
    it says "wind-up dolls", "a black and white photo" where it says "black-and-white photo",
    and apart where it writes them apart. ``asked`` and ``cached`` are the two prompts' words
    (the reader's ``sequence``). A hyphen joins words into one (WordNet's "windup", a noun)
    that the same words apart are not ("wind" a verb); both are one spelling where the same word
    follows them, or both end a tag. Elsewhere the words apart say something else: "a hand made
    of clay" is no "hand-made clay pot", "a man eating a shark" no "man-eating shark".
    ``request`` itself where nothing changes."""
    respelt = request
    for word in _hyphenated(cached) - set(asked):
        parts = word.split("-")
        for after in _after(cached, [word]) & _after(asked, parts):
            respelt = re.sub(_written(parts, after), word, respelt, flags=re.IGNORECASE)
    for word in _hyphenated(asked) - set(cached):
        parts = word.split("-")
        for after in _after(asked, [word]) & _after(cached, parts):
            respelt = re.sub(_written([word], after), " ".join(parts), respelt, flags=re.IGNORECASE)
    return respelt


_HYPHENATED = re.compile(r"[a-z]+(?:-[a-z]+){1,3}")
"""A word of two to four parts joined by hyphens."""
_TAG_END = ""
"""What follows words that end a tag or the prompt (a comma, a full stop, nothing)."""


def _hyphenated(words: Sequence[str]) -> set[str]:
    return {word for word in words if "-" in word and _HYPHENATED.fullmatch(word)}


def _after(words: Sequence[str], parts: Sequence[str]) -> set[str]:
    """The words that follow ``parts`` where ``words`` has them one after another
    (``_TAG_END`` for punctuation or the end)."""
    n, first, whole = len(parts), parts[0], tuple(parts)
    found = set()
    for i in range(len(words) - n + 1):
        if words[i] == first and tuple(words[i : i + n]) == whole:
            following = words[i + n] if i + n < len(words) else ""
            found.add(following if following[:1].isalnum() else _TAG_END)
    return found


def _written(parts: Sequence[str], after: str) -> str:
    """A pattern for ``parts`` written apart, each a word of its own, where ``after`` follows."""
    following = rf"\s+{re.escape(after)}(?![\w-])" if after else r"\s*(?:[,.;:|]|$)"
    return (
        r"(?<![\w-])"
        + r"\s+".join(re.escape(part) for part in parts)
        + rf"(?![\w-])(?={following})"
    )


def doubled(word: str) -> str | None:
    """``word`` with the consonant before its "-ing" or "-ed" doubled, as English spells it
    after a short vowel ("cuting" -> "cutting", "stoped" -> "stopped"); None for other words."""
    for ending in ("ing", "ed"):
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 2 and stem[-1] not in _NOT_DOUBLED:
            return stem + stem[-1] + ending
    return None


_NOT_DOUBLED = frozenset("aeiouwxy")


def _swapped(word: str, candidate: str) -> bool:
    """Whether ``candidate`` has ``word``'s letters, in another order: within the one edit
    checked after, two letters side by side swapped."""
    return len(word) == len(candidate) and sorted(word) == sorted(candidate)


def with_parts(words: Sequence[str]) -> list[str]:
    """``words``, and the parts of the compounds among them ("wedding_cake": "wedding"; the
    "soaked" of "rain-soaked")."""
    return [
        *words,
        *(part for word in words if "_" in word or "-" in word for part in _PARTS.split(word)),
    ]


_PARTS = re.compile(r"[_-]")


def replace_words(text: str, replacements: dict[str, str]) -> str:
    """``text`` with each word, or two words a space apart, that is a key of ``replacements``
    (in lower case) replaced by its value: one pass, however many there are (a prompt of
    thousands of misspelt words took seconds with a pass each)."""
    if not replacements:
        return text
    pieces: list[str] = []
    start = 0
    words = list(_WORD.finditer(text))
    i = 0
    while i < len(words):
        word = words[i]
        after = words[i + 1] if i + 1 < len(words) else None
        if after is not None and text[word.end() : after.start()] == " ":
            both = replacements.get(f"{word.group().lower()} {after.group().lower()}")
            if both is not None:
                pieces += (text[start : word.start()], both)
                start, i = after.end(), i + 2
                continue
        one = replacements.get(word.group().lower())
        if one is None and "-" in word.group():  # "rain-saoked": its part mended
            parts = word.group().split("-")
            mended = [replacements.get(part.lower(), part) for part in parts]
            one = "-".join(mended) if mended != parts else None
        if one is not None:
            pieces += (text[start : word.start()], one)
            start = word.end()
        i += 1
    pieces.append(text[start:])
    return "".join(pieces)


_WORD = re.compile(r"[\w-]+")
