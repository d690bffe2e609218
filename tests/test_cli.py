"""The CLI as a user meets it: exact output on the sample, determinism, --help, --version."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from planner.version import __version__
from reports.summary import heaviest
from tests.conftest import REPO, SAMPLE_ARGS, assert_golden, run_cli
from tests.plans import large_plan


def test_sample_summary_and_outputs_are_exactly_as_reviewed(
    sample: Path, update_golden: bool
) -> None:
    run = run_cli([*SAMPLE_ARGS, "--format", "json", "--format", "sidecars"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == "planner-out/plan.json\nplanner-out/sidecars.yaml\n"
    assert_golden("sample-summary.txt", run.stderr.encode("utf-8"), update_golden)
    for name in ("plan.json", "sidecars.yaml"):
        assert_golden(f"sample-{name}", (sample / "planner-out" / name).read_bytes(), update_golden)


def test_same_inputs_give_the_same_bytes_whatever_the_row_order(sample: Path) -> None:
    first = run_cli([*SAMPLE_ARGS, "--out", "first"], cwd=sample)
    assert first.exit_code == 0, first.stderr
    rng = random.Random(7)
    for name in ("cluster.csv", "services.csv", "traffic.csv"):
        header, *rows = (sample / name).read_text("utf-8").splitlines()
        rng.shuffle(rows)
        (sample / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    second = run_cli([*SAMPLE_ARGS, "--out", "second"], cwd=sample)
    assert second.exit_code == 0, second.stderr
    assert (sample / "first" / "plan.json").read_bytes() == (
        sample / "second" / "plan.json"
    ).read_bytes()
    assert first.stderr == second.stderr


def test_plan_names_its_profile_knobs_and_inputs(sample: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--istio-version", "1.22", "--headroom-ratio", "0.4"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = json.loads((sample / "planner-out" / "plan.json").read_text("utf-8"))
    assert plan["schema_version"] == "2.5"
    assert plan["profile"]["name"] == "istio-sidecar"
    assert plan["profile"]["mesh_version"] == "1.22"
    assert plan["profile"]["mesh_chosen_by"] == "given by --istio-version"
    assert plan["knobs"] == {
        "mesh": "istio-sidecar",
        "mesh_version": "1.22",
        "waypoints": None,
        "headroom_ratio": 0.4,
        "min_control_plane_replicas": 2,
        "availability_zones": None,
        "pod_churn_ratio": 0.25,
        "min_gateway_replicas": 2,
        "scope_granularity": "workload",
        "mesh_root_namespace": "istio-system",
        "cluster_domain": "cluster.local",
        "traffic_window_seconds": 604800.0,
        "min_traffic_window_seconds": 604800.0,
        "min_edge_requests": 10.0,
        "max_export_namespaces": 3,
        "size_for": "scoped",
        "use_observed": True,
        "patch_threshold_ratio": 0.2,
        "inputs_date": None,
    }
    assert [(i["role"], i["name"]) for i in plan["inputs"]] == [
        ("workloads", "cluster.csv"),
        ("services", "services.csv"),
        ("traffic", "traffic.csv"),
    ]
    names = {a["name"] for a in plan["assumptions"]}
    assert "version.cpu_per_1000_rps_millicores" in names
    cpu = next(a for a in plan["assumptions"] if a["name"] == "version.cpu_per_1000_rps_millicores")
    assert cpu["value"] == 500.0
    assert cpu["figure_ids"] == ["perf-071", "perf-079", "perf-085"]


def test_version_flag() -> None:
    run = run_cli(["--version"], cwd=Path.cwd())
    assert run == type(run)(0, f"mesh-planner {__version__}\n", "")


def test_help_explains_every_option_with_an_example(tmp_path: Path) -> None:
    run = run_cli(["size", "--help"], cwd=tmp_path)
    assert run.exit_code == 0
    for option in (
        "--inventory",
        "--services",
        "--traffic",
        "--mesh",
        "--istio-version",
        "--profile",
        "--headroom-ratio",
        "--min-control-plane-replicas",
        "--min-gateway-replicas",
        "--format",
        "--out",
        "--force",
        "--top",
        "--traffic-window",
        "--min-traffic-window",
        "--min-edge-requests",
        "--scope-granularity",
        "--mesh-root-namespace",
        "--cluster-domain",
        "--max-export-namespaces",
        "--size-for",
        "--patch-threshold-ratio",
        "--inputs-date",
        "--namespace",
        "--strict",
    ):
        assert option in run.stdout, option
    assert "Example:" in run.stdout
    assert "planner size --inventory data/cluster.csv" in run.stdout
    top = run_cli(["--help"], cwd=tmp_path)
    assert top.exit_code == 0
    assert "size" in top.stdout
    # both examples scope, so both say how long the traffic was observed
    for shown in (run.stdout, top.stdout):
        example = " ".join(shown.split("Example:")[1].split())
        assert "--traffic data/traffic.csv --traffic-window 7d" in example


def test_the_early_traffic_reader_loads_no_plan_models() -> None:
    """The child that reads a large traffic table from the command's first instant
    (planner.inputs.early) imports pandas and the table reader, not pydantic and the plan's
    models: their import is time before it can start reading (issue 16)."""
    code = (
        "import sys\n"
        "import planner.inputs.traffic_table\n"
        "heavy = ('pydantic', 'typer', 'scipy', 'reports')\n"
        "plan = ('models.plan', 'planner.meshes', 'planner.model')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(plan)))\n"
    )
    assert _printed_alone(code) == "[]\n"


def test_top_level_help_loads_no_pydantic_and_no_prometheus_client() -> None:
    """`planner --help` lists the commands without pydantic (the options' choices are
    models.choices', Knobs is imported by the commands that build one), and no command's help
    imports pydantic (typer converts an unset top-level --help through it: planner.cli._Group
    leaves it False) or the Prometheus client (ssl, urllib: `planner collect` imports it when it
    runs)."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from planner.cli import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "print(sorted(m for m in ('pydantic', 'models.knobs', 'ssl', 'urllib.request',\n"
        "                         'planner.collect.prometheus') if m in sys.modules))\n"
        "for command in (['size'], ['compare'], ['review'], ['collect'], ['calibrate']):\n"
        "    assert CliRunner().invoke(app, [*command, '--help']).exit_code == 0, command\n"
        "print(sorted(m for m in ('pydantic', 'ssl', 'planner.collect.prometheus')\n"
        "             if m in sys.modules))\n"
    )
    assert _printed_alone(code) == "[]\n[]\n"


def _printed_alone(code: str) -> str:
    """What `code` prints, run by a Python of its own (a fresh set of imported modules); it
    must end without an error."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout


def test_help_loads_no_library() -> None:
    """`planner --help` answers from the flags' declarations alone: the library (pandas, scipy,
    openpyxl, jinja2, the reports, the plan's pydantic models) is imported by a command when it
    runs (issue 16)."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from planner.cli import app\n"
        "for command in ([], ['size'], ['compare'], ['review'], ['collect'], ['calibrate']):\n"
        "    args = [*command, '--help']\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        "heavy = sorted(m for m in ('pandas', 'numpy', 'scipy', 'openpyxl', 'jinja2', 'reports',\n"
        "                           'models.plan', 'models.compare', 'models.review')\n"
        "               if m in sys.modules)\n"
        "print(heavy)\n"
    )
    assert _printed_alone(code) == "[]\n"


def test_the_heaviest_proxies_are_the_first_of_every_sized_workload_sorted() -> None:
    # the summary picks its heaviest proxies without sorting every workload: the same ones, in
    # the same order, as the whole sort would give, ties (copies of the sample's figures) broken
    # by namespace and name
    plan = large_plan(600)
    sized = [w for w in plan.workloads if w.proxy is not None]
    assert len(
        {(w.proxy.memory_request_mib, w.proxy.cpu_request_millicores) for w in sized if w.proxy}
    ) < len(sized)
    random.Random(3).shuffle(sized)
    ordered = sorted(
        sized,
        key=lambda w: (
            -(w.proxy.memory_request_mib if w.proxy else 0),
            -(w.proxy.cpu_request_millicores if w.proxy else 0),
            w.namespace,
            w.workload,
        ),
    )
    shuffled = plan.model_copy(update={"workloads": tuple(sized)})
    for top in (0, 1, 10, 599, 1000):
        assert heaviest(shuffled, top) == ordered[:top]
