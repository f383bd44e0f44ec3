"""The GPU path: micro-batched versus sequential generation, and warm starts versus full ones.

1. **Batching.** ``--images`` requests of one size, sent one after another, then all at once
   (the backend batches up to ``--batch`` of them per pipeline call): images per second, pipeline
   calls, and Wh per image where NVML can measure it (an NVIDIA GPU).
2. **Warm starts.** Near misses from real labelled data: SugarCrepe's ``replace_att`` and
   ``replace_obj`` pairs (../shared/data), where one attribute or object of a COCO caption was
   replaced. Each pair's first caption is generated through the proxy's real cache (embedding
   model, Qdrant Edge index, verifier, default threshold), then its second: it is served, warm
   started from the first's image, or generated from noise, as the proxy decides. Printed:
   how many of each, the share of denoising steps the warm starts skipped (counted by the
   pipeline's step callback), and their time against full generations.

Runs anywhere: on the CPU with the tiny pipeline (the default) it checks that batching and warm
starts work and counts steps; on an NVIDIA machine with a real model folder
(``--model /models/stable-diffusion-v1-5 --device cuda``) it measures throughput and energy.

**Full-size architectures with random weights** (``--architecture sd15`` or ``sdxl``): where no
weights can be downloaded, the pipeline is built from Stable Diffusion 1.5's or SDXL's published
configurations (written below: UNet, VAE, text encoders and scheduler at full size) with random
weights. Its images are noise, but every layer runs at its real size, so time and energy are
what the real model costs. Its tokenizer is the tiny pipeline's byte-level one (every prompt is
padded to 77 tokens, as with the real one). ``--no-warm-starts`` skips step 2, which needs the
proxy's cache (embedding model, index); step 3 then measures a warm start's cost directly:
``--images`` generations from noise, then the same number started from those images at the
proxy's default strengths (the backend's own image-to-image path).

Usage: python bench/gpu.py [--model DIR | --architecture sd15|sdxl] [--device cuda]
                          [--profile sd] [--steps 25] [--compile] [--images 16] [--pairs 40]
                          [--no-warm-starts]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.base import GenerationRequest  # noqa: E402
from backends.diffusers_backend import DiffusersBackend  # noqa: E402
from backends.tiny import _write_vocab, write_tiny_pipeline  # noqa: E402

# The proxy's cache (step 2) is imported where it is used: with --no-warm-starts the script
# needs the backend alone (torch, diffusers, transformers), as on a GPU machine set up for it.


def near_miss_pairs(data: Path, count: int) -> list[tuple[str, str]]:
    with (data / "sugarcrepe_pairs.tsv").open(encoding="utf-8") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        pairs = [
            (row["text_a"], row["text_b"])
            for row in rows
            if row["source"] in ("sugarcrepe/replace_att", "sugarcrepe/replace_obj")
        ]
    return pairs[:count]


async def batching(backend: DiffusersBackend, size: str, images: int) -> None:
    def request(i: int) -> GenerationRequest:
        return GenerationRequest(prompt=f"a lighthouse at dusk, study {i}", model="m", size=size)

    rows = []
    for label in ("sequential", "batched"):
        calls = backend.pipeline_calls
        started = time.perf_counter()
        if label == "sequential":
            generations = [await backend.generate(request(i)) for i in range(images)]
        else:
            generations = list(
                await asyncio.gather(*(backend.generate(request(i)) for i in range(images)))
            )
        seconds = time.perf_counter() - started
        energy = [g.energy_wh for g in generations]
        per_image = (
            f"{sum(e for e in energy if e is not None) / images:.4f}"
            if all(e is not None for e in energy)
            else "n/a (no NVML)"
        )
        rows.append((label, images / seconds, backend.pipeline_calls - calls, per_image))
    print(f"\n| generation | images/s | pipeline calls | Wh per image |  ({images} images, {size})")
    print("| --- | --- | --- | --- |")
    for label, rate, calls, wh in rows:
        print(f"| {label} | {rate:.2f} | {calls} | {wh} |")
    print(f"batched / sequential: {rows[1][1] / rows[0][1]:.2f}x")


def write_full_size_pipeline(folder: Path, architecture: str) -> Path:
    """Stable Diffusion 1.5's or SDXL's architecture at full size, with random weights (seeded),
    saved as a pipeline folder the backend loads as it loads a downloaded one."""
    import diffusers
    import torch
    from transformers import (
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTextModelWithProjection,
        CLIPTokenizer,
    )

    vocab_dir = folder.parent / f"{folder.name}-vocabulary"
    vocab_dir.mkdir(parents=True)
    vocab = _write_vocab(vocab_dir)  # the tiny pipeline's byte-level vocabulary, as files

    def tokenizer() -> CLIPTokenizer:
        return CLIPTokenizer.from_pretrained(vocab_dir, model_max_length=77)

    def text_config(hidden: int, layers: int, heads: int, act: str, **more: int) -> CLIPTextConfig:
        return CLIPTextConfig(
            vocab_size=len(vocab),
            hidden_size=hidden,
            intermediate_size=4 * hidden,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            max_position_embeddings=77,
            hidden_act=act,
            bos_token_id=len(vocab) - 2,
            eos_token_id=len(vocab) - 1,
            pad_token_id=len(vocab) - 1,
            **more,
        )

    torch.manual_seed(0)
    vae = diffusers.AutoencoderKL(
        block_out_channels=(128, 256, 512, 512),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        layers_per_block=2,
        latent_channels=4,
        sample_size=1024 if architecture == "sdxl" else 512,
        scaling_factor=0.13025 if architecture == "sdxl" else 0.18215,
    )
    scheduler = diffusers.EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        num_train_timesteps=1000,
        steps_offset=1,
    )
    if architecture == "sd15":
        unet = diffusers.UNet2DConditionModel(
            sample_size=64,
            block_out_channels=(320, 640, 1280, 1280),
            layers_per_block=2,
            cross_attention_dim=768,
            attention_head_dim=8,
        )
        pipeline = diffusers.StableDiffusionPipeline(
            vae=vae,
            text_encoder=CLIPTextModel(text_config(768, 12, 12, "quick_gelu")),
            tokenizer=tokenizer(),
            unet=unet,
            scheduler=scheduler,
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
        )
    elif architecture == "sdxl":
        unet = diffusers.UNet2DConditionModel(
            sample_size=128,
            block_out_channels=(320, 640, 1280),
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
            layers_per_block=2,
            transformer_layers_per_block=(1, 2, 10),
            attention_head_dim=(5, 10, 20),
            cross_attention_dim=2048,
            use_linear_projection=True,
            addition_embed_type="text_time",
            addition_time_embed_dim=256,
            projection_class_embeddings_input_dim=2816,
        )
        pipeline = diffusers.StableDiffusionXLPipeline(
            vae=vae,
            text_encoder=CLIPTextModel(text_config(768, 12, 12, "quick_gelu")),
            text_encoder_2=CLIPTextModelWithProjection(
                text_config(1280, 32, 20, "gelu", projection_dim=1280)
            ),
            tokenizer=tokenizer(),
            tokenizer_2=tokenizer(),
            unet=unet,
            scheduler=scheduler,
        )
    else:
        raise SystemExit(f"unknown architecture {architecture!r}: sd15 or sdxl")
    parameters = sum(p.numel() for p in unet.parameters())
    pipeline.save_pretrained(folder, safe_serialization=True)
    print(f"{architecture}: random weights written, {parameters / 1e6:.0f}M UNet parameters")
    return folder


async def warm_cost(backend: DiffusersBackend, size: str, images: int) -> None:
    """A warm start's cost against a generation from noise, through the backend alone: the
    proxy's default strengths (its warm-start range), each started from a full image."""
    from proxy.settings import Settings

    settings = Settings()
    strengths = (settings.warm_strength_min, settings.warm_strength_max)
    full = []
    for i in range(images):
        request = GenerationRequest(prompt=f"a lighthouse at dusk, study {i}", model="m", size=size)
        full.append(await backend.generate(request))
    rows = [("from noise", full)]
    for strength in strengths:
        warm = []
        for i, earlier in enumerate(full):
            request = GenerationRequest(
                prompt=f"a lighthouse at dawn, study {i}",
                model="m",
                size=size,
                init_image=earlier.images[0].data,
                strength=strength,
            )
            warm.append(await backend.generate(request))
        rows.append((f"warm start, strength {strength:.2f}", warm))
    print(f"\n| generation | images | median s | Wh per image |  ({size}, {backend.steps} steps)")
    print("| --- | --- | --- | --- |")
    for label, generations in rows:
        seconds = statistics.median(g.seconds for g in generations)
        wh = [g.energy_wh for g in generations]
        per_image = (
            f"{statistics.mean(wh):.4f}" if all(w is not None for w in wh) else "n/a (no NVML)"
        )
        print(f"| {label} | {len(generations)} | {seconds:.3f} | {per_image} |")


async def warm_starts(
    backend: DiffusersBackend, pairs: list[tuple[str, str]], size: str, model_dir: Path
) -> None:
    from proxy.cache.controls import CacheControls
    from proxy.cache.results import CacheResult
    from proxy.cache.service import ImageCache
    from proxy.cache.warm import WarmStart
    from proxy.embedding import Embedder
    from proxy.index.edge import EdgeIndex
    from proxy.matching.decision import MatchPolicy
    from proxy.metrics import Metrics
    from proxy.settings import Settings
    from proxy.store import BlobStore

    settings = Settings()
    embedder = Embedder(model_dir=model_dir)
    embedder.load()
    metrics = Metrics()
    policy = MatchPolicy.from_settings(settings, embedder.unseen_text, metrics)
    outcomes: dict[str, int] = {}
    skipped: list[float] = []
    seconds: dict[str, list[float]] = {"warm": [], "full": []}
    energy: dict[str, list[float]] = {"warm": [], "full": []}

    def record(kind: str, result: CacheResult) -> None:
        seconds[kind].append(result.generation_seconds)
        image = result.images[0]
        if image.energy_source == "measured" and image.energy_wh is not None:
            energy[kind].append(image.energy_wh)

    with tempfile.TemporaryDirectory(prefix="memoaized-gpu-") as tmp:
        index = EdgeIndex(Path(tmp) / "index")
        async with index, BlobStore(str(Path(tmp) / "images")) as store:
            cache = ImageCache(
                backend=backend,
                index=index,
                store=store,
                embedder=embedder,
                policy=policy,
                metrics=metrics,
                energy_estimate_wh=lambda _: settings.energy_wh_per_image,
                warm=WarmStart(
                    settings.warm_min_similarity,
                    settings.warm_strength_min,
                    settings.warm_strength_max,
                ),
            )
            model = backend.default_model
            for cached, near in pairs:
                first = await cache.generate(
                    GenerationRequest(prompt=cached, model=model, size=size),
                    CacheControls(),
                    with_bytes=False,
                )
                record("full", first)
                result = await cache.generate(
                    GenerationRequest(prompt=near, model=model, size=size),
                    CacheControls(),
                    with_bytes=False,
                )
                kind = result.match or "miss"
                outcomes[kind] = outcomes.get(kind, 0) + 1
                if kind == "warm":
                    image = result.images[0]
                    skipped.append(image.steps_skipped / backend.steps)
                    record("warm", result)
                elif kind == "miss":
                    record("full", result)
    print(f"\nnear misses (SugarCrepe replace_att/replace_obj), {len(pairs)} pairs, {size}:")
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    if skipped:
        print(
            f"  warm starts skipped {statistics.mean(skipped):.0%} of {backend.steps} steps on "
            f"average (min {min(skipped):.0%}, max {max(skipped):.0%})"
        )
        print("\n| generation | images | images/s | median ms | Wh per image |")
        print("| --- | --- | --- | --- | --- |")
        for kind in ("full", "warm"):
            times, wh = seconds[kind], energy[kind]
            per_image = f"{statistics.mean(wh):.4f}" if wh else "n/a (no NVML)"
            print(
                f"| {kind} | {len(times)} | {len(times) / sum(times):.2f} | "
                f"{statistics.median(times) * 1000:.0f} | {per_image} |"
            )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="pipeline folder (default: the tiny pipeline)")
    parser.add_argument(
        "--architecture",
        choices=("sd15", "sdxl"),
        help="build this architecture at full size with random weights instead of --model",
    )
    parser.add_argument(
        "--no-warm-starts",
        dest="warm_starts",
        action="store_false",
        help="skip the near misses through the proxy's cache; time warm starts directly",
    )
    parser.add_argument("--device")
    parser.add_argument("--dtype")
    parser.add_argument("--profile", help="model profile (default: detected)")
    parser.add_argument("--steps", type=int, help="denoising steps (default 8 for tiny)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the denoiser")
    parser.add_argument("--size", default="256x256")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memoaized-gpu-models-") as tmp:
        if args.architecture:
            started = time.perf_counter()
            model = str(write_full_size_pipeline(Path(tmp) / args.architecture, args.architecture))
            print(f"  built in {time.perf_counter() - started:.0f} s")
        else:
            model = args.model or str(write_tiny_pipeline(Path(tmp) / "tiny-sd"))
        real = args.model or args.architecture
        steps = args.steps or (None if real else 8)
        backend = DiffusersBackend(
            model=model,
            device=args.device,
            dtype=args.dtype,
            profile=args.profile,
            steps=steps,
            max_batch=args.batch,
            compile=args.compile,
        )
        async with backend:
            print(backend.describe())
            await batching(backend, args.size, args.images)
            if not args.warm_starts:
                await warm_cost(backend, args.size, args.images)
                return
            from proxy.embedding import prepare_offline_model

            embedder_dir = prepare_offline_model(Path(tmp) / "all-MiniLM-L6-v2")
            pairs = near_miss_pairs(args.data, args.pairs)
            await warm_starts(backend, pairs, args.size, embedder_dir)


if __name__ == "__main__":
    asyncio.run(main())
