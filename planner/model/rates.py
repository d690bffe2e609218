"""Request rates per workload: what the traffic table says, or else the inventory's columns.

The rates through each proxy drive its CPU; requests to Services proxied at L4 are counted apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.frames import require
from planner.inputs.inventory import Inventory
from planner.inputs.protocols import is_l4
from planner.inputs.traffic import EDGE_COLUMNS, OUTSIDE


def workload_rates(inventory: Inventory, edges: pd.DataFrame | None) -> pd.DataFrame:
    """Inbound and outbound requests per second of every workload.

    Traffic rows win where the traffic table has any for a workload and direction; the inventory's
    `rps` and `outbound_rps` columns fill the rest. Requests into a Service are split over the
    workloads behind it in proportion to their replicas, unless a row names the destination
    workload. Returns one row per workload with inbound_rps, outbound_rps, rps_basis, and the
    parts of both that go to Services proxied at L4 (inbound_l4_rps, outbound_l4_rps; known
    from traffic rows only, else 0).
    """
    workloads = inventory.workloads
    require(workloads, ("namespace", "workload", "replicas", "rps", "outbound_rps"), "rates")
    index = pd.MultiIndex.from_frame(workloads[["namespace", "workload"]])
    traffic_in = pd.Series(np.nan, index=index)
    traffic_out = pd.Series(np.nan, index=index)
    l4_in = pd.Series(0.0, index=index)
    l4_out = pd.Series(0.0, index=index)
    if edges is not None and not edges.empty:
        require(edges, EDGE_COLUMNS, "rates")
        inside = (edges["source_workload"] != OUTSIDE).to_numpy()
        traffic_out = _outbound(edges.loc[inside]).reindex(index)
        traffic_in = _inbound(edges, inventory).reindex(index)
        services = inventory.services
        l4_keys = pd.MultiIndex.from_frame(services.loc[is_l4(services), ["namespace", "service"]])
        to_l4 = pd.MultiIndex.from_frame(
            edges[["destination_namespace", "destination_service"]]
        ).isin(l4_keys)
        l4_out = _outbound(edges.loc[inside & to_l4]).reindex(index, fill_value=0.0)
        l4_in = _inbound(edges.loc[to_l4], inventory).reindex(index, fill_value=0.0)
    column_in = workloads["rps"].to_numpy()
    column_out = workloads["outbound_rps"].to_numpy()
    has_in = ~np.isnan(traffic_in.to_numpy())
    has_out = ~np.isnan(traffic_out.to_numpy())
    inbound = np.where(has_in, traffic_in.to_numpy(), np.nan_to_num(column_in))
    outbound = np.where(has_out, traffic_out.to_numpy(), np.nan_to_num(column_out))
    from_columns = ~np.isnan(column_in) | ~np.isnan(column_out)
    basis = np.where(has_in | has_out, "traffic", np.where(from_columns, "inventory", "none"))
    return pd.DataFrame(
        {
            "namespace": workloads["namespace"].to_numpy(),
            "workload": workloads["workload"].to_numpy(),
            "inbound_rps": inbound,
            "outbound_rps": outbound,
            "rps_basis": basis,
            "traffic_inbound_rps": traffic_in.to_numpy(),
            "column_inbound_rps": column_in,
            "inbound_l4_rps": l4_in.to_numpy(dtype=np.float64),
            "outbound_l4_rps": l4_out.to_numpy(dtype=np.float64),
        }
    )


def _outbound(edges: pd.DataFrame) -> pd.Series:
    """Requests per second each source workload sends over `edges`."""
    out = edges.groupby(["source_namespace", "source_workload"])["rps"].sum()
    out.index.names = ["namespace", "workload"]
    return out


def _inbound(edges: pd.DataFrame, inventory: Inventory) -> pd.Series:
    """Requests per second into each workload, from the edges into the Services it backs."""
    direct = edges.loc[edges["destination_workload"] != ""]
    direct_in = direct.groupby(["destination_workload_namespace", "destination_workload"])[
        "rps"
    ].sum()
    direct_in.index.names = ["namespace", "workload"]
    spread = edges.loc[edges["destination_workload"] == ""]
    per_service = (
        spread.groupby(["destination_namespace", "destination_service"])["rps"]
        .sum()
        .rename_axis(["namespace", "service"])
        .reset_index()
    )
    replicas = inventory.workloads[["namespace", "workload", "replicas"]]
    backing = inventory.backing.merge(replicas, on=["namespace", "workload"], how="inner")
    total = backing.groupby(["namespace", "service"])["replicas"].transform("sum")
    count = backing.groupby(["namespace", "service"])["replicas"].transform("size")
    backing = backing.assign(
        weight=np.where(total > 0, backing["replicas"] / total.where(total > 0, 1), 1.0 / count)
    )
    shares = per_service.merge(backing, on=["namespace", "service"], how="inner")
    shares["rps"] = shares["rps"] * shares["weight"]
    spread_in = shares.groupby(["namespace", "workload"])["rps"].sum()
    inbound: pd.Series = spread_in.add(direct_in, fill_value=0.0)
    return inbound
