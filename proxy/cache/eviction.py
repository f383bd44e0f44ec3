"""Eviction: expired entries, entries past capacity (least valuable first), orphaned images.

Runs in the background (``Evictor.sweep``, every ``--eviction-seconds``), never on the request
path. Each sweep:

1. writes the hits counted in memory back to the index (``hits``, ``last_hit_at``);
2. removes entries past their TTL (the server's ``--ttl``, or a request's ``cache.ttl``), found
   by range filters on the index;
3. when it holds more than ``--max-entries`` entries or ``--max-bytes`` bytes of images (or
   orphans are due), reads what it needs of every entry (id, image, bytes, cost, uses), a page
   at a time, yielding to requests between pages; and until it is 5% under the limit it was
   over, removes the entry of least value, where

       value = generation seconds x (1 + hits) x 0.5 ** (time since last use / half-life)

   the idea of NIRVANA's LCBFU policy (NSDI 2024): what was costly to make and is often reused is
   kept, and the value of both fades while nobody asks for it;
4. every ``--orphan-grace-seconds``, deletes images that no entry shows and that are older than
   that (an image is written before its entry, so a younger one may be a write in progress).

Reading every entry is the costly step (about 20 CPU-seconds at a million entries), so a sweep
does it only when a limit is passed. The entry count is the index's; the bytes of images are
those of the last full read plus what this process has stored since (an estimate that
over-counts an image stored twice, so it errs toward reading). Evicting 5% under the limit
leaves room for that many new entries before the next full read. Other proxies sharing the
cache store images this estimate does not see until the next full read, at the latest with the
next orphan check.

An entry used (stored or served) within ``--eviction-grace-seconds``, or served while the sweep
runs, is never removed, expired or not: no entry goes while a response that names it is still
being written or its URL fetched. (Expired entries are never served, grace or not.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass

from proxy.cache.service import ImageCache
from proxy.index.base import EVERYTHING, Entry, Footprint, Where
from proxy.store import StoreError

__all__ = ["Evictor", "Sweep", "value"]

log = logging.getLogger(__name__)

_PAGE = 1024
_FORGET_BATCH = 256
_HEADROOM = 0.05
"""An eviction goes this share under the limit it was over, so that the next sweeps need not
read every entry again until that many new entries have come."""


def value(entry: Footprint | Entry, now: float, half_life: float) -> float:
    """What keeping ``entry`` is worth: its cost times its uses, decaying while unused."""
    idle = max(0.0, now - entry.last_used)
    decay: float = 0.5 ** (idle / half_life)
    return max(entry.generation_seconds, 1e-3) * (1 + entry.hits) * decay


@dataclass(frozen=True, slots=True)
class Sweep:
    """What one sweep did."""

    entries: int
    """Entries read: the expired ones, and all of them when capacity or orphans were checked."""
    expired: int
    evicted: int
    protected: int
    """Entries over capacity kept because they were used within the grace period."""
    orphans: int
    """Orphaned images collected."""


class Evictor:
    """Keeps the cache within its TTL and capacity, and its store free of orphaned images."""

    def __init__(
        self,
        cache: ImageCache,
        *,
        max_entries: int = 0,
        max_bytes: int = 0,
        half_life: float = 86_400.0,
        grace: float = 300.0,
        orphan_grace: float = 3_600.0,
    ) -> None:
        self.cache = cache
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.half_life = half_life
        self.grace = grace
        self.orphan_grace = orphan_grace
        self._orphans_checked = 0.0
        self._bytes_read: tuple[int, int] | None = None
        """The bytes of images at the last full read, and the cache's ``stored_bytes`` then."""

    async def sweep(self, now: float | None = None) -> Sweep:
        """One pass; ``now`` (Unix time) for tests. Raises ``IndexUnavailable`` or
        ``StoreError`` when a dependency fails; the next pass starts over."""
        now = time.time() if now is None else now
        await self.cache.storage.write_usage()
        expired = await self._expired(now)
        for start in range(0, len(expired), _FORGET_BATCH):
            await self.cache.forget(expired[start : start + _FORGET_BATCH])
        self.cache.metrics.evictions.labels("expired").inc(len(expired))
        evicted: list[Footprint] = []
        protected = 0
        orphans_due = now - self._orphans_checked >= self.orphan_grace
        entries: list[Footprint] | None = None
        if orphans_due or self._over(await self.cache.index.count(), self._bytes_estimate()):
            stored = self.cache.storage.stored_bytes
            entries = await self._footprints()
            evicted, protected, size = self._over_capacity(entries, now)
            for start in range(0, len(evicted), _FORGET_BATCH):
                await self.cache.forget(evicted[start : start + _FORGET_BATCH])
            self._bytes_read = (size, stored)  # only once they are gone: else read again
            self.cache.metrics.evictions.labels("capacity").inc(len(evicted))
        orphans = 0
        if orphans_due and entries is not None:
            gone = {entry.id for entry in evicted}
            orphans = await self.collect_orphans(
                {entry.blob_id for entry in entries if entry.id not in gone}, now
            )
            self._orphans_checked = now
        total = len(expired) + (len(entries) if entries is not None else 0)
        if expired or evicted or orphans or protected:
            log.info(
                "eviction: %d expired, %d evicted for capacity, %d over capacity but used in "
                "the last %.0f s, %d orphaned images collected",
                len(expired),
                len(evicted),
                protected,
                self.grace,
                orphans,
            )
        return Sweep(total, len(expired), len(evicted), protected, orphans)

    async def _expired(self, now: float) -> list[Footprint]:
        """Entries past their own TTL or the server's, found by range filters on the index."""
        wheres = [Where(expires_before=now)]
        if self.cache.ttl:
            wheres.append(Where(created_before=now - self.cache.ttl))
        found: dict[str, Footprint] = {}
        for where in wheres:
            found.update((entry.id, entry) for entry in await self._footprints(where))
        return [entry for entry in found.values() if not self._in_use(entry, now)]

    def _in_use(self, entry: Footprint, now: float) -> bool:
        """Stored or served within the grace period, or served since usage was written back
        (while this sweep read the index): a response may still name it."""
        return now - entry.last_used < self.grace or entry.id in self.cache.storage.usage

    async def _footprints(self, where: Where = EVERYTHING) -> list[Footprint]:
        """What the sweep needs of every entry within ``where`` (not the entries themselves:
        at a million entries their prompts alone would be gigabytes)."""
        footprints: list[Footprint] = []
        offset = None
        while True:
            page, offset = await self.cache.index.footprints(where, limit=_PAGE, offset=offset)
            footprints += page
            if offset is None:
                return footprints
            await asyncio.sleep(0)  # let requests in between pages

    def _bytes_estimate(self) -> int:
        """The bytes of images held now, as far as this process knows without reading every
        entry; over any limit when nothing was read yet."""
        if not self.max_bytes:
            return 0
        if self._bytes_read is None:
            return self.max_bytes + 1
        size, stored = self._bytes_read
        return size + self.cache.storage.stored_bytes - stored

    def _over_capacity(self, live: list[Footprint], now: float) -> tuple[list[Footprint], int, int]:
        """The entries to evict for capacity, least valuable first; how many more should have
        gone but were used within the grace period; and the bytes of images left."""
        count = len(live)
        references = Counter(entry.blob_id for entry in live)
        size = sum({entry.blob_id: entry.bytes for entry in live}.values())
        if not self._over(count, size):
            return [], 0, size
        # Down to 5% under the limit that was passed (not the other one too).
        headroom = (
            _HEADROOM if self._over(count, 0) else 0.0,
            _HEADROOM if self._over(0, size) else 0.0,
        )
        evicted: list[Footprint] = []
        protected = 0
        for entry in sorted(live, key=lambda e: value(e, now, self.half_life)):
            if not self._over(count, size, *headroom):
                break
            if self._in_use(entry, now):
                protected += 1
                continue
            evicted.append(entry)
            count -= 1
            references[entry.blob_id] -= 1
            if references[entry.blob_id] == 0:
                size -= entry.bytes
        return evicted, protected, size

    def _over(self, count: int, size: int, entries: float = 0.0, images: float = 0.0) -> bool:
        """Over a limit, or within a share of it (``entries`` of ``--max-entries``, ``images``
        of ``--max-bytes``)."""
        return bool(
            (self.max_entries and count > self.max_entries - int(self.max_entries * entries))
            or (self.max_bytes and size > self.max_bytes - int(self.max_bytes * images))
        )

    async def collect_orphans(self, referenced: set[str], now: float) -> int:
        """Delete images no entry shows that are older than the orphan grace period."""
        collected = 0
        for blob_id, _, modified in await self.cache.store.listing():
            if blob_id in referenced or now - modified < self.orphan_grace:
                continue
            async with self.cache.storage.blob_locks.hold(blob_id):
                await self.cache.index.settled()  # an entry stored for it just now counts too
                if await self.cache.index.count(Where(blob_id=blob_id)) == 0:
                    try:
                        await self.cache.store.delete(blob_id)
                    except StoreError as error:
                        log.warning("cannot delete orphaned image %s: %s", blob_id, error)
                        continue
                    collected += 1
        stages = await self.cache.store.remove_stages(before=now - self.orphan_grace)
        if stages:
            log.info("removed %d staging files a crash left behind", stages)
        self.cache.metrics.evictions.labels("orphan_image").inc(collected)
        return collected
