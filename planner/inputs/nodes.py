"""The cluster's nodes: how many, how the meshed pods spread over them, and their capacity.

Per-node agents (Istio ambient's ztunnel and istio-cni) and a mesh's cost per node need them.
They come, first found first, from:

- `--nodes FILE`: a nodes table (CSV, or the sheet `nodes` of a workbook): one row per node,
  with the pods it runs and its allocatable CPU and memory where known;
- `--nodes N`: a count, for a cluster being planned;
- the pod table's `node` column (the node each pod runs on).

Where the pods per node are unknown (a count, or a table without a `pods` column), they are
taken as spread evenly: the busiest node carries 1 / nodes of the pods (a share, not rounded to
whole pods, so per-node figures add up to the cluster's).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.errors import InputError
from models.plan import InputFile
from planner.inputs.tables import (
    ROW,
    Column,
    TableSpec,
    parse_names,
    parse_numbers,
    read_table_file,
)

MAX_NODES = 100_000
"""Kubernetes supports clusters of up to 5,000 nodes; fleets of many clusters stay below this."""
MAX_PODS_PER_NODE = 10_000
MAX_NODE_CPU_CORES = 10_000.0
MAX_NODE_MEMORY_GIB = 100_000.0

NODES_TABLE = TableSpec(
    role="nodes",
    sheet="nodes",
    columns=(
        Column("node", True, "node name"),
        Column(
            "pods",
            False,
            "pods the node runs (any pods; the meshed share is taken as the cluster's)",
            "pods",
            default="the pods spread evenly over the nodes",
        ),
        Column(
            "cpu_cores",
            False,
            "the node's allocatable CPU (kubectl get node: status.allocatable.cpu)",
            "cores",
        ),
        Column(
            "memory_gib",
            False,
            "the node's allocatable memory (status.allocatable.memory)",
            "GiB",
        ),
    ),
)


@dataclass(frozen=True)
class Nodes:
    """The nodes of a run.

    `pods`: pods per node where known (one entry per node), else None (spread evenly).
    `cpu_cores` / `memory_gib`: allocatable capacity per node where every node gives it, else
    None. `source` says where the nodes came from, in words.
    """

    count: int
    source: str
    pods: tuple[int, ...] | None = None
    cpu_cores: tuple[float, ...] | None = None
    memory_gib: tuple[float, ...] | None = None
    file: InputFile | None = None

    def busiest_share(self) -> float:
        """The share of the cluster's pods on its busiest node (1 / count when spread evenly)."""
        if self.pods is None or sum(self.pods) == 0:
            return 1.0 / self.count
        return max(self.pods) / sum(self.pods)


def parse_nodes_option(value: str) -> Nodes:
    """`--nodes`: a whole number of nodes, or the path of a nodes table.

    Raises InputError naming the flag, the file, the row and the column when it cannot be used.
    """
    text = value.strip()
    if text.isdigit():
        count = int(text)
        if not 1 <= count <= MAX_NODES:
            raise InputError(
                f"--nodes {text}: give between 1 and {MAX_NODES:,} nodes, or the path of a "
                "nodes table"
            )
        return Nodes(count=count, source=f"--nodes {count}")
    path = Path(value)
    if not path.exists():
        raise InputError(
            f"--nodes {value}: no such file, and not a number of nodes; give a whole number "
            "(--nodes 40) or a nodes table with a node column"
        )
    return read_nodes(path)


def read_nodes(path: Path) -> Nodes:
    """A nodes table: one row per node, names unique, counts and capacities checked."""
    raw, _ = read_table_file(path, (NODES_TABLE,))
    rows = raw.rows
    names = parse_names(rows, "node", raw.label, required=True)
    seen = names.duplicated(keep=False).to_numpy()
    if seen.any():
        first = names[seen].iloc[0]
        at = rows.loc[(names == first).to_numpy(), ROW].tolist()
        raise InputError(
            f'{raw.label} rows {at[0]} and {at[1]}: node "{first}" appears twice; keep one row '
            "per node"
        )
    if len(rows) > MAX_NODES:
        raise InputError(f"{raw.label}: {len(rows):,} nodes, more than {MAX_NODES:,}")
    order = np.argsort(names.to_numpy(dtype=str), kind="stable")
    pods = parse_numbers(
        rows, "pods", raw.label, unit="pods", maximum=MAX_PODS_PER_NODE, whole=True
    )
    cpu = parse_numbers(rows, "cpu_cores", raw.label, unit="cores", maximum=MAX_NODE_CPU_CORES)
    memory = parse_numbers(rows, "memory_gib", raw.label, unit="GiB", maximum=MAX_NODE_MEMORY_GIB)
    file = InputFile(role="nodes", name=raw.name, fingerprint=raw.fingerprint, rows=len(rows))
    return Nodes(
        count=len(rows),
        source=f"the nodes table {raw.name}",
        pods=_whole(_complete(pods[order])),
        cpu_cores=_complete(cpu[order]),
        memory_gib=_complete(memory[order]),
        file=file,
    )


def _complete(values: npt.NDArray[np.float64]) -> tuple[float, ...] | None:
    """The column's values when every node gives one, else None (an empty column is unknown;
    a partly filled one is unknown too: a sum over some nodes would mislead)."""
    if np.isnan(values).any():
        return None
    return tuple(float(v) for v in values)


def _whole(values: tuple[float, ...] | None) -> tuple[int, ...] | None:
    return None if values is None else tuple(int(v) for v in values)


def nodes_from_pods(pod_nodes: pd.Series) -> Nodes | None:
    """The nodes a pod table's `node` column names (None when the column is empty)."""
    named = pod_nodes.loc[pod_nodes != ""]
    if named.empty:
        return None
    counts = named.value_counts().sort_index()
    return Nodes(
        count=len(counts),
        source="the pod table's node column",
        pods=tuple(int(c) for c in counts.to_numpy()),
    )
