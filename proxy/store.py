"""Content-addressed image storage: a local directory by default, object storage when shared.

A blob's id is the SHA-256 of its bytes plus an extension naming its media type
(``<64 hex>.png``); the same bytes always get the same id, so writes are idempotent and a
blob never changes once written. Objects live at ``images/<first 2 hex>/<id>`` below the
store's root (a directory, or a bucket and prefix).

Exceptions::

    StoreError           the store could not do what was asked (unreachable, denied, missing
    │                    bucket, disk full, closed); the message never holds credentials
    └── BlobNotFound     no blob with that id

Malformed blob ids and unknown media types raise ``ValueError`` before any I/O, so no id
can name a path outside the store.

Every call goes through obstore's *sync* API, run in a worker thread by the async methods:
obstore's async calls have been seen to abort the interpreter at exit. Local writes bypass
obstore: its local store stages and renames but never fsyncs, so a power cut could leave an
empty file under a blob's final name; ``BlobStore`` fsyncs the staged file before renaming it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import stat
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from urllib.parse import unquote, urlsplit

import anyio.to_thread
from obstore.exceptions import BaseError as ObstoreError
from obstore.store import LocalStore, from_url

if TYPE_CHECKING:
    from obstore.store import ClientConfig, ObjectStore, RetryConfig

__all__ = ["BlobNotFound", "BlobStore", "StoreError"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

_EXTENSION_BY_MEDIA_TYPE = {"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp"}
_MEDIA_TYPE_BY_EXTENSION = {ext: media for media, ext in _EXTENSION_BY_MEDIA_TYPE.items()}
_BLOB_ID = re.compile(r"[0-9a-f]{64}\.(?:png|jpeg|webp)")

# obstore takes HTTP client settings apart from the store's own configuration; options are
# sorted into the two by these names (obstore's ClientConfig keys).
_CLIENT_OPTION_NAMES = frozenset(
    {
        "allow_http",
        "allow_invalid_certificates",
        "connect_timeout",
        "default_content_type",
        "default_headers",
        "http1_only",
        "http2_keep_alive_interval",
        "http2_keep_alive_timeout",
        "http2_keep_alive_while_idle",
        "http2_only",
        "pool_idle_timeout",
        "pool_max_idle_per_host",
        "proxy_url",
        "proxy_ca_certificate",
        "proxy_excludes",
        "root_certificate",
        "randomize_addresses",
        "read_timeout",
        "timeout",
        "user_agent",
    }
)
_SECRET_OPTION_MARKERS = ("secret", "token", "password", "key", "sas", "credential", "signature")

# obstore retries for up to 3 minutes by default; a cache that hangs that long on a lookup is
# worse than a miss, so give up after a few quick attempts.
_RETRY: RetryConfig = {"max_retries": 3, "retry_timeout": timedelta(seconds=30)}

# obstore reports a missing bucket or container as FileNotFoundError, like a missing object;
# these error codes in its message tell the two apart, so a misconfigured store is not taken
# for an empty one.
_MISSING_CONTAINER_CODES = ("NoSuchBucket", "ContainerNotFound")
_SHARDS = tuple(f"{i:02x}" for i in range(256))
"""The folders of ``images/``, one per first two hex digits of a blob id."""


class StoreError(Exception):
    """The store could not complete an operation; the message says which and why."""


class BlobNotFound(StoreError):
    """No blob with the requested id exists in the store."""

    def __init__(self, blob_id: str) -> None:
        super().__init__(f"no blob {blob_id}")
        self.blob_id = blob_id


class BlobStore:
    """Images stored by content, in a local directory or in S3, GCS or Azure object storage.

    ``url`` is a directory path or ``file://`` URL (created if missing), or
    ``s3://bucket/prefix``, ``gs://bucket/prefix``, ``az://container/prefix``. ``options`` go
    to obstore's store and HTTP client (for example ``endpoint``, ``region``,
    ``access_key_id``, ``secret_access_key``, ``allow_http``); obstore also reads the usual
    environment variables (``AWS_*``, ``GOOGLE_*``, ``AZURE_*``). Opening a store does no
    network I/O: a wrong bucket or credentials show up as ``StoreError`` on first use.

    Safe to share between tasks and threads. Use ``async with`` or call ``close()``.
    """

    def __init__(self, url: str, *, options: Mapping[str, str] | None = None) -> None:
        options = dict(options or {})
        self._secrets = [
            value
            for name, value in options.items()
            if value and any(marker in name.lower() for marker in _SECRET_OPTION_MARKERS)
        ]
        self._closed = False
        self._local_root = _local_root(url)
        if self._local_root is not None:
            if options:
                raise ValueError("options apply to object storage only, not to a local directory")
            self._location = str(self._local_root)
            try:
                (self._local_root / "images").mkdir(parents=True, exist_ok=True)
                _fsync_directory(self._local_root)
                self._store: ObjectStore = LocalStore(self._local_root)
            except (ObstoreError, OSError) as exc:
                raise self._error(f"cannot open {self._location}", exc) from None
            _make_shards(self._local_root / "images")
            return

        self._location = url
        client_options = {k: v for k, v in options.items() if k.lower() in _CLIENT_OPTION_NAMES}
        config = {k: v for k, v in options.items() if k.lower() not in _CLIENT_OPTION_NAMES}
        try:
            self._store = from_url(
                url,
                # The store's config type depends on the URL's scheme, which is only known
                # at run time; obstore validates the keys and names any it does not know.
                config=cast("Any", config),
                client_options=cast("ClientConfig", client_options),
                retry_config=_RETRY,
            )
        except (ObstoreError, ValueError) as exc:
            raise self._error(f"cannot open {url}", exc) from None

    def __repr__(self) -> str:
        return f"BlobStore({self._location!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @staticmethod
    def media_type_of(blob_id: str) -> str:
        """The media type of a blob, read from its id (``image/png`` for ``<hex>.png``)."""
        _check_blob_id(blob_id)
        return _MEDIA_TYPE_BY_EXTENSION[blob_id.rpartition(".")[2]]

    @staticmethod
    def id_for(data: bytes, media_type: str) -> str:
        """The id ``put`` gives these bytes (``ValueError`` for an empty image or an unknown
        media type)."""
        return _blob_id_for(data, media_type)

    async def put(self, data: bytes, media_type: str) -> str:
        """Store ``data`` and return its blob id.

        Idempotent: storing the same bytes again returns the same id and writes nothing.
        The object appears under its final name complete or not at all, and is durable
        (fsynced, for a local directory) when this returns. ``media_type`` must be
        ``image/png``, ``image/jpeg`` or ``image/webp``; empty data is refused.
        """
        blob_id = _blob_id_for(data, media_type)
        await self._in_thread(self._put_sync, blob_id, data)
        return blob_id

    @property
    def is_local(self) -> bool:
        """True for a local directory, where ``get_sync`` is cheaper than ``get``."""
        return self._local_root is not None

    async def get(self, blob_id: str) -> bytes:
        """The bytes of a blob; ``BlobNotFound`` if there is none with that id."""
        return await self._in_thread(self.get_sync, blob_id)

    def get_sync(self, blob_id: str) -> bytes:
        """``get`` without the hop to a worker thread.

        Blocks the caller: on a local directory for a file read (about 30 us for 100 KB in
        the page cache, less than the 50-100 us hop to a thread), on object storage for a
        network round trip. Call it from the event loop only for a local store.
        """
        key = _key_of(blob_id)
        self._check_open()
        try:
            if self._local_root is not None:  # 7 us for 150 KB, against obstore's 130
                return (self._local_root / key).read_bytes()
            return self._store.get(key).bytes().to_bytes()
        except FileNotFoundError as exc:
            if _names_missing_container(exc):
                raise self._error(f"get {key} failed", exc) from None
            raise BlobNotFound(blob_id) from None
        except (ObstoreError, OSError) as exc:
            raise self._error(f"get {key} failed", exc) from None

    async def exists(self, blob_id: str) -> bool:
        """Whether a blob with this id is stored.

        On S3 a missing bucket reads as ``False``: S3 answers a HEAD with a bare 404 either
        way. ``get``, ``put``, ``delete`` and ``list_ids`` report it as ``StoreError``.
        """
        key = _key_of(blob_id)
        return await self._in_thread(self._exists_sync, key)

    async def delete(self, blob_id: str) -> None:
        """Remove a blob. Idempotent: deleting a missing blob is not an error."""
        key = _key_of(blob_id)
        await self._in_thread(self._delete_sync, key)

    async def list_ids(self) -> list[str]:
        """Every blob id in the store, sorted; anything else found under ``images/`` is skipped.

        Reads the whole listing: meant for orphan collection, not for request paths.
        """
        return await self._in_thread(self._list_ids_sync)

    async def usage(self) -> tuple[int, int]:
        """How many images the store holds, and their bytes. Reads the whole listing."""
        listing = await self._in_thread(self._list_sync)
        return len(listing), sum(size for _, size, _ in listing)

    async def listing(self) -> list[tuple[str, int, float]]:
        """(blob id, bytes, Unix time last written) of every image. Reads the whole listing."""
        return await self._in_thread(self._list_sync)

    async def remove_stages(self, before: float) -> int:
        """Delete staging files a crash left behind in a local store (written before the Unix
        time ``before``); returns how many. Object stores never show partial objects."""
        if self._local_root is None:
            return 0
        return await self._in_thread(self._remove_stages_sync, before)

    def _remove_stages_sync(self, before: float) -> int:
        assert self._local_root is not None
        removed = 0
        for stage in (self._local_root / "images").glob("*/.*.tmp"):
            try:
                if stage.stat().st_mtime < before:
                    stage.unlink()
                    removed += 1
            except FileNotFoundError:  # finished (renamed) or removed meanwhile
                continue
        return removed

    async def close(self) -> None:
        """Release the store. Idempotent; any later call raises ``StoreError``."""
        self._closed = True

    async def _in_thread(self, function: Callable[..., _T], *args: object) -> _T:
        self._check_open()
        return await anyio.to_thread.run_sync(function, *args)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self!r} is closed")

    def _put_sync(self, blob_id: str, data: bytes) -> None:
        key = _key_of(blob_id)
        if self._exists_sync(key):
            return
        try:
            if self._local_root is not None:
                _write_durably(self._local_root / key, data)
            else:
                # One PUT, never multipart: an aborted multipart upload leaves hidden parts
                # behind, and images are far below S3's 5 GB single-request limit.
                self._store.put(
                    key,
                    data,
                    attributes={"Content-Type": self.media_type_of(blob_id)},
                    use_multipart=False,
                )
        except (ObstoreError, OSError) as exc:
            raise self._error(f"put {key} failed", exc) from None

    def _exists_sync(self, key: str) -> bool:
        try:
            if self._local_root is not None:  # a stat: 1 us, against obstore's 50 to 75
                return stat.S_ISREG((self._local_root / key).stat().st_mode)
            self._store.head(key)
        except FileNotFoundError as exc:
            if _names_missing_container(exc):
                raise self._error(f"head {key} failed", exc) from None
            return False
        except (ObstoreError, OSError) as exc:
            raise self._error(f"head {key} failed", exc) from None
        return True

    def _delete_sync(self, key: str) -> None:
        try:
            self._store.delete(key)
        except FileNotFoundError as exc:
            # Object stores accept deleting a missing object; the local store does not.
            if _names_missing_container(exc):
                raise self._error(f"delete {key} failed", exc) from None
        except (ObstoreError, OSError) as exc:
            raise self._error(f"delete {key} failed", exc) from None

    def _list_ids_sync(self) -> list[str]:
        return sorted(blob_id for blob_id, _, _ in self._list_sync())

    def _list_sync(self) -> list[tuple[str, int, float]]:
        """(blob id, size in bytes, modification time) of every image; anything else under
        ``images/`` skipped."""
        found: list[tuple[str, int, float]] = []
        try:
            for chunk in self._store.list("images", chunk_size=1000):
                for meta in chunk:
                    name = meta["path"].rpartition("/")[2]
                    if _BLOB_ID.fullmatch(name) and meta["path"] == _key_of(name):
                        modified = meta["last_modified"].timestamp()
                        found.append((name, int(meta["size"]), modified))
        except (ObstoreError, OSError) as exc:
            raise self._error("list images/ failed", exc) from None
        return found

    def _error(self, what: str, exc: BaseException) -> StoreError:
        """A ``StoreError`` for ``exc``, with obstore's verbose debug dump dropped and secrets
        masked (the original is not chained, so its text cannot leak through a traceback)."""
        detail = str(exc).split("\n\nDebug source:", 1)[0].strip()
        for secret in self._secrets:
            detail = detail.replace(secret, "***")
        return StoreError(f"{what} in {self._location}: {type(exc).__name__}: {detail}")


def _local_root(url: str) -> Path | None:
    """The directory a local-store URL names, or None for an object-store URL."""
    if "://" not in url:
        return Path(url).expanduser().resolve()
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"a file URL must name an absolute local path: {url!r}")
    return Path(unquote(parts.path)).resolve()


def _blob_id_for(data: bytes, media_type: str) -> str:
    extension = _EXTENSION_BY_MEDIA_TYPE.get(media_type.partition(";")[0].strip().lower())
    if extension is None:
        supported = ", ".join(_EXTENSION_BY_MEDIA_TYPE)
        raise ValueError(f"unsupported media type {media_type!r}; expected one of {supported}")
    if not data:
        raise ValueError("refusing to store an empty image")
    return f"{hashlib.sha256(data).hexdigest()}.{extension}"


def _check_blob_id(blob_id: str) -> None:
    if not _BLOB_ID.fullmatch(blob_id):
        raise ValueError(f"malformed blob id {blob_id!r}; expected '<sha256 hex>.<png|jpeg|webp>'")


def _key_of(blob_id: str) -> str:
    _check_blob_id(blob_id)
    return f"images/{blob_id[:2]}/{blob_id}"


def _names_missing_container(exc: FileNotFoundError) -> bool:
    message = str(exc)
    return any(code in message for code in _MISSING_CONTAINER_CODES)


def _write_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` names either nothing or all of ``data``,
    even across a crash or power cut: stage in the same directory, fsync, rename, fsync the
    directory. Concurrent writers of the same bytes are harmless: the last rename wins."""
    shard = path.parent
    if not shard.is_dir():
        shard.mkdir(parents=True, exist_ok=True)
        _fsync_directory(shard.parent)
    # A dot name that is not a blob id, so listings skip a stage left behind by a crash.
    staging = shard / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    _fsync_directory(shard)


def _make_shards(images: Path) -> None:
    """Make the folders blobs go into, so that no write pays for making one (a folder and an
    fsync of its parent, about 0.5 ms, on most writes to a young cache). Where the volume is
    read-only or full, a write makes its folder as before, or fails."""
    try:
        missing = set(_SHARDS) - set(os.listdir(images))
        for shard in sorted(missing):
            (images / shard).mkdir(exist_ok=True)
        if missing:
            _fsync_directory(images)
    except OSError as exc:
        log.warning("cannot make the folders of %s: %s", images, exc)


def _fsync_directory(directory: Path) -> None:
    """Make a directory's entries (a rename, a new subdirectory) survive a power cut."""
    if os.name != "posix":  # Windows cannot open a directory; NTFS journals renames itself.
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
