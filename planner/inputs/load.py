"""Reading an inventory from whatever holds it: tables (CSV, Excel), Kubernetes manifests, or a
folder of either.

The dispatcher sits at the top of planner.inputs: manifests are read with the rules of the mesh
they are for (each mesh entry's `manifests`, from planner.meshes.registry).
"""

from __future__ import annotations

from pathlib import Path

from models.errors import InventoryError
from models.knobs import MeshKind
from planner.inputs.folder import SERVICES_FILE, WORKLOADS_FILE, table_folder
from planner.inputs.inventory import Inventory
from planner.inputs.manifests import MANIFEST_SUFFIXES, read_manifests
from planner.inputs.tables import CSV_SUFFIXES, EXCEL_SUFFIXES
from planner.inputs.workloads import read_tables
from planner.meshes.registry import MESHES


def read_inventory(
    inventory: Path,
    services: Path | None = None,
    mesh: MeshKind | None = None,
    namespace: str | None = None,
) -> Inventory:
    """Read and check the inventory: a workloads (or pods) table and the optional services table,
    or Kubernetes manifests (`.yaml`, `.yml`, `.json`), which hold their Services, so
    `services` must then be None.

    A folder is a folder of tables when it holds `workloads.csv` (as `planner collect` writes
    it: its `services.csv` is read too, so `services` must be None), else a folder of manifests:
    every manifest file under it, read as one inventory.

    Manifests are read with the injection rules of `mesh`; without it, of the mesh whose labels
    and annotations they carry (the inventory's `mesh_found`), else of the default mesh. An
    object without `metadata.namespace` goes to `namespace` (default: `default`); `namespace`
    is for manifests only, and an error with tables, whose rows name their namespace.
    """
    tables = table_folder(inventory)
    if tables is not None:
        if services is not None:
            raise InventoryError(
                f"{services}: --services cannot be combined with a folder of tables "
                f"({inventory} holds {WORKLOADS_FILE}, and its {SERVICES_FILE} is read when "
                "present); leave --services out, or give the workloads table itself"
            )
        _tables_take_no_namespace(namespace, inventory)
        return read_tables(tables.workloads, tables.services)
    suffix = inventory.suffix.lower()
    if _manifests(inventory):
        if services is not None:
            raise InventoryError(
                f"{services}: --services cannot be combined with a manifest inventory "
                f"({inventory} holds the Services already); leave --services out"
            )
        rules = tuple(entry.manifests for entry in MESHES.values())
        return read_manifests(inventory, rules, mesh.value if mesh is not None else None, namespace)
    if suffix not in (*CSV_SUFFIXES, *EXCEL_SUFFIXES, ""):
        raise InventoryError(
            f"{inventory}: unsupported file type {inventory.suffix!r}; give a .csv file, an "
            "Excel .xlsx workbook, Kubernetes manifests (.yaml, .yml, .json), or a folder of "
            "them"
        )
    _tables_take_no_namespace(namespace, inventory)
    return read_tables(inventory, services)


def read_per_mesh(inventory: Path) -> bool:
    """Whether `read_inventory` reads `inventory` differently for each mesh: manifests are read
    with the mesh's injection rules; tables say per row whether a workload is injected."""
    return table_folder(inventory) is None and _manifests(inventory)


def _manifests(inventory: Path) -> bool:
    """Whether `inventory`, not a folder of tables, is read as Kubernetes manifests."""
    return inventory.is_dir() or inventory.suffix.lower() in MANIFEST_SUFFIXES


def _tables_take_no_namespace(namespace: str | None, inventory: Path) -> None:
    if namespace is not None:
        raise InventoryError(
            f"--namespace {namespace}: {inventory} is a table, whose rows name their namespace; "
            "--namespace places manifest objects that name none, so leave it out"
        )
