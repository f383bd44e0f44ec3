"""Words written as one: WordNet's multi-word entries joined ("hot dog", "teddy bear"), two words
closed up where WordNet writes them as one ("sail boat" is "sailboat"), and hyphenated words read
as their spaced form is. The reader's first pass over a prompt's tokens."""

from __future__ import annotations

from collections.abc import Sequence

from proxy.matching.lexicon import Pos, WordNet
from proxy.matching.synonyms import SYNONYMS
from proxy.matching.words import COLOURS, FUNCTION_WORDS, NUMBERS, SIZES_AGES

__all__ = ["DESCRIBING", "after_one", "join_compounds", "opening"]

DESCRIBING = (
    COLOURS | SIZES_AGES | {"empty", "open", "closed", "wooden", "golden", "tropical"}
) - {
    "baby", "adult", "child", "kid", "kids", "teen", "teenager", "toddler", "infant", "elder",
    "senior", "juvenile", "giant",
}  # fmt: skip
"""Describing words, never a thing of their own ("a giant" may be one, as "a baby" is)."""
_SIZES = DESCRIBING | {"giant"}
"""Describing words, and "giant", which names a being too ("a frost giant"): never the first
word of a joined entry ("a giant panda" is a huge one, as WordNet's "giant_panda" is not)."""
_NOT_CLOSED = FUNCTION_WORDS | (_SIZES - {"light"})
"""Words never closed up with the next: "a blue jacket" is no bluejacket (a sailor)."""
_CLOSING_ENDS = frozenset({"pack", "line"})
"""Words the reader skips as collectives ("a pack of wolves") that end words written as one:
"back pack" is "backpack", "sky line" "skyline"."""
_ONE = frozenset(["a", "an", "one", "each", "every", "this", "that"])
_THE_OR_OWNER = frozenset("the his her its their my our your".split())
_EVENTS = frozenset({"noun.act", "noun.event", "noun.state", "noun.process"})
_WHERE_TO = frozenset(
    ["over", "across", "through", "above", "into", "past", "around", "along", "toward", "towards"]
)
_NOT_JOINED = FUNCTION_WORDS | _SIZES
"""Words never joined into a WordNet entry: "old woman" is a description and a thing."""
_BE = frozenset("is are was were be been".split())
_NOT_PARTS = FUNCTION_WORDS - {"can", "lot"}
"""Words never the second or third of a joined entry; "can" and "lot" end some: "a trash can",
"a parking lot"."""


_EDGES = frozenset({"side"})


def _edges_joined(wordnet: WordNet, tokens: list[str]) -> list[str]:
    """``tokens`` with "the side of the mountain" as "the mountainside", where WordNet knows the
    word (not "on side of", no determiner before the side)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        edge = tokens[i]
        thing = tokens[i + 3] if i + 3 < len(tokens) else ""
        if (
            edge in _EDGES
            and thing
            and i > 0
            and tokens[i - 1] in ("the", "a", "an")
            and tokens[i + 1] == "of"
            and tokens[i + 2] in ("the", "a", "an")
            and thing.isalpha()
            and (
                i + 4 == len(tokens)
                or not tokens[i + 4].isalpha()
                or tokens[i + 4] in FUNCTION_WORDS
            )
            and wordnet.knows(thing + edge)
        ):
            out.append(thing + edge)
            i += 4
            continue
        out.append(edge)
        i += 1
    return out


def _hyphenated(wordnet: WordNet, token: str, before_a_word: bool) -> list[str]:
    """A hyphenated word as its parts where WordNet knows them as one entry ("t-shirt", for
    the compound joiner to join as it joins "t shirt"), as one word where WordNet knows it
    otherwise ("key-board" is "keyboard", "old-fashioned" one word) or knows none of its
    parts ("sci-fi"), else as its parts ("flat-screen" is "flat screen"). ``before_a_word``:
    a word follows, no function word or punctuation ("a horse-riding girl", not "a girl
    horse-riding on a beach")."""
    if "-" not in token:
        return [token]
    parts = token.split("-")
    closed = "".join(parts)
    if wordnet.parts_of_speech("_".join(parts)) == {"v"} and wordnet.knows(closed):
        return [closed]  # "take-out" is the noun "takeout", not the verb "take out"
    if parts[0] not in _NOT_JOINED and wordnet.knows("_".join(parts)):
        # joined, or not, as if written with spaces: "strawberry ice-cream" is "strawberry
        # ice cream", one WordNet entry of three words
        return parts
    for candidate in ("".join(parts), "_".join(parts)):
        if wordnet.knows(candidate):
            return [candidate]  # "old-fashioned" is one word, not an old thing
    if not any(wordnet.knows(part) for part in parts):
        return [token]
    if (
        before_a_word
        and len(parts) == 2
        and parts[1].endswith("ing")
        and "n" in wordnet.parts_of_speech(parts[0])
    ):
        # "a man-eating shark" is no man eating a shark, nor "a fire-breathing dragon" fire
        # breathing one: one word, what the thing it describes does (to WordNet, an unknown
        # one); after its doer, "a girl horse-riding" is riding a horse
        return [token]
    return parts


def join_compounds(wordnet: WordNet | None, tokens: list[str]) -> list[str]:
    """Join words that WordNet knows as one ("hot dog", "teddy bear", "living room"), and a
    side said of a thing that WordNet names so: "the side of the mountain" is "the
    mountainside", "the side of the road" "the roadside"."""
    if wordnet is None:
        return tokens
    if "of" in tokens and not _EDGES.isdisjoint(tokens):
        tokens = _edges_joined(wordnet, tokens)
    following = [*tokens[1:], ""]
    tokens = [  # a copy
        piece
        for token, after in zip(tokens, following, strict=False)
        for piece in _hyphenated(
            wordnet, token, after[:1].isalpha() and after not in FUNCTION_WORDS
        )
    ]
    words = [token[0].isalpha() for token in tokens]
    count = len(tokens)
    joined: list[str] = []
    i = 0
    while i < count:
        first = tokens[i]
        size = 1
        if words[i]:
            joinable = first not in _NOT_JOINED
            starts = joinable and (
                first in wordnet.compound_starts or _ALIKE.get(first) in wordnet.compound_starts
            )
            # "shakes hands": a verb's "-s" form opens what its lemma does ("shake_hands")
            does = (
                joinable
                and not starts
                and first[-1:] == "s"
                and first[:-1] in wordnet.compound_starts
            )
            closes = first not in _NOT_CLOSED
            for size in (3, 2):
                end = i + size
                if end > count or not all(words[i + 1 : end]):
                    continue
                if size == 2 and closes and _closes_after(tokens[i + 1]):
                    closed = first + tokens[i + 1]
                    known = wordnet.might_know(closed) and wordnet.lemmas(closed)
                    if (
                        known
                        and (
                            _closes(closed, *known[0])
                            # "sound proof" is "soundproof", a verb first but an adjective too
                            or ("a", closed) in known
                        )
                        # "the sun sets" is no "sunsets": after "the" or "a", a plural closed
                        # up from a word and a verb is the word and the verb
                        and not (
                            closed != known[0][1]
                            and (
                                after_one(tokens, i)
                                or _after_the(tokens, i)
                                or _goes_somewhere(tokens, i)
                            )
                            and wordnet.usually(tokens[i + 1], "v", "n")
                        )
                    ):
                        # "sail boat" is "sailboat", "sea shells" too; read again from the
                        # closed word, which may open an entry ("light house keeper")
                        tokens[i + 1] = closed
                        size = 0
                        break
                # "old woman" and "black cat" are WordNet entries too, but in a prompt they
                # are a description and a thing, each to be checked; a describing word after a
                # thing is part of its name ("ice cream", "sky blue").
                if (starts or does) and all(part not in _NOT_PARTS for part in tokens[i + 1 : end]):
                    compound = _known_compound(wordnet, tokens[i:end])
                    verb = compound is not None and wordnet.parts_of_speech(compound) == _VERB_ONLY
                    if (
                        compound is not None
                        and (starts or verb)
                        # "a cat sleeps" is no "cat sleep" (a catnap): "a" asks for one;
                        # but "a robot waters tomato plants": the verb ends what "a" opened,
                        # and "a man shakes hands" does what "shake hands" says
                        and not (
                            after_one(tokens, i)
                            and _inflected(wordnet, compound)
                            and not _verb_before(wordnet, tokens, i)
                            and not verb
                        )
                        # nor is "her cat sleeps" after "the" or an owner, which may ask for
                        # more than one: a thing alive and what it does, not plural catnaps
                        and not (
                            _opening(tokens, i)[0] in _THE_OR_OWNER
                            and _alive(wordnet, first)
                            and _inflected(wordnet, compound)
                            and wordnet.lexnames(compound) <= _EVENTS
                        )
                        # "horses run across a field": a way taken, not "run across" (meet)
                        and not (tokens[end - 1] in _WHERE_TO and end < count and words[end])
                        # "a deer (is) drinking water": what it does, not drinking water;
                        # but "a giant sailing ship" is a huge one, and "two men shaking
                        # hands" do what "shake hands" says
                        and not (
                            first.endswith("ing")
                            and i
                            and not verb
                            and (
                                tokens[i - 1] in _BE
                                or (
                                    _alive(wordnet, tokens[i - 1])
                                    and "a" not in wordnet.parts_of_speech(tokens[i - 1])
                                )
                            )
                        )
                    ):
                        joined.append(compound)
                        break
            else:
                size = 1
        if size == 1:
            joined.append(first)
        i += size or 1
    return joined


_VERB_ONLY = frozenset({"v"})


def _alike() -> dict[str, str]:
    """Each listed synonym -> the word that stands for its group ("road" -> "street"), which
    the verifier reads it as."""
    found: dict[str, str] = {}
    for line in SYNONYMS.strip().splitlines():
        first, *others = (word for word in line.split() if ":" not in word)
        found.update(dict.fromkeys(others, first))
    return found


_ALIKE = _alike()


def _known_compound(wordnet: WordNet, parts: list[str]) -> str | None:
    """The WordNet entry ``parts`` make ("street_lamp"), or make with one of them said as the
    word that stands for its listed synonyms ("road lamp" is "street lamp", "movie noir" "film
    noir"), so that two prompts that say a compound two ways join it alike; else None. Never
    the other way: "car engine" is no "automobile engine", which "the engine of a car" is not
    read as."""
    compound = "_".join(parts)
    if wordnet.might_know(compound) and wordnet.knows(compound):
        return compound
    for at, part in enumerate(parts):
        other = _ALIKE.get(part)
        if other is not None:
            compound = "_".join([*parts[:at], other, *parts[at + 1 :]])
            if (
                wordnet.might_know(compound)
                and wordnet.knows(compound)
                # "climb aboard" is no "climb_on", which "climbing aboard" would not be
                and wordnet.parts_of_speech(compound) != _VERB_ONLY
            ):
                return compound
    return None


def _closes_after(second: str) -> bool:
    """Whether ``second`` may be closed up with the word before it."""
    return second not in _NOT_CLOSED or second in _CLOSING_ENDS


_LONGEST_PHRASE = 12
"""The most words looked back over for what opens a phrase: a prompt of one long run of words
costs a bounded look per word, not one back to its start."""


def _opening(tokens: Sequence[str], i: int) -> tuple[str, bool]:
    """The word that opens the phrase ``tokens[i]`` is in (the first before it that is a
    function word or punctuation; "" at the start, or more than ``_LONGEST_PHRASE`` words
    back), and whether a number stands between."""
    counted = False
    for at in range(i - 1, max(i - _LONGEST_PHRASE, 0) - 1, -1):
        word = tokens[at]
        if word.isdigit():
            return word, True
        if word in NUMBERS:  # "one" too, as before: a count, not a determiner
            counted = True
        elif not word[0].isalpha() or word in FUNCTION_WORDS:
            return word, counted
    return "", counted


def after_one(tokens: Sequence[str], i: int) -> bool:
    """Whether the words before ``tokens[i]`` that describe it open with a determiner of one
    thing ("a ginger cat sleeps", not "two hot dogs", nor "a dozen hot dogs")."""
    word, counted = _opening(tokens, i)
    return word in _ONE and not counted


def opening(tokens: Sequence[str], i: int) -> str:
    """The function word or punctuation that opens the phrase ``tokens[i]`` is in ("with" for
    "slices" in "with banana slices"); "" at the start."""
    return _opening(tokens, i)[0]


def _verb_before(wordnet: WordNet, tokens: Sequence[str], i: int) -> bool:
    """Whether a word between ``tokens[i]`` and what opens its phrase is a verb's inflected
    form ("waters" in "a robot waters tomato plants")."""
    for at in range(i - 1, max(i - _LONGEST_PHRASE, 0) - 1, -1):
        word = tokens[at]
        if not word[0].isalpha() or word in FUNCTION_WORDS or word in NUMBERS:
            return False
        if any(pos == "v" and lemma != word for pos, lemma in wordnet.lemmas(word)):
            return True
    return False


def _goes_somewhere(tokens: list[str], i: int) -> bool:
    """Whether the two words at ``i``, not counted, are followed by where they go ("red dragon
    flies over a village": a dragon that flies, not "two dragon flies over a pond")."""
    return (
        i + 2 < len(tokens)
        and (
            tokens[i + 2] in _WHERE_TO
            or (tokens[i + 2] in _LANDS_ON and tokens[i + 1] in _COMING_DOWN)
        )
        and not _opening(tokens, i)[1]
    )


_LANDS_ON = frozenset({"on", "onto", "upon", "down"})
_COMING_DOWN = frozenset("falls fall drifts drift settles settle pours pour lands land".split())
"""What comes down on a thing: "snow falls on a window" is no "snowfalls"; but "her finger nails
on the bed" are fingernails."""


def _after_the(tokens: list[str], i: int) -> bool:
    """Whether ``tokens[i]`` opens a phrase after "the" ("the sun", "the old bridge")."""
    return _opening(tokens, i)[0] == "the"


def _alive(wordnet: WordNet, word: str) -> bool:
    """Whether ``word`` names a person or an animal first ("deer", "boy"), one that can do
    things."""
    return not wordnet.lexnames(word).isdisjoint({"noun.person", "noun.animal"})


def _inflected(wordnet: WordNet, word: str) -> bool:
    """Whether ``word`` is a form of its lemmas, not one of them ("cat_sleeps")."""
    return all(lemma != word for _, lemma in wordnet.lemmas(word))


def _closes(closed: str, pos: Pos, lemma: str) -> bool:
    """Whether two words written as one are the word WordNet reads first: a noun or its plural
    ("sailboat", "fireflies"), or a word that is only an adjective ("moonlit", "handmade")."""
    if pos == "n":
        # "sailboat", "fireflies", "bookshelves"
        return closed.startswith(lemma) or closed in (lemma[:-1] + "ies", lemma[:-1] + "ves")
    return pos == "a" and closed == lemma
