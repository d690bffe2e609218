"""The cluster's nodes (`--nodes N`, a nodes table, a pod table's node column): what the mesh
costs each node, and clear errors for node data that cannot be used."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from models.plan import Plan
from tests.conftest import DATA, SAMPLE_ARGS, run_cli, write

NODES = """\
node,pods,cpu_cores,memory_gib
node-b,20,8,32
node-a,40,8,32
node-c,12,8,32
"""


def _plan(folder: Path, out: str = "planner-out") -> Plan:
    return Plan.model_validate_json((folder / out / "plan.json").read_bytes())


def test_a_count_spreads_the_pods_evenly(sample: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--nodes", "12"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = _plan(sample)
    nodes = plan.nodes
    assert nodes is not None
    assert (nodes.count, nodes.source, nodes.spread) == (12, "--nodes 12", "assumed even")
    assert nodes.pods_per_node_max is None
    assert nodes.busiest_node_share_ratio == pytest.approx(1 / 12, abs=1e-6)
    mesh = plan.totals.mesh
    assert nodes.mesh_cpu_request_cores_per_node == round(mesh.cpu_request_cores / 12, 3)
    assert nodes.mesh_memory_request_gib_per_node == round(mesh.memory_request_gib / 12, 3)
    assert nodes.busiest_node_sidecar_cpu_request_cores == round(
        plan.totals.sidecars.cpu_request_cores / 12, 3
    )
    assert nodes.cpu_cores is None
    assert nodes.mesh_share_of_cpu_ratio is None
    line = next(x for x in run.stderr.splitlines() if x.startswith("  per node"))
    assert line == (
        "  per node (12 nodes from --nodes 12; pods assumed spread evenly): "
        f"{nodes.mesh_cpu_request_cores_per_node:,.2f} cores, "
        f"{nodes.mesh_memory_request_gib_per_node:,.2f} GiB on average; the busiest node's "
        f"sidecars {nodes.busiest_node_sidecar_cpu_request_cores:,.2f} cores, "
        f"{nodes.busiest_node_sidecar_memory_request_gib:,.2f} GiB"
    )


def test_a_nodes_table_gives_the_spread_and_the_capacity(sample: Path) -> None:
    write(sample / "nodes.csv", NODES)
    run = run_cli([*SAMPLE_ARGS, "--nodes", "nodes.csv"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = _plan(sample)
    nodes = plan.nodes
    assert nodes is not None
    assert (nodes.count, nodes.spread) == (3, "as given")
    assert (nodes.pods_per_node_min, nodes.pods_per_node_median, nodes.pods_per_node_max) == (
        12,
        20.0,
        40,
    )
    assert nodes.busiest_node_share_ratio == pytest.approx(40 / 72, abs=1e-6)
    assert (nodes.cpu_cores, nodes.memory_gib) == (24.0, 96.0)
    mesh = plan.totals.mesh
    assert nodes.mesh_share_of_cpu_ratio == pytest.approx(mesh.cpu_request_cores / 24, abs=1e-6)
    side = plan.totals.sidecars.cpu_request_cores * 40 / 72
    assert nodes.busiest_node_sidecar_cpu_request_cores == pytest.approx(side, abs=1e-3)
    assert ("nodes", "nodes.csv", 3) in {(f.role, f.name, f.rows) for f in plan.inputs}
    crowded = next(f for f in plan.findings if f.code == "sidecars-crowd-busiest-node")
    assert crowded.subject == "40 pods on the busiest node"
    assert f"{side / 8:.0%} of its allocatable CPU" in crowded.message
    assert "mesh vs the nodes' allocatable: CPU" in run.stderr


def test_the_bundled_nodes_fit_the_sample(sample: Path) -> None:
    shutil.copy(DATA / "nodes.csv", sample / "nodes.csv")
    run = run_cli([*SAMPLE_ARGS, "--nodes", "nodes.csv"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = _plan(sample)
    assert plan.nodes is not None
    assert plan.nodes.count == 6
    # the sample's 176 pods, as the scheduler spread them
    pods = sum(w.replicas for w in plan.workloads)
    assert plan.nodes.pods_per_node_min is not None
    assert plan.nodes.busiest_node_share_ratio == pytest.approx(31 / pods, abs=1e-6)
    assert "sidecars-crowd-busiest-node" not in {f.code for f in plan.findings}


POD_TABLE = """\
namespace,pod,workload,node,rps
shop,web-1,web,node-1,10
shop,web-2,web,node-2,10
shop,api-1,api,node-1,5
"""


def test_a_pod_tables_node_column_gives_the_nodes(tmp_path: Path) -> None:
    write(tmp_path / "pods.csv", POD_TABLE)
    run = run_cli(["size", "-i", "pods.csv"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    nodes = _plan(tmp_path).nodes
    assert nodes is not None
    assert (nodes.count, nodes.source) == (2, "the pod table's node column")
    assert (nodes.pods_per_node_min, nodes.pods_per_node_max) == (1, 2)
    # the flag wins, and says so
    run = run_cli(["size", "-i", "pods.csv", "--nodes", "5", "-o", "flag"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = _plan(tmp_path, "flag")
    assert plan.nodes is not None
    assert plan.nodes.count == 5
    twice = next(f for f in plan.findings if f.code == "nodes-given-twice")
    assert twice.message == "the pod table's node column names 2 nodes too; --nodes 5 is used"


def test_the_order_of_the_nodes_changes_no_byte(sample: Path) -> None:
    write(sample / "a.csv", NODES)
    lines = NODES.splitlines()
    write(sample / "b.csv", "\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    outs = []
    for name in ("a", "b"):
        run = run_cli([*SAMPLE_ARGS, "--nodes", f"{name}.csv", "-o", name], cwd=sample)
        assert run.exit_code == 0, run.stderr
        outs.append((sample / name / "plan.json").read_bytes().replace(b"b.csv", b"a.csv"))
    assert outs[0] == outs[1]


@pytest.mark.parametrize(
    ("value", "table", "message"),
    [
        ("0", None, "--nodes 0: give between 1 and 100,000 nodes, or the path of a nodes table"),
        (
            "100001",
            None,
            "--nodes 100001: give between 1 and 100,000 nodes, or the path of a nodes table",
        ),
        (
            "nodes.csv",
            None,
            "--nodes nodes.csv: no such file, and not a number of nodes; give a whole number "
            "(--nodes 40) or a nodes table with a node column",
        ),
        (
            "nodes.csv",
            "node,pods\na,3\nb,4\na,5\n",
            'nodes.csv rows 2 and 4: node "a" appears twice; keep one row per node',
        ),
        (
            "nodes.csv",
            "node,pods\na,3\nb,-4\n",
            'nodes.csv row 3 column pods: "-4" is negative; write a whole number of pods such as 3',
        ),
        (
            "nodes.csv",
            "node,cpu_cores\na,8\nb,eight\n",
            'nodes.csv row 3 column cpu_cores: "eight" is not a number; write a number of cores '
            "such as 12.5",
        ),
        (
            "nodes.csv",
            "node,pods\n",
            "nodes.csv: the table has a header but no rows; add one row per record",
        ),
    ],
)
def test_node_data_that_cannot_be_used_is_a_clear_error(
    sample: Path, value: str, table: str | None, message: str
) -> None:
    if table is not None:
        write(sample / "nodes.csv", table)
    run = run_cli([*SAMPLE_ARGS, "--nodes", value], cwd=sample)
    assert run.exit_code == 1
    assert run.stderr == f"Error: {message}\n"
    assert not (sample / "planner-out").exists()
