"""Every member of a closed set has its registry entry, and every registry entry works."""

from __future__ import annotations

import pytest

from models.knobs import MeshKind, OutputFormat
from planner.meshes import MESHES
from planner.meshes.profiles import load_builtin_profile
from reports import RENDERERS


def test_every_mesh_has_an_entry() -> None:
    assert set(MESHES) == set(MeshKind)


def test_every_format_has_a_renderer() -> None:
    assert set(RENDERERS) == set(OutputFormat)


@pytest.mark.parametrize("mesh", list(MeshKind))
def test_every_mesh_loads_its_builtin_profile(mesh: MeshKind) -> None:
    profile = load_builtin_profile(mesh)
    assert profile.mesh == mesh.value
    assert profile.name == MESHES[mesh].builtin_profile


@pytest.mark.parametrize("mesh", list(MeshKind))
def test_every_coefficient_cites_a_source_and_validity(mesh: MeshKind) -> None:
    profile = load_builtin_profile(mesh)
    groups = [profile.proxy, profile.gateway, profile.control_plane, *profile.versions]
    for group in groups:
        for name, value in group:
            if hasattr(value, "source"):
                assert value.source.strip(), name
                assert value.holds_for.strip(), name
                if value.tag == "derived":
                    assert value.derivation, f"{name} is derived but shows no arithmetic"
