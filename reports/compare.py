"""Renderers of a comparison (`planner compare`): compare.json and the summary on stderr."""

from __future__ import annotations

from models.compare import CompareRow, Comparison
from reports.summary import table

COMPARE_FILE = "compare.json"


def render_compare_json(comparison: Comparison) -> dict[str, bytes]:
    """The comparison, indented, keys in schema order, UTF-8, ending in a newline."""
    return {COMPARE_FILE: comparison.model_dump_json(indent=2).encode("utf-8") + b"\n"}


def _pair(cores: float, gib: float) -> str:
    return f"{cores:,.2f} / {gib:,.2f}"


def _signed(value: float) -> str:
    return f"{value:+,.2f}" if round(value, 2) else "0.00"


def _cells(row: CompareRow, baseline: str) -> tuple[str, ...]:
    t, d = row.totals, row.difference
    per_node = (
        _pair(row.per_node_cpu_request_cores, row.per_node_memory_request_gib)
        if row.per_node_cpu_request_cores is not None
        and row.per_node_memory_request_gib is not None
        else "-"
    )
    return (
        row.data_plane.value,
        row.mesh_version,
        _pair(t.sidecars.cpu_request_cores, t.sidecars.memory_request_gib),
        _pair(t.node_agents.cpu_request_cores, t.node_agents.memory_request_gib),
        _pair(t.gateways.cpu_request_cores, t.gateways.memory_request_gib),
        _pair(t.control_plane.cpu_request_cores, t.control_plane.memory_request_gib),
        _pair(t.mesh.cpu_request_cores, t.mesh.memory_request_gib),
        _pair(t.mesh.estimated_cpu_cores, t.mesh.estimated_memory_gib),
        per_node,
        "baseline"
        if row.data_plane.value == baseline
        else f"{_signed(d.cpu_request_cores)} / {_signed(d.memory_request_gib)}",
    )


def render_compare_summary(comparison: Comparison) -> str:
    """The side by side as a table (requests in cores / GiB), then what each needs."""
    baseline = comparison.baseline.value
    lines = [
        f"mesh-planner {comparison.tool.version}: {len(comparison.rows)} data planes for the same "
        f"inventory, headroom {comparison.knobs.headroom_ratio:g}; requests in cores / GiB, "
        f"against {baseline}",
        *table(
            (
                "data plane",
                "version",
                "sidecars",
                "node agents",
                "gateways",
                "control plane",
                "total",
                "used",
                "per node",
                "vs baseline",
            ),
            [_cells(row, baseline) for row in comparison.rows],
            right=set(range(2, 10)),
        ),
        "",
    ]
    for row in comparison.rows:
        lines.append(f"{row.data_plane.value} ({row.mesh_title}): " + "; ".join(row.needs))
    return "\n".join(lines) + "\n"
