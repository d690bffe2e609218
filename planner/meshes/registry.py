"""The registry of mesh flavours: one entry per `MeshKind`, each from its own package."""

from __future__ import annotations

from models.knobs import MeshKind
from planner.meshes.entry import MeshEntry
from planner.meshes.istio_sidecar import ENTRY as ISTIO_SIDECAR

MESHES: dict[MeshKind, MeshEntry] = {entry.kind: entry for entry in (ISTIO_SIDECAR,)}
