"""The semantic index: where cache entries are found by key, by meaning and by id.

One interface (``SemanticIndex``), two implementations chosen by configuration:
``EdgeIndex`` (Qdrant Edge, in-process, the embedded default) and ``QdrantServerIndex``
(a Qdrant server through ``qdrant-client``, for shared deployments).
"""

from proxy.index.base import Candidate, Entry, IndexUnavailable, SemanticIndex

__all__ = ["Candidate", "Entry", "IndexUnavailable", "SemanticIndex"]
