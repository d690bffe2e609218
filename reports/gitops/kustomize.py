"""kustomize/: the plan as an overlay of the user's own manifests, a Component per namespace.

The writer is the same for every mesh; what a workload patch sets is the mesh's (`ProxyPatch`:
its proxy resource annotations, in reports/gitops/<mesh>.py). Layout (docs/gitops.md):

    kustomize/kustomization.yaml               Component: components = every namespace folder
    kustomize/<namespace>/kustomization.yaml   Component: resources, patches = ...
    kustomize/<namespace>/<kind>.<name>.yaml   strategic-merge patch: the mesh's four proxy
                                               resource annotations on the workload's pod template
  and, for a plan with scoping (Istio):
    kustomize/<namespace>/sidecars.yaml        the recommended Sidecar resources of the namespace
    kustomize/<namespace>/service.<name>.yaml  strategic-merge patch: networking.istio.io/exportTo

A patch is written for every workload the plan marks `needs_patch` (its recommendation differs
from `proxy_default` by more than the patch threshold) and for every Service whose recommended
exportTo is not `*`. A patch sets only the annotations it owns (`ProxyPatch.owned`,
`EXPORT_TO`); kustomize merges them into the base object and leaves every other field alone, and
fails the build when a patched object is missing from the base, so nothing is dropped silently.

Not written, and said so in the top kustomization.yaml: objects whose names are not Kubernetes
names (they cannot exist in a cluster, so a patch could never apply), workloads of a kind with no
known pod template, and ServiceEntries: their exportTo is a spec field, and the plan knows a
ServiceEntry only by its host, not by its object name, so the namespace's kustomization.yaml
lists the exportTo to set by hand instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from models.plan import Plan, ServiceExport, SidecarResource, WorkloadPlan
from reports.gitops.commented_yaml import Commented, Node, dump, header
from reports.gitops.kube import (
    POD_TEMPLATES,
    cpu_quantity,
    file_stem,
    is_namespace_name,
    is_object_name,
    is_service_name,
    memory_quantity,
)
from reports.gitops.provenance import (
    check_requests_within_limits,
    cpu_request_note,
    formula,
    limits_note,
    memory_request_note,
    ratio,
)
from reports.gitops.provenance import header as provenance
from reports.gitops.sidecars import sidecar_manifest

KUSTOMIZE_DIR = "kustomize"
COMPONENT_API_VERSION = "kustomize.config.k8s.io/v1alpha1"


@dataclass(frozen=True)
class ProxyPatch:
    """What a mesh's workload patch sets: the pod-template annotations of its proxy's requests
    and limits, and where its mesh-wide default is set (for the notes)."""

    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str
    default_where: str

    @property
    def owned(self) -> tuple[str, str, str, str]:
        """The annotations a workload patch sets."""
        return (self.cpu_request, self.cpu_limit, self.memory_request, self.memory_limit)


EXPORT_TO = "networking.istio.io/exportTo"
"""The Service annotation a Service patch sets."""
SIDECARS_FILE = "sidecars.yaml"
USAGE = [
    "Use it from your own kustomization, next to your base manifests:",
    "  resources: [<your base>]",
    "  components: [<path to this folder>]      (or <path>/<namespace> for one namespace)",
    "then `kubectl kustomize` (kustomize 3.7 or later) or `kubectl apply -k`. A patched object",
    "missing from your base fails the build: include that namespace's manifests, or list only",
    "the namespace folders your base holds.",
]


@dataclass
class _Namespace:
    """What the overlay writes for one namespace."""

    workloads: list[WorkloadPlan] = field(default_factory=list)
    sidecars: list[SidecarResource] = field(default_factory=list)
    exports: list[ServiceExport] = field(default_factory=list)
    entries: list[ServiceExport] = field(default_factory=list)


def workload_patch_file(workload: WorkloadPlan) -> str:
    """`<kind>.<name>.yaml`, inside the namespace's folder."""
    return f"{workload.kind.lower()}.{file_stem(workload.workload)}.yaml"


def service_patch_file(export: ServiceExport) -> str:
    """`service.<name>.yaml`, inside the namespace's folder."""
    return f"service.{file_stem(export.service)}.yaml"


def render_overlay(plan: Plan, patch: ProxyPatch) -> dict[str, bytes]:
    """kustomize/: the top Component, and per namespace a Component with its patches (and, with
    scoping, Sidecars). Raises ValueError when a planned request exceeds its limit (a bug in the
    plan)."""
    namespaces, skipped = _collect(plan)
    files: dict[str, bytes] = {}
    for namespace in sorted(namespaces):
        files.update(_namespace_files(plan, namespace, namespaces[namespace], patch))
    # an empty list rather than none: kustomize refuses a kustomization.yaml with no fields
    listed: list[Node] = [file_stem(ns, namespace=True) for ns in sorted(namespaces)]
    top: dict[str, Node] = {
        "apiVersion": COMPONENT_API_VERSION,
        "kind": "Component",
        "components": listed,
    }
    patched = sum(len(n.workloads) for n in namespaces.values())
    lines = [
        *provenance(plan, "Kustomize component: the recommendations for every namespace."),
        *USAGE,
        f"Workload patches: {patched} workloads whose proxy recommendation differs from the "
        f"mesh-wide default ({patch.default_where}) by more than the patch threshold ratio "
        f"{ratio(plan.proxy_default.threshold_ratio)}.",
    ]
    if plan.scoping is None:
        lines.append(f"Scoping: {plan.scoping_note}.")
    if skipped:
        lines += ["Not written:", *(f"  {reason}" for reason in skipped)]
    files[f"{KUSTOMIZE_DIR}/kustomization.yaml"] = (header(lines) + dump(top)).encode("utf-8")
    return files


def _collect(plan: Plan) -> tuple[dict[str, _Namespace], list[str]]:
    """What goes into each namespace's folder, and what cannot be written and why."""
    namespaces: dict[str, _Namespace] = {}
    skipped: list[str] = []

    def bucket(namespace: str) -> _Namespace:
        return namespaces.setdefault(namespace, _Namespace())

    for workload in plan.workloads:
        if not workload.needs_patch or workload.proxy is None:
            continue
        where = f'{workload.kind} "{workload.namespace}"/"{workload.workload}"'
        if not (is_namespace_name(workload.namespace) and is_object_name(workload.workload)):
            skipped.append(f"proxy resources of {where}: not a Kubernetes name")
        elif workload.kind not in POD_TEMPLATES:
            skipped.append(f"proxy resources of {where}: no known pod template for the kind")
        else:
            check_requests_within_limits(workload.proxy, where)
            bucket(workload.namespace).workloads.append(workload)
    if plan.scoping is None:
        return namespaces, skipped
    for sidecar in plan.scoping.sidecars:
        if is_namespace_name(sidecar.namespace) and is_object_name(sidecar.name):
            bucket(sidecar.namespace).sidecars.append(sidecar)
        else:
            skipped.append(f'Sidecar "{sidecar.namespace}"/"{sidecar.name}": not a Kubernetes name')
    for export in plan.scoping.exports:
        if export.export_to == ("*",):
            continue
        where = f'{export.type} "{export.namespace}"/"{export.service}"'
        if not is_namespace_name(export.namespace):
            skipped.append(f"exportTo of {where}: not a Kubernetes name")
        elif export.type == "ServiceEntry":
            bucket(export.namespace).entries.append(export)
        elif not is_service_name(export.service):
            skipped.append(f"exportTo of {where}: not a Kubernetes name")
        else:
            bucket(export.namespace).exports.append(export)
    return namespaces, skipped


def _namespace_files(
    plan: Plan, namespace: str, content: _Namespace, patch: ProxyPatch
) -> dict[str, bytes]:
    folder = f"{KUSTOMIZE_DIR}/{file_stem(namespace, namespace=True)}"
    files: dict[str, bytes] = {}
    component: dict[str, Node] = {"apiVersion": COMPONENT_API_VERSION, "kind": "Component"}
    if content.sidecars:
        component["resources"] = [SIDECARS_FILE]
        files[f"{folder}/{SIDECARS_FILE}"] = _sidecars_text(plan, namespace, content.sidecars)
    patches: list[Node] = []
    for workload in sorted(content.workloads, key=lambda w: (w.workload, w.kind)):
        name = workload_patch_file(workload)
        patches.append({"path": name})
        files[f"{folder}/{name}"] = _workload_patch_text(plan, workload, patch)
    for export in sorted(content.exports, key=lambda e: e.service):
        name = service_patch_file(export)
        patches.append({"path": name})
        files[f"{folder}/{name}"] = _service_patch_text(plan, export)
    if patches:
        component["patches"] = patches
    lines = provenance(plan, f"Kustomize component for namespace {namespace}.")
    if content.entries:
        lines += [
            "Set by hand (a ServiceEntry takes spec.exportTo, and the inventory names it only by",
            "its host): on the ServiceEntry of",
            *(
                f"  host {e.service}: spec.exportTo: {json.dumps(list(e.export_to))} ({e.reason})"
                for e in sorted(content.entries, key=lambda e: e.service)
            ),
        ]
    files[f"{folder}/kustomization.yaml"] = (header(lines) + dump(component)).encode("utf-8")
    return files


def workload_patch(plan: Plan, workload: WorkloadPlan, patch: ProxyPatch) -> Node:
    """The strategic-merge patch of one workload: its pod template's four annotations."""
    proxy = workload.proxy
    if proxy is None:
        raise ValueError(f"{workload.namespace}/{workload.workload} has no proxy to patch")
    annotations: dict[str, Node] = {
        patch.cpu_request: Commented(
            cpu_quantity(proxy.cpu_request_millicores), cpu_request_note(proxy, plan)
        ),
        patch.cpu_limit: Commented(
            cpu_quantity(proxy.cpu_limit_millicores), limits_note(plan, "CPU")
        ),
        patch.memory_request: Commented(
            memory_quantity(proxy.memory_request_mib), memory_request_note(proxy, plan)
        ),
        patch.memory_limit: Commented(
            memory_quantity(proxy.memory_limit_mib), limits_note(plan, "memory")
        ),
    }
    api_version, path = POD_TEMPLATES[workload.kind]
    metadata: dict[str, Node] = {"name": workload.workload, "namespace": workload.namespace}
    document: dict[str, Node] = {
        "apiVersion": api_version,
        "kind": workload.kind,
        "metadata": metadata,
    }
    if not path:  # a bare Pod: the annotations are its own
        metadata["annotations"] = annotations
        return document
    nested: Node = {"metadata": {"annotations": annotations}}
    for key in reversed(path[1:]):
        nested = {key: nested}
    document[path[0]] = nested
    return document


def _workload_patch_text(plan: Plan, workload: WorkloadPlan, patch: ProxyPatch) -> bytes:
    lines = [
        *provenance(
            plan,
            f"Proxy resources for {workload.kind} {workload.namespace}/{workload.workload} "
            f"({workload.replicas} replicas): strategic-merge patch of its pod template.",
        ),
        f"It differs from the mesh-wide default ({patch.default_where}: "
        f"{_default_text(plan)}) by more than the patch threshold ratio "
        f"{ratio(plan.proxy_default.threshold_ratio)}; applying it rolls the pods out.",
        f"Request formula: {formula(plan, 'request')}. Limits: {formula(plan, 'limits')}.",
    ]
    return (header(lines) + dump(workload_patch(plan, workload, patch))).encode("utf-8")


def _default_text(plan: Plan) -> str:
    default = plan.proxy_default
    return (
        f"CPU {default.cpu_request_millicores}m/{default.cpu_limit_millicores}m, memory "
        f"{default.memory_request_mib}Mi/{default.memory_limit_mib}Mi, request/limit"
    )


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
