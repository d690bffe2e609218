"""The README's promises hold: two quick-start commands, and every `$ planner ...` line runs."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA, FIXTURES, REPO, run_cli

README = (REPO / "README.md").read_text("utf-8")


def quick_start_commands() -> list[str]:
    """The commands in the code blocks of the Quick start section."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", section, flags=re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def planner_lines() -> list[str]:
    return [line[2:] for line in README.splitlines() if line.startswith("$ planner ")]


def test_quick_start_has_exactly_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    run_sample, run_tests = commands
    assert "pip install ." in run_sample
    assert "planner size --inventory data/cluster.csv" in run_sample
    assert "pytest" in run_tests
    for tool in ("ruff check", "ruff format --check", "mypy"):
        assert tool in run_tests


def test_readme_shows_planner_commands() -> None:
    assert len(planner_lines()) >= 3


@pytest.mark.parametrize("line", planner_lines())
def test_every_planner_line_runs(line: str, tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    shutil.copytree(FIXTURES / "apps", tmp_path / "tests" / "fixtures" / "apps")
    args = shlex.split(line)[1:]
    result = run_cli(args, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    out = Path(args[args.index("--out") + 1]) if "--out" in args else Path("planner-out")
    printed = result.stdout.splitlines()
    main = "compare.json" if args[0] == "compare" else "plan.json"
    assert str(out / main) in printed
    assert all(
        (tmp_path / path).is_file() and Path(path).parts[0] == out.parts[0] for path in printed
    )
    assert (tmp_path / out / main).is_file()
    assert result.stderr.startswith("mesh-planner ")
    # an example that scopes says how long its traffic was observed
    assert "traffic window unknown" not in result.stderr
