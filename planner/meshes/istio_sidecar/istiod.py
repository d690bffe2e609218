"""Sizing the control plane (istiod): memory from what it tracks and serves, CPU from proxies.

    shared memory (each replica) = baseline + endpoints x per endpoint + services x per service
    proxy memory (all replicas)  = (connected proxies x per proxy
                                    + clusters in all proxies' configuration x per proxy-cluster
                                    + endpoints in all proxies' configuration x per proxy-endpoint)
                                   x (1 + churn factor x pod churn ratio)
    memory per replica           = shared + proxy memory / replicas
    CPU (all replicas)           = connected proxies / 1000 x CPU per 1000 proxies
    replicas                     = the fewest, at least the minimum, that keep each replica's
                                   request within the per-replica CPU and memory targets
    request per replica          = max(estimate per replica x (1 + headroom), chart default)
    guideline (shown beside it)  = 1 MB x services + 0.5 MB x pods

Every replica holds the whole mesh state; the connected proxies are shared out among replicas.
istiod keeps, per connection, what it last generated for that proxy, so a proxy costs it more the
more configuration it holds: scoping (fewer clusters and endpoints per proxy) shrinks the same
term that sizes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.plan import ControlPlanePlan, Finding, Resources
from models.profile import ControlPlaneModel, Rounding
from planner.model.sizing import MIB, ceil_step


@dataclass(frozen=True)
class MeshCounts:
    """What the control plane tracks and serves."""

    services: int
    pods: int
    endpoints: int
    connected_proxies: int
    proxy_visible_clusters: int
    proxy_visible_endpoints: int


GUIDELINE_FORMULA = "1 MB x services + 0.5 MB x pods (rule of thumb, no primary source)"
MODEL_FORMULA = (
    "{baseline_mib:g} MiB + endpoints x {endpoint_bytes:g} B + services x {service_mib:g} MiB "
    "(each replica) + (connected proxies x {proxy_mib:g} MiB + clusters in all proxies' "
    "configuration x {proxy_cluster_bytes:g} B + endpoints in all proxies' configuration x "
    "{proxy_endpoint_bytes:g} B) x (1 + {churn_factor:g} x pod churn {churn_ratio:g}) (shared out "
    "among replicas)"
)


def shared_memory_mib(counts: MeshCounts, model: ControlPlaneModel) -> float:
    """Memory every replica needs: the process itself and the mesh state it watches."""
    return (
        model.baseline_memory_mib.value
        + counts.endpoints * model.memory_per_endpoint_bytes.value / MIB
        + counts.services * model.memory_per_service_mib.value
    )


def proxy_memory_at_rest_mib(counts: MeshCounts, model: ControlPlaneModel) -> float:
    """Memory for serving all connected proxies while no pods churn."""
    return (
        counts.connected_proxies * model.memory_per_proxy_mib.value
        + counts.proxy_visible_clusters * model.memory_per_proxy_visible_cluster_bytes.value / MIB
        + counts.proxy_visible_endpoints * model.memory_per_proxy_visible_endpoint_bytes.value / MIB
    )


def proxy_memory_mib(counts: MeshCounts, model: ControlPlaneModel, churn_ratio: float) -> float:
    """Memory for serving all connected proxies, shared out among replicas, with `churn_ratio`
    of the pods being replaced (pushes in flight and the garbage they leave)."""
    return proxy_memory_at_rest_mib(counts, model) * (
        1.0 + model.memory_churn_factor.value * churn_ratio
    )


def cpu_millicores(counts: MeshCounts, model: ControlPlaneModel) -> float:
    """Expected CPU of the whole control plane."""
    return counts.connected_proxies / 1000.0 * model.cpu_per_1000_proxies_millicores.value


def guideline_memory_mib(counts: MeshCounts, model: ControlPlaneModel) -> float:
    """The rule-of-thumb figure, for comparison only."""
    return (
        counts.services * model.guideline_memory_per_service_mib.value
        + counts.pods * model.guideline_memory_per_pod_mib.value
    )


def autoscale_target_percent(headroom_ratio: float, share: float) -> int:
    """The autoscaler's CPU target: utilisation once `share` of the headroom is used.

    A pod at its sized load runs at 1 / (1 + headroom) of its request; the target sits at
    (1 + share x headroom) / (1 + headroom), between 50 % and 95 %.
    """
    percent = 100.0 * (1.0 + share * headroom_ratio) / (1.0 + headroom_ratio)
    return int(min(95, max(50, round(percent))))


def size_control_plane(
    counts: MeshCounts,
    model: ControlPlaneModel,
    rounding: Rounding,
    headroom_ratio: float,
    min_replicas: int,
    churn_ratio: float,
) -> tuple[ControlPlanePlan, list[Finding]]:
    """Replicas and per-replica resources of istiod, with the guideline figure beside them."""
    shared = shared_memory_mib(counts, model)
    serving = proxy_memory_mib(counts, model, churn_ratio)
    cpu_total = cpu_millicores(counts, model)
    grow = 1.0 + headroom_ratio
    max_cpu = model.max_cpu_per_replica_millicores.value
    max_memory = model.max_memory_per_replica_mib.value
    findings: list[Finding] = []
    by_cpu = math.ceil(round(cpu_total * grow / max_cpu, 9))
    if shared * grow < max_memory:
        by_memory = math.ceil(round(serving * grow / (max_memory - shared * grow), 9))
    else:
        by_memory = 1
        findings.append(
            Finding(
                code="control-plane-state-too-large",
                subject="istiod",
                message=(
                    f"the mesh state alone needs {shared * grow:,.0f} MiB per replica, above the "
                    f"{max_memory:,.0f} MiB per-replica target; more replicas cannot help, "
                    "discovery selectors (scoping) can"
                ),
            )
        )
    replicas = max(min_replicas, by_cpu, by_memory, 1)
    estimated_memory = shared + serving / replicas
    estimated_cpu = cpu_total / replicas
    cpu_step, memory_step = rounding.cpu_step_millicores, rounding.memory_step_mib
    cpu_request = ceil_step(
        max(estimated_cpu * grow, model.cpu_request_floor_millicores.value), cpu_step
    )
    memory_request = ceil_step(
        max(estimated_memory * grow, model.memory_request_floor_mib.value), memory_step
    )
    cpu_limit = max(cpu_request, ceil_step(cpu_request * model.cpu_limit_ratio.value, cpu_step))
    memory_limit = max(
        memory_request, ceil_step(memory_request * model.memory_limit_ratio.value, memory_step)
    )
    rule = (
        f"max(minimum {min_replicas}, CPU {cpu_total * grow:,.0f}m / {max_cpu:,.0f}m per replica "
        f"-> {by_cpu}, memory -> {by_memory}) = {replicas}"
    )
    plan = ControlPlanePlan(
        component="istiod",
        replicas=replicas,
        autoscale_min=replicas,
        autoscale_max=max(replicas + 1, math.ceil(replicas * model.autoscale_max_ratio.value)),
        autoscale_target_cpu_percent=autoscale_target_percent(
            headroom_ratio, model.autoscale_headroom_share.value
        ),
        connected_proxies=counts.connected_proxies,
        services=counts.services,
        pods=counts.pods,
        endpoints=counts.endpoints,
        proxy_visible_clusters=counts.proxy_visible_clusters,
        proxy_visible_endpoints=counts.proxy_visible_endpoints,
        pod_churn_ratio=churn_ratio,
        per_replica=Resources(
            estimated_cpu_millicores=round(estimated_cpu, 3),
            estimated_memory_mib=round(estimated_memory, 3),
            cpu_request_millicores=cpu_request,
            cpu_limit_millicores=cpu_limit,
            memory_request_mib=memory_request,
            memory_limit_mib=memory_limit,
        ),
        shared_memory_mib=round(shared, 3),
        proxy_memory_mib=round(serving, 3),
        single_replica_estimated_memory_mib=round(shared + serving, 3),
        single_replica_estimated_cpu_millicores=round(cpu_total, 3),
        guideline_memory_mib=round(guideline_memory_mib(counts, model), 3),
        guideline_formula=GUIDELINE_FORMULA,
        model_formula=MODEL_FORMULA.format(
            baseline_mib=model.baseline_memory_mib.value,
            endpoint_bytes=model.memory_per_endpoint_bytes.value,
            service_mib=model.memory_per_service_mib.value,
            proxy_mib=model.memory_per_proxy_mib.value,
            proxy_cluster_bytes=model.memory_per_proxy_visible_cluster_bytes.value,
            proxy_endpoint_bytes=model.memory_per_proxy_visible_endpoint_bytes.value,
            churn_factor=model.memory_churn_factor.value,
            churn_ratio=churn_ratio,
        ),
        replicas_rule=rule,
    )
    return plan, findings
