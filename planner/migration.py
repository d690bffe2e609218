"""A migration off one mesh (App Mesh today): the same workloads sized for each target mesh.

Each target is sized by its own entry from the inventory as it was read for the mesh that runs
today: the same workloads are meshed, the gateways stay gateways, and the declared call graph
(planner.scoping.callgraph) gives each target's scoping at high confidence. Observed proxy
usage describes today's proxies, not the target's, so targets are sized from their model alone.
The comparison (`Migration`) goes into today's plan; each target's own plan is written in its
sub-folder with its hand-over files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.errors import PlannerError
from models.knobs import MIGRATION_DIR, Knobs, MeshKind, MigrateTo
from models.plan import Confidence, Migration, MigrationTarget, Plan, ResourceTotals
from planner.inputs.inventory import Inventory
from planner.inputs.nodes import Nodes
from planner.inputs.traffic import Traffic
from planner.meshes.profiles import load_builtin_profile
from planner.meshes.registry import MESHES
from planner.pipeline import build_plan
from planner.scoping.callgraph import call_graph

TARGETS: dict[MigrateTo, MeshKind | None] = {
    MigrateTo.ISTIO: MeshKind.ISTIO_SIDECAR,
    MigrateTo.ISTIO_SIDECAR: MeshKind.ISTIO_SIDECAR,
    MigrateTo.ISTIO_AMBIENT: MeshKind.ISTIO_AMBIENT,
    MigrateTo.LINKERD: MeshKind.LINKERD,
    MigrateTo.CONSUL: MeshKind.CONSUL,
}
"""What each `--migrate-to` value sizes (None: no model yet)."""

NOT_MODELLED: dict[MigrateTo, str] = {}
"""Targets a `--migrate-to` value names but no model sizes yet, and the message saying so."""


def target_meshes(source: MeshKind, wanted: Sequence[MigrateTo]) -> tuple[MeshKind, ...]:
    """The target meshes of `--migrate-to`, once each, in the registry's order.

    Raises PlannerError for a target without a model, or a source mesh a migration cannot
    start from (every target is then another mesh than today's).
    """
    if MESHES[source].departure is None:
        raise PlannerError(
            f"--migrate-to: a migration plan starts from AWS App Mesh (its declared backends "
            f"give the targets' scoping); this inventory is sized as {MESHES[source].title}. "
            "Give an App Mesh inventory, or size each mesh with --mesh"
        )
    for choice in wanted:
        if TARGETS[choice] is None:
            raise PlannerError(f"--migrate-to {choice.value}: {NOT_MODELLED[choice]}")
    kinds = {TARGETS[c] for c in wanted}
    return tuple(kind for kind in MESHES if kind in kinds)


def check_target(target: MeshKind, version: str | None) -> None:
    """Raises ProfileError when the target's profile has no figures for `version`."""
    MESHES[target].check_version(
        load_builtin_profile(target), version or load_builtin_profile(target).default_mesh_version
    )


def size_target(
    inventory: Inventory,
    traffic: Traffic | None,
    knobs: Knobs,
    target: MeshKind,
    version: str | None = None,
    nodes: Nodes | None = None,
) -> Plan:
    """The plan of `target` for the workloads of `inventory`, at `version` (None: the target's
    default, the newest with figures).

    `knobs` are the user's as given (not filled in for the source mesh): the mesh-wide ones
    apply to every target; observed usage is not used, and the size follows the scoping.
    """
    entry = MESHES[target]
    chosen = knobs.model_copy(
        update={"mesh": target, "mesh_version": version, "use_observed": False, "size_for": None}
    )
    return build_plan(
        inventory,
        traffic,
        load_builtin_profile(target),
        chosen,
        mesh_chosen_by=f"--migrate-to: the migration's target {entry.title}",
        nodes=nodes,
    )


@dataclass(frozen=True)
class Sized:
    """A target's plan and the entries its hand-over wrote in its folder."""

    plan: Plan
    entries: tuple[str, ...]


def folder_of(target: MeshKind) -> str:
    """A target's folder under --out."""
    return f"{MIGRATION_DIR}/{target.value}"


def migration(
    source: Plan, inventory: Inventory, traffic: Traffic | None, targets: Sequence[Sized]
) -> Plan:
    """`source` with the side-by-side of its targets."""
    graph = call_graph(inventory, traffic.edges if traffic is not None else None)
    kind = MeshKind(source.profile.mesh)
    departure = MESHES[kind].departure
    assert departure is not None
    record = Migration(
        source_mesh=source.profile.mesh,
        source_title=source.profile.mesh_title,
        call_graph=graph.basis if graph is not None else "none",
        targets=tuple(_target(source, sized) for sized in targets),
        manual_steps=departure(inventory),
    )
    return source.model_copy(update={"migration": record})


def _target(source: Plan, sized: Sized) -> MigrationTarget:
    plan = sized.plan
    kind = MeshKind(plan.profile.mesh)
    scopings = [w.scoping for w in plan.workloads if w.scoping is not None]
    high = sum(1 for s in scopings if s.confidence is Confidence.HIGH)
    scoping = plan.scoping
    resources = 0 if scoping is None else len(scoping.confidences())
    return MigrationTarget(
        mesh=plan.profile.mesh,
        mesh_title=plan.profile.mesh_title,
        mesh_version=plan.profile.mesh_version,
        folder=folder_of(kind),
        files=sized.entries,
        totals=plan.totals,
        difference=_difference(plan.totals.mesh, source.totals.mesh),
        control_plane=tuple(
            f"{c.title}: {c.replicas} x {c.per_replica.cpu_request_millicores}m CPU, "
            f"{c.per_replica.memory_request_mib}Mi memory"
            for c in plan.control_plane.components
        ),
        scoping_mechanism=scoping.mechanism if scoping is not None else "none",
        scoping_note=plan.scoping_note,
        scoping_resources=resources,
        scoped_workloads=high,
        fallback_workloads=len(scopings) - high,
        findings=len(plan.findings),
        manual_steps=MESHES[kind].adoption,
    )


def _difference(target: ResourceTotals, today: ResourceTotals) -> ResourceTotals:
    return ResourceTotals(
        pods=target.pods - today.pods,
        **{
            name: round(getattr(target, name) - getattr(today, name), 3)
            for name in ResourceTotals.model_fields
            if name != "pods"
        },
    )
