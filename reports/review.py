"""A review's outputs: review.json (models.review) and the summary on stderr."""

from __future__ import annotations

from models.review import Change, DriverForecast, Forecast, Review
from reports.cost import review_cost_lines
from reports.scenarios import rows_of, scenarios_table

REVIEW_FILE = "review.json"
REVIEW_HTML_FILE = "review.html"
REVIEW_XLSX_FILE = "review.xlsx"
TOP_NAMESPACES = 10


def render_review_json(review: Review) -> dict[str, bytes]:
    """review.json: the whole review, deterministic."""
    return {REVIEW_FILE: (review.model_dump_json(indent=2) + "\n").encode("utf-8")}


def _signed(value: float, places: int = 2) -> str:
    text = f"{value:+,.{places}f}"
    return "0.00" if text in ("+0.00", "-0.00") else text


def _arrow(change: Change, places: int = 2) -> str:
    delta = _signed(change.delta, places)
    return f"{change.before:,.{places}f} -> {change.after:,.{places}f} ({delta})"


def render_review_summary(review: Review) -> str:
    """The review in a few lines: parts, the sidecars' drivers, namespaces, workloads, the
    control plane and gateways, and what else differs between the plans."""
    b, c = review.baseline, review.current
    when_b = b.inputs_date or "undated"
    when_c = c.inputs_date or "undated"
    lines = [
        f"mesh-planner review: {b.file} ({when_b}, {b.mesh} {b.mesh_version}) -> {c.file} "
        f"({when_c}, {c.mesh} {c.mesh_version})",
        "",
        f"  {'part':<14}{'pods':>22}  {'CPU req (cores)':>30}  {'mem req (GiB)':>30}",
    ]
    for part in review.parts:
        pods = f"{part.pods.before:,.0f} -> {part.pods.after:,.0f} ({_signed(part.pods.delta, 0)})"
        lines.append(
            f"  {part.part:<14}{pods:>22}  {_arrow(part.cpu_request_cores):>30}  "
            f"{_arrow(part.memory_request_gib):>30}"
        )
    lines += ["", "Why the sidecars' requests changed (cores, GiB; they add up to the change):"]
    width = max(len(d.label) for d in review.sidecar_drivers)
    for driver in review.sidecar_drivers:
        lines.append(
            f"  {driver.label:<{width}}  {_signed(driver.cpu_request_cores):>10}  "
            f"{_signed(driver.memory_request_gib):>10}"
        )
    cpu = sum(d.cpu_request_cores for d in review.sidecar_drivers)
    memory = sum(d.memory_request_gib for d in review.sidecar_drivers)
    lines.append(f"  {'total':<{width}}  {_signed(cpu):>10}  {_signed(memory):>10}")
    moved = sorted(
        (n for n in review.namespaces if n.cpu_request_cores.delta or n.memory_request_gib.delta),
        key=lambda n: (-abs(n.cpu_request_cores.delta), n.namespace),
    )
    if moved:
        shown = moved[:TOP_NAMESPACES]
        lines += ["", f"Namespaces whose sidecars changed most ({len(shown)} of {len(moved)}):"]
        for n in shown:
            extra = []
            if n.workloads_added:
                extra.append(f"{n.workloads_added} added")
            if n.workloads_removed:
                extra.append(f"{n.workloads_removed} removed")
            note = f"; workloads {', '.join(extra)}" if extra else ""
            lines.append(
                f"  {n.namespace}: CPU {_arrow(n.cpu_request_cores)}, memory "
                f"{_arrow(n.memory_request_gib)}{note}"
            )
    counts = dict.fromkeys(("added", "removed", "changed"), 0)
    for w in review.workloads:
        counts[w.status] += 1
    lines += [
        "",
        f"Workloads: {counts['added']} added, {counts['removed']} removed, {counts['changed']} "
        "changed (review.json lists each with its drivers)",
    ]
    for component in review.control_plane:
        moved_drivers = [d for d in component.drivers if d.before != d.after]
        drivers = "; ".join(
            f"{d.label} {d.before:,.0f} -> {d.after:,.0f}" for d in moved_drivers[:4]
        )
        lines.append(
            f"Control plane {component.title}: {component.replicas.before:,.0f} -> "
            f"{component.replicas.after:,.0f} replicas, CPU {_arrow(component.cpu_request_cores)}"
            + (f"; {drivers}" if drivers else "")
        )
    for gateway in review.gateways:
        if gateway.replicas.delta or gateway.cpu_request_cores.delta:
            lines.append(
                f"Gateway {gateway.component}: {gateway.replicas.before:,.0f} -> "
                f"{gateway.replicas.after:,.0f} replicas, CPU {_arrow(gateway.cpu_request_cores)}"
            )
    if review.notes:
        lines += ["", "Also different between the plans:", *(f"  - {n}" for n in review.notes)]
    if review.scenarios is not None:
        table = scenarios_table(rows_of(review.scenarios.scenarios, review.scenarios.totals))
        lines += table.rstrip("\n").split("\n")
    if review.forecast is not None:
        lines += _forecast_lines(review.forecast)
    lines += review_cost_lines(review.cost)
    return "\n".join(lines) + "\n"


def _interval(driver: DriverForecast) -> str:
    if driver.low is None or driver.high is None:
        return "no interval"
    return f"95 % interval {driver.low:,.1f} to {driver.high:,.1f}"


def _growth(driver: DriverForecast) -> str:
    if driver.law == "exponential":
        return f"{driver.growth_per_quarter:+.1%} a quarter"
    return f"{driver.growth_per_quarter:+,.1f} a quarter"


def _forecast_lines(forecast: Forecast) -> list[str]:
    lines = [
        "",
        f"Forecast to {forecast.horizon} ({forecast.horizon_days} days after the last of "
        f"{forecast.snapshots} snapshots; the law with the smaller squared error):",
    ]
    for driver in (*forecast.drivers, *forecast.namespaces):
        lines.append(
            f"  {driver.label}: {driver.values[-1]:,.1f} now, {driver.law} ({_growth(driver)}), "
            f"{driver.at_horizon:,.1f} then ({_interval(driver)})"
        )
    for projection in forecast.sidecars:
        lines.append(
            f"  sidecars, {projection.case}: {projection.pods:,} pods, "
            f"{projection.cpu_request_cores:,.2f} cores, {projection.memory_request_gib:,.2f} GiB "
            "of requests"
        )
    if forecast.crossings:
        lines.append(f"  {len(forecast.crossings)} proxies cross today's limits before then:")
        lines += [f"    - {c}" for c in forecast.crossings[:10]]
        if len(forecast.crossings) > 10:
            lines.append(f"    and {len(forecast.crossings) - 10} more (review.json)")
    else:
        lines.append("  no proxy's request crosses today's limits before then")
    if forecast.thresholds:
        lines.append(
            f"  {len(forecast.thresholds)} control-plane or gateway thresholds crossed before then:"
        )
        lines += [f"    - {t.message}" for t in forecast.thresholds]
    else:
        lines.append("  the control plane and the gateways keep their replicas until then")
    lines += [f"  warning: {w}" for w in forecast.warnings]
    return lines
