"""Child process entry point: optimise the Qdrant Edge shard at ``argv[1]`` and exit; with
``--rewrite``, first rewrite it from its live points.

Run by ``EdgeIndex.maintain`` on a copy of the live shard, so that the GIL-holding optimiser never
stalls the serving process.

Deleting a point in Qdrant Edge only marks it deleted: its payload stays in the segment's
payload storage and its upsert in the write-ahead log, and optimising does not always rewrite
them. ``--rewrite`` copies the live points into a fresh shard and drops the old files, so what
a purge erased (one end user's prompts, say) is gone from disk too.

It runs at the lowest CPU priority, so that serving goes first on a small machine, and brings the
shard's payload indexes to :data:`PAYLOAD_SCHEMAS` (a shard made by an older version is migrated
here, off the serving process).
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from proxy.index.base import FLOAT_INDEXES, KEYWORD_INDEXES

_PAGE = 1000
_FILTERING = frozenset({"partition", "tenant", "audience"})
"""The fields every semantic lookup filters on: only they get HNSW links of their own."""

PAYLOAD_SCHEMAS: dict[str, Any] = {
    **{
        name: qe.KeywordIndexParams(enable_hnsw=name in _FILTERING, memory=qe.Memory.Cold)
        for name in KEYWORD_INDEXES
    },
    **{
        name: qe.FloatIndexParams(enable_hnsw=False, memory=qe.Memory.Cold)
        for name in FLOAT_INDEXES
    },
}
"""The payload indexes, memory-mapped ("cold") rather than rebuilt in memory each time a shard
loads: loading a 100,000-point shard took 0.85 s with them in memory and 0.25 s mapped, and a
load holds the GIL, so that is how long the proxy stalls when an optimised shard is swapped in."""


def index_payload(shard: Any, *, rebuild: bool = True) -> None:
    """Create the payload indexes ``shard`` lacks and drop those that no lookup filters on any
    more (each held about 5 MiB of memory, even in an empty shard); with ``rebuild``, also make
    again those made with other parameters (slow on a large shard: the optimiser does it)."""
    existing = shard.info().payload_schema
    for name in existing.keys() - PAYLOAD_SCHEMAS.keys():
        shard.update(qe.UpdateOperation.delete_field_index(name))
    for name, schema in PAYLOAD_SCHEMAS.items():
        info = existing.get(name)
        if info is not None and (not rebuild or _same(info.params, schema)):
            continue
        if info is not None:
            shard.update(qe.UpdateOperation.delete_field_index(name))
        shard.update(qe.UpdateOperation.create_field_index(name, schema))


def _same(params: Any, schema: Any) -> bool:
    return (
        params is not None
        and type(params) is type(schema)
        and (params.memory, params.enable_hnsw) == (schema.memory, schema.enable_hnsw)
    )


def rewrite(path: Path) -> None:
    """Replace the shard at ``path`` by a fresh one holding only its live points."""
    fresh_path = path.with_name(path.name + ".fresh")
    shutil.rmtree(fresh_path, ignore_errors=True)
    fresh_path.mkdir()
    shutil.copy(path / "edge_config.json", fresh_path / "edge_config.json")
    old = qe.EdgeShard.load(str(path))
    fresh = qe.EdgeShard.load(str(fresh_path))
    index_payload(fresh)
    offset = None
    while True:
        request = qe.ScrollRequest(offset=offset, limit=_PAGE, with_payload=True, with_vector=True)
        records, offset = old.scroll(request)
        if records:
            points = [qe.Point(r.id, r.vector, r.payload) for r in records if r.vector is not None]
            fresh.update(qe.UpdateOperation.upsert_points(points))
        if offset is None:
            break
    fresh.flush()
    fresh.close()
    old.close()
    shutil.rmtree(path)
    fresh_path.rename(path)


def main() -> None:
    os.nice(19)
    path = Path(sys.argv[1])
    if "--rewrite" in sys.argv[2:]:
        rewrite(path)
    shard = qe.EdgeShard.load(str(path))
    index_payload(shard)
    shard.optimize()
    shard.flush()
    shard.close()
    print(f"peak RSS {_peak_rss() // 2**20} MiB")


def _peak_rss() -> int:
    """This process's own peak resident memory in bytes. Not ``getrusage``'s ``ru_maxrss``: on
    Linux that keeps the peak of the process that started this one (exec carries it over), so
    under a proxy of 1.2 GB it said 1,185 MiB for an optimiser of 250."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes there, KiB elsewhere


if __name__ == "__main__":
    main()
