"""Work done earlier than its turn, so that the planner's two cores are busy: a mesh's head
start (MeshEntry.head_start: what its sizing reads of the inventory alone, worked out by
`planner size` while the traffic table is still being read), and the scoping a mesh announces
as soon as it is built (SizingInput.scoped: the CLI writes it out while the rest is sized).
Either changes nothing but when the work is done: the same plan, the same errors in the same
order."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from models.errors import PlannerError
from models.knobs import Knobs, MeshKind
from models.plan import ScopingPlan
from planner.inputs.inventory import Inventory
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.meshes.consul.sizing import ConsulHeadStart
from planner.meshes.consul.sizing import head_start as consul_head_start
from planner.meshes.entry import HeadStart, SizingInput
from planner.meshes.istio_sidecar.sizing import IstioHeadStart
from planner.meshes.profiles import load_builtin_profile
from planner.meshes.registry import MESHES
from planner.pipeline import build_plan, head_start_for
from planner.workers import Once
from tests.conftest import DATA, SAMPLE_ARGS, run_cli


def _inventory() -> Inventory:
    return read_inventory(DATA / "cluster.csv", DATA / "services.csv")


def _request(inventory: Inventory, given: HeadStart | None) -> SizingInput:
    knobs = Knobs(mesh=MeshKind.CONSUL)
    profile = load_builtin_profile(MeshKind.CONSUL)
    return SizingInput(
        inventory, Once(lambda: inventory.workloads), None, profile, knobs, head_start=given
    )


def test_a_head_start_is_taken_only_for_its_own_inventory_and_mesh() -> None:
    inventory = _inventory()
    given = consul_head_start(inventory, Knobs(mesh=MeshKind.CONSUL))
    assert _request(inventory, given).ahead(ConsulHeadStart) is given
    # the same tables read again are another inventory: its sizing works out its own
    assert _request(_inventory(), given).ahead(ConsulHeadStart) is None
    assert _request(inventory, given).ahead(IstioHeadStart) is None
    assert _request(inventory, None).ahead(ConsulHeadStart) is None


def test_head_start_for_gives_the_mesh_s_own_or_none() -> None:
    inventory = _inventory()
    for kind, expected in (
        (MeshKind.CONSUL, ConsulHeadStart),
        (MeshKind.ISTIO_SIDECAR, IstioHeadStart),
    ):
        given = head_start_for(inventory, load_builtin_profile(kind), Knobs(mesh=kind))
        assert isinstance(given, expected)
        assert given.inventory is inventory
    # Linkerd reads nothing of the inventory alone that is worth a head start
    linkerd = load_builtin_profile(MeshKind.LINKERD)
    assert head_start_for(inventory, linkerd, Knobs(mesh=MeshKind.LINKERD)) is None


def _failing(inventory: Inventory, knobs: Knobs) -> HeadStart:
    raise PlannerError("the head start failed")


def _fail_consul_s_head_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Consul's registered entry, its head start failing (the registry keeps entries once
    imported)."""
    entry = MESHES[MeshKind.CONSUL]
    entries = MESHES._entries  # type: ignore[attr-defined]
    monkeypatch.setitem(entries, MeshKind.CONSUL, replace(entry, head_start=_failing))
    assert MESHES[MeshKind.CONSUL].head_start is _failing


def test_a_head_start_that_fails_is_left_to_the_sizing(monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_consul_s_head_start(monkeypatch)
    profile = load_builtin_profile(MeshKind.CONSUL)
    assert head_start_for(_inventory(), profile, Knobs(mesh=MeshKind.CONSUL)) is None


def test_the_cli_works_it_out_before_the_traffic_is_checked(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import planner.inputs.traffic
    import planner.pipeline

    order: list[str] = []
    work_ahead, check = planner.pipeline.head_start_for, planner.inputs.traffic.traffic_from

    def spied_head_start(*args: object) -> HeadStart | None:
        order.append("head start")
        return work_ahead(*args)  # type: ignore[arg-type]

    def spied_traffic(*args: object, **kwargs: object) -> object:
        order.append("traffic")
        return check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planner.pipeline, "head_start_for", spied_head_start)
    monkeypatch.setattr(planner.inputs.traffic, "traffic_from", spied_traffic)
    run = run_cli([*SAMPLE_ARGS, "--mesh", "consul", "--out", "out"], sample)
    assert run.exit_code == 0, run.stderr
    assert order == ["head start", "traffic"]


def test_a_failing_head_start_changes_no_output_and_no_error(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = [*SAMPLE_ARGS, "--mesh", "consul", "--format", "json"]
    assert run_cli([*args, "--out", "plain"], sample).exit_code == 0
    _fail_consul_s_head_start(monkeypatch)
    run = run_cli([*args, "--out", "failed"], sample)
    assert run.exit_code == 0, run.stderr
    plan = (sample / "plain" / "plan.json").read_bytes()
    assert (sample / "failed" / "plan.json").read_bytes() == plan
    # a bad traffic row is still the error the run ends with: the traffic table's, as before
    rows = (sample / "traffic.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cells = rows[1].split(",")
    cells[header.index("rps")] = "abc"
    rows[1] = ",".join(cells)
    (sample / "traffic.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = run_cli([*args, "--out", "bad"], sample)
    assert run.exit_code == 1
    assert run.stderr == (
        'Error: traffic.csv row 2 column rps: "abc" is not a number; write a number of requests '
        "per second such as 12.5\n"
    )
    assert not (sample / "bad").exists()


@pytest.mark.parametrize("kind", [MeshKind.ISTIO_SIDECAR, MeshKind.CONSUL, MeshKind.LINKERD])
def test_the_scoping_is_announced_once_before_the_rest_is_sized(
    kind: MeshKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Istio's sidecars and Consul announce their scoping before the proxies are protected
    against it (the rest of their sizing); the pipeline hands over the very object the plan
    holds, once. Linkerd has no scoping: nothing is announced."""
    import planner.meshes.consul.sizing
    import planner.meshes.istio_sidecar.sizing

    order: list[object] = []
    for module in (planner.meshes.consul.sizing, planner.meshes.istio_sidecar.sizing):
        real = module.protected

        def spied(*args: object, real: object = real) -> object:
            order.append("protected")
            return real(*args)  # type: ignore[operator]

        monkeypatch.setattr(module, "protected", spied)
    inventory = _inventory()
    traffic = read_traffic(DATA / "traffic.csv", inventory)
    knobs = Knobs(mesh=kind, traffic_window_seconds=7 * 86400.0)
    plan = build_plan(inventory, traffic, load_builtin_profile(kind), knobs, scoped=order.append)
    announced = [o for o in order if isinstance(o, ScopingPlan)]
    if kind is MeshKind.LINKERD:
        assert plan.scoping is None
        assert not announced
        return
    assert len(announced) == 1
    assert announced[0] is plan.scoping
    assert order.index(announced[0]) < order.index("protected")
