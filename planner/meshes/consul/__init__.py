"""Consul service mesh on Kubernetes: a consul-dataplane sidecar (Envoy) per meshed pod, the
Consul servers and the connect injector, and scoping with service intentions (or explicit
upstream lists) from the observed call graph."""

from __future__ import annotations

from models.knobs import MeshKind, OutputFormat
from planner.meshes.consul.manifests import MANIFESTS
from planner.meshes.consul.profile import VERSION_FLAG, ConsulProfile, check_version
from planner.meshes.consul.sizing import head_start, size
from planner.meshes.entry import MeshEntry

ADOPTION = (
    "Install Consul (servers and connect injector) with the Helm values in helm/",
    'Turn injection on (annotation consul.hashicorp.com/connect-inject: "true", or the '
    "chart's connectInject.default) and restart the workloads; the overlay in kustomize/ sets "
    "each sidecar's resources by annotation",
    "Apply the intentions in kustomize/ (a default deny and one allow per declared backend) "
    "once every caller runs on Consul: a caller the intentions do not name is refused",
    "Routes: a VirtualRouter's routes become ServiceRouter, ServiceSplitter and "
    "ServiceResolver config entries; a VirtualGateway becomes an API gateway or an ingress "
    "gateway with its routes",
    "Egress: an external backend goes through a terminating gateway, or a ServiceDefaults "
    "destination with transparent proxy",
)
"""What moving workloads onto Consul leaves to do by hand (a migration's target steps)."""

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
    adoption=ADOPTION,
    head_start=head_start,
)
