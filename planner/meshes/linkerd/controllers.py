"""Linkerd's control plane as components: destination, identity and proxy-injector.

    destination    shared memory (each replica) = baseline + endpoints x per endpoint
                   serving memory (all replicas) = connected proxies x per proxy
                   CPU (all replicas)            = connected proxies / 1000 x per 1000 proxies
    identity       no published figure relates it to the mesh: the chart's HA values; the
                   certificates it signs an hour are shown (each proxy renews at 70 % of its
                   24 h certificate, and once when it starts)
    proxy-injector no published figure either: the HA values; the pods it admits are shown

Replicas, requests and limits follow planner.model.control_plane, at least the HA values'
three replicas (the chart has no autoscaler, and one `controllerReplicas` for all of them).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.plan import ComponentPolicy, Driver, Term
from planner.meshes.linkerd.profile import ControllerModel, LinkerdProfile
from planner.model.control_plane import ComponentModel
from planner.model.sizing import MIB

DESTINATION = "destination"
IDENTITY = "identity"
PROXY_INJECTOR = "proxy-injector"
GROUPS = {DESTINATION: "destination", IDENTITY: "identity", PROXY_INJECTOR: "proxy_injector"}
"""Each component's group of coefficients in the profile (and of assumptions in the plan)."""


@dataclass(frozen=True)
class MeshCounts:
    """What Linkerd's controllers serve."""

    services: int
    pods: int
    endpoints: int
    connected_proxies: int
    workloads: int


def _policy(group: str) -> ComponentPolicy:
    return ComponentPolicy(
        cpu_request_floor=f"{group}.cpu_request_floor_millicores",
        memory_request_floor=f"{group}.memory_request_floor_mib",
        cpu_limit_ratio=f"{group}.cpu_limit_ratio",
        memory_limit_ratio=f"{group}.memory_limit_ratio",
        memory_limit_floor=f"{group}.memory_limit_floor_mib",
        max_cpu_per_replica=f"{group}.max_cpu_per_replica_millicores",
        max_memory_per_replica=f"{group}.max_memory_per_replica_mib",
        autoscale_max_ratio=None,
        autoscale_headroom_share=None,
    )


def _at_chart_values(model: ControllerModel) -> str:
    return (
        "no published figure relates it to the mesh's size: the HA values' requests "
        f"({model.cpu_request_floor_millicores.value:g}m CPU, "
        f"{model.memory_request_floor_mib.value:g}Mi memory)"
    )


def _proxies(counts: MeshCounts) -> Driver:
    return Driver(
        name="connected_proxies",
        label="Connected proxies",
        unit="proxies",
        value=counts.connected_proxies,
    )


def destination(counts: MeshCounts, profile: LinkerdProfile) -> ComponentModel:
    """destination: the proxies subscribed to it and the endpoints it watches."""
    model = profile.destination
    group = GROUPS[DESTINATION]
    formula = (
        f"{model.baseline_memory_mib.value:g} MiB + endpoints x "
        f"{model.memory_per_endpoint_bytes.value:g} B (each replica) + connected proxies x "
        f"{model.memory_per_proxy_mib.value:g} MiB (shared out among replicas); CPU: connected "
        f"proxies / 1000 x {model.cpu_per_1000_proxies_millicores.value:g}m"
    )
    return ComponentModel(
        component=DESTINATION,
        title="Linkerd destination",
        drivers=(
            _proxies(counts),
            Driver(
                name="endpoints",
                label="Endpoints watched",
                unit="endpoints",
                value=counts.endpoints,
            ),
            Driver(
                name="services", label="Services watched", unit="services", value=counts.services
            ),
        ),
        shared=(
            Term(driver=None, coefficient=f"{group}.baseline_memory_mib", divisor=1.0),
            Term(driver="endpoints", coefficient=f"{group}.memory_per_endpoint_bytes", divisor=MIB),
        ),
        serving=(
            Term(
                driver="connected_proxies",
                coefficient=f"{group}.memory_per_proxy_mib",
                divisor=1.0,
            ),
        ),
        multiplier=(),
        cpu=(
            Term(
                driver="connected_proxies",
                coefficient=f"{group}.cpu_per_1000_proxies_millicores",
                divisor=1000.0,
            ),
        ),
        policy=_policy(group),
        model_formula=formula,
        state_advice="more replicas cannot help; mesh fewer pods or raise the per-replica target",
    )


def identity(counts: MeshCounts, profile: LinkerdProfile) -> ComponentModel:
    """identity: sized at the chart's values, with the certificates it signs shown."""
    model = profile.identity
    per_hour = counts.connected_proxies / (
        model.certificate_lifetime_hours.value * model.renew_at_ratio.value
    )
    return ComponentModel(
        component=IDENTITY,
        title="Linkerd identity",
        drivers=(
            _proxies(counts),
            Driver(
                name="certificates_per_hour",
                label="Certificates signed an hour (renewals at rest)",
                unit="certificates/h",
                value=round(per_hour, 3),
            ),
        ),
        shared=(),
        serving=(),
        multiplier=(),
        cpu=(),
        policy=_policy(GROUPS[IDENTITY]),
        model_formula=(
            f"{_at_chart_values(model)}; it signs connected proxies / "
            f"({model.certificate_lifetime_hours.value:g} h x "
            f"{model.renew_at_ratio.value:g}) = {per_hour:,.1f} certificates an hour at rest, and "
            "one for every pod that starts"
        ),
    )


def proxy_injector(counts: MeshCounts, profile: LinkerdProfile) -> ComponentModel:
    """proxy-injector: sized at the chart's values, with the pods it admits shown."""
    model = profile.proxy_injector
    return ComponentModel(
        component=PROXY_INJECTOR,
        title="Linkerd proxy-injector",
        drivers=(
            Driver(name="pods", label="Meshed pods", unit="pods", value=counts.connected_proxies),
            Driver(
                name="workloads",
                label="Meshed workloads",
                unit="workloads",
                value=counts.workloads,
            ),
        ),
        shared=(),
        serving=(),
        multiplier=(),
        cpu=(),
        policy=_policy(GROUPS[PROXY_INJECTOR]),
        model_formula=(
            f"{_at_chart_values(model)}; it admits every meshed pod when the pod is created "
            "(rollouts, scaling), so its load is the rate of pod creation, not the pod count"
        ),
    )
