"""What the cache keeps: entries with their images, written and removed in an order a crash
cannot break.

An image is written before its index point, so no point is ever without its image; an image is
removed only once no entry shows it, after the points. Writes may run after their answers (a
``b64_json`` answer carries its images), and hits are counted in memory and written back later.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

import numpy as np
import numpy.typing as npt

from proxy.cache.entries import Cost, Owner, new_entry
from proxy.cache.results import ServedImage
from proxy.cache.usage import KeyedLocks, Usage
from proxy.cache.writes import WritesAfterAnswers
from proxy.index.base import Entry, IndexUnavailable, SemanticIndex, Stored, Where
from proxy.matching.decision import Query
from proxy.metrics import Metrics
from proxy.store import BlobStore, StoreError
from proxy.volume import DataVolume

__all__ = ["CacheStorage", "Vector"]

log = logging.getLogger(__name__)

_WRITE_WAITS = 30.0
"""Seconds an operator's route, or shutdown, waits at most for images still being stored."""

_PUTS_AT_ONCE = 16
"""Images an import's page writes at the same time: a local store's fsyncs overlap, and an
object store's requests."""

Vector = npt.NDArray[np.float32]


class CacheStorage:
    """The index and the blob store kept consistent with each other, with the writes still
    running after their answers, the hits not yet written back, and the data volume's floor."""

    def __init__(
        self,
        index: SemanticIndex,
        store: BlobStore,
        metrics: Metrics,
        volume: DataVolume | None = None,
    ) -> None:
        self.index = index
        self.store = store
        self.metrics = metrics
        self.volume = volume or DataVolume([], 0)
        """Free space on the data volume: below its floor nothing is written."""
        metrics.volume_free_bytes.set_function(self.volume.free)
        metrics.volume_low.set_function(lambda: int(self.volume.low))
        metrics.writes_after_answers.set_function(lambda: len(self.writing))
        self.usage = Usage()
        """Hits counted in memory, written back by :meth:`write_usage`."""
        self.stored_bytes = 0
        """Bytes of images this process has stored since it started (eviction's estimate)."""
        self.writing = WritesAfterAnswers(metrics.cache_errors.labels("unknown", "write").inc)
        """Images being stored after their answers (:meth:`written`)."""
        self.blob_locks = KeyedLocks()
        """Storing an image and forgetting the last entry that shows it exclude each other."""
        self.lookup_waits = 0.25
        """Seconds a lookup waits at most for the images answered before it to be stored (a
        local write takes a few milliseconds, an object store's tens)."""

    async def keep(self, entry: Entry, data: bytes, vector: Vector) -> None:
        """Store ``entry`` with its image ``data``: the image first, then the index point.
        Raises ``StoreError`` (``VolumeLow`` under the data volume's floor) or
        ``IndexUnavailable``."""
        await self.keep_many([(entry, data, vector)])

    async def keep_many(self, items: Sequence[tuple[Entry, bytes, Vector]]) -> None:
        """``keep`` for several entries (an import's page): every image first, written
        ``_PUTS_AT_ONCE`` at a time, then every index point in one write."""
        self.volume.check("storing an entry" if len(items) == 1 else "storing entries")
        async with self.blob_locks.hold_all(entry.blob_id for entry, _, _ in items):
            started = time.perf_counter()
            slots = asyncio.Semaphore(_PUTS_AT_ONCE)

            async def put(entry: Entry, data: bytes) -> None:
                async with slots:
                    await self.store.put(data, entry.media_type)
                self.stored_bytes += len(data)

            puts = [asyncio.ensure_future(put(entry, data)) for entry, data, _ in items]
            try:
                await asyncio.gather(*puts)
            except BaseException:  # the first failure stops the rest: no point is written
                for task in puts:
                    task.cancel()
                await asyncio.gather(*puts, return_exceptions=True)
                raise
            self.metrics.stage_done("store_put", started)
            started = time.perf_counter()
            await self.index.upsert_many([(entry, vector) for entry, _, vector in items])
            self.metrics.stage_done("index_upsert", started)

    async def keep_generated(
        self,
        entry: Entry,
        data: bytes,
        vector: list[Vector],
        embed: Callable[[], Awaitable[Vector]],
    ) -> bool:
        """:meth:`keep` a generated image, embedding its prompt first when ``vector`` is still
        empty; whether both were written. A failure skips caching this image (logged and
        counted); the client still gets it."""
        try:
            if not vector:
                vector.append(await embed())
            await self.keep(entry, data, vector[0])
        except StoreError as error:
            log.warning("cannot store a generated image, serving it uncached: %s", error)
            self.metrics.cache_errors.labels("store", "write").inc()
            return False
        except IndexUnavailable as error:
            # The stored image is an orphan (collected later): no URL may name it, since the
            # file route serves an image only while a visible entry shows it.
            log.warning("cannot index a generated image, serving it uncached: %s", error)
            self.metrics.cache_errors.labels("index", "write").inc()
            return False
        return True

    def new_entry(
        self,
        query: Query,
        data: bytes,
        media_type: str,
        *,
        revised_prompt: str | None,
        cost: Cost,
        owner: Owner,
        backend: str,
    ) -> Entry | None:
        """The entry a generated image is stored as; None while the data volume is under its
        floor (said once in the log, and counted, not logged per request)."""
        if self.volume.low:
            self.metrics.cache_errors.labels("volume", "write").inc()
            return None
        return new_entry(
            query,
            blob_id=BlobStore.id_for(data, media_type),
            media_type=media_type,
            size=len(data),
            generation_seconds=cost.whole_seconds,
            energy_wh=cost.whole_energy_wh,
            energy_source=cost.energy_source,
            backend=backend,
            owner=owner,
            revised_prompt=revised_prompt,
        )

    async def remove(self, entries: Sequence[Stored]) -> int:
        """Remove entries, and each image no remaining entry shows; returns how many images
        went. Index points go first and images after: a crash in between leaves an orphaned
        image (collected later), never a point without its image."""
        await self.index.delete([entry.id for entry in entries])
        removed = 0
        for blob_id in sorted({entry.blob_id for entry in entries}):
            async with self.blob_locks.hold(blob_id):
                await self.index.settled()  # an entry stored for it just now counts too
                if await self.index.count(Where(blob_id=blob_id)) == 0:
                    await self.store.delete(blob_id)
                    removed += 1
        return removed

    async def written(self, key: str | None = None, *, at_most: float = _WRITE_WAITS) -> int:
        """Wait, ``at_most`` seconds, for the images being stored after their answers: of one
        cache key, partition key or entry id, or all of them (None). Returns how many are still
        being written.

        A ``b64_json`` answer carries its images, so they are written after it leaves, a few
        milliseconds off every miss. A lookup finds what this process answered before it
        arrived: the exact lookup waits for its key's writes, the semantic one (after the
        embedding, by when they are done as a rule) for those its partition had then, both
        within :attr:`lookup_waits` (a stalled store must not stall hits). Operators' routes and
        shutdown wait here. A crash in between loses those entries, never an answer, and never
        leaves a point without its image."""
        return await self.writing.wait(key, at_most)

    async def named(self, images: tuple[ServedImage, ...]) -> tuple[ServedImage, ...]:
        """``images`` with the blob ids a URL may name: those written after their answer get
        theirs once their entry is stored (else they travel in the URL itself)."""
        named = []
        for image in images:
            if image.blob_id is None and image.entry is not None:
                await self.written(image.entry.id, at_most=self.lookup_waits)
                with contextlib.suppress(IndexUnavailable):
                    if await self.index.get(image.entry.id) is not None:
                        image = dataclasses.replace(image, blob_id=image.entry.blob_id)
            named.append(image)
        return tuple(named)

    async def write_usage(self) -> None:
        """Write the hits counted in memory to the index; kept for the next try on failure,
        and while the data volume is under its floor."""
        if self.volume.low:
            return
        usage = self.usage.take()
        if not usage:
            return
        try:
            await self.index.record_usage(usage)
        except IndexUnavailable:
            self.usage.restore(usage)
            raise

    async def get_blob(self, blob_id: str) -> bytes:
        """A cached image's bytes. Raises ``StoreError`` (``BlobNotFound`` when it is gone)."""
        started = time.perf_counter()
        # A local read of a cached image (tens of microseconds) is cheaper than a thread hop.
        data = (
            self.store.get_sync(blob_id) if self.store.is_local else await self.store.get(blob_id)
        )
        self.metrics.stage_done("store_get", started)
        return data
