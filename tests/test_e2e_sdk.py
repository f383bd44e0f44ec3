"""End to end: the official `openai` SDK against a live `memoaized serve` on loopback, with the
real embedding model, the embedded Qdrant Edge index, the local image store and the tiny
diffusers pipeline as the backend; and two more clients written for OpenAI, unchanged but for
the base URL: litellm's ``image_generation`` and the OpenAI Node SDK (``tests/node``). Tests
about what the proxy keeps and logs run it in front of an sd-server on the tiny pipeline instead
(the openai backend), which starts it faster."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from tests.conftest import LiveServer, serve_sd_upstream

NODE_CLIENT = Path(__file__).parent / "node"

pytestmark = pytest.mark.slow


def _client(server: LiveServer) -> OpenAI:
    return OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0)


@pytest.fixture(scope="module")
def client(proxy: LiveServer) -> Iterator[OpenAI]:
    with _client(proxy) as sdk:
        yield sdk


def _generate(client: OpenAI, prompt: str, **kw: object) -> tuple[bytes, dict[str, str], object]:
    raw = client.images.with_raw_response.generate(
        prompt=prompt,
        size=kw.pop("size", "256x256"),
        response_format="b64_json",
        **kw,  # type: ignore[arg-type]
    )
    image = raw.parse()
    assert image.data is not None
    return base64.b64decode(image.data[0].b64_json or ""), dict(raw.headers), image


@pytest.fixture(scope="module")
def proxy(
    module_servers: Callable[..., LiveServer],
    tmp_path_factory: pytest.TempPathFactory,
    tiny_model_dir: Path,
) -> LiveServer:
    """One proxy shared by this module's tests; each test uses prompts of its own and reads
    metrics as differences."""
    return module_servers(
        "serve",
        "--data-dir",
        str(tmp_path_factory.mktemp("data")),
        "--backend",
        "diffusers",
        "--sd-model",
        str(tiny_model_dir),
    )


def test_reworded_prompt_is_a_semantic_hit_with_identical_bytes(
    proxy: LiveServer, client: OpenAI
) -> None:
    first, headers, _ = _generate(client, "a red fox sitting in the snow")
    assert headers["x-cache"] == "MISS"
    assert first.startswith(b"\x89PNG")

    again, headers, image = _generate(client, "A red fox, sitting in the snow!")
    assert headers["x-cache"] == "HIT" and headers["x-cache-match"] == "exact"
    assert again == first

    reworded, headers, image = _generate(client, "a red fox sits in the snow")
    assert headers["x-cache"] == "HIT"
    assert headers["x-cache-match"] == "semantic"
    assert 0.9 < float(headers["x-cache-similarity"]) < 1.0
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["x-cache-entry"])
    assert int(headers["age"]) >= 0
    assert reworded == first
    assert image.data[0].revised_prompt == "a red fox sitting in the snow"  # type: ignore[attr-defined]


def test_a_retyped_prompt_with_typos_or_british_words_is_a_semantic_hit(
    proxy: LiveServer, client: OpenAI
) -> None:
    """Embedded as typed, these re-asks lie below the default threshold (0.71 and 0.63): the
    proxy embeds prompts with typos mended and one word per synonym or spelling, and the
    verifier still checks the pair."""
    first, headers, _ = _generate(client, "a wizard casting a spell in a dark forest")
    assert headers["x-cache"] == "MISS"
    again, headers, _ = _generate(client, "a wizzard casting a spell in a dark forrest")
    assert headers["x-cache"] == "HIT" and headers["x-cache-match"] == "semantic"
    assert again == first

    salad, headers, _ = _generate(client, "a grilled eggplant salad with fresh cilantro")
    assert headers["x-cache"] == "MISS"
    british, headers, _ = _generate(client, "a grilled aubergine salad with fresh coriander")
    assert headers["x-cache"] == "HIT" and british == salad
    # A changed picture is still refused: "a lizard" is one letter from "a wizard".
    _, headers, _ = _generate(client, "a lizard casting a spell in a dark forest")
    assert headers["x-cache"] == "MISS"


def test_other_size_or_other_prompt_misses(proxy: LiveServer, client: OpenAI) -> None:
    small, _, _ = _generate(client, "a lighthouse on a cliff at dusk")
    _, headers, _ = _generate(client, "a lighthouse on a cliff at dusk", size="320x320")
    assert headers["x-cache"] == "MISS"
    unrelated, headers, _ = _generate(client, "a bowl of ramen with chopsticks")
    assert headers["x-cache"] == "MISS"
    assert unrelated != small


def test_a_model_the_proxy_does_not_serve_is_the_sdks_not_found_error(client: OpenAI) -> None:
    """As OpenAI's API answers: 404 ``model_not_found`` (issue 16, item 7)."""
    with pytest.raises(openai.NotFoundError) as raised:
        client.images.generate(prompt="a cat", model="no-such-model", size="256x256")
    assert raised.value.code == "model_not_found"


def test_openais_model_names_work_with_their_own_rules_on_the_local_model(
    proxy: LiveServer, client: OpenAI
) -> None:
    """An application written for OpenAI changes only base_url (issue 16, item 1): its model
    names are aliases of the local model, each checked by OpenAI's rules for that name, and a
    header names the model that really made the image."""
    raw = client.images.with_raw_response.generate(
        model="dall-e-2", prompt="a paper boat on a quiet pond", size="256x256"
    )
    assert raw.headers["x-cache"] == "MISS" and raw.headers["x-memoaized-model"] == "tiny-sd"
    made = raw.parse().data
    assert made and made[0].url and not made[0].b64_json  # dall-e-2 answers with URLs by default
    image = httpx.get(made[0].url, timeout=10)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

    again, headers, _ = _generate(client, "A paper boat on a quiet pond.", model="dall-e-2")
    assert headers["x-cache"] == "HIT" and again == image.content
    assert headers["x-memoaized-model"] == "tiny-sd"

    gpt = client.images.generate(model="gpt-image-1", prompt="a paper boat on a quiet pond")
    assert gpt.data and gpt.data[0].b64_json  # gpt-image-1 answers inline, at size auto

    with pytest.raises(openai.BadRequestError) as raised:  # dall-e-3's sizes, not the local ones
        client.images.generate(model="dall-e-3", prompt="a paper boat", size="256x256")
    assert raised.value.body["param"] == "size"  # type: ignore[index]
    assert "1024x1024" in raised.value.message
    with pytest.raises(openai.BadRequestError, match="supports only n=1"):
        client.images.generate(model="dall-e-3", prompt="a paper boat", n=2)

    models = {model.id: model for model in client.models.list()}
    assert {"tiny-sd", "dall-e-2", "dall-e-3", "gpt-image-1"} <= set(models)
    assert models["dall-e-3"].memoaized["alias_of"] == "tiny-sd"  # type: ignore[attr-defined]
    assert "alias_of" not in models["tiny-sd"].memoaized  # type: ignore[attr-defined]


def test_litellm_sends_openai_dall_e_2_and_gets_the_local_models_image(proxy: LiveServer) -> None:
    """Issue 16, item 1: an application written for OpenAI, not with its SDK. litellm strips
    ``openai/`` and sends ``dall-e-2``, with no response_format: URLs."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of its price list
    import litellm

    urls = []
    for prompt in ("a tin robot watering a sunflower", "A tin robot waters a sunflower."):
        answer = litellm.image_generation(
            model="openai/dall-e-2",
            prompt=prompt,
            size="256x256",
            api_base=proxy.url + "/v1",
            api_key="unused",
        )
        assert answer.data and answer.data[0].url.startswith(proxy.url + "/v1/images/files/")
        urls.append(answer.data[0].url.split("?")[0])
    assert urls[1] == urls[0]  # the second was served from the cache: the same stored image


def _node(proxy: LiveServer, **request: Any) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (NODE_CLIENT / "node_modules" / "openai").is_dir():
        why = "Node and the OpenAI Node SDK are not installed: `make test-tools` installs them"
        if os.environ.get("CI") or shutil.which("apt-get"):
            pytest.fail(why)
        pytest.skip(f"{why}, and this machine has no apt-get")
    done = subprocess.run(
        [node, str(NODE_CLIENT / "images.mjs"), proxy.url + "/v1", json.dumps(request)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_node_sdk_asks_for_openais_names_and_gets_openais_answers(proxy: LiveServer) -> None:
    made = _node(proxy, model="dall-e-2", prompt="a paper crane on a desk", size="256x256")
    assert made["headers"]["x-cache"] == "MISS"
    assert made["headers"]["x-memoaized-model"] == "tiny-sd"
    assert made["data"][0]["url"].startswith(proxy.url)  # dall-e-2's default response_format
    inline = _node(proxy, model="gpt-image-1", prompt="a paper crane on a desk")
    assert inline["data"][0]["b64_json"] and inline["headers"]["x-memoaized-model"] == "tiny-sd"

    refused = _node(proxy, model="dall-e-3", prompt="a paper crane", n=2)  # dall-e-3: n=1 only
    assert refused["error"] == {"status": 400, "code": "invalid_value", "name": "BadRequestError"}
    unknown = _node(proxy, model="midjourney", prompt="a paper crane")
    assert unknown["error"] == {"status": 404, "code": "model_not_found", "name": "NotFoundError"}


def test_only_if_cached_miss_is_504_and_the_sdk_raises(proxy: LiveServer, client: OpenAI) -> None:
    generations = proxy.metric("memoaized_generation_duration_seconds_count")
    with pytest.raises(openai.APIStatusError) as raised:
        client.images.generate(
            prompt="a never seen prompt about submarines",
            size="256x256",
            extra_headers={"Cache-Control": "only-if-cached"},
        )
    assert raised.value.status_code == 504
    assert raised.value.response.headers["x-should-retry"] == "false"
    assert raised.value.body["code"] == "cache_miss"  # type: ignore[index]
    with pytest.raises(openai.APIStatusError):
        client.images.generate(
            prompt="another unseen prompt",
            size="256x256",
            extra_body={"cache": {"mode": "only-if-cached"}},
        )
    assert proxy.metric("memoaized_generation_duration_seconds_count") == generations


def test_url_responses_are_served_by_the_proxy_with_cache_headers(
    proxy: LiveServer, client: OpenAI
) -> None:
    data, _, _ = _generate(client, "a watercolor of a sailing boat")
    image = client.images.generate(
        prompt="a watercolor of a sailing boat", size="256x256", response_format="url"
    )
    url = image.data[0].url  # type: ignore[index]
    assert url is not None and url.startswith(proxy.url + "/v1/images/files/")
    fetched = httpx.get(url)
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = fetched.headers["etag"]
    assert etag == f'"{hashlib.sha256(data).hexdigest()}"'
    assert httpx.get(url, headers={"If-None-Match": etag}).status_code == 304
    head = httpx.head(url)  # issue 15, finding 9: was 405
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == "image/png" and head.headers["etag"] == etag
    missing = httpx.get(proxy.url + "/v1/images/files/" + "0" * 64 + ".png")
    assert missing.status_code == 404 and "error" in missing.json()


def test_restart_keeps_the_cache(
    live_server: Callable[..., LiveServer], tmp_path: Path, sd_server: LiveServer
) -> None:
    args = serve_sd_upstream(tmp_path / "data", sd_server)
    first = live_server(*args)
    with _client(first) as client:
        original, headers, _ = _generate(client, "an old map of a treasure island")
    assert headers["x-cache"] == "MISS"
    first.stop()
    second = live_server(*args)
    with _client(second) as client:
        again, headers, _ = _generate(client, "an old map of a treasure island")
    assert headers["x-cache"] == "HIT"
    assert again == original


def test_concurrent_identical_misses_generate_once(proxy: LiveServer, client: OpenAI) -> None:
    # The generation histogram has a series once something was generated: run alone, or first
    # on its server, this test would otherwise find none to read.
    _generate(client, "one robot before the line formed")
    generations = proxy.metric("memoaized_generation_duration_seconds_count")
    joins = proxy.metric("memoaized_single_flight_joins_total")
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda _: _generate(client, "eight robots waiting in line"), range(8))
        )
    assert len({data for data, _, _ in results}) == 1
    assert sorted(headers["x-cache"] for _, headers, _ in results) == ["HIT"] * 7 + ["MISS"]
    assert proxy.metric("memoaized_generation_duration_seconds_count") == generations + 1
    # Most of the seven wait for the one generation; one that arrives after it finished is an
    # exact hit on the stored image instead, which is just as right.
    assert proxy.metric("memoaized_single_flight_joins_total") >= joins + 1


def test_no_cache_generates_fresh_and_no_store_keeps_nothing(
    proxy: LiveServer, client: OpenAI
) -> None:
    first, _, _ = _generate(client, "a paper lantern floating on a river")
    fresh, headers, _ = _generate(
        client, "a paper lantern floating on a river", extra_body={"cache": {"mode": "no-cache"}}
    )
    assert headers["x-cache"] == "REFRESH"
    assert fresh != first
    _, headers, _ = _generate(
        client, "a glass chess set on a balcony", extra_headers={"Cache-Control": "no-store"}
    )
    assert headers["x-cache"] == "MISS" and "x-cache-entry" not in headers
    _, headers, _ = _generate(client, "a glass chess set on a balcony")
    assert headers["x-cache"] == "MISS"


def test_threshold_dial_per_request(proxy: LiveServer, client: OpenAI) -> None:
    _generate(client, "a castle on a hill at sunset")
    _, headers, _ = _generate(
        client, "a castle on a hill at sundown", extra_body={"cache": {"threshold": 0.8}}
    )
    assert headers["x-cache"] == "HIT"
    # Similar enough for the dial, but the verifier sees a style the cached image lacks.
    _, headers, _ = _generate(
        client,
        "a castle on a hill at sunset, oil painting",
        extra_body={"cache": {"threshold": 0.8}},
    )
    assert headers["x-cache"] == "MISS"
    metrics = httpx.get(proxy.url + "/metrics").text
    assert re.search(r'memoaized_verifier_rejections_total\{reason="style"\} [1-9]', metrics)
    _, headers, _ = _generate(
        client, "a castle on top of a hill at sunset", extra_body={"cache": {"threshold": 0.999}}
    )
    assert headers["x-cache"] == "MISS"


def test_n_greater_than_one_serves_cached_images_first(proxy: LiveServer, client: OpenAI) -> None:
    first, _, _ = _generate(client, "a tabby cat asleep on a windowsill")
    raw = client.images.with_raw_response.generate(
        prompt="a tabby cat asleep on a windowsill",
        size="256x256",
        n=3,
        response_format="b64_json",
    )
    images = [base64.b64decode(d.b64_json or "") for d in raw.parse().data or []]
    assert raw.headers["x-cache"] == "PARTIAL"
    assert len(images) == 3 and images[0] == first and len(set(images)) == 3
    raw = client.images.with_raw_response.generate(
        prompt="a tabby cat asleep on a windowsill",
        size="256x256",
        n=3,
        response_format="b64_json",
    )
    assert raw.headers["x-cache"] == "HIT"
    assert sorted(base64.b64decode(d.b64_json or "") for d in raw.parse().data or []) == sorted(
        images
    )


def test_serve_with_no_backend_uses_the_demo_pipeline_and_says_so(
    live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    """`memoaized serve` on its defaults, as `make run` starts it: the tiny pipeline is written
    under the data directory on first use, and the proxy says its images are placeholders."""
    server = live_server("serve", "--data-dir", str(tmp_path / "data"))
    assert (tmp_path / "data" / "models" / "tiny-sd" / "model_index.json").exists()
    models = httpx.get(server.url + "/v1/models").json()["data"]
    assert models[0]["memoaized"]["placeholder"] is True
    assert "--sd-model" in models[0]["memoaized"]["notice"]
    assert "placeholders" in server.log()
    with _client(server) as client:
        image, headers, _ = _generate(client, "a demo prompt")
    assert headers["x-cache"] == "MISS" and image.startswith(b"\x89PNG")


def test_log_level_debug_reaches_the_proxys_loggers(
    live_server: Callable[..., LiveServer], tmp_path: Path, sd_server: LiveServer
) -> None:
    """Issue 15, finding 8: litestar's logging configuration reset the level to INFO, so
    ``--log-level DEBUG`` logged no rejection at all."""
    server = live_server(*serve_sd_upstream(tmp_path / "data", sd_server, "--log-level", "DEBUG"))
    with _client(server) as sdk:
        _generate(sdk, "a dog chasing a cat")
        _, headers, _ = _generate(sdk, "a cat chasing a dog")
    assert headers["x-cache"] == "MISS"
    assert re.search(
        r"DEBUG proxy\.cache\.service: candidate \S+ rejected by the verifier", server.log()
    )


def test_the_ready_block_says_where_to_go_and_third_party_notices_stay_quiet(
    proxy: LiveServer,
) -> None:
    """Issue 16, item 2: once ready, one block names the API, the SDK change, the page, the
    data directory and the backend; transformers' "requires torchvision" notices are gone."""
    log = proxy.log()
    assert "memoaized is ready." in log
    assert f"API          {proxy.url}/v1" in log
    assert f'OpenAI(base_url="{proxy.url}/v1"' in log
    assert f"page         {proxy.url}/" in log
    assert "data         " in log and "backend      diffusers" in log
    assert "requires torchvision" not in log
