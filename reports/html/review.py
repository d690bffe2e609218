"""review.html: a review (`planner review`) as one self-contained page.

The same approach as the plan's and the comparison's pages (reports/html/page.py): jinja2 with
autoescaping and strict undefined variables (templates/review.html.j2), inline CSS, inline SVG
charts (reports/html/charts.py), no script, nothing fetched, a Content-Security-Policy that
forbids any request. Everything shown comes from the Review, in its order; the same review gives
the same bytes. The page's sections are listed in `sections`, so a new part of the review (its
cost, its scenarios) is one more entry and one more block in the template.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup

from models.review import Change, DriverForecast, Forecast, Review, WorkloadChange
from reports.html.charts import Point, Step, trend, waterfall
from reports.html.page import environment, signed
from reports.review import REVIEW_FILE, REVIEW_HTML_FILE, REVIEW_XLSX_FILE
from reports.scenarios import has_node_agents, rows_of

TEMPLATE = "review.html.j2"
TOP_NAMESPACES = 10
"""The namespaces whose sidecars changed most, shown in the page (review.json has them all)."""
TOP_WORKLOADS = 40
"""Workloads listed in the page: the added and removed first, then the largest changes."""
TOP_CROSSINGS = 25
TOP_COST_NAMESPACES = TOP_NAMESPACES
"""The namespaces whose cost changed most, shown in the page (review.json has them all)."""
CURVE_POINTS = 48
"""Points the fitted law is drawn through, from the first date to the horizon."""

STATUS_ORDER = {"added": 0, "removed": 1, "changed": 2}


@dataclass(frozen=True)
class Section:
    """One section of the page: its anchor and its heading."""

    anchor: str
    title: str


@dataclass(frozen=True)
class WorkloadRow:
    """One workload as the table shows it; `drivers` its non-zero drivers in words."""

    change: WorkloadChange
    drivers: str


@dataclass(frozen=True)
class TrendChart:
    """One forecast driver's chart."""

    name: str
    chart: Markup


def arrow(change: Change, decimals: int = 2) -> str:
    """'15.30 \u2192 16.69'."""
    return f"{change.before:,.{decimals}f} \u2192 {change.after:,.{decimals}f}"


def _driver_chart(review: Review, what: str, unit: str, chart_id: str) -> Markup:
    """The sidecars' drivers of one resource as a waterfall adding up to the change."""
    key = "cpu_request_cores" if what == "CPU" else "memory_request_gib"
    steps = [
        Step(d.label, getattr(d, key), signed(getattr(d, key))) for d in review.sidecar_drivers
    ]
    total = sum(s.value for s in steps)
    sidecars = next((p for p in review.parts if p.part == "sidecars"), None)
    change = getattr(sidecars, key).delta if sidecars is not None else total
    words = "; ".join(f"{s.label} {s.text} {unit}" for s in steps)
    desc = (
        f"Why the sidecars' {what} requests changed, driver by driver, each bar starting where "
        f"the one above ends: {words}. Together {signed(total)} {unit}, the sidecars' change "
        f"({signed(change)} {unit})."
    )
    return waterfall(
        chart_id,
        f"The sidecars' {what} requests: the change by driver ({unit})",
        desc,
        steps,
        Step("total change", total, signed(total)),
    )


def _days(first: str, day: str) -> int:
    return (date.fromisoformat(day) - date.fromisoformat(first)).days


def law_value(driver: DriverForecast, t: float) -> float:
    """The fitted law at `t` days after the driver's first date."""
    x = driver.intercept + driver.slope * t
    return math.exp(x) if driver.law == "exponential" else x


def law_text(driver: DriverForecast) -> str:
    """The fitted law in words, t the days since the first date."""
    a, b = f"{driver.intercept:,.6g}", f"{driver.slope:+.6g}"
    if driver.law == "exponential":
        return f"exponential: value = exp({a} {b[0]} {b[1:]} t)"
    return f"linear: value = {a} {b[0]} {b[1:]} t"


def growth_text(driver: DriverForecast) -> str:
    """The growth a quarter: a share for an exponential law, a count for a line."""
    if driver.law == "exponential":
        return f"{driver.growth_per_quarter * 100:+,.1f} % a quarter"
    return f"{driver.growth_per_quarter:+,.1f} a quarter"


def interval_text(driver: DriverForecast) -> str:
    """The 95 % interval at the horizon in words, or why there is none."""
    if driver.low is None or driver.high is None:
        return "no interval (two snapshots: a line through two points)"
    return f"95 % prediction interval {driver.low:,.1f} to {driver.high:,.1f}"


def _trend_chart(driver: DriverForecast, forecast: Forecast) -> Markup:
    first = driver.dates[0]
    end = _days(first, forecast.horizon)
    history = [
        Point(_days(first, d), v, d, f"{v:,.1f}")
        for d, v in zip(driver.dates, driver.values, strict=True)
    ]
    curve = [
        (end * i / CURVE_POINTS, law_value(driver, end * i / CURVE_POINTS))
        for i in range(CURVE_POINTS + 1)
    ]
    horizon = Point(end, driver.at_horizon, forecast.horizon, f"{driver.at_horizon:,.1f}")
    interval = (
        (driver.low, driver.high) if driver.low is not None and driver.high is not None else None
    )
    seen = ", ".join(f"{p.date} {p.text}" for p in history)
    desc = (
        f"{driver.label} at each snapshot: {seen}. The fitted law ({law_text(driver)}, t the "
        f"days since {first}; {growth_text(driver)}) drawn as a dashed line through to the "
        f"horizon, {forecast.horizon}, where it gives {driver.at_horizon:,.1f}; "
        f"{interval_text(driver)}" + (", drawn as a whisker." if interval is not None else ".")
    )
    note = f"At {forecast.horizon}: {driver.at_horizon:,.1f}; {interval_text(driver)}"
    return trend(
        f"forecast-{driver.name}",
        f"{driver.label}: history and the {driver.law} law to {forecast.horizon}",
        desc,
        history,
        curve,
        horizon,
        interval,
        driver.law,
        note,
    )


def _workload_rows(review: Review) -> list[WorkloadRow]:
    ordered = sorted(
        review.workloads,
        key=lambda w: (
            STATUS_ORDER[w.status],
            -abs(w.cpu_request_cores.delta),
            -abs(w.memory_request_gib.delta),
            w.namespace,
            w.workload,
        ),
    )
    rows = []
    for w in ordered[:TOP_WORKLOADS]:
        moved = [
            f"{d.label} {signed(d.cpu_request_cores)} cores, {signed(d.memory_request_gib)} GiB"
            for d in w.drivers
            if d.cpu_request_cores or d.memory_request_gib
        ]
        rows.append(WorkloadRow(w, "; ".join(moved) or "none"))
    return rows


def sections(review: Review) -> list[Section]:
    """The page's sections in order (the cost's only with prices, the forecast's only with a
    history, the scenarios' only when this quarter's plan has them)."""
    found = [
        Section("plans", "The two plans"),
        Section("parts", "Parts of the mesh"),
        *([Section("cost", "Cost")] if review.cost is not None else []),
        Section("drivers", "Why the sidecars' requests changed"),
        Section("namespaces", "Namespaces that changed most"),
        Section("workloads", "Workloads"),
        Section("control-plane", "Control plane and gateways"),
        Section("notes", "Also different"),
    ]
    if review.forecast is not None:
        found.append(Section("forecast", "Forecast"))
    if review.scenarios is not None:
        found.append(Section("scenarios", "What-if scenarios"))
    return found


def context(review: Review) -> dict[str, Any]:
    """Everything the template shows, from the review alone."""
    moved = sorted(
        (n for n in review.namespaces if n.cpu_request_cores.delta or n.memory_request_gib.delta),
        key=lambda n: (-abs(n.cpu_request_cores.delta), n.namespace),
    )
    counts = dict.fromkeys(("added", "removed", "changed"), 0)
    for w in review.workloads:
        counts[w.status] += 1
    forecast = review.forecast
    scenario_rows = (
        rows_of(review.scenarios.scenarios, review.scenarios.totals)
        if review.scenarios is not None
        else []
    )
    scenario_results = review.scenarios.scenarios.results if review.scenarios is not None else ()
    cost_moved = (
        sorted(
            (n for n in review.cost.namespaces if round(n.difference_monthly, 2)),
            key=lambda n: (-abs(n.difference_monthly), n.name),
        )
        if review.cost is not None
        else []
    )
    return {
        "review": review,
        "sections": sections(review),
        "plans": [("Baseline", review.baseline), ("Current", review.current)],
        "cpu_chart": _driver_chart(review, "CPU", "cores", "drivers-cpu"),
        "memory_chart": _driver_chart(review, "memory", "GiB", "drivers-memory"),
        "driver_totals": (
            sum(d.cpu_request_cores for d in review.sidecar_drivers),
            sum(d.memory_request_gib for d in review.sidecar_drivers),
        ),
        "namespaces": moved[:TOP_NAMESPACES],
        "namespaces_moved": len(moved),
        "cost_namespaces": cost_moved[:TOP_COST_NAMESPACES],
        "cost_namespaces_moved": len(cost_moved),
        "workload_rows": _workload_rows(review),
        "workload_counts": counts,
        "trend_charts": (
            [TrendChart(d.name, _trend_chart(d, forecast)) for d in forecast.drivers]
            if forecast is not None
            else []
        ),
        "crossings": forecast.crossings[:TOP_CROSSINGS] if forecast is not None else (),
        "top_crossings": TOP_CROSSINGS,
        "json_file": REVIEW_FILE,
        "xlsx_file": REVIEW_XLSX_FILE,
        # this quarter's what-if scenarios, as report.html shows them (scenarios.html.j2)
        "scenarios": review.scenarios.scenarios if review.scenarios is not None else None,
        "scenario_rows": scenario_rows,
        "scenario_agents": has_node_agents(scenario_rows),
        "scenario_cost": next((r.cost for r in scenario_results if r.cost), None),
    }


def render_review_html_text(review: Review) -> str:
    """The page as text."""
    env = environment()
    env.filters.update({"arrow": arrow})
    env.globals.update(
        {"law_text": law_text, "growth_text": growth_text, "interval_text": interval_text}
    )
    return env.get_template(TEMPLATE).render(**context(review))


def render_review_html(review: Review) -> dict[str, bytes]:
    """review.html: the review as one self-contained page."""
    return {REVIEW_HTML_FILE: render_review_html_text(review).encode("utf-8")}
