"""Model profiles: the denoising steps, guidance and scheduler each family of diffusion models
wants.

A Stable Diffusion 1.5 checkpoint needs some 25 steps with classifier-free guidance; the
distilled few-step models give finished pictures in 1 (sd-turbo, sdxl-turbo, no guidance) or 4
(latent consistency models, with their own scheduler). Running a turbo model for 25 steps
wastes 96% of the GPU; running SD 1.5 for one step gives a blur. The backend picks a profile
from what it loaded (:func:`detect_profile`), or takes the one named in configuration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from backends.tiny import TINY_STEPS

__all__ = ["PROFILES", "ModelProfile", "detect_profile"]


@dataclass(frozen=True, slots=True)
class ModelProfile:
    """How to run one family of models."""

    name: str
    steps: int
    """Denoising steps of a generation from noise."""
    guidance_scale: float | None = None
    """Classifier-free guidance; None leaves the pipeline's own default."""
    scheduler: str | None = None
    """A diffusers scheduler class to run with instead of the folder's own (built from its
    config), or None to keep the folder's."""


PROFILES: Mapping[str, ModelProfile] = {
    profile.name: profile
    for profile in (
        ModelProfile("sd", steps=25),
        ModelProfile("sdxl", steps=30),
        # Distilled by adversarial diffusion: one step, trained without guidance.
        ModelProfile("sd-turbo", steps=1, guidance_scale=0.0),
        ModelProfile("sdxl-turbo", steps=1, guidance_scale=0.0),
        # A distilled latent consistency model: its pipeline embeds guidance (default 8.5).
        ModelProfile("lcm", steps=4, scheduler="LCMScheduler"),
        # LCM-LoRA fused into an SD or SDXL checkpoint: the LCM scheduler, guidance near 1.
        ModelProfile("lcm-lora", steps=4, guidance_scale=1.0, scheduler="LCMScheduler"),
        ModelProfile("tiny", steps=TINY_STEPS),
    )
}
"""Every known profile by name, as ``--sd-profile`` takes it."""


_TURBO = re.compile(r"(?<![a-z])turbo(?![a-z])")
_LCM = re.compile(r"(?<![a-z])lcm(?![a-z])")
"""Whole words, so that ``turbocharged-sd15`` or ``realcmix`` are not taken for few-step
models."""


def detect_profile(
    name: str, *, pipeline_class: str, scheduler_class: str, placeholder: bool = False
) -> ModelProfile:
    """The profile for a loaded pipeline: ``name`` is its hub id, folder path or served name
    (or all of them), ``pipeline_class`` and ``scheduler_class`` the classes diffusers loaded.
    Few-step models are known by the word ``turbo`` in their name, or by their scheduler and
    pipeline or the word ``lcm`` (LCM); anything else is a full-step SD or SDXL model."""
    lowered = name.lower()
    xl = "XL" in pipeline_class
    if placeholder:
        return PROFILES["tiny"]
    if _TURBO.search(lowered):
        return PROFILES["sdxl-turbo" if xl or "xl" in lowered else "sd-turbo"]
    if pipeline_class.startswith("LatentConsistencyModel"):
        return PROFILES["lcm"]
    if scheduler_class == "LCMScheduler" or _LCM.search(lowered):
        return PROFILES["lcm-lora"]
    return PROFILES["sdxl" if xl else "sd"]
