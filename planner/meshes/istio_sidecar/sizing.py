"""Istio in sidecar mode, sized: Envoy sidecars and gateways from the configuration each holds
(scoped or not), istiod from what it tracks and serves, and the scoping that narrows both.

With traffic, scoping is recommended from the call graph and priced by the same model; the
proxies and istiod are sized for the scoped or the unscoped mesh as `size_for` says.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from models.errors import PlannerError, ProfileError
from models.knobs import Knobs, SizeFor
from models.plan import (
    GATEWAY_ROLES,
    Assumption,
    CallGraphBasis,
    ControlPlanePlan,
    Formula,
    ProxyModel,
    ScopingPlan,
)
from models.profile import Coefficient
from planner.inputs.inventory import Inventory
from planner.inputs.units import duration_text
from planner.meshes.entry import HeadStart, MeshSizing, SizingInput
from planner.meshes.istio_sidecar.istiod import COMPONENT, MeshCounts, istiod_model
from planner.meshes.istio_sidecar.profile import (
    IstioSidecarProfile,
    ObjectFigures,
    VersionFigures,
    figures_for,
    objects_for,
)
from planner.meshes.istio_sidecar.scoping import (
    ROOT_NAMESPACE,
    Recommendation,
    Selectable,
    group,
    recommendation_of,
    selectable,
)
from planner.model.control_plane import memory_mib, size_component
from planner.model.envoy import (
    EnvoyCosts,
    Scope,
    estimate,
    memory_terms,
    proxy_config,
    service_config,
)
from planner.model.findings import (
    evidence_findings,
    fallback_findings,
    limit_findings,
    proxy_findings,
    version_findings,
)
from planner.model.gateways import GatewayPolicy, replicas_formula, size_gateways
from planner.model.records import CurrentDefaults, assumptions, proxy_inputs, with_current
from planner.model.scoped import (
    protected,
    scoping_rows,
    scoping_totals,
    trusted_scopes,
    workload_scopings,
)
from planner.model.sizing import ProxyPolicy, size_requests
from planner.scoping.callgraph import call_graph
from planner.workers import ASIDE_SERVICES, Ahead


@dataclass(frozen=True)
class Resolved:
    """The profile, its figures for the chosen version, and the knobs with defaults filled in."""

    profile: IstioSidecarProfile
    figures: VersionFigures
    objects: ObjectFigures
    knobs: Knobs
    costs: EnvoyCosts
    policy: ProxyPolicy
    current: CurrentDefaults


def resolve(profile: IstioSidecarProfile, knobs: Knobs) -> Resolved:
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
            "mesh_root_namespace": knobs.mesh_root_namespace or ROOT_NAMESPACE,
            "min_gateway_replicas": knobs.min_gateway_replicas
            or int(profile.gateway.min_replicas.value),
        }
    )
    proxy = profile.proxy
    costs = EnvoyCosts.of(proxy, figures, objects)
    policy = ProxyPolicy.of(proxy, profile.rounding, knobs.headroom_ratio)
    current = CurrentDefaults(
        cpu_request_millicores=proxy.cpu_request_floor_millicores.value,
        memory_request_mib=proxy.memory_request_floor_mib.value,
        cpu_limit_millicores=proxy.cpu_limit_floor_millicores.value,
        memory_limit_mib=proxy.memory_limit_floor_mib.value,
        source="chart default",
    )
    return Resolved(profile, figures, objects, filled, costs, policy, current)


@dataclass(frozen=True)
class MeshState:
    """The mesh sized under one visibility (scoped or not): sidecars, gateways, istiod's load."""

    sidecars: pd.DataFrame
    gateways: pd.DataFrame
    counts: MeshCounts


@dataclass(frozen=True)
class IstioHeadStart(HeadStart):
    """What sizing Istio's sidecars reads of the inventory alone: the Services' configuration
    and the workloads a Sidecar can select (scoping.Selectable)."""

    services: pd.DataFrame
    selectable: Selectable


def head_start(inventory: Inventory, knobs: Knobs) -> IstioHeadStart:
    """The head start `size` takes (MeshEntry.head_start)."""
    return IstioHeadStart(inventory, service_config(inventory), selectable(inventory, knobs))


def size(request: SizingInput) -> MeshSizing:
    """Size Istio's sidecars, gateways and istiod for the inventory.

    Raises PlannerError when `size_for` is scoped but there is nothing to scope from.
    """
    profile = request.profile
    assert isinstance(profile, IstioSidecarProfile)
    inventory, traffic = request.inventory, request.traffic
    scope = request.scope
    assert scope is None or isinstance(scope, Scope)
    resolved = resolve(profile, request.knobs)
    knobs = resolved.knobs
    ahead = request.ahead(IstioHeadStart)
    services = ahead.services if ahead is not None else service_config(inventory)
    graph = call_graph(inventory, traffic.edges if traffic is not None else None)
    scoping = graph is not None and scope is None  # a recommendation gives the scope
    sized_for = knobs.size_for or (
        SizeFor.SCOPED if scoping or scope is not None else SizeFor.UNSCOPED
    )
    if sized_for is SizeFor.SCOPED and scope is None and not scoping:
        raise PlannerError(
            "--size-for scoped: there is no scoping to size for without --traffic; give a "
            "traffic table or size for the unscoped mesh"
        )
    given = knobs  # scoping reads the knobs as given
    knobs = knobs.model_copy(update={"size_for": sized_for})
    resolved = replace(resolved, knobs=knobs)
    assumptions = assumptions_of(resolved)
    values = {a.name: a.value for a in assumptions}

    def unscoped() -> tuple[pd.DataFrame, MeshState]:
        workloads = request.workloads
        return workloads, _mesh_state(workloads, services, inventory, resolved, None)

    # in a large mesh, what does not depend on scoping (the rates, the unscoped mesh) is worked
    # out in a forked child while this process groups the workloads; then the mesh under the
    # recommended scope in another while this one writes the resources (planner.workers.Ahead).
    # Errors come in the same order forked or not: scoping's first, as Ahead runs unforked work
    # where its result is taken.
    grouping = None
    aside = scoping and len(inventory.services) >= ASIDE_SERVICES
    with Ahead(unscoped, aside=aside) as early:
        if graph is not None and scoping:
            grouping = group(
                inventory, graph, given, ahead.selectable if ahead is not None else None
            )
            scope = grouping.scope
        workloads, before = early.result()
    request.rated.give(workloads)

    def scoped() -> MeshState:
        return _mesh_state(workloads, services, inventory, resolved, scope) if scope else before

    with Ahead(scoped, aside=aside) as later:
        recommendation = (
            recommendation_of(grouping, request.resources) if grouping is not None else None
        )
        after = later.result()
    recommended = request.announced(
        _scoping_plan(recommendation, before, after, resolved, values, graph.basis)
        if recommendation is not None and graph is not None
        else None
    )
    chosen = after if sized_for is SizeFor.SCOPED else before
    trusted = (
        _trusted_scopes(chosen.sidecars, recommendation)
        if sized_for is SizeFor.SCOPED and scope is not None
        else None
    )
    sidecars = protected(chosen.sidecars, before.sidecars, trusted)
    gateways = protected(chosen.gateways, before.gateways, None)
    component, findings = size_component(
        istiod_model(chosen.counts, profile.control_plane, knobs.pod_churn_ratio),
        values,
        profile.rounding,
        knobs.headroom_ratio,
        int(knobs.min_control_plane_replicas or 1),
    )
    findings.extend(
        proxy_findings(sidecars, profile.proxy.concurrency.value, "raise the proxy concurrency")
    )
    findings.extend(limit_findings(sidecars))
    figures = resolved.figures
    findings.extend(version_findings(figures, str(knobs.mesh_version)))
    findings.extend(evidence_findings(_measured(profile, chosen.counts, sidecars, gateways)))
    rows = (
        scoping_rows(recommendation.workloads, before.sidecars, after.sidecars)
        if recommendation is not None and request.resources
        else None
    )
    if recommendation is not None:
        findings.extend(fallback_findings(recommendation.workloads))
    return MeshSizing(
        knobs=knobs,
        figures=resolved.figures.label,
        sidecars=sidecars,
        gateways=gateways,
        gateways_sized_apart=True,
        control_plane=ControlPlanePlan(components=(component,)),
        scoping=recommended,
        scoping_note=(
            f"Sidecar resources, exportTo and discovery selectors from the {graph.basis} call graph"
            if recommendation is not None and graph is not None
            else "not assessed: scoping is recommended from a traffic table (--traffic)"
        ),
        workload_scopings=workload_scopings(rows),
        findings=tuple(findings),
        formulas=_formulas(resolved),
        assumptions=assumptions,
        proxy_model=PROXY_MODEL,
        proxy_policy=resolved.policy,
        current=resolved.current,
        applies_today=APPLIES_TODAY.format(
            cpu=resolved.current.cpu_request_millicores,
            memory=resolved.current.memory_request_mib,
            cpu_limit=resolved.current.cpu_limit_millicores,
            memory_limit=resolved.current.memory_limit_mib,
        ),
    )


PROXY_MODEL = ProxyModel(
    idle_cpu="proxy.idle_cpu_millicores",
    cpu_per_1000_rps="version.cpu_per_1000_rps_millicores",
    tcp_cpu_ratio="proxy.tcp_cpu_ratio",
    base_memory="version.base_memory_mib",
    memory_terms=memory_terms(
        "objects.memory_per_cluster_bytes", "objects.memory_per_endpoint_bytes"
    ),
)
"""Envoy's cost (planner.model.envoy) as the plan states it, for reports to recompute."""

APPLIES_TODAY = (
    "the istiod chart's global.proxy.resources: requests {cpu:g}m CPU and {memory:g}Mi memory, "
    "limits {cpu_limit:g}m and {memory_limit:g}Mi"
)


def _measured(
    profile: IstioSidecarProfile,
    counts: MeshCounts,
    sidecars: pd.DataFrame,
    gateways: pd.DataFrame,
) -> list[tuple[str, int, Coefficient]]:
    """This mesh's size against the largest published tests the model rests on."""
    proxies = pd.concat([sidecars, gateways], ignore_index=True)
    evidence = profile.evidence
    return [
        ("connected proxies", counts.connected_proxies, evidence.connected_proxies),
        ("endpoints tracked by istiod", counts.endpoints, evidence.endpoints),
        (
            "endpoints in one proxy's configuration",
            int(proxies["visible_endpoints"].max()) if len(proxies) else 0,
            evidence.endpoints_per_proxy,
        ),
        (
            "clusters in one proxy's configuration",
            int(proxies["visible_clusters"].max()) if len(proxies) else 0,
            evidence.clusters_per_proxy,
        ),
    ]


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
    return trusted_scopes(sidecars, recommendation.workloads)


def _scoping_plan(
    recommendation: Recommendation,
    before: MeshState,
    after: MeshState,
    resolved: Resolved,
    values: dict[str, float],
    basis: CallGraphBasis,
) -> ScopingPlan:
    knobs = resolved.knobs

    def istiod(state: MeshState) -> float:
        model = istiod_model(state.counts, resolved.profile.control_plane, knobs.pod_churn_ratio)
        return sum(memory_mib(model, values))

    return ScopingPlan(
        mechanism="Sidecar resources, exportTo and discovery selectors",
        call_graph=basis,
        resource_kind="Sidecar",
        entry_label="Egress hosts",
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
        totals=scoping_totals(
            (before.sidecars, before.gateways),
            (after.sidecars, after.gateways),
            istiod(before),
            istiod(after),
        ),
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
    estimated = estimate(proxy_inputs(meshed, per_pod, l4_per_pod), resolved.costs)
    return with_current(size_requests(estimated, resolved.policy), resolved.current)


def _gateway_policy(resolved: Resolved) -> GatewayPolicy:
    gateway = resolved.profile.gateway
    return GatewayPolicy.of(gateway, resolved.knobs.min_gateway_replicas)


def _size_gateways(configured: pd.DataFrame, resolved: Resolved) -> pd.DataFrame:
    """Gateways sized apart (planner.model.gateways), at the profile's gateway policy."""
    policy = _gateway_policy(resolved)
    return size_gateways(
        configured,
        resolved.costs,
        resolved.policy,
        resolved.current,
        policy,
        resolved.knobs.headroom_ratio,
    )


def _formulas(resolved: Resolved) -> tuple[Formula, ...]:
    return (
        *resolved.costs.formulas(),
        *resolved.policy.formulas(),
        replicas_formula(_gateway_policy(resolved), resolved.knobs.headroom_ratio),
    )


def assumptions_of(resolved: Resolved) -> tuple[Assumption, ...]:
    profile = resolved.profile
    return assumptions(
        [
            ("version", resolved.figures),
            ("objects", resolved.objects),
            ("proxy", profile.proxy),
            ("gateway", profile.gateway),
            ("control_plane", profile.control_plane),
        ]
    )


__all__ = ["COMPONENT", "MeshState", "Resolved", "resolve", "size"]
