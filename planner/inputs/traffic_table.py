"""The traffic table read on its own: each row's cells checked and FQDNs split, before the
inventory is known (planner.inputs.traffic checks the rows against it and aggregates them).

This module imports pandas and the table reader, not the plan's models: a large table is read in
a forked child from the command's first instant (planner.inputs.early), and what it imports is
time before that child can start reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import TrafficError, quoted
from models.kube import MAX_RPS
from planner.frames import category_of, shared_categories
from planner.inputs.tables import (
    ROW,
    Column,
    TableSpec,
    first_bad,
    parse_names,
    parse_numbers,
    read_table_file,
)

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


@dataclass(frozen=True)
class TrafficTable:
    """The traffic table read and checked on its own (`parse_traffic`), before the inventory
    checks its names (planner.inputs.traffic.traffic_from): one row per table row, FQDNs split.
    Plain values only, so that the module that reads it needs none of the plan's models."""

    edges: pd.DataFrame
    label: str  # the path, and the sheet of a workbook, as errors name it
    name: str  # the file's name (and sheet), as findings name it
    file_name: str  # the file's name, as the plan's inputs name it
    fingerprint: str
    rows: int
    ignored_columns: tuple[str, ...]


def parse_traffic(path: Path) -> TrafficTable:
    """The traffic table's rows, each cell checked: what does not depend on the inventory, so
    that it can be read while the inventory is (planner.workers.Ahead)."""
    raw, _ = read_table_file(path, (TRAFFIC_TABLE,), categorical=NAME_COLUMNS, finish=_edges)
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
    return TrafficTable(
        edges, raw.label, raw.name, path.name, raw.fingerprint, len(edges), raw.ignored_columns
    )


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


def _lowered(values: pd.Series) -> pd.Series:
    """A Categorical column in lower case, still a Categorical (each category lowered once)."""
    lowered = values.cat.categories.str.lower().to_numpy(dtype=object)
    return category_of(values.cat.codes.to_numpy().astype(np.intp), lowered, values.index)
