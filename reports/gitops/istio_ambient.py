"""Istio ambient's hand-over files: Helm values for the ztunnel, istio-cni and istiod charts,
and one gateway values file per ingress or egress gateway, a comment on every number.

`helm/ztunnel-values.yaml` sets ztunnel's `resources` (one request for every node's pod: the
busiest node's figure; no CPU limit, as the chart, so a busy node's traffic is never throttled).
`helm/istio-cni-values.yaml` sets the agent's `resources` and `ambient.enabled`.
`helm/istiod-values.yaml` sets istiod's replicas and resources, and `global.waypoint.resources`,
which the istiod chart's waypoint template gives every waypoint Deployment (the largest
waypoint's figure), and in a mixed cluster `global.proxy.resources`, the default of the sidecars
of its sidecar namespaces (whose outliers kustomize/ patches, as in sidecar mode). Every key
exists in the charts' default values (tests/test_ambient.py checks them against copies of
them).
"""

from __future__ import annotations

from collections.abc import Callable

from models.knobs import OutputFormat
from models.plan import ComponentPlan, GatewayPlan, Plan, Resources, Role
from reports.gitops.commented_yaml import Commented, Node, dump, header
from reports.gitops.helm import (
    HELM_DIR,
    ISTIOD_VALUES,
    gateway_block,
    gateway_values_file,
    istiod_block,
    proxy_default_block,
)
from reports.gitops.istio_sidecar import PATCH
from reports.gitops.kube import cpu_quantity, memory_quantity
from reports.gitops.kustomize import render_overlay
from reports.gitops.provenance import formula, number, resources_block
from reports.gitops.provenance import header as provenance

ZTUNNEL_VALUES = f"{HELM_DIR}/ztunnel-values.yaml"
CNI_VALUES = f"{HELM_DIR}/istio-cni-values.yaml"


def _agent_resources(component: ComponentPlan, cpu_limit: bool) -> dict[str, Node]:
    """A node agent's requests (the busiest node's) and its memory limit, and its CPU limit
    only when `cpu_limit`."""
    per = component.per_replica
    limits: dict[str, Node] = {
        "memory": Commented(
            memory_quantity(per.memory_limit_mib),
            f"request x the limit ratio; estimate {number(per.estimated_memory_mib)}Mi",
        )
    }
    if cpu_limit:
        limits = {
            "cpu": Commented(cpu_quantity(per.cpu_limit_millicores), "request x the limit ratio"),
            **limits,
        }
    return {
        "requests": {
            "cpu": Commented(
                cpu_quantity(per.cpu_request_millicores),
                f"each node's pod, sized for the busiest node: estimate "
                f"{number(per.estimated_cpu_millicores)}m, headroom, at least the chart's",
            ),
            "memory": Commented(
                memory_quantity(per.memory_request_mib),
                f"estimate {number(per.estimated_memory_mib)}Mi, headroom, at least the chart's",
            ),
        },
        "limits": limits,
    }


def _waypoint_resources(plan: Plan) -> Node:
    """`global.waypoint.resources`: every waypoint Deployment gets it; the largest waypoint's
    (without a waypoint, the chart's default, which the plan's proxy default is when no pod
    keeps a sidecar)."""
    waypoints = [g for g in plan.gateways if g.role is Role.WAYPOINT]
    if not waypoints:
        default = Resources(
            estimated_cpu_millicores=0.0,
            estimated_memory_mib=0.0,
            cpu_request_millicores=round(_value(plan, "proxy.cpu_request_floor_millicores")),
            cpu_limit_millicores=round(_value(plan, "proxy.cpu_limit_floor_millicores")),
            memory_request_mib=round(_value(plan, "proxy.memory_request_floor_mib")),
            memory_limit_mib=round(_value(plan, "proxy.memory_limit_floor_mib")),
        )
        notes = dict.fromkeys(_NOTE_KEYS, "the chart's default (no waypoint planned)")
        return Commented(resources_block(default, notes, "proxy_default"), "no waypoint planned")
    largest = max(
        waypoints,
        key=lambda g: (g.per_replica.memory_request_mib, g.per_replica.cpu_request_millicores),
    )
    per = largest.per_replica
    where = f"{largest.namespace}/{largest.workload}"
    notes = dict.fromkeys(_NOTE_KEYS, f"the largest waypoint's ({where}), per replica")
    resources = Resources(
        estimated_cpu_millicores=per.estimated_cpu_millicores,
        estimated_memory_mib=per.estimated_memory_mib,
        cpu_request_millicores=per.cpu_request_millicores,
        cpu_limit_millicores=per.cpu_limit_millicores,
        memory_request_mib=per.memory_request_mib,
        memory_limit_mib=per.memory_limit_mib,
    )
    return Commented(
        resources_block(resources, notes, "waypoint"),
        f"every waypoint Deployment ({len(waypoints)} planned); replicas per waypoint are in "
        "plan.json (gateways)",
    )


_NOTE_KEYS = ("cpu", "memory", "cpu_limit", "memory_limit")


def _value(plan: Plan, name: str) -> float:
    return next(a.value for a in plan.assumptions if a.name == name)


def render_kustomize(plan: Plan) -> dict[str, bytes]:
    """kustomize/ with Istio's proxy resource annotations for the sidecars of a mixed
    cluster's sidecar namespaces whose recommendation differs from the default (an empty
    component when every pod is captured by ztunnel)."""
    return render_overlay(plan, PATCH)


def render_helm(plan: Plan) -> dict[str, bytes]:
    """helm/ztunnel-values.yaml, helm/istio-cni-values.yaml, helm/istiod-values.yaml and a
    gateway values file per ingress or egress gateway."""
    ztunnel = plan.control_plane.component("ztunnel")
    cni = plan.control_plane.component("istio-cni")
    root = plan.knobs.mesh_root_namespace or "istio-system"
    files: dict[str, bytes] = {}
    ztunnel_lines = [
        *provenance(plan, "Helm values for the ztunnel chart (istio/ztunnel)."),
        f"helm upgrade ztunnel istio/ztunnel -n {root} -f your-values.yaml -f ztunnel-values.yaml",
        f"ztunnel: {ztunnel.model_formula}; {ztunnel.replicas_rule}.",
        "No CPU limit, as the chart: a throttled ztunnel slows every pod of its node.",
    ]
    files[ZTUNNEL_VALUES] = (
        header(ztunnel_lines) + dump({"resources": _agent_resources(ztunnel, cpu_limit=False)})
    ).encode("utf-8")
    cni_lines = [
        *provenance(plan, "Helm values for the istio-cni chart (istio/cni)."),
        f"helm upgrade istio-cni istio/cni -n {root} -f your-values.yaml -f istio-cni-values.yaml",
        f"istio-cni: {cni.model_formula}; {cni.replicas_rule}.",
    ]
    cni_values: dict[str, Node] = {
        "ambient": {"enabled": Commented(True, "ambient redirection (the chart's default is off)")},
        "resources": _agent_resources(cni, cpu_limit=False),
    }
    files[CNI_VALUES] = (header(cni_lines) + dump(cni_values)).encode("utf-8")
    istiod_lines = [
        *provenance(plan, "Helm values for the istiod chart (istio/istiod), ambient mode."),
        f"helm upgrade istiod istio/istiod -n {root} --set profile=ambient -f your-values.yaml "
        "-f istiod-values.yaml",
        f"Request formula: {formula(plan, 'request')}. Limits: {formula(plan, 'limits')}.",
        f"istiod memory: {plan.control_plane.component('istiod').model_formula}.",
    ]
    global_values: dict[str, Node] = {"waypoint": {"resources": _waypoint_resources(plan)}}
    if any(w.proxy is not None for w in plan.workloads):  # a mixed cluster's sidecars
        global_values = {"proxy": {"resources": proxy_default_block(plan)}, **global_values}
    values: dict[str, Node] = {**istiod_block(plan), "global": global_values}
    files[ISTIOD_VALUES] = (header(istiod_lines) + dump(values)).encode("utf-8")
    for gateway in sorted(plan.gateways, key=lambda g: (g.namespace, g.workload)):
        if gateway.role is Role.WAYPOINT:
            continue
        files[f"{HELM_DIR}/{gateway_values_file(gateway)}"] = _gateway_file(plan, gateway)
    return files


def _gateway_file(plan: Plan, gateway: GatewayPlan) -> bytes:
    lines = [
        *provenance(
            plan,
            f"Helm values for the {gateway.role.value} {gateway.namespace}/{gateway.workload} "
            "(istio/gateway chart).",
        ),
        "Apply after your own values files: helm upgrade <release> istio/gateway -n "
        f"{gateway.namespace} -f your-values.yaml -f {gateway_values_file(gateway)}",
    ]
    return (header(lines) + dump(gateway_block(plan, gateway))).encode("utf-8")


HANDOVER: dict[OutputFormat, Callable[[Plan], dict[str, bytes]]] = {
    OutputFormat.KUSTOMIZE: render_kustomize,
    OutputFormat.HELM: render_helm,
}
