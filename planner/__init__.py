"""mesh-planner: size a service mesh's proxies, control plane and gateways from an inventory.

The public API, in the order a run uses it::

    inventory = read_inventory(Path("cluster.csv"), services=Path("services.csv"))
    traffic = read_traffic(Path("traffic.csv"), inventory)
    plan = build_plan(inventory, traffic, load_builtin_profile(MeshKind.ISTIO_SIDECAR), Knobs())

Every function raises `models.errors.PlannerError` (or a subclass) for problems a user can fix.
Names are imported when first used (PEP 562), so that the command starts, and handles Ctrl-C,
before pandas is loaded.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
"""`typing.TYPE_CHECKING`, without importing typing (8 ms) before the command's signal handlers
are set (planner.__main__); type checkers take any TYPE_CHECKING as true."""

if TYPE_CHECKING:
    from models.errors import PlannerError
    from models.knobs import Knobs, MeshKind, OutputFormat
    from models.plan import Plan
    from planner.inputs.inventory import Inventory
    from planner.inputs.load import read_inventory
    from planner.inputs.traffic import Traffic, read_traffic
    from planner.meshes.profiles import load_builtin_profile, load_profile_file
    from planner.pipeline import build_plan
    from planner.version import __version__

_HOMES = {
    "Inventory": "planner.inputs.inventory",
    "Knobs": "models.knobs",
    "MeshKind": "models.knobs",
    "OutputFormat": "models.knobs",
    "Plan": "models.plan",
    "PlannerError": "models.errors",
    "Traffic": "planner.inputs.traffic",
    "__version__": "planner.version",
    "build_plan": "planner.pipeline",
    "load_builtin_profile": "planner.meshes.profiles",
    "load_profile_file": "planner.meshes.profiles",
    "read_inventory": "planner.inputs.load",
    "read_traffic": "planner.inputs.traffic",
}

__all__ = [
    "Inventory",
    "Knobs",
    "MeshKind",
    "OutputFormat",
    "Plan",
    "PlannerError",
    "Traffic",
    "__version__",
    "build_plan",
    "load_builtin_profile",
    "load_profile_file",
    "read_inventory",
    "read_traffic",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
