"""Hit and miss latency of the proxy over HTTP, with 10,000 entries cached.

Seeds a fresh data directory with real prompts (DiffusionDB, from ../shared/data) embedded by the
real model, stored as real images of the tiny pipeline, in the embedded Qdrant Edge index
(optimised, as the running proxy does in the background); then starts `memoaized serve` on it
with the tiny pipeline as the backend and measures, over loopback HTTP, one request at a time:

- exact hits: seeded prompts sent again (b64_json, 256x256 PNG);
- semantic hits: seeded DiffusionDB tag-list prompts with their last tag dropped (long prompts),
  and seeded COCO captions without their leading article (short ones);
- misses: prompts never seen; the proxy's own overhead is the total minus the backend time that
  the proxy reports in its Server-Timing header.

``--backend sd-server`` puts the tiny pipeline in a `memoaized sd-server` process of its own and
the proxy in front of it on the `openai` backend, as with a remote backend: the backend time is
then the upstream's whole answer, and the overhead what the proxy adds around it. (The sd-server
still shares the machine's cores; it runs torch on one thread so that its idle threads do not
spin on the cores the proxy needs next.)

Each workload's requests are reported by the outcome they actually got.

Prints a table. Usage: python bench/latency.py [--entries 10000] [--queries 300]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.base import GenerationRequest  # noqa: E402
from backends.diffusers_backend import DiffusersBackend  # noqa: E402
from backends.images_api import ImagesRequest, to_generation_request  # noqa: E402
from backends.tiny import write_tiny_pipeline  # noqa: E402
from bench.scale import moved  # noqa: E402
from proxy.cache.entries import new_entry  # noqa: E402
from proxy.embedding import Embedder, prepare_offline_model  # noqa: E402
from proxy.index.base import Entry  # noqa: E402
from proxy.index.edge import EdgeIndex  # noqa: E402
from proxy.matching.canonical import Partition  # noqa: E402
from proxy.matching.decision import MatchPolicy, Query  # noqa: E402
from proxy.metrics import Metrics  # noqa: E402
from proxy.settings import Settings  # noqa: E402
from proxy.store import BlobStore  # noqa: E402

SIZE = "256x256"


def load_prompts(data_dir: Path) -> list[str]:
    with (data_dir / "diffusiondb_prompts_imagereward.tsv").open(encoding="utf-8") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        prompts = {row[2] for row in rows if len(row) > 2 and row[2].strip()}
    return sorted(prompts)


def request_for(prompt: str, model: str, default_size: str) -> GenerationRequest:
    request, _ = to_generation_request(
        ImagesRequest(prompt=prompt, size=SIZE), default_model=model, default_size=default_size
    )
    return request


async def seed(
    data_dir: Path, model_dir: Path, tiny: Path, prompts: list[str], filler: int = 0
) -> None:
    """Store ``prompts`` as entries, as the proxy would after generating them; then ``filler``
    more, each a numbered copy of one of them with its vector moved by noise as
    ``bench/scale.py`` builds its sizes, so that the index holds as many points as a large
    cache does."""
    backend = DiffusersBackend(model=str(tiny))
    async with backend:
        seed_request = GenerationRequest(
            prompt="seed images", model=backend.default_model, n=4, size=SIZE
        )
        images = (await backend.generate(seed_request)).images
        model, default_size = backend.default_model, backend.default_size
    embedder = Embedder(model_dir=model_dir)
    embedder.load()
    policy = MatchPolicy.from_settings(Settings.from_env(), embedder.unseen_text, Metrics())
    started = time.perf_counter()
    queries = [Query.of(p, Partition.of(request_for(p, model, default_size))) for p in prompts]
    vectors = embedder.embed([policy.embedding_text(q.canonical) for q in queries])
    await policy.close()
    print(f"embedded {len(prompts)} prompts in {time.perf_counter() - started:.1f} s")
    async with BlobStore(str(data_dir / "images")) as store:
        blobs = [
            (await store.put(image.data, image.media_type), len(image.data)) for image in images
        ]
    index = EdgeIndex(data_dir / "index")
    async with index:
        for i, (query, vector) in enumerate(zip(queries, vectors, strict=True)):
            await index.upsert(_seeded(query, blobs[i % len(blobs)]), vector)
        if filler:
            await _fill(index, queries, np.asarray(vectors, dtype=np.float32), filler, blobs)
        started = time.perf_counter()
        await index.maintain(force=True)
        print(
            f"optimised the index in {time.perf_counter() - started:.1f} s "
            f"({await index.count()} entries)"
        )


def _seeded(query: Query, blob: tuple[str, int]) -> Entry:
    """The entry stored for ``query`` with the image ``blob`` (id, size), as after a generation."""
    blob_id, size = blob
    return new_entry(
        query,
        blob_id=blob_id,
        media_type="image/png",
        size=size,
        generation_seconds=0.3,
        energy_wh=2.9,
        energy_source="estimated",
        backend="diffusers",
    )


async def _fill(
    index: EdgeIndex,
    queries: list[Query],
    vectors: np.ndarray,
    count: int,
    blobs: list[tuple[str, int]],
) -> None:
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    sources = np.arange(count) % len(queries)
    for first in range(0, count, 1000):
        page = sources[first : first + 1000]
        copies = moved(vectors[page], 0.02, rng)
        entries = []
        for number, source, vector in zip(
            range(first, first + len(page)), page, copies, strict=True
        ):
            query = queries[source]
            copy = Query.of(f"{query.prompt} #{number}", query.partition)
            entries.append((_seeded(copy, blobs[number % len(blobs)]), vector))
        await index.upsert_many(entries)
    print(f"added {count:,} near-copies in {time.perf_counter() - started:.1f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def measure(url: str, prompts: list[str]) -> dict[str, list[tuple[float, float, float]]]:
    """(total ms, backend ms, the handler's own ms) per request, grouped by X-Cache /
    X-Cache-Match."""
    results: dict[str, list[tuple[float, float, float]]] = {}
    with httpx.Client(base_url=url, timeout=120) as client:
        for prompt in prompts:
            started = time.perf_counter()
            response = client.post(
                "/v1/images/generations",
                json={"prompt": prompt, "size": SIZE, "response_format": "b64_json"},
            )
            total = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            timing = dict(
                part.strip().split(";dur=") for part in response.headers["server-timing"].split(",")
            )
            kind = response.headers["x-cache"].lower()
            if kind == "hit":
                kind = response.headers["x-cache-match"]
            backend = float(timing["generate"])
            handler = float(timing["total"]) - backend
            results.setdefault(kind, []).append((total, backend, handler))
    return results


@dataclass
class Seeding:
    """Real prompts in a shuffled order, and those a benchmark stores before it measures."""

    prompts: list[str]
    """DiffusionDB prompts, the seeded first: those after them were never seen."""
    captions: list[str]
    """COCO captions, the seeded first."""
    seeded_prompts: list[str]
    seeded_captions: list[str]
    tag_lists: list[str]
    """The seeded prompts that are lists of five tags or more."""

    @classmethod
    def of(cls, data_dir: Path, rng: random.Random, entries: int, captions: int) -> Seeding:
        """``entries`` to store, ``captions`` of them COCO captions."""
        prompts, all_captions = load_prompts(data_dir), load_captions(data_dir)
        rng.shuffle(prompts)
        rng.shuffle(all_captions)
        seeded_prompts = prompts[: entries - captions]
        tag_lists = [p for p in seeded_prompts if p.count(",") >= 4]
        return cls(prompts, all_captions, seeded_prompts, all_captions[:captions], tag_lists)


def load_captions(data_dir: Path) -> list[str]:
    """COCO captions that start with an article: short, photo-like prompts."""
    with (data_dir / "coco_captions_val2017.tsv").open(encoding="utf-8") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        captions = {row[2].strip() for row in rows if len(row) > 2}
    return sorted(c for c in captions if c.startswith("A ") and len(c.split()) >= 7)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--backend", choices=("tiny", "sd-server"), default="tiny")
    args = parser.parse_args()

    rng = random.Random(7)
    n_captions = args.entries // 10
    seeding = Seeding.of(args.data, rng, args.entries, n_captions)
    prompts, captions = seeding.prompts, seeding.captions
    seeded_prompts, seeded_captions = seeding.seeded_prompts, seeding.seeded_captions
    tag_lists = seeding.tag_lists
    # (label, prompts, the outcome they are meant to produce)
    workloads = [
        ("exact, repeated prompt", rng.sample(seeded_prompts, args.queries), "exact"),
        (
            "semantic, tag list less its last tag",
            [p.rsplit(",", 1)[0] for p in rng.sample(tag_lists, args.queries)],
            "semantic",
        ),
        (
            "semantic, caption less its article",
            [c[2:] for c in rng.sample(seeded_captions, args.queries)],
            "semantic",
        ),
        ("miss, new DiffusionDB prompt", prompts[args.entries - n_captions :][:60], "miss"),
        ("miss, new COCO caption", captions[n_captions : n_captions + 60], "miss"),
    ]
    with tempfile.TemporaryDirectory(prefix="memoaized-bench-") as tmp:
        work = Path(tmp)
        model_dir = prepare_offline_model(work / "models" / "all-MiniLM-L6-v2")
        tiny = write_tiny_pipeline(work / "data" / "models" / "tiny-sd")
        asyncio.run(seed(work / "data", model_dir, tiny, seeded_prompts + seeded_captions))

        port = 18000 + os.getpid() % 1000
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "MEMOAIZED_EMBEDDING_MODEL_DIR": str(model_dir)}
        command = [
            sys.executable,
            "-m",
            "proxy.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(work / "data"),
            "--log-level",
            "WARNING",
        ]
        upstream = None
        if args.backend == "sd-server":
            upstream, options = start_sd_server(tiny, work / "sd", port + 1000, env)
            command += options
        server = subprocess.Popen(command, env=env, cwd=ROOT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url)
            measure(url, seeded_prompts[:20])  # warm-up: first requests initialise lazily
            results = {label: measure(url, batch) for label, batch, _ in workloads}
            stages = stage_means(httpx.get(url + "/metrics").text)
        finally:
            server.terminate()
            server.wait(30)
            if upstream is not None:
                upstream.terminate()
                upstream.wait(30)

    backend = "tiny pipeline" if upstream is None else "tiny pipeline behind a sd-server process"
    print(
        f"\n{args.entries} entries, embedded defaults, {backend}, HTTP on loopback, "
        f"b64_json {SIZE} PNG, one request at a time\n"
    )
    print(
        "| workload | outcome | requests | p50 ms | p99 ms | overhead p50 ms | overhead p99 ms "
        "| in handler p50 ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, _, expected in workloads:
        for kind, values in sorted(results[label].items(), key=lambda kv: kv[0] != expected):
            totals = [total for total, _, _ in values]
            overheads = [total - backend for total, backend, _ in values]
            handler = [own for _, _, own in values]
            print(
                f"| {label} | {kind} | {len(values)} | {statistics.median(totals):.2f} | "
                f"{percentile(totals, 99):.2f} | {statistics.median(overheads):.2f} | "
                f"{percentile(overheads, 99):.2f} | {statistics.median(handler):.2f} |"
            )
    print("\noverhead = total minus the backend time the proxy reports (Server-Timing: generate)")
    print(
        "in handler = the handler's own time less the backend's (Server-Timing: total - generate)"
    )
    print("mean time per call inside the proxy, whole run (memoaized_stage_duration_seconds):")
    for stage, mean_ms in sorted(stages.items()):
        print(f"  {stage:<14} {mean_ms:7.2f} ms")


def start_sd_server(
    tiny: Path, data_dir: Path, port: int, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], list[str]]:
    """A ready `memoaized sd-server` on the tiny pipeline (torch on one thread, so that its idle
    threads do not spin on the cores the proxy needs), and the `serve` options that put a proxy
    in front of it."""
    command = [sys.executable, "-m", "proxy.cli", "sd-server", "--port", str(port)]
    command += ["--sd-model", str(tiny), "--data-dir", str(data_dir), "--log-level", "WARNING"]
    server = subprocess.Popen(command, env={**env, "OMP_NUM_THREADS": "1"}, cwd=ROOT)
    wait_ready(f"http://127.0.0.1:{port}")
    upstream = f"http://127.0.0.1:{port}/v1"
    return server, ["--backend", "openai", "--upstream-url", upstream, "--default-model", "tiny-sd"]


def wait_ready(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):  # not listening yet
            if httpx.get(url + "/readyz").status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the proxy at {url} was not ready after {timeout} s")


def stage_means(metrics: str) -> dict[str, float]:
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for line in metrics.splitlines():
        for suffix, target in (("_sum", sums), ("_count", counts)):
            prefix = f'memoaized_stage_duration_seconds{suffix}{{stage="'
            if line.startswith(prefix):
                stage = line[len(prefix) :].split('"', 1)[0]
                target[stage] = float(line.rsplit(" ", 1)[1])
    return {stage: sums[stage] / counts[stage] * 1000 for stage in sums if counts.get(stage)}


if __name__ == "__main__":
    main()
