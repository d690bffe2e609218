"""From checked inputs to a Plan: rates, configuration, proxies, gateways, control plane, totals."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from models.errors import PlannerError, ProfileError
from models.knobs import Knobs, SizeFor
from models.plan import (
    GATEWAY_ROLES,
    SCHEMA_VERSION,
    AppTotals,
    Assumption,
    Confidence,
    ControlPlanePlan,
    Finding,
    Formula,
    GatewayPlan,
    Plan,
    ProfileInfo,
    ProxyPlan,
    ResourceTotals,
    ScopingPlan,
    ScopingTotals,
    ToolInfo,
    Totals,
    WorkloadPlan,
    WorkloadScoping,
)
from models.profile import Coefficient, MeshProfile, ObjectFigures, VersionFigures
from planner.inputs.inventory import Inventory
from planner.inputs.traffic import Traffic
from planner.inputs.units import duration_text
from planner.meshes.istio_sidecar.istiod import (
    MeshCounts,
    autoscale_target_percent,
    proxy_memory_mib,
    shared_memory_mib,
    size_control_plane,
)
from planner.meshes.istio_sidecar.scoping import Recommendation, recommend
from planner.meshes.profiles import figures_for, objects_for
from planner.model.defaults import proxy_default
from planner.model.envoy import Scope, proxy_config, service_config
from planner.model.findings import (
    evidence_findings,
    fallback_findings,
    limit_findings,
    proxy_findings,
    rate_findings,
    version_findings,
)
from planner.model.rates import workload_rates
from planner.model.sizing import ProxySizing, bytes_per_object, protect_limits, size_proxies
from planner.version import __version__


@dataclass(frozen=True)
class Resolved:
    """The profile, its figures for the chosen version, and the knobs with defaults filled in."""

    profile: MeshProfile
    figures: VersionFigures
    objects: ObjectFigures
    knobs: Knobs
    sizing: ProxySizing


def resolve(profile: MeshProfile, knobs: Knobs) -> Resolved:
    """Pick the version figures and fill in the knobs the profile gives defaults for."""
    if profile.mesh != knobs.mesh:
        raise ProfileError(
            f"profile {profile.name} is for mesh {profile.mesh.value}, not {knobs.mesh.value}; "
            "pass a profile for that mesh or change --mesh"
        )
    version = knobs.mesh_version or profile.default_mesh_version
    figures = figures_for(profile, version)
    objects = objects_for(profile, version)
    filled = knobs.model_copy(
        update={
            "mesh_version": version,
            "min_gateway_replicas": knobs.min_gateway_replicas
            or int(profile.gateway.min_replicas.value),
        }
    )
    sizing = ProxySizing(profile.proxy, figures, objects, profile.rounding, knobs.headroom_ratio)
    return Resolved(profile, figures, objects, filled, sizing)


@dataclass(frozen=True)
class MeshState:
    """The mesh sized under one visibility (scoped or not): sidecars, gateways, istiod's load."""

    sidecars: pd.DataFrame
    gateways: pd.DataFrame
    counts: MeshCounts


def build_plan(
    inventory: Inventory,
    traffic: Traffic | None,
    profile: MeshProfile,
    knobs: Knobs,
    scope: Scope | None = None,
) -> Plan:
    """Size every proxy, the gateways and the control plane of the mesh in `inventory`.

    With traffic, scoping is recommended from the call graph and priced by the same model; the
    proxies and the control plane are sized for the scoped or the unscoped mesh as `size_for`
    says. `scope`, when given, replaces the recommendation (the accuracy cases use it to rebuild
    published tests); without traffic or scope every sidecar sees the whole mesh.

    Raises PlannerError when `size_for` is scoped but there is nothing to scope from.
    """
    resolved = resolve(profile, knobs)
    knobs = resolved.knobs
    findings: list[Finding] = [*inventory.findings]
    if traffic is not None:
        findings.extend(traffic.findings)
    rates = workload_rates(inventory, traffic.edges if traffic is not None else None)
    # rates come back in the inventory's row order; the raw rps columns are replaced by them
    workloads = inventory.workloads.drop(columns=["rps", "outbound_rps"]).assign(
        **{c: rates[c].to_numpy() for c in rates.columns if c not in ("namespace", "workload")}
    )
    services = service_config(inventory)
    recommendation = (
        recommend(inventory, traffic.edges, knobs)
        if traffic is not None and scope is None
        else None
    )
    if recommendation is not None:
        scope = recommendation.scope
    sized_for = knobs.size_for or (SizeFor.SCOPED if scope is not None else SizeFor.UNSCOPED)
    if sized_for is SizeFor.SCOPED and scope is None:
        raise PlannerError(
            "--size-for scoped: there is no scoping to size for without --traffic; give a "
            "traffic table or size for the unscoped mesh"
        )
    knobs = knobs.model_copy(update={"size_for": sized_for})
    resolved = replace(resolved, knobs=knobs)
    before = _mesh_state(workloads, services, inventory, resolved, None)
    after = _mesh_state(workloads, services, inventory, resolved, scope) if scope else before
    chosen = after if sized_for is SizeFor.SCOPED else before
    trusted = (
        _trusted_scopes(chosen.sidecars, recommendation)
        if sized_for is SizeFor.SCOPED and scope is not None
        else None
    )
    sidecars = _protected(chosen.sidecars, before.sidecars, trusted)
    gateways = _protected(chosen.gateways, before.gateways, None)
    counts = chosen.counts
    control_plane, cp_findings = size_control_plane(
        counts,
        profile.control_plane,
        profile.rounding,
        knobs.headroom_ratio,
        knobs.min_control_plane_replicas,
        knobs.pod_churn_ratio,
    )
    findings.extend(cp_findings)
    findings.extend(rate_findings(workloads, traffic is not None))
    findings.extend(proxy_findings(sidecars, profile))
    findings.extend(limit_findings(sidecars))
    findings.extend(version_findings(resolved.figures, str(knobs.mesh_version)))
    findings.extend(evidence_findings(profile, counts, sidecars, gateways))
    scoping_rows = (
        _scoping_rows(recommendation, before, after) if recommendation is not None else None
    )
    if recommendation is not None:
        findings.extend(fallback_findings(recommendation.workloads))
    default, patch = proxy_default(
        sidecars, knobs.patch_threshold_ratio, profile.proxy, profile.rounding
    )
    sidecars = sidecars.assign(needs_patch=patch)
    workload_plans = _workload_plans(workloads, sidecars, inventory.backing, scoping_rows)
    files = [*inventory.files, *([traffic.file] if traffic is not None else [])]
    return Plan(
        schema_version=SCHEMA_VERSION,
        tool=ToolInfo(name="mesh-planner", version=__version__),
        profile=ProfileInfo(
            name=profile.name,
            title=profile.title,
            profile_version=profile.profile_version,
            mesh=profile.mesh.value,
            mesh_version=str(knobs.mesh_version),
            figures=resolved.figures.label,
        ),
        knobs=knobs,
        inputs=tuple(files),
        formulas=_formulas(resolved),
        assumptions=_assumptions(resolved),
        rounding=profile.rounding,
        workloads=workload_plans,
        gateways=_gateway_plans(gateways),
        control_plane=control_plane,
        proxy_default=default,
        totals=_totals(sidecars, gateways, control_plane),
        scoping=(
            _scoping_plan(recommendation, before, after, resolved)
            if recommendation is not None
            else None
        ),
        findings=tuple(findings),
    )


def _mesh_state(
    workloads: pd.DataFrame,
    services: pd.DataFrame,
    inventory: Inventory,
    resolved: Resolved,
    scope: Scope | None,
) -> MeshState:
    """Sidecars, gateways and istiod's load when proxies see what `scope` lets them see."""
    configured = proxy_config(
        workloads,
        services,
        inventory.backing,
        fixed_clusters=int(resolved.profile.proxy.fixed_clusters.value),
        inbound_listeners_per_port=resolved.objects.inbound_listeners_per_port.value,
        scope=scope,
    )
    sidecars = _size_sidecars(configured, resolved)
    gateways = _size_gateways(configured, resolved)
    watched = services
    pods = workloads
    if scope is not None and scope.discovered is not None:
        spaces = sorted(scope.discovered)
        watched = services.loc[services["namespace"].isin(spaces)]
        pods = workloads.loc[workloads["namespace"].isin(spaces)]
    counts = MeshCounts(
        services=len(watched),
        pods=int(pods["replicas"].sum()),
        endpoints=int((watched["ports"] * np.maximum(watched["pods"], 1)).sum()),
        connected_proxies=int(sidecars["replicas"].sum() + gateways["replicas"].sum()),
        proxy_visible_clusters=int(
            (sidecars["visible_clusters"] * sidecars["replicas"]).sum()
            + (gateways["visible_clusters"] * gateways["replicas"]).sum()
        ),
        proxy_visible_endpoints=int(
            (sidecars["visible_endpoints"] * sidecars["replicas"]).sum()
            + (gateways["visible_endpoints"] * gateways["replicas"]).sum()
        ),
    )
    return MeshState(sidecars, gateways, counts)


def _trusted_scopes(sidecars: pd.DataFrame, recommendation: Recommendation | None) -> pd.Series:
    """Whether each sidecar's scope is trusted: a recommended Sidecar of high confidence (a
    scope given by the caller, as the accuracy cases do, is trusted as it is)."""
    if recommendation is None:
        return pd.Series(True, index=sidecars.index)
    keys = ["namespace", "workload"]
    high = recommendation.workloads.loc[
        recommendation.workloads["confidence"] == Confidence.HIGH.value, keys
    ]
    return pd.Series(
        pd.MultiIndex.from_frame(sidecars[keys]).isin(pd.MultiIndex.from_frame(high)),
        index=sidecars.index,
    )


def _protected(
    sized: pd.DataFrame, unscoped: pd.DataFrame, trusted: pd.Series | None
) -> pd.DataFrame:
    """`protect_limits` with each proxy's whole-mesh request read off the unscoped sizing
    (None: nobody is scoped, so the proxies already see the whole mesh)."""
    keys = ["namespace", "workload"]
    whole = (
        sized[keys]
        .merge(unscoped[[*keys, "memory_request_mib"]], on=keys, how="left")["memory_request_mib"]
        .fillna(sized["memory_request_mib"].reset_index(drop=True))
    )
    whole.index = sized.index
    return protect_limits(
        sized, whole, trusted if trusted is not None else pd.Series(False, index=sized.index)
    )


def _scoping_rows(
    recommendation: Recommendation, before: MeshState, after: MeshState
) -> pd.DataFrame:
    """Per sidecar workload: its scope and what it costs before and after."""
    keys = ["namespace", "workload"]
    costs = ["visible_clusters", "visible_endpoints", "estimated_memory_mib"]
    merged = recommendation.workloads.merge(before.sidecars[[*keys, *costs]], on=keys).merge(
        after.sidecars[[*keys, *costs]], on=keys, suffixes=("_before", "_after")
    )
    return merged


def _scoping_plan(
    recommendation: Recommendation, before: MeshState, after: MeshState, resolved: Resolved
) -> ScopingPlan:
    model = resolved.profile.control_plane
    knobs = resolved.knobs

    def proxies(state: MeshState, column: str) -> float:
        return float(
            (state.sidecars[column] * state.sidecars["replicas"]).sum()
            + (state.gateways[column] * state.gateways["replicas"]).sum()
        )

    def istiod(state: MeshState) -> float:
        return shared_memory_mib(state.counts, model) + proxy_memory_mib(
            state.counts, model, knobs.pod_churn_ratio
        )

    return ScopingPlan(
        granularity=knobs.scope_granularity.value,
        root_namespace=knobs.mesh_root_namespace,
        sized_for=str(knobs.size_for),
        traffic_window_seconds=knobs.traffic_window_seconds,
        traffic_window=(
            "unknown"
            if knobs.traffic_window_seconds is None
            else duration_text(knobs.traffic_window_seconds)
        ),
        sidecars=recommendation.sidecars,
        exports=recommendation.exports,
        discovery=recommendation.discovery,
        totals=ScopingTotals(
            proxy_memory_mib_before=round(proxies(before, "estimated_memory_mib"), 3),
            proxy_memory_mib_after=round(proxies(after, "estimated_memory_mib"), 3),
            push_clusters_before=int(proxies(before, "visible_clusters")),
            push_clusters_after=int(proxies(after, "visible_clusters")),
            push_endpoints_before=int(proxies(before, "visible_endpoints")),
            push_endpoints_after=int(proxies(after, "visible_endpoints")),
            push_listeners_before=int(proxies(before, "visible_listeners")),
            push_listeners_after=int(proxies(after, "visible_listeners")),
            control_plane_memory_mib_before=round(istiod(before), 3),
            control_plane_memory_mib_after=round(istiod(after), 3),
        ),
    )


_CURRENT_FIELDS = (
    "current_cpu_request_millicores",
    "current_memory_request_mib",
    "current_cpu_limit_millicores",
    "current_memory_limit_mib",
    "current_source",
)
_CURRENT_COLUMNS = (
    # (inventory column, plan field, the chart default Istio applies without it)
    ("current_proxy_cpu_millicores", "current_cpu_request_millicores", "cpu_request_floor"),
    ("current_proxy_memory_mib", "current_memory_request_mib", "memory_request_floor"),
    ("current_proxy_cpu_limit_millicores", "current_cpu_limit_millicores", "cpu_limit_floor"),
    ("current_proxy_memory_limit_mib", "current_memory_limit_mib", "memory_limit_floor"),
)


def _with_current(frame: pd.DataFrame, resolved: Resolved) -> pd.DataFrame:
    """The proxy requests and limits set today: the inventory's, or else the chart defaults
    Istio applies."""
    proxy = resolved.profile.proxy
    out = frame.copy()
    given = pd.Series(False, index=out.index)
    for column, field, floor in _CURRENT_COLUMNS:
        values = out.get(column, pd.Series(np.nan, index=out.index))
        default = getattr(proxy, f"{floor}_millicores" if "cpu" in floor else f"{floor}_mib")
        out[field] = values.fillna(default.value)
        given |= values.notna()
    out["current_source"] = np.where(given, "inventory", "chart default")
    return out


def _proxy_inputs(
    frame: pd.DataFrame, rps_per_pod: pd.Series, l4_rps_per_pod: pd.Series | None = None
) -> pd.DataFrame:
    return frame.assign(
        rps_per_pod=rps_per_pod.to_numpy(dtype=np.float64),
        l4_rps_per_pod=(
            0.0 if l4_rps_per_pod is None else l4_rps_per_pod.to_numpy(dtype=np.float64)
        ),
        observed_cpu_millicores=frame["proxy_cpu_millicores"],
        observed_memory_mib=frame["proxy_memory_mib"],
    )


def _size_sidecars(configured: pd.DataFrame, resolved: Resolved) -> pd.DataFrame:
    """Sidecars of injected, running, non-gateway workloads (one row per workload)."""
    meshed = configured.loc[
        configured["mesh_injected"]
        & (configured["replicas"] > 0)
        & ~configured["role"].isin(GATEWAY_ROLES)
    ]
    per_pod = (meshed["inbound_rps"] + meshed["outbound_rps"]) / meshed["replicas"]
    l4_per_pod = (meshed["inbound_l4_rps"] + meshed["outbound_l4_rps"]) / meshed["replicas"]
    inputs = _proxy_inputs(meshed, per_pod, l4_per_pod)
    return _with_current(size_proxies(inputs, resolved.sizing), resolved)


def _size_gateways(configured: pd.DataFrame, resolved: Resolved) -> pd.DataFrame:
    """Gateways: replicas from the CPU they need, then each replica sized as a proxy.

    A request through a gateway passes its proxy once (in from the client, out to the Service),
    so a gateway's throughput is the larger of its inbound and outbound rates.
    """
    gateways = configured.loc[configured["role"].isin(GATEWAY_ROLES)].copy()
    gateway = resolved.profile.gateway
    per_1000 = resolved.figures.cpu_per_1000_rps_millicores.value
    throughput = np.maximum(gateways["inbound_rps"], gateways["outbound_rps"])
    observed_total = (gateways["proxy_cpu_millicores"] * gateways["replicas"]).fillna(0.0)
    needed = np.maximum(throughput / 1000.0 * per_1000, observed_total) * (
        1.0 + resolved.knobs.headroom_ratio
    )
    target = gateway.target_cpu_per_replica_millicores.value
    minimum = int(resolved.knobs.min_gateway_replicas or gateway.min_replicas.value)
    replicas = np.maximum(minimum, np.ceil(np.round(needed / target, 9))).astype(np.int64)
    current = gateways["replicas"].to_numpy()
    gateways["current_replicas"] = current
    gateways["replicas"] = replicas
    gateways["autoscale_min"] = replicas
    gateways["autoscale_max"] = np.maximum(
        replicas + 1, np.ceil(replicas * gateway.autoscale_max_ratio.value)
    ).astype(np.int64)
    gateways["autoscale_target_cpu_percent"] = autoscale_target_percent(
        resolved.knobs.headroom_ratio, gateway.autoscale_headroom_share.value
    )
    gateways["throughput_rps"] = throughput
    with np.errstate(divide="ignore", invalid="ignore"):
        observed_cpu = np.where(
            current > 0, gateways["proxy_cpu_millicores"] * current / replicas, np.nan
        )
    frame = _proxy_inputs(gateways, throughput / replicas).assign(
        observed_cpu_millicores=observed_cpu
    )
    sized = _with_current(size_proxies(frame, resolved.sizing), resolved)
    sized["replicas_rule"] = [
        f"max(minimum {minimum}, CPU {n:,.0f}m / {target:,.0f}m per replica) = {r}"
        for n, r in zip(needed, replicas, strict=True)
    ]
    return sized


def _none_if_nan(values: pd.Series) -> pd.Series:
    """Rounded floats, with None (JSON null) where a figure is unknown."""
    cells = [None if math.isnan(v) else round(float(v), 3) for v in values.to_numpy(dtype=float)]
    return pd.Series(cells, index=values.index, dtype=object)


_PROXY_FIELDS = (
    "estimated_cpu_millicores",
    "estimated_memory_mib",
    "cpu_request_millicores",
    "cpu_limit_millicores",
    "memory_request_mib",
    "memory_limit_mib",
    "memory_limit_basis",
    "whole_mesh_memory_request_mib",
    "scope_trusted",
    "oom_risk",
    "cpu_basis",
    "memory_basis",
    "rps_per_pod",
    "l4_rps_per_pod",
    "visible_services",
    "visible_clusters",
    "visible_endpoints",
    "visible_listeners",
)


def _proxy_plans(sized: pd.DataFrame) -> list[ProxyPlan]:
    """One ProxyPlan per row of a sized frame (the renderer boundary for proxies)."""
    frame = sized[[*_PROXY_FIELDS, *_CURRENT_FIELDS]].copy()
    for column in (
        "estimated_cpu_millicores",
        "estimated_memory_mib",
        "rps_per_pod",
        "l4_rps_per_pod",
    ):
        frame[column] = frame[column].round(3)
    frame["observed_cpu_millicores"] = _none_if_nan(sized["observed_cpu_millicores"])
    frame["observed_memory_mib"] = _none_if_nan(sized["observed_memory_mib"])
    return [ProxyPlan.model_validate(record) for record in frame.to_dict("records")]


def _workload_scopings(rows: pd.DataFrame | None) -> dict[tuple[str, str], WorkloadScoping]:
    if rows is None:
        return {}
    frame = pd.DataFrame(
        {
            "sidecar": rows["sidecar"],
            "confidence": rows["confidence"],
            "reason": rows["reason"],
            "clusters_before": rows["visible_clusters_before"],
            "clusters_after": rows["visible_clusters_after"],
            "endpoints_before": rows["visible_endpoints_before"],
            "endpoints_after": rows["visible_endpoints_after"],
            "estimated_memory_mib_before": rows["estimated_memory_mib_before"].round(3),
            "estimated_memory_mib_after": rows["estimated_memory_mib_after"].round(3),
        }
    )
    frame["sidecar"] = frame["sidecar"].astype(object).where(frame["sidecar"].notna(), None)
    scopings = [WorkloadScoping.model_validate(r) for r in frame.to_dict("records")]
    return dict(zip(zip(rows["namespace"], rows["workload"], strict=True), scopings, strict=True))


def _workload_plans(
    workloads: pd.DataFrame,
    sidecars: pd.DataFrame,
    backing: pd.DataFrame,
    scoping_rows: pd.DataFrame | None,
) -> tuple[WorkloadPlan, ...]:
    keys = list(zip(sidecars["namespace"], sidecars["workload"], strict=True))
    proxies = dict(zip(keys, _proxy_plans(sidecars), strict=True))
    patched = {k for k, p in zip(keys, sidecars["needs_patch"], strict=True) if p}
    scopings = _workload_scopings(scoping_rows)
    services = backing.groupby(["namespace", "workload"])["service"].agg(tuple).to_dict()
    frame = workloads[
        ["namespace", "workload", "kind", "role", "replicas", "mesh_injected", "rps_basis"]
    ].copy()
    frame["inbound_rps"] = workloads["inbound_rps"].round(3)
    frame["outbound_rps"] = workloads["outbound_rps"].round(3)
    frame["app_cpu_millicores"] = _none_if_nan(workloads["app_cpu_millicores"])
    frame["app_memory_mib"] = _none_if_nan(workloads["app_memory_mib"])
    plans = []
    for record in frame.to_dict("records"):
        key = (record["namespace"], record["workload"])
        proxy = proxies.get(key)
        record["services"] = services.get(key, ())
        record["proxy"] = proxy
        record["scoping"] = scopings.get(key)
        record["needs_patch"] = key in patched
        record["not_sized_reason"] = (
            None
            if proxy is not None
            else _not_sized(str(record["role"]), bool(record["mesh_injected"]))
        )
        plans.append(WorkloadPlan.model_validate(record))
    return tuple(plans)


def _not_sized(role: str, injected: bool) -> str:
    if role in GATEWAY_ROLES:
        return "sized as a gateway: see gateways"
    if not injected:
        return "mesh_injected is false: the pods run no sidecar"
    return "scaled to 0 replicas: no proxy runs"


def _gateway_plans(gateways: pd.DataFrame) -> tuple[GatewayPlan, ...]:
    frame = gateways[
        [
            "namespace",
            "workload",
            "role",
            "current_replicas",
            "replicas",
            "autoscale_min",
            "autoscale_max",
            "autoscale_target_cpu_percent",
            "replicas_rule",
        ]
    ].copy()
    frame["throughput_rps"] = gateways["throughput_rps"].round(3)
    frame["per_replica"] = pd.Series(_proxy_plans(gateways), index=frame.index, dtype=object)
    return tuple(GatewayPlan.model_validate(r) for r in frame.to_dict("records"))


def _resource_totals(frame: pd.DataFrame, pods: pd.Series) -> ResourceTotals:
    def total(column: str, per: float) -> float:
        return round(float((frame[column] * pods).sum()) / per, 3)

    return ResourceTotals(
        pods=int(pods.sum()),
        estimated_cpu_cores=total("estimated_cpu_millicores", 1000.0),
        estimated_memory_gib=total("estimated_memory_mib", 1024.0),
        cpu_request_cores=total("cpu_request_millicores", 1000.0),
        memory_request_gib=total("memory_request_mib", 1024.0),
        cpu_limit_cores=total("cpu_limit_millicores", 1000.0),
        memory_limit_gib=total("memory_limit_mib", 1024.0),
    )


def _totals(
    sidecars: pd.DataFrame, gateways: pd.DataFrame, control_plane: ControlPlanePlan
) -> Totals:
    side = _resource_totals(sidecars, sidecars["replicas"])
    gate = _resource_totals(gateways, gateways["replicas"])
    cp_frame = pd.DataFrame([control_plane.per_replica.model_dump()])
    cp = _resource_totals(cp_frame, pd.Series([control_plane.replicas]))
    parts = (side, gate, cp)
    mesh = ResourceTotals(
        pods=sum(p.pods for p in parts),
        estimated_cpu_cores=round(sum(p.estimated_cpu_cores for p in parts), 3),
        estimated_memory_gib=round(sum(p.estimated_memory_gib for p in parts), 3),
        cpu_request_cores=round(sum(p.cpu_request_cores for p in parts), 3),
        memory_request_gib=round(sum(p.memory_request_gib for p in parts), 3),
        cpu_limit_cores=round(sum(p.cpu_limit_cores for p in parts), 3),
        memory_limit_gib=round(sum(p.memory_limit_gib for p in parts), 3),
    )
    known = sidecars.loc[
        sidecars["app_cpu_millicores"].notna() & sidecars["app_memory_mib"].notna()
    ]
    app_cpu = float((known["app_cpu_millicores"] * known["replicas"]).sum()) / 1000.0
    app_memory = float((known["app_memory_mib"] * known["replicas"]).sum()) / 1024.0
    known_side = _resource_totals(known, known["replicas"])
    complete = len(known) == len(sidecars) and len(sidecars) > 0
    return Totals(
        sidecars=side,
        gateways=gate,
        control_plane=cp,
        mesh=mesh,
        app=AppTotals(
            workloads_with_requests=len(known),
            workloads_injected=len(sidecars),
            cpu_request_cores=round(app_cpu, 3),
            memory_request_gib=round(app_memory, 3),
        ),
        sidecar_share_of_app_cpu_ratio=_ratio(known_side.cpu_request_cores, app_cpu),
        sidecar_share_of_app_memory_ratio=_ratio(known_side.memory_request_gib, app_memory),
        mesh_share_of_app_cpu_ratio=_ratio(mesh.cpu_request_cores, app_cpu) if complete else None,
        mesh_share_of_app_memory_ratio=(
            _ratio(mesh.memory_request_gib, app_memory) if complete else None
        ),
    )


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def _formulas(resolved: Resolved) -> tuple[Formula, ...]:
    proxy = resolved.profile.proxy
    figures = resolved.figures
    per_cluster, per_endpoint, per_listener = bytes_per_object(proxy, resolved.objects)
    headroom = resolved.knobs.headroom_ratio
    target = resolved.profile.gateway.target_cpu_per_replica_millicores.value
    return (
        Formula(
            name="sidecar CPU (millicores)",
            expression=f"{proxy.idle_cpu_millicores.value:g} + rps through the proxy per pod / "
            f"1000 x {figures.cpu_per_1000_rps_millicores.value:g}",
        ),
        Formula(
            name="sidecar memory (MiB)",
            expression=f"{figures.base_memory_mib.value:g} + (clusters x {per_cluster:,.0f} B + "
            f"endpoints x {per_endpoint:,.0f} B + listeners x "
            f"{per_listener:,.0f} B) / 2^20",
        ),
        Formula(
            name="request",
            expression=f"max(estimate, observed) x {1 + headroom:g} (headroom {headroom:g}), "
            f"at least {proxy.cpu_request_floor_millicores.value:g}m CPU and "
            f"{proxy.memory_request_floor_mib.value:g}Mi memory, rounded up to "
            f"{resolved.profile.rounding.cpu_step_millicores}m and "
            f"{resolved.profile.rounding.memory_step_mib}Mi",
        ),
        Formula(
            name="limits",
            expression=f"CPU: max(request, {proxy.cpu_limit_floor_millicores.value:g}m); "
            f"memory: request x {proxy.memory_limit_ratio.value:g}",
        ),
        Formula(
            name="gateway replicas",
            expression="max(minimum, max(throughput / 1000 x CPU per 1000 rps, observed) x "
            f"{1 + headroom:g} / {target:g}m per replica)",
        ),
    )


def _assumptions(resolved: Resolved) -> tuple[Assumption, ...]:
    profile = resolved.profile
    groups: list[tuple[str, object]] = [
        ("version", resolved.figures),
        ("objects", resolved.objects),
        ("proxy", profile.proxy),
        ("gateway", profile.gateway),
        ("control_plane", profile.control_plane),
    ]
    out = []
    for prefix, group in groups:
        for name, value in group:  # type: ignore[attr-defined]
            if isinstance(value, Coefficient):
                out.append(Assumption(name=f"{prefix}.{name}", **value.model_dump()))
    return tuple(out)
