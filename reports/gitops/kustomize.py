"""kustomize/: the plan as an overlay of the user's own manifests, a Component per namespace.

The writer is the same for every mesh; what a workload patch sets is the mesh's (`ProxyPatch`:
its proxy resource annotations, in reports/gitops/<mesh>.py). Layout (docs/gitops.md):

    kustomize/kustomization.yaml               Component: components = every namespace folder
    kustomize/<namespace>/kustomization.yaml   Component: resources, patches = ...
    kustomize/<namespace>/<kind>.<name>.yaml   strategic-merge patch: the mesh's four proxy
                                               resource annotations on the workload's pod template
  and, for a plan with scoping, what the mesh's scoping writer (`ScopingWriter`, beside its
  ProxyPatch) puts in each namespace: resources (Istio's Sidecars, Consul's ServiceIntentions)
  and patches (Istio's exportTo).

A patch is written for every workload the plan marks `needs_patch` (its recommendation differs
from `proxy_default` by more than the patch threshold). A patch sets only the annotations it
owns (`ProxyPatch.owned`); kustomize merges them into the base object and leaves every other
field alone, and fails the build when a patched object is missing from the base, so nothing is
dropped silently.

Not written, and said so in the top kustomization.yaml: objects whose names are not Kubernetes
names (they cannot exist in a cluster, so a patch could never apply), workloads of a kind with no
known pod template, and what the scoping writer says it cannot write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from models.plan import Plan, WorkloadPlan
from reports.gitops.commented_yaml import Commented, Node, dump, header
from reports.gitops.kube import (
    POD_TEMPLATES,
    cpu_quantity,
    file_stem,
    is_namespace_name,
    is_object_name,
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


@dataclass
class NamespaceFiles:
    """What a mesh's scoping adds to one namespace's folder: resources and patches (file name ->
    bytes, in the order kustomization.yaml lists them), and lines for its header."""

    resources: dict[str, bytes] = field(default_factory=dict)
    patches: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


ScopingWriter = Callable[[Plan], tuple[dict[str, NamespaceFiles], list[str]]]
"""A mesh's scoping files per namespace, and what it cannot write (with the reason)."""

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
    scoping: NamespaceFiles = field(default_factory=NamespaceFiles)


def workload_patch_file(workload: WorkloadPlan) -> str:
    """`<kind>.<name>.yaml`, inside the namespace's folder."""
    return f"{workload.kind.lower()}.{file_stem(workload.workload)}.yaml"


def render_overlay(
    plan: Plan, patch: ProxyPatch, scoping: ScopingWriter | None = None
) -> dict[str, bytes]:
    """kustomize/: the top Component, and per namespace a Component with its patches (and, with
    scoping, the mesh's scoping files). Raises ValueError when a planned request exceeds its
    limit (a bug in the plan)."""
    namespaces, skipped = _collect(plan, scoping)
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


def _collect(plan: Plan, scoping: ScopingWriter | None) -> tuple[dict[str, _Namespace], list[str]]:
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
    if plan.scoping is None or scoping is None:
        return namespaces, skipped
    files, cannot = scoping(plan)
    for namespace, content in files.items():
        bucket(namespace).scoping = content
    return namespaces, [*skipped, *cannot]


def _namespace_files(
    plan: Plan, namespace: str, content: _Namespace, patch: ProxyPatch
) -> dict[str, bytes]:
    folder = f"{KUSTOMIZE_DIR}/{file_stem(namespace, namespace=True)}"
    files: dict[str, bytes] = {}
    component: dict[str, Node] = {"apiVersion": COMPONENT_API_VERSION, "kind": "Component"}
    extra = content.scoping
    if extra.resources:
        component["resources"] = list(extra.resources)
        files.update({f"{folder}/{name}": text for name, text in extra.resources.items()})
    patches: list[Node] = []
    for workload in sorted(content.workloads, key=lambda w: (w.workload, w.kind)):
        name = workload_patch_file(workload)
        patches.append({"path": name})
        files[f"{folder}/{name}"] = _workload_patch_text(plan, workload, patch)
    for name, text in extra.patches.items():
        patches.append({"path": name})
        files[f"{folder}/{name}"] = text
    if patches:
        component["patches"] = patches
    lines = [*provenance(plan, f"Kustomize component for namespace {namespace}."), *extra.notes]
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
