"""`planner compare`: one inventory sized for every data plane side by side, each row the same
numbers as that mesh's own `planner size` run, deterministic, with clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from models.compare import Comparison
from models.formats import DataPlane
from models.plan import Plan
from tests.conftest import DATA, SAMPLE_ARGS, run_cli

INPUTS = SAMPLE_ARGS[1:]
SIZE_FLAGS = {
    DataPlane.ISTIO_SIDECAR: ["--mesh", "istio-sidecar"],
    DataPlane.ISTIO_AMBIENT: ["--mesh", "istio-ambient", "--waypoints", "none"],
    DataPlane.ISTIO_AMBIENT_WAYPOINTS: ["--mesh", "istio-ambient", "--waypoints", "namespace"],
    DataPlane.LINKERD: ["--mesh", "linkerd"],
    DataPlane.CONSUL: ["--mesh", "consul"],
}


@pytest.fixture
def nodes(sample: Path) -> Path:
    shutil.copy(DATA / "nodes.csv", sample / "nodes.csv")
    return sample


def _compare(folder: Path, *extra: str, out: str = "planner-compare") -> Comparison:
    run = run_cli(["compare", *INPUTS, "--nodes", "nodes.csv", *extra, "-o", out], cwd=folder)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == f"{out}/compare.json\n"
    return Comparison.model_validate_json((folder / out / "compare.json").read_bytes())


def test_every_row_is_the_single_mesh_run(nodes: Path) -> None:
    comparison = _compare(nodes)
    assert [r.data_plane for r in comparison.rows] == list(DataPlane)
    assert comparison.baseline is DataPlane.ISTIO_SIDECAR
    for row in comparison.rows:
        out = f"size-{row.data_plane.value}"
        args = [*SAMPLE_ARGS, "--nodes", "nodes.csv", *SIZE_FLAGS[row.data_plane], "-o", out]
        run = run_cli(args, cwd=nodes)
        assert run.exit_code == 0, run.stderr
        plan = Plan.model_validate_json((nodes / out / "plan.json").read_bytes())
        assert row.totals == plan.totals, row.data_plane
        assert row.mesh_version == plan.profile.mesh_version
        assert plan.nodes is not None
        assert row.per_node_cpu_request_cores == plan.nodes.mesh_cpu_request_cores_per_node
        base = comparison.rows[0].totals.mesh
        assert row.difference.cpu_request_cores == pytest.approx(
            plan.totals.mesh.cpu_request_cores - base.cpu_request_cores, abs=1e-3
        )


def test_the_summary_table_and_what_each_needs(nodes: Path) -> None:
    args = ["--data-plane", "istio-sidecar", "--data-plane", "istio-ambient-waypoints"]
    run = run_cli(["compare", *INPUTS, "--nodes", "nodes.csv", *args], cwd=nodes)
    assert run.exit_code == 0, run.stderr
    lines = run.stderr.splitlines()
    assert lines[0] == (
        "mesh-planner 0.1.0: 2 data planes for the same inventory, headroom 0.25; requests in "
        "cores / GiB, against istio-sidecar"
    )
    assert lines[1].split()[:3] == ["data", "plane", "version"]
    assert lines[2].split()[0] == "istio-sidecar"
    assert lines[2].endswith("baseline")
    assert lines[3].split()[0] == "istio-ambient-waypoints"
    assert lines[-1].startswith(
        "istio-ambient-waypoints (Istio, ambient mode): on every node: ztunnel, istio-cni "
        "(6 nodes); 7 waypoints"
    )


def test_the_same_inputs_in_another_order_give_the_same_bytes(nodes: Path) -> None:
    first = _compare(nodes, out="a")
    text = (nodes / "cluster.csv").read_text("utf-8").splitlines()
    (nodes / "cluster.csv").write_text("\n".join([text[0], *reversed(text[1:])]) + "\n", "utf-8")
    second = _compare(nodes, out="b")
    assert first == second
    assert (nodes / "a" / "compare.json").read_bytes() == (
        nodes / "b" / "compare.json"
    ).read_bytes()


def test_a_baseline_outside_the_comparison_is_refused(nodes: Path) -> None:
    args = ["compare", *INPUTS, "--data-plane", "linkerd", "--baseline", "consul"]
    run = run_cli(args, cwd=nodes)
    assert run.exit_code == 2
    assert run.stderr == (
        "Error: --baseline consul: not among the data planes compared; add --data-plane consul "
        "or choose one of linkerd\n"
    )


def test_ambient_without_nodes_is_a_clear_error(sample: Path) -> None:
    run = run_cli(["compare", *INPUTS], cwd=sample)
    assert run.exit_code == 1
    assert run.stderr.startswith(
        "Error: Istio ambient runs a ztunnel and an istio-cni agent on every node"
    )
    assert not (sample / "planner-compare").exists()
    run = run_cli(
        ["compare", *INPUTS, "--data-plane", "linkerd", "--data-plane", "consul"], cwd=sample
    )
    assert run.exit_code == 0, run.stderr
    comparison = Comparison.model_validate_json(
        (sample / "planner-compare" / "compare.json").read_bytes()
    )
    assert comparison.nodes is None
    assert comparison.rows[0].per_node_cpu_request_cores is None


@pytest.mark.parametrize("data_plane", list(DataPlane))
@pytest.mark.parametrize("window", [7 * 86400.0, None])
def test_a_plan_sized_for_compare_is_the_full_plan_as_compare_reads_it(
    data_plane: DataPlane, window: float | None
) -> None:
    """`planner compare` sizes each data plane without the workloads' records and the scoping's
    resources, which it never reads: what it reads is the same as from the whole plan."""
    from models.knobs import Knobs
    from planner.compare import compared, size_data_plane
    from planner.inputs.load import read_inventory
    from planner.inputs.nodes import parse_nodes_option
    from planner.inputs.traffic import read_traffic
    from planner.pipeline import rated_workloads

    inventory = read_inventory(DATA / "cluster.csv", DATA / "services.csv")
    traffic = read_traffic(DATA / "traffic.csv", inventory)
    nodes = parse_nodes_option("12")
    knobs = Knobs(traffic_window_seconds=window)
    whole = size_data_plane(inventory, traffic, knobs, data_plane, nodes, resources=True)
    # the rates worked out once, as compare shares them: sizing with them changes nothing in them
    rated = rated_workloads(inventory, traffic, knobs.use_observed)
    kept = rated.copy()
    lean = size_data_plane(inventory, traffic, knobs, data_plane, nodes, rated)
    assert rated.equals(kept)
    assert whole.workloads  # the case is not empty
    assert lean.workloads == ()
    if data_plane in (DataPlane.ISTIO_SIDECAR, DataPlane.CONSUL):
        assert whole.scoping is not None
        assert lean.scoping is not None
        written = (*whole.scoping.sidecars, *whole.scoping.intentions)
        assert written  # resources that compare does not write
        assert (*lean.scoping.sidecars, *lean.scoping.intentions) == ()
    assert compared(lean) == compared(whole)
    assert compared(lean).model_dump_json() == compared(whole).model_dump_json()


@pytest.mark.parametrize("data_plane", list(DataPlane))
def test_a_head_start_changes_nothing_compare_reads(data_plane: DataPlane) -> None:
    """A data plane sized with its mesh's head start (worked out while the traffic table is
    read) gives what it gives without one; only Istio's sidecars and Consul have one."""
    from models.knobs import Knobs
    from planner.compare import data_plane_head_start, size_data_plane
    from planner.inputs.load import read_inventory
    from planner.inputs.nodes import parse_nodes_option
    from planner.inputs.traffic import read_traffic

    inventory = read_inventory(DATA / "cluster.csv", DATA / "services.csv")
    traffic = read_traffic(DATA / "traffic.csv", inventory)
    nodes = parse_nodes_option("12")
    knobs = Knobs(traffic_window_seconds=7 * 86400.0)
    given = data_plane_head_start(inventory, knobs, data_plane)
    assert (given is not None) == (data_plane in (DataPlane.ISTIO_SIDECAR, DataPlane.CONSUL))
    alone = size_data_plane(inventory, traffic, knobs, data_plane, nodes)
    ahead = size_data_plane(inventory, traffic, knobs, data_plane, nodes, head_start=given)
    assert ahead.model_dump_json() == alone.model_dump_json()


def test_head_starts_are_worked_out_only_while_the_traffic_table_is_read() -> None:
    from models.knobs import Knobs
    from planner.compare import head_starts
    from planner.inputs.load import read_inventory
    from planner.meshes.istio_sidecar.sizing import IstioHeadStart

    inventory = read_inventory(DATA / "cluster.csv", DATA / "services.csv")
    knobs = Knobs()
    started = head_starts(inventory, knobs, list(DataPlane), lambda: True)
    assert list(started) == [DataPlane.ISTIO_SIDECAR]
    assert isinstance(started[DataPlane.ISTIO_SIDECAR], IstioHeadStart)
    assert started[DataPlane.ISTIO_SIDECAR].inventory is inventory
    assert head_starts(inventory, knobs, list(DataPlane), lambda: False) == {}
    others = [d for d in DataPlane if d is not DataPlane.ISTIO_SIDECAR]
    assert head_starts(inventory, knobs, others, lambda: True) == {}


def test_compare_works_out_the_head_start_before_the_traffic_is_checked(
    nodes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the traffic table is still being read (here made to seem so), the head start is
    worked out first, and compare.json is the same bytes."""
    import planner.compare
    import planner.inputs.traffic
    from planner.workers import Ahead

    plain = _compare(nodes, out="plain")
    order: list[str] = []
    work_ahead, check = planner.compare.data_plane_head_start, planner.inputs.traffic.traffic_from

    def spied_head_start(*args: Any) -> Any:
        order.append(f"head start {args[2].value}")
        return work_ahead(*args)

    def spied_traffic(*args: Any, **kwargs: Any) -> Any:
        order.append("traffic")
        return check(*args, **kwargs)

    monkeypatch.setattr(planner.compare, "data_plane_head_start", spied_head_start)
    monkeypatch.setattr(planner.inputs.traffic, "traffic_from", spied_traffic)
    monkeypatch.setattr(Ahead, "running", lambda self: True)
    ahead = _compare(nodes, out="ahead")
    assert order == ["head start istio-sidecar", "traffic"]
    assert ahead == plain
    written = (nodes / "ahead" / "compare.json").read_bytes()
    assert written == (nodes / "plain" / "compare.json").read_bytes()
