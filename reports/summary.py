"""The short summary a run prints to stderr: overhead, control plane, gateways, heavy proxies."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from models.plan import Confidence, Driver, Plan, ScopingPlan, WorkloadPlan
from reports.conventions import plural_kind
from reports.cost import plan_cost_lines
from reports.migration import MeshRow, side_by_side


def _percent(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio * 100:.1f}%"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    """Rows under a header, columns padded to their widest cell (right-aligned: `right`)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        parts = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  " + "  ".join(parts).rstrip()

    return [line(header), *[line(r) for r in rows]]


def heaviest(plan: Plan, top: int) -> list[WorkloadPlan]:
    """The sized workloads with the largest proxy memory request per pod, then CPU, then name:
    the first `top` of them sorted so, picked without sorting them all (200,000 at a million
    pods)."""
    sized = [w for w in plan.workloads if w.proxy is not None]
    return heapq.nsmallest(
        top,
        sized,
        key=lambda w: (
            -w.proxy.memory_request_mib if w.proxy else 0,
            -w.proxy.cpu_request_millicores if w.proxy else 0,
            w.namespace,
            w.workload,
        ),
    )


def _amount(value: float) -> str:
    """`1,234`, or `0.4` for a figure below 10 that is not whole."""
    return f"{value:,.1f}" if value < 10 and not float(value).is_integer() else f"{value:,.0f}"


def _change(before: float, after: float) -> str:
    if before <= 0:
        return "no change"
    return f"{(after - before) / before * 100:+.0f}%"


def source_counts(scoping: ScopingPlan) -> tuple[int, int]:
    """How many sources the intentions allow, and how many of those are observed callers (not
    `*`): the summary's count. A walk over every source (hundreds of thousands in a large mesh),
    which the CLI does before it forks the writing of plan.json's workloads: after a fork, each
    page of sources the walk reads would be copied for the reference counts it writes."""
    sources = [s for i in scoping.intentions for s in i.sources if s.action == "allow"]
    return len(sources), sum(1 for s in sources if s.observed and s.name != "*")


def _scoping_lines(plan: Plan, counts: tuple[int, int] | None) -> list[str]:
    scoping = plan.scoping
    if scoping is None:
        return ["", f"Scoping: {plan.scoping_note}"]
    totals = scoping.totals
    confidences = scoping.confidences()
    high = confidences.count(Confidence.HIGH)
    push_before = totals.push_clusters_before + totals.push_endpoints_before
    push_after = totals.push_clusters_after + totals.push_endpoints_after
    lines = [
        "",
        f"Scoping ({scoping.granularity} granularity, traffic window {scoping.traffic_window}; "
        f"proxies sized for the {scoping.sized_for} mesh): {len(confidences)} "
        f"{plural_kind(scoping.resource_kind, len(confidences))}, "
        f"{high} high confidence, {len(confidences) - high} fallback",
        f"  proxy memory {totals.proxy_memory_mib_before / 1024:,.2f} -> "
        f"{totals.proxy_memory_mib_after / 1024:,.2f} GiB expected "
        f"({_change(totals.proxy_memory_mib_before, totals.proxy_memory_mib_after)}); "
        f"full push {push_before:,} -> {push_after:,} clusters and endpoints "
        f"({_change(push_before, push_after)}); control plane "
        f"{totals.control_plane_memory_mib_before:,.0f} -> "
        f"{totals.control_plane_memory_mib_after:,.0f} MiB",
    ]
    if scoping.discovery is not None:
        changed = sum(1 for e in scoping.exports if e.export_to != ("*",))
        lines.append(
            f"  exportTo narrowed on {changed} of {len(scoping.exports)} Services; "
            f"{scoping.discovery.reason}"
        )
    if scoping.intentions:
        allowed, observed = counts if counts is not None else source_counts(scoping)
        lines.append(
            f"  {allowed:,} allowed sources: {observed:,} observed, "
            f"{allowed - observed:,} by a fall-back; a default deny refuses the rest "
            f"({len(scoping.at_risk)} things to check before applying: plan.json scoping.at_risk)"
        )
    return lines


def _nodes_lines(plan: Plan) -> list[str]:
    """What the mesh costs each node, when the nodes are known."""
    nodes = plan.nodes
    if nodes is None:
        return []
    spread = (
        f"{nodes.pods_per_node_min:,} to {nodes.pods_per_node_max:,} pods each"
        if nodes.spread == "as given"
        else "pods assumed spread evenly"
    )
    busiest = (
        f"; the busiest node's sidecars {nodes.busiest_node_sidecar_cpu_request_cores:,.2f} "
        f"cores, {nodes.busiest_node_sidecar_memory_request_gib:,.2f} GiB"
        if plan.totals.sidecars.pods
        else ""
    )
    lines = [
        f"  per node ({nodes.count:,} nodes from {nodes.source}; {spread}): "
        f"{nodes.mesh_cpu_request_cores_per_node:,.2f} cores, "
        f"{nodes.mesh_memory_request_gib_per_node:,.2f} GiB on average{busiest}"
    ]
    if nodes.mesh_share_of_cpu_ratio is not None or nodes.mesh_share_of_memory_ratio is not None:
        lines.append(
            f"  mesh vs the nodes' allocatable: CPU {_percent(nodes.mesh_share_of_cpu_ratio)}, "
            f"memory {_percent(nodes.mesh_share_of_memory_ratio)}"
        )
    return lines


def _signed(value: float) -> str:
    return f"{value:+,.2f}" if round(value, 2) else "0.00"


def _mesh_row(row: MeshRow) -> tuple[str, ...]:
    """One mesh of the side by side: requests per part (cores / GiB), expected use, and the
    requests against today's."""
    t, d = row.totals, row.difference

    def pair(cores: float, gib: float) -> str:
        return f"{cores:,.2f} / {gib:,.2f}"

    return (
        row.title,
        row.version,
        pair(t.sidecars.cpu_request_cores, t.sidecars.memory_request_gib),
        pair(t.gateways.cpu_request_cores, t.gateways.memory_request_gib),
        pair(t.control_plane.cpu_request_cores, t.control_plane.memory_request_gib),
        pair(t.mesh.cpu_request_cores, t.mesh.memory_request_gib),
        pair(t.mesh.estimated_cpu_cores, t.mesh.estimated_memory_gib),
        "-" if d is None else f"{_signed(d.cpu_request_cores)} / {_signed(d.memory_request_gib)}",
    )


def _migration_lines(plan: Plan) -> list[str]:
    """The migration side by side: today and each target, requests and expected use, and the
    difference of each target's requests against today's."""
    migration = plan.migration
    if migration is None:
        return []
    lines = [
        "",
        f"Migration off {migration.source_title} (requests in cores / GiB; scoping from the "
        f"{migration.call_graph} call graph):",
    ]
    lines += table(
        ("mesh", "version", "sidecars", "gateways", "control plane", "total", "used", "vs today"),
        [_mesh_row(row) for row in side_by_side(plan)],
        right={2, 3, 4, 5, 6, 7},
    )
    for target in migration.targets:
        scoped = (
            f"{target.scoping_resources:,} {target.scoping_mechanism}: "
            f"{target.scoped_workloads:,} workloads exact, {target.fallback_workloads:,} wider"
            if target.scoping_mechanism != "none"
            else "scoping: " + target.scoping_note.split(":")[0]
        )
        lines.append(f"  {target.mesh_title}: {target.folder}/ ({scoped})")
    lines.append(
        f"  Left to do by hand: {len(migration.manual_steps)} steps for every target and each "
        "target's own (plan.json migration.manual_steps, and each target's)"
    )
    return lines


def render_summary(plan: Plan, top: int = 10, counts: tuple[int, int] | None = None) -> str:
    """A few lines a reader takes in at a glance; names are shown as they are, in plain text.
    `counts`: `source_counts(plan.scoping)`, when worked out already."""
    totals = plan.totals
    mesh = totals.mesh
    knobs = plan.knobs
    lines = [
        f"mesh-planner {plan.tool.version}: {plan.profile.title} {plan.profile.mesh_version}, "
        f"headroom {knobs.headroom_ratio:g} (figures: {plan.profile.figures})",
        f"Mesh: {plan.profile.mesh_title} ({plan.profile.mesh_chosen_by})",
        "",
        f"Mesh overhead (requests): {mesh.cpu_request_cores:,.2f} cores, "
        f"{mesh.memory_request_gib:,.2f} GiB over {mesh.pods:,} proxy and control-plane pods "
        f"(expected use {mesh.estimated_cpu_cores:,.2f} cores, "
        f"{mesh.estimated_memory_gib:,.2f} GiB)",
    ]
    app = totals.app
    if app.workloads_with_cpu_requests or app.workloads_with_memory_requests:
        if (
            app.workloads_with_cpu_requests
            == app.workloads_with_memory_requests
            == (app.workloads_with_requests)
        ):
            counted = (
                f"{app.workloads_with_requests:,} of {app.workloads_injected:,} meshed workloads "
                "give app requests"
            )
        else:  # a workload with one of the two requests counts for that one
            counted = (
                f"CPU over the {app.workloads_with_cpu_requests:,} of "
                f"{app.workloads_injected:,} meshed workloads that give a CPU request, memory "
                f"over the {app.workloads_with_memory_requests:,} that give a memory request"
            )
        lines.append(
            f"  sidecars vs app requests: CPU {_percent(totals.sidecar_share_of_app_cpu_ratio)}, "
            f"memory {_percent(totals.sidecar_share_of_app_memory_ratio)} ({counted})"
        )
    if (
        totals.mesh_share_of_app_cpu_ratio is not None
        or totals.mesh_share_of_app_memory_ratio is not None
    ):
        lines.append(
            f"  whole mesh vs app requests: CPU {_percent(totals.mesh_share_of_app_cpu_ratio)}, "
            f"memory {_percent(totals.mesh_share_of_app_memory_ratio)}"
        )
    lines += _nodes_lines(plan)
    rows = [
        ("sidecars", totals.sidecars),
        *([("node agents", totals.node_agents)] if totals.node_agents.pods else []),
        ("gateways", totals.gateways),
        ("control plane", totals.control_plane),
    ]
    lines += table(
        ("part", "pods", "CPU req (cores)", "mem req (GiB)", "CPU used", "mem used"),
        [
            (
                name,
                f"{t.pods:,}",
                f"{t.cpu_request_cores:,.2f}",
                f"{t.memory_request_gib:,.2f}",
                f"{t.estimated_cpu_cores:,.2f}",
                f"{t.estimated_memory_gib:,.2f}",
            )
            for name, t in rows
        ],
        right={1, 2, 3, 4, 5},
    )
    lines.append("")
    for cp in plan.control_plane.components:
        per = cp.per_replica
        against = (
            f" against the guideline's {cp.guideline_memory_mib:,.0f} MiB"
            if cp.guideline_memory_mib is not None
            else ""
        )
        drivers = _drivers_text(cp.drivers[:3])
        modelled = cp.shared_memory_terms or cp.serving_memory_terms or cp.cpu_terms
        model = (
            f"model {cp.single_replica_estimated_memory_mib:,.0f} MiB for one replica{against}"
            if modelled
            else "no published model: the chart's values"
        )
        part = "Node agent" if cp.per_node else "Control plane"
        lines += [
            f"{part} ({cp.title}): {cp.replicas} replicas x "
            f"{per.cpu_request_millicores}m CPU / {per.memory_request_mib}Mi memory (limits "
            f"{per.cpu_limit_millicores}m / {per.memory_limit_mib}Mi)",
            f"  {model}; {drivers}",
        ]
    default = plan.proxy_default
    lines += [
        f"Proxy default: {default.cpu_request_millicores}m / "
        f"{default.cpu_limit_millicores}m CPU, {default.memory_request_mib}Mi / "
        f"{default.memory_limit_mib}Mi memory; {default.workloads_patched} of "
        f"{default.workloads_within + default.workloads_patched} workloads differ by more than "
        f"{default.threshold_ratio:.0%} and get their own patch",
        f"  without it, proxies get {default.applies_today}",
    ]
    for gateway in plan.gateways:
        g = gateway.per_replica
        kind = "Waypoint" if gateway.role.value == "waypoint" else "Gateway"
        lines.append(
            f"{kind} {gateway.namespace}/{gateway.workload}: {gateway.replicas} replicas "
            f"({f'now {gateway.current_replicas}' if gateway.current_replicas else 'planned'}) "
            f"x {g.cpu_request_millicores}m / "
            f"{g.memory_request_mib}Mi for {gateway.throughput_rps:,.0f} rps"
        )
    lines += _scoping_lines(plan, counts)
    lines += _migration_lines(plan)
    lines += plan_cost_lines(plan.cost)
    heavy = heaviest(plan, top)
    if heavy:
        lines += ["", f"Heaviest proxies (request per pod, top {len(heavy)}):"]
        lines += table(
            ("workload", "pods", "CPU", "memory", "basis (CPU/mem)"),
            [
                (
                    f"{w.namespace}/{w.workload}",
                    str(w.replicas),
                    f"{w.proxy.cpu_request_millicores}m",
                    f"{w.proxy.memory_request_mib}Mi",
                    f"{w.proxy.cpu_basis.value}/{w.proxy.memory_basis.value}",
                )
                for w in heavy
                if w.proxy is not None
            ],
            right={1, 2, 3},
        )
    if plan.findings:
        count = len(plan.findings)
        lines += ["", f"{count} finding{'' if count == 1 else 's'} (see plan.json):"]
        lines += [f"  - {f.subject}: {f.message}" for f in plan.findings[:top]]
        if len(plan.findings) > top:
            lines.append(f"  ... and {len(plan.findings) - top} more")
    return "\n".join(lines) + "\n"


def _drivers_text(drivers: Sequence[Driver]) -> str:
    """A few drivers as "6 nodes, 176 pods, 23 captured pods on the busiest node": a unit
    shown twice reads as the driver's own label the second time."""
    seen: set[str] = set()
    parts = []
    for d in drivers:
        what = d.unit if d.unit not in seen else d.label[:1].lower() + d.label[1:]
        seen.add(d.unit)
        parts.append(f"{_amount(d.value)} {what}")
    return ", ".join(parts)
