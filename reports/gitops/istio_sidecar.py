"""Istio's hand-over files: Sidecar resources, the kustomize overlay with Istio's proxy resource
annotations and exportTo, Helm values for the istiod and gateway charts, an IstioOperator."""

from __future__ import annotations

import json
from collections.abc import Callable

from models.knobs import OutputFormat
from models.plan import Plan, ServiceExport, SidecarResource
from reports.gitops.commented_yaml import Commented, Node, dump, header
from reports.gitops.helm import render_helm
from reports.gitops.kube import file_stem, is_namespace_name, is_object_name, is_service_name
from reports.gitops.kustomize import NamespaceFiles, ProxyPatch, render_overlay
from reports.gitops.operator import render_operator
from reports.gitops.provenance import header as provenance
from reports.gitops.sidecars import SIDECARS_FILE, render_sidecars, sidecar_manifest

PATCH = ProxyPatch(
    cpu_request="sidecar.istio.io/proxyCPU",
    cpu_limit="sidecar.istio.io/proxyCPULimit",
    memory_request="sidecar.istio.io/proxyMemory",
    memory_limit="sidecar.istio.io/proxyMemoryLimit",
    default_where="helm/istiod-values.yaml, global.proxy.resources",
)
"""The pod-template annotations a workload patch sets (istio/api annotation/annotations.yaml)."""


EXPORT_TO = "networking.istio.io/exportTo"
"""The Service annotation a Service patch sets."""


def render_kustomize(plan: Plan) -> dict[str, bytes]:
    """kustomize/ with Istio's proxy annotations, Sidecars and exportTo patches.

    Per namespace: `sidecars.yaml` (the recommended Sidecar resources) and `service.<name>.yaml`
    (a strategic-merge patch setting networking.istio.io/exportTo, only that annotation) for
    every Service whose recommended exportTo is not `*`. A ServiceEntry's exportTo is a spec
    field, and the plan knows a ServiceEntry only by its host, not by its object name, so the
    namespace's kustomization.yaml lists the exportTo to set by hand instead.
    """
    return render_overlay(plan, PATCH, scoping_files)


def scoping_files(plan: Plan) -> tuple[dict[str, NamespaceFiles], list[str]]:
    """Sidecars, exportTo patches and the ServiceEntries' exportTo notes, per namespace."""
    scoping = plan.scoping
    assert scoping is not None
    sidecars: dict[str, list[SidecarResource]] = {}
    exports: dict[str, list[ServiceExport]] = {}
    entries: dict[str, list[ServiceExport]] = {}
    skipped: list[str] = []
    for sidecar in scoping.sidecars:
        if is_namespace_name(sidecar.namespace) and is_object_name(sidecar.name):
            sidecars.setdefault(sidecar.namespace, []).append(sidecar)
        else:
            skipped.append(f'Sidecar "{sidecar.namespace}"/"{sidecar.name}": not a Kubernetes name')
    for export in scoping.exports:
        if export.export_to == ("*",):
            continue
        where = f'{export.type} "{export.namespace}"/"{export.service}"'
        if not is_namespace_name(export.namespace):
            skipped.append(f"exportTo of {where}: not a Kubernetes name")
        elif export.type == "ServiceEntry":
            entries.setdefault(export.namespace, []).append(export)
        elif not is_service_name(export.service):
            skipped.append(f"exportTo of {where}: not a Kubernetes name")
        else:
            exports.setdefault(export.namespace, []).append(export)
    out: dict[str, NamespaceFiles] = {}
    for namespace in sorted({*sidecars, *exports, *entries}):
        files = NamespaceFiles()
        if namespace in sidecars:
            files.resources[SIDECARS_FILE] = _sidecars_text(plan, namespace, sidecars[namespace])
        for export in sorted(exports.get(namespace, []), key=lambda e: e.service):
            files.patches[service_patch_file(export)] = _service_patch_text(plan, export)
        if namespace in entries:
            files.notes += [
                "Set by hand (a ServiceEntry takes spec.exportTo, and the inventory names it "
                "only by",
                "its host): on the ServiceEntry of",
                *(
                    f"  host {e.service}: spec.exportTo: {json.dumps(list(e.export_to))} "
                    f"({e.reason})"
                    for e in sorted(entries[namespace], key=lambda e: e.service)
                ),
            ]
        out[namespace] = files
    return out, skipped


def service_patch_file(export: ServiceExport) -> str:
    """`service.<name>.yaml`, inside the namespace's folder."""
    return f"service.{file_stem(export.service)}.yaml"


def service_patch(export: ServiceExport) -> Node:
    """The strategic-merge patch of one Service: its exportTo annotation."""
    callers = ", ".join(export.caller_namespaces) or "none"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": export.service,
            "namespace": export.namespace,
            "annotations": {
                EXPORT_TO: Commented(
                    ",".join(export.export_to),
                    f"{export.reason} (confidence {export.confidence.value}); callers "
                    f"observed in namespaces: {callers}",
                )
            },
        },
    }


def _service_patch_text(plan: Plan, export: ServiceExport) -> bytes:
    lines = provenance(
        plan,
        f"exportTo for Service {export.namespace}/{export.service}: strategic-merge patch.",
    )
    return (header(lines) + dump(service_patch(export))).encode("utf-8")


def _sidecars_text(plan: Plan, namespace: str, sidecars: list[SidecarResource]) -> bytes:
    scoping = plan.scoping
    assert scoping is not None
    lines = [
        *provenance(plan, f"Istio Sidecar resources recommended for namespace {namespace}."),
        f"granularity: {scoping.granularity}; mesh root namespace: {scoping.root_namespace}; "
        f"traffic window: {scoping.traffic_window}",
    ]
    parts = [header(lines)]
    for sidecar in sorted(sidecars, key=lambda s: s.name):
        note = [
            f"applies to {namespace}: {', '.join(sidecar.workloads)}",
            f"confidence {sidecar.confidence.value}: {sidecar.reason}",
        ]
        manifest = sidecar_manifest(sidecar, plan.profile.mesh_version)
        parts.append("---\n" + header(note) + dump(manifest))
    return "".join(parts).encode("utf-8")


HANDOVER: dict[OutputFormat, Callable[[Plan], dict[str, bytes]]] = {
    OutputFormat.SIDECARS: render_sidecars,
    OutputFormat.KUSTOMIZE: render_kustomize,
    OutputFormat.HELM: render_helm,
    OutputFormat.OPERATOR: render_operator,
}
