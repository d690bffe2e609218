"""The plan: everything a sizing run decided, the one object every output renders from.

Quantities carry their unit in their name. `estimated_*` is expected usage without headroom;
`*_request_*` and `*_limit_*` are what to set. Schema changes bump `SCHEMA_VERSION` and are
listed in docs/plan-json.md.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import StrEnum
from itertools import islice, repeat
from typing import Literal

from pydantic import BaseModel, ConfigDict

from models.cost import CostComparison, PlanCost
from models.knobs import Knobs, SizeFor
from models.profile import Coefficient, Rounding
from models.scenario import Change

SCHEMA_VERSION: Literal["2.5"] = "2.5"

CallGraphBasis = Literal["observed", "declared", "declared and observed"]
"""Where a call graph comes from: a traffic table, the mesh's own resources, or both."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Basis(StrEnum):
    """Which figure a request was derived from."""

    MODEL = "model"
    OBSERVED = "observed"


class Role(StrEnum):
    """What a workload is to the mesh."""

    WORKLOAD = "workload"
    INGRESS_GATEWAY = "ingress-gateway"
    EGRESS_GATEWAY = "egress-gateway"
    WAYPOINT = "waypoint"


GATEWAY_ROLES = (Role.INGRESS_GATEWAY.value, Role.EGRESS_GATEWAY.value, Role.WAYPOINT.value)
"""The roles sized as gateways rather than as sidecars."""


class RpsBasis(StrEnum):
    """Where a workload's request rates came from."""

    TRAFFIC = "traffic"
    INVENTORY = "inventory"
    NONE = "none"


class Resources(_Frozen):
    """Expected usage and the requests and limits recommended for one container."""

    estimated_cpu_millicores: float
    estimated_memory_mib: float
    cpu_request_millicores: int
    cpu_limit_millicores: int
    memory_request_mib: int
    memory_limit_mib: int


class LimitBasis(StrEnum):
    """Which rule set a proxy's memory limit."""

    REQUEST_RATIO = "request ratio"
    CHART_DEFAULT = "chart default"
    WHOLE_MESH = "whole mesh"


class OomRisk(StrEnum):
    """What could push a proxy past its memory limit, beyond growth the plan cannot see."""

    NONE = "none"
    IF_SCOPE_LOST = "if scope lost"


class ProxyPlan(Resources):
    """One proxy (per pod): the model, what was observed, and what was chosen.

    What the proxy holds is counted the way its mesh's model needs: an Envoy proxy holds
    clusters, endpoints and listeners (`connections` is None); a Linkerd proxy holds the
    destinations it resolved and its connections (`visible_clusters` and `visible_listeners`
    are None).
    """

    memory_limit_basis: LimitBasis
    whole_mesh_memory_request_mib: int
    scope_trusted: bool
    oom_risk: OomRisk
    observed_cpu_millicores: float | None
    observed_memory_mib: float | None
    cpu_basis: Basis
    memory_basis: Basis
    current_cpu_request_millicores: float
    current_memory_request_mib: float
    current_cpu_limit_millicores: float
    current_memory_limit_mib: float
    current_source: str
    rps_per_pod: float
    l4_rps_per_pod: float
    visible_services: int
    visible_clusters: int | None
    visible_endpoints: int
    visible_listeners: int | None
    connections: int | None


class Confidence(StrEnum):
    """How far a scoping recommendation can be trusted."""

    HIGH = "high"
    FALLBACK = "fallback"


class WorkloadScoping(_Frozen):
    """What scoping changes for one workload's proxy.

    `sidecar` names what scopes it: the Istio `Sidecar` that selects it, or the Consul service
    name the intentions allow it by (None: nothing does, it keeps seeing the whole mesh).
    """

    sidecar: str | None
    confidence: Confidence
    reason: str
    clusters_before: int
    clusters_after: int
    endpoints_before: int
    endpoints_after: int
    estimated_memory_mib_before: float
    estimated_memory_mib_after: float


class WorkloadPlan(_Frozen):
    """One workload of the inventory and its sidecar, or the reason it has none."""

    namespace: str
    workload: str
    kind: str
    role: Role
    replicas: int
    mesh_injected: bool
    services: tuple[str, ...]
    inbound_rps: float
    outbound_rps: float
    rps_basis: RpsBasis
    app_cpu_millicores: float | None
    app_memory_mib: float | None
    proxy: ProxyPlan | None
    not_sized_reason: str | None
    needs_patch: bool
    scoping: WorkloadScoping | None


class GatewayPlan(_Frozen):
    """An ingress or egress gateway: replicas and the resources of each replica."""

    namespace: str
    workload: str
    role: Role
    current_replicas: int
    replicas: int
    autoscale_min: int
    autoscale_max: int
    autoscale_target_cpu_percent: int
    throughput_rps: float
    per_replica: ProxyPlan
    replicas_rule: str


class Driver(_Frozen):
    """A quantity a control-plane component is sized from (connected proxies, endpoints...)."""

    name: str
    label: str
    unit: str
    value: float


class Term(_Frozen):
    """One term of a model: driver x coefficient (x factor) / divisor (a constant without a
    driver). `coefficient` and `factor` name assumptions of the plan, so every term can be
    recomputed from the plan alone."""

    driver: str | None
    coefficient: str
    factor: str | None = None
    divisor: float


class ProxyModel(_Frozen):
    """How each proxy's expected usage is computed, by assumption name:

    CPU    = idle + the extra CPU terms + (rps - L4 rps + L4 rps x TCP ratio) / 1000
             x CPU per 1000 rps
    memory = base + the memory terms, whose drivers are the proxy's counts
             (visible_clusters, visible_endpoints, visible_listeners, connections; a term
             without a driver is a constant, such as a process beside the proxy)
    """

    idle_cpu: str
    cpu_per_1000_rps: str
    tcp_cpu_ratio: str
    base_memory: str
    memory_terms: tuple[Term, ...]
    extra_cpu: tuple[str, ...] = ()


class ComponentPolicy(_Frozen):
    """The assumptions (by name) a component's requests, limits and replicas follow.

    `memory_limit_floor`: a limit the chart sets, kept when the ratio gives less (None: none).
    `autoscale_max_ratio`: None when the mesh's chart runs the component without an autoscaler.
    """

    cpu_request_floor: str
    memory_request_floor: str
    cpu_limit_ratio: str
    memory_limit_ratio: str
    memory_limit_floor: str | None
    max_cpu_per_replica: str
    max_memory_per_replica: str
    autoscale_max_ratio: str | None
    autoscale_headroom_share: str | None


class StoragePlan(_Frozen):
    """The disk of a component that keeps state on a volume (Consul's servers): the volume
    to claim, and the disk class its writes need."""

    size_gib: int
    iops: int
    throughput_mib_per_s: int
    basis: str


class ComponentPlan(_Frozen):
    """One control-plane component (istiod, destination, identity...): its replicas, resources
    per replica, what it is sized from and the model's terms.

    memory per replica = shared (each replica holds it) + serving x (1 + multiplier terms) /
    replicas; CPU per replica = CPU terms / replicas. A `per_node` component (a DaemonSet: ztunnel,
    istio-cni) runs one replica per node, each sized for the busiest node: its terms give that
    node's load, and nothing is divided by the replicas.
    """

    component: str
    title: str
    replicas: int
    autoscale_min: int | None
    autoscale_max: int | None
    autoscale_target_cpu_percent: int | None
    drivers: tuple[Driver, ...]
    shared_memory_terms: tuple[Term, ...]
    serving_memory_terms: tuple[Term, ...]
    serving_memory_multiplier_terms: tuple[Term, ...]
    cpu_terms: tuple[Term, ...]
    guideline_memory_terms: tuple[Term, ...]
    per_replica: Resources
    shared_memory_mib: float
    serving_memory_mib: float
    single_replica_estimated_memory_mib: float
    single_replica_estimated_cpu_millicores: float
    guideline_memory_mib: float | None
    guideline_formula: str | None
    model_formula: str
    replicas_rule: str
    policy: ComponentPolicy
    replicas_floor: int = 1
    quorum: bool = False
    storage: StoragePlan | None = None
    per_node: bool = False

    def driver(self, name: str) -> float:
        """The value of the driver called `name` (KeyError when the component has none)."""
        for driver in self.drivers:
            if driver.name == name:
                return driver.value
        raise KeyError(name)


class ControlPlanePlan(_Frozen):
    """The mesh's control plane: one entry per component, the same shape for every mesh."""

    components: tuple[ComponentPlan, ...]

    def component(self, name: str) -> ComponentPlan:
        """The component called `name` (KeyError when the mesh has none)."""
        for component in self.components:
            if component.component == name:
                return component
        raise KeyError(name)


class SidecarResource(_Frozen):
    """One recommended Istio `Sidecar`: where it lives, whom it selects, what it lets them see."""

    namespace: str
    name: str
    selector: dict[str, str] | None
    egress_hosts: tuple[str, ...]
    workloads: tuple[str, ...]
    confidence: Confidence
    reason: str


class ServiceExport(_Frozen):
    """The recommended `networking.istio.io/exportTo` of one Service (or ServiceEntry)."""

    namespace: str
    service: str
    type: str
    export_to: tuple[str, ...]
    caller_namespaces: tuple[str, ...]
    confidence: Confidence
    reason: str


class NamespaceExclusion(_Frozen):
    namespace: str
    reason: str


class DiscoverySelectors(_Frozen):
    """The namespaces istiod should watch (meshConfig.discoverySelectors)."""

    namespaces: tuple[str, ...]
    excluded: tuple[NamespaceExclusion, ...]
    confidence: Confidence
    reason: str


class ScopingTotals(_Frozen):
    """Mesh-wide effect of the recommended scoping, by the same model as the sizing."""

    proxy_memory_mib_before: float
    proxy_memory_mib_after: float
    push_clusters_before: int
    push_clusters_after: int
    push_endpoints_before: int
    push_endpoints_after: int
    push_listeners_before: int
    push_listeners_after: int
    control_plane_memory_mib_before: float
    control_plane_memory_mib_after: float


@dataclass(frozen=True, slots=True)
class IntentionSource:
    """One source of a Consul service intention: a calling service (or `*`), allowed or
    denied, and why.

    A frozen dataclass, not a model: a large mesh's intentions hold hundreds of thousands of
    sources, which the planner writes from checked frames and pydantic would validate one by
    one (a second at 100,000 pods). pydantic takes an instance as it is, and validates the
    fields of one read back from plan.json (`planner review`) like a model's, extra keys
    refused."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    name: str
    action: Literal["allow", "deny"]
    observed: bool
    reason: str

    @classmethod
    def many(
        cls,
        names: Iterable[str],
        actions: Iterable[Literal["allow", "deny"]],
        observed: Iterable[bool],
        reasons: Iterable[str],
    ) -> list[IntentionSource]:
        """`IntentionSource(name, action, observed, reason)` for each name, with the values at
        the same place in the other iterables (each gives at least as many; more are ignored).

        Built without the frozen dataclass's `__init__`, which sets every field through
        `object.__setattr__`, and without a Python call per source: the instances are made by
        `object.__new__` and each slot set over all of them by its descriptor, mapped in C.
        462,000 sources on their own: 0.64 s by `__init__`, 0.23 s by a Python function setting
        the slots, 0.11 s so; inside a run at 100,000 pods, where allocating them costs more,
        0.19-0.20 -> 0.14-0.19 s (BENCHMARKS.md)."""
        listed = list(names)
        count = len(listed)
        columns: list[Iterable[object]] = [listed]
        for field, values in zip(fields(cls)[1:], (actions, observed, reasons), strict=True):
            column = list(islice(values, count))
            if len(column) < count:
                raise ValueError(f"{len(column)} values of {field.name} for {count} names")
            columns.append(column)
        made = list(map(object.__new__, repeat(cls, count)))
        for field, given in zip(fields(cls), columns, strict=True):
            deque(map(vars(cls)[field.name].__set__, made, given), maxlen=0)
        return made


class ServiceIntention(_Frozen):
    """One recommended Consul `ServiceIntentions` resource: the destination service and the
    sources it allows (`destination` `*` with a `*` deny source is the default deny)."""

    namespace: str
    name: str
    destination: str
    sources: tuple[IntentionSource, ...]
    workloads: tuple[str, ...]
    confidence: Confidence
    reason: str


class UpstreamList(_Frozen):
    """The recommended explicit upstreams of a workload that does not use transparent proxy
    (`consul.hashicorp.com/connect-service-upstreams`), beside the ones it lists today."""

    namespace: str
    workload: str
    upstreams: tuple[str, ...]
    current: tuple[str, ...]
    confidence: Confidence
    reason: str


@dataclass(frozen=True)
class ScopedResource:
    """A scoping resource as every report shows it, whatever the mesh calls it (a view of the
    plan's own records, not part of plan.json)."""

    namespace: str
    name: str
    applies_to: tuple[str, ...]
    entries: int
    confidence: Confidence
    reason: str


class ScopingPlan(_Frozen):
    """Recommended configuration scoping from the observed call graph, and what it saves.

    `mechanism` says in words what the recommendation is made of, and `resource_kind` what its
    resources are called; the mesh's own recommendations are in its fields (Istio: `sidecars`,
    `exports`, `discovery`; Consul: `intentions`, `upstreams`), empty for other meshes.
    """

    mechanism: str
    resource_kind: str
    entry_label: str
    granularity: str
    root_namespace: str | None
    sized_for: str
    traffic_window_seconds: float | None
    traffic_window: str
    sidecars: tuple[SidecarResource, ...] = ()
    exports: tuple[ServiceExport, ...] = ()
    discovery: DiscoverySelectors | None = None
    intentions: tuple[ServiceIntention, ...] = ()
    upstreams: tuple[UpstreamList, ...] = ()
    at_risk: tuple[str, ...] = ()
    totals: ScopingTotals
    call_graph: CallGraphBasis = "observed"

    def confidences(self) -> tuple[Confidence, ...]:
        """Each recommended resource's confidence, in the order of `resources`, without building
        the resources (a summary that only counts them)."""
        return (
            *(s.confidence for s in self.sidecars),
            *(i.confidence for i in self.intentions),
        )

    def resources(self) -> tuple[ScopedResource, ...]:
        """The recommended resources, in the same shape for every mesh."""
        out = [
            ScopedResource(
                namespace=s.namespace,
                name=s.name,
                applies_to=s.workloads,
                entries=len(s.egress_hosts),
                confidence=s.confidence,
                reason=s.reason,
            )
            for s in self.sidecars
        ]
        out += [
            ScopedResource(
                namespace=i.namespace,
                name=i.name,
                applies_to=i.workloads,
                entries=len(i.sources),
                confidence=i.confidence,
                reason=i.reason,
            )
            for i in self.intentions
        ]
        return tuple(out)


class ProxyDefault(_Frozen):
    """The mesh-wide proxy default (the mesh chart's proxy resources) that the per-workload
    recommendations are closest to, so that few workloads need a patch of their own.
    `applies_today` says what the chart gives a proxy without it."""

    cpu_request_millicores: int
    cpu_limit_millicores: int
    memory_request_mib: int
    memory_limit_mib: int
    applies_today: str
    threshold_ratio: float
    workloads_within: int
    workloads_patched: int
    rule: str

    def resources(self) -> Resources:
        """The default's requests and limits as a `Resources` (no estimate of its own)."""
        return Resources(
            estimated_cpu_millicores=0.0,
            estimated_memory_mib=0.0,
            cpu_request_millicores=self.cpu_request_millicores,
            cpu_limit_millicores=self.cpu_limit_millicores,
            memory_request_mib=self.memory_request_mib,
            memory_limit_mib=self.memory_limit_mib,
        )


class ResourceTotals(_Frozen):
    """Sums over pods: expected usage, requests and limits."""

    pods: int
    estimated_cpu_cores: float
    estimated_memory_gib: float
    cpu_request_cores: float
    memory_request_gib: float
    cpu_limit_cores: float
    memory_limit_gib: float


class AppTotals(_Frozen):
    """The application's own container requests, where the inventory gives them.

    Each resource counts the meshed workloads that give that request: `cpu_request_cores` sums
    the `workloads_with_cpu_requests`, `memory_request_gib` the `workloads_with_memory_requests`
    (a workload with only one of the two counts for that one); `workloads_with_requests` give
    both."""

    workloads_with_requests: int
    workloads_with_cpu_requests: int
    workloads_with_memory_requests: int
    workloads_injected: int
    cpu_request_cores: float
    memory_request_gib: float


class Totals(_Frozen):
    """Mesh overhead: data plane (sidecars, and node agents: ztunnel, istio-cni), gateways,
    control plane, and their share of the app."""

    sidecars: ResourceTotals
    gateways: ResourceTotals
    control_plane: ResourceTotals
    node_agents: ResourceTotals
    mesh: ResourceTotals
    app: AppTotals
    sidecar_share_of_app_cpu_ratio: float | None
    sidecar_share_of_app_memory_ratio: float | None
    mesh_share_of_app_cpu_ratio: float | None
    mesh_share_of_app_memory_ratio: float | None


class Assumption(Coefficient):
    """A coefficient of the profile as used in this run, named by its path in the profile."""

    name: str


class Formula(_Frozen):
    """A formula behind a figure of the plan, in words a reviewer can check."""

    name: str
    expression: str


class Finding(_Frozen):
    """Something a reviewer should know: a warning about an input, a limit of the model."""

    code: str
    subject: str
    message: str


class InputFile(_Frozen):
    """An input the plan was computed from, identified by content rather than path.

    `fingerprint` digests the table's cells ignoring row and column order (planner.inputs.tables).
    """

    role: str
    name: str
    fingerprint: str
    rows: int


class ToolInfo(_Frozen):
    name: str
    version: str


class ProfileInfo(_Frozen):
    """The mesh and profile a plan was made for, and how the mesh was chosen."""

    name: str
    title: str
    profile_version: str
    mesh: str
    mesh_title: str
    mesh_chosen_by: str
    mesh_version: str
    figures: str


class NodesPlan(_Frozen):
    """The cluster's nodes and what the mesh costs each (planner.inputs.nodes).

    `pods_per_node_*` are the pods the nodes run as given (null when unknown: spread evenly is
    assumed); `busiest_node_share_ratio` is the busiest node's share of the pods.
    `mesh_*_per_node` is the whole mesh's requests over the nodes (an average: gateways and the
    control plane run on some nodes only); `busiest_node_sidecar_*` the sidecar requests on the
    busiest node, at its share. Capacity and the mesh's share of it are null unless every node
    gives its allocatable CPU (memory).
    """

    count: int
    source: str
    spread: Literal["as given", "assumed even"]
    pods_per_node_min: int | None
    pods_per_node_median: float | None
    pods_per_node_max: int | None
    busiest_node_share_ratio: float
    mesh_cpu_request_cores_per_node: float
    mesh_memory_request_gib_per_node: float
    busiest_node_sidecar_cpu_request_cores: float
    busiest_node_sidecar_memory_request_gib: float
    cpu_cores: float | None
    memory_gib: float | None
    mesh_share_of_cpu_ratio: float | None
    mesh_share_of_memory_ratio: float | None


class MigrationTarget(_Frozen):
    """One mesh the same workloads are sized for in a migration (`--migrate-to`), beside the
    mesh they run today. Its whole plan is `folder`/plan.json; the figures here compare.

    `difference` is this mesh's totals minus today's (`totals.mesh`), per field.
    `scoped_workloads` / `fallback_workloads` count the meshed workloads whose scoping is exact
    (high confidence) or wider; `scoping_resources` the resources written (Sidecars, intentions).
    """

    mesh: str
    mesh_title: str
    mesh_version: str
    folder: str
    files: tuple[str, ...]
    totals: Totals
    difference: ResourceTotals
    control_plane: tuple[str, ...]
    scoping_mechanism: str
    scoping_note: str
    scoping_resources: int
    scoped_workloads: int
    fallback_workloads: int
    findings: int
    manual_steps: tuple[str, ...]


class Migration(_Frozen):
    """The way off the mesh sized today: each target mesh sized for the same workloads.

    `call_graph` says what the targets' scoping comes from: "declared" (the mesh's own
    resources), "observed" (a traffic table), both, or "none" (no scoping: every proxy sees the
    whole mesh). `manual_steps` are what every target leaves to do by hand (routes are not
    translated).
    """

    source_mesh: str
    source_title: str
    call_graph: CallGraphBasis | Literal["none"]
    targets: tuple[MigrationTarget, ...]
    manual_steps: tuple[str, ...]


class ScenarioCounts(_Frozen):
    """What a mesh is made of: application pods (every workload's replicas), proxies (sidecar
    pods, gateway and waypoint replicas), Services and namespaces, and the requests per second
    into the workloads."""

    pods: int
    proxies: int
    services: int
    namespaces: int
    inbound_rps: float


class ScenarioDifference(_Frozen):
    """A scenario's figures minus today's, per part of the mesh and in counts."""

    sidecars: ResourceTotals
    gateways: ResourceTotals
    control_plane: ResourceTotals
    node_agents: ResourceTotals
    mesh: ResourceTotals
    counts: ScenarioCounts


class ScenarioResult(_Frozen):
    """One scenario sized with the same pipeline as today's plan.

    `changes` are as the file gives them; `mesh_version`, `headroom_ratio` and `size_for` are
    what the scenario was sized with (the plan's knobs after its changes). `totals` has the
    scenario's requests and expected use per part of the mesh, as `Plan.totals`; `difference`
    is each minus today's. `cost` (with `--prices`): today's cost and the scenario's, priced
    the way the plan's own `cost` is (each workload at its namespace's prices), by part, by
    namespace and in all, and the difference; None without prices.
    """

    name: str
    description: str
    file: str
    changes: tuple[Change, ...]
    mesh_version: str
    headroom_ratio: float
    size_for: SizeFor | None
    counts: ScenarioCounts
    totals: Totals
    difference: ScenarioDifference
    findings: int
    cost: CostComparison | None = None


class Scenarios(_Frozen):
    """Every scenario of the `--scenario` files, in the order given, and today's counts."""

    files: tuple[InputFile, ...]
    today: ScenarioCounts
    results: tuple[ScenarioResult, ...]


class Plan(_Frozen):
    """The whole result of `planner size`."""

    schema_version: Literal["2.5"]
    tool: ToolInfo
    profile: ProfileInfo
    knobs: Knobs
    inputs: tuple[InputFile, ...]
    formulas: tuple[Formula, ...]
    assumptions: tuple[Assumption, ...]
    proxy_model: ProxyModel
    gateway_model: ProxyModel | None = None
    """How gateways' and waypoints' expected usage is computed when it differs from the
    sidecars' (Istio ambient: at the waypoint's figures); None: as `proxy_model`."""
    rounding: Rounding
    workloads: tuple[WorkloadPlan, ...]
    gateways: tuple[GatewayPlan, ...]
    control_plane: ControlPlanePlan
    proxy_default: ProxyDefault
    totals: Totals
    scoping: ScopingPlan | None
    scoping_note: str
    findings: tuple[Finding, ...]
    nodes: NodesPlan | None = None
    migration: Migration | None = None
    cost: PlanCost | None = None
    """What the requests cost per month at the `--prices` file's prices (planner.cost); None
    without prices."""
    scenarios: Scenarios | None = None
    """With `--scenario`: each what-if scenario sized beside today; None otherwise."""
