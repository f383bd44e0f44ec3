"""A tiny Stable Diffusion pipeline with random weights, built from configs on this machine.

No machine that builds or tests memoaized can download from a model hub, yet the diffusers backend
must be exercised through its real loading path. This module writes a complete
``StableDiffusionPipeline`` folder (UNet, VAE, CLIP text encoder, CLIP tokenizer, scheduler) that
``from_pretrained`` reads back offline. Its images are noise; every line of code that produces
them is the real one.

The folder carries a marker file, ``memoaized-tiny.json``, so that the backend and the proxy can
say that its images are placeholders.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

__all__ = [
    "TINY_MARKER",
    "TINY_NATIVE_SIZE",
    "TINY_STEPS",
    "is_tiny_pipeline",
    "write_tiny_pipeline",
]

TINY_MARKER = "memoaized-tiny.json"
"""The file that marks a folder as the random-weight placeholder pipeline."""

TINY_NATIVE_SIZE = 256
"""The pipeline's native side in pixels: a 32x32 latent times the VAE's scale factor of 8."""

TINY_STEPS = 2
"""Denoising steps worth running on random weights: more would only cost time."""

_SEED = 20240601
"""Fixes the random weights, so that every machine writes the same pipeline."""

_TEXT_HIDDEN = 32
_MAX_TOKENS = 77
"""CLIP's context length; the text encoder's position table must match the tokenizer's."""

_BOS = "<|startoftext|>"
_EOS = "<|endoftext|>"


def is_tiny_pipeline(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a folder written by :func:`write_tiny_pipeline` (complete, since
    the marker is written last and the folder appears only by an atomic rename)."""
    marker = Path(path) / TINY_MARKER
    try:
        content = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(content, dict) and content.get("placeholder") is True


def write_tiny_pipeline(target: str | os.PathLike[str]) -> Path:
    """Write the tiny pipeline to ``target`` and return its path.

    Idempotent: a complete tiny pipeline already at ``target`` is left untouched. The folder is
    built in a temporary sibling and renamed into place, so an interrupted run leaves no
    half-written pipeline behind. An existing folder that is not a tiny pipeline is refused
    (unless it is empty) rather than overwritten. Needs the ``sd`` extra (torch, diffusers,
    transformers).
    """
    target = Path(target)
    if is_tiny_pipeline(target):
        return target
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} exists and is not a memoaized tiny pipeline")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the pipeline is meant to be shared
        _build(staging)
        try:
            if target.exists():
                target.rmdir()  # empty, checked above; rename cannot replace a folder everywhere
            staging.rename(target)
        except OSError:
            if not is_tiny_pipeline(target):
                raise
            shutil.rmtree(staging)  # another process finished the same folder first
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _build(folder: Path) -> None:
    """Write every component of the pipeline, then the marker, into ``folder``."""
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    # diffusers is only partly annotated: typed as Any, its calls do not defeat strict mypy.
    diffusers: Any = importlib.import_module("diffusers")

    # The vocabulary files stay next to the tokenizer.json that save_pretrained adds, so the
    # folder also loads with tokenizer classes that read only vocab.json and merges.txt.
    tokenizer_dir = folder / "tokenizer"
    tokenizer_dir.mkdir()
    vocab = _write_vocab(tokenizer_dir)
    tokenizer = CLIPTokenizer.from_pretrained(tokenizer_dir, model_max_length=_MAX_TOKENS)

    # fork_rng keeps the caller's global RNG state as it was: building weights is no reason
    # to change what torch.rand returns elsewhere in the process.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_SEED)
        unet = diffusers.UNet2DConditionModel(
            sample_size=TINY_NATIVE_SIZE // 8,
            in_channels=4,
            out_channels=4,
            layers_per_block=1,
            block_out_channels=(32, 64),
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=_TEXT_HIDDEN,
            attention_head_dim=8,
            norm_num_groups=8,
        )
        # Four blocks make the VAE's scale factor 8, as in real Stable Diffusion; the channels
        # stay tiny because decoding at full resolution is where the time would go.
        vae = diffusers.AutoencoderKL(
            in_channels=3,
            out_channels=3,
            latent_channels=4,
            block_out_channels=(8, 8, 16, 16),
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            layers_per_block=1,
            norm_num_groups=8,
            sample_size=TINY_NATIVE_SIZE,
        )
        text_encoder = CLIPTextModel(
            CLIPTextConfig(
                vocab_size=len(vocab),
                hidden_size=_TEXT_HIDDEN,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=4,
                max_position_embeddings=_MAX_TOKENS,
                bos_token_id=vocab[_BOS],
                eos_token_id=vocab[_EOS],
                pad_token_id=vocab[_EOS],
            )
        )
    # Stable Diffusion's own noise schedule. DDIM rather than SD's PNDM: PNDM cannot run the
    # two steps this pipeline is meant for.
    scheduler = diffusers.DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        num_train_timesteps=1000,
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    pipeline = diffusers.StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder)
    _write_json(
        folder / TINY_MARKER,
        {
            "placeholder": True,
            "description": "memoaized tiny Stable Diffusion pipeline with random weights: "
            "its images are noise, for tests and offline demos only",
            "native_size": f"{TINY_NATIVE_SIZE}x{TINY_NATIVE_SIZE}",
            "steps": TINY_STEPS,
            "seed": _SEED,
        },
    )


def _write_vocab(folder: Path) -> dict[str, int]:
    """Write a byte-level BPE vocabulary (``vocab.json``, ``merges.txt``) that can encode any
    text: every byte as a word-inner and a word-final symbol, the two specials, no merges."""
    symbols = list(_byte_symbols())
    vocab: dict[str, int] = {}
    for symbol in symbols + [f"{symbol}</w>" for symbol in symbols] + [_BOS, _EOS]:
        vocab[symbol] = len(vocab)
    _write_json(folder / "vocab.json", vocab)
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    return vocab


def _byte_symbols() -> list[str]:
    """GPT-2's printable stand-ins for the 256 byte values, which byte-level BPE works on."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    symbols: dict[int, str] = {byte: chr(byte) for byte in printable}
    extra = 0
    for byte in range(256):
        if byte not in symbols:
            symbols[byte] = chr(256 + extra)
            extra += 1
    return [symbols[byte] for byte in range(256)]


def _write_json(path: Path, content: Any) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
