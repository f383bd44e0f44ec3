"""The verifier on hand-written pairs, one or more per kind of difference the issue names, with
the real WordNet database that ``make setup`` installs (Debian's wordnet-base)."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import hypothesis
import pytest
from hypothesis import strategies
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bench import probes
from proxy.cache.controls import CacheControls
from proxy.matching import canonical, features, filler, spelling, tag_order
from proxy.matching.decision import LONG_PROMPTS, MatchPolicy, Query
from proxy.matching.lexicon import DEFAULT_WORDNET_DIR, WordNet
from proxy.matching.reading import KNOWN, REMEMBERED
from proxy.matching.spelling import Speller, hyphenated_alike, rejoined, replace_words
from proxy.matching.synonyms import SYNONYMS
from proxy.matching.verify import REASONS, Verifier
from proxy.matching.words import FRAMES
from tests.conftest import TEST_PARTITION, cached_candidate


@pytest.fixture(scope="module")
def wordnet() -> WordNet:
    lexicon = WordNet.open(DEFAULT_WORDNET_DIR)
    assert lexicon is not None, "WordNet missing: `make setup` installs Debian's wordnet-base"
    return lexicon


@pytest.fixture(scope="module")
def verifier(wordnet: WordNet) -> Verifier:
    return Verifier(wordnet)


# (image cached for, request, expected reason)
REJECTED = [
    ("a black-and-white photo of a dog", "a color photo of a dog", "colour"),
    # a thing before a hyphen and "-ing" is what the next one does things to, not a doer
    ("a man-eating shark", "a man eating a shark", "object"),
    ("a bird-eating spider", "a bird eating a spider", "object"),
    # black and white said of a thing is no black-and-white picture
    ("a colorful photo of a black-and-white cat", "a black-and-white photo of a cat", "colour"),
    ("a black and white cat on a red sofa", "a black and white photo of a cat on a sofa", "colour"),
    # words apart are the hyphenated word only where the same word follows both
    ("a hand-made clay pot", "a hand made of clay", "object"),
    ("a wind-up car and a robot", "a wind up car and wind up the robot", "action"),
    ("a man pick up a truck", "a pick-up truck", "object"),
    ("a color photo of a dog", "a black-and-white photo of a dog", "colour"),
    ("a photo of a dog", "a dog, black-and-white photo", "colour"),
    ("three apples on a table", "two apples on a table", "count"),
    ("3 apples on a table", "three apples on a table and a pear", "object"),
    ("a dog on a sofa", "two dogs on a sofa", "count"),
    ("a dog on a sofa", "dogs on a sofa", "count"),
    # "shoes" is a word of its own in WordNet ("in his shoes") and the plural of "shoe".
    ("shoes on a rack", "a shoe on a rack", "count"),
    # "one" is what "a" or "the" shows of a thing named as one, uncounted; not of a thing counted
    # in a word that has no plural, nor where "each" makes one several.
    ("three goldfish in a round bowl", "one goldfish in a round bowl", "count"),
    ("a woman with a controller in each hand", "a woman with a controller in one hand", "count"),
    ("dogs on a sofa", "one dog on a sofa", "count"),
    ("a cat chasing a frisbee", "a doggo chasing a frisbee", "object"),  # a listed synonym
    ("a cat resting on a couch", "a cat sleeping on a couch", "action"),
    # "making its way" leaves open how it goes, but not that it goes; nor whose way it is
    ("a man standing in a crowd", "a man making his way through a crowd", "action"),
    ("a car parked on a street", "a car making its way down a street", "action"),
    ("a man making his way through a crowd", "a man running through a crowd", "action"),
    # "making its way" cached shows no way of going in particular; a way of going shows it,
    # not moving without going anywhere, nor going the other way
    ("a ship making its way through a storm", "a ship sinking in a storm", "action"),
    ("a man making his way across a bridge", "a man jumping off a bridge", "action"),
    ("a ship sinking in a storm", "a ship making its way through a storm", "action"),
    ("a man dancing in the forest", "a man making his way through the forest", "action"),
    ("a train leaving the station", "a train making its way into the station", "object"),
    ("a hiker climbing the mountain", "a hiker making his way down the mountain", "action"),
    ("a family running into a new home", "a family moving into a new home", "action"),
    (
        "a ferry sailing across a fjord and a car parked along the shore",
        "a ferry making its way across a fjord and a car making its way along the shore",
        "action",
    ),
    # a light verb's rewrite only where it means the act: water given to someone is a drink
    ("a volunteer watering marathon runners", "a volunteer giving water to the runners", "action"),
    ("a woman riding her horse", "a woman taking her horse for a ride", "action"),
    ("a puppy bathing a girl in a tub", "a puppy being bathed in a tub by a girl", "swapped_roles"),
    ("a castle, oil painting", "a castle, digitally painted", "style"),
    ("a man watching a magic trick", "a man performing a magic trick", "action"),
    # "doing" is a function word, but what is done is not what another verb does to it
    ("a gymnast watching a backflip", "a gymnast doing a backflip", "action"),
    ("a skateboarder filming a trick", "a skateboarder doing a trick", "action"),
    ("a child watching her homework", "a child doing her homework", "action"),
    # only the thing that crosses goes across what it crosses
    ("a woman with crossed legs beside a table", "a woman sitting across the table", "action"),
    (
        "a deer crossing a road, a fence along the road",
        "a deer crossing a road, a fence across the road",
        "spatial",
    ),
    ("a man eating in a crowd", "a man making his way through a crowd", "action"),
    ("a dog chasing a man through a park", "a man making his way through a park", "action"),
    # "performing" is no "doing": what a performer does is theirs ("a man watching a trick")
    ("a dancer sitting on a stage", "a dancer performing on a stage", "action"),
    ("a man crossing a street", "a man standing across the street", "action"),
    ("a dancer sitting on a stage", "a dancer dancing on a stage", "action"),
    ("a runner on a track", "a runner jumping on a track", "action"),
    ("a cyclist next to a bike", "a cyclist riding a bike", "action"),
    ("a girl sitting on a horse", "a girl riding a horse", "action"),
    ("a man on a bike", "a man riding", "action"),
    ("a dog crossing a river", "a dog swimming across a river", "action"),
    # "giving someone a hug" is hugging them: who hugs whom still counts
    ("a man hugging a girl", "a girl giving a man a hug", "swapped_roles"),
    ("a man holding flowers", "a man giving flowers to a woman", "action"),
    ("a dog walking in the park", "a man taking his dog for a walk in the park", "object"),
    ("a chef plating a dessert", "a chef plating a dessert, trending on artstation", "style"),
    # To WordNet a steel is a sword: a material is shown only as what its thing is made of.
    ("a sword with an obsidian blade", "a sword with a steel blade", "material"),
    ("a portrait by rembrandt", "a portrait by candlelight", "object"),
    ("a house next to a castle", "a house in the style of a castle", "style"),
    ("a portrait of van gogh", "a portrait by van gogh", "style"),
    ("a portrait in the style of rembrandt", "a portrait of rembrandt", "style"),
    # Found by review: a verb after "the" and a thing alive is a verb, so counts are compared;
    # "around" is a place of its own; "trending on artstation" only for a picture that is a
    # painting or a render, not one in the scene; a material is its thing's own.
    ("the cat sleeps on the bed", "the cats sleep on the bed", "count"),
    ("the man walks along the beach", "the men walk along the beach", "count"),
    ("a cake with candles around it", "a cake with candles on it", "spatial"),
    # but for a table sat at: "sitting around a pool" is not "in a pool"
    ("people sitting around a pool", "people sitting in a pool", "spatial"),
    ("a tree with fairy lights around it", "fairy lights with a tree around them", "swapped_roles"),
    ("a painting on the wall of a cafe", "a cafe, trending on artstation", "style"),
    ("a sculpture of a horse", "a horse, trending on artstation", "style"),
    ("a bottle, wood background", "a wooden bottle", "material"),
    ("a box of wood shavings", "a wooden box", "material"),
    ("the cat sleeps", "the cats sleep", "count"),
    ("a red car with a blue door", "a red car door", "colour"),  # not a colour
    ("a cabin in the early morning", "a cabin late in the morning", "attribute"),
    ("children painted a mural", "a mural was painted by women", "size_age"),
    # a palette is no thing's colour (found by review)
    (
        "a woman in a red dress, a man, purple and cyan, neon",
        "a woman in a purple dress, a man, red and cyan, neon",
        "colour",
    ),
    ("a cat, a dog, black and white", "a black cat, a white dog", "colour"),
    ("a woman, a man, red and blue", "a woman, red and blue, a man", "colour"),
    ("a police officer directing traffic", "a firefighter directing traffic", "object"),
    (
        "a stall with peppers, squash and heirloom tomatoes",
        "a stall with peppers, heirloom squash and tomatoes",
        "attribute",
    ),
    ("a cat, fireplace background", "a cat in a fireplace", "spatial"),
    ("a knight, snowy mountain background", "a knight on a snowy mountain", "spatial"),
    ("a girl with butterflies around her", "butterflies with a girl around them", "swapped_roles"),
    ("a painting of monet in his garden", "a painting by monet", "style"),
    ("a koi pond, oil painting", "a koi pond in the style of a watercolor", "style"),
    (
        "a sunken galleon wrapping its tentacles around a giant octopus",
        "a sunken galleon with a giant octopus wrapping its tentacles around it",
        "swapped_roles",
    ),
    ("a tree at christmas", "a tree with garlands around it at christmas", "object"),
    (
        "a child carrying a firefighter out of a burning building",
        "a child being carried out of a burning building by a firefighter",
        "swapped_roles",
    ),
    ("a dog sitting and a cat playing", "a cat resting", "action"),
    # "a castle background" is a castle in the background
    ("a knight, castle background", "a castle, knight in the background", "spatial"),
    ("two puppers on a rug", "two kittens on a rug", "object"),
    ("a man with a hat", "a man without a hat", "negation"),
    ("a street with no cars", "a street with cars", "negation"),
    ("a dog chasing a cat", "a cat chasing a dog", "swapped_roles"),
    ("a white dog and a black cat", "a black dog and a white cat", "colour"),
    ("a horse pulling a carriage", "a carriage pulling a horse", "swapped_roles"),
    # A passive whose subject has no article reads as the active with one: the one chased is no
    # "chased mouse" described.
    ("mouse being chased by a cat", "cat being chased by a mouse", "swapped_roles"),
    ("mouse being chased by a cat", "a mouse chasing a cat", "swapped_roles"),
    # A verb said right after one of two things coordinated is that thing's alone.
    ("a cat sleeping and a dog playing", "a cat playing and a dog sleeping", "swapped_roles"),
    # A person or an animal named bare in a tag does the verb that ends the tag.
    ("a coral reef, diver circling, shark", "a coral reef, shark circling, diver", "swapped_roles"),
    (
        "a boy who is smiling next to a girl who is crying",
        "a boy who is crying next to a girl who is smiling",
        "swapped_roles",
    ),
    # The same relation again after "and a" is a second thing's: the girl has the balloon.
    (
        "a girl with a balloon and a boy with a kite",
        "a girl with a kite and a boy with a balloon",
        "swapped_roles",
    ),
    (
        "a man in a suit and a woman in a dress",
        "a man in a dress and a woman in a suit",
        "swapped_roles",
    ),
    (
        "a man holding a cup and a woman holding a book",
        "a man holding a book and a woman holding a cup",
        "swapped_roles",
    ),
    ("a black and white photo of a bridge", "a sepia photo of a bridge", "colour"),
    ("a photo of a girl at the beach", "a polaroid of a girl at the beach", "style"),
    (
        "a sunken ship, whale circling a diver, murky water",
        "a sunken ship, diver circling a whale, murky water",
        "swapped_roles",
    ),
    ("a man riding a horse", "a man riding a cow", "object"),
    ("a red car parked on a street", "a blue car parked on a street", "colour"),
    ("a wooden chair", "a metal chair", "material"),
    ("a watercolor of a lighthouse", "a photo of a lighthouse", "style"),
    ("a portrait of a cat by greg rutkowski", "a portrait of a cat by alphonse mucha", "style"),
    ("a castle on a hill at sunset", "a castle on a hill at night", "setting"),
    ("a cabin in the woods in summer", "a cabin in the woods in winter", "setting"),
    ("a small dog in a garden", "a huge dog in a garden", "size_age"),
    ("a young woman reading", "an old woman reading", "size_age"),
    ('a sign that says "open"', 'a sign that says "closed"', "text"),
    (
        "a storefront with a sign that says bakery",
        "a storefront with a sign that says cafe",
        "text",
    ),
    ("a cat on a table", "a cat under a table", "spatial"),
    ("a man standing in front of a car", "a man standing behind a car", "spatial"),
    ("a woman sitting on a bench", "a woman standing on a bench", "action"),
    ("a woman with piercings", "a tattooed woman with piercings", "attribute"),
    ("a dog on a plate", "a hot dog on a plate", "object"),
    # Roles: who does what, to what, and which of two things a word describes.
    (
        "a woman prepares a pizza while a man watches",
        "a man prepares a pizza while a woman watches",
        "swapped_roles",
    ),
    (
        "a child holds a spoon and looks at a cupcake",
        "a child looks at a spoon and holds a cupcake",
        "swapped_roles",
    ),
    (
        "a city street with a rainbow in the background",
        "a rainbow with a city street in the background",
        "spatial",
    ),
    (
        "a large white sheep next to a small black one",
        "a small white sheep next to a large black one",
        "swapped_attributes",
    ),
    ("a red car next to a blue truck", "a blue car next to a red truck", "colour"),
    ("a wooden table and a glass vase", "a glass table and a wooden vase", "material"),
    (
        "a person with a cane and a roller bag",
        "a person with a roller and a cane bag",
        "swapped_attributes",
    ),
    # Directions a cached prompt states the opposite of.
    ("a man skiing down a snowy mountain", "a man skiing up a snowy mountain", "spatial"),
    ("a woman with headphones on", "a woman with headphones off", "spatial"),
    ("two bears playing in the water", "two bears playing out of the water", "spatial"),
    ("some people talking to a referee", "a person talking to referees", "count"),
]

# Changed pictures that similarity and a word-by-word reading used to let through (issue 14).
REJECTED += [
    (
        "teal sky, a red dragon sleeping in a cave, castle",
        "teal sky, a green dragon sleeping in a cave, castle",
        "colour",
    ),
    ("a man holding a red umbrella, blue sky", "a man holding a blue umbrella, red sky", "colour"),
    ("a cat under the bed", "a cat on the bed", "spatial"),
    ("a cup next to a laptop", "a cup on a laptop", "spatial"),
    ("a cat riding on a dog's back", "a dog riding on a cat's back", "swapped_attributes"),
    # What is said before an owner describes the owner, not what it owns.
    ("a red truck's engine", "a truck's red engine", "colour"),
    ("a man feeding a dog in a park", "a park with a dog feeding a man", "swapped_roles"),
    ("a man holding a bird in a cage", "a cage with a man holding a bird", "swapped_roles"),
    ("a log cabin in a forest", "a log cabin in the middle of a forest", "spatial"),
    ("a vase in the center of a table", "a vase under a table", "spatial"),
    ("a dog\u2019s owner", "the owner\u2019s dog", "swapped_roles"),
    ("the happy kids' toys", "the kids' happy toys", "attribute"),
    ("the kids' happy toys", "the happy kids' toys", "swapped_attributes"),
    ("a truck's red engine", "a red truck's engine", "swapped_attributes"),
    ("a little girl's red umbrella", "a red girl's little umbrella", "size_age"),
    ("кошка на диване", "собака на диване", "unreadable"),
    ("二匹の猫", "三匹の猫", "unreadable"),
    ("ein roter Apfel auf dem Tisch", "ein grüner Apfel auf dem Tisch", "unreadable"),
    ("a 🐶 chasing a 🐱", "a 🐱 chasing a 🐶", "swapped_roles"),
    ("a 🍕 on a plate", "a 🍔 on a plate", "object"),
    ("a city skyline, black and white photo", "a city skyline, color photo", "colour"),
    ("a watercolor of a cat", "a photo of a cat", "style"),
    ("a room with a painting of a horse", "a horse in a room", "style"),
    (
        "a large group of horses behind a small horse",
        "a small group of horses behind a large horse",
        "swapped_attributes",
    ),
    ("a still life with apples", "a calm life with apples", "object"),
    # Second round, continued: passives keep their roles, counts keep their role, the camera
    # and a medium that is not a photo are content.
    ("a dog chasing a cat", "a dog chased by a cat", "swapped_roles"),
    ("a cat chasing a dog", "a cat being chased by a dog", "swapped_roles"),
    ("a pair of sneakers under the bed", "a pair of sneakers on the bed", "spatial"),
    (
        "a person on motorcycles passing a group of people",
        "a group of people on motorcycles passing a person",
        "count",
    ),
    ("a castle on a lake, aerial view", "a castle on a lake, view from the ground", "camera"),
    ("a bee on a flower", "a close-up of a bee on a flower", "camera"),
    ("a lego model of the eiffel tower", "the eiffel tower", "style"),
    ("a marble statue of a lion", "a lion", "style"),
    ("a rainy street at night", "a snowy street at night", "setting"),
    ("a street", "a street in the rain", "setting"),
    ("a man walking on a street", "a man walking through the rain on a street", "setting"),
    ("a man in the rain", "a man in heavy rain", "object"),
    ("a red car photo", "a photo of a blue car", "colour"),
    ("a squirrel at the top of a tree", "a squirrel at the bottom of a tree", "spatial"),
    ("a car that is red", "a blue car", "colour"),
    ("a dog that is white and a cat", "a white cat and a dog", "colour"),
    (
        "a field of tulips with a windmill behind it",
        "a field of tulips behind a windmill",
        "swapped_roles",
    ),
    ("a street, rainy day, people", "a street, sunny day, people", "setting"),
    ("a woman with red hair", "a blue-haired woman", "colour"),
    ("a three-legged stool", "a stool with four legs", "count"),
    ("a dog with long ears", "a short-eared dog", "size_age"),
    ("a man", "a bearded man", "object"),
    ("a filthy street in the city", "a clean street in the city", "object"),
    ("an owl on a branch at noon", "an owl on a branch in the middle of the night", "setting"),
    ("a dog chasing a kitten", "a dog being chased by a kitten", "swapped_roles"),
    ("a red ball being kicked by a small boy", "a red ball kicking a small boy", "swapped_roles"),
    ("a cat chases a dog on a sofa", "a cat on a sofa is chased by a dog", "swapped_roles"),
    ("a dog, chased by a cat", "a dog chasing a cat", "swapped_roles"),
    # from review 60: a thing put "with" a place that the cached prompt has elsewhere
    (
        "a cat and a dog in a car, a man outside",
        "a car with a cat, a dog and a man",
        "swapped_roles",
    ),
    ("a mug on a bed and a phone on the floor", "a bed with a mug and a phone", "swapped_roles"),
    # what is worn right after the one done to is theirs, not the doer's
    (
        "a boy in a blue suit kisses a girl in a red dress",
        "a boy in a red dress kisses a girl in a blue suit",
        "swapped_roles",
    ),
    ("a boy kissing a girl in a red dress", "a boy in a red dress kissing a girl", "swapped_roles"),
    (
        "a man with a red hat talking to a woman with a blue scarf",
        "a man with a blue scarf talking to a woman with a red hat",
        "swapped_roles",
    ),
    (
        "an old man in a hat feeding a young woman in glasses",
        "an old man in glasses feeding a young woman in a hat",
        "swapped_roles",
    ),
    (
        "a woman hugging a child in a yellow raincoat",
        "a woman in a yellow raincoat hugging a child",
        "swapped_roles",
    ),
    # what a verb after the one done to does is theirs: "a girl wearing a red dress"
    (
        "a boy wearing a blue suit kissing a girl wearing a red dress",
        "a boy wearing a red dress kissing a girl wearing a blue suit",
        "swapped_roles",
    ),
    # from review 62: what is held may be the veil, and a horse is ridden in its rider's silks
    (
        "a bride wearing a long veil held by a bridesmaid",
        "a bridesmaid holding a bride wearing a long veil",
        "swapped_roles",
    ),
    (
        "a jockey riding a horse wearing green silks",
        "a horse wearing green silks ridden by a jockey",
        "swapped_roles",
    ),
    # a thing fronted before its clause stays with that clause's subject
    (
        "in a red dress, a girl is kissed by a boy",
        "a boy wearing a red dress kissing a girl",
        "swapped_roles",
    ),
    ("a man with glasses", "a man holding glasses", "action"),  # glasses are worn
    # "of" holds what is in a thing; on a body part it owns
    ("a kid on the shoulders of his dad", "a dad on the shoulders of his kid", "swapped_roles"),
    # and what the one named after "by" wears stays theirs
    (
        "a girl kissed by a boy in a blue suit",
        "a girl in a blue suit kissed by a boy",
        "swapped_roles",
    ),
    (
        "a girl in a red dress is kissed by a boy in a blue suit",
        "a boy in a red dress kisses a girl in a blue suit",
        "swapped_roles",
    ),
    (
        "a man with a guitar watches a crowd",
        "a man with a guitar is watched by a crowd",
        "swapped_roles",
    ),
    ("a portrait of a young man", "an old man portrait", "size_age"),
    ("a cabin under falling snow", "a cabin under falling rain", "setting"),
    ("a plane flying above the clouds", "a plane flying through the clouds", "spatial"),
    ("a fox in a field, springtime", "a fox in a field, summertime", "setting"),
    ("a snowy forest with a cabin", "a cabin next to a snowy forest", "spatial"),
    ("a cat chasing a mouse in a kitchen", "a kitchen with a mouse chasing a cat", "swapped_roles"),
    # WordNet files a puppy under dog, but a puppy is not what "a dog" asks for.
    ("a puppy in the snow", "a dog in the snow", "size_age"),
    ("a baby elephant by a river", "an elephant by a river", "size_age"),
    ("a fox cub in the grass", "a fox in the grass", "size_age"),
    ("a boy flying a kite on a beach", "a man flying a kite on a beach", "size_age"),
    ("an elderly man walking a dog", "a man walking a dog", "size_age"),
    ("a teenage boy playing the guitar", "a boy playing the guitar", "size_age"),
    # WordNet files a kettle under pot, but nobody asking for a pot means a kettle.
    ("a copper kettle on a stove", "a copper pot on a stove", "object"),
    ("a wooden desk by a window", "a wooden table by a window", "object"),
    # Amounts the reader skips as function words still change the picture against their
    # opposite.
    ("an empty glass on a wooden table", "a full glass on a wooden table", "count"),
    ("a glass full of water on a table", "an empty glass on a table", "count"),
    ("many birds flying over a lake", "a few birds flying over a lake", "count"),
    ("a half-full glass of wine", "a full glass of wine", "count"),
    ("a house with all of its windows lit", "a house with some of its windows lit", "count"),
    # Plenty said in other words than "many" is still the other end of "a few".
    ("an apple tree full of ripe apples", "an apple tree with just a few ripe apples", "count"),
    ("a plate piled high with cookies", "a plate with a few cookies", "count"),
    ("a bowl overflowing with oranges", "a bowl with a few oranges", "count"),
    # A grown person asked for, a child cached, though "boy" is a young man in WordNet too.
    (
        "1boy, child, brown hair, explorer outfit",
        "1boy, adult, brown hair, explorer outfit",
        "size_age",
    ),
    # A thing of another moves with it, but only "next to" reads the same both ways round.
    (
        "a vase of tulips on a stack of books",
        "a stack of books on a vase of tulips",
        "swapped_roles",
    ),
    (
        "a cup of coffee next to a plate of cookies",
        "a cup of cookies next to a plate of coffee",
        "swapped_roles",
    ),
    ("a cat outside a box", "a cat inside a box", "spatial"),
    ("a red apple on a table made of wood", "a red apple on a table made of glass", "material"),
    ("a cane and a roller bag", "a roller and a cane bag", "swapped_attributes"),
    ("a field of sunflowers", "a field of roses", "object"),
    (
        "the dog's owner sleeping on the couch",
        "the owner's dog sleeping on the couch",
        "swapped_roles",
    ),
    (
        "girls in colorful shirts next to some cakes",
        "girls in some shirts next to colorful cakes",
        "colour",
    ),
    (
        "a microwave at the bottom of a vending machine",
        "a microwave on top of a vending machine",
        "spatial",
    ),
    ("a bird above a tree", "a bird on top of a tree", "spatial"),
    ("a cat under the table", "a cat on top of the table", "spatial"),
    ("a cat sitting on a box", "a cat sitting inside a box", "spatial"),
    (
        "a bench next to the entrance of a library",
        "an entrance next to the bench of a library",
        "swapped_roles",
    ),
    (
        "a boy sitting on a statue of a lion and some flowers",
        "some flowers sitting on a statue of a lion and a boy",
        "swapped_roles",
    ),
    # A noun after "a" is no verb, though "down" follows it as it follows "cut down".
    ("a boy riding a bicycle down a steep hill", "a boy riding a motorbike down a hill", "object"),
    ("a beach crowded with people", "a beach with only a few people", "count"),
    ("a middle aged woman reading", "an elderly woman reading", "size_age"),
    ("an old woman reading", "a middle-aged woman reading", "size_age"),
    # What the seventh round's rules must still refuse.
    ("a cat on the bed", "a cat sitting on the bed", "action"),  # alive: sitting is visible
    ("a bottle lying on a table", "a bottle standing on a table", "action"),
    ("a lantern hanging from a hook", "a lantern sitting on a hook", "action"),
    (
        "a man holding a surfboard on a beach",
        "a man holding a surfboard sitting on a beach",
        "action",
    ),
    ("a cup of coffee and a croissant", "a cup of croissant and a coffee", "swapped_roles"),
    ("a man eating a salad", "a man eating a burger", "object"),
    ("a bird flying over a lake", "a bird flying under a bridge", "object"),
    # The seventh batch's tuning half: a describing word shows no person ("white" sand), and a
    # thing the cached prompt excludes by name is not shown by another that could pass for it.
    (
        "a tropical beach with no people, turquoise water, white sand",
        "a tropical beach with people, turquoise water, white sand",
        "negation",
    ),
    (
        "a smoking volcano, a deep blue sky with no clouds",
        "a smoking volcano, a deep blue sky with clouds",
        "negation",
    ),
    ("a crème brûlée on a plate", "a cheesecake on a plate", "object"),
    ("a cat on the window", "a cat under the window", "spatial"),
    ("a bowl of pho, photographed", "a bowl of pho, photographed by a child", "style"),
    ("a hot dog on a plate", "a dog on a plate", "object"),
    ("a cat under a lamp", "a cat on a lamp", "spatial"),
    ("a knight kneeling before a king", "a knight kneeling behind a king", "spatial"),
    ("a lighthouse, oil on canvas", "a lighthouse, watercolor on paper", "style"),
    ("a red and blue car", "a red and green car", "colour"),
    # Amounts stated on a scale, from pairs written for this (not from the data).
    ("all the windows lit at night", "some windows lit at night", "count"),
    ("a field with scattered flowers", "a field covered in flowers", "count"),
    ("a dense forest", "a sparse forest", "count"),
    ("a room cluttered with toys", "a room with a few toys", "count"),
    ("a beach littered with shells", "a beach with hardly any shells", "count"),
    ("some pigeons in a town square", "lots of pigeons in a town square", "count"),
    ("a couple of tourists outside a temple", "a crowd of tourists outside a temple", "count"),
    ("a handful of strawberries on a blanket", "a basketful of strawberries on a blanket", "count"),
    # WordNet's synonyms that look different in a picture.
    ("a frog on a lily pad", "a toad on a lily pad", "object"),
    ("a moose drinking from a river", "an elk drinking from a river", "object"),
    (
        "strawberry and mint scoops, waffle cone",
        "chocolate and mint scoops, waffle cone",
        "attribute",
    ),
    # What the ninth round's rules must still refuse.
    ("a cat", "a movie still of a cat", "object"),
    ("a cake being cut by a chef", "a cake cutting a chef", "swapped_roles"),
    ("a knight riding a white horse", "riding a black horse, a knight", "colour"),
    ("a girl holding an umbrella", "holding a girl, an umbrella", "swapped_roles"),
    ("a fox, watercolor style", "a fox, oil painting style", "style"),
    ("a girl", "a girl, anime style", "style"),
    ("a tin can on a shelf", "a jar on a shelf", "object"),
    ("a black and white photo of a cat", "a color photo of a cat", "colour"),
    ("a cat under the table", "on the table a cat", "spatial"),
    ("a cat on the table", "on the table a dog", "object"),
    ("a bowl of soup", "a bowl of soup, top view", "camera"),
    ("a man with a dog", "a man holding a dog", "action"),  # he may be walking it
    ("a man going for a run", "a man going for a swim", "action"),
    ("a red dragon", "a ((blue:1.4)) dragon", "colour"),
    # What a review of this round found served, and must not be: a number before a WordNet
    # entry, something worn or a part "held", a portrait "of" an artist, "black and white"
    # said of a thing, a noun ending in "-ing", "done in oil" (fried).
    ("a dozen hot dogs on a grill", "a dozen dogs on a grill", "object"),
    ("a girl with a red hat", "a girl holding a red hat", "action"),
    ("a soldier with a helmet", "a soldier carrying a helmet", "action"),
    ("a car with a flat tire", "a car carrying a flat tire", "action"),
    ("a portrait of van gogh", "a portrait in the style of van gogh", "style"),
    ("a black and white photo of a tiled floor", "a tiled floor in black and white", "colour"),
    (
        "a black and white photo of a woman in a print dress",
        "a woman in a black and white print dress",
        "colour",
    ),
    ("a cat ring on a table", "ring on a table, a cat", "swapped_roles"),
    ("a fish done in oil", "a fish, oil painting", "style"),
    ("a cat in foreground, a house", "a cat in background, a house", "spatial"),
    ("children playing outdoors", "children playing inside", "spatial"),
    (
        "the front of a restaurant with someone holding up food",
        "the front of a restaurant with someone carrying food",
        "action",
    ),
    (
        "a black/white photo of a poolside dining area with the umbrellas colored.",
        "a colored photo of a poolside dining area with the umbrellas black/white.",
        "colour",
    ),
    ("a watercolor of a canal", "a canal, done in oils", "style"),
    ("a cat sleeping in a box", "a cat sleeping in a box, done in chocolate", "object"),
    ("a brave knight", "a cowardly knight", "attribute"),
    (
        "a dog chasing a cat through the garden",
        "a dog being chased through the garden by a cat",
        "swapped_roles",
    ),
    ("a dog sleeping in front of a barn", "in front of a dog a barn is sleeping", "swapped_roles"),
    ("a ball picked up by a puppy", "a ball picks up a puppy", "swapped_roles"),
    ("a cat in a box", "a cat with a box in it", "swapped_roles"),
    ("a fat cat on a sofa", "a thin cat on a sofa", "size_age"),
    # "painted by" may credit the artist: no painter need be in the picture.
    (
        "a landscape painted by greg rutkowski",
        "greg rutkowski painting a landscape",
        "swapped_roles",
    ),
    # Said with "was" of someone named with an article, it names a painter in the picture.
    ("a boy was painted by a girl", "a girl was painted by a boy", "swapped_roles"),
    (
        "a portrait painted by a famous artist",
        "a famous artist painting a portrait",
        "swapped_roles",
    ),
    (
        "a firefighter carrying a child out of a burning building",
        "a firefighter being carried out of a burning building by a child",
        "swapped_roles",
    ),
    ("a table with a vase on it", "a table with a vase under it", "spatial"),
    ("a chef", "a chef, professional", "attribute"),
    (
        "a lifeguard pulling a swimmer out of the waves",
        "a lifeguard being pulled out of the waves by a swimmer",
        "swapped_roles",
    ),
    # A word in -ing after another describes it only where that other is a verb's -ing form
    # ("a burning building"), not a noun ending so (found by a review).
    ("a king riding a horse", "a horse riding a king", "swapped_roles"),
    ("a duckling following a swan", "a swan following a duckling", "swapped_roles"),
    ("a cat under a tree", "a cat in a tree", "spatial"),
    # "bed" only ends like a verb's past: "a cat bed" is a thing, not a cat that beds.
    ("a dog and a cat bed", "a dog and a dog bed", "swapped_attributes"),
    ("a boy holding a girl doll", "a boy holding a boy doll", "swapped_attributes"),
    ("a man picked up by a helicopter", "a man picks up a helicopter", "swapped_roles"),
    ("a tiny house", "a huge house", "size_age"),
    ("a man on a rooftop", "a man under a roof", "spatial"),
    ("a woman jogging along the beach", "a woman walking along the beach", "action"),
    # Each describing word shown only on the other thing: the request's first is named.
    ("a grey cat lying in dead leaves", "a dead cat lying in grey leaves", "attribute"),
    # An amount of one thing changed, where the prompt states the other amount of another.
    (
        "a meadow, a few white clouds, lots of grazing sheep scattered across the slope",
        "a meadow, a few white clouds, a few grazing sheep scattered across the slope",
        "count",
    ),
    (  # "hundreds of" names its thing after "of", after "filled with" too
        "a few crows on a fence, the sky filled with hundreds of balloons",
        "a few crows on a fence, the sky with only a few balloons",
        "count",
    ),
    (
        "a few crows on a fence, hundreds of balloons in the sky",
        "a few crows on a fence, a few balloons in the sky",
        "count",
    ),
    # Who does what, where each doer opens a tag of its own.
    (
        "a kitchen, a woman cooking, a man watching",
        "a kitchen, a man cooking, a woman watching",
        "swapped_roles",
    ),
    (
        "a knight fighting a dragon, the dragon breathing fire",
        "a knight fighting a dragon, the knight breathing fire",
        "swapped_roles",
    ),
    # One WordNet synset or a more general word, but another picture.
    ("a castle on a hill", "a palace on a hill", "object"),
    ("a river through a valley", "a stream through a valley", "object"),
    # The tool and what is done with it keep their roles, read with "with" or "using".
    ("a man using a knife to cut a cake", "a man using a cake to cut a knife", "swapped_roles"),
    ("a man using a hammer to hit a nail", "a man hitting a nail with a rock", "material"),
    ("a chef using a knife to chop onions", "a chef chopping carrots with a knife", "object"),
    ("a girl catching butterflies", "a girl using a net to catch butterflies", "object"),
    # A child given another size is not "a little" one; a grown person is not a young one.
    ("a tall girl flying a kite", "a little girl flying a kite", "size_age"),
    ("a big boy holding a fish", "a small boy holding a fish", "size_age"),
    ("a man reading", "a young man reading", "size_age"),
    ("a dog", "a small dog", "size_age"),
    ("a foggy forest", "a rainy forest", "setting"),
    ("a house in victorian style", "a house in gothic style", "style"),
    ("a cyclist resting on a bench", "a cyclist riding past a bench", "action"),
    ("a man on a bike", "a man riding a horse", "action"),
    ("a man on a horse", "a horse riding a man", "action"),
    ("an oil painting of a fox", "a fox, dslr", "style"),
    ("a woman in a garden", "a beautiful woman in a garden", "attribute"),
    # Found in review: a doer's name, praise or a compound said with a synonym is no licence
    # to serve another picture.
    ("a jockey next to a horse", "a jockey riding a horse", "action"),
    ("a man standing on a horse", "a man riding a horse", "action"),
    ("an ugly woman, 4k", "a woman, beautiful, 4k", "attribute"),
    (
        "a black cat and a white dog sleeping side by side",
        "a white cat and a black dog sleeping side by side",
        "colour",
    ),
    # Tags in another order that place or describe the thing before them move with it.
    (
        "a cat, on the left, a dog, on the right, park",
        "a dog, on the left, a cat, on the right, park",
        "spatial",
    ),
    ("a man, with a hat, a woman, street", "a woman, with a hat, a man, street", "swapped_roles"),
    ("a red car, a blue house, street, 8k", "a blue car, a red house, street", "colour"),
    # Found in review of the recall rules of before: text to render is compared as typed, and
    # keeps its thanks; article-less place phrases, synonyms and media only where they hold.
    (
        "a banner that reads welcome, goodbye",
        "a banner that reads welcome, thank you, goodbye",
        "action",
    ),
    ('a scifi poster, title text "scifi"', 'a sci fi poster, title text "sci fi"', "text"),
    ("a neon sign that says scifi", "a neon sign that says sci fi", "text"),
    ("a dog behind a pickup truck", "a dog in back of a pickup truck", "spatial"),
    ("graffiti near a train", "graffiti on side of a train", "spatial"),
    (
        "against a wall, a woman leaning, a boy",
        "against a wall, a boy leaning, a woman",
        "swapped_roles",
    ),
    ("a man with glasses paints a woman", "a woman with glasses paints a man", "swapped_roles"),
    (
        "a woman with apple slices paints a cat",
        "a cat with apple slices paints a woman",
        "swapped_roles",
    ),
    ("a painting of a girl holding a polaroid", "a photo of a girl holding a polaroid", "style"),
    ("a painting of a cat photographed in a museum", "a photo of a cat in a museum", "style"),
    ("a photo of a car and a helicopter", "a car photographed from a helicopter", "style"),
    ("a photo of a cat, sepia", "a photo of a cat, grayscale", "object"),
    ("a photo of a cat, duotone", "a photo of a cat, monochrome", "colour"),
    ("a drawing with thick lines", "a drawing with dense lines", "attribute"),
    ("a glass of sparkling water", "a glass of glistening water", "attribute"),
    ("a silent film still of a man", "a calm film still of a man", "attribute"),
    ("anime screenshot of a girl at a station", "a girl at a station, oil painting", "style"),
    ("a busy mom cooking", "a crowded mom cooking", "attribute"),
    ("a lonely heart", "a lone heart", "count"),
    ("a book, illustration", "a book, illustrated", "style"),
    ("a castle in the distance, a knight", "a castle, a knight in the distance", "spatial"),
    ("a castle in distance and a knight", "a castle and a knight in distance", "spatial"),
    ("a woman leaning, a boy", "a boy leaning, a woman", "swapped_roles"),
    ("a castle behind and a knight", "a knight behind and a castle", "spatial"),
    ("a castle, a knight in the middle", "a knight, a castle in the middle", "spatial"),
    ("a wolf close by, a hunter", "a hunter close by, a wolf", "spatial"),
    ("a fox in the snow, gouache", "a photo of a fox in the snow", "style"),
    ("a cat, a dog upside down", "a dog, a cat upside down", "spatial"),
    # A boy is a young man to WordNet, and a girl a young woman: not where the request names
    # the boy or the girl as well.
    ("a woman with a boy", "a man with a boy", "object"),
    ("a man holding a baby girl", "a woman holding a baby girl", "object"),
    # To WordNet a steel is a sword: the word describing the sword shows no steel.
    ("a wooden sword on a table", "a steel sword on a table", "material"),
    ("a sword made of wood", "a sword made of steel", "material"),
    # A medium's word may name a thing placed against another.
    ("a vase under a statue", "a statue under a vase", "swapped_roles"),
    ("a cat behind a painting", "a painting behind a cat", "swapped_roles"),
    ("the cat photographs the monkey", "the monkey photographs the cat", "swapped_roles"),
    ("a photo of a cat", "a black and white photo of a cat", "colour"),
    # Absence said with "devoid of" or "missing"
    ("a landscape devoid of trees", "a landscape with trees", "negation"),
    ("a desk, lamp, apple missing", "a desk, apple, lamp", "negation"),
    ("a man missing a tooth", "a man with a tooth", "negation"),
    # "many" and "a few" against a count of the same thing
    ("a pair of horses on a table", "many horses on a table", "count"),
    ("twenty boats in a harbor", "a few boats in a harbor", "count"),
    # "couple" counts before "of" only; alone it names its group, which does what follows
    ("a couple of dogs on a couch", "three dogs on a couch", "count"),
    ("a couple walking on the beach", "two dogs walking on the beach", "count"),
    ("a couple walking on the beach", "a couple running on the beach", "action"),
    ("a lot of cars in a parking lot", "a lot of cars in a field", "setting"),
    # from review 55: a couple is two people, not a family; "a couple dogs" counts dogs
    ("a couple at the beach", "a family at the beach", "object"),
    ("a man filing papers", "a man filling papers", "material"),  # "file" is a verb
    # from review 55b: a second sense of a word a synonym would merge
    ("a sun drenched beach", "a soaked beach", "attribute"),
    ("a column of smoke in the desert", "a pillar of smoke in the desert", "object"),
    ("a sparkling cocktail on a bar", "a glittering cocktail on a bar", "attribute"),
    ("a wireless router on a desk", "a cordless router on a desk", "attribute"),
    ("a couple dogs on a beach", "a couple on a beach", "object"),
    ("a couple dogs on a beach", "a dog on a beach", "count"),
    ("a couple cars parked on a street", "a couple on a street", "object"),
    ("a couple old men on a bench", "a couple on a bench", "object"),
    ("a pair socks on a bed", "a sock on a bed", "count"),
    ("a freckled girl with a tattooed boy", "a tattooed girl with a freckled boy", "attribute"),
    ("a child wearing crocs", "a child with crocodiles", "object"),
    ("a rice cooker on a counter", "a stove on a counter", "object"),
    ("an empty swimming pool", "a deserted swimming pool", "attribute"),
    # from review 59: "hit the sack" is going to bed
    ("a man hitting the sack", "a man hitting the bag", "object"),
    ("a full parking lot at night", "a vacant parking lot at night", "count"),
    ("two rowboats on a lake", "three rowing boats on a lake", "count"),
    # from review 60: a beam may be light, timber or a gymnast's; a girder is none of these
    ("a cat sleeping in a sunbeam", "a cat sleeping on a girder", "object"),
    ("a barn with old wooden beams", "a barn with old girders", "object"),
    ("a white lily in a ceramic pot", "a white orchid in a ceramic pot", "object"),
    (
        "a head of broccoli on a chopping board",
        "a head of cauliflower on a chopping board",
        "object",
    ),
    ("a deserted beach at noon", "a crowded beach at noon", "attribute"),
    ("a rabbit in a kitchen, whimsical mood", "a rabbit in a kitchen, gloomy mood", "attribute"),
    (
        "a vase that is white beside a tower that is green",
        "a vase that is green beside a tower that is white",
        "colour",
    ),
    # The plural of a colour word names a thing ("oranges"), except shades ("blues").
    (
        "a banana sitting on top of oranges and other fruit",
        "oranges sitting on top of a banana and other fruit",
        "swapped_roles",
    ),
    # Amounts: "nobody" and "no one" are no person; more ways of saying "many" and "few"; "all"
    # before a plural; a material said with "made of" is its thing's, not shown by "maple
    # trees" elsewhere; people asked for as several, one person cached.
    ("a street full of people", "a street with nobody", "negation"),
    ("a room with a man reading", "a room with no one", "negation"),
    (
        "crowds of tourists in front of a cathedral",
        "a few tourists in front of a cathedral",
        "count",
    ),
    ("a huge number of tulips in a garden", "a handful of tulips in a garden", "count"),
    ("a garden overgrown with weeds", "a garden with a few weeds", "count"),
    ("a factory, all windows broken, dust", "a factory, some windows broken, dust", "count"),
    (
        "a pair of cyclists riding through a vineyard",
        "a pack of cyclists riding through a vineyard",
        "count",
    ),
    (
        "maple trees by a gorge, a narrow bridge made of stone",
        "maple trees by a gorge, a narrow bridge made of wood",
        "material",
    ),
    ("a man on a beach at dawn", "people on a beach at dawn", "count"),
    # A group word names a group only of what it groups; "dusting" and "overflowing" keep
    # their actions; a count below many does not serve "a crowd".
    ("peas on a plate", "a pod of peas on a plate", "object"),
    ("robots on a stage", "a band of robots on a stage", "object"),
    ("two people waiting outside a club", "a crowd waiting outside a club", "count"),
    ("a train with two passengers", "a train crowded with people", "count"),
    ("two fireflies in a meadow", "myriads of fireflies in a meadow", "count"),
    ("a woman sprinkling a table", "a woman dusting a table", "action"),
    ("a toilet full of water", "a toilet overflowing with water", "action"),
    # The second review: a bare verb after a singular noun keeps its roles; "a school of fish"
    # is many of what "a fish" is one of; "no crowd" is no people; sheep are no people; a
    # container made of a material; two statues; counts by the word the prompt uses.
    ("a man kiss a woman", "a woman kisses a man", "swapped_roles"),
    ("a fish in a pond", "a school of fish in a pond", "count"),
    ("a stadium with a crowd", "a stadium with no crowd", "negation"),
    ("a flock of sheep in a field", "people in a field", "count"),
    ("a glass bottle on a wooden table", "a bottle made of wood", "material"),
    (
        "a stone statue of a lion next to a bronze statue of a horse",
        "a statue of a lion made of bronze",
        "material",
    ),
    ("two policemen on a street", "a great many policemen on a street", "count"),
    ("a sheep on a hill", "a great many sheep on a hill", "count"),
    ("a glass with a little wine", "a glass brimming with wine", "count"),
    # The third review: counts through the listed synonyms; "a" before an adjective.
    ("two cops on a street", "a great many policemen on a street", "count"),
    ("a fluffy sheep on a hill", "countless sheep on a hill", "count"),
    (
        "a man skiing down a snowy hill alone",
        "a man skiing down a snowy hill crowded with people",
        "count",
    ),
    # How far into or above a place: "deep" and "just" say nothing else, "high", "low", "far"
    # and "directly" do.
    ("a plane flying low over the sea", "a plane flying high above the sea", "object"),
    ("low over the sea, a plane flying", "a plane flying high over the sea", "object"),
    (
        "far from home, a robot walking in the desert",
        "a robot walking in the desert near home",
        "spatial",
    ),
    ("a diver deep inside a cave", "a diver outside a cave", "spatial"),
    ("a man seen from a low angle", "a man seen from directly above", "camera"),
    ("a farmer at the crack of dawn", "a farmer at dusk", "setting"),
    ("a mechanic working late at night", "a mechanic working early in the morning", "attribute"),
    # A photo asked for: shown by a prompt shot on a camera or film, unless another medium or
    # an artist is named
    ("a fox in the snow, anime", "a fox in the snow, raw photo", "style"),
    (
        "a fox in the snow, watercolor, 50mm lens",
        "a photo of a fox in the snow, 50mm lens",
        "style",
    ),
    (
        "portrait of a tailor by greg rutkowski, 35mm film",
        "photo portrait of a tailor, 35mm film",
        "style",
    ),
    ("portrait of a tailor", "photo portrait of a tailor", "style"),
    # What is given, by whom, in the passive; and the doer after a time phrase
    ("a father gives a puppy to a girl", "a girl is given a kitten by her father", "object"),
    (
        "a locksmith hands a key to an old woman",
        "a locksmith is handed a key by an old woman",
        "swapped_roles",
    ),
    ("a truck driven at dawn by a farmer", "a truck driving a farmer at dawn", "swapped_roles"),
    (
        "a cart pulled along a road at night by a mule",
        "a cart pulling a mule along a road at night",
        "swapped_roles",
    ),
    (
        "holding her baby, a mother on a porch",
        "a baby holding her mother on a porch",
        "swapped_roles",
    ),
    ("a horse riding a knight, castle", "riding a horse, a knight, castle", "swapped_roles"),
    (
        "an old woman hands a locksmith a broken key",
        "a locksmith hands an old woman a broken key",
        "swapped_roles",
    ),
    (
        "a zookeeper feeding a tapir a slice of melon",
        "a tapir feeding a zookeeper a slice of melon",
        "swapped_roles",
    ),
    ("a photo of a bus at a rainy stop", "a bus at a rainy stop, illustrated", "style"),
    # a verb of telling's first object is someone told; "around" a table only where one sits
    (
        "a grandfather reading twin toddlers a story",
        "twin toddlers reading a grandfather a story",
        "swapped_roles",
    ),
    (
        "a woman reading the paper her coffee on the table",
        "a woman reading her coffee to the paper on the table",
        "swapped_roles",
    ),
    ("friends sitting around a table", "friends sitting under a table", "spatial"),
    ("a piano player in a bar", "a guitar player in a bar", "object"),
    # review 66: an owner brought in as a thing of its own; counted panels; a table sat on;
    # "the sack of rome"; a player of another instrument; a hot spring in spring
    ("a woman reading her child's diary", "a woman reading her child a diary", "swapped_roles"),
    ("a woman reading her child's diary", "a woman reading a diary to her child", "swapped_roles"),
    ("a man giving his father's letter", "a man giving a letter to his father", "swapped_roles"),
    ("four comic panels of a robot cooking", "a robot cooking, comic panel", "style"),
    ("kids sitting around a table", "kids sitting on a table", "spatial"),
    ("a family sitting at a table", "a family sitting on a table", "spatial"),
    ("the sack of rome, oil painting", "the bag of rome, oil painting", "object"),
    ("a steel drum player on a beach", "a drummer on a beach", "object"),
    ("a bass guitar player on stage", "a guitarist on stage", "object"),
    ("a soldier with a military background", "a soldier with a military backdrop", "object"),
    ("monkeys in a hot spring", "monkeys in spring", "setting"),
    ("a dog in a park on a winter day", "a dog in a park on a summer day", "setting"),
    ("a lake, still from a movie", "a lake, calm", "object"),
    ("a dog, centered composition", "a dog, off-center composition", "object"),
    # review 67: "outside" only where the cached prompt is out of doors, not by a window, in a
    # bedroom or a car, nor only picturing the open air; a fire truck; a rock pool; a spring
    # of water; a courtesy after a colon is words to show
    ("a girl reading a book by the window, rain", "a girl reading a book outside, rain", "spatial"),
    ("1girl, bedroom, window, rain", "1girl, outdoors, window, rain", "spatial"),
    ("a man in a car driving in the rain", "a man outside in the rain", "spatial"),
    (
        "a painting of a forest hanging in a living room",
        "a painting of a forest hanging outside",
        "spatial",
    ),
    ("a garden gnome on a shelf", "a garden gnome outside", "spatial"),
    ("a man starting a fire truck", "a man making a fire truck", "action"),
    ("a rock pool at the beach", "a swimming pool at the beach", "object"),
    (
        "a deer drinking from a spring in the forest",
        "a deer drinking in the forest in spring",
        "setting",
    ),
    ("a gift box with a tag", "a gift box with a tag: this is for my teacher", "object"),
    # batch 54: what is painted on a thing, either way round; a magazine's cover
    ("a cake decorated with roses", "roses decorated with a cake", "swapped_roles"),
    ("a boat painted with roses", "a boat painted with tulips", "object"),
    ("a book cover of a dragon", "a dragon, magazine cover", "object"),
    # review 68: the cover of a book in the scene is no medium; a painted ladybug is no ladybug;
    # a diner or rain boots are no open air
    ("a cat sitting on the cover of a book", "a book cover of a cat", "object"),
    ("a rock painted with a ladybug", "a ladybug on a rock", "swapped_roles"),
    ("a ladybug painted on a rock", "a ladybug on a rock", "swapped_roles"),
    (
        "a man drinking coffee in a diner in the storm",
        "a man drinking coffee outside in the storm",
        "spatial",
    ),
    ("a toddler in rain boots", "a toddler in rain boots outside", "spatial"),
    ("a cat on a sofa", "on the sofa there are two cats", "count"),
    ("a cat jumping into a box", "into a bag, a cat jumping", "object"),
    # batch 52: a season after a preposition is no verb ("moving in" and springing)
    (
        "a squirrel family moving house through the woods in autumn",
        "a squirrel family moving house through the woods in spring",
        "setting",
    ),
    ("a family moving in autumn", "a family moving in spring", "setting"),
    # "outside" said alone is where rain or a park already is, not outside of a thing
    ("a zebra in the green forest", "a zebra outside of the green forest", "spatial"),
    ("a cat watching the rain inside", "a cat watching the rain outside", "spatial"),
    ("a dog in the park", "a dog outside the park", "spatial"),
    ("kids playing outside", "kids playing inside", "spatial"),
    ("a man building a fire", "a man putting out a fire", "action"),
    ("kids playing near a trampoline", "kids jumping near a trampoline", "action"),
    ("firefighters at a building fire", "firefighters at a house fire", "object"),
    ("a pianist in a bar", "a guitar player in a bar", "object"),
    ("a couple spending one night in a cabin", "a couple spending two nights in a cabin", "count"),
    ("a dog running around a table", "a dog running beside a table", "spatial"),
    (
        "comic panel of a knight fighting a dragon",
        "a knight fighting a dragon, oil painting",
        "style",
    ),
    # review 65: "given" is no past tense; colours something is "in" stay in their tag
    ("a girl given a balloon by a vendor", "a girl giving a vendor a balloon", "swapped_roles"),
    (
        "a bakery, cakes in pink, cookies in brown",
        "a bakery, cakes in brown, cookies in pink",
        "colour",
    ),
    (
        "a tent lit from inside, camels tied nearby",
        "camels lit from inside, a tent tied nearby",
        "spatial",
    ),
    (
        "a student is sold a novel by stephen king",
        "stephen king sells a novel to a student",
        "style",
    ),
    (
        "a photo of a horse in a field",
        "a photo of a horse in a field, make it for my painting",
        "object",
    ),
    (
        "a samurai in a bamboo forest, 35mm film, pixar style",
        "a photo of a samurai in a bamboo forest",
        "style",
    ),
    ("a camera on a table, retro style", "a photo of a camera on a table", "style"),
    # The fourth review (63): "deep" is said; an owner opens who is given; "lent" and "sent"
    # are participles; an "-ing" word and a participle opening a tag may only describe
    ("a fish swimming just below the surface", "a fish swimming deep below the surface", "setting"),
    (
        "a child is given a kite by her grandfather",
        "her grandfather is given a kite by the child",
        "swapped_attributes",
    ),
    ("a boy is chased by his brother", "his brother is chased by a boy", "swapped_roles"),
    (
        "a banker lending a gold coin to a farmer",
        "a banker is lent a gold coin by a farmer",
        "swapped_roles",
    ),
    (
        "a knight is served a goblet of wine by a maid",
        "a knight serving a goblet of wine to a maid",
        "swapped_roles",
    ),
    (
        "towering snowcapped peaks behind a lake, a red cabin",
        "a red cabin towering behind a lake",
        "swapped_roles",
    ),
    # "the falls" is a waterfall, never autumn; what else is held is not what a man is
    ("a house by the falls", "a house in fall", "setting"),
    ("a man holding a lamp and a jar", "a man holding a lamp and a dog", "object"),
    ("a man holding a lamp and a jar of honey", "a jar holding a lamp and a man", "swapped_roles"),
    ("a boy reading a comic book", "a boy reading, comic book style", "style"),
    ("soldiers in ruins, realistic style", "soldiers in ruins, realistic drawing", "style"),
    ("a polaroid of a dog", "a dog with a polaroid camera", "style"),
    # batch 57: "shorts" is a thing, so each colour stays with its garment
    ("a boxer in red gloves and blue shorts", "a boxer in blue gloves and red shorts", "colour"),
    ("a boxer in blue shorts", "a boxer in red shorts", "colour"),
    ("a man with short hair", "a man in shorts", "object"),
    ("a man under a light", "a man in a light", "spatial"),
    ("a road in light fog", "a road in thick fog", "object"),
    ("a cat chasing a boy and a dog", "a boy and a cat chased by a dog", "swapped_roles"),
    (
        "two girls and a boy skated by a snowman",
        "a snowman skating two girls and a boy",
        "swapped_roles",
    ),
    ("a moth in bright light", "a moth under a bright light", "spatial"),
    ("a heavy smoke detector", "a thick smoke detector", "setting"),
    ("a photo of a fox", "embroidery of a fox", "object"),
    ("a man holding a lamp and a dog barking", "a man holding a dog and a lamp", "swapped_roles"),
    ("a boy kicking a ball and a girl", "a boy kicking a girl and a ball", "swapped_roles"),
    ("a sun soaked terrace", "a drenched terrace", "attribute"),
    ("reindeer, a fell landscape in winter", "reindeer, a fell landscape in autumn", "setting"),
    ("a couple of watches on a table", "a couple watches a movie", "object"),
    (
        "two sisters, older sister on the left, younger sister on the right",
        "two sisters, older sister on the right, younger sister on the left",
        "spatial",
    ),
    (
        "a tall man on the left, a short man on the right",
        "a tall man on the right, a short man on the left",
        "spatial",
    ),
    ("an empty room", "a deserted room", "attribute"),
    ("a ground level shot of a mushroom", "an eye level shot of a mushroom", "camera"),
    ("a red fox in the snow, paint me a picture of this", "a red fox in the snow, photo", "style"),
    (
        "a living room with a cat on the sofa and a dog on the rug",
        "a living room with a dog on the sofa and a cat on the rug",
        "swapped_roles",
    ),
    (
        "a lane at night, aerial view from a drone",
        "a lane at night, street level view from the middle of the lane",
        "camera",
    ),
    ("an empty glass on a table", "a deserted glass on a table", "attribute"),
    ("a kitten on a box in a shelf", "in a box, on a shelf, a kitten", "swapped_roles"),
    # a place after a verb that opens a tag is placed as said, whoever's it is
    (
        "steampunk owl perched on a pocket watch, brass gears",
        "steampunk owl, brass gears, perched under a pocket watch",
        "spatial",
    ),
    (
        "steampunk owl, brass gears, perched under a pocket watch",
        "steampunk owl perched on a pocket watch, brass gears",
        "spatial",
    ),
    (
        "1girl, sitting under a cherry tree, petals",
        "1girl, sitting in a cherry tree, petals",
        "spatial",
    ),
    ("a dog, lying on a man", "a man, lying on a dog", "swapped_roles"),
    # the foot of a thing is neither under it nor on it
    ("a cat at the foot of the bed", "a cat under the bed", "spatial"),
    ("a cat under the bed", "a cat at the foot of the bed", "spatial"),
    ("a boy sitting at the bottom of the stairs", "a boy sitting under the stairs", "spatial"),
    ("a village at the foot of a volcano", "a village on a volcano", "spatial"),
    ("a bird above a tree", "a bird at the top of a tree", "spatial"),
    ("a flag at the top of a tower", "a flag at the bottom of a tower", "spatial"),
    (
        "a cherry at the bottom of a cocktail glass",
        "a cherry at the base of a cocktail glass",
        "spatial",
    ),
    ("a frog at the bottom of the well", "a frog at the foot of the well", "spatial"),
    (
        "girl, red dress, boy, blue suit, standing on a bridge",
        "girl, red dress, standing on a bridge, boy, blue suit",
        "swapped_roles",
    ),
    (
        "knight, dragon, sleeping on a pile of gold",
        "knight, sleeping on a pile of gold, dragon",
        "swapped_roles",
    ),
    ("a vase, on a table", "a table, on a vase", "swapped_roles"),
    ("dog, under the table, cat", "cat, under the table, dog", "swapped_roles"),
    ("a fox, anime style", "a fox, done in watercolor", "style"),
    ("a watercolor of a canal", "a canal, done in oils", "style"),
    ("grimlock, under the table, dog", "dog, under the table, grimlock", "swapped_roles"),
    ("house, under a tree, car", "car, under a tree, house", "swapped_roles"),
    ("watercolor of a fox", "a fox, captured in a photograph", "style"),
    (
        "gouache painting on cold press paper, moth",
        "gouache painting on black paper, moth",
        "colour",
    ),
    (
        "on top of a hill a boy is flying his kite, in the valley a girl is picking flowers",
        "in the valley a boy is flying his kite, on top of a hill a girl is picking flowers",
        "swapped_roles",
    ),
    ("swan, under the bridge, boat", "boat, under the bridge, swan", "swapped_roles"),
    (
        "swan, floating under the bridge, boat",
        "boat, floating under the bridge, swan",
        "swapped_roles",
    ),
    ("a chef cooks a meal", "a meal cooks a chef", "swapped_roles"),
    # a place between a passive and its doer, only where "by" names a being
    (
        "a potter shapes a tall jug on the wheel",
        "a potter is shaped on the wheel by a jug",
        "spatial",
    ),
    ("a puppy bathes a girl in the tub", "a puppy is bathed in the tub by a girl", "swapped_roles"),
    ("a chef rolls maki", "a maki rolls a chef", "swapped_roles"),
    ("birds flying over the summer fields", "birds flying in the summer fields", "spatial"),
    ("glowing eyes, a black cat", "a black cat glowing eyes", "swapped_roles"),
    ("a dog chasing cats in a yard", "chasing dogs in a yard, a cat", "count"),
    # "show" said of a person is what they do, so who shows whom counts
    (
        "a forest, the grandfather showing the little girl a mushroom, candid",
        "a forest, the little girl showing her grandfather a mushroom, candid",
        "swapped_roles",
    ),
    ("a boy shows his sister a shell", "his sister shows a boy a shell", "swapped_roles"),
    ("a man taking a picture with his phone", "a man showing a picture on his phone", "action"),
    (
        "row of lockers, all of them open, helmets inside",
        "row of lockers, only some of them open, helmets inside",
        "count",
    ),
    ("a skater at a seventies disco", "a skater at an 80s disco", "setting"),
    ("a woman in her 40s", "a woman in her 50s", "setting"),
    ("a gull on a post", "a pigeon on a post", "object"),
    ("a bamboo steamer full of dumplings", "a bamboo steamship full of dumplings", "object"),
    ("a woman in her 40s", "a woman in the 40s", "setting"),
    ("a woman in a 1940s dress", "a woman in her 40s in a dress", "setting"),
    ("windows, all of them broken", "windows, a few of them broken", "count"),
    ("a horse is tied up by a cowboy", "a horse tying up a cowboy", "swapped_roles"),
    (
        "a stained glass studio door with a handle made of brass",
        "a stained glass studio door with a handle made of glass",
        "material",
    ),
    ("a fauvist painting of a woman", "a cubist painting of a woman", "style"),
    ("a color photo of a saxophonist", "a saxophonist, shot in black and white", "colour"),
    ("a timber truck", "a wooden truck", "material"),
    ("a ukiyo-e print of a steam locomotive", "a photograph of a steam locomotive", "style"),
    ("a woodblock print of a fox", "a photograph of a fox", "style"),
    (
        "a man in a chair, a wicker picnic hamper",
        "a man in a chair, a wooden picnic hamper",
        "material",
    ),
    ("a fox, charcoal drawing", "a fox, drawn in pencil", "style"),
    ("apples piled high", "a few apples", "count"),
    ("a cat on a barrel, charcoal drawing", "a cat on a barrel, drawing done in pencil", "style"),
    ("a grey-blue sky", "a green-blue sky", "colour"),
    ("a girl on a swing, shot on a polaroid camera", "a girl on a swing, oil painting", "style"),
    # a tool named with "using" is what a verb is done with; without a verb, the use is the act
    ("a man with a laptop", "a man using a laptop", "action"),
    ("a man splitting firewood with an axe", "a man splitting firewood using a saw", "action"),
    # what a thing is done with, before "by" and its doer, keeps who does what
    ("a knife cutting bread with a man", "bread being cut with a knife by a man", "swapped_roles"),
    ("a detective, comic book panel", "a detective, drawn as a manga panel", "style"),
    # "spinning wheel" is a thing of its own, not a wheel that rotates
    ("an old woman at a spinning wheel", "an old woman at a rotating wheel", "attribute"),
    ("a photo of a dog from above", "a photo of a dog, from directly below", "camera"),
    ("a photo of a dog", "a dog photographed from directly above", "camera"),
    ("a painting of a dog", "a dog photographed", "style"),
    # review 77: "drawn as" names a medium only where a medium follows; "using" is "with" only
    # for a tool; "by" and a name without a determiner is an artist, not a doer
    ("a cat dressed as a knight", "a cat, drawn as a knight", "style"),
    ("a cat dressed as a knight", "a cat drawn as a knight", "style"),
    ("photo of a dog", "a dog, drawn as a photo", "style"),
    ("a boy climbing a roof with his brother", "a boy climbing a roof using his brother", "action"),
    ("a woman cleaning a room with a friend", "a woman cleaning a room using a friend", "action"),
    ("michelangelo carving a statue", "a statue carved with a chisel by michelangelo", "object"),
    # a verb after a person of a tag list, dressed in a phrase, is that person's alone
    (
        "beach volleyball, a woman in a red bikini setting the ball for a man in blue shorts",
        "beach volleyball, a man in blue shorts setting the ball for a woman in a red bikini",
        "swapped_roles",
    ),
    ("a tempera painting of a saint", "a saint, oil painting", "style"),
    ("on the table lay a sleeping dog", "a sleeping cat lay on the table", "object"),
    (
        "a girl reading under an olive tree",
        "a girl reading in the shade of an olive tree",
        "setting",
    ),
    ("a cat, a dog", "a cat, add a bird", "object"),
    # review 78: what someone has keeps the tag before it
    (
        "portrait, woman, blue eyes, man, brown eyes",
        "portrait, woman, brown eyes, man, blue eyes",
        "swapped_attributes",
    ),
    (
        "a cat with a ball and a dog chasing birds",
        "a dog with a ball and a cat chasing birds",
        "swapped_roles",
    ),
    # ninety-third to ninety-sixth batches
    (
        "a little cafe opposite an old church",
        "an old church opposite a little cafe",
        "swapped_roles",
    ),
    ("kelp sways around a sleeping otter", "around a sleeping seal, kelp sways", "object"),
    ("a cat sitting between two dogs", "between two cats, a dog sitting", "count"),
    ("a ripped bodybuilder on a beach", "a slim bodybuilder on a beach", "size_age"),
    (
        "a cake with happy birthday written in icing",
        "a cake with happy anniversary written in icing",
        "text",
    ),
    ("a sign with open written on it", "a sign with closed written on it", "text"),
    (
        "a wooden sign reading ROCK POOLS, starfish",
        "a wooden sign reading TIDE POOLS, starfish",
        "text",
    ),
    ("bees swarm around a hive", "wasps swarm around a hive", "object"),
    ("a dog sleeping at the door", "a dog sleeping behind the door", "spatial"),
    # review 79: words that name something else too are no synonyms
    ("a red trolley in san francisco", "a red cart in san francisco", "object"),
    ("a clay vessel on a shelf", "a clay ship on a shelf", "object"),
    ("a jumper at the olympics", "a sweater at the olympics", "object"),
    ("smashed avocado on toast", "shattered avocado on toast", "attribute"),
    (
        "a sign with do not enter written in red",
        "a red sign with do not enter written on it",
        "colour",
    ),
    ("opposite the church, a cafe", "opposite the cafe, a church", "swapped_roles"),
    ("a city by night, neon signs", "a city by day, neon signs", "setting"),
    ("a busy bee on a flower", "a crowded bee on a flower", "attribute"),
    ("a dog which chases a cat", "a cat which chases a dog", "swapped_roles"),
    ("a busy street vendor", "a crowded street vendor", "attribute"),
    (
        "a witch scolds her apprentice who spilled a potion",
        "a witch who spilled a potion scolds her apprentice",
        "swapped_roles",
    ),
    ("a bee on a flower, macro photograph", "a bee on a flower, wide shot", "camera"),
    # the hundred-and-eighth batch's first-contact false hit: a shade alone in its tag is the
    # palette's, no thing's colour
    (
        "ochre, sage and sky blue palette, a farmer wearing a red neckerchief",
        "ochre, sage and sky blue palette, a farmer wearing a yellow neckerchief",
        "colour",
    ),
    ("a woman who watches a man who reads", "a man who watches a woman who reads", "swapped_roles"),
    (
        "a boy, round glasses, a girl, a library",
        "a boy, a girl, round glasses, a library",
        "swapped_roles",
    ),
    ("a dog sleeping by the door", "a dog sleeping at the window", "object"),
    ("a room, furniture", "a room, there is no furniture", "negation"),
    # what someone has, in a tag of its own, is the being's of the tag before
    (
        "a knight, silver armor, a mage, red robes, fantasy art",
        "a knight, red robes, a mage, silver armor, fantasy art",
        "swapped_roles",
    ),
    (
        "a knight, silver armor, red cape, a wizard, blue robes",
        "a knight, silver armor, blue robes, a wizard, red cape",
        "swapped_roles",
    ),
    # and so is what it does, a verb alone in its tag
    ("1girl, smiling, 1boy, crying, anime", "1girl, crying, 1boy, smiling, anime", "swapped_roles"),
    (
        "a fox, sleeping, a rabbit, watching, storybook illustration",
        "a fox, watching, a rabbit, sleeping, storybook illustration",
        "swapped_roles",
    ),
    # and so is how it feels
    ("1girl, happy, 1boy, sad, anime", "1girl, sad, 1boy, happy, anime", "attribute"),
    (
        "portrait, a girl, shy and nervous, a boy, confident",
        "portrait, a girl, confident, a boy, shy and nervous",
        "attribute",
    ),
    # a being after a place in a tag of its own is no second thing there
    (
        "a cat, on a red cushion, a dog, on a blue rug",
        "a cat, on a blue rug, a dog, on a red cushion",
        "swapped_roles",
    ),
    # review 81: the same with a number for a determiner, and after a verb's object
    (
        "1girl, on bed, 1boy, on floor, anime",
        "1girl, on floor, 1boy, on bed, anime",
        "swapped_roles",
    ),
    (
        "1girl, holding umbrella, 1boy, reading book, anime",
        "1girl, reading book, 1boy, holding umbrella, anime",
        "swapped_roles",
    ),
    (
        "a knight, on a white horse, a squire, on a brown pony",
        "a knight, on a brown pony, a squire, on a white horse",
        "swapped_roles",
    ),
    (
        "a soldier, exhausted, a nurse, worried",
        "a soldier, worried, a nurse, exhausted",
        "swapped_roles",
    ),
    # "giant" after what a giant is made of is a being, not a size
    (
        "moss giant shielding a knight from falling rocks, epic fantasy",
        "knight shielding a moss giant from falling rocks, epic fantasy",
        "swapped_roles",
    ),
    ("a cloud giant over a village", "a giant cloud over a village", "size_age"),
    ("a railway through the mountains", "a train through the mountains", "object"),
    # review 81: "train tracks" names a train to the reader, "railroad tracks" none
    ("railroad tracks through a field", "a rusty train in a field", "attribute"),
    ("an 18th century castle", "a nineteenth century castle", "count"),
    ("a room lit by a candle", "a room lit with a lamp", "object"),
    (
        "a magazine cover, title text across the top reading ORBIT OF TERROR in red letters",
        "a magazine cover, title text across the top reading ORBIT OF FEAR in red letters",
        "text",
    ),
    # one of two things of a kind in one role takes the other's description
    ("a big dog and a small dog", "a big dog and a big dog", "swapped_attributes"),
    ("a black cat and a white cat", "a black cat and a black cat", "swapped_attributes"),
    (
        "a man in a red coat and a man in a blue coat",
        "a man in a blue coat and a man in a blue coat",
        "swapped_attributes",
    ),
    ("a big dog chasing a small dog", "a small dog chasing a big dog", "swapped_attributes"),
    ("a black cat and a white cat", "a black and white cat", "swapped_attributes"),
    # review 82: an owner named alone where the cached prompt names only what it owns
    ("a fisherman's hut", "a fisherman", "swapped_roles"),
    ("a kayak builder's shed by the river", "a kayak builder by the river", "swapped_roles"),
    ("a kid carrying a kettle", "a boy carrying a kettle", "object"),
    ("a fox asleep, sketched in ballpoint pen", "a fox asleep, sketched in fountain pen", "object"),
    (
        "a red neon sign reading 'ramen' glowing over a noodle shop",
        "red neon sign reading 'udon' glows above a noodle shop",
        "text",
    ),
    ("a cat between two dogs", "a cat among two dogs", "spatial"),
    # review 83: what joins two ends is between them
    ("a rope bridge between the cliffs", "a rope bridge among the cliffs", "spatial"),
    ("a duel between the knights", "a duel among the knights", "spatial"),
    (
        "a red car on the left and a blue car on the right",
        "a blue car on the left and a red car on the right",
        "spatial",
    ),
    (
        "lemon and rosemary soaps lined up on a table",
        "lemon soaps and rosemary lined up on a table",
        "swapped_attributes",
    ),
    (
        "a tall man in a black coat and a short man in a white coat",
        "a tall man in a white coat and a short man in a black coat",
        "swapped_attributes",
    ),
    ("a candle lit in the window", "a candle lit by the window", "swapped_roles"),
    ("a red bus on a winter mountain pass", "a red bus on a summery mountain pass", "setting"),
    # round 125
    ("a cat on a sofa, a dog and a bird", "a cat on a dog, a sofa and a bird", "swapped_roles"),
    (
        "a red cup, a blue plate and a green bowl",
        "a blue cup, a red plate and a green bowl",
        "colour",
    ),
    (
        "a hut with gulls on the roof and nets by the door",
        "a hut with gulls by the door and nets on the roof",
        "swapped_roles",
    ),
    ("a man in a red coat and a woman", "a woman in a red coat and a man", "swapped_roles"),
    ("a couple skis on a rack", "three skis on a rack", "count"),
    ("a sign that spells OPEN", "a sign that spells CLOSED", "text"),
    ("a neon sign spells out hello", "a neon sign spells out goodbye", "text"),
    ("a palette, an anchor", "a palette, a compass", "object"),
    ("a stand with a long queue of customers", "a stand with a few customers", "count"),
    # review 84: a place after a list of beings is the last one's; an order said; an "of"
    # that is no picture's; a being after an "-ing" verb does something of its own
    (
        "a kitchen with a kettle, a toaster and a cat on the windowsill",
        "a kitchen with a cat, a toaster and a kettle on the windowsill",
        "swapped_roles",
    ),
    (
        "from left to right: a cat, a dog and a bird",
        "from left to right: a bird, a dog and a cat",
        "spatial",
    ),
    (
        "a flag with vertical stripes of blue, white and red",
        "a flag with vertical stripes of red, white and blue",
        "colour",
    ),
    (
        "a vase of roses, a candle and a book",
        "a vase of a book, a candle and roses",
        "swapped_roles",
    ),
    ("a boy kicking a ball and a girl", "a boy kicking a girl and a ball", "swapped_roles"),
    (
        "a street with cars on the road and people on the sidewalk",
        "a street with people on the road and cars on the sidewalk",
        "swapped_roles",
    ),
    # the tram's colour, though a park is a green to WordNet
    (
        "a red tram stopping beside a snowy park",
        "a green tram stopping beside a snowy park",
        "colour",
    ),
    # review 87: words that are synonyms in one sense only, and "by" that names a maker
    ("a shop window screen with mannequins", "a shop window display with mannequins", "object"),
    ("a gentle drink on a table", "a soft drink on a table", "object"),
    ("a sphere weaver spider on a leaf", "an orb weaver spider on a leaf", "object"),
    ("golden crown next to a goldsmith", "golden crown by a goldsmith", "swapped_attributes"),
    ("a man, a woman, twerking on a car", "a woman, a man, twerking on a car", "swapped_roles"),
    ("a girl, a cat, string around paw", "a cat, a girl, string around paw", "swapped_roles"),
    # an order said to be where each thing is (review 87)
    (
        "a cat, a dog and a bird, from left to right",
        "a bird, a dog and a cat, from left to right",
        "spatial",
    ),
    (
        "vertical stripes of red, white and blue",
        "vertical stripes of blue, white and red",
        "spatial",
    ),
    # the hundred-and-fifty-ninth round: what its rules must still refuse
    ("a charcoal portrait of an old man", "an oil painting of an old man", "style"),
    ("an oil portrait of an old man", "a pencil drawing of an old man", "style"),
    ("a machine arm watering lettuce", "a robotic arm watering lettuce", "attribute"),
    ("a bowl heaped with dumplings", "a bowl with only a few dumplings", "count"),
    ("shelves stacked with books", "shelves with a few books", "count"),
    ("a sign reading OPEN on a door", "a sign reading CLOSED on a door", "text"),
    ("a sign reading OPEN on a door", "a sign reading OPEN under a door", "spatial"),
    ("a boy throwing a ball at a wall", "a ball throwing a boy at a wall", "swapped_roles"),
    (
        "a tent pitched at the campsite by the river",
        "a river pitched a tent at the campsite",
        "swapped_roles",
    ),
    ("a road in the alps, bright light", "a road in the alps, i want dark light", "colour"),
    ("a lich queen, flowing black dress", "a lich queen, flowing black gown", "object"),
    # review 88: what the first version of the round's rules served
    ("a robot standing next to a dog in a park", "a robotic dog in a park", "attribute"),
    ("a landscape at night with the moon in the sky", "a lunar landscape", "attribute"),
    (
        "a lamp placed on a table by a sleeping cat",
        "a cat placing a lamp on a table",
        "swapped_roles",
    ),
    (
        "a car pushed past a gas station by two men",
        "two men pushing a car into a gas station",
        "swapped_roles",
    ),
    ("a charcoal portrait of a miner, photograph", "a charcoal drawing of a miner", "style"),
    ("a sign reading OPEN Mon-Fri in a window", "a sign reading OPEN in a window", "text"),
    ("a mug saying BEST DAD ever on a desk", "a mug saying BEST DAD on a desk", "text"),
    ("a judge in a black gown", "a judge in a black dress", "object"),
    ("a castle, 3d render, unreal engine", "a castle, a 3d render made in blender", "object"),
    ("a gentle giant in a forest", "a soft giant in a forest", "attribute"),
    ("a dog with soft fur", "a dog with gentle fur", "attribute"),
    # a place with a thing: not a thing on what things are in, nor on a person
    ("a car with a dog", "a dog on a car", "swapped_roles"),
    ("a cardboard box with a kitten", "a kitten on a cardboard box", "swapped_roles"),
    ("a girl with a cat", "a cat on a girl", "swapped_roles"),
    (
        "a table with a lamp, a cat on the floor",
        "a lamp on the floor, a cat on a table",
        "swapped_roles",
    ),
    # a verb's form names no season; "scattered" after "many" says no few
    ("a fallen tree, a forest in spring", "a fallen tree, a forest in autumn", "setting"),
    ("many scattered leaves on a path", "a few scattered leaves on a path", "count"),
    # things of one kind told apart by what each does, or by where each is
    (
        "a white cat sleeping and a black cat playing",
        "a black cat sleeping and a white cat playing",
        "swapped_attributes",
    ),
    (
        "a big dog in a park and a small dog",
        "a small dog in a park and a big dog",
        "swapped_attributes",
    ),
    ("a big dog chasing a small dog", "a small dog chasing a big dog", "swapped_attributes"),
    ("in Paris a girl rides a bike", "a girl rides a bike in Rome", "setting"),
    ("a pilot serving coffee to a waiter", "a pilot is served coffee by a waiter", "swapped_roles"),
    ("a cup with a little coffee", "a cup with a lot of coffee", "count"),
    ("a boy kicking a ball and a girl", "a boy kicking a girl and a ball", "swapped_roles"),
    # review 89: a building's things may be outside it
    ("a house with a garden", "a garden in a house", "swapped_roles"),
    # the one time of day is the scene's; two are each their place's
    (
        "a city at night and a village at dawn",
        "a city at dawn and a village at night",
        "swapped_roles",
    ),
]

_BUSTLING_SQUARE = (
    "a bustling medieval town square, timber framed houses, market stalls, worn cobblestones, "
    "epic atmosphere, storytelling composition, fine textures, color graded, masterful shading, "
    "cinematic mood, deep shadows, rich textures"
)
SERVED = [
    ("a man plays a guitar", "a man is playing the guitar"),
    ("the engine of a red truck", "a red truck's engine"),
    ("a sloth on a branch", "here is what I want: a sloth on a branch"),
    ("a village, prayer flags", "a village, i would like the picture to show prayer flags"),
    # In the middle of a place is in it (not the other way round, below).
    ("a log cabin in the middle of a forest", "a log cabin in a forest"),
    ("a vase in the center of a table", "a vase on a table"),
    # A phone's keyboard types curly apostrophes.
    ("I'd like a red barn", "I\u2019d like a red barn"),
    ("a red barn", "here\u2019s what I want: a red barn"),
    ("a red truck's engine", "the engine of a red truck"),
    (
        "a mechanic fixing the engine of an old pickup truck",
        "a mechanic repairing an old pickup truck's engine",
    ),
    # "how" says nothing of its own ("small children how" is no thing).
    (
        "a woman teaching small children how to paint, children's drawings on the walls",
        "a woman teaching small children to paint, children's drawings on the walls",
    ),
    # Batch four's tuning half (bench/data): one of each kind of rule it added.
    (
        "ancient temple ruins on a hill, marble columns",
        "ancient temple ruins on a hil, marble colums",
    ),
    ("a fireman rescuing a kitten from a tree", "a firefighter rescuing a kitten from a tree"),
    ("a taxi driving down a rainy street", "a cab driving down a rainy street"),
    ("fireflies glowing over a pond at night", "fire flies glowing over a pond at night"),
    ("a moonlit street with victorian houses", "a moon lit street with victorian houses"),
    ("a bowl of chilli con carne, food photography", "a bowl of chili con carne, food photography"),
    ("a child sitting inside a cardboard spaceship", "a child sitting in a cardboard spaceship"),
    ("a vase of tulips next to a stack of books", "a stack of books next to a vase of tulips"),
    (
        "a jellyfish over a city at night, surreal",
        "generate for me a jellyfish over a city at night, surreal",
    ),
    # A thing listed after a comma alone has no role of its own to swap.
    (
        "a cottage in a meadow, sunflowers, stone wall, smoke from a chimney, morning light",
        "a cottage in a meadow, stone wall, smoke from a chimney, sunflowers, morning light",
    ),
    ("a red apple on a wooden table", "a red apple on a table made of wood"),
    ("a snowy mountain peak at dawn", "a mountain peak covered in snow at dawn"),
    ("a lion resting in the savannah", "a lion resting in the savanna"),
    ("a bustling market in marrakech", "a busy market in marrakech"),
    (
        "a girl riding a bike through a field of sunflowers",
        "a girl riding a bike through a sunflower field",
    ),
    ("a city at night, neon lights, cyberpunk", "cyberpunk city at night with neon lights"),
    # A tag of its own describes the whole picture, not the tag before or after it.
    (
        "a castle on a cliff, oil painting, dramatic, highly detailed, trending on artstation",
        "a castle on a cliff, oil painting, dramatic, masterpiece, 8k",
    ),
    (
        "tiny house in a clearing, wooden porch, cozy, warm tones",
        "cozy tiny house in a clearing, wooden porch, warm tones",
    ),
    ("a cat sitting on a couch", "a cat sitting on a sofa"),
    # "resting" is vague: a cat sitting, lying or sleeping shows it (not the other way round)
    ("a cat sleeping on a couch", "a cat resting on a couch"),
    ("a ferry sailing across a calm fjord", "a ferry making its way across a calm fjord"),
    ("a ferry crossing a calm fjord", "a ferry making its way across a calm fjord"),
    ("a man crossing a bridge", "a man walking across the bridge"),
    # what a doer's name says they do, when the cached prompt has them do nothing else
    ("singer holding a microphone on a stage", "singer holding a mic on a stage"),
    ("a take-out box on a table", "a takeout box on a table"),  # the noun, not "take out"
    ("a castle on a hill, digital painting, 4k", "a castle on a hill, 4k, painted digitally"),
    # a passive's place may stand before "by" after "being"
    ("a puppy being bathed in a tub by a girl", "a girl bathing a puppy in a tub"),
    ("a plumber fixing a leaking pipe", "a plumber fixing a leaky pipe"),
    ("two friends chatting in a cafe", "two friends talking in a cafe"),
    ("a pile of trash bags on a sidewalk", "a pile of rubbish bags on a sidewalk"),
    ("a couple strolling on the beach", "a couple walking on the beach"),
    ("a couple sitting on a bench", "a couple is sitting on a bench"),
    ("an elderly couple holding hands", "an old couple hold hands"),
    ("twins playing in a garden", "twins play in a garden"),
    ("a couple of cats on a roof", "two cats on a roof"),
    ("an empty parking lot at night", "a parking lot at night"),  # "lot" ends a compound
    ("a couple walks on the beach", "a couple walking on the beach"),
    # a consonant the request forgot to double, where the cached prompt doubles it
    ("a bride cutting a wedding cake", "a bride cuting a weding cake"),
    # the cached prompt's doubled consonant is the typo: not mended crosswise
    ("a locksmith openning a safe", "a locksmith opening a safe"),
    ("a man swimmming in a lake", "a man swimming in a lake"),
    ("chunky knitting on a table", "chunky kniting on a table"),
    ("a cobbled old town square with a fountain", "a cobbled old town plaza with a fountain"),
    ("a man seated on a bench", "a man sitting on a bench"),
    ("a suitcase on a luggage carousel", "a suitcase on a baggage carousel"),
    ("a starship orbiting a planet", "a spaceship orbiting a planet"),
    # listed synonyms that WordNet does not relate as the picture does
    ("a labourer digging a ditch", "a laborer digging a ditch"),
    ("a laborer laying bricks on a wall", "a worker laying bricks on a wall"),
    ("a fruit merchant at a market stall", "a fruit vendor at a market stall"),
    ("a knitted pullover on a wooden hanger", "a knitted sweater on a wooden hanger"),
    ("an old couple strolls through a park", "an old couple walks through a park"),
    ("a cactus with thorny stems", "a cactus with prickly stems"),
    ("a vacant parking lot at night", "an empty parking lot at night"),
    ("a fisherman in a rowing boat on a lake", "a fisherman in a rowboat on a lake"),
    ("a hippo wallowing in a muddy river", "a hippopotamus wallowing in a muddy river"),
    ("a cozy cabin in the woods, cozy vibes", "a cozy cabin in the woods, cozy atmosphere"),
    # moods describe the whole picture, in whatever order they are named
    (
        "a rabbit in a kitchen, storybook feel, whimsical mood, pastel colors",
        "a rabbit in a kitchen, whimsical mood, storybook feel, pastel colors",
    ),
    ("an old fishing boat moored at a pier", "an old fishing boat docked at a pier"),
    ("a lone cyclist on a foggy mountain road", "a lone cyclist riding on a foggy mountain road"),
    ("a surfer on a big wave", "a surfer surfing a big wave"),
    ("a chef in a kitchen", "a chef cooking in a kitchen"),
    ("a girl on a horse on a beach", "a girl riding a horse on a beach"),
    ("a boy climbing an apple tree", "a little boy making his way up an apple tree"),
    ("a farmer driving a red tractor through a field", "a farmer making his way through a field"),
    ("a woman watering potted plants", "a woman giving water to the potted plants"),
    ("a mother bathing her baby in a sink", "a mother giving her baby a bath in a sink"),
    ("a boy feeding the ducks", "a boy giving the ducks food"),
    ("a man walking his dog in the park", "a guy taking his dog for a walk through the park"),
    ("a mechanic fixing a car engine", "a mechanic doing repairs on the engine of a car"),
    ("a man walking along the beach", "a man strolls along the beach"),  # a verb before "along"
    ("a cat perched on top of a bookshelf", "a cat perched on the top of a bookshelf"),
    ("a sword with a steel blade", "a sword with a blade of steel"),
    ("a scribe writing by candlelight in a monastery", "a scribe writing under candlelight"),
    ("a castle on a hill, by van gogh", "a castle on a hill in the manner of van gogh"),
    (
        "a koi pond, ukiyo-e woodblock print",
        "a koi pond in the style of an ukiyo-e woodblock print",
    ),
    (
        "a giant octopus wrapping its tentacles around a sunken galleon",
        "a sunken galleon with a giant octopus wrapping its tentacles around it",
    ),
    (
        "a cyclist riding in the rain through traffic",
        "a cyclist riding under the rain through traffic",
    ),
    ("a bakery window at christmas", "a bakery window around christmas"),
    ("a parrot on a branch, tropical rainforest", "a parrot on a branch, tropical rain forest"),
    ("flamingos in a salt lake, minimalism", "flamingos in a salt lake, minimalist"),
    ("a chair made of wood", "a wooden chair"),
    ("a bronze statue in the centre of a fountain", "a bronze statue at the centre of a fountain"),
    ("a man lying in a hammock", "a man relaxing in a hammock"),
    ("a cat, simple background", "a cat, plain background"),
    # "trending on artstation" asks for digital art's look, which a render or a painting has
    (
        "a castle on a cliff, digital art",
        "a castle on a cliff, digital art, trending on artstation",
    ),
    ("a castle, 3d render, 8k", "a castle, 3d render, trending on artstation, 4k"),
    ("an oil painting of a castle", "a castle, trending on artstation"),
    ("a tree with fairy lights around it", "fairy lights around a tree"),
    ("a girl with butterflies around her", "butterflies around a girl"),
    ("a police officer directing traffic", "a cop directing traffic"),
    # a noun before a chain of nouns may describe the next one ("luxury" the wristwatch)
    (
        "product photo of a luxury wristwatch, black background",
        "luxury wristwatch product photo, black background",
    ),
    # colours alone in a tag late in a list are the picture's, wherever the tag is moved
    (
        "car, neon underglow, night city, reflections, synthwave, purple and cyan, 80s retro",
        "synthwave, 80s retro, car, neon underglow, reflections, night city, purple and cyan",
    ),
    (
        "a stall piled with heirloom tomatoes, squash and peppers",
        "a stall piled with peppers, squash and heirloom tomatoes",
    ),
    ("a knight, castle in the background", "a knight with a castle in the background"),
    ("a poodle in the snow", "a dog in the snow"),
    ("an armchair by the fire", "a chair by the fire"),
    ("a young woman reading in a cafe", "a woman reading in a cafe"),
    ("an old lighthouse on a cliff", "a lighthouse on a cliff"),
    ("a red car parked in the street, the car is full of boxes", "a red car parked in the street"),
    ("many birds flying over a lake", "lots of birds flying over a lake"),
    ("a wolf howling at the full moon", "a wolf howls at the full moon"),
    (
        "an aeroplane flying over snow-capped mountains",
        "an airplane flying over snowcapped mountains",
    ),
    ("a hand-painted ceramic vase", "a handpainted ceramic vase"),
    (
        "a cottage garden with roses, lilies and tulips",
        "a cottage garden with tulips, roses and lilies",
    ),
    (
        "watercolor, a cottage garden, loose brushwork",
        "a cottage garden, loose brushwork, watercolor painting",
    ),
    (
        "a wristwatch on black velvet, product photography",
        "product photo of a wristwatch on black velvet",
    ),
    (
        "oil painting of a stormy sea with a ship, dark clouds, dramatic light",
        "a stormy sea with a ship, dark clouds, dramatic light, oil painting",
    ),
    (
        "a stone path through a garden, best quality, highres",
        "a stone pathway through a garden, absurdres",
    ),
    ("a woman riding a bicycle", "a person riding a bicycle"),
    ("a huge dog in a garden", "a big dog in a garden"),
    ("two apples on a table", "2 apples on a table"),
    ("a dog and a cat on a sofa", "a cat and a dog on a sofa"),
    ("a tattooed woman with piercings", "a woman with piercings"),
    ("a man without a hat", "a man with no hat"),
    ('a sign that says "open"', 'a sign that says "open" in a window'.replace(" in a window", "")),
    ("A black dog walking beside a pool.", "A black dog is walking along the side of a pool."),
    ("a man with a hard hat is dancing", "a man wearing a hard hat is dancing"),
    ("a woman slicing an onion", "a woman cutting an onion"),
    ("a man on a surfboard riding a wave", "a man riding a wave on a surfboard"),
    ("a white dog and a black cat", "a black cat and a white dog"),
    ("a dog chasing a cat", "a dog is chasing a cat."),
    ("a key-board on a desk", "a keyboard on a desk"),
    ("a herd of elephants walking down a trail", "elephants walking along a trail"),
    # Harmless re-asks (issue 14): typos, synonyms, tense, framing, spelling, prepositions.
    ("a beautiful sunset over the ocean", "a beautifull sunset over the ocean"),
    ("a beautifull sunset over the ocean", "a beautiful sunset over the ocean"),
    ("a teddy bear on a bed", "a teddybear on a bed"),
    (
        "sci-fi space station interior, glowing panels",
        "scifi space station interior, glowing panels",
    ),
    # A compound the lexicon lacks, hyphenated in one prompt, written apart or closed up in the
    # other.
    ("a sci-fi city at night", "a sci fi city at night"),
    ("a scifi city at night", "a sci-fi city at night"),
    ("a lo fi bedroom, anime", "a lo-fi bedroom, anime"),
    ("a mouse being chased by a cat", "mouse being chased by a cat"),
    ("a girl with a balloon and a boy with a kite", "a boy with a kite and a girl with a balloon"),
    ("a cat and a dog sleeping on a rug", "a dog and a cat sleeping on a rug"),
    (
        "a desert caravan of camels silhouetted against a huge orange moon",
        "silhouetted against a huge orange moon, a desert caravan of camels",
    ),
    # A place said of the thing before it, with "and" of the things before that too.
    ("a cat on the left and a dog on the right", "a dog on the right and a cat on the left"),
    ("a castle in the distance, a knight", "a knight, a castle in the distance"),
    ("mountains in the background, a lake", "a lake, mountains in distance"),
    (
        "a pair of manta rays and a small reef shark in the distance",
        "a small reef shark and a pair of manta rays in the distance",
    ),
    # A verb ends the phrase "a" opened: its object's -s word is a plural, and a compound
    # ("tomato plants") is joined.
    (
        "a small robot is watering tomato plants in a rooftop garden",
        "a small robot waters tomato plants in a rooftop garden",
    ),
    # After a preposition, an -s word after a thing is its plural: "with banana slices".
    (
        "a bowl of acai with banana slices, blueberries and granola",
        "a bowl of acai, banana slices, blueberries and granola",
    ),
    (
        "a man holding a cup and a woman holding a book",
        "a woman holding a book and a man holding a cup",
    ),
    # A spatial phrase without its article, as tags say it.
    (
        "a stone cottage, cows grazing in the distance, oil painting",
        "a stone cottage, cows grazing in distance, oil painting",
    ),
    ("a lone oak in the middle of a wheat field", "a lone oak in middle of a wheat field"),
    ("a lone lighthouse on a cliff", "a solitary lighthouse on a cliff"),
    ("a harbor in the fog", "a misty harbor"),  # fog is mist, as foggy is misty
    ("a grumpy old man", "a cranky old man"),
    # A compound in the synonym list, joined first: "mobile phone" is "phone" as "cellphone" is.
    ("a teenager texting on a cellphone", "a teenager texting on a mobile phone"),
    # How the picture was made, said with a participle.
    ("a photo of a red fox in the snow", "a red fox photographed in the snow"),
    ("a photograph of a night market in Taipei", "a night market in Taipei, photographed at night"),
    # A participle opening the prompt before words that only describe, then a thing, describes
    # it ("bustling medieval town square"); a bare thing after a comma does what follows it.
    (
        _BUSTLING_SQUARE,
        _BUSTLING_SQUARE.removeprefix("a "),
    ),
    (
        "ancient statues covered in seaweed, a whale gliding overhead casting a shadow",
        "ancient statues covered in seaweed, whale gliding overhead casting a shadow",
    ),
    ("the ball was kicked by a soccer player", "ball was kicked by a soccer player"),
    # A bar separates tags as a comma does.
    (
        "a knight on a bridge, fog, dark fantasy, oil painting, moody light",
        "a knight on a bridge | fog | dark fantasy | oil painting",
    ),
    ("pre-raphaelite painting of a woman", "pre raphaelite painting of a woman"),
    (
        "a spaceship landing on mars, sci-fi, concept art, 4k",
        "sci-fi concept art, a spaceship landing on mars",
    ),
    ("a hamburger with fries on a plate", "a burger with fries on a plate"),
    ("a cat napping on a sunny windowsill", "a cat taking a nap on a sunny windowsill"),
    ("an owl perched on a branch at night", "an owl perched atop a branch at night"),
    ("a mug on top of a stack of papers", "a mug on a stack of papers"),
    ("at night a fox crossing an empty road", "a fox crossing an empty road at night"),
    ("a woman walking her dog on a foggy morning", "on a foggy morning a woman walks her dog"),
    ("a cluttered studio with canvases", "imagine a cluttered studio with canvases"),
    ("a mermaid on a rock, fantasy art", "prompt: a mermaid on a rock, fantasy art"),
    ("a tiny house in the woods", "a tiny house out in the woods"),
    ("spiral staircase inside a tower", "spiral stairs inside a tower"),
    (
        "anime screenshot, two friends eating ice cream",
        "two friends eating ice cream, anime screencap",
    ),
    ("two old friends laughing over coffee", "two old friends sharing a laugh over coffee"),
    ("a robot, lots of wires", "some kind of robot, lots of wires"),
    (
        "a fox, soft glow, rich deep greens and purples",
        "a fox, rich deep greens and purples, soft glow",
    ),
    (
        "elves on a bridge, trending on artstation, depth of field, cinematic composition",
        "elves on a bridge, cinematic composition, depth of field, trending on artstation",
    ),
    ("pencil sketch of a horse", "a horse, pencil drawing"),
    ("a girl with blue hair in anime style", "anime girl with blue hair"),
    (
        "a sunflower field, unreal engine, octane render",
        "a sunflower field, octane render, unreal engine 5",
    ),
    # "sunset" is as often an adjective as a noun: at the end of a prompt it stays a thing.
    ("a castle and a small boat at sunset", "a small boat and a castle at sunset"),
    ("a sailor on the deck of a ship", "a seaman on the deck of a ship"),
    ("a girl holding a balloon at a fair", "a girl holding a balloon at a funfair"),
    ("a castle on a hill, fantasy art, 8k", "a castle on a hill, fantasy art, 4k"),
    ("portrait of a woman, 8k uhd", "portrait of a woman, 1080p, masterpiece"),
    ("a rabbit in a meadow", "a bunny in a meadow"),
    ("a man walking a dog", "a guy walking a dog"),
    ("a happy child", "a joyful child"),
    ("a calm lake at dawn", "a still lake at dawn"),
    ("a cute kitten", "an adorable kitten"),
    ("an old man reading", "an elderly man reading"),
    ("a vintage car", "an old-fashioned car"),
    ("a woman riding a bicycle", "a woman riding a bike"),
    ("children playing soccer", "children play soccer"),
    ("a chef cooking pasta", "a chef cooks pasta"),
    (
        "oil painting of a lighthouse on a cliff during a storm",
        "a lighthouse on a cliff in a storm, oil painting",
    ),
    ("an isometric illustration of an island", "an island, isometric illustration"),
    ("high quality image of a mountain village", "a mountain village"),
    ("a cat", "a photo of a cat"),
    ("a knight in grey armour", "a knight in gray armor"),
    ("a sail boat on the lake", "a sailboat on the lake"),
    ("a temple at sunrise", "a temple during sunrise"),
    ("a fox in autumn leaves", "a fox among autumn leaves"),
    ("a windy beach", "a beach on a windy day"),
    ("a cabin by a frozen lake", "a cabin next to a frozen lake"),
    ("in a snowy forest, a wolf howls at the moon", "a wolf howls at the moon in a snowy forest"),
    ("a teapot on a table", "please show me a teapot on a table"),
    ("a cup of coffee and a croissant on a table", "a croissant and a cup of coffee on a table"),
    ("a boy in a red shirt kicking a ball", "a ball being kicked by a boy in a red shirt"),
    ("a knight riding a horse", "a horse ridden by a knight"),
    # the thing done to with where it is or what it has, before "is": its own noun phrase
    (
        "a small crowd watches a banjo player on the steps of a courthouse",
        "a banjo player on the steps of a courthouse is watched by a small crowd",
    ),
    (
        "a teacher photographs a boy with his kite at the fair",
        "at the fair a boy with his kite is photographed by a teacher",
    ),
    # from review 60: with "is", "being" or neither, the same passive
    ("a house on a hill is struck by lightning", "a house on a hill struck by lightning"),
    (
        "a girl in a white dress is chased by a wolf",
        "a girl in a white dress being chased by a wolf",
    ),
    ("surrounded by fog, a castle on a hill", "a castle on a hill, surrounded by fog"),
    ("a boy kissing a girl in a red dress", "a girl in a red dress being kissed by a boy"),
    ("a girl kissed by a boy in a blue suit", "a boy in a blue suit kissing a girl"),
    (
        "a girl in a red dress is kissed by a boy in a blue suit",
        "a boy in a blue suit kisses a girl in a red dress",
    ),
    (
        "a woman hugging a child in a yellow raincoat",
        "a child in a yellow raincoat hugged by a woman",
    ),
    ("a dog walked by a boy in the park", "a boy in the park walking a dog"),
    ("a dog walked by a boy in the park", "a boy walking a dog in the park"),
    # from review 61: a person's clothes stay theirs where the request reads alike
    ("in a red dress, a boy kisses a girl", "a boy in a red dress kissing a girl"),
    ("with a red hat, a man hugs a woman", "a man with a red hat hugging a woman"),
    ("a woman slapping a man with a glove", "a woman with a glove slapping a man"),  # a tool
    ("a vet examining a dog in a white coat", "a vet in a white coat examining a dog"),
    ("a girl riding a unicorn in a pink dress", "a girl in a pink dress riding a unicorn"),
    ("1girl, hugging a boy, in a red dress, smile", "1girl, in a red dress, hugging a boy, smile"),
    ("a boxer punching an opponent in the ring", "a boxer in the ring punching an opponent"),
    ("a boy kissing a girl wearing a red dress", "a girl wearing a red dress kissed by a boy"),
    ("a dog chasing a man wearing a hat", "a man wearing a hat chased by a dog"),
    (  # both do it
        "a picnic in a clearing, a fox and a badger sharing the picnic",
        "a picnic in a clearing, a badger and a fox sharing the picnic",
    ),
    # what is "with" a thing is together with it
    ("a boy sitting on a porch with his dog", "a boy and his dog sitting on a porch"),
    ("a woman and a horse in a field", "a woman in a field with a horse"),
    ("a field of sunflowers under a blue sky", "sunflowers in a field under a blue sky"),
    ("sunflowers in a field under a blue sky", "a field of sunflowers under a blue sky"),
    # the place a thing is in, named by what fills it: "a field of sunflowers" holds the barn
    ("a red barn in a field of sunflowers", "a field of sunflowers with a red barn"),
    # a thing "with" another in the background is a part of the picture of its own
    (
        "a wooden cabin by a lake with mountains in the background",
        "mountains in the background, a wooden cabin by a lake",
    ),
    ("firefighters spraying water on a warehouse", "firefighters spray water on a warehouse"),
    ("a peacock, stained glass window", "a stained glass window of a peacock"),
    ("a crayon drawing of a house", "a house drawn in crayon"),
    ("a lion, marble statue", "a marble statue of a lion"),
    ("a rainy street market at night", "a street market at night in the rain"),
    ("a girl walking in the rain", "a girl walking through the rain"),
    # and where a place follows it: "in the rain on a city street"
    (
        "a couple dancing in the rain on a city street",
        "a couple dancing under the rain on a street",
    ),
    ("a dog running in the snow", "a dog running through the snow"),
    ("a photo of a red car", "red car photo"),
    ("a squirrel at the top of a tree", "a squirrel on top of a tree"),
    ("a car that is red", "a red car"),
    ("a field of tulips with a windmill behind it", "a windmill behind a field of tulips"),
    ("a small house", "a house that is small"),
    (
        "a market square, crowds of people, sunny day, oil painting",
        "a market square on a sunny day, crowds of people, oil painting",
    ),
    # A part said as a describing word ("red-haired") is the part said with "with".
    ("a woman with red hair sitting on a bench", "a red-haired woman sitting on a bench"),
    ("a man with red hair", "a red haired man"),
    ("a house with a red roof by the sea", "a red-roofed house by the sea"),
    ("a long-eared dog", "a dog with long ears"),
    ("a three-legged stool", "a stool with three legs"),
    ("a man with a beard wearing a hat", "a bearded man wearing a hat"),
    ("a dirty street in the city", "a filthy street in the city"),
    ("a tired runner after a race", "an exhausted runner after a race"),
    ("a path through the woods", "a trail through the woods"),
    (
        "tourists in front of a cathedral at midday",
        "tourists in front of a cathedral in the middle of the day",
    ),
    ("an owl on a branch at midnight", "an owl on a branch in the middle of the night"),
    # "red" and "kitten" end as participles do, but name no doing: the passive is read actively.
    ("a small boy kicking a red ball", "a red ball being kicked by a small boy"),
    ("a kitten being chased by a dog", "a dog chasing a kitten"),
    ("a wooden puppet being carved by an old toymaker", "an old toymaker carving a wooden puppet"),
    ("a portrait of an old man, studio lighting", "old man portrait, studio lighting"),
    ("a log cabin among tall pines under falling snow", "a log cabin among pines in falling snow"),
    ("a man in heavy rain", "a man under heavy rain"),
    ("a foggy harbour at dawn", "a harbor in the fog at dawn"),
    ("a crowd at a rock concert", "a crowd attending a rock concert"),
    ("a busy square at noon", "a busy square around noon"),
    ("a picnic blanket on the grass", "a picnic blanket upon the grass"),
    ("a grilled eggplant salad with cilantro", "a grilled aubergine salad with coriander"),
    ("a castle, trending on artstation", "a castle, trending on artstaton"),
    ("a castle on a hill", "a castle on a hill, 4k, thanks so much!"),
    ("a phoenix, stained glass window", "a phoenix, made as a stained glass window"),
    # An unknown word both prompts have is a name, not a typo of a word one of them has.
    (
        "psychedelic art, fractalism, fractals, raytracing, 3 d",
        "psychedelic art, fractalism, fractals",
    ),
    # A style or an artist says the request is not asking for a photo.
    ("a castle, digital painting, artstation", "a castle, artstation"),
    ("A deer jumps a fence.", "A deer is jumping over a fence."),
    # Tags in another order: a tag that opens with a participle or with "warm" names a thing
    # described, not something the tag before it does; camera words describe no thing.
    (
        "an old library, towering bookshelves, floating candles, dust in the air, warm light",
        "an old library, floating candles, towering bookshelves, warm light, dust in the air",
    ),
    (
        "a mug of coffee, open book, reading glasses, wooden table",
        "open book, reading glasses, a mug of coffee, wooden table",
    ),
    (
        "vintage motorcycle, leather saddle, spoked wheels, oil stains on the floor, garage",
        "garage, leather saddle, spoked wheels, oil stains on the floor, vintage motorcycle",
    ),
    (
        "cathedral interior, stained glass windows, rays of light, dust particles, empty pews",
        "empty pews, rays of light, stained glass windows, dust particles, cathedral interior",
    ),
    (
        "a cowboy on horseback, desert mesa, wide shot, dusty trail, lone saguaro cactus",
        "a cowboy on horseback, lone saguaro cactus, desert mesa, dusty trail, wide shot",
    ),
    (
        "please generate: an owl with blue eyes, brass feathers",
        "an owl with blue eyes, brass feathers",
    ),
    ("a middle-aged man reading a newspaper", "a middle aged man reads a newspaper"),
    # Batch six's tuning half (bench/data): one of each rule it added.
    ("a cat sleeps on a warm radiator", "a cat sleeping on a warm radiator"),
    ("a boy walking a dog along the beach", "a dog being walked by a boy along the beach"),
    ("an old man on a porch with a cup of coffee", "with a cup of coffee, an old man on a porch"),
    ("a red barn in a field", "a red barn in a field, can you please generate this for me"),
    ("a stone bridge over a stream", "a stone bridge over a creek"),
    ("a fox sleeping under a tree", "a fox dozing under a tree"),
    (
        "a street lamp with hanging baskets of petunias, pastel colors, clean lines, cute, "
        "warm and friendly mood, depth of field, cinematic framing",
        "a street lamp with hanging baskets of petunias, clean lines, pastel colors, "
        "friendly and warm mood, cute, cinematic framing, depth of field",
    ),
    # Harmless re-asks the reader refused before (tuning half, seventh round).
    (
        "still life of lemons and a blue vase, oil painting",
        "still life of a blue vase and lemons, oil painting",
    ),
    ("a painting of a fox and a hare in the snow", "a painting of a hare and a fox in the snow"),
    ("a vintage typewriter on a desk", "a vintage typewriter sitting on a desk"),
    ("a lighthouse on a rocky cliff", "a lighthouse standing on a rocky cliff"),
    ("the man is eating", "a man is eating food"),
    ("a band is performing on a stage", "a band is performing onstage"),
    ("a bicycle leaning against a brick wall", "a bicycle leaning on a brick wall"),
    ("an old bridge across a narrow river", "an old bridge over a narrow river"),
    (
        "a claymation scene of a mouse baking bread, stop motion, aardman style, warm kitchen, "
        "soft lighting, handmade textures, charming, cozy, whimsical, detailed, 4k",
        "a mouse baking bread, claymation, stop motion, aardman style, warm kitchen, "
        "soft lighting, handmade textures, charming, cozy, whimsical, detailed, 4k",
    ),
    ("a woman at a table with a birthday cake", "a woman at a table with a cake"),
    # Accents as the lexicon spells the words; moving through a place is being in it; leaning
    # on a thing is leaning against it; "X, photographed" is "a photo of X".
    ("a cozy cafe with big windows", "a cozy café with big windows"),
    ("a crème brûlée on a plate", "a creme brulee on a plate"),
    (
        "a glowing jellyfish drifting in the deep ocean",
        "a glowing jellyfish drifting through the deep ocean",
    ),
    ("a red bicycle leaning on a brick wall", "a red bicycle leaning against a brick wall"),
    ("a photo of a bowl of pho with fresh herbs", "a bowl of pho with fresh herbs, photographed"),
    # Courtesies one after another; "under" the sky or its lights is out in them; two nouns
    # coordinated before a third name its kind, in either order.
    ("a cozy bedroom, clean render", "a cozy bedroom, clean render, if possible, thanks a lot"),
    ("an owl on a branch in the moonlight", "an owl on a branch beneath the moonlight"),
    ("strawberry and mint scoops, waffle cone", "mint and strawberry scoops, waffle cone"),
    # The eighth batch's tuning half.
    ("a child eating strawberry ice-cream", "a child eating strawberry ice cream"),
    (
        "an acrylic painting of a lighthouse in a storm",
        "a lighthouse in a storm, acrylic on canvas",
    ),
    ("a portrait, a photo taken with a 24mm lens", "a portrait, photographed with a 24mm lens"),
    ("a knight kneeling before a king", "a knight kneeling in front of a king"),
    ("a vase of roses on a table by the window", "by the window, a vase of roses on a table"),
    ("a scary abandoned hospital hallway", "a creepy abandoned hospital corridor"),
    ("a cat asleep in a cardboard box", "a cat sleeping in a cardboard box"),
    (
        "inviting and timeless, rendered as an oil painting on canvas, classical realism",
        "inviting and timeless, classical realism, painted in oil on canvas",
    ),
    ("a red and blue car", "a blue and red car"),
    ("some people on a beach", "people on a beach"),
    ("a field covered in flowers", "a field of flowers"),
    ("a tall, thin man in a long black coat", "a thin, tall man in a long black coat"),
    # The ninth batch's tuning half: a film still is a medium; "done in" a paint or a drawing
    # material names one too; "a ginger cat sleeps" (no "cat sleep", a catnap); a passive
    # irregular participle said in the active voice.
    (
        "a cinematic film still of a lone cowboy riding through a canyon",
        "a lone cowboy riding through a canyon, cinematic film still",
    ),
    ("a watercolor of a canal with gondolas", "a canal with gondolas, done in watercolor"),
    # The twenty-third batch's tuning half: a screenshot is a medium, and an anime's still too.
    (
        "anime screenshot of a girl waiting at a train station",
        "a girl waiting at a train station, anime screenshot",
    ),
    ("anime still of a boy on a bike", "a boy on a bike, anime still"),
    ("a pencil drawing of an old man", "an old man, executed in pencil"),
    ("a ginger cat sleeps on the braided rug", "a ginger cat is sleeping on the braided rug"),
    (
        "the letter is being read by an old woman in a rocking chair",
        "an old woman in a rocking chair reads the letter",
    ),
    ("a knight in shining armor riding a white horse", "riding a white horse, a knight in armor"),
    # "style" after a style names no style of its own.
    ("a fox, watercolor", "a fox, watercolor style"),
    ("pixel art of a knight", "a knight in pixel art style"),
    ("a trash can in an alley", "a garbage can in an alley"),  # "can" ends a WordNet entry
    # The tenth batch's tuning half: a collective closed up ("back pack"), a place phrase with
    # "from" put first, "black and white" said of the picture wherever it stands.
    ("a man carrying a back pack through the airport", "a man carrying a backpack"),
    (
        "the mouse is being watched by an owl from a branch",
        "from a branch, an owl watches the mouse",
    ),
    (
        "portrait photo of an old fisherman, weathered face, black and white, 85mm",
        "black and white portrait photo of an old fisherman, weathered face, 85mm",
    ),
    ("a black and white photo of a zebra", "a zebra, b&w photo"),
    # A place phrase put first with no comma: it ends at the first determiner after no
    # preposition.
    ("a child flying a kite on a windy hill", "on a windy hill a child flies a kite"),
    ("a girl dancing in a field of tulips", "in a field of tulips a girl dances"),
    ("a deer drinking in the morning light", "in the morning light a deer drinks"),
    ("a bowl of soup with bread, top view", "top-down view of a bowl of soup with bread"),
    ("a bowl of soup, flat lay", "a bowl of soup, overhead shot"),
    ("a modern kitchen", "a contemporary kitchen"),
    ("a glowing lantern", "a luminous lantern"),
    ("a rusty robot", "a corroded robot"),
    ("a wizard reading a spellbook", "a sorcerer reading a spellbook"),
    ("an astronaut floating in space", "an astronaut floating in outer space"),
    # A thing in a place shows the place with it, and the other way round.
    ("a cabin in a snowy forest", "a snowy forest with a cabin"),
    ("a snowy forest with a cabin", "a cabin in a snowy forest"),
    # the place read as the last thing's of a list; what a thing the place holds does
    (
        "bubbling flasks and a tesla coil in an old physics lab",
        "an old physics lab with bubbling flasks and a tesla coil",
    ),
    ("a lighthouse on a small island", "a small island with a lighthouse"),
    ("a dragon around a tower, dark fantasy art", "a dragon around a tower, dark fantasy artwork"),
    ("a koi pond, cherry blossoms, spring", "a koi pond, cherry blossoms, springtime"),
    ("a longship under the northern lights", "a longship in the northern lights"),
    ("an old mage in a tower", "an old wizard in a tower"),
    ("a messy room", "a cluttered room"),
    ("a dog chasing a frisbee in a city park", "a doggo chasing a frisbee in a city park"),
    ("a viking warrior, snowy fjord background", "a viking warrior, snowy fjord in the background"),
    ("a car, desert in the background", "a car, desert background"),  # "desert" the verb too
    ("children painted a mural on the school wall", "a mural was painted by children on a wall"),
    ("a cabin by a lake in the early morning", "a cabin by a lake early in the morning"),
    ("ripples on the ocean floor, a sea turtle", "ripples on the sea floor, a sea turtle"),
    (
        "a cyborg woman, glowing eyes, dark background",
        "dark background, a cyborg woman, glowing eyes",
    ),
    ("a guy in a hoodie coding on a laptop", "a dude in a hoodie programming on a laptop"),
    ("a lovely cottage", "a charming cottage"),
    # A thing and the verb after it are not closed up into a plural after "the" or "a", where
    # the second word is more often a verb: "the sun sets" is no "sunsets".
    ("the sun sets behind the hills", "the sun setting behind the hills"),
    ("a red fox hunts in a snowy field", "a red fox is hunting in a snowy field"),
    ("the sea shells on the beach", "the seashells on the beach"),
    # Nor is a thing alive and what it does joined into an event after "the" or an owner,
    # which may ask for more than one: "her cat sleeps" is no set of catnaps.
    ("her grey cat sleeps curled on the windowsill", "her grey cat is sleeping on the windowsill"),
    ("the sheep dogs herding sheep", "the sheepdogs herding sheep"),
    ("a dog asleep on the sofa", "one dog asleep on the sofa"),
    ("two kids under the umbrella", "two kids under one umbrella"),
    ("the mailbox was painted by a boy in overalls", "a boy in overalls painted the mailbox"),
    ("a mural being painted by a young artist", "a young artist painting a mural"),
    # the way taken may have a word in "-ing" that describes its place
    (
        "a firefighter carrying a child out of a burning building",
        "a child being carried out of a burning building by a firefighter",
    ),
    # Nor where they go next, uncounted: "red dragon flies over" is a dragon flying.
    ("red dragon flies over a burning village", "red dragon flying over a burning village"),
    ("two dragon flies over a pond", "two dragonflies over a pond"),
    # Someone "with" a lifeless thing holds it.
    ("a girl with a yellow umbrella in the rain", "a girl holding a yellow umbrella in the rain"),
    ("a boy with a backpack", "a boy carrying a backpack"),
    ("an astronaut in space, earth in background", "an astronaut, earth in the background"),
    ("a turtle swimming under the sea", "a turtle swimming underwater"),
    ("children playing outdoors", "children playing outside"),
    # Attention syntax from Stable Diffusion front ends says what the words inside say.
    ("a castle, masterpiece, best quality", "a castle, (masterpiece:1.2), (best quality)"),
    ("a red dragon, oil painting", "a (red:1.4) dragon, [oil painting]"),
    # A word WordNet reads as a noun first describes like an adjective before another noun.
    ("a brave knight", "a courageous knight"),
    ("a courageous knight", "a brave knight"),
    ("a blank page", "an empty page"),
    # Batch twelve's tuning half (bench/data): one of each kind of rule it added.
    ("a castle, masterpiece, best quality, 4k", "a castle, high quality, absurdres, 8k wallpaper"),
    ("a small house in the woods", "a tiny house in the woods"),
    ("a sleepy dog on a porch", "a drowsy dog on a porch"),
    ("a quiet lake at dawn", "a calm lake at dawn"),
    ("a market, 35mm film, kodak gold", "a market, shot on 35mm kodak gold film"),
    ("ukiyo-e woodblock print of a fox", "a fox, in the form of a ukiyo-e woodblock print"),
    ("a dog chasing a cat through the garden", "a cat being chased through the garden by a dog"),
    # A phrasal verb's passive (STS-B): "rounded up by" names the doer; "lined up by" a place.
    ("Three goats are being rounded up by a dog.", "A dog rounds up three goats."),
    ("a vase knocked over by a cat", "a cat knocked over a vase"),
    ("boats tied up by the pier", "boats tied up next to the pier"),
    # Batch fifteen's tuning half (bench/data): one of each kind of rule it added.
    ("a waterfall plunging into a gorge", "a gorge with a waterfall plunging into it"),
    ("food on a plate", "a plate with food on it"),
    ("a lighthouse, photography, 4k", "a lighthouse, photography, 8k uhd, professional"),
    ("a fat cat", "a chubby cat"),  # not WordNet's fat cat, a rich man
    (  # "sharp" alone in a long list of tags is about the image, quality tags or none
        "masterpiece, a giraffe, golden grass, warm light, wildlife photography, telephoto, sharp",
        "a giraffe, golden grass, warm light, wildlife photography, telephoto, sharp",
    ),
    # A particle before "by" names no doer but after "picked", "rounded" or "knocked": the cat
    # is by the fire (a review found these refused while every particle was read as a passive).
    ("a cat curled up by the fire", "a cat curled up next to the fire"),
    ("a car pulled over by the road", "a car pulled over next to the road"),
    ("a woman jogging along the beach", "a woman goes for a run along the beach"),
    ("a boy flying a kite on a hilltop", "on top of a hill a boy is flying a kite"),
    # The place a thing is in, said before it: "a jungle waterfall".
    ("a waterfall in the jungle", "a jungle waterfall"),
    ("a hut in the forest at dawn, misty", "a forest hut at dawn, misty"),
    (
        "a meadow, a few white clouds, lots of grazing sheep",
        "a meadow, lots of grazing sheep, a few white clouds",
    ),
    # Batch thirteen's tuning half.
    ("a cozy cabin in the woods", "a snug cabin in the woods"),
    ("a huge cave", "an enormous cavern"),
    ("a dog in the rain", "a dgo in the rain"),
    (
        "a ramen shop, stacks of bowls on open shelves, a salaryman loosening his tie",
        "a ramen shop, a salaryman loosening his tie, stacks of bowls on open shelves",
    ),
    ("a man walking a dog, the dog wagging its tail", "a man walking a dog wagging its tail"),
    # Batch fourteen's tuning half.
    ("a man is painting a fence in his backyard", "a man paints a fence in his backyard"),
    ("a garden path lined with roses", "a garden walkway lined with roses"),
    ("an abandoned factory at dusk", "a derelict factory at dusk"),
    (
        "a courier on a motorbike, neon signs, rain falling, lens flare, concept art by syd mead",
        "a courier on a motorbike, neon signs, concept art by syd mead, lens flare, rain falling",
    ),
    # A tool said as what is used is the tool said with "with"; "young" or "little" said of a
    # child is what "a child" shows; traffic lights, summits and mist by other names.
    ("a chef using a knife to chop onions", "a chef chopping onions with a knife"),
    ("The man used a sword to slice a bottle.", "A man sliced a bottle with a sword."),
    ("a boy using a stick to draw in the sand", "a boy drawing in the sand with a stick"),
    ("a man using a pair of scissors to cut paper", "a man cutting paper with a pair of scissors"),
    ("a little girl flying a kite on the beach", "a young girl flying a kite on the beach"),
    ("A boy riding on a swing.", "A young boy riding on a swing."),
    ("a taxi waiting at a stoplight", "a cab waiting at a traffic light"),
    ("a dragon on a snowy peak", "a dragon on a snowy summit"),
    ("a sailor rowing through a foggy harbor", "a sailor rowing through a misty harbor"),
    # A cached word misspelt is mended towards a preposition the request has, too; a letter
    # typed three times makes no plural.
    ("a huge wave crashing aganst the pier", "a huge wave crashing against the pier"),
    ("a bicycle leaning againsst a brick wall", "a bicycle leaning against a brick wall"),
    ("a woman in a red dresss", "a woman in a red dress"),
    ("a woman in a red dress", "a woman in a red dresss"),
    # A courtesy closes the prompt before quality tags too, and said short; a medium that opens
    # the prompt is read off before the passive voice is.
    ("a sloth hanging from a branch", "a sloth hanging from a branch, thanks, extremely detailed"),
    ("a cat on a sofa", "a cat on a sofa, thank you so much, 4k resolution"),
    ("a rabbit nibbling a carrot in the garden", "a rabbit nibbling a carrot in the garden pls"),
    ("a fox in the snow", "a fox in the snow, plz"),
    (
        "a watercolor of a lake surrounded by pine trees",
        "a lake surrounded by pine trees, watercolor",
    ),
    (
        "a boy being hugged by his grandmother, watercolor",
        "a watercolor of a boy being hugged by his grandmother",
    ),
    # Tense and aspect where the verb has a noun's plural ("waters", "makes") or opens a
    # compound ("drinking water"), or follows "is" in a later part of the prompt.
    ("a robot watering flowers in a garden", "a robot waters flowers in a garden"),
    ("a deer drinking water beside a stream", "a deer drinks water beside a stream"),
    (
        "a lake at dawn, in the background a fisherman casting his line from a boat",
        "a lake at dawn, in the background a fisherman is casting his line from a boat",
    ),
    ("a robot barista making latte art in a cafe", "a robot barista makes latte art in a cafe"),
    (
        "a woman on a bench, a red leaf on her hat, autumn leaves drifting down around her",
        "a woman on a bench, a red leaf on her hat, autumn leaves are drifting down around her",
    ),
    # A compound said with a listed synonym is joined as the compound is.
    ("sea turtles resting on a reef", "ocean turtles resting on a reef"),
    ("a jewelry shop window at christmas", "a jewelry store window at christmas"),
    ("a town at night, street lamps, cobblestones", "a town at night, road lamps, cobblestones"),
    ("a vintage sports car parked outside", "a vintage sports automobile parked outside"),
    ("film noir atmosphere, a detective", "movie noir atmosphere, a detective"),
    ("a mechanic fixing the engine of a car", "a mechanic repairing a car engine"),
    # "by" after a thing put somewhere is where it is; across an open place is through it.
    (
        "a cottage, lobster pots stacked by the door, slate roof",
        "a cottage, lobster pots stacked beside the door, slate roof",
    ),
    ("a boat moored by the pier", "a boat moored next to the pier"),
    # Two words closed up may open an entry with the next; an irregular plural closes up too.
    ("a lighthouse keeper climbing the stairs", "a light house keeper climbing the stairs"),
    ("a hamster holding a sunflower seed", "a hamster holding a sun flower seed"),
    ("a cozy library with tall bookshelves", "a cozy library with tall book shelves"),
    # A camera word misspelt is mended towards the other prompt's camera word.
    ("macro shot of a dewdrop on a spider web", "mcaro shot of a dewdrop on a spider web"),
    # A style said "in X style" is a style of the whole picture.
    ("a city street in cyberpunk style", "a cyberpunk city street"),
    ("a house in victorian style, at night", "a victorian house at night"),
    ("a stone wall covered in moss", "a rock wall covered in moss"),
    ("a teenager skateboarding", "a teen skateboarding"),
    ("a sunlit room with plants", "a sunny room with plants"),
    ("a small cabin surrounded by pine trees", "pine trees surrounding a small cabin"),
    # A verb misspelt in one prompt, another form of it in the other; a way out of a place
    # before "by"; a doer's own doing; riding what one is on.
    ("a toddler bulding a sandcastle on the beach", "a toddler builds a sandcastle on the beach"),
    (
        "a lifeguard pulling a swimmer out of the waves",
        "a swimmer being pulled out of the waves by a lifeguard",
    ),
    # A camera that says only "a photo", and praise among quality tags.
    ("a red fox in the snow", "a red fox in the snow, 8k uhd, dslr, high quality"),
    ("a red fox in the snow", "a red fox in the snow, professional photo"),
    # The twentieth batch's tuning half: a verb and its way are not a phrasal verb; a compound
    # with a listed synonym is the compound the synonym makes; "side by side" is no side.
    ("two horses running across a grassy field", "two horses run across a grassy field"),
    (
        "a black cat and a white dog sleeping side by side",
        "a white dog and a black cat sleeping side by side",
    ),
    # Amounts said another way; group words; "a crowd" is people; "no one" and "nobody".
    ("a great many tulips in a botanical garden", "a huge number of tulips in a botanical garden"),
    ("a lot of rubble on a demolition site", "a great deal of rubble on a demolition site"),
    ("a few monks walking across a courtyard", "a handful of monks walking across a courtyard"),
    ("a street crowded with shoppers", "a street packed with shoppers"),
    ("a troop of monkeys in a banyan tree", "a group of monkeys in a banyan tree"),
    ("a shoal of sardines swirling in the sea", "a school of sardines swirling in the sea"),
    (
        "a crowd of people waiting outside a concert venue",
        "a crowd waiting outside a concert venue",
    ),
    ("nobody on the beach at dawn", "no one on the beach at dawn"),
    ("a whole roasted chicken in a skillet", "an entire roasted chicken in a skillet"),
    ("a dusting of cinnamon on a cappuccino", "a sprinkle of cinnamon on a cappuccino"),
    ("a man and a woman on a beach", "people on a beach"),
    ("two men on a beach", "people on a beach"),
    ("a bridge made of stone", "a stone bridge"),
    ("a marble statue of a woman", "a statue of a woman made of marble"),
    ("a girl in a silk dress", "a girl in a dress made of silk"),
    ("a pot full of gold coins", "a pot of gold"),
    ("countless stars in the night sky", "the countless stars in the night sky"),
    ("a crowd cheers at a stadium", "people cheer at a stadium"),
    ("a father and his son", "a dad and his son"),
    ("a boy holding his mother's hand", "a boy holding his mom's hand"),
    ("a fish tank with many fish", "a fish tank with lots of fish"),
    ("a crowd of two hundred people", "a crowd of people"),
    # a hyphen joins words WordNet has as one ("windup", "black_and_white"); apart, they are the
    # same words
    ("a box of wind-up dolls", "a box of wind up dolls"),
    ("a man-eating shark in the deep sea", "a man eating shark in the deep sea"),
    ("a fire-breathing dragon over a castle", "a dragon over a castle"),
    ("a girl horse-riding on a beach", "a girl riding a horse on a beach"),
    ("black and white cat photo", "a black and white photo of a cat"),  # the photo's palette
    ("wind up dolls on a shelf", "wind-up dolls on a shelf"),
    ("a dog, black and white", "a dog, black-and-white"),
    ("a black-and-white photo of a dog", "a black and white photo of a dog"),
    ("a black and white photo of a dog", "a dog, black-and-white photo"),
    (
        "a tailor in his workshop, documentary portrait, shot on leica m6, kodak portra 400",
        "a tailor in his workshop, documentary portrait, shot on leica m6, kodak portra 400, "
        "award winning photo, raw photo",
    ),
    ("a polaroid of two kids sharing noodles", "two kids sharing noodles, polaroid photo"),
    ("a fox in the snow", "a fox in the snow, raw photo"),
    ("fishmongers bidding on tuna at dawn", "fishmongers bidding on tuna at the crack of dawn"),
    ("a farmer at first light", "a farmer at dawn"),
    ("a mechanic working late at night", "a mechanic working late in the night"),
    (
        "a chalk drawing of the water cycle, please",
        "a chalk drawing of the water cycle, can you make this for my class? thanks a lot",
    ),
    # How far into or above a place, said first or last
    (
        "deep inside a flooded cave, a diver laying a white guideline",
        "a diver laying a white guideline deep inside a flooded cave",
    ),
    (
        "high above the city, a hawk circling over rooftops",
        "a hawk circling over rooftops high above the city",
    ),
    ("far from home, a robot walking in the desert", "a robot walking in the desert far from home"),
    ("just behind the door, a cat sleeping", "a cat sleeping just behind the door"),
    ("a boat docked at night by the pier", "a boat docked by the pier at night"),
    # The passive with what is given, or with a time phrase before its doer
    (
        "the referee shows a yellow card to the defender",
        "the defender is shown a yellow card by the referee",
    ),
    (
        "a locksmith is handed a broken key by an old woman",
        "an old woman hands a broken key to a locksmith",
    ),
    ("a father gives a puppy to a girl", "a girl is given a puppy by her father"),
    (
        "an old woman drives a bus down an avenue at night",
        "a bus is driven down an avenue at night by an old woman",
    ),
    ("an old woman drives a bus at night", "a bus is driven at night by an old woman"),
    # What someone does, said first
    ("holding her baby, a mother on a porch", "a mother holding her baby on a porch"),
    ("chasing two pigeons, a small dog", "a small dog chasing two pigeons"),
    ("pushing her bicycle, a woman up a hill", "a woman pushing her bicycle up a hill"),
    # a verb of giving's two objects, said either way
    (
        "a zookeeper feeding a tapir a slice of melon",
        "a tapir being fed a slice of melon by a zookeeper",
    ),
    (
        "a hotel receptionist handing a guest a room key",
        "a hotel receptionist handing a room key to a guest",
    ),
    (
        "an old woman hands a locksmith a broken key",
        "a locksmith is handed a broken key by an old woman",
    ),
    ("a woman is handing a boy a piece of cake", "a woman hands a boy a piece of cake"),
    ("a girl given a balloon by a vendor", "a vendor giving a girl a balloon"),
    ("a runner passing the bakery this morning", "a runner passing the bakery"),
    (
        "a grandfather reading a bedtime story to twin toddlers",
        "a grandpa reading twin toddlers a story at bedtime",
    ),
    ("a mother singing a lullaby to her baby", "a mother singing her baby a lullaby"),
    ("a waiter serving coffee to customers", "a waiter serving customers a coffee"),
    (
        "a woman reading the paper her coffee on the table",
        "a woman reading the paper, her coffee on the table",
    ),
    # "comic panel of X" is "X, comic panel", as any medium "of" a scene
    (
        "comic panel of two pirates arguing over a treasure chest, speech bubbles",
        "two pirates arguing over a treasure chest, comic panel, speech bubbles",
    ),
    ("a manga page of a girl on a rooftop", "a girl on a rooftop, manga page"),
    (
        "watercolor storybook page of a mouse sailing a walnut shell boat down a stream",
        "a mouse sailing a walnut shell boat down a stream, storybook page painted in watercolor",
    ),
    ("spaceship corridor, curved white walls", "spacecraft corridor, curved white walls"),
    ("a deer ready to spring into the woods", "a deer ready to jump into the woods"),
    ("a woman is dancing in the rain.", "a woman dances in the rain out side."),
    ("a girl playing in the snow", "a girl playing outside in the snow"),
    ("a dog in the park", "a dog outdoors in the park"),
    ("a dad reading kids a book", "a dad reading a book to kids"),
    ("a teacher reading the class a book", "a teacher reading a book to the class"),
    ("a girl reading her doll a story", "a girl reading a story to her doll"),
    (
        "a harris hawk landing on a falconer's leather glove",
        "a harris hawk landing on a falconers lether glove",
    ),
    ("a family seated around a round table", "a family seated at a round table"),
    ("a bass guitar player", "a bassist"),
    ("a jazz piano player in a bar", "a jazz pianist in a bar"),
    ("one night in paris, eiffel tower", "a night in paris, eiffel tower"),
    ("a forest in fall", "a forest in autumn"),
    ("a forest during the spring", "a forest in spring"),
    # batch 53: a season's day; British spellings; "make it look like:"; "this is for a school
    # project"; "a still from a movie"
    (
        "snow monkeys soaking in a steaming hot spring on a winter day",
        "on a winter day, snow monkeys soaking in a steaming hot spring",
    ),
    ("a dog in a park on a winter day", "a dog in a park in winter"),
    ("a grey hatchback, centred composition", "a gray hatchback, centered composition"),
    ("a defence tower on a hill", "a defense tower on a hill"),
    ("a dog, off center composition", "a dog, off-centre composition"),
    ("a dog playing in the rain", "a dog playing outside in the rain"),
    (
        "a grandmother knitting her grandson's sweater",
        "a grandmother knitting a sweater for her grandson",
    ),
    ("one sunny morning, a girl on a swing", "a girl on a swing on a sunny morning"),
    ("one morning a girl feeds the birds", "a girl feeds the birds in the morning"),
    ("a girl, coloured backdrop", "a girl, coloured background"),
    ("an electric guitar player on stage", "an electric guitarist on stage"),
    ("a backstage corridor", "a backstage corridor, this is for a school project, thanks"),
    ("a canal boat painted with roses and castles", "roses and castles painted on a canal boat"),
    ("a dog playing in heavy rain", "a dog playing outside in heavy rain"),
    # batch 55: the porch steps; a place gone into, put first; "there's" in a sentence
    (
        "a grandmother shelling peas on the porch steps",
        "a grandmother shelling peas on the porch stairs",
    ),
    ("a man steps onto a bus", "a man stepping onto a bus"),
    (
        "a waiter carrying plates out of a steamy restaurant kitchen",
        "out of a steamy restaurant kitchen, a waiter carrying plates",
    ),
    (
        "a colourful fruit stall on a rainy street",
        "on a rainy street there's a colorful fruit stall",
    ),
    ("a saxophone teacher in a practise room", "a saxophone teacher in a practice room"),
    (
        "campfire at night, friends toasting marshmallows",
        "campfire at night, pals toasting marshmallows",
    ),
    ("a wall painted with a mural of a whale", "a mural of a whale painted on a wall"),
    ("a house painted with watercolors", "a house, watercolor painting"),
    (
        "magazine cover of a street food vendor at a night market, title text 'TASTE'",
        "street food vendor at a night market, magazine cover, title text 'TASTE'",
    ),
    ("a licence plate on a wall", "a license plate on a wall"),
    (
        "children's crayon drawing of a pirate ship",
        "make it look like: children's crayon drawing of a pirate ship",
    ),
    (
        "a backstage corridor, warm lights",
        "a backstage corridor, warm lights, thank you so much, this is for a school project",
    ),
    (
        "film still of a magician waiting backstage",
        "a magician waiting backstage, still from a movie",
    ),
    ("the person is starting a fire.", "a person makes fire."),
    ("a boy scout building a campfire", "a boy scout starting a campfire"),
    ("four children are playing on a trampoline.", "four kids are jumping on a trampoline."),
    ("a kid bounces on a trampoline", "a kid jumps on a trampoline"),
    # a plain backdrop is a plain background; crowded is packed
    ("a girl in a yellow coat, plain backdrop", "a girl in a yellow coat, plain background"),
    ("a dj spinning records at a crowded rave", "a dj spinning records at a packed rave"),
    # "a saxophone player" is "a saxophonist"; "a sack of" is "a bag of"; "one sunday" a time
    ("saxophonist playing on a rooftop at dusk", "at dusk a saxophone player playing on a rooftop"),
    ("two guitar players on a stage", "two guitarists on a stage"),
    ("a miller carrying a sack of grain", "a miller carrying a bag of grain"),
    (
        "a laundromat packed with people on a sunday afternoon",
        "a laundromat packed with people one sunday afternoon",
    ),
    # "sitting around a table" is "at" it; "in a public place" is "in public"
    (
        "a group of people sitting around a restaurant dining table",
        "a group of people sitting at a restaurant table",
    ),
    ("a family gathered around the dinner table", "a family gathered at the dinner table"),
    ("a man eating an apple, sitting in public", "a man sits in a public place eating an apple"),
    ("a bakery, cakes in pink, cookies in brown", "a bakery, cookies in brown, cakes in pink"),
    ("a festival stage, balloons in blue and gold", "balloons in blue and gold, a festival stage"),
    (
        "an illustration of a double-decker bus at a rainy stop",
        "a double-decker bus at a rainy stop, illustrated",
    ),
    # a preposition a comma closes ("lit from inside,") governs nothing in the next tag
    (
        "desert at night, a nomad tent lit from inside, camels tied nearby, embers of a fire",
        "desert at night, camels tied nearby, a nomad tent lit from inside, embers of a fire",
    ),
    # "by" a place after a thing given or a time is a place
    ("a girl is served a cocktail by the pool", "a girl is served a cocktail beside the pool"),
    ("a tent pitched at dusk by the river", "a tent pitched beside the river at dusk"),
    ("her brother is shown a map by a girl", "a girl showing a map to her brother"),
    ("a seal is tossed a fish by a trainer", "a trainer tossing a fish to a seal"),
    # review 64: a tag names who does what opens the prompt only where it is a person or an
    # animal; "make it for my ..." is a courtesy only for whom
    (
        "a king wearing a crown on a golden throne, castle hall",
        "wearing a crown, golden throne, king, castle hall",
    ),
    ("a knight riding a horse, castle, sunset", "riding a horse, a knight, castle, sunset"),
    (
        "cyberpunk mercenary with a cybernetic wolf companion, standing in a junkyard, smoke",
        "standing in a junkyard, cyberpunk mercenary with a cybernetic wolf companion, smoke",
    ),
    # session 64: listed synonyms; things held, said in either order; a drawn style's drawing;
    # "sound proof", "the falls", a plural's verb before a describing word, a polaroid camera
    ("a man holding a lamp and a jar", "a man holding a jar and a lamp"),
    ("soldiers in ruins, comic book style", "soldiers in ruins, comic book style drawing"),
    ("soldiers in ruins, anime", "soldiers in ruins, anime style drawing"),
    ("a vocalist in a sound proof booth", "a vocalist in a soundproof booth"),
    ("a river flowing over the falls", "a river flowing over a waterfall"),
    ("kids painting colourful pictures", "children paint colorful pictures"),
    ("a market stall selling apples, pears and plums", "a stall selling plums, apples and pears"),
    ("two boys fishing from a pier at sunset", "at sunset two boys fishing from a pier"),
    ("a woman reading a letter by candlelight", "by candlelight, a woman reading a letter"),
    ("a scared child in a dark hallway", "a frightened child in a dark hallway"),
    ("a shy girl behind a curtain", "a timid girl behind a curtain"),
    ("a cat napping on a windowsill", "a cat sleeping on a windowsill"),
    ("a shopkeeper stacking tins on a shelf", "a shopkeeper stacking cans on a shelf"),
    ("a kid in a noisy classroom", "a child in a loud classroom"),
    ("embroidery of a fox in the snow", "a fox in the snow, embroidery"),
    ("a fox in the snow, stained glass", "stained glass of a fox in the snow"),
    ("blueprint of a railway tunnel", "a railway tunnel, blueprint"),
    ("a cat sleeping in soft morning light", "a cat sleeping under soft morning light"),
    ("a log cabin roof under heavy snow", "a log cabin roof under thick snow"),
    ("baker pulling fresh loaves from an oven", "baker pulls fresh loaves from an oven"),
    ("an old man and a boy playing chess", "a boy and an old man play chess"),
    (
        "a herald blowing a horn, and a squire holds the reins",
        "a herald blowing a horn, and a squire is holding the reins",
    ),
    ("a man pruning rose bushes on a terrace", "a man trimming rose bushes on a terrace"),
    ("cows grazing in a green pasture", "cows grazing in a green meadow"),
    ("a boat towing a car through floodwater", "a boat towing a car thru floodwater"),
    (
        "the bride and groom are being photographed by a woman",
        "a woman is photographing the bride and groom",
    ),
    (
        "two soldiers carrying an old man to a boat",
        "an old man being carried to a boat by two soldiers",
    ),
    ("a boy chasing a cat and a dog", "a cat and a dog are chased by a boy"),
    (
        "sci-fi soldier, red armour, energy shield on the forearm, standing on a moon base, earth",
        "sci-fi soldier, standing on a moon base, earth, red armour, energy shield on the forearm",
    ),
    ("a knight, red cape, standing on a hill", "a knight, standing on a hill, red cape"),
    ("a wolf, howling at the moon, snowy ridge", "a wolf, snowy ridge, howling at the moon"),
    (
        "an owl perched on a pocket watch, brass gears",
        "an owl, brass gears, perched on a pocket watch",
    ),
    ("a man eating an apple, sitting in a park", "a man sits in a park eating an apple"),
    (
        "a fox, gouache painting on cold press paper",
        "a fox, painted in gouache on cold press paper",
    ),
    ("a library, as an oil painting on canvas", "a library, oil painting, canvas"),
    ("a climber at the foot of a cliff", "a climber at the base of a cliff"),
    ("dog, under the table, kitchen", "dog, kitchen, under the table"),
    ("dog, at the foot of the bed, bedroom", "dog, bedroom, at the foot of the bed"),
    ("girl, umbrella, standing on a car", "girl, standing on a car, umbrella"),
    ("a tent at the foot of a mountain", "a tent at the base of a mountain"),
    ("a castle at the top of a hill", "a castle on top of a hill"),
    ("a potter shapes a tall jug on the wheel", "a tall jug is shaped on the wheel by a potter"),
    ("a girl bathes a puppy in the tub", "a puppy is bathed in the tub by a girl"),
    ("sushi chef rolling maki with a bamboo mat", "sushi chef rolls maki with a bamboo mat"),
    (
        "pencil sketch of an old post office, bicycle leaning on the wall",
        "old post office, bicycle leaning on the wall, pencil sketch",
    ),
    (
        "kids in the outdoor pool during the summer holidays",
        "kids in the outdoor pool over the summer holidays",
    ),
    ("kids playing in the pool over the weekend", "kids playing in the pool during the weekend"),
    (
        "a girl with a red scarf eating roasted chestnuts from a paper cone",
        "eating roasted chestnuts from a paper cone, a girl with a red scarf",
    ),
    (
        "a grandfather and his granddaughter shelling peas on the porch",
        "shelling peas on the porch, a grandfather and his granddaughter",
    ),
    ("a reporter holding a microphone", "a journalist holding a microphone"),
    ("a portrait of an old sailor, done in pencil", "pencil drawing of an old sailor"),
    ("a harbour, done in oils", "oil painting of a harbour"),
    (
        "a garden bridge, painted in impressionist style",
        "impressionist painting of a garden bridge",
    ),
    (
        "a pilot eating noodles, illustrated in anime style",
        "anime illustration of a pilot eating noodles",
    ),
    (
        "carpenter measures a pine plank with a tape measure",
        "carpenter measuring a pine plank with a tape measure",
    ),
    (
        "hi, can i get an image of a cyborg medic bandaging a robot dog",
        "a cyborg medic bandaging a robot dog",
    ),
    ("a photograph of a city park at night", "city park at night, captured in a photograph"),
    (
        "a hat maker working late at night in her shop",
        "a hat maker working late into the night in her shop",
    ),
    (
        "an owl on a gatepost in the light of the full moon",
        "an owl on a gatepost by the light of the full moon",
    ),
    (
        "on top of a hill a boy is flying his kite, in the valley a girl is picking flowers",
        "a boy is flying his kite on top of a hill, a girl is picking flowers in the valley",
    ),
    (
        "a fox in a forest, cross-stitch embroidery, linen",
        "a fox in a forest, done in cross-stitch embroidery, linen",
    ),
    (
        "anime illustration of a pilot eating noodles",
        "a pilot eating noodles, illustrated in anime style",
    ),
    ("watercolor painting of a fox", "a fox, painted in watercolor style"),
    (
        "a forest, the grandfather showing the little girl a mushroom, candid",
        "a forest, the grandfather showing a mushroom to the little girl, candid",
    ),
    ("a girl is showing her drawing to her mother", "a girl shows her mother her drawing"),
    ("a photo showing a cat on a sofa", "a photo of a cat on a sofa"),
    ("lockers, all of them open", "lockers, all open"),
    (
        "a roller skater spinning under a glitter ball at a seventies disco",
        "a roller-skater spinning under a glitterball at a 70s disco",
    ),
    ("80s film look", "1980s film look"),
    ("mid-80s synthpop album cover", "mid-80s synthpop album cover"),
    ("a woman in her early 40s", "a woman in her early forties"),
    ("a cat, painting done in oils", "a cat, oil painting"),
    ("a horse is tied up by a cowboy", "a cowboy tying up a horse"),
    ("a boat is tied up by the dock", "a boat is tied up beside the dock"),
    (
        "a ladder was propped against the wall by a painter",
        "a painter propped a ladder against the wall",
    ),
    ("fish were laid on ice by the fishmonger", "the fishmonger laid fish on ice"),
    ("a park, masterpiece, best quality", "a park, award winning quality"),
    ("bananas, oranges and apples piled high", "apples, bananas and oranges piled high"),
    (
        "a fauvist painting of a woman reading by a window",
        "a woman reading by a window, painted in a fauvist style",
    ),
    (
        "a black and white photo of a saxophonist in a subway station",
        "a saxophonist in a subway station, shot in black and white",
    ),
    ("stick figures dancing around a bonfire", "stick figures dancing round a bonfire"),
    ("a cubist painting of a woman", "a woman, cubism"),
    (
        "an art deco illustration of a cocktail party on a rooftop terrace",
        "a cocktail party on a rooftop terrace, illustrated in art deco style",
    ),
    ("an art deco poster of a train", "a train, art deco style poster"),
    ("a fox, charcoal drawing", "a fox, drawn in charcoal"),
    ("a pond, oil painting", "a pond, painted in oils"),
    ("an oak chair", "a wooden chair"),
    ("a rococo painting of a girl on a swing", "a girl on a swing, painted in the rococo style"),
    ("a woman in her 40s", "a woman in her forties"),
    ("seagulls circling the fishing fleet", "gulls circling the fishing fleet"),
    (
        "a cat asleep on a barrel, pen and ink illustration",
        "a cat asleep on a barrel, illustration done in pen and ink",
    ),
    (
        "a cheesemaker and her daughter stacking wheels of brie",
        "wheels of brie being stacked by a cheesemaker and her daughter",
    ),
    (
        "the parents tied balloons to every chair",
        "balloons were tied to every chair by the parents",
    ),
    ("lobster pots stacked by the door", "lobster pots stacked beside the door"),
    ("a disco floor, colour-changing tiles", "a disco floor, color-changing tiles"),
    (
        "a street at dusk, captured on a polaroid camera, white frame",
        "a street at dusk, polaroid photograph, white frame",
    ),
    ("a man splitting firewood with an axe", "a man splitting firewood using an axe"),
    ("a girl reading a book with a flashlight", "a girl reading a book using a flashlight"),
    (
        "a milliner trimming a hat brim with scissors",
        "a hat brim being trimmed with scissors by a milliner",
    ),
    ("a baker decorating a cake with roses", "a cake decorated with roses by a baker"),
    (
        "comic book panel of a detective lighting a cigarette in the rain, noir style",
        "a detective lighting a cigarette in the rain, drawn as a comic book panel, noir style",
    ),
    ("a watercolor of a fox in the snow", "a fox in the snow, painted as a watercolor"),
    ("a crying woman on a bench", "a weeping woman on a bench"),
    ("a beekeeper lifting the lid of a hive", "a beekeeper raising the lid of a hive"),
    ("a woman weeps on a bench", "a woman is crying on a bench"),
    ("a mapmaker sketching a coastline", "a cartographer sketching a coastline"),
    ("a fox in the snow", "pls draw a fox in the snow"),
    ("a photo of a dog, taken from directly above", "a dog photographed from directly above"),
    ("a photo of a fox on a log", "a fox on a log photographed"),
    ("a mosaic of a jade dragon", "a jade dragon rendered as a mosaic"),
    ("an oil painting of a harbor", "a harbor painted as an oil painting"),
    ("a gouache painting of a fox", "a fox, gouache painting"),
    (
        "a gouache painting of a fox trotting through a snowy forest",
        "a fox trotting through a snowy forest, painted in gouache",
    ),
    (
        "a black and white photograph of a night ferry.",
        "a night ferry, photographed in black and white.",
    ),
    ("a tram stopped at the depot", "a streetcar stopped at the depot"),
    ("a cafe with hanging lamps and wicker chairs", "a cafe with wicker chairs and hanging lamps"),
    ("on the windowsill sat a ginger cat", "a ginger cat sat on the windowsill"),
    ("on the table lay a sleeping dog", "a sleeping dog lay on the table"),
    (
        "a girl reading in the shade of an olive tree",
        "a girl reading under the shade of an olive tree",
    ),
    ("a kimono with crane patterns", "a kimono with crane motifs"),
    ("distant cliffs with a lighthouse", "faraway cliffs with a lighthouse"),
    (
        "night market, a grandmother at a stall, a boy with a bubble tea",
        "night market, please include a grandmother at a stall, and also a boy with a bubble tea",
    ),
    # a pronoun says whose by itself, not the nearest person before it
    ("a bride, a groom, she is crying", "a groom, a bride, she is crying"),
    # ninety-third to ninety-sixth batches
    ("a crowd of spectators on folding chairs", "a crowd of onlookers on folding chairs"),
    ("a medic with a worried expression", "a medic with a concerned expression"),
    ("rows of vacant seats in a lecture hall", "rows of unoccupied seats in a lecture hall"),
    ("a cobbler stitching a torn shoe", "a cobbler sewing a ripped shoe"),
    ("a little cafe across from an old church", "a little cafe opposite an old church"),
    ("a stained glass artisan cutting glass", "a stained glass craftsman cutting glass"),
    (
        "a farmer's dog sleeps between rows of sunflowers",
        "between rows of sunflowers, a farmer's dog sleeps",
    ),
    ("kelp sways gently around a sleeping otter", "around a sleeping otter, kelp sways gently"),
    ("a heron wading along the shore", "along the shore, a heron wading"),
    (
        "a knight, silver armor, a mage, red robes, fantasy art",
        "a mage, red robes, a knight, silver armor, fantasy art",
    ),
    (
        "a knight, silver armor, a mage, red robes, fantasy art",
        "a knight in silver armor, a mage in red robes, fantasy art",
    ),
    ("a woman, red dress, blue eyes, portrait", "portrait, a woman, blue eyes, red dress"),
    ("1girl, smiling, 1boy, crying, anime", "1boy, crying, 1girl, smiling, anime"),
    ("1girl, long hair, smiling, 1boy, crying", "1girl, smiling, long hair, 1boy, crying"),
    ("1girl, smiling, solo, outdoors", "1girl, outdoors, smiling, solo"),
    ("a shop with a sign reading OPEN, photo", "a shop with a sign that reads OPEN, photo"),
    (
        "a cat, on a red cushion, a dog, on a blue rug",
        "a dog, on a blue rug, a cat, on a red cushion",
    ),
    ("a frost giant lifting a boulder", "a frost giant lifts a boulder"),
    ("1girl, on bed, 1boy, on floor, anime", "1boy, on floor, 1girl, on bed, anime"),
    (
        "a knight, on a white horse, a squire, on a brown pony",
        "a squire, on a brown pony, a knight, on a white horse",
    ),
    (
        "1girl, holding umbrella, 1boy, reading book, anime",
        "1boy, reading book, 1girl, holding umbrella, anime",
    ),
    ("1girl, happy, 1boy, sad, anime", "1boy, sad, 1girl, happy, anime"),
    ("1girl, happy, 1boy, sad, anime", "1girl, joyful, 1boy, unhappy, anime"),
    ("a kid blows giant soap bubbles", "a kid is blowing giant soap bubbles"),
    ("a sled being pulled by huskies", "huskies pulling a sled"),
    ("goat cheese rounds drying on straw mats", "goat's cheese rounds drying on straw mats"),
    ("a dog on a rainy train platform", "a dog on a rainy railway platform"),
    ("a crowd of protesters marching", "a crowd of demonstrators marching"),
    ("a big owl perched on a bare branch", "a big owl perched on a leafless branch"),
    ("a golem walking through a ruined city", "a golem walking through a wrecked city"),
    ("a lighthouse on a rocky coast", "a lighthouse on a rocky shoreline"),
    ("a panda eating bamboo, giant panda", "a panda eating bamboo, huge panda"),
    (
        "in the window of an old hat shop stands a rack of panama hats",
        "a rack of panama hats stands in the window of an old hat shop",
    ),
    ("a dog waits alone on a platform", "a dog is waiting by itself on a platform"),
    ("an etching of an 18th century market", "an etching of an eighteenth-century market"),
    ("a 21st century city", "a twenty-first century city"),
    (
        "a castle, oil painting with thick impasto brushwork",
        "a castle, painted in oils with thick impasto brushwork",
    ),
    (
        "a castle, digital painting by raymond swanland",
        "a castle, painted digitally by raymond swanland",
    ),
    ("a castle, traditional oil painting", "a castle, painted in traditional oils"),
    ("a man painted in traditional clothes", "a man in traditional clothes"),
    ("a waiting room lit by lanterns", "a waiting room lit with lanterns"),
    ("a sheep farm on the mountainside", "a sheep farm on the side of the mountain"),
    ("a nurse at the side of the bed", "a nurse at the bedside"),
    ("an usher in the foyer of an old movie theater", "an usher in the foyer of an old cinema"),
    ("a rustic wedding invitation", "a rustic wedding invite"),
    ("matcha in a ceramic bowl", "matcha in a pottery bowl"),
    ("a woman reading on the night bus", "a woman reading aboard the night bus"),
    (
        "a cafe window with handwritten lettering listing the daily specials",
        "a cafe window with hand written lettering that lists the daily specials",
    ),
    ("bees swarm around a hive on a rooftop", "bees swarming around a hive on a rooftop"),
    ("a swarm of bees around a hive", "bees swarm around a hive"),
    (
        "a vendor frying dumplings at a busy night market",
        "a vendor frying dumplings at a crowded night market",
    ),
    (
        "an oracle is sitting in a temple surrounded by candles",
        "an oracle sits in a temple surrounded by candles",
    ),
    (
        "an explorer who stands in a cave and looks up at the ceiling",
        "an explorer who is standing in a cave and is looking up at the ceiling",
    ),
    ("a shipwright hammering pegs into a hull", "a boatbuilder hammering pegs into a hull"),
    # review 80
    ("a cat, blue eyes, a dog, green eyes", "a dog, green eyes, a cat, blue eyes"),
    ("a cat, blue eyes, a dog, green eyes", "a cat, blue eyes, a dog, green eyes"),
    ("a girl, blue eyes, a boy, blue eyes", "a boy, blue eyes, a girl, blue eyes"),
    ("a lighthouse opposite the harbor, at dusk", "at dusk, opposite the harbor, a lighthouse"),
    ("a house by the river by night", "by night, a house by the river"),
    ("a woman who watches a man who reads", "a woman who is watching a man who is reading"),
    ("a busy dog park", "a crowded dog park"),
    ("a ship builder at a bench, macro photo", "a ship builder at a bench, macro photograph"),
    ("snow falls on a bakery window", "snow is falling on a bakery window"),
    ("a fruit vendor under a beach umbrella", "a fruit vendor under a beach parasol"),
    (
        "a daughter painting her mother's fingernails on the bed",
        "a daughter painting her mother's finger nails on the bed",
    ),
    (
        "an old witch scolds her apprentice who spilled a potion",
        "an old witch scolding her apprentice who has spilled a potion",
    ),
    (
        "a hedgehog foraging in a garden at night, moonlight",
        "a hedgehog foraging in a garden by night, moonlight",
    ),
    ("a cafe opposite the church", "opposite the church, a cafe"),
    ("tourists crowd around a street magician", "tourists crowding around a street magician"),
    (
        "a crystal golem, faint runes glowing on its chest, dark fantasy",
        "a crystal golem, and there are faint runes glowing on its chest, dark fantasy",
    ),
    ("a small boat stuck between ice floes", "a little boat trapped between ice floes"),
    (
        "a boy with a backpack waiting at the bus stop",
        "a boy with a backpack waiting by the bus stop",
    ),
    (
        "a girl carrying her board by the water's edge",
        "a girl carrying her board at the water's edge",
    ),
    (
        "a chalkboard menu, the specials written in the center in pale yellow",
        "a chalkboard menu, the specials written in the centre in pale yellow",
    ),
    # the hundred-and-twenty-fourth to hundred-and-thirty-first batches' tuning halves
    ("a shed by the river", "a shed beside the river"),
    (
        "a kayak builder's shed by the river with canoes stacked outside",
        "a kayak builder's shed beside the river with canoes stacked outside",
    ),
    (
        "a dieselpunk airship drifting across the smoky sky over a factory",
        "a dieselpunk airship drifting through the smoky sky over a factory",
    ),
    (
        "a monk walking in the rain without hurrying",
        "a monk walking under the rain without hurrying",
    ),
    (
        "a foundry worker lit up in the glow of the furnace",
        "a foundry worker lit up by the glow of the furnace",
    ),
    (
        "his face lit in the orange glow of the coals",
        "his face lit by the orange glow of the coals",
    ),
    ("a red bus crossing a winter mountain pass", "a red bus crossing a wintry mountain pass"),
    ("a deep crack in the ground near the road", "a deep fissure in the ground near the road"),
    (
        "protesters holding handwritten signs outside city hall",
        "protesters holding handwritten placards outside city hall",
    ),
    (
        "a moroccan baker sliding loaves of bread into a wood-fired oven",
        "moroccan baker slides loafs of bread into a wood fired oven",
    ),
    ("a baker sliding loaves into an oven", "the baker slides loaves into an oven"),
    (
        "kids climbing aboard a school bus with backpacks",
        "kids climb aboard a school bus with backpacks",
    ),
    ("a shirtless man doing pull ups on a bar", "a shirtless man does pull ups on a bar"),
    ("a big dog and a small dog", "a small dog and a big dog"),
    ("a black cat and a white cat, watercolor", "a white cat and a black cat, watercolor"),
    ("a red car and a row of bikes in a street", "a row of bikes and a red car in a street"),
    (
        "a ship in a storm, done as a traditional woodcut print",
        "a ship in a storm, traditional woodcut print style",
    ),
    ("tourists photographing a snow leopard", "a snow leopard being photographed by tourists"),
    ("a room lit in the glow of a fireplace", "a room in the glow of a fireplace"),
    ("a boy carrying a kettle", "a kid carrying a kettle"),
    (
        "a ballpoint pen sketch of a fox curled up asleep",
        "a fox curled up asleep, sketched in ballpoint pen",
    ),
    (
        "a marker sketch of a fruit stall in the medina",
        "a fruit stall in the medina, sketched with markers",
    ),
    ("a saint, an oil painting on wood panel", "a saint, painted in oil on a wood panel"),
    ("boys playing football", "kids playing football"),
    (
        "a huge container ship slowly leaving the port",
        "a huge container ship slowly departing the port",
    ),
    ("cosmic bowling in blacklight, neon lanes", "cosmic bowling under blacklight, neon lanes"),
    (
        "a red neon sign reading 'ramen' glowing over a noodle shop",
        "red neon sign reading 'ramen' glows above a noodle shop",
    ),
    ("mist drifting between the animals", "mist drifting among the animals"),
    ("a fox walks between the dunes at night", "a fox is walking between the dunes at night"),
    ("a potter stacking bowls inside a large kiln", "a potter piling bowls inside a big kiln"),
    (
        "washerwomen scrubbing sheets at the river's edge",
        "washerwomen scrubing sheets at the rivers edge",
    ),
    # round 125: things listed in another order, in one place; a group skiing; what a witch
    # reads is no text; a request closing on "can you make this image for me"
    (
        "a charcoal still life of a violin, an apple and an open book on a table",
        "a charcoal still life of an open book, a violin and an apple on a table",
    ),
    (
        "a birthday card with balloons, a chocolate cake and confetti on a blue background",
        "a birthday card with confetti, a chocolate cake and balloons on a blue background",
    ),
    (
        "a beekeeper holding a lid and a frame of honey",
        "a beekeeper holding a frame of honey and a lid",
    ),
    (
        "a glowing pinball machine and a row of claw machines in a dark arcade",
        "a row of claw machines and a glowing pinball machine in a dark arcade",
    ),
    ("a couple logs down the river", "two logs down the river"),
    ("a cook in an empty late-night diner", "a cook in a deserted late-night diner"),
    ("a soaked dog on a roof", "a drenched dog on a roof"),
    ("a sun drenched beach", "a sun soaked beach"),
    ("a castle, snow", "a castle, snow, i want a picture of this"),
    ("a castle, snow", "a castle, snow, make me a picture of this please"),
    (
        "a cowboy, 1950s technicolor film still",
        "a cowboy, still frame from a 1950s technicolor film",
    ),
    (
        "a colourful mural of a tiger and a black graffiti tag on a brick wall",
        "a black graffiti tag and a colourful mural of a tiger on a brick wall",
    ),
    ("a fast streamlined locomotive", "a rapid streamlined locomotive"),
    ("an old couple is watching a movie", "an old couple watches a movie"),
    ("a pirate with a telescope", "a pirate with a spyglass"),
    (
        "handwritten price tags on jam jars and honey pots in a farm shop",
        "handwritten price tags on honey pots and jam jars in a farm shop",
    ),
    ("a cat on a sofa and a dog by the window", "a dog by the window and a cat on a sofa"),
    (
        "two sisters, older sister on the left, younger sister on the right",
        "two sisters, younger sister on the right, older sister on the left",
    ),
    (
        "a living room with a cat on the sofa and a dog on the rug",
        "a living room with a dog on the rug and a cat on the sofa",
    ),
    (
        "a city, color palette of teal, orange and cream",
        "a city, color palette of cream, teal and orange",
    ),
    (
        "a jug on a table, soft pastel drawing on toned paper",
        "a jug on a table, drawn in soft pastels on toned paper",
    ),
    ("a mechanic repairing the engine of a car", "a mechanic repairing the motor of a car"),
    (
        "a house with a cat on the roof and a dog in the garden",
        "a house with a dog in the garden and a cat on the roof",
    ),
    ("a cat on a sofa, a dog and a bird", "a cat on a sofa, a bird and a dog"),
    ("a young couple skiing down a floodlit slope", "a young couple skis down a floodlit slope"),
    (
        "a frost witch reading spells in an ancient tower",
        "a frost witch reading spells in an old tower",
    ),
    ("a castle, highly detailed", "a castle, highly detailed, can you make this image for me"),
    ("storm knight, riding a griffin", "generate a picture, storm knight, riding a griffin"),
    (
        "a hut with gulls on the roof and nets by the door",
        "a hut with nets by the door and gulls on the roof",
    ),
    ("a man in a red coat and a woman", "a woman and a man in a red coat"),
    ("a heron on long thin legs", "a heron on long slender legs"),
    ("charcoal sketch, rough paper", "charcoal sketch, coarse paper"),
    ("a woman selling roasted chestnuts", "a woman sells roasted chestnuts"),
    ("a chef serving grilled fish", "a chef serves grilled fish"),
    ("bride getting ready at dawn by a window", "bride getting ready at dawn next to a window"),
    ("a merchant loading rugs onto a camel", "a merchant loading carpets onto a camel"),
    ("a vampire in a crypt, candles, cobwebs", "a vampire in a crypt, candles, spiderwebs"),
    ("a man loading dirty clothes into a washer", "a man loading dirty clothing into a washer"),
    (
        "a village at dusk, lit windows, stone cottages",
        "a village at dusk, illuminated windows, stone cottages",
    ),
    ("an old man wiping a tear with a handkerchief", "an old man wiping a tear with a hanky"),
    # a colour word names the thing it names first too (review 87)
    ("a tree heavy with ripe olives on a hillside", "an olive tree on a hillside"),
    ("a zebra with black and white stripes", "a zebra with white and black stripes"),
    (
        "a cat and a dog, from left to right, oil painting",
        "oil painting, a cat and a dog, from left to right",
    ),
    # the hundred-and-fifty-ninth round
    (
        "a cyberpunk alley full of hanging laundry and satellite dishes, neon shop signs",
        "a cyberpunk alley full of satellite dishes and hanging laundry, neon shop signs",
    ),
    (
        "oil pastel drawing of a teapot and two oranges on a checkered cloth",
        "teapot and two oranges on a checkered cloth, oil pastel drawing",
    ),
    ("a cat and two dogs on a red sofa", "cat and two dogs on a red sofa"),
    (
        "a rogue sneaking past an ogre under the light of a torch",
        "a rogue sneaking past an ogre by the light of a torch",
    ),
    ("a robot arm watering lettuce", "a robotic arm watering lettuce"),
    ("a robotic arm watering lettuce", "a robot arm watering lettuce"),
    ("a moon landscape with craters", "a lunar landscape with craters"),
    (
        "a storm sorceress hurling lightning at a pirate ship",
        "lightning hurled at a pirate ship by a storm sorceress",
    ),
    ("a charcoal portrait of an old man", "a charcoal drawing of an old man"),
    ("an oil portrait of an old man", "a portrait of an old man painted in oil"),
    ("a watercolor landscape of a lake", "a watercolor painting of a lake"),
    (
        "a road in the alps, travel photography, bright midday light",
        "a road in the alps, travel photography, I want bright midday light",
    ),
    (
        "a grocer's chalkboard sign reading SOUP OF THE DAY at the doorway",
        "a grocer's chalkboard sign reading SOUP OF THE DAY in the doorway",
    ),
    ("a bowl heaped with dumplings", "a bowl full of dumplings"),
    ("a rain-soaked cyberpunk alley, neon", "a rain-saoked cyberpnuk alley, neon"),
    ("a sun-drenched terrace with lemon trees", "a sun-drecnhed terrace with lemon trees"),
    (
        "a castle at dusk, 3d render, unreal engine, octane render",
        "a castle at dusk, a 3d rendering made in unreal engine, octane render",
    ),
    (
        "a foal in a stable, soft morning light through the door",
        "a foal in a stable, gentle morning light through the door",
    ),
    ("a lake at dusk, gentle ripples", "a lake at dusk, soft ripples"),
    ("a beach with a sleeping dog", "a sleeping dog on a beach"),
    ("a kitchen with a cat", "a cat in a kitchen"),
    ("a night market with lanterns and food stalls", "food stalls and lanterns at a night market"),
    (
        "a coral reef with purple sea fans and a sleeping nurse shark",
        "a sleeping nurse shark and purple sea fans on a coral reef",
    ),
    (
        "a yellow axolotl and a black axolotl on a rock",
        "a black axolotl and a yellow axolotl on a rock",
    ),
    (
        "a big dog and a small dog sitting on a porch",
        "a small dog and a big dog sitting on a porch",
    ),
    ("a huge sailing ship in a storm", "a giant sailing ship in a storm"),
    ("a man holding a pencil and a ruler", "a man holding a ruler and a pencil"),
    ("a beekeeper holding a smoker and a frame", "a beekeeper holding a frame and a smoker"),
    ("a map, warm light, cheerful mood", "a map, warm light, and I want a cheerful mood"),
    (
        "a woman hurries toward the bus with a cup in her hand while the driver waves at her",
        "a woman hurrying toward the bus with a cup in her hand while the driver is waving at her",
    ),
    ("in Lisbon a tram passes a blue tiled church", "a tram passes a blue tiled church in Lisbon"),
    ("two wrestlers shaking hands in the ring", "two wrestlers shake hands in the ring"),
    ("the man shaking hands with a robot", "a man shakes hands with a robot"),
    ("a merchant loading rugs onto a camel", "a trader loading carpets onto a camel"),
    ("a beach at dusk with a sleeping dog", "a sleeping dog on a beach at dusk"),
    (
        "a fisherman on a rocky coast under grey clouds",
        "a fisherman on a rocky shore under grey clouds",
    ),
    ("a monk ringing a bronze bell at a temple", "a bronze bell at a temple being rung by a monk"),
    ("a waiter serving coffee to a pilot", "a pilot is served coffee by a waiter"),
    (
        "a small water bottle on a bench, walls covered with holds",
        "a little water bottle on a bench, walls covered with holds",
    ),
]


@pytest.mark.parametrize(("cached", "request_", "reason"), REJECTED)
def test_rejects_what_the_cached_image_does_not_show(
    verifier: Verifier, cached: str, request_: str, reason: str
) -> None:
    assert reason in REASONS
    assert verifier.check(cached, request_) == reason


@pytest.mark.parametrize(("cached", "request_"), SERVED)
def test_serves_rewordings_and_more_general_requests(
    verifier: Verifier, cached: str, request_: str
) -> None:
    assert verifier.check(cached, request_) is None


@pytest.mark.parametrize(
    ("specific", "general"),
    [
        ("a tattooed woman with piercings", "a woman with piercings"),
        ("a poodle in the snow", "a dog in the snow"),
        ("a red car on a street", "a car on a street"),
    ],
)
def test_decisions_are_directional(verifier: Verifier, specific: str, general: str) -> None:
    """The image made for the more specific prompt serves the general one, never the reverse."""
    assert verifier.check(specific, general) is None
    assert verifier.check(general, specific) is not None


def test_without_wordnet_only_identical_words_pass() -> None:
    verifier = Verifier(None)
    assert verifier.check("a man plays a guitar", "a man plays a guitar.") is None
    assert verifier.check("a cat on a rug", "a cat on a blanket") == "object"
    assert verifier.check("three apples", "two apples") == "count"


def test_missing_wordnet_is_reported_not_fatal(tmp_path: Path) -> None:
    assert WordNet.open(tmp_path) is None


def _copy_of_wordnet(folder: Path) -> Path:
    folder.mkdir()
    for path in DEFAULT_WORDNET_DIR.iterdir():
        if path.is_file():
            (folder / path.name).write_bytes(path.read_bytes())
    return folder


def test_a_damaged_wordnet_is_reported_not_fatal(tmp_path: Path) -> None:
    folder = _copy_of_wordnet(tmp_path / "wordnet")
    (folder / "index.adv").write_bytes(b"")  # an empty file cannot be mapped
    assert WordNet.open(folder) is None


def test_the_last_lemma_of_an_index_file_is_read_whole(tmp_path: Path) -> None:
    """Its line needs no line break after it: an index file cut after its last lemma's last
    offset reads that lemma as the whole file does."""
    folder = _copy_of_wordnet(tmp_path / "wordnet")
    index = folder / "index.noun"
    text = index.read_bytes().rstrip()
    index.write_bytes(text)
    last = text.rsplit(b"\n", 1)[-1].split()[0].decode()
    whole, cut = WordNet.open(DEFAULT_WORDNET_DIR), WordNet.open(folder)
    assert whole is not None and cut is not None
    assert [s.id for s in cut.senses(last, "n")] == [s.id for s in whole.senses(last, "n")] != []


def test_words_no_lexicon_form_holds_are_unknown_not_errors(wordnet: WordNet) -> None:
    """A prompt is the client's: a word with a NUL or a lone surrogate in it (JSON may carry
    either) is a word the lexicon does not know, not another word and not a failure. The
    trie the forms are kept in would take "dog\\0" for "dog" and cannot encode a surrogate."""
    for word in ("dog\0", "do\0g", "\0", "d\ud800og", "\udcff", "dog\udcff"):
        assert wordnet.lemmas(word) == ()
        assert not wordnet.knows(word) and not wordnet.senses(word)
    assert not wordnet.might_know("\ud800xyzzy") and wordnet.might_know("dog")


def test_lexicon_senses(wordnet: WordNet) -> None:
    assert wordnet.covers("dog", "puppy") and not wordnet.covers("puppy", "dog")
    assert wordnet.covers("person", "woman") and not wordnet.covers("man", "woman")
    # Only frequent senses count: "dog" as a frump or a fellow never makes a dog a person.
    assert not wordnet.covers("person", "dog")
    assert ("n", "person") in wordnet.lemmas("persons")
    assert ("v", "sit") in wordnet.lemmas("sitting")
    # An artifact's direct kind counts only when its name says it ("armchair": chair): a
    # kettle is filed under pot and a desk under table, but neither is what those words ask.
    assert wordnet.covers("chair", "armchair") and wordnet.covers("pot", "teapot")
    assert not wordnet.covers("pot", "kettle") and not wordnet.covers("table", "desk")
    # A compound filed under a rarer sense of its last word is that word as the word is read:
    # a dining table is "table" in its third sense. Not where the kind is something else.
    assert wordnet.covers("table", "dining_table") and wordnet.covers("cake", "birthday_cake")
    assert not wordnet.covers("dog", "hot_dog") and not wordnet.covers("lion", "sea_lion")
    assert not wordnet.covers("bear", "teddy_bear") and not wordnet.covers("pig", "guinea_pig")
    assert wordnet.covers("furniture", "chair") and wordnet.covers("vehicle", "car")
    # What a thing is a kind of, however far up, whatever its name says
    assert wordnet.is_a("dress", "clothing") and wordnet.is_a("tuxedo", "clothing")
    assert not wordnet.is_a("clothing", "dress") and not wordnet.is_a("dog", "clothing")


async def test_long_prompts_are_verified_off_the_event_loop(verifier: Verifier) -> None:
    """Prompts past LONG_PROMPTS characters take the worker-thread path of the decision."""
    tags = ", ".join(f"{colour} {thing}" for colour in COLOURS_FOR_TAGS for thing in THINGS)
    assert len(tags) > LONG_PROMPTS
    candidate = cached_candidate(tags, 0.99)
    policy = MatchPolicy(0.8, lambda _: Counter(), verifier=verifier)
    fewer = tags.rsplit(", ", 3)[0]  # three tags less: a more general request
    decision = await policy.decide(Query.of(fewer, TEST_PARTITION), candidate, CacheControls())
    assert decision.serve and decision.reason == "verified"
    more = tags + ", a purple giraffe"
    decision = await policy.decide(Query.of(more, TEST_PARTITION), candidate, CacheControls())
    assert not decision.serve and decision.stage == "verifier"


COLOURS_FOR_TAGS = ("red", "blue", "green", "yellow", "black", "white", "orange", "pink")
THINGS = (
    "car", "house", "tree", "boat", "chair", "lamp", "kite", "umbrella", "bicycle", "clock",
    "vase", "bench", "guitar", "teapot", "hat", "door", "window", "balloon", "train", "bus",
    "cup", "book", "shoe", "bag", "ball", "fence", "flag", "bridge", "tower", "tent",
)  # fmt: skip


def test_an_unreadable_prompt_is_served_only_by_its_own_key(verifier: Verifier) -> None:
    """Letters of another script leave the verifier blind: it refuses even the same text as a
    semantic candidate, which is safe because the same text is an exact hit, decided first."""
    assert verifier.check("кошка на диване", "кошка на диване") == "unreadable"
    assert (
        Query.of("кошка на диване", TEST_PARTITION).key
        == Query.of("Кошка на диване.", TEST_PARTITION).key
    )


def test_typos_are_mended_only_towards_the_other_prompt(verifier: Verifier) -> None:
    """An unknown word is read as a word of the other prompt within one edit (two from seven
    letters on); a real word that differs by one letter is a different word."""
    assert verifier.check("an elephant at a waterhole", "an elepant at a waterhole") is None
    assert verifier.check("a cat on a sofa", "a car on a sofa") == "object"
    assert verifier.check("a zebra on a plain", "a zobra on a plain") is None
    assert verifier.check("a zebra on a plain", "a qwerty on a plain") == "object"
    # Two edits from seven letters on ("bycicle", "pallete"), one below.
    assert verifier.check("a kid riding a bicycle", "a kid riding a bycicle") is None
    assert verifier.check("lemons, muted palette", "lemons, muted pallete") is None
    assert verifier.check("a zebra on a plain", "a zbera on a plain") is None
    assert verifier.check("a zebra on a plain", "a zbrae on a plain") == "object"


def test_a_rare_word_one_edit_from_a_far_commoner_one_is_its_typo(verifier: Verifier) -> None:
    """A word English rarely uses ("sprit", "hokey") one slip from a word of the other prompt
    thirty times commoner is read as that word; a word used as often as "boar" is its own."""
    assert verifier.check("a kitsune spirit in a forest", "a kitsune sprit in a forest") is None
    assert verifier.check("ice hokey goalie at the net", "ice hockey goalie at the net") is None
    assert verifier.check("still life of lemons", "still life of lemmons") is None
    # thirty times commoner is enough: "crowed" (90 thousand) for "crowded" (3.2 million)
    assert verifier.check("a judo throw in a crowded dojo", "a judo throw in a crowed dojo") is None
    assert verifier.check("a model, vogue style", "a model, vouge style") is None
    assert verifier.check("a bear in the woods", "a boar in the woods") == "object"
    assert verifier.check("a lion resting", "a loin resting") == "object"
    assert verifier.check("a goat on a hill", "a gloat on a hill") == "object"
    assert verifier.check("an eaglet in a nest", "an eagle in a nest") == "size_age"
    # a letter changed or added makes another word as often as it mistypes one
    assert verifier.check("a wooden toy on a shelf", "a woolen toy on a shelf") == "material"
    assert verifier.check("a happy eagle on a branch", "a harpy eagle on a branch") is not None
    assert verifier.check("a man writing at a desk", "a man writhing at a desk") is not None
    # a prompt that says both words means both
    assert spelling.rarely_meant(["sprit", "spirit"], {"spirit"}) == {}
    assert spelling.rarely_meant(["sprit", "hokey"], {"spirit", "hockey"}) == {
        "sprit": "spirit",
        "hokey": "hockey",
    }
    # A prompt of thousands of rare words looks at its first few: the cost does not grow
    rare = [f"zq{a}{b}{c}x" for a in "abcdefghij" for b in "abcdefghij" for c in "abcdefghij"]
    assert spelling.rarely_meant([*rare, "sprit"], {"spirit"}) == {}


@pytest.mark.parametrize("family", ["attributes", "absence", "roles", "sizes_and_ages"])
def test_probe_lists_that_serve_nothing_stay_so(verifier: Verifier, family: str) -> None:
    """Families of ``bench/probes.py`` where every pair changes the picture and none is served
    now: a rule that serves one of them again fails here, with the pair."""
    make, seed = probes.FAMILIES[family]
    total, served = probes.served(verifier, make(random.Random(seed)))
    assert total >= 800
    assert served == []


def test_a_listed_synonym_stands_for_one_group() -> None:
    """A word listed in two groups of synonyms is read as one group's first word only: a line
    "quiet tranquil" lists two words the "calm" line holds already. A word may open several
    lines, and stand in no other line."""
    assert _listed_twice(SYNONYMS) == []
    assert sorted(_listed_twice(SYNONYMS + "\nquiet tranquil")) == ["quiet", "tranquil"]


def _listed_twice(synonyms: str) -> list[str]:
    """The words of ``synonyms`` listed in several lines, one of them not as its first word."""
    listed_in, inside = Counter[str](), set()
    for line in synonyms.strip().splitlines():
        words = [word.partition(":")[0] for word in line.split()]
        listed_in.update(set(words))
        inside.update(words[1:])
    return [word for word, lines in listed_in.items() if lines > 1 and word in inside]


def test_mended_words_are_replaced_in_one_pass() -> None:
    """Each word, or two words written apart, is replaced once, whatever its case: a word put in
    is not replaced again ("city" -> "town" stays "town", not "village")."""
    mended = replace_words(
        "A Sci Fi city, sci fi", {"sci fi": "sci-fi", "city": "town", "town": "village"}
    )
    assert mended == "A sci-fi town, sci-fi"
    assert replace_words("a cat", {}) == "a cat"
    # a hyphenated word's parts are mended where the whole is no key: "rain-saoked"
    assert replace_words("a Rain-saoked alley", {"saoked": "soaked"}) == "a Rain-soaked alley"


def test_words_are_hyphenated_as_the_cached_prompt_writes_them() -> None:
    """Apart where the cached prompt hyphenates them, and hyphenated where it writes them apart,
    the request is respelt as the cached prompt has it, where the same word follows both or
    both end a tag; elsewhere the words apart say something else ("a man made a lake")."""
    cached = ("a", "box", "of", "wind-up", "dolls")
    assert (
        hyphenated_alike(
            "A box of Wind up dolls", ("a", "box", "of", "wind", "up", "dolls"), cached
        )
        == "A box of wind-up dolls"
    )
    assert hyphenated_alike(
        "a wind-up toy", ("a", "wind-up", "toy"), ("a", "wind", "up", "toy")
    ) == ("a wind up toy")
    asked = ("a", "man", "made", "a", "lake")
    assert hyphenated_alike("a man made a lake", asked, ("a", "man-made", "lake")) == (
        "a man made a lake"
    )
    asked = ("wind", "up", "car", "and", "wind", "up", "the", "robot")
    assert hyphenated_alike(" ".join(asked), asked, ("a", "wind-up", "car")) == (
        "wind-up car and wind up the robot"
    )
    assert hyphenated_alike("a toy, wind up", ("a", "toy", ",", "wind", "up"), ("wind-up",)) == (
        "a toy, wind-up"
    )


def test_words_written_apart_are_joined_only_where_one_is_unknown() -> None:
    """Two words, one of them unknown, that the other prompt writes as one word are read as that
    word; two known words stay two ("cat walk" may be a cat walking, not a catwalk)."""
    assert rejoined(["a", "sci", "fi", "city"], {"sci", "fi"}, ["a", "sci-fi", "city"]) == {
        "sci fi": "sci-fi"
    }
    assert rejoined(["lo", "fi", "beats"], {"fi"}, ["lofi", "beats"]) == {"lo fi": "lofi"}
    assert rejoined(["a", "cat", "walk"], set(), ["a", "catwalk"]) == {}


@pytest.mark.parametrize(
    "typo",
    [
        "zebar",
        "medival",
        "castel",
        "behaviogr",
        "beautifull",
        "wizzard",
        "lighthuose",
        "catt",
        "brigde",
        "mountian",
        "sunst",
        "xylophne",
        "qeen",
        "'twas",
        "forestt",
        "dgo",
        "aple",
    ],
)
def test_the_word_list_finds_every_listed_word_one_edit_away(typo: str) -> None:
    """What the speller draws its corrections from, checked against a scan of the whole list
    with rapidfuzz's optimal string alignment distance."""
    frequencies = spelling._frequencies()
    listed = list(frequencies._words)
    scanned = {
        word
        for word, distance, _ in process.extract(
            typo, listed, scorer=OSA.distance, score_cutoff=1, limit=None
        )
        if distance == 1 and word[0] == typo[0]
    }
    found = frequencies.near(typo)
    assert {word for word, _ in found} == scanned
    assert all(count > 0 for _, count in found)


def test_a_plural_opening_a_tag_is_a_thing_not_a_verb(verifier: Verifier) -> None:
    """ "..., balloons in blue and gold": a plural that opens a tag before a preposition names
    things, as "lanterns" does; after "and" an "-s" word may be a verb ("holds a spoon and
    looks at a cupcake")."""
    tags = verifier.read("a party in a backyard, balloons in blue and gold, lanterns in trees")
    assert not any(word.verb for word in tags.words)
    acts = verifier.read("a cat holds a spoon and looks at a cupcake")
    assert [word.text for word in acts.words if word.verb] == ["holds", "looks"]


_LIGHTHOUSE = "a lighthouse on a cliff, stormy sea, crashing waves, oil painting, by aivazovsky"


@pytest.mark.parametrize(
    ("cached", "request_", "read_as"),
    [
        # every tag moved, nothing leaning
        (
            _LIGHTHOUSE,
            "a lighthouse on a cliff, by aivazovsky, crashing waves, oil painting, stormy sea",
            _LIGHTHOUSE,
        ),
        # a tag the cached prompt lacks takes the place of one the request lacks, in turn;
        # one left over goes last
        (
            "a red fox, snow, photo",
            "photo, a red fox, 8K, snow",
            "a red fox, snow, photo, 8K",
        ),
        (
            "a red fox, snow, photo, 4k",
            "photo, a grey wolf, 8K, snow",
            "a grey wolf, snow, photo, 8K",
        ),
        # an owner after what its doer does, "falling snow", "smiling" alone: they stand alone
        (
            "a grad hugging her mom, balloons, falling snow, smiling, candid",
            "candid, smiling, falling snow, balloons, a grad hugging her mom",
            "a grad hugging her mom, balloons, falling snow, smiling, candid",
        ),
        # a tag that leans keeps both neighbours, or nothing moves
        ("a cat, on a table, a dog, photo", "a dog, on a table, a cat, photo", None),
        ("a knight, riding a horse, a dragon", "a dragon, riding a horse, a knight", None),
        ("a man, wearing sunglasses, a woman", "a woman, wearing sunglasses, a man", None),
        ("a girl, holding flowers, a boy", "a boy, holding flowers, a girl", None),
        ("a girl, surrounded by cats, a boy", "a boy, surrounded by cats, a girl", None),
        ("a woman, a dog beside her, a man", "a man, a dog beside her, a woman", None),
        ("a girl, a cat on her lap, a boy", "a boy, a cat on her lap, a girl", None),
        ("cats, 2, dogs, 3, photo", "cats, 3, dogs, 2, photo", None),
        ("a fox, and a hare, at dusk", "a hare, and a fox, at dusk", None),
        # ... but moves with them
        (
            "a fox, at dusk, snow, photo",
            "snow, photo, a fox, at dusk",
            "a fox, at dusk, snow, photo",
        ),
    ],
)
def test_tags_are_read_in_the_cached_prompts_order_where_none_leans(
    verifier: Verifier, cached: str, request_: str, read_as: str | None
) -> None:
    """A request whose comma-separated tags are the cached prompt's in another order is read in
    the cached prompt's order, unless a tag that says something of its neighbour (a preposition,
    a verb with its object, a pronoun, a bare number) would get another neighbour."""
    classes = verifier.reader.classes
    assert tag_order.in_cached_order(cached, request_, classes) == (read_as or request_)


@pytest.mark.parametrize(
    ("cached", "request_"),
    [
        (
            "ice cream van at a village fete, bunting, green lawn, families on picnic blankets, "
            "sunny afternoon, 1980s photo, faded colors, nostalgic, candid",
            "ice cream van at a village fete, families on picnic blankets, green lawn, bunting, "
            "nostalgic, candid, 1980s photo, faded colors, sunny afternoon",
        ),
        (
            "a graduation party in a backyard, balloons in blue and gold, a grad in cap and gown "
            "hugging her mom, candid, warm evening light, 85mm, bokeh, happy, photojournalism",
            "a graduation party in a backyard, a grad in cap and gown hugging her mom, balloons "
            "in blue and gold, photojournalism, candid, 85mm, warm evening light, bokeh, happy",
        ),
    ],
)
def test_tags_moved_are_served(verifier: Verifier, cached: str, request_: str) -> None:
    """Tags moved, each standing on its own, ask for the same picture: read in the order they
    were written, the reader took a moved tag for a new role or a rebound attribute."""
    assert verifier.check(cached, request_) is None
    assert verifier.check(request_, cached) is None


@pytest.mark.parametrize(
    ("cached", "request_"),
    [
        ("a knight, a dragon, riding a horse", "a dragon, a knight, riding a horse"),
        (
            "a knight in armor, a dragon, holding a lantern",
            "a dragon, a knight in armor, holding a lantern",
        ),
    ],
)
def test_tags_moved_to_give_one_what_another_does_are_refused(
    verifier: Verifier, cached: str, request_: str
) -> None:
    """The same tags, moved so that what a person or an animal does to a thing follows another
    one: the reader took it for the nearer one's, so who does it changed."""
    assert verifier.check(cached, request_) == "swapped_roles"


@pytest.mark.parametrize(
    ("cached", "request_"),
    [
        ("a fox, a hare, in the snow, photo", "a hare, a fox, in the snow, photo"),
        ("a knight, riding a horse, cinematic, 8k", "a knight, cinematic, riding a horse, 8k"),
    ],
)
def test_tags_moved_past_a_place_or_a_mood_keep_who_does_what(
    verifier: Verifier, cached: str, request_: str
) -> None:
    """A place or a time is the whole scene's, and a verb after a mood is still the knight's."""
    assert verifier.check(cached, request_) is None


def test_prepositions_are_known_words(verifier: Verifier) -> None:
    """WordNet has no prepositions; the reader's own lists know them, so "beside" or "towards"
    is never taken for a typo or a foreign word (two unknown words can make a prompt
    unreadable)."""
    reading = verifier.read("a zorblat beside a tree, walking towards a hill")
    assert reading.unknown == {"zorblat"}
    assert verifier.check("a dog beside a tree towards a hill", "a dog beside a tree") is None


def test_the_embedding_model_reads_mended_and_folded_words(wordnet: WordNet) -> None:
    """What is embedded has typos mended against the dictionaries, split compounds joined, one
    word per synonym group and no photo frame; the canonical prompt (and so every exact hit)
    keeps the words as typed."""
    speller = Speller(wordnet, KNOWN)
    policy = MatchPolicy(0.8, lambda text: Counter(), verifier=Verifier(wordnet), speller=speller)
    assert policy.embedding_text("a wizzard in a dark forest") == "a wizard in a dark forest"
    assert policy.embedding_text("a rain bow over a water fall") == "a rainbow over a waterfall"
    assert policy.embedding_text("an old light house") == "an old lighthouse"
    # hyphenated halves of a common word are joined, other hyphenated words stay
    assert policy.embedding_text("a light-house, a key-board") == "a lighthouse, a keyboard"
    assert policy.embedding_text("a well-known painter") == "a well-known painter"
    assert policy.embedding_text("a light blue car") == "a light blue car"
    assert policy.embedding_text("a photo of a grey bunny") == "a gray rabbit"
    # Names and words of the frequency list stay; so do real words, and "hot dog" stays two.
    assert policy.embedding_text("by greg rutkowski, artstation") == "by greg rutkowski, artstation"
    assert policy.embedding_text("a hot dog on a plate") == "a hot dog on a plate"
    assert policy.embedding_text("a black bird") == "a black bird"
    assert speller.mend("zebar") == "zebra"  # the most common word one edit away
    # A letter typed twice or left out before a commoner word one letter changed away.
    assert speller.mend("a beautifull medival castel") == "a beautiful medieval castle"
    # Of equally common words one edit away, the first in alphabetical order ("behaviour" and
    # "behavior" are listed 14,175,567 times each).
    assert speller.mend("behaviogr") == "behavior"
    # A three-letter word no dictionary has, its last two letters swapped, where that is a
    # word; other short words stay ("an owl", "uan").
    assert speller.mend("a woman walks her dgo, teh end") == "a woman walks her dog, the end"
    assert speller.mend("an owl, uan, a cat") == "an owl, uan, a cat"
    assert Query.of("a wizzard", TEST_PARTITION).canonical == "a wizzard"
    # Words and prompts remembered go when entries are erased: the speller's, the reader's,
    # the canonical forms, the text the embedding model cannot see.
    assert policy.verifier is not None
    policy.verifier.check("a wizzard in a dark forest", "a wizard in a dark forest")
    assert policy.verifier.reader._dictionary_word.cache_info().currsize > 0
    assert len(canonical._remembered) > 0
    policy.unseen_text("a wizzard in a dark forest")
    assert len(policy.unseen_text) == 1
    policy.forget()
    assert speller._word.cache_info().currsize == 0
    assert policy.verifier.reader._dictionary_word.cache_info().currsize == 0
    assert policy.verifier.reader._unknown.cache_info().currsize == 0
    assert policy.verifier.reader.read.cache_info().currsize == 0
    assert len(canonical._remembered) == 0
    assert len(policy.unseen_text) == 0


def test_a_verdict_is_remembered_per_pair_until_forgotten(wordnet: WordNet) -> None:
    """A rewording asked again is not read again; ``forget`` (an erasure) drops the verdicts
    with the readings; a very long pair is worked out each time."""
    verifier = Verifier(wordnet)
    cached, request = "a red fox sitting in the snow", "a red fox sits in the snow"
    changed = "a grey fox sitting in the snow"
    assert verifier.check(cached, request) is None
    verdict = verifier.check(cached, changed)
    assert verdict is not None  # grey is not red
    verifier.reader.forget()  # the readings go; the verdicts stay
    assert verifier.check(cached, request) is None
    assert verifier.check(cached, changed) == verdict
    assert verifier.read.cache_info().currsize == 0  # nothing was read again
    verifier.forget()
    assert verifier.check(cached, request) is None
    assert verifier.read.cache_info().currsize == 2  # read again

    long_cached = ", ".join(["a red fox sitting in the snow"] + ["highly detailed"] * 60)
    long_request = long_cached.replace("sitting", "sits")
    assert len(long_request) > 1000
    assert verifier.check(long_cached, long_request) is None
    verifier.reader.forget()
    assert verifier.check(long_cached, long_request) is None
    assert verifier.read.cache_info().currsize == 2
    # Past REMEMBERED characters a prompt's reading is not kept (over 1 MB at 32,000): a
    # stream of such prompts cannot fill the memory.
    huge = ", ".join(["a red fox sitting in the snow"] * 80)
    assert len(huge) > REMEMBERED
    verifier.forget()
    assert verifier.check(huge, huge.replace("sitting", "sits")) is None
    assert verifier.read.cache_info().currsize == 0 and len(verifier.coverage) == 0


@pytest.mark.parametrize(
    "filler",
    [
        *(" ", ", ", ",", " ,\t", " please", ",  , thanks  ,  ", " please" + " " * 31_990),
        *("(", "[a:", "a|", "a;", "dog running, ", "cat dog|", "a cat, please, "),
        "a cat, sleeping, ",
        "painting, canvas, ",
        "gouache on cold press paper",
        "painted in a b style, done in ",
    ],
)
def test_a_prompt_of_separators_is_read_in_linear_time(verifier: Verifier, filler: str) -> None:
    """A hostile prompt of 32,000 characters (the longest an upstream takes) of spaces and commas
    is read and canonicalised in well under a second. The filler patterns once backtracked over
    every split of such a run: 11 s for 30,000 spaces, 61 s with a longer closing-request
    pattern; thousands of one-word tags, 1.4 to 3 s in the reader and the role checks, which
    compared each tag with each. Timed, because the defect is the time: 6 s (more on a machine
    slower at plain Python), twice what the slowest tag list took on a slow and busy build
    machine (3.8 s; about 1.5 s on a quiet one)."""
    prompt = "a cat" + filler * (32_000 // len(filler)) + "please"
    slower = _machine_slower()
    started = time.perf_counter()
    canonical.canonical_prompt(prompt)
    verifier.check(prompt, prompt + " now")
    assert time.perf_counter() - started < 6.0 * slower


_REFERENCE_LOOP_SECONDS = 0.1
"""How long a loop of two million additions took on the machine the bounds were set on."""


def _machine_slower() -> float:
    """How many times slower than that machine this one runs plain Python now (at least 1): a
    build machine twice as slow, or busy with other test workers, took 3.8 s on a prompt a
    quiet one reads in 1.5; a quadratic pass takes tens of seconds either way."""
    started = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i
    return max(1.0, (time.perf_counter() - started) / _REFERENCE_LOOP_SECONDS)


@pytest.mark.parametrize("prompt", [" " * 32_000, "a" + "\n" * 32_000 + "b"])
def test_a_prompt_of_whitespace_is_canonicalised_in_linear_time(prompt: str) -> None:
    """A hostile prompt of 32,000 spaces or line breaks (as long as an upstream takes) folds
    in milliseconds: the pattern for whitespace before a comma was tried at every character of
    the run, 1.5 s on the event loop. Timed, because the defect is the time; the bound is 20
    times a linear pass."""
    slower = _machine_slower()
    started = time.perf_counter()
    canonical.canonical_prompt(prompt)
    assert time.perf_counter() - started < 0.3 * slower


def _contains(*needles: str) -> Callable[[str], bool]:
    return lambda text: any(needle in text for needle in needles)


@pytest.mark.parametrize(
    ("pattern", "may_match"),
    [
        (filler._COVERED, _contains(*filler._COVERS)),
        (filler._MADE_OF, _contains(*filler._MADE_FROM)),
        (filler._ON_CANVAS, _contains(*filler._SUPPORTS)),
        (filler._CANVAS_TAG, _contains("canvas")),
        (filler._DONE_IN, _contains(*filler._DONE_IN_WORDS)),
        (filler._CAPTURED, _contains("captured")),
        (filler._INTO_THE_NIGHT, _contains("night")),
        (filler._PHOTO_TAKEN, _contains("photo")),
        (filler._TAKING_A, _contains(*filler._TAKING)),
        (filler._TAKEN_FOR_A, _contains(*filler._FOR_A)),
        (filler._WATERED, _contains("water")),
        (filler._GIVEN_TO, _contains("giv", "gave")),
        (filler._GIVEN, _contains("giv", "gave")),
        (filler._REPAIRS, _contains("repairs")),
        (filler._DIGITALLY, _contains("digitally")),
        (filler._FRAME, _contains(*FRAMES)),
        (filler._MADE_AS, _contains(*filler._MADE_AS_WORDS)),
        (filler._THERE_IS, _contains("there", "game")),
        (filler._VERSION, _contains(*filler._VERSIONED)),
        (filler._OUT_IN, _contains("out")),
        (filler._DAY, _contains("day")),
        (filler._ONSTAGE, _contains("stage")),
        (filler._SHARP_TAG, _contains(*filler._SHARP)),
        (filler._FLAGS, _contains("--")),
        (filler._FILM_STOCK, _contains("kodak")),
        (filler._ON_TOP, _contains("top")),
        (
            filler._EMPTY_PARTS,
            lambda t: bool(filler._COMMA_GAP.search(t)) or t.lstrip().startswith(","),
        ),
        (features._MONOCHROME, features._may_be_monochrome),
        (features._SAYS, features._may_say),
    ],
)
@hypothesis.settings(max_examples=300, deadline=None, derandomize=True)
@hypothesis.given(data=strategies.data())
def test_a_pattern_skipped_on_a_text_could_not_have_matched_it(
    pattern: re.Pattern[str], may_match: Callable[[str], bool], data: strategies.DataObject
) -> None:
    """The filler and feature patterns are tried only on texts that hold words every match
    holds (a pattern opening with a lookbehind is tried at every character: 15 to 65 us on a
    long prompt, a third of the time it took to read one). Texts made to match each pattern,
    lower-cased as the reader has them, must pass its test; a missing word would silently
    skip a rewrite, and change canonical prompts and verdicts."""
    text = data.draw(strategies.from_regex(pattern)).lower()
    hypothesis.assume(pattern.search(text))
    assert may_match(text)


def test_rendered_text_is_found_however_its_verb_is_spelt() -> None:
    """The rendered-text pattern ignores case as Unicode does, so a long s (U+017F) or a dotless i
    spells its verb too; the words that let a text skip that pattern were looked for in ASCII
    alone, and such a prompt's rendered text went unread."""
    assert features.rendered_text("a sign that \u017fays hello")[0] == {"hello"}
    assert features.rendered_text("a cake wr\u0131tten happy birthday")[0] == {"happy birthday"}


def test_reading_is_a_texts_only_after_a_thing_a_text_is_put_on() -> None:
    """ "a sign reading OPEN" shows the word OPEN; "a girl in a shirt reading a book" shows no
    text, nor does "a man reading a sign"."""
    assert features.rendered_text("a banner reading happy new year")[0] == {"happy new year"}
    assert features.rendered_text("a neon sign reading open late, night")[0] == {"open late"}
    assert features.rendered_text("a girl in a shirt reading a book")[0] == set()
    assert features.rendered_text("a man reading a sign")[0] == set()
    title = "a magazine cover, bold title text across the top reading ORBIT OF TERROR in red"
    assert features.rendered_text(title)[0] == {"orbit of terror"}


_PROMPT_TEXT = (
    "a an the with it in on into out of off up by over under no 's one two , . ; and or "
    "rounded picked lined tied painted carried burning building bed shed snow rain falling "
    "pink teal lighting professional 4k cat dog plate food gorge waterfall train tracks being "
    "was is red wooden oil painting photo style artstation (red:1.4) 🐶 кошка"
)
_PROMPT_WORDS = _PROMPT_TEXT.split()
_PROMPTS = strategies.lists(strategies.sampled_from(_PROMPT_WORDS), max_size=16).map(" ".join)


@hypothesis.settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],  # emptied below
)
@hypothesis.given(cached=_PROMPTS, request=_PROMPTS)
@hypothesis.example(
    cached="in 's into professional plate rain food off tracks by snow pink",
    request="snow snow tracks",
)
def test_any_pair_of_prompts_gets_a_verdict(
    verifier: Verifier, cached: str, request: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever a client sends, each pair is read to a verdict without a fault of the verifier's
    own. A random search over such words found one ("... by snow pink" / "snow snow tracks": an
    artist read as a thing, a KeyError), which failed the request."""
    caplog.clear()
    with caplog.at_level("ERROR", logger="proxy.matching.verify"):
        verdict = verifier.check(cached, request)
    assert verdict is None or verdict in REASONS
    assert not caplog.records


def test_a_fault_of_the_verifier_refuses_the_candidate(
    wordnet: WordNet, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A fault of the verifier's own (a bug no test found yet, simulated here by making one of
    its steps raise) refuses the candidate, so the request is generated instead of failing; the
    log names where, not the prompts."""
    verifier = Verifier(wordnet)

    def broken(*_: object) -> str | None:
        raise KeyError("secret prompt word")

    monkeypatch.setattr("proxy.matching.verify.swapped", broken)
    with caplog.at_level("ERROR", logger="proxy.matching.verify"):
        verdict = verifier.check("a red fox sitting in the snow", "a red fox sits in the snow")
        verifier.prepare("a red fox in the snow")  # reading one prompt does not reach it
    assert verdict == "unreadable"
    assert [r.getMessage() for r in caplog.records] == [
        "the verifier failed (KeyError at test_verify.py:"
        f"{broken.__code__.co_firstlineno + 1} in broken); the candidate is not served"
    ]


@pytest.mark.parametrize("digits", ["⑳" * 2151, "1" * 4301, "7" * 19])
def test_a_number_too_long_to_count_is_a_word(
    verifier: Verifier, digits: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A run of digits longer than any count ("⑳" unfolds to two digits, so 2,151 of them make
    4,302, past what Python converts to a number) is a word both prompts must have, not a fault
    (found by fuzzing)."""
    with caplog.at_level("ERROR", logger="proxy.matching.verify"):
        assert verifier.check(f"a cat, {digits}", f"a cat, {digits}") is None
        assert verifier.check(f"a cat, {digits}", f"a cat, {digits}9") is not None
    assert not caplog.records
