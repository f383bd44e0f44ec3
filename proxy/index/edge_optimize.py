"""Child process entry point: optimise the Qdrant Edge shard at ``argv[1]`` and exit; with
``--rewrite``, first rewrite it from its live points.

Run by ``EdgeIndex.maintain`` on a copy of the live shard, so that the GIL-holding optimiser never
stalls the serving process.

Deleting a point in Qdrant Edge only marks it deleted: its payload stays in the segment's
payload storage and its upsert in the write-ahead log, and optimising does not always rewrite
them. ``--rewrite`` copies the live points into a fresh shard and drops the old files, so what
a purge erased (one end user's prompts, say) is gone from disk too.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import qdrant_edge as qe

from proxy.index.base import FLOAT_INDEXES, KEYWORD_INDEXES

_PAGE = 1000


def rewrite(path: Path) -> None:
    """Replace the shard at ``path`` by a fresh one holding only its live points."""
    fresh_path = path.with_name(path.name + ".fresh")
    shutil.rmtree(fresh_path, ignore_errors=True)
    fresh_path.mkdir()
    shutil.copy(path / "edge_config.json", fresh_path / "edge_config.json")
    old = qe.EdgeShard.load(str(path))
    fresh = qe.EdgeShard.load(str(fresh_path))
    for name in KEYWORD_INDEXES:
        fresh.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword))
    for name in FLOAT_INDEXES:
        fresh.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Float))
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
    path = Path(sys.argv[1])
    if "--rewrite" in sys.argv[2:]:
        rewrite(path)
    shard = qe.EdgeShard.load(str(path))
    shard.optimize()
    shard.flush()
    shard.close()


if __name__ == "__main__":
    main()
