"""The embedded index at scale: build it, optimise it while lookups are probed, reopen it.

For each size (10,000 / 100,000 / 1,000,000 entries by default: ``--sizes``):

1. **Build.** Entries as the proxy stores them (``new_entry``), with vectors from the real
   embedding model for a sample of real prompts (``tests/data``: DiffusionDB prompts and COCO
   captions, about 900), and the rest near-copies of those: a real vector plus Gaussian noise
   (sigma ``--noise``, 0.02 by default, about cosine 0.93 to its source), normalised. So the index
   sees clusters of prompts around real ones, as a cache of re-asks does. Written ``--page``
   entries at a time (1,000, as ``memoaized cache import`` writes a page; 1 for one at a time,
   as misses are stored). Printed: load time, disk per entry. ``--upkeep`` says what optimises
   the index meanwhile: ``none`` (nothing: the whole shard is left to step 2), ``writes`` (the
   proxy's upkeep loop, woken as soon as enough points are stored, with the pages waiting for
   it as an import's do) or ``timer`` (the loop as it was before, every 60 s, and no
   waiting); with either loop, lookups are probed through the build as in step 2, and the
   largest unindexed tail and the optimiser's largest peak RSS are printed.
2. **First optimisation, probed** (of what the load left unindexed). ``EdgeIndex.maintain``
   builds the HNSW graph in a child process while this process probes an exact and a semantic
   lookup every 50 ms (as requests would arrive), counting how late the event loop woke up,
   then writes one entry. Printed:
   optimise time, the longest any probe waited, probe p50/p99, what share of the points the
   HNSW graph held (the rest are searched by brute force), and the longest write.
3. **Steady state, probed.** ``--tail`` (10,000) new entries are added to the optimised index
   and ``maintain`` runs again (it optimises the new points and swaps): the same figures.
4. **Reopen.** Close and open again: time to ready, RSS of this process and of the shard's.
5. **Lookups.** ``--queries`` exact and semantic lookups one at a time: p50 and p99.
6. **The eviction sweep.** What a sweep under its limits costs (the index's count), and every
   entry read as the sweep reads it when a limit is passed: as footprints (what it reads now)
   and as whole entries (what it read before), each with its CPU time in this process and the
   shard's, and the Python memory it held (tracemalloc peak, in a second read).

``--no-optimise`` skips steps 2 and 3 (for a quick look at the rest).

Figures are the index's own, in-process (no HTTP). Run:
``.venv/bin/python bench/scale.py --sizes 10000,100000``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import logging
import os
import re
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

from proxy.app import build_embedder  # noqa: E402
from proxy.cache.entries import new_entry  # noqa: E402
from proxy.index.base import Entry, Where  # noqa: E402
from proxy.index.edge import EdgeIndex  # noqa: E402
from proxy.matching.canonical import Partition  # noqa: E402
from proxy.matching.decision import Query  # noqa: E402
from proxy.settings import Settings  # noqa: E402

DATA = REPO_ROOT / "tests" / "data"
PARTITION = Partition("tiny-sd", "512x512", None, None, None, None, "png")
PROBE_EVERY = 0.05
BATCH = 1000
TIMER_SECONDS = 60.0
"""How often the upkeep loop looked before it was woken by writes (the default interval)."""


def real_prompts() -> list[str]:
    """The repository's sample of real prompts and captions."""
    prompts = []
    for name, column in (
        ("diffusiondb_prompts_imagereward.tsv", "prompt"),
        ("coco_captions_val2017.tsv", "caption"),
    ):
        with (DATA / name).open(encoding="utf-8", newline="") as f:
            rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            prompts += [row[column] for row in rows if row[column].strip()]
    return prompts


def near_copies(vectors: np.ndarray, count: int, noise: float, seed: int = 0) -> np.ndarray:
    """``count`` vectors, each a random one of ``vectors`` plus Gaussian noise, normalised."""
    rng = np.random.default_rng(seed)
    return moved(vectors[rng.integers(0, len(vectors), count)], noise, rng)


def moved(vectors: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Each of ``vectors`` plus Gaussian noise (sigma ``noise``), normalised."""
    copies = vectors + rng.normal(0.0, noise, vectors.shape).astype(np.float32)
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    return copies.astype(np.float32)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mib(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory(index: EdgeIndex) -> str:
    """RSS of this process and of the process serving the index's shard."""
    shard = f"{rss_mib(index.pid):,.0f} MiB" if index.pid else "none"
    return f"RSS {rss_mib():,.0f} MiB here, shard process {shard}"


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user and system) a process has used so far."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def disk_mib(path: Path) -> float:
    """Allocated size of every file under ``path`` (sparse preallocation not counted)."""
    total = 0
    for root, _, files in os.walk(path, followlinks=True):
        for name in files:
            total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total / 2**20


def on_disk(path: Path, points: int) -> str:
    """The live shard's disk per entry, and its segments (each has payload indexes of its own)."""
    segments = sum(1 for _ in (path / "segments").glob("*"))
    return f"disk {disk_mib(path) * 2**20 / points:,.0f} bytes per entry in {segments} segments"


def make_entries(
    prompts: list[str], vectors: np.ndarray, start: int
) -> list[tuple[Entry, np.ndarray]]:
    entries = []
    for i, vector in enumerate(vectors):
        number = start + i
        prompt = f"{prompts[number % len(prompts)]} #{number}"
        entry = new_entry(
            Query.of(prompt, PARTITION),
            blob_id=f"{number:064x}",
            media_type="image/png",
            size=400_000,
            generation_seconds=2.0,
            energy_wh=0.5,
            energy_source="estimated",
            backend="bench",
        )
        entries.append((entry, vector))
    return entries


async def add(
    index: EdgeIndex, prompts: list[str], vectors: np.ndarray, start: int, page: int = 1
) -> None:
    """Store an entry per vector, its prompt the real one it was copied from, numbered: one
    write per ``page`` entries (1: one at a time, as the proxy stores misses; more: as an
    import stores its pages). The entries are made in a thread, so that the probes' event
    loop is not held by them."""
    entries = await asyncio.to_thread(make_entries, prompts, vectors, start)
    for first in range(0, len(entries), page):
        await index.upsert_many(entries[first : first + page])


async def probed(
    index: EdgeIndex, work: Callable[[], Awaitable[object]], vectors: np.ndarray, key: str
) -> dict[str, float]:
    """Run ``work`` while probing an exact and a semantic lookup every PROBE_EVERY seconds."""
    task = asyncio.create_task(work())
    waits: list[float] = []
    writes: list[float] = []
    lateness: list[float] = []
    covered: list[float] = []
    tails: list[int] = []
    probes = 0
    where = Where(partition=PARTITION.key)
    started = time.perf_counter()
    while not task.done():
        asked = time.perf_counter()
        await asyncio.sleep(PROBE_EVERY)
        woke = time.perf_counter()
        lateness.append(woke - asked - PROBE_EVERY)
        await index.exact(key, 1, where)
        await index.nearest(vectors[probes % len(vectors)], 1, where)
        waits.append(time.perf_counter() - woke + lateness[-1])
        info = await index.info()
        covered.append(info.indexed / max(1, info.points))
        tails.append(info.points - info.indexed)
        written = time.perf_counter()
        await add(
            index, [f"a probe written during maintenance {probes}"], vectors[:1], 10**9 + probes
        )
        writes.append(time.perf_counter() - written)
        probes += 1
    await task
    return {
        "seconds": time.perf_counter() - started,
        "probes": probes,
        "longest_wait_ms": 1000 * max(waits, default=0.0),
        "p50_ms": 1000 * percentile(waits, 50) if waits else 0.0,
        "p99_ms": 1000 * percentile(waits, 99) if waits else 0.0,
        "covered_min": 100 * min(covered, default=0.0),
        "covered_mean": 100 * statistics.fmean(covered) if covered else 0.0,
        "longest_write_ms": 1000 * max(writes, default=0.0),
        "largest_tail": max(tails, default=0),
    }


def report(label: str, figures: dict[str, float]) -> None:
    print(
        f"  {label}: {figures['seconds']:.1f} s; {figures['probes']:.0f} probes, longest wait "
        f"{figures['longest_wait_ms']:.0f} ms, p50 {figures['p50_ms']:.1f} ms, p99 "
        f"{figures['p99_ms']:.1f} ms; the HNSW graph held {figures['covered_mean']:.0f}% of the "
        f"points on average (lowest {figures['covered_min']:.0f}%); a write after each probe: "
        f"longest {figures['longest_write_ms']:.0f} ms; largest unindexed tail "
        f"{figures['largest_tail']:,.0f} points",
        flush=True,
    )


async def lookups(
    index: EdgeIndex, vectors: np.ndarray, key: str, count: int
) -> tuple[list[float], list[float]]:
    where = Where(partition=PARTITION.key)
    exact, semantic = [], []
    for i in range(count):
        started = time.perf_counter()
        await index.exact(key, 1, where)
        exact.append(time.perf_counter() - started)
        started = time.perf_counter()
        await index.nearest(vectors[i % len(vectors)], 1, where)
        semantic.append(time.perf_counter() - started)
    return exact, semantic


async def one_size(size: int, args: argparse.Namespace, prompts: list[str], real: np.ndarray):
    print(f"\n{size:,} entries", flush=True)
    with tempfile.TemporaryDirectory(prefix="memoaized-scale-", dir=args.work_dir) as folder:
        path = Path(folder) / "index"
        index = EdgeIndex(path, **args.index_options)
        await index.open()
        key = Query.of(f"{prompts[0]} #0", PARTITION).key
        probes = near_copies(real, 256, args.noise, seed=size)
        started = time.perf_counter()
        if args.upkeep == "none":
            await fill(index, size, args, prompts, real)
        else:
            peaks = OptimiserPeaks()
            report(
                f"load with the upkeep loop ({args.upkeep})",
                await probed(index, lambda: upkept(index, size, args, prompts, real), probes, key),
            )
            print(
                f"  {len(peaks.mib)} optimisations during the load; the optimiser's largest peak "
                f"RSS {max(peaks.mib, default=0):,} MiB",
                flush=True,
            )
            peaks.close()
        loaded = time.perf_counter() - started
        print(
            f"  load, {args.page:,} entries a write: {loaded:.1f} s ({size / loaded:,.0f} "
            f"entries/s); {on_disk(path, size)}; {memory(index)}",
            flush=True,
        )
        if args.optimise:
            report(
                "first optimisation",
                await probed(index, lambda: index.maintain(force=True), probes, key),
            )
            print(f"  after optimising: {memory(index)}; {on_disk(path, size)}", flush=True)
            await add(index, prompts, near_copies(real, args.tail, args.noise, seed=size + 1), size)
            report(
                f"{args.tail:,} more, optimised and swapped",
                await probed(index, index.maintain, probes, key),
            )
        await index.close()
        started = time.perf_counter()
        index = EdgeIndex(path, **args.index_options)
        await index.open()
        print(f"  reopen: ready in {time.perf_counter() - started:.2f} s", flush=True)
        exact, semantic = await lookups(index, probes, key, args.queries)
        print(
            f"  lookups one at a time: exact p50 {1000 * statistics.median(exact):.2f} ms, p99 "
            f"{1000 * percentile(exact, 99):.2f} ms; semantic p50 "
            f"{1000 * statistics.median(semantic):.2f} ms, p99 "
            f"{1000 * percentile(semantic, 99):.2f} ms; {memory(index)} (peak here "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB)",
            flush=True,
        )
        started, shard = time.process_time(), cpu_seconds(index.pid)
        await index.count()
        print(
            f"  a sweep under its limits (the index's count only): "
            f"{1000 * (time.process_time() - started + cpu_seconds(index.pid) - shard):.1f} CPU-ms",
            flush=True,
        )
        for label, read in (("footprints", read_footprints), ("whole entries", read_entries)):
            started, shard = time.process_time(), cpu_seconds(index.pid)
            count = await read(index)
            here, there = time.process_time() - started, cpu_seconds(index.pid) - shard
            tracemalloc.start()
            await read(index)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"  eviction read as {label}: {count:,} in {here + there:.2f} CPU-s "
                f"({here:.2f} here, {there:.2f} in the shard process), "
                f"{peak / 2**20:,.0f} MiB of Python objects at the peak",
                flush=True,
            )
        await index.close()


async def fill(
    index: EdgeIndex, size: int, args: argparse.Namespace, prompts: list[str], real: np.ndarray
) -> None:
    """Store ``size`` entries: the real vectors first, then near-copies of them."""
    done = 0
    while done < size:
        count = min(BATCH, size - done)
        vectors = real[done : done + count] if done < len(real) else None
        if vectors is None or len(vectors) < count:
            vectors = near_copies(real, count, args.noise, seed=done)
        if args.upkeep == "writes":
            await index.make_room()  # as an import does between its pages
        await add(index, prompts, vectors, done, args.page)
        done += count


async def upkept(
    index: EdgeIndex, size: int, args: argparse.Namespace, prompts: list[str], real: np.ndarray
) -> None:
    """``fill`` while the proxy's upkeep loop runs (``args.upkeep``: woken by writes, or every
    60 s as before); the optimisation under way when the load ends is let finish."""

    loaded = False
    waiting = True

    async def loop() -> None:
        nonlocal waiting
        while not loaded:
            waiting = True
            if args.upkeep == "timer":
                await asyncio.sleep(TIMER_SECONDS)
            else:
                await index.upkeep_wanted(TIMER_SECONDS)
            waiting = False
            await index.maintain()

    upkeep = asyncio.create_task(loop())
    await fill(index, size, args, prompts, real)
    loaded = True
    if waiting:
        upkeep.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await upkeep


class OptimiserPeaks(logging.Handler):
    """The optimiser's peak RSS of each optimisation, from the index's log."""

    def __init__(self) -> None:
        super().__init__()
        self.mib: list[int] = []
        logging.getLogger("proxy.index.edge").addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if found := re.search(r"peak RSS (\d+) MiB", record.getMessage()):
            self.mib.append(int(found.group(1)))

    def close(self) -> None:
        logging.getLogger("proxy.index.edge").removeHandler(self)
        super().close()


async def read_footprints(index: EdgeIndex) -> int:
    """Every entry's footprint, a page at a time, as the eviction sweep reads them."""
    held, offset = [], None
    while True:
        page, offset = await index.footprints(limit=1024, offset=offset)
        held += page
        if offset is None:
            return len(held)


async def read_entries(index: EdgeIndex) -> int:
    """Every whole entry, as the sweep read them before footprints."""
    held, offset = [], None
    while True:
        page = await index.scroll(limit=256, offset=offset)
        held += page.entries
        if (offset := page.next) is None:
            return len(held)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--tail", type=int, default=10_000)
    parser.add_argument("--noise", type=float, default=0.02)
    parser.add_argument(
        "--page",
        type=int,
        default=1000,
        help="entries a write while building (1: one at a time, as misses are stored)",
    )
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--no-optimise", dest="optimise", action="store_false")
    parser.add_argument(
        "--upkeep",
        choices=("none", "writes", "timer"),
        default="none",
        help="what optimises the index while it is built: nothing, the proxy's upkeep loop "
        "(woken by writes), or the loop as it was before (every 60 s)",
    )
    parser.add_argument(
        "--segment-points",
        type=int,
        default=None,
        help="the most points in one Edge segment (default: the proxy's)",
    )
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    args.index_options = (
        {} if args.segment_points is None else {"segment_points": args.segment_points}
    )
    logging.basicConfig(level=logging.INFO, format="  %(message)s")
    logging.getLogger("proxy.index.edge").setLevel(logging.INFO)
    prompts = real_prompts()
    embedder = build_embedder(Settings.from_env())
    embedder.load()
    started = time.perf_counter()
    real = np.asarray(embedder.embed(prompts), dtype=np.float32)
    print(
        f"{len(prompts)} real prompts embedded in {time.perf_counter() - started:.1f} s; the "
        f"rest are near-copies of their vectors (Gaussian noise sigma {args.noise}, normalised)"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        await one_size(size, args, prompts, real)


if __name__ == "__main__":
    asyncio.run(main())
