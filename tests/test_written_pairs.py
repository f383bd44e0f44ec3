"""The team's written pairs (``bench/data/written_pairs.tsv``) and the checker their writers run
(``bench/data/check_batch.py``, the make-up of ``bench/data/BRIEF.md``): the batches written to
that brief pass it whole, and a batch that strays from it is told where."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.data import check_batch

DATA = Path(__file__).resolve().parents[1] / "bench" / "data"
COMPLETE = ("fj", "fk", "fl", "fm", "fn", "fp", "fr", "fu", "fv", "fw", "fx")
"""Batches written to ``BRIEF.md`` that lost no row as a repeat of an earlier prompt."""


def _batch(prefix: str) -> list[str]:
    """The lines of one batch as its writer handed it in: the header, then its rows."""
    with (DATA / "written_pairs.tsv").open(encoding="utf-8") as f:
        lines = f.read().split("\n")
    return [
        lines[0],
        *(line for line in lines[1:] if line.startswith(prefix) and line[2].isdigit()),
    ]


@pytest.mark.parametrize("prefix", COMPLETE)
def test_batches_written_to_the_brief_pass_its_check(prefix: str) -> None:
    assert check_batch.problems(_batch(prefix), prefix) == []


def test_a_batch_that_strays_is_told_where(tmp_path: Path) -> None:
    lines = _batch("fj")
    fields = lines[1].split("\t")
    lines[1] = "\t".join([fields[0], "0", *fields[2:]])  # a harmless typo labelled an edit
    lines[2] = lines[2].replace("\tcaption", "\tsentence")
    del lines[-1]
    found = check_batch.problems(lines, "fj")
    assert "line 2: kind typo needs label 1, not '0'" in found
    assert "line 3: form must be caption or tags, not 'sentence'" in found
    assert "263 rows, expected 264" in found
    assert "kind typo: 5 caption rows, expected 6" in found  # the row with no form
    assert "kind object: 1 long tags (95+ words) rows, expected 2" in found  # the last, dropped
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert check_batch.main([str(pairs), "fj"]) == 1
    pairs.write_text("\n".join(_batch("fj")) + "\n", encoding="utf-8")
    assert check_batch.main([str(pairs), "fj"]) == 0


def test_the_file_reads_as_the_benchmarks_read_it() -> None:
    """One header, six fields a row, no quoting, ids unique: as ``bench/pairs.py`` reads it."""
    with (DATA / "written_pairs.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == check_batch.HEADER
    assert {len(row) for row in rows[1:]} == {6}
    ids = [row[0] for row in rows[1:]]
    assert len(ids) == len(set(ids))
    assert {row[1] for row in rows[1:]} == {"0", "1"}
