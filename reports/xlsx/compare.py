"""compare.xlsx: a comparison (`planner compare`) as a workbook with live totals and differences.

One sheet, Compare: a row per data plane in the comparison's order, each part's requests as
values (compare.json's), the total as a formula adding the parts, the cost per node a formula
over the node count, and the difference a formula against the baseline's row, so a reviewer who
changes a figure sees them move. Below the table: the inputs (every name its own text cell,
never a formula, whatever it starts with), the knobs and the nodes. Written by
reports/xlsx/spreadsheet.py like report.xlsx: the same comparison gives the same bytes (fixed
timestamps, dated `inputs_date` when the knobs carry one, else the ZIP epoch). With `--prices`,
Prices and Cost sheets price each row live (reports/xlsx/cost.py).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from models.compare import CompareRow, Comparison
from models.plan import ResourceTotals
from reports.compare import COMPARE_FILE, COMPARE_XLSX_FILE, PARTS, knob_lines, nodes_lines
from reports.xlsx.cost import write_compare_cost
from reports.xlsx.spreadsheet import (
    F_CORES,
    F_GIB,
    F_INT,
    F_SIGNED_CORES,
    F_SIGNED_GIB,
    INPUT_FILL,
    Book,
    CellValue,
    Col,
    Kind,
)

SHEET = "Compare"
NODES_COUNT = "nodes_count"
"""The named cell holding the node count the per-node columns divide by."""
FIRST_ROW = 2
"""The first data plane's row, under the header."""

_SHORT = {"sidecars": "sc", "node_agents": "na", "gateways": "gw", "control_plane": "cp"}
_BASELINE_FILL = PatternFill("solid", fgColor="FFF4D6")
_BOLD = Font(bold=True)

COMPARE_COLS = (
    Col("data_plane", "Data plane", Kind.TEXT, width=26),
    Col("baseline", "Baseline", Kind.TEXT, width=10),
    Col("mesh", "Mesh", Kind.TEXT, width=24),
    Col("version", "Version", Kind.TEXT, width=9),
    Col("pods", "Pods (proxies, agents, gateways, control plane)", Kind.INFO, F_INT, 12),
    *(
        col
        for key, name in PARTS
        for col in (
            Col(f"{_SHORT[key]}_cpu", f"{name}: CPU requests (cores)", Kind.INPUT, F_CORES, 12),
            Col(f"{_SHORT[key]}_mem", f"{name}: memory requests (GiB)", Kind.INPUT, F_GIB, 12),
        )
    ),
    Col("cpu", "Total CPU requests (cores)", Kind.FORMULA, F_CORES, 12),
    Col("mem", "Total memory requests (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("est_cpu", "Expected CPU use (cores)", Kind.INFO, F_CORES, 12),
    Col("est_mem", "Expected memory use (GiB)", Kind.INFO, F_GIB, 12),
    Col("node_cpu", "CPU requests per node (cores)", Kind.FORMULA, F_CORES, 12),
    Col("node_mem", "Memory requests per node (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("d_cpu", "CPU requests against the baseline (cores)", Kind.FORMULA, F_SIGNED_CORES, 14),
    Col("d_mem", "Memory requests against the baseline (GiB)", Kind.FORMULA, F_SIGNED_GIB, 14),
    Col("needs", "What it needs", Kind.TEXT, width=70),
    Col("control_plane", "Control plane", Kind.TEXT, width=60),
    Col("findings", "Findings (its plan)", Kind.INFO, F_INT, 10),
)
LETTERS = {col.key: get_column_letter(i) for i, col in enumerate(COMPARE_COLS, start=1)}
"""Each column's letter."""


def _row(
    r: int, row: CompareRow, baseline_row: int, baseline: bool, nodes: bool
) -> list[CellValue]:
    """One data plane: compare.json's figures as values, the total, per node and difference as
    formulas."""
    t = row.totals
    c = {key: f"{letter}{r}" for key, letter in LETTERS.items()}
    values: dict[str, CellValue] = {
        "data_plane": row.data_plane.value,
        "baseline": "baseline" if baseline else None,
        "mesh": row.mesh_title,
        "version": row.mesh_version,
        "pods": t.mesh.pods,
        "est_cpu": t.mesh.estimated_cpu_cores,
        "est_mem": t.mesh.estimated_memory_gib,
        "needs": "; ".join(row.needs),
        "control_plane": "; ".join(row.control_plane),
        "findings": row.findings,
    }
    for key, _ in PARTS:
        part: ResourceTotals = getattr(t, key)
        values[f"{_SHORT[key]}_cpu"] = part.cpu_request_cores
        values[f"{_SHORT[key]}_mem"] = part.memory_request_gib
    for total, unit in (("cpu", "cpu"), ("mem", "mem")):
        values[total] = "=" + "+".join(c[f"{_SHORT[key]}_{unit}"] for key, _ in PARTS)
        values[f"d_{total}"] = f"={c[total]}-${LETTERS[total]}${baseline_row}"
        if nodes:
            values[f"node_{total}"] = f"={c[total]}/{NODES_COUNT}"
    return [values.get(col.key) for col in COMPARE_COLS]


def workbook_bytes(comparison: Comparison) -> bytes:
    """The whole workbook for one comparison."""
    book = Book()
    if comparison.knobs.inputs_date is not None:  # the inputs' date, never the clock
        book.date = datetime.combine(comparison.knobs.inputs_date, time())
    order = [r.data_plane for r in comparison.rows]
    baseline_row = FIRST_ROW + order.index(comparison.baseline)
    has_nodes = comparison.nodes is not None
    rows = [
        _row(r, row, baseline_row, row.data_plane is comparison.baseline, has_nodes)
        for r, row in enumerate(comparison.rows, start=FIRST_ROW)
    ]
    ws, count = book.table(SHEET, COMPARE_COLS, rows, freeze="B2", stream=False)
    # the baseline's row stands out, whichever it is
    ws.conditional_formatting.add(
        f"A{FIRST_ROW}:{LETTERS[COMPARE_COLS[-1].key]}{FIRST_ROW + count - 1}",
        FormulaRule(
            formula=[f'${LETTERS["baseline"]}{FIRST_ROW}="baseline"'],
            fill=_BASELINE_FILL,
            font=_BOLD,
        ),
    )
    _write_notes(book, ws, comparison, FIRST_ROW + count - 1)
    write_compare_cost(book, comparison, LETTERS["cpu"], LETTERS["mem"], FIRST_ROW)
    return book.save()


def _write_notes(book: Book, ws: Any, comparison: Comparison, last_row: int) -> None:
    """Below the table (whose last row is `last_row`): how to read it, the inputs, the knobs
    and the nodes (the node count a named input the per-node columns divide by)."""
    text = book.style()
    bold = book.style(bold=True)
    count_style = book.style(F_INT, fill=INPUT_FILL)
    baseline = comparison.baseline.value
    row = last_row

    def put(*cells: Any) -> int:
        nonlocal row
        ws.append(list(cells))
        row += 1
        return row

    def t(value: str, style: Any = text) -> Any:
        return book.cell(ws, value, Kind.TEXT, style)

    put()
    put(
        t(
            f"Requests of each data plane for the same inventory, from {COMPARE_FILE}. The totals "
            "add up the four parts, the per-node columns divide them by the nodes and the last "
            f"two columns subtract {baseline}'s row, live: change a figure (blue) and they move."
        )
    )
    put()
    put(t("Inputs", bold), t("File", bold), t("Rows", bold), t("Fingerprint", bold))
    for i in comparison.inputs:
        rows = book.cell(ws, i.rows, Kind.INFO, book.style(F_INT))
        put(t(i.role), t(i.name), rows, t(i.fingerprint))
    put()
    put(t("Knobs", bold))
    for name, value in knob_lines(comparison):
        put(t(name), t(value))
    put()
    if comparison.nodes is None:
        put(t("Nodes not given (--nodes): the cost per node is not known.", bold))
        return
    put(t("Nodes", bold))
    for name, value in nodes_lines(comparison.nodes):
        if name == "Nodes":
            at = put(
                t("Nodes (the per-node columns divide by this count)"),
                book.cell(ws, comparison.nodes.count, Kind.INPUT, count_style),
            )
            book.name(NODES_COUNT, SHEET, f"$B${at}")
        else:
            put(t(name), t(value))


def render_compare_xlsx(comparison: Comparison) -> dict[str, bytes]:
    """compare.xlsx: the side by side with live totals, per-node figures and differences."""
    return {COMPARE_XLSX_FILE: workbook_bytes(comparison)}
