"""The registry of mesh flavours: what each needs beyond its profile."""

from __future__ import annotations

from dataclasses import dataclass

from models.knobs import MeshKind


@dataclass(frozen=True)
class MeshSpec:
    """A mesh flavour: its built-in profile, control-plane name and version flag."""

    title: str
    package: str
    builtin_profile: str
    control_plane_component: str
    version_flag: str


MESHES: dict[MeshKind, MeshSpec] = {
    MeshKind.ISTIO_SIDECAR: MeshSpec(
        title="Istio, sidecar mode",
        package="planner.meshes.istio_sidecar",
        builtin_profile="istio-sidecar",
        control_plane_component="istiod",
        version_flag="--istio-version",
    ),
}
