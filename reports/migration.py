"""The migration side by side as the HTML page and the workbook show it: today's mesh, then each
target mesh sized for the same workloads (presentation of `Plan.migration`, no sizing)."""

from __future__ import annotations

from dataclasses import dataclass

from models.plan import MigrationTarget, Plan, ResourceTotals, Totals

NO_SCOPING = "none"
"""The `scoping_mechanism` of a target that writes no scoping (Linkerd)."""


@dataclass(frozen=True)
class MeshRow:
    """One mesh of the side by side: its title and version, its totals and, for a target, the
    target itself (today's mesh has none)."""

    title: str
    version: str
    totals: Totals
    target: MigrationTarget | None

    @property
    def difference(self) -> ResourceTotals | None:
        """The target's whole-mesh totals minus today's; None for today's mesh."""
        return None if self.target is None else self.target.difference


def side_by_side(plan: Plan) -> list[MeshRow]:
    """Today's mesh first (its title followed by "(today)"), then each target in the plan's
    order; no rows for a plan without a migration."""
    if plan.migration is None:
        return []
    today = MeshRow(
        f"{plan.profile.mesh_title} (today)", plan.profile.mesh_version, plan.totals, None
    )
    targets = [MeshRow(t.mesh_title, t.mesh_version, t.totals, t) for t in plan.migration.targets]
    return [today, *targets]


def scoping_text(target: MigrationTarget) -> str:
    """How a target is scoped, in one line: its mechanism, the resources written and how many
    workloads they scope exactly or wider; for a target without scoping, the note saying why."""
    if target.scoping_mechanism == NO_SCOPING:
        return target.scoping_note
    return (
        f"{target.scoping_mechanism}: {target.scoping_resources:,} "
        f"{'resource' if target.scoping_resources == 1 else 'resources'} written; "
        f"{target.scoped_workloads:,} workloads scoped exactly, "
        f"{target.fallback_workloads:,} wider"
    )
