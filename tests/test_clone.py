"""The test suite runs from a clone of this repository alone (issue 16): what a test needs ships
under tests/ or is made by the test; ../shared holds the team's evaluation data, for the
benchmarks only."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_test_reads_the_evaluation_data_outside_the_repository() -> None:
    outside = re.compile(r"""parents\[2\]|["']\.\./shared|["']shared["']\s*/\s*["']data""")
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(TESTS.glob("*.py"))
        if path.name != Path(__file__).name
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if outside.search(line)
    ]
    assert offenders == []


def test_the_shipped_samples_say_where_they_come_from() -> None:
    readme = (TESTS / "data" / "README.md").read_text(encoding="utf-8")
    for sample in sorted((TESTS / "data").glob("*.tsv")):
        assert f"`{sample.name}`" in readme, sample.name
        rows = sample.read_text(encoding="utf-8").splitlines()
        assert len(rows) > 400 and all(row.count("\t") == rows[0].count("\t") for row in rows)
