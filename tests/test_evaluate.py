"""``memoaized eval`` and ``memoaized calibrate`` as a user runs them: the real command, the real
embedding model, the embedded index and the same decision component the proxy builds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PAIRS = [
    # label, text_a (cached), text_b (requested), kind
    (1, "A man plays a guitar.", "A man is playing the guitar.", "paraphrase"),
    (1, "a cat sitting on a couch", "a cat sitting on a sofa", "paraphrase"),
    (0, "a dog chasing a cat", "a cat chasing a dog", "swap"),
    (0, "a white dog and a black cat", "a black dog and a white cat", "swap"),
    (0, "a man with a hat", "a man without a hat", "negation"),
]


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "proxy.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def env(embedding_model_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "MEMOAIZED_EMBEDDING_MODEL_DIR": str(embedding_model_dir),
    }


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


def test_eval_with_and_without_verification(pairs_file: Path, env: dict[str, str]) -> None:
    verified = _json(_run("eval", str(pairs_file), "--threshold", "0.9", "--json", env=env))
    overall = verified["overall"]
    assert (overall["true_hits"], overall["false_hits"]) == (2, 0)
    assert overall["false_hit_rate"] == 0.0 and overall["precision"] == 1.0
    assert set(verified["kinds"]) == {"paraphrase", "swap", "negation"}
    assert verified["kinds"]["swap"]["true_misses"] == 2
    assert verified["settings"] == {"threshold": 0.9, "verify": True, "judge": None}
    assert "swapped_roles" in verified["rejections"]

    # Similarity alone serves both swaps: their cosine is above 0.9.
    unverified = _json(
        _run("eval", str(pairs_file), "--threshold", "0.9", "--no-verify", "--json", env=env)
    )
    assert unverified["kinds"]["swap"]["false_hits"] == 2
    assert unverified["overall"]["false_hit_rate"] > 0


def test_eval_prints_a_table(pairs_file: Path, env: dict[str, str]) -> None:
    result = _run("eval", str(pairs_file), env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "verifier on" in lines[0]
    header = next(line for line in lines if line.startswith("kind"))
    assert "precision" in header and "false hits" in header
    assert any(line.startswith("overall") for line in lines)
    assert "pairs: embedding" in result.stderr  # progress goes to stderr


def test_calibrate_finds_the_threshold(pairs_file: Path, env: dict[str, str]) -> None:
    result = _json(
        _run(
            "calibrate",
            str(pairs_file),
            "--target-false-hit-rate",
            "0",
            "--no-verify",
            "--json",
            env=env,
        )
    )
    best = result["best"]
    assert best is not None and best["false_hit_rate"] == 0.0
    # The best threshold serves no negative and at least as many positives as any other that
    # serves no negative.
    for row in result["grid"]:
        if row["false_hit_rate"] == 0.0:
            assert (row["recall"] or 0) <= (best["recall"] or 0)
    text = _run("calibrate", str(pairs_file), env=env)
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
    tmp_path: Path, env: dict[str, str], content: str, message: str
) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(content)
    result = _run("eval", str(path), env=env)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_missing_file(tmp_path: Path, env: dict[str, str]) -> None:
    result = _run("eval", str(tmp_path / "nope.tsv"), env=env)
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_source_column_breaks_figures_down_when_there_is_no_kind(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = tmp_path / "sourced.tsv"
    path.write_text(
        "id\ttext_a\ttext_b\tlabel\tsource\n"
        "a\tthree apples on a table\ttwo apples on a table\t0\tcounts\n"
        "b\ta cat sitting on a couch\ta cat sitting on a sofa\t1\tsynonyms\n"
    )
    result = _json(_run("eval", str(path), "--json", env=env))
    assert set(result["kinds"]) == {"counts", "synonyms"}
    assert result["kinds"]["synonyms"]["true_hits"] == 1
    assert result["kinds"]["counts"]["true_misses"] == 1
