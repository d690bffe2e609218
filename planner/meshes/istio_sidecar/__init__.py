"""Istio in sidecar mode: an Envoy sidecar per pod, istiod, gateways, and scoping with
`Sidecar` resources, `exportTo` and discovery selectors."""

from __future__ import annotations

from models.knobs import MeshKind, OutputFormat
from planner.meshes.entry import MeshEntry
from planner.meshes.istio_sidecar.manifests import MANIFESTS
from planner.meshes.istio_sidecar.profile import VERSION_FLAG, IstioSidecarProfile, check_version
from planner.meshes.istio_sidecar.sizing import head_start, size

ADOPTION = (
    "Install istiod (and the gateways) with the Helm values in helm/ (istio-operator.yaml holds "
    "the same for the IstioOperator)",
    "Turn injection on per namespace (label istio-injection=enabled, or istio.io/rev for a "
    "revision) and restart its workloads; the overlay in kustomize/ sets each proxy's resources "
    "by annotation",
    "Apply the Sidecars and exportTo patches (kustomize/, sidecars.yaml) once a namespace's "
    "callers run Istio: they hold each workload's declared backends, so a backend added later "
    "must be added to its caller's Sidecar",
    "Routes: a VirtualRouter's routes become a VirtualService (weights, retries, timeouts, "
    "matches) with a DestinationRule for its subsets; a VirtualGateway's GatewayRoutes become a "
    "Gateway and the VirtualServices bound to it",
    "Egress: App Mesh's egressFilter DROP_ALL is Istio's outboundTrafficPolicy REGISTRY_ONLY; "
    "an external backend becomes a ServiceEntry",
    "mTLS: Istio issues its own certificates (App Mesh's ACM or SDS settings go); set a "
    "PeerAuthentication in STRICT mode once every caller is migrated",
)
"""What moving workloads onto Istio leaves to do by hand (a migration's target steps)."""

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
    adoption=ADOPTION,
    head_start=head_start,
)
