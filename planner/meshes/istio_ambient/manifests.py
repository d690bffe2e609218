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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.knobs import MeshKind
from planner.inputs.manifests import MeshManifests
from planner.meshes.istio_sidecar.manifests import (
    GATEWAY_MANAGED,
    PROXY_ANNOTATIONS,
    WAYPOINT_CONTROLLER,
    roles,
)

DATAPLANE_MODE = "istio.io/dataplane-mode"
USE_WAYPOINT = "istio.io/use-waypoint"
NO_WAYPOINT = "none"


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
            pod_mode == "none",
            (pod_mode == "ambient")
            | ((pod_mode == "") & ((namespace_mode == "ambient") | ~present | (not labelled))),
        ],
        [
            "hostNetwork: true",
            "a waypoint proxy: sized as a waypoint",
            f"{DATAPLANE_MODE}=none",
            "",
        ],
        default=f"namespace without {DATAPLANE_MODE}=ambient",
    )
    return pd.Series(reason, index=records.index, dtype=str)


def settings(records: pd.DataFrame, namespaces: pd.DataFrame) -> pd.DataFrame:
    """Per workload, the waypoint its traffic goes through ("" for none): the pod's
    istio.io/use-waypoint, or its namespace's."""
    of_namespace = dict(zip(namespaces.index, _label(namespaces, USE_WAYPOINT), strict=True))
    pod = _label(records, USE_WAYPOINT)
    namespace = records["namespace"].map(lambda n: of_namespace.get(n, ""))
    chosen = pod.where(pod != "", namespace)
    return pd.DataFrame({"waypoint": chosen.where(chosen != NO_WAYPOINT, "").to_numpy()})


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
)
