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


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """The project modules `path` imports at module level."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import mod` depends on pkg.mod; `from mod import name` on mod
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return found & known


def _graph() -> dict[str, set[str]]:
    paths = [p for package in FORBIDDEN for p in _modules(package)]
    known = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, known) - {_module_name(p)} for p in paths}


def test_no_import_cycles_between_modules() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


SUBPACKAGE_RULES = {
    # a sub-package: the project packages it must not import
    "planner.inputs": ("planner.model", "planner.meshes", "planner.pipeline", "planner.cli"),
    "planner.model": ("planner.meshes", "planner.pipeline", "planner.cli"),
    "planner.meshes": ("planner.pipeline", "planner.cli"),
    "reports.html": ("reports.xlsx", "reports.gitops"),
    "reports.xlsx": ("reports.html", "reports.gitops"),
}
ALLOWED = {("planner.inputs.load", "planner.meshes.registry")}
"""The inventory dispatcher asks the registry for each mesh's manifest rules."""


def test_sub_packages_point_inwards() -> None:
    offending = []
    for module, targets in _graph().items():
        for package, forbidden in SUBPACKAGE_RULES.items():
            if module != package and not module.startswith(package + "."):
                continue
            for target in sorted(targets):
                bad = any(target == f or target.startswith(f + ".") for f in forbidden)
                if bad and (module, target) not in ALLOWED:
                    offending.append(f"{module} imports {target}")
    assert offending == []


FAMILY = {("istio_ambient", "istio_sidecar")}
"""Istio's two data-plane modes share istiod, the Envoy model of waypoints and gateways, and the
gateway labels: the ambient mode uses the sidecar mode's, never the other way round."""


def test_one_mesh_does_not_import_another() -> None:
    meshes = {p.parent.name for p in (REPO / "planner" / "meshes").glob("*/__init__.py")}
    offending = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for mesh in meshes
        if module.startswith(f"planner.meshes.{mesh}")
        for target in targets
        for other in meshes - {mesh}
        if target.startswith(f"planner.meshes.{other}") and (mesh, other) not in FAMILY
    ]
    assert offending == []


def test_mesh_neutral_code_names_no_mesh_module() -> None:
    neutral = (
        "planner.inputs",
        "planner.model",
        "planner.pipeline",
        "reports.html",
        "reports.xlsx",
    )
    offending = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if module.startswith(neutral)
        for target in targets
        if target.startswith(("planner.meshes.istio", "planner.meshes.linkerd"))
    ]
    assert offending == []
