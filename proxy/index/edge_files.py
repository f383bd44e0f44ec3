"""Files the embedded index keeps beside its live shard (:class:`~proxy.index.edge.EdgeIndex`
uses them all): the optimised generations ``index.g1``, ``index.g2``, ... that the ``index``
symlink names, the optimiser's copy of the shard, and the journal of writes held back from the
shard while that copy is made."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import pickle
import shutil
import sys
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path

from proxy.index.edge_process import Operation

__all__ = [
    "adopt",
    "allocated",
    "copy_shard",
    "generation_path",
    "journal_append",
    "journal_read",
    "link",
    "next_generation",
    "optimizer_folder",
    "recover",
]

log = logging.getLogger(__name__)

_OPTIMIZING = ".optimizing-"
_GENERATION = ".g"


def recover(path: Path) -> None:
    """Finish or undo a swap that a crash interrupted, and delete what it left.

    ``path`` (``index``) names the live shard (a directory from before generations, or a
    symlink to one). Generations are complete before ``index`` is pointed at one, so when
    ``index`` is missing (a crash between moving an old directory aside and linking) the newest
    generation is the live one. Every other generation and every optimiser's copy is stale.
    (``index.retired`` is how versions before generations left an interrupted swap.)
    """
    path.with_name(path.name + ".link").unlink(missing_ok=True)
    retired = path.with_name(path.name + ".retired")
    if not path.exists() and not path.is_symlink() and retired.exists():
        retired.rename(path)
    shutil.rmtree(retired, ignore_errors=True)
    found = generations(path)
    if not path.exists() and found:
        link(path, found[-1])  # missing, or a symlink to a generation that is gone
    live = path.resolve() if path.is_symlink() else None
    for stale in [*found, *path.parent.glob(path.name + _OPTIMIZING + "*")]:
        if stale != live:
            shutil.rmtree(stale, ignore_errors=True)


def generations(path: Path) -> list[Path]:
    """The optimised shards beside ``path``, oldest first."""
    found = []
    for candidate in path.parent.glob(path.name + _GENERATION + "*"):
        number = candidate.name.removeprefix(path.name + _GENERATION)
        if number.isdigit() and candidate.is_dir():
            found.append((int(number), candidate.resolve()))
    return [generation for _, generation in sorted(found)]


def generation_path(path: Path, number: int) -> Path:
    return path.with_name(f"{path.name}{_GENERATION}{number}")


def optimizer_folder(path: Path) -> Path:
    """A new folder beside ``path`` for the optimiser's copy: a fresh name each time, so an
    optimiser orphaned by a crash can never write into it."""
    return Path(tempfile.mkdtemp(prefix=path.name + _OPTIMIZING, dir=path.parent))


def next_generation(path: Path) -> Path:
    """Where the next optimised shard of ``path`` goes."""
    number = 1 + max((int(p.name.rsplit(_GENERATION, 1)[1]) for p in generations(path)), default=0)
    return generation_path(path, number)


def adopt(path: Path, work: Path) -> Path:
    """The optimiser's finished copy ``work``, renamed as the next generation of ``path``."""
    generation = next_generation(path)
    work.rename(generation)
    return generation


def link(path: Path, target: Path) -> None:
    """Point ``path`` at ``target`` in one step (a symlink renamed over the old one)."""
    staged = path.with_name(path.name + ".link")
    staged.unlink(missing_ok=True)
    staged.symlink_to(target.name)
    try:
        os.replace(staged, path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    try:  # the link is in place; making its directory entry durable is all that is left
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as error:
        log.warning("cannot sync %s after linking the index: %s", path.parent, error)


def copy_shard(source: Path, target: Path) -> None:
    """Copy a shard's directory for the optimiser. On a file system that shares blocks between
    copies (XFS, Btrfs: a reflink) each file is cloned, which takes milliseconds and no space
    until one side changes; elsewhere it is copied."""
    shutil.copytree(source, target, dirs_exist_ok=True, copy_function=_clone_or_copy)


_FICLONE = 0x40049409
"""Linux's ioctl that makes a file share another's blocks (``cp --reflink``)."""


def allocated(path: Path) -> int:
    """Bytes the files under ``path`` take on disk: blocks allocated, so a preallocated file
    that is still mostly sparse counts only what it holds."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # deleted meanwhile
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
    return total


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


def fingerprint(folder: Path) -> bytes:
    """A SHA-256 of the name, size and modification time of every file under ``folder`` (a
    shard's generation): any write to the shard, by any program, changes it."""
    found = []
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            try:
                status = os.stat(path, follow_symlinks=False)
            except OSError:
                continue
            found.append(f"{os.path.relpath(path, folder)}\0{status.st_size}\0{status.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(found)).encode("utf-8", "surrogateescape")).digest()


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
