"""What a prompt says, with the ways of saying it that do not change the picture folded away.

Two layers, both conservative:

- :func:`proxy.matching.filler.strip_filler` works on text and is part of the canonical prompt
  (so it decides exact hits and what is embedded): resolution and quality tags, neutral framing,
  request phrasing, and a few phrasings said one way ("on a windy day" as "windy").
- :func:`normalise_tokens` works on the verifier's tokens: one spelling for British and American
  words, one word for each group of listed synonyms, one preposition for those of place and time
  that do not move anything, and a medium or framing phrase that opens a prompt or a tag moved
  to the end ("an oil painting of a lighthouse" reads as "a lighthouse, oil painting").

The vocabularies live in :mod:`proxy.matching.words`; one spelling per word is
:mod:`proxy.matching.respelling`'s.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

from proxy.matching.amounts_said import AMOUNT_WORDS, amounts_alike, done_by_many
from proxy.matching.passives import active, names_the_doer
from proxy.matching.rephrasing import early_in, styled_by
from proxy.matching.respelling import OWNERS_SAID, SPELLINGS
from proxy.matching.synonyms import SYNONYMS
from proxy.matching.weather import UNDER, ends_phrase, weather_last
from proxy.matching.word_order import (
    BY_DAY,
    DETERMINERS,
    LAMPLIGHT,
    PART_ENDS,
    TIMES,
    doer_first,
    each_place_last,
    fronted,
    fronted_place,
    fronted_time,
    looks_like_verb,
    place_last,
)
from proxy.matching.words import (
    ART_SITES,
    DEFAULT_MEDIA,
    FUNCTION_WORDS,
    LOOSE_PREPOSITIONS,
    MEDIA,
    NUMBERS,
    PUBLICATION_PARTS,
    PUBLICATIONS,
    STYLES,
)

__all__ = ["GATHERING", "REPLACEMENTS", "fold_words", "normalise_tokens"]


def _replacements() -> dict[str, str]:
    """Every listed spelling and synonym -> the form the verifier reads."""
    table = dict(SPELLINGS)
    listed = {}
    for line in SYNONYMS.strip().splitlines():
        first, *others = line.split()
        for word in others:
            if ":" in word:
                form, target = word.split(":")
                listed[form] = target
            else:
                table[word] = first
                table.setdefault(word + "s", _IRREGULAR.get(first, first + "s"))
    table.update(listed)
    # A compound the reader has joined ("mobile_phone") is looked up as "mobile-phone", as
    # hyphenated words are.
    table.update({word.replace("_", "-"): form for word, form in table.items() if "_" in word})
    return table


_PAINTINGS = frozenset({"watercolor", "watercolour", "gouache"})
"""Media that name a painting on their own."""
_IRREGULAR = {"man": "men", "woman": "women", "child": "children"}
REPLACEMENTS = _replacements()
_FILLED = frozenset(
    """pool pools swimming swimming_pool tank tub bath bathtub fountain aquarium glass bottle
    jar box cup bowl basket bucket vase crate barrel cage nest shelf shelves fridge plate pot
    bag tray drawer cupboard wallet purse can room rooms apartment apartments flat warehouse
    house houses office garage barn attic closet wardrobe locker""".split()
)
"""Things "empty" says have nothing in them (water, furniture, goods), not that no one is
there, as "deserted" says."""
_KEEP_BEFORE = {"still": frozenset({"life", "lifes"}), "deserted": _FILLED}
"""Listed words that are something else before these ("a still life" is a genre, "a deserted
pool" may be full of water)."""
_SUNLIT = frozenset({"drenched", "soaked", "bathed"})
"""What "sun" before it makes sunlit, not wet: "a sun drenched beach", "a sun soaked terrace"."""
_BEINGS_TOO = frozenset({"giant"})
"""Listed sizes that name a being after a word for its kind: "a frost giant, icy beard", "a
moss giant shielding a knight"; "a giant tree" is huge."""
_KINDS_OF_GIANT = frozenset(
    """
    frost ice snow fire flame lava magma stone rock iron steel bronze moss forest wood tree
    mountain hill cloud storm thunder sea ocean sand desert swamp earth crystal bone shadow
    sun moon star
    """.split()
)
"""What a giant of myth or a game is made of or lives in, said before "giant"."""
_FILMED = frozenset({"film", "movie", "cinematic", "video", "tv", "anime"})
"""What makes "still" a medium after it: "a film still of a cowboy" is "a cowboy, film still"."""
_JUMPING = frozenset(
    "jump jumps jumped jumping leap leaps leaped leapt leaping hop hops hopped hopping "
    "vault vaults vaulted vaulting hurdle hurdles hurdled hurdling".split()
)
"""Verbs whose object is what they go over ("jumps a fence")."""


LOWER_WORD = re.compile(r"(?<![\w'-])[a-z]+(?![\w'-])")
"""A lower-case word standing alone (not part of "x-ray", "dog's" or a mixed-case name)."""


_PHOTO_OF = re.compile(
    r"(?:^|(?<=,))\s*(?:(?:a|an|the)\s+)?(?:"
    + "|".join(sorted(DEFAULT_MEDIA))
    + r")s?\s+(?:of|showing)\s+(?=\w)"
)


def fold_words(text: str) -> str:
    """``text`` in one spelling and one word per group of listed synonyms ("a grey bunny" is "a
    gray rabbit"), without a photo frame ("a photo of a cat" is "a cat", which the verifier
    agrees a photo shows): what the embedding model reads, so such re-asks land near each
    other."""
    text = _PHOTO_OF.sub(" ", text).strip()
    return LOWER_WORD.sub(lambda m: REPLACEMENTS.get(m.group(), m.group()), text)


def _a_verb_before(tokens: Sequence[str], i: int) -> bool:
    """Whether the "-s" word at ``i`` is a verb, a thing after it and one before: "the cat
    photographs the monkey" (not "photos")."""
    return (
        tokens[i].endswith("s")
        and 0 < i < len(tokens) - 1
        and tokens[i + 1] in DETERMINERS
        and tokens[i - 1][:1].isalpha()
        and tokens[i - 1] not in FUNCTION_WORDS
    )


def _done_with(out: Sequence[str], verb_like: Callable[[str], bool] | None) -> bool:
    """Whether "using" after ``out`` names what a verb of its part before it is done with: an
    -ing verb and what it is done to come first ("chopping firewood using an axe")."""
    for k in range(len(out) - 1, 0, -1):
        if out[k] in PART_ENDS:
            return False
        if out[k].endswith("ing") and (verb_like is None or verb_like(out[k])):
            return k + 1 < len(out) and (
                out[k + 1] not in FUNCTION_WORDS or out[k + 1] in DETERMINERS
            )
    return False


def _head_after(tokens: Sequence[str], start: int) -> str:
    """The last word of the words from ``tokens[start]`` that no function word or part end
    breaks: the noun of "a sharp axe" after "using"."""
    head = ""
    for token in tokens[start:]:
        if token in PART_ENDS or token in FUNCTION_WORDS:
            break
        head = token
    return head


def normalise_tokens(
    tokens: Sequence[str],
    verb_like: Callable[[str], bool] | None = None,
    alive: Callable[[str], bool] | None = None,
    only_doing: Callable[[str], bool] | None = None,
    tool: Callable[[str], bool] | None = None,
) -> list[str]:
    """The verifier's tokens (spelt alike, compounds joined) with synonyms, loose prepositions
    and media folded; ``verb_like`` and ``alive`` as :func:`proxy.matching.passives.active`
    takes them, ``only_doing`` as :func:`proxy.matching.word_order.fronted`; ``tool``: whether
    a noun names a tool, a device or an instrument (none does where it is None)."""
    if not AMOUNT_WORDS.isdisjoint(tokens):
        tokens = amounts_alike(tokens)
    if "style" in tokens or "manner" in tokens:
        tokens = styled_by(tokens)
    if "early" in tokens or "late" in tokens:
        tokens = early_in(tokens)
    if (fronted_time(tokens) or fronted_place(tokens)) is not None:
        # "at night a fox crossing a road" is "a fox crossing a road, at night"; "on top of a
        # hill a boy flies a kite, in the valley a girl picks flowers": each part's place moves
        # alone, to the end of its own part
        tokens = each_place_last(tokens)
    elif tokens and fronted(tokens, only_doing) and "," in tokens:
        # "in a snowy forest, a wolf howls" is "a wolf howls, in a snowy forest"; "in a red
        # dress, a boy kisses a girl": the dress stays apart from the girl, as the comma kept
        # it; what someone does ("riding a horse, a knight") and a participle's phrase
        # ("silhouetted against the moon, a caravan") follow who, as said there
        comma = tokens.index(",")
        if looks_like_verb(tokens[0]):
            tokens = doer_first(tokens, comma, verb_like, alive)
        else:
            when = tokens[:comma]
            tokens = place_last(tokens, comma)
            if (
                not TIMES.isdisjoint(when)
                and fronted(tokens)
                and not looks_like_verb(tokens[0])
                and "," in tokens
            ):
                # "at dusk, opposite the harbor, a lighthouse": the place after the time too
                # (not a second place: "in a box, on a shelf, a kitten" keeps its order)
                tokens = place_last(tokens, tokens.index(","))
    out: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in {"aged", "age"} and out and out[-1] == "middle":
            out[-1] = "middle-aged"  # an age of its own, not "aged" (old) in the middle
            continue
        replacement = REPLACEMENTS.get(token.replace("_", "-"))
        if (
            replacement is not None
            and following not in _KEEP_BEFORE.get(token, ())
            and not (token == "still" and i and tokens[i - 1] in _FILMED)
            and not (token in _SUNLIT and i and tokens[i - 1] == "sun")
            and not _a_verb_before(tokens, i)
            and not (token in _BEINGS_TOO and _names_a_being(tokens, i))
        ):
            token = replacement
        elif token == "gentle" and _said_softly(tokens, i):
            token = "soft"  # "gentle morning light", "a gentle breeze": "soft" says the same
        elif token in _SUNLIT and out and out[-1] == "sun":
            out.pop()
            token = "sunlit"  # "a sun drenched beach" is a sunlit one
        elif token in _SEASONS_SAID and out and out[-1] in _BEFORE_A_SEASON:
            token = _SEASONS_SAID[token]  # "in spring" is the season, not "a hot spring"
        elif token == "thick" and following in _THICK_WEATHER and ends_phrase(tokens, i + 2):
            token = "heavy"  # "thick snow", "thick fog": as much as "heavy" says
        elif token == "falls" and out and out[-1] == "the":
            token = "waterfall"  # "a house by the falls" is by a waterfall, not in autumn
        elif token == "spring" and out and out[-1] == "a" and following in _AFTER_A_SPRING:
            token = "natural_spring"  # "a deer drinking from a spring": water, no season
        elif token in _AT_OR_AROUND and out and out[-1] in _SEATED and _a_table(tokens, i + 1):
            token = "around"  # "sitting at a table" is sitting around it, not on it
        elif token in LOOSE_PREPOSITIONS or (token == "attending" and following in DETERMINERS):
            token = "in"  # "at a concert", "attending a concert"
        elif token == "round" and following in _OPENERS and not (out and out[-1] in DETERMINERS):
            token = "around"  # "dancing round a bonfire", "round her neck"; not "a round table"
        elif token == "around" and _WHEN.intersection(_after_determiner(tokens, i + 1)[:1]):
            token = "in"  # "around noon" is "at noon", "around christmas" "at christmas"
        elif token == "over" and _a_while(_after_determiner(tokens, i + 1)):
            token = "in"  # "over the summer holidays" is "during" them, not above them
        elif token == "by" and (
            following in LAMPLIGHT
            or tokens[i + 1 : i + 4] == _THE_LIGHT_OF
            or (following in BY_DAY and tokens[i + 2 : i + 3] in ([], [","], ["."], ["and"]))
        ):
            # "writing by candlelight" is writing in it, not a painter's name; "by the light of the
            # full moon" is in it; "a garden by night" is "at night"
            token = "in"
        elif token in UNDER and (
            _SKY.intersection(_after_determiner(tokens, i + 1)[:2])
            or _lit(tokens, i + 1)
            or tokens[i + 1 : i + 4] == _THE_LIGHT_OF
            or _after_determiner(tokens, i + 1)[:1] in (["shade"], ["shadow"])
        ):
            # "under the moonlight", "under a starry sky", "under soft morning light": lit by
            # it, not below it; "under the light of a torch" is by it; "under the shade of a
            # tree" is in it
            token = "in"
        elif token in _ACROSS and _SKIES.intersection(_after_determiner(tokens, i + 1)[:2]):
            token = "in"  # "drifting across the sky", "through the sky": in it either way
        elif (
            token == "by"
            and following in DETERMINERS
            and not names_the_doer([*out, *tokens[i:]], len(out), verb_like, alive)
        ):
            token = "beside"  # "a cabin by the lake"; but "kicked by a boy", "by greg rutkowski"
        elif token == "before" and following in DETERMINERS and out and out[-1] in _FACING:
            out += ["in", "front"]  # "kneeling before a king" is "kneeling in front of" him
            token = "of"
        elif (
            token in GATHERING
            and following in _GATHERING_WHERE
            and done_by_many(out)
            and out[-1] not in FUNCTION_WORDS
        ):
            token += "ing"  # "bees swarm around a hive" as "bees swarming": no swarm of them
        elif (
            token == "between" and out[-1:] and out[-1] in _SPREADING and _among_many(tokens, i + 1)
        ):
            # "mist drifting between the trees" is among them; but "a rope bridge between the
            # cliffs" joins two
            token = "among"
        elif token == "opposite" and following in DETERMINERS:
            out.append("across")  # "a cafe opposite the church" is "across from" it
            token = "from"
        elif token in _NOBODY or (token == "one" and out and out[-1] == "no" and following != "of"):
            if token in _NOBODY:
                out.append("no")
            token = "person"  # "a street with nobody", "no one in the room": no person shown
        elif token == "photographed" and out and out[-1] == "," and following in ("", ","):
            token = "photo"  # "a bowl of pho, photographed" is "a photo of a bowl of pho"
        elif token == "painting" and out and out[-1] in _PAINTINGS:
            continue  # "a watercolor painting" is "a watercolor"
        elif token == "drawing" and following in _TAG_ENDS and _drawn_style(out):
            continue  # "comic book style drawing" is "comic book style": drawn as it is
        elif token == "style" and following != "of" and out and out[-1] in _STYLED:
            # "watercolor style" is "watercolor", "anime style drawing" "anime drawing", and
            # "woodcut print style" "woodcut print"
            continue
        elif token == "style" and following in MEDIA and out and out[-1][:1].isalpha():
            continue  # "art deco style poster" is "art deco poster"
        elif token == "over" and out and out[-1] in _JUMPING and following in DETERMINERS:
            continue  # "a deer jumping over a fence" is "a deer jumping a fence"
        elif (
            token == "using"
            and following in _OPENERS
            and tool is not None
            and tool(_head_after(tokens, i + 2))
            and _done_with(out, verb_like)
        ):
            # "splitting firewood using an axe"; but "a man using a laptop", "... using a friend"
            token = "with"
        elif token == "high" and out and out[-1] in _PILED:
            continue  # "apples piled high": how many, which the amounts say, not a "high"
        elif _trending(tokens, i) or (i and token == "on" and _trending(tokens, i - 1)):
            continue  # "trending on artstation" is the tag "artstation": it places nothing
        if token == "busy" and alive is not None and _a_place_after(tokens, i + 1, alive):
            token = "crowded"  # "a busy market" is a crowded one; "a busy mom" is no crowd
        out.append(token)
    # The medium first, so that what it shows is read as any other part: "a watercolor of a
    # lake surrounded by trees" as "trees surrounded a lake, watercolor", like "a lake
    # surrounded by trees, watercolor"; and again after the weather.
    out = active(_media_last(out, sentences=False), verb_like, alive)
    if alive is not None and not _SHOWS.keys().isdisjoint(out):
        out = _shown_by_someone(out, alive)
    return _media_last(weather_last(out))


_PILED = frozenset({"piled", "heaped", "stacked"})
_OPENERS = DETERMINERS | OWNERS_SAID
_SHOWS = {
    "show": "demonstrate",
    "shows": "demonstrates",
    "showing": "demonstrating",
    "showed": "demonstrated",
    "shown": "demonstrated",
}
""""Show" is a function word, as in "a photo showing a cat"; said of a person or an animal it
is what they do: "a grandfather showing a girl a mushroom" is not "a girl showing a grandfather
a mushroom"."""


def _shown_by_someone(tokens: list[str], alive: Callable[[str], bool]) -> list[str]:
    """``tokens`` with "show" said right after a person or an animal ("a man shows", "a girl is
    showing") as the verb "demonstrate", which the reader reads."""
    out = list(tokens)
    for i, token in enumerate(tokens):
        if token in _SHOWS and i:
            doer = tokens[i - 2] if tokens[i - 1] in _FINITE_BE and i > 1 else tokens[i - 1]
            if doer[:1].isalpha() and alive(doer):
                out[i] = _SHOWS[token]
    return out


_TRENDING = frozenset(["trending", "featured", "popular"])
_ON_A_SITE = frozenset(("on", site) for site in ART_SITES)


def _trending(tokens: Sequence[str], i: int) -> bool:
    """Whether ``tokens[i]`` opens "trending on artstation" (or "featured on pixiv", ...)."""
    return tokens[i] in _TRENDING and tuple(tokens[i + 1 : i + 3]) in _ON_A_SITE


def _names_a_being(tokens: Sequence[str], i: int) -> bool:
    """Whether the size ``tokens[i]`` names a being of the kind the word before it says: "a
    frost giant", "a moss giant shielding a knight"; elsewhere it is a size, as it is wherever
    the word before might describe either ("a friendly giant", "a giant tree", "blows giant
    bubbles")."""
    return i > 0 and tokens[i - 1] in _KINDS_OF_GIANT


_WHEN = TIMES | frozenset(
    "christmas christmastime halloween easter thanksgiving hanukkah diwali new_year".split()
)
"""Times, and the holidays that say one: "around" them is "at" them, not encircling them."""
_SKY = LAMPLIGHT | frozenset(
    """
    sky skies night_sky stars moon sun full_moon sunshine
    northern_lights aurora aurora_borealis aurora_australis
    """.split()
)
"""What a thing is "under" when it is lit by it or out in the open, not below something."""


_ACROSS = frozenset({"across", "through"})
_SKIES = frozenset({"sky", "skies", "night_sky"})
"""What one crosses in: "across the sky" is in it, "across the sun" passes in front of it."""
_DRAWN_STYLES = frozenset("anime manga cartoon comic comic_book chibi".split())
"""Styles that are drawn: "..., anime drawing" says no more than "..., anime"."""
_TAG_ENDS = frozenset(["", ",", "."])
_STYLED = STYLES | MEDIA


def _drawn_style(out: Sequence[str]) -> bool:
    """Whether the words before end with a drawn style, "style" said or not ("anime style")."""
    end = len(out) - 1 if out[-1:] == ["style"] else len(out)
    return end > 0 and out[end - 1] in _DRAWN_STYLES


_THICK_WEATHER = frozenset("snow snowfall fog mist smoke rain clouds cloud".split())


def _a_place_after(tokens: Sequence[str], start: int, alive: Callable[[str], bool]) -> bool:
    """Whether the noun phrase at ``start`` ends in a thing that is no person or animal: "a
    busy night market", "a busy dog park"; not "a busy street vendor", "a busy mom"."""
    head = ""
    for token in tokens[start : start + 4]:
        if not token[:1].isalpha() or token in FUNCTION_WORDS or (head and looks_like_verb(token)):
            break  # "a busy mom cooking": the mom
        head = token
    return bool(head) and not alive(head)


GATHERING = frozenset({"swarm", "flock", "crowd"})
"""Names of groups that are verbs after a plural ("bees swarm around a hive")."""
_GATHERING_WHERE = frozenset(
    "around round over into in through to toward towards across along near about".split()
)
_NOBODY = frozenset({"nobody", "noone"})
_SEASONS_SAID = {"spring": "springtime", "fall": "autumn"}
_BEFORE_A_SEASON = frozenset("in during through until since this last next early late".split())
"""Words after which "spring" and "fall", with no article, name the season: "in spring"."""
_AFTER_A_SPRING = frozenset(["", ",", ".", "in", "on", "at", "near", "by", "with", "under", "and"])
_SEATED = frozenset(
    "sit sits sitting sat seated gather gathers gathering gathered huddled crowded".split()
)
_TABLES = frozenset("table tables desk desks".split())
_AT_OR_AROUND = frozenset({"at", "around"})
"""What people sit "around" as they sit "at" it."""


def _a_table(tokens: Sequence[str], i: int) -> bool:
    """Whether a noun phrase that names a table opens at ``i``: "a long dining_table"."""
    end = next((k for k in range(i, len(tokens)) if tokens[k] in PART_ENDS), len(tokens))
    return any(
        token.rsplit("_", 1)[-1] in _TABLES or token == "roundtable"
        for token in tokens[i : min(end, i + 5)]
    )


_FACING = frozenset(
    """
    kneel kneels kneeling knelt bow bows bowing bowed stand stands standing stood pray prays
    praying prayed sit sits sitting sat pose poses posing posed
    """.split()
)
"""Postures whose "before" someone is "in front of" them, not earlier than them."""


_LIGHT = frozenset({"light", "lighting", "glow"})
_LAMPS = frozenset(
    "hanging ceiling pendant desk overhead fluorescent neon street traffic reading flood porch "
    "lone single".split()
)
"""Words that make a light a lamp ("under the hanging light")."""
_LONGEST_LIGHT = 4
_SOFT_THINGS = _LIGHT | frozenset(
    "sunlight moonlight breeze wind ripples waves rain drizzle smile music shadows".split()
)
"""What "gentle" and "soft" describe alike: "gentle light" is "soft light", where "a soft drink",
"soft focus" and "a gentle giant" are something else."""


def _said_softly(tokens: Sequence[str], i: int) -> bool:
    """Whether the next few words after ``tokens[i]`` in its phrase name one of
    ``_SOFT_THINGS`` ("gentle golden lighting", "a gentle breeze", "gentle light through")."""
    return not _SOFT_THINGS.isdisjoint(_words_of_phrase(tokens[i + 1 : i + _LONGEST_LIGHT]))


def _words_of_phrase(tokens: Sequence[str]) -> list[str]:
    """The words ``tokens`` open with, up to a function word or punctuation."""
    return list(itertools.takewhile(lambda t: t[:1].isalpha() and t not in FUNCTION_WORDS, tokens))


def _lit(tokens: Sequence[str], i: int) -> bool:
    """Whether the phrase at ``i`` is light described ("soft morning light", "the warm golden
    light"): what a thing is in, where "a light", "a bright light" or "the hanging light" may
    be a lamp above it."""
    if tokens[i : i + 1] in (["a"], ["an"]):
        return False
    phrase = _words_of_phrase(_after_determiner(tokens, i)[:_LONGEST_LIGHT])
    return len(phrase) > 1 and phrase[-1] in _LIGHT and _LAMPS.isdisjoint(phrase)


_THE_LIGHT_OF = ["the", "light", "of"]
_WHILES = frozenset("summer winter spring autumn fall weekend holidays holiday christmas".split())
_WHILE_ENDS = frozenset("holidays holiday break vacation months".split())


def _a_while(tokens: Sequence[str]) -> bool:
    """Whether ``tokens`` open with a stretch of time that ends its phrase ("summer holidays",
    "the weekend"), not a thing named by its season ("summer fields")."""
    return (
        bool(tokens)
        and tokens[0] in _WHILES
        and (ends_phrase(tokens, 1) or (tokens[1] in _WHILE_ENDS and ends_phrase(tokens, 2)))
    )


_SPREADING = frozenset(
    """
    drift drifts drifting drifted float floats floating floated wander wanders wandering
    wandered weave weaves weaving wind winds winding fly flies flying flew dart darts darting
    darted run runs running ran walk walks walking walked hide hides hiding hidden peek peeks
    peeking peeked grow grows growing scattered nestled nestling stand stands standing stood
    graze grazes grazing grazed roam roams roaming roamed swirl swirls swirling swirled
    """.split()
)
"""What goes on among many things, which "between" them says as well: "deer grazing between the
trees"."""


def _among_many(tokens: Sequence[str], i: int) -> bool:
    """Whether the phrase at ``i`` is one plural ("the trees", "the animals"), not two things or
    a number of them ("the bride and groom", "two trees")."""
    said = _after_determiner(tokens, i)[:2]
    return (
        bool(said)
        and said[0].endswith("s")
        and not said[0].endswith("ss")
        and said[0] not in NUMBERS
        and said[1:] != ["and"]
    )


def _after_determiner(tokens: Sequence[str], i: int) -> Sequence[str]:
    return tokens[i + 1 :] if tokens[i : i + 1] and tokens[i] in DETERMINERS else tokens[i:]


_GLASS_WINDOW = ["stained_glass", "window"]
_PANELS = frozenset(story + part for story in PUBLICATIONS for part in PUBLICATION_PARTS)
"""A comic's or a storybook's panel or page, a magazine's cover, written as one word
(:mod:`proxy.matching.filler`), a medium as "a comic" is: "comic panel of two pirates" is "two
pirates, comicpanel" (but "four comic panels" are counted, and "the cover of a book" a cat
sleeps on is a thing)."""


_FINITE_BE = frozenset({"is", "are", "was", "were"})


def _media_last(tokens: list[str], *, sentences: bool = True) -> list[str]:
    """ "an oil painting of a lighthouse, at night" -> "a lighthouse, at night, oil painting":
    the medium names how the scene is shown, not a thing in it, wherever the prompt puts it.
    ``sentences`` false: not where a verb follows the medium's thing ("a mural of whales was
    painted by a teenager": the mural is a thing, read once the voice is active)."""
    for i, token in enumerate(tokens[:-1]):
        if tokens[i + 1] != "of":
            continue
        medium = (
            token.rsplit("_", 1)[-1] in MEDIA
            or tokens[i - 1 : i + 1] == _GLASS_WINDOW
            or token in _PANELS
            or (token == "still" and i > 0 and tokens[i - 1] in _FILMED)
        )
        # "a claymation scene of a mouse" is "a mouse, claymation"
        scene = token == "scene" and i > 0 and tokens[i - 1] in MEDIA
        if medium or scene:
            start = i
            while start > 0 and tokens[start - 1] not in DETERMINERS | PART_ENDS:
                start -= 1
            describing = tokens[start : i if scene else i + 1]
            if start > 0 and tokens[start - 1] in DETERMINERS:
                start -= 1
            if start > 0 and tokens[start - 1] not in PART_ENDS:
                continue  # "a room with a painting of a horse": the painting is in the scene
            end = i + 2
            while end < len(tokens) and tokens[end] not in PART_ENDS:
                end += 1
            shown = tokens[i + 2 : end]
            if not sentences and not _FINITE_BE.isdisjoint(shown):
                continue
            rest = _media_last(tokens[end:], sentences=sentences)
            return [*tokens[:start], *shown, ",", *describing, *rest]
    return tokens
