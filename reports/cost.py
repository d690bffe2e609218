"""The cost of the mesh in the summaries on stderr: a plan's, a comparison's, a review's."""

from __future__ import annotations

from models.cost import CompareCost, CostComparison, PlanCost, PriceInfo

TOP_NAMESPACES = 10
"""Namespaces a summary lists (the most expensive; plan.json has every one)."""
PART_TITLES = {
    "sidecars": "sidecars",
    "gateways": "gateways",
    "control-plane": "control plane",
    "node-agents": "node agents",
    "mesh": "whole mesh",
}


def money(value: float, currency: str) -> str:
    """`USD 1,234.56` (`-USD 12.00` below zero)."""
    sign = "-" if round(value, 2) < 0 else ""
    return f"{sign}{currency} {abs(value):,.2f}"


def signed_money(value: float, currency: str) -> str:
    """`+USD 12.00`, `-USD 12.00` or `USD 0.00`."""
    if round(value, 2) == 0:
        return f"{currency} 0.00"
    return ("+" if value > 0 else "-") + f"{currency} {abs(value):,.2f}"


def prices_lines(prices: PriceInfo) -> list[str]:
    """The cost section's heading: the prices, their date and where they come from."""
    return [
        "",
        f"Cost of the requests per month at {prices.file}: {prices.currency} "
        f"{prices.cpu_price_per_vcpu_hour:g} per vCPU-hour, {prices.memory_price_per_gib_hour:g} "
        f"per GiB-hour, {prices.hours_per_month:g} hours a month (as of "
        f"{prices.as_of.isoformat()})",
        f"  source: {prices.source}",
    ]


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  "
        + "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in [header, *rows]
    ]


def plan_cost_lines(cost: PlanCost | None) -> list[str]:
    """The cost section of `planner size`'s summary (nothing without prices)."""
    if cost is None:
        return []
    currency = cost.prices.currency
    lines = prices_lines(cost.prices)
    shown = [*(p for p in cost.parts if p.pods), cost.mesh]
    lines += _table(
        ("part", "CPU", "memory", "total"),
        [
            (
                PART_TITLES[p.name],
                money(p.cpu_monthly, currency),
                money(p.memory_monthly, currency),
                money(p.total_monthly, currency),
            )
            for p in shown
        ],
    )
    ranked = sorted(cost.namespaces, key=lambda n: (-n.total_monthly, n.name))[:TOP_NAMESPACES]
    if ranked:
        more = len(cost.namespaces) - len(ranked)
        lines.append(
            f"  by namespace (sidecars and gateways; the control plane and node agents are "
            f"shared){f', top {len(ranked)} of {len(cost.namespaces)}' if more else ''}:"
        )
        lines += [
            f"    {n.name}: {money(n.total_monthly, currency)}"
            + (" (its own prices)" if n.prices_from == "namespace" else "")
            for n in ranked
        ]
    if cost.scoping is not None:
        lines.append(
            f"  scoping saves {money(cost.scoping.total_monthly_saved, currency)} a month of "
            f"expected memory ({cost.scoping.proxy_memory_gib_saved:,.2f} GiB off the proxies: "
            f"{money(cost.scoping.proxy_monthly_saved, currency)}; "
            f"{cost.scoping.control_plane_memory_gib_saved:,.2f} GiB off one control-plane "
            f"replica: {money(cost.scoping.control_plane_monthly_saved, currency)})"
        )
    if cost.unused_namespace_prices:
        lines.append(
            "  the prices file prices namespaces the plan does not have: "
            + ", ".join(cost.unused_namespace_prices)
        )
    return lines


def compare_cost_lines(cost: CompareCost | None) -> list[str]:
    """The cost section of `planner compare`'s summary."""
    if cost is None:
        return []
    currency = cost.prices.currency
    lines = prices_lines(cost.prices)
    lines += _table(
        ("data plane", "CPU", "memory", "total", f"vs {cost.baseline}"),
        [
            (
                row.data_plane,
                money(row.mesh.cpu_monthly, currency),
                money(row.mesh.memory_monthly, currency),
                money(row.mesh.total_monthly, currency),
                "-"
                if row.data_plane == cost.baseline
                else signed_money(row.difference_monthly, currency),
            )
            for row in cost.rows
        ],
    )
    return lines


def review_cost_lines(cost: CostComparison | None) -> list[str]:
    """The cost section of `planner review`'s summary: baseline, current, growth."""
    if cost is None:
        return []
    currency = cost.prices.currency
    lines = prices_lines(cost.prices)
    rows = [c for c in cost.parts if c.before_monthly or c.after_monthly]
    lines += _table(
        ("part", "baseline", "current", "growth"),
        [
            (
                PART_TITLES[c.name],
                money(c.before_monthly, currency),
                money(c.after_monthly, currency),
                signed_money(c.difference_monthly, currency),
            )
            for c in [*rows, cost.mesh]
        ],
    )
    grown = sorted(cost.namespaces, key=lambda c: (-abs(c.difference_monthly), c.name))
    grown = [c for c in grown if round(c.difference_monthly, 2)][:TOP_NAMESPACES]
    if grown:
        lines.append("  growth by namespace (sidecars and gateways), largest first:")
        lines += [
            f"    {c.name}: {signed_money(c.difference_monthly, currency)} "
            f"({money(c.before_monthly, currency)} -> {money(c.after_monthly, currency)})"
            for c in grown
        ]
    return lines
