"""What the mesh's requests cost per month at the prices of a `--prices` file.

cost per month = CPU requested (cores) x price per vCPU-hour x hours per month
               + memory requested (GiB) x price per GiB-hour x hours per month

Requests, not usage: what a scheduler reserves (and what serverless Kubernetes bills) is the
request. Sidecars and gateways are priced at their namespace's prices where the file gives them;
the control plane and node agents, which serve every namespace, at the file's own. Money is
rounded to 4 decimal places in plan.json (the reports show cents).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from models.compare import Comparison
from models.cost import (
    CompareCost,
    CostChange,
    CostComparison,
    CostLine,
    DataPlaneCost,
    NamespaceCost,
    PlanCost,
    PriceInfo,
    Prices,
    ScopingCost,
    TotalsCost,
)
from models.errors import InputError
from models.plan import Plan, ResourceTotals, Totals
from planner.yamltext import safe_load

FORMULA = (
    "monthly cost = CPU request (cores) x price per vCPU-hour x hours per month + memory "
    "request (GiB) x price per GiB-hour x hours per month"
)
PARTS = (
    ("sidecars", "sidecars"),
    ("gateways", "gateways"),
    ("control-plane", "control_plane"),
    ("node-agents", "node_agents"),
)
"""The parts of the mesh a cost is split into, and their field of `Totals`."""
SHARED = ("control-plane", "node-agents")
"""Parts that serve every namespace: priced at the file's own prices, in no namespace."""
PLACES = 4
DOCS = "see docs/cost.md for the prices format"


def load_prices(path: Path) -> tuple[Prices, PriceInfo]:
    """A prices file, validated; InputError naming the file and the key that is wrong."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise InputError(f"--prices {path}: no such file; check the path ({DOCS})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"--prices {path}: cannot be read ({exc.__class__.__name__}); save it as UTF-8 YAML"
        ) from None
    prices = parse_prices(text, str(path))
    return prices, price_info(prices, path.name)


def parse_prices(text: str, where: str) -> Prices:
    """Prices YAML text, validated; `where` names it in errors."""
    try:
        raw = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{where}{line}: not valid YAML; fix the syntax there") from None
    except (ValueError, RecursionError):  # a date that does not exist, a huge integer
        raise InputError(
            f"{where}: a value cannot be read (a date that does not exist, a number too long); "
            f"{DOCS}"
        ) from None
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a prices file is a YAML mapping of keys to values; {DOCS}")
    try:
        return Prices.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputError(f"{where}: key {key[:120]}: {_message(first)}; {DOCS}") from None


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "not a key of the prices format (a typo?)"
    if kind == "missing":
        return "missing; every prices file gives it"
    if error["loc"] and error["loc"][0] == "currency":
        return "give an ISO 4217 code such as USD or EUR"
    if error["loc"] and error["loc"][0] == "as_of":
        return "give the date the prices hold for, such as 2026-12-05"
    if (
        len(error["loc"]) >= 2
        and error["loc"][0] == "namespaces"
        and kind == "string_pattern_mismatch"
    ):
        return "not a Kubernetes namespace name"
    return str(error["msg"])


def price_info(prices: Prices, file: str) -> PriceInfo:
    """What a cost records of its prices."""
    fields = prices.model_dump()
    fields["namespaces"] = dict(sorted(prices.namespaces.items()))  # the file's order is no matter
    return PriceInfo(file=file, **fields)


def _line(name: str, pods: int, cores: float, gib: float, cpu: float, memory: float) -> CostLine:
    return CostLine(
        name=name,
        pods=pods,
        cpu_request_cores=round(cores, 6),
        memory_request_gib=round(gib, 6),
        cpu_monthly=round(cpu, PLACES),
        memory_monthly=round(memory, PLACES),
        total_monthly=round(cpu + memory, PLACES),
    )


def _priced(name: str, totals: ResourceTotals, prices: Prices) -> CostLine:
    hours = prices.hours_per_month
    return _line(
        name,
        totals.pods,
        totals.cpu_request_cores,
        totals.memory_request_gib,
        totals.cpu_request_cores * prices.cpu_price_per_vcpu_hour * hours,
        totals.memory_request_gib * prices.memory_price_per_gib_hour * hours,
    )


def totals_cost(totals: Totals, prices: Prices) -> TotalsCost:
    """The cost of a plan's totals (or any plan-like totals: a scenario's, a compared data
    plane's) by part and in all, at the file's own prices (namespace prices need the plan's
    workloads: `plan_cost`)."""
    parts = tuple(_priced(name, getattr(totals, field), prices) for name, field in PARTS)
    return TotalsCost(parts=parts, mesh=_priced("mesh", totals.mesh, prices))


def requests_frame(plan: Plan) -> pd.DataFrame:
    """One row per sized thing of the plan (a workload's sidecars, a gateway, a control-plane
    component, a node agent): its part, namespace (empty when shared), pods, and requested
    millicores and MiB over all its pods (whole numbers, so sums are exact)."""
    rows: list[tuple[str, str, int, int, int]] = [
        (
            "sidecars",
            w.namespace,
            w.replicas,
            w.replicas * w.proxy.cpu_request_millicores,
            w.replicas * w.proxy.memory_request_mib,
        )
        for w in plan.workloads
        if w.proxy is not None
    ]
    rows += [
        (
            "gateways",
            g.namespace,
            g.replicas,
            g.replicas * g.per_replica.cpu_request_millicores,
            g.replicas * g.per_replica.memory_request_mib,
        )
        for g in plan.gateways
    ]
    rows += [
        (
            "node-agents" if c.per_node else "control-plane",
            "",
            c.replicas,
            c.replicas * c.per_replica.cpu_request_millicores,
            c.replicas * c.per_replica.memory_request_mib,
        )
        for c in plan.control_plane.components
    ]
    return pd.DataFrame(
        rows, columns=["part", "namespace", "pods", "cpu_millicores", "memory_mib"]
    ).astype({"pods": np.int64, "cpu_millicores": np.int64, "memory_mib": np.int64})


def _namespace_prices(prices: Prices, namespace: str) -> tuple[float, float, str]:
    own = prices.namespaces.get(namespace)
    if own is None or (
        own.cpu_price_per_vcpu_hour is None and own.memory_price_per_gib_hour is None
    ):
        return prices.cpu_price_per_vcpu_hour, prices.memory_price_per_gib_hour, "file"
    return (
        own.cpu_price_per_vcpu_hour
        if own.cpu_price_per_vcpu_hour is not None
        else prices.cpu_price_per_vcpu_hour,
        own.memory_price_per_gib_hour
        if own.memory_price_per_gib_hour is not None
        else prices.memory_price_per_gib_hour,
        "namespace",
    )


def plan_cost(plan: Plan, prices: Prices, info: PriceInfo) -> PlanCost:
    """What the plan's requests cost per month: by part, by namespace, and what scoping saves."""
    frame = requests_frame(plan)
    hours = prices.hours_per_month
    namespaces = sorted(set(frame.loc[frame["namespace"] != "", "namespace"]))
    table = {ns: _namespace_prices(prices, ns) for ns in namespaces}
    cpu_price = frame["namespace"].map(lambda ns: table[ns][0] if ns else None)
    memory_price = frame["namespace"].map(lambda ns: table[ns][1] if ns else None)
    frame = frame.assign(
        cores=frame["cpu_millicores"] / 1000.0,
        gib=frame["memory_mib"] / 1024.0,
        cpu_price=cpu_price.fillna(prices.cpu_price_per_vcpu_hour).astype(np.float64),
        memory_price=memory_price.fillna(prices.memory_price_per_gib_hour).astype(np.float64),
    )
    frame = frame.assign(
        cpu_money=frame["cores"] * frame["cpu_price"] * hours,
        memory_money=frame["gib"] * frame["memory_price"] * hours,
    )
    columns = ["pods", "cpu_millicores", "memory_mib", "cpu_money", "memory_money"]

    def line(name: str, sums: dict[Any, Any]) -> CostLine:
        return _line(
            name,
            int(sums["pods"]),
            float(sums["cpu_millicores"]) / 1000.0,
            float(sums["memory_mib"]) / 1024.0,
            float(sums["cpu_money"]),
            float(sums["memory_money"]),
        )

    by_part = frame.groupby("part")[columns].sum()
    by_part = by_part.reindex([name for name, _ in PARTS], fill_value=0)
    part_sums = by_part.to_dict("index")
    parts = tuple(line(name, part_sums[name]) for name, _ in PARTS)
    mesh = line("mesh", frame[columns].sum().to_dict())
    by_namespace = frame.loc[frame["namespace"] != ""].groupby("namespace")[columns].sum()
    namespace_sums = by_namespace.to_dict("index")
    namespace_lines = tuple(
        NamespaceCost(
            **line(ns, namespace_sums[ns]).model_dump(),
            cpu_price_per_vcpu_hour=table[ns][0],
            memory_price_per_gib_hour=table[ns][1],
            prices_from=table[ns][2],
        )
        for ns in namespaces
    )
    return PlanCost(
        prices=info,
        formula=FORMULA + f"; hours per month = {hours:g}",
        parts=parts,
        mesh=mesh,
        namespaces=namespace_lines,
        shared=SHARED,
        scoping=scoping_cost(plan, prices),
        unused_namespace_prices=tuple(sorted(set(prices.namespaces) - set(namespaces))),
    )


def scoping_cost(plan: Plan, prices: Prices) -> ScopingCost | None:
    """What the recommended scoping saves per month (None: the plan recommends none)."""
    if plan.scoping is None:
        return None
    totals = plan.scoping.totals
    per_gib_month = prices.memory_price_per_gib_hour * prices.hours_per_month
    proxy = (totals.proxy_memory_mib_before - totals.proxy_memory_mib_after) / 1024.0
    control = (
        totals.control_plane_memory_mib_before - totals.control_plane_memory_mib_after
    ) / 1024.0
    return ScopingCost(
        proxy_memory_gib_saved=round(proxy, 6),
        control_plane_memory_gib_saved=round(control, 6),
        proxy_monthly_saved=round(proxy * per_gib_month, PLACES),
        control_plane_monthly_saved=round(control * per_gib_month, PLACES),
        total_monthly_saved=round((proxy + control) * per_gib_month, PLACES),
    )


def with_cost(plan: Plan, prices: Prices | None, info: PriceInfo | None) -> Plan:
    """The plan with its `cost` (unchanged without prices)."""
    if prices is None or info is None:
        return plan
    return plan.model_copy(update={"cost": plan_cost(plan, prices, info)})


def _change(name: str, before: float, after: float) -> CostChange:
    return CostChange(
        name=name,
        before_monthly=round(before, PLACES),
        after_monthly=round(after, PLACES),
        difference_monthly=round(after - before, PLACES),
    )


def cost_change(baseline: PlanCost, current: PlanCost) -> CostComparison:
    """Two plans' costs at the same prices: by part, namespace (a namespace one plan lacks
    costs 0 there) and in all; the difference is the growth."""
    old = {n.name: n.total_monthly for n in baseline.namespaces}
    new = {n.name: n.total_monthly for n in current.namespaces}
    return CostComparison(
        prices=current.prices,
        formula=current.formula,
        parts=tuple(
            _change(b.name, b.total_monthly, c.total_monthly)
            for b, c in zip(baseline.parts, current.parts, strict=True)
        ),
        mesh=_change("mesh", baseline.mesh.total_monthly, current.mesh.total_monthly),
        namespaces=tuple(
            _change(ns, old.get(ns, 0.0), new.get(ns, 0.0)) for ns in sorted(set(old) | set(new))
        ),
    )


def review_cost(baseline: Plan, current: Plan, prices: Prices, info: PriceInfo) -> CostComparison:
    """The cost of last quarter's plan, this quarter's and the growth, at one set of prices."""
    return cost_change(plan_cost(baseline, prices, info), plan_cost(current, prices, info))


def compare_cost(comparison: Comparison, prices: Prices, info: PriceInfo) -> CompareCost:
    """What each compared data plane costs, and its difference with the baseline's."""
    costs = {row.data_plane.value: totals_cost(row.totals, prices) for row in comparison.rows}
    base = costs[comparison.baseline.value].mesh
    return CompareCost(
        prices=info,
        formula=FORMULA + f"; hours per month = {prices.hours_per_month:g}",
        baseline=comparison.baseline.value,
        rows=tuple(
            DataPlaneCost(
                data_plane=name,
                parts=cost.parts,
                mesh=cost.mesh,
                difference_cpu_monthly=round(cost.mesh.cpu_monthly - base.cpu_monthly, PLACES),
                difference_memory_monthly=round(
                    cost.mesh.memory_monthly - base.memory_monthly, PLACES
                ),
                difference_monthly=round(cost.mesh.total_monthly - base.total_monthly, PLACES),
            )
            for name, cost in costs.items()
        ),
    )
