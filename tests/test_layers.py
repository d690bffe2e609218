"""Dependencies point inwards: models imports neither planner nor reports; planner (but its CLI)
does not import reports; reports does not import planner."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

FORBIDDEN = {
    "models": ("planner", "reports"),
    "planner": ("reports",),
    "reports": ("planner",),
}
ALLOWED_TO_SEE_ALL = {Path("planner/cli.py")}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_inwards(package: str) -> None:
    offending = []
    for path in _modules(package):
        relative = path.relative_to(REPO)
        if relative in ALLOWED_TO_SEE_ALL:
            continue
        bad = _imported_packages(path) & set(FORBIDDEN[package])
        if bad:
            offending.append(f"{relative} imports {sorted(bad)}")
    assert offending == []


def test_the_cli_is_the_only_module_that_sees_all_three() -> None:
    seeing_all = [
        str(path.relative_to(REPO))
        for package in FORBIDDEN
        for path in _modules(package)
        if {"models", "planner", "reports"}
        <= _imported_packages(path) | {path.relative_to(REPO).parts[0]}
    ]
    assert seeing_all == ["planner/cli.py"]


def test_no_grab_bag_modules() -> None:
    names = {p.stem for package in FORBIDDEN for p in _modules(package)}
    assert not names & {"utils", "helpers", "common", "misc"}


def test_every_module_opens_with_a_docstring() -> None:
    missing = [
        str(path.relative_to(REPO))
        for package in FORBIDDEN
        for path in _modules(package)
        if path.read_text("utf-8").strip()
        and ast.get_docstring(ast.parse(path.read_text("utf-8"))) is None
    ]
    assert missing == []
