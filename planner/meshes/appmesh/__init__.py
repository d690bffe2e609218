"""AWS App Mesh (end of support 2026-09-30): an Envoy sidecar per meshed pod holding only the
backends its VirtualNode declares, VirtualGateway deployments, and the appmesh-controller; no
in-cluster control plane to size and no scoping to recommend."""

from __future__ import annotations

from models.knobs import MeshKind, OutputFormat
from planner.meshes.appmesh.departure import departure
from planner.meshes.appmesh.manifests import MANIFESTS
from planner.meshes.appmesh.profile import VERSION_FLAG, AppMeshProfile, check_version
from planner.meshes.appmesh.sizing import size
from planner.meshes.entry import MeshEntry

ENTRY = MeshEntry(
    kind=MeshKind.APPMESH,
    title="AWS App Mesh",
    package=__name__,
    builtin_profile="appmesh",
    version_flag=VERSION_FLAG,
    profile_model=AppMeshProfile,
    formats=(
        OutputFormat.JSON,
        OutputFormat.KUSTOMIZE,
        OutputFormat.HELM,
        OutputFormat.HTML,
        OutputFormat.XLSX,
    ),
    min_control_plane_replicas=1,
    manifests=MANIFESTS,
    check_version=check_version,
    size=size,
    departure=departure,
)
