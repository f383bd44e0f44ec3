"""The shared index: a Qdrant server (or cluster) through ``qdrant-client``.

Any number of stateless proxy replicas can share one collection. ``location=":memory:"`` runs
qdrant-client's local mode, which exercises this same code path in tests where no Qdrant server
can run; it is a test double for the server API, not an embedded engine (it slows down past a few
thousand points: use ``EdgeIndex`` for embedded storage).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from qdrant_client import AsyncQdrantClient, models

from proxy.embedding import EMBEDDING_DIM
from proxy.index.base import (
    EVERYTHING,
    FLOAT_INDEXES,
    FOOTPRINT_FIELDS,
    KEYWORD_INDEXES,
    LEGACY_OWNER,
    Candidate,
    Entry,
    Footprint,
    IndexUnavailable,
    Page,
    SemanticIndex,
    Vector,
    Where,
    added_usage,
)

__all__ = ["QdrantServerIndex"]

log = logging.getLogger(__name__)

_SCROLL_LIMIT = 256
_UPSERT_BATCH = 256
"""Points per write request: a page of an import in a few requests, each well under the
server's 32 MB body limit (a point is about 10 KB as JSON)."""


def _filter(where: Where) -> models.Filter | None:
    """``where`` as a Qdrant filter (None when it selects everything)."""
    must: list[models.Condition] = []
    for kind, name, value in where.conditions():
        if kind == "is":
            must.append(models.FieldCondition(key=name, match=models.MatchValue(value=value)))
        elif kind == "any":
            must.append(models.FieldCondition(key=name, match=models.MatchAny(any=value)))
        else:
            must.append(models.FieldCondition(key=name, range=models.Range(lt=value)))
    return models.Filter(must=must) if must else None


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
        """Connect, and create the collection and its payload indexes where missing. Safe to
        call again after a failure (the proxy does, while the server is down at start-up)."""
        await self.close()
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
                schemas = {name: models.PayloadSchemaType.KEYWORD for name in KEYWORD_INDEXES}
                schemas.update({name: models.PayloadSchemaType.FLOAT for name in FLOAT_INDEXES})
                for name, schema in schemas.items():
                    await self._client.create_payload_index(self.collection, name, schema)
        except Exception as error:
            raise IndexUnavailable(
                f"cannot open Qdrant collection {self.collection!r}: {error}"
            ) from error
        await self.upgrade()
        log.info("Qdrant collection %r at %s is open", self.collection, self.url)

    async def upgrade(self) -> int:
        legacy = models.Filter(
            must=[models.IsEmptyCondition(is_empty=models.PayloadField(key="audience"))]
        )
        try:
            count = (await self.client.count(self.collection, count_filter=legacy)).count
            if count:
                await self.client.set_payload(
                    self.collection, payload=LEGACY_OWNER, points=legacy, wait=True
                )
        except Exception as error:
            raise IndexUnavailable(f"cannot upgrade old entries: {error}") from error
        if count:
            log.info("%d entries from before tenancy are now the default tenant's, shared", count)
        return int(count)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def exact(self, key: str, limit: int, where: Where = EVERYTHING) -> list[Entry]:
        records, _ = await self._scroll(
            "exact lookup",
            scroll_filter=_filter(where.narrow(key=key)),
            limit=_SCROLL_LIMIT,
            with_payload=True,
        )
        entries = sorted(
            (_entry(r.payload) for r in records), key=lambda e: e.created_at, reverse=True
        )
        return entries[:limit]

    async def nearest(
        self, vector: Vector, limit: int, where: Where = EVERYTHING
    ) -> list[Candidate]:
        try:
            response = await self.client.query_points(
                self.collection,
                query=vector.tolist(),
                query_filter=_filter(where),
                limit=limit,
                with_payload=True,
            )
        except Exception as error:
            raise IndexUnavailable(f"nearest-neighbour lookup failed: {error}") from error
        return [Candidate(_entry(p.payload), float(p.score)) for p in response.points]

    async def scroll(
        self,
        where: Where = EVERYTHING,
        *,
        limit: int = 256,
        offset: str | None = None,
        order_by: str | None = None,
        with_vectors: bool = False,
    ) -> Page:
        records, following = await self._scroll(
            "scroll",
            scroll_filter=_filter(where),
            limit=limit,
            offset=None if order_by else offset,
            order_by=models.OrderBy(key=order_by, direction=models.Direction.DESC)
            if order_by
            else None,
            with_payload=True,
            with_vectors=with_vectors,
        )
        return Page(
            [_entry(r.payload) for r in records],
            [np.asarray(r.vector, dtype=np.float32) for r in records] if with_vectors else None,
            None if order_by or following is None else str(following),
        )

    async def footprints(
        self, where: Where = EVERYTHING, *, limit: int = 1024, offset: str | None = None
    ) -> tuple[list[Footprint], str | None]:
        records, following = await self._scroll(
            "scroll",
            scroll_filter=_filter(where),
            limit=limit,
            offset=offset,
            with_payload=list(FOOTPRINT_FIELDS),
            with_vectors=False,
        )
        return (
            [Footprint.from_payload(r.payload or {}) for r in records],
            None if following is None else str(following),
        )

    async def _scroll(self, what: str, **request: Any) -> tuple[list[Any], Any]:
        """One page of the collection's records and where the next starts; a failure is
        ``IndexUnavailable``."""
        try:
            records, following = await self.client.scroll(self.collection, **request)
        except Exception as error:
            raise IndexUnavailable(f"{what} failed: {error}") from error
        return records, following

    async def record_usage(self, usage: Mapping[str, tuple[int, float]]) -> None:
        try:
            records = await self.client.retrieve(self.collection, list(usage), with_payload=True)
            operations = [
                models.SetPayloadOperation(
                    set_payload=models.SetPayload(
                        payload=added_usage(r.payload, *usage[str(r.id)]), points=[r.id]
                    )
                )
                for r in records
            ]
            if operations:
                await self.client.batch_update_points(self.collection, operations, wait=True)
        except Exception as error:
            raise IndexUnavailable(f"usage update failed: {error}") from error

    async def upsert_many(self, entries: Sequence[tuple[Entry, Vector]]) -> None:
        points = [
            models.PointStruct(id=entry.id, vector=vector.tolist(), payload=entry.payload())
            for entry, vector in entries
        ]
        try:
            for start in range(0, len(points), _UPSERT_BATCH):
                batch = points[start : start + _UPSERT_BATCH]
                await self.client.upsert(self.collection, batch, wait=True)
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

    async def count(self, where: Where = EVERYTHING) -> int:
        try:
            result = await self.client.count(
                self.collection, count_filter=_filter(where), exact=True
            )
        except Exception as error:
            raise IndexUnavailable(f"count failed: {error}") from error
        return int(result.count)


def _entry(payload: dict[str, Any] | None) -> Entry:
    return Entry.from_payload(payload or {})
