"""App Mesh's hand-over files: the kustomize overlay with the App Mesh injector's proxy resource
annotations, and Helm values for the `appmesh-controller` chart (`sidecar.resources`, the
mesh-wide default every injected Envoy gets, and the controller's own `resources`). Every key
path exists in the chart's values.yaml (tests/test_appmesh.py checks it against a copy)."""

from __future__ import annotations

from collections.abc import Callable

from models.knobs import OutputFormat
from models.plan import Plan
from reports.gitops.commented_yaml import Commented, Node, dump, header
from reports.gitops.helm import HELM_DIR
from reports.gitops.kustomize import ProxyPatch, render_overlay
from reports.gitops.provenance import formula, number, ratio, resources_block
from reports.gitops.provenance import header as provenance

VALUES_FILE = f"{HELM_DIR}/appmesh-controller-values.yaml"
CONTROLLER = "appmesh-controller"

PATCH = ProxyPatch(
    cpu_request="appmesh.k8s.aws/cpuRequest",
    cpu_limit="appmesh.k8s.aws/cpuLimit",
    memory_request="appmesh.k8s.aws/memoryRequest",
    memory_limit="appmesh.k8s.aws/memoryLimit",
    default_where="helm/appmesh-controller-values.yaml, sidecar.resources",
)
"""The pod-template annotations a workload patch sets (the controller's pkg/inject)."""


def render_kustomize(plan: Plan) -> dict[str, bytes]:
    """kustomize/ with App Mesh's proxy resource annotations."""
    return render_overlay(plan, PATCH)


def render_helm(plan: Plan) -> dict[str, bytes]:
    """helm/appmesh-controller-values.yaml."""
    default = plan.proxy_default
    within = ratio(default.threshold_ratio)
    sidecar_notes = {
        "cpu": f"the CPU request most sized workloads' recommendations lie within {within} of",
        "memory": f"the memory request most workloads' recommendations lie within {within} of",
        "cpu_limit": "room for Envoy's worker threads",
        "memory_limit": f"the memory limit most workloads' recommendations lie within {within} of",
    }
    controller = plan.control_plane.component(CONTROLLER)
    per = controller.per_replica
    controller_notes = {
        "cpu": f"expected {number(per.estimated_cpu_millicores)}m: the chart's request",
        "memory": "the chart's request (no published figure relates it to the mesh)",
        "cpu_limit": "the chart's limit",
        "memory_limit": "the chart's limit",
    }
    values: dict[str, Node] = {
        "replicaCount": Commented(controller.replicas, controller.replicas_rule),
        "resources": resources_block(per, controller_notes, controller.title),
        "sidecar": {
            "resources": Commented(
                resources_block(default.resources(), sidecar_notes, "proxy_default"),
                f"mesh-wide sidecar default: {default.workloads_within} workloads within it, "
                f"{default.workloads_patched} with annotations of their own (kustomize/); "
                f"without it: {default.applies_today}",
            )
        },
    }
    lines = [
        *provenance(plan, "Helm values for the appmesh-controller chart."),
        "Apply after your own values, so these win: helm upgrade appmesh-controller "
        "eks/appmesh-controller -n appmesh-system -f your-values.yaml "
        "-f appmesh-controller-values.yaml",
        f"Mesh-wide sidecar default: {default.rule}.",
        f"Request formula: {formula(plan, 'request')}. Limits: {formula(plan, 'limits')}.",
        f"{controller.title}: {controller.model_formula}.",
    ]
    return {VALUES_FILE: (header(lines) + dump(values)).encode("utf-8")}


HANDOVER: dict[OutputFormat, Callable[[Plan], dict[str, bytes]]] = {
    OutputFormat.KUSTOMIZE: render_kustomize,
    OutputFormat.HELM: render_helm,
}
