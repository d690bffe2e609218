"""Consul's control plane as components: the servers and the connect injector.

consul-server  voting servers = 5 over 3 or more availability zones, else 3 (a quorum, never
               grown with load: more voters slow every write)
               working set (each server)  = baseline + catalog registrations x per instance
               working set (all servers)  = endpoints pushed to proxies x per endpoint
                                            (each dataplane streams from one server)
               memory                     = working set x the memory multiple
               CPU (all servers)          = connected dataplanes / 1000 x per 1000
               disk                       = max(the chart's volume, working set x ratio),
                                            IOPS by the write load (the reference classes)
connect-injector the chart's recommended production values; the pods it admits and
               registers are shown
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.plan import ComponentPolicy, Driver, Finding, StoragePlan, Term
from planner.meshes.consul.profile import ConsulProfile, ServerModel
from planner.model.control_plane import ComponentModel
from planner.model.sizing import MIB

SERVER = "consul-server"
CONNECT_INJECTOR = "connect-injector"
GROUPS = {SERVER: "server", CONNECT_INJECTOR: "connect_injector"}
"""Each component's group of coefficients in the profile (and of assumptions in the plan)."""


@dataclass(frozen=True)
class MeshCounts:
    """What Consul's servers and injector serve."""

    services: int
    service_instances: int
    connected_dataplanes: int
    upstream_watches: int
    workloads: int


def _policy(group: str, memory_limit_floor: str | None) -> ComponentPolicy:
    return ComponentPolicy(
        cpu_request_floor=f"{group}.cpu_request_floor_millicores",
        memory_request_floor=f"{group}.memory_request_floor_mib",
        cpu_limit_ratio=f"{group}.cpu_limit_ratio",
        memory_limit_ratio=f"{group}.memory_limit_ratio",
        memory_limit_floor=memory_limit_floor,
        max_cpu_per_replica=f"{group}.max_cpu_per_replica_millicores",
        max_memory_per_replica=f"{group}.max_memory_per_replica_mib",
        autoscale_max_ratio=None,
        autoscale_headroom_share=None,
    )


def voting_servers(model: ServerModel, zones: int) -> int:
    """5 voting servers over 3 or more zones (a zone and another server may fail), else 3."""
    if zones >= model.zones_for_zoned_servers.value:
        return int(model.zoned_servers.value)
    return int(model.quorum_servers.value)


def server(
    counts: MeshCounts, profile: ConsulProfile, zones: int, zones_given: bool
) -> ComponentModel:
    """The Consul servers: a quorum sized from the catalog and the proxies it configures."""
    model = profile.server
    group = GROUPS[SERVER]
    voters = voting_servers(model, zones)
    multiple = model.memory_multiple.value
    formula = (
        f"({model.baseline_working_set_mib.value:g} MiB + registrations x "
        f"{model.working_set_per_service_instance_bytes.value:,.0f} B (each server) + upstreams "
        "in the proxies' configuration x "
        f"{model.working_set_per_upstream_watch_bytes.value:,.0f} B "
        f"(shared out among servers)) x {multiple:g} (the memory multiple of the working set); "
        f"CPU: connected dataplanes / 1000 x {model.cpu_per_1000_dataplanes_millicores.value:g}m"
    )
    zones_text = f"{zones} availability zones" + ("" if zones_given else " (assumed)")
    return ComponentModel(
        component=SERVER,
        title="Consul servers",
        drivers=(
            Driver(
                name="service_instances",
                label="Service instances in the mesh (meshed pods)",
                unit="instances",
                value=counts.service_instances,
            ),
            Driver(
                name="registrations",
                label="Catalog registrations (each pod and its sidecar proxy)",
                unit="registrations",
                value=2 * counts.service_instances,
            ),
            Driver(
                name="connected_dataplanes",
                label="Connected dataplanes (sidecars and gateway replicas)",
                unit="dataplanes",
                value=counts.connected_dataplanes,
            ),
            Driver(
                name="upstream_watches",
                label="Upstreams in the proxies' configuration, summed over proxies",
                unit="upstreams",
                value=counts.upstream_watches,
            ),
            Driver(
                name="services",
                label="Services in the catalog",
                unit="services",
                value=counts.services,
            ),
            Driver(
                name="ca_rotation_seconds",
                label="Seconds to re-sign every certificate at the CSR rate limit",
                unit="s",
                value=round(counts.service_instances / model.csr_max_per_second.value, 3),
            ),
            Driver(
                name="csr_per_second_needed",
                label="CSR rate that re-signs every certificate within the documented bound",
                unit="CSR/s",
                value=csr_rate_needed(model, counts.service_instances),
            ),
        ),
        shared=(
            Term(
                driver=None,
                coefficient=f"{group}.baseline_working_set_mib",
                factor=f"{group}.memory_multiple",
                divisor=1.0,
            ),
            Term(
                driver="registrations",
                coefficient=f"{group}.working_set_per_service_instance_bytes",
                factor=f"{group}.memory_multiple",
                divisor=MIB,
            ),
        ),
        serving=(
            Term(
                driver="upstream_watches",
                coefficient=f"{group}.working_set_per_upstream_watch_bytes",
                factor=f"{group}.memory_multiple",
                divisor=MIB,
            ),
        ),
        multiplier=(),
        cpu=(
            Term(
                driver="connected_dataplanes",
                coefficient=f"{group}.cpu_per_1000_dataplanes_millicores",
                divisor=1000.0,
            ),
        ),
        policy=_policy(group, f"{group}.memory_request_floor_mib"),
        model_formula=formula,
        guideline=(Term(driver=None, coefficient=f"{group}.reference_memory_mib", divisor=1.0),),
        guideline_formula=(
            "HashiCorp's reference architecture for production servers: 8-16 cores, 32-64 GB "
            "of memory, 200+ GB of disk at 7,500+ IOPS and 250+ MB/s (the low end shown)"
        ),
        state_advice="a quorum does not grow with load: give each server more (a larger "
        "class), or move reads to non-voting servers (Enterprise read replicas)",
        replicas_floor=voters,
        quorum=True,
        replicas_note=f"{voters} voting servers for {zones_text}",
    )


def connect_injector(counts: MeshCounts, profile: ConsulProfile) -> ComponentModel:
    """The connect injector: the chart's recommended production values, with its load shown."""
    model = profile.connect_injector
    return ComponentModel(
        component=CONNECT_INJECTOR,
        title="Consul connect injector",
        drivers=(
            Driver(
                name="pods",
                label="Meshed pods (admitted and registered)",
                unit="pods",
                value=counts.service_instances,
            ),
            Driver(
                name="workloads", label="Meshed workloads", unit="workloads", value=counts.workloads
            ),
            Driver(
                name="services", label="Services registered", unit="services", value=counts.services
            ),
        ),
        shared=(),
        serving=(),
        multiplier=(),
        cpu=(),
        policy=_policy(
            GROUPS[CONNECT_INJECTOR], f"{GROUPS[CONNECT_INJECTOR]}.memory_limit_floor_mib"
        ),
        replicas_floor=int(model.min_replicas.value),
        model_formula=(
            "no published figure relates it to the mesh's size: the chart's recommended "
            f"production values ({model.cpu_request_floor_millicores.value:g}m CPU, "
            f"{model.memory_request_floor_mib.value:g}Mi memory); it admits every meshed pod "
            "when the pod is created and registers it in the catalog, so its load is the rate of "
            "pod creation"
        ),
    )


def storage(model: ServerModel, working_set_mib: float, service_instances: int) -> StoragePlan:
    """The servers' volume and disk class: the chart's volume or the working set's multiple,
    and the reference architecture's IOPS (more for a write-heavy catalog)."""
    size = max(
        model.storage_floor_gib.value,
        math.ceil(working_set_mib * model.storage_per_working_set_ratio.value / 1024.0),
    )
    heavy = service_instances > model.write_heavy_instances.value
    iops = model.write_heavy_iops.value if heavy else model.reference_iops.value
    return StoragePlan(
        size_gib=int(size),
        iops=int(iops),
        throughput_mib_per_s=int(model.reference_throughput_mib_per_s.value),
        basis=(
            f"volume: max(the chart's {model.storage_floor_gib.value:g}Gi, working set "
            f"{working_set_mib:,.0f} MiB x {model.storage_per_working_set_ratio.value:g}); "
            + (
                f"disk: {iops:,.0f}+ IOPS (write-heavy: more than "
                f"{model.write_heavy_instances.value:,.0f} instances, every pod start, stop and "
                "health change is a Raft write)"
                if heavy
                else f"disk: {iops:,.0f}+ IOPS, the reference architecture's production minimum"
            )
            + f", {model.reference_throughput_mib_per_s.value:g} MiB/s; the reference "
            f"architecture also asks {model.reference_disk_gib.value:g}+ GiB for VMs"
        ),
    )


def csr_rate_needed(model: ServerModel, service_instances: int) -> int:
    """The CSR rate limit that re-signs every instance's certificate within the time the docs
    imply (1,500 instances at 50 CSR/s: 30 s), never below the default."""
    rate = model.csr_max_per_second.value
    within = model.csr_instances_bound.value / rate
    return int(max(rate, math.ceil(service_instances / within)))


def csr_findings(model: ServerModel, service_instances: int) -> list[Finding]:
    """The CA rotation time at the CSR rate limit, against the bound the docs imply."""
    rate = model.csr_max_per_second.value
    bound = model.csr_instances_bound.value
    if service_instances <= bound:
        return []
    seconds = service_instances / rate
    wanted = csr_rate_needed(model, service_instances)
    return [
        Finding(
            code="csr-rate-limit",
            subject=f"{service_instances:,} service instances",
            message=(
                f"re-signing every certificate (a CA rotation) takes {seconds:,.0f} s at the "
                f"default {rate:g} CSR/s, beyond the {bound / rate:,.0f} s the docs imply (the "
                f"default 'may be too low' above {bound:,.0f} instances): raise "
                f"connect.ca_config.csr_max_per_second to {wanted:,} (consul connect ca "
                "set-config, or server.extraConfig before the servers first start), or set "
                "csr_max_concurrent on servers of 8 cores or more"
            ),
        )
    ]
