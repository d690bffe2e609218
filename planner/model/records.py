"""From sized frames to the plan's records: proxies, workloads, gateways and totals.

Mesh-neutral: a mesh entry hands over frames with the columns named here, and these functions
turn them into the plan's objects (the renderer boundary). The configuration a proxy holds is
counted the way its mesh's model needs (`OPTIONAL_COUNTS`): a column a mesh does not count is
absent from its frames and null in the plan.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter

from models.plan import (
    GATEWAY_ROLES,
    AppTotals,
    Assumption,
    ControlPlanePlan,
    Finding,
    GatewayPlan,
    NodesPlan,
    ProxyPlan,
    Resources,
    ResourceTotals,
    Totals,
    WorkloadPlan,
    WorkloadScoping,
)
from models.profile import Coefficient
from planner.frames import grouped_dict, records
from planner.inputs.nodes import Nodes


@dataclass(frozen=True)
class CurrentDefaults:
    """The proxy requests and limits a mesh's chart applies to a proxy the inventory gives no
    figure for (0: the chart sets none), and how to name them."""

    cpu_request_millicores: float
    memory_request_mib: float
    cpu_limit_millicores: float
    memory_limit_mib: float
    source: str


CURRENT_FIELDS = (
    "current_cpu_request_millicores",
    "current_memory_request_mib",
    "current_cpu_limit_millicores",
    "current_memory_limit_mib",
    "current_source",
)
_CURRENT_COLUMNS = (
    # (inventory column, plan field, CurrentDefaults attribute)
    ("current_proxy_cpu_millicores", "current_cpu_request_millicores", "cpu_request_millicores"),
    ("current_proxy_memory_mib", "current_memory_request_mib", "memory_request_mib"),
    ("current_proxy_cpu_limit_millicores", "current_cpu_limit_millicores", "cpu_limit_millicores"),
    ("current_proxy_memory_limit_mib", "current_memory_limit_mib", "memory_limit_mib"),
)

PROXY_FIELDS = (
    "estimated_cpu_millicores",
    "estimated_memory_mib",
    "cpu_request_millicores",
    "cpu_limit_millicores",
    "memory_request_mib",
    "memory_limit_mib",
    "memory_limit_basis",
    "whole_mesh_memory_request_mib",
    "scope_trusted",
    "oom_risk",
    "cpu_basis",
    "memory_basis",
    "rps_per_pod",
    "l4_rps_per_pod",
    "visible_services",
    "visible_endpoints",
)
OPTIONAL_COUNTS = ("visible_clusters", "visible_listeners", "connections")
"""What a proxy holds, counted by some meshes' models only."""

GATEWAY_COLUMNS = (
    "namespace",
    "workload",
    "role",
    "current_replicas",
    "replicas",
    "autoscale_min",
    "autoscale_max",
    "autoscale_target_cpu_percent",
    "replicas_rule",
    "throughput_rps",
)


def with_current(frame: pd.DataFrame, current: CurrentDefaults) -> pd.DataFrame:
    """The proxy requests and limits set today: the inventory's, or else the chart's."""
    out = frame.copy()
    given = pd.Series(False, index=out.index)
    for column, field, default in _CURRENT_COLUMNS:
        values = out.get(column, pd.Series(np.nan, index=out.index))
        out[field] = values.fillna(getattr(current, default))
        given |= values.notna()
    out["current_source"] = np.where(given, "inventory", current.source)
    return out


def proxy_inputs(
    frame: pd.DataFrame, rps_per_pod: pd.Series, l4_rps_per_pod: pd.Series | None = None
) -> pd.DataFrame:
    """A frame of proxies with the rates through each and the usage observed, ready to size."""
    return frame.assign(
        rps_per_pod=rps_per_pod.to_numpy(dtype=np.float64),
        l4_rps_per_pod=(
            0.0 if l4_rps_per_pod is None else l4_rps_per_pod.to_numpy(dtype=np.float64)
        ),
        observed_cpu_millicores=frame["proxy_cpu_millicores"],
        observed_memory_mib=frame["proxy_memory_mib"],
    )


def none_if_nan(values: pd.Series) -> pd.Series:
    """Rounded floats, with None (JSON null) where a figure is unknown."""
    numbers = values.to_numpy(dtype=float)
    known = ~np.isnan(numbers)
    cells = np.full(len(numbers), None, dtype=object)
    # Python's round of each known figure (numpy's rounds some halves the other way); the
    # unknown ones, often most of them, are never visited one by one
    cells[known] = list(map(round, numbers[known].tolist(), repeat(3)))
    return pd.Series(cells, index=values.index, dtype=object)


_PROXIES = TypeAdapter(list[ProxyPlan])
_WORKLOADS = TypeAdapter(list[WorkloadPlan])
"""Whole lists validated in one call each: at 100,000 workloads, one model_validate per record
costs a second of Python."""


def proxy_plans(sized: pd.DataFrame) -> list[ProxyPlan]:
    """One ProxyPlan per row of a sized frame."""
    frame = sized[[*PROXY_FIELDS, *CURRENT_FIELDS]].copy()
    for column in (
        "estimated_cpu_millicores",
        "estimated_memory_mib",
        "rps_per_pod",
        "l4_rps_per_pod",
    ):
        frame[column] = frame[column].round(3)
    for column in OPTIONAL_COUNTS:
        frame[column] = (
            pd.Series(sized[column].to_numpy(dtype=np.int64), index=frame.index, dtype=object)
            if column in sized
            else None
        )
    frame["observed_cpu_millicores"] = none_if_nan(sized["observed_cpu_millicores"])
    frame["observed_memory_mib"] = none_if_nan(sized["observed_memory_mib"])
    return _PROXIES.validate_python(records(frame))


def workload_plans(
    workloads: pd.DataFrame,
    sidecars: pd.DataFrame,
    backing: pd.DataFrame,
    scopings: dict[tuple[str, str], WorkloadScoping],
    gateways_sized_apart: bool,
) -> tuple[WorkloadPlan, ...]:
    """Every workload of the inventory with its proxy, or the reason it has none."""
    keys = list(zip(sidecars["namespace"].tolist(), sidecars["workload"].tolist(), strict=True))
    proxies = dict(zip(keys, proxy_plans(sidecars), strict=True))
    patched = {k for k, p in zip(keys, sidecars["needs_patch"].tolist(), strict=True) if p}
    services = grouped_dict(backing, ["namespace", "workload"], "service")
    frame = workloads[
        ["namespace", "workload", "kind", "role", "replicas", "mesh_injected", "rps_basis"]
    ].copy()
    frame["inbound_rps"] = workloads["inbound_rps"].round(3)
    frame["outbound_rps"] = workloads["outbound_rps"].round(3)
    frame["app_cpu_millicores"] = none_if_nan(workloads["app_cpu_millicores"])
    frame["app_memory_mib"] = none_if_nan(workloads["app_memory_mib"])
    plans: list[dict[Hashable, Any]] = []
    for record in records(frame):
        key = (record["namespace"], record["workload"])
        proxy = proxies.get(key)
        record["services"] = services.get(key, ())
        record["proxy"] = proxy
        record["scoping"] = scopings.get(key)
        record["needs_patch"] = key in patched
        record["not_sized_reason"] = (
            None
            if proxy is not None
            else _not_sized(
                str(record["role"]) in GATEWAY_ROLES and gateways_sized_apart,
                bool(record["mesh_injected"]),
            )
        )
        plans.append(record)
    return tuple(_WORKLOADS.validate_python(plans))


def _not_sized(gateway: bool, injected: bool) -> str:
    if gateway:
        return "sized as a gateway: see gateways"
    if not injected:
        return "mesh_injected is false: the pods run no sidecar"
    return "scaled to 0 replicas: no proxy runs"


def gateway_plans(gateways: pd.DataFrame) -> tuple[GatewayPlan, ...]:
    """One GatewayPlan per sized gateway."""
    frame = gateways[list(GATEWAY_COLUMNS)].copy()
    frame["throughput_rps"] = gateways["throughput_rps"].round(3)
    frame["per_replica"] = pd.Series(proxy_plans(gateways), index=frame.index, dtype=object)
    return tuple(GatewayPlan.model_validate(r) for r in records(frame))


def _resource_totals(frame: pd.DataFrame, pods: pd.Series) -> ResourceTotals:
    def total(column: str, per: float) -> float:
        return round(float((frame[column].to_numpy() * pods.to_numpy()).sum()) / per, 3)

    return ResourceTotals(
        pods=int(pods.sum()),
        estimated_cpu_cores=total("estimated_cpu_millicores", 1000.0),
        estimated_memory_gib=total("estimated_memory_mib", 1024.0),
        cpu_request_cores=total("cpu_request_millicores", 1000.0),
        memory_request_gib=total("memory_request_mib", 1024.0),
        cpu_limit_cores=total("cpu_limit_millicores", 1000.0),
        memory_limit_gib=total("memory_limit_mib", 1024.0),
    )


def totals(
    sidecars: pd.DataFrame, gateways: pd.DataFrame, control_plane: ControlPlanePlan
) -> Totals:
    """Mesh overhead by part, and its share of the application's own requests. Components that
    run one replica per node (ztunnel, istio-cni) are the node agents, apart from the control
    plane."""
    side = _resource_totals(sidecars, sidecars["replicas"])
    gate = _resource_totals(gateways, gateways["replicas"])

    def components_total(per_node: bool) -> ResourceTotals:
        chosen = [c for c in control_plane.components if c.per_node is per_node]
        frame = pd.DataFrame(
            [c.per_replica.model_dump() for c in chosen], columns=list(Resources.model_fields)
        )
        return _resource_totals(frame, pd.Series([c.replicas for c in chosen], dtype=np.int64))

    cp, agents = components_total(False), components_total(True)
    parts = (side, gate, cp, agents)
    mesh = ResourceTotals(
        pods=sum(p.pods for p in parts),
        estimated_cpu_cores=round(sum(p.estimated_cpu_cores for p in parts), 3),
        estimated_memory_gib=round(sum(p.estimated_memory_gib for p in parts), 3),
        cpu_request_cores=round(sum(p.cpu_request_cores for p in parts), 3),
        memory_request_gib=round(sum(p.memory_request_gib for p in parts), 3),
        cpu_limit_cores=round(sum(p.cpu_limit_cores for p in parts), 3),
        memory_limit_gib=round(sum(p.memory_limit_gib for p in parts), 3),
    )
    # each resource over the workloads that give that request: a workload with a CPU request
    # and no memory request counts for its CPU (and the reverse)
    with_cpu = sidecars.loc[sidecars["app_cpu_millicores"].notna()]
    with_memory = sidecars.loc[sidecars["app_memory_mib"].notna()]
    app_cpu = float((with_cpu["app_cpu_millicores"] * with_cpu["replicas"]).sum()) / 1000.0
    app_memory = float((with_memory["app_memory_mib"] * with_memory["replicas"]).sum()) / 1024.0
    side_cpu = _resource_totals(with_cpu, with_cpu["replicas"]).cpu_request_cores
    side_memory = _resource_totals(with_memory, with_memory["replicas"]).memory_request_gib
    both = sidecars["app_cpu_millicores"].notna() & sidecars["app_memory_mib"].notna()
    every_cpu = len(with_cpu) == len(sidecars) and len(sidecars) > 0
    every_memory = len(with_memory) == len(sidecars) and len(sidecars) > 0
    return Totals(
        sidecars=side,
        gateways=gate,
        control_plane=cp,
        node_agents=agents,
        mesh=mesh,
        app=AppTotals(
            workloads_with_requests=int(both.sum()),
            workloads_with_cpu_requests=len(with_cpu),
            workloads_with_memory_requests=len(with_memory),
            workloads_injected=len(sidecars),
            cpu_request_cores=round(app_cpu, 3),
            memory_request_gib=round(app_memory, 3),
        ),
        sidecar_share_of_app_cpu_ratio=_ratio(side_cpu, app_cpu),
        sidecar_share_of_app_memory_ratio=_ratio(side_memory, app_memory),
        mesh_share_of_app_cpu_ratio=_ratio(mesh.cpu_request_cores, app_cpu) if every_cpu else None,
        mesh_share_of_app_memory_ratio=(
            _ratio(mesh.memory_request_gib, app_memory) if every_memory else None
        ),
    )


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def assumptions(groups: list[tuple[str, object]]) -> tuple[Assumption, ...]:
    """Every coefficient of a profile's groups, named `<group>.<field>` (the names terms and
    policies refer to)."""
    out = []
    for prefix, group in groups:
        for name, value in group:  # type: ignore[attr-defined]
            if isinstance(value, Coefficient):
                out.append(Assumption(name=f"{prefix}.{name}", **value.model_dump()))
    return tuple(out)


def nodes_plan(nodes: Nodes, mesh_totals: Totals) -> NodesPlan:
    """What the mesh costs each node: the whole mesh's requests on average, and the sidecars of
    the busiest node (its share of the pods, or an even spread), with the share of the nodes'
    allocatable capacity where it is known."""
    share = nodes.busiest_share()
    side_cpu = mesh_totals.sidecars.cpu_request_cores
    side_memory = mesh_totals.sidecars.memory_request_gib
    mesh = mesh_totals.mesh
    pods = np.array(nodes.pods, dtype=np.int64) if nodes.pods is not None else None
    cpu = float(sum(nodes.cpu_cores)) if nodes.cpu_cores is not None else None
    memory = float(sum(nodes.memory_gib)) if nodes.memory_gib is not None else None
    return NodesPlan(
        count=nodes.count,
        source=nodes.source,
        spread="as given" if pods is not None else "assumed even",
        pods_per_node_min=int(pods.min()) if pods is not None else None,
        pods_per_node_median=round(float(np.median(pods)), 3) if pods is not None else None,
        pods_per_node_max=int(pods.max()) if pods is not None else None,
        busiest_node_share_ratio=round(share, 6),
        mesh_cpu_request_cores_per_node=round(mesh.cpu_request_cores / nodes.count, 3),
        mesh_memory_request_gib_per_node=round(mesh.memory_request_gib / nodes.count, 3),
        busiest_node_sidecar_cpu_request_cores=round(side_cpu * share, 3),
        busiest_node_sidecar_memory_request_gib=round(side_memory * share, 3),
        cpu_cores=round(cpu, 3) if cpu is not None else None,
        memory_gib=round(memory, 3) if memory is not None else None,
        mesh_share_of_cpu_ratio=round(mesh.cpu_request_cores / cpu, 6) if cpu else None,
        mesh_share_of_memory_ratio=round(mesh.memory_request_gib / memory, 6) if memory else None,
    )


BUSY_NODE_SHARE = 0.25
"""The share of a node's allocatable CPU or memory that sidecar requests may take on the busiest
node before a finding says so (a quarter: the application no longer fits as planned)."""


def node_findings(nodes: Nodes, plan: NodesPlan) -> list[Finding]:
    """The busiest node's sidecars against that node's allocatable CPU and memory, when the
    nodes table gives both the pods and the capacity of every node."""
    if nodes.pods is None or (nodes.cpu_cores is None and nodes.memory_gib is None):
        return []
    busiest = int(np.argmax(nodes.pods))
    parts = []
    for what, need, capacity in (
        ("CPU", plan.busiest_node_sidecar_cpu_request_cores, nodes.cpu_cores),
        ("memory", plan.busiest_node_sidecar_memory_request_gib, nodes.memory_gib),
    ):
        if capacity is not None and capacity[busiest] > 0:
            ratio = need / capacity[busiest]
            if ratio > BUSY_NODE_SHARE:
                parts.append(f"{ratio:.0%} of its allocatable {what}")
    if not parts:
        return []
    return [
        Finding(
            code="sidecars-crowd-busiest-node",
            subject=f"{nodes.pods[busiest]:,} pods on the busiest node",
            message="at its share of the pods, the busiest node's sidecar requests take "
            + " and ".join(parts)
            + "; spread the meshed pods (topology spread constraints), use larger nodes, or "
            "lower the proxies' requests where observed usage allows",
        )
    ]
