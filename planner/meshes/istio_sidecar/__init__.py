"""Istio in sidecar mode: an Envoy sidecar per pod, istiod, gateways, and scoping with
`Sidecar` resources, `exportTo` and discovery selectors."""

from __future__ import annotations

from models.knobs import MeshKind, OutputFormat
from planner.meshes.entry import MeshEntry
from planner.meshes.istio_sidecar.manifests import MANIFESTS
from planner.meshes.istio_sidecar.profile import VERSION_FLAG, IstioSidecarProfile, check_version
from planner.meshes.istio_sidecar.sizing import size

ENTRY = MeshEntry(
    kind=MeshKind.ISTIO_SIDECAR,
    title="Istio, sidecar mode",
    package=__name__,
    builtin_profile="istio-sidecar",
    version_flag=VERSION_FLAG,
    profile_model=IstioSidecarProfile,
    formats=(
        OutputFormat.JSON,
        OutputFormat.SIDECARS,
        OutputFormat.KUSTOMIZE,
        OutputFormat.HELM,
        OutputFormat.OPERATOR,
        OutputFormat.HTML,
        OutputFormat.XLSX,
    ),
    min_control_plane_replicas=2,
    manifests=MANIFESTS,
    check_version=check_version,
    size=size,
)
