"""The interface every index implements, and the entry it stores."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, Self

import numpy as np
import numpy.typing as npt

__all__ = ["PAYLOAD_INDEXES", "Candidate", "Entry", "IndexUnavailable", "SemanticIndex", "entry_id"]

Vector = npt.NDArray[np.float32]

_ENTRY_NAMESPACE = uuid.UUID("6f1c3e1e-5b7a-4c43-9d7e-2f0b8a4d9c11")


def entry_id(key: str, blob_id: str) -> str:
    """The id of the entry that stores ``blob_id`` under ``key``: deterministic, so storing the
    same image for the same request twice (a retry, a replay after a crash) is one entry."""
    return str(uuid.uuid5(_ENTRY_NAMESPACE, f"{key}/{blob_id}"))


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

    def payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        """The entry a stored payload describes; fields it does not know (written by a newer
        version) are ignored."""
        try:
            return cls(**payload)
        except TypeError:
            names = _ENTRY_FIELDS or {f.name for f in fields(cls)}
            return cls(**{k: v for k, v in payload.items() if k in names})


_ENTRY_FIELDS = frozenset(f.name for f in fields(Entry))

# Keyword-indexed payload fields: the exact key, the partition and each of its parts, the blob.
PAYLOAD_INDEXES: Sequence[str] = (
    "key",
    "partition",
    "model",
    "size",
    "quality",
    "style",
    "background",
    "moderation",
    "output_format",
    "blob_id",
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry found by meaning, with its cosine similarity to the query."""

    entry: Entry
    similarity: float


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

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @abstractmethod
    async def exact(self, key: str, limit: int) -> list[Entry]:
        """Up to ``limit`` entries stored under ``key``, newest first (so a ``no-cache``
        refresh is what later requests get). Looks at most at 256 entries of one key."""

    @abstractmethod
    async def nearest(self, vector: Vector, partition: str, limit: int) -> list[Candidate]:
        """The ``limit`` entries of ``partition`` most similar to ``vector``, best first."""

    @abstractmethod
    async def upsert(self, entry: Entry, vector: Vector) -> None:
        """Store ``entry``; durable (it survives a crash of this process) once this returns."""

    @abstractmethod
    async def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""

    @abstractmethod
    async def delete(self, entry_ids: Sequence[str]) -> None:
        """Remove entries; ids that do not exist are ignored."""

    @abstractmethod
    async def count(self, blob_id: str | None = None) -> int:
        """How many entries the index holds; with ``blob_id``, how many show that image."""
