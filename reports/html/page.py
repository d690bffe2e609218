"""report.html: the plan as one self-contained page for the capacity review.

Inline CSS and inline SVG charts (reports/html/charts.py), no script, no font or image fetched, a
Content-Security-Policy that forbids any request, and print styles, so the page can be mailed,
archived or printed to PDF. Rendered by jinja2 (reports/templates/report.html.j2) with
autoescaping and strict undefined variables. Tables are bounded (the heaviest entries, then a
count of the rest; the full detail is in report.xlsx), so a 100,000-pod mesh gives a small page.
The same plan gives the same bytes: nothing depends on the clock or on dict order.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from models.plan import (
    Assumption,
    ComponentPlan,
    Confidence,
    LimitBasis,
    NodesPlan,
    OomRisk,
    Plan,
    ProxyPlan,
    ResourceTotals,
    Role,
    ScopedResource,
    WorkloadPlan,
)
from reports.breakdown import NamespaceTotals, heaviest_namespaces, namespace_totals
from reports.conventions import FAR_FROM_CURRENT_RATIO, HTML_FILE, XLSX_FILE, plural_kind
from reports.cost import PART_TITLES, money, signed_money
from reports.html.charts import (
    HALF,
    Bar,
    Pair,
    Segment,
    bar_chart,
    before_after,
    buckets,
    histogram,
    stacked_bars,
)
from reports.migration import MeshRow, scoping_text, side_by_side
from reports.scenarios import has_node_agents, scenario_rows

TOP_NAMESPACES = 25
TOP_WORKLOADS = 25
TOP_SIDECARS = 25
TOP_SAVINGS = 10
TOP_GATEWAYS = 25
TOP_LIST = 25
"""Longest list (excluded namespaces, findings, reasons) the page shows before counting the rest."""
CHART_NAMESPACES = 10
HISTOGRAM_BUCKETS = 10
EXAMPLES = 5

TAGS = {
    "pub": "stated by the source",
    "derived": "arithmetic on published figures (see the derivation)",
    "chart": "a default of the official Helm chart",
    "policy": "a choice mesh-planner makes (argued in the derivation)",
    "heuristic": "a rule of thumb with no primary source",
    "anecdote": "a single reported observation",
    "vendor": "a vendor's figure",
}


def cores(value: float) -> str:
    """1234.5 -> '1,234.50 cores'."""
    return f"{value:,.2f} cores"


def gib(value: float) -> str:
    """1.5 -> '1.50 GiB'."""
    return f"{value:,.2f} GiB"


def percent(ratio: float | None) -> str:
    """0.2452 -> '24.5 %'; None -> 'n/a'."""
    return "n/a" if ratio is None else f"{ratio * 100:,.1f} %"


def change(before: float, after: float) -> str:
    """The relative change with a real minus sign: '\u22127 %', '+3 %' or 'no change'.

    Whole percent, but never a rounded 0 % or 100 % for a change that is neither: '\u221299.6 %'.
    """
    if before <= 0 or before == after:
        return "no change"
    ratio = (after - before) / before
    sign = "\u2212" if ratio < 0 else "+"
    size = abs(ratio) * 100
    text = f"{size:,.0f}"
    if text in ("0", "100") and size not in (0.0, 100.0):
        text = f"{size:,.1f}"
    return f"{sign}{text} %"


def signed(value: float, decimals: int = 2) -> str:
    """A difference with its sign and a real minus sign: '+1.53', '\u22120.22'; a difference that
    rounds to nothing is '0.00', unsigned."""
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("\u2212" if value < 0 else "+") + text


def number(value: float, decimals: int = 0) -> str:
    """Thousands separators, fixed decimals."""
    return f"{value:,.{decimals}f}"


def plain(value: float) -> str:
    """A coefficient as it was written: 38727.0 -> '38,727', 0.713 -> '0.713'."""
    return f"{value:,.10g}"


@dataclass(frozen=True)
class Heavy:
    """A row of the heaviest-proxies table."""

    workload: WorkloadPlan
    proxy: ProxyPlan
    cpu_vs_current: float | None
    memory_vs_current: float | None
    far: bool


@dataclass(frozen=True)
class Saving:
    """A workload whose proxies save the most memory with the recommended scoping."""

    workload: WorkloadPlan
    per_pod_mib: float
    all_pods_gib: float


@dataclass(frozen=True)
class ReasonGroup:
    """Workloads left out of something for the same reason: how many, and a few of them."""

    reason: str
    count: int
    examples: tuple[str, ...]


def _ratio(new: float, old: float) -> float | None:
    return None if old <= 0 else new / old


def _heavy(plan: Plan) -> list[Heavy]:
    sized = [w for w in plan.workloads if w.proxy is not None]
    sized.sort(
        key=lambda w: (
            -(w.proxy.memory_request_mib if w.proxy else 0) * w.replicas,
            -(w.proxy.cpu_request_millicores if w.proxy else 0) * w.replicas,
            w.namespace,
            w.workload,
        )
    )
    rows = []
    for w in sized[:TOP_WORKLOADS]:
        proxy = w.proxy
        assert proxy is not None
        cpu = _ratio(proxy.cpu_request_millicores, proxy.current_cpu_request_millicores)
        memory = _ratio(proxy.memory_request_mib, proxy.current_memory_request_mib)
        far = any(
            r is not None and (r > FAR_FROM_CURRENT_RATIO or r < 1 / FAR_FROM_CURRENT_RATIO)
            for r in (cpu, memory)
        )
        rows.append(Heavy(w, proxy, cpu, memory, far))
    return rows


def _savings(plan: Plan) -> list[Saving]:
    found = []
    for w in plan.workloads:
        s = w.scoping
        if s is None:
            continue
        per_pod = s.estimated_memory_mib_before - s.estimated_memory_mib_after
        if per_pod > 0:
            found.append(Saving(w, per_pod, per_pod * w.replicas / 1024.0))
    found.sort(key=lambda s: (-s.all_pods_gib, s.workload.namespace, s.workload.workload))
    return found[:TOP_SAVINGS]


def _groups(pairs: list[tuple[str, str]]) -> list[ReasonGroup]:
    """(reason, name) pairs grouped by reason, largest group first, a few names each."""
    counts = Counter(reason for reason, _ in pairs)
    examples: dict[str, list[str]] = {}
    for reason, name in pairs:
        names = examples.setdefault(reason, [])
        if len(names) < EXAMPLES:
            names.append(name)
    ordered = sorted(counts, key=lambda r: (-counts[r], r))
    return [ReasonGroup(r, counts[r], tuple(examples[r])) for r in ordered]


def _resources(resources: tuple[ScopedResource, ...]) -> tuple[list[ScopedResource], int]:
    """Recommended scoping resources for the page: fallbacks first (they need a look), then by
    name."""
    ordered = sorted(
        resources,
        key=lambda s: (s.confidence is not Confidence.FALLBACK, s.namespace, s.name),
    )
    return ordered[:TOP_SIDECARS], max(0, len(ordered) - TOP_SIDECARS)


def _proxy_weights(plan: Plan) -> tuple[list[tuple[float, int]], list[tuple[float, int]]]:
    """(value, pods) of every proxy's CPU and memory request: sidecars and gateway replicas."""
    cpu: list[tuple[float, int]] = []
    memory: list[tuple[float, int]] = []
    for w in plan.workloads:
        if w.proxy is not None:
            cpu.append((float(w.proxy.cpu_request_millicores), w.replicas))
            memory.append((float(w.proxy.memory_request_mib), w.replicas))
    for g in plan.gateways:
        cpu.append((float(g.per_replica.cpu_request_millicores), g.replicas))
        memory.append((float(g.per_replica.memory_request_mib), g.replicas))
    return cpu, memory


def _distribution_chart(
    chart_id: str, what: str, weighted: list[tuple[float, int]], unit: str
) -> Markup:
    groups, edges = buckets(weighted, HISTOGRAM_BUCKETS)
    bars = [
        Bar(f"{low:,.0f}\u2013{high:,.0f}{unit}", pods, f"{pods:,}") for low, high, pods in groups
    ]
    if len(groups) == 1 and len(edges) == 1:
        bars = [Bar(f"{edges[0]:,.0f}{unit}", groups[0][2], f"{groups[0][2]:,}")]
    desc = f"Number of proxies (sidecar pods and gateway replicas) by {what} request: " + (
        "; ".join(f"{b.label}: {b.text}" for b in bars) or "no proxies"
    )
    return histogram(
        chart_id,
        f"Proxies by {what} request",
        desc,
        bars,
        [f"{edge:,.0f}" for edge in edges],
        f"{what} request per proxy ({unit.strip()}); bar height: number of proxies",
        HALF,
    )


def _namespace_charts(totals: list[NamespaceTotals]) -> tuple[Markup, Markup]:
    charts = []
    for key, what, fmt in (
        ("cpu_request_cores", "CPU requests", cores),
        ("memory_request_gib", "memory requests", gib),
    ):
        ordered = sorted(totals, key=lambda n: (-float(getattr(n, key)), n.namespace))
        shown = ordered[:CHART_NAMESPACES]
        rest = ordered[CHART_NAMESPACES:]
        bars = [Bar(n.namespace, float(getattr(n, key)), fmt(getattr(n, key))) for n in shown]
        note = None
        if rest:
            other = sum(float(getattr(n, key)) for n in rest)
            note = f"and {len(rest):,} other namespaces: {fmt(other)} in all"
        desc = f"Proxy and gateway {what} by namespace, largest first: " + "; ".join(
            [*(f"{b.label} {b.text}" for b in bars), *([note] if note else [])]
        )
        chart_id = f"ns-{key.split('_')[0]}"
        title = f"{what.capitalize()} by namespace"
        charts.append(bar_chart(chart_id, title, desc, bars, HALF, note))
    return charts[0], charts[1]


def _has_node_agents(plan: Plan) -> bool:
    """Whether the mesh runs node agents (per-node components: Istio ambient's ztunnel and
    istio-cni), a part of the cost of their own."""
    return plan.totals.node_agents.pods > 0


def _has_waypoints(plan: Plan) -> bool:
    """Whether some of the gateways are waypoints (Istio's ambient mode), sized as gateways."""
    return any(g.role is Role.WAYPOINT for g in plan.gateways)


def _and(items: list[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _cost_parts(plan: Plan) -> list[tuple[str, ResourceTotals]]:
    """The parts the mesh's requests split into, as the chart names them: sidecars, node agents
    (for a mesh that runs them), gateways (with the waypoints, where there are some) and the
    control plane. A mesh with node agents and no sidecar (Istio's ambient mode) leaves the
    sidecars out."""
    t = plan.totals
    agents = _has_node_agents(plan)
    return [
        *([("sidecars", t.sidecars)] if t.sidecars.pods or not agents else []),
        *([("node agents", t.node_agents)] if agents else []),
        ("gateways/waypoints" if _has_waypoints(plan) else "gateways", t.gateways),
        ("control plane", t.control_plane),
    ]


_PART_WORDS = {
    "gateways/waypoints": "gateways (and waypoints)",
    "control plane": "the control plane",
}


def _part_words(plan: Plan) -> str:
    """The parts of the mesh's cost in words: 'sidecars, gateways and the control plane', with
    the node agents and the waypoints where the mesh has them."""
    return _and([_PART_WORDS.get(name, name) for name, _ in _cost_parts(plan)])


def _overhead_chart(plan: Plan) -> Markup:
    parts = _cost_parts(plan)
    rows = [
        ("CPU", [Segment(n, p.cpu_request_cores) for n, p in parts], cores),
        ("Memory", [Segment(n, p.memory_request_gib) for n, p in parts], gib),
    ]
    desc = f"Mesh requests split into {_part_words(plan)}. " + " ".join(
        f"{label}: " + ", ".join(f"{s.label} {fmt(s.value)}" for s in segments) + "."
        for label, segments, fmt in rows
    )
    return stacked_bars("overhead", "Where the mesh's requests go", desc, rows)


def _scoping_chart(plan: Plan) -> Markup | None:
    if plan.scoping is None:
        return None
    s = plan.scoping.totals
    pairs = [
        Pair(
            "Expected proxy memory",
            s.proxy_memory_mib_before,
            s.proxy_memory_mib_after,
            gib(s.proxy_memory_mib_before / 1024),
            gib(s.proxy_memory_mib_after / 1024),
        ),
        Pair(
            "Full push: clusters",
            s.push_clusters_before,
            s.push_clusters_after,
            number(s.push_clusters_before),
            number(s.push_clusters_after),
        ),
        Pair(
            "Full push: endpoints",
            s.push_endpoints_before,
            s.push_endpoints_after,
            number(s.push_endpoints_before),
            number(s.push_endpoints_after),
        ),
        Pair(
            "Full push: listeners",
            s.push_listeners_before,
            s.push_listeners_after,
            number(s.push_listeners_before),
            number(s.push_listeners_after),
        ),
        Pair(
            "Control-plane memory (one replica)",
            s.control_plane_memory_mib_before,
            s.control_plane_memory_mib_after,
            f"{s.control_plane_memory_mib_before:,.0f} MiB",
            f"{s.control_plane_memory_mib_after:,.0f} MiB",
        ),
    ]
    desc = "Before and after the recommended scoping: " + "; ".join(
        f"{p.label} {p.before_text} to {p.after_text} ({change(p.before, p.after)})" for p in pairs
    )
    return before_after("scoping", "What the recommended scoping saves", desc, pairs)


def _migration_charts(rows: list[MeshRow]) -> tuple[Markup, Markup] | None:
    """Each mesh's total CPU and memory requests, today's first; None without a migration."""
    if not rows:
        return None
    charts = []
    for chart_id, key, what, fmt in (
        ("migration-cpu", "cpu_request_cores", "CPU requests", cores),
        ("migration-memory", "memory_request_gib", "Memory requests", gib),
    ):
        bars = [
            Bar(r.title, float(getattr(r.totals.mesh, key)), fmt(getattr(r.totals.mesh, key)))
            for r in rows
        ]
        desc = f"{what} of the whole mesh for the same workloads, by mesh: " + "; ".join(
            f"{b.label} {b.text}" for b in bars
        )
        charts.append(bar_chart(chart_id, f"{what} by mesh", desc, bars, HALF))
    return charts[0], charts[1]


@dataclass(frozen=True)
class NodeRow:
    """A row of the per-node table: the figure, its CPU and memory (or one value) and how."""

    label: str
    cpu: str
    memory: str | None
    how: str


def _pods_per_node(nodes: NodesPlan, unit: str = "") -> str | None:
    """'28 to 31 (median 29.5)'; None when the pods per node were not given."""
    low, high = nodes.pods_per_node_min, nodes.pods_per_node_max
    if low is None or high is None:
        return None
    median = nodes.pods_per_node_median
    return f"{low:,} to {high:,}{unit}" + ("" if median is None else f" (median {median:,.10g})")


def _nodes_spread(nodes: NodesPlan) -> str:
    """How the pods spread over the nodes, in words: '28 to 31 pods a node (median 29.5)'."""
    return _pods_per_node(nodes, " pods a node") or "pods assumed spread evenly"


def _node_rows(plan: Plan) -> list[NodeRow]:
    """The per-node table, from the plan's nodes (none without them); the busiest node's
    sidecars only for a mesh that runs sidecars."""
    nodes = plan.nodes
    if nodes is None:
        return []
    rows = [
        NodeRow("Nodes", number(nodes.count), None, f"from {nodes.source}"),
        NodeRow(
            "Pods per node",
            _pods_per_node(nodes) or "not given",
            None,
            "as given" if nodes.spread == "as given" else "assumed spread evenly",
        ),
        NodeRow(
            "The busiest node's share of the pods",
            percent(nodes.busiest_node_share_ratio),
            None,
            "its pods over all pods"
            if nodes.spread == "as given"
            else "1 / nodes: the pods taken as spread evenly",
        ),
        NodeRow(
            "Mesh requests per node (average)",
            cores(nodes.mesh_cpu_request_cores_per_node),
            gib(nodes.mesh_memory_request_gib_per_node),
            "the whole mesh's requests / nodes (gateways and the control plane run on some "
            "nodes only)",
        ),
    ]
    if plan.totals.sidecars.pods:
        rows.append(
            NodeRow(
                "The busiest node's sidecar requests",
                cores(nodes.busiest_node_sidecar_cpu_request_cores),
                gib(nodes.busiest_node_sidecar_memory_request_gib),
                "the sidecars' requests x the busiest node's share of the pods (meshed pods "
                "taken to spread like all pods)",
            )
        )
    if nodes.cpu_cores is not None or nodes.memory_gib is not None:
        rows += [
            NodeRow(
                "The nodes' allocatable",
                "not given" if nodes.cpu_cores is None else cores(nodes.cpu_cores),
                "not given" if nodes.memory_gib is None else gib(nodes.memory_gib),
                "summed over the nodes (known only when every node gives it)",
            ),
            NodeRow(
                "Mesh requests / the nodes' allocatable",
                percent(nodes.mesh_share_of_cpu_ratio),
                percent(nodes.mesh_share_of_memory_ratio),
                "the whole mesh's requests over the nodes' allocatable",
            ),
        ]
    return rows


def _assumption_groups(plan: Plan) -> list[tuple[str, list[Assumption]]]:
    titles = {
        "version": "Figures for this mesh version",
        "proxy": "Proxies (sidecars and gateways)",
        "gateway": "Gateways",
        "control_plane": "Control plane",
    }
    groups: dict[str, list[Assumption]] = {}
    for a in plan.assumptions:
        groups.setdefault(a.name.split(".", 1)[0], []).append(a)
    return [(titles.get(prefix, prefix), items) for prefix, items in groups.items()]


def _counts_connections(plan: Plan) -> bool:
    """Whether the plan's proxy model counts connections (Linkerd) rather than configuration."""
    return any(t.driver == "connections" for t in plan.proxy_model.memory_terms)


def _memory_driver(plan: Plan) -> str:
    """What the proxies' memory follows, as the plan counts it."""
    if _counts_connections(plan):
        return "the destinations a proxy talks to and its connections, not the size of the mesh"
    return "the mesh configuration a proxy holds, not its traffic"


def _parts(plan: Plan) -> list[tuple[str, ResourceTotals]]:
    """The rows of the totals table: node agents only for a mesh that runs them, and the
    gateways named with the waypoints when there are some."""
    t = plan.totals
    return [
        ("Workload proxies", t.sidecars),
        *([("Node agents (one per node)", t.node_agents)] if _has_node_agents(plan) else []),
        ("Gateways and waypoints" if _has_waypoints(plan) else "Gateways", t.gateways),
        ("Control plane", t.control_plane),
        ("Whole mesh", t.mesh),
    ]


def _section_title(plan: Plan) -> str:
    """'Control plane and gateways', with the node agents and the waypoints where the mesh has
    them."""
    agents = ["node agents"] if _has_node_agents(plan) else []
    waypoints = ["waypoints"] if _has_waypoints(plan) else []
    return _and(["Control plane", *agents, "gateways", *waypoints])


def component_name(component: ComponentPlan) -> str:
    """A component's name where the page says how it runs: a per-node component's title
    without its '(per node)' (the page says 'one per node')."""
    if component.per_node:
        return component.title.removesuffix(" (per node)")
    return component.title


def context(plan: Plan) -> dict[str, Any]:
    """Everything the template shows, from the plan alone."""
    totals = namespace_totals(plan)
    top_namespaces, more_namespaces = heaviest_namespaces(plan, TOP_NAMESPACES)
    ns_cpu_chart, ns_memory_chart = _namespace_charts(totals)
    cpu_weights, memory_weights = _proxy_weights(plan)
    scoping = plan.scoping
    resources = scoping.resources() if scoping is not None else ()
    sidecars, more_sidecars = _resources(resources)
    not_sized = _groups(
        [
            (w.not_sized_reason, f"{w.namespace}/{w.workload}")
            for w in plan.workloads
            if w.not_sized_reason is not None and w.role is Role.WORKLOAD
        ]
    )
    open_exports = _groups(
        [(e.reason, f"{e.namespace}/{e.service}") for e in scoping.exports if e.export_to == ("*",)]
        if scoping
        else []
    )
    unscoped = _groups(
        [
            (w.scoping.reason, f"{w.namespace}/{w.workload}")
            for w in plan.workloads
            if w.scoping is not None and w.scoping.sidecar is None
        ]
    )
    sized = sum(1 for w in plan.workloads if w.proxy is not None)
    high = sum(1 for s in resources if s.confidence is Confidence.HIGH)
    exports_narrowed = sum(1 for e in scoping.exports if e.export_to != ("*",)) if scoping else 0
    exports_high = (
        sum(1 for e in scoping.exports if e.confidence is Confidence.HIGH) if scoping else 0
    )
    excluded = list(scoping.discovery.excluded) if scoping and scoping.discovery else []
    open_intentions = _groups(
        [
            (src.reason, i.destination)
            for i in (scoping.intentions if scoping else ())
            for src in i.sources
            if src.name == "*" and src.action == "allow"
        ]
    )
    meshes = side_by_side(plan)
    migration_charts = _migration_charts(meshes)
    return {
        "plan": plan,
        "parts": _parts(plan),
        "part_words": _part_words(plan),
        "section_title": _section_title(plan),
        "node_agents": _has_node_agents(plan),
        "waypoints": _has_waypoints(plan),
        "namespaces": top_namespaces,
        "namespace_count": len(totals),
        "more_namespaces": more_namespaces,
        "heavy": _heavy(plan),
        "limits": _limits(plan),
        "sized_workloads": sized,
        "more_workloads": max(0, sized - TOP_WORKLOADS),
        "savings": _savings(plan),
        "sidecars": sidecars,
        "more_sidecars": more_sidecars,
        "sidecars_high": high,
        "resource_count": len(resources),
        "exports_narrowed": exports_narrowed,
        "exports_high": exports_high,
        "open_exports": open_exports[:TOP_LIST],
        "open_intentions": open_intentions[:TOP_LIST],
        "resource_kinds": (plural_kind(scoping.resource_kind, 2) if scoping is not None else ""),
        "excluded": excluded[:TOP_LIST],
        "more_excluded": max(0, len(excluded) - TOP_LIST),
        "findings": plan.findings[:TOP_LIST],
        "more_findings": max(0, len(plan.findings) - TOP_LIST),
        "not_sized": not_sized[:TOP_LIST],
        "unscoped": unscoped[:TOP_LIST],
        "gateways": plan.gateways[:TOP_GATEWAYS],
        "more_gateways": max(0, len(plan.gateways) - TOP_GATEWAYS),
        "assumption_groups": _assumption_groups(plan),
        "tags": TAGS,
        "far_ratio": FAR_FROM_CURRENT_RATIO,
        "xlsx_file": XLSX_FILE,
        "memory_driver": _memory_driver(plan),
        "holds_header": "Connections" if _counts_connections(plan) else "Clusters / endpoints",
        "migration": plan.migration,
        "meshes": meshes,
        "migration_agents": any(m.totals.node_agents.pods for m in meshes),
        "scenarios": plan.scenarios,
        "scenario_rows": scenario_rows(plan),
        "scenario_agents": has_node_agents(scenario_rows(plan)),
        "scenario_cost": next(
            (r.cost for r in (plan.scenarios.results if plan.scenarios else ()) if r.cost), None
        ),
        "nodes": plan.nodes,
        "nodes_spread": _nodes_spread(plan.nodes) if plan.nodes is not None else "",
        "node_rows": _node_rows(plan),
        "charts": {
            "overhead": _overhead_chart(plan),
            "cpu_distribution": _distribution_chart("dist-cpu", "CPU", cpu_weights, "m"),
            "memory_distribution": _distribution_chart(
                "dist-memory", "memory", memory_weights, " MiB"
            ),
            "namespace_cpu": ns_cpu_chart,
            "namespace_memory": ns_memory_chart,
            "scoping": _scoping_chart(plan),
            "migration_cpu": migration_charts[0] if migration_charts else None,
            "migration_memory": migration_charts[1] if migration_charts else None,
        },
    }


@dataclass(frozen=True)
class _LimitRow:
    """Sidecars whose memory limit one rule set, and how many could run out of memory."""

    rule: str
    meaning: str
    workloads: int
    pods: int
    at_risk_workloads: int
    at_risk_pods: int


_LIMIT_MEANINGS = {
    LimitBasis.REQUEST_RATIO: "twice the request: room for a second copy of the configuration "
    "while an update drains",
    LimitBasis.CHART_DEFAULT: "the chart's default limit: a limit reserves nothing, so it is "
    "never lowered below it",
    LimitBasis.WHOLE_MESH: "what the proxy would request seeing the whole mesh: its scope is "
    "not trusted (no scope, or a namespace-level fall-back)",
}


def _limits(plan: Plan) -> list[_LimitRow]:
    """Sidecars by the rule that set their memory limit, with those a lost scope would break."""
    counts = {basis: [0, 0, 0, 0] for basis in _LIMIT_MEANINGS}
    for w in plan.workloads:
        if w.proxy is None:
            continue
        tally = counts[w.proxy.memory_limit_basis]
        risky = w.proxy.oom_risk is OomRisk.IF_SCOPE_LOST
        tally[0] += 1
        tally[1] += w.replicas
        tally[2] += risky
        tally[3] += w.replicas if risky else 0
    return [
        _LimitRow(basis.value, meaning, *counts[basis])
        for basis, meaning in _LIMIT_MEANINGS.items()
    ]


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports.html", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        {
            "cores": cores,
            "gib": gib,
            "percent": percent,
            "number": number,
            "plain": plain,
            "change": change,
            "signed": signed,
            "money": money,
            "signed_money": signed_money,
        }
    )
    env.globals["cost_parts"] = PART_TITLES
    env.globals["change"] = change
    env.globals["scoping_text"] = scoping_text
    env.globals["component_name"] = component_name
    return env


def render_html_text(plan: Plan) -> str:
    """The page as text."""
    return environment().get_template("report.html.j2").render(**context(plan))


def render_html(plan: Plan) -> dict[str, bytes]:
    """report.html: one self-contained page for the capacity review."""
    return {HTML_FILE: render_html_text(plan).encode("utf-8")}
