"""The embedded index: Qdrant Edge running inside the proxy process, persisted on disk.

Qdrant Edge answers queries in about a millisecond once its HNSW index is built, but building it
(``optimize()``) holds the GIL for as long as it runs: a minute at 100k points, during which no
request could be served. So optimisation never runs in this process while it serves: a copy of
the shard is optimised by a child process and swapped in, and the writes made meanwhile are
replayed onto it (see ``EdgeIndex.maintain``).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import qdrant_edge as qe

from proxy.embedding import EMBEDDING_DIM
from proxy.index.base import (
    EVERYTHING,
    FLOAT_INDEXES,
    KEYWORD_INDEXES,
    LEGACY_OWNER,
    Candidate,
    Entry,
    IndexUnavailable,
    Page,
    SemanticIndex,
    Vector,
    Where,
    added_usage,
)

__all__ = ["EdgeIndex"]

log = logging.getLogger(__name__)

_SCROLL_LIMIT = 256
_OPTIMIZING = ".optimizing-"


def _filter(where: Where) -> qe.Filter | None:
    """``where`` as an Edge filter (None when it selects everything)."""
    must: list[Any] = [
        qe.FieldCondition(key=name, match=qe.MatchValue(value))
        for name in ("key", "partition", "blob_id", "tenant", "user")
        if (value := getattr(where, name)) is not None
    ]
    if where.audiences is not None:
        must.append(qe.FieldCondition(key="audience", match=qe.MatchAny(list(where.audiences))))
    for name, before in (
        ("created_at", where.created_before),
        ("expires_at", where.expires_before),
    ):
        if before is not None:
            must.append(qe.FieldCondition(key=name, range=qe.RangeFloat(lt=before)))
    return qe.Filter(must=must) if must else None


class EdgeIndex(SemanticIndex):
    """Qdrant Edge in ``path``. One process per directory: Edge locks it.

    Every call runs synchronously on the event loop thread: queries and single upserts take well
    under a millisecond, less than a hop to a worker thread would cost, and keeping all access on
    one thread makes the optimise-and-swap in ``maintain`` safe without locks around reads.
    """

    def __init__(
        self, path: Path, *, optimize_after: int = 10_000, indexing_threshold_kb: int | None = None
    ) -> None:
        self.path = path
        self.optimize_after = optimize_after
        """Optimise once this many points are not yet in the HNSW index. Below Edge's indexing
        threshold (about 6,500 vectors of this size) segments stay unindexed anyway, and a
        brute-force search of 10,000 vectors takes under a millisecond."""
        self.indexing_threshold_kb = indexing_threshold_kb
        """Segment size above which Edge builds HNSW (Edge's default when None); for tests."""
        self._shard: Any = None
        self._write_lock = asyncio.Lock()
        self._maintain_lock = asyncio.Lock()
        """One optimise-and-swap at a time: a second would swap in a copy that misses the
        first's replayed writes (and deletes: a purge would come back)."""
        self._replay: list[qe.UpdateOperation] | None = None

    @property
    def shard(self) -> Any:
        if self._shard is None:
            raise IndexUnavailable("the index is not open")
        return self._shard

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._recover()
        try:
            if (self.path / "edge_config.json").exists() or (self.path / "wal").exists():
                self._shard = qe.EdgeShard.load(str(self.path))
            else:
                config = qe.EdgeConfig(
                    vectors=qe.EdgeVectorParams(size=EMBEDDING_DIM, distance=qe.Distance.Cosine),
                    optimizers=qe.EdgeOptimizersConfig(
                        indexing_threshold=self.indexing_threshold_kb
                    ),
                )
                self._shard = qe.EdgeShard.create(str(self.path), config)
        except Exception as error:
            raise IndexUnavailable(
                f"cannot open the Qdrant Edge index in {self.path}: {error}"
            ) from error
        existing = set(self._shard.info().payload_schema)
        schemas = {name: qe.PayloadSchemaType.Keyword for name in KEYWORD_INDEXES}
        schemas.update({name: qe.PayloadSchemaType.Float for name in FLOAT_INDEXES})
        for name, schema in schemas.items():
            if name not in existing:
                self._shard.update(qe.UpdateOperation.create_field_index(name, schema))
        await self.upgrade()
        info = self._shard.info()
        log.info(
            "Qdrant Edge index at %s: %d points, %d indexed",
            self.path,
            info.points_count,
            info.indexed_vectors_count,
        )

    def _recover(self) -> None:
        """Finish or undo an optimise-and-swap that a crash interrupted. The live shard is
        renamed away only after the optimised copy is complete, so when it is missing the
        retired one is restored; otherwise both leftovers are stale."""
        retired = self.path.with_name(self.path.name + ".retired")
        if not self.path.exists() and retired.exists():
            retired.rename(self.path)
        shutil.rmtree(retired, ignore_errors=True)
        for leftover in self.path.parent.glob(self.path.name + _OPTIMIZING + "*"):
            shutil.rmtree(leftover, ignore_errors=True)

    async def close(self) -> None:
        if self._shard is not None:
            async with self._write_lock:
                self._shard.flush()
                self._shard.close()
                self._shard = None

    async def exact(self, key: str, limit: int, where: Where = EVERYTHING) -> list[Entry]:
        request = qe.ScrollRequest(
            limit=_SCROLL_LIMIT, filter=_filter(where.narrow(key=key)), with_payload=True
        )
        try:
            records, _ = self.shard.scroll(request)
        except Exception as error:
            raise IndexUnavailable(f"exact lookup failed: {error}") from error
        entries = sorted((Entry.from_payload(r.payload) for r in records), key=_age, reverse=True)
        return entries[:limit]

    async def nearest(
        self, vector: Vector, limit: int, where: Where = EVERYTHING
    ) -> list[Candidate]:
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(vector.tolist()),
            filter=_filter(where),
            with_payload=True,
            with_vector=False,
        )
        try:
            points = self.shard.query(request)
        except Exception as error:
            raise IndexUnavailable(f"nearest-neighbour lookup failed: {error}") from error
        return [Candidate(Entry.from_payload(p.payload), float(p.score)) for p in points]

    async def scroll(
        self,
        where: Where = EVERYTHING,
        *,
        limit: int = 256,
        offset: str | None = None,
        order_by: str | None = None,
        with_vectors: bool = False,
    ) -> Page:
        request = qe.ScrollRequest(
            offset=offset,
            limit=limit,
            filter=_filter(where),
            with_payload=True,
            with_vector=with_vectors,
            order_by=qe.OrderBy(order_by, qe.Direction.Desc) if order_by else None,
        )
        try:
            records, following = self.shard.scroll(request)
        except Exception as error:
            raise IndexUnavailable(f"scroll failed: {error}") from error
        return Page(
            [Entry.from_payload(r.payload) for r in records],
            [_vector(r.vector) for r in records] if with_vectors else None,
            None if order_by or following is None else str(following),
        )

    async def upsert(self, entry: Entry, vector: Vector) -> None:
        point = qe.Point(entry.id, vector.tolist(), entry.payload())
        await self._apply(qe.UpdateOperation.upsert_points([point]))

    async def record_usage(self, usage: Mapping[str, tuple[int, float]]) -> None:
        try:
            records = self.shard.retrieve(list(usage), True, False)
        except Exception as error:
            raise IndexUnavailable(f"retrieve failed: {error}") from error
        for record in records:  # only points that exist: Edge refuses a payload for a missing one
            payload = added_usage(record.payload, *usage[str(record.id)])
            await self._apply(qe.UpdateOperation.set_payload([record.id], payload))

    async def delete(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            await self._apply(qe.UpdateOperation.delete_points(list(entry_ids)))

    async def _apply(self, operation: qe.UpdateOperation) -> None:
        async with self._write_lock:
            try:
                self.shard.update(operation)
            except Exception as error:
                raise IndexUnavailable(f"index write failed: {error}") from error
            if self._replay is not None:
                self._replay.append(operation)

    async def get(self, entry_id: str) -> Entry | None:
        try:
            records = self.shard.retrieve([entry_id], True, False)
        except Exception as error:
            raise IndexUnavailable(f"retrieve failed: {error}") from error
        return Entry.from_payload(records[0].payload) if records else None

    async def count(self, where: Where = EVERYTHING) -> int:
        try:
            return int(self.shard.count(qe.CountRequest(exact=True, filter=_filter(where))))
        except Exception as error:
            raise IndexUnavailable(f"count failed: {error}") from error

    def unindexed(self) -> int:
        """Points not yet in the HNSW index (searched by brute force until optimised)."""
        info = self.shard.info()
        return max(0, int(info.points_count) - int(info.indexed_vectors_count))

    async def upgrade(self) -> int:
        legacy = qe.Filter(must=[qe.IsEmptyCondition("audience")])
        count = int(self.shard.count(qe.CountRequest(exact=True, filter=legacy)))
        if count:
            await self._apply(qe.UpdateOperation.set_payload_by_filter(legacy, LEGACY_OWNER))
            log.info("%d entries from before tenancy are now the default tenant's, shared", count)
        return count

    async def erase(self) -> None:
        """Rewrite the shard from its live points (in a child process, like ``maintain``): a
        deleted point's payload otherwise stays in Edge's files until segments are rebuilt."""
        await self.maintain(force=True, rewrite=True)

    async def maintain(self, *, force: bool = False, rewrite: bool = False) -> bool:
        """Optimise a copy of the shard in a child process and swap it in.

        Returns True when a new optimised shard was swapped in. Writes wait only while the shard
        is copied; reads never wait except for the swap itself (closing and loading, tens of
        milliseconds), which runs on the event loop between two requests.
        """
        async with self._maintain_lock:
            if self._shard is None or (not force and self.unindexed() < self.optimize_after):
                return False
            return await self._optimize_and_swap(rewrite)

    async def _optimize_and_swap(self, rewrite: bool) -> bool:
        started = time.perf_counter()
        async with self._write_lock:
            self._shard.flush()
            # A fresh name each time: an optimiser orphaned by a crash can never write into it.
            work = Path(tempfile.mkdtemp(prefix=self.path.name + _OPTIMIZING, dir=self.path.parent))
            await asyncio.to_thread(shutil.copytree, self.path, work, dirs_exist_ok=True)
            self._replay = []
        process = None
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "proxy.index.edge_optimize",
                str(work),
                *(["--rewrite"] if rewrite else []),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            output, _ = await process.communicate()
            if process.returncode != 0:
                raise IndexUnavailable(
                    f"optimiser exited with {process.returncode}: {output.decode()}"
                )
            async with self._write_lock:
                self._swap_in(work)
        except BaseException:
            self._replay = None
            if process is not None and process.returncode is None:
                process.kill()  # cancelled (shutdown): the child must not outlive its copy
                await process.wait()
            shutil.rmtree(work, ignore_errors=True)
            raise
        log.info("index optimised and swapped in after %.1f s", time.perf_counter() - started)
        return True

    def _swap_in(self, optimized: Path) -> None:
        """Replace the live shard by ``optimized`` once the writes made since the copy have been
        replayed onto it. Synchronous on purpose: no request runs between closing the old shard
        and loading the new one. At every instant one complete shard exists on disk (see
        ``_recover``), so a crash here loses nothing."""
        replay, self._replay = self._replay or [], None
        fresh = qe.EdgeShard.load(str(optimized))
        for operation in replay:
            fresh.update(operation)
        fresh.flush()
        fresh.close()
        retired = self.path.with_name(self.path.name + ".retired")
        self._shard.flush()
        self._shard.close()
        self._shard = None
        self.path.rename(retired)
        optimized.rename(self.path)
        self._shard = qe.EdgeShard.load(str(self.path))
        shutil.rmtree(retired, ignore_errors=True)


def _age(entry: Entry) -> float:
    return entry.created_at


def _vector(raw: Any) -> Vector:
    """A record's dense vector (Edge returns it alone, or keyed by the unnamed vector's name)."""
    if isinstance(raw, dict):
        raw = next(iter(raw.values()))
    return np.asarray(raw, dtype=np.float32)
