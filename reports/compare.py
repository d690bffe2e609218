"""Renderers of a comparison (`planner compare`): compare.json and the summary on stderr, and
what they share with the page (reports/html/compare.py) and the sheet (reports/xlsx/compare.py):
file names, the parts of a total, the knobs and the nodes in words."""

from __future__ import annotations

from models.compare import CompareRow, Comparison
from models.plan import NodesPlan
from reports.cost import compare_cost_lines
from reports.summary import table

COMPARE_FILE = "compare.json"
COMPARE_HTML_FILE = "compare.html"
COMPARE_XLSX_FILE = "compare.xlsx"

PARTS: tuple[tuple[str, str], ...] = (
    ("sidecars", "Sidecars"),
    ("node_agents", "Node agents"),
    ("gateways", "Gateways"),
    ("control_plane", "Control plane"),
)
"""The parts a data plane's total adds up (fields of models.plan.Totals), in the order shown."""

_UNITS = ((86400, "d"), (3600, "h"), (60, "m"))


def duration(seconds: float) -> str:
    """A duration as `--traffic-window` takes it: 604800 -> '7d', 5400 -> '90m', 42 -> '42s'."""
    for size, unit in _UNITS:
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:,.10g}{unit}"
    return f"{seconds:,.10g}s"


def knob_lines(comparison: Comparison) -> list[tuple[str, str]]:
    """The knobs every data plane was sized with, as (name, value in words)."""
    knobs = comparison.knobs
    window = knobs.traffic_window_seconds
    return [
        ("Headroom ratio", f"{knobs.headroom_ratio:g}"),
        ("Traffic window", "not given" if window is None else duration(window)),
        (
            "Observed proxy usage",
            "raises each model's estimate where the inventory gives it (--observed)"
            if knobs.use_observed
            else "not used: the models alone (--no-observed)",
        ),
    ]


def nodes_lines(nodes: NodesPlan) -> list[tuple[str, str]]:
    """The cluster's nodes as (name, value in words); the mesh's cost per node is per data
    plane, in the table."""
    if nodes.pods_per_node_min is None or nodes.pods_per_node_max is None:
        spread = "not given: the pods are taken as spread evenly"
    else:
        median = nodes.pods_per_node_median
        spread = f"{nodes.pods_per_node_min:,} to {nodes.pods_per_node_max:,}" + (
            "" if median is None else f" (median {median:,.10g})"
        )
    lines = [("Nodes", f"{nodes.count:,}"), ("From", nodes.source), ("Pods per node", spread)]
    if nodes.cpu_cores is not None or nodes.memory_gib is not None:
        cpu = "not given" if nodes.cpu_cores is None else f"{nodes.cpu_cores:,.2f} cores"
        memory = "not given" if nodes.memory_gib is None else f"{nodes.memory_gib:,.2f} GiB"
        lines.append(("Allocatable, all nodes", f"{cpu}, {memory}"))
    return lines


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
    lines += compare_cost_lines(comparison.cost)
    return "\n".join(lines) + "\n"
