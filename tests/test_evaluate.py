"""``memoaized eval`` and ``memoaized calibrate`` as a user runs them: the command's own ``main``
(in this process, which spares an interpreter start per case; one test runs the installed
command itself), the real embedding model and the same decision component the proxy builds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from proxy.cli import main

PAIRS = [
    # label, text_a (cached), text_b (requested), kind
    (1, "A man plays a guitar.", "A man is playing the guitar.", "paraphrase"),
    (1, "a cat sitting on a couch", "a cat sitting on a sofa", "paraphrase"),
    (0, "a dog chasing a cat", "a cat chasing a dog", "swap"),
    (0, "a white dog and a black cat", "a black dog and a white cat", "swap"),
    (0, "a man with a hat", "a man without a hat", "negation"),
]


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(
    embedding_model_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """``memoaized ARGS`` through ``proxy.cli.main``: its exit code, stdout and stderr."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("MEMOAIZED_EMBEDDING_MODEL_DIR", str(embedding_model_dir))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)

    return run


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pairs") / "pairs.tsv"
    lines = ["id\tlabel\ttext_a\ttext_b\tkind\textra"]
    lines += [
        f"p{i}\t{label}\t{a}\t{b}\t{kind}\tignored" for i, (label, a, b, kind) in enumerate(PAIRS)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_eval_with_and_without_verification(pairs_file: Path, run: Run) -> None:
    verified = _json(run("eval", str(pairs_file), "--threshold", "0.9", "--json"))
    overall = verified["overall"]
    assert (overall["true_hits"], overall["false_hits"]) == (2, 0)
    assert overall["false_hit_rate"] == 0.0 and overall["precision"] == 1.0
    assert set(verified["kinds"]) == {"paraphrase", "swap", "negation"}
    assert verified["kinds"]["swap"]["true_misses"] == 2
    assert verified["settings"] == {"threshold": 0.9, "verify": True, "judge": None}
    assert "swapped_roles" in verified["rejections"]

    # Similarity alone serves both swaps: their cosine is above 0.9.
    unverified = _json(run("eval", str(pairs_file), "--threshold", "0.9", "--no-verify", "--json"))
    assert unverified["kinds"]["swap"]["false_hits"] == 2
    assert unverified["overall"]["false_hit_rate"] > 0


@pytest.mark.slow
def test_the_installed_command_prints_a_table(pairs_file: Path, embedding_model_dir: Path) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("memoaized")), "eval", str(pairs_file)],
        env={**os.environ, "MEMOAIZED_EMBEDDING_MODEL_DIR": str(embedding_model_dir)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "verifier on" in lines[0]
    header = next(line for line in lines if line.startswith("kind"))
    assert "precision" in header and "false hits" in header
    assert any(line.startswith("overall") for line in lines)
    assert "pairs: embedding" in result.stderr  # progress goes to stderr


def test_calibrate_finds_the_threshold(pairs_file: Path, run: Run) -> None:
    result = _json(
        run("calibrate", str(pairs_file), "--target-false-hit-rate", "0", "--no-verify", "--json")
    )
    best = result["best"]
    assert best is not None and best["false_hit_rate"] == 0.0
    # The best threshold serves no negative and at least as many positives as any other that
    # serves no negative.
    for row in result["grid"]:
        if row["false_hit_rate"] == 0.0:
            assert (row["recall"] or 0) <= (best["recall"] or 0)
    text = run("calibrate", str(pairs_file))
    assert text.returncode == 0 and "threshold" in text.stdout.splitlines()[-1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id\ttext_a\ttext_b\nx\ta\tb\n", "lacks label"),
        ("label\ttext_a\ttext_b\nmaybe\ta\tb\n", "is not 0 or 1"),
        ("label\ttext_a\ttext_b\n1\ta\n", "2 fields, expected 3"),
        ("label\ttext_a\ttext_b\n", "no pairs"),
        ("", "empty file"),
    ],
)
def test_bad_pairs_files_get_clear_errors(
    tmp_path: Path, run: Run, content: str, message: str
) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(content)
    result = run("eval", str(path))
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_missing_file(tmp_path: Path, run: Run) -> None:
    result = run("eval", str(tmp_path / "nope.tsv"))
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_source_column_breaks_figures_down_when_there_is_no_kind(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "sourced.tsv"
    path.write_text(
        "id\ttext_a\ttext_b\tlabel\tsource\n"
        "a\tthree apples on a table\ttwo apples on a table\t0\tcounts\n"
        "b\ta cat sitting on a couch\ta cat sitting on a sofa\t1\tsynonyms\n"
    )
    result = _json(run("eval", str(path), "--json"))
    assert set(result["kinds"]) == {"counts", "synonyms"}
    assert result["kinds"]["synonyms"]["true_hits"] == 1
    assert result["kinds"]["counts"]["true_misses"] == 1
