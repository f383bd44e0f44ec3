"""The embedded index: Qdrant Edge running inside the proxy process, persisted on disk.

Qdrant Edge answers queries in about a millisecond once its HNSW index is built, but every call
into it holds the GIL: building the index (``optimize()``) takes a minute at 100k points, and
even loading a shard takes a quarter of a second there. So:

- Optimisation never runs in this process. A copy of the live shard is optimised by a child
  process at the lowest CPU priority, while the live shard (its HNSW graph from the last
  optimisation, plus a brute-force tail of the points added since) keeps serving.
- The optimised copy becomes ``index.g<N>`` beside ``index``, is loaded once, has the writes
  made meanwhile replayed onto it between requests, and is switched in by pointer: the proxy's
  reference and the ``index`` symlink. The old shard is closed and deleted after.
- Optimisation starts when a tenth of the points, at least 1,000 and at most ``optimize_after``,
  are outside the HNSW graph, so small caches are indexed too and the unindexed tail stays
  short.
"""

from __future__ import annotations

import asyncio
import logging
import os
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
from proxy.index.edge_optimize import index_payload

__all__ = ["EdgeIndex"]

log = logging.getLogger(__name__)

_SCROLL_LIMIT = 256
_OPTIMIZING = ".optimizing-"
_GENERATION = ".g"
_INDEXING_THRESHOLD_KB = 1000
"""Segments above this size get an HNSW graph when optimised: about 650 vectors."""
_SMALLEST_TAIL = 1000
"""Fewer unindexed points than this never start an optimisation: brute force is as quick."""
_REPLAY_BATCH = 256


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
        self,
        path: Path,
        *,
        optimize_after: int = 10_000,
        indexing_threshold_kb: int = _INDEXING_THRESHOLD_KB,
    ) -> None:
        self.path = path
        """The shard's directory, or a symlink to the live generation (``index.g<N>``)."""
        self.optimize_after = optimize_after
        """Optimise at the latest once this many points are not yet in the HNSW index (a
        brute-force search of 10,000 vectors takes about a millisecond)."""
        self.indexing_threshold_kb = indexing_threshold_kb
        """Segment size above which Edge builds HNSW; tests set it lower."""
        self._shard: Any = None
        self._live: Path = path
        """Where the open shard's files are: ``path`` itself, or the generation it links to."""
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
        self._live = self.path.resolve() if self.path.is_symlink() else self.path
        config = qe.EdgeConfig(
            vectors=qe.EdgeVectorParams(size=EMBEDDING_DIM, distance=qe.Distance.Cosine),
            optimizers=qe.EdgeOptimizersConfig(indexing_threshold=self.indexing_threshold_kb),
        )
        try:
            if (self._live / "edge_config.json").exists() or (self._live / "wal").exists():
                # The configuration given is written over the shard's: an older shard gets
                # this version's indexing threshold.
                self._shard = qe.EdgeShard.load(str(self._live), config)
            else:
                if not self.path.exists():
                    # A new shard is the first generation (a folder the caller made stays the
                    # shard's own, as before generations).
                    self._live = self._next_generation()
                self._shard = qe.EdgeShard.create(str(self._live), config)
                index_payload(self._shard)
                if self._live != self.path:
                    self._link(self._live)
        except Exception as error:
            raise IndexUnavailable(
                f"cannot open the Qdrant Edge index in {self.path}: {error}"
            ) from error
        existing = set(self._shard.info().payload_schema)
        if not existing >= {*KEYWORD_INDEXES, *FLOAT_INDEXES}:
            # A field added by this version; the others are brought up to date (mapped, not in
            # memory) by the next optimisation, in its child process.
            index_payload(self._shard)
        await self.upgrade()
        info = self._shard.info()
        log.info(
            "Qdrant Edge index at %s: %d points, %d indexed",
            self.path,
            info.points_count,
            info.indexed_vectors_count,
        )

    def _recover(self) -> None:
        """Finish or undo a swap that a crash interrupted, and delete what it left.

        ``index`` names the live shard (a directory from before generations, or a symlink to
        one). Generations are complete before ``index`` is pointed at one, so when ``index`` is
        missing (a crash between moving an old directory aside and linking) the newest
        generation is the live one. Every other generation and every optimiser's copy is
        stale. (``index.retired`` is how versions before generations left an interrupted swap.)
        """
        self.path.with_name(self.path.name + ".link").unlink(missing_ok=True)
        retired = self.path.with_name(self.path.name + ".retired")
        if not self.path.exists() and not self.path.is_symlink() and retired.exists():
            retired.rename(self.path)
        shutil.rmtree(retired, ignore_errors=True)
        generations = self._generations()
        if not self.path.exists() and generations:
            self._link(generations[-1])  # missing, or a symlink to a generation that is gone
        live = self.path.resolve() if self.path.is_symlink() else None
        for stale in [*generations, *self.path.parent.glob(self.path.name + _OPTIMIZING + "*")]:
            if stale != live:
                shutil.rmtree(stale, ignore_errors=True)

    def _generations(self) -> list[Path]:
        """The optimised shards beside ``path``, oldest first."""
        found = []
        for candidate in self.path.parent.glob(self.path.name + _GENERATION + "*"):
            number = candidate.name.removeprefix(self.path.name + _GENERATION)
            if number.isdigit() and candidate.is_dir():
                found.append((int(number), candidate.resolve()))
        return [path for _, path in sorted(found)]

    def _link(self, target: Path) -> None:
        """Point ``path`` at ``target`` in one step (a symlink renamed over the old one)."""
        link = self.path.with_name(self.path.name + ".link")
        link.unlink(missing_ok=True)
        link.symlink_to(target.name)
        try:
            os.replace(link, self.path)
        except BaseException:
            link.unlink(missing_ok=True)
            raise
        try:  # the link is in place; making its directory entry durable is all that is left
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError as error:
            log.warning("cannot sync %s after linking the index: %s", self.path.parent, error)

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
        records, _ = self._scroll(request, "exact lookup")
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
        records, following = self._scroll(request)
        return Page(
            [Entry.from_payload(r.payload) for r in records],
            [_vector(r.vector) for r in records] if with_vectors else None,
            None if order_by or following is None else str(following),
        )

    async def footprints(
        self, where: Where = EVERYTHING, *, limit: int = 1024, offset: str | None = None
    ) -> tuple[list[Footprint], str | None]:
        request = qe.ScrollRequest(
            offset=offset,
            limit=limit,
            filter=_filter(where),
            with_payload=qe.PayloadSelector.Include(list(FOOTPRINT_FIELDS)),
            with_vector=False,
        )
        records, following = self._scroll(request)
        return (
            [Footprint.from_payload(r.payload) for r in records],
            None if following is None else str(following),
        )

    def _scroll(self, request: qe.ScrollRequest, what: str = "scroll") -> tuple[list[Any], Any]:
        """One page of records and where the next starts; a failure is ``IndexUnavailable``."""
        try:
            records, following = self.shard.scroll(request)
        except Exception as error:
            raise IndexUnavailable(f"{what} failed: {error}") from error
        return records, following

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

    def due(self) -> bool:
        """Whether enough points are outside the HNSW graph to optimise: a tenth of them, at
        least 1,000 and at most ``optimize_after``."""
        info = self.shard.info()
        points = int(info.points_count)
        unindexed = max(0, points - int(info.indexed_vectors_count))
        return unindexed >= min(self.optimize_after, max(_SMALLEST_TAIL, points // 10))

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
        """Optimise a copy of the shard in a child process and switch to it.

        Returns True when an optimised shard was switched in. Writes wait only while the shard
        is copied and while the last few are replayed; lookups go on throughout, except while
        the optimised shard loads (a quarter of a second at 100k points).
        """
        async with self._maintain_lock:
            if self._shard is None or not (force or self.due()):
                return False
            return await self._optimize_and_swap(rewrite)

    async def _optimize_and_swap(self, rewrite: bool) -> bool:
        started = time.perf_counter()
        async with self._write_lock:
            self._shard.flush()
            # A fresh name each time: an optimiser orphaned by a crash can never write into it.
            work = Path(tempfile.mkdtemp(prefix=self.path.name + _OPTIMIZING, dir=self.path.parent))
            await asyncio.to_thread(shutil.copytree, self._live, work, dirs_exist_ok=True)
            self._replay = []
        process = fresh = None
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
            optimised = time.perf_counter()
            work = generation = self._adopt(work)
            fresh = qe.EdgeShard.load(str(generation))  # holds the GIL: the one pause left
            loaded = time.perf_counter() - optimised
            await self._catch_up(fresh)
            async with self._write_lock:
                await self._catch_up(fresh, last=True)
                old = self._switch(fresh, generation)
        except BaseException:
            self._replay = None
            if fresh is not None:
                fresh.close()
            if process is not None and process.returncode is None:
                process.kill()  # cancelled (shutdown): the child must not outlive its copy
                await process.wait()
            shutil.rmtree(work, ignore_errors=True)
            raise
        await asyncio.to_thread(shutil.rmtree, old, ignore_errors=True)
        log.info(
            "index optimised and switched in after %.1f s (loading it paused lookups for %.0f "
            "ms; the optimiser's %s)",
            time.perf_counter() - started,
            1000 * loaded,
            (output.decode(errors="replace").splitlines() or ["peak RSS unknown"])[-1],
        )
        return True

    def _adopt(self, work: Path) -> Path:
        """The optimiser's finished copy, renamed as the next generation."""
        generation = self._next_generation()
        work.rename(generation)
        return generation

    def _next_generation(self) -> Path:
        generations = self._generations()
        number = 1 + max(
            (int(p.name.rsplit(_GENERATION, 1)[1]) for p in generations),
            default=0,
        )
        return self.path.with_name(f"{self.path.name}{_GENERATION}{number}")

    async def _catch_up(self, fresh: Any, *, last: bool = False) -> None:
        """Replay onto ``fresh`` the writes made to the live shard since it was copied, a batch
        at a time with requests served in between; ``last``: all of them (the caller holds the
        write lock, so no more come)."""
        while self._replay and (last or len(self._replay) > _REPLAY_BATCH):
            batch, self._replay[:] = self._replay[:_REPLAY_BATCH], self._replay[_REPLAY_BATCH:]
            for operation in batch:
                fresh.update(operation)
            if not last:
                await asyncio.sleep(0)
        if last:
            fresh.flush()

    def _switch(self, fresh: Any, generation: Path) -> Path:
        """Make ``fresh`` (loaded from ``generation``, every write replayed) the live shard;
        returns the old shard's directory, to delete. Synchronous on purpose: no request runs
        between closing the old shard and using the new one. At every instant ``index`` names a
        complete shard (see ``_recover``), so a crash here loses nothing."""
        self._replay = None
        if self._shard is None:
            raise IndexUnavailable("the index was closed while it was being optimised")
        old = self._live
        if self.path.is_symlink():
            self._link(generation)  # from here on the new shard is the one on disk
            try:
                self._shard.close()
            except Exception as error:  # its files are deleted next; nothing is lost
                log.warning("closing the replaced shard failed: %s", error)
        else:
            # A shard from before generations, in ``index`` itself: closed before it moves
            # aside (Edge writes its files by path), then ``index`` links to the new one.
            self._shard.close()
            self._shard = None  # until one of the two is open again: lookups fail over cleanly
            old = self.path.with_name(self.path.name + _GENERATION + "0")
            try:
                self.path.rename(old)
                self._link(generation)
            except BaseException:
                if not self.path.exists() and old.exists():
                    old.rename(self.path)
                self._shard = qe.EdgeShard.load(str(self.path))
                raise
        self._shard, self._live = fresh, generation
        return old


def _age(entry: Entry) -> float:
    return entry.created_at


def _vector(raw: Any) -> Vector:
    """A record's dense vector (Edge returns it alone, or keyed by the unnamed vector's name)."""
    if isinstance(raw, dict):
        raw = next(iter(raw.values()))
    return np.asarray(raw, dtype=np.float32)
