"""Model profiles: few-step models run with their own steps, guidance and scheduler. Detection
is checked on names and classes; the real loading path on copies of the tiny pipeline that
look like each family (renamed, or saved with the LCM scheduler), run on the CPU with the
denoising steps counted by the pipeline's own step callback."""

from __future__ import annotations

import dataclasses
import importlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from backends.base import GenerationRequest
from backends.profiles import PROFILES, detect_profile

pytest.importorskip("torch", reason="needs the sd extra (pip install 'memoaized[sd]')")
pytest.importorskip("diffusers", reason="needs the sd extra (pip install 'memoaized[sd]')")

from backends.diffusers_backend import DiffusersBackend
from backends.tiny import TINY_MARKER

SD, XL, LCM = (
    "StableDiffusionPipeline",
    "StableDiffusionXLPipeline",
    "LatentConsistencyModelPipeline",
)


@pytest.mark.parametrize(
    ("name", "pipeline", "scheduler", "expected"),
    [
        ("stable-diffusion-v1-5/stable-diffusion-v1-5", SD, "PNDMScheduler", "sd"),
        ("stabilityai/stable-diffusion-xl-base-1.0", XL, "EulerDiscreteScheduler", "sdxl"),
        ("stabilityai/sd-turbo", SD, "EulerDiscreteScheduler", "sd-turbo"),
        ("stabilityai/sdxl-turbo", XL, "EulerAncestralDiscreteScheduler", "sdxl-turbo"),
        ("models/my-turbo-finetune", XL, "EulerDiscreteScheduler", "sdxl-turbo"),
        ("turbocharged-sd15", SD, "PNDMScheduler", "sd"),  # whole words only
        ("realcmix", SD, "DPMSolverMultistepScheduler", "sd"),
        (
            "/hub/models--stabilityai--sdxl-turbo/snapshots/462165984030 sdxl-fast",
            XL,
            "EulerAncestralDiscreteScheduler",
            "sdxl-turbo",
        ),  # a hub cache folder, served under a name of its own
        ("SimianLuo/LCM_Dreamshaper_v7", LCM, "LCMScheduler", "lcm"),
        ("dreamshaper-with-lcm-lora-fused", SD, "LCMScheduler", "lcm-lora"),
        ("sd15-lcm", SD, "PNDMScheduler", "lcm-lora"),
        ("stabilityai/sd-turbo", "", "", "sd-turbo"),  # a hub id before loading
    ],
)
def test_detects_the_family(name: str, pipeline: str, scheduler: str, expected: str) -> None:
    profile = detect_profile(name, pipeline_class=pipeline, scheduler_class=scheduler)
    assert profile is PROFILES[expected]


def test_few_step_profiles() -> None:
    assert (PROFILES["sd-turbo"].steps, PROFILES["sd-turbo"].guidance_scale) == (1, 0.0)
    assert (PROFILES["sdxl-turbo"].steps, PROFILES["sdxl-turbo"].guidance_scale) == (1, 0.0)
    assert PROFILES["lcm"].steps == PROFILES["lcm-lora"].steps == 4
    assert PROFILES["lcm"].guidance_scale is None  # the LCM pipeline's embedded guidance
    assert PROFILES["lcm-lora"].guidance_scale == 1.0
    assert PROFILES["lcm"].scheduler == PROFILES["lcm-lora"].scheduler == "LCMScheduler"
    assert PROFILES["sd"].steps == 25 and PROFILES["sd"].guidance_scale is None


def _look_alike(tiny_model_dir: Path, target: Path, scheduler: str | None = None) -> Path:
    """A copy of the tiny pipeline that is not marked as the placeholder, optionally saved
    with another scheduler class, so that only its name and classes tell its family."""
    shutil.copytree(tiny_model_dir, target)
    (target / TINY_MARKER).unlink()
    if scheduler is not None:
        index = json.loads((target / "model_index.json").read_text())
        index["scheduler"] = ["diffusers", scheduler]
        (target / "model_index.json").write_text(json.dumps(index))
        config = target / "scheduler" / "scheduler_config.json"
        settings = json.loads(config.read_text())
        settings["_class_name"] = scheduler
        config.write_text(json.dumps(settings))
    return target


def _request(**overrides: object) -> GenerationRequest:
    return GenerationRequest(prompt="a paper boat", model="m", size="64x64", **overrides)  # type: ignore[arg-type]


async def test_a_turbo_model_runs_one_unguided_step_and_takes_no_warm_start(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = _look_alike(tiny_model_dir, tmp_path / "tiny-sd-turbo")
    async with DiffusersBackend(model=str(folder), device="cpu") as backend:
        assert backend.profile is PROFILES["sd-turbo"] and not backend.placeholder
        assert "sd-turbo profile, 1 step, guidance 0" in backend.describe()
        generation = await backend.generate(_request())
        assert generation.steps == generation.full_steps == 1
        assert not backend.warm_starts  # one step: nothing to skip


async def test_lcm_runs_four_steps_with_its_scheduler_and_warm_starts_run_fewer(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = _look_alike(tiny_model_dir, tmp_path / "tiny-sd", scheduler="LCMScheduler")
    async with DiffusersBackend(model=str(folder), device="cpu") as backend:
        assert backend.profile is PROFILES["lcm-lora"]
        assert type(backend._pipeline.scheduler).__name__ == "LCMScheduler"
        cold = await backend.generate(_request())
        assert cold.steps == cold.full_steps == 4
        warm = await backend.generate(
            dataclasses.replace(_request(), init_image=cold.images[0].data, strength=0.5)
        )
        assert (warm.steps, warm.full_steps) == (2, 4)


async def test_a_configured_profile_swaps_the_scheduler(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A checkpoint with LCM-LoRA fused in still ships its old scheduler: naming the profile
    puts the LCM scheduler in, built from the folder's scheduler config."""
    folder = _look_alike(tiny_model_dir, tmp_path / "fused")
    backend = DiffusersBackend(model=str(folder), device="cpu", profile="lcm-lora", steps=3)
    async with backend:
        assert type(backend._pipeline.scheduler).__name__ == "LCMScheduler"
        assert (await backend.generate(_request())).steps == 3  # steps override the profile's
    with pytest.raises(ValueError, match="profile must be one of"):
        DiffusersBackend(model=str(folder), profile="sd3")


def _one_block_denoiser(tiny_model_dir: Path, folder: Path) -> Path:
    """A copy of the tiny pipeline whose UNet has one block and no attention: inductor builds
    22 kernels for it instead of 40 (each a g++ run), half the CPU time of the test below.
    The compile path is the same; the number of kernels is not what is under test."""
    diffusers: Any = importlib.import_module("diffusers")  # only partly annotated

    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / "unet" / "config.json").read_text())
    unet = diffusers.UNet2DConditionModel(
        sample_size=config["sample_size"],
        layers_per_block=1,
        block_out_channels=(32,),
        down_block_types=("DownBlock2D",),
        up_block_types=("UpBlock2D",),
        mid_block_type=None,
        cross_attention_dim=config["cross_attention_dim"],
        norm_num_groups=8,
    )
    shutil.rmtree(folder / "unet")
    unet.save_pretrained(folder / "unet")
    return folder


@pytest.mark.slow
async def test_torch_compile_compiles_the_denoiser_at_warm_up(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """``compile``: the UNet runs through torch.compile (inductor, on the CPU here), compiled
    by the warm-up generation before the backend is ready; a request of the warm-up's shape
    then reuses the compiled graph."""
    model = _one_block_denoiser(tiny_model_dir, tmp_path / "tiny-sd")
    backend = DiffusersBackend(model=str(model), device="cpu", compile=True)
    async with backend:
        assert type(backend._pipeline.unet).__name__ == "OptimizedModule"
        assert "torch.compile" in backend.describe()
        generation = await backend.generate(
            GenerationRequest(prompt="a paper boat", model="tiny-sd", size=backend.default_size)
        )
        assert generation.steps == 2 and generation.images[0].data.startswith(b"\x89PNG")
