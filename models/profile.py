"""The schema of a mesh profile: every sizing coefficient with its unit, source and validity."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.knobs import MeshKind


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _positive(model: BaseModel, names: tuple[str, ...]) -> None:
    """Coefficients the model divides by, or counts replicas with, must be above zero."""
    for name in names:
        value = getattr(model, name)
        if isinstance(value, Coefficient) and value.value <= 0:
            raise ValueError(f"{name} must be greater than 0")


class Coefficient(_Frozen):
    """One number of the model, with where it comes from.

    `tag` follows published-figures.md: pub (stated by the source), derived (arithmetic on
    published figures, shown in `derivation`), anecdote, vendor, chart (a chart default) or policy
    (a choice of mesh-planner, argued in `derivation`).
    """

    value: float = Field(ge=0, le=1e9, allow_inf_nan=False)
    unit: str
    source: str = Field(min_length=1)
    holds_for: str = Field(min_length=1)
    tag: str = Field(pattern=r"^(pub|derived|anecdote|vendor|chart|policy|heuristic)$")
    figure_ids: tuple[str, ...] = ()
    derivation: str | None = None


class VersionFigures(_Frozen):
    """The figures that change with the mesh version, for one range of versions."""

    first: str = Field(pattern=r"^\d+\.\d+$")
    last: str | None = Field(default=None, pattern=r"^\d+\.\d+$")
    label: str
    cpu_per_1000_rps_millicores: Coefficient
    base_memory_mib: Coefficient
    note: str | None = None


class ObjectFigures(_Frozen):
    """What one configuration object costs the Envoy a mesh version ships, and how the mesh lays
    a Service out in it, for one range of mesh versions."""

    first: str = Field(pattern=r"^\d+\.\d+$")
    last: str | None = Field(default=None, pattern=r"^\d+\.\d+$")
    label: str
    memory_per_cluster_bytes: Coefficient
    memory_per_endpoint_bytes: Coefficient
    inbound_listeners_per_port: Coefficient
    note: str | None = None


class ProxyModel(_Frozen):
    """Envoy proxy (sidecar or gateway): CPU from traffic, memory from the configuration held.

    The per-cluster and per-endpoint costs depend on the mesh version (`ObjectFigures`)."""

    concurrency: Coefficient
    idle_cpu_millicores: Coefficient
    memory_per_listener_bytes: Coefficient
    memory_per_worker_per_cluster_bytes: Coefficient
    memory_per_worker_per_listener_bytes: Coefficient
    fixed_clusters: Coefficient
    tcp_cpu_ratio: Coefficient
    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    cpu_limit_floor_millicores: Coefficient
    memory_limit_floor_mib: Coefficient
    memory_limit_ratio: Coefficient


class GatewayModel(_Frozen):
    """Ingress and egress gateways: the proxy model plus a replica rule."""

    min_replicas: Coefficient
    target_cpu_per_replica_millicores: Coefficient
    autoscale_max_ratio: Coefficient
    autoscale_headroom_share: Coefficient

    @model_validator(mode="after")
    def _divisors(self) -> GatewayModel:
        _positive(self, ("min_replicas", "target_cpu_per_replica_millicores"))
        return self


class ControlPlaneModel(_Frozen):
    """The control plane (istiod): a guideline and a fuller model, side by side."""

    guideline_memory_per_service_mib: Coefficient
    guideline_memory_per_pod_mib: Coefficient
    baseline_memory_mib: Coefficient
    memory_per_endpoint_bytes: Coefficient
    memory_per_service_mib: Coefficient
    memory_per_proxy_mib: Coefficient
    memory_per_proxy_visible_cluster_bytes: Coefficient
    memory_per_proxy_visible_endpoint_bytes: Coefficient
    memory_churn_factor: Coefficient
    cpu_per_1000_proxies_millicores: Coefficient
    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    max_cpu_per_replica_millicores: Coefficient
    max_memory_per_replica_mib: Coefficient
    cpu_limit_ratio: Coefficient
    memory_limit_ratio: Coefficient
    autoscale_max_ratio: Coefficient
    autoscale_headroom_share: Coefficient

    @model_validator(mode="after")
    def _divisors(self) -> ControlPlaneModel:
        _positive(self, ("max_cpu_per_replica_millicores", "max_memory_per_replica_mib"))
        return self


class Evidence(_Frozen):
    """The largest published tests behind the model: beyond them a figure is an extrapolation."""

    connected_proxies: Coefficient
    endpoints: Coefficient
    endpoints_per_proxy: Coefficient
    clusters_per_proxy: Coefficient


class Rounding(_Frozen):
    """Steps that requests and limits are rounded up to."""

    cpu_step_millicores: int = Field(ge=1)
    memory_step_mib: int = Field(ge=1)


class MeshProfile(_Frozen):
    """A sizing model for one mesh flavour, loaded from YAML."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    mesh: MeshKind
    profile_version: str
    default_mesh_version: str = Field(pattern=r"^\d+\.\d+$")
    description: str
    versions: tuple[VersionFigures, ...] = Field(min_length=1)
    objects: tuple[ObjectFigures, ...] = Field(min_length=1)
    proxy: ProxyModel
    gateway: GatewayModel
    control_plane: ControlPlaneModel
    evidence: Evidence
    rounding: Rounding

    @model_validator(mode="after")
    def _versions_ordered(self) -> MeshProfile:
        for field, ranges in (("versions", self.versions), ("objects", self.objects)):
            firsts = [_version_key(v.first) for v in ranges]
            if firsts != sorted(firsts) or len(set(firsts)) != len(firsts):
                raise ValueError(f"{field} must be listed oldest first, each range starting once")
        return self


def _version_key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)
