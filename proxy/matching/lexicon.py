"""English word knowledge for the verifier, read from Princeton WordNet 3.0's own database files.

Debian's ``wordnet-base`` package installs them in ``/usr/share/wordnet`` (``make setup`` installs
it; other systems ship the same files, for example Homebrew's ``wordnet``). Nothing is downloaded.

The index files (one line per lemma, about 12 MB) are scanned when the lexicon opens, keeping only
every lemma's place (:class:`_Tables`); a lemma's line is read when it is asked for. Synsets are
read on demand from the data files by their byte offset, which is what a WordNet synset id is.
Both are cached: a running proxy touches a few thousand lemmas and synsets, not the 150,000 and
117,000 that exist.

What the verifier asks of it:

- ``lemmas(word)``: the dictionary forms of a word, by WordNet's ``morphy`` rules and exception
  lists ("people" -> "person", "sitting" -> "sit", "wooden" stays "wooden");
- ``senses(lemma)`` and ``covers(general, specific)``: whether an image of ``specific`` also shows
  ``general``: the same sense ("couch", "sofa"), a hypernym ("dog" covers "puppy", "person" covers
  "woman"), an adjective's head sense ("large" covers "huge"), or the noun an adjective pertains
  to ("wood" covers "wooden"). A verb's hypernym counts one level up only ("cut" covers
  "slice"), and each word is read as the part of speech the prompt gives it.

Only each lemma's most frequent senses count: WordNet also lists "dog" as a frump and as a man
("you lucky dog"), and letting those senses count would let a dog's image serve a person.
"""

from __future__ import annotations

import array
import functools
import itertools
import logging
import mmap
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import marisa_trie

__all__ = [
    "DEFAULT_WORDNET_DIR",
    "NOTHING",
    "Pos",
    "Sense",
    "SenseId",
    "WordNet",
    "frozen",
    "reaches",
]

log = logging.getLogger(__name__)

DEFAULT_WORDNET_DIR = Path("/usr/share/wordnet")

Pos = Literal["n", "v", "a", "r"]
_FILES: dict[Pos, str] = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
_PARTS: tuple[Pos, ...] = tuple(_FILES)
SenseId = int
"""A synset as one int: its byte offset in its part of speech's data file, shifted left two bits,
and the part of speech's place in ``_PARTS`` in those two bits (see :func:`sense_id`)."""
_VERB_PART = _PARTS.index("v")
# Lexicographer file numbers (lex_filenum), WordNet 3.0's fixed list of 45.
LEXNAMES = [
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
]
# morphy's detachment rules: inflected suffix -> base suffix, per part of speech.
_SUFFIXES: dict[Pos, tuple[tuple[str, str], ...]] = {
    "n": (
        ("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
        ("men", "man"), ("ies", "y"),
    ),
    "v": (
        ("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"),
        ("ing", ""),
    ),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}  # fmt: skip
# Pointers followed upward from a sense: hypernyms and instance hypernyms (a dog is a canine).
_UP = frozenset({"@", "@i"})
# A verb's hypernyms soon reach "be", "make", "move" or "change", which cover nearly every
# verb: only its direct hypernym counts ("slice" -> "cut"). A noun's whole chain counts ("dog" ->
# "animal").
VERB_HYPERNYM_DEPTH = 1
# Senses that count per part of speech (see _counted_senses). Verbs split one action into many fine
# senses ("play" a game, an instrument, a role), so more of theirs count.
TOP_SENSES: dict[Pos, int] = {"n": 2, "v": 4, "a": 2, "r": 2}
# Pointers followed one step: an adjective satellite's head ("huge" -> "large") and a pertainym
# ("wooden" -> "wood"). Derivations are not: they are links between single words, not senses,
# and following them would let the noun "dog" cover "chase" (the verb "dog" means chase).
_SIDEWAYS = frozenset({"&", "\\"})
_FOLLOWED = _UP | _SIDEWAYS
"""The pointers a sense keeps: an upper noun has hundreds of others (its hyponyms), which
reading it would parse for nothing."""


T = TypeVar("T")
NOTHING: frozenset[Any] = frozenset()


def frozen(items: Iterable[T]) -> frozenset[T]:
    """``frozenset(items)``, or the one shared empty set when there are none: Python makes a new
    empty frozenset each time, and the garbage collector walks every one the caches keep (tens
    of thousands, which made its passes the slowest part of a check)."""
    found = frozenset(items)
    return found if found else NOTHING


@dataclass(frozen=True, slots=True)
class Sense:
    """One synset, as far as the verifier needs it."""

    id: SenseId
    """``sense_id(pos, offset)``: its part of speech and its offset in that data file."""
    lexname: str
    satellite: bool
    """An adjective satellite ("huge"), whose ``&`` pointer leads to its head ("large")."""
    pointers: tuple[tuple[str, SenseId], ...]
    """(symbol, synset) of every pointer the verifier follows (``_FOLLOWED``)."""
    words: tuple[str, ...] = ()
    """The synset's words, lower-case ("dining_table", "board")."""


def sense_id(pos: Pos, offset: int) -> SenseId:
    """The synset at ``offset`` of ``pos``'s data file, as one int. The sets of senses a cache
    keeps hold tens of thousands of them: an int is stored once per synset read and hashes
    faster than the (part of speech, offset) pair it replaces, which each set held a copy of."""
    return offset << 2 | _PARTS.index(pos)


@dataclass(frozen=True, slots=True, eq=False)
class _Tables:
    """Where each lemma's line is in the index files, and the exception lists, of one folder.

    Every lemma and irregular form is kept once, in a trie (``forms``, MARISA's: about 1 MiB
    for the 152,385 of them), with one int per part of speech saying where its line starts in
    that index file. As a sorted tuple of Python strings the forms took 11 MiB more; parsed into
    dicts of every lemma's senses and tag counts, the index files took 33 MiB, for the few
    thousand lemmas a proxy's prompts use."""

    forms: marisa_trie.Trie
    """Every lemma and every irregular form; a form's key id numbers it in :attr:`lines`."""
    lines: dict[Pos, array.array[int]]
    """Per part of speech, where form ``i``'s line starts in its index file (-1: none)."""
    exceptions: dict[Pos, dict[str, tuple[str, ...]]]

    def place(self, form: str) -> int:
        """The key id of ``form`` in :attr:`forms`, or -1 when it is not there."""
        if "\0" in form:  # MARISA's look-up stops at a NUL: "dog\0" would be found as "dog"
            return -1
        try:
            found: int | None = self.forms.get(form)
        except UnicodeEncodeError:  # a lone surrogate, which no form holds
            return -1
        return -1 if found is None else found

    def line(self, pos: Pos, lemma: str) -> int:
        """Where ``lemma``'s line starts in ``pos``'s index file, or -1 when it has none."""
        at = self.place(lemma)
        return self.lines[pos][at] if at >= 0 else -1

    def starts(self, prefix: str) -> bool:
        """Whether some lemma or irregular form starts with ``prefix``."""
        try:
            return next(self.forms.iterkeys(prefix), None) is not None
        except UnicodeEncodeError:
            return False


@functools.lru_cache(maxsize=4)
def _read_tables(root: Path, version: tuple[tuple[int, int, int], ...]) -> _Tables:
    """The tables of the folder ``root``, read once per process (about 0.3 s) for each
    ``version`` of its index files (:func:`_version`): every lexicon opened on the same files
    reads them, and none changes them; files replaced meanwhile (a package upgraded) are read
    again, so that a lexicon's places are those of the files it maps."""
    starts = {pos: _line_starts(root / f"index.{name}") for pos, name in _FILES.items()}
    exceptions = {pos: _read_exceptions(root / f"{name}.exc") for pos, name in _FILES.items()}
    forms = marisa_trie.Trie(itertools.chain(*starts.values(), *exceptions.values()))
    lines = {pos: array.array("i", [-1]) * len(forms) for pos in starts}
    for pos, found in starts.items():
        for form, at in found.items():
            lines[pos][forms[form]] = at
    return _Tables(forms, lines, exceptions)


def _version(root: Path) -> tuple[tuple[int, int, int], ...]:
    """Which index files are in ``root``: each one's inode, size and time of change."""
    found = (os.stat(root / f"index.{name}") for name in _FILES.values())
    return tuple((f.st_ino, f.st_size, f.st_mtime_ns) for f in found)


@functools.lru_cache(maxsize=4)
def _compound_starts(tables: _Tables) -> frozenset[str]:
    return frozenset(
        form.split("_", 1)[0]
        for form, at in tables.forms.iteritems()
        if "_" in form and any(lines[at] >= 0 for lines in tables.lines.values())
    )


_STEM = max(len(suffix) for rules in _SUFFIXES.values() for suffix, _ in rules)
"""The most letters a suffix rule takes off: a word's lemma keeps all of its letters before."""


def reaches(senses: Sequence[Sense], reached: frozenset[SenseId]) -> bool:
    """Whether one of a word's ``senses`` is among the senses ``reached`` from the words of a
    prompt: the word is shown. Not through a quality alone where the word first names a thing:
    "a palette" (of colours) is a range, as "compass" is in its second sense, but the compass
    asked for is the instrument."""
    matched = [sense for sense in senses if sense.id in reached]
    return bool(matched) and (
        senses[0].lexname != "noun.artifact"
        or any(sense.lexname != "noun.attribute" for sense in matched)
    )


class WordNet:
    """Read-only access to one WordNet database folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tables = _read_tables(root, _version(root))
        self.compound_starts = _compound_starts(self._tables)
        """First words of WordNet's multi-word entries ("hot" of "hot_dog")."""
        self._index = {pos: _map(root / f"index.{name}") for pos, name in _FILES.items()}
        self._data = {pos: _map(root / f"data.{name}") for pos, name in _FILES.items()}
        # Bound per instance, so two lexicons never share entries; bounded in size, so a
        # long-running proxy keeps the few thousand words its prompts use, not all of WordNet.
        self.lemmas = functools.lru_cache(maxsize=16384)(self._lemmas)
        self.closure = functools.lru_cache(maxsize=16384)(self._closure)
        self.ancestors = functools.lru_cache(maxsize=16384)(self._ancestors)
        self.senses = functools.lru_cache(maxsize=16384)(self._senses)
        self._sense = functools.lru_cache(maxsize=16384)(self._read_sense)
        self.parts_of_speech = functools.lru_cache(maxsize=16384)(self._parts_of_speech)
        self.lexnames = functools.lru_cache(maxsize=16384)(self._lexnames)
        self._entry = functools.lru_cache(maxsize=16384)(self._read_entry)

    @classmethod
    def open(cls, root: Path) -> WordNet | None:
        """The lexicon in ``root``, or None (with a warning) when its files are missing or
        cannot be read."""
        problem = None
        if (root / "index.noun").is_file():
            try:
                return cls(root)
            except (OSError, ValueError) as error:  # an empty file, bytes not UTF-8
                problem = f"WordNet in {root} cannot be read ({error})"
        log.warning(
            "%s (install Debian's wordnet-base, or set --wordnet-dir): the verifier accepts "
            "only identical words, so fewer rewordings are served from the cache",
            problem or f"WordNet not found in {root}",
        )
        return None

    def close(self) -> None:
        for data in (*self._index.values(), *self._data.values()):
            data.close()

    def knows(self, word: str) -> bool:
        return bool(self.lemmas(word))

    def might_know(self, word: str) -> bool:
        """False when no form WordNet has starts like ``word`` (but for the letters a suffix
        rule takes off): ``word`` is surely unknown. Not remembered, unlike :meth:`lemmas`: a
        prompt's every pair of words is tried as a compound, and remembering those would push
        the words it uses out of :meth:`lemmas`' memory."""
        word = _entry_form(word)
        return self._tables.starts(word[: len(word) - _STEM])

    def _parts_of_speech(self, word: str) -> frozenset[Pos]:
        return frozen(pos for pos, _ in self.lemmas(word))

    def _lemmas(self, word: str) -> tuple[tuple[Pos, str], ...]:
        """(part of speech, lemma) for every reading of ``word`` WordNet knows, nouns first."""
        word = _entry_form(word)
        tables = self._tables
        if not tables.starts(word[: len(word) - _STEM]):
            return ()
        found: list[tuple[Pos, str]] = []
        places: dict[str, int] = {}  # a form is looked for once, though tried as several parts
        for pos in _FILES:
            lines = tables.lines[pos]
            bases = [word, *tables.exceptions[pos].get(word, ())]
            bases += [
                word[: -len(suffix)] + base
                for suffix, base in _SUFFIXES[pos]
                if word.endswith(suffix)
                and len(word) > len(suffix) + 1
                and not (suffix == "s" and word.endswith("sss"))  # "dresss": a typo, no plural
            ]
            for base in bases:
                at = places.get(base)
                if at is None:
                    at = places[base] = tables.place(base)
                if at >= 0 and lines[at] >= 0 and (pos, base) not in found:
                    found.append((pos, base))
        return tuple(found)

    def _senses(self, word: str, pos: Pos | None = None) -> tuple[Sense, ...]:
        """The most frequent senses of every reading of ``word`` (of one part of speech)."""
        return tuple(
            self._sense(sense_id(reading_pos, offset))
            for reading_pos, lemma in self.lemmas(word)
            if pos is None or reading_pos == pos
            for offset in self._entry(reading_pos, lemma)[1]
        )

    def usually(self, word: str, pos: Pos, other: Pos) -> bool:
        """Whether ``word`` is at least as common as ``pos`` as as ``other``, by how many of
        its senses of each WordNet's sense-tagged corpus saw ("plays": verb; "prints": both
        alike; "pillows": noun)."""

        def seen(part: Pos) -> int:
            return max(
                (self._entry(part, lemma)[0] for p, lemma in self.lemmas(word) if p == part),
                default=-1,
            )

        return seen(pos) >= seen(other) and seen(pos) >= 0

    def _lexnames(self, word: str) -> frozenset[str]:
        return frozen(sense.lexname for sense in self.senses(word))

    def covers(
        self,
        general: str,
        specific: str,
        general_pos: Pos | None = None,
        specific_pos: Pos | None = None,
    ) -> bool:
        """Whether an image of ``specific`` also shows ``general`` (see the module docstring),
        each word read as the given part of speech (None: any). Parts of speech matter: the
        verb "dog" means "chase", the noun does not."""
        return reaches(self.senses(general, general_pos), self.closure(specific, specific_pos))

    def _closure(self, word: str, pos: Pos | None = None) -> frozenset[SenseId]:
        """The senses of ``word``, their hypernyms (a verb's direct ones only), and one sideways
        step."""
        reached: set[SenseId] = set()
        frontier = [sense.id for sense in self.senses(word, pos)]
        for found in frontier:
            sense = self._sense(found)
            for symbol, target in sense.pointers:
                if symbol in _SIDEWAYS and (symbol != "&" or sense.satellite):
                    reached.add(target)
        endings = _endings(word)
        named = frozen(sense.id for ending in endings for sense in self.senses(ending, "n"))
        climbing = [(found, 0) for found in frontier]
        passed: set[SenseId] = set()
        while climbing:
            found, depth = climbing.pop()
            sense = self._sense(found)
            ends_with = endings.intersection(sense.words) if depth == 1 else ()
            if ends_with:
                # "dining_table" -> "table" in its third sense: a dining table is a table in
                # the senses "table" is read as, too
                reached.add(found)
                reached.update(
                    s.id
                    for w in ends_with
                    for s in self.senses(w, "n")
                    if s.lexname != "noun.time" or s.lexname == sense.lexname
                )  # but a "hot_spring" is no "spring" of the year
            elif depth == 1 and sense.lexname == "noun.artifact" and found not in named:
                passed.add(found)  # "kettle" -> "pot": climbed through, not reached
            else:
                reached.add(found)
            if found & 3 == _VERB_PART and depth >= VERB_HYPERNYM_DEPTH:
                continue
            climbing.extend(
                (target, depth + 1)
                for symbol, target in sense.pointers
                if symbol in _UP and target not in reached and target not in passed
            )
        if pos != "v":
            for general in _ALSO_A.get(word, ()):
                reached.update(sense.id for sense in self.senses(general, "n"))
        return frozen(reached)

    def _ancestors(self, word: str, pos: Pos) -> frozenset[SenseId]:
        """Every sense above ``word``'s senses as ``pos``, however far: what it is a kind of
        ("dress" is clothing, two steps up, which :meth:`closure` climbs through but does not
        keep)."""
        reached: set[SenseId] = set()
        climbing = [sense.id for sense in self.senses(word, pos)]
        while climbing:
            sense = self._sense(climbing.pop())
            for symbol, target in sense.pointers:
                if symbol in _UP and target not in reached:
                    reached.add(target)
                    climbing.append(target)
        return frozen(reached)

    def pertaining(self, word: str) -> tuple[Sense, ...]:
        """The senses of the nouns an adjective ``word`` pertains to: the robot of "robotic",
        the volcano of "volcanic"."""
        return tuple(
            self._sense(target)
            for sense in self.senses(word, "a")
            for symbol, target in sense.pointers
            if symbol == "\\"
        )

    def is_a(self, word: str, kind: str) -> bool:
        """Whether a noun ``word`` names ``kind`` (a noun) or a kind of it: "dress" of clothing,
        "spectacles" of spectacles."""
        above = self.ancestors(word, "n")
        own = {sense.id for sense in self.senses(word, "n")}
        return any(sense.id in above or sense.id in own for sense in self.senses(kind, "n"))

    def _read_entry(self, pos: Pos, lemma: str) -> tuple[int, tuple[int, ...]]:
        """How many of ``lemma``'s senses as ``pos`` WordNet's sense-tagged corpus saw, a rough
        measure of how common it is as that part of speech; and the synset offsets of its
        senses that count (:func:`_counted_senses`), most frequent first. ``lemma`` is one that
        :meth:`lemmas` found."""
        data, at = self._index[pos], self._tables.line(pos, lemma)
        fields = _line(data, at).split()
        pointer_count = int(fields[3])
        tagged = int(fields[5 + pointer_count])
        counted = min(_counted_senses(pos, tagged), _ONLY_SENSES.get((lemma, pos), TOP_SENSES[pos]))
        offsets = fields[6 + pointer_count : 6 + pointer_count + counted]
        return tagged, tuple(int(offset) for offset in offsets)

    def _read_sense(self, found: SenseId) -> Sense:
        pos, offset = _PARTS[found & 3], found >> 2
        data = self._data[pos]
        line = _line(data, offset)
        fields = line.split(" | ", 1)[0].split()
        word_count = int(fields[3], 16)
        at = 4 + 2 * word_count
        pointer_count = int(fields[at])
        end = at + 1 + 4 * pointer_count
        symbols = fields[at + 1 : end : 4]
        followed = itertools.compress(
            zip(symbols, fields[at + 3 : end : 4], fields[at + 2 : end : 4], strict=True),
            map(_FOLLOWED.__contains__, symbols),
        )
        pointers = tuple(
            (symbol, sense_id(_pos(part), int(target))) for symbol, part, target in followed
        )
        words = tuple(fields[4 + 2 * i].lower() for i in range(word_count))
        lexname = LEXNAMES[int(fields[1])]
        return Sense(found, lexname, fields[2] == "s", pointers, words)


def _entry_form(word: str) -> str:
    """``word`` as WordNet writes its entries: lower-case, words joined by "_"."""
    return word.lower().replace(" ", "_").replace("-", "_")


def _endings(word: str) -> frozenset[str]:
    """The words ``word`` may end with ("chair" in "armchair", "table" in "dining_table")."""
    word = _entry_form(word)
    return frozen(
        word[start:].lstrip("_")
        for start in range(1, len(word) - 2)
        if word[start - 1] == "_" or start >= 3
    )


def _pos(symbol: str) -> Pos:
    return "a" if symbol == "s" else symbol  # type: ignore[return-value]


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.startswith("  "):  # the licence header
                yield line


_ONLY_SENSES: dict[tuple[str, Pos], int] = {("couple", "n"): 1}
"""Lemmas whose counted senses stop earlier than :func:`_counted_senses` says: a couple is two
people, while its second sense, a married couple, is filed under "family", which a picture of
two people does not show."""


_ALSO_A = {"boy": ("child",), "girl": ("child",)}
"""Nouns WordNet files under another kind than one they are, read as that kind too: a boy is a
child (WordNet makes him a male person only), so "a boy" serves "a kid", not the reverse."""


def _counted_senses(pos: Pos, tagged: int) -> int:
    """How many of a lemma's senses count, most frequent first, when the sense-tagged corpus saw
    ``tagged`` of them: those among ``TOP_SENSES`` seen at least once in it; a lemma never seen
    there keeps its first sense only. So "dog" is the animal alone, while "man" keeps "adult
    male" and "man" as mankind."""
    return min(TOP_SENSES[pos], max(1, tagged))


def _line_starts(path: Path) -> dict[str, int]:
    """Lemma -> where its line starts in the index file ``path``."""
    starts = {}
    with path.open("rb") as f:
        at = 0
        for line in f:
            if not line.startswith(b"  "):  # the licence header
                starts[line.split(None, 1)[0].decode("utf-8")] = at
            at += len(line)
    return starts


def _line(data: mmap.mmap, at: int) -> str:
    """The line of ``data`` that starts at ``at`` (the last one may have no line break)."""
    end = data.find(b"\n", at)
    return data[at : end if end >= 0 else len(data)].decode("utf-8")


def _map(path: Path) -> mmap.mmap:
    with path.open("rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _read_exceptions(path: Path) -> dict[str, tuple[str, ...]]:
    """Irregular form -> its base forms ("mice" -> "mouse")."""
    return {fields[0]: tuple(fields[1:]) for fields in _split(_lines(path)) if len(fields) > 1}


def _split(lines: Iterable[str]) -> Iterator[list[str]]:
    for line in lines:
        yield line.split()
