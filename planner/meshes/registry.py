"""The registry of mesh flavours: one entry per `MeshKind`, each from its own package. The
first is the default, and its manifest rules apply when manifests name no mesh."""

from __future__ import annotations

from models.knobs import MeshKind
from planner.meshes.appmesh import ENTRY as APPMESH
from planner.meshes.consul import ENTRY as CONSUL
from planner.meshes.entry import MeshEntry
from planner.meshes.istio_ambient import ENTRY as ISTIO_AMBIENT
from planner.meshes.istio_sidecar import ENTRY as ISTIO_SIDECAR
from planner.meshes.linkerd import ENTRY as LINKERD

MESHES: dict[MeshKind, MeshEntry] = {
    entry.kind: entry for entry in (ISTIO_SIDECAR, ISTIO_AMBIENT, LINKERD, CONSUL, APPMESH)
}
