"""How Istio in ambient mode shows in Kubernetes manifests: the data-plane mode label and the
waypoint labels (istio.io/latest/docs/ambient/usage/add-workloads/; the labels' reference in
../shared/reference/istio-labels.yaml).

A pod is captured by its node's ztunnel when its namespace (or the pod itself) carries
istio.io/dataplane-mode=ambient and the pod does not say `none`; never with hostNetwork. As for
the sidecar mode, namespace labels are known only from Namespace objects in the file: a
namespace without one, or a file where no Namespace carries the label, is taken as ambient (the
mesh was asked for: --mesh istio-ambient, or a pod's label). A
waypoint proxy's own pods (gateway.istio.io/managed: istio.io-mesh-controller) are sized as
waypoints, not as captured workloads. istio.io/use-waypoint on a pod (or, without one, on its
namespace) names the waypoint its traffic goes through; `none` opts out.

A mixed cluster: a pod whose own label or namespace's label asks for a sidecar
(sidecar.istio.io/inject, istio-injection=enabled, istio.io/rev) keeps its sidecar, which takes
precedence over ztunnel; it is in the mesh with data plane `sidecar`. Manifests that carry both
modes' markers are read by these rules (they cover the sidecar mode's).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from models.knobs import MeshKind
from planner.inputs.manifests import MeshManifests
from planner.meshes.istio_sidecar.manifests import (
    GATEWAY_MANAGED,
    INJECT,
    INJECT_ON,
    PROXY_ANNOTATIONS,
    REVISION,
    WAYPOINT_CONTROLLER,
    roles,
    sidecar_asked,
)
from planner.meshes.istio_sidecar.manifests import MANIFESTS as SIDECAR_MANIFESTS

DATAPLANE_MODE = "istio.io/dataplane-mode"
USE_WAYPOINT = "istio.io/use-waypoint"
NO_WAYPOINT = "none"
DATAPLANE = "dataplane"
"""The settings column (and the workloads table's optional column) naming a pod's data plane."""
SIDECAR = "sidecar"
AMBIENT = "ambient"
SERVICE_ACCOUNT = "service_account"


def _label(frame: pd.DataFrame, key: str) -> pd.Series:
    return frame["labels"].map(lambda labels: str(labels.get(key, "")).strip())


def injection(records: pd.DataFrame, namespaces: pd.DataFrame) -> pd.Series:
    """Why each workload is not captured by ztunnel, `` for those that are."""
    mode_of = dict(zip(namespaces.index, _label(namespaces, DATAPLANE_MODE), strict=True))
    namespace_mode = records["namespace"].map(lambda n: mode_of.get(n, "")).to_numpy(dtype=object)
    present = records["namespace"].isin(namespaces.index).to_numpy()
    labelled = any(mode_of.values())
    pod_mode = _label(records, DATAPLANE_MODE).to_numpy(dtype=object)
    managed = records["labels"].map(lambda labels: labels.get(GATEWAY_MANAGED, ""))
    reason = np.select(
        [
            records["host_network"].to_numpy(dtype=bool),
            (managed == WAYPOINT_CONTROLLER).to_numpy(dtype=bool),
            sidecar_asked(records, namespaces),
            pod_mode == "none",
            (pod_mode == "ambient")
            | ((pod_mode == "") & ((namespace_mode == "ambient") | ~present | (not labelled))),
        ],
        [
            "hostNetwork: true",
            "a waypoint proxy: sized as a waypoint",
            "",
            f"{DATAPLANE_MODE}=none",
            "",
        ],
        default=f"namespace without {DATAPLANE_MODE}=ambient",
    )
    return pd.Series(reason, index=records.index, dtype=str)


def settings(records: pd.DataFrame, namespaces: pd.DataFrame) -> pd.DataFrame:
    """Per workload, its data plane (`sidecar` where a label asks for a sidecar: it takes
    precedence over ztunnel; else `ambient`), the waypoint its traffic goes through ("" for
    none, and for a sidecar's): the pod's istio.io/use-waypoint, or its namespace's, and its
    service account (for --waypoints service-account)."""
    of_namespace = dict(zip(namespaces.index, _label(namespaces, USE_WAYPOINT), strict=True))
    pod = _label(records, USE_WAYPOINT)
    namespace = records["namespace"].map(lambda n: of_namespace.get(n, ""))
    chosen = pod.where(pod != "", namespace)
    sidecar = sidecar_asked(records, namespaces)
    return pd.DataFrame(
        {
            DATAPLANE: np.where(sidecar, SIDECAR, AMBIENT),
            "waypoint": chosen.where((chosen != NO_WAYPOINT) & ~sidecar, "").to_numpy(),
            SERVICE_ACCOUNT: records["service_account"].to_numpy(),
        }
    )


def dataplane_of_labels(labels: pd.Series) -> pd.Series:
    """A workloads table's data planes from its `labels` column (`key=value` pairs joined by
    `;`): `sidecar` where the pod's labels ask for one (sidecar.istio.io/inject on, or an
    istio.io/rev), else `ambient`. A table has no Namespace labels: label the pods."""
    on = "|".join(sorted(INJECT_ON))
    asks = labels.fillna("").str.contains(
        rf"(?:^|;)(?:{re.escape(INJECT)}=(?:{on})|{re.escape(REVISION)}=[^;]*)(?:;|$)",
        case=False,
        regex=True,
    )
    return pd.Series(np.where(asks.to_numpy(dtype=bool), SIDECAR, AMBIENT), index=labels.index)


MANIFESTS = MeshManifests(
    mesh=MeshKind.ISTIO_AMBIENT.value,
    title="Istio ambient",
    markers=(DATAPLANE_MODE, USE_WAYPOINT),
    injection=injection,
    roles=roles,
    role_labels="istio: ingressgateway or egressgateway",
    proxy_annotations=PROXY_ANNOTATIONS,
    proxy_container="istio-proxy",
    settings=settings,
    covers=(SIDECAR_MANIFESTS.mesh,),
)
