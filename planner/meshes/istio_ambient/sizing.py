"""Istio in ambient mode, sized: ztunnel per node, istio-cni per node, waypoints and gateways,
and istiod (what it pushes to ztunnels and waypoints instead of sidecars).

    ztunnel (each node)  memory = base + pods of the cluster x per pod
                                  + connections on the busiest node x per connection
                         CPU    = idle + rps through the busiest node / 1000 x per 1000 rps
    istio-cni (each node)        the chart's values (no published figure relates it to the mesh)
    waypoints, gateways          Envoy: the waypoint figures per 1000 rps and its base, plus the
                                 configuration each holds (planner.model.envoy); replicas from
                                 the L7 traffic through them, as gateways
    istiod                       the sidecar mode's model, its proxies being the ztunnels (each
                                 holds every workload), waypoints and gateways

A DaemonSet has one request for all its pods, so ztunnel is sized for the busiest node: its
share of the pods (a nodes table, a pod table's node column) or an even spread. Captured pods
carry no proxy of their own: the plan's workloads have none, and no sidecar default applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import InputError, ProfileError
from models.knobs import Knobs, SizeFor, WaypointRule
from models.plan import (
    GATEWAY_ROLES,
    Assumption,
    ComponentPolicy,
    ControlPlanePlan,
    Driver,
    Finding,
    Formula,
    ProxyModel,
    Role,
    Term,
)
from planner.frames import positions, row_codes, sorted_unique
from planner.inputs.inventory import Inventory
from planner.inputs.nodes import Nodes
from planner.inputs.traffic import Traffic
from planner.inputs.traffic_table import UNREGISTERED_DESTINATIONS
from planner.meshes.entry import MeshSizing, SizingInput
from planner.meshes.istio_ambient.manifests import (
    AMBIENT,
    DATAPLANE,
    SERVICE_ACCOUNT,
    SIDECAR,
    dataplane_of_labels,
)
from planner.meshes.istio_ambient.profile import (
    AmbientVersionFigures,
    IstioAmbientProfile,
    figures_for,
    objects_for,
)
from planner.meshes.istio_sidecar.istiod import MeshCounts, istiod_model
from planner.meshes.istio_sidecar.sizing import APPLIES_TODAY, PROXY_MODEL
from planner.model.control_plane import ComponentModel, size_component
from planner.model.envoy import EnvoyCosts, Scope, estimate, proxy_config, service_config
from planner.model.findings import count_of, limit_findings, proxy_findings, version_findings
from planner.model.gateways import GatewayPolicy, replicas_formula, size_gateways
from planner.model.records import CurrentDefaults, assumptions, proxy_inputs, with_current
from planner.model.sizing import MIB, ProxyPolicy, protect_limits, size_requests

ZTUNNEL = "ztunnel"
CNI = "istio-cni"
WAYPOINT = "waypoint"
"""The name of a namespace's waypoint when --waypoints namespace plans one (istioctl's)."""
KEYS = ["namespace", "workload"]
NO_NODES = (
    "Istio ambient runs a ztunnel and an istio-cni agent on every node: give the nodes with "
    "--nodes N (a cluster being planned) or --nodes nodes.csv (a nodes table), or a pod table "
    "with a node column"
)


@dataclass(frozen=True)
class Resolved:
    """The profile, its figures for the chosen version, and the knobs with defaults filled in."""

    profile: IstioAmbientProfile
    figures: AmbientVersionFigures
    knobs: Knobs
    costs: EnvoyCosts
    sidecar_costs: EnvoyCosts
    policy: ProxyPolicy
    gateway: GatewayPolicy
    current: CurrentDefaults


def resolve(profile: IstioAmbientProfile, knobs: Knobs) -> Resolved:
    """Pick the version figures and fill in the knobs the profile gives defaults for."""
    if profile.mesh != knobs.mesh:
        raise ProfileError(
            f"profile {profile.name} is for mesh {profile.mesh.value}, not {knobs.mesh.value}; "
            "pass a profile for that mesh or change --mesh"
        )
    if knobs.size_for is SizeFor.SCOPED:
        raise InputError(
            "--size-for scoped: Istio ambient has no scoping to recommend (a ztunnel holds every "
            "workload; Sidecar resources do not apply); leave --size-for out"
        )
    version = knobs.mesh_version or profile.default_mesh_version
    figures = figures_for(profile, version)
    objects = objects_for(profile, version)
    gateway = profile.gateway
    filled = knobs.model_copy(
        update={
            "mesh_version": version,
            "size_for": SizeFor.UNSCOPED,
            "mesh_root_namespace": knobs.mesh_root_namespace or "istio-system",
            "min_gateway_replicas": knobs.min_gateway_replicas or int(gateway.min_replicas.value),
        }
    )
    proxy = profile.proxy
    policy = ProxyPolicy.of(proxy, profile.rounding, knobs.headroom_ratio)
    current = CurrentDefaults(
        cpu_request_millicores=proxy.cpu_request_floor_millicores.value,
        memory_request_mib=proxy.memory_request_floor_mib.value,
        cpu_limit_millicores=proxy.cpu_limit_floor_millicores.value,
        memory_limit_mib=proxy.memory_limit_floor_mib.value,
        source="chart default",
    )
    gateways = GatewayPolicy.of(gateway, filled.min_gateway_replicas)
    costs = EnvoyCosts.of(proxy, figures, objects)
    sidecar_costs = EnvoyCosts.of(proxy, figures.sidecar(), objects)
    return Resolved(profile, figures, filled, costs, sidecar_costs, policy, gateways, current)


def size(request: SizingInput) -> MeshSizing:
    """Size ztunnel, istio-cni, waypoints, gateways and istiod for the inventory.

    Raises InputError without nodes (ztunnel and istio-cni run on each)."""
    profile = request.profile
    assert isinstance(profile, IstioAmbientProfile)
    nodes = request.nodes
    if nodes is None:
        raise InputError(NO_NODES)
    resolved = resolve(profile, request.knobs)
    knobs = resolved.knobs
    inventory, workloads = request.inventory, request.workloads
    meshed = workloads.loc[
        workloads["mesh_injected"]
        & (workloads["replicas"] > 0)
        & ~workloads["role"].isin(GATEWAY_ROLES)
    ]
    with_sidecar = (_dataplane(inventory, meshed) == SIDECAR).to_numpy()
    captured = meshed.loc[~with_sidecar]
    findings: list[Finding] = []
    waypoints = _waypoints(inventory, captured, workloads, knobs)
    findings += waypoints.findings
    services = service_config(inventory)
    # a waypoint Deployment the manifests hold is sized as its waypoint row
    held = pd.MultiIndex.from_frame(workloads[KEYS]).isin(
        pd.MultiIndex.from_frame(waypoints.rows[KEYS])
    )
    configured = proxy_config(
        pd.concat([workloads.loc[~held], waypoints.rows], ignore_index=True),
        services,
        inventory.backing,
        fixed_clusters=int(profile.proxy.fixed_clusters.value),
        scope=waypoints.scope(inventory.backing),
    )
    gateways = size_gateways(
        configured, resolved.costs, resolved.policy, resolved.current, resolved.gateway,
        knobs.headroom_ratio,
    )  # fmt: skip
    gateways = protect_limits(
        gateways, gateways["memory_request_mib"], pd.Series(False, index=gateways.index)
    )
    sidecars = _sidecars(configured, meshed.loc[with_sidecar], resolved)
    findings += proxy_findings(
        sidecars, profile.proxy.concurrency.value, "raise the proxy concurrency"
    )
    findings += limit_findings(sidecars)
    assumed = assumptions_of(resolved)
    values = {a.name: a.value for a in assumed}
    load = _node_load(captured, request.traffic, nodes, inventory)
    components = []
    for model in (
        _ztunnel(load, nodes, int(workloads["replicas"].sum())),
        _cni(nodes),
    ):
        component, extra = size_component(model, values, profile.rounding, knobs.headroom_ratio, 1)
        components.append(component)
        findings += extra
    counts = _istiod_counts(workloads, services, pd.concat([sidecars, gateways]), nodes.count)
    istiod, extra = size_component(
        istiod_model(counts, profile.control_plane, knobs.pod_churn_ratio),
        values,
        profile.rounding,
        knobs.headroom_ratio,
        int(knobs.min_control_plane_replicas or 1),
    )
    findings += extra
    figures = resolved.figures
    findings += version_findings(figures, str(knobs.mesh_version))
    findings += _ambient_findings(load, nodes, request.traffic is not None, captured)
    findings += _mixed_findings(sidecars, captured)
    return MeshSizing(
        knobs=knobs,
        figures=figures.label,
        sidecars=sidecars,
        gateways=gateways,
        gateways_sized_apart=True,
        control_plane=ControlPlanePlan(components=(istiod, *components)),
        scoping=None,
        scoping_note=SCOPING_NOTE,
        workload_scopings={},
        findings=tuple(findings),
        formulas=_formulas(resolved),
        assumptions=assumed,
        proxy_model=SIDECAR_MODEL,
        gateway_model=PROXY_MODEL,
        idle=(
            "counted as idle in their node's ztunnel, their waypoint and, where they keep one, "
            "their sidecars"
        ),
        proxy_policy=resolved.policy,
        current=resolved.current,
        applies_today=(
            APPLIES_TODAY.format(
                cpu=resolved.current.cpu_request_millicores,
                memory=resolved.current.memory_request_mib,
                cpu_limit=resolved.current.cpu_limit_millicores,
                memory_limit=resolved.current.memory_limit_mib,
            )
            + " (the sidecars of a mixed cluster's sidecar namespaces)"
            if len(sidecars)
            else "no sidecar: in ambient mode a pod's traffic goes through its node's ztunnel "
            "(and a waypoint for L7); the default below is what a waypoint or gateway gets "
            "from global.waypoint.resources"
        ),
    )


SIDECAR_MODEL = ProxyModel(
    idle_cpu=PROXY_MODEL.idle_cpu,
    cpu_per_1000_rps="version.sidecar_cpu_per_1000_rps_millicores",
    tcp_cpu_ratio=PROXY_MODEL.tcp_cpu_ratio,
    base_memory="version.sidecar_base_memory_mib",
    memory_terms=PROXY_MODEL.memory_terms,
)
"""A mixed cluster's sidecars: Envoy's cost at the sidecar mode's published figures (the
waypoints and gateways, PROXY_MODEL, at the waypoint's)."""


SCOPING_NOTE = (
    "none in ambient mode: a ztunnel holds every workload of the mesh (its memory follows the "
    "cluster's size), and Sidecar resources do not apply; discovery selectors still narrow what "
    "istiod watches"
)


@dataclass(frozen=True)
class NodeLoad:
    """What the busiest node's ztunnel carries, and the spread over the nodes."""

    busiest_pods: float
    busiest_rps: float
    busiest_connections: float
    quietest_share: float


def _node_load(
    captured: pd.DataFrame, traffic: Traffic | None, nodes: Nodes, inventory: Inventory
) -> NodeLoad:
    """The busiest node's captured pods, requests through its ztunnel (in and out of its pods)
    and open connections (one per pod and peer), at its share of the cluster's pods."""
    share = nodes.busiest_share()
    quietest = share if nodes.pods is None else min(nodes.pods) / max(sum(nodes.pods), 1)
    pods = float(captured["replicas"].sum())
    rps = float((captured["inbound_rps"] + captured["outbound_rps"]).sum())
    degree = _peers(captured, traffic, inventory)
    connections = float((captured["replicas"] * degree).sum())
    return NodeLoad(pods * share, rps * share, connections * share, quietest)


def _peers(captured: pd.DataFrame, traffic: Traffic | None, inventory: Inventory) -> pd.Series:
    """Per captured workload (in `captured`'s order): the Services it calls and the workloads
    calling it, from the traffic table (0 without one).

    Counted on integer codes (planner.frames.row_codes): each distinct (caller, Service) pair of
    the edges once, then each Service's callers spread over the workloads behind it, each
    distinct (workload, caller) once. What merges, drop_duplicates and groupby-sizes over the
    names give, in a tenth of the time at 500,000 edges."""
    if traffic is None:
        return pd.Series(0, index=captured.index)
    edges = traffic.edges.loc[~traffic.edges["destination_service"].isin(UNREGISTERED_DESTINATIONS)]
    callers, caller_rows = row_codes(edges, _CALLER)
    services, service_rows = row_codes(edges, _SERVICE)
    width = np.int64(max(len(caller_rows), 1))
    # each distinct (Service, caller), sorted by Service: the Services each caller calls
    pairs = sorted_unique(services.astype(np.int64) * width + callers)
    service_of, caller_of = pairs // width, pairs % width
    calls_out = np.bincount(caller_of, minlength=len(caller_rows))
    # the workloads behind each called Service, and each Service's callers spread over them
    backing = inventory.backing
    behind = positions(backing, ["namespace", "service"], edges.take(service_rows), _SERVICE)
    backing, behind = backing.loc[behind >= 0], behind[behind >= 0]
    workloads, workload_rows = row_codes(backing, KEYS)
    starts = np.searchsorted(service_of, np.arange(len(service_rows) + 1))
    lengths = (starts[1:] - starts[:-1])[behind]
    row = np.repeat(np.arange(len(behind)), lengths)
    offset = np.arange(len(row)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    called = caller_of[starts[:-1][behind][row] + offset]
    served = sorted_unique(workloads[row].astype(np.int64) * width + called) // width
    calls_in = np.bincount(served, minlength=len(workload_rows))
    out_at = positions(captured, KEYS, edges.take(caller_rows), _CALLER)
    in_at = positions(captured, KEYS, backing.take(workload_rows), KEYS)
    # a workload the edges never name (position -1) takes the 0 put after each count
    degree = np.r_[calls_out, 0][out_at] + np.r_[calls_in, 0][in_at]
    return pd.Series(degree.astype(np.int64), index=captured.index)


_CALLER = ["source_namespace", "source_workload"]
_SERVICE = ["destination_namespace", "destination_service"]


@dataclass(frozen=True)
class Waypoints:
    """The waypoints planned: one row each, shaped as a workload of role `waypoint`, and the
    captured workloads that use one (`using`: keys and `waypoint`)."""

    rows: pd.DataFrame
    using: pd.DataFrame
    findings: list[Finding]

    def scope(self, backing: pd.DataFrame) -> Scope | None:
        """What each waypoint's configuration holds: the Services its workloads back (istiod
        sends a waypoint the Services and workloads bound to it: pilot/pkg/networking/core/
        waypoint.go, findWaypointResources), not the whole mesh; None without waypoints."""
        if self.rows.empty:
            return None
        bound = (
            backing.merge(self.using[[*KEYS, "waypoint"]], on=KEYS)
            .rename(columns={"namespace": "service_namespace"})
            .assign(namespace=lambda f: f["service_namespace"])
        )
        return Scope(
            viewers=self.rows[KEYS].assign(viewer=self.rows["workload"].to_numpy()),
            namespace_grants=pd.DataFrame(
                {c: pd.Series(dtype=object) for c in ("namespace", "viewer", "service_namespace")}
            ),
            service_grants=(
                bound[["namespace", "waypoint", "service_namespace", "service"]]
                .rename(columns={"waypoint": "viewer"})
                .drop_duplicates(ignore_index=True)
            ),
            exports=pd.DataFrame(
                {
                    c: pd.Series(dtype=object)
                    for c in ("service_namespace", "service", "exported_to")
                }
            ),
            discovered=None,
        )


def _waypoints(
    inventory: Inventory, captured: pd.DataFrame, workloads: pd.DataFrame, knobs: Knobs
) -> Waypoints:
    """The waypoints: the L7 traffic into the captured workloads that use one goes through it
    (in and out). A waypoint Deployment the manifests hold already gives its current
    replicas."""
    chosen = _waypoint_of(inventory, captured, knobs)
    using = captured.assign(waypoint=chosen.to_numpy())
    using = using.loc[using["waypoint"] != "", [*KEYS, "waypoint", "inbound_rps", "inbound_l4_rps"]]
    findings = []
    settings = inventory.proxy_settings
    if knobs.waypoints is WaypointRule.SERVICE_ACCOUNT and (
        settings is None or SERVICE_ACCOUNT not in settings
    ):
        findings.append(
            Finding(
                code="waypoint-service-accounts-assumed",
                subject=count_of(len(using), "workload"),
                message="--waypoints service-account: a table names no service accounts; each "
                "workload is taken to run as its own (one waypoint per workload, "
                "<workload>-waypoint), the most waypoints the rule can give; manifests name "
                "them (serviceAccountName)",
            )
        )
    if using.empty:
        findings.append(
            Finding(
                code="ambient-no-waypoints",
                subject="waypoints",
                message="none planned: ambient runs at L4 only (mTLS, L4 authorization and "
                "telemetry); L7 routing, policy and telemetry need a waypoint "
                "(--waypoints namespace, or istio.io/use-waypoint labels)",
            )
        )
        return Waypoints(workloads.iloc[0:0], using, findings)
    through = (
        using.groupby(["namespace", "waypoint"], sort=True)
        .agg(rps=("inbound_rps", "sum"), l4=("inbound_l4_rps", "sum"))
        .reset_index()
    )
    rows = pd.DataFrame(
        {column: _blank(workloads[column], len(through)) for column in workloads.columns}
    )
    rows["namespace"] = through["namespace"].to_numpy()
    rows["workload"] = through["waypoint"].to_numpy()
    rows["role"] = Role.WAYPOINT.value
    rows["kind"] = "Deployment"
    running = workloads.set_index(KEYS)["replicas"]
    index = pd.MultiIndex.from_frame(rows[KEYS])
    # planned: none runs today unless the manifests hold it (sizing sets its replicas)
    rows["replicas"] = running.reindex(index, fill_value=0).to_numpy()
    rows["mesh_injected"] = True
    rows["labels"] = "gateway.networking.k8s.io/gateway-name=" + rows["workload"]
    for column in ("inbound_rps", "outbound_rps"):
        rows[column] = through["rps"].to_numpy()
    for column in ("inbound_l4_rps", "outbound_l4_rps"):
        if column in rows:
            rows[column] = through["l4"].to_numpy()
    return Waypoints(rows, using, findings)


def _blank(column: pd.Series, length: int) -> pd.Series:
    """A column of `length` empty values of `column`'s kind (NaN, 0, False or "")."""
    if pd.api.types.is_bool_dtype(column):
        return pd.Series(False, index=range(length))
    if pd.api.types.is_float_dtype(column):
        return pd.Series(np.nan, index=range(length))
    if pd.api.types.is_integer_dtype(column):
        return pd.Series(0, index=range(length), dtype=column.dtype)
    return pd.Series("", index=range(length), dtype=object)


def _waypoint_of(inventory: Inventory, captured: pd.DataFrame, knobs: Knobs) -> pd.Series:
    """Per captured workload, the waypoint its traffic goes through ("" for none): the rule's
    (`waypoint` per namespace, `<service account>-waypoint` per service account), else the
    manifests' istio.io/use-waypoint labels."""
    if knobs.waypoints is WaypointRule.NAMESPACE:
        return pd.Series(WAYPOINT, index=captured.index)
    if knobs.waypoints is WaypointRule.SERVICE_ACCOUNT:
        return _setting(inventory, captured, SERVICE_ACCOUNT, captured["workload"]) + "-waypoint"
    if knobs.waypoints is WaypointRule.NONE:
        return pd.Series("", index=captured.index)
    return _setting(inventory, captured, "waypoint", pd.Series("", index=captured.index))


def _setting(
    inventory: Inventory, captured: pd.DataFrame, column: str, otherwise: pd.Series
) -> pd.Series:
    """Per captured workload, the manifests' setting `column`, `otherwise` where none is
    known (a table inventory)."""
    settings = inventory.proxy_settings
    if settings is None or column not in settings:
        return otherwise.astype(object)
    named = captured[KEYS].merge(settings[[*KEYS, column]], on=KEYS, how="left")
    values = named[column].to_numpy(dtype=object)
    known = pd.notna(values)
    return pd.Series(
        np.where(known, values, otherwise.to_numpy(dtype=object)), index=captured.index
    )


def _dataplane(inventory: Inventory, meshed: pd.DataFrame) -> pd.Series:
    """Per meshed workload (in `meshed`'s order): `sidecar` or `ambient`, as the manifests'
    labels (pod and Namespace) or, for a table, the pods' labels say."""
    settings = inventory.proxy_settings
    if settings is None or DATAPLANE not in settings:
        if "labels" not in meshed:  # an inventory built without labels (the accuracy cases)
            return pd.Series(AMBIENT, index=meshed.index)
        return dataplane_of_labels(meshed["labels"])
    named = meshed[KEYS].merge(settings[[*KEYS, DATAPLANE]], on=KEYS, how="left")
    return pd.Series(named[DATAPLANE].fillna(AMBIENT).to_numpy(), index=meshed.index)


def _sidecars(configured: pd.DataFrame, meshed: pd.DataFrame, resolved: Resolved) -> pd.DataFrame:
    """The sidecars of a mixed cluster's sidecar workloads (`meshed`), each seeing the whole
    mesh, at the sidecar mode's figures; none when every pod is captured by ztunnel."""
    rows = configured.merge(meshed[KEYS], on=KEYS).sort_values(KEYS, ignore_index=True)
    per_pod = (rows["inbound_rps"] + rows["outbound_rps"]) / rows["replicas"]
    l4_per_pod = (rows["inbound_l4_rps"] + rows["outbound_l4_rps"]) / rows["replicas"]
    frame = estimate(proxy_inputs(rows, per_pod, l4_per_pod), resolved.sidecar_costs)
    sized = with_current(size_requests(frame, resolved.policy), resolved.current)
    return protect_limits(sized, sized["memory_request_mib"], pd.Series(False, index=sized.index))


_Z = "ztunnel."
_V = "version."


def _ztunnel(load: NodeLoad, nodes: Nodes, cluster_pods: int) -> ComponentModel:
    """ztunnel on every node, each sized for the busiest node."""
    return ComponentModel(
        component=ZTUNNEL,
        title="ztunnel (per node)",
        drivers=(
            Driver(name="nodes", label="Nodes (one ztunnel each)", unit="nodes", value=nodes.count),
            Driver(
                name="cluster_pods",
                label="Pods of the cluster (every ztunnel tracks them)",
                unit="pods",
                value=cluster_pods,
            ),
            Driver(
                name="busiest_node_pods",
                label="Captured pods on the busiest node",
                unit="pods",
                value=round(load.busiest_pods, 3),
            ),
            Driver(
                name="busiest_node_rps",
                label="Requests per second through the busiest node's ztunnel",
                unit="rps",
                value=round(load.busiest_rps, 3),
            ),
            Driver(
                name="busiest_node_connections",
                label="Open connections on the busiest node",
                unit="connections",
                value=round(load.busiest_connections, 3),
            ),
        ),
        shared=(
            Term(driver=None, coefficient=f"{_V}ztunnel_base_memory_mib", divisor=1.0),
            Term(
                driver="cluster_pods",
                coefficient=f"{_Z}memory_per_cluster_pod_bytes",
                divisor=MIB,
            ),
            Term(
                driver="busiest_node_connections",
                coefficient=f"{_Z}memory_per_connection_bytes",
                factor=f"{_Z}connections_per_peer",
                divisor=MIB,
            ),
        ),
        serving=(),
        multiplier=(),
        cpu=(
            Term(driver=None, coefficient=f"{_Z}idle_cpu_millicores", divisor=1.0),
            Term(
                driver="busiest_node_rps",
                coefficient=f"{_V}ztunnel_cpu_per_1000_rps_millicores",
                divisor=1000.0,
            ),
        ),
        policy=_daemonset_policy("ztunnel"),
        model_formula=(
            "each node's ztunnel: base + pods of the cluster x per pod + the busiest node's open "
            "connections x per connection (memory); idle + the busiest node's rps / 1000 x per "
            "1000 rps (CPU); one replica per node, all at the busiest node's figure"
        ),
        per_node=nodes.count,
    )


def _cni(nodes: Nodes) -> ComponentModel:
    """The istio-cni agent on every node, at its chart's values."""
    return ComponentModel(
        component=CNI,
        title="istio-cni (per node)",
        drivers=(
            Driver(name="nodes", label="Nodes (one agent each)", unit="nodes", value=nodes.count),
        ),
        shared=(),
        serving=(),
        multiplier=(),
        cpu=(),
        policy=_daemonset_policy("cni"),
        model_formula=(
            "the istio-cni chart's values: no published figure relates the node agent to the "
            "mesh's size (it sets up each new pod's traffic redirection and holds no mesh state)"
        ),
        per_node=nodes.count,
    )


def _daemonset_policy(group: str) -> ComponentPolicy:
    return ComponentPolicy(
        cpu_request_floor=f"{group}.cpu_request_floor_millicores",
        memory_request_floor=f"{group}.memory_request_floor_mib",
        cpu_limit_ratio=f"{group}.cpu_limit_ratio",
        memory_limit_ratio=f"{group}.memory_limit_ratio",
        memory_limit_floor=None,
        max_cpu_per_replica=f"{group}.max_cpu_per_replica_millicores",
        max_memory_per_replica=f"{group}.max_memory_per_replica_mib",
        autoscale_max_ratio=None,
        autoscale_headroom_share=None,
    )


def _istiod_counts(
    workloads: pd.DataFrame, services: pd.DataFrame, envoys: pd.DataFrame, nodes: int
) -> MeshCounts:
    """What istiod tracks and serves in ambient mode: every ztunnel holds every workload (one
    address per pod) and the Services; waypoints, gateways and a mixed cluster's sidecars
    (`envoys`) hold Envoy configuration."""
    pods = int(workloads["replicas"].sum())
    return MeshCounts(
        services=len(services),
        pods=pods,
        endpoints=int((services["ports"] * np.maximum(services["pods"], 1)).sum()),
        connected_proxies=nodes + int(envoys["replicas"].sum()),
        proxy_visible_clusters=int((envoys["visible_clusters"] * envoys["replicas"]).sum()),
        proxy_visible_endpoints=int(
            (envoys["visible_endpoints"] * envoys["replicas"]).sum()
            + nodes * (pods + len(services))
        ),
    )


def _mixed_findings(sidecars: pd.DataFrame, captured: pd.DataFrame) -> list[Finding]:
    """A mixed cluster: how many workloads keep a sidecar beside those ztunnel captures."""
    if sidecars.empty:
        return []
    namespaces = sorted(set(sidecars["namespace"]))
    more = f" and {len(namespaces) - 5} more" if len(namespaces) > 5 else ""
    shown = ", ".join(namespaces[:5]) + more
    return [
        Finding(
            code="ambient-mixed-with-sidecars",
            subject=count_of(len(sidecars), "workload"),
            message=f"keep a sidecar ({count_of(int(sidecars['replicas'].sum()), 'pod')} in "
            f"{shown}; a label asks for it, and a sidecar takes precedence over ztunnel), beside "
            f"{count_of(len(captured), 'workload')} captured by ztunnel: their sidecars are "
            "sized at the sidecar mode's figures, each seeing the whole mesh (no Sidecar "
            "scoping in an ambient plan), and count in istiod's load",
        )
    ]


def _ambient_findings(
    load: NodeLoad, nodes: Nodes, traffic: bool, captured: pd.DataFrame
) -> list[Finding]:
    """How the per-node figures were found, and what they cannot see."""
    findings = []
    spread = (
        "pods assumed spread evenly over the nodes"
        if nodes.pods is None
        else f"the busiest node runs {nodes.busiest_share():.1%} of the pods, the quietest "
        f"{load.quietest_share:.1%}"
    )
    findings.append(
        Finding(
            code="ztunnel-sized-for-busiest-node",
            subject=f"ztunnel on {count_of(nodes.count, 'node')}",
            message=f"one request for every node, sized for the busiest ({spread}: "
            f"{load.busiest_pods:,.1f} captured pods, {load.busiest_rps:,.0f} rps, "
            f"{load.busiest_connections:,.0f} connections); quieter nodes use less",
        )
    )
    if not traffic:
        findings.append(
            Finding(
                code="ztunnel-connections-unknown",
                subject=count_of(len(captured), "workload"),
                message="no traffic table: the connections ztunnel holds are not counted (its "
                "memory is the cluster-size term alone); give --traffic to count them",
            )
        )
    return findings


def _formulas(resolved: Resolved) -> tuple[Formula, ...]:
    return (
        *resolved.sidecar_costs.formulas(),
        *resolved.costs.formulas("waypoint and gateway"),
        *resolved.policy.formulas(),
        replicas_formula(resolved.gateway, resolved.knobs.headroom_ratio),
    )


def assumptions_of(resolved: Resolved) -> tuple[Assumption, ...]:
    """Every coefficient the run uses, named by its path in the profile."""
    profile = resolved.profile
    objects = objects_for(profile, str(resolved.knobs.mesh_version))
    return assumptions(
        [
            ("version", resolved.figures),
            ("objects", objects),
            ("proxy", profile.proxy),
            ("gateway", profile.gateway),
            ("ztunnel", profile.ztunnel),
            ("cni", profile.cni),
            ("control_plane", profile.control_plane),
        ]
    )


__all__ = ["size"]
