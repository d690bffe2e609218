"""Linkerd's hand-over files: the kustomize overlay with Linkerd's proxy resource annotations,
and Helm values for the `linkerd-control-plane` chart.

`helm/linkerd-control-plane-values.yaml` sets the mesh-wide proxy default (`proxy.resources`,
the plan's `proxy_default`), each controller's resources (`destinationResources`,
`identityResources`, `proxyInjectorResources`) and `controllerReplicas`, which the chart
applies to every controller alike: the largest of the components' recommended replicas. The
chart's resources take `cpu: {request, limit}` and `memory: {request, limit}` (not Kubernetes'
`requests`/`limits`). Every key path exists in the chart's values.yaml or values-ha.yaml
(tests/test_linkerd.py checks it against copies of them); the chart has no autoscaler.
"""

from __future__ import annotations

from collections.abc import Callable

from models.knobs import OutputFormat
from models.plan import ComponentPlan, Plan, Resources
from reports.gitops.commented_yaml import Commented, Node, dump, header
from reports.gitops.helm import HELM_DIR
from reports.gitops.kube import cpu_quantity, memory_quantity
from reports.gitops.kustomize import ProxyPatch, render_overlay
from reports.gitops.provenance import (
    check_requests_within_limits,
    formula,
    number,
    ratio,
)
from reports.gitops.provenance import header as provenance

VALUES_FILE = f"{HELM_DIR}/linkerd-control-plane-values.yaml"
RESOURCE_KEYS = {
    "destination": "destinationResources",
    "identity": "identityResources",
    "proxy-injector": "proxyInjectorResources",
}
"""The chart's values key for each control-plane component's container resources."""

PATCH = ProxyPatch(
    cpu_request="config.linkerd.io/proxy-cpu-request",
    cpu_limit="config.linkerd.io/proxy-cpu-limit",
    memory_request="config.linkerd.io/proxy-memory-request",
    memory_limit="config.linkerd.io/proxy-memory-limit",
    default_where="helm/linkerd-control-plane-values.yaml, proxy.resources",
)
"""The pod-template annotations a workload patch sets (Linkerd's proxy annotations reference)."""


def render_kustomize(plan: Plan) -> dict[str, bytes]:
    """kustomize/ with Linkerd's proxy resource annotations."""
    return render_overlay(plan, PATCH)


def chart_resources(resources: Resources, notes: dict[str, str], what: str) -> dict[str, Node]:
    """`cpu: {request, limit}` and `memory: {request, limit}` as the Linkerd chart takes them.

    Raises ValueError when a request exceeds its limit (a bug in the plan)."""
    check_requests_within_limits(resources, what)
    return {
        "cpu": {
            "request": Commented(cpu_quantity(resources.cpu_request_millicores), notes["cpu"]),
            "limit": Commented(cpu_quantity(resources.cpu_limit_millicores), notes["cpu_limit"]),
        },
        "memory": {
            "request": Commented(memory_quantity(resources.memory_request_mib), notes["memory"]),
            "limit": Commented(memory_quantity(resources.memory_limit_mib), notes["memory_limit"]),
        },
    }


def _proxy_block(plan: Plan) -> Node:
    default = plan.proxy_default
    as_resources = default.resources()
    within = ratio(default.threshold_ratio)
    notes = {
        "cpu": f"the CPU request most sized workloads' recommendations lie within {within} of",
        "memory": f"the memory request most workloads' recommendations lie within {within} of",
        "cpu_limit": "one core: the proxy runs one worker thread per core of its limit "
        "(runtime.workers.minimum stays 1)",
        "memory_limit": f"the memory limit most workloads' recommendations lie within {within} of",
    }
    return Commented(
        chart_resources(as_resources, notes, "proxy_default"),
        f"mesh-wide proxy default: {default.workloads_within} workloads within it, "
        f"{default.workloads_patched} with a patch of their own (kustomize/); without it: "
        f"{default.applies_today}",
    )


def _component_block(plan: Plan, component: ComponentPlan) -> Node:
    per = component.per_replica
    headroom = ratio(plan.knobs.headroom_ratio)
    model = (
        f"model estimate {number(per.estimated_memory_mib)}Mi per replica"
        if component.shared_memory_terms or component.serving_memory_terms
        else "no model: the HA values"
    )
    notes = {
        "cpu": f"per replica: expected {number(per.estimated_cpu_millicores)}m, headroom "
        f"{headroom}, at least the HA values' request",
        "memory": f"{model}, headroom {headroom}, at least the HA values' request",
        "cpu_limit": "request x the CPU limit ratio (the HA values set no CPU limit)",
        "memory_limit": "request x the memory limit ratio, at least the HA values' limit",
    }
    block = chart_resources(per, notes, component.title)
    drivers = ", ".join(f"{number(d.value)} {d.unit}" for d in component.drivers)
    return Commented(block, f"{component.title}: {drivers}")


def render_helm(plan: Plan) -> dict[str, bytes]:
    """helm/linkerd-control-plane-values.yaml."""
    components = plan.control_plane.components
    replicas = max(c.replicas for c in components)
    values: dict[str, Node] = {
        "controllerReplicas": Commented(
            replicas,
            "the chart runs every controller with this many replicas: the largest of "
            + ", ".join(f"{c.component} {c.replicas}" for c in components),
        ),
        "proxy": {"resources": _proxy_block(plan)},
    }
    for component in components:
        values[RESOURCE_KEYS[component.component]] = _component_block(plan, component)
    lines = [
        *provenance(plan, "Helm values for the linkerd-control-plane chart."),
        "Apply after the chart's HA values and your own, so these win: helm upgrade "
        "linkerd-control-plane linkerd/linkerd-control-plane -n linkerd -f values-ha.yaml "
        "-f your-values.yaml -f linkerd-control-plane-values.yaml",
        "The chart has no autoscaler for its controllers: the replicas are fixed.",
        f"Mesh-wide proxy default: {plan.proxy_default.rule}.",
        f"Request formula: {formula(plan, 'request')}. Limits: {formula(plan, 'limits')}.",
        *(f"{c.title}: {c.model_formula}." for c in components),
    ]
    return {VALUES_FILE: (header(lines) + dump(values)).encode("utf-8")}


HANDOVER: dict[OutputFormat, Callable[[Plan], dict[str, bytes]]] = {
    OutputFormat.KUSTOMIZE: render_kustomize,
    OutputFormat.HELM: render_helm,
}
