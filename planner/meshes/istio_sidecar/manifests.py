"""How Istio in sidecar mode shows in Kubernetes manifests: injection, gateway labels and the
proxy resource annotations.

Injection as Istio decides it (istio.io/latest/docs/setup/additional-setup/sidecar-injection/
#controlling-the-injection-policy; pkg/kube/inject/webhook.go injectRequired): never with
hostNetwork; not when the pod's sidecar.istio.io/inject is off, or its namespace has
istio-injection=disabled; yes when the pod's label asks for it or its namespace is labelled
istio-injection=enabled or istio.io/rev. Namespace labels are known only from Namespace objects
in the file: when some of them carry an injection label, a Namespace without one gets no
sidecars; a namespace without a Namespace object, or a file where no Namespace says anything,
is taken as injected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.knobs import MeshKind
from models.plan import Role
from planner.inputs.manifests import MeshManifests, ProxyAnnotations

INJECT = "sidecar.istio.io/inject"
NAMESPACE_INJECTION = "istio-injection"
REVISION = "istio.io/rev"
INJECT_ON = frozenset({"y", "yes", "true", "on"})
"""Values of the pod's inject label (or, without the label, annotation) that turn injection on;
any other non-empty value turns it off."""
GATEWAY_MANAGED = "gateway.istio.io/managed"
"""Deployments Istio creates for Gateway API Gateways carry it; waypoint proxies (ambient mode)
carry it with WAYPOINT_CONTROLLER and are not ingress gateways."""
WAYPOINT_CONTROLLER = "istio.io-mesh-controller"

PROXY_ANNOTATIONS = ProxyAnnotations(
    cpu_request="sidecar.istio.io/proxyCPU",
    memory_request="sidecar.istio.io/proxyMemory",
    cpu_limit="sidecar.istio.io/proxyCPULimit",
    memory_limit="sidecar.istio.io/proxyMemoryLimit",
)


def _pod_setting(records: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per workload: `on`, `off` or `` from its inject label (which wins) or annotation, and
    whether its labels alone ask for injection."""
    label = records["labels"].map(lambda labels: str(labels.get(INJECT, "")).strip().lower())
    annotation = records["annotations"].map(lambda a: str(a.get(INJECT, "")).strip().lower())
    has_label = records["labels"].map(lambda labels: INJECT in labels)
    value = label.where(has_label, annotation)
    setting = np.where(value == "", "", np.where(value.isin(INJECT_ON), "on", "off"))
    by_label = label.isin(INJECT_ON) | records["labels"].map(lambda labels: REVISION in labels)
    return pd.Series(setting, index=records.index), by_label


@dataclass(frozen=True)
class _Injection:
    """What decides each workload's injection (arrays in the records' order)."""

    host_network: npt.NDArray[np.bool_]
    pod_off: npt.NDArray[np.bool_]
    namespace_disabled: npt.NDArray[np.bool_]
    asked: npt.NDArray[np.bool_]  # the pod's label or its namespace's label asks for a sidecar
    present: npt.NDArray[np.bool_]  # its namespace has a Namespace object in the file
    labelled: bool  # some Namespace of the file carries an injection label


def _injection(records: pd.DataFrame, namespaces: pd.DataFrame) -> _Injection:
    setting_of = {
        name: labels.get(NAMESPACE_INJECTION, "")
        for name, labels in zip(namespaces.index, namespaces["labels"], strict=True)
    }
    revised = {
        name
        for name, labels in zip(namespaces.index, namespaces["labels"], strict=True)
        if REVISION in labels
    }
    names = records["namespace"]
    setting = names.map(setting_of).to_numpy(dtype=object)
    enabled = (setting == "enabled") | names.isin(sorted(revised)).to_numpy()
    pod, by_label = _pod_setting(records)
    return _Injection(
        host_network=records["host_network"].to_numpy(dtype=bool),
        pod_off=pod.eq("off").to_numpy(),
        namespace_disabled=setting == "disabled",
        asked=by_label.to_numpy(dtype=bool) | enabled,
        present=names.isin(namespaces.index).to_numpy(),
        labelled=any(v == "enabled" for v in setting_of.values()) or bool(revised),
    )


def injection(records: pd.DataFrame, namespaces: pd.DataFrame) -> pd.Series:
    """Why each workload gets no sidecar, `` for those that get one."""
    of = _injection(records, namespaces)
    reason = np.select(
        [
            of.host_network,
            of.pod_off,
            of.namespace_disabled,
            of.asked | ~of.present | (not of.labelled),
        ],
        [
            "hostNetwork: true",
            f"{INJECT} off",
            f"namespace {NAMESPACE_INJECTION}=disabled",
            "",
        ],
        default=f"namespace without {NAMESPACE_INJECTION}=enabled or {REVISION}",
    )
    return pd.Series(reason, index=records.index, dtype=str)


def sidecar_asked(records: pd.DataFrame, namespaces: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Which workloads a label asks a sidecar for (the pod's, or its namespace's injection or
    revision label) and nothing refuses: in a cluster that runs ambient mode too, these pods
    keep their sidecar (a sidecar takes precedence over ztunnel,
    istio.io/latest/docs/ambient/migrate/enable-ambient-mode/)."""
    of = _injection(records, namespaces)
    return of.asked & ~of.host_network & ~of.pod_off & ~of.namespace_disabled


def roles(records: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Gateway roles the pod labels give (`istio: ingressgateway`...); "" where they give none."""
    istio = records["labels"].map(lambda labels: labels.get("istio", "")).to_numpy(dtype=object)
    managed = records["labels"].map(lambda labels: labels.get(GATEWAY_MANAGED))
    # `istio: ingressgateway` (istioctl profiles), `istio: ingress` (the gateway Helm chart)
    ingress = (
        (istio == "ingressgateway")
        | (istio == "ingress")
        | (managed.notna() & (managed != WAYPOINT_CONTROLLER)).to_numpy(dtype=bool)
    )
    egress = istio == "egressgateway"
    return np.select(
        [ingress, egress],
        [Role.INGRESS_GATEWAY.value, Role.EGRESS_GATEWAY.value],
        default="",
    ).astype(object)


MANIFESTS = MeshManifests(
    mesh=MeshKind.ISTIO_SIDECAR.value,
    title="Istio",
    markers=(INJECT, NAMESPACE_INJECTION, REVISION, GATEWAY_MANAGED),
    injection=injection,
    roles=roles,
    role_labels="istio: ingressgateway or egressgateway",
    proxy_annotations=PROXY_ANNOTATIONS,
    proxy_container="istio-proxy",
)
