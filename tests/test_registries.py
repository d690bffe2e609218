"""Every member of a closed set has its registry entry, and every registry entry works."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.knobs import MeshKind, OutputFormat
from models.profile import Coefficient, VersionRange, version_key
from planner.meshes.profiles import load_builtin_profile
from planner.meshes.registry import MESHES
from reports import ENTRIES, renderers
from tests.conftest import SAMPLE_ARGS, run_cli


def test_every_mesh_has_an_entry() -> None:
    assert set(MESHES) == set(MeshKind)
    assert all(kind is entry.kind for kind, entry in MESHES.items())


def test_every_format_some_mesh_has_is_rendered_and_owns_its_place() -> None:
    offered = {f for entry in MESHES.values() for f in entry.formats}
    assert offered == set(OutputFormat)
    assert set(ENTRIES) == set(OutputFormat)


@pytest.mark.parametrize("mesh", list(MeshKind))
def test_a_mesh_has_a_renderer_for_exactly_the_formats_it_lists(mesh: MeshKind) -> None:
    assert set(renderers(mesh)) == set(MESHES[mesh].formats)
    assert OutputFormat.JSON in MESHES[mesh].formats


@pytest.mark.parametrize("mesh", list(MeshKind))
def test_every_mesh_loads_its_builtin_profile(mesh: MeshKind) -> None:
    profile = load_builtin_profile(mesh)
    assert profile.mesh == mesh.value
    assert profile.name == MESHES[mesh].builtin_profile
    MESHES[mesh].check_version(profile, profile.default_mesh_version)


@pytest.mark.parametrize("mesh", list(MeshKind))
def test_every_builtin_profile_names_the_releases_it_knows(mesh: MeshKind) -> None:
    profile = load_builtin_profile(mesh)
    releases = profile.releases
    assert releases is not None, "a built-in profile says which releases exist, and since when"
    assert releases.source.strip()
    assert releases.knows(profile.default_mesh_version)
    held: tuple[VersionRange, ...] = profile.versions  # type: ignore[attr-defined]
    ranges = [*held, *getattr(profile, "objects", ())]
    for figures in ranges:
        # every range starts at a release that exists, and a note names versions of its range
        assert releases.knows(figures.first), figures.label
        if figures.note_for is not None:
            first, _, last = figures.note_for.partition("-")
            assert version_key(figures.first) <= version_key(first)
            assert figures.last is None or version_key(last or first) <= version_key(figures.last)


def _coefficients(value: object, path: str) -> list[tuple[str, Coefficient]]:
    if isinstance(value, Coefficient):
        return [(path, value)]
    if isinstance(value, tuple):
        return [c for i, item in enumerate(value) for c in _coefficients(item, f"{path}[{i}]")]
    fields = getattr(type(value), "model_fields", None)
    if fields is None:
        return []
    return [c for name in fields for c in _coefficients(getattr(value, name), f"{path}.{name}")]


@pytest.mark.parametrize("mesh", list(MeshKind))
def test_every_coefficient_cites_a_source_and_validity(mesh: MeshKind) -> None:
    found = _coefficients(load_builtin_profile(mesh), "")
    assert len(found) > 10
    for path, value in found:
        assert value.source.strip(), path
        assert value.holds_for.strip(), path
        if value.tag == "derived":
            assert value.derivation, f"{path} is derived but shows no arithmetic"


PAIRS = [(mesh, fmt) for mesh in MeshKind for fmt in OutputFormat]


@pytest.mark.parametrize(("mesh", "fmt"), PAIRS, ids=[f"{m.value}-{f.value}" for m, f in PAIRS])
def test_every_mesh_runs_every_format_it_has_and_refuses_the_rest(
    mesh: MeshKind, fmt: OutputFormat, sample: Path
) -> None:
    entry = MESHES[mesh]
    # the nodes are an input of every mesh (Istio ambient cannot be sized without them)
    args = [*SAMPLE_ARGS, "--nodes", "6", "--mesh", mesh.value, "--format", fmt.value]
    run = run_cli(args, cwd=sample)
    if fmt in entry.formats:
        assert run.exit_code == 0, run.stderr
        written = run.stdout.splitlines()
        place = ENTRIES[fmt]
        assert any(
            line == f"planner-out/{place}" or line.startswith(f"planner-out/{place}")
            for line in written
        ), written
        return
    have = ", ".join(f.value for f in entry.formats)
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == (
        f"Error: --format {fmt.value}: {entry.title} has no such output; its formats are {have}\n"
    )
    assert not (sample / "planner-out").exists()
