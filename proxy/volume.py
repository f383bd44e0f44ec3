"""Free space on the data volume, against a floor below which the cache stops writing.

The embedded index (Qdrant Edge) maps its files into memory and grows into them as it writes:
on a full volume a write to such a page kills the process with SIGBUS, with nothing logged. So
the proxy keeps a floor of free space (``--min-free-bytes``) and, below it, stops writing to
the index and the image store (new entries, hit counts, index maintenance) while exact and
semantic hits and pass-through generation go on; it says so in ``/readyz``, in the metrics and
once in the log, and resumes by itself when space comes back. It refuses to start on a volume
that is below the floor already.

Why the floor is generous: an Edge shard preallocates its files (two 32 MiB WAL segments, a 32
MiB payload page, a few MiB for each payload index; 205 MiB apparent, sparse on most file
systems but about 33 MiB allocated on tmpfs for an empty shard), fills them as entries come in,
and an optimisation writes a second copy of the shard before swapping it in (it starts only
where that leaves the floor free: ``EdgeIndex.keep_free``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from proxy.store import StoreError

__all__ = ["DataVolume", "VolumeLow"]

log = logging.getLogger(__name__)

_UNKNOWN = 2**62
"""Free space reported when no path is local (a Qdrant server and an object store)."""


class VolumeLow(StoreError):
    """The data volume has less free space than the floor: nothing more is written."""


class DataVolume:
    """The volumes holding ``paths`` (each read from its nearest existing folder), with the
    least free space among them compared against ``floor`` bytes (0: never low). With no
    local path at all it is never low."""

    def __init__(
        self,
        paths: Sequence[Path],
        floor: int,
        *,
        statvfs: Callable[[Path], os.statvfs_result] = os.statvfs,
    ) -> None:
        self.paths = tuple(paths)
        self.floor = floor
        self._statvfs = statvfs
        self._free = 0
        self._low = False

    def free(self) -> int:
        """Bytes free to this process on the fullest of the volumes, read now (a few
        microseconds: it is asked before writes, never on the hit path)."""
        self._free = min((self._available(path) for path in self.paths), default=_UNKNOWN)
        self._note(self.floor > 0 and self._free < self.floor)
        return self._free

    @property
    def low(self) -> bool:
        self.free()
        return self._low

    def check(self, what: str) -> None:
        """Raise ``VolumeLow`` when ``what`` may not be written now."""
        if self.low:
            raise VolumeLow(f"{what} skipped: {self.describe()}")

    def describe(self) -> str:
        return (
            f"the data volume has {_mib(self._free)} free, under the floor of "
            f"{_mib(self.floor)} (--min-free-bytes): new entries, hit counts and index "
            "maintenance are paused until space is freed"
        )

    def _available(self, path: Path) -> int:
        existing = path
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        stats = self._statvfs(existing)
        return int(stats.f_bavail * stats.f_frsize)

    def _note(self, low: bool) -> None:
        if low and not self._low:
            log.warning("%s", self.describe())
        elif self._low and not low:
            log.warning("the data volume has %s free again: writing resumes", _mib(self._free))
        self._low = low


def _mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"
