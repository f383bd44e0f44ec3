"""The verifier's listed synonyms: groups of words that give the same picture, which WordNet
relates only one way or not at all. Tuned on the ``tune`` half of the labelled pairs
(bench/pairs.py) only, as :mod:`proxy.matching.words` is.
"""

from __future__ import annotations

__all__ = ["SYNONYMS"]

SYNONYMS = """
rabbit bunny bunnies:rabbits
on upon aboard
man guy dude fellow gentleman guys:men dudes:men fellows:men gentlemen:men
woman lady gal ladies:women gals:women
child kid kiddo kids:children
beautiful lovely pretty gorgeous stunning charming
happy joyful cheerful joyous glad
scary creepy spooky eerie frightening terrifying
calm still tranquil serene peaceful placid quiet
cute adorable
fat chubby plump
thin slender slim
rough coarse
huge giant gigantic enormous massive colossal immense
big large
small little tiny
vintage old-fashioned oldfashioned retro
old elderly aged
sad unhappy sorrowful melancholic
angry furious
dirty filthy grimy
tired exhausted weary
fast quick speedy rapid quickly swiftly rapidly
shiny glossy gleaming
sofa couch couches:sofas
corridor hallway
sleeping asleep
sleepy drowsy
car automobile
forest woods
street road
path pathway footpath walkway trail trails:paths
sea ocean
airplane aeroplane
television tv
phone cellphone smartphone mobile_phone cell_phone cellular_phone
trousers pants
film movie
store shop
kitten kitty kitties:kittens
puppy pup pupper puppers:puppies
dog doggo doggos:dogs
coding programming
police_officer policeman cop cops:police_officers policemen:police_officers
plain simple
minimalist minimalism minimalistic
blurred blurry
photo photograph photography
smiling grinning
running jogging
runs jogs
run jog
bicycle bike
motorcycle motorbike
refrigerator fridge
microphone mic mics:microphones
leaking leaky
person human humans:people folks:people
tan beige
firefighter fireman firemen:firefighters
taxi cab taxicab
highway freeway expressway
beach seashore
busy bustling
crowded packed
manure dung
friend pal buddy pals:friends buddies:friends
dry arid
hamburger burger burgers:hamburgers
sailor seaman seamen:sailors
seagull gull gulls:seagulls
cubist cubism
fauvist fauvism
impressionist impressionism
expressionist expressionism
pointillist pointillism
stream creek brook
sleeping dozing snoozing napping
vivid vibrant
drawing sketch
modern contemporary
glowing luminous
talking chatting conversing
trash garbage rubbish
sitting seated
luggage baggage
spaceship starship spacecraft
square plaza plazas:squares
mood atmosphere ambience ambiance vibe feel vibes:mood
moored docked
hippopotamus hippo hippos:hippopotamuses
kangaroo roo roos:kangaroos
crayfish crawfish
horse steed steeds:horses
detective sleuth
scallion spring_onion green_onion
chickpea garbanzo garbanzo_bean
barbecue bbq barbeque
sandwich sarnie sarnies:sandwiches
bathrobe dressing_gown
pajamas pjs:pajamas
sled sledge
umbrella brolly parasol
christmas xmas
streetlight street_lamp streetlamp lamppost lamp_post
laptop notebook_computer
bookshelf bookcase
spellbook grimoire spell_book
mysterious enigmatic
gloomy dreary dismal
tattered ragged
colorful multicolored multicolor
wooded forested
luxurious luxury
delicious tasty yummy
shimmering glimmering
worried anxious concerned
pensive thoughtful
curious inquisitive
teenage adolescent
petting stroking
hiking trekking
rusty rusted corroded
messy untidy cluttered
staircase stairway stairs
space outer-space
art artwork
spring springtime
summer summertime
winter wintertime
wizard sorcerer mage
abandoned derelict
coastline shoreline coast shore coasts:coastlines
cave cavern caverns:caves
cozy snug comfy
traffic_light stoplight traffic_signal stoplights:traffic_lights traffic_signals:traffic_lights
peak summit mountaintop
misty foggy
mist fog
grumpy cranky grouchy
lone solitary
stone rock stones:rocks
teenager teen teens:teenagers
sunny sunlit
screenshot screencap screengrab
whole entire
mother mom mommy momma moms:mothers
father dad daddy dads:fathers
handmade homemade
sweater pullover
worker laborer labourer
vendor merchant trader dealer
walking strolling
walks strolls
walk stroll
walked strolled
spiny prickly thorny
empty vacant unoccupied deserted
flutist flautist flautists:flutists
scared frightened afraid
shy timid bashful
noisy loud
trimming pruning
trim prune
pasture meadow
stylish fashionable
tidy neat
wrestling grappling
wrestle grapple
rowboat rowing_boat row_boat rowing_boats:rowboats row_boats:rowboats
journalist reporter
crying weeping
cries weeps
cried wept
tram streetcar tramcar
pattern motif motifs:patterns
distant faraway
cartographer mapmaker map_maker mapmakers:cartographers map_makers:cartographers
torn ripped
stuck trapped
shipwright boatbuilder boatbuilders:shipwrights
cold chilly
craftsman artisan craftsperson artisans:craftsmen craftspeople:craftsmen
spectator onlooker
protester protestor demonstrator demonstrators:protesters protestors:protesters
bare leafless
handmade handcrafted hand-made hand-crafted
cinema movie_theater movie_theatre movie_theaters:cinemas movie_theatres:cinemas
invitation invite invites:invitations
ceramic pottery
ruined wrecked
crack fissure fissures:cracks
stacking piling
stacked piled
sign placard placards:signs
soaked drenched
sweating perspiring
funny comedic humorous
engine motor engines:motors
cog gear
customer shopper
telescope spyglass
rug carpet
cobweb spiderweb spider_web
handkerchief hanky hankie
clothes clothing
lit illuminated
"""
"""Words that give the same picture, one group a line, the first word standing for the group;
``form:target`` pairs name plurals that are not the word with an "s" ("guys:men"). WordNet
relates many of these only one way or not at all (it has "bunny" as a bunny girl first; "happy"
and "joyful" in unrelated synsets), so they are listed; any other synonym WordNet knows still
counts."""
