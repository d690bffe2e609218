"""The comparison: one inventory sized for several data planes side by side (`planner compare`),
the one object compare.json, the summary, the page and the sheet render from."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from models.cost import CompareCost
from models.formats import DataPlane
from models.knobs import Knobs
from models.plan import InputFile, NodesPlan, ResourceTotals, ToolInfo, Totals

COMPARE_SCHEMA_VERSION: Literal["1.0"] = "1.0"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class CompareRow(_Frozen):
    """One data plane: its mesh's plan summed up.

    `difference` is its `totals.mesh` minus the baseline's, field by field. `per_node_*` are the
    whole mesh's requests over the nodes (null when the nodes are unknown). `needs` says what
    this data plane runs or lacks that others do not.
    """

    data_plane: DataPlane
    mesh: str
    mesh_title: str
    mesh_version: str
    totals: Totals
    difference: ResourceTotals
    per_node_cpu_request_cores: float | None
    per_node_memory_request_gib: float | None
    control_plane: tuple[str, ...]
    needs: tuple[str, ...]
    findings: int


class Comparison(_Frozen):
    """The whole result of `planner compare`."""

    schema_version: Literal["1.0"]
    tool: ToolInfo
    inputs: tuple[InputFile, ...]
    knobs: Knobs
    nodes: NodesPlan | None
    baseline: DataPlane
    rows: tuple[CompareRow, ...]
    cost: CompareCost | None = None
    """With --prices: each data plane's cost and its difference with the baseline's."""
