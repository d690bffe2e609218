"""Request rates per workload: what the traffic table says, or else the inventory's columns.

The rates through each proxy drive its CPU; requests to Services proxied at L4 are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.frames import positions, require, sort_keys
from planner.inputs.inventory import Inventory
from planner.inputs.protocols import is_l4
from planner.inputs.traffic import EDGE_COLUMNS
from planner.inputs.traffic_table import OUTSIDE


def workload_rates(inventory: Inventory, edges: pd.DataFrame | None) -> pd.DataFrame:
    """Inbound and outbound requests per second of every workload.

    Traffic rows win where the traffic table has any for a workload and direction; the inventory's
    `rps` and `outbound_rps` columns fill the rest. Requests into a Service are split over the
    workloads behind it in proportion to their replicas, unless a row names the destination
    workload. Returns one row per workload with inbound_rps, outbound_rps, rps_basis, and the
    parts of both that go to Services proxied at L4 (inbound_l4_rps, outbound_l4_rps; known
    from traffic rows only, else 0).

    The edges are matched to workloads and Services by codes (planner.frames.positions) and
    summed per workload by pandas' groupby over integer keys: each sum over the same rows in the
    same order as grouping by the names would take them, so the same to the bit.
    """
    workloads = inventory.workloads
    require(workloads, ("namespace", "workload", "replicas", "rps", "outbound_rps"), "rates")
    size = len(workloads)
    traffic_in = np.full(size, np.nan)
    traffic_out = np.full(size, np.nan)
    l4_in = np.zeros(size)
    l4_out = np.zeros(size)
    if edges is not None and not edges.empty:
        require(edges, EDGE_COLUMNS, "rates")
        services = inventory.services
        rps = edges["rps"].to_numpy(dtype=np.float64)
        inside = (edges["source_workload"] != OUTSIDE).to_numpy()
        source = positions(edges, ["source_namespace", "source_workload"], workloads, KEYS)
        service = positions(
            edges, ["destination_namespace", "destination_service"], services, SERVICE_KEYS
        )
        l4 = is_l4(services).to_numpy(dtype=bool)
        to_l4 = (service >= 0) & l4[np.maximum(service, 0)]
        inbound = _Inbound.of(inventory, edges, service)
        traffic_out = _summed(rps, source, inside, size, np.nan)
        traffic_in = inbound.rates(rps, np.ones(len(edges), dtype=bool), size, np.nan)
        l4_out = _summed(rps, source, inside & to_l4, size, 0.0)
        l4_in = inbound.rates(rps, to_l4, size, 0.0)
    column_in = workloads["rps"].to_numpy()
    column_out = workloads["outbound_rps"].to_numpy()
    has_in = ~np.isnan(traffic_in)
    has_out = ~np.isnan(traffic_out)
    inbound_rps = np.where(has_in, traffic_in, np.nan_to_num(column_in))
    outbound_rps = np.where(has_out, traffic_out, np.nan_to_num(column_out))
    from_columns = ~np.isnan(column_in) | ~np.isnan(column_out)
    basis = np.where(has_in | has_out, "traffic", np.where(from_columns, "inventory", "none"))
    return pd.DataFrame(
        {
            "namespace": workloads["namespace"].to_numpy(),
            "workload": workloads["workload"].to_numpy(),
            "inbound_rps": inbound_rps,
            "outbound_rps": outbound_rps,
            "rps_basis": basis,
            "traffic_inbound_rps": traffic_in,
            "column_inbound_rps": column_in,
            "inbound_l4_rps": l4_in,
            "outbound_l4_rps": l4_out,
        }
    )


KEYS = ["namespace", "workload"]
SERVICE_KEYS = ["namespace", "service"]


def _sums(
    values: npt.NDArray[np.float64], at: npt.NDArray[np.intp], rows: npt.NDArray[np.bool_]
) -> pd.Series:
    """The sum of `values` over `rows` per position `at` (-1: left out), indexed by position:
    pandas' groupby sum, each group's values taken in row order."""
    kept = rows & (at >= 0)
    return pd.Series(values[kept]).groupby(at[kept], sort=True).sum()


def _summed(
    values: npt.NDArray[np.float64],
    at: npt.NDArray[np.intp],
    rows: npt.NDArray[np.bool_],
    size: int,
    missing: float,
) -> npt.NDArray[np.float64]:
    """`_sums` spread over `size` positions, `missing` where no row falls."""
    sums = _sums(values, at, rows)
    out = np.full(size, missing)
    out[sums.index.to_numpy()] = sums.to_numpy()
    return out


@dataclass(frozen=True)
class _Inbound:
    """How requests reach workloads: the rows that name their destination workload (`served`:
    its position), and the others spread over the workloads behind their Service (`service`:
    its position) by each backing row's weight.

    The backing rows are kept in the order a merge of the Services' sums (sorted by namespace
    and Service) with the backing table gives them, so each workload's share of several Services
    is summed in that order."""

    named: npt.NDArray[np.bool_]
    served: npt.NDArray[np.intp]
    service: npt.NDArray[np.intp]
    services: int
    backing_service: npt.NDArray[np.intp]
    backing_workload: npt.NDArray[np.intp]
    weight: npt.NDArray[np.float64]

    @staticmethod
    def of(inventory: Inventory, edges: pd.DataFrame, service: npt.NDArray[np.intp]) -> _Inbound:
        workloads = inventory.workloads
        # the backing rows of workloads the inventory holds (an inner merge with them), each
        # weighted by its share of its Service's replicas, or evenly where they have none
        backs = positions(inventory.backing, KEYS, workloads)
        backing = inventory.backing.loc[backs >= 0]
        backs = backs[backs >= 0]
        replicas = workloads["replicas"].to_numpy(dtype=np.int64)[backs]
        key = sort_keys(backing, SERVICE_KEYS)
        _, each = np.unique(key, return_inverse=True)
        total = np.bincount(each, weights=replicas)[each]  # whole numbers: exact
        count = np.bincount(each)[each]
        weight = np.where(total > 0, replicas / np.where(total > 0, total, 1), 1.0 / count)
        order = np.argsort(key, kind="stable")
        served = ["destination_workload_namespace", "destination_workload"]
        return _Inbound(
            named=(edges["destination_workload"] != "").to_numpy(),
            served=positions(edges, served, workloads, KEYS),
            service=service,
            services=len(inventory.services),
            backing_service=positions(backing.take(order), SERVICE_KEYS, inventory.services),
            backing_workload=backs[order],
            weight=weight[order],
        )

    def rates(
        self,
        rps: npt.NDArray[np.float64],
        rows: npt.NDArray[np.bool_],
        size: int,
        missing: float,
    ) -> npt.NDArray[np.float64]:
        """Requests per second into each workload over `rows`, `missing` where none come."""
        # each Service's requests that name no workload (NaN: none), shared by its backing rows
        per_service = _summed(rps, self.service, rows & ~self.named, self.services, np.nan)
        at = self.backing_service
        shared = (at >= 0) & ~np.isnan(per_service[np.maximum(at, 0)])
        shares = per_service[at[shared]] * self.weight[shared]
        kept = np.ones(len(shares), dtype=bool)
        out = _summed(shares, self.backing_workload[shared], kept, size, missing)
        # spread.add(direct, fill_value=0.0): the spread sum, the direct one, or both added
        direct = _sums(rps, self.served, rows & self.named)
        served = direct.index.to_numpy()
        spread = out[served]
        out[served] = np.where(np.isnan(spread), 0.0, spread) + direct.to_numpy()
        return out
