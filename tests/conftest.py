"""Shared fixtures: running the CLI in a folder, writing small input tables, golden files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REQUIRE_INTEGRATION = os.environ.get("PLANNER_REQUIRE_INTEGRATION") == "1"
SAMPLE_ARGS = [
    "size",
    "--inventory",
    "cluster.csv",
    "--services",
    "services.csv",
    "--traffic",
    "traffic.csv",
    "--traffic-window",
    "7d",
]
"""`planner size` on the bundled sample, in a folder holding its copy (the `sample` fixture)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing with them",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@dataclass(frozen=True)
class Run:
    """The outcome of one CLI invocation."""

    exit_code: int
    stdout: str
    stderr: str


def run_cli(args: list[str], cwd: Path) -> Run:
    """Run `planner ARGS` in `cwd` the way a user would, capturing stdout and stderr apart."""
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, args, prog_name="planner")
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A folder holding a copy of the bundled sample inputs (cluster, services, traffic)."""
    for name in ("cluster.csv", "services.csv", "traffic.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The process ids of the children the code under test forks (os.fork counted)."""
    pids: list[int] = []
    fork = os.fork

    def counted_fork() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted_fork)
    return pids


def in_one_and_two_processes(
    monkeypatch: pytest.MonkeyPatch, render: Callable[[], dict[str, bytes]]
) -> list[dict[str, bytes]]:
    """What `render` gives with PLANNER_WORKERS=1, then unset (forking where it can)."""
    rendered = []
    for processes in ("1", "2"):
        monkeypatch.setenv("PLANNER_WORKERS", processes)
        rendered.append(render())
    return rendered


def write(path: Path, text: str) -> Path:
    """Write a small table (dedented by the caller) and return its path."""
    path.write_text(text, encoding="utf-8")
    return path


def require_tool(name: str) -> str:
    """The path of a system tool, or skip (fail under PLANNER_REQUIRE_INTEGRATION=1) without it."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed; the integration test needs it"
        if REQUIRE_INTEGRATION:
            pytest.fail(message + " (PLANNER_REQUIRE_INTEGRATION=1)")
        pytest.skip(message)
    return found


GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(name: str, actual: bytes, update: bool) -> None:
    """Compare `actual` with tests/golden/NAME byte for byte; with --update-golden, rewrite it."""
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
        return
    assert path.exists(), f"no golden file {name}: run pytest --update-golden and review it"
    expected = path.read_bytes()
    assert actual == expected, f"{name} differs from its golden file (pytest --update-golden)"


def assert_golden_tree(name: str, actual: dict[str, bytes], update: bool) -> None:
    """Compare a folder of outputs (relative path -> bytes) with tests/golden/NAME/: the same
    files, each byte for byte; with --update-golden, replace the folder (stale files go)."""
    root = GOLDEN / name
    if update:
        shutil.rmtree(root, ignore_errors=True)
        for relative, content in actual.items():
            assert_golden(f"{name}/{relative}", content, update=True)
        return
    assert root.is_dir(), f"no golden folder {name}: run pytest --update-golden and review it"
    kept = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert kept == sorted(actual), f"{name}: the files differ from the golden ones"
    for relative, content in actual.items():
        assert_golden(f"{name}/{relative}", content, update=False)
