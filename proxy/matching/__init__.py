"""May this cached image serve this request? Everything that answers that question.

A request and a cached entry match when they lie in the same partition (every parameter that
changes the picture, matched exactly) and their prompts ask for the same picture. Two prompts
with the same canonical form are the same request; otherwise the nearest cached prompt by meaning
is a candidate, and the decision accepts it only when the verifier finds that its image shows
everything the request asks for and, in a gray zone of similarity, an optional judge agrees.

Modules, in the order a request meets them:

- :mod:`~proxy.matching.canonical`: canonical prompts, partitions and exact-match keys;
- :mod:`~proxy.matching.decision`: ``MatchPolicy.decide``, the one place a hit is decided;
- :mod:`~proxy.matching.verify`: the verifier, which compares two readings;
- :mod:`~proxy.matching.tag_order`: a request's tags read in the cached prompt's order, where
  none that leans on the tag before it would get another;
- :mod:`~proxy.matching.listed`: things a request lists in another order, read in the cached
  prompt's ("a violin, an apple and a book on a table");
- :mod:`~proxy.matching.roles`: its last checks, roles, attributes and places;
- :mod:`~proxy.matching.alike`: which of several things of one kind is which ("a big dog and a
  small dog" in either order);
- :mod:`~proxy.matching.holding`: one thing put in, on or "with" another, said two ways ("a
  cabin in a forest", "a forest with a cabin");
- :mod:`~proxy.matching.counting`: its checks of numbers, number and amounts ("a man" does not
  show "people", nor "two passengers" "a train crowded with people");
- :mod:`~proxy.matching.coverage`: what a cached prompt shows, gathered for the verifier;
- :mod:`~proxy.matching.unsaid`: what it shows without the request's words ("resting" /
  "sitting", "a little girl" / "a girl"), and what a material is said of ("a bridge made of
  wood");
- :mod:`~proxy.matching.reading`: how a prompt is read into words, things and roles;
- :mod:`~proxy.matching.tokens`: its tokens, spatial phrases marked, and where a part opens;
- :mod:`~proxy.matching.reading_model`: what it is read into (``Word``, ``Reading``);
- :mod:`~proxy.matching.phrases`: how its words group into noun phrases with heads and roles;
- :mod:`~proxy.matching.owners`: whose a tag is, where tags name several beings ("a knight,
  silver armor, a mage, red robes", "1girl, smiling, 1boy, crying");
- :mod:`~proxy.matching.compounds`: words written as one joined ("hot dog", "sail boat");
- :mod:`~proxy.matching.filler`: the canonical prompt's text rewrites (boilerplate, request
  phrasing, a few phrasings said one way);
- :mod:`~proxy.matching.respelling`: one spelling per word (British and American, decades);
- :mod:`~proxy.matching.normalise`: synonyms and word order folded before reading;
- :mod:`~proxy.matching.weather`: weather read as the whole scene's ("a rainy street", "a street
  in the rain");
- :mod:`~proxy.matching.rephrasing`: a medium, a part or a colour said another way ("a
  red-haired woman" is "a woman with red hair");
- :mod:`~proxy.matching.word_order`: phrases put first, read in the usual order ("on the
  windowsill sat a cat");
- :mod:`~proxy.matching.passives`: passive clauses and a verb of giving's two objects, read as
  the active voice says them;
- :mod:`~proxy.matching.media`: how a picture is made, a medium or a photograph, said or not;
- :mod:`~proxy.matching.lexicon`, :mod:`~proxy.matching.words` and
  :mod:`~proxy.matching.synonyms`: WordNet, small word lists and listed synonyms;
- :mod:`~proxy.matching.judge`: the optional LLM judge for the gray zone.

Nothing here knows of HTTP, the index or the store: the cache service (:mod:`proxy.cache`) asks,
and so do ``memoaized eval``, ``memoaized calibrate`` and the benchmarks.
"""
