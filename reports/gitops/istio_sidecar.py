"""Istio's hand-over files: Sidecar resources, the kustomize overlay with Istio's proxy resource
annotations and exportTo, Helm values for the istiod and gateway charts, an IstioOperator."""

from __future__ import annotations

from collections.abc import Callable

from models.knobs import OutputFormat
from models.plan import Plan
from reports.gitops.helm import render_helm
from reports.gitops.kustomize import ProxyPatch, render_overlay
from reports.gitops.operator import render_operator
from reports.gitops.sidecars import render_sidecars

PATCH = ProxyPatch(
    cpu_request="sidecar.istio.io/proxyCPU",
    cpu_limit="sidecar.istio.io/proxyCPULimit",
    memory_request="sidecar.istio.io/proxyMemory",
    memory_limit="sidecar.istio.io/proxyMemoryLimit",
    default_where="helm/istiod-values.yaml, global.proxy.resources",
)
"""The pod-template annotations a workload patch sets (istio/api annotation/annotations.yaml)."""


def render_kustomize(plan: Plan) -> dict[str, bytes]:
    """kustomize/ with Istio's proxy annotations, Sidecars and exportTo patches."""
    return render_overlay(plan, PATCH)


HANDOVER: dict[OutputFormat, Callable[[Plan], dict[str, bytes]]] = {
    OutputFormat.SIDECARS: render_sidecars,
    OutputFormat.KUSTOMIZE: render_kustomize,
    OutputFormat.HELM: render_helm,
    OutputFormat.OPERATOR: render_operator,
}
