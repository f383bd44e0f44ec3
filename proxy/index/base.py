"""The interface every index implements, and the entry it stores."""

from __future__ import annotations

import asyncio
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, TypeAlias

if TYPE_CHECKING:  # numpy is not imported at run time: the index's own process has no use for it
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "EVERYTHING",
    "FLOAT_INDEXES",
    "FOOTPRINT_FIELDS",
    "KEYWORD_INDEXES",
    "LEGACY_OWNER",
    "SHARED",
    "Candidate",
    "Entry",
    "Footprint",
    "IndexUnavailable",
    "Page",
    "SemanticIndex",
    "Stored",
    "Where",
    "added_usage",
    "entry_id",
]

Vector: TypeAlias = "npt.NDArray[np.float32]"

_ENTRY_NAMESPACE = uuid.UUID("6f1c3e1e-5b7a-4c43-9d7e-2f0b8a4d9c11")

SHARED = "shared"
"""The audience of an entry every tenant may read (in ``org`` sharing)."""


def entry_id(key: str, blob_id: str, tenant: str, private: bool) -> str:
    """The id of the entry that stores ``blob_id`` under ``key`` for ``tenant``: deterministic,
    so storing the same image for the same request twice (a retry, a replay after a crash) is
    one entry, and two tenants who get the same bytes (a seeded pipeline) own one entry each."""
    return str(uuid.uuid5(_ENTRY_NAMESPACE, f"{key}/{blob_id}/{tenant}/{int(private)}"))


@dataclass(frozen=True, slots=True)
class Entry:
    """One cached image and everything needed to decide whether it may serve a request."""

    id: str
    key: str
    """Exact-match key: hash of partition and canonical prompt."""
    partition: str
    """The partition key (``Partition.key``); candidates are only searched inside it."""
    prompt: str
    """The prompt exactly as the client sent it."""
    canonical: str
    blob_id: str
    media_type: str
    created_at: float
    """Unix time the image was stored."""
    model: str
    size: str
    quality: str | None
    style: str | None
    background: str | None
    moderation: str | None
    output_format: str
    generation_seconds: float
    """Backend time spent producing this image (its share of a batch)."""
    energy_wh: float
    energy_source: str
    """``measured`` (NVML around the generation) or ``estimated`` (per-model configuration)."""
    backend: str
    revised_prompt: str | None = None
    """The prompt the backend reported it actually used, if it rewrote ours."""
    tenant: str = "default"
    """The tenant whose request stored it."""
    private: bool = False
    """Only its tenant may ever read it (``cache.scope = "private"``)."""
    user: str | None = None
    """The end user the request named (OpenAI's ``user``), for erasure."""
    expires_at: float | None = None
    """Unix time after which it is never served (``cache.ttl``); None: the global TTL only."""
    bytes: int = 0
    """Size of its image."""
    hits: int = 0
    """Times it was served, as last recorded (usage is written back in the background)."""
    last_hit_at: float | None = None

    @property
    def audience(self) -> str:
        """Who may read it in ``org`` sharing: everyone (``shared``) or ``private:<tenant>``."""
        return f"private:{self.tenant}" if self.private else SHARED

    @property
    def last_used(self) -> float:
        return max(self.created_at, self.last_hit_at or 0.0)

    def payload(self) -> dict[str, Any]:
        return {**asdict(self), "audience": self.audience}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        """The entry a stored payload describes; what is not a field (``audience``, which every
        payload carries, and fields a newer version wrote) is ignored."""
        return cls(**{k: v for k, v in payload.items() if k in _ENTRY_FIELDS})


_ENTRY_FIELDS = frozenset(f.name for f in fields(Entry))


class Stored(Protocol):
    """What removing an entry needs: its id, and the image it shows (``Entry``, ``Footprint``)."""

    @property
    def id(self) -> str: ...

    @property
    def blob_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Footprint:
    """What the eviction sweep reads of an entry: who it is, the image it shows and its size,
    and what keeping it is worth. A fraction of an ``Entry`` (no prompts, no partition): the
    sweep reads every entry when the cache is over capacity."""

    id: str
    blob_id: str
    bytes: int
    generation_seconds: float
    hits: int
    created_at: float
    last_hit_at: float | None

    @property
    def last_used(self) -> float:
        return max(self.created_at, self.last_hit_at or 0.0)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(
            payload["id"],
            payload["blob_id"],
            int(payload.get("bytes") or 0),
            float(payload.get("generation_seconds") or 0.0),
            int(payload.get("hits") or 0),
            float(payload["created_at"]),
            payload.get("last_hit_at"),
        )


FOOTPRINT_FIELDS: Sequence[str] = tuple(f.name for f in fields(Footprint))
"""The payload fields a ``Footprint`` is read from (the index returns only these)."""

# Keyword-indexed payload fields, the ones a ``Where`` filters on: the exact key, the partition,
# the blob, and who may read an entry. (The partition's parts, model, size and the rest, were
# indexed before and never filtered on.)
KEYWORD_INDEXES: Sequence[str] = ("key", "partition", "blob_id", "tenant", "audience", "user")
# Float-indexed payload fields: for ranges (purge by age) and ordering (listings).
FLOAT_INDEXES: Sequence[str] = ("created_at", "hits", "expires_at")


Condition = Literal["is", "any", "before"]


@dataclass(frozen=True, slots=True)
class Where:
    """Which entries an index call may see or touch. Every field set narrows the selection;
    the tenancy fields (``tenant``, ``audiences``) are how isolation is enforced, inside the
    index query itself."""

    key: str | None = None
    partition: str | None = None
    blob_id: str | None = None
    tenant: str | None = None
    """Only entries this tenant stored."""
    audiences: tuple[str, ...] | None = None
    """Only entries whose ``audience`` is one of these."""
    user: str | None = None
    created_before: float | None = None
    expires_before: float | None = None
    """Only entries with their own expiry (``expires_at``) before this."""

    def narrow(self, **changes: Any) -> Where:
        return replace(self, **changes)

    def conditions(self) -> Iterator[tuple[Condition, str, Any]]:
        """The selection as ``(kind, field, value)``, every one to hold: ``"is"`` (the field
        equals the value), ``"any"`` (it equals one of the values), ``"before"`` (it is less
        than the value). Each index turns these into its own filter."""
        for name in ("key", "partition", "blob_id", "tenant", "user"):
            if (value := getattr(self, name)) is not None:
                yield "is", name, value
        if self.audiences is not None:
            yield "any", "audience", list(self.audiences)
        for name, before in (
            ("created_at", self.created_before),
            ("expires_at", self.expires_before),
        ):
            if before is not None:
                yield "before", name, before


EVERYTHING = Where()

LEGACY_OWNER = {"tenant": "default", "private": False, "audience": SHARED}
"""The owner of an entry stored before entries had one."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing: entries (with their vectors when asked for), and where the next
    page starts (None after the last)."""

    entries: list[Entry]
    vectors: list[Vector] | None
    next: str | None


def added_usage(payload: Mapping[str, Any] | None, hits: int, last_hit_at: float) -> dict[str, Any]:
    """The usage fields of a stored payload once ``hits`` more hits, the last at
    ``last_hit_at``, are added to it."""
    stored = payload or {}
    return {
        "hits": int(stored.get("hits") or 0) + hits,
        "last_hit_at": max(float(stored.get("last_hit_at") or 0.0), last_hit_at),
    }


class Candidate:
    """An entry found by meaning, with its cosine similarity to the query.

    Made from a stored payload (:meth:`of_payload`), the entry is built when first asked for: a
    lookup reads its candidates best first and usually stops at the first, and building all
    eight entries took an eighth of the proxy's busy time under semantic hits (py-spy)."""

    __slots__ = ("_entry", "_payload", "similarity")

    def __init__(self, entry: Entry, similarity: float) -> None:
        self._entry: Entry | None = entry
        self._payload: Mapping[str, Any] | None = None
        self.similarity = similarity

    @classmethod
    def of_payload(cls, payload: Mapping[str, Any], similarity: float) -> Candidate:
        candidate = cls.__new__(cls)
        candidate._entry, candidate._payload, candidate.similarity = None, payload, similarity
        return candidate

    @property
    def entry(self) -> Entry:
        if self._entry is None:
            assert self._payload is not None
            self._entry, self._payload = Entry.from_payload(self._payload), None
        return self._entry

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Candidate):
            return NotImplemented
        return (self.entry, self.similarity) == (other.entry, other.similarity)

    __hash__ = None  # type: ignore[assignment]  # compared by value, and not immutable

    def __repr__(self) -> str:
        return f"Candidate(entry={self.entry!r}, similarity={self.similarity!r})"


class IndexUnavailable(Exception):
    """The index failed; the proxy degrades to generating without the cache."""


class SemanticIndex(ABC):
    """Stores entries with their prompt vectors; finds them by exact key or by meaning within a
    partition. Implementations must be safe to call from one event loop concurrently."""

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Open or create the index (collections, payload indexes). Called once at start."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Flush and release the index."""

    async def maintain(self) -> bool:
        """Background upkeep (index optimisation), never called on the request path. True when
        something was done."""
        return False

    async def make_room(self) -> None:  # noqa: B027 - optional hook
        """Called by bulk writers (an import) between pages: wait while the index has more
        unindexed points than lookups should search by brute force. A Qdrant server indexes as
        points arrive, itself."""

    async def upkeep_wanted(self, seconds: float) -> None:
        """Wait until ``maintain`` may have work: ``seconds``, or sooner where the index can tell
        (the embedded index, once enough points were stored to make an optimisation due)."""
        await asyncio.sleep(seconds)

    @abstractmethod
    async def upgrade(self) -> int:
        """Bring entries stored before tenancy existed up to date: an entry without an owner
        becomes the ``default`` tenant's shared entry (as it was served before). Called by
        ``open``; returns how many entries changed."""

    async def erase(self) -> None:  # noqa: B027 - optional hook
        """Make deleted entries unrecoverable from the index's own files, where deleting only
        marks them (called after a purge). A Qdrant server vacuums deleted points itself."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @abstractmethod
    async def exact(self, key: str, limit: int, where: Where = EVERYTHING) -> list[Entry]:
        """Up to ``limit`` entries stored under ``key`` (and within ``where``), newest first (so
        a ``no-cache`` refresh is what later requests get). Looks at most at 256 entries."""

    @abstractmethod
    async def nearest(
        self, vector: Vector, limit: int, where: Where = EVERYTHING
    ) -> list[Candidate]:
        """The ``limit`` entries within ``where`` most similar to ``vector``, best first."""

    @abstractmethod
    async def scroll(
        self,
        where: Where = EVERYTHING,
        *,
        limit: int = 256,
        offset: str | None = None,
        order_by: str | None = None,
        with_vectors: bool = False,
    ) -> Page:
        """A page of the entries within ``where``: by id from ``offset``, or (``order_by``, a
        float-indexed field, descending) the first ``limit`` only."""

    @abstractmethod
    async def footprints(
        self, where: Where = EVERYTHING, *, limit: int = 1024, offset: str | None = None
    ) -> tuple[list[Footprint], str | None]:
        """A page of the footprints of the entries within ``where``, by id from ``offset``, and
        where the next page starts (None after the last). Reads only ``FOOTPRINT_FIELDS``."""

    async def upsert(self, entry: Entry, vector: Vector) -> None:
        """Store ``entry``; durable (it survives a crash of this process) once this returns."""
        await self.upsert_many([(entry, vector)])

    async def settled(self) -> None:
        """Return once every write acknowledged so far is seen by lookups and counts (at once,
        unless an implementation holds writes back for a while)."""
        return None

    @abstractmethod
    async def upsert_many(self, entries: Sequence[tuple[Entry, Vector]]) -> None:
        """Store several entries in one write (an import's page): each is stored as ``upsert``
        stores it, durable once this returns."""

    @abstractmethod
    async def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""

    @abstractmethod
    async def delete(self, entry_ids: Sequence[str]) -> None:
        """Remove entries; ids that do not exist are ignored."""

    @abstractmethod
    async def count(self, where: Where = EVERYTHING) -> int:
        """How many entries lie within ``where``."""

    @abstractmethod
    async def record_usage(self, usage: Mapping[str, tuple[int, float]]) -> None:
        """Add hits to entries: ``{id: (hits, time of the last)}``; missing ids are ignored.
        Read, then written: hits two replicas record at the same instant may count once."""
