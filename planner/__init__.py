"""mesh-planner: size a service mesh's proxies, control plane and gateways from an inventory.

The public API, in the order a run uses it::

    inventory = read_inventory(Path("cluster.csv"), services=Path("services.csv"))
    traffic = read_traffic(Path("traffic.csv"), inventory)
    plan = build_plan(inventory, traffic, load_builtin_profile(MeshKind.ISTIO_SIDECAR), Knobs())

Every function raises `models.errors.PlannerError` (or a subclass) for problems a user can fix.
"""

from models.errors import PlannerError
from models.knobs import Knobs, MeshKind, OutputFormat
from models.plan import Plan
from planner.inventory import Inventory, read_inventory
from planner.pipeline import build_plan
from planner.profiles import load_builtin_profile, load_profile_file
from planner.traffic import Traffic, read_traffic
from planner.version import __version__

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
