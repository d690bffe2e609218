"""The forecast of a review: the growth of each driver fitted over a history of dated plans,
projected to a horizon, and the sidecars sized for the projected mesh.

Drivers: the sidecars' pods, the Services, the requests per second into the meshed workloads
(and, with four or more snapshots, each namespace's pods). Two laws are fitted by least squares
(scipy.stats.linregress): linear (y = a + b t) and exponential (log y = a + b t). Both have two
coefficients, so the one with the smaller residual sum of squares in the driver's own units is
chosen (the lower AIC, equivalently). The 95 % prediction interval at the horizon is the OLS
one (Student's t with n - 2 degrees of freedom; on the log scale for the exponential law, then
exponentiated). Two snapshots fit any line exactly: the projection is given with a warning and
no interval; one snapshot cannot be projected.

The projected mesh is the current plan scaled: replicas by the pods' growth (as fractions of a
pod, which add up over the workloads), rps per
pod by the traffic's growth over the pods', the clusters and listeners each proxy holds by the
Services' growth and its endpoints by the pods'; the requests are recomputed with the current
plan's model (planner.review). A proxy whose projected request exceeds the limit it has today is
a threshold crossed, dated at the first week it happens.

The control plane and the gateways are projected the same way, week by week: each
component's drivers grow as GROWS_WITH says (connected proxies with the pods, the clusters all
proxies hold with the pods times the Services...), and the component is sized again with the
plan's own terms, assumptions, rounding and headroom (planner.model.control_plane), never fewer
replicas than today; a component that then needs more replicas than it runs today (istiod past
its per-replica target), or a per-node agent whose request rises, is a threshold crossed. A
gateway's CPU grows with the traffic; it crosses when its replica rule (the plan's
gateway.target_cpu_per_replica_millicores) needs more replicas than planned, and the message
says when that passes its autoscaler's maximum too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal, cast

import numpy as np
import pandas as pd
from scipy import stats

from models.errors import InputError
from models.plan import ComponentPlan, GatewayPlan, Plan
from models.review import DriverForecast, Forecast, Projection, Threshold
from planner.model.control_plane import ComponentModel, model_of, size_component
from planner.review import COUNTS, _Model, _proxies

LEVEL = 0.95
MIN_NAMESPACE_POINTS = 4


@dataclass(frozen=True)
class Fit:
    law: str
    intercept: float
    slope: float
    rss: float


def _fit(days: np.ndarray, values: np.ndarray, law: str) -> Fit | None:
    if law == "exponential":
        if np.any(values <= 0):
            return None
        y = np.log(values)
    else:
        y = values
    result = stats.linregress(days, y)
    fitted = result.intercept + result.slope * days
    if law == "exponential":
        fitted = np.exp(fitted)
    return Fit(
        law, float(result.intercept), float(result.slope), float(np.sum((values - fitted) ** 2))
    )


def _interval(
    days: np.ndarray, values: np.ndarray, fit: Fit, at: float
) -> tuple[float, float] | None:
    n = len(days)
    if n < 3:
        return None
    y = np.log(values) if fit.law == "exponential" else values
    residuals = y - (fit.intercept + fit.slope * days)
    s = math.sqrt(float(np.sum(residuals**2)) / (n - 2))
    sxx = float(np.sum((days - days.mean()) ** 2))
    half = (
        stats.t.ppf(0.5 + LEVEL / 2, n - 2)
        * s
        * math.sqrt(1 + 1 / n + (at - days.mean()) ** 2 / sxx)
    )
    mid = fit.intercept + fit.slope * at
    low, high = mid - half, mid + half
    if fit.law == "exponential":
        return math.exp(low), math.exp(high)
    return low, high


def forecast_driver(
    name: str, label: str, dates: list[date], values: list[float], horizon: date
) -> DriverForecast:
    """One driver's fitted law and its value at `horizon`, with the interval."""
    return _forecast(name, label, dates, values, horizon)[0]


def _forecast(
    name: str, label: str, dates: list[date], values: list[float], horizon: date
) -> tuple[DriverForecast, Fit, date]:
    origin = dates[0]
    days = np.array([(d - origin).days for d in dates], dtype=np.float64)
    y = np.array(values, dtype=np.float64)
    at = float((horizon - origin).days)
    fits = [f for f in (_fit(days, y, "linear"), _fit(days, y, "exponential")) if f is not None]
    chosen = min(fits, key=lambda f: (round(f.rss, 9), f.law != "linear"))
    mid = chosen.intercept + chosen.slope * at
    value = math.exp(mid) if chosen.law == "exponential" else mid
    interval = _interval(days, y, chosen, at)
    per_quarter = (
        (math.exp(chosen.slope * 91) - 1.0) if chosen.law == "exponential" else chosen.slope * 91
    )
    found = DriverForecast(
        name=name,
        label=label,
        dates=tuple(d.isoformat() for d in dates),
        values=tuple(round(v, 6) for v in values),
        law=cast(Literal["linear", "exponential"], chosen.law),
        rss={f.law: round(f.rss, 6) for f in fits},
        intercept=float(f"{chosen.intercept:.12g}"),
        slope=float(f"{chosen.slope:.12g}"),
        growth_per_quarter=round(per_quarter, 6),
        at_horizon=round(max(value, 0.0), 6),
        low=None if interval is None else round(max(interval[0], 0.0), 6),
        high=None if interval is None else round(interval[1], 6),
    )
    return found, chosen, origin


def _at(fit: Fit, origin: date, day: date) -> float:
    x = fit.intercept + fit.slope * (day - origin).days
    return max(math.exp(x) if fit.law == "exponential" else x, 0.0)


def _dated(plans: list[tuple[Plan, str]]) -> list[tuple[date, Plan]]:
    dated = []
    for plan, name in plans:
        if plan.knobs.inputs_date is None:
            raise InputError(
                f"--history {name}: the plan has no date; size that snapshot with --inputs-date "
                "(the day its inputs were taken)"
            )
        dated.append((plan.knobs.inputs_date, plan))
    days = [d for d, _ in dated]
    if len(set(days)) != len(days):
        twice = sorted({d for d in days if days.count(d) > 1})[0]
        raise InputError(f"--history: two plans are dated {twice}; give one snapshot per date")
    return sorted(dated, key=lambda pair: pair[0])


def _drivers(plan: Plan) -> dict[str, float]:
    services = {(w.namespace, s) for w in plan.workloads for s in w.services}
    meshed = [w for w in plan.workloads if w.proxy is not None]
    return {
        "pods": float(plan.totals.sidecars.pods),
        "services": float(len(services)),
        "rps": float(sum(w.inbound_rps for w in meshed)),
    }


LABELS = {
    "pods": ("Sidecar pods", "pods"),
    "services": ("Services", "services"),
    "rps": ("Requests per second into meshed workloads", "rps"),
}


def forecast(plans: list[tuple[Plan, str]], horizon_days: int) -> Forecast:
    """The forecast over `plans` (each with the name it was given by), `horizon_days` after the
    last. Raises InputError for one snapshot, an undated plan, two plans of one date or of two
    meshes."""
    if len(plans) < 2:
        raise InputError(
            "--history: one snapshot cannot be projected; give two dated plans at least (four "
            "or more for an interval worth reading)"
        )
    meshes = {plan.profile.mesh for plan, _ in plans}
    if len(meshes) > 1:
        raise InputError(
            f"--history: the plans size {len(meshes)} meshes ({', '.join(sorted(meshes))}); a "
            "forecast follows one"
        )
    dated = _dated(plans)
    dates = [d for d, _ in dated]
    last_date, last = dated[-1]
    horizon = last_date + timedelta(days=horizon_days)
    series = [_drivers(plan) for _, plan in dated]
    fitted = {
        name: _forecast(name, LABELS[name][0], dates, [s[name] for s in series], horizon)
        for name in ("pods", "services", "rps")
    }
    drivers = tuple(found for found, _, _ in fitted.values())
    namespaces: list[DriverForecast] = []
    if len(dated) >= MIN_NAMESPACE_POINTS:
        pods = [{n: float(p) for n, p in _namespace_pods(plan).items()} for _, plan in dated]
        for name in sorted(set().union(*pods)):
            values = [p.get(name, 0.0) for p in pods]
            if all(v > 0 for v in values):
                namespaces.append(
                    forecast_driver(name, f"Sidecar pods in {name}", dates, values, horizon)
                )
    warnings = []
    if len(dated) == 2:
        warnings.append(
            "two snapshots: a line through two points, with no interval; add snapshots before "
            "relying on it"
        )
    elif len(dated) < MIN_NAMESPACE_POINTS:
        warnings.append(
            f"{len(dated)} snapshots: wide intervals, and no forecast per namespace (it needs "
            f"{MIN_NAMESPACE_POINTS})"
        )
    laws = {name: (fit, origin) for name, (_, fit, origin) in fitted.items()}
    projections, crossings = _project(last, {d.name: d for d in drivers}, laws, last_date, horizon)
    now = {d.name: d.values[-1] for d in drivers}
    thresholds = _thresholds(last, now, laws, last_date, horizon)
    return Forecast(
        horizon_days=horizon_days,
        horizon=horizon.isoformat(),
        snapshots=len(dated),
        drivers=drivers,
        namespaces=tuple(namespaces),
        sidecars=projections,
        crossings=crossings,
        warnings=tuple(warnings),
        thresholds=thresholds,
    )


def _namespace_pods(plan: Plan) -> dict[str, int]:
    pods: dict[str, int] = {}
    for w in plan.workloads:
        if w.proxy is not None:
            pods[w.namespace] = pods.get(w.namespace, 0) + w.replicas
    return pods


def _scaled(frame: pd.DataFrame, pods: float, rps: float, services: float) -> pd.DataFrame:
    out = frame.copy()
    # expected pods: a fraction of a pod per workload adds up across workloads (rounding each
    # up would add a pod to every workload that grows at all)
    out["replicas"] = frame["replicas"].to_numpy(dtype=np.float64) * pods
    out["rps_per_pod"] = frame["rps_per_pod"] * rps / pods
    out["l4_rps_per_pod"] = frame["l4_rps_per_pod"] * rps / pods
    for column in COUNTS:
        factor = pods if column == "visible_endpoints" else services
        out[column] = np.ceil(np.round(frame[column].to_numpy(dtype=np.float64) * factor, 6))
    return out


def _limits(plan: Plan) -> pd.DataFrame:
    rows = [
        (w.namespace, w.workload, w.proxy.cpu_limit_millicores, w.proxy.memory_limit_mib)
        for w in plan.workloads
        if w.proxy is not None
    ]
    return pd.DataFrame(rows, columns=["namespace", "workload", "cpu_limit", "memory_limit"])


def _project(
    plan: Plan,
    drivers: dict[str, DriverForecast],
    laws: dict[str, tuple[Fit, date]],
    today: date,
    horizon: date,
) -> tuple[tuple[Projection, ...], tuple[str, ...]]:
    frame = _proxies(plan)
    model = _Model(plan)
    now = {name: driver.values[-1] for name, driver in drivers.items()}

    def factor(name: str, value: float | None) -> float:
        return 1.0 if value is None or now[name] <= 0 else value / now[name]

    out = []
    cases: tuple[Literal["expected", "low", "high"], ...] = ("expected", "low", "high")
    for case in cases:
        pick = {
            name: d.at_horizon if case == "expected" else (d.low if case == "low" else d.high)
            for name, d in drivers.items()
        }
        if case != "expected" and any(v is None for v in pick.values()):
            continue
        scaled = _scaled(
            frame,
            factor("pods", pick["pods"]),
            factor("rps", pick["rps"]),
            factor("services", pick["services"]),
        )
        cpu, memory = model.requests(scaled)
        replicas = scaled["replicas"].to_numpy(dtype=np.float64)
        out.append(
            Projection(
                case=case,
                pods=round(float(replicas.sum())),
                cpu_request_cores=round(float((replicas * cpu).sum() / 1000.0), 3),
                memory_request_gib=round(float((replicas * memory).sum() / 1024.0), 3),
            )
        )
    limits = _limits(plan)
    names = list(zip(frame["namespace"].astype(str), frame["workload"].astype(str), strict=True))
    crossings: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    week = today
    while week < horizon:
        week = min(week + timedelta(days=7), horizon)
        grown = {name: _at(fit, origin, week) for name, (fit, origin) in laws.items()}
        scaled = _scaled(
            frame,
            factor("pods", grown["pods"]),
            factor("rps", grown["rps"]),
            factor("services", grown["services"]),
        )
        cpu, memory = model.requests(scaled)
        for kind, requested, limit in (
            ("CPU", cpu, limits["cpu_limit"].to_numpy()),
            ("memory", memory, limits["memory_limit"].to_numpy()),
        ):
            for i in np.flatnonzero(requested > limit):
                key = (*names[int(i)], kind)
                if key in seen:
                    continue
                seen.add(key)
                unit = "m" if kind == "CPU" else "Mi"
                crossings.append(
                    f"{key[0]}/{key[1]}: its {kind} request reaches {requested[i]:,.0f}{unit}, "
                    f"over today's limit of {limit[i]:,.0f}{unit}, by {week.isoformat()}"
                )
    return tuple(out), tuple(crossings)


GROWS_WITH: dict[str, tuple[str, ...]] = {
    # each control-plane driver grows as the product of these forecast drivers' growth
    # (pods, services, rps); () keeps it as it is today
    "pods": ("pods",),
    "connected_proxies": ("pods",),
    "connected_dataplanes": ("pods",),
    "endpoints": ("pods",),
    "service_instances": ("pods",),
    "registrations": ("pods",),
    "workloads": ("pods",),
    "cluster_pods": ("pods",),
    "busiest_node_pods": ("pods",),
    "certificates_per_hour": ("pods",),
    "csr_per_second_needed": ("pods",),
    "services": ("services",),
    "proxy_visible_clusters": ("pods", "services"),
    "upstream_watches": ("pods", "services"),
    "proxy_visible_endpoints": ("pods", "pods"),
    "busiest_node_rps": ("rps",),
    "busiest_node_connections": ("rps",),
    "nodes": (),
    "pod_churn_ratio": (),
    "ca_rotation_seconds": (),
}
"""How each control-plane driver (of every mesh) follows the forecast's drivers. Workloads are
taken to grow with the pods, and a node's load with the traffic (the nodes stay as they are:
the forecast does not add nodes)."""


def _grown(component: ComponentPlan, factors: dict[str, float]) -> ComponentModel:
    drivers = tuple(
        d.model_copy(
            update={"value": d.value * math.prod(factors[g] for g in GROWS_WITH.get(d.name, ()))}
        )
        for d in component.drivers
    )
    return replace(model_of(component), drivers=drivers)


def _resize(plan: Plan, component: ComponentPlan, factors: dict[str, float]) -> ComponentPlan:
    values = {a.name: a.value for a in plan.assumptions}
    sized, _ = size_component(
        _grown(component, factors),
        values,
        plan.rounding,
        plan.knobs.headroom_ratio,
        component.replicas,  # never fewer than today: what is asked is when it needs more
    )
    return sized


def _gateway_replicas(plan: Plan, gateway: GatewayPlan, rps_factor: float) -> int:
    values = {a.name: a.value for a in plan.assumptions}
    model = plan.gateway_model or plan.proxy_model
    per_replica = gateway.per_replica
    observed = (per_replica.observed_cpu_millicores or 0.0) * gateway.replicas
    needed = (
        max(gateway.throughput_rps / 1000.0 * values[model.cpu_per_1000_rps], observed)
        * rps_factor
        * (1.0 + plan.knobs.headroom_ratio)
    )
    target = values["gateway.target_cpu_per_replica_millicores"]
    return max(gateway.replicas, math.ceil(round(needed / target, 9)))


def _thresholds(
    plan: Plan,
    now: dict[str, float],
    laws: dict[str, tuple[Fit, date]],
    today: date,
    horizon: date,
) -> tuple[Threshold, ...]:
    """The control plane's and the gateways' crossings between `today` and `horizon`, each at
    the first week it happens."""
    components = plan.control_plane.components if plan.control_plane is not None else ()
    found: dict[tuple[str, str], Threshold] = {}
    week = today
    while week < horizon:
        week = min(week + timedelta(days=7), horizon)
        factors = {
            name: (_at(fit, origin, week) / now[name] if now[name] > 0 else 1.0)
            for name, (fit, origin) in laws.items()
        }
        for component in components:
            then = _resize(plan, component, factors)
            for threshold in _component_crossings(component, then, week):
                found.setdefault((threshold.subject, threshold.what), threshold)
        for gateway in plan.gateways:
            replicas = _gateway_replicas(plan, gateway, factors["rps"])
            subject = f"{gateway.namespace}/{gateway.workload}"
            if replicas > gateway.replicas and (subject, "replicas") not in found:
                beyond = (
                    f", past its autoscaler's maximum of {gateway.autoscale_max}"
                    if replicas > gateway.autoscale_max
                    else f" (its autoscaler goes to {gateway.autoscale_max})"
                )
                found[(subject, "replicas")] = Threshold(
                    part="gateway",
                    subject=subject,
                    what="replicas",
                    unit="replicas",
                    today=gateway.replicas,
                    then=replicas,
                    by=week.isoformat(),
                    message=f"gateway {subject} needs {replicas} replicas (planned "
                    f"{gateway.replicas}) by {week.isoformat()}{beyond}",
                )
    return tuple(sorted(found.values(), key=lambda t: (t.by, t.part, t.subject, t.what)))


def _component_crossings(today: ComponentPlan, then: ComponentPlan, week: date) -> list[Threshold]:
    by = week.isoformat()
    if not today.per_node:
        if then.replicas <= today.replicas:
            return []
        return [
            Threshold(
                part="control plane",
                subject=today.component,
                what="replicas",
                unit="replicas",
                today=today.replicas,
                then=then.replicas,
                by=by,
                message=f"{today.title} needs {then.replicas} replicas (today {today.replicas}) "
                f"by {by}: its load passes the per-replica target ({then.replicas_rule})",
            )
        ]
    out = []
    for what, unit, before, after in (
        (
            "CPU request",
            "m",
            today.per_replica.cpu_request_millicores,
            then.per_replica.cpu_request_millicores,
        ),
        (
            "memory request",
            "Mi",
            today.per_replica.memory_request_mib,
            then.per_replica.memory_request_mib,
        ),
    ):
        if after > before:
            out.append(
                Threshold(
                    part="node agent",
                    subject=today.component,
                    what=what,
                    unit=unit,
                    today=before,
                    then=after,
                    by=by,
                    message=f"{today.title}'s {what} per node rises from {before:,.0f}{unit} to "
                    f"{after:,.0f}{unit} by {by} (the busiest node's load grows)",
                )
            )
    return out
