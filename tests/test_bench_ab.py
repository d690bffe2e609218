"""bench/ab.py, the before-and-after timing of two trees: its summary, and one round on the
bundled sample against this checkout's own HEAD."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.ab import summary
from bench.run import Sample

REPO = Path(__file__).resolve().parents[1]


def test_the_summary_reads_each_tree_and_the_rounds_differences() -> None:
    runs = {
        "base": [Sample(4.0, 590.0, 6.0), Sample(5.0, 600.0, 7.0), Sample(4.4, 595.0, 6.6)],
        "this": [Sample(3.8, 580.0, 6.1), Sample(4.6, 585.0, 6.8), Sample(4.3, 590.0, 6.5)],
    }
    assert summary("a3b4d09", runs) == (
        "| tree | runs | wall s (best / median) | CPU s (best / median) | peak MiB |\n"
        "|---|---:|---:|---:|---:|\n"
        "| base a3b4d09 | 3 | 4.00 / 4.40 | 6.00 / 6.60 | 600 |\n"
        "| this tree | 3 | 3.80 / 4.30 | 6.10 / 6.50 | 590 |\n"
        "\n"
        # the rounds' differences: -0.2, -0.4, -0.1 s of wall time; +0.1, -0.2, -0.1 s of CPU
        "This tree less the base, the median of 3 rounds' differences: wall -0.20 s (-4.5%), "
        "CPU -0.10 s."
    )


def test_one_round_on_the_sample_against_head() -> None:
    inside = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", "HEAD"],
        capture_output=True,
        check=False,
    )
    if inside.returncode != 0:
        pytest.skip("not a git checkout with a HEAD: bench/ab.py checks out a revision")
    before = _worktrees()
    done = subprocess.run(
        [sys.executable, "bench/ab.py", "--base", "HEAD", "--pods", "0", "--rounds", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        "| tree | runs | wall s (best / median) | CPU s (best / median) | peak MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    row = r"\| {} \| 1 \| \d+\.\d\d / \d+\.\d\d \| \d+\.\d\d / \d+\.\d\d \| [\d,]+ \|"
    assert re.fullmatch(row.format("base HEAD"), lines[2])
    assert re.fullmatch(row.format("this tree"), lines[3])
    assert re.fullmatch(
        r"This tree less the base, the median of 1 rounds' differences: wall [+-]\d+\.\d\d s "
        r"\([+-]\d+\.\d%\), CPU [+-]\d+\.\d\d s\.",
        lines[5],
    )
    assert re.search(r"^round 1/1 base: \d+\.\d\d s, CPU", done.stderr, re.MULTILINE)
    assert _worktrees() == before  # the base's worktree is removed


def test_a_revision_that_does_not_exist_is_an_error() -> None:
    done = subprocess.run(
        [sys.executable, "bench/ab.py", "--base", "no-such-revision", "--pods", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot check out 'no-such-revision': ")


def _worktrees() -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), "worktree", "list", "--porcelain"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
