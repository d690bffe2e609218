"""compare.html: a comparison (`planner compare`) as one self-contained page.

The same approach as the plan's page (reports/html/page.py): jinja2 with autoescaping and strict
undefined variables (templates/compare.html.j2), inline CSS, one inline SVG chart
(reports/html/charts.py), no script, nothing fetched, a Content-Security-Policy that forbids any
request. Everything shown comes from the Comparison, in its order; the same comparison gives the
same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from models.compare import CompareRow, Comparison
from models.plan import ResourceTotals
from reports.compare import (
    COMPARE_FILE,
    COMPARE_HTML_FILE,
    COMPARE_XLSX_FILE,
    PARTS,
    knob_lines,
    nodes_lines,
)
from reports.html.charts import Segment, Stack, stacked_totals
from reports.html.page import cores, environment, gib

TEMPLATE = "compare.html.j2"


@dataclass(frozen=True)
class Pair:
    """A CPU and a memory figure: cores and GiB."""

    cpu: float
    memory: float


@dataclass(frozen=True)
class Row:
    """One data plane as the table and its section show it."""

    data_plane: str
    title: str
    version: str
    baseline: bool
    pods: int
    parts: tuple[Pair, ...]  # requests, in the order of reports.compare.PARTS
    total: Pair
    used: Pair
    per_node: Pair | None
    difference: Pair
    control_plane: tuple[str, ...]
    needs: tuple[str, ...]
    findings: int


def _requests(totals: ResourceTotals) -> Pair:
    return Pair(totals.cpu_request_cores, totals.memory_request_gib)


def _row(row: CompareRow, baseline: bool) -> Row:
    t = row.totals
    per_node = (
        Pair(row.per_node_cpu_request_cores, row.per_node_memory_request_gib)
        if row.per_node_cpu_request_cores is not None
        and row.per_node_memory_request_gib is not None
        else None
    )
    return Row(
        data_plane=row.data_plane.value,
        title=row.mesh_title,
        version=row.mesh_version,
        baseline=baseline,
        pods=t.mesh.pods,
        parts=tuple(_requests(getattr(t, key)) for key, _ in PARTS),
        total=_requests(t.mesh),
        used=Pair(t.mesh.estimated_cpu_cores, t.mesh.estimated_memory_gib),
        per_node=per_node,
        difference=_requests(row.difference),
        control_plane=row.control_plane,
        needs=row.needs,
        findings=row.findings,
    )


def _totals_chart(rows: list[Row]) -> Markup:
    """The one chart: each data plane's CPU and memory requests, stacked by part."""
    names = [name.lower() for _, name in PARTS]
    panels = []
    for heading, what, fmt in (
        ("CPU requests", "cpu", cores),
        ("Memory requests", "memory", gib),
    ):
        stacks = [
            Stack(
                row.data_plane,
                tuple(
                    Segment(name, getattr(part, what))
                    for name, part in zip(names, row.parts, strict=True)
                ),
            )
            for row in rows
        ]
        panels.append((heading, stacks, fmt))
    said = []
    for heading, stacks, fmt in panels:
        bars = [
            f"{stack.label} {fmt(sum(s.value for s in stack.segments))} ("
            + ", ".join(f"{s.label} {fmt(s.value)}" for s in stack.segments)
            + ")"
            for stack in stacks
        ]
        said.append(f"{heading}: " + "; ".join(bars) + ".")
    desc = f"Total requests of each data plane, split into {', '.join(names)}. " + " ".join(said)
    return stacked_totals("compare-totals", "Total requests by data plane", desc, names, panels)


def context(comparison: Comparison) -> dict[str, Any]:
    """Everything the template shows, from the comparison alone."""
    rows = [_row(r, r.data_plane is comparison.baseline) for r in comparison.rows]
    return {
        "comparison": comparison,
        "baseline": comparison.baseline.value,
        "rows": rows,
        "part_names": [name for _, name in PARTS],
        "knobs": knob_lines(comparison),
        "nodes": nodes_lines(comparison.nodes) if comparison.nodes is not None else [],
        "chart": _totals_chart(rows),
        "json_file": COMPARE_FILE,
        "xlsx_file": COMPARE_XLSX_FILE,
    }


def render_compare_html_text(comparison: Comparison) -> str:
    """The page as text."""
    return environment().get_template(TEMPLATE).render(**context(comparison))


def render_compare_html(comparison: Comparison) -> dict[str, bytes]:
    """compare.html: the side by side as one self-contained page."""
    return {COMPARE_HTML_FILE: render_compare_html_text(comparison).encode("utf-8")}
