"""The traffic table: requests per second between workloads and Services, and the rates per
workload it implies.

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
from models.kube import MAX_RPS
from models.plan import Finding, InputFile
from planner.frames import category_of, grouped_integers, keys, pair_keys, shared_categories
from planner.inputs import early
from planner.inputs.early import AHEAD_BYTES
from planner.inputs.inventory import Inventory, listed, plural
from planner.inputs.tables import (
    MICRO,
    ROW,
    Column,
    TableSpec,
    exact_units,
    first_bad,
    parse_names,
    parse_numbers,
    read_table_file,
    suggest,
)
from planner.workers import Ahead

OUTSIDE = "unknown"
"""Istio's source workload for traffic from outside the mesh."""
UNREGISTERED_DESTINATIONS = ("PassthroughCluster", "BlackHoleCluster", "unknown")
"""Istio's destination names for traffic to hosts the mesh does not know."""

TRAFFIC_TABLE = TableSpec(
    role="traffic",
    sheet="traffic",
    columns=(
        Column(
            "source_namespace",
            True,
            'namespace of the calling workload ("unknown" from outside the mesh)',
            aliases=("source_workload_namespace",),
        ),
        Column("source_workload", True, 'calling workload ("unknown" from outside the mesh)'),
        Column(
            "destination_namespace",
            True,
            "namespace of the Service called",
            aliases=("destination_service_namespace",),
        ),
        Column(
            "destination_service",
            True,
            "Service called (short name, FQDN, or ServiceEntry host)",
            aliases=("destination_service_name",),
        ),
        Column("rps", True, "requests per second on this edge", "requests/s"),
        Column("destination_workload", False, "workload that served the requests, if known"),
        Column(
            "destination_workload_namespace",
            False,
            "namespace of destination_workload, when it differs (an egress gateway)",
            default="destination_namespace",
        ),
        Column("reporter", False, "Istio's reporter label: source or destination"),
    ),
)

REPORTERS = ("", "source", "destination", "waypoint")
"""Values of Istio's `reporter` label (empty: the column is absent or the cell blank)."""

NAMESPACE_COLUMNS = (
    "source_namespace",
    "destination_namespace",
    "destination_workload_namespace",
)
NAME_COLUMNS = (
    *NAMESPACE_COLUMNS,
    "source_workload",
    "destination_service",
    "destination_workload",
    "reporter",
)
"""The text columns, read as Categoricals: each is factorized once, however many steps group or
compare it, and the edges are handed on so (`Traffic` says how to use them)."""

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


@dataclass(frozen=True)
class TrafficTable:
    """The traffic table read and checked on its own (`parse_traffic`), before the inventory
    checks its names (`traffic_from`): one row per table row, FQDNs split."""

    edges: pd.DataFrame
    label: str  # the path, and the sheet of a workbook, as errors name it
    name: str  # the file's name (and sheet), as findings name it
    file: InputFile
    findings: tuple[Finding, ...]


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


def parse_traffic(path: Path) -> TrafficTable:
    """The traffic table's rows, each cell checked: what does not depend on the inventory, so
    that it can be read while the inventory is (planner.workers.Ahead)."""
    raw, _ = read_table_file(path, (TRAFFIC_TABLE,), categorical=NAME_COLUMNS, finish=_edges)
    findings: list[Finding] = []
    if raw.ignored_columns:
        names = ", ".join(quoted(c) for c in raw.ignored_columns)
        findings.append(
            Finding(code="columns-ignored", subject=raw.name, message=f"columns ignored: {names}")
        )
    edges = shared_categories(raw.rows, NAMESPACE_COLUMNS)
    edges = shared_categories(edges, ("source_workload", "destination_workload"))
    edges.loc[edges["destination_workload"] == OUTSIDE, "destination_workload"] = ""
    # the served workload lives in the Service's namespace unless the export says otherwise
    unnamed = edges["destination_workload_namespace"].isin(("", OUTSIDE)) | (
        edges["destination_workload"] == ""
    )
    edges.loc[unnamed, "destination_workload_namespace"] = edges.loc[
        unnamed, "destination_namespace"
    ].where(edges.loc[unnamed, "destination_workload"] != "", "")
    file = InputFile(role="traffic", name=path.name, fingerprint=raw.fingerprint, rows=len(edges))
    return TrafficTable(edges, raw.label, raw.name, file, tuple(findings))


def _edges(rows: pd.DataFrame, label: str) -> pd.DataFrame:
    """A traffic table's rows (or a part of them) as edges, each cell checked and FQDNs split:
    the work that looks at one row at a time (planner.inputs.tables.read_table_file's
    `finish`, done in each half of a large table where it is read)."""
    rps = parse_numbers(
        rows, "rps", label, unit="requests per second", maximum=MAX_RPS, required=True
    )
    edges = pd.DataFrame(
        {
            "source_namespace": parse_names(
                rows, "source_namespace", label, required=True, kind="namespace"
            ),
            "source_workload": parse_names(rows, "source_workload", label, required=True),
            "destination_namespace": parse_names(
                rows, "destination_namespace", label, required=False, kind="namespace"
            ),
            "destination_service": parse_names(rows, "destination_service", label, required=True),
            "destination_workload": parse_names(
                rows, "destination_workload", label, required=False
            ),
            "destination_workload_namespace": parse_names(
                rows, "destination_workload_namespace", label, required=False, kind="namespace"
            ),
            "reporter": _lowered(rows["reporter"]),
            "rps": rps,
            ROW: rows[ROW].to_numpy(),
        }
    )
    bad = ~edges["reporter"].isin(REPORTERS).to_numpy()
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise TrafficError(
            f"{label} row {edges[ROW].to_numpy()[index]} column reporter: "
            f'"{rows["reporter"].iat[index]}" is not one of {", ".join(REPORTERS[1:])}; '
            "write Istio's reporter label or leave the column out"
        )
    return _split_fqdns(edges, label)


ASIDE_EDGES = 200_000
"""From this many traffic rows on, `traffic_from` aggregates them in a forked child while it
checks them against the inventory; fewer aggregate faster than a fork pays for."""


def traffic_from(table: TrafficTable, inventory: Inventory, *, strict: bool = True) -> Traffic:
    """The edges of a traffic table checked against the inventory and aggregated
    (`read_traffic` says what `strict` changes)."""
    edges, label, file = table.edges, table.label, table.file
    findings = list(table.findings)
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


def _split_fqdns(edges: pd.DataFrame, label: str) -> pd.DataFrame:
    """`reviews.bookinfo.svc.cluster.local` -> service `reviews` in namespace `bookinfo`.

    The Service and namespace columns are Categoricals: each distinct name is split once."""
    service = edges["destination_service"]
    names = service.cat.categories.to_numpy(dtype=object)
    fqdn_name = _is_service_fqdn(pd.Series(names, dtype=str)).to_numpy(dtype=bool)
    codes = service.cat.codes.to_numpy()
    fqdn = fqdn_name[codes]
    out = edges.copy()
    if fqdn.any():
        parts = pd.Series(names[fqdn_name], dtype=str).str.split(".", n=2, expand=True)
        short = names.copy()
        short[fqdn_name] = parts[0].to_numpy(dtype=object)
        # the namespace each FQDN names, as a position after the given namespaces
        spaces = edges["destination_namespace"].cat.categories.to_numpy(dtype=object)
        named = np.full(len(names), -1, dtype=np.int64)
        named[fqdn_name] = len(spaces) + np.arange(int(fqdn_name.sum()))
        every = np.concatenate([spaces, parts[1].to_numpy(dtype=object)])
        given = edges["destination_namespace"].cat.codes.to_numpy()
        # rows naming an FQDN whose namespace cell is filled with another namespace
        at = np.flatnonzero(fqdn)
        written = given[at]
        filled = (spaces != "")[written]
        clash = at[filled][spaces[written[filled]] != every[named[codes[at[filled]]]]]
        if len(clash):
            index = int(clash[0])
            row = int(edges[ROW].to_numpy()[index])
            raise TrafficError(
                f"{label} row {row} column destination_namespace: {quoted(spaces[given[index]])} "
                f"disagrees with the namespace in {quoted(names[codes[index]])}; fix one of them"
            )
        out["destination_service"] = category_of(codes.astype(np.intp), short, out.index)
        out["destination_namespace"] = category_of(
            np.where(fqdn, named[codes], given), every, out.index
        )
    empty = (out["destination_namespace"] == "").to_numpy()
    unregistered = out["destination_service"].isin(UNREGISTERED_DESTINATIONS).to_numpy()
    bad = empty & ~unregistered
    if bad.any():
        row, _ = first_bad(out, bad, "destination_namespace")
        raise TrafficError(
            f"{label} row {row} column destination_namespace: the cell is empty; give the "
            "Service's namespace"
        )
    return out


def _is_service_fqdn(names: pd.Series) -> pd.Series:
    """`name.namespace.svc[.cluster.local]`; no name is one when none holds ".svc" (one pass
    over them joined)."""
    if ".svc" not in "\n".join(names.astype(str).tolist()):
        return pd.Series(False, index=names.index)
    return names.str.contains(r"^[^.]+\.[^.]+\.svc(?:\.|$)", regex=True)


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


def _lowered(values: pd.Series) -> pd.Series:
    """A Categorical column in lower case, still a Categorical (each category lowered once)."""
    lowered = values.cat.categories.str.lower().to_numpy(dtype=object)
    return category_of(values.cat.codes.to_numpy().astype(np.intp), lowered, values.index)


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
