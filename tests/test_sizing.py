"""The sizing formulas on hand-checked numbers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from models.errors import ProfileError
from models.knobs import Knobs
from models.plan import ComponentPlan, Finding, Plan
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.meshes.istio_sidecar.istiod import MeshCounts, istiod_model
from planner.meshes.istio_sidecar.sizing import Resolved, assumptions_of, resolve
from planner.meshes.profiles import parse_profile
from planner.model.control_plane import autoscale_target_percent, size_component
from planner.model.envoy import EnvoyCosts, estimate, estimated_cpu_millicores, estimated_memory_mib
from planner.model.sizing import protect_limits, round_up, size_requests
from planner.pipeline import build_plan
from reports.breakdown import namespace_totals
from tests.conftest import DATA, REPO, run_cli, write
from tests.plans import istio_profile

PROFILE = istio_profile()


def resolved(version: str = "1.24", headroom: float = 0.25) -> Resolved:
    return resolve(PROFILE, Knobs(mesh_version=version, headroom_ratio=headroom))


def sizing(version: str = "1.24", headroom: float = 0.25) -> EnvoyCosts:
    return resolved(version, headroom).costs


def size_proxies(frame: pd.DataFrame, costs: EnvoyCosts) -> pd.DataFrame:
    return size_requests(estimate(frame, costs), resolved().policy)


def size_control_plane(
    counts: MeshCounts, headroom: float = 0.25, minimum: int = 2, churn: float = 0.0
) -> tuple[ComponentPlan, list[Finding]]:
    values = {a.name: a.value for a in assumptions_of(resolved())}
    model = istiod_model(counts, PROFILE.control_plane, churn)
    return size_component(model, values, PROFILE.rounding, headroom, minimum)


@pytest.mark.parametrize(
    ("version", "expected"), [("1.2", 605.0), ("1.5", 505.0), ("1.12", 355.0), ("1.24", 205.0)]
)
def test_cpu_at_1000_rps_by_version(version: str, expected: float) -> None:
    assert estimated_cpu_millicores(np.array([1000.0]), sizing(version))[0] == pytest.approx(
        expected
    )


def test_memory_from_configuration() -> None:
    # 100 clusters at 2 workers, 1000 endpoints, 10 listeners on top of the 1.24 base
    expected = 55.7 + (100 * (38727 + 2 * 1850) + 1000 * 1380 + 10 * (16550 + 2 * 1450)) / 2**20
    got = estimated_memory_mib(np.array([100.0]), np.array([1000.0]), np.array([10.0]), sizing())
    assert got[0] == pytest.approx(expected)


def test_round_up_ignores_float_noise() -> None:
    assert round_up(np.array([100.0000000001, 100.1, 0.0]), 10).tolist() == [100, 110, 0]


def proxies(**columns: list[float]) -> pd.DataFrame:
    base = {
        "rps_per_pod": [0.0],
        "l4_rps_per_pod": [0.0],
        "visible_clusters": [10.0],
        "visible_endpoints": [10.0],
        "visible_listeners": [0.0],
        "observed_cpu_millicores": [np.nan],
        "observed_memory_mib": [np.nan],
    }
    return pd.DataFrame(base | columns)


def test_idle_proxy_gets_the_chart_floors_and_limits() -> None:
    row = size_proxies(proxies(), sizing()).iloc[0]
    assert (row["cpu_request_millicores"], row["cpu_limit_millicores"]) == (100, 2000)
    # twice the request would be 256Mi: the limit never goes below the chart's 1024Mi
    assert (row["memory_request_mib"], row["memory_limit_mib"]) == (128, 1024)
    assert row["memory_limit_basis"] == "chart default"
    assert (row["cpu_basis"], row["memory_basis"]) == ("model", "model")


def test_a_large_proxy_limit_is_twice_its_request() -> None:
    row = size_proxies(proxies(visible_clusters=[20_000.0]), sizing()).iloc[0]
    assert row["memory_limit_mib"] == 2 * row["memory_request_mib"] > 1024
    assert row["memory_limit_basis"] == "request ratio"


def test_tcp_requests_are_priced_at_the_tcp_ratio() -> None:
    base = sizing()
    cheap = replace(base, tcp_cpu_ratio=0.5)
    rps, l4 = np.array([1000.0]), np.array([400.0])
    # the built-in ratio is 1.0 (no published TCP figure): TCP costs what HTTP does
    assert estimated_cpu_millicores(rps, base, l4)[0] == estimated_cpu_millicores(rps, base)[0]
    # 5 + (600 + 400 x 0.5) / 1000 x 200 = 165m
    assert estimated_cpu_millicores(rps, cheap, l4)[0] == pytest.approx(165.0)


def test_limits_of_proxies_without_a_trusted_scope_cover_the_whole_mesh() -> None:
    sized = size_proxies(pd.concat([proxies(), proxies()], ignore_index=True), sizing())
    whole = pd.Series([4000, 4000])
    trusted = pd.Series([True, False])
    protected = protect_limits(sized, whole, trusted)
    assert protected["memory_limit_mib"].tolist() == [1024, 4000]
    assert protected["memory_limit_basis"].tolist() == ["chart default", "whole mesh"]
    assert protected["oom_risk"].tolist() == ["if scope lost", "none"]
    assert protected["whole_mesh_memory_request_mib"].tolist() == [4000, 4000]


def test_busy_proxy_gets_headroom_and_rounding() -> None:
    row = size_proxies(proxies(rps_per_pod=[3000.0]), sizing()).iloc[0]
    # 5 + 3000 / 1000 x 200 = 605m; x 1.25 = 756.25 -> 760m
    assert row["estimated_cpu_millicores"] == pytest.approx(605.0)
    assert row["cpu_request_millicores"] == 760


def test_observed_usage_wins_when_higher_and_is_recorded() -> None:
    row = size_proxies(
        proxies(observed_cpu_millicores=[400.0], observed_memory_mib=[300.0]), sizing()
    ).iloc[0]
    assert (row["cpu_basis"], row["memory_basis"]) == ("observed", "observed")
    assert row["cpu_request_millicores"] == 500  # 400 x 1.25
    assert row["memory_request_mib"] == 376  # 300 x 1.25 = 375 -> 376 (8 MiB steps)
    assert row["memory_limit_mib"] == 1024  # 2 x 376 = 752, below the chart default


def test_observed_below_the_model_does_not_lower_it() -> None:
    row = size_proxies(
        proxies(rps_per_pod=[3000.0], observed_cpu_millicores=[50.0]), sizing()
    ).iloc[0]
    assert row["cpu_basis"] == "model"
    assert row["cpu_request_millicores"] == 760


def counts(proxies: int, services: int = 10, endpoints: int = 100) -> MeshCounts:
    return MeshCounts(
        services=services,
        pods=proxies,
        endpoints=endpoints,
        connected_proxies=proxies,
        proxy_visible_clusters=proxies * services,
        proxy_visible_endpoints=proxies * endpoints,
    )


def test_small_mesh_control_plane_is_two_replicas_at_chart_defaults() -> None:
    plan, findings = size_control_plane(counts(50))
    assert plan.replicas == 2
    assert (plan.per_replica.cpu_request_millicores, plan.per_replica.memory_request_mib) == (
        500,
        2048,
    )
    assert (plan.per_replica.cpu_limit_millicores, plan.per_replica.memory_limit_mib) == (
        1000,
        3072,
    )
    assert findings == []


def test_control_plane_replicas_grow_with_proxies() -> None:
    plan, _ = size_control_plane(counts(40_000))
    # CPU: 40,000 / 1000 x 500m x 1.25 = 25,000m over 4000m per replica -> 7 replicas;
    # memory: 40,000 x (0.713 MiB + 100 x 21.4 B) x 1.25 = 35.7 GiB over 8 GiB -> 5
    assert plan.replicas == 7
    assert plan.per_replica.cpu_request_millicores <= 4000
    assert plan.per_replica.memory_request_mib <= 8192
    assert plan.single_replica_estimated_cpu_millicores == pytest.approx(20_000.0)


def test_guideline_is_shown_beside_the_model() -> None:
    plan, _ = size_control_plane(counts(2000, services=1000))
    assert plan.guideline_memory_mib == pytest.approx(1000 * 0.954 + 2000 * 0.477)
    assert "1 MB x services + 0.5 MB x pods" in str(plan.guideline_formula)


def test_state_too_large_for_any_replica_is_a_finding() -> None:
    huge = MeshCounts(
        services=1,
        pods=1,
        endpoints=20_000_000,
        connected_proxies=10,
        proxy_visible_clusters=10,
        proxy_visible_endpoints=10,
    )
    plan, findings = size_control_plane(huge)
    assert [f.code for f in findings] == ["control-plane-state-too-large"]
    assert plan.replicas == 2


def test_autoscaler_target_uses_half_the_headroom() -> None:
    assert autoscale_target_percent(0.25, 0.5) == 90
    assert autoscale_target_percent(1.0, 0.5) == 75
    assert autoscale_target_percent(0.0, 0.5) == 95  # capped: never at 100 %
    assert autoscale_target_percent(5.0, 0.0) == 50  # floored


def test_per_replica_targets_that_need_absurd_replicas_are_a_profile_error() -> None:
    """Found by the profile fuzzer: a target of 1e-300 millicores per replica asked for more
    replicas than an int64 holds, and the totals crashed."""
    document = yaml.safe_load(
        (REPO / "planner/meshes/istio_sidecar/profile.yaml").read_text("utf-8")
    )
    document["control_plane"]["max_cpu_per_replica_millicores"]["value"] = 1e-300
    profile = parse_profile(yaml.safe_dump(document), "profile.yaml")
    with pytest.raises(ProfileError) as caught:
        build_plan(read_inventory(DATA / "cluster.csv"), None, profile, Knobs())
    assert str(caught.value) == (
        "istiod: the profile's per-replica targets (control_plane.max_cpu_per_replica_millicores "
        "1e-300, control_plane.max_memory_per_replica_mib 8192) need more than 100,000 replicas; "
        "check those figures in the profile"
    )


def test_a_gateway_target_that_needs_absurd_replicas_is_a_profile_error() -> None:
    document = yaml.safe_load(
        (REPO / "planner/meshes/istio_sidecar/profile.yaml").read_text("utf-8")
    )
    document["gateway"]["target_cpu_per_replica_millicores"]["value"] = 1e-300
    profile = parse_profile(yaml.safe_dump(document), "profile.yaml")
    inventory = read_inventory(DATA / "cluster.csv", DATA / "services.csv")
    traffic = read_traffic(DATA / "traffic.csv", inventory)
    with pytest.raises(ProfileError) as caught:
        build_plan(inventory, traffic, profile, Knobs())
    assert str(caught.value) == (
        "gateways: a target of 1e-300 millicores per replica needs more than 100,000 replicas; "
        "check gateway.target_cpu_per_replica_millicores in the profile"
    )


# ---- app requests: each resource over the workloads that give it ---------------------------------

PARTIAL_APP = (
    "namespace,workload,replicas,rps,app_cpu_millicores,app_memory_mib\n"
    "shop,both,2,10,500,1024\n"
    "shop,cpu-only,1,10,1000,\n"
    "shop,memory-only,3,10,,512\n"
    "shop,neither,1,10,,\n"
)


def test_a_workload_with_one_app_request_counts_for_that_one(tmp_path: Path) -> None:
    write(tmp_path / "cluster.csv", PARTIAL_APP)
    run = run_cli(["size", "--inventory", "cluster.csv"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    app = plan.totals.app
    assert (app.workloads_with_requests, app.workloads_injected) == (1, 4)
    assert (app.workloads_with_cpu_requests, app.workloads_with_memory_requests) == (2, 2)
    # CPU: both (2 x 500m) and cpu-only (1 x 1000m); memory: both (2 x 1 GiB), memory-only (3 x 0.5)
    assert app.cpu_request_cores == 2.0
    assert app.memory_request_gib == 3.5
    proxies = {w.workload: w.proxy for w in plan.workloads if w.proxy is not None}
    side_cpu = sum(proxies[n].cpu_request_millicores * p for n, p in (("both", 2), ("cpu-only", 1)))
    side_memory = sum(
        proxies[n].memory_request_mib * p for n, p in (("both", 2), ("memory-only", 3))
    )
    cpu_ratio = round(side_cpu / 1000 / 2.0, 4)
    memory_ratio = round(side_memory / 1024 / 3.5, 4)
    assert plan.totals.sidecar_share_of_app_cpu_ratio == cpu_ratio
    assert plan.totals.sidecar_share_of_app_memory_ratio == memory_ratio
    assert plan.totals.mesh_share_of_app_cpu_ratio is None  # not every workload gives one
    assert (
        f"  sidecars vs app requests: CPU {cpu_ratio * 100:.1f}%, memory "
        f"{memory_ratio * 100:.1f}% (CPU over the 2 of 4 meshed workloads that give a CPU "
        "request, memory over the 2 that give a memory request)\n"
    ) in run.stderr
    namespace = namespace_totals(plan)[0]
    assert namespace.sidecar_share_of_app_cpu_ratio == pytest.approx(cpu_ratio, abs=1e-4)
    assert namespace.sidecar_share_of_app_memory_ratio == pytest.approx(memory_ratio, abs=1e-4)


def test_every_workload_giving_its_cpu_request_gives_the_mesh_share_of_cpu(
    tmp_path: Path,
) -> None:
    write(
        tmp_path / "cluster.csv",
        "namespace,workload,replicas,rps,app_cpu_millicores,app_memory_mib\n"
        "shop,a,2,10,500,1024\nshop,b,1,10,1000,\n",
    )
    run = run_cli(["size", "--inventory", "cluster.csv"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    totals = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes()).totals
    assert totals.mesh_share_of_app_cpu_ratio == round(totals.mesh.cpu_request_cores / 2.0, 4)
    assert totals.mesh_share_of_app_memory_ratio is None
    assert (
        f"  whole mesh vs app requests: CPU {totals.mesh_share_of_app_cpu_ratio * 100:.1f}%, "
        "memory n/a\n"
    ) in run.stderr
