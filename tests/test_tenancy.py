"""Sharing between tenants, over HTTP on live proxies (in front of an sd-server on the tiny
pipeline), with the OpenAI SDK.

In ``org`` sharing one tenant's shared entry serves another; a private entry (``cache.scope =
"private"``) is unreachable to every other tenant by every route: an exact or semantic hit,
``revised_prompt``, its image URL, its id, search, and admin listings narrowed to a tenant. In
``tenant`` sharing even shared entries stay with their tenant.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from openai import OpenAI

from proxy.auth import hash_key
from tests.conftest import LiveServer, serve_sd_upstream

KEYS = {"team-a": "tenancy-key-a-0123", "team-b": "tenancy-key-b-0123"}
ADMIN_KEY = "tenancy-admin-0123"

pytestmark = pytest.mark.slow


def _start(
    start: Callable[..., LiveServer], data: Path, sd: LiveServer, sharing: str
) -> LiveServer:
    api_keys = ",".join(f"{tenant}:{hash_key(key)}" for tenant, key in KEYS.items())
    options = ("--api-keys", api_keys, "--admin-keys", hash_key(ADMIN_KEY), "--sharing", sharing)
    return start(*serve_sd_upstream(data, sd, *options))


@pytest.fixture(scope="module")
def org(
    module_servers: Callable[..., LiveServer],
    tmp_path_factory: pytest.TempPathFactory,
    sd_server: LiveServer,
) -> LiveServer:
    return _start(module_servers, tmp_path_factory.mktemp("org"), sd_server, "org")


@pytest.fixture(scope="module")
def isolated(
    module_servers: Callable[..., LiveServer],
    tmp_path_factory: pytest.TempPathFactory,
    sd_server: LiveServer,
) -> LiveServer:
    return _start(module_servers, tmp_path_factory.mktemp("tenant"), sd_server, "tenant")


class Tenant:
    """One tenant's view of a proxy: the SDK for generations, httpx for the cache API."""

    def __init__(self, proxy: LiveServer, key: str) -> None:
        self.proxy = proxy
        self.key = key
        self.sdk = OpenAI(base_url=proxy.url + "/v1", api_key=key, max_retries=0)
        self.http = httpx.Client(
            base_url=proxy.url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        )

    def close(self) -> None:
        self.sdk.close()
        self.http.close()

    def generate(self, prompt: str, **cache: Any) -> tuple[dict[str, Any], httpx.Headers]:
        """(the response body, its headers) for a URL response."""
        raw = self.sdk.images.with_raw_response.generate(
            prompt=prompt,
            size="256x256",
            response_format="url",
            extra_body={"cache": cache} if cache else None,
        )
        return raw.http_response.json(), raw.http_response.headers

    def search(self, **params: Any) -> list[dict[str, Any]]:
        response = self.http.get("/v1/cache/entries", params=params)
        assert response.status_code == 200, response.text
        data: list[dict[str, Any]] = response.json()["data"]
        return data


@pytest.fixture
def tenants() -> Iterator[Callable[[LiveServer, str], Tenant]]:
    """Factory of ``Tenant`` views, closed after the test."""
    made: list[Tenant] = []

    def make(proxy: LiveServer, key: str) -> Tenant:
        made.append(Tenant(proxy, key))
        return made[-1]

    yield make
    for tenant in made:
        tenant.close()


def _blob(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[1]


def test_org_sharing_serves_one_tenants_shared_entry_to_another(
    org: LiveServer, tenants: Callable[[LiveServer, str], Tenant]
) -> None:
    a, b = tenants(org, KEYS["team-a"]), tenants(org, KEYS["team-b"])
    body, headers = a.generate("a red fox curled up in fresh snow")
    assert headers["x-cache"] == "MISS"
    entry_id = headers["x-cache-entry"]
    exact, exact_headers = b.generate("A red fox curled up in fresh snow.")
    assert exact_headers["x-cache"] == "HIT" and exact_headers["x-cache-entry"] == entry_id
    reworded, reworded_headers = b.generate("a red fox curled up in the fresh snow")
    assert reworded_headers["x-cache-match"] == "semantic"
    assert reworded["data"][0]["revised_prompt"] == "a red fox curled up in fresh snow"
    # Its URL, signed for b, fetches the same image; b finds the entry by id and by search.
    fetched = httpx.get(exact["data"][0]["url"])
    assert fetched.content == httpx.get(body["data"][0]["url"]).content
    assert b.http.get(f"/v1/cache/entries/{entry_id}").json()["id"] == entry_id
    assert entry_id in {e["id"] for e in b.search(q="fox in snow")}
    assert "tenant" not in b.search(q="fox in snow")[0]  # who stored it is for admins only


def test_a_private_entry_is_unreachable_to_other_tenants_by_every_route(
    org: LiveServer, tenants: Callable[[LiveServer, str], Tenant]
) -> None:
    a, b, admin = (tenants(org, key) for key in (KEYS["team-a"], KEYS["team-b"], ADMIN_KEY))
    prompt = "the confidential blueprint of a brass submarine"
    secret, headers = a.generate(prompt, scope="private")
    assert headers["x-cache"] == "MISS"
    private_id = headers["x-cache-entry"]
    private_url = secret["data"][0]["url"]
    blob = _blob(private_url)

    # Its own tenant is served from it, exactly and by meaning.
    assert a.generate(prompt)[1]["x-cache-entry"] == private_id
    assert a.generate("the confidential blueprint of a brass submarine.")[1]["x-cache"] == "HIT"

    # Another tenant: neither a semantic nor an exact hit, and never its prompt. (The first
    # miss stores b's own entry, which b's second request may hit: that one is b's.)
    reworded = "a confidential blueprint of the brass submarine"
    for attempt in (reworded, prompt):
        body, got = b.generate(attempt)
        assert got["x-cache"] == "MISS" or attempt == prompt, attempt
        assert private_id not in got["x-cache-entry"]
        assert _blob(body["data"][0]["url"]) != blob
        assert body["data"][0].get("revised_prompt") in (None, reworded)

    # By URL: a's signed URL works for whoever holds it (a capability); b's key alone, a URL
    # re-signed for b by changing the tenant, a forged signature or no credentials do not.
    assert httpx.get(private_url).status_code == 200
    files = f"{org.url}/v1/images/files/{blob}"
    assert (
        httpx.get(files, headers={"Authorization": f"Bearer {KEYS['team-b']}"}).status_code == 404
    )
    assert (
        httpx.get(files, headers={"Authorization": f"Bearer {KEYS['team-a']}"}).status_code == 200
    )
    params = {k: v[0] for k, v in parse_qs(urlsplit(private_url).query).items()}
    retargeted = httpx.get(f"{files}?{urlencode({**params, 'tenant': 'team-b'})}")
    assert retargeted.status_code == 403 and "signature" in retargeted.json()["error"]["message"]
    forged = base64.urlsafe_b64encode(b"x" * 32).rstrip(b"=").decode()
    assert httpx.get(f"{files}?{urlencode({**params, 'signature': forged})}").status_code == 403
    expired = httpx.get(f"{files}?{urlencode({**params, 'expires': '1000'})}")
    assert expired.status_code == 403  # changing the expiry breaks the signature too
    assert httpx.get(files).status_code == 401

    # By id and by search.
    missing = b.http.get(f"/v1/cache/entries/{private_id}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert a.http.get(f"/v1/cache/entries/{private_id}").json()["private"] is True
    assert private_id not in {e["id"] for e in b.search(q="brass submarine blueprint")}
    assert private_id in {e["id"] for e in a.search(q="brass submarine blueprint")}
    assert private_id not in {e["id"] for e in b.search(order="recent", limit=1000)}
    assert b.http.get("/v1/cache/entries", params={"tenant": "team-a"}).status_code == 400

    # Admin listings narrowed to a tenant show exactly that tenant's entries.
    by_a = admin.http.get("/v1/cache/entries", params={"tenant": "team-a", "limit": 1000}).json()
    by_b = admin.http.get("/v1/cache/entries", params={"tenant": "team-b", "limit": 1000}).json()
    assert private_id in {e["id"] for e in by_a["data"]}
    assert private_id not in {e["id"] for e in by_b["data"]}
    assert {e["tenant"] for e in by_b["data"]} == {"team-b"}
    # Admin keys do not generate, and client keys do not administer.
    assert b.http.delete(f"/v1/cache/entries/{private_id}").status_code == 403


def test_tenant_sharing_keeps_even_shared_entries_with_their_tenant(
    isolated: LiveServer, tenants: Callable[[LiveServer, str], Tenant]
) -> None:
    a, b = tenants(isolated, KEYS["team-a"]), tenants(isolated, KEYS["team-b"])
    prompt = "a lighthouse painted in thick impasto strokes"
    body, headers = a.generate(prompt)
    entry_id = headers["x-cache-entry"]
    assert a.generate(prompt)[1]["x-cache-entry"] == entry_id
    _, other = b.generate(prompt)
    assert other["x-cache"] == "MISS" and other["x-cache-entry"] != entry_id
    assert b.http.get(f"/v1/cache/entries/{entry_id}").status_code == 404
    assert entry_id not in {e["id"] for e in b.search(q="impasto lighthouse")}
    blob = _blob(body["data"][0]["url"])
    fetched = httpx.get(
        f"{isolated.url}/v1/images/files/{blob}",
        headers={"Authorization": f"Bearer {KEYS['team-b']}"},
    )
    assert fetched.status_code == 404
