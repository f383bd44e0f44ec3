"""One contract suite for ``BlobStore``, run on a local directory and on S3.

S3 is moto's real server in a subprocess on loopback (no cloud account is reachable from the
machines that test this project); obstore talks to it over HTTP exactly as it would to AWS.
Each S3 test gets its own prefix in one session-wide bucket.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import random
import stat
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from proxy.store import BlobNotFound, BlobStore, StoreError
from tests.moto_server import (
    ACCESS_KEY_ID,
    REGION,
    SECRET_ACCESS_KEY,
    create_bucket,
    running_moto_server,
)

BUCKET = "memoaized-test"


def _image(seed: int, size: int = 100_000) -> bytes:
    return random.Random(seed).randbytes(size)


def _s3_options(endpoint: str) -> dict[str, str]:
    return {
        "endpoint": endpoint,
        "region": REGION,
        "access_key_id": ACCESS_KEY_ID,
        "secret_access_key": SECRET_ACCESS_KEY,
        "allow_http": "true",
    }


def _key(blob_id: str) -> str:
    return f"images/{blob_id[:2]}/{blob_id}"


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_moto_server(tmp_path_factory.mktemp("moto")) as endpoint:
        create_bucket(endpoint, BUCKET)
        yield endpoint


@pytest.fixture(scope="session")
def s3_client(s3_endpoint: str) -> Iterator[Any]:
    """A boto3 client on the same endpoint, to look at and plant raw objects."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    yield client
    client.close()


@dataclass
class Backing:
    """A store under test plus raw access to what it wrote, bypassing ``BlobStore``."""

    kind: str
    store: BlobStore
    raw_keys: Callable[[], list[str]]
    """Every object (for a directory: every file, hidden ones included) below the root."""
    raw_put: Callable[[str, bytes], None]


def _local_backing(root: Path) -> Backing:
    def raw_keys() -> list[str]:
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

    def raw_put(key: str, data: bytes) -> None:
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)

    return Backing("local", BlobStore(str(root)), raw_keys, raw_put)


def _s3_backing(endpoint: str, client: Any, prefix: str | None = None) -> Backing:
    prefix = prefix or f"contract/{uuid.uuid4().hex}"

    def raw_keys() -> list[str]:
        listing = client.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/")
        return sorted(obj["Key"].removeprefix(f"{prefix}/") for obj in listing.get("Contents", []))

    def raw_put(key: str, data: bytes) -> None:
        client.put_object(Bucket=BUCKET, Key=f"{prefix}/{key}", Body=data)

    store = BlobStore(f"s3://{BUCKET}/{prefix}", options=_s3_options(endpoint))
    return Backing("s3", store, raw_keys, raw_put)


@pytest.fixture(params=["local", "s3"])
async def backing(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backing]:
    if request.param == "local":
        impl = _local_backing(tmp_path / "blobs")
    else:
        impl = _s3_backing(
            request.getfixturevalue("s3_endpoint"), request.getfixturevalue("s3_client")
        )
    async with impl.store:
        yield impl


async def test_put_then_get_returns_identical_bytes(backing: Backing) -> None:
    data = _image(1)
    blob_id = await backing.store.put(data, "image/png")
    assert await backing.store.get(blob_id) == data
    assert await asyncio.to_thread(backing.store.get_sync, blob_id) == data


async def test_ids_are_sha256_of_content_with_media_type_extension(backing: Backing) -> None:
    data = _image(2)
    digest = hashlib.sha256(data).hexdigest()
    assert await backing.store.put(data, "image/jpeg") == f"{digest}.jpeg"
    assert await backing.store.put(data, "image/webp") == f"{digest}.webp"
    assert await backing.store.put(data, "IMAGE/PNG; charset=binary") == f"{digest}.png"
    assert backing.raw_keys() == [_key(f"{digest}.{ext}") for ext in ("jpeg", "png", "webp")]


async def test_put_is_idempotent(backing: Backing) -> None:
    data = _image(3)
    first = await backing.store.put(data, "image/png")
    second = await backing.store.put(data, "image/png")
    assert first == second
    assert backing.raw_keys() == [_key(first)]
    assert await backing.store.list_ids() == [first]


async def test_exists_and_delete(backing: Backing) -> None:
    blob_id = await backing.store.put(_image(4), "image/webp")
    kept = await backing.store.put(_image(5), "image/webp")
    assert await backing.store.exists(blob_id)
    await backing.store.delete(blob_id)
    assert not await backing.store.exists(blob_id)
    with pytest.raises(BlobNotFound):
        await backing.store.get(blob_id)
    await backing.store.delete(blob_id)  # a second delete is not an error
    assert backing.raw_keys() == [_key(kept)]
    assert await backing.store.exists(kept)


async def test_get_of_a_missing_id_raises_blob_not_found(backing: Backing) -> None:
    missing = "0" * 64 + ".png"
    assert not await backing.store.exists(missing)
    with pytest.raises(BlobNotFound) as caught:
        await backing.store.get(missing)
    assert isinstance(caught.value, StoreError)
    assert caught.value.blob_id == missing
    with pytest.raises(BlobNotFound):
        backing.store.get_sync(missing)


@pytest.mark.parametrize(
    "blob_id",
    [
        "../../etc/passwd",
        "abc",
        "",
        "a" * 64,
        "a" * 63 + ".png",
        "A" * 64 + ".png",
        "a" * 64 + ".gif",
        "a" * 64 + ".png/../../x",
        "../" + "a" * 61 + ".png",
        _key("a" * 64 + ".png"),
    ],
)
async def test_malformed_ids_are_rejected(backing: Backing, blob_id: str) -> None:
    with pytest.raises(ValueError, match="malformed blob id"):
        await backing.store.get(blob_id)
    with pytest.raises(ValueError, match="malformed blob id"):
        backing.store.get_sync(blob_id)
    with pytest.raises(ValueError, match="malformed blob id"):
        await backing.store.exists(blob_id)
    with pytest.raises(ValueError, match="malformed blob id"):
        await backing.store.delete(blob_id)
    with pytest.raises(ValueError, match="malformed blob id"):
        BlobStore.media_type_of(blob_id)


async def test_put_refuses_unknown_media_types_and_empty_data(backing: Backing) -> None:
    with pytest.raises(ValueError, match="unsupported media type"):
        await backing.store.put(_image(6), "image/gif")
    with pytest.raises(ValueError, match="empty"):
        await backing.store.put(b"", "image/png")
    assert backing.raw_keys() == []


async def test_list_ids_returns_what_was_put_and_skips_foreign_objects(backing: Backing) -> None:
    assert await backing.store.list_ids() == []
    ids = [await backing.store.put(_image(seed), "image/png") for seed in range(7, 12)]
    stray = "f" * 64 + ".png"
    backing.raw_put("images/ff/notes.txt", b"not a blob")
    backing.raw_put(f"images/ff/.{stray}.0123abcd.tmp", b"a stage left by a crash")
    backing.raw_put(f"images/00/{stray}", b"a valid name in the wrong shard")
    backing.raw_put(f"elsewhere/{stray}", b"outside images/")
    assert await backing.store.list_ids() == sorted(ids)


def test_media_type_comes_from_the_id() -> None:
    digest = "ab" * 32
    assert BlobStore.media_type_of(f"{digest}.png") == "image/png"
    assert BlobStore.media_type_of(f"{digest}.jpeg") == "image/jpeg"
    assert BlobStore.media_type_of(f"{digest}.webp") == "image/webp"


async def test_concurrent_puts_of_same_and_different_blobs(backing: Backing) -> None:
    shared = _image(20)
    distinct = [_image(seed, size=20_000) for seed in range(21, 41)]
    puts = [backing.store.put(shared, "image/png") for _ in range(10)]
    puts += [backing.store.put(data, "image/jpeg") for data in distinct]
    ids = await asyncio.gather(*puts)

    shared_id = ids[0]
    assert set(ids[:10]) == {shared_id}
    assert len(set(ids[10:])) == len(distinct)
    expected = sorted({*ids})
    assert await backing.store.list_ids() == expected
    # Exactly the final objects: no staged, temporary or partial files anywhere.
    assert backing.raw_keys() == sorted(_key(blob_id) for blob_id in expected)
    fetched = await asyncio.gather(*(backing.store.get(blob_id) for blob_id in ids[9:]))
    assert fetched == [shared, *distinct]


async def test_a_closed_store_refuses_calls(backing: Backing) -> None:
    blob_id = await backing.store.put(_image(50), "image/png")
    await backing.store.close()
    await backing.store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        await backing.store.get(blob_id)
    with pytest.raises(StoreError, match="closed"):
        backing.store.get_sync(blob_id)
    with pytest.raises(StoreError, match="closed"):
        await backing.store.put(_image(51), "image/png")


# Local directory only.


async def test_local_directory_is_created_and_file_urls_name_the_same_store(tmp_path: Path) -> None:
    root = tmp_path / "does" / "not" / "exist"
    async with BlobStore(root.as_uri()) as by_url:
        blob_id = await by_url.put(_image(60), "image/png")
    assert (root / _key(blob_id)).read_bytes() == _image(60)
    async with BlobStore(str(root)) as by_path:
        assert await by_path.get(blob_id) == _image(60)


async def test_local_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fails mid-write is simulated by making ``os.fsync`` of a file raise ``EIO``."""
    backing = _local_backing(tmp_path / "blobs")
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EIO, "simulated I/O error")
        real_fsync(fd)

    async with backing.store:
        with monkeypatch.context() as patch:
            patch.setattr(os, "fsync", failing_fsync)
            with pytest.raises(StoreError, match="simulated I/O error"):
                await backing.store.put(_image(61), "image/png")
        assert backing.raw_keys() == []
        blob_id = await backing.store.put(_image(61), "image/png")
        assert backing.raw_keys() == [_key(blob_id)]


async def test_local_store_makes_its_folders_when_it_opens(tmp_path: Path) -> None:
    """A write to a young cache makes no folder (a folder and an fsync of its parent each)."""
    root = tmp_path / "blobs"
    async with BlobStore(str(root)) as store:
        folders = sorted(p.name for p in (root / "images").iterdir())
        assert folders == [f"{i:02x}" for i in range(256)]
        blob_id = await store.put(_image(62), "image/png")
        assert sorted(p.name for p in (root / "images").iterdir()) == folders
        assert await store.exists(blob_id)
        assert await store.get(blob_id) == _image(62)


async def test_local_store_opens_where_it_cannot_make_its_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """On a volume that refuses new folders the store still opens and reads; a write that
    needs a folder fails as a store error, and works once the volume takes folders again."""
    root = tmp_path / "blobs"
    real_mkdir = Path.mkdir

    def refusing_mkdir(path: Path, *args: Any, **kwargs: Any) -> None:
        if path.parent.name == "images":
            raise OSError(errno.EROFS, "Read-only file system")
        real_mkdir(path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Path, "mkdir", refusing_mkdir)
        async with BlobStore(str(root)) as store:
            assert "cannot make the folders" in caplog.text
            assert list((root / "images").iterdir()) == []
            with pytest.raises(StoreError, match="Read-only file system"):
                await store.put(_image(63), "image/png")
            assert not await store.exists(BlobStore.id_for(_image(63), "image/png"))
    async with BlobStore(str(root)) as store:
        blob_id = await store.put(_image(63), "image/png")
        assert await store.get(blob_id) == _image(63)


def test_local_directory_refuses_object_store_options(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="object storage only"):
        BlobStore(str(tmp_path), options={"region": REGION})


# S3 only.


async def test_s3_objects_carry_their_content_type(s3_endpoint: str, s3_client: Any) -> None:
    prefix = f"content-type/{uuid.uuid4().hex}"
    backing = _s3_backing(s3_endpoint, s3_client, prefix)
    async with backing.store:
        blob_id = await backing.store.put(_image(70), "image/webp")
    (key,) = backing.raw_keys()
    head = s3_client.head_object(Bucket=BUCKET, Key=f"{prefix}/{key}")
    assert key == _key(blob_id)
    assert head["ContentType"] == "image/webp"


async def test_s3_missing_bucket_is_a_store_error_not_a_missing_blob(s3_endpoint: str) -> None:
    blob_id = "ab" * 32 + ".png"
    async with BlobStore("s3://no-such-bucket/x", options=_s3_options(s3_endpoint)) as store:
        with pytest.raises(StoreError, match="NoSuchBucket") as caught:
            await store.get(blob_id)
        assert not isinstance(caught.value, BlobNotFound)
        with pytest.raises(StoreError, match="NoSuchBucket"):
            await store.delete(blob_id)
        with pytest.raises(StoreError, match="NoSuchBucket"):
            await store.put(_image(80), "image/png")
        with pytest.raises(StoreError, match="NoSuchBucket"):
            await store.list_ids()


async def test_s3_unreachable_endpoint_is_a_store_error_without_credentials() -> None:
    closed_port = 9  # the discard port: nothing listens on it on a test machine
    options = _s3_options(f"http://127.0.0.1:{closed_port}")
    async with BlobStore(f"s3://{BUCKET}/x", options=options) as store:
        with pytest.raises(StoreError) as caught:
            await store.get("ab" * 32 + ".png")
    assert not isinstance(caught.value, BlobNotFound)
    assert "127.0.0.1" in str(caught.value)
    assert SECRET_ACCESS_KEY not in str(caught.value)
    assert SECRET_ACCESS_KEY not in repr(store)


def test_s3_unknown_option_is_reported_at_construction() -> None:
    with pytest.raises(StoreError, match="bogus_option"):
        BlobStore(f"s3://{BUCKET}/x", options={"bogus_option": "1"})
