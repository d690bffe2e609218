"""Consul service mesh on Kubernetes: a consul-dataplane sidecar (Envoy) per meshed pod, the
Consul servers and the connect injector, and scoping with service intentions (or explicit
upstream lists) from the observed call graph."""

from __future__ import annotations

from models.knobs import MeshKind, OutputFormat
from planner.meshes.consul.manifests import MANIFESTS
from planner.meshes.consul.profile import VERSION_FLAG, ConsulProfile, check_version
from planner.meshes.consul.sizing import size
from planner.meshes.entry import MeshEntry

ENTRY = MeshEntry(
    kind=MeshKind.CONSUL,
    title="Consul service mesh",
    package=__name__,
    builtin_profile="consul",
    version_flag=VERSION_FLAG,
    profile_model=ConsulProfile,
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
)
