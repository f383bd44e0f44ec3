"""The diffusers backend and the tiny pipeline it is tested on, through the real diffusers code
path: the pipeline is written with ``save_pretrained``, read back with ``from_pretrained`` and
run on the CPU. Its images are noise; their sizes, formats and seeds are what is checked."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from backends.base import (
    BackendFailed,
    BackendUnavailable,
    Generation,
    GenerationRequest,
    GenerationTimedOut,
)
from backends.images_api import InvalidRequest

pytest.importorskip("torch", reason="needs the sd extra (pip install 'memoaized[sd]')")
pytest.importorskip("diffusers", reason="needs the sd extra (pip install 'memoaized[sd]')")

from backends.diffusers_backend import DiffusersBackend
from backends.tiny import TINY_MARKER, is_tiny_pipeline, write_tiny_pipeline

PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def _request(**overrides: object) -> GenerationRequest:
    fields: dict[str, object] = {"prompt": "a red fox in the snow", "model": "tiny-sd"}
    fields.update(overrides)
    return GenerationRequest(**fields)  # type: ignore[arg-type]


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()  # a truncated or corrupt file fails here, not later
    return image


@pytest.fixture
async def backend(tiny_model_dir: Path) -> AsyncIterator[DiffusersBackend]:
    async with DiffusersBackend(model=str(tiny_model_dir), device="cpu") as started:
        yield started


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
async def on_each_device(
    request: pytest.FixtureRequest, tiny_model_dir: Path
) -> AsyncIterator[DiffusersBackend]:
    """The tiny pipeline on the CPU, and on CUDA where there is an NVIDIA GPU."""
    async with DiffusersBackend(model=str(tiny_model_dir), device=request.param) as started:
        yield started


# -- the tiny pipeline ------------------------------------------------------------------------


def test_tiny_pipeline_is_complete_and_marked(tiny_model_dir: Path) -> None:
    assert is_tiny_pipeline(tiny_model_dir)
    assert (tiny_model_dir / "model_index.json").is_file()
    assert (tiny_model_dir / "tokenizer" / "vocab.json").is_file()
    assert (tiny_model_dir / "tokenizer" / "merges.txt").is_file()
    size = sum(path.stat().st_size for path in tiny_model_dir.rglob("*") if path.is_file())
    assert size < 10 * 1024 * 1024
    leftovers = [p.name for p in tiny_model_dir.parent.iterdir() if ".partial-" in p.name]
    assert leftovers == []


def test_tiny_pipeline_loads_with_stable_diffusion_pipeline(tiny_model_dir: Path) -> None:
    from diffusers import StableDiffusionPipeline

    pipeline = StableDiffusionPipeline.from_pretrained(tiny_model_dir)
    assert pipeline.vae_scale_factor == 8
    assert pipeline.unet.config.sample_size * pipeline.vae_scale_factor == 256
    assert pipeline.text_encoder.config.max_position_embeddings == 77
    assert pipeline.tokenizer.model_max_length == 77
    ids = pipeline.tokenizer("héllo, wörld!").input_ids
    assert ids[0] == pipeline.tokenizer.bos_token_id
    assert ids[-1] == pipeline.tokenizer.eos_token_id
    assert pipeline.tokenizer.unk_token_id not in ids[1:-1]  # every byte has a symbol


def test_write_tiny_pipeline_is_idempotent(tiny_model_dir: Path) -> None:
    marker = tiny_model_dir / TINY_MARKER
    before = marker.stat().st_mtime_ns
    assert write_tiny_pipeline(tiny_model_dir) == tiny_model_dir
    assert marker.stat().st_mtime_ns == before


def test_write_tiny_pipeline_is_deterministic_and_leaves_global_rng_alone(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    import torch

    state = torch.random.get_rng_state()
    again = write_tiny_pipeline(tmp_path / "again")
    assert torch.equal(torch.random.get_rng_state(), state)
    for weights in ("unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"):
        assert (again / weights).read_bytes() == (tiny_model_dir / weights).read_bytes()


def test_interrupted_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interruption is simulated by failing after every file is written, just before the
    rename: the one moment no real failure can be provoked on purpose."""
    import backends.tiny

    real_build = backends.tiny._build

    def build_then_fail(folder: Path) -> None:
        real_build(folder)
        raise KeyboardInterrupt

    monkeypatch.setattr(backends.tiny, "_build", build_then_fail)
    with pytest.raises(KeyboardInterrupt):
        write_tiny_pipeline(tmp_path / "tiny")
    assert list(tmp_path.iterdir()) == []


def test_write_tiny_pipeline_refuses_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("not a pipeline")
    with pytest.raises(FileExistsError):
        write_tiny_pipeline(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "not a pipeline"


def test_is_tiny_pipeline_is_false_for_other_folders(tmp_path: Path) -> None:
    assert not is_tiny_pipeline(tmp_path)
    assert not is_tiny_pipeline(tmp_path / "missing")


# -- the backend ------------------------------------------------------------------------------


async def test_backend_describes_what_it_serves(backend: DiffusersBackend) -> None:
    assert backend.name == "diffusers"
    assert backend.default_model == "tiny-sd"
    assert list(backend.served_models()) == ["tiny-sd"]
    assert backend.placeholder
    assert backend.ready
    assert backend.default_size == "256x256"
    assert backend.steps == 2
    assert "cpu" in backend.describe() and "float32" in backend.describe()


@pytest.mark.parametrize("output_format", ["png", "jpeg", "webp"])
async def test_generates_decodable_images_in_each_format(
    backend: DiffusersBackend, output_format: str
) -> None:
    generation = await backend.generate(
        _request(size="128x64", output_format=output_format, seed=1)
    )
    assert len(generation.images) == 1
    image = generation.images[0]
    assert image.media_type == f"image/{output_format}"
    decoded = _decode(image.data)
    assert decoded.format == PIL_FORMATS[output_format]
    assert decoded.size == (128, 64)  # width x height, in that order
    assert generation.seconds > 0
    assert generation.energy_wh is None  # no NVML on a CPU


async def test_auto_size_is_the_native_size(backend: DiffusersBackend) -> None:
    generation = await backend.generate(_request(size="auto", seed=1))
    assert _decode(generation.images[0].data).size == (256, 256)


async def test_same_seed_same_bytes_other_seed_other_bytes(backend: DiffusersBackend) -> None:
    first = await backend.generate(_request(size="64x64", seed=7))
    again = await backend.generate(_request(size="64x64", seed=7))
    other = await backend.generate(_request(size="64x64", seed=8))
    assert first.images[0].data == again.images[0].data
    assert first.images[0].data != other.images[0].data


async def test_no_seed_draws_a_random_one(backend: DiffusersBackend) -> None:
    first = await backend.generate(_request(size="64x64"))
    second = await backend.generate(_request(size="64x64"))
    assert first.images[0].data != second.images[0].data


async def test_n_images_each_with_its_own_seed(backend: DiffusersBackend) -> None:
    generation = await backend.generate(_request(size="64x64", n=3, seed=100))
    assert len(generation.images) == 3
    assert len({image.data for image in generation.images}) == 3
    for image in generation.images:
        assert _decode(image.data).size == (64, 64)


async def test_output_compression_is_the_jpeg_quality(backend: DiffusersBackend) -> None:
    small, large = [
        await backend.generate(
            _request(size="64x64", output_format="jpeg", output_compression=quality, seed=3)
        )
        for quality in (10, 95)
    ]
    assert len(small.images[0].data) < len(large.images[0].data)


async def test_concurrent_generations_all_succeed(backend: DiffusersBackend) -> None:
    requests = [_request(size="64x64", seed=seed, n=1 + seed % 2) for seed in range(5)]
    generations = await asyncio.gather(*(backend.generate(r) for r in requests))
    for request, generation in zip(requests, generations, strict=True):
        assert len(generation.images) == request.n
    # Queued, not mixed up: each result is what the same request gives on its own.
    alone = await backend.generate(requests[3])
    assert alone.images[0].data == generations[3].images[0].data


async def test_event_loop_keeps_running_during_generation(backend: DiffusersBackend) -> None:
    ticks = 0
    generating = True

    async def ticker() -> None:
        nonlocal ticks
        while generating:
            await asyncio.sleep(0.002)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # let the ticker start before the generation
    ticks = 0
    await backend.generate(_request(size="128x128", n=4, seed=1))
    generating = False
    await task
    # A generation run on the event loop itself would leave the ticker at most one tick.
    assert ticks >= 3


async def test_size_the_vae_cannot_decode_is_refused(backend: DiffusersBackend) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await backend.generate(_request(size="100x100"))
    assert caught.value.param == "size"


async def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    backend = DiffusersBackend(model=str(missing), device="cpu")
    with pytest.raises(BackendUnavailable, match="does not exist") as caught:
        await backend.start()
    assert str(missing) in caught.value.message
    assert not backend.ready
    await backend.close()  # safe after a failed start


async def test_folder_without_a_pipeline_is_a_clear_error(tmp_path: Path) -> None:
    backend = DiffusersBackend(model=str(tmp_path), device="cpu")
    with pytest.raises(BackendUnavailable, match=r"model_index\.json"):
        await backend.start()


async def test_generate_before_start_is_unavailable(tiny_model_dir: Path) -> None:
    backend = DiffusersBackend(model=str(tiny_model_dir), device="cpu")
    with pytest.raises(BackendUnavailable, match="not loaded"):
        await backend.generate(_request(size="64x64"))


def test_options_are_checked_when_configured(tiny_model_dir: Path) -> None:
    with pytest.raises(ValueError, match="dtype"):
        DiffusersBackend(model=str(tiny_model_dir), dtype="int8")
    with pytest.raises(ValueError, match="steps"):
        DiffusersBackend(model=str(tiny_model_dir), steps=0)
    with pytest.raises(ValueError, match="default_size"):
        DiffusersBackend(model=str(tiny_model_dir), default_size="large")
    named = DiffusersBackend(model=str(tiny_model_dir), model_name="sd-demo", steps=3)
    assert named.served_models() == ["sd-demo"] and named.steps == 3
    hub = DiffusersBackend(model="stable-diffusion-v1-5/stable-diffusion-v1-5")
    assert hub.default_model == "stable-diffusion-v1-5/stable-diffusion-v1-5"
    assert not hub.placeholder and hub.steps == 25 and hub.default_size == "512x512"
    turbo = DiffusersBackend(model="stabilityai/sd-turbo")  # known by name before loading
    assert turbo.profile.name == "sd-turbo" and turbo.steps == 1 and not turbo.warm_starts


async def test_pipeline_errors_become_backend_failed(tiny_model_dir: Path) -> None:
    """More steps than the scheduler was trained with: diffusers itself refuses to run. The
    warm-up generation finds it at start-up; without a warm-up, the first request does."""
    with pytest.raises(BackendFailed, match="num_inference_steps"):
        async with DiffusersBackend(model=str(tiny_model_dir), device="cpu", steps=1001):
            pass
    cold = DiffusersBackend(model=str(tiny_model_dir), device="cpu", steps=1001, warm_up=False)
    async with cold as backend:
        with pytest.raises(BackendFailed, match="num_inference_steps") as caught:
            await backend.generate(_request(size="64x64"))
    assert "tiny-sd" in caught.value.message


async def test_guidance_scale_reaches_the_pipeline(tiny_model_dir: Path) -> None:
    request = _request(size="64x64", seed=9)
    async with DiffusersBackend(model=str(tiny_model_dir), device="cpu") as default:
        usual = await default.generate(request)
    async with DiffusersBackend(
        model=str(tiny_model_dir), device="cpu", guidance_scale=1.0
    ) as unguided:
        plain = await unguided.generate(request)
    assert usual.images[0].data != plain.images[0].data


async def test_a_pipeline_written_after_construction_is_recognised_as_the_placeholder(
    tmp_path: Path,
) -> None:
    """The proxy builds its backend before it writes the demo pipeline on first use: the
    backend must still know, once started, that its images are placeholders and that two
    steps are enough."""
    from backends.tiny import write_tiny_pipeline

    backend = DiffusersBackend(model=str(tmp_path / "tiny-sd"))
    assert not backend.placeholder
    write_tiny_pipeline(tmp_path / "tiny-sd")
    async with backend:
        assert backend.placeholder
        assert backend.steps == 2


async def test_concurrent_compatible_requests_share_one_pipeline_call(
    on_each_device: DiffusersBackend,
) -> None:
    """Micro-batching: requests waiting together, of one size and from noise, go through the
    pipeline in one call of up to ``max_batch`` images; other sizes, seeded requests and warm
    starts run apart. Counted by the backend's pipeline calls."""
    backend = on_each_device
    assert backend.max_batch == 4

    async def calls_for(requests: list[GenerationRequest]) -> tuple[int, list[Generation]]:
        before = backend.pipeline_calls
        generations = await asyncio.gather(*(backend.generate(r) for r in requests))
        return backend.pipeline_calls - before, list(generations)

    same = [_request(size="64x64", prompt=f"a lamp number {i}") for i in range(4)]
    calls, generations = await calls_for(same)
    assert calls == 1
    assert all(len(g.images) == 1 and g.batch_images == 4 for g in generations)
    assert len({g.images[0].data for g in generations}) == 4
    assert all(_decode(g.images[0].data).size == (64, 64) for g in generations)

    assert (await calls_for([_request(size="64x64", n=2) for _ in range(3)]))[0] == 2  # 4 + 2
    mixed = [_request(size=size) for size in ("64x64", "128x128", "64x64", "128x128")]
    calls, generations = await calls_for(mixed)
    assert calls == 2
    assert [_decode(g.images[0].data).size for g in generations] == [
        (64, 64), (128, 128), (64, 64), (128, 128)
    ]  # fmt: skip
    assert (await calls_for([_request(size="64x64", seed=s) for s in range(3)]))[0] == 3
    cached = same[0]
    warm = dataclasses.replace(cached, init_image=generations[0].images[0].data, strength=0.5)
    assert (await calls_for([warm, _request(size="64x64"), _request(size="64x64")]))[0] == 2


async def test_a_generation_past_its_deadline_stops_at_its_next_step(tiny_model_dir: Path) -> None:
    """Issue 15, finding 3: ``--generation-timeout`` stops the pipeline itself (diffusers'
    interrupt flag), so the CPU is freed, not only the waiting request."""
    async with DiffusersBackend(
        model=str(tiny_model_dir), device="cpu", steps=20, timeout=1e-6, warm_up=False
    ) as slow:
        with pytest.raises(GenerationTimedOut, match=r"stopped after 1 of 20 steps"):
            await slow.generate(_request(size="64x64", seed=1))
        assert slow.pipeline_calls == 1
