"""The mesh configuration each proxy holds: which Services it sees and what they put into Envoy.

A Service puts into every proxy that sees it one outbound cluster per port and, per port, one
endpoint per pod behind it. Headless Services have no endpoints but one listener per pod and port
(Istio's own scoping guide: headless changes "scale with the number of instances"). ExternalName
Services and ServiceEntries resolve by DNS: one cluster and one endpoint per port.

Without scoping every sidecar sees every Service of the cluster. Scoping (the Istio `Sidecar`
resource) narrows that to a list, given here as a frame of (workload, Service) pairs, so the
same sizing model prices the scoped and the unscoped mesh.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.frames import require
from planner.inventory import Inventory

CONFIG_COLUMNS = ("visible_services", "visible_clusters", "visible_endpoints", "visible_listeners")

_DNS_TYPES = ("ExternalName", "ServiceEntry")


def service_config(inventory: Inventory) -> pd.DataFrame:
    """Per Service: the pods behind it and the clusters, endpoints, listeners it costs a proxy."""
    services = inventory.services
    require(services, ("namespace", "service", "ports", "type"), "service_config")
    replicas = inventory.workloads[["namespace", "workload", "replicas"]]
    backed = inventory.backing.merge(replicas, on=["namespace", "workload"], how="inner")
    pods = backed.groupby(["namespace", "service"])["replicas"].sum()
    pods.index.names = ["namespace", "service"]
    out = services[["namespace", "service", "ports", "type"]].copy()
    out["pods"] = (
        pods.reindex(pd.MultiIndex.from_frame(out[["namespace", "service"]]))
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )
    ports = out["ports"].to_numpy(dtype=np.int64)
    pod_count = out["pods"].to_numpy(dtype=np.int64)
    headless = out["type"].eq("Headless").to_numpy()
    dns = out["type"].isin(_DNS_TYPES).to_numpy()
    out["clusters"] = np.where(dns, np.maximum(ports, 1), ports)
    out["endpoints"] = np.where(headless, 0, np.where(dns, np.maximum(ports, 1), ports * pod_count))
    out["listeners"] = np.where(headless, ports * pod_count, 0)
    return out


def proxy_config(
    proxies: pd.DataFrame,
    services: pd.DataFrame,
    backing: pd.DataFrame,
    fixed_clusters: int,
    visibility: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add the configuration each proxy holds to `proxies` (one row per workload).

    `services` is `service_config`'s frame. `visibility`, when given, lists the Services each
    workload sees as (namespace, workload, service_namespace, service); without it every proxy sees
    every Service. A proxy also holds one inbound cluster per port of the Services it backs, and
    the fixed clusters of the profile.
    """
    require(proxies, ("namespace", "workload"), "proxy_config")
    out = proxies.copy()
    index = pd.MultiIndex.from_frame(out[["namespace", "workload"]])
    if visibility is None:
        totals = services[["clusters", "endpoints", "listeners"]].sum()
        seen = pd.DataFrame(
            {
                "visible_services": len(services),
                "clusters": int(totals["clusters"]),
                "endpoints": int(totals["endpoints"]),
                "listeners": int(totals["listeners"]),
            },
            index=index,
        )
    else:
        require(visibility, ("namespace", "workload", "service_namespace", "service"), "scope")
        priced = visibility.merge(
            services.rename(columns={"namespace": "service_namespace"}),
            on=["service_namespace", "service"],
            how="inner",
        )
        seen = priced.groupby(["namespace", "workload"]).agg(
            visible_services=("service", "size"),
            clusters=("clusters", "sum"),
            endpoints=("endpoints", "sum"),
            listeners=("listeners", "sum"),
        )
        seen = seen.reindex(index, fill_value=0)
    own = backing.merge(services[["namespace", "service", "ports"]], on=["namespace", "service"])
    inbound = own.groupby(["namespace", "workload"])["ports"].sum().reindex(index, fill_value=0)
    out["visible_services"] = seen["visible_services"].to_numpy(dtype=np.int64)
    out["visible_clusters"] = (
        seen["clusters"].to_numpy(dtype=np.int64)
        + inbound.to_numpy(dtype=np.int64)
        + fixed_clusters
    )
    out["visible_endpoints"] = seen["endpoints"].to_numpy(dtype=np.int64)
    out["visible_listeners"] = seen["listeners"].to_numpy(dtype=np.int64)
    return out
