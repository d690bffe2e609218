"""How Consul shows in Kubernetes manifests: the connect-inject annotation, transparent proxy,
explicit upstreams, and the sidecar resource annotations.

Injection as consul-k8s's connect injector decides it (control-plane/connect-inject webhook,
chart 2.0.3 defaults): never in kube-system, kube-public or the namespaces the chart's
`connectInject.namespaceSelector` leaves out; the pod template's
`consul.hashicorp.com/connect-inject` wins when set (`true` injects, `false` does not);
otherwise `connectInject.default` (false) applies, so a pod without the annotation gets no
sidecar. Transparent proxy is on unless the pod's `consul.hashicorp.com/transparent-proxy`
annotation, or else its namespace's label of that name, turns it off
(`connectInject.transparentProxy.defaultEnabled: true`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.knobs import MeshKind
from planner.inputs.manifests import MeshManifests, ProxyAnnotations

INJECT = "consul.hashicorp.com/connect-inject"
INJECT_STATUS = "consul.hashicorp.com/connect-inject-status"
TRANSPARENT_PROXY = "consul.hashicorp.com/transparent-proxy"
UPSTREAMS = "consul.hashicorp.com/connect-service-upstreams"
SERVICE = "consul.hashicorp.com/connect-service"
NEVER_INJECTED = (
    "kube-system",
    "kube-public",
    "local-path-storage",
    "openebs",
    "gmp-system",
    "gke-managed-cim",
)
"""Namespaces the chart's webhook never sees (namespaceSelector) or never injects."""
_TRUE = frozenset({"1", "t", "true"})
_FALSE = frozenset({"0", "f", "false"})
"""Go's strconv.ParseBool, which consul-k8s reads its boolean annotations with (case folded)."""

PROXY_ANNOTATIONS = ProxyAnnotations(
    cpu_request="consul.hashicorp.com/sidecar-proxy-cpu-request",
    memory_request="consul.hashicorp.com/sidecar-proxy-memory-request",
    cpu_limit="consul.hashicorp.com/sidecar-proxy-cpu-limit",
    memory_limit="consul.hashicorp.com/sidecar-proxy-memory-limit",
)


def _value(mapping: pd.Series, key: str) -> npt.NDArray[np.object_]:
    return mapping.map(lambda a: str(a.get(key, "")).strip().lower()).to_numpy(dtype=object)


def injection(records: pd.DataFrame, namespaces: pd.DataFrame) -> pd.Series:
    """Why each workload gets no sidecar, `` for those that get one."""
    pod = _value(records["annotations"], INJECT)
    status = _value(records["annotations"], INJECT_STATUS)
    system = records["namespace"].isin(NEVER_INJECTED).to_numpy()
    reason = np.select(
        [
            system,
            (status == "injected") | np.isin(pod, sorted(_TRUE)),
            np.isin(pod, sorted(_FALSE)),
            pod != "",
        ],
        [
            "in a namespace the connect injector never injects",
            "",
            f"{INJECT}: false",
            f"{INJECT} is neither true nor false",
        ],
        default=f"no {INJECT}: true on the workload (connectInject.default is false)",
    )
    return pd.Series(reason, index=records.index, dtype=str)


def roles(records: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Consul's gateways are not labelled by the manifests' pods: roles come from the names."""
    return np.full(len(records), "", dtype=object)


def settings(records: pd.DataFrame, namespaces: pd.DataFrame) -> pd.DataFrame:
    """Per workload: transparent proxy on or off, the explicit upstreams annotation as written,
    and the service name the pod registers as when the annotation names one."""
    pod = _value(records["annotations"], TRANSPARENT_PROXY)
    of_namespace = dict(
        zip(namespaces.index, _value(namespaces["labels"], TRANSPARENT_PROXY), strict=True)
    )
    namespace = records["namespace"].map(lambda n: of_namespace.get(n, "")).to_numpy(dtype=object)
    off = np.where(pod != "", np.isin(pod, sorted(_FALSE)), np.isin(namespace, sorted(_FALSE)))
    upstreams = records["annotations"].map(lambda a: str(a.get(UPSTREAMS, "")).strip())
    service = records["annotations"].map(lambda a: str(a.get(SERVICE, "")).strip())
    return pd.DataFrame(
        {
            "transparent_proxy": ~off,
            "upstreams": upstreams.to_numpy(dtype=object),
            "consul_service": service.to_numpy(dtype=object),
        }
    )


MANIFESTS = MeshManifests(
    mesh=MeshKind.CONSUL.value,
    title="Consul",
    markers=(INJECT, INJECT_STATUS),
    injection=injection,
    roles=roles,
    role_labels="Consul labels no gateways on the pods of these manifests",
    proxy_annotations=PROXY_ANNOTATIONS,
    proxy_container="consul-dataplane",
    settings=settings,
)
