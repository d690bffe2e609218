"""Linkerd: a linkerd2-proxy per meshed pod, the destination, identity and proxy-injector
controllers, and no scoping (a Linkerd proxy holds only the destinations it uses)."""

from __future__ import annotations

from models.knobs import MeshKind, OutputFormat
from planner.meshes.entry import MeshEntry
from planner.meshes.linkerd.manifests import MANIFESTS
from planner.meshes.linkerd.profile import VERSION_FLAG, LinkerdProfile, check_version
from planner.meshes.linkerd.sizing import size

ENTRY = MeshEntry(
    kind=MeshKind.LINKERD,
    title="Linkerd",
    package=__name__,
    builtin_profile="linkerd",
    version_flag=VERSION_FLAG,
    profile_model=LinkerdProfile,
    formats=(
        OutputFormat.JSON,
        OutputFormat.KUSTOMIZE,
        OutputFormat.HELM,
        OutputFormat.HTML,
        OutputFormat.XLSX,
    ),
    min_control_plane_replicas=3,
    manifests=MANIFESTS,
    check_version=check_version,
    size=size,
)
