"""Child process entry point: optimise the Qdrant Edge shard at ``argv[1]`` and exit.

Run by ``EdgeIndex.maintain`` on a copy of the live shard, so that the GIL-holding optimiser never
stalls the serving process.
"""

from __future__ import annotations

import sys

import qdrant_edge as qe


def main() -> None:
    shard = qe.EdgeShard.load(sys.argv[1])
    shard.optimize()
    shard.flush()
    shard.close()


if __name__ == "__main__":
    main()
