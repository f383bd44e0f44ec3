"""Check a batch of written pairs against ``bench/data/BRIEF.md``'s make-up.

Run: ``python3 bench/data/check_batch.py PAIRS.tsv PREFIX``. Prints each problem (the header,
264 rows with ids PREFIX0001 on, the label each kind needs, a new ``text_a`` per row, each
kind's number of captions, short tag prompts of 18 to 80 words and long ones of 95 or more),
or ``OK``.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

POSITIVE = (
    "typo", "quality_tags", "synonym", "tense", "framing", "filler", "spelling", "preposition",
    "reorder", "mixed", "paraphrase",
)  # fmt: skip
NEGATIVE = (
    "count", "negation", "colour", "role", "spatial", "attribute_binding", "style", "artist",
    "time_of_day", "weather", "season", "size", "age", "text", "camera_angle", "quantity",
    "other_language",
)  # fmt: skip
FORMS: dict[str, dict[str, int]] = {
    **{kind: {"caption": 6, "short": 4, "long": 2} for kind in POSITIVE},
    **{kind: {"caption": 3, "short": 2, "long": 1} for kind in NEGATIVE},
    "material": {"caption": 9, "short": 6, "long": 3},
    "object": {"caption": 6, "short": 4, "long": 2},
}
"""Rows of each kind in each form: ``short`` and ``long`` are tag prompts."""
ROWS = 264
HEADER = ["id", "label", "text_a", "text_b", "kind", "form"]
LONG_TAGS = 95
"""Words on each side (split on spaces) from which a tag prompt is a long one."""
_NAMES = {"caption": "caption", "short": "short tags", "long": f"long tags ({LONG_TAGS}+ words)"}


def problems(lines: Sequence[str], prefix: str) -> list[str]:
    """What in ``lines`` (the file's, no line breaks) differs from the brief's make-up."""
    found = []
    if not lines or lines[0].split("\t") != HEADER:
        found.append(f"line 1: the header must be {' TAB '.join(HEADER)}")
    rows = lines[1:]
    if len(rows) != ROWS:
        found.append(f"{len(rows)} rows, expected {ROWS}")
    counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
    first_seen: dict[str, int] = {}
    for n, line in enumerate(rows, start=2):
        fields = line.split("\t")
        if len(fields) != len(HEADER):
            found.append(f"line {n}: {len(fields)} fields, expected {len(HEADER)}")
            continue
        id_, label, a, b, kind, form = fields
        if id_ != f"{prefix}{n - 1:04d}":
            found.append(f"line {n}: id {id_!r}, expected {prefix}{n - 1:04d}")
        if kind not in FORMS:
            found.append(f"line {n}: unknown kind {kind!r}")
            continue
        label_wanted = "1" if kind in POSITIVE else "0"
        if label != label_wanted:
            found.append(f"line {n}: kind {kind} needs label {label_wanted}, not {label!r}")
        if not a.strip() or not b.strip() or a.strip() == b.strip():
            found.append(f"line {n}: an empty prompt, or text_a and text_b the same")
        if a in first_seen:
            found.append(f"line {n}: text_a repeats line {first_seen[a]}")
        first_seen.setdefault(a, n)
        words = sorted((len(a.split()), len(b.split())))
        if form == "caption":
            size = "caption"
            if words[1] > 30:
                found.append(f"line {n}: a caption of more than 30 words")
        elif form == "tags":
            size = "long" if words[0] >= LONG_TAGS else "short"
            if size == "short" and not 18 <= words[0] <= words[1] <= 85:
                found.append(
                    f"line {n}: short tags take 18 to 80 words a side, long ones {LONG_TAGS}+"
                )
        else:
            found.append(f"line {n}: form must be caption or tags, not {form!r}")
            continue
        counts[kind][size] += 1
    for kind, wanted in FORMS.items():
        for size, number in wanted.items():
            if counts[kind][size] != number:
                found.append(
                    f"kind {kind}: {counts[kind][size]} {_NAMES[size]} rows, expected {number}"
                )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) != 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    path, prefix = Path(args[0]), args[1]
    text = path.read_text(encoding="utf-8")
    found = problems(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), prefix)
    print("\n".join([*found, f"{len(found)} problems"]) if found else "OK")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
