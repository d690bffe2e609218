"""The review's forecast: laws recovered from histories with known growth and noise, the
projection of the sample's history, and what too short a history gives."""

from __future__ import annotations

import json
import math
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from models.plan import Plan
from models.review import Review
from planner.forecast import GROWS_WITH, forecast, forecast_driver
from tests.conftest import DATA, assert_golden, run_cli, write

QUARTER = 91
START = date(2025, 1, 15)


def _history(law: str, seed: int, quarters: int = 8) -> tuple[list[date], list[float]]:
    rng = random.Random(seed)
    dates = [START + timedelta(days=QUARTER * q) for q in range(quarters)]
    values = []
    for q in range(quarters):
        truth = 500 * 1.12**q if law == "exponential" else 500 + 40 * q
        values.append(truth * (1 + rng.gauss(0, 0.01)))
    return dates, values


@pytest.mark.parametrize("law", ["linear", "exponential"])
def test_the_law_is_recovered_within_its_interval(law: str) -> None:
    """Eight quarters of a known law with 1 % noise, 100 seeds: the law is chosen, and the
    truth at the horizon lies within the 95 % prediction interval, almost always (a prediction
    interval covers a new noisy observation, so the noiseless truth more often than 95 %)."""
    inside = chosen = 0
    growth = []
    for seed in range(100):
        dates, values = _history(law, seed)
        horizon = dates[-1] + timedelta(days=90)
        found = forecast_driver("pods", "Pods", dates, values, horizon)
        q = (horizon - START).days / QUARTER
        truth = 500 * 1.12**q if law == "exponential" else 500 + 40 * q
        assert found.low is not None
        assert found.high is not None
        inside += found.low <= truth <= found.high
        if found.law == law:
            chosen += 1
            growth.append(found.growth_per_quarter)
    assert inside >= 95
    assert chosen >= 90
    expected = 0.12 * 91 / QUARTER if law == "exponential" else 40 * 91 / QUARTER
    assert sum(growth) / len(growth) == pytest.approx(expected, rel=0.05)


def test_two_points_give_a_line_without_interval() -> None:
    found = forecast_driver(
        "pods",
        "Pods",
        [START, START + timedelta(days=QUARTER)],
        [100.0, 110.0],
        START + timedelta(days=2 * QUARTER),
    )
    assert (found.law, found.low, found.high) == ("linear", None, None)
    assert found.at_horizon == pytest.approx(120.0)


def _plans(folder: Path, days: list[str]) -> list[str]:
    args = []
    for day in days:
        source = DATA if day == "2026-11-20" else DATA / "history" / day
        size = [
            "size",
            "-i",
            str(source / "cluster.csv"),
            "--services",
            str(source / "services.csv"),
        ]
        size += ["--traffic", str(source / "traffic.csv"), "--traffic-window", "7d"]
        run = run_cli([*size, "--inputs-date", day, "-o", f"q-{day}"], cwd=folder)
        assert run.exit_code == 0, run.stderr
        args += ["--history", f"q-{day}/plan.json"]
    return args


HISTORY = ["2026-02-20", "2026-05-20", "2026-08-20", "2026-11-20"]


def test_the_samples_history_is_projected_as_reviewed(tmp_path: Path, update_golden: bool) -> None:
    run = run_cli(["review", *_plans(tmp_path, HISTORY)], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert_golden("review-forecast-summary.txt", run.stderr.encode("utf-8"), update_golden)
    review = Review.model_validate_json((tmp_path / "review" / "review.json").read_bytes())
    assert (review.baseline.file, review.current.file) == (
        "q-2026-08-20/plan.json",
        "q-2026-11-20/plan.json",
    )
    forecast = review.forecast
    assert forecast is not None
    drivers = {d.name: d for d in forecast.drivers}
    # tools/snapshots.py's law: ten Deployments one pod a quarter, traffic 20 % a quarter
    assert drivers["pods"].law == "linear"
    assert drivers["pods"].growth_per_quarter == pytest.approx(10 * QUARTER / 91, abs=0.5)
    assert drivers["rps"].law == "exponential"
    assert drivers["rps"].growth_per_quarter == pytest.approx(0.20, abs=0.01)
    assert forecast.horizon == "2027-02-18"
    expected = next(p for p in forecast.sidecars if p.case == "expected")
    assert expected.pods == 140
    assert expected.cpu_request_cores > review.parts[0].cpu_request_cores.after


def test_two_snapshots_warn_and_one_is_refused(tmp_path: Path) -> None:
    run = run_cli(["review", *_plans(tmp_path, HISTORY[-2:])], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert "  warning: two snapshots: a line through two points, with no interval" in run.stderr
    run = run_cli(["review", "--history", "q-2026-11-20/plan.json", "-o", "one"], cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: --history: one snapshot cannot be projected; give two dated plans at least (four "
        "or more for an interval worth reading)\n"
    )
    assert not (tmp_path / "one").exists()


def test_an_undated_plan_is_refused(tmp_path: Path) -> None:
    args = _plans(tmp_path, HISTORY[-1:])
    size = ["size", "-i", str(DATA / "cluster.csv"), "-o", "undated"]
    assert run_cli(size, cwd=tmp_path).exit_code == 0
    run = run_cli(["review", *args, "--history", "undated/plan.json", "-o", "r"], cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: --history undated/plan.json: the plan has no date; size that snapshot with "
        "--inputs-date (the day its inputs were taken)\n"
    )


def test_a_proxy_growing_past_its_limit_is_dated(tmp_path: Path) -> None:
    """Traffic doubling every quarter takes one busy pod's CPU request past the 2000m limit it
    has today before the next review, and the week it happens is given."""
    args = []
    steps = (("2026-05-20", 1500), ("2026-08-20", 3000), ("2026-11-20", 6000))
    for n, (day, rps) in enumerate(steps):
        folder = tmp_path / f"s{n}"
        folder.mkdir()
        write(folder / "cluster.csv", f"namespace,workload,replicas,rps\nshop,api,1,{rps}\n")
        size = ["size", "-i", str(folder / "cluster.csv"), "--inputs-date", day, "-o", f"p{n}"]
        assert run_cli(size, cwd=tmp_path).exit_code == 0
        args += ["--history", f"p{n}/plan.json"]
    run = run_cli(["review", *args], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    review = json.loads((tmp_path / "review" / "review.json").read_text("utf-8"))
    crossings = review["forecast"]["crossings"]
    assert len(crossings) == 1
    assert crossings[0].startswith("shop/api: its CPU request reaches ")
    assert crossings[0] == (
        "shop/api: its CPU request reaches 2,070m, over today's limit of 2,000m, by 2027-01-01"
    )
    assert "1 proxies cross today's limits before then:" in run.stderr


def _edited(plan: Plan, gateway_rps: float, istiod_max_cpu: float) -> Plan:
    """`plan` with its gateway's traffic and istiod's per-replica CPU target moved close to
    where one more replica is needed (the replicas they run stay as sized)."""
    assumptions = tuple(
        a.model_copy(update={"value": istiod_max_cpu})
        if a.name == "control_plane.max_cpu_per_replica_millicores"
        else a
        for a in plan.assumptions
    )
    gateways = tuple(g.model_copy(update={"throughput_rps": gateway_rps}) for g in plan.gateways)
    return plan.model_copy(update={"assumptions": assumptions, "gateways": gateways})


def test_the_control_plane_and_gateways_are_dated_when_they_need_more(tmp_path: Path) -> None:
    _plans(tmp_path, HISTORY)
    plans = [
        (Plan.model_validate_json((tmp_path / f"q-{day}" / "plan.json").read_bytes()), day)
        for day in HISTORY
    ]
    last, name = plans[-1]
    istiod = last.control_plane.component("istiod")
    needed = istiod.single_replica_estimated_cpu_millicores * 1.25  # all replicas, with headroom
    assert istiod.replicas == 2
    # istiod's target just above what its two replicas carry today; the gateway at 15,000 rps,
    # its two replicas' 2,000m target reached at 16,000 (x 0.2 cores per 1000 rps x 1.25)
    edited = _edited(last, 15_000.0, needed / 2 * 1.01)
    found = forecast([*plans[:-1], (edited, name)], 90)
    by = {(t.subject, t.what): t for t in found.thresholds}
    assert set(by) == {("istiod", "replicas"), ("istio-system/istio-ingressgateway", "replicas")}
    # dated at the first week the fitted laws pass the margins: istiod's connected proxies
    # follow the pods (linear, 10 a quarter), the gateway's CPU the traffic (20 % a quarter)
    laws = {d.name: d for d in found.drivers}
    origin, today = date(2026, 2, 20), date(2026, 11, 20)

    def first_week(name: str, ratio: float) -> str:
        law = laws[name]
        week = today
        while True:
            week += timedelta(days=7)
            x = law.intercept + law.slope * (week - origin).days
            value = math.exp(x) if law.law == "exponential" else x
            if value / law.values[-1] > ratio:
                return week.isoformat()

    assert by[("istiod", "replicas")].by == first_week("pods", 1.01) == "2026-12-04"
    assert (by[("istiod", "replicas")].today, by[("istiod", "replicas")].then) == (2, 3)
    gateway = by[("istio-system/istio-ingressgateway", "replicas")]
    assert gateway.by == first_week("rps", 16_000 / 15_000)
    assert (gateway.today, gateway.then) == (2, 3)
    assert gateway.message == (
        "gateway istio-system/istio-ingressgateway needs 3 replicas (planned 2) by 2026-12-25 "
        "(its autoscaler goes to 4)"
    )
    # unedited, nothing crosses; and at today's drivers the component sizes as the plan says
    assert forecast(plans, 90).thresholds == ()


@pytest.mark.parametrize("mesh", ["istio-sidecar", "istio-ambient", "linkerd", "consul", "appmesh"])
def test_every_control_plane_driver_has_a_growth_rule(tmp_path: Path, mesh: str) -> None:
    args = ["size", "-i", str(DATA / "cluster.csv"), "--services", str(DATA / "services.csv")]
    args += ["--mesh", mesh, "--nodes", str(DATA / "nodes.csv"), "-o", "p"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "p" / "plan.json").read_bytes())
    names = {d.name for c in plan.control_plane.components for d in c.drivers}
    assert names
    assert names <= set(GROWS_WITH), names - set(GROWS_WITH)


def test_input_snapshots_in_the_history_are_sized_as_the_newest_plan(tmp_path: Path) -> None:
    plans = _plans(tmp_path, HISTORY)
    run = run_cli(["review", *plans, "-o", "from-plans"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    # the three earlier quarters as planner collect would have written them
    args = []
    for day in HISTORY[:-1]:
        folder = tmp_path / f"collected-{day}"
        folder.mkdir()
        source = DATA / "history" / day
        (folder / "workloads.csv").write_bytes((source / "cluster.csv").read_bytes())
        for name in ("services.csv", "traffic.csv"):
            (folder / name).write_bytes((source / name).read_bytes())
        record = {"end": f"{day}T00:00:00Z", "window_seconds": 7 * 86400}
        (folder / "collect.json").write_text(json.dumps(record), "utf-8")
        args += ["--history", folder.name]
    args += ["--history", "q-2026-11-20/plan.json"]
    mixed = run_cli(["review", *args, "-o", "from-folders"], cwd=tmp_path)
    assert mixed.exit_code == 0, mixed.stderr
    one, other = (
        Review.model_validate_json((tmp_path / out / "review.json").read_bytes())
        for out in ("from-plans", "from-folders")
    )
    assert one.forecast == other.forecast
    assert other.baseline.file == "collected-2026-08-20"
    assert one.sidecar_drivers == other.sidecar_drivers


def test_an_undated_input_snapshot_says_how_to_date_it(tmp_path: Path) -> None:
    plans = _plans(tmp_path, HISTORY[-1:])
    folder = tmp_path / "collected"
    folder.mkdir()
    (folder / "workloads.csv").write_bytes((DATA / "cluster.csv").read_bytes())
    run = run_cli(["review", *plans, "--history", "collected"], cwd=tmp_path)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        "Error: --history collected: no date (its collect.json gives no end); size it with "
        "planner size --inventory FOLDER --inputs-date DATE and give its plan.json\n"
    )
    (tmp_path / "manifests").mkdir()
    run = run_cli(["review", *plans, "--history", "manifests"], cwd=tmp_path)
    assert run.stderr == (
        "Error: --history manifests: a folder without workloads.csv; give a plan.json (sized "
        "with planner size --inputs-date DATE) or a folder planner collect wrote\n"
    )
    assert not (tmp_path / "review").exists()
