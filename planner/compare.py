"""`planner compare`: one inventory sized for several data planes side by side.

Each data plane is sized exactly as `planner size --mesh <mesh>` sizes it with the same inputs
and knobs (ambient with waypoints adds `--waypoints namespace`, without them `--waypoints
none`), so a row holds the same numbers as that run's plan; the comparison sums them up and
takes the difference with a baseline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import pandas as pd

from models.compare import COMPARE_SCHEMA_VERSION, CompareRow, Comparison
from models.formats import DataPlane
from models.knobs import Knobs, MeshKind, WaypointRule
from models.plan import Plan, ResourceTotals, Role, ToolInfo
from planner.inputs.inventory import Inventory
from planner.inputs.nodes import Nodes
from planner.inputs.traffic import Traffic
from planner.meshes.entry import HeadStart
from planner.meshes.profiles import load_builtin_profile
from planner.pipeline import build_plan, head_start_for, rated_workloads
from planner.version import __version__
from planner.workers import shared

DEFAULT_DATA_PLANES = tuple(DataPlane)
"""Every data plane, when none is asked for."""

MESH_OF: dict[DataPlane, tuple[MeshKind, WaypointRule | None]] = {
    DataPlane.ISTIO_SIDECAR: (MeshKind.ISTIO_SIDECAR, None),
    DataPlane.ISTIO_AMBIENT: (MeshKind.ISTIO_AMBIENT, WaypointRule.NONE),
    DataPlane.ISTIO_AMBIENT_WAYPOINTS: (MeshKind.ISTIO_AMBIENT, WaypointRule.NAMESPACE),
    DataPlane.LINKERD: (MeshKind.LINKERD, None),
    DataPlane.CONSUL: (MeshKind.CONSUL, None),
}


def knobs_for(knobs: Knobs, data_plane: DataPlane) -> Knobs:
    """The knobs `planner size --mesh <mesh>` would run this data plane with."""
    mesh, waypoints = MESH_OF[data_plane]
    return knobs.model_copy(update={"mesh": mesh, "waypoints": waypoints})


def size_data_plane(
    inventory: Inventory,
    traffic: Traffic | None,
    knobs: Knobs,
    data_plane: DataPlane,
    nodes: Nodes | None,
    rated: pd.DataFrame | None = None,
    resources: bool = False,
    head_start: HeadStart | None = None,
) -> Plan:
    """The plan of one data plane (its mesh's built-in profile, at its default version), by
    default without what `compare` does not read (`compared`): the workloads' records and
    scoping resources are not written at all unless `resources`. `rated`: the workloads' rates,
    when worked out already (planner.pipeline.build_plan)."""
    chosen = knobs_for(knobs, data_plane)
    return build_plan(
        inventory,
        traffic,
        load_builtin_profile(chosen.mesh),
        chosen,
        mesh_chosen_by=f"planner compare: data plane {data_plane.value}",
        nodes=nodes,
        resources=resources,
        rated=rated,
        head_start=head_start,
    )


def data_plane_head_start(
    inventory: Inventory, knobs: Knobs, data_plane: DataPlane
) -> HeadStart | None:
    """The head start of `data_plane`'s mesh on `inventory` (planner.pipeline.head_start_for),
    for `size_data_planes` to take."""
    chosen = knobs_for(knobs, data_plane)
    return head_start_for(inventory, load_builtin_profile(chosen.mesh), chosen)


HEAD_STARTS = (DataPlane.ISTIO_SIDECAR,)
"""The data planes whose head start (MeshEntry.head_start) `compare` works out while the
traffic table is still being read, in this order. Istio's sidecars' takes 0.10-0.15 s at
100,000 pods, about the wait the table leaves once the inventory is read; Consul's takes
0.17-0.19 s and, begun near the end of the wait, delays every sizing after it: alternating at
100,000 pods, Istio's alone made compare 0.05 s quicker, both together made no difference
(BENCHMARKS.md)."""


def head_starts(
    inventory: Inventory,
    knobs: Knobs,
    data_planes: Sequence[DataPlane],
    waiting: Callable[[], bool],
) -> dict[DataPlane, HeadStart]:
    """The head starts of those of `data_planes` in HEAD_STARTS, worked out on `inventory` while
    `waiting()` (the traffic table is still being read: planner.workers.Ahead.running), for
    `size_data_planes` to take. Each changes nothing but when its work is done."""
    started: dict[DataPlane, HeadStart] = {}
    for data_plane in HEAD_STARTS:
        if data_plane not in data_planes:
            continue
        if not waiting():
            break
        given = data_plane_head_start(inventory, knobs, data_plane)
        if given is not None:
            started[data_plane] = given
    return started


COSTLIEST_FIRST = (
    DataPlane.CONSUL,
    DataPlane.ISTIO_SIDECAR,
    DataPlane.ISTIO_AMBIENT_WAYPOINTS,
    DataPlane.ISTIO_AMBIENT,
    DataPlane.LINKERD,
)
"""The data planes from the costliest to size to the cheapest: the order `size_data_planes`
starts them in, so that the last to start is a short one. Each in one process, as `compare`
sizes them, at 100,000 pods with traffic (fourteenth session): Consul 1.05 s, Istio's sidecars
1.0-1.1 s (0.9-1.0 s with its head start), ambient with waypoints 0.27 s, without 0.18-0.20 s,
Linkerd 0.19 s. The first two are close enough that either may come first."""


def size_data_planes(
    inputs: Sequence[tuple[Inventory, Traffic | None]],
    knobs: Knobs,
    data_planes: Sequence[DataPlane],
    nodes: Nodes | None,
    head_starts: Sequence[HeadStart | None] | None = None,
) -> list[tuple[DataPlane, Plan]]:
    """Each data plane's plan (`inputs`: its inventory and traffic), as `compare` reads it
    (`compared`), in the order given; two at a time where a second core is free
    (planner.workers.shared), the costliest first. The workloads' rates are the same for every
    data plane of one inventory: worked out once, before the data planes are shared out.
    `head_starts`, when given, holds each data plane's head start (`head_starts`) or None."""
    rates: dict[int, pd.DataFrame] = {}
    for inventory, traffic in inputs:
        if id(inventory) not in rates:
            rates[id(inventory)] = rated_workloads(inventory, traffic, knobs.use_observed)
    jobs = [
        partial(
            _compared,
            partial(
                size_data_plane,
                inventory,
                traffic,
                knobs,
                data_plane,
                nodes,
                rates[id(inventory)],
                head_start=ahead,
            ),
        )
        for (inventory, traffic), data_plane, ahead in zip(
            inputs, data_planes, head_starts or [None] * len(inputs), strict=True
        )
    ]
    order = sorted(range(len(jobs)), key=lambda i: COSTLIEST_FIRST.index(data_planes[i]))
    return list(zip(data_planes, shared(jobs, order), strict=True))


def _compared(size: Callable[[], Plan]) -> Plan:
    return compared(size())


def compared(plan: Plan) -> Plan:
    """What `compare` reads of a plan: the plan without its per-workload records, its scoping
    resources (tens of MB at 100,000 pods, which a worker process would otherwise send back)
    and the risks of applying them."""
    scoping = plan.scoping
    if scoping is not None:
        scoping = scoping.model_copy(
            update={
                "sidecars": (),
                "exports": (),
                "intentions": (),
                "upstreams": (),
                "at_risk": (),
            }
        )
    return plan.model_copy(update={"workloads": (), "scoping": scoping})


def compare(
    plans: Sequence[tuple[DataPlane, Plan]], baseline: DataPlane, knobs: Knobs
) -> Comparison:
    """The side by side of `plans` (in the order given), each against `baseline`'s totals."""
    base = dict(plans)[baseline].totals.mesh
    first = plans[0][1]
    return Comparison(
        schema_version=COMPARE_SCHEMA_VERSION,
        tool=ToolInfo(name="mesh-planner", version=__version__),
        inputs=first.inputs,
        knobs=knobs,
        nodes=first.nodes,
        baseline=baseline,
        rows=tuple(_row(data_plane, plan, base) for data_plane, plan in plans),
    )


def _row(data_plane: DataPlane, plan: Plan, base: ResourceTotals) -> CompareRow:
    mesh = plan.totals.mesh
    nodes = plan.nodes
    return CompareRow(
        data_plane=data_plane,
        mesh=plan.profile.mesh,
        mesh_title=plan.profile.mesh_title,
        mesh_version=plan.profile.mesh_version,
        totals=plan.totals,
        difference=ResourceTotals(
            pods=mesh.pods - base.pods,
            **{
                name: round(getattr(mesh, name) - getattr(base, name), 3)
                for name in ResourceTotals.model_fields
                if name != "pods"
            },
        ),
        per_node_cpu_request_cores=(
            nodes.mesh_cpu_request_cores_per_node if nodes is not None else None
        ),
        per_node_memory_request_gib=(
            nodes.mesh_memory_request_gib_per_node if nodes is not None else None
        ),
        control_plane=tuple(
            f"{c.title}: {c.replicas} x {c.per_replica.cpu_request_millicores}m CPU, "
            f"{c.per_replica.memory_request_mib}Mi memory"
            for c in plan.control_plane.components
        ),
        needs=_needs(plan),
        findings=len(plan.findings),
    )


def _needs(plan: Plan) -> tuple[str, ...]:
    """What this data plane runs or lacks, in words a reviewer compares."""
    totals = plan.totals
    out = []
    if totals.sidecars.pods:
        out.append(
            f"a sidecar in each of {totals.sidecars.pods:,} meshed pods (injected at a restart)"
        )
    agents = [c for c in plan.control_plane.components if c.per_node]
    if agents:
        out.append(
            "on every node: "
            + ", ".join(f"{c.component}" for c in agents)
            + f" ({agents[0].replicas:,} nodes)"
        )
    waypoints = [g for g in plan.gateways if g.role is Role.WAYPOINT]
    if waypoints:
        out.append(
            f"{len(waypoints)} waypoints ({sum(g.replicas for g in waypoints)} replicas) for L7 "
            "routing, policy and telemetry"
        )
    elif agents:
        out.append("no waypoint: L4 only (no L7 routing, policy or telemetry)")
    if plan.scoping is not None:
        out.append(f"scoping to keep each proxy small: {plan.scoping.mechanism}")
    return tuple(out)
