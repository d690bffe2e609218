"""The Istio ambient profile: ztunnel and waypoint figures by version, ztunnel's per-object and
per-connection memory, the istio-cni agent, waypoints and gateways, and istiod (the same
control plane as the sidecar mode), each coefficient with its source (profile.yaml beside this
module)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from models.errors import ProfileError
from models.knobs import MeshKind
from models.profile import Coefficient, ProfileBase, _Frozen, ordered_ranges, positive
from planner.meshes.istio_sidecar.profile import (
    VERSION,
    ControlPlaneModel,
    Evidence,
    GatewayModel,
    ObjectFigures,
    ProxyModel,
    VersionFigures,
)
from planner.meshes.versions import in_range

VERSION_FLAG = "--istio-version"


class AmbientVersionFigures(VersionFigures):
    """Per version range: the waypoint's (an Envoy with 2 workers: `cpu_per_1000_rps_millicores`,
    `base_memory_mib`, which gateways use too), ztunnel's, and the sidecar mode's published
    figures (`sidecar_*`: the pods of a mixed cluster's sidecar namespaces)."""

    ztunnel_cpu_per_1000_rps_millicores: Coefficient
    ztunnel_base_memory_mib: Coefficient
    sidecar_cpu_per_1000_rps_millicores: Coefficient
    sidecar_base_memory_mib: Coefficient

    def sidecar(self) -> SidecarFigures:
        """The sidecar mode's figures, for the sidecar namespaces of a mixed cluster."""
        return SidecarFigures(
            cpu_per_1000_rps_millicores=self.sidecar_cpu_per_1000_rps_millicores,
            base_memory_mib=self.sidecar_base_memory_mib,
        )


class SidecarFigures(_Frozen):
    """An Envoy sidecar's published figures (the shape planner.model.envoy.EnvoyCosts reads)."""

    cpu_per_1000_rps_millicores: Coefficient
    base_memory_mib: Coefficient


class ZtunnelModel(_Frozen):
    """ztunnel, one per node: what its memory grows with, and its requests' floors."""

    memory_per_cluster_pod_bytes: Coefficient
    memory_per_connection_bytes: Coefficient
    connections_per_peer: Coefficient
    idle_cpu_millicores: Coefficient
    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    cpu_limit_ratio: Coefficient
    memory_limit_ratio: Coefficient
    max_cpu_per_replica_millicores: Coefficient
    max_memory_per_replica_mib: Coefficient

    @model_validator(mode="after")
    def _divisors(self) -> ZtunnelModel:
        positive(self, ("max_cpu_per_replica_millicores", "max_memory_per_replica_mib"))
        return self


class CniModel(_Frozen):
    """The istio-cni node agent: no published figure relates it to the mesh; chart values."""

    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    cpu_limit_ratio: Coefficient
    memory_limit_ratio: Coefficient
    max_cpu_per_replica_millicores: Coefficient
    max_memory_per_replica_mib: Coefficient

    @model_validator(mode="after")
    def _divisors(self) -> CniModel:
        positive(self, ("max_cpu_per_replica_millicores", "max_memory_per_replica_mib"))
        return self


class IstioAmbientProfile(ProfileBase):
    """The Istio ambient sizing model, loaded from YAML."""

    mesh: Literal[MeshKind.ISTIO_AMBIENT]
    default_mesh_version: str = Field(pattern=r"^\d+\.\d+$")
    versions: tuple[AmbientVersionFigures, ...] = Field(min_length=1)
    objects: tuple[ObjectFigures, ...] = Field(min_length=1)
    proxy: ProxyModel
    gateway: GatewayModel
    ztunnel: ZtunnelModel
    cni: CniModel
    control_plane: ControlPlaneModel
    evidence: Evidence

    @model_validator(mode="after")
    def _versions_ordered(self) -> IstioAmbientProfile:
        ordered_ranges("versions", self.versions)
        ordered_ranges("objects", self.objects)
        return self


def figures_for(profile: IstioAmbientProfile, version: str) -> AmbientVersionFigures:
    """The version figures whose range holds `version` (ProfileError outside every range)."""
    return in_range(
        profile.name, profile.versions, version, "published figures", VERSION_FLAG, profile.releases
    )


def objects_for(profile: IstioAmbientProfile, version: str) -> ObjectFigures:
    """The Envoy object costs whose range holds `version` (ProfileError outside every range)."""
    return in_range(
        profile.name, profile.objects, version, "object costs", VERSION_FLAG, profile.releases
    )


def check_version(profile: ProfileBase, version: str) -> None:
    """Raise ProfileError unless the profile has figures for `version`."""
    assert isinstance(profile, IstioAmbientProfile)
    if not VERSION.fullmatch(version):
        raise ProfileError(
            f"{VERSION_FLAG} {version}: an Istio version is written like 1.24 or 1.24.3"
        )
    figures_for(profile, version)
    objects_for(profile, version)
