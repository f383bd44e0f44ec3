"""Write the labelled pair files that ``memoaized eval`` and ``memoaized calibrate`` read.

From the team's own hand-written pairs (``bench/data/written_pairs.tsv``, see its README) and the
real labelled data in ``shared/data`` (see its SOURCES.md; left out where it is missing), one row
per pair with the columns ``id, label, text_a, text_b, kind``; label 1 means the image generated
for ``text_a`` may be served for ``text_b``:

- ``written/<kind>``: harmless re-asks (label 1: typos, quality tags, synonyms, tense, framing,
  filler, spelling, prepositions, word order) and minimal edits (label 0: counts, negation,
  colours, objects, roles, spatial relations, attribute binding, style, artist, time of day,
  weather, season, size, age, material, text, camera angle, other languages and emoji);

- ``sugarcrepe/<edit>``: SugarCrepe's hard negatives (label 0), per edit kind;
- ``sick/contradiction``: SICK pairs labelled CONTRADICTION (label 0);
- ``stsb/captions>=4.5``: STS-B ``main-captions`` pairs people scored 4.5 or more (label 1);
- ``cxc/captions>=4.0``: Crisscrossed Captions pairs of two captions of one COCO image scored
  4.0 or more (label 1).

Every pair goes to one of two files by a hash of its id: ``tune.tsv`` (pairs the verifier's word
lists and rules were tuned on) and ``holdout.tsv`` (pairs never looked at while tuning, which the
figures in docs/matching.md come from). The split is fixed: the same data always gives the same
files.

Run: ``.venv/bin/python bench/pairs.py [--data-dir ../shared/data] [--out bench/pairs]``
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_OUT = Path(__file__).resolve().parent / "pairs"
WRITTEN_PAIRS = Path(__file__).resolve().parent / "data" / "written_pairs.tsv"
COLUMNS = ("id", "label", "text_a", "text_b", "kind")
Row = tuple[str, int, str, str, str]


def read_tsv(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a data file as dicts keyed by its header (tab-separated, no quoting)."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        for row in reader:
            yield dict(zip(header, row, strict=True))


def written_pairs(path: Path = WRITTEN_PAIRS) -> Iterator[Row]:
    """The team's own pairs (``bench/data``), as ``written/<kind>``."""
    for r in read_tsv(path):
        yield r["id"], int(r["label"]), r["text_a"], r["text_b"], f"written/{r['kind']}"


def labelled_pairs(data_dir: Path) -> Iterator[Row]:
    yield from written_pairs()
    if not data_dir.is_dir():
        print(f"{data_dir} not found: the shared data's pairs are left out", file=sys.stderr)
        return
    for r in read_tsv(data_dir / "sugarcrepe_pairs.tsv"):
        yield r["id"], 0, r["text_a"], r["text_b"], r["source"]
    for r in read_tsv(data_dir / "sick_trial_test.tsv"):
        if r["entailment_label"] == "CONTRADICTION":
            yield r["id"], 0, r["text_a"], r["text_b"], "sick/contradiction"
    for r in read_tsv(data_dir / "stsb_dev_test.tsv"):
        if r["source"] == "stsb/main-captions" and float(r["score_0_5"]) >= 4.5:
            yield r["id"], 1, r["text_a"], r["text_b"], "stsb/captions>=4.5"
    for r in read_tsv(data_dir / "cxc_sts_coco_caption_pairs.tsv"):
        if r["source"] == "cxc_sts/c2c_cocaption" and float(r["score_0_5"]) >= 4.0:
            yield r["id"], 1, r["text_a"], r["text_b"], "cxc/captions>=4.0"


def split_of(pair_id: str) -> str:
    """``tune`` or ``holdout``, half each, fixed by the id."""
    return "tune" if hashlib.sha256(pair_id.encode()).digest()[0] % 2 == 0 else "holdout"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    files = {
        name: (args.out / f"{name}.tsv").open("w", encoding="utf-8") for name in ("tune", "holdout")
    }
    counts: Counter[tuple[str, str]] = Counter()
    try:
        for f in files.values():
            f.write("\t".join(COLUMNS) + "\n")
        for row in labelled_pairs(args.data_dir):
            split = split_of(row[0])
            files[split].write("\t".join(map(str, row)) + "\n")
            counts[(split, row[4])] += 1
    finally:
        for f in files.values():
            f.close()
    for kind in sorted({kind for _, kind in counts}):
        print(f"{kind:24} tune {counts[('tune', kind)]:5}  holdout {counts[('holdout', kind)]:5}")
    print(f"wrote {', '.join(str(args.out / f'{name}.tsv') for name in files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
