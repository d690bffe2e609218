"""How App Mesh shows in Kubernetes manifests: the sidecar injector's label and annotation, the
proxy resource annotations, and the App Mesh resources that declare the call graph
(planner.inputs.appmesh).

Injection as the appmesh-controller's injector decides it (docs/reference/injector.md): the
pod template's `appmesh.k8s.aws/sidecarInjectorWebhook` annotation wins (`enabled` injects,
`disabled` does not); otherwise the namespace's label of that name decides, and without it no
sidecar. A namespace whose Namespace object is not in the file is taken as injected, as for the
other meshes, so that a file of workloads alone is sized rather than dropped.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.knobs import MeshKind
from planner.inputs.appmesh import API_GROUP, read_appmesh
from planner.inputs.manifests import MeshManifests, ProxyAnnotations

INJECT = "appmesh.k8s.aws/sidecarInjectorWebhook"

PROXY_ANNOTATIONS = ProxyAnnotations(
    cpu_request="appmesh.k8s.aws/cpuRequest",
    memory_request="appmesh.k8s.aws/memoryRequest",
    cpu_limit="appmesh.k8s.aws/cpuLimit",
    memory_limit="appmesh.k8s.aws/memoryLimit",
)


def _value(mapping: pd.Series) -> npt.NDArray[np.object_]:
    return mapping.map(lambda a: str(a.get(INJECT, "")).strip().lower()).to_numpy(dtype=object)


def injection(records: pd.DataFrame, namespaces: pd.DataFrame) -> pd.Series:
    """Why each workload gets no sidecar, `` for those that get one."""
    pod = _value(records["annotations"])
    of_namespace = dict(zip(namespaces.index, _value(namespaces["labels"]), strict=True))
    names = records["namespace"]
    present = names.isin(namespaces.index).to_numpy()
    namespace = names.map(lambda n: of_namespace.get(n, "")).to_numpy(dtype=object)
    reason = np.select(
        [
            pod == "enabled",
            pod == "disabled",
            pod != "",
            (namespace == "enabled") | ~present,
        ],
        ["", f"{INJECT}: disabled", f"{INJECT} neither enabled nor disabled", ""],
        default=f"no {INJECT}: enabled on the workload or its namespace",
    )
    return pd.Series(reason, index=records.index, dtype=str)


def roles(records: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Gateways are the workloads a VirtualGateway selects (read with the declared graph)."""
    return np.full(len(records), "", dtype=object)


MANIFESTS = MeshManifests(
    mesh=MeshKind.APPMESH.value,
    title="AWS App Mesh",
    markers=(INJECT,),
    injection=injection,
    roles=roles,
    role_labels="App Mesh gateways are the workloads a VirtualGateway selects",
    proxy_annotations=PROXY_ANNOTATIONS,
    proxy_container="envoy",
    declared=read_appmesh,
    declared_groups=(API_GROUP,),
)
