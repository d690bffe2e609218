"""`planner review`: last quarter's plan against this quarter's, the sidecars' change attributed
to drivers that add up to it, on the sample's history (data/history/, tools/snapshots.py)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from models.plan import SCHEMA_VERSION
from models.review import Review
from tests.conftest import DATA, assert_golden, run_cli, write

LAST = DATA / "history" / "2026-08-20"


def _size(folder: Path, source: Path, out: str, *extra: str) -> Path:
    args = ["size", "-i", str(source / "cluster.csv"), "--services", str(source / "services.csv")]
    args += ["--traffic", str(source / "traffic.csv"), "--traffic-window", "7d", *extra]
    run = run_cli([*args, "-o", out], cwd=folder)
    assert run.exit_code == 0, run.stderr
    return folder / out / "plan.json"


def _review(folder: Path, baseline: str, current: str, out: str = "review") -> Review:
    run = run_cli(["review", "--baseline", baseline, "--current", current, "-o", out], cwd=folder)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == f"{out}/review.json\n"
    return Review.model_validate_json((folder / out / "review.json").read_bytes())


def _sums(review: Review) -> tuple[float, float]:
    cpu = sum(d.cpu_request_cores for d in review.sidecar_drivers)
    memory = sum(d.memory_request_gib for d in review.sidecar_drivers)
    return cpu, memory


def test_a_plan_reviewed_against_itself_has_nothing_to_say(tmp_path: Path) -> None:
    _size(tmp_path, DATA, "q4", "--inputs-date", "2026-11-20")
    review = _review(tmp_path, "q4/plan.json", "q4/plan.json")
    assert all(p.pods.delta == p.cpu_request_cores.delta == 0 for p in review.parts)
    assert all(d.cpu_request_cores == d.memory_request_gib == 0 for d in review.sidecar_drivers)
    assert review.workloads == ()
    assert review.notes == ()


def test_last_quarter_against_this_one_is_exactly_as_reviewed(
    tmp_path: Path, update_golden: bool
) -> None:
    _size(tmp_path, LAST, "q3", "--inputs-date", "2026-08-20")
    _size(tmp_path, DATA, "q4", "--inputs-date", "2026-11-20")
    run = run_cli(
        ["review", "--baseline", "q3/plan.json", "--current", "q4/plan.json"], cwd=tmp_path
    )
    assert run.exit_code == 0, run.stderr
    assert_golden("review-sample-summary.txt", run.stderr.encode("utf-8"), update_golden)
    body = (tmp_path / "review" / "review.json").read_bytes()
    assert_golden("review-sample.json", body, update_golden)
    review = Review.model_validate_json(body)
    # the drivers add up to the change, and the recomputation places all of it
    sidecars = review.parts[0]
    cpu, memory = _sums(review)
    # (the plan's totals are rounded to 0.001)
    assert cpu == pytest.approx(sidecars.cpu_request_cores.delta, abs=2e-3)
    assert memory == pytest.approx(sidecars.memory_request_gib.delta, abs=2e-3)
    drivers = {d.code: d for d in review.sidecar_drivers}
    assert drivers["not-attributed"].cpu_request_cores == pytest.approx(0, abs=1e-6)
    # the history's law: the busy Deployments one pod more, traffic 20 % up, one workload in
    # and one out, nothing else
    assert sidecars.pods.delta == 10
    assert drivers["pods"].cpu_request_cores > 0
    assert drivers["traffic"].cpu_request_cores > 0
    for quiet in ("services", "scoping", "observed-usage", "model", "headroom"):
        assert drivers[quiet].cpu_request_cores == drivers[quiet].memory_request_gib == 0, quiet
    status = {(w.namespace, w.workload): w.status for w in review.workloads}
    assert status[("payments", "gift-cards")] == "added"
    assert status[("catalog", "legacy-search")] == "removed"
    for workload in review.workloads:
        share = sum(d.cpu_request_cores for d in workload.drivers)
        assert share == pytest.approx(workload.cpu_request_cores.delta, abs=1e-6)


def test_a_version_and_a_knob_are_drivers_of_their_own(tmp_path: Path) -> None:
    _size(tmp_path, DATA, "old", "--istio-version", "1.22")
    _size(tmp_path, DATA, "new", "--headroom-ratio", "0.4")
    review = _review(tmp_path, "old/plan.json", "new/plan.json")
    drivers = {d.code: d.cpu_request_cores for d in review.sidecar_drivers}
    assert drivers["model"] < 0  # 1.24's sidecar costs less CPU per request than 1.22's
    assert drivers["headroom"] > 0
    assert drivers["pods"] == drivers["traffic"] == drivers["not-attributed"] == 0
    total = review.parts[0].cpu_request_cores.delta
    assert sum(drivers.values()) == pytest.approx(total, abs=2e-3)
    assert "knob headroom_ratio: 0.25 -> 0.4" in review.notes
    assert review.notes[0].startswith("mesh version 1.22 -> 1.24")


def test_scoping_and_the_mesh_growing_are_drivers_of_their_own(tmp_path: Path) -> None:
    # the sample with 2,000 more Services (one port each), so that what a proxy holds lifts its
    # memory above the request floor
    bigger = tmp_path / "bigger"
    bigger.mkdir()
    for name in ("cluster.csv", "traffic.csv"):
        shutil.copy(DATA / name, bigger / name)
    services = (DATA / "services.csv").read_text("utf-8").splitlines()
    assert services[0] == "namespace,service,ports,type,protocol,workload"
    extra = [f"catalog,extra-{n},1,ClusterIP,http,search-api" for n in range(2000)]
    write(bigger / "services.csv", "\n".join(services + extra) + "\n")
    _size(tmp_path, bigger, "whole", "--size-for", "unscoped")
    _size(tmp_path, bigger, "scoped")
    drivers = {
        d.code: d for d in _review(tmp_path, "whole/plan.json", "scoped/plan.json").sidecar_drivers
    }
    # the same mesh: only what scoping lets each proxy hold moved
    assert drivers["scoping"].memory_request_gib < 0
    moved = {code for code, d in drivers.items() if d.cpu_request_cores or d.memory_request_gib}
    assert moved == {"scoping"}
    # a mesh of more Services, unscoped in both plans: all of it is the mesh's growth
    _size(tmp_path, DATA, "small", "--size-for", "unscoped")
    grown = {
        d.code: d
        for d in _review(tmp_path, "small/plan.json", "whole/plan.json", "r2").sidecar_drivers
    }
    assert grown["services"].memory_request_gib > 0
    assert grown["scoping"].memory_request_gib == grown["scoping"].cpu_request_cores == 0
    # scoped in both: the mesh's growth at the baseline's scopes, and what scoping took back
    _size(tmp_path, DATA, "small-scoped")
    both = {
        d.code: d
        for d in _review(
            tmp_path, "small-scoped/plan.json", "scoped/plan.json", "r3"
        ).sidecar_drivers
    }
    assert both["services"].memory_request_gib >= 0
    assert both["not-attributed"].memory_request_gib == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_random_changes_are_always_fully_attributed(tmp_path: Path, seed: int) -> None:
    """Replicas, rates and observed usage moved at random (workloads dropped and added too):
    the drivers always add up to the change, with nothing left unattributed."""
    rng = random.Random(seed)
    lines = (DATA / "cluster.csv").read_text("utf-8").splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    at = {name: header.index(name) for name in header}
    changed = [header]
    for original in rows:
        if rng.random() < 0.1:
            continue  # dropped this quarter
        row = list(original)
        if row[at["replicas"]] != "0":
            row[at["replicas"]] = str(max(1, int(row[at["replicas"]]) + rng.randint(-1, 3)))
        for column in ("rps", "outbound_rps", "proxy_cpu_millicores"):
            if row[at[column]]:
                row[at[column]] = f"{float(row[at[column]]) * rng.uniform(0.5, 3.0):.2f}"
        changed.append(row)
    changed.append(
        ["shop", f"new-{seed}", "3", "Deployment", "-", "120", "", "true", "workload"]
        + [""] * (len(header) - 9)
    )
    folder = tmp_path / "changed"
    folder.mkdir()
    write(folder / "cluster.csv", "\n".join(",".join(r) for r in changed) + "\n")
    knob = ["--no-observed"] if seed % 2 else ["--headroom-ratio", "0.3"]
    _size(tmp_path, DATA, "old", *knob)
    args = ["size", "-i", str(folder / "cluster.csv"), "--headroom-ratio", "0.5", "-o", "new"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    review = _review(tmp_path, "old/plan.json", "new/plan.json")
    cpu, memory = _sums(review)
    assert cpu == pytest.approx(review.parts[0].cpu_request_cores.delta, abs=2e-3)
    assert memory == pytest.approx(review.parts[0].memory_request_gib.delta, abs=2e-3)
    unplaced = next(d for d in review.sidecar_drivers if d.code == "not-attributed")
    assert unplaced.cpu_request_cores == pytest.approx(0, abs=1e-6)
    assert unplaced.memory_request_gib == pytest.approx(0, abs=1e-6)


def test_plans_of_two_meshes_are_not_a_review(tmp_path: Path) -> None:
    _size(tmp_path, DATA, "istio")
    _size(tmp_path, DATA, "linkerd", "--mesh", "linkerd")
    run = run_cli(
        ["review", "--baseline", "istio/plan.json", "--current", "linkerd/plan.json"], cwd=tmp_path
    )
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: --baseline istio/plan.json sizes Istio, sidecar mode and --current "
        "linkerd/plan.json Linkerd: a review compares one mesh over time; to compare meshes, "
        "use planner compare\n"
    )
    assert not (tmp_path / "review").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            None,
            "Error: --baseline old.json: no such file; give a plan.json written by planner size\n",
        ),
        (
            "{",
            "Error: --baseline old.json: not a JSON plan (JSONDecodeError); give a plan.json "
            "written by planner size\n",
        ),
        (
            '{"schema_version": "1.0"}',
            "Error: --baseline old.json: plan schema '1.0'; a review reads schemas 2.2, 2.3, "
            "2.4, 2.5: size that quarter's inputs again with this planner\n",
        ),
        (
            '{"schema_version": "2.3"}',
            "Error: --baseline old.json: not a plan mesh-planner wrote (tool: Field required)\n",
        ),
    ],
)
def test_a_bad_baseline_is_one_line(tmp_path: Path, text: str | None, message: str) -> None:
    current = _size(tmp_path, DATA, "q4")
    if text is not None:
        write(tmp_path / "old.json", text)
    run = run_cli(["review", "--baseline", "old.json", "--current", str(current)], cwd=tmp_path)
    assert (run.exit_code, run.stderr) == (1, message)
    assert not (tmp_path / "review").exists()


def test_plans_of_earlier_schemas_are_read(tmp_path: Path) -> None:
    """Plans written before plan.gateway_model (2.2), the app totals' counts (2.3) and the
    cost and scenarios (2.4)."""
    plan = _size(tmp_path, DATA, "q4")
    for schema in ("2.2", "2.3", "2.4"):
        data = json.loads(plan.read_text("utf-8"))
        data["schema_version"] = schema
        del data["cost"], data["scenarios"]
        if schema == "2.2":
            del data["gateway_model"]
        if schema != "2.4":
            app = data["totals"]["app"]
            del app["workloads_with_cpu_requests"], app["workloads_with_memory_requests"]
        write(tmp_path / "old.json", json.dumps(data))
        shutil.copy(plan, tmp_path / "new.json")
        review = _review(tmp_path, "old.json", "new.json", out=f"review-{schema}")
        assert (review.baseline.schema_version, review.current.schema_version) == (
            schema,
            SCHEMA_VERSION,
        )
        assert review.workloads == ()


def test_size_with_a_baseline_writes_the_review_planner_review_writes(tmp_path: Path) -> None:
    _size(tmp_path, LAST, "q3", "--inputs-date", "2026-08-20")
    args = ["size", "-i", str(DATA / "cluster.csv"), "--services", str(DATA / "services.csv")]
    args += ["--traffic", str(DATA / "traffic.csv"), "--traffic-window", "7d"]
    args += ["--inputs-date", "2026-11-20", "--baseline", "q3/plan.json", "-o", "q4"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == "q4/plan.json\nq4/review.json\n"
    _review(tmp_path, "q3/plan.json", "q4/plan.json")
    assert (tmp_path / "q4" / "review.json").read_bytes() == (
        tmp_path / "review" / "review.json"
    ).read_bytes()
    # the summary is the plan's, then the review's
    review_run = run_cli(
        ["review", "--baseline", "q3/plan.json", "--current", "q4/plan.json", "-o", "again"],
        cwd=tmp_path,
    )
    assert run.stderr.endswith("\n" + review_run.stderr)
    assert run.stderr.startswith("mesh-planner 0.1.0: Istio, sidecar mode 1.24")


def test_size_with_a_bad_or_foreign_baseline_writes_nothing(tmp_path: Path) -> None:
    _size(tmp_path, DATA, "linkerd", "--mesh", "linkerd")
    args = ["size", "-i", str(DATA / "cluster.csv"), "-o", "q4"]
    run = run_cli([*args, "--baseline", "missing.json"], cwd=tmp_path)
    assert (run.exit_code, run.stderr) == (
        1,
        "Error: --baseline missing.json: no such file; give a plan.json written by planner size\n",
    )
    run = run_cli([*args, "--baseline", "linkerd/plan.json"], cwd=tmp_path)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        "Error: --baseline linkerd/plan.json sizes Linkerd and --current q4/plan.json Istio, "
        "sidecar mode: a review compares one mesh over time; to compare meshes, use planner "
        "compare\n"
    )
    assert not (tmp_path / "q4").exists()


def test_size_with_a_baseline_and_prices_prices_the_review_as_planner_review(
    tmp_path: Path,
) -> None:
    prices = str(DATA / "prices" / "aws-fargate-us-east-1-2026-12.yaml")
    _size(tmp_path, LAST, "q3", "--inputs-date", "2026-08-20")
    args = ["size", "-i", str(DATA / "cluster.csv"), "--services", str(DATA / "services.csv")]
    args += ["--traffic", str(DATA / "traffic.csv"), "--traffic-window", "7d", "--prices", prices]
    args += ["--inputs-date", "2026-11-20", "--baseline", "q3/plan.json", "-o", "q4"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    again = ["review", "--baseline", "q3/plan.json", "--current", "q4/plan.json"]
    review_run = run_cli([*again, "--prices", prices, "-o", "r"], cwd=tmp_path)
    assert review_run.exit_code == 0, review_run.stderr
    body = (tmp_path / "q4" / "review.json").read_bytes()
    assert body == (tmp_path / "r" / "review.json").read_bytes()
    assert Review.model_validate_json(body).cost is not None


def test_the_current_plans_scenarios_are_in_the_review(tmp_path: Path) -> None:
    _size(tmp_path, LAST, "q3", "--inputs-date", "2026-08-20")
    scenarios = str(DATA / "scenarios.yaml")
    _size(tmp_path, DATA, "q4", "--inputs-date", "2026-11-20", "--scenario", scenarios)
    args = ["review", "--baseline", "q3/plan.json", "--current", "q4/plan.json", "-f", "html"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    review = Review.model_validate_json((tmp_path / "review" / "review.json").read_bytes())
    plan = json.loads((tmp_path / "q4" / "plan.json").read_text("utf-8"))
    assert review.scenarios is not None
    assert review.scenarios.scenarios.model_dump(mode="json") == plan["scenarios"]
    assert review.scenarios.totals.model_dump(mode="json") == plan["totals"]
    # the summary ends with the plan's own scenarios table
    sized = run_cli([*_size_args(DATA), "--scenario", scenarios, "-o", "again"], cwd=tmp_path)
    table = sized.stderr[sized.stderr.index("\nScenarios (") :]
    assert run.stderr.endswith(table)
    page = (tmp_path / "review" / "review.html").read_text("utf-8")
    assert 'id="scenario-table"' in page
    assert '<a href="#scenarios">What-if scenarios</a>' in page
    # a plan without scenarios: none in the review
    _size(tmp_path, DATA, "plain", "--inputs-date", "2026-11-20")
    plain = _review(tmp_path, "q3/plan.json", "plain/plan.json", out="plain-review")
    assert plain.scenarios is None


def _size_args(source: Path) -> list[str]:
    """planner size over the tables in `source`, with the traffic window."""
    args = ["size", "-i", str(source / "cluster.csv"), "--services", str(source / "services.csv")]
    return [*args, "--traffic", str(source / "traffic.csv"), "--traffic-window", "7d"]
