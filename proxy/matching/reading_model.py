"""What the verifier reads from a prompt: its words (:class:`Word`) and the whole
(:class:`Reading`). :mod:`proxy.matching.reading` makes them; the verifier, the role checks and
the coverage of a cached prompt read them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from proxy.matching.lexicon import Pos

__all__ = ["Reading", "Readings", "Thing", "Word"]


Thing = tuple[str, str, int]
Readings = tuple[tuple[Pos, str], ...]


_SEASONS_TOO = frozenset({"spring", "fall"})
"""Last parts of compounds that name a season alone: "a hot_spring" names no "spring"."""


@dataclass(slots=True)
class Word:
    """One content word of a prompt."""

    text: str
    lemmas: frozenset[str]
    plural: bool = False
    negated: bool = False
    noun: bool = False
    head: int | None = None
    """Index of the head noun this word is attached to (itself, for a head)."""
    style_scope: bool = False
    """Inside "by ..." or "in the style of ...": an artist's or a style's name."""
    nounish: bool = False
    """A noun reading exists ("a rainbow", "a light"), even for a describing word."""
    verb: bool = False
    bound: bool = False
    """A verb right after its noun, which it describes ("a man riding a bike")."""
    opens_tag: bool = False
    """A bound verb whose noun opens a tag of its own ("..., a salaryman loosening his tie"):
    that noun does it, whatever its role."""
    leads_tag: bool = False
    """A verb that opens a tag with no noun before it ("..., standing on a moon base"): who does
    it is a guess, and so is whose the places after it are."""
    after_pronoun: bool = False
    """A verb after a pronoun ("..., she is crying"): said of one named before, whom the
    pronoun picks."""
    role: str = ""
    """For a head noun: the preposition that introduced it, "subject" or "object"."""
    animate: bool = False
    """A person or an animal, which can do things."""
    occurrence: int = 0
    forward: bool = False
    """Describes the noun that follows: "black" in "a black and white dog"."""
    readings: tuple[tuple[Pos, str], ...] = ()
    """WordNet's (part of speech, lemma) readings of the word."""
    governor: str | None = None
    """For a verb's object: the verb ("holds" for "a spoon" in "holds a spoon")."""
    listed: bool = False
    """A head that took its role from the thing before it across a comma alone ("..., a forest
    clearing, wildflowers"): in a list of tags that role is a guess."""
    possessor: bool = False
    """Followed by "'s": "dog" in "the dog's owner", which the owner belongs to."""
    tag: bool = False
    """A word alone between commas: "cyberpunk" in "a city at night, cyberpunk"."""
    whole: bool = False
    """A tag of describing words alone ("..., dramatic, ..."): it describes the whole picture,
    so it has no head."""
    owned: bool = False
    """A tag of what someone has that the tag before gives an owner: "silver armor" in "a
    knight, silver armor, a mage" (its role is "with/knight")."""
    settled_key: str | None = field(default=None, init=False, repr=False, compare=False)
    """:attr:`key`, kept once the prompt is read and the word no longer changes (a check asks
    for it hundreds of times)."""

    @property
    def key(self) -> str:
        """What the word names, for telling roles apart: its lemma, or a compound's last part
        ("egg" for "fried egg", so "a fried egg" and "a colourful egg" name one kind of thing)."""
        if self.settled_key is not None:
            return self.settled_key
        base = self.base
        last = base.rsplit("_", 1)[-1]
        return base if last in _SEASONS_TOO else last

    @property
    def base(self) -> str:
        """The dictionary form, as the part of speech the prompt gives the word ("sit" for the
        verb "sitting", "wooden" for the adjective)."""
        wanted = self.pos
        for pos, lemma in self.readings:
            if wanted is None or pos == wanted:
                return lemma
        return min(self.lemmas)

    @property
    def thing(self) -> Thing:
        """A head noun as the role checks see it: what it names, its role, and which of the
        things of its kind in the prompt it is (0 for the first "bear", 1 for the next)."""
        return (self.key, self.role, self.occurrence)

    @property
    def pos(self) -> Pos | None:
        """The part of speech the word is read as, where the prompt settles it."""
        if self.verb:
            return "v"
        if self.noun:
            return "n"
        return None


@dataclass(slots=True)
class Reading:
    """What the verifier reads from one prompt."""

    words: list[Word] = field(default_factory=list)
    texts: frozenset[str] = frozenset()
    numbers: Counter[int] = field(default_factory=Counter)
    spatial: frozenset[str] = frozenset()
    placed: frozenset[tuple[str, str]] = frozenset()
    """(thing, spatial class) for a place said of the thing before with nothing after: "a
    castle in the distance, a knight" places the castle, not the knight."""
    sides: frozenset[tuple[str, frozenset[str], str]] = frozenset()
    """(thing, the words that describe it, spatial class) for each thing of a kind named more
    than once that such a place is said of: "an older sister on the left" is ("sister",
    {"older"}, "left")."""
    directions: frozenset[str] = frozenset()
    """Direction particles: "up", "off", "out", ..."""
    tokens: frozenset[str] = frozenset()
    groups: dict[int, list[int]] = field(default_factory=dict)
    """Head index -> the heads joined with it by "and", "or" or a comma (itself included); one
    shared list per group."""
    head_indexes: list[int] = field(default_factory=list)
    """The head nouns, in order."""
    placed_apart: set[int] = field(default_factory=set)
    """Heads joined to a thing that has a place of its own, and placed by what follows them:
    "nets" in "a hut with gulls on the roof and nets by the door"."""
    kinds: Counter[str] = field(default_factory=Counter)
    """How many head nouns name each kind of thing."""
    emoji: tuple[str, ...] = ()
    """The prompt's emoji and other pictographs, in order: each names a thing."""
    unknown: frozenset[str] = frozenset()
    """Content words the lexicon does not know (names, typos, other languages)."""
    palette: str | None = None
    """"monochrome" for a black-and-white, grayscale or sepia image, "colour" for one asked in
    colour, None when the prompt does not say."""
    camera: frozenset[str] = frozenset()
    """Where the camera is asked to stand ("aerial view": above; "close-up": close)."""
    amounts: frozenset[str] = frozenset()
    """Amounts stated on a scale, as ``scale:value`` ("fullness:empty", "plenty:many")."""
    amounts_of: frozenset[tuple[str, str, str]] = frozenset()
    """Amounts stated of each thing, as (scale, value, thing): ("plenty", "many", "sheep")."""
    counted: dict[str, int] = field(default_factory=dict)
    """Numbers stated of things, by the name an amount names them: {"policemen": 2}."""
    sequence: tuple[str, ...] = ()
    """The prompt's tokens in order, before compounds are joined (for mending typos)."""
    unreadable: bool = False
    """Letters of another script, or mostly words the lexicon does not know: the reader cannot
    tell what the prompt asks for."""

    def heads(self) -> list[int]:
        return self.head_indexes

    def group(self, head: int) -> list[int]:
        """``head`` and the heads coordinated with it."""
        return self.groups.get(head, [head])
