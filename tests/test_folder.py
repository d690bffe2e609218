"""A folder of tables as `planner collect` writes it, given as --inventory: its tables, and the
window and date its collect.json records, each where no flag says otherwise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, SAMPLE_ARGS, Run, run_cli, write

RECORD = {
    "schema_version": "1",
    "server": "http://127.0.0.1:9090",
    "mesh": "istio-sidecar",
    "end": "2026-11-20T06:00:00Z",
    "window": "7d",
    "window_seconds": 7 * 86400,
    "queries": [{"name": "requests", "query": "sum by (...) (increase(...[7d]))"}],
}
TAKEN = [
    "traffic.csv taken from the --inventory folder as the traffic table (no --traffic given)",
    "traffic window of 7d taken from collect.json (window_seconds 604800; no --traffic-window "
    "given)",
    "inputs date 2026-11-20 taken from collect.json (the date of end; no --inputs-date given)",
]


def collected(folder: Path, record: dict[str, Any] | None = RECORD) -> Path:
    """The sample as planner collect lays it out in `folder`."""
    folder.mkdir(parents=True)
    shutil.copy(DATA / "cluster.csv", folder / "workloads.csv")
    shutil.copy(DATA / "services.csv", folder / "services.csv")
    shutil.copy(DATA / "traffic.csv", folder / "traffic.csv")
    if record is not None:
        (folder / "collect.json").write_text(json.dumps(record, indent=2), "utf-8")
    return folder


def plan_of(folder: Path, out: str = "planner-out") -> dict[str, Any]:
    plan: dict[str, Any] = json.loads((folder / out / "plan.json").read_text("utf-8"))
    return plan


def test_a_folder_of_tables_sizes_as_the_flags_would(sample: Path) -> None:
    collected(sample / "collected")
    run = run_cli(["size", "--inventory", "collected", "--out", "folder"], cwd=sample)
    assert (run.exit_code, run.stdout) == (0, "folder/plan.json\n"), run.stderr
    for message in TAKEN:
        assert f"  - collected/: {message}\n" in run.stderr
    flags = run_cli([*SAMPLE_ARGS, "--inputs-date", "2026-11-20", "--out", "flags"], cwd=sample)
    assert flags.exit_code == 0, flags.stderr
    folder, given = plan_of(sample, "folder"), plan_of(sample, "flags")
    assert [f["message"] for f in folder["findings"][:3]] == TAKEN
    assert folder["findings"][3:] == given["findings"]
    assert folder["knobs"] == given["knobs"]
    # the same tables: only the workloads table's file name differs
    assert [{**i, "name": ""} for i in folder["inputs"]] == [
        {**i, "name": ""} for i in given["inputs"]
    ]
    assert [i["name"] for i in folder["inputs"]] == ["workloads.csv", "services.csv", "traffic.csv"]
    strip = ("inputs", "findings")
    assert {k: v for k, v in folder.items() if k not in strip} == {
        k: v for k, v in given.items() if k not in strip
    }


def test_flags_win_over_the_folder(sample: Path) -> None:
    collected(sample / "collected")
    write(
        sample / "other.csv",
        "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        "storefront,web,catalog,product-catalog,5\n",
    )
    args = ["size", "--inventory", "collected", "--traffic", "other.csv"]
    run = run_cli([*args, "--traffic-window", "24h", "--inputs-date", "2026-12-01"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = plan_of(sample)
    assert "collected/:" not in run.stderr
    assert not [f for f in plan["findings"] if f["code"].endswith("-from-folder")]
    assert plan["inputs"][-1]["name"] == "other.csv"
    assert plan["knobs"]["traffic_window_seconds"] == 86400
    assert plan["knobs"]["inputs_date"] == "2026-12-01"


def test_a_folder_with_workloads_alone(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    write(tmp_path / "tables" / "workloads.csv", "namespace,workload,replicas,rps\nshop,web,2,10\n")
    run = run_cli(["size", "--inventory", "tables"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = plan_of(tmp_path)
    assert [i["name"] for i in plan["inputs"]] == ["workloads.csv"]
    assert not [f for f in plan["findings"] if f["code"].endswith("-from-folder")]
    assert plan["knobs"]["traffic_window_seconds"] is None
    assert plan["scoping"] is None


def test_a_collect_record_without_the_keys_gives_nothing(sample: Path) -> None:
    collected(sample / "collected", {"schema_version": "1", "server": "http://x"})
    run = run_cli(["size", "--inventory", "collected"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = plan_of(sample)
    assert [f["message"] for f in plan["findings"] if f["code"].endswith("-from-folder")] == [
        TAKEN[0]
    ]
    assert plan["knobs"]["traffic_window_seconds"] is None
    assert plan["knobs"]["inputs_date"] is None


def test_the_end_date_is_the_date_as_collect_json_writes_it(sample: Path) -> None:
    collected(sample / "collected", {**RECORD, "end": "2026-11-20T23:30:00-05:00"})
    assert run_cli(["size", "--inventory", "collected"], cwd=sample).exit_code == 0
    assert plan_of(sample)["knobs"]["inputs_date"] == "2026-11-20"


def test_plan_of_a_table_folder_does_not_depend_on_where_it_lies(sample: Path) -> None:
    collected(sample / "a" / "run")
    collected(sample / "b" / "c" / "run")
    for where, out in (("a/run", "one"), ("b/c/run/", "two")):
        assert run_cli(["size", "-i", where, "-o", out], cwd=sample).exit_code == 0
    assert (sample / "one" / "plan.json").read_bytes() == (
        sample / "two" / "plan.json"
    ).read_bytes()


def test_services_flag_with_a_table_folder_is_an_error(sample: Path) -> None:
    collected(sample / "collected")
    run = run_cli(["size", "-i", "collected", "--services", "services.csv"], cwd=sample)
    assert run == Run(
        exit_code=1,
        stdout="",
        stderr="Error: services.csv: --services cannot be combined with a folder of tables "
        "(collected holds workloads.csv, and its services.csv is read when present); leave "
        "--services out, or give the workloads table itself\n",
    )
    assert not (sample / "planner-out").exists()


def test_namespace_flag_with_a_table_folder_is_an_error(sample: Path) -> None:
    collected(sample / "collected")
    run = run_cli(["size", "-i", "collected", "--namespace", "shop"], cwd=sample)
    assert run == Run(
        exit_code=1,
        stdout="",
        stderr="Error: --namespace shop: collected is a table, whose rows name their namespace; "
        "--namespace places manifest objects that name none, so leave it out\n",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"window_seconds": 604800,',
            "collected/collect.json line 1: not valid JSON (Expecting property name enclosed in "
            "double quotes); write it again with planner collect, or remove it (the tables are "
            "read without it)",
        ),
        (
            "[1, 2]",
            "collected/collect.json: not a JSON object as planner collect writes it; write it "
            "again with planner collect, or remove it",
        ),
        (
            '{"window_seconds": "7d"}',
            'collected/collect.json key window_seconds: "7d" is not a whole number of seconds; '
            "fix it (a week is 604800) or remove the key",
        ),
        (
            '{"window_seconds": 86400.5}',
            'collected/collect.json key window_seconds: "86400.5" is not a whole number of '
            "seconds; fix it (a week is 604800) or remove the key",
        ),
        (
            '{"window_seconds": true}',
            "collected/collect.json key window_seconds: true/false is not a whole number of "
            "seconds; fix it (a week is 604800) or remove the key",
        ),
        (
            '{"window_seconds": 0}',
            "collected/collect.json key window_seconds: 0 is not a positive number of seconds; "
            "fix it (a week is 604800) or remove the key",
        ),
        (
            '{"end": "2026-11-20"}',
            'collected/collect.json key end: "2026-11-20" is not an RFC 3339 time such as '
            "2026-11-20T00:00:00Z; fix it or remove the key",
        ),
        (
            '{"end": "2026-11-20T06:00:00"}',
            'collected/collect.json key end: "2026-11-20T06:00:00" is not an RFC 3339 time such '
            "as 2026-11-20T00:00:00Z; fix it or remove the key",
        ),
        (
            '{"end": 1763618400}',
            'collected/collect.json key end: "1763618400" is not an RFC 3339 time such as '
            "2026-11-20T00:00:00Z; fix it or remove the key",
        ),
        (
            '{"end": "2026-02-30T00:00:00Z"}',
            'collected/collect.json key end: "2026-02-30T00:00:00Z" is not an RFC 3339 time such '
            "as 2026-11-20T00:00:00Z; fix it or remove the key",
        ),
    ],
    ids=[
        "json",
        "not-an-object",
        "window-text",
        "window-fraction",
        "window-bool",
        "window-zero",
        "end-date-only",
        "end-no-offset",
        "end-number",
        "end-no-such-day",
    ],
)
def test_a_malformed_collect_json_is_one_error_line(
    sample: Path, content: str, message: str
) -> None:
    folder = collected(sample / "collected", None)
    (folder / "collect.json").write_text(content, "utf-8")
    run = run_cli(["size", "--inventory", "collected"], cwd=sample)
    assert run == Run(exit_code=1, stdout="", stderr=f"Error: {message}\n")
    assert not (sample / "planner-out").exists()


def test_workloads_csv_makes_a_folder_of_tables_even_beside_manifests(sample: Path) -> None:
    folder = collected(sample / "collected")
    write(folder / "notes.yaml", "not: a manifest\n")
    run = run_cli(["size", "--inventory", "collected"], cwd=sample)
    assert run.exit_code == 0, run.stderr


def test_the_folder_nodes_table_is_the_nodes(sample: Path) -> None:
    folder = collected(sample / "collected")
    shutil.copy(DATA / "nodes.csv", folder / "nodes.csv")
    shutil.copy(DATA / "nodes.csv", sample / "nodes.csv")
    run = run_cli(["size", "--inventory", "collected", "--out", "folder"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    taken = "nodes.csv taken from the --inventory folder as the nodes table (no --nodes given)"
    assert f"  - collected/: {taken}\n" in run.stderr
    args = [*SAMPLE_ARGS, "--inputs-date", "2026-11-20", "--nodes", "nodes.csv", "--out", "flags"]
    flags = run_cli(args, cwd=sample)
    assert flags.exit_code == 0, flags.stderr
    folder_plan, given = plan_of(sample, "folder"), plan_of(sample, "flags")
    assert folder_plan["nodes"] == given["nodes"]
    assert folder_plan["nodes"]["count"] == 6
    assert folder_plan["totals"] == given["totals"]
    # --nodes wins over the folder's table
    three = run_cli(["size", "--inventory", "collected", "--nodes", "3", "-o", "three"], cwd=sample)
    assert three.exit_code == 0, three.stderr
    assert "nodes.csv taken" not in three.stderr
    assert plan_of(sample, "three")["nodes"]["count"] == 3


def test_compare_reads_a_folder_of_tables_as_size_does(sample: Path) -> None:
    folder = collected(sample / "collected")
    shutil.copy(DATA / "nodes.csv", folder / "nodes.csv")
    shutil.copy(DATA / "nodes.csv", sample / "nodes.csv")
    run = run_cli(["compare", "--inventory", "collected", "--out", "folder"], cwd=sample)
    assert (run.exit_code, run.stdout) == (0, "folder/compare.json\n"), run.stderr
    args = ["compare", "--inventory", "cluster.csv", "--services", "services.csv"]
    args += ["--traffic", "traffic.csv", "--traffic-window", "7d", "--nodes", "nodes.csv"]
    flags = run_cli([*args, "--out", "flags"], cwd=sample)
    assert flags.exit_code == 0, flags.stderr
    assert run.stderr == flags.stderr
    folder_json, given = (
        json.loads((sample / out / "compare.json").read_text("utf-8"))
        for out in ("folder", "flags")
    )
    # the same tables: only the workloads table's file name differs
    assert folder_json["inputs"][0]["name"] == "workloads.csv"
    folder_json["inputs"][0]["name"] = "cluster.csv"
    # and the date of the inputs, which only collect.json gives compare
    assert (folder_json["knobs"]["inputs_date"], given["knobs"]["inputs_date"]) == (
        "2026-11-20",
        None,
    )
    folder_json["knobs"]["inputs_date"] = None
    assert folder_json == given
