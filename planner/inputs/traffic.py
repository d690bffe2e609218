"""The traffic table: requests per second between workloads and Services, checked against the
inventory and aggregated per edge (its rows are read and checked on their own by
planner.inputs.traffic_table, a module light enough to start reading before the rest).

Istio's metric labels (`source_workload_namespace`, `destination_service_name`,
`destination_service_namespace`) are accepted for the column names, so an export of
`istio_requests_total` can be given as it is. A `reporter` column (Istio counts each request once
at the client and once at the server) is resolved by taking, for each edge, the larger of the
two reporters' sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.errors import TrafficError, quoted
from models.plan import Finding, InputFile
from planner.frames import grouped_integers, keys, pair_keys
from planner.inputs import early
from planner.inputs.early import AHEAD_BYTES
from planner.inputs.inventory import Inventory, listed, plural
from planner.inputs.tables import (
    MICRO,
    ROW,
    exact_units,
    suggest,
)
from planner.inputs.traffic_table import (
    OUTSIDE,
    UNREGISTERED_DESTINATIONS,
    TrafficTable,
    parse_traffic,
)
from planner.workers import Ahead

EDGE_COLUMNS = (
    "source_namespace",
    "source_workload",
    "destination_namespace",
    "destination_service",
    "destination_workload",
    "destination_workload_namespace",
    "rps",
)


@dataclass(frozen=True)
class Traffic:
    """Aggregated edges, one row per (source, destination service, destination workload).

    The name columns are Categoricals with sorted categories: compare, group and sort them as
    text, but turn them into text (`astype(str)`) before joining strings onto them."""

    edges: pd.DataFrame
    file: InputFile
    findings: tuple[Finding, ...]


def read_traffic(path: Path, inventory: Inventory, *, strict: bool = True) -> Traffic:
    """Read the traffic table and check every edge against the inventory.

    A row whose source workload or destination Service the inventory does not hold is an error
    when `strict`; otherwise it is left out of the edges, and a finding names what was left out
    (a collected table drifts: workloads deleted during the window, namespaces the inventory
    does not cover). A destination workload the inventory does not hold is cleared, so that the
    requests count for the Service's workloads, and named in a finding too.
    """
    return traffic_from(parse_traffic(path), inventory, strict=strict)


def traffic_ahead(path: Path) -> Ahead[TrafficTable]:
    """`parse_traffic(path)` started now, in a forked child when the file is large enough
    (AHEAD_BYTES), its result (or error) taken when asked for (planner.workers.Ahead); or the
    reading of `path` the command started before it parsed its options (planner.inputs.early)."""
    started = early.take(path)
    if started is not None:
        return cast(Ahead[TrafficTable], started)
    try:
        large = path.stat().st_size >= AHEAD_BYTES
    except OSError:  # reading it says what is wrong
        large = False
    return Ahead(partial(parse_traffic, path), aside=large)


ASIDE_EDGES = 200_000
"""From this many traffic rows on, `traffic_from` aggregates them in a forked child while it
checks them against the inventory; fewer aggregate faster than a fork pays for."""


def traffic_from(table: TrafficTable, inventory: Inventory, *, strict: bool = True) -> Traffic:
    """The edges of a traffic table checked against the inventory and aggregated
    (`read_traffic` says what `strict` changes)."""
    edges, label = table.edges, table.label
    file = InputFile(
        role="traffic", name=table.file_name, fingerprint=table.fingerprint, rows=table.rows
    )
    findings: list[Finding] = []
    if table.ignored_columns:
        names = ", ".join(quoted(c) for c in table.ignored_columns)
        findings.append(
            Finding(code="columns-ignored", subject=table.name, message=f"columns ignored: {names}")
        )
    # the rows as they are are aggregated while they are checked (in a forked child for a large
    # table): without drift, that is the result
    with Ahead(partial(_aggregate, edges), aside=len(edges) >= ASIDE_EDGES) as whole:
        sources = _check_sources(edges, inventory, label, strict)
        destinations, served = _check_destinations(edges, inventory, label, strict)
        # what strict would have refused is drift: rows from or to what the inventory does not
        # hold are left out, and a destination workload it does not hold is cleared (its
        # Service's workloads take the requests)
        dropped = sources.rows | destinations.rows
        served = Drift(served.rows & ~dropped, served.codes, served.distinct)
        if not dropped.any() and not served.rows.any():
            return Traffic(edges=whole.result(), file=file, findings=tuple(findings))
    findings += _drift_findings(edges, table.name, sources, destinations, served)
    edges = edges.assign(
        destination_workload=edges["destination_workload"].where(~served.rows, ""),
        destination_workload_namespace=edges["destination_workload_namespace"].where(
            ~served.rows, ""
        ),
    ).loc[~dropped]
    aggregated = _aggregate(edges)
    return Traffic(edges=aggregated, file=file, findings=tuple(findings))


@dataclass(frozen=True)
class Drift:
    """Traffic rows naming something the inventory does not hold (`rows`), and each row's
    `namespace/name` key: `codes` into the `distinct` keys."""

    rows: npt.NDArray[np.bool_]
    codes: npt.NDArray[np.intp]
    distinct: pd.Series

    def name(self, row: int) -> str:
        """The key row `row` names."""
        return str(self.distinct.iat[int(self.codes[row])])

    def names(self) -> list[str]:
        """The distinct keys of the drifting rows, sorted."""
        return sorted(set(self.distinct.iloc[np.unique(self.codes[self.rows])].tolist()))


def _drift(
    edges: pd.DataFrame,
    columns: tuple[str, str],
    known: pd.Index,
    skip: npt.NDArray[np.bool_],
    strict: bool,
) -> tuple[Drift, int | None]:
    """The rows whose `namespace/name` key (`columns`) is not in `known` (ignoring `skip`),
    decided once per distinct key, and the first such row's position when `strict`."""
    codes, distinct = pair_keys(edges, *columns)
    rows: npt.NDArray[np.bool_] = ~distinct.isin(known).to_numpy(dtype=bool)[codes] & ~skip
    first = int(np.flatnonzero(rows)[0]) if strict and rows.any() else None
    return Drift(rows, codes, distinct), first


def _check_sources(edges: pd.DataFrame, inventory: Inventory, label: str, strict: bool) -> Drift:
    """Rows whose source workload is not in the inventory: an error when `strict`."""
    known = pd.Index(keys(inventory.workloads, "namespace", "workload"))
    outside = (edges["source_workload"] == OUTSIDE).to_numpy()
    drift, index = _drift(edges, ("source_namespace", "source_workload"), known, outside, strict)
    if index is not None:
        key = drift.name(index)
        raise TrafficError(
            f'{label} row {edges[ROW].to_numpy()[index]} column source_workload: workload "{key}" '
            f"is not in the inventory{suggest(key, known)}; add it to the inventory, fix the "
            f'name, or write "{OUTSIDE}" for traffic from outside the mesh'
        )
    return drift


def _check_destinations(
    edges: pd.DataFrame, inventory: Inventory, label: str, strict: bool
) -> tuple[Drift, Drift]:
    """Rows whose destination Service, and rows whose destination workload, is not in the
    inventory: an error when `strict`."""
    unregistered = edges["destination_service"].isin(UNREGISTERED_DESTINATIONS).to_numpy()
    known = pd.Index(keys(inventory.services, "namespace", "service"))
    destination, index = _drift(
        edges, ("destination_namespace", "destination_service"), known, unregistered, strict
    )
    if index is not None:
        key = destination.name(index)
        raise TrafficError(
            f"{label} row {edges[ROW].to_numpy()[index]} column destination_service: Service "
            f'"{key}" is not in the inventory{suggest(key, known)}; add it to the services table '
            "(type ServiceEntry for an external host) or fix the name"
        )
    workloads = pd.Index(keys(inventory.workloads, "namespace", "workload"))
    unnamed = (edges["destination_workload"] == "").to_numpy()
    target, index = _drift(
        edges,
        ("destination_workload_namespace", "destination_workload"),
        workloads,
        unnamed,
        strict,
    )
    if index is not None:
        key = target.name(index)
        raise TrafficError(
            f"{label} row {edges[ROW].to_numpy()[index]} column destination_workload: workload "
            f'"{key}" is not in the inventory{suggest(key, workloads)}; fix the name or leave '
            "the cell empty"
        )
    return destination, target


_DRIFT_WHY = (
    "a workload deleted during the window, or a namespace the inventory does not cover; "
    "--strict makes this an error"
)


def _drift_findings(
    edges: pd.DataFrame, name: str, sources: Drift, destinations: Drift, served: Drift
) -> list[Finding]:
    """What the rows the inventory does not know became: one finding per kind of name."""
    rps = edges["rps"].to_numpy(dtype=np.float64)
    findings = []
    for drift, code, what in (
        (
            sources,
            "traffic-unknown-source",
            "from workloads not in the inventory, left out of sizing",
        ),
        (
            destinations,
            "traffic-unknown-service",
            "to Services not in the inventory, left out of sizing",
        ),
        (
            served,
            "traffic-unknown-destination-workload",
            "served by workloads not in the inventory, counted for their Service's workloads "
            "instead",
        ),
    ):
        if not drift.rows.any():
            continue
        names = drift.names()
        total = float(rps[drift.rows].sum())
        findings.append(
            Finding(
                code=code,
                subject=name,
                message=f"{plural(int(drift.rows.sum()), 'row')} ({total:,.1f} rps) {what}: "
                f"{listed(names)} ({_DRIFT_WHY})",
            )
        )
    return findings


def _aggregate(edges: pd.DataFrame) -> pd.DataFrame:
    """Sum rows per edge and reporter, then keep the larger reporter's sum per edge.

    Sums are taken in whole micro-requests per second, which integers add exactly, so the
    result does not depend on the order of the rows. The key columns may be Categoricals with
    sorted categories: grouped by their codes, in the text's order, and handed on as they are
    (what groups or sorts the edges later does it by codes too).
    """
    edge_keys = list(EDGE_COLUMNS[:-1])
    micro = edges[[*edge_keys, "reporter"]].assign(rps=exact_units(edges["rps"].to_numpy()))
    if micro["reporter"].nunique(dropna=False) > 1:
        micro = grouped_integers(micro, [*edge_keys, "reporter"], "rps", "sum")
        merged = grouped_integers(micro, edge_keys, "rps", "max")
    else:  # one reporter (or none): the larger reporter's sum is the only sum
        merged = grouped_integers(micro, edge_keys, "rps", "sum")
    merged["rps"] = merged["rps"].to_numpy() / MICRO
    out: pd.DataFrame = merged[list(EDGE_COLUMNS)].reset_index(drop=True)
    return out
