"""What a Linkerd proxy holds: the Services it calls and the connections it keeps.

A Linkerd proxy resolves a destination when it first calls it and drops what it has not used
for 5 seconds, so it holds only what its workload talks to (from the traffic table):

    visible services   = the Services the workload calls
    visible endpoints  = the endpoints of those Services: each (pod, port) behind them, one
                         connection each (proxies talk HTTP/2 to each other, one connection per
                         endpoint carrying every request)
    inbound            = one connection from each caller pod per port of each Service the
                         workload backs that the caller calls
    connections        = visible endpoints + inbound

Summed over the mesh, inbound connections equal outbound ones. Callers from outside the mesh
(`unknown`) are not counted: their connections end at the ingress. All of it is joins and
group sums over the edges, never a loop over workloads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.inputs.inventory import Inventory
from planner.inputs.traffic import OUTSIDE

COUNT_COLUMNS = ("visible_services", "visible_endpoints", "connections")
_KEYS = ["namespace", "workload"]
_DNS_TYPES = ("ExternalName", "ServiceEntry")


def service_endpoints(inventory: Inventory) -> pd.DataFrame:
    """Per Service: the ports a connection can use and the endpoints behind it."""
    services = inventory.services
    replicas = inventory.workloads[[*_KEYS, "replicas"]]
    backed = inventory.backing.merge(replicas, on=_KEYS, how="inner")
    pods = backed.groupby(["namespace", "service"])["replicas"].sum()
    out = services[["namespace", "service", "type"]].copy()
    out["pods"] = (
        pods.reindex(pd.MultiIndex.from_frame(out[["namespace", "service"]]))
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )
    ports = (services["ports"] - services["udp_ports"]).to_numpy(dtype=np.int64)
    dns = out["type"].isin(_DNS_TYPES).to_numpy()
    out["ports"] = np.maximum(ports, 1)
    out["endpoints"] = np.where(dns, np.maximum(ports, 1), ports * out["pods"].to_numpy())
    return out


def proxy_connections(
    proxies: pd.DataFrame, inventory: Inventory, edges: pd.DataFrame | None
) -> pd.DataFrame:
    """`proxies` (one row per workload) with COUNT_COLUMNS added; zeros without traffic."""
    out = proxies.copy()
    if edges is None:
        for column in COUNT_COLUMNS:
            out[column] = 0
        return out
    services = service_endpoints(inventory)
    calls = (
        edges.loc[(edges["rps"] > 0) & (edges["source_workload"] != OUTSIDE)]
        .rename(
            columns={
                "source_namespace": "namespace",
                "source_workload": "workload",
                "destination_namespace": "service_namespace",
                "destination_service": "service",
            }
        )[[*_KEYS, "service_namespace", "service"]]
        .drop_duplicates()
        .merge(
            services.rename(columns={"namespace": "service_namespace"}),
            on=["service_namespace", "service"],
            how="inner",
        )
    )
    outbound = calls.groupby(_KEYS).agg(
        visible_services=("service", "size"), visible_endpoints=("endpoints", "sum")
    )
    callers = calls.merge(inventory.workloads[[*_KEYS, "replicas"]], on=_KEYS, how="inner").assign(
        inbound=lambda f: f["replicas"] * f["ports"]
    )
    per_service = callers.groupby(["service_namespace", "service"], as_index=False)[
        ["inbound"]
    ].sum()
    inbound = (
        per_service.rename(columns={"service_namespace": "namespace"})
        .merge(inventory.backing, on=["namespace", "service"], how="inner")
        .groupby(_KEYS)["inbound"]
        .sum()
    )
    index = pd.MultiIndex.from_frame(out[_KEYS])
    seen = outbound.reindex(index, fill_value=0)
    out["visible_services"] = seen["visible_services"].to_numpy(dtype=np.int64)
    out["visible_endpoints"] = seen["visible_endpoints"].to_numpy(dtype=np.int64)
    out["connections"] = out["visible_endpoints"].to_numpy() + inbound.reindex(
        index, fill_value=0
    ).to_numpy(dtype=np.int64)
    return out
