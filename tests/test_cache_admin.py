"""The admin API through the ``memoaized cache`` CLI, against live proxies (in front of an
sd-server on the tiny pipeline): add, search, get, delete, purge (erasure of one end user),
export and import, and the background eviction wired into the running proxy."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI
from PIL import Image

from proxy.auth import hash_key
from tests.conftest import LiveServer, serve_sd_upstream

ADMIN_KEY = "cache-admin-key-0123"

pytestmark = pytest.mark.slow


def _admin_proxy(
    start: Callable[..., LiveServer], data: Path, sd: LiveServer, *extra: str, wait: bool = True
) -> LiveServer:
    options = ("--admin-keys", hash_key(ADMIN_KEY), *extra)
    return start(*serve_sd_upstream(data, sd, *options), wait=wait)


def cli(proxy: LiveServer, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``memoaized cache ARGS`` against ``proxy`` with the admin key from the environment."""
    done = subprocess.run(
        [sys.executable, "-m", "proxy.cli", "cache", args[0], "--url", proxy.url, *args[1:]],
        env={**proxy.env, "MEMOAIZED_ADMIN_KEY": ADMIN_KEY},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def sdk() -> Iterator[Callable[[LiveServer], OpenAI]]:
    clients: list[OpenAI] = []

    def make(proxy: LiveServer) -> OpenAI:
        clients.append(OpenAI(base_url=proxy.url + "/v1", api_key="unused", max_retries=0))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def _generate(client: OpenAI, prompt: str, **extra: Any) -> tuple[bytes, httpx.Headers]:
    raw = client.images.with_raw_response.generate(
        prompt=prompt, size="256x256", response_format="b64_json", **extra
    )
    body = raw.http_response.json()
    return base64.b64decode(body["data"][0]["b64_json"]), raw.http_response.headers


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_add_search_get_and_delete(
    live_server: Callable[..., LiveServer],
    tmp_path: Path,
    sd_server: LiveServer,
    sdk: Callable[[LiveServer], OpenAI],
) -> None:
    proxy = _admin_proxy(live_server, tmp_path / "data", sd_server)
    client = sdk(proxy)
    image = tmp_path / "library.png"
    image.write_bytes(_png((200, 30, 30)))
    added = json.loads(
        cli(
            proxy,
            "add",
            str(image),
            "--prompt",
            "a plain red square",
            "--size",
            "256x256",
            "--generation-seconds",
            "4.5",
            "--json",
        ).stdout
    )
    assert added["model"] == "tiny-sd" and added["size"] == "256x256"

    # The seeded image answers the prompt, and its rewording, without generating.
    data, headers = _generate(
        client, "a plain red square", extra_body={"cache": {"mode": "only-if-cached"}}
    )
    assert data == image.read_bytes() and headers["x-cache-entry"] == added["id"]
    _, reworded = _generate(client, "a plain, red square")
    assert reworded["x-cache"] == "HIT"

    found = json.loads(cli(proxy, "search", "red square", "--json").stdout)["data"]
    assert found[0]["id"] == added["id"] and found[0]["similarity"] > 0.8
    assert found[0]["tenant"] == "default"  # admins see who stored it
    by_hits = json.loads(cli(proxy, "search", "--order", "hits", "--json").stdout)["data"]
    assert by_hits[0]["id"] == added["id"] and by_hits[0]["hits"] == 2
    assert json.loads(cli(proxy, "get", added["id"]).stdout)["prompt"] == "a plain red square"
    fetched = httpx.get(found[0]["url"])
    assert fetched.status_code == 200 and fetched.content == image.read_bytes()

    # An import is checked whole before anything is written.
    exported = httpx.get(
        proxy.url + "/v1/cache/export", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    ).json()
    assert len(exported["entries"]) == 1 and exported["next"] is None
    good = exported["entries"][0]
    good["entry"]["id"] = "00000000-0000-4000-8000-00000000abcd"  # a new entry, if written
    for bad, message in [
        ({"entry": {**good["entry"], "expires_at": "2030"}}, "expires_at"),
        ({"entry": {**good["entry"], "tenant": "no spaces"}}, "tenant"),
        ({"vector": [0.1] * 3}, "vector"),
        ({"image": base64.b64encode(b"other bytes").decode()}, "does not match"),
    ]:
        refused_import = httpx.post(
            proxy.url + "/v1/cache/import",
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
            json={"embedding_model": "m", "entries": [good, {**good, **bad}]},
        )
        assert refused_import.status_code == 400, (bad, refused_import.text)
        assert message in refused_import.json()["error"]["message"]
    assert json.loads(cli(proxy, "stats", "--json").stdout)["entries"] == 1

    assert "deleted" in cli(proxy, "delete", added["id"]).stdout
    gone = cli(proxy, "get", added["id"], check=False)
    assert gone.returncode == 2 and "404" in gone.stderr
    assert httpx.get(found[0]["url"]).status_code == 404
    not_png = tmp_path / "notes.txt"
    not_png.write_text("not an image")
    refused = cli(proxy, "add", str(not_png), "--prompt", "x", check=False)
    assert refused.returncode == 2 and "PNG, JPEG or WebP" in refused.stderr
    vague = cli(proxy, "purge", check=False)
    assert vague.returncode == 2 and "at least one of" in vague.stderr


def test_purge_by_user_leaves_nothing_of_that_user_behind(
    live_server: Callable[..., LiveServer],
    tmp_path: Path,
    sd_server: LiveServer,
    sdk: Callable[[LiveServer], OpenAI],
) -> None:
    data_dir = tmp_path / "data"
    proxy = _admin_proxy(live_server, data_dir, sd_server)
    client = sdk(proxy)
    erased_user, kept_user = "user-7f3a9c2e", "user-b81d44aa"
    erased_prompts = ["a xylophonist named quillfeather", "an orrery made of zanzibar cloves"]
    kept_prompt = "a lantern shaped like a narwhal"
    for prompt in erased_prompts:
        _generate(client, prompt, user=erased_user)
    kept, _ = _generate(client, kept_prompt, user=kept_user)

    def on_disk(*texts: str) -> dict[str, list[Path]]:
        """Each text's files in the data directory: every file is read once (the index's are
        tens of MiB), and searched for every text."""
        found: dict[str, list[Path]] = {text: [] for text in texts}
        for path in data_dir.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                for text in texts:
                    if text.encode() in content:
                        found[text].append(path)
        return found

    # A listing waits for the images still being stored after their b64_json answers.
    stored = json.loads(cli(proxy, "search", "--user", erased_user, "--json").stdout)["data"]
    assert len(stored) == 2
    images_before = {p.name for p in (data_dir / "images").rglob("*.png")}
    assert all(on_disk(erased_user, "quillfeather").values())  # the scan sees what it seeks
    assert "purged 2 entries and 2 images" in cli(proxy, "purge", "--user", erased_user).stdout

    listed = json.loads(cli(proxy, "search", "--user", erased_user, "--json").stdout)["data"]
    assert listed == []
    after = on_disk(erased_user, "quillfeather", "zanzibar", kept_user, "narwhal")
    for text in (erased_user, "quillfeather", "zanzibar"):
        assert after[text] == [], text  # no point, payload or index trace, even deleted ones
    images_after = {p.name for p in (data_dir / "images").rglob("*.png")}
    assert len(images_before - images_after) == 2 and len(images_after) == 1
    # The other user's entry, payload and image are untouched, and still served.
    assert after[kept_user] and after["narwhal"]
    again, headers = _generate(
        client, kept_prompt, extra_body={"cache": {"mode": "only-if-cached"}}
    )
    assert again == kept and headers["x-cache"] == "HIT"


def test_export_then_import_into_an_empty_data_directory_reproduces_the_hits(
    live_server: Callable[..., LiveServer],
    tmp_path: Path,
    sd_server: LiveServer,
    sdk: Callable[[LiveServer], OpenAI],
) -> None:
    # The target loads while the source serves: it stays empty until the import.
    target = _admin_proxy(live_server, tmp_path / "target", sd_server, wait=False)
    source = _admin_proxy(live_server, tmp_path / "source", sd_server)
    prompts = [
        "a heron standing in a misty marsh",
        "a copper kettle on a wood stove",
        "a paper boat on a rainy street",
    ]
    rewordings = [
        "a heron standing in the misty marsh",
        "a copper kettle on the wood stove",
        "a paper boat on the rainy street",
    ]
    originals = [_generate(sdk(source), prompt) for prompt in prompts]
    _generate(sdk(source), prompts[1], extra_body={"cache": {"scope": "private"}})  # a hit
    before = [_generate(sdk(source), text) for text in prompts + rewordings]

    archive = tmp_path / "cache.tar"
    exported = cli(source, "export", str(archive), "--page-size", "2")
    assert "exported 3 entries" in exported.stdout
    assert "exported 2/3 entries" in exported.stderr and "exported 3/3 entries" in exported.stderr
    assert not archive.with_name("cache.tar.partial").exists()

    target.wait()
    only_cached = {"cache": {"mode": "only-if-cached"}}
    with pytest.raises(Exception, match="not cached"):
        _generate(sdk(target), prompts[0], extra_body=only_cached)
    imported = cli(target, "import", str(archive), "--batch-bytes", "1")
    assert "imported 3 entries" in imported.stdout and "imported 1/3 entries" in imported.stderr

    after = [_generate(sdk(target), text, extra_body=only_cached) for text in prompts + rewordings]
    for (data_before, headers_before), (data_after, headers_after) in zip(
        before, after, strict=True
    ):
        assert data_after == data_before
        for header in ("x-cache", "x-cache-match", "x-cache-entry", "x-cache-similarity"):
            assert headers_after[header] == headers_before[header], header
    assert [data for data, _ in originals] == [data for data, _ in after[:3]]
    stats = json.loads(cli(target, "stats", "--json").stdout)
    assert (stats["entries"], stats["images"]) == (3, 3)


def test_the_running_proxy_evicts_in_the_background(
    live_server: Callable[..., LiveServer],
    tmp_path: Path,
    sd_server: LiveServer,
    sdk: Callable[[LiveServer], OpenAI],
) -> None:
    """Capacity 2, sweeps every 0.2 s, no grace: the oldest, never-reused entries go."""
    options = ("--max-entries", "2", "--eviction-seconds", "0.2", "--eviction-grace-seconds", "0")
    proxy = _admin_proxy(live_server, tmp_path / "data", sd_server, *options)
    client = sdk(proxy)
    first = _generate(client, "a snowy owl on a fence post")
    # Reused: its value (generation seconds x (1 + hits)) grows with each hit. Eight hits keep
    # it above the others' even when a busy machine made it several times faster.
    for _ in range(8):
        assert _generate(client, "a snowy owl on a fence post")[1]["x-cache"] == "HIT"
    for prompt in ("a tin robot in a field", "a bowl of ripe figs", "a sailboat at dawn"):
        _generate(client, prompt)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = json.loads(cli(proxy, "stats", "--json").stdout)
        # the sweep removes an entry, then its image: a read between them sees one image more
        if stats["entries"] <= 2 and stats["images"] <= 2:
            break
        time.sleep(0.2)
    assert stats["entries"] == 2 and stats["images"] == 2
    kept, headers = _generate(client, "a snowy owl on a fence post")
    assert kept == first[0] and headers["x-cache"] == "HIT"
    metrics = httpx.get(proxy.url + "/metrics").text
    assert 'memoaized_evictions_total{reason="capacity"} 2.0' in metrics
