"""``memoaized eval`` and ``memoaized calibrate``: the decision component on labelled pairs.

A pairs file is a TSV with a header naming at least ``label``, ``text_a`` and ``text_b``; label 1
means the image generated for ``text_a`` may be served for ``text_b``. A ``kind`` (or else
``source``) column breaks the figures down; other columns are ignored.

Each pair is measured in isolation, the way the proxy would meet it: ``text_a`` is stored in an
embedded index of its own partition (one per pair, so pairs never see each other), ``text_b`` is
embedded and looked up there, and the nearest candidate goes to ``MatchPolicy.decide``, the same
object the proxy builds from the same settings.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from proxy.cache.controls import CacheControls
from proxy.cache.entries import new_entry
from proxy.embedding import Embedder
from proxy.index.base import Candidate, Where
from proxy.index.edge import EdgeIndex
from proxy.matching.canonical import Partition
from proxy.matching.decision import Decision, MatchPolicy, Query

__all__ = [
    "Confusion",
    "Pair",
    "PairsError",
    "calibrate",
    "evaluate",
    "measure",
    "read_pairs",
    "report",
]

CALIBRATION_GRID = (*(round(0.70 + 0.01 * i, 2) for i in range(30)), 0.995, 1.0)


class PairsError(ValueError):
    """A pairs file that cannot be read as one."""


@dataclass(frozen=True, slots=True)
class Pair:
    label: bool
    text_a: str
    text_b: str
    kind: str


@dataclass(slots=True)
class Confusion:
    """Counts of one set of decisions against the labels."""

    true_hits: int = 0
    false_hits: int = 0
    missed: int = 0
    true_misses: int = 0

    def add(self, label: bool, served: bool) -> None:
        if label and served:
            self.true_hits += 1
        elif served:
            self.false_hits += 1
        elif label:
            self.missed += 1
        else:
            self.true_misses += 1

    @property
    def positives(self) -> int:
        return self.true_hits + self.missed

    @property
    def negatives(self) -> int:
        return self.false_hits + self.true_misses

    @property
    def precision(self) -> float | None:
        served = self.true_hits + self.false_hits
        return self.true_hits / served if served else None

    @property
    def recall(self) -> float | None:
        return self.true_hits / self.positives if self.positives else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p and r else None

    @property
    def false_hit_rate(self) -> float | None:
        """Negatives served / negatives."""
        return self.false_hits / self.negatives if self.negatives else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "false_hit_rate": self.false_hit_rate,
        }


def read_pairs(path: Path) -> list[Pair]:
    """The pairs of a TSV file (tab-separated, no quoting, one header line)."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(reader, None)
            if header is None:
                raise PairsError(
                    f"{path}: empty file; expected a header with label, text_a, text_b"
                )
            missing = {"label", "text_a", "text_b"} - set(header)
            if missing:
                raise PairsError(
                    f"{path}: the header lacks {', '.join(sorted(missing))} "
                    f"(it has: {', '.join(header)})"
                )
            column = {name: header.index(name) for name in header}
            kind_column = column.get("kind", column.get("source"))
            pairs = []
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) != len(header):
                    raise PairsError(f"{path}:{line}: {len(row)} fields, expected {len(header)}")
                label = row[column["label"]].strip()
                if label not in ("0", "1"):
                    raise PairsError(f"{path}:{line}: label {label!r} is not 0 or 1")
                pairs.append(
                    Pair(
                        label == "1",
                        row[column["text_a"]],
                        row[column["text_b"]],
                        row[kind_column] if kind_column is not None else "all",
                    )
                )
    except OSError as error:
        raise PairsError(f"cannot read {path}: {error.strerror}") from None
    if not pairs:
        raise PairsError(f"{path}: no pairs after the header")
    return pairs


async def measure(
    pairs: Sequence[Pair],
    embedder: Embedder,
    policy: MatchPolicy,
    work_dir: Path | None = None,
) -> list[tuple[Query, Candidate | None]]:
    """For each pair, the query of ``text_b`` and the candidate the index finds for it, with
    ``text_a`` alone cached in the pair's partition; prompts are embedded as ``policy`` has the
    proxy embed them."""
    queries_a = [Query.of(pair.text_a, _partition(i)) for i, pair in enumerate(pairs)]
    queries_b = [Query.of(pair.text_b, _partition(i)) for i, pair in enumerate(pairs)]
    texts = sorted({q.canonical for q in queries_a + queries_b}, key=lambda t: (len(t), t))
    embedded = embedder.embed([policy.embedding_text(text) for text in texts])
    vectors = dict(zip(texts, embedded, strict=True))
    with tempfile.TemporaryDirectory(prefix="memoaized-eval-", dir=work_dir) as folder:
        index = EdgeIndex(Path(folder))
        await index.open()
        try:
            for query in queries_a:
                entry = new_entry(
                    query,
                    blob_id=query.key,
                    media_type="image/png",
                    size=0,
                    generation_seconds=0.0,
                    energy_wh=0.0,
                    energy_source="estimated",
                    backend="eval",
                )
                await index.upsert(entry, vectors[query.canonical])
            found = []
            for query in queries_b:
                where = Where(partition=query.partition.key)
                candidates = await index.nearest(vectors[query.canonical], 1, where)
                found.append((query, candidates[0] if candidates else None))
        finally:
            await index.close()
    return found


async def evaluate(
    policy: MatchPolicy,
    measured: Sequence[tuple[Query, Candidate | None]],
    threshold: float | None = None,
) -> list[Decision]:
    """The policy's decision on each measured pair; ``threshold`` as a request would set it."""
    controls = CacheControls(threshold=threshold)
    decisions = []
    for query, candidate in measured:
        if candidate is None:
            decisions.append(Decision(False, "no_candidate"))
        else:
            decisions.append(await policy.decide(query, candidate, controls))
    return decisions


def report(pairs: Sequence[Pair], decisions: Sequence[Decision]) -> dict[str, Any]:
    """Overall and per-kind confusion counts and rates, and the rejection reasons."""
    overall = Confusion()
    kinds: dict[str, Confusion] = {}
    reasons: dict[str, int] = {}
    for pair, decision in zip(pairs, decisions, strict=True):
        overall.add(pair.label, decision.serve)
        kinds.setdefault(pair.kind, Confusion()).add(pair.label, decision.serve)
        if not decision.serve:
            reasons[decision.reason] = reasons.get(decision.reason, 0) + 1
    return {
        "pairs": len(pairs),
        "overall": overall.as_dict(),
        "kinds": {kind: counts.as_dict() for kind, counts in sorted(kinds.items())},
        "rejections": dict(sorted(reasons.items(), key=lambda item: -item[1])),
    }


async def calibrate(
    policy: MatchPolicy,
    pairs: Sequence[Pair],
    measured: Sequence[tuple[Query, Candidate | None]],
    target_false_hit_rate: float,
) -> dict[str, Any]:
    """Every threshold of the grid with its figures, and the one that keeps the false-hit rate
    at or under the target with the best recall (None when no threshold does)."""
    rows = []
    for threshold in CALIBRATION_GRID:
        figures = report(pairs, await evaluate(policy, measured, threshold))["overall"]
        rows.append({"threshold": threshold, **figures})
    meeting = [
        row
        for row in rows
        if row["false_hit_rate"] is not None and row["false_hit_rate"] <= target_false_hit_rate
    ]
    best = max(meeting, key=lambda row: (row["recall"] or 0.0, -row["threshold"]), default=None)
    return {"target_false_hit_rate": target_false_hit_rate, "best": best, "grid": rows}


def _partition(i: int) -> Partition:
    return Partition(f"eval-pair-{i}", "1024x1024", None, None, None, None, "png")


# ---------------------------------------------------------------------------- printing


def format_report(result: dict[str, Any], title: str) -> str:
    lines = [title, ""]
    header = f"{'kind':28} {'pairs':>6} {'TP':>5} {'FP':>5} {'FN':>5} {'TN':>5}"
    header += f" {'precision':>9} {'recall':>7} {'F1':>6} {'false hits':>10}"
    lines.append(header)
    rows = [*result["kinds"].items(), ("overall", result["overall"])]
    for kind, c in rows:
        total = c["true_hits"] + c["false_hits"] + c["missed"] + c["true_misses"]
        lines.append(
            f"{kind:28} {total:>6} {c['true_hits']:>5} {c['false_hits']:>5} {c['missed']:>5} "
            f"{c['true_misses']:>5} {_pct(c['precision']):>9} {_pct(c['recall']):>7} "
            f"{_pct(c['f1']):>6} {_pct(c['false_hit_rate']):>10}"
        )
    if result["rejections"]:
        lines += ["", "not served, by reason: " + ", ".join(
            f"{reason} {count}" for reason, count in result["rejections"].items()
        )]  # fmt: skip
    return "\n".join(lines)


def format_calibration(result: dict[str, Any]) -> str:
    lines = [f"{'threshold':>9} {'recall':>7} {'false hits':>10} {'precision':>9}"]
    for row in result["grid"]:
        lines.append(
            f"{row['threshold']:>9} {_pct(row['recall']):>7} "
            f"{_pct(row['false_hit_rate']):>10} {_pct(row['precision']):>9}"
        )
    target = _pct(result["target_false_hit_rate"])
    best = result["best"]
    if best is None:
        lines.append(f"\nno threshold keeps the false-hit rate at or under {target}")
    else:
        lines.append(
            f"\nthreshold {best['threshold']}: false-hit rate {_pct(best['false_hit_rate'])} "
            f"(target {target}), recall {_pct(best['recall'])}"
        )
    return "\n".join(lines)


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
