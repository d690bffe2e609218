"""How Linkerd shows in Kubernetes manifests: the injection annotation and the proxy resource
annotations.

Injection as Linkerd's proxy injector decides it (linkerd2 pkg/inject/report.go; the
annotations reference, linkerd.io/2-edge/reference/proxy-configuration): never with hostNetwork;
the pod template's `linkerd.io/inject` wins when set (`enabled` or `ingress` inject, `disabled`
does not); otherwise the namespace's annotation decides; with neither, no proxy. A namespace
whose Namespace object is not in the file cannot be seen, and is taken as injected (as for
Istio), so that a file of workloads alone is sized rather than dropped.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.knobs import MeshKind
from planner.inputs.manifests import MeshManifests, ProxyAnnotations

INJECT = "linkerd.io/inject"
INJECT_ON = frozenset({"enabled", "ingress"})

PROXY_ANNOTATIONS = ProxyAnnotations(
    cpu_request="config.linkerd.io/proxy-cpu-request",
    memory_request="config.linkerd.io/proxy-memory-request",
    cpu_limit="config.linkerd.io/proxy-cpu-limit",
    memory_limit="config.linkerd.io/proxy-memory-limit",
)


def _setting(annotations: pd.Series) -> pd.Series:
    return annotations.map(lambda a: str(a.get(INJECT, "")).strip().lower())


def injection(records: pd.DataFrame, namespaces: pd.DataFrame) -> pd.Series:
    """Why each workload gets no proxy, `` for those that get one."""
    of_namespace = dict(zip(namespaces.index, _setting(namespaces["annotations"]), strict=True))
    names = records["namespace"]
    present = names.isin(namespaces.index).to_numpy()
    namespace = names.map(lambda name: of_namespace.get(name, "")).to_numpy(dtype=object)
    pod = _setting(records["annotations"]).to_numpy(dtype=object)
    pod_on = np.isin(pod, sorted(INJECT_ON))
    namespace_on = np.isin(namespace, sorted(INJECT_ON))
    reason = np.select(
        [
            records["host_network"].to_numpy(dtype=bool),
            pod == "disabled",
            pod_on,
            pod != "",
            namespace_on | ~present,
            namespace == "disabled",
        ],
        [
            "hostNetwork: true",
            f"{INJECT}: disabled",
            "",
            f"{INJECT} neither enabled, ingress nor disabled",
            "",
            f"namespace {INJECT}: disabled",
        ],
        default=f"no {INJECT} on the workload or its namespace",
    )
    return pd.Series(reason, index=records.index, dtype=str)


def roles(records: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Linkerd labels no gateway of its own: roles come from the workloads' names."""
    return np.full(len(records), "", dtype=object)


MANIFESTS = MeshManifests(
    mesh=MeshKind.LINKERD.value,
    title="Linkerd",
    markers=(INJECT,),
    injection=injection,
    roles=roles,
    role_labels="Linkerd labels no gateways",
    proxy_annotations=PROXY_ANNOTATIONS,
    proxy_container="linkerd-proxy",
)
