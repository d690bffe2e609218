"""Orchestration, the same for every mesh: checked inputs -> rates -> the mesh's sizing -> the
mesh-wide proxy default -> the plan."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from models.errors import PlannerError, ProfileError
from models.knobs import Knobs
from models.plan import SCHEMA_VERSION, Finding, Plan, ProfileInfo, ScopingPlan, ToolInfo
from models.profile import ProfileBase
from planner.inputs.inventory import Inventory
from planner.inputs.nodes import Nodes
from planner.inputs.traffic import Traffic
from planner.meshes.entry import HeadStart, MeshEntry, SizingInput
from planner.meshes.registry import MESHES
from planner.model.defaults import proxy_default
from planner.model.findings import fitted_findings, rate_findings
from planner.model.rates import workload_rates
from planner.model.records import (
    gateway_plans,
    node_findings,
    nodes_plan,
    totals,
    workload_plans,
)
from planner.version import __version__
from planner.workers import Once


def entry_for(profile: ProfileBase, knobs: Knobs) -> MeshEntry:
    """The mesh entry of a run, once the profile and the knobs agree on the mesh.

    Raises ProfileError when they do not, or when the profile has no figures for the version.
    """
    if profile.mesh != knobs.mesh:
        raise ProfileError(
            f"profile {profile.name} is for mesh {profile.mesh.value}, not {knobs.mesh.value}; "
            "pass a profile for that mesh or change --mesh"
        )
    entry = MESHES[knobs.mesh]
    entry.check_version(profile, knobs.mesh_version or profile.default_mesh_version)
    return entry


def build_plan(
    inventory: Inventory,
    traffic: Traffic | None,
    profile: ProfileBase,
    knobs: Knobs,
    scope: object | None = None,
    mesh_chosen_by: str = "",
    nodes: Nodes | None = None,
    scoped: Callable[[ScopingPlan], object] | None = None,
    resources: bool = True,
    rated: pd.DataFrame | None = None,
    head_start: HeadStart | None = None,
) -> Plan:
    """Size every proxy, the gateways and the control plane of the mesh in `inventory`.

    The mesh is the knobs' (its entry does the mesh-specific work); `mesh_chosen_by` says how it
    was chosen, for the reader (empty: as the knobs say). `scope`, when given, replaces the
    mesh's own scoping recommendation (the accuracy cases use it to rebuild published tests).
    `nodes` (from --nodes) wins over the nodes the inventory names (a pod table's node column).
    `scoped` is called with the plan's scoping, when there is one, as soon as it is known: by the
    mesh before the rest of its sizing (SizingInput.scoped), else when its sizing ends, and before
    the workloads' records are built (the CLI writes it out meanwhile, reports.plan_json).
    `resources` False leaves out what `planner compare` does not read (planner.compare.compared):
    the workloads' records and the scoping's resources (SizingInput.resources). `rated`, when
    given, is `rated_workloads(inventory, traffic, knobs.use_observed)` worked out already
    (planner compare works it out once for every data plane); the plan uses a copy of it.
    `head_start`, when given, is `head_start_for(inventory, profile, knobs)`, worked out already.

    Raises PlannerError (or a subclass) for inputs and knobs that cannot be sized.
    """
    entry = entry_for(profile, knobs)
    knobs = knobs.model_copy(
        update={
            "min_control_plane_replicas": knobs.min_control_plane_replicas
            or entry.min_control_plane_replicas,
        }
    )
    rates = Once(partial(rated_workloads, inventory, traffic, knobs.use_observed))
    if rated is not None:
        rates.give(rated.copy())
    if nodes is not None and inventory.nodes is not None:
        twice: list[Finding] = [
            Finding(
                code="nodes-given-twice",
                subject=nodes.source,
                message=f"{inventory.nodes.source} names {inventory.nodes.count} nodes too; "
                f"{nodes.source} is used",
            )
        ]
    else:
        twice = []
    nodes = nodes or inventory.nodes
    announced: list[ScopingPlan] = []

    def announce(scoping: ScopingPlan) -> None:
        if scoped is not None and not announced:
            announced.append(scoping)
            scoped(scoping)

    sized = entry.size(
        SizingInput(
            inventory, rates, traffic, profile, knobs, scope, nodes, resources, head_start, announce
        )
    )
    if sized.scoping is not None:
        assert not announced or announced[0] is sized.scoping, "the mesh announced another scoping"
        announce(sized.scoping)
    workloads = rates()
    knobs = sized.knobs
    default, patch = proxy_default(
        sized.sidecars, knobs.patch_threshold_ratio, sized.proxy_policy, sized.applies_today
    )
    sidecars = sized.sidecars.assign(needs_patch=patch)
    findings = [
        *fitted_findings(profile.name, sized.assumptions),
        *inventory.findings,
        *(traffic.findings if traffic is not None else ()),
        *rate_findings(workloads, traffic is not None, sized.gateways_sized_apart, sized.idle),
        *sized.findings,
    ]
    files = [*inventory.files, *([traffic.file] if traffic is not None else [])]
    findings += twice
    if nodes is not None and nodes.file is not None:
        files.append(nodes.file)
    mesh_totals = totals(sidecars, sized.gateways, sized.control_plane)
    node_plan = nodes_plan(nodes, mesh_totals) if nodes is not None else None
    if nodes is not None and node_plan is not None:
        findings.extend(node_findings(nodes, node_plan))
    return Plan(
        schema_version=SCHEMA_VERSION,
        tool=ToolInfo(name="mesh-planner", version=__version__),
        profile=ProfileInfo(
            name=profile.name,
            title=profile.title,
            profile_version=profile.profile_version,
            mesh=profile.mesh.value,
            mesh_title=entry.title,
            mesh_chosen_by=mesh_chosen_by or "given by Knobs.mesh",
            mesh_version=str(knobs.mesh_version),
            figures=sized.figures,
        ),
        knobs=knobs,
        inputs=tuple(files),
        formulas=sized.formulas,
        assumptions=sized.assumptions,
        proxy_model=sized.proxy_model,
        gateway_model=sized.gateway_model,
        rounding=profile.rounding,
        workloads=(
            workload_plans(
                workloads,
                sidecars,
                inventory.backing,
                dict(sized.workload_scopings),
                sized.gateways_sized_apart,
            )
            if resources
            else ()
        ),
        gateways=gateway_plans(sized.gateways),
        control_plane=sized.control_plane,
        proxy_default=default,
        totals=mesh_totals,
        scoping=sized.scoping,
        scoping_note=sized.scoping_note,
        findings=tuple(findings),
        nodes=node_plan,
    )


def head_start_for(inventory: Inventory, profile: ProfileBase, knobs: Knobs) -> HeadStart | None:
    """The mesh's head start on `inventory` (MeshEntry.head_start), for `build_plan` to take:
    the CLI works it out while the traffic table is still being read. None when the mesh has
    none, or when working it out fails: the sizing then meets the same error where one process
    meets it, after the traffic table's errors."""
    entry = entry_for(profile, knobs)
    if entry.head_start is None:
        return None
    try:
        return entry.head_start(inventory, knobs)
    except PlannerError:
        return None


def rated_workloads(
    inventory: Inventory, traffic: Traffic | None, use_observed: bool
) -> pd.DataFrame:
    """The inventory's workloads with their request rates (planner.model.rates) in place of the
    raw rps columns; without `use_observed`, no observed proxy usage."""
    rates = workload_rates(inventory, traffic.edges if traffic is not None else None)
    # rates come back in the inventory's row order; the raw rps columns are replaced by them
    workloads = inventory.workloads.drop(columns=["rps", "outbound_rps"]).assign(
        **{c: rates[c].to_numpy() for c in rates.columns if c not in ("namespace", "workload")}
    )
    if not use_observed:
        workloads = workloads.assign(proxy_cpu_millicores=np.nan, proxy_memory_mib=np.nan)
    return workloads
