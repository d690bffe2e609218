"""The inventory every input is read into: workloads, the Services they back, and which back
which, with the rules every input path shares (workload kinds, Service types, roles, labels)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.plan import Finding, InputFile, Role
from planner.inputs.appmesh import DeclaredGraph
from planner.inputs.nodes import Nodes

WORKLOAD_KINDS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Rollout",
    "DeploymentConfig",
    "Job",
    "CronJob",
    "Pod",
)
SERVICE_TYPES = (
    "ClusterIP",
    "Headless",
    "NodePort",
    "LoadBalancer",
    "ExternalName",
    "ServiceEntry",
)
_INGRESS_NAME = r"(?:^|[-_.])(?:ingress-?gateway|istio-ingress)(?:$|[-_.])"
_EGRESS_NAME = r"(?:^|[-_.])(?:egress-?gateway|istio-egress)(?:$|[-_.])"


@dataclass(frozen=True)
class MeshFound:
    """The mesh an inventory's manifests are meshed by, and what showed it."""

    mesh: str
    evidence: str


@dataclass(frozen=True)
class Inventory:
    """Workloads, Services and which workloads back which Service.

    workloads: one row per (namespace, workload); replicas, rates, observed usage, app requests.
    services: one row per (namespace, service): ports, type.
    backing: one row per (namespace, service, workload).
    mesh_found: the mesh the manifests showed when none was named (tables never show one).
    proxy_settings: the mesh's own per-workload proxy settings read from manifests (namespace,
        workload and the columns the mesh's manifest rules define), None for tables.
    declared: the call graph the manifests declare in a mesh's own resources (App Mesh
        backends: planner.inputs.appmesh.DeclaredGraph), None when they declare none.
    nodes: the nodes the inventory names (a pod table's node column), None when it names none.
    """

    workloads: pd.DataFrame
    services: pd.DataFrame
    backing: pd.DataFrame
    files: tuple[InputFile, ...]
    findings: tuple[Finding, ...]
    mesh_found: MeshFound | None = None
    proxy_settings: pd.DataFrame | None = None
    declared: DeclaredGraph | None = None
    nodes: Nodes | None = None


def plural(count: int, noun: str) -> str:
    """`1 pod`, `3 pods`."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def listed(names: list[str], shown: int = 5) -> str:
    """The first `shown` of `names`, and how many more: `a, b, c, d, e and 2 more`."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def with_default_labels(workloads: pd.DataFrame) -> pd.DataFrame:
    """Workloads without labels get `app=<workload>`, the convention Istio's samples follow."""
    out = workloads.copy()
    missing = out["labels"].eq("")
    out["labels_given"] = ~missing
    out.loc[missing, "labels"] = "app=" + out.loc[missing, "workload"]
    return out


def with_roles(workloads: pd.DataFrame) -> pd.DataFrame:
    """Fill empty `role` cells from the workload's name (else `workload`); mark those inferred."""
    named = workloads["workload"].str.lower()
    inferred = np.where(
        named.str.contains(_INGRESS_NAME, regex=True),
        Role.INGRESS_GATEWAY.value,
        np.where(named.str.contains(_EGRESS_NAME, regex=True), Role.EGRESS_GATEWAY.value, ""),
    )
    given = workloads["role"].to_numpy(dtype=object)
    out = workloads.copy()
    out["role_inferred"] = (given == "") & (inferred != "")
    out["role"] = np.where(
        given != "", given, np.where(inferred != "", inferred, Role.WORKLOAD.value)
    )
    return out
