"""Measure hit decisions with and without verification, and what verification adds to a hit.

1. Writes the labelled pair files (bench/pairs.py) and measures the ``holdout`` half, pairs the
   verifier was never tuned on, through ``proxy.evaluate`` (the same embedding, index lookup and
   ``MatchPolicy.decide`` as ``memoaized eval`` and the proxy). Prints the team's written pairs per
   kind at the default settings (recall on harmless re-asks, false hits on minimal edits), then
   the table of the shared data in docs/matching.md: false-hit
   rate per SugarCrepe kind and on SICK contradictions, recall on STS-B caption pairs scored
   >= 4.5 and on Crisscrossed Captions pairs scored >= 4.0, at five thresholds, verifier on
   and off.
2. Times ``Verifier.check`` once per distinct pair of prompts, each read for the first time (as a
   new request is), which is the latency verification adds to a semantic hit: p50 and p99, on a
   lexicon just opened and on one that has read the tuning half first (a running proxy's); then
   with each cached prompt read before its check, as the proxy reads a prompt while its image is
   generated, so that only the request is read for the first time.

Run: ``.venv/bin/python bench/verification.py [--data-dir ../shared/data]``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

from backends.heap import YOUNG_COLLECTION_AFTER  # noqa: E402
from bench.pairs import DEFAULT_DATA_DIR  # noqa: E402
from bench.pairs import main as write_pairs  # noqa: E402
from proxy import evaluate  # noqa: E402
from proxy.app import build_embedder  # noqa: E402
from proxy.index.base import Candidate  # noqa: E402
from proxy.matching.decision import MatchPolicy, Query  # noqa: E402
from proxy.matching.lexicon import WordNet  # noqa: E402
from proxy.matching.verify import Verifier  # noqa: E402
from proxy.metrics import Metrics  # noqa: E402
from proxy.settings import DEFAULT_THRESHOLD, Settings  # noqa: E402

THRESHOLDS = (0.70, DEFAULT_THRESHOLD, 0.80, 0.85, 0.90)
COLUMNS = (
    ("sugarcrepe/replace_att", "false_hit_rate"),
    ("sugarcrepe/replace_obj", "false_hit_rate"),
    ("sugarcrepe/replace_rel", "false_hit_rate"),
    ("sugarcrepe/swap_att", "false_hit_rate"),
    ("sugarcrepe/swap_obj", "false_hit_rate"),
    ("sugarcrepe/add_att", "false_hit_rate"),
    ("sugarcrepe/add_obj", "false_hit_rate"),
    ("sick/contradiction", "false_hit_rate"),
    ("stsb/captions>=4.5", "recall"),
    ("cxc/captions>=4.0", "recall"),
)


async def table(pairs: Sequence[evaluate.Pair], settings: Settings) -> None:
    embedder = build_embedder(settings)
    embedder.load()
    policy = MatchPolicy.from_settings(settings, embedder.unseen_text, Metrics())
    started = time.perf_counter()
    measured = await evaluate.measure(pairs, embedder, policy)
    print(f"embedded and looked up {len(pairs)} pairs in {time.perf_counter() - started:.1f} s\n")
    await written_table(pairs, measured, policy)
    await policy.close()
    names = [
        kind.split("/", 1)[1] + (" recall" if what == "recall" else "") for kind, what in COLUMNS
    ]
    print("| threshold | verifier | " + " | ".join(names) + " |")
    print("|" + " --- |" * (len(names) + 2))
    for threshold in THRESHOLDS:
        for verify in (True, False):
            policy = MatchPolicy.from_settings(
                settings.with_overrides(verify=verify, threshold=threshold, min_threshold=0.5),
                embedder.unseen_text,
                Metrics(),
            )
            decisions = await evaluate.evaluate(policy, measured)
            kinds = evaluate.report(pairs, decisions)["kinds"]
            cells = [_pct(kinds.get(kind, {}).get(what)) for kind, what in COLUMNS]
            print(f"| {threshold:.2f} | {'on' if verify else 'off'} | " + " | ".join(cells) + " |")
            await policy.close()


async def written_table(
    pairs: Sequence[evaluate.Pair],
    measured: Sequence[tuple[Query, Candidate | None]],
    policy: MatchPolicy,
) -> None:
    """Per kind of the team's written pairs, at the default settings (``policy``): recall on
    harmless re-asks, false-hit rate on minimal edits; and both over all kinds."""
    chosen = [i for i, pair in enumerate(pairs) if pair.kind.startswith("written/")]
    if not chosen:
        return
    decisions = await evaluate.evaluate(policy, [measured[i] for i in chosen])
    written = [pairs[i] for i in chosen]
    report = evaluate.report(written, decisions)["kinds"]
    print(f"written pairs, held-out half, threshold {policy.threshold:.2f}, verifier on:\n")
    print("| kind | pairs | served | figure |\n| --- | --- | --- | --- |")
    totals = {True: [0, 0], False: [0, 0]}
    for kind, c in report.items():
        positive = c["true_hits"] + c["missed"] > 0
        served = c["true_hits"] + c["false_hits"]
        count = served + c["missed"] + c["true_misses"]
        totals[positive][0] += served
        totals[positive][1] += count
        figure = (
            f"recall {_pct(c['recall'])}"
            if positive
            else (f"false hits {_pct(c['false_hit_rate'])}")
        )
        print(f"| {kind.split('/', 1)[1]} | {count} | {served} | {figure} |")
    for positive, name in (
        (True, "harmless re-asks: recall"),
        (False, "minimal edits: false hits"),
    ):
        served, count = totals[positive]
        print(
            f"| **{name}** | {count} | {served} | **{_pct(served / count if count else None)}** |"
        )
    print()


def latency(
    pairs: Sequence[evaluate.Pair], earlier: Sequence[evaluate.Pair], wordnet_dir: Path
) -> None:
    """p50 and p99 of ``Verifier.check`` over the distinct pairs of ``pairs``, each prompt read
    for the first time: once on a lexicon just opened (every word looked up for the first time),
    then on a lexicon that has read ``earlier`` pairs first, as a proxy's has read earlier
    requests (a new word is still looked up; a reading is never reused)."""
    verifier = Verifier(WordNet.open(wordnet_dir))
    # As the proxy does once it is ready: what start-up loaded is kept out of the garbage
    # collector's passes (what the checks below read and remember is not), and the young
    # generation is collected less often.
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])
    distinct = list({(p.text_a, p.text_b) for p in pairs})
    _time_checks(verifier, distinct, "lexicon just opened")
    for pair in {(p.text_a, p.text_b) for p in earlier}:
        verifier.check(*pair)
    verifier.forget()
    _time_checks(verifier, distinct, "lexicon warmed on the tuning half")
    verifier.forget()
    _time_checks(verifier, distinct, "lexicon warmed, cached prompt read when stored", ahead=True)


def _time_checks(
    verifier: Verifier, pairs: Sequence[tuple[str, str]], lexicon: str, ahead: bool = False
) -> None:
    """With ``ahead``, each cached prompt is read before its check is timed, as the proxy
    reads a prompt while its image is generated (``Verifier.prepare``); the request is
    still read for the first time."""
    seconds = []
    for cached, request in pairs:
        if ahead:
            verifier.prepare(cached)
        started = time.perf_counter()
        verifier.check(cached, request)
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    p50 = statistics.median(seconds) * 1000
    p99 = seconds[int(0.99 * (len(seconds) - 1))] * 1000
    read = "the request read fresh" if ahead else "both prompts read fresh"
    print(
        f"verification latency over {len(seconds)} distinct pairs, {read}, "
        f"{lexicon}: p50 {p50:.3f} ms, p99 {p99:.3f} ms"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    with tempfile.TemporaryDirectory() as folder:
        write_pairs(["--data-dir", str(args.data_dir), "--out", folder])
        pairs = evaluate.read_pairs(Path(folder) / "holdout.tsv")
        tuning = evaluate.read_pairs(Path(folder) / "tune.tsv")
    print()
    asyncio.run(table(pairs, settings))
    print()
    latency(pairs, tuning, settings.wordnet_dir)
    return 0


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


if __name__ == "__main__":
    sys.exit(main())
