"""Which class a word of a prompt belongs to where it stands: a verb, a noun, a describing word,
a count or the group it names, or a word no lexicon knows. :class:`~proxy.matching.reading.Reader`
asks these questions of each token as it reads a prompt; the answers come from WordNet and the
words around the token."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

from proxy.matching.lexicon import WordNet
from proxy.matching.phrases import (
    COORDINATORS,
    DETERMINERS,
    ROLE_MARKERS,
    is_break,
)
from proxy.matching.reading_model import Word
from proxy.matching.tokens import (
    AUXILIARIES,
    POSSESSIVE,
)
from proxy.matching.word_order import PLACING, looks_like_verb
from proxy.matching.words import (
    DOING_TO,
    FUNCTION_WORDS,
    MADE_MEDIA,
    MATERIALS,
    NEGATORS,
    NUMBERS,
    PUBLICATION_PARTS,
    PUBLICATIONS,
    SETTINGS,
    SPATIAL_PHRASES,
    SPATIAL_WORDS,
)

__all__ = ["KNOWN", "OPPOSITE", "WordClasses"]


OPPOSITE = {
    "up": {"down"}, "down": {"up"}, "on": {"off"}, "onto": {"off"}, "off": {"on", "onto"},
    "in": {"out"}, "into": {"out"}, "inside": {"out", "outside"}, "out": {"in", "into", "inside"},
    "outside": {"inside"},
}  # fmt: skip
_DRAWN_WITH = MADE_MEDIA | frozenset({"crayon", "chalk", "oil", "gouache", "tempera"})
"""What a drawing or a painting is done in: "a pencil drawing" is no pencil that draws."""
KNOWN = (
    frozenset(OPPOSITE)
    | frozenset(SPATIAL_WORDS)
    | {w for p in SPATIAL_PHRASES for w in p}
    | {kind + part for kind in PUBLICATIONS for part in PUBLICATION_PARTS}
)
"""Words the reader knows though WordNet does not: prepositions of place and direction, and a
publication's part read as one word ("albumcover")."""
_PARTICLES = frozenset("up down off out away back".split())
_BEFORE_A_TIME = (ROLE_MARKERS - {"to"}) | {"during", "through", "until"}
"""Prepositions after which a season or a weather word is a noun ("in spring", "in snow")."""
_HAVING = ("with", "of")
"""Where an -ing word before a thing describes it: "with hanging lamps", "full of flickering
neon signs"."""
_GROUPS = frozenset("couple pair trio twins".split())
"""Counts that also name their group: "a couple of hikers" is two hikers, "a couple walking" a
couple."""
_GOING = frozenset("across along down into past through toward towards up".split())
"""Where a verb of going goes, after which a group's "-s" word is its verb: "a couple skis down"."""
_COUNTED_KINDS = frozenset(
    "noun.animal noun.person noun.object noun.plant noun.artifact noun.food noun.substance "
    "noun.body".split()
)
"""WordNet's files of nouns a group word counts when they follow it without "of"."""
_WORN = frozenset(
    """
    armor armour bandana bikini boot boots bracelet cloak crown earring earrings eyeglasses
    flip-flops glasses glove gloves goggles headband heels helmet hoodie mask monocle necklace
    sandal sandals shoe shoes slipper slippers sneaker sneakers spectacles sunglasses
    swimsuit tiara uniform veil watch
    """.split()
)
"""Things someone "with" or "in" them wears that WordNet files elsewhere than clothing, glasses,
jewelry, headdress or footwear ("a bikini" is first an atoll)."""
_ALIVE = frozenset({"noun.person", "noun.animal"})
_TOOL_KINDS = ("implement", "device", "instrument", "utensil", "tool", "equipment")
_WHO_DOES = ("er", "ers", "or", "ors", "ist", "ists", "ian", "ians", "man", "men", "ess")
_WORN_KINDS = ("clothing", "spectacles", "jewelry", "headdress", "footwear")
_DESCRIBED_WITHIN = 4
"""How far ahead the thing a word opening a noun phrase describes is looked for, over words
that only describe ("bustling medieval town square")."""


class WordClasses:
    """Word-class questions answered from WordNet (or, without it, from the word lists alone)."""

    def __init__(self, wordnet: WordNet | None) -> None:
        self.wordnet = wordnet
        self.unknown = functools.lru_cache(maxsize=16384)(self.is_unknown)
        """:meth:`is_unknown`, remembered per word."""
        self.alive = functools.lru_cache(maxsize=16384)(self.is_alive)
        """:meth:`is_alive`, remembered per word."""

    def forget(self) -> None:
        """Drop what was remembered of each word."""
        self.unknown.cache_clear()
        self.alive.cache_clear()

    def is_alive(self, token: str) -> bool:
        """Whether the noun ``token`` names a person or an animal in its first sense ("a
        waiter", "mules"; not "the pool", nor "the espresso machine", a person in a later
        sense), or, unknown to WordNet, ends as a doer's name does ("a zookeeper", not "a
        firepit"); any word does without WordNet."""
        wordnet = self.wordnet
        if wordnet is None:
            return True
        senses = wordnet.senses(token, "n")
        if not senses and not wordnet.knows(token):
            return token.endswith(_WHO_DOES)  # "a zookeeper", not "a firepit"
        return bool(senses) and senses[0].lexname in _ALIVE

    def verb_like(self, token: str) -> bool:
        """Whether ``token``, spelt like a verb, is one: "carved" is, "red", "wooden" and
        "kitten" are not (WordNet knows no verb for them, or it is rarer than the noun), nor is
        a thing's name whose verb is spelt the same, no participle ("a sled", "a shed")."""
        if not looks_like_verb(token):
            return False
        wordnet = self.wordnet
        if wordnet is None:
            return True
        lemmas = wordnet.lemmas(token)
        if (
            token.endswith("ed")
            and ("n", token) in lemmas
            and all(lemma == token for pos, lemma in lemmas if pos == "v")
        ):
            return False
        return wordnet.usually(token, "v", "n") and wordnet.usually(token, "v", "a")

    def tool(self, token: str) -> bool:
        """Whether the noun ``token`` names a tool, a device or an instrument in its first
        sense ("an axe", "a flashlight"; not "a friend", "a window"); none does without
        WordNet."""
        wordnet = self.wordnet
        return wordnet is not None and any(
            wordnet.covers(kind, token, "n", "n") for kind in _TOOL_KINDS
        )

    def only_doing(self, token: str) -> bool:
        """Whether the -ing word ``token`` is a verb's form that describes no thing: "eating",
        "shelling"; not "glowing" or "running", which WordNet also has as adjectives."""
        if self.wordnet is None:
            return False
        parts = self.wordnet.parts_of_speech(token)
        return "v" in parts and "a" not in parts

    def names_its_group(self, tokens: Sequence[str], i: int) -> bool:
        """Whether the count ``tokens[i]`` names its group rather than counting what follows:
        before a break, a verb's form or an act ("a couple walking on the beach", "twins in a
        garden", "a couple kisses"); but "a couple of dogs", "a couple dogs", "a couple small
        dogs", "a couple cars" and "a couple hundred birds" count."""
        if tokens[i] not in _GROUPS:
            return False
        after = tokens[i + 1] if i + 1 < len(tokens) else "."
        if after in ("of", "more") or after in NUMBERS:
            return False
        following = tokens[i + 2] if i + 2 < len(tokens) else "."
        if is_break(after) or after == POSSESSIVE or after.endswith("ing"):
            return True
        if looks_like_verb(after):  # "a couple seated on a bench"; not "a couple parked cars"
            return is_break(following)
        if self.wordnet is None:
            return True
        if (
            after.endswith("s")
            and (following in DETERMINERS or (following in _GOING and self._goes(after)))
            and self.wordnet.usually(after, "v", "n")
            and not self.wordnet.is_a(after, "animal")
        ):
            # "an old couple watches a movie", "a couple skis down a slope"; not "a couple logs
            # down the river", "a couple skates across the ice" (a skate is a fish too)
            return True
        if "a" in self.wordnet.parts_of_speech(after):
            return False  # "a couple small dogs", "a couple old men"
        senses = self.wordnet.senses(after, "n")
        # a being or a thing is counted; an act ("walks", "kisses") is the group's verb
        return not senses or senses[0].lexname not in _COUNTED_KINDS

    def _goes(self, token: str) -> bool:
        """Whether ``token`` is first a verb of going to WordNet ("skis"; not "logs")."""
        senses = self.wordnet.senses(token, "v") if self.wordnet is not None else ()
        return bool(senses) and senses[0].lexname == "verb.motion"

    def person(self, word: Word) -> bool:
        """Whether ``word`` names a person (WordNet's, which a dragon or a unicorn is not)."""
        wordnet = self.wordnet
        return wordnet is not None and any(wordnet.is_a(lemma, "person") for lemma in word.lemmas)

    def worn(self, word: Word) -> bool:
        """Whether ``word`` names a thing someone wears: clothing, glasses, jewelry, a hat."""
        wordnet = self.wordnet
        return word.text in _WORN or (
            wordnet is not None
            and any(wordnet.is_a(lemma, kind) for lemma in word.lemmas for kind in _WORN_KINDS)
        )

    def had(self, token: str) -> bool:
        """Whether the noun ``token`` names what someone has on or has: a garment, glasses,
        jewelry, a part of the body ("a red dress", "blue eyes", "freckles", "antlers")."""
        wordnet = self.wordnet
        if wordnet is None:
            return False
        nouns = [lemma for pos, lemma in wordnet.lemmas(token) if pos == "n"] or [token]
        for noun in nouns:
            senses = wordnet.senses(noun, "n")
            if (
                noun in _WORN
                or (senses and senses[0].lexname == "noun.body")
                or any(wordnet.is_a(noun, kind) for kind in _WORN_KINDS)
                or wordnet.is_a(noun, "body_part")  # an animal's: "antlers", "a tail"
            ):
                return True
        return False

    def is_unknown(self, token: str) -> bool:
        """A word of letters that neither WordNet nor the reader's word lists know."""
        if self.wordnet is None or not token[0].isalpha() or token in FUNCTION_WORDS:
            return False
        return not (
            token in NUMBERS
            or token in NEGATORS
            or token in KNOWN
            or any(self.wordnet.knows(part) for part in token.split("-"))
        )

    def is_verb(
        self,
        token: str,
        previous: Word | None,
        before: str,
        after: str,
        one: bool = False,
        opened_by: str = "",
        in_object: bool = False,
        joined: bool = False,
    ) -> bool:
        """Whether ``token`` is a verb here: "a man riding", "a man plays", "is jumping"; but
        not "a painting" or "a sleeping dog". ``one``: the words before it opened with "a" or
        "one", so a plural after them is no head of theirs ("a robot waters flowers").
        ``opened_by``: the word that opens the phrase ("with" in "with banana slices", where
        an -s word after a thing is its plural: a preposition's object does nothing; after
        "and", the one that opens the phrase before it), and
        ``in_object``: the phrase is the object of a verb read before it ("a robot waters
        tomato plants"); ``joined``: the words before follow an "and" after a thing, so a
        being among them is one of several ("a boy and an old man play chess")."""
        if self.wordnet is None or token in DETERMINERS:
            return False
        parts = self.wordnet.parts_of_speech(token)
        if "v" not in parts or after == POSSESSIVE or before in DETERMINERS:
            return False  # "riding a motorbike down a hill": "a" makes it a noun, "down" or not
        if (
            token in ("drawing", "painting")
            and previous is not None
            and previous.text in _DRAWN_WITH
        ):
            return False  # "a pencil drawing", "an ink painting": the picture, not who draws
        if token in SETTINGS and before in _BEFORE_A_TIME:
            return False  # "moving house in spring": a season, not "moving in" and springing
        if before in AUXILIARIES or after in _PARTICLES:  # "is chasing", "to share", "cut down"
            return True
        if token.endswith("ing") and before.endswith("ly") and self._adverb(before):
            return True  # "a ship slowly leaving the port": no leavings
        if before in ("who", "which"):
            return True  # "an explorer who stands in a cave and looks up": no "stands" named
        if (
            token.endswith("ing")
            and self.nounlike(after)
            and (
                before in _HAVING
                or (before in COORDINATORS and opened_by == "with")
                or (before in ("and", "or") and opened_by == "of")
            )
        ):
            # "a cafe with hanging lamps": lamps that hang, no cafe hanging them; "an alley full
            # of satellite dishes and hanging laundry" (but "a ring of fire, swirling skirts":
            # a tag of its own may say what the one before does)
            return False
        if token.endswith("ed") and self.nounlike(after):  # "diced meat", "a checked shirt"
            return False
        if "n" not in parts or self.inflected(token):
            if "n" in parts and previous is not None and self.verb_form(previous.text, "ing"):
                return False  # "a burning building", "a boxing ring": a thing described
            return previous is None or previous.noun
        if (
            before in COORDINATORS
            and token.endswith("s")
            and (
                after in DETERMINERS or (after in ROLE_MARKERS and after != "of" and before != ",")
            )
        ):
            # "holds a spoon and looks at a cupcake"; not "..., rays of light", nor a tag of
            # things where they are ("..., balloons in blue and gold", "..., lanterns in trees")
            return True
        if previous is None or not previous.noun or (self.unknown(previous.text) and not one):
            return False  # after a word the lexicon lacks, "spoked wheels" is a thing
        if opened_by in ROLE_MARKERS and previous.plural and token.endswith("s"):
            # "a woman with apple slices paints a cat": the verb of the thing before "with"
            return after in DETERMINERS
        # "a man plays a guitar", "two dogs run.", but "three asian kids dance" and "animal
        # prints with pillows"
        # "children play soccer" and "a chef cooks pasta" too, where the verb is more usual.
        several = joined and previous.animate  # "and a boy play", but also "and a boy plays"
        plural = previous.plural or several
        return (
            # "a couple hold hands": a group takes either form; "a silk dress" is no "-s" form
            (
                _s_form(token, previous) != previous.plural
                or previous.text in _GROUPS
                # "and a boy play chess"; not "and a cat bed"
                or (
                    several
                    and not _s_form(token, previous)
                    and self.wordnet.usually(token, "v", "n")
                )
            )
            and (
                after in DETERMINERS
                or _placing(after)  # "a man strolls along the beach"
                or after in ROLE_MARKERS
                or not after[:1].isalnum()
                or self.nounlike(after)
                or (previous.animate and self.unknown(after))  # "a chef rolls maki"
                # "a woman sells roasted chestnuts", "a chef serves grilled fish"
                or (previous.animate and self.verb_form(after, "ed"))
                # "children paint colorful pictures", "baker pulls fresh loaves"
                or (
                    self.adjective(after)
                    and "v" not in self.wordnet.parts_of_speech(after)
                    and self.wordnet.usually(after, "a", "r")  # not "run together"
                )
            )
            # After a plural noun a bare word is a verb ("firefighters spray water"): a
            # compound's first noun is singular.
            and (
                plural
                or one
                # "the man walks along the beach", "the cat sleeps."
                or (previous.animate and (_placing(after) or not after[:1].isalnum()))
                # "carpenter measures a plank": a being's -s word before "a" does something,
                # as before a plural ("the baker slides loaves into an oven")
                or (previous.animate and (after in DETERMINERS or self._plural_noun(after)))
                or self.wordnet.usually(token, "v", "n")
            )
            # "autumn leaves drifting down": the plural does what follows
            and not self.verb_form(after, "ing")
            and not (
                (opened_by in ROLE_MARKERS or in_object)
                and token.endswith("s")
                and not previous.plural
                and not previous.text.endswith("s")  # "with glasses paints": own-lemma plural
            )
        )

    def _adverb(self, token: str) -> bool:
        """Whether ``token`` is an adverb alone ("slowly"; not "lovely", an adjective too)."""
        assert self.wordnet is not None
        return self.wordnet.parts_of_speech(token) == _ADVERB

    def _plural_noun(self, token: str) -> bool:
        """Whether ``token`` is a noun's plural ("loaves", "boxes"), not a noun of its own."""
        assert self.wordnet is not None
        return token.endswith("s") and any(
            pos == "n" and lemma != token for pos, lemma in self.wordnet.lemmas(token)
        )

    def inflected(self, token: str) -> bool:
        """Whether ``token`` may be a verb's -ing or -ed form ("riding", "jumped", "a cat
        ring"), not a noun that only ends like a past ("a cat bed", "a garden shed")."""
        return token.endswith("ing") or self.verb_form(token, "ed")

    def verb_form(self, token: str, ending: str) -> bool:
        """Whether ``token`` ends in ``ending`` as a form of another verb ("burning", "jumped"),
        not as a word of its own ("king", "bed")."""
        assert self.wordnet is not None
        return token.endswith(ending) and any(
            pos == "v" and lemma != token for pos, lemma in self.wordnet.lemmas(token)
        )

    def opens_description(self, tokens: Sequence[str], i: int) -> bool:
        """Whether the word at ``i``, which may be a verb, opens a noun phrase as a description
        of the noun after it: an adjective too ("..., floating candles, ...", "warm light"), or
        a participle that opens a tag of nouns ("..., reading glasses, ...")."""
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else "."
        if (
            self.wordnet is None
            or before in DETERMINERS
            or before in AUXILIARIES
            or after in _PARTICLES
            or tokens[i] in DOING_TO  # "..., wearing sunglasses, ...": the thing before wears them
        ):
            return False
        parts = self.wordnet.parts_of_speech(tokens[i])
        if "v" not in parts:
            return False
        if after in {"and", "or"}:  # "..., warm and friendly mood"; not "honey and a lamp"
            return (
                "a" in parts
                and self.wordnet.usually(tokens[i], "a", "v")
                and (i + 2 >= len(tokens) or tokens[i + 2] not in DETERMINERS)
            )
        ahead = i + 1
        while ahead - i < _DESCRIBED_WITHIN and self.only_describes(after):
            ahead += 1  # "bustling medieval town", "weathered wooden beach house"
            after = tokens[ahead] if ahead < len(tokens) else "."
        if not self.nounlike(after):
            return False
        if "a" in parts:
            return True
        tag = list(itertools.takewhile(lambda token: token != ",", tokens[i + 1 :]))
        return (
            before in ("", ",")
            and tokens[i].endswith("ing")
            and all(self.nounlike(token) and token not in FUNCTION_WORDS for token in tag)
        )

    def only_describes(self, token: str) -> bool:
        """Whether WordNet knows ``token`` as an adjective alone ("medieval", "wooden")."""
        return self.wordnet is not None and self.wordnet.parts_of_speech(token) == {"a"}

    def nounlike(self, token: str) -> bool:
        if self.wordnet is None or is_break(token) or token in NEGATORS:
            return False
        return "n" in self.wordnet.parts_of_speech(token)

    def adjective(self, token: str) -> bool:
        return self.wordnet is not None and "a" in self.wordnet.parts_of_speech(token)

    def could_modify(self, tokens: Sequence[str], i: int) -> bool:
        """Whether the next token continues the noun phrase (a compound: "no dog collar")."""
        if i + 1 >= len(tokens) or self.wordnet is None:
            return False
        following = tokens[i + 1]
        return "n" in self.wordnet.parts_of_speech(following) and following not in FUNCTION_WORDS


_ADVERB = frozenset({"r"})


def _placing(token: str) -> bool:
    """Whether ``token`` is a preposition of place or way, or the spatial class one was read as
    ("@across")."""
    return token in PLACING or token.startswith("@")


def _s_form(token: str, previous: Word) -> bool:
    """Whether ``token`` after ``previous`` may be a verb's "-s" form: "runs", "a man kiss";
    not "dress" after a material ("a silk dress")."""
    return token.endswith("s") and not (token.endswith("ss") and previous.lemmas & MATERIALS)
