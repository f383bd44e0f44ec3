"""The calls a shard process answers: Qdrant Edge behind plain data (see ``edge_process``).

Runs in the child process only. Each method takes and returns what pickles cheaply and needs no
Edge type on the other side: ``Where`` filters, ids, payload dicts, float32 vector bytes.
"""

from __future__ import annotations

import array
import ctypes
import json
import logging
import mmap
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from backends.heap import return_free_heap
from proxy.index.base import EVERYTHING, FLOAT_INDEXES, KEYWORD_INDEXES, Where
from proxy.index.edge_optimize import index_payload
from proxy.index.edge_process import (
    LEGACY,
    PAGE_POINTS,
    Operation,
    ShardInfo,
    ShardLayout,
    points_in,
)

log = logging.getLogger(__name__)

Record = tuple[str, dict[str, Any] | None, bytes | None]
"""A point as it crosses the socket: id, payload (when asked for), vector bytes (when asked for)."""

_RESCORED = qe.SearchParams(
    quantization=qe.QuantizationSearchParams(rescore=True, oversampling=2.0)
)
"""HNSW segments are searched on their int8 copy for twice the neighbours asked for, which are
then ranked by the vectors as stored: the similarities returned are the stored vectors' own."""

_PAYLOADS = re.compile(r"/payload_storage/page_\d+\.dat$")
"""The files of Edge's payloads."""
_RELEASE_EVERY = 2 * PAGE_POINTS
"""Points written between two hand-backs of the pages that hold nothing to read (about 3 MB of
write-ahead log)."""


def _vectors(dimension: int, float16: bool) -> qe.EdgeVectorParams:
    """Vectors as stored (float16 in a new shard: half the disk, similarities within 1e-4) on
    disk, mapped but not held in memory; an HNSW segment keeps an int8 copy in memory, a
    quarter of float32's size, which its graph is searched on (see docs/storage.md)."""
    return qe.EdgeVectorParams(
        size=dimension,
        distance=qe.Distance.Cosine,
        datatype=qe.VectorStorageDatatype.Float16 if float16 else qe.VectorStorageDatatype.Float32,
        quantization_config=qe.ScalarQuantizationConfig(
            qe.ScalarType.Int8, quantile=0.99, always_ram=True
        ),
        memory=qe.Memory.Cold,
    )


def _stored_as_float16(path: Path) -> bool:
    """Whether the shard at ``path`` was made with float16 vectors (float32 before this
    version)."""
    vectors: dict[str, dict[str, Any]] = json.loads((path / "edge_config.json").read_text())[
        "vectors"
    ]
    return vectors.get("", {}).get("datatype") == "float16"


def _unquantized(segment: Path) -> bool:
    """Whether ``segment`` has an HNSW graph but no int8 copy of its vectors."""
    try:
        config = json.loads((segment / "segment.json").read_text())["config"]
    except (OSError, ValueError, KeyError):
        return False
    return any(
        vectors.get("index", {}).get("type") == "hnsw" and not vectors.get("quantization_config")
        for vectors in config.get("vector_data", {}).values()
    )


class Shard:
    """One Qdrant Edge shard, opened by the child that serves it."""

    def __init__(self, edge: Any, path: Path) -> None:
        self.edge = edge
        self.path = path
        self._written = 0
        """Points written since the pages that hold nothing to read were last handed back."""
        self.outdated = any(_unquantized(segment) for segment in path.glob("segments/*"))
        """Whether an HNSW segment was built by an older version, with every vector in memory:
        the next optimisation rebuilds it (segments change only then, in another process)."""

    @classmethod
    def open(cls, path: Path, layout: ShardLayout, *, create: bool) -> Shard:
        # The configuration given is written over the shard's: an older shard gets this
        # version's indexing threshold and vector memory (its next optimisation rebuilds its
        # segments so); the vectors' type stays as the shard was made (Edge cannot change it).
        float16 = create or _stored_as_float16(path)
        # Edge sizes a segment by its vectors' bytes: float16 takes half as many per point.
        point_bytes = layout.dimension * (2 if float16 else 4)
        config = qe.EdgeConfig(
            vectors=_vectors(layout.dimension, float16),
            optimizers=qe.EdgeOptimizersConfig(
                indexing_threshold=layout.indexing_threshold_kb // (2 if float16 else 1),
                max_segment_size=max(1, layout.segment_points * point_bytes // 1024),
            ),
        )
        if create:
            shard = cls(qe.EdgeShard.create(str(path), config), path)
            index_payload(shard.edge)
            shard.release_unused_pages()
            return shard
        shard = cls(qe.EdgeShard.load(str(path), config), path)
        if shard.ping().payload_indexes != {*KEYWORD_INDEXES, *FLOAT_INDEXES}:
            # A field added or dropped by this version; the others are brought up to date
            # (mapped, not in memory) by the next optimisation, in its own process.
            index_payload(shard.edge, rebuild=False)
        shard.release_unused_pages()
        return shard

    def ping(self) -> ShardInfo:
        info = self.edge.info()
        return ShardInfo(
            int(info.points_count),
            int(info.indexed_vectors_count),
            frozenset(info.payload_schema),
            self.outdated,
        )

    def query(self, vector: bytes, limit: int, where: Where) -> list[tuple[dict[str, Any], float]]:
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(_floats(vector)),
            filter=_filter(where),
            with_payload=True,
            with_vector=False,
            params=_RESCORED,
        )
        return [(p.payload, float(p.score)) for p in self.edge.query(request)]

    def scroll(
        self,
        where: Where,
        limit: int,
        offset: str | None = None,
        order_by: str | None = None,
        fields: Sequence[str] | None = None,
        with_vectors: bool = False,
    ) -> tuple[list[Record], str | None]:
        """A page of points and where the next page starts; ``fields``: only these of each
        payload (None: all of it)."""
        request = qe.ScrollRequest(
            offset=offset,
            limit=limit,
            filter=_filter(where),
            with_payload=True if fields is None else qe.PayloadSelector.Include(list(fields)),
            with_vector=with_vectors,
            order_by=qe.OrderBy(order_by, qe.Direction.Desc) if order_by else None,
        )
        records, following = self.edge.scroll(request)
        return (
            [(str(r.id), r.payload, _vector(r.vector) if with_vectors else None) for r in records],
            None if following is None else str(following),
        )

    def retrieve(self, ids: Sequence[str]) -> list[Record]:
        return [(str(r.id), r.payload, None) for r in self.edge.retrieve(list(ids), True, False)]

    def count(self, where: Where | str) -> int:
        return int(self.edge.count(qe.CountRequest(exact=True, filter=_filter(where))))

    def update(self, operations: Sequence[Operation]) -> None:
        for operation in operations:
            self.edge.update(_operation(operation))
        self._written += points_in(operations)
        if self._written >= _RELEASE_EVERY:
            self.release_unused_pages()

    def keys(self, offset: str | None, limit: int) -> tuple[list[str], str | None]:
        """The keys of a page of ``limit`` entries from ``offset``, and where the next page
        starts (``known_keys``). Each entry's payload is read for it: the pages of the payloads'
        files that the reading mapped in are handed back after, as lookups need a few of them
        at a time (every payload at 100,000 entries is about 50 MiB), and after the last page
        so is the heap the reading freed."""
        records, following = self.scroll(EVERYTHING, limit, offset, None, ("key",))
        keys = [payload["key"] for _, payload, _ in records if payload and "key" in payload]
        del records
        self.release_unused_pages(read_through=_PAYLOADS)
        if following is None:
            return_free_heap()
        return keys, following

    def release_unused_pages(self, read_through: re.Pattern[str] | None = None) -> None:
        """Hand back the pages of the shard's files that this process holds mapped but has
        nothing to read in:

        - **Edge's write-ahead log.** Edge maps it in segments of 32 MiB and keeps the last
          closed one beside the open one; opening a shard reads both through, and each write
          adds to the open one's pages. None is read again while the shard is open: 41 MiB of
          the process's 308 at 100,000 entries (`bench/load.py --filler 98000`), and as much in
          a cache of any size once its log has filled a segment (about 14,000 entries written).
        - **The holes of the segments' files.** Edge maps each payload index of the segment
          that takes new points in pages of 1 to 4 MiB and reads every page in, though a
          segment that small has written a few KiB of each: 39 MiB at 100,000 entries, as much
          in a cache of 2,000 opened again. Only the ranges the file system reports as holes
          (``SEEK_HOLE``), where nothing was ever written, are handed back; a page that holds
          data stays.

        Both are mapped shared, so a written page is the file's: dropped from this process, it
        stays in the page cache until written back and reclaimed, as a file written any other
        way, and the next read or write maps the page it needs again. Done after opening and
        every ``_RELEASE_EVERY`` points written. Off Linux this does nothing.

        ``read_through``: instead, only the files it matches are handed back, whole (the
        payloads, after a page of keys is read through them).

        Call it only between Edge calls, on the thread that makes them: the mappings are read
        from ``/proc/self/maps`` first, and one that Edge unmapped meanwhile could have given its
        addresses to the heap, which ``MADV_DONTNEED`` would zero."""
        if read_through is None:
            self._written = 0
        if sys.platform != "linux":
            return
        root = f"{self.path.resolve()}/"
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
                mapped = [
                    fields
                    for fields in (line.rstrip("\n").split(maxsplit=5) for line in maps)
                    if len(fields) == 6 and fields[5].startswith(root) and fields[1][3] == "s"
                ]
            madvise = ctypes.CDLL(None, use_errno=True).madvise
        except (OSError, AttributeError) as error:
            log.debug("the shard's unread pages stay mapped: %s", error)
            return
        for span, _, offset, _, _, name in mapped:
            start, end = (int(address, 16) for address in span.split("-"))
            if read_through is not None:
                if not read_through.search(name):
                    continue
                unread = [(start, end)]
            elif name.startswith(f"{root}wal/"):
                unread = [(start, end)]
            else:
                shift = start - int(offset, 16)  # a file offset plus shift is its address
                unread = [
                    (shift + first, shift + last)
                    for first, last in _holes(name, start - shift, end - start)
                ]
            for first, last in unread:
                if madvise(
                    ctypes.c_void_p(first), ctypes.c_size_t(last - first), mmap.MADV_DONTNEED
                ):
                    log.debug(
                        "the shard's unread pages stay mapped: madvise errno %d", ctypes.get_errno()
                    )

    def flush(self) -> None:
        self.edge.flush()

    def close(self) -> None:
        self.edge.flush()
        self.edge.close()


def _holes(path: str, offset: int, length: int) -> list[tuple[int, int]]:
    """The whole pages of ``path``'s bytes ``offset`` to ``offset + length`` that are holes,
    where nothing was ever written, as (first byte, end) ranges; none where the file is gone or
    its file system does not tell (it then reports the whole file as data)."""
    found: list[tuple[int, int]] = []
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return found
    try:
        at, end = offset, offset + length
        while at < end:
            hole = os.lseek(fd, at, os.SEEK_HOLE)  # the end of the file is a hole too
            if hole >= end:
                break
            try:
                data = min(os.lseek(fd, hole, os.SEEK_DATA), end)
            except OSError:  # ENXIO: nothing but holes up to the end of the file
                data = end
            first = -(-hole // mmap.PAGESIZE) * mmap.PAGESIZE
            last = data // mmap.PAGESIZE * mmap.PAGESIZE
            if last > first:
                found.append((first, last))
            at = max(data, hole + mmap.PAGESIZE)  # on, even if the file changed meanwhile
    except OSError:  # SEEK_HOLE refused, or the file shrank meanwhile: the holes found so far
        return found
    finally:
        os.close(fd)
    return found


def _filter(where: Where | str) -> qe.Filter | None:
    """``where`` as an Edge filter (None when it selects everything)."""
    if where == LEGACY:
        return qe.Filter(must=[qe.IsEmptyCondition("audience")])
    assert isinstance(where, Where)
    must: list[Any] = []
    for kind, name, value in where.conditions():
        if kind == "is":
            must.append(qe.FieldCondition(key=name, match=qe.MatchValue(value)))
        elif kind == "any":
            must.append(qe.FieldCondition(key=name, match=qe.MatchAny(value)))
        else:
            must.append(qe.FieldCondition(key=name, range=qe.RangeFloat(lt=value)))
    return qe.Filter(must=must) if must else None


def _operation(operation: Operation) -> qe.UpdateOperation:
    match operation:
        case ("upsert", points):
            return qe.UpdateOperation.upsert_points(
                [qe.Point(i, _floats(vector), payload) for i, vector, payload in points]
            )
        case ("set_payload", ids, payload):
            return qe.UpdateOperation.set_payload(list(ids), payload)
        case ("delete", ids):
            return qe.UpdateOperation.delete_points(list(ids))
        case ("set_payload_by_filter", where, payload):
            return qe.UpdateOperation.set_payload_by_filter(
                _filter(where) or qe.Filter(must=[]), payload
            )
    raise ValueError(f"not an index write: {operation[0]!r}")


def _floats(vector: bytes) -> list[float]:
    return array.array("f", vector).tolist()


def _vector(raw: Any) -> bytes | None:
    """A record's dense vector as bytes (Edge returns it alone, or keyed by the unnamed vector's
    name)."""
    if isinstance(raw, dict):
        raw = next(iter(raw.values()), None)
    return None if raw is None else array.array("f", raw).tobytes()
