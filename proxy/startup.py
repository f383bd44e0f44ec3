"""The data directory, claimed by ``memoaized serve`` before anything loads.

A failure that configuration caused cannot heal by waiting, so it is found before the embedding
model or a pipeline starts loading, and stops the start with one line that says what to change:
a data directory that is a file or cannot be created, or one that another memoaized process is
using (the embedded index takes one writer). The port is claimed the same way
(:func:`backends.serving.listen`).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

__all__ = ["DataDirClaim"]

LOCK_NAME = "memoaized.pid"
"""The lock file in the data directory: held (``flock``) while a proxy runs, holding its pid."""


class DataDirClaim:
    """This process's hold on a data directory, for as long as the object lives.

    The lock is the kernel's (``flock``), so a crashed process leaves nothing to clean up; the
    file keeps the holder's pid for the message another process prints."""

    def __init__(self, data_dir: Path, *, exclusive: bool = True) -> None:
        self.data_dir = data_dir
        self._file: IO[str] | None = None
        if data_dir.exists() and not data_dir.is_dir():
            raise OSError(f"not starting: the data directory {data_dir} is a file; give a folder")
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            if exclusive:
                self._file = open(data_dir / LOCK_NAME, "a+")  # noqa: SIM115
        except OSError as error:
            raise OSError(
                f"not starting: cannot use the data directory {data_dir}: {error.strerror}"
            ) from None
        if self._file is None:
            return
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder()
            self.release()
            raise OSError(
                f"not starting: another memoaized process is using {data_dir}"
                f"{f' (pid {holder})' if holder else ''}; stop it, or give this one another "
                "--data-dir"
            ) from None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()

    def _holder(self) -> int | None:
        assert self._file is not None
        self._file.seek(0)
        text = self._file.read(32).strip()
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock
            self._file = None
