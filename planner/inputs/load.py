"""Reading an inventory from whatever file holds it: tables (CSV, Excel) or Kubernetes manifests.

The dispatcher sits at the top of planner.inputs: manifests are read with the rules of the mesh
they are for (each mesh entry's `manifests`, from planner.meshes.registry).
"""

from __future__ import annotations

from pathlib import Path

from models.errors import InventoryError
from models.knobs import MeshKind
from planner.inputs.inventory import Inventory
from planner.inputs.manifests import MANIFEST_SUFFIXES, read_manifests
from planner.inputs.tables import CSV_SUFFIXES, EXCEL_SUFFIXES
from planner.inputs.workloads import read_tables
from planner.meshes.registry import MESHES


def read_inventory(
    inventory: Path, services: Path | None = None, mesh: MeshKind | None = None
) -> Inventory:
    """Read and check the inventory: a workloads (or pods) table and the optional services table,
    or Kubernetes manifests (`.yaml`, `.yml`, `.json`), which hold their Services, so
    `services` must then be None.

    Manifests are read with the injection rules of `mesh`; without it, of the mesh whose labels
    and annotations they carry (the inventory's `mesh_found`), else of the default mesh.
    """
    suffix = inventory.suffix.lower()
    if suffix in MANIFEST_SUFFIXES:
        if services is not None:
            raise InventoryError(
                f"{services}: --services cannot be combined with a manifest inventory "
                f"({inventory} holds the Services already); leave --services out"
            )
        rules = tuple(entry.manifests for entry in MESHES.values())
        return read_manifests(inventory, rules, mesh.value if mesh is not None else None)
    if suffix not in (*CSV_SUFFIXES, *EXCEL_SUFFIXES, ""):
        raise InventoryError(
            f"{inventory}: unsupported file type {inventory.suffix!r}; give a .csv file, an "
            "Excel .xlsx workbook, or Kubernetes manifests (.yaml, .yml, .json)"
        )
    return read_tables(inventory, services)
