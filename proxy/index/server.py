"""The shared index: a Qdrant server (or cluster) through ``qdrant-client``.

Any number of stateless proxy replicas can share one collection. ``location=":memory:"`` runs
qdrant-client's local mode, which exercises this same code path in tests where no Qdrant server
can run; it is a test double for the server API, not an embedded engine (it slows down past a few
thousand points: use ``EdgeIndex`` for embedded storage).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

from qdrant_client import AsyncQdrantClient, models

from proxy.embedding import EMBEDDING_DIM
from proxy.index.base import (
    PAYLOAD_INDEXES,
    Candidate,
    Entry,
    IndexUnavailable,
    SemanticIndex,
    Vector,
)

__all__ = ["QdrantServerIndex"]

log = logging.getLogger(__name__)

_SCROLL_LIMIT = 256


def _match(field: str, value: str) -> models.FieldCondition:
    return models.FieldCondition(key=field, match=models.MatchValue(value=value))


class QdrantServerIndex(SemanticIndex):
    """A collection on a Qdrant server at ``url`` (or ``:memory:`` for qdrant-client's local
    mode)."""

    def __init__(
        self,
        url: str,
        *,
        collection: str = "memoaized",
        api_key: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.collection = collection
        self._api_key = api_key
        self._timeout = timeout
        self._client: AsyncQdrantClient | None = None

    @property
    def client(self) -> AsyncQdrantClient:
        if self._client is None:
            raise IndexUnavailable("the index is not open")
        return self._client

    async def open(self) -> None:
        if self.url == ":memory:":
            self._client = AsyncQdrantClient(location=":memory:")
        else:
            self._client = AsyncQdrantClient(
                url=self.url, api_key=self._api_key, timeout=int(self._timeout)
            )
        try:
            if not await self._client.collection_exists(self.collection):
                await self._client.create_collection(
                    self.collection,
                    vectors_config=models.VectorParams(
                        size=EMBEDDING_DIM, distance=models.Distance.COSINE
                    ),
                )
            with warnings.catch_warnings():
                # Local mode warns that payload indexes do nothing there; a server uses them.
                warnings.simplefilter("ignore", UserWarning)
                for name in PAYLOAD_INDEXES:
                    await self._client.create_payload_index(
                        self.collection, name, models.PayloadSchemaType.KEYWORD
                    )
        except Exception as error:
            raise IndexUnavailable(
                f"cannot open Qdrant collection {self.collection!r}: {error}"
            ) from error
        log.info("Qdrant collection %r at %s is open", self.collection, self.url)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def exact(self, key: str, limit: int) -> list[Entry]:
        try:
            records, _ = await self.client.scroll(
                self.collection,
                scroll_filter=models.Filter(must=[_match("key", key)]),
                limit=_SCROLL_LIMIT,
                with_payload=True,
            )
        except Exception as error:
            raise IndexUnavailable(f"exact lookup failed: {error}") from error
        entries = sorted(
            (_entry(r.payload) for r in records), key=lambda e: e.created_at, reverse=True
        )
        return entries[:limit]

    async def nearest(self, vector: Vector, partition: str, limit: int) -> list[Candidate]:
        try:
            response = await self.client.query_points(
                self.collection,
                query=vector.tolist(),
                query_filter=models.Filter(must=[_match("partition", partition)]),
                limit=limit,
                with_payload=True,
            )
        except Exception as error:
            raise IndexUnavailable(f"nearest-neighbour lookup failed: {error}") from error
        return [Candidate(_entry(p.payload), float(p.score)) for p in response.points]

    async def upsert(self, entry: Entry, vector: Vector) -> None:
        point = models.PointStruct(id=entry.id, vector=vector.tolist(), payload=entry.payload())
        try:
            await self.client.upsert(self.collection, [point], wait=True)
        except Exception as error:
            raise IndexUnavailable(f"index write failed: {error}") from error

    async def get(self, entry_id: str) -> Entry | None:
        try:
            records = await self.client.retrieve(self.collection, [entry_id], with_payload=True)
        except Exception as error:
            raise IndexUnavailable(f"retrieve failed: {error}") from error
        return _entry(records[0].payload) if records else None

    async def delete(self, entry_ids: Sequence[str]) -> None:
        if not entry_ids:
            return
        try:
            await self.client.delete(
                self.collection, models.PointIdsList(points=list(entry_ids)), wait=True
            )
        except Exception as error:
            raise IndexUnavailable(f"index delete failed: {error}") from error

    async def count(self, blob_id: str | None = None) -> int:
        condition = models.Filter(must=[_match("blob_id", blob_id)]) if blob_id else None
        try:
            result = await self.client.count(self.collection, count_filter=condition, exact=True)
        except Exception as error:
            raise IndexUnavailable(f"count failed: {error}") from error
        return int(result.count)


def _entry(payload: dict[str, Any] | None) -> Entry:
    return Entry.from_payload(payload or {})
