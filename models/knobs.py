"""The knobs of a sizing run; the closed sets of choices they take are `models.choices`'s
(imported here too, where the rest of the code finds them)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from models.choices import (
    MIGRATION_DIR,
    MeshKind,
    MigrateTo,
    OutputFormat,
    ScopeGranularity,
    SizeFor,
    WaypointRule,
)

__all__ = [
    "MIGRATION_DIR",
    "Knobs",
    "MeshKind",
    "MigrateTo",
    "OutputFormat",
    "ScopeGranularity",
    "SizeFor",
    "WaypointRule",
]


class Knobs(BaseModel):
    """Everything a user can turn for one sizing run, with its default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mesh: MeshKind = MeshKind.ISTIO_SIDECAR
    mesh_version: str | None = Field(
        default=None,
        pattern=r"^(\d+\.\d+(\.\d+)?|edge-\d{2}\.\d{1,2}\.\d{1,3}|stable-\d+\.\d+(\.\d+)?)$",
        description="Mesh version whose published figures apply (1.24, 2.18.1, edge-25.4.4); "
        "None takes the profile default.",
    )
    waypoints: WaypointRule | None = Field(
        default=None,
        description="Istio ambient: a waypoint per namespace of captured workloads, or none; "
        "None takes the manifests' istio.io/use-waypoint labels (none without them).",
    )
    headroom_ratio: float = Field(
        default=0.25,
        ge=0.0,
        le=5.0,
        description="Added on top of the expected usage (model or observed) to give the request.",
    )
    min_control_plane_replicas: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="Fewest replicas of each control-plane component; None takes the mesh's "
        "(2 for istiod, 3 for Linkerd's controllers, as their HA values run; Consul's servers "
        "follow the availability zones instead).",
    )
    availability_zones: int | None = Field(
        default=None,
        ge=1,
        le=10,
        description="Availability zones the cluster's nodes span, for meshes whose control "
        "plane is a quorum (Consul's servers: 5 over 3 or more zones, else 3); None assumes 3.",
    )
    pod_churn_ratio: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description="Share of the mesh's pods replaced at once during rollouts (Kubernetes' "
        "default maxSurge and maxUnavailable are 25%); a control plane holds more memory while "
        "they churn.",
    )
    min_gateway_replicas: int | None = Field(
        default=None, ge=1, le=1000, description="None takes the profile's gateway minimum."
    )
    scope_granularity: ScopeGranularity = ScopeGranularity.WORKLOAD
    mesh_root_namespace: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
        description="Istio's root namespace: every Sidecar keeps it visible; None takes "
        "istio-system for Istio, and other meshes have none.",
    )
    cluster_domain: str = Field(
        default="cluster.local",
        pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$",
        description="The cluster's DNS domain, for the hosts in Sidecar egress lists.",
    )
    traffic_window_seconds: float | None = Field(
        default=None,
        gt=0,
        description="How long the traffic table was observed; None: unknown (no tight scoping).",
    )
    min_traffic_window_seconds: float = Field(
        default=7 * 24 * 3600,
        gt=0,
        description="A shorter window gives namespace-level scoping: rare calls may be unseen.",
    )
    min_edge_requests: float = Field(
        default=10.0,
        ge=0,
        description="An edge seen fewer times over the window makes its caller's scope a fallback.",
    )
    max_export_namespaces: int = Field(
        default=3,
        ge=0,
        le=100,
        description="A Service called from more other namespaces keeps exportTo '*'.",
    )
    size_for: SizeFor | None = Field(
        default=None,
        description="None: the scoped mesh when scoping is recommended, else the unscoped one.",
    )
    use_observed: bool = Field(
        default=True,
        description="Let observed proxy usage in the inventory raise the model's estimate; off "
        "for a what-if of a mesh whose proxies were not the ones measured.",
    )
    patch_threshold_ratio: float = Field(
        default=0.2,
        ge=0.0,
        le=10.0,
        description="A workload whose proxy recommendation differs from the mesh-wide default by "
        "more than this gets its own patch.",
    )
    inputs_date: date | None = Field(
        default=None,
        description="When the inventory and traffic were taken; written in output headers "
        "instead of the run's date, so reruns stay byte-identical.",
    )
