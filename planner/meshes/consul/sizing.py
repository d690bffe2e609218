"""Consul, sized: consul-dataplane sidecars (Envoy and the dataplane process in one container)
from the upstreams each Envoy is configured with and the requests through it, gateways like
any Envoy gateway, the servers and the connect injector (planner.meshes.consul.servers), and
intentions that narrow what each proxy holds (planner.meshes.consul.intentions).

    sidecar CPU    = Envoy idle + dataplane + rps through the proxy per pod / 1000 x per 1000
    sidecar memory = Envoy base + dataplane + (clusters x per cluster + endpoints x per endpoint
                     + listeners x per listener) / 2^20          (planner.model.envoy)

What an Envoy is configured with, as consul-k8s sets it up: with transparent proxy, one cluster,
one filter chain and the endpoints of every service of the mesh its intentions allow (all of
them while intentions allow all); with explicit upstreams, those listed. A Consul service is a
Kubernetes Service that selects meshed pods: one cluster whatever its ports, one endpoint per
meshed pod behind it.
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
    ComponentPlan,
    ControlPlanePlan,
    Finding,
    Formula,
    ProxyModel,
    ScopingPlan,
    Term,
)
from models.profile import Coefficient
from planner.frames import grouped_dict, grouped_integers, matched
from planner.inputs.inventory import Inventory
from planner.inputs.tables import per_distinct
from planner.inputs.units import duration_text
from planner.meshes.consul import servers
from planner.meshes.consul.intentions import (
    Recommendation,
    allowed,
    intentions_of,
    outcomes_of,
    recommendation_of,
    scope_of,
)
from planner.meshes.consul.profile import ConsulProfile, ConsulVersionFigures, figures_for
from planner.meshes.consul.upstreams import parse_upstreams
from planner.meshes.entry import HeadStart, MeshSizing, SizingInput
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
    count_of,
    evidence_findings,
    fallback_findings,
    limit_findings,
    name_list,
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

KEYS = ["namespace", "workload"]
INSTALL_NAMESPACE = "consul"
"""Where consul-k8s is installed (the chart's documented `helm install --namespace consul`):
the mesh-wide default-deny intention is written there."""

CURRENT = CurrentDefaults(
    cpu_request_millicores=0.0,
    memory_request_mib=0.0,
    cpu_limit_millicores=0.0,
    memory_limit_mib=0.0,
    source="none set",
)
"""What a Consul sidecar gets without settings: the chart sets no sidecar resources."""

APPLIES_TODAY = (
    "no requests or limits: the consul chart's connectInject.sidecarProxy.resources are null "
    "by default (its comments recommend {cpu:g}m CPU and {memory:g}Mi memory, request and "
    "limit, for production; this plan's default replaces that recommendation)"
)
MORE_WORKERS = (
    "raise consul.hashicorp.com/consul-envoy-proxy-concurrency (Envoy's worker threads) and the "
    "CPU limit with it"
)
PROXY_MODEL = ProxyModel(
    idle_cpu="proxy.idle_cpu_millicores",
    cpu_per_1000_rps="version.cpu_per_1000_rps_millicores",
    tcp_cpu_ratio="proxy.tcp_cpu_ratio",
    base_memory="version.base_memory_mib",
    memory_terms=(
        Term(driver=None, coefficient="proxy.dataplane_memory_mib", divisor=1.0),
        *memory_terms("version.memory_per_cluster_bytes", "version.memory_per_endpoint_bytes"),
    ),
    extra_cpu=("proxy.dataplane_cpu_millicores",),
)
"""The model above as the plan states it, for reports to recompute."""


@dataclass(frozen=True)
class Resolved:
    """The profile, its figures for the chosen version, and the knobs with defaults filled in."""

    profile: ConsulProfile
    figures: ConsulVersionFigures
    knobs: Knobs
    costs: EnvoyCosts
    policy: ProxyPolicy
    gateway: GatewayPolicy
    zones: int


def resolve(profile: ConsulProfile, knobs: Knobs) -> Resolved:
    """Pick the version figures and fill in the knobs the profile gives defaults for."""
    if profile.mesh != knobs.mesh:
        raise ProfileError(
            f"profile {profile.name} is for mesh {profile.mesh.value}, not {knobs.mesh.value}; "
            "pass a profile for that mesh or change --mesh"
        )
    version = knobs.mesh_version or profile.default_mesh_version
    figures = figures_for(profile, version)
    proxy, gateway = profile.proxy, profile.gateway
    filled = knobs.model_copy(
        update={
            "mesh_version": version,
            "min_gateway_replicas": knobs.min_gateway_replicas or int(gateway.min_replicas.value),
        }
    )
    costs = EnvoyCosts.of(
        proxy,
        figures,
        figures,
        beside_cpu_millicores=proxy.dataplane_cpu_millicores.value,
        beside_memory_mib=proxy.dataplane_memory_mib.value,
    )
    policy = ProxyPolicy.of(proxy, profile.rounding, knobs.headroom_ratio)
    gateways = GatewayPolicy.of(gateway, filled.min_gateway_replicas)
    zones = knobs.availability_zones or int(profile.server.zones_for_zoned_servers.value)
    return Resolved(profile, figures, filled, costs, policy, gateways, zones)


@dataclass(frozen=True)
class MeshState:
    """The mesh sized under one configuration (today's or the recommended intentions)."""

    sidecars: pd.DataFrame
    gateways: pd.DataFrame
    counts: servers.MeshCounts


@dataclass(frozen=True)
class ConsulHeadStart(HeadStart):
    """What sizing Consul reads of the inventory alone: the meshed workloads with their Consul
    names (`_members`) and what reading them found, and the services Consul registers with
    their backing rows (`registered`)."""

    members: pd.DataFrame
    findings: tuple[Finding, ...]
    services: pd.DataFrame
    backing: pd.DataFrame


def head_start(inventory: Inventory, knobs: Knobs) -> ConsulHeadStart:
    """The head start `size` takes (MeshEntry.head_start). It reads the inventory's workloads:
    their rates, which need the traffic, play no part in it."""
    workloads = inventory.workloads
    candidates, _ = mesh_services(inventory, workloads)
    members, findings = _members(inventory, workloads, candidates)
    services, backing = registered(candidates, members, inventory, workloads)
    return ConsulHeadStart(inventory, members, tuple(findings), services, backing)


def size(request: SizingInput) -> MeshSizing:
    """Size Consul's sidecars, gateways, servers and connect injector for the inventory."""
    profile = request.profile
    assert isinstance(profile, ConsulProfile)
    inventory, traffic = request.inventory, request.traffic
    resolved = resolve(profile, request.knobs)
    knobs = resolved.knobs
    catalog = request.ahead(ConsulHeadStart) or head_start(inventory, knobs)
    members, services, backing = catalog.members, catalog.services, catalog.backing
    findings: list[Finding] = [*catalog.findings]
    today = _today_scope(members)
    graph = call_graph(inventory, traffic.edges if traffic is not None else None)
    permitted = allowed(inventory, graph, knobs, members, services) if graph is not None else None
    sized_for = knobs.size_for or (SizeFor.SCOPED if permitted is not None else SizeFor.UNSCOPED)
    if sized_for is SizeFor.SCOPED and permitted is None:
        raise PlannerError(
            "--size-for scoped: there are no intentions to size for without --traffic; give a "
            "traffic table or size for the mesh as it is"
        )
    knobs = knobs.model_copy(update={"size_for": sized_for})
    resolved = replace(resolved, knobs=knobs)
    assumptions = assumptions_of(resolved)
    values = {a.name: a.value for a in assumptions}

    def states() -> tuple[pd.DataFrame, MeshState, MeshState]:
        workloads = request.workloads
        scoped = scope_of(permitted, services) if permitted is not None else None
        before = _mesh_state(workloads, services, backing, resolved, today)
        after = _mesh_state(workloads, services, backing, resolved, scoped) if scoped else before
        return workloads, before, after

    # the workloads' rates worked out, the recommended intentions priced and the mesh sized
    # under today's and the recommended intentions, while the intentions, the risks and the
    # upstream lists are written: in a large mesh in a forked child. Errors come in the order
    # of one process, forked or not: the intentions' first.
    intentions = outcomes = None
    aside = permitted is not None and len(inventory.services) >= ASIDE_SERVICES
    with Ahead(states, aside=aside) as early:
        if permitted is not None:
            intentions = (
                intentions_of(permitted, inventory, knobs, INSTALL_NAMESPACE)
                if request.resources
                else ()
            )
            outcomes = outcomes_of(permitted, services, request.resources)
        workloads, before, after = early.result()
    request.rated.give(workloads)
    recommendation = (
        recommendation_of(permitted, intentions, outcomes)
        if permitted is not None and intentions is not None and outcomes is not None
        else None
    )
    scoping = request.announced(
        _scoping_plan(recommendation, before, after, resolved, values, graph.basis)
        if recommendation is not None and graph is not None
        else None
    )
    chosen = after if sized_for is SizeFor.SCOPED else before
    trusted = (
        trusted_scopes(chosen.sidecars, recommendation.workloads)
        if sized_for is SizeFor.SCOPED and recommendation is not None
        else None
    )
    sidecars = protected(chosen.sidecars, before.sidecars, trusted)
    gateways = protected(chosen.gateways, before.gateways, None)
    components, component_findings = _components(chosen.counts, resolved, values)
    findings.extend(component_findings)
    findings.extend(proxy_findings(sidecars, profile.proxy.concurrency.value, MORE_WORKERS))
    findings.extend(limit_findings(sidecars, "Envoy's"))
    figures = resolved.figures
    findings.extend(version_findings(figures, str(knobs.mesh_version)))
    findings.extend(evidence_findings(_measured(profile, chosen.counts)))
    findings.extend(_consul_findings(resolved, members, inventory, gateways, recommendation))
    if recommendation is not None:
        findings.extend(
            fallback_findings(
                recommendation.workloads.loc[recommendation.workloads["viewer"].notna()].rename(
                    columns={"viewer": "sidecar"}
                )
            )
        )
    rows = (
        scoping_rows(
            recommendation.workloads.rename(columns={"viewer": "sidecar"}),
            before.sidecars,
            after.sidecars,
        )
        if recommendation is not None and request.resources
        else None
    )
    current = profile.proxy
    return MeshSizing(
        knobs=knobs,
        figures=f"{figures.label}; {int(current.concurrency.value)} worker threads",
        sidecars=sidecars,
        gateways=gateways,
        gateways_sized_apart=True,
        control_plane=ControlPlanePlan(components=tuple(components)),
        scoping=scoping,
        scoping_note=(
            f"service intentions from the {graph.basis} call graph: a default deny and one "
            f"allow per {graph.basis} caller"
            if recommendation is not None and graph is not None
            else "not assessed: intentions are recommended from a traffic table (--traffic)"
        ),
        workload_scopings=workload_scopings(rows),
        findings=tuple(findings),
        formulas=_formulas(resolved),
        assumptions=assumptions,
        proxy_model=PROXY_MODEL,
        proxy_policy=resolved.policy,
        current=CURRENT,
        applies_today=APPLIES_TODAY.format(
            cpu=current.recommended_cpu_millicores.value,
            memory=current.recommended_memory_mib.value,
        ),
    )


def mesh_services(
    inventory: Inventory, workloads: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The services Consul knows (Kubernetes Services that select meshed pods; ExternalName
    Services and ServiceEntries are not in its catalog), with what each costs an Envoy: one
    cluster and one filter chain, and one endpoint per meshed pod behind it. Also the backing
    rows of those services, by meshed workloads."""
    meshed = workloads.loc[workloads["mesh_injected"], [*KEYS, "replicas"]]
    backing = inventory.backing.merge(meshed[KEYS], on=KEYS)
    counted = backing.merge(meshed, on=KEYS)
    pods = _pods(counted)
    config = service_config(inventory)
    config = config.loc[~config["type"].isin(["ExternalName", "ServiceEntry"])]
    out = config.drop(columns=["pods"]).merge(pods, on=["namespace", "service"])
    out = out.assign(
        ports=1, clusters=1, endpoints=out["pods"].astype(np.int64), listeners=1
    ).reset_index(drop=True)
    backing = matched(backing, ["namespace", "service"], out)
    return out, backing


def _pods(counted: pd.DataFrame) -> pd.DataFrame:
    """The meshed pods behind each (namespace, service) of `counted`'s backing rows with their
    workloads' replicas, the services in sorted order: a groupby's sum on integer keys."""
    pods = grouped_integers(counted, ["namespace", "service"], "replicas", "sum")
    return pods.rename(columns={"replicas": "pods"})


def registered(
    candidates: pd.DataFrame, members: pd.DataFrame, inventory: Inventory, workloads: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The services Consul registers: of the Services selecting meshed pods, the one each pod
    registers as (its connect-service annotation, or the Service that selects it), with the
    backing rows of those pods only."""
    chosen = members.loc[members["consul_name"] != "", [*KEYS, "consul_name"]].rename(
        columns={"consul_name": "service"}
    )
    backing = inventory.backing.merge(chosen, on=[*KEYS, "service"])
    counted = backing.merge(workloads[[*KEYS, "replicas"]], on=KEYS)
    pods = _pods(counted)
    services = (
        candidates.drop(columns=["pods", "endpoints"])
        .merge(pods, on=["namespace", "service"])
        .reset_index(drop=True)
    )
    services["endpoints"] = services["pods"].astype(np.int64)
    return services, backing[["namespace", "service", "workload"]].reset_index(drop=True)


def _members(
    inventory: Inventory, workloads: pd.DataFrame, services: pd.DataFrame
) -> tuple[pd.DataFrame, list[Finding]]:
    """Meshed, running workloads (gateways included, as intention sources): their Consul service
    name, transparent proxy, and the upstreams they list."""
    meshed = workloads.loc[
        workloads["mesh_injected"] & (workloads["replicas"] > 0), [*KEYS, "role"]
    ].reset_index(drop=True)
    settings = inventory.proxy_settings
    if settings is None:
        settings = meshed[KEYS].assign(transparent_proxy=True, upstreams="", consul_service="")
    members = meshed.merge(settings, on=KEYS, how="left")
    members["transparent_proxy"] = members["transparent_proxy"].fillna(True).astype(bool)
    members["upstreams"] = members["upstreams"].fillna("").astype(str)
    members["consul_service"] = members["consul_service"].fillna("").astype(str)
    named = inventory.backing.merge(services[["namespace", "service"]], on=["namespace", "service"])
    # the Services selecting each member, in name order (most members have one)
    names = grouped_dict(named, KEYS, "service")
    listed = [
        found if len(found) < 2 else tuple(sorted(found))
        for found in (
            names.get(key, ())
            for key in zip(members["namespace"].tolist(), members["workload"].tolist(), strict=True)
        )
    ]
    # the annotation's first name, worked out once per distinct annotation (most are empty)
    annotated = per_distinct(
        members["consul_service"], lambda given: given.str.split(",").str[0].str.strip()
    ).tolist()
    members["consul_name"] = [
        a if a else (n[0] if n else "") for a, n in zip(annotated, listed, strict=True)
    ]
    findings: list[Finding] = []
    several = members.loc[
        [len(n) > 1 and not a for n, a in zip(listed, annotated, strict=True)], KEYS
    ]
    if len(several):
        findings.append(
            Finding(
                code="several-services-select-pod",
                subject=count_of(len(several), "workload"),
                message="more than one Kubernetes Service selects these pods, and consul-k8s "
                "refuses to inject such a pod unless consul.hashicorp.com/connect-service names "
                "the one it registers as; sized as the first in name order "
                f"({name_list(several)})",
            )
        )
    unnamed = members.loc[members["consul_name"] == "", KEYS]
    if len(unnamed):
        findings.append(
            Finding(
                code="no-service-for-pod",
                subject=count_of(len(unnamed), "workload"),
                message="no Kubernetes Service selects these meshed pods, and consul-k8s needs "
                "one to register a pod (or consul.hashicorp.com/connect-service): they are sized "
                f"as if registered, and no intention can name them ({name_list(unnamed)})",
            )
        )
    grants, unknown = parse_upstreams(members, services)
    members["upstream_grants"] = pd.Series(
        [
            grants.get(key, ())
            for key in zip(members["namespace"].tolist(), members["workload"].tolist(), strict=True)
        ],
        index=members.index,
        dtype=object,
    )
    if unknown:
        findings.append(
            Finding(
                code="upstream-not-in-inventory",
                subject=count_of(len(unknown), "upstream"),
                message="consul.hashicorp.com/connect-service-upstreams names services the "
                "inventory has no meshed Service for; they are left out of the proxies' "
                f"configuration ({', '.join(unknown[:5])}"
                f"{' and more' if len(unknown) > 5 else ''})",
            )
        )
    return members, findings


def _today_scope(members: pd.DataFrame) -> Scope | None:
    """What proxies hold today: every service of the mesh in transparent-proxy mode (intentions
    allow all), the listed upstreams otherwise. None when every proxy sees everything."""
    explicit = members.loc[~members["transparent_proxy"]]
    if explicit.empty:
        return None
    viewers = explicit[KEYS].assign(viewer="upstreams:" + explicit["workload"])
    rows = [
        (ns, f"upstreams:{w}", sns, svc)
        for ns, w, grants in zip(
            explicit["namespace"], explicit["workload"], explicit["upstream_grants"], strict=True
        )
        for sns, svc in grants
    ]
    return Scope(
        viewers=viewers.reset_index(drop=True),
        namespace_grants=pd.DataFrame(columns=["namespace", "viewer", "service_namespace"]),
        service_grants=pd.DataFrame(
            rows, columns=["namespace", "viewer", "service_namespace", "service"]
        ),
        exports=pd.DataFrame(columns=["service_namespace", "service", "exported_to"]),
        discovered=None,
    )


def _mesh_state(
    workloads: pd.DataFrame,
    services: pd.DataFrame,
    backing: pd.DataFrame,
    resolved: Resolved,
    scope: Scope | None,
) -> MeshState:
    """Sidecars, gateways and the servers' load when proxies hold what `scope` allows."""
    proxy = resolved.profile.proxy
    configured = proxy_config(
        workloads,
        services,
        backing,
        fixed_clusters=int(proxy.fixed_clusters.value),
        scope=scope,
    )
    configured["visible_listeners"] += int(proxy.fixed_listeners.value)
    sidecars = _size_sidecars(configured, resolved)
    gateways = size_gateways(
        configured,
        resolved.costs,
        resolved.policy,
        CURRENT,
        resolved.gateway,
        resolved.knobs.headroom_ratio,
    )
    counts = servers.MeshCounts(
        services=len(services),
        service_instances=int(sidecars["replicas"].sum() + gateways["replicas"].sum()),
        connected_dataplanes=int(sidecars["replicas"].sum() + gateways["replicas"].sum()),
        upstream_watches=int(
            (sidecars["visible_services"] * sidecars["replicas"]).sum()
            + (gateways["visible_services"] * gateways["replicas"]).sum()
        ),
        workloads=len(sidecars) + len(gateways),
    )
    return MeshState(sidecars, gateways, counts)


def _size_sidecars(configured: pd.DataFrame, resolved: Resolved) -> pd.DataFrame:
    """Sidecars of meshed, running, non-gateway workloads (one row per workload)."""
    meshed = configured.loc[
        configured["mesh_injected"]
        & (configured["replicas"] > 0)
        & ~configured["role"].isin(GATEWAY_ROLES)
    ]
    per_pod = (meshed["inbound_rps"] + meshed["outbound_rps"]) / meshed["replicas"]
    l4_per_pod = (meshed["inbound_l4_rps"] + meshed["outbound_l4_rps"]) / meshed["replicas"]
    estimated = estimate(proxy_inputs(meshed, per_pod, l4_per_pod), resolved.costs)
    return with_current(size_requests(estimated, resolved.policy), CURRENT)


def _components(
    counts: servers.MeshCounts, resolved: Resolved, values: dict[str, float]
) -> tuple[list[ComponentPlan], list[Finding]]:
    """The servers (a quorum, with their disk) and the connect injector."""
    profile, knobs = resolved.profile, resolved.knobs
    minimum = int(knobs.min_control_plane_replicas or 1)
    server, findings = size_component(
        servers.server(counts, profile, resolved.zones, knobs.availability_zones is not None),
        values,
        profile.rounding,
        knobs.headroom_ratio,
        minimum,
    )
    working_set = server.single_replica_estimated_memory_mib / profile.server.memory_multiple.value
    server = server.model_copy(
        update={"storage": servers.storage(profile.server, working_set, counts.service_instances)}
    )
    injector, found = size_component(
        servers.connect_injector(counts, profile),
        values,
        profile.rounding,
        knobs.headroom_ratio,
        minimum,
    )
    findings.extend(found)
    findings.extend(servers.csr_findings(profile.server, counts.service_instances))
    return [server, injector], findings


def _measured(
    profile: ConsulProfile, counts: servers.MeshCounts
) -> list[tuple[str, int, Coefficient]]:
    evidence = profile.evidence
    return [
        ("service instances", counts.service_instances, evidence.service_instances),
        ("connected proxies", counts.connected_dataplanes, evidence.connected_proxies),
    ]


def _consul_findings(
    resolved: Resolved,
    members: pd.DataFrame,
    inventory: Inventory,
    gateways: pd.DataFrame,
    recommendation: Recommendation | None,
) -> list[Finding]:
    profile, knobs = resolved.profile, resolved.knobs
    model = profile.server
    findings = [
        Finding(
            code="consul-heuristic-figures",
            subject="Consul servers and sidecars",
            message="HashiCorp publishes no Envoy-per-request figure for Consul and no figure "
            "relating a server's memory to its catalog: the sidecar's CPU uses the published "
            "figure of the same Envoy in another mesh's load test, the dataplane process a small "
            "Consul process's ECS figure, and the servers' working set mesh-planner's estimate "
            "per registration (each assumption names its source); "
            "measure consul.runtime.alloc_bytes and the sidecars' usage (--inventory columns "
            "proxy_cpu_millicores and proxy_memory_mib) to replace them",
        ),
    ]
    if knobs.availability_zones is None:
        findings.append(
            Finding(
                code="availability-zones-assumed",
                subject="Consul servers",
                message=f"the cluster's availability zones are unknown, so {resolved.zones} are "
                "assumed and the servers are 5 voters spread over them; pass "
                "--availability-zones with the zones your nodes span",
            )
        )
    elif knobs.availability_zones == 2:
        findings.append(
            Finding(
                code="two-zones-quorum",
                subject="Consul servers",
                message="over 2 availability zones one zone holds 2 of the 3 servers, and "
                "losing it loses the quorum: use a third zone for the servers if you can",
            )
        )
    names = members.loc[members["consul_name"] != "", ["namespace", "consul_name"]]
    spread = names.drop_duplicates().groupby("consul_name")["namespace"].nunique()
    shared = sorted(spread.loc[spread > 1].index)
    if shared:
        findings.append(
            Finding(
                code="service-name-in-several-namespaces",
                subject=count_of(len(shared), "service name"),
                message="these service names exist in more than one namespace; without Consul "
                "Enterprise namespaces (mirroring) they register as one Consul service, which "
                f"merges their instances and their intentions ({', '.join(shared[:5])})",
            )
        )
    explicit = members.loc[~members["transparent_proxy"]]
    if len(explicit):
        findings.append(
            Finding(
                code="explicit-upstreams",
                subject=count_of(len(explicit), "workload"),
                message="these workloads run without transparent proxy and are configured with "
                "the upstreams they list (consul.hashicorp.com/connect-service-upstreams), not "
                f"with every allowed service ({name_list(explicit)})",
            )
        )
    if len(gateways):
        findings.append(
            Finding(
                code="gateways-see-the-mesh",
                subject=count_of(len(gateways), "gateway"),
                message="gateways are sized as Envoys holding every service of the mesh: their "
                "configuration follows their routes, not intentions",
            )
        )
    class_cpu = model.reference_cpu_millicores.value
    class_memory = model.reference_memory_mib.value
    findings.append(
        Finding(
            code="server-class",
            subject="Consul servers",
            message=f"HashiCorp's reference architecture asks {class_cpu / 1000:g} cores and "
            f"{class_memory / 1024:,.0f} GiB per production server (virtual machines); the "
            "plan's requests are what this catalog and its proxies need by the model, on "
            "Kubernetes nodes that share their disk and network. Keep the servers on nodes "
            "with local SSDs of the disk class shown, away from noisy neighbours",
        )
    )
    if recommendation is not None and recommendation.open.shape[0]:
        findings.append(
            Finding(
                code="intentions-left-open",
                subject=count_of(len(recommendation.open), "service"),
                message="these services are called by a meshed workload Consul knows by no "
                "service name, so their intentions keep allowing every source",
            )
        )
    return findings


def _scoping_plan(
    recommendation: Recommendation,
    before: MeshState,
    after: MeshState,
    resolved: Resolved,
    values: dict[str, float],
    basis: CallGraphBasis,
) -> ScopingPlan:
    knobs = resolved.knobs

    def server_memory(state: MeshState) -> float:
        model = servers.server(state.counts, resolved.profile, resolved.zones, True)
        return sum(memory_mib(model, values))

    return ScopingPlan(
        mechanism=f"service intentions: a default deny and one allow per {basis} caller",
        call_graph=basis,
        resource_kind="ServiceIntentions",
        entry_label="Sources allowed",
        granularity="service",
        root_namespace=None,
        sized_for=str(knobs.size_for),
        traffic_window_seconds=knobs.traffic_window_seconds,
        traffic_window=(
            "unknown"
            if knobs.traffic_window_seconds is None
            else duration_text(knobs.traffic_window_seconds)
        ),
        intentions=recommendation.intentions,
        upstreams=recommendation.upstreams,
        at_risk=recommendation.at_risk,
        totals=scoping_totals(
            (before.sidecars, before.gateways),
            (after.sidecars, after.gateways),
            server_memory(before),
            server_memory(after),
        ),
    )


def _formulas(resolved: Resolved) -> tuple[Formula, ...]:
    proxy = resolved.profile.proxy
    figures = resolved.figures
    per_cluster, per_endpoint, per_listener = resolved.costs.bytes_per_object()
    return (
        Formula(
            name="sidecar CPU (millicores)",
            expression=f"{proxy.idle_cpu_millicores.value:g} (Envoy idle) + "
            f"{proxy.dataplane_cpu_millicores.value:g} (dataplane) + rps through the proxy per "
            f"pod / 1000 x {figures.cpu_per_1000_rps_millicores.value:g}",
        ),
        Formula(
            name="sidecar memory (MiB)",
            expression=f"{figures.base_memory_mib.value:g} (Envoy base) + "
            f"{proxy.dataplane_memory_mib.value:g} (dataplane) + (clusters x {per_cluster:,.0f} B"
            f" + endpoints x {per_endpoint:,.0f} B + listeners and filter chains x "
            f"{per_listener:,.0f} B) / 2^20",
        ),
        *resolved.policy.formulas(),
        replicas_formula(resolved.gateway, resolved.knobs.headroom_ratio),
    )


def assumptions_of(resolved: Resolved) -> tuple[Assumption, ...]:
    """Every coefficient the run uses, named by its path in the profile."""
    profile = resolved.profile
    return assumptions(
        [
            ("version", resolved.figures),
            ("proxy", profile.proxy),
            ("gateway", profile.gateway),
            (servers.GROUPS[servers.SERVER], profile.server),
            (servers.GROUPS[servers.CONNECT_INJECTOR], profile.connect_injector),
        ]
    )
