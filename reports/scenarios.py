"""The what-if scenarios as the summary, the page and the workbook show them: today, then each
scenario of `Plan.scenarios` beside it (presentation only, no sizing)."""

from __future__ import annotations

from dataclasses import dataclass

from models.plan import (
    Plan,
    ResourceTotals,
    ScenarioCounts,
    ScenarioDifference,
    ScenarioResult,
    Scenarios,
    Totals,
)
from models.scenario import Change
from reports.summary import table

TODAY = "today"
"""The first row's name: the plan as sized, which every scenario is compared with."""
PARTS = (
    ("sidecars", "sidecars"),
    ("node_agents", "node agents"),
    ("gateways", "gateways"),
    ("control_plane", "control plane"),
)
"""The parts of the mesh a scenario is shown by: attribute of `Totals`, and its title."""


@dataclass(frozen=True)
class ScenarioRow:
    """One row of the side by side: today's plan (`result` None) or a scenario."""

    name: str
    changes: str
    counts: ScenarioCounts
    totals: Totals
    result: ScenarioResult | None

    @property
    def difference(self) -> ScenarioDifference | None:
        """The scenario's figures minus today's; None for today."""
        return None if self.result is None else self.result.difference


def describe(change: Change) -> str:
    """One change in words: `traffic x 2 in storefront`, `+20 Services in catalog`."""
    if change.traffic is not None:
        where = f"in {change.traffic.namespace}" if change.traffic.namespace else "mesh-wide"
        return f"traffic x {change.traffic.factor:g} {where}"
    if change.services is not None:
        return f"+{change.services.add:,} Services in {change.services.namespace}"
    if change.replicas is not None:
        r = change.replicas
        what = f"{r.namespace}/{r.workload}" if r.workload else f"every workload of {r.namespace}"
        by = f"+{r.add:,}" if r.add is not None else f"x {r.factor:g}"
        return f"replicas {by} for {what}"
    if change.namespace is not None:
        return f"namespace {change.namespace.name} like {change.namespace.like}"
    if change.mesh_version is not None:
        return f"mesh version {change.mesh_version}"
    if change.size_for is not None:
        return f"sized for the {change.size_for.value} mesh"
    return f"headroom {change.headroom_ratio:g}"


def scenario_rows(plan: Plan) -> list[ScenarioRow]:
    """Today first, then each scenario in the order given; no rows without scenarios."""
    return rows_of(plan.scenarios, plan.totals)


def rows_of(scenarios: Scenarios | None, totals: Totals) -> list[ScenarioRow]:
    """Today (`totals`, the plan as sized) first, then each of `scenarios` in the order given;
    no rows without scenarios."""
    if scenarios is None:
        return []
    today = ScenarioRow(TODAY, "as sized", scenarios.today, totals, None)
    return [
        today,
        *(
            ScenarioRow(
                r.name,
                "; ".join(describe(c) for c in r.changes) or "no change",
                r.counts,
                r.totals,
                r,
            )
            for r in scenarios.results
        ),
    ]


def has_node_agents(rows: list[ScenarioRow]) -> bool:
    """Whether a row runs node agents (ztunnel, istio-cni): a column for them then."""
    return any(row.totals.node_agents.pods for row in rows)


def _pair(totals: ResourceTotals) -> str:
    return f"{totals.cpu_request_cores:,.2f} / {totals.memory_request_gib:,.2f}"


def _signed(value: float) -> str:
    return f"{value:+,.2f}" if round(value, 2) else "0.00"


def _count(value: int, difference: int | None) -> str:
    return f"{value:,}" if not difference else f"{value:,} ({difference:+,})"


def render_scenarios_summary(plan: Plan) -> str:
    """The side by side for stderr, after the summary; empty without scenarios."""
    return scenarios_table(scenario_rows(plan))


def scenarios_table(rows: list[ScenarioRow]) -> str:
    """The side by side of `rows` (rows_of) as text; empty without rows."""
    if not rows:
        return ""
    parts = [p for p in PARTS if p[0] != "node_agents" or has_node_agents(rows)]
    priced = [row.result.cost for row in rows[1:] if row.result is not None and row.result.cost]
    money = priced[0] if priced else None
    header = ("scenario", "pods", "proxies", *(t for _, t in parts), "total", "used", "vs today")
    if money is not None:
        header += (f"{money.prices.currency}/month", "vs today")
    cells = []
    for row in rows:
        d = row.difference
        t = row.totals
        line: tuple[str, ...] = (
            row.name,
            _count(row.counts.pods, d.counts.pods if d else None),
            _count(row.counts.proxies, d.counts.proxies if d else None),
            *(_pair(getattr(t, attr)) for attr, _ in parts),
            _pair(t.mesh),
            f"{t.mesh.estimated_cpu_cores:,.2f} / {t.mesh.estimated_memory_gib:,.2f}",
            "-"
            if d is None
            else f"{_signed(d.mesh.cpu_request_cores)} / {_signed(d.mesh.memory_request_gib)}",
        )
        if money is not None:
            cost = row.result.cost if row.result is not None else None
            line += (
                (f"{money.mesh.before_monthly:,.2f}", "-")
                if cost is None
                else (f"{cost.mesh.after_monthly:,.2f}", _signed(cost.mesh.difference_monthly))
            )
        cells.append(line)
    lines = [
        "",
        "Scenarios (requests in cores / GiB; each sized like today with its changes; "
        "plan.json scenarios):",
        *table(header, cells, right=set(range(1, len(header)))),
    ]
    lines += [f"  {row.name}: {row.changes}" for row in rows[1:]]
    return "\n".join(lines) + "\n"
