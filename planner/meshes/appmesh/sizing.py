"""AWS App Mesh, sized as it runs today: Envoy sidecars holding only the backends their
VirtualNodes declare, VirtualGateway deployments as gateways, and the appmesh-controller (the
control plane itself is AWS's and runs outside the cluster).

    sidecar CPU    = idle + rps through the proxy per pod / 1000 x per 1000 rps
    sidecar memory = base + (clusters x per cluster + endpoints x per endpoint
                     + listeners x per listener) / 2^20                (planner.model.envoy)

What an Envoy holds comes from the declared call graph (planner.inputs.appmesh): the Services
its VirtualNode's backends resolve to (the one it dials and those its traffic lands on). A
table inventory declares nothing: with a traffic table, each proxy is sized holding what it was
observed calling (a lower bound), without one as if it held every Service (an upper bound); a
finding says which.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from models.errors import PlannerError, ProfileError
from models.knobs import Knobs, SizeFor
from models.plan import (
    GATEWAY_ROLES,
    Assumption,
    ComponentPolicy,
    ControlPlanePlan,
    Driver,
    Finding,
    Formula,
    ProxyModel,
)
from planner.inputs.inventory import Inventory
from planner.inputs.traffic import Traffic
from planner.inputs.traffic_table import UNREGISTERED_DESTINATIONS
from planner.meshes.appmesh.profile import AppMeshProfile, AppMeshVersionFigures, figures_for
from planner.meshes.entry import MeshSizing, SizingInput
from planner.model.control_plane import ComponentModel, size_component
from planner.model.envoy import (
    EnvoyCosts,
    Scope,
    estimate,
    memory_terms,
    proxy_config,
    service_config,
)
from planner.model.findings import count_of, limit_findings, proxy_findings, version_findings
from planner.model.gateways import GatewayPolicy, replicas_formula, size_gateways
from planner.model.records import CurrentDefaults, assumptions, proxy_inputs, with_current
from planner.model.sizing import ProxyPolicy, protect_limits, size_requests
from planner.scoping.callgraph import declaration_findings

KEYS = ["namespace", "workload"]
CONTROLLER = "appmesh-controller"

PROXY_MODEL = ProxyModel(
    idle_cpu="proxy.idle_cpu_millicores",
    cpu_per_1000_rps="version.cpu_per_1000_rps_millicores",
    tcp_cpu_ratio="proxy.tcp_cpu_ratio",
    base_memory="version.base_memory_mib",
    memory_terms=memory_terms(
        "version.memory_per_cluster_bytes", "version.memory_per_endpoint_bytes"
    ),
)
"""The model above as the plan states it, for reports to recompute."""
SCOPING_NOTE = (
    "none to recommend: an App Mesh Envoy already holds only the backends its VirtualNode "
    "declares; a migration to another mesh should keep that scope"
)
MORE_WORKERS = "give the Envoy container a CPU limit of 2 cores or more, or run more replicas"


@dataclass(frozen=True)
class Resolved:
    """The profile, its figures for the chosen version, and the knobs with defaults filled in."""

    profile: AppMeshProfile
    figures: AppMeshVersionFigures
    knobs: Knobs
    costs: EnvoyCosts
    policy: ProxyPolicy
    gateway: GatewayPolicy
    current: CurrentDefaults


def resolve(profile: AppMeshProfile, knobs: Knobs) -> Resolved:
    """Pick the version figures and fill in the knobs the profile gives defaults for.

    Raises PlannerError for `--size-for scoped` (App Mesh has nothing to recommend)."""
    if profile.mesh != knobs.mesh:
        raise ProfileError(
            f"profile {profile.name} is for mesh {profile.mesh.value}, not {knobs.mesh.value}; "
            "pass a profile for that mesh or change --mesh"
        )
    if knobs.size_for is SizeFor.SCOPED:
        raise PlannerError(
            "--size-for scoped: App Mesh has no scoping to recommend (its proxies hold only "
            "their declared backends); leave --size-for out"
        )
    version = knobs.mesh_version or profile.default_mesh_version
    figures = figures_for(profile, version)
    proxy, gateway = profile.proxy, profile.gateway
    filled = knobs.model_copy(
        update={
            "mesh_version": version,
            "size_for": SizeFor.UNSCOPED,
            "min_gateway_replicas": knobs.min_gateway_replicas or int(gateway.min_replicas.value),
        }
    )
    costs = EnvoyCosts.of(proxy, figures, figures)
    policy = ProxyPolicy.of(proxy, profile.rounding, knobs.headroom_ratio)
    gateways = GatewayPolicy.of(gateway, filled.min_gateway_replicas)
    current = CurrentDefaults(
        cpu_request_millicores=10.0,
        memory_request_mib=32.0,
        cpu_limit_millicores=0.0,
        memory_limit_mib=0.0,
        source="controller default",
    )
    return Resolved(profile, figures, filled, costs, policy, gateways, current)


def size(request: SizingInput) -> MeshSizing:
    """Size App Mesh's Envoy sidecars, VirtualGateway deployments and the controller."""
    profile = request.profile
    assert isinstance(profile, AppMeshProfile)
    inventory, workloads = request.inventory, request.workloads
    resolved = resolve(profile, request.knobs)
    knobs = resolved.knobs
    services = service_config(inventory)
    scope = declared_scope(inventory, workloads, request.traffic)
    configured = proxy_config(
        workloads,
        services,
        inventory.backing,
        fixed_clusters=int(profile.proxy.fixed_clusters.value),
        scope=scope,
    )
    configured["visible_listeners"] += int(profile.proxy.fixed_listeners.value)
    sidecars = _size_sidecars(configured, resolved)
    gateways = size_gateways(
        configured, resolved.costs, resolved.policy, resolved.current, resolved.gateway,
        knobs.headroom_ratio,
    )  # fmt: skip
    never = pd.Series(False, index=sidecars.index)
    sidecars = protect_limits(sidecars, sidecars["memory_request_mib"], never)
    gateways = protect_limits(
        gateways, gateways["memory_request_mib"], pd.Series(False, index=gateways.index)
    )
    assumed = assumptions_of(resolved)
    values = {a.name: a.value for a in assumed}
    component, findings = size_component(
        _controller(sidecars, gateways, profile),
        values,
        profile.rounding,
        knobs.headroom_ratio,
        1,
    )
    findings.extend(proxy_findings(sidecars, profile.proxy.concurrency.value, MORE_WORKERS))
    findings.extend(limit_findings(sidecars, "Envoy's"))
    figures = resolved.figures
    findings.extend(version_findings(figures, str(knobs.mesh_version)))
    findings.extend(_appmesh_findings(inventory, sidecars, request.traffic is not None))
    if request.traffic is not None:
        findings.extend(declaration_findings(inventory, request.traffic.edges, knobs))
    return MeshSizing(
        knobs=knobs,
        figures=f"{figures.label}; {int(profile.proxy.concurrency.value)} worker threads",
        sidecars=sidecars,
        gateways=gateways,
        gateways_sized_apart=True,
        control_plane=ControlPlanePlan(components=(component,)),
        scoping=None,
        scoping_note=SCOPING_NOTE,
        workload_scopings={},
        findings=tuple(findings),
        formulas=_formulas(resolved),
        assumptions=assumed,
        proxy_model=PROXY_MODEL,
        proxy_policy=resolved.policy,
        current=resolved.current,
        applies_today=(
            "the appmesh-controller chart's sidecar.resources: requests 10m CPU and 32Mi "
            "memory, no limits"
        ),
    )


def declared_scope(
    inventory: Inventory, workloads: pd.DataFrame, traffic: Traffic | None = None
) -> Scope | None:
    """What each meshed workload's Envoy holds: the Services of its declared backends. Without
    a declaration (a table inventory), the Services each workload was observed calling stand in
    for them: a call through App Mesh must be declared, so they are a lower bound. None when
    neither is known: every proxy is priced with the whole mesh, an upper bound."""
    if inventory.declared is not None:
        edges = inventory.declared.edges
    elif traffic is not None:
        edges = traffic.edges.loc[
            ~traffic.edges["destination_service"].isin(UNREGISTERED_DESTINATIONS)
        ]
    else:
        return None
    meshed = workloads.loc[workloads["mesh_injected"], KEYS]
    grants = edges.loc[edges["destination_service"] != ""].rename(
        columns={
            "source_namespace": "namespace",
            "source_workload": "viewer",
            "destination_namespace": "service_namespace",
            "destination_service": "service",
        }
    )[["namespace", "viewer", "service_namespace", "service"]]
    return Scope(
        viewers=meshed.assign(viewer=meshed["workload"]).reset_index(drop=True),
        namespace_grants=pd.DataFrame(columns=["namespace", "viewer", "service_namespace"]),
        service_grants=grants.drop_duplicates().reset_index(drop=True),
        exports=pd.DataFrame(columns=["service_namespace", "service", "exported_to"]),
        discovered=None,
    )


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
    return with_current(size_requests(estimated, resolved.policy), resolved.current)


def _controller(
    sidecars: pd.DataFrame, gateways: pd.DataFrame, profile: AppMeshProfile
) -> ComponentModel:
    """The appmesh-controller at its chart's values, with what it serves shown."""
    model = profile.controller
    group = "controller"
    pods = int(sidecars["replicas"].sum() + gateways["replicas"].sum())
    return ComponentModel(
        component=CONTROLLER,
        title="App Mesh controller",
        drivers=(
            Driver(name="pods", label="Pods with an App Mesh Envoy", unit="pods", value=pods),
            Driver(
                name="workloads",
                label="Meshed workloads",
                unit="workloads",
                value=len(sidecars) + len(gateways),
            ),
        ),
        shared=(),
        serving=(),
        multiplier=(),
        cpu=(),
        policy=ComponentPolicy(
            cpu_request_floor=f"{group}.cpu_request_floor_millicores",
            memory_request_floor=f"{group}.memory_request_floor_mib",
            cpu_limit_ratio=f"{group}.cpu_limit_ratio",
            memory_limit_ratio=f"{group}.memory_limit_ratio",
            memory_limit_floor=f"{group}.memory_limit_floor_mib",
            max_cpu_per_replica=f"{group}.max_cpu_per_replica_millicores",
            max_memory_per_replica=f"{group}.max_memory_per_replica_mib",
            autoscale_max_ratio=None,
            autoscale_headroom_share=None,
        ),
        model_formula=(
            "App Mesh's control plane is AWS's and runs outside the cluster: nothing of it is "
            "sized here. The appmesh-controller (it turns the App Mesh resources into AWS API "
            "calls and injects the sidecars) is set at its chart's values "
            f"({model.cpu_request_floor_millicores.value:g}m CPU, "
            f"{model.memory_request_floor_mib.value:g}Mi memory); no published figure relates "
            "it to the mesh's size"
        ),
        replicas_floor=int(model.min_replicas.value),
    )


def _appmesh_findings(
    inventory: Inventory, sidecars: pd.DataFrame, observed: bool
) -> list[Finding]:
    findings = [
        Finding(
            code="appmesh-end-of-support",
            subject="AWS App Mesh",
            message="AWS ended support for App Mesh on 2026-09-30: this plan sizes what runs "
            "today, as the baseline of the migration to another mesh",
        ),
        Finding(
            code="appmesh-heuristic-figures",
            subject="App Mesh Envoy",
            message="AWS publishes no resource figure for App Mesh's Envoy: its CPU per request "
            "and base memory are the same Envoy's figures from other meshes' load tests (each "
            "assumption names its source); observed usage (the inventory's proxy columns) "
            "corrects them",
        ),
    ]
    if inventory.declared is None and observed:
        findings.append(
            Finding(
                code="appmesh-backends-from-traffic",
                subject=count_of(len(sidecars), "workload"),
                message="the inventory declares no VirtualNode backends (a table carries none): "
                "each Envoy is sized holding the Services it was observed calling, a lower bound "
                "(a backend declared but not called in the window is missed); give the manifests "
                "with their App Mesh resources to size what each holds",
            )
        )
    elif inventory.declared is None:
        findings.append(
            Finding(
                code="appmesh-backends-unknown",
                subject=count_of(len(sidecars), "workload"),
                message="the inventory declares no VirtualNode backends (a table carries none): "
                "each Envoy is sized as if it held every Service, an upper bound; give the "
                "manifests with their App Mesh resources to size what each holds",
            )
        )
    else:
        unpriced = inventory.declared.edges.loc[
            inventory.declared.edges["destination_service"] == ""
        ]
        if len(unpriced):
            targets = sorted(
                set(unpriced["destination_namespace"] + "/" + unpriced["destination_workload"])
            )
            findings.append(
                Finding(
                    code="appmesh-backend-without-service",
                    subject=count_of(len(targets), "workload"),
                    message="backends that land on workloads no Kubernetes Service selects "
                    "(found through AWS Cloud Map) are not priced in their callers' Envoy "
                    f"({', '.join(targets[:5])}{' and more' if len(targets) > 5 else ''})",
                )
            )
    return findings


def _formulas(resolved: Resolved) -> tuple[Formula, ...]:
    return (
        *resolved.costs.formulas(),
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
            ("controller", profile.controller),
        ]
    )


__all__ = ["declared_scope", "size"]
