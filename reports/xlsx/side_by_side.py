"""The columns every side-by-side sheet shares (Migration: today's mesh and each target;
Scenarios: today and each what-if): each part's requests as the plan's values, their totals and
the differences against today's row as live formulas."""

from __future__ import annotations

from reports.xlsx.spreadsheet import F_CORES, F_GIB, F_SIGNED_CORES, F_SIGNED_GIB, Col, Kind

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
