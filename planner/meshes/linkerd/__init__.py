"""Linkerd: a linkerd2-proxy per meshed pod, the destination, identity and proxy-injector
controllers, and no scoping (a Linkerd proxy holds only the destinations it uses)."""

from __future__ import annotations

from models.knobs import MeshKind, OutputFormat
from planner.meshes.entry import MeshEntry
from planner.meshes.linkerd.manifests import MANIFESTS
from planner.meshes.linkerd.profile import VERSION_FLAG, LinkerdProfile, check_version
from planner.meshes.linkerd.sizing import size

ADOPTION = (
    "Install linkerd-crds and linkerd-control-plane with the Helm values in helm/ (and the "
    "identity trust anchor and issuer certificates they need)",
    "Turn injection on per namespace (annotation linkerd.io/inject: enabled) and restart its "
    "workloads; the overlay in kustomize/ sets each proxy's resources by annotation",
    "No scoping to write: a Linkerd proxy resolves destinations on demand and holds only what "
    "it calls; to keep App Mesh's allow-list as policy, write Server and AuthorizationPolicy "
    "resources from the declared backends",
    "Routes: a VirtualRouter's routes become an HTTPRoute (Gateway API) with weighted "
    "backendRefs, timeouts and retries",
    "Ingress: Linkerd has no ingress gateway of its own; keep an ingress controller (a "
    "VirtualGateway's Envoy, or another) and mesh it with Linkerd",
    "Egress: calls outside the cluster leave without the mesh unless an EgressNetwork "
    "(Linkerd 2.17 or later) governs them",
)
"""What moving workloads onto Linkerd leaves to do by hand (a migration's target steps)."""

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
    adoption=ADOPTION,
)
