"""The registry of mesh flavours: one entry per `MeshKind`, each from its own package. The
first is the default, and its manifest rules apply when manifests name no mesh.

A mesh's package (its profile model, sizing and manifest rules) is imported when its entry is
first looked up: a run that sizes one mesh does not import the other four (a tenth of a second
of start-up). Iterating the kinds imports nothing; iterating the entries imports every mesh."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from models.knobs import MeshKind
from planner.meshes.entry import MeshEntry

PACKAGES: dict[MeshKind, str] = {
    MeshKind.ISTIO_SIDECAR: "planner.meshes.istio_sidecar",
    MeshKind.ISTIO_AMBIENT: "planner.meshes.istio_ambient",
    MeshKind.LINKERD: "planner.meshes.linkerd",
    MeshKind.CONSUL: "planner.meshes.consul",
    MeshKind.APPMESH: "planner.meshes.appmesh",
}
"""Each mesh's package, in the registry's order; the package's `ENTRY` is its entry."""


class _Registry(Mapping[MeshKind, MeshEntry]):
    """MeshKind -> MeshEntry, importing a mesh's package on first use."""

    def __init__(self, packages: Mapping[MeshKind, str]) -> None:
        self._packages = dict(packages)
        self._entries: dict[MeshKind, MeshEntry] = {}

    def __getitem__(self, kind: MeshKind) -> MeshEntry:
        entry = self._entries.get(kind)
        if entry is None:
            entry = importlib.import_module(self._packages[kind]).ENTRY
            assert isinstance(entry, MeshEntry)
            assert entry.kind is kind
            self._entries[kind] = entry
        return entry

    def __iter__(self) -> Iterator[MeshKind]:
        return iter(self._packages)

    def __len__(self) -> int:
        return len(self._packages)


MESHES: Mapping[MeshKind, MeshEntry] = _Registry(PACKAGES)
