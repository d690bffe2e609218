"""Input snapshots in a review's `--history`: a folder of tables as `planner collect` writes it,
dated by its collect.json's end and sized the way the history's plans were.

A snapshot is sized with the knobs of `like` (the newest plan.json given to the review: its
mesh, version, headroom, scoping and the rest), its own traffic window and date taken from its
collect.json, with the mesh's built-in profile; with no plan to follow, with the defaults of
`planner size` and the mesh the inventory names. A folder without workloads.csv, or without a
dated collect.json, is an error saying how to date it.
"""

from __future__ import annotations

from pathlib import Path

from models.errors import InputError
from models.knobs import Knobs, MeshKind
from models.plan import Plan
from planner.inputs.folder import COLLECT_FILE, WORKLOADS_FILE, table_folder
from planner.inputs.load import read_inventory
from planner.inputs.nodes import parse_nodes_option
from planner.inputs.traffic import read_traffic
from planner.meshes.profiles import load_builtin_profile
from planner.pipeline import build_plan

DEFAULT_MESH = MeshKind.ISTIO_SIDECAR


def sized_snapshot(folder: Path, like: Plan | None, flag: str = "--history") -> Plan:
    """The plan of the input snapshot in `folder`, sized as `like` was (module docstring)."""
    tables = table_folder(folder)
    if tables is None:
        raise InputError(
            f"{flag} {folder}: a folder without {WORKLOADS_FILE}; give a plan.json (sized with "
            "planner size --inputs-date DATE) or a folder planner collect wrote"
        )
    if tables.end_date is None:
        raise InputError(
            f"{flag} {folder}: no date (its {COLLECT_FILE} gives no end); size it with "
            "planner size --inventory FOLDER --inputs-date DATE and give its plan.json"
        )
    mesh = like.knobs.mesh if like is not None else None
    checked = read_inventory(tables.workloads, tables.services, mesh)
    if like is not None:
        knobs = like.knobs
        chosen_by = f"as {like.knobs.mesh.value} in the review's newest plan"
    else:
        found = checked.mesh_found
        knobs = Knobs(mesh=MeshKind(found.mesh) if found else DEFAULT_MESH)
        chosen_by = found.evidence if found else "the default: the inventory names no mesh"
    knobs = knobs.model_copy(
        update={
            "inputs_date": tables.end_date,
            "traffic_window_seconds": tables.window_seconds or knobs.traffic_window_seconds,
        }
    )
    edges = (
        read_traffic(tables.traffic, checked, strict=False) if tables.traffic is not None else None
    )
    nodes = parse_nodes_option(str(tables.nodes)) if tables.nodes is not None else None
    profile = load_builtin_profile(knobs.mesh)
    return build_plan(checked, edges, profile, knobs, mesh_chosen_by=chosen_by, nodes=nodes)
