"""The public API is small and stable: what `planner` exports, and that it works end to end."""

from __future__ import annotations

from pathlib import Path

import planner
from models.errors import (
    InputError,
    InventoryError,
    OutputError,
    PlannerError,
    ProfileError,
    TrafficError,
)
from tests.conftest import write

EXPECTED = [
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


def test_all_is_exactly_the_documented_api() -> None:
    assert sorted(planner.__all__) == EXPECTED
    for name in EXPECTED:
        assert hasattr(planner, name), name


def test_one_exception_tree() -> None:
    for error in (InputError, InventoryError, TrafficError, ProfileError, OutputError):
        assert issubclass(error, PlannerError)
    assert issubclass(InventoryError, InputError)
    assert issubclass(TrafficError, InputError)


def test_library_round_trip(tmp_path: Path) -> None:
    cluster = write(
        tmp_path / "cluster.csv",
        "namespace,workload,replicas,rps\nshop,cart,2,1000\nshop,web,1,10\n",
    )
    traffic = write(
        tmp_path / "traffic.csv",
        "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        "shop,web,shop,cart,400\n",
    )
    inventory = planner.read_inventory(cluster)
    plan = planner.build_plan(
        inventory,
        planner.read_traffic(traffic, inventory),
        planner.load_builtin_profile(planner.MeshKind.ISTIO_SIDECAR),
        planner.Knobs(),
    )
    cart = next(w for w in plan.workloads if w.workload == "cart")
    assert (cart.inbound_rps, cart.rps_basis.value) == (400.0, "traffic")
    assert cart.proxy is not None
    assert cart.proxy.rps_per_pod == 200.0
