"""``memoaized cache ...``: the admin API from the command line, and the cache archive format.

An archive is a plain tar file (the images are compressed already)::

    memoaized-archive.json   {"format": "memoaized-cache", "version": 1, "embedding_model": ...,
                              "entries": N}
    entries.jsonl            one {"entry": <payload>, "vector": [...]} per line
    images/<blob id>         each image once, however many entries show it

``export`` writes it to ``ARCHIVE.partial`` and renames it into place when complete, so a failed
export never leaves a truncated archive under the final name. Both directions show progress on
standard error.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any, TextIO

import httpx

from proxy.settings import ENV_PREFIX

__all__ = ["ARCHIVE_FORMAT", "AdminClient", "add_cache_commands"]

ARCHIVE_FORMAT = "memoaized-cache"
_ARCHIVE_VERSION = 1
_MANIFEST = "memoaized-archive.json"
_ENTRIES = "entries.jsonl"


class AdminClient:
    """The ``/v1/cache`` API of one proxy; errors become ``RuntimeError`` with the proxy's
    message."""

    def __init__(self, url: str, key: str, timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise RuntimeError(f"cannot reach {self.url}: {error}") from None
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:200]
            raise RuntimeError(f"{self.url} answered {response.status_code}: {message}")
        return response.json()


class Progress:
    """``label done/total`` on standard error: redrawn in place on a terminal, otherwise a line
    at every tenth of the way."""

    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label = label
        self.total = total
        self.stream = stream
        self.done = 0
        self._tty = stream.isatty()
        self._shown = -1
        self._started = time.perf_counter()

    def advance(self, count: int) -> None:
        self.done += count
        tenth = 10 * self.done // max(self.total, 1)
        if self._tty or tenth != self._shown:
            self._shown = tenth
            end = "\r" if self._tty else "\n"
            self.stream.write(f"{self.label} {self.done}/{self.total} entries{end}")
            self.stream.flush()

    def finish(self) -> None:
        seconds = time.perf_counter() - self._started
        self.stream.write(f"{self.label} {self.done} entries in {seconds:.1f} s\n")
        self.stream.flush()


def export_archive(client: AdminClient, path: Path, page_size: int = 100) -> int:
    """Write the whole cache to ``path``; returns the number of entries."""
    partial = path.with_name(path.name + ".partial")
    images: set[str] = set()
    count = 0
    progress: Progress | None = None
    embedding_model = ""
    try:
        with (
            tempfile.TemporaryFile("w+", encoding="utf-8") as lines,
            tarfile.open(partial, "w") as archive,
        ):
            offset = None
            while True:
                params: dict[str, Any] = {"limit": page_size}
                if offset:
                    params["offset"] = offset
                page = client.call("GET", "/v1/cache/export", params=params)
                embedding_model = page["embedding_model"]
                if progress is None:
                    progress = Progress("exported", page["total"])
                for item in page["entries"]:
                    blob_id = item["entry"]["blob_id"]
                    if blob_id not in images:
                        _add_member(archive, f"images/{blob_id}", base64.b64decode(item["image"]))
                        images.add(blob_id)
                    lines.write(json.dumps({"entry": item["entry"], "vector": item["vector"]}))
                    lines.write("\n")
                count += len(page["entries"])
                progress.advance(len(page["entries"]))
                offset = page["next"]
                if not offset:
                    break
            lines.seek(0)
            _add_member(archive, _ENTRIES, lines.read().encode())
            manifest = {
                "format": ARCHIVE_FORMAT,
                "version": _ARCHIVE_VERSION,
                "embedding_model": embedding_model,
                "entries": count,
                "images": len(images),
                "exported_from": client.url,
                "exported_at": time.time(),
            }
            _add_member(archive, _MANIFEST, json.dumps(manifest, indent=2).encode())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    if progress is not None:
        progress.finish()
    return count


def import_archive(client: AdminClient, path: Path, batch_bytes: int = 8 * 2**20) -> int:
    """Send every entry of the archive at ``path`` to the proxy, in batches of about
    ``batch_bytes``; returns the number imported."""
    with _open(path) as archive:
        manifest = json.loads(_member(archive, _MANIFEST, path))
        if manifest.get("format") != ARCHIVE_FORMAT or manifest.get("version") != _ARCHIVE_VERSION:
            raise ValueError(f"{path} is not a version {_ARCHIVE_VERSION} memoaized archive")
        progress = Progress("imported", int(manifest["entries"]))
        imported = 0
        for batch in _batches(archive, path, batch_bytes):
            body = {"embedding_model": manifest["embedding_model"], "entries": batch}
            imported += client.call("POST", "/v1/cache/import", json=body)["imported"]
            progress.advance(len(batch))
        progress.finish()
    return imported


def _batches(
    archive: tarfile.TarFile, path: Path, batch_bytes: int
) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for line in _member(archive, _ENTRIES, path).splitlines():
        item = json.loads(line)
        image = _member(archive, f"images/{item['entry']['blob_id']}", path)
        item["image"] = base64.b64encode(image).decode()
        batch.append(item)
        size += len(item["image"]) + 20 * len(item["vector"])
        if size >= batch_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r")
    except (tarfile.TarError, OSError) as error:
        raise ValueError(f"{path} is not a memoaized archive: {error}") from None


def _add_member(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    archive.addfile(info, BytesIO(data))


def _member(archive: tarfile.TarFile, name: str, path: Path) -> bytes:
    try:
        file = archive.extractfile(name)
    except KeyError:
        file = None
    if file is None:
        raise ValueError(f"{path} has no {name}: not a complete memoaized archive")
    return file.read()


# The commands.


def _client(args: argparse.Namespace) -> AdminClient:
    key = args.key or os.environ.get(f"{ENV_PREFIX}ADMIN_KEY", "")
    return AdminClient(args.url, key)


def _print(data: Any, as_json: bool, columns: tuple[str, ...]) -> None:
    if as_json:
        print(json.dumps(data, indent=2))
        return
    rows = data["data"] if isinstance(data, dict) and "data" in data else [data]
    for row in rows:
        print("  ".join(f"{row.get(column)}" for column in columns))


def _stats(args: argparse.Namespace) -> int:
    stats = _client(args).call("GET", "/v1/cache/stats")
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        for name, value in stats.items():
            if name != "object":
                print(f"{name:12} {value}")
    return 0


def _search(args: argparse.Namespace) -> int:
    params = {"order": args.order, "limit": args.limit}
    params.update({k: v for k, v in (("q", args.text), ("tenant", args.tenant)) if v})
    if args.user:
        params["user"] = args.user
    found = _client(args).call("GET", "/v1/cache/entries", params=params)
    _print(found, args.json, ("id", "similarity", "hits", "model", "size", "prompt"))
    return 0


def _get(args: argparse.Namespace) -> int:
    entry = _client(args).call("GET", f"/v1/cache/entries/{args.id}")
    print(json.dumps(entry, indent=2))
    return 0


def _add(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {
        "prompt": args.prompt,
        "image": base64.b64encode(Path(args.image).read_bytes()).decode(),
        "tenant": args.tenant,
        "scope": "private" if args.private else "shared",
        "generation_seconds": args.generation_seconds,
        "energy_wh": args.energy_wh,
    }
    for name in ("model", "size", "quality", "style", "background", "moderation", "user", "ttl"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    entry = _client(args).call("POST", "/v1/cache/entries", json=body)
    _print(entry, args.json, ("id", "model", "size", "prompt"))
    return 0


def _delete(args: argparse.Namespace) -> int:
    _client(args).call("DELETE", f"/v1/cache/entries/{args.id}")
    print(f"deleted {args.id}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"all": True} if args.all else {}
    for name in ("tenant", "user", "partition", "older_than"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    result = _client(args).call("POST", "/v1/cache/purge", json=body)
    print(f"purged {result['entries']} entries and {result['images']} images")
    return 0


def _export(args: argparse.Namespace) -> int:
    client = _client(args)
    count = export_archive(client, Path(args.archive), args.page_size)
    print(f"exported {count} entries to {args.archive}")
    return 0


def _import(args: argparse.Namespace) -> int:
    count = import_archive(_client(args), Path(args.archive), args.batch_bytes)
    print(f"imported {count} entries from {args.archive}")
    return 0


def add_cache_commands(commands: Any) -> None:
    """Register ``memoaized cache ...`` on the top-level subparsers."""
    cache = commands.add_parser("cache", help="administer a running proxy's cache")
    sub = cache.add_subparsers(dest="cache_command", required=True, metavar="COMMAND")

    def command(name: str, help: str, run: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help)
        parser.add_argument(
            "--url", default="http://127.0.0.1:8080", help="the proxy (default: %(default)s)"
        )
        parser.add_argument(
            "--key",
            "--admin-key",
            default="",
            help=f"an admin key, or for search and get a client key (default: env "
            f"{ENV_PREFIX}ADMIN_KEY)",
        )
        parser.set_defaults(run=run)
        return parser

    stats = command("stats", "entries, images and bytes in the cache", _stats)
    stats.add_argument("--json", action="store_true", help="print JSON for machines")

    search = command("search", "entries by meaning, or the most recent or most reused", _search)
    search.add_argument("text", nargs="?", help="search text (none: list by --order)")
    search.add_argument("--order", choices=("recent", "hits"), default="recent")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--tenant", help="only this tenant's entries (admin)")
    search.add_argument("--user", help="only this end user's entries (admin)")
    search.add_argument("--json", action="store_true", help="print JSON for machines")

    get = command("get", "one entry, as JSON", _get)
    get.add_argument("id")

    add = command("add", "add an image with the prompt and parameters it answers", _add)
    add.add_argument("image", help="a PNG, JPEG or WebP file")
    add.add_argument("--prompt", required=True)
    for name in ("model", "size", "quality", "style", "background", "moderation", "user"):
        add.add_argument(f"--{name}")
    add.add_argument("--tenant", default="default")
    add.add_argument("--private", action="store_true", help="only its tenant may read it")
    add.add_argument("--ttl", type=float, help="seconds it may be served")
    add.add_argument("--generation-seconds", type=float, default=0.0, help="what it cost to make")
    add.add_argument("--energy-wh", type=float, default=0.0, help="what it cost to make")
    add.add_argument("--json", action="store_true", help="print JSON for machines")

    remove = command("delete", "delete one entry", _delete)
    remove.add_argument("id")

    purge = command("purge", "delete every entry matching all the criteria given", _purge)
    purge.add_argument("--tenant")
    purge.add_argument("--user", help="erase one end user's entries (OpenAI's `user`)")
    purge.add_argument("--partition", help="a partition, as entries show it")
    purge.add_argument("--older-than", type=float, help="seconds since the entry was stored")
    purge.add_argument("--all", action="store_true", help="the whole cache (alone)")

    export = command("export", "write the whole cache to a portable archive", _export)
    export.add_argument("archive", help="the tar file to write")
    export.add_argument("--page-size", type=int, default=100, help="entries per request")

    load = command("import", "load an archive written by export", _import)
    load.add_argument("archive")
    load.add_argument(
        "--batch-bytes", type=int, default=8 * 2**20, help="about this much per request"
    )
