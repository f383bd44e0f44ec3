"""sd-server in process, through litestar's test client, in front of the real tiny diffusers
pipeline on the CPU."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

pytest.importorskip("torch", reason="needs the sd extra (pip install 'memoaized[sd]')")
pytest.importorskip("diffusers", reason="needs the sd extra (pip install 'memoaized[sd]')")

from backends.diffusers_backend import DiffusersBackend
from backends.sd_server import MAX_BODY_BYTES, create_sd_app

GENERATIONS = "/v1/images/generations"


async def _started(tiny_model_dir: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_sd_app(DiffusersBackend(model=str(tiny_model_dir), device="cpu"))
    async with AsyncTestClient(app=app) as started:  # runs the lifespan: loads the pipeline
        yield started


@pytest.fixture(scope="module")
async def client(tiny_model_dir: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    """One server for the module's tests; those that count in /metrics get a ``fresh`` one."""
    async for started in _started(tiny_model_dir):
        yield started


@pytest.fixture
async def fresh(tiny_model_dir: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    async for started in _started(tiny_model_dir):
        yield started


def _image(b64: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(b64)))
    image.load()
    return image


def _assert_openai_error(body: Any, *, param: str | None, code: str | None) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["code"] == code


async def test_generates_b64_images(client: AsyncTestClient[Any]) -> None:
    response = await client.post(
        GENERATIONS,
        json={"prompt": "a lighthouse at dusk", "n": 2, "size": "128x64", "seed": 5},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["created"], int)
    assert body["size"] == "128x64"
    assert body["output_format"] == "png"
    assert len(body["data"]) == 2
    for item in body["data"]:
        assert set(item) == {"b64_json"}
        image = _image(item["b64_json"])
        assert image.format == "PNG" and image.size == (128, 64)
    assert float(response.headers["X-Generation-Seconds"]) > 0
    assert "X-Energy-Wh" not in response.headers  # no NVML on a CPU


async def test_defaults_to_the_served_model_at_its_native_size(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.post(
        GENERATIONS, json={"prompt": "a lighthouse", "model": "tiny-sd", "output_format": "webp"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["size"] == "256x256" and body["output_format"] == "webp"
    image = _image(body["data"][0]["b64_json"])
    assert image.format == "WEBP" and image.size == (256, 256)


async def test_seed_makes_the_response_repeatable(client: AsyncTestClient[Any]) -> None:
    request = {"prompt": "a lighthouse", "size": "64x64", "seed": 42, "output_format": "jpeg"}
    first, again = [(await client.post(GENERATIONS, json=request)).json() for _ in range(2)]
    other = (await client.post(GENERATIONS, json={**request, "seed": 43})).json()
    assert first["data"] == again["data"]
    assert first["data"] != other["data"]


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"n": 1}, "prompt", "missing_required_parameter"),
        ({"prompt": "   "}, "prompt", "invalid_value"),
        ({"prompt": "x", "colour": "red"}, "colour", "unknown_parameter"),
        ({"prompt": "x", "n": "two"}, "n", "invalid_type"),
        ({"prompt": "x", "n": 0}, "n", "invalid_value"),
        ({"prompt": "x", "size": "100x100"}, "size", "invalid_value"),
        ({"prompt": "x", "output_format": "gif"}, "output_format", "invalid_value"),
        ({"prompt": "x", "output_compression": 101}, "output_compression", "invalid_value"),
        ({"prompt": "x", "seed": "lucky"}, "seed", "invalid_type"),
        ({"prompt": "x", "response_format": "url"}, "response_format", "unsupported_value"),
        ({"prompt": "x", "strength": 0.5}, "strength", "invalid_value"),
        ({"prompt": "x", "init_image": "not base64!"}, "init_image", "invalid_value"),
        ({"prompt": "x", "init_image": "aGVsbG8="}, "init_image", "invalid_value"),
    ],
)
async def test_bad_requests_get_openai_shaped_400s(
    client: AsyncTestClient[Any], body: dict[str, Any], param: str, code: str
) -> None:
    response = await client.post(GENERATIONS, json=body)
    assert response.status_code == 400, response.text
    _assert_openai_error(response.json(), param=param, code=code)


async def test_a_model_it_does_not_serve_is_a_404(client: AsyncTestClient[Any]) -> None:
    response = await client.post(GENERATIONS, json={"prompt": "x", "model": "sdxl-turbo"})
    assert response.status_code == 404, response.text
    _assert_openai_error(response.json(), param="model", code="model_not_found")
    assert "This server serves: tiny-sd, dall-e-2" in response.json()["error"]["message"]


async def test_openais_names_are_aliases_of_its_model(client: AsyncTestClient[Any]) -> None:
    """A proxy in front passes OpenAI's names through; sd-server makes them with its model,
    checked by the rules of the name asked for."""
    response = await client.post(
        GENERATIONS,
        json={
            "prompt": "a kite",
            "model": "dall-e-2",
            "size": "256x256",
            "response_format": "b64_json",
        },
    )
    assert response.status_code == 200, response.text
    assert _image(response.json()["data"][0]["b64_json"]).size == (256, 256)
    response = await client.post(
        GENERATIONS, json={"prompt": "a kite", "model": "dall-e-3", "size": "128x128"}
    )
    _assert_openai_error(response.json(), param="size", code="invalid_value")
    listed = (await client.get("/v1/models")).json()["data"]
    assert [model["id"] for model in listed][:2] == ["tiny-sd", "dall-e-2"]


async def test_body_that_is_not_json_is_a_400(client: AsyncTestClient[Any]) -> None:
    response = await client.post(
        GENERATIONS, content=b"prompt=x", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    _assert_openai_error(response.json(), param=None, code="invalid_json")


async def test_oversize_body_is_a_413(client: AsyncTestClient[Any]) -> None:
    response = await client.post(GENERATIONS, json={"prompt": "x" * (MAX_BODY_BYTES + 1)})
    assert response.status_code == 413
    _assert_openai_error(response.json(), param=None, code="request_too_large")


async def test_unknown_route_is_an_openai_shaped_404(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/v1/images/edits", json={"prompt": "x"})
    assert response.status_code == 404
    _assert_openai_error(response.json(), param=None, code="not_found")


async def test_wrong_method_is_an_openai_shaped_405(client: AsyncTestClient[Any]) -> None:
    response = await client.get(GENERATIONS)
    assert response.status_code == 405
    _assert_openai_error(response.json(), param=None, code="method_not_allowed")


async def test_models_lists_the_served_model(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/v1/models")
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    assert body["data"][0]["id"] == "tiny-sd"  # then the aliases
    assert body["data"][0]["object"] == "model"
    assert isinstance(body["data"][0]["created"], int)


async def test_health_and_readiness_after_startup(client: AsyncTestClient[Any]) -> None:
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["model"] == "tiny-sd"


async def test_not_ready_before_the_pipeline_is_loaded(tiny_model_dir: Path) -> None:
    """Without entering the client the lifespan never runs, so the pipeline is not loaded."""
    app = create_sd_app(DiffusersBackend(model=str(tiny_model_dir), device="cpu"))
    client = AsyncTestClient(app=app)  # nothing to close: the lifespan never started
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).status_code == 503
    response = await client.post(GENERATIONS, json={"prompt": "x", "size": "64x64"})
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "server_error"


async def test_metrics_count_generations_and_batches_after_a_warm_up(
    fresh: AsyncTestClient[Any],
) -> None:
    client = fresh
    """The lifespan warmed the pipeline up with one generation before readiness; /metrics
    counts what requests generated (not the warm-up) and every pipeline call."""
    before = (await client.get("/metrics")).text
    assert "memoaized_sd_pipeline_calls 1.0" in before  # the warm-up
    assert "memoaized_sd_images_total 0.0" in before
    body = {"prompt": "a kite", "size": "64x64", "n": 2, "response_format": "b64_json"}
    assert (await client.post(GENERATIONS, json=body)).status_code == 200
    after = (await client.get("/metrics")).text
    assert "memoaized_sd_images_total 2.0" in after
    assert "memoaized_sd_generations_total 1.0" in after
    assert "memoaized_sd_pipeline_calls 2.0" in after
    assert "memoaized_sd_batch_images_count 1.0" in after
    assert "memoaized_sd_steps_skipped_total 0.0" in after


async def test_a_warm_start_runs_a_fraction_of_the_steps(fresh: AsyncTestClient[Any]) -> None:
    """``init_image`` and ``strength``: image-to-image from the given image; the response
    says how many of the full steps ran, and /metrics counts the ones skipped."""
    client = fresh
    body = {"prompt": "a kite at noon", "size": "64x64", "seed": 3}
    cold = await client.post(GENERATIONS, json=body)
    assert cold.status_code == 200, cold.text
    assert cold.headers["x-denoising-steps"] == cold.headers["x-full-steps"] == "2"
    image = cold.json()["data"][0]["b64_json"]
    warm = await client.post(
        GENERATIONS, json={**body, "prompt": "a kite at dusk", "init_image": image, "strength": 0.5}
    )
    assert warm.status_code == 200, warm.text
    assert (warm.headers["x-denoising-steps"], warm.headers["x-full-steps"]) == ("1", "2")
    assert _image(warm.json()["data"][0]["b64_json"]).size == (64, 64)
    assert "memoaized_sd_steps_skipped_total 1.0" in (await client.get("/metrics")).text
    out_of_range = {**body, "init_image": image, "strength": 1.5}
    refused = await client.post(GENERATIONS, json=out_of_range)
    assert refused.status_code == 400
    _assert_openai_error(refused.json(), param="strength", code="invalid_value")
    no_step = await client.post(GENERATIONS, json={**body, "init_image": image, "strength": 0.3})
    assert no_step.status_code == 400  # int(2 steps x 0.3) = 0: nothing would run
    _assert_openai_error(no_step.json(), param="strength", code="invalid_value")
    assert "at least 0.5" in no_step.json()["error"]["message"]
    gif = io.BytesIO()
    Image.new("RGB", (64, 64)).save(gif, format="GIF")
    other_format = {**body, "init_image": base64.b64encode(gif.getvalue()).decode()}
    assert (await client.post(GENERATIONS, json=other_format)).status_code == 400
    # A small file declaring a huge canvas is refused before anything decodes it.
    canvas = io.BytesIO()
    Image.new("1", (4096, 4096)).save(canvas, format="PNG")
    assert len(canvas.getvalue()) < 10_000
    huge = {**body, "init_image": base64.b64encode(canvas.getvalue()).decode()}
    refused = await client.post(GENERATIONS, json=huge)
    assert refused.status_code == 400 and "4096x4096" in refused.json()["error"]["message"]


async def test_the_loaded_pipeline_is_kept_out_of_full_collections(tiny_model_dir: Path) -> None:
    """What loading torch, diffusers and the pipeline left is frozen once the server is up, and
    later survivors after each full collection, until shutdown."""
    import gc

    from tests.conftest import survivor_freezers, thaw

    thaw()
    before = survivor_freezers()  # the module's own server may be running
    async for started in _started(tiny_model_dir):
        assert (await started.get("/readyz")).status_code == 200
        assert gc.get_freeze_count() > 0
        assert len(survivor_freezers()) == len(before) + 1
    assert survivor_freezers() == before
