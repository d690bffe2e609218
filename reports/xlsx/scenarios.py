"""The Scenarios sheet of report.xlsx: today and each what-if scenario side by side, the plan's
figures as values, the totals and the differences against today as live formulas."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from models.plan import Plan
from reports.scenarios import ScenarioRow, has_node_agents, scenario_rows
from reports.xlsx.side_by_side import (
    REQUEST_COLS,
    against_today,
    request_cells,
    with_node_agents,
)
from reports.xlsx.spreadsheet import (
    F_GENERAL,
    F_INT,
    F_MONEY,
    F_SIGNED_MONEY,
    Book,
    CellValue,
    Col,
    Kind,
)

SHEET = "Scenarios"
SCENARIO_COLS = (
    Col("scenario", "Scenario", Kind.TEXT, width=22),
    Col("changes", "Changes (applied in order)", Kind.TEXT, width=50),
    Col("version", "Mesh version", Kind.TEXT, width=10),
    Col("headroom", "Headroom ratio", Kind.INFO, F_GENERAL, 10),
    Col("pods", "Pods (workloads' replicas)", Kind.INFO, F_INT, 11),
    Col("proxies", "Proxies (sidecars, gateway replicas)", Kind.INFO, F_INT, 12),
    *REQUEST_COLS,
    Col("findings", "Findings (its own sizing)", Kind.INFO, F_INT, 10),
    Col("description", "Description", Kind.TEXT, width=50),
)
COST_COLS = (
    Col("cost", "Cost per month (the plan's, at --prices)", Kind.INFO, F_MONEY, 14),
    Col("d_cost", "Cost against today per month", Kind.FORMULA, F_SIGNED_MONEY, 14),
)
"""With --prices: each row's monthly cost as planner.cost priced it, and the difference."""


def scenario_columns(rows: list[ScenarioRow]) -> tuple[Col, ...]:
    """SCENARIO_COLS, with the node agents' requests after the sidecars' when a row has them."""
    cols = with_node_agents(SCENARIO_COLS, has_node_agents(rows))
    if any(row.result is not None and row.result.cost is not None for row in rows):
        at = [col.key for col in cols].index("d_mem") + 1
        cols = (*cols[:at], *COST_COLS, *cols[at:])
    return cols


def _row(r: int, row: ScenarioRow, cols: tuple[Col, ...], plan: Plan) -> list[CellValue]:
    letters = {col.key: get_column_letter(i) for i, col in enumerate(cols, start=1)}
    c = {key: f"{letter}{r}" for key, letter in letters.items()}
    result = row.result
    values: dict[str, CellValue] = {
        "scenario": row.name,
        "changes": row.changes,
        "version": result.mesh_version if result else plan.profile.mesh_version,
        "headroom": result.headroom_ratio if result else plan.knobs.headroom_ratio,
        "pods": row.counts.pods,
        "proxies": row.counts.proxies,
        **request_cells(row.totals, c),
        "findings": result.findings if result else len(plan.findings),
        "description": result.description if result else "the plan as sized",
    }
    if "cost" in c:
        priced = next(r.result.cost for r in scenario_rows(plan)[1:] if r.result and r.result.cost)
        values["cost"] = (
            result.cost.mesh.after_monthly
            if result is not None and result.cost is not None
            else priced.mesh.before_monthly
        )
    if result is not None:
        compared = ("cpu", "mem", "cost") if "cost" in c else ("cpu", "mem")
        values.update(against_today(c, letters, compared))
    return [values.get(col.key) for col in cols]


def write_scenarios(book: Book, plan: Plan) -> None:
    """The Scenarios sheet (only with scenarios): today's row first, then each scenario."""
    rows = scenario_rows(plan)
    if not rows:
        return
    cols = scenario_columns(rows)
    ws, _ = book.table(
        SHEET,
        cols,
        [_row(r, row, cols, plan) for r, row in enumerate(rows, start=2)],
        freeze="B2",
        stream=False,
    )
    text = book.style()
    notes: list[str] = [
        "",
        "Each scenario is today's inputs and knobs with its changes made in order, sized by the "
        "same model as the plan (docs/scenarios.md).",
        "The figures per row are the plan's (plan.json scenarios); the totals add up the parts "
        "and the columns against today subtract today's row, live: change a figure and they "
        "move.",
    ]
    for line in notes:
        ws.append([book.cell(ws, line, Kind.TEXT, text) if line else None])
