"""Client keys mapped to tenants, admin keys for /v1/cache, and the loopback-only default:
the key ring itself, the app over HTTP (in-process client, tiny pipeline), and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from proxy.app import create_app
from proxy.auth import KeyRing, Principal, hash_key, load_url_secret
from proxy.settings import Settings
from tests.conftest import LiveServer, open_ready, serve_sd_upstream

ADMIN_KEY = "admin-key-0123"
TEAM_A_KEY = "team-a-key-0123"
TEAM_B_KEY = "team-b-key-0123"


# ---------------------------------------------------------------------------- the key ring


def test_keys_map_to_tenants_and_may_be_stored_hashed(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text(
        f"# tenant  key\nteam-b  {hash_key(TEAM_B_KEY)}\n\nteam-c  plain-key-for-c  # a comment\n"
    )
    ring = KeyRing.from_settings(
        f"team-a:{TEAM_A_KEY}, bare-key-0123, {hash_key('hashed-bare-key')}",
        str(keys_file),
        hash_key(ADMIN_KEY),
    )
    assert ring.holder(TEAM_A_KEY) == Principal("team-a")
    assert ring.holder("bare-key-0123") == Principal("default")
    assert ring.holder("hashed-bare-key") == Principal("default")
    assert ring.holder(TEAM_B_KEY) == Principal("team-b")
    assert ring.holder("plain-key-for-c") == Principal("team-c")
    assert ring.holder(ADMIN_KEY) == Principal("admin", admin=True)
    assert ring.holder("team-a-key-012") is None and ring.holder("") is None
    assert ring.clients
    assert not KeyRing.from_settings("", "", ADMIN_KEY).clients


@pytest.mark.parametrize(
    ("api_keys", "file_text", "message"),
    [
        ("a b:key-1", "", "tenant names are"),
        (f"one:{TEAM_A_KEY},two:{TEAM_A_KEY}", "", "the same key is configured twice"),
        ("", "team-a\n", r"keys:1: expected 'tenant key', found 1 fields"),
        ("", "team-a key one\n", "found 3 fields"),
    ],
)
def test_bad_key_configuration_is_refused_without_showing_keys(
    tmp_path: Path, api_keys: str, file_text: str, message: str
) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text(file_text)
    with pytest.raises(ValueError, match=message) as raised:
        KeyRing.from_settings(api_keys, str(keys_file) if file_text else "", "")
    assert TEAM_A_KEY not in str(raised.value)


def test_a_mistyped_hash_is_refused_not_taken_for_a_plain_key() -> None:
    digest = hash_key(TEAM_A_KEY).removeprefix("sha256:")
    ring = KeyRing.from_settings(f"team-a:sha256:{digest.upper()}", "", "")
    assert ring.holder(TEAM_A_KEY) == Principal("team-a")  # hex in either case
    for typo in (digest[:-1], digest + "0", digest[:-1] + "g"):
        with pytest.raises(ValueError, match="64 hex digits"):
            KeyRing.from_settings(f"team-a:sha256:{typo}", "", "")


def test_url_secrets_are_long_enough_and_kept_in_the_data_dir(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        load_url_secret("short", tmp_path)
    (tmp_path / "url-secret").write_text("")  # as a crash or a stray `touch` could leave it
    secret = load_url_secret("", tmp_path)
    assert len(secret) == 32 and load_url_secret("", tmp_path) == secret
    assert (tmp_path / "url-secret").stat().st_mode & 0o077 == 0  # its owner's only
    assert load_url_secret("a configured secret, long enough", tmp_path) != secret


def test_a_missing_keys_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the keys file"):
        KeyRing.from_settings("", str(tmp_path / "nope"), "")


# ---------------------------------------------------------------------------- over HTTP


@pytest.fixture
async def client(
    tmp_path: Path, embedding_model_dir: Path, tiny_model_dir: Path
) -> AsyncIterator[Callable[..., Any]]:
    opened: list[AsyncTestClient[Any]] = []

    async def make(**settings: Any) -> AsyncTestClient[Any]:
        app = create_app(
            Settings(
                data_dir=tmp_path / f"data{len(opened)}",
                backend="diffusers",
                sd_model=str(tiny_model_dir),
                embedding_model_dir=str(embedding_model_dir),
                **settings,
            )
        )
        started = await open_ready(app)
        opened.append(started)
        return started

    yield make
    for opened_client in opened:
        await opened_client.__aexit__(None, None, None)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _generate(client: AsyncTestClient[Any], **headers: str) -> httpx.Response:
    return await client.post(
        "/v1/images/generations",
        json={"prompt": "a paper lantern", "size": "64x64"},
        headers=headers,
    )


async def test_client_and_admin_keys_open_their_own_routes_only(
    client: Callable[..., Any],
) -> None:
    app = await client(api_keys=f"team-a:{TEAM_A_KEY}", admin_keys=hash_key(ADMIN_KEY))
    assert (await _generate(app, **_bearer(TEAM_A_KEY))).status_code == 200
    missing = await _generate(app)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "invalid_api_key"
    wrong = await _generate(app, **_bearer("team-a-key-9999"))
    assert wrong.status_code == 401 and "team-a-key-9999" not in wrong.text
    admin_generating = await _generate(app, **_bearer(ADMIN_KEY))
    assert admin_generating.status_code == 403
    assert admin_generating.json()["error"]["code"] == "forbidden"

    tenant_stats = await app.get("/v1/cache/stats", headers=_bearer(TEAM_A_KEY))
    assert (
        tenant_stats.status_code == 403 and "admin key" in tenant_stats.json()["error"]["message"]
    )
    assert (await app.get("/v1/cache/stats")).status_code == 401
    stats = await app.get("/v1/cache/stats", headers=_bearer(ADMIN_KEY))
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert body["entries"] == 1 and body["images"] == 1 and body["bytes"] > 0
    assert ADMIN_KEY not in stats.text and TEAM_A_KEY not in stats.text


async def test_without_client_keys_clients_need_none_but_admin_routes_still_do(
    client: Callable[..., Any],
) -> None:
    app = await client(admin_keys=ADMIN_KEY)
    assert (await _generate(app)).status_code == 200
    assert (await app.get("/v1/cache/stats")).status_code == 401
    assert (await app.get("/v1/cache/stats", headers=_bearer(ADMIN_KEY))).status_code == 200


async def test_without_client_keys_pages_on_other_sites_and_other_host_names_are_refused(
    client: Callable[..., Any],
) -> None:
    """Issue 15, finding 5: a page on another origin generated and stored an image with a
    ``no-cors`` text/plain POST, and ``Host: evil.example`` (DNS rebinding) was answered."""
    app = await client()
    body = b'{"prompt": "a paper lantern", "size": "64x64"}'
    plain = await app.post(
        "/v1/images/generations", content=body, headers={"Content-Type": "text/plain"}
    )
    assert plain.status_code == 415 and plain.json()["error"]["code"] == "unsupported_media_type"
    for headers in (
        {"Host": "evil.example"},
        {"Host": "evil.example:8000"},
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        refused = await _generate(app, **headers)
        assert refused.status_code == 403, headers
        assert (await app.get("/v1/cache/entries", headers=headers)).status_code == 403
    assert await app.app.state.services.index.count() == 0
    # This machine's names, and the proxy's own page (same origin), are answered.
    for headers in (
        {"Host": "127.0.0.1:8000"},
        {"Host": "[::1]:8000"},
        {"Host": "localhost", "Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
    ):
        assert (await _generate(app, **headers)).status_code == 200, headers
    # With keys, the key is the credential: other names are fine.
    keyed = await client(api_keys=f"team-a:{TEAM_A_KEY}")
    assert (await _generate(keyed, Host="proxy.example", **_bearer(TEAM_A_KEY))).status_code == 200


# ---------------------------------------------------------------------------- the CLI


def _env(embedding_model_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "MEMOAIZED_EMBEDDING_MODEL_DIR": str(embedding_model_dir),
        **extra,
    }


@pytest.mark.slow
def test_no_keys_means_loopback_only(tmp_path: Path, embedding_model_dir: Path) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "proxy.cli", "serve", "--host", "0.0.0.0"],
        env=_env(embedding_model_dir, MEMOAIZED_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "listens on loopback only" in refused.stderr
    assert "--allow-unauthenticated" in refused.stderr


@pytest.mark.slow
def test_loopback_start_says_no_key_is_required_and_cache_stats_reads_the_admin_api(
    live_server: Callable[..., LiveServer],
    tmp_path: Path,
    sd_server: LiveServer,
    embedding_model_dir: Path,
) -> None:
    proxy = live_server(
        *serve_sd_upstream(tmp_path / "data", sd_server, "--admin-keys", hash_key(ADMIN_KEY))
    )
    assert "no client API keys are configured" in proxy.log()

    def stats(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "proxy.cli", "cache", "stats", "--url", proxy.url, *args],
            env=_env(embedding_model_dir, **env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    shown = stats(MEMOAIZED_ADMIN_KEY=ADMIN_KEY)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0].split() == ["entries", "0"]
    refused = stats("--admin-key", "not-the-admin-key")
    assert refused.returncode == 2 and "401" in refused.stderr
    assert "not-the-admin-key" not in refused.stderr
