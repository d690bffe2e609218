"""Istio in ambient mode: a ztunnel and an istio-cni agent per node, waypoints (Envoy, per
namespace) for L7, gateways, and istiod; no sidecars and no Sidecar scoping."""

from __future__ import annotations

from models.knobs import MeshKind, OutputFormat
from planner.meshes.entry import MeshEntry
from planner.meshes.istio_ambient.manifests import MANIFESTS
from planner.meshes.istio_ambient.profile import VERSION_FLAG, IstioAmbientProfile, check_version
from planner.meshes.istio_ambient.sizing import size

ADOPTION = (
    "Install istio-base, istiod (profile ambient), istio-cni and ztunnel with the Helm values "
    "in helm/; istiod's values carry the waypoints' resources (global.waypoint.resources)",
    "Label each namespace istio.io/dataplane-mode=ambient (no restart needed: the node's "
    "ztunnel captures its pods)",
    "No Sidecar scoping in ambient: a ztunnel holds every workload; to keep App Mesh's "
    "allow-list, write AuthorizationPolicies from the declared backends (L4 on ztunnel, L7 on "
    "a waypoint)",
    "For L7 routing, policy and telemetry, deploy a waypoint (istioctl waypoint apply -n NS) and "
    "label the namespace istio.io/use-waypoint=waypoint",
    "Routes: a VirtualRouter's routes become HTTPRoutes (Gateway API) attached to the "
    "waypoint's Services; a VirtualGateway becomes an Istio ingress Gateway",
)
"""What moving workloads onto Istio's ambient mode leaves to do by hand."""

ENTRY = MeshEntry(
    kind=MeshKind.ISTIO_AMBIENT,
    title="Istio, ambient mode",
    package=__name__,
    builtin_profile="istio-ambient",
    version_flag=VERSION_FLAG,
    profile_model=IstioAmbientProfile,
    formats=(
        OutputFormat.JSON,
        OutputFormat.KUSTOMIZE,
        OutputFormat.HELM,
        OutputFormat.HTML,
        OutputFormat.XLSX,
    ),
    min_control_plane_replicas=2,
    manifests=MANIFESTS,
    check_version=check_version,
    size=size,
    adoption=ADOPTION,
)
