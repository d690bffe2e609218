"""Linkerd, sized: a linkerd2-proxy per meshed pod from the requests through it and the
connections it holds, and the control plane's controllers (planner.meshes.linkerd.controllers).

    proxy CPU    = idle + (rps - L4 rps + L4 rps x TCP ratio) through the proxy per pod / 1000
                   x CPU per 1000 rps
    proxy memory = base + connections x bytes per connection

Linkerd has no gateways of its own: an ingress controller meshed with `linkerd.io/inject:
ingress` is a workload with a proxy like any other, and is sized as one. There is no scoping:
a proxy holds only the destinations it uses, so there is nothing to narrow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import PlannerError, ProfileError
from models.knobs import Knobs, SizeFor
from models.plan import (
    GATEWAY_ROLES,
    Assumption,
    ControlPlanePlan,
    Finding,
    Formula,
    ProxyModel,
    Term,
)
from models.profile import Coefficient
from planner.meshes.entry import MeshSizing, SizingInput
from planner.meshes.linkerd import controllers
from planner.meshes.linkerd.connections import proxy_connections, service_endpoints
from planner.meshes.linkerd.profile import (
    LinkerdProfile,
    LinkerdVersionFigures,
    figures_for,
    release_of,
)
from planner.model.control_plane import size_component
from planner.model.findings import (
    count_of,
    evidence_findings,
    limit_findings,
    name_list,
    proxy_findings,
    version_findings,
)
from planner.model.records import CurrentDefaults, assumptions, proxy_inputs, with_current
from planner.model.sizing import (
    MIB,
    ProxyPolicy,
    proxy_cpu_millicores,
    size_requests,
    unprotected,
)

CURRENT = CurrentDefaults(
    cpu_request_millicores=0.0,
    memory_request_mib=0.0,
    cpu_limit_millicores=0.0,
    memory_limit_mib=0.0,
    source="none set",
)
"""What a Linkerd proxy gets without settings: the chart sets no proxy requests or limits."""

APPLIES_TODAY = (
    "no requests or limits: the linkerd-control-plane chart sets no proxy resources (its "
    "values-ha.yaml sets 100m CPU and 20Mi memory requests and a 250Mi memory limit)"
)
SCOPING_NOTE = (
    "none needed: a Linkerd proxy resolves each destination when it first calls it and drops "
    "what it has not used for 5 seconds (proxy.outboundDiscoveryCacheUnusedTimeout), so it never "
    "holds the whole mesh's configuration and there is nothing to narrow; the control plane "
    "grows with the meshed pods (destination keeps a stream per connected proxy), so meshing "
    "fewer pods is what shrinks it"
)
PROXY_MODEL = ProxyModel(
    idle_cpu="proxy.idle_cpu_millicores",
    cpu_per_1000_rps="version.cpu_per_1000_rps_millicores",
    tcp_cpu_ratio="proxy.tcp_cpu_ratio",
    base_memory="version.base_memory_mib",
    memory_terms=(
        Term(
            driver="connections",
            coefficient="version.memory_per_connection_bytes",
            divisor=MIB,
        ),
    ),
)
"""The model below as the plan states it, for reports to recompute."""
MORE_WORKERS = (
    "set config.linkerd.io/proxy-cpu-limit to 2 cores or more (the proxy runs one worker thread "
    "per core of its limit)"
)


@dataclass(frozen=True)
class Resolved:
    """The profile, its figures for the chosen version, and the knobs with defaults filled in."""

    profile: LinkerdProfile
    figures: LinkerdVersionFigures
    release: str
    knobs: Knobs
    policy: ProxyPolicy


def resolve(profile: LinkerdProfile, knobs: Knobs) -> Resolved:
    """Pick the version figures and fill in the knobs.

    Raises PlannerError for `--size-for scoped` (Linkerd has no scoping).
    """
    if profile.mesh != knobs.mesh:
        raise ProfileError(
            f"profile {profile.name} is for mesh {profile.mesh.value}, not {knobs.mesh.value}; "
            "pass a profile for that mesh or change --mesh"
        )
    if knobs.size_for is SizeFor.SCOPED:
        raise PlannerError(
            "--size-for scoped: Linkerd has no scoping to size for (its proxies hold only the "
            "destinations they use); leave --size-for out"
        )
    version = knobs.mesh_version or profile.default_mesh_version
    figures = figures_for(profile, version)
    proxy = profile.proxy
    policy = ProxyPolicy.of(proxy, profile.rounding, knobs.headroom_ratio)
    filled = knobs.model_copy(update={"mesh_version": version, "size_for": SizeFor.UNSCOPED})
    return Resolved(profile, figures, release_of(version), filled, policy)


def size(request: SizingInput) -> MeshSizing:
    """Size Linkerd's proxies and controllers for the inventory."""
    profile = request.profile
    assert isinstance(profile, LinkerdProfile)
    resolved = resolve(profile, request.knobs)
    knobs = resolved.knobs
    inventory, workloads = request.inventory, request.workloads
    edges = request.traffic.edges if request.traffic is not None else None
    meshed = workloads.loc[workloads["mesh_injected"] & (workloads["replicas"] > 0)]
    sidecars = _size_proxies(proxy_connections(meshed, inventory, edges), resolved)
    services = service_endpoints(inventory)
    counts = controllers.MeshCounts(
        services=len(services),
        pods=int(workloads["replicas"].sum()),
        endpoints=int(services["endpoints"].sum()),
        connected_proxies=int(sidecars["replicas"].sum()),
        workloads=len(sidecars),
    )
    assumptions = assumptions_of(resolved)
    values = {a.name: a.value for a in assumptions}
    components = []
    findings: list[Finding] = []
    for build in (controllers.destination, controllers.identity, controllers.proxy_injector):
        component, found = size_component(
            build(counts, profile),
            values,
            profile.rounding,
            knobs.headroom_ratio,
            int(knobs.min_control_plane_replicas or 1),
        )
        components.append(component)
        findings.extend(found)
    findings.extend(proxy_findings(sidecars, profile.proxy.concurrency.value, MORE_WORKERS))
    findings.extend(limit_findings(sidecars, "linkerd2-proxy's"))
    figures = resolved.figures
    findings.extend(version_findings(figures, resolved.release))
    findings.extend(evidence_findings(_measured(profile, counts, sidecars)))
    findings.extend(_linkerd_findings(resolved, counts, sidecars, edges is not None))
    return MeshSizing(
        knobs=knobs,
        figures=_figures_label(resolved),
        sidecars=sidecars,
        gateways=_no_gateways(sidecars),
        gateways_sized_apart=False,
        control_plane=ControlPlanePlan(components=tuple(components)),
        scoping=None,
        scoping_note=SCOPING_NOTE,
        workload_scopings={},
        findings=tuple(findings),
        formulas=_formulas(resolved),
        assumptions=assumptions,
        proxy_model=PROXY_MODEL,
        proxy_policy=resolved.policy,
        current=CURRENT,
        applies_today=APPLIES_TODAY,
    )


def _figures_label(resolved: Resolved) -> str:
    version = str(resolved.knobs.mesh_version)
    shown = "" if version == resolved.release else f"; {version} is Linkerd {resolved.release}"
    return f"{resolved.figures.label}{shown}; 1 worker thread"


def _size_proxies(configured: pd.DataFrame, resolved: Resolved) -> pd.DataFrame:
    """Proxies of meshed, running workloads (one row per workload), gateways included."""
    per_pod = (configured["inbound_rps"] + configured["outbound_rps"]) / configured["replicas"]
    l4_per_pod = (configured["inbound_l4_rps"] + configured["outbound_l4_rps"]) / configured[
        "replicas"
    ]
    frame = proxy_inputs(configured, per_pod, l4_per_pod)
    figures, proxy = resolved.figures, resolved.profile.proxy
    frame["estimated_cpu_millicores"] = proxy_cpu_millicores(
        frame["rps_per_pod"].to_numpy(dtype=np.float64),
        frame["l4_rps_per_pod"].to_numpy(dtype=np.float64),
        proxy.idle_cpu_millicores.value,
        figures.cpu_per_1000_rps_millicores.value,
        proxy.tcp_cpu_ratio.value,
    )
    frame["estimated_memory_mib"] = (
        figures.base_memory_mib.value
        + frame["connections"].to_numpy(dtype=np.float64)
        * figures.memory_per_connection_bytes.value
        / MIB
    )
    sized = with_current(size_requests(frame, resolved.policy), CURRENT)
    return unprotected(sized)


def _no_gateways(sidecars: pd.DataFrame) -> pd.DataFrame:
    """An empty gateway frame with the columns the plan's records read."""
    empty = sidecars.iloc[0:0].copy()
    for column in (
        "current_replicas",
        "autoscale_min",
        "autoscale_max",
        "autoscale_target_cpu_percent",
        "throughput_rps",
    ):
        empty[column] = pd.Series(dtype=np.int64)
    empty["replicas_rule"] = pd.Series(dtype=object)
    return empty


def _measured(
    profile: LinkerdProfile, counts: controllers.MeshCounts, sidecars: pd.DataFrame
) -> list[tuple[str, int, Coefficient]]:
    evidence = profile.evidence
    busiest = int(np.ceil(sidecars["rps_per_pod"].max())) if len(sidecars) else 0
    return [
        ("connected proxies", counts.connected_proxies, evidence.connected_proxies),
        ("requests per second through one proxy", busiest, evidence.rps_per_proxy),
    ]


def _linkerd_findings(
    resolved: Resolved,
    counts: controllers.MeshCounts,
    sidecars: pd.DataFrame,
    has_traffic: bool,
) -> list[Finding]:
    findings = [
        Finding(
            code="control-plane-at-chart-values",
            subject="Linkerd identity, proxy-injector",
            message="no published figure relates these controllers' resources to the mesh's "
            "size: they are set at the chart's HA values, with what drives their load shown "
            "beside them (certificates signed, pods admitted)",
        )
    ]
    if not has_traffic and len(sidecars):
        findings.append(
            Finding(
                code="connections-unknown",
                subject=count_of(len(sidecars), "workload"),
                message="without a traffic table the proxies' connections are unknown, so their "
                "memory is sized at the base alone: a Linkerd proxy's memory follows the "
                "destinations it calls and the callers it serves, which the traffic table "
                "(--traffic) shows",
            )
        )
    gateways = sidecars.loc[sidecars["role"].isin(GATEWAY_ROLES)]
    if len(gateways):
        findings.append(
            Finding(
                code="gateway-sized-as-workload",
                subject=count_of(len(gateways), "workload"),
                message="Linkerd runs no gateways of its own: these ingress or egress workloads "
                "are sized as meshed workloads (an ingress controller meshed with "
                f"linkerd.io/inject: ingress) at their current replicas ({name_list(gateways)})",
            )
        )
    limit = resolved.profile.proxy_injector.injector_memory_pods_before_2_13
    if tuple(int(p) for p in resolved.release.split(".")) < (2, 13) and counts.pods > limit.value:
        findings.append(
            Finding(
                code="injector-memory-before-2-13",
                subject=f"{counts.pods:,} pods",
                message="before Linkerd 2.13 the proxy injector held every pod of the cluster "
                f"and was OOM-killed at the HA values' 250Mi with {limit.value:,.0f}-3,000 pods "
                "(linkerd2#10386): upgrade, or raise its memory limit",
            )
        )
    return findings


def _formulas(resolved: Resolved) -> tuple[Formula, ...]:
    proxy, figures = resolved.profile.proxy, resolved.figures
    return (
        Formula(
            name="proxy CPU (millicores)",
            expression=f"{proxy.idle_cpu_millicores.value:g} + rps through the proxy per pod / "
            f"1000 x {figures.cpu_per_1000_rps_millicores.value:g}",
        ),
        Formula(
            name="proxy memory (MiB)",
            expression=f"{figures.base_memory_mib.value:g} + connections x "
            f"{figures.memory_per_connection_bytes.value:,.0f} B / 2^20",
        ),
        *resolved.policy.formulas(),
    )


def assumptions_of(resolved: Resolved) -> tuple[Assumption, ...]:
    """Every coefficient the run uses, named by its path in the profile."""
    profile = resolved.profile
    return assumptions(
        [
            ("version", resolved.figures),
            ("proxy", profile.proxy),
            (controllers.GROUPS[controllers.DESTINATION], profile.destination),
            (controllers.GROUPS[controllers.IDENTITY], profile.identity),
            (controllers.GROUPS[controllers.PROXY_INJECTOR], profile.proxy_injector),
        ]
    )
