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

Usage: python bench/gpu.py [--model DIR] [--device cuda] [--profile sd] [--steps 25]
                          [--compile] [--images 16] [--pairs 40]
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
from backends.tiny import write_tiny_pipeline  # noqa: E402
from proxy.cache.controls import CacheControls  # noqa: E402
from proxy.cache.results import CacheResult  # noqa: E402
from proxy.cache.service import ImageCache  # noqa: E402
from proxy.cache.warm import WarmStart  # noqa: E402
from proxy.embedding import Embedder, prepare_offline_model  # noqa: E402
from proxy.index.edge import EdgeIndex  # noqa: E402
from proxy.matching.decision import MatchPolicy  # noqa: E402
from proxy.metrics import Metrics  # noqa: E402
from proxy.settings import Settings  # noqa: E402
from proxy.store import BlobStore  # noqa: E402


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


async def warm_starts(
    backend: DiffusersBackend, pairs: list[tuple[str, str]], size: str, model_dir: Path
) -> None:
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
        model = args.model or str(write_tiny_pipeline(Path(tmp) / "tiny-sd"))
        steps = args.steps or (None if args.model else 8)
        embedder_dir = prepare_offline_model(Path(tmp) / "all-MiniLM-L6-v2")
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
            pairs = near_miss_pairs(args.data, args.pairs)
            await warm_starts(backend, pairs, args.size, embedder_dir)


if __name__ == "__main__":
    asyncio.run(main())
