"""The Istio sidecar profile: version figures, Envoy object costs, proxy, gateway, istiod and the
evidence behind them, each coefficient with its source (profile.yaml beside this module)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from models.errors import ProfileError
from models.knobs import MeshKind
from models.profile import (
    Coefficient,
    ProfileBase,
    VersionRange,
    _Frozen,
    ordered_ranges,
    positive,
)
from planner.meshes.versions import in_range

VERSION_FLAG = "--istio-version"
VERSION = re.compile(r"\d+\.\d+(\.\d+)?")


class VersionFigures(VersionRange):
    """The figures that change with the mesh version, for one range of versions."""

    cpu_per_1000_rps_millicores: Coefficient
    base_memory_mib: Coefficient


class ObjectFigures(VersionRange):
    """What one configuration object costs the Envoy a mesh version ships, and how the mesh lays
    a Service out in it, for one range of mesh versions."""

    memory_per_cluster_bytes: Coefficient
    memory_per_endpoint_bytes: Coefficient
    inbound_listeners_per_port: Coefficient


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
        positive(self, ("min_replicas", "target_cpu_per_replica_millicores"))
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
        positive(self, ("max_cpu_per_replica_millicores", "max_memory_per_replica_mib"))
        return self


class Evidence(_Frozen):
    """The largest published tests behind the model: beyond them a figure is an extrapolation."""

    connected_proxies: Coefficient
    endpoints: Coefficient
    endpoints_per_proxy: Coefficient
    clusters_per_proxy: Coefficient


class IstioSidecarProfile(ProfileBase):
    """The Istio sidecar sizing model, loaded from YAML."""

    mesh: Literal[MeshKind.ISTIO_SIDECAR]
    default_mesh_version: str = Field(pattern=r"^\d+\.\d+$")
    versions: tuple[VersionFigures, ...] = Field(min_length=1)
    objects: tuple[ObjectFigures, ...] = Field(min_length=1)
    proxy: ProxyModel
    gateway: GatewayModel
    control_plane: ControlPlaneModel
    evidence: Evidence

    @model_validator(mode="after")
    def _versions_ordered(self) -> IstioSidecarProfile:
        ordered_ranges("versions", self.versions)
        ordered_ranges("objects", self.objects)
        return self


def figures_for(profile: IstioSidecarProfile, version: str) -> VersionFigures:
    """The version figures whose range holds `version`.

    Raises ProfileError for a version outside every range.
    """
    return in_range(
        profile.name, profile.versions, version, "published figures", VERSION_FLAG, profile.releases
    )


def objects_for(profile: IstioSidecarProfile, version: str) -> ObjectFigures:
    """The configuration-object costs whose range holds `version`.

    Raises ProfileError for a version outside every range.
    """
    return in_range(
        profile.name, profile.objects, version, "object costs", VERSION_FLAG, profile.releases
    )


def check_version(profile: ProfileBase, version: str) -> None:
    """Raise ProfileError unless the profile has figures for `version`."""
    assert isinstance(profile, IstioSidecarProfile)
    if not VERSION.fullmatch(version):
        raise ProfileError(
            f"{VERSION_FLAG} {version}: an Istio version is written like 1.24 or 1.24.3"
        )
    figures_for(profile, version)
    objects_for(profile, version)
