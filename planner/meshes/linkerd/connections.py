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

from planner.frames import distinct, positions
from planner.inputs.inventory import Inventory
from planner.inputs.traffic_table import OUTSIDE

COUNT_COLUMNS = ("visible_services", "visible_endpoints", "connections")
_KEYS = ["namespace", "workload"]
_SOURCE = ["source_namespace", "source_workload"]
_DESTINATION = ["destination_namespace", "destination_service"]
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
    # each (caller, Service) once, matched to the Services table and the workloads by codes
    # (planner.frames.positions): the sums below are the group sums of the joined rows
    kept = edges.loc[(edges["rps"] > 0) & (edges["source_workload"] != OUTSIDE)]
    calls = distinct(kept, [*_SOURCE, *_DESTINATION])
    service = positions(calls, _DESTINATION, services, ["namespace", "service"])
    calls, service = calls.loc[service >= 0], service[service >= 0]
    endpoints = services["endpoints"].to_numpy(dtype=np.int64)[service]
    ports = services["ports"].to_numpy(dtype=np.int64)[service]
    caller = positions(calls, _SOURCE, out, _KEYS)
    seen = caller >= 0
    visible_services = np.zeros(len(out), dtype=np.int64)
    np.add.at(visible_services, caller[seen], 1)
    visible_endpoints = np.zeros(len(out), dtype=np.int64)
    np.add.at(visible_endpoints, caller[seen], endpoints[seen])
    # one connection per caller pod and port into each Service, to each workload behind it
    workloads = inventory.workloads
    pods = positions(calls, _SOURCE, workloads, _KEYS)
    known = pods >= 0
    per_service = np.zeros(len(services), dtype=np.int64)
    replicas = workloads["replicas"].to_numpy(dtype=np.int64)
    np.add.at(per_service, service[known], replicas[pods[known]] * ports[known])
    backing = inventory.backing
    backed = positions(backing, ["namespace", "service"], services)
    behind = positions(backing, _KEYS, out)
    both = (backed >= 0) & (behind >= 0)
    inbound = np.zeros(len(out), dtype=np.int64)
    np.add.at(inbound, behind[both], per_service[backed[both]])
    out["visible_services"] = visible_services
    out["visible_endpoints"] = visible_endpoints
    out["connections"] = visible_endpoints + inbound
    return out
