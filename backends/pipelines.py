"""Loading a diffusers pipeline: what to hand ``from_pretrained`` (a folder or a hub id), the
name it serves under, the device, the size it was trained at, the classes that tell its family,
``torch.compile`` and the GPU's energy meter. torch is passed in by the caller, which imports it
only when the ``sd`` extra is installed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from backends.base import BackendUnavailable
from backends.energy import EnergyMeter

__all__ = [
    "best_device",
    "compile_denoiser",
    "default_name",
    "energy_meter",
    "folder_classes",
    "model_source",
    "native_size",
]

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
"""What a model hub id looks like: ``name`` or ``owner/name``."""


def model_source(model: str) -> str:
    """What to hand ``from_pretrained``: an existing pipeline folder, or a hub id. A name that
    can only be a path but names no folder fails here, clearly, instead of as a hub lookup."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model_index.json").is_file():
            raise BackendUnavailable(
                f"{path} is not a diffusers pipeline folder (it has no model_index.json)"
            )
        return str(path)
    if path.exists() or not HUB_ID.match(model):
        raise BackendUnavailable(f"the diffusers model folder {path} does not exist")
    return model


def default_name(model: str) -> str:
    """A folder serves under its own name (``tiny-sd``), a hub id under the whole id."""
    path = Path(model).expanduser()
    if path.exists() or not HUB_ID.match(model):
        return path.name or model
    return model


def best_device(torch: Any) -> str:
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def native_size(pipeline: Any) -> str | None:
    """The size the pipeline was trained at: the denoiser's sample size in latent pixels times
    the VAE's scale factor. None when the pipeline does not say."""
    scale = getattr(pipeline, "vae_scale_factor", None)
    unet = getattr(pipeline, "unet", None)
    sample = getattr(getattr(unet, "config", None), "sample_size", None)
    if sample is None:
        sample = getattr(pipeline, "default_sample_size", None)
    if not isinstance(scale, int):
        return None
    if isinstance(sample, int):
        return f"{sample * scale}x{sample * scale}"
    if isinstance(sample, (list, tuple)) and len(sample) == 2:
        height, width = sample
        return f"{width * scale}x{height * scale}"
    return None


def energy_meter(torch: Any, device: str) -> EnergyMeter:
    index = torch.device(device).index
    if index is None:
        index = torch.cuda.current_device()
    uuid = getattr(torch.cuda.get_device_properties(index), "uuid", None)
    # torch prints the bare UUID; NVML wants it prefixed the way nvidia-smi shows it.
    return EnergyMeter.for_gpu(index, uuid=f"GPU-{uuid}" if uuid is not None else None)


def folder_classes(model: str) -> tuple[str, str]:
    """The pipeline and scheduler classes a local pipeline folder names in its
    ``model_index.json``; empty strings for a hub id or an unreadable folder."""
    try:
        index = json.loads((Path(model).expanduser() / "model_index.json").read_text("utf-8"))
        scheduler = index.get("scheduler") or ["", ""]
        return str(index.get("_class_name", "")), str(scheduler[-1])
    except (OSError, ValueError, AttributeError, IndexError):
        return "", ""


def compile_denoiser(torch: Any, pipeline: Any) -> None:
    """Put the denoiser (a UNet, or a transformer in newer pipelines) behind
    ``torch.compile``: where nearly all of a generation's time goes."""
    for name in ("unet", "transformer"):
        module = getattr(pipeline, name, None)
        if module is not None:
            setattr(pipeline, name, torch.compile(module))
            return
    raise BackendUnavailable(
        f"{type(pipeline).__name__} has no unet or transformer for torch.compile"
    )
