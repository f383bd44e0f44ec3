"""How the verifier reads a prompt: words, the things they name, and who does what.

A small, deliberate reader, not a parser: it lowercases and tokenises a prompt, joins what WordNet
knows as one word ("hot dog", "teddy bear"), tells nouns, verbs and describing words apart by
WordNet and word order, groups noun phrases (a phrase's last noun is its head; the words before it
describe it), gives each head a role (the preposition that introduced it, or subject or object,
relative to its clause's subject), and binds verbs to the nouns that do them and the nouns they
are done to. It also collects what needs no grammar: numbers, text to be rendered, spatial
relations and direction particles. :mod:`proxy.matching.verify` compares two readings.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from proxy.matching.compounds import DESCRIBING, after_one, join_compounds, opening
from proxy.matching.features import (
    amounts,
    camera,
    counted,
    foreign_script,
    palette,
    palette_said,
    rendered_text,
    says,
)
from proxy.matching.filler import as_tags, strip_filler
from proxy.matching.lexicon import WordNet, frozen
from proxy.matching.memo import PromptMemo
from proxy.matching.normalise import normalise_tokens
from proxy.matching.owners import (
    done_by_the_one_before,
    had_by_the_tag_before,
    worn_by_the_one_before,
)
from proxy.matching.phrases import (
    COORDINATORS,
    DETERMINERS,
    PART,
    SENTENCE_ENDS,
    attach_predicates,
    close_chunk,
    ends_in_head,
    govern_lists,
    is_break,
    lone_tag,
    next_content,
    phrase_follows,
)
from proxy.matching.reading_model import Reading, Readings, Word
from proxy.matching.rephrasing import medium_apart, normalise_words
from proxy.matching.respelling import respell
from proxy.matching.tokens import (
    PLACED_ALONE,
    POSSESSIVE,
    ends_phrase,
    opens_part,
    placed,
    said_of_last,
    sides,
    spatial_classes,
    tokenise,
    unaccented,
)
from proxy.matching.word_classes import KNOWN, OPPOSITE, WordClasses
from proxy.matching.words import (
    COLOURS,
    FUNCTION_WORDS,
    IRREGULAR_PLURALS,
    MATERIAL_ADJECTIVES,
    NEGATORS,
    NUMBERS,
)

__all__ = ["KNOWN", "OPPOSITE", "REMEMBERED", "Reader"]


_PRONOUNS = frozenset("he she it they him her them i we you".split())
"""Who a verb after a comma is said of: "..., she is crying" names no one new, but says whose."""

_SCENE_PLANES = frozenset({"background", "foreground"})

_ANIMATE = frozenset({"noun.person", "noun.animal"})
_SHADES = frozenset(
    "blues greens reds yellows purples pinks browns grays greys blacks whites golds silvers "
    "teals violets pastels neons tones hues".split()
)
"""Plurals of colours that name shades of them, not things."""
_PASSING = frozenset(
    """
    filled full covered group herd flock pack swarm crowd line row bunch lot lots kind sort
    type
    """.split()
)
"""Function words that a description passes over to the thing after them."""
_WEIGHT = re.compile(r"(?<![(\[{])[(\[{]+([^()\[\]{}:]*?)(?::\s*\d+(?:\.\d+)?)?[)\]}]+")
"""Attention syntax pasted from Stable Diffusion front ends: "(red:1.4)", "((masterpiece))",
"[blurry]", "{detailed}". This proxy's backends read it as plain text, not as emphasis, so it
says what the words inside say."""
_LONGEST_COUNT = 18
"""Digits in the longest number read as a count; a longer one is a word that both prompts must
have ("a" and 2,151 "⑳" unfold to 4,302 digits, more than Python converts to a number)."""

REMEMBERED = 2000
"""The longest prompt, in characters, whose reading is remembered: a reading takes about 45 KB
per 1,000 characters, so 2,048 of them stay under about 200 MB however long prompts are (one of
32,000 characters would take 1.4 MB); a longer prompt is read each time it is checked."""


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})


class Reader:
    """Reads prompts into :class:`Reading` objects, remembering the most recent ones."""

    def __init__(self, wordnet: WordNet | None, memory: int = 2048) -> None:
        self.wordnet = wordnet
        self.read = PromptMemo(self._read, size=memory, up_to=REMEMBERED)
        self._dictionary_word = functools.lru_cache(maxsize=16384)(self._look_up)
        self.classes = WordClasses(wordnet)
        self._unknown = self.classes.unknown

    def forget(self) -> None:
        """Drop the readings kept, and what was looked up for each word of a prompt."""
        self.read.clear()
        self._dictionary_word.cache_clear()
        self.classes.forget()

    def _read(self, prompt: str) -> Reading:
        texts, plain = rendered_text(prompt)
        # A phone's keyboard types a curly apostrophe (U+2019) in "I'd" and "dog's": it is read
        # as the one typed on a computer (text quoted with curly quotes was taken out above).
        lower = (
            plain.lower() if plain.isascii() else unaccented(plain.lower()).translate(_APOSTROPHES)
        )
        if "(" in lower or "[" in lower or "{" in lower:
            lower = _WEIGHT.sub(r" \1 ", lower)
        # "castle | sunset": tags, as the canonical form reads them, but where words to render
        # are named without quotes ("a sign that says open | closed", "reads welcome, thanks")
        shows_words = says(prompt.lower())
        lower = lower if shows_words else as_tags(lower)
        # A full stop that closes the prompt closes its last tag: "..., photographed in black
        # and white." is read as the tag it ends
        lower = lower.rstrip().rstrip(".!").rstrip()
        reading = Reading(texts=texts, palette=palette(lower))
        if reading.palette == "monochrome":
            lower = palette_said(lower)
        typed = lower
        reading.camera, lower = camera(lower)
        reading.amounts, reading.amounts_of = amounts(lower)
        reading.counted = counted(lower)
        if not plain.isascii():
            reading.emoji = tuple(c for c in plain if unicodedata.category(c) == "So")
        words = normalise_words(respell(tokenise(strip_filler(lower, shows_words))))
        tokens = normalise_tokens(
            medium_apart(self.wordnet, join_compounds(self.wordnet, words)),
            self.classes.verb_like,
            self.classes.alive,
            self.classes.only_doing,
            self.classes.tool,
        )
        # Typos are mended against every word typed, boilerplate and camera words too:
        # "trending on artstaton" is the boilerplate "trending on artstation", "mcaro shot" a
        # macro shot.
        reading.sequence = tuple(tokenise(typed))
        reading.tokens = frozenset(tokens)
        reading.unknown = frozen(t for t in tokens if self.classes.unknown(t))
        content = [t for t in tokens if t[0].isalpha() and t not in FUNCTION_WORDS]
        reading.unreadable = foreign_script(plain) or (
            self.wordnet is not None
            and len(reading.unknown) >= 2
            and 2 * sum(t in reading.unknown for t in content) > len(content)
        )
        reading.directions = reading.tokens & OPPOSITE.keys()
        tokens, spatial = spatial_classes(tokens)
        reading.spatial = frozen(spatial)
        negating = style_scope = False
        tag_start, plain_tag = 0, True  # where the tag began; only describing words in it
        chunk: list[int] = []
        breaks: list[str] = []
        object_after = False  # a verb was read, and no break since: its object follows
        placing: list[tuple[int, str]] = []  # (the word before, class): "a castle, in the distance"
        parts: list[int] = []  # where each part after a comma begins, by word
        for i, token in enumerate(tokens):
            if token == POSSESSIVE:
                if chunk:
                    reading.words[chunk[-1]].possessor = True
                continue
            if token == "one" and chunk and tokens[i + 1 : i + 2] != ["of"]:
                # "a small black one": another of the thing named before.
                earlier = [h for h in reading.heads() if h < chunk[0]]
                if earlier:
                    named = reading.words[earlier[-1]]
                    chunk.append(len(reading.words))
                    reading.words.append(Word(token, named.lemmas, negated=negating, noun=True))
                    continue
            if (token.isdigit() and len(token) <= _LONGEST_COUNT) or (
                token in NUMBERS and not self.classes.names_its_group(tokens, i)
            ):
                number = int(token) if token.isdigit() else NUMBERS[token]
                reading.numbers[number] += 1
                # It describes the noun that follows, like an adjective: "three bottles".
                chunk.append(len(reading.words))
                reading.words.append(Word(token, frozenset({f"#{number}"}), negated=negating))
                continue
            if token == "of" and i and (tokens[i - 1] in NUMBERS or tokens[i - 1] in _PASSING):
                continue  # "a pair of shoes", "a group of horses": a count, not a relation
            if token in NEGATORS or token == "by" or is_break(token):
                if token == "," or token in SENTENCE_ENDS:
                    parts.append(len(reading.words))
                object_after = False
                negating = token in NEGATORS or (negating and token not in SENTENCE_ENDS)
                style_scope = token == "by" or (
                    style_scope and token not in SENTENCE_ENDS and token != ","
                )
                if token == "," and len(chunk) == 1:
                    self._single_word_tag(reading, chunk, breaks)
                if token == "," and lone_tag(reading, chunk, breaks):
                    for w in chunk:
                        reading.words[w].whole = True
                elif token == "," and plain_tag and self._describes_the_whole(reading, tag_start):
                    pass  # "..., inviting and timeless, ...": the mood of the whole picture
                elif (
                    token in COORDINATORS
                    and chunk
                    and (
                        not any(reading.words[w].noun for w in chunk)
                        # "a red and blue car": "a red" is no thing of its own
                        or (
                            all(reading.words[w].text in COLOURS for w in chunk)
                            and i + 1 < len(tokens)
                            and tokens[i + 1] in COLOURS
                        )
                    )
                    and not (
                        token == ","
                        and (
                            ends_in_head(reading, chunk)
                            or self._second_conjunct(reading, chunk, breaks)
                        )
                    )
                ):
                    following = tokens[i + 1] if i + 1 < len(tokens) else "."
                    if (
                        following not in DETERMINERS
                        and not is_break(following)
                        and not _worn_colours(
                            tokens, i, breaks, [reading.words[w].text for w in chunk]
                        )
                    ):
                        # "a black and white dog": the colours describe the dog that follows.
                        for w in chunk:
                            reading.words[w].forward = True
                            reading.words[w].noun = False
                        chunk.clear()  # no head of their own, even after "a"
                elif token in ("and", "or") and self._names_a_kind(reading, chunk, tokens, i):
                    # "strawberry and mint scoops": both name the kind of the scoops
                    reading.words[chunk[0]].noun = False
                    reading.words[chunk[0]].forward = True
                elif (
                    token in _PASSING
                    and chunk
                    and not any(reading.words[w].noun for w in chunk)
                    and self.classes.nounlike(next_content(tokens, i))
                ):
                    # "three partially filled glasses", "a large group of horses": the words
                    # describe what follows the filler, not a thing of their own.
                    for w in chunk:
                        reading.words[w].forward = True
                    chunk.clear()
                close_chunk(reading, chunk, breaks, frozenset({token}))
                if token[1:] in PLACED_ALONE and token[0] == "@" and ends_phrase(tokens, i):
                    placing.append((len(reading.words) - 1, token[1:]))
                breaks.append(token)
                if token == "," and phrase_follows(tokens, i):
                    breaks.append(PART)
                if token in (",", *SENTENCE_ENDS):
                    tag_start, plain_tag = len(reading.words), True
                elif token not in ("and", "or", "&"):
                    plain_tag = False
                continue
            if token == "style" and tokens[i + 1 : i + 2] == ["of"]:
                style_scope = True
            word = self._word(token, negating, style_scope)
            previous = reading.words[chunk[-1]] if chunk else None
            after = tokens[i + 1] if i + 1 < len(tokens) else "."
            before = tokens[i - 1] if i else ""
            if previous is None and self.classes.opens_description(tokens, i):
                word.noun = False  # "..., floating candles, warm light": not a verb, nor a noun
            elif word.nounish and not word.noun and before == "of" and is_break(after):
                word.noun = True  # "rays of light": a describing word alone after "of" is a thing
            elif self.classes.is_verb(
                token,
                previous,
                before,
                after,
                after_one(tokens, i) and not object_after,
                opening(tokens, i - 2 if before in COORDINATORS and i > 1 else i),
                object_after,
                joined="and" in breaks and bool(reading.head_indexes),
            ):
                object_after = True
                word.leads_tag = (
                    previous is None
                    and "," in breaks
                    and not any(b in COORDINATORS - {","} for b in breaks)
                )
                word.after_pronoun = not _PRONOUNS.isdisjoint(breaks)
                close_chunk(reading, chunk, breaks, word.lemmas)
                breaks.clear()  # what follows a verb is its object, not coordinated with before
                word.noun = word.plural = False
                word.verb = True
                # Right after its noun, a verb is bound to it: "a man riding", "a woman walking".
                # So is one right after a thing that opens its part of the prompt: "..., a
                # salaryman loosening his tie".
                word.opens_tag = previous is not None and opens_part(tokens, i, previous.animate)
                word.bound = previous is not None and (not breaks or word.opens_tag)
                if not word.bound and said_of_last(tokens, i, reading.words):
                    word.bound = True  # "a fisherman is casting": as "a fisherman casting"
                reading.words.append(word)
                continue
            chunk.append(len(reading.words))
            reading.words.append(word)
            if word.noun and negating and not self.classes.could_modify(tokens, i):
                negating = False
        if len(chunk) == 1:
            self._single_word_tag(reading, chunk, breaks)
        if lone_tag(reading, chunk, breaks):
            for w in chunk:
                reading.words[w].whole = True
        elif plain_tag:
            self._describes_the_whole(reading, tag_start)
        close_chunk(reading, chunk, breaks)
        worn_by_the_one_before(reading, parts, self.classes)
        had_by_the_tag_before(reading, parts, self.classes)
        attach_predicates(reading)
        govern_lists(reading)
        done_by_the_one_before(reading, parts, self.classes)
        reading.placed = placed(reading, placing)
        reading.sides = sides(reading, placing)
        self._background_apart(reading)
        for word in reading.words:
            word.settled_key = word.key
        return reading

    @staticmethod
    def _background_apart(reading: Reading) -> None:
        """A thing "with" another in the background or the foreground is a part of the picture
        of its own: "a cabin with mountains in the background" is "mountains in the
        background, a cabin"."""
        words = reading.words
        for head in reading.heads():
            word = words[head]
            if word.role.startswith("with/") and not _SCENE_PLANES.isdisjoint(
                kind for thing, kind in reading.placed if thing == word.key
            ):
                word.role = "subject"

    def _word(self, token: str, negated: bool, style_scope: bool) -> Word:
        lemmas, plural, noun, readings, nounish, animate = self._dictionary_word(token)
        word = Word(token, lemmas, plural, negated, noun, None, style_scope)
        word.readings, word.nounish, word.animate = readings, nounish, animate
        return word

    def _look_up(self, token: str) -> tuple[frozenset[str], bool, bool, Readings, bool, bool]:
        """What the dictionary says of a word, wherever it stands: its lemmas, whether it is a
        plural, a noun, its readings, whether it has a noun reading, whether it is animate."""
        base = IRREGULAR_PLURALS.get(token)
        if base is not None:
            return frozenset({base}), True, True, (), False, True  # people, men, women
        if self.wordnet is None:
            stem = token[:-1] if token.endswith("s") and not token.endswith("ss") else token
            return frozenset({token, stem}), stem != token, True, (), False, False
        readings = self.wordnet.lemmas(token)
        lemmas = {lemma for _, lemma in readings} | {token}
        if token in MATERIAL_ADJECTIVES:
            lemmas.add(MATERIAL_ADJECTIVES[token])
        nouns = [lemma for pos, lemma in readings if pos == "n"]
        # Colours, sizes and ages are nouns too in WordNet ("a black", "a giant"); in a prompt
        # they describe the noun that follows.
        # A noun WordNet knows only in another form is inflected: "dogs", "children", "mice".
        plural = bool(nouns) and token not in nouns
        # The plural of a describing word names things ("oranges", "giants"), but a colour's
        # names shades ("rich blues and greens").
        # "shorts" is a thing of its own, not a plural of "short": read as itself alone
        own = token in nouns and token[:-1] in DESCRIBING and token not in _SHADES
        if own:
            lemmas.discard(token[:-1])
        noun = (bool(nouns) or not readings) and (
            not lemmas & DESCRIBING or (plural and token not in _SHADES) or own
        )
        animate = bool(self.wordnet.lexnames(token) & _ANIMATE)
        return frozenset(lemmas), plural, noun, readings, bool(nouns), animate

    def _single_word_tag(self, reading: Reading, chunk: list[int], breaks: list[str]) -> None:
        """A word alone in its tag ("..., cyberpunk, ...") is marked so; it is read as a
        description where that is what it usually is: "..., cozy, ..." (WordNet has a tea cozy
        too)."""
        word = reading.words[chunk[0]]
        word.tag = breaks == [","] or (not breaks and chunk[0] == 0)
        if (
            word.tag
            and word.noun
            and self.wordnet is not None
            and not self.wordnet.usually(word.text, "n", "a")
        ):
            word.noun = False  # more often an adjective than a noun: "cozy", not "sunset"

    @staticmethod
    def _second_conjunct(reading: Reading, chunk: list[int], breaks: Sequence[str]) -> bool:
        """Whether ``chunk`` follows "and" or "or" after a word with a head: the second of two
        things ("deep greens and purples, soft glow"), not words describing what comes after the
        comma that follows ("a black and white, fluffy dog")."""
        return (
            bool(chunk and breaks)
            and breaks[-1] in ("and", "or")
            and chunk[0] > 0
            and reading.words[chunk[0] - 1].head is not None
        )

    def _names_a_kind(
        self, reading: Reading, chunk: list[int], tokens: Sequence[str], i: int
    ) -> bool:
        """Whether the lone noun ``chunk`` before the coordinator at ``i`` describes, with the
        word after the coordinator, the noun after that, which ends the phrase ("strawberry and
        mint scoops", "salt and pepper shakers"); not "a man and a woman", "a cat and dog
        sleeping" (a verb), "the cat and the dog" (a determiner), "cat and two dogs" (a
        count)."""
        if self.wordnet is None or len(chunk) != 1 or not 0 < i < len(tokens) - 2:
            return False
        word = reading.words[chunk[0]]
        before = tokens[i - 2] if i > 1 else ","
        kind, thing = tokens[i + 1], tokens[i + 2]
        return (
            word.noun
            and not word.plural
            and before not in DETERMINERS
            and is_break(before)
            # "peppers, squash and tomatoes": a list of things, after a plural one
            and not (before == "," and chunk[0] > 0 and reading.words[chunk[0] - 1].plural)
            and self.classes.nounlike(kind)
            and kind not in NUMBERS  # "teapot and two oranges": a count names no kind
            and self.classes.nounlike(thing)
            and self.wordnet.usually(thing, "n", "v")
            and (i + 3 == len(tokens) or is_break(tokens[i + 3]))
        )

    def _describes_the_whole(self, reading: Reading, start: int) -> bool:
        """Whether the tag whose words begin at ``start`` is describing words joined by "and"
        or "or" ("..., inviting and timeless, ..."); if so they are marked as describing the
        whole picture, not the thing named next."""
        words = reading.words[start:]
        # "..., black and white": colours stay bound to the thing before, when it is what the
        # prompt shows first ("a dog, black and white"); later in a list of tags they are the
        # picture's ("..., night city, purple and cyan, ...")
        heads = reading.head_indexes  # in order: two things named before the tag
        palette = len(heads) > 1 and heads[1] < start and all(w.text in COLOURS for w in words)
        if len(words) < 2 or any(
            w.noun
            or (w.text in COLOURS and not palette)
            or (w.verb and not self.classes.adjective(w.text))
            for w in words
        ):
            return False
        for word in words:
            word.whole, word.forward, word.verb = True, False, False
        return True


def _worn_colours(
    tokens: Sequence[str], i: int, breaks: Sequence[str], words: Sequence[str]
) -> bool:
    """Whether ``words``, before ``tokens[i]`` (a comma or "and"), are colours a thing is "in"
    that end their part, describing the thing before them, not the next part's: "cookies in
    brown, cakes in pink", "balloons in blue and gold, a festival stage"."""
    if "in" not in breaks or not all(word in COLOURS for word in words):
        return False
    end = i if tokens[i] == "," else i + 2
    return end >= len(tokens) or tokens[end] in (",", *SENTENCE_ENDS)
