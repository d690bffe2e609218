"""Kubernetes conventions the GitOps renderers share: names, quantities, where pod templates are.

Quantities have one canonical form each, so they read back to the planned integers exactly:
CPU in millicores (`250m`, `2000m`, never `2` or `0.25`) and memory in mebibytes (`192Mi`,
never `0.1875Gi` or `201326592`).
"""

from __future__ import annotations

import hashlib
import re

from models.kube import DNS_1035_LABEL, DNS_LABEL, DNS_SUBDOMAIN


def is_namespace_name(name: str) -> bool:
    """Whether `name` can name a namespace (a DNS-1123 label)."""
    return DNS_LABEL.fullmatch(name) is not None


def is_object_name(name: str) -> bool:
    """Whether `name` can name a Deployment, StatefulSet... (a DNS-1123 subdomain)."""
    return DNS_SUBDOMAIN.fullmatch(name) is not None


def is_service_name(name: str) -> bool:
    """Whether `name` can name a Service (a DNS-1035 label)."""
    return DNS_1035_LABEL.fullmatch(name) is not None


def file_stem(name: str, *, namespace: bool = False) -> str:
    """A file or folder name for `name`: itself when it is a Kubernetes object name (with
    namespace=True: a namespace name, which holds no dot), else a sanitised form plus a short
    hash of the original, so that no two names collide and none can leave its folder."""
    valid = is_namespace_name(name) if namespace else is_object_name(name) and len(name) <= 200
    if valid:
        return name
    allowed = r"[^a-z0-9-]+" if namespace else r"[^a-z0-9.-]+"
    cleaned = re.sub(allowed, "-", name.lower())
    cleaned = re.sub(r"\.{2,}", ".", cleaned)[:52].strip("-.")
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned or 'x'}-{digest}"


def cpu_quantity(millicores: int) -> str:
    """`250m`: CPU in the canonical form of every generated file."""
    if millicores < 0:
        raise ValueError(f"CPU {millicores}m is negative")
    return f"{millicores}m"


def memory_quantity(mib: int) -> str:
    """`192Mi`: memory in the canonical form of every generated file."""
    if mib < 0:
        raise ValueError(f"memory {mib}Mi is negative")
    return f"{mib}Mi"


# apiVersion and the path from the object to its pod template, by the workload kinds the
# inventory takes (planner.inputs.workloads.WORKLOAD_KINDS). A strategic-merge patch names the
# apiVersion, and kustomize matches it exactly, so these are each kind's current version.
POD_TEMPLATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Deployment": ("apps/v1", ("spec", "template")),
    "StatefulSet": ("apps/v1", ("spec", "template")),
    "DaemonSet": ("apps/v1", ("spec", "template")),
    "ReplicaSet": ("apps/v1", ("spec", "template")),
    "Job": ("batch/v1", ("spec", "template")),
    "CronJob": ("batch/v1", ("spec", "jobTemplate", "spec", "template")),
    "Pod": ("v1", ()),
    "Rollout": ("argoproj.io/v1alpha1", ("spec", "template")),
    "DeploymentConfig": ("apps.openshift.io/v1", ("spec", "template")),
}
