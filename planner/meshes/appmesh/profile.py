"""The App Mesh profile: the Envoy figures by App Mesh Envoy version, the sidecar's floors, the
gateways' policy and the appmesh-controller at its chart's values, each coefficient with its
source (profile.yaml beside this module)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from models.knobs import MeshKind
from models.profile import Coefficient, ProfileBase, VersionRange, _Frozen, ordered_ranges, positive
from planner.meshes.versions import in_range

VERSION_FLAG = "--appmesh-version"


class AppMeshVersionFigures(VersionRange):
    """The Envoy figures that change with the App Mesh Envoy image."""

    cpu_per_1000_rps_millicores: Coefficient
    base_memory_mib: Coefficient
    memory_per_cluster_bytes: Coefficient
    memory_per_endpoint_bytes: Coefficient


class AppMeshProxyModel(_Frozen):
    """The Envoy sidecar: per-object costs and the floors of its requests and limits."""

    concurrency: Coefficient
    idle_cpu_millicores: Coefficient
    tcp_cpu_ratio: Coefficient
    memory_per_worker_per_cluster_bytes: Coefficient
    memory_per_listener_bytes: Coefficient
    memory_per_worker_per_listener_bytes: Coefficient
    fixed_clusters: Coefficient
    fixed_listeners: Coefficient
    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    cpu_limit_floor_millicores: Coefficient
    memory_limit_floor_mib: Coefficient
    memory_limit_ratio: Coefficient


class AppMeshGatewayModel(_Frozen):
    """VirtualGateway deployments: replicas from the CPU they need."""

    min_replicas: Coefficient
    target_cpu_per_replica_millicores: Coefficient
    autoscale_max_ratio: Coefficient
    autoscale_headroom_share: Coefficient

    @model_validator(mode="after")
    def _divisors(self) -> AppMeshGatewayModel:
        positive(self, ("target_cpu_per_replica_millicores",))
        return self


class ControllerModel(_Frozen):
    """The appmesh-controller: the chart's values (AWS runs the control plane)."""

    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    memory_limit_floor_mib: Coefficient
    cpu_limit_ratio: Coefficient
    memory_limit_ratio: Coefficient
    max_cpu_per_replica_millicores: Coefficient
    max_memory_per_replica_mib: Coefficient
    min_replicas: Coefficient

    @model_validator(mode="after")
    def _divisors(self) -> ControllerModel:
        positive(self, ("max_cpu_per_replica_millicores", "max_memory_per_replica_mib"))
        return self


class AppMeshProfile(ProfileBase):
    """The App Mesh sizing model, loaded from YAML."""

    mesh: Literal[MeshKind.APPMESH]
    default_mesh_version: str = Field(pattern=r"^\d+\.\d+$")
    versions: tuple[AppMeshVersionFigures, ...] = Field(min_length=1)
    proxy: AppMeshProxyModel
    gateway: AppMeshGatewayModel
    controller: ControllerModel

    @model_validator(mode="after")
    def _versions_ordered(self) -> AppMeshProfile:
        ordered_ranges("versions", self.versions)
        return self


def figures_for(profile: AppMeshProfile, version: str) -> AppMeshVersionFigures:
    """The figures whose range holds the App Mesh Envoy `version` (1.34, 1.34.13).

    Raises ProfileError for a version outside every range."""
    return in_range(
        profile.name, profile.versions, version, "published figures", VERSION_FLAG, profile.releases
    )


def check_version(profile: ProfileBase, version: str) -> None:
    """Raise ProfileError unless the profile has figures for `version`."""
    assert isinstance(profile, AppMeshProfile)
    figures_for(profile, version)
