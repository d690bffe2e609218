"""The columns every side-by-side sheet shares (Migration: today's mesh and each target;
Scenarios: today and each what-if): each part's requests as the plan's values, their totals and
the differences against today's row as live formulas."""

from __future__ import annotations

from models.plan import Totals
from reports.xlsx.spreadsheet import (
    F_CORES,
    F_GIB,
    F_SIGNED_CORES,
    F_SIGNED_GIB,
    CellValue,
    Col,
    Kind,
)

REQUEST_COLS = (
    Col("sc_cpu", "Sidecar CPU requests (cores)", Kind.INPUT, F_CORES, 12),
    Col("sc_mem", "Sidecar memory requests (GiB)", Kind.INPUT, F_GIB, 12),
    Col("gw_cpu", "Gateway CPU requests (cores)", Kind.INPUT, F_CORES, 12),
    Col("gw_mem", "Gateway memory requests (GiB)", Kind.INPUT, F_GIB, 12),
    Col("cp_cpu", "Control-plane CPU requests (cores)", Kind.INPUT, F_CORES, 12),
    Col("cp_mem", "Control-plane memory requests (GiB)", Kind.INPUT, F_GIB, 12),
    Col("cpu", "Total CPU requests (cores)", Kind.FORMULA, F_CORES, 12),
    Col("mem", "Total memory requests (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("est_cpu", "Expected CPU (cores)", Kind.INFO, F_CORES, 12),
    Col("est_mem", "Expected memory (GiB)", Kind.INFO, F_GIB, 12),
    Col("d_cpu", "CPU requests against today (cores)", Kind.FORMULA, F_SIGNED_CORES, 13),
    Col("d_mem", "Memory requests against today (GiB)", Kind.FORMULA, F_SIGNED_GIB, 13),
)
AGENT_COLS = (
    Col("na_cpu", "Node-agent CPU requests (cores)", Kind.INPUT, F_CORES, 12),
    Col("na_mem", "Node-agent memory requests (GiB)", Kind.INPUT, F_GIB, 12),
)
"""The node agents' requests, after the sidecars', when a row runs node agents."""
TODAY_ROW = 2
"""Today is the first row under the header; every difference subtracts its cells."""


def with_node_agents(cols: tuple[Col, ...], agents: bool) -> tuple[Col, ...]:
    """`cols`, with AGENT_COLS after the sidecars' memory when `agents` (a row runs them)."""
    if not agents:
        return cols
    at = [col.key for col in cols].index("sc_mem") + 1
    return (*cols[:at], *AGENT_COLS, *cols[at:])


def request_cells(totals: Totals, cells: dict[str, str]) -> dict[str, CellValue]:
    """One row's REQUEST_COLS (and AGENT_COLS, when the row has their cells) but the
    differences: each part's requests as values, their totals as formulas of the row's `cells`
    (column key -> address), and the expected use."""
    parts = [key for key in ("sc", "na", "gw", "cp") if f"{key}_cpu" in cells]
    return {
        "sc_cpu": totals.sidecars.cpu_request_cores,
        "sc_mem": totals.sidecars.memory_request_gib,
        "na_cpu": totals.node_agents.cpu_request_cores,
        "na_mem": totals.node_agents.memory_request_gib,
        "gw_cpu": totals.gateways.cpu_request_cores,
        "gw_mem": totals.gateways.memory_request_gib,
        "cp_cpu": totals.control_plane.cpu_request_cores,
        "cp_mem": totals.control_plane.memory_request_gib,
        "cpu": "=" + "+".join(cells[f"{key}_cpu"] for key in parts),
        "mem": "=" + "+".join(cells[f"{key}_mem"] for key in parts),
        "est_cpu": totals.mesh.estimated_cpu_cores,
        "est_mem": totals.mesh.estimated_memory_gib,
    }


def against_today(
    cells: dict[str, str], letters: dict[str, str], keys: tuple[str, ...] = ("cpu", "mem")
) -> dict[str, CellValue]:
    """The `d_<key>` differences of one row: its `key` cell less today's row's."""
    return {f"d_{key}": f"={cells[key]}-${letters[key]}${TODAY_ROW}" for key in keys}
