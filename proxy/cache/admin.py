"""What operators do to the cache: search, get, add, delete, purge, export and import.

Every operation that reads entries takes a ``Viewer`` and reads through its filter, so a
tenant's search or lookup by id can never return what the tenant may not see; administrators
see everything. Removals go through ``ImageCache.forget`` (points first, then images no entry
shows any more), and additions through ``ImageCache.keep`` (image first, then point).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from backends.base import GenerationRequest
from proxy.cache.entries import Owner, new_entry
from proxy.cache.service import ImageCache
from proxy.cache.tenancy import Viewer
from proxy.index.base import EVERYTHING, Entry, Vector, Where
from proxy.matching.canonical import Partition, canonical_prompt
from proxy.matching.decision import Query
from proxy.store import BlobNotFound, BlobStore

__all__ = ["CacheAdmin", "Exported", "Found", "Order"]

Order = Literal["recent", "hits"]
_ORDER_FIELD = {"recent": "created_at", "hits": "hits"}
_PURGE_PAGE = 256


@dataclass(frozen=True, slots=True)
class Found:
    """An entry a search returned; ``similarity`` to the search text, when there was one."""

    entry: Entry
    similarity: float | None = None


@dataclass(frozen=True, slots=True)
class Exported:
    """One entry as it travels in an archive: its payload, vector and image."""

    entry: Entry
    vector: Vector
    image: bytes


class CacheAdmin:
    """Operations on the entries of ``cache``, for the ``/v1/cache`` routes."""

    def __init__(self, cache: ImageCache, embedding_model: str) -> None:
        self.cache = cache
        self.embedding_model = embedding_model
        """Vectors in an archive are reused only when they come from this same model."""

    async def search(
        self,
        viewer: Viewer,
        text: str | None = None,
        *,
        where: Where = EVERYTHING,
        order: Order = "recent",
        limit: int = 20,
    ) -> list[Found]:
        """Entries ``viewer`` may see within ``where``: the nearest to ``text`` in meaning, or
        without text the most recent or most reused. Expired entries are left out."""
        await self.cache.storage.written()  # misses answered just now are listed too
        within = viewer.where(where)
        now = time.time()
        if text:
            vector = await self.cache.embed(canonical_prompt(text))
            candidates = await self.cache.index.nearest(vector, limit, within)
            found = [Found(c.entry, c.similarity) for c in candidates]
        else:
            # "most reused" includes hits not yet written back
            await self.cache.storage.write_usage()
            page = await self.cache.index.scroll(within, limit=limit, order_by=_ORDER_FIELD[order])
            found = [Found(entry) for entry in page.entries]
        return [f for f in found if not self.cache.expired(f.entry, now)]

    async def get(self, viewer: Viewer, entry_id: str) -> Entry | None:
        """The entry with this id, if ``viewer`` may see it and it has not expired."""
        await self.cache.storage.written()  # an answer's X-Cache-Entry names one being stored
        entry = await self.cache.index.get(entry_id)
        if entry is None or not viewer.sees(entry) or self.cache.expired(entry, time.time()):
            return None
        return entry

    async def add(
        self,
        request: GenerationRequest,
        image: bytes,
        media_type: str,
        owner: Owner,
        *,
        generation_seconds: float = 0.0,
        energy_wh: float = 0.0,
    ) -> Entry:
        """Store ``image`` as if the backend had generated it for ``request`` (seeding the cache
        from an existing library). ``generation_seconds`` and ``energy_wh`` are what making it
        cost, for the savings its hits will report."""
        query = Query.of(request.prompt, Partition.of(request))
        entry = new_entry(
            query,
            blob_id=BlobStore.id_for(image, media_type),
            media_type=media_type,
            size=len(image),
            generation_seconds=generation_seconds,
            energy_wh=energy_wh,
            energy_source="estimated",
            backend="import",
            owner=owner,
        )
        await self.cache.storage.keep(entry, image, await self.cache.embed(query.canonical))
        return entry

    async def delete(self, entry_id: str) -> bool:
        """Remove one entry (and its image, if no other entry shows it)."""
        await self.cache.storage.written()
        entry = await self.cache.index.get(entry_id)
        if entry is None:
            return False
        await self.cache.forget([entry])
        self.cache.metrics.evictions.labels("deleted").inc()
        return True

    async def purge(self, where: Where) -> tuple[int, int]:
        """Remove every entry within ``where`` and the images no other entry shows: (entries,
        images) removed. Points go a page at a time, so a purge of any size runs in bounded
        memory; a crash part way leaves the rest for a second purge. Then the index erases
        what deleting only marked (``SemanticIndex.erase``): a purge is an erasure."""
        await self.cache.storage.written()  # an erasure takes what was being stored too
        entries = images = 0
        while True:
            page = await self.cache.index.scroll(where, limit=_PURGE_PAGE)
            if not page.entries:
                break
            images += await self.cache.forget(page.entries)
            entries += len(page.entries)
            await asyncio.sleep(0)
        if entries:
            await self.cache.index.erase()
        self.cache.metrics.evictions.labels("purged").inc(entries)
        return entries, images

    async def export(self, offset: str | None, limit: int) -> tuple[list[Exported], str | None]:
        """One page of the whole cache with vectors and images, and where the next begins.
        Entries whose image is missing are skipped (they could not serve a hit either)."""
        await self.cache.storage.written()
        page = await self.cache.index.scroll(limit=limit, offset=offset, with_vectors=True)
        assert page.vectors is not None
        exported = []
        for entry, vector in zip(page.entries, page.vectors, strict=True):
            try:
                image = await self.cache.store.get(entry.blob_id)
            except BlobNotFound:
                continue
            exported.append(Exported(entry, vector, image))
        return exported, page.next

    async def load(self, items: Sequence[Exported], embedding_model: str) -> int:
        """Store exported entries as they were (ids, owners, usage), each image checked against
        its id. Vectors made by another embedding model are recomputed."""
        reuse = embedding_model == self.embedding_model
        for item in items:
            if BlobStore.id_for(item.image, item.entry.media_type) != item.entry.blob_id:
                raise ValueError(f"entry {item.entry.id}: the image does not match its blob id")
        if reuse:
            vectors = [item.vector for item in items]
        else:  # embedded together, in shared model calls
            vectors = await asyncio.gather(*(self.cache.embed(i.entry.canonical) for i in items))
        await self.cache.index.make_room()  # an import never outruns the index's upkeep
        await self.cache.storage.keep_many(
            [
                (dataclasses.replace(item.entry, bytes=len(item.image)), item.image, vector)
                for item, vector in zip(items, vectors, strict=True)
            ]
        )
        return len(items)
