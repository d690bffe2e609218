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
from planner.meshes.profiles import load_builtin_profile
from planner.pipeline import build_plan, rated_workloads
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
    )


COSTLIEST_FIRST = (
    DataPlane.CONSUL,
    DataPlane.ISTIO_SIDECAR,
    DataPlane.ISTIO_AMBIENT_WAYPOINTS,
    DataPlane.ISTIO_AMBIENT,
    DataPlane.LINKERD,
)
"""The data planes from the costliest to size to the cheapest (each in one process, as
`compare` sizes them, at 100,000 pods with traffic: Consul 2.6-2.9 s, Istio's sidecars 2.2-2.5 s,
ambient with waypoints 0.9-1.3 s, without 0.8-1.0 s, Linkerd 0.3-0.4 s): the order
`size_data_planes` starts them in, so that the last to start is a short one."""


def size_data_planes(
    inputs: Sequence[tuple[Inventory, Traffic | None]],
    knobs: Knobs,
    data_planes: Sequence[DataPlane],
    nodes: Nodes | None,
) -> list[tuple[DataPlane, Plan]]:
    """Each data plane's plan (`inputs`: its inventory and traffic), as `compare` reads it
    (`compared`), in the order given; two at a time where a second core is free
    (planner.workers.shared), the costliest first. The workloads' rates are the same for every
    data plane of one inventory: worked out once, before the data planes are shared out."""
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
            ),
        )
        for (inventory, traffic), data_plane in zip(inputs, data_planes, strict=True)
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
