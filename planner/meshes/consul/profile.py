"""The Consul profile: the sidecar's figures by Consul version (Envoy and the dataplane process
in one container), the servers' working set, quorum, certificate signing and disk, and the
connect injector, each coefficient with its source (profile.yaml beside this module)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from models.knobs import MeshKind
from models.profile import Coefficient, ProfileBase, VersionRange, _Frozen, ordered_ranges, positive
from planner.meshes.versions import in_range

VERSION_FLAG = "--consul-version"


class ConsulVersionFigures(VersionRange):
    """The Envoy figures that change with the Consul version (the Envoy it ships)."""

    cpu_per_1000_rps_millicores: Coefficient
    base_memory_mib: Coefficient
    memory_per_cluster_bytes: Coefficient
    memory_per_endpoint_bytes: Coefficient


class ConsulProxyModel(_Frozen):
    """The consul-dataplane sidecar: Envoy's per-object costs, the dataplane process, floors."""

    concurrency: Coefficient
    idle_cpu_millicores: Coefficient
    tcp_cpu_ratio: Coefficient
    memory_per_worker_per_cluster_bytes: Coefficient
    memory_per_listener_bytes: Coefficient
    memory_per_worker_per_listener_bytes: Coefficient
    fixed_clusters: Coefficient
    fixed_listeners: Coefficient
    dataplane_memory_mib: Coefficient
    dataplane_cpu_millicores: Coefficient
    recommended_cpu_millicores: Coefficient
    recommended_memory_mib: Coefficient
    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    cpu_limit_floor_millicores: Coefficient
    memory_limit_floor_mib: Coefficient
    memory_limit_ratio: Coefficient


class ConsulGatewayModel(_Frozen):
    """Mesh, ingress and API gateways: replicas from the CPU they need."""

    min_replicas: Coefficient
    target_cpu_per_replica_millicores: Coefficient
    autoscale_max_ratio: Coefficient
    autoscale_headroom_share: Coefficient

    @model_validator(mode="after")
    def _divisors(self) -> ConsulGatewayModel:
        positive(self, ("target_cpu_per_replica_millicores",))
        return self


class ServerModel(_Frozen):
    """The Consul servers: working set, quorum, CPU, certificate signing and disk."""

    baseline_working_set_mib: Coefficient
    working_set_per_service_instance_bytes: Coefficient
    working_set_per_upstream_watch_bytes: Coefficient
    memory_multiple: Coefficient
    memory_limit_ratio: Coefficient
    cpu_per_1000_dataplanes_millicores: Coefficient
    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    cpu_limit_ratio: Coefficient
    max_cpu_per_replica_millicores: Coefficient
    max_memory_per_replica_mib: Coefficient
    reference_cpu_millicores: Coefficient
    reference_memory_mib: Coefficient
    quorum_servers: Coefficient
    zoned_servers: Coefficient
    zones_for_zoned_servers: Coefficient
    csr_max_per_second: Coefficient
    csr_instances_bound: Coefficient
    storage_floor_gib: Coefficient
    storage_per_working_set_ratio: Coefficient
    reference_disk_gib: Coefficient
    reference_iops: Coefficient
    write_heavy_iops: Coefficient
    reference_throughput_mib_per_s: Coefficient
    write_heavy_instances: Coefficient

    @model_validator(mode="after")
    def _divisors(self) -> ServerModel:
        positive(
            self,
            (
                "max_cpu_per_replica_millicores",
                "max_memory_per_replica_mib",
                "csr_max_per_second",
                "quorum_servers",
                "zoned_servers",
            ),
        )
        return self


class InjectorModel(_Frozen):
    """The connect injector (webhook and endpoints controller): the chart's production values."""

    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    memory_limit_floor_mib: Coefficient
    cpu_limit_ratio: Coefficient
    memory_limit_ratio: Coefficient
    max_cpu_per_replica_millicores: Coefficient
    max_memory_per_replica_mib: Coefficient
    min_replicas: Coefficient

    @model_validator(mode="after")
    def _divisors(self) -> InjectorModel:
        positive(self, ("max_cpu_per_replica_millicores", "max_memory_per_replica_mib"))
        return self


class ConsulEvidence(_Frozen):
    """The largest published tests behind the model."""

    service_instances: Coefficient
    connected_proxies: Coefficient


class ConsulProfile(ProfileBase):
    """The Consul sizing model, loaded from YAML."""

    mesh: Literal[MeshKind.CONSUL]
    default_mesh_version: str = Field(pattern=r"^\d+\.\d+$")
    versions: tuple[ConsulVersionFigures, ...] = Field(min_length=1)
    proxy: ConsulProxyModel
    gateway: ConsulGatewayModel
    server: ServerModel
    connect_injector: InjectorModel
    evidence: ConsulEvidence

    @model_validator(mode="after")
    def _versions_ordered(self) -> ConsulProfile:
        ordered_ranges("versions", self.versions)
        return self


def figures_for(profile: ConsulProfile, version: str) -> ConsulVersionFigures:
    """The figures whose range holds `version` (1.21 or 1.21.3).

    Raises ProfileError for a version outside every range (before 1.14 consul-k8s ran client
    agents, which this profile does not size).
    """
    release = ".".join(version.split(".")[:2])
    return in_range(
        profile.name, profile.versions, release, "published figures", VERSION_FLAG, profile.releases
    )


def check_version(profile: ProfileBase, version: str) -> None:
    """Raise ProfileError unless the profile has figures for `version`."""
    assert isinstance(profile, ConsulProfile)
    figures_for(profile, version)
