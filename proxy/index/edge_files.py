"""Files the embedded index keeps beside its live shard: the optimiser's copy of the shard, and
the journal of writes held back from the shard while that copy is made
(:class:`~proxy.index.edge.EdgeIndex` uses both)."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import shutil
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

from proxy.index.edge_process import Operation

__all__ = ["copy_shard", "journal_append", "journal_read"]

log = logging.getLogger(__name__)


def copy_shard(source: Path, target: Path) -> None:
    """Copy a shard's directory for the optimiser. On a file system that shares blocks between
    copies (XFS, Btrfs: a reflink) each file is cloned, which takes milliseconds and no space
    until one side changes; elsewhere it is copied."""
    shutil.copytree(source, target, dirs_exist_ok=True, copy_function=_clone_or_copy)


_FICLONE = 0x40049409
"""Linux's ioctl that makes a file share another's blocks (``cp --reflink``)."""


def _clone_or_copy(source: str, target: str) -> str:
    if sys.platform == "linux":
        try:
            with open(source, "rb") as original, open(target, "wb") as clone:
                fcntl.ioctl(clone.fileno(), _FICLONE, original.fileno())
            shutil.copystat(source, target)
            return target
        except OSError:
            pass  # not supported here (ext4, tmpfs, across devices): copied below
    return str(shutil.copy2(source, target))


def journal_append(path: Path, operations: Sequence[Operation]) -> None:
    """Append ``operations`` to the journal at ``path`` as one record (length, CRC-32, pickle),
    durably; a failed append is cut off again, so that no later record hides behind it."""
    record = pickle.dumps(list(operations), protocol=pickle.HIGHEST_PROTOCOL)
    header = len(record).to_bytes(8, "little") + zlib.crc32(record).to_bytes(4, "little")
    created = not path.exists()
    with path.open("ab") as journal:
        size = journal.tell()
        try:
            journal.write(header + record)
            journal.flush()
            os.fsync(journal.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                journal.truncate(size)
            raise
    if created:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def journal_read(path: Path) -> list[Operation]:
    """The operations of every record of the journal at ``path`` up to the first one that is
    incomplete or damaged (a crash mid-append: that write was never acknowledged); none when
    there is no journal."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    operations: list[Operation] = []
    start = 0
    while start + 12 <= len(data):
        size = int.from_bytes(data[start : start + 8], "little")
        record = data[start + 12 : start + 12 + size]
        if len(record) < size or zlib.crc32(record) != int.from_bytes(
            data[start + 8 : start + 12], "little"
        ):
            log.warning(
                "index journal %s: a damaged record at byte %d, and what follows, skipped",
                path,
                start,
            )
            break
        operations += pickle.loads(record)
        start += 12 + size
    return operations
