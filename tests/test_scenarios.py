"""`planner size --scenario`: each what-if is today's inputs changed and sized by the same
pipeline, so no change is today exactly, each change moves what depends on it and nothing else,
bad files are one clear line, and the outputs stay deterministic."""

from __future__ import annotations

import io
import json
import random
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from models.knobs import Knobs, MeshKind
from models.plan import Plan, ResourceTotals, ScenarioResult, WorkloadPlan
from models.scenario import Scenario
from planner.inputs.inventory import Inventory
from planner.inputs.load import read_inventory
from planner.inputs.traffic import Traffic, read_traffic
from planner.meshes.profiles import load_builtin_profile
from planner.model.sizing import ceil_step
from planner.pipeline import build_plan
from planner.scenarios import scenario_plan
from tests.conftest import DATA, SAMPLE_ARGS, assert_golden, run_cli, write
from tests.test_excel import recalculate, soffice  # noqa: F401 (soffice: a fixture)
from tests.test_html import load_in_chromium

KNOBS = Knobs(traffic_window_seconds=7 * 24 * 3600)
"""The knobs of `planner size` on the sample with --traffic-window 7d."""


@pytest.fixture(scope="module")
def inputs() -> tuple[Inventory, Traffic]:
    inventory = read_inventory(DATA / "cluster.csv", DATA / "services.csv")
    return inventory, read_traffic(DATA / "traffic.csv", inventory)


def _plan(inputs: tuple[Inventory, Traffic], knobs: Knobs = KNOBS) -> Plan:
    inventory, traffic = inputs
    return build_plan(inventory, traffic, load_builtin_profile(knobs.mesh), knobs)


def _what_if(
    inputs: tuple[Inventory, Traffic], changes: list[dict[str, Any]], knobs: Knobs = KNOBS
) -> Plan:
    """The whole plan of a scenario with `changes`, as --scenario sizes it."""
    inventory, traffic = inputs
    scenario = Scenario.model_validate({"name": "what-if", "changes": changes})
    profile = load_builtin_profile(knobs.mesh)
    return scenario_plan(scenario, Path("s.yaml"), inventory, traffic, profile, knobs)[1]


def _size(folder: Path, scenarios: str, *extra: str, out: str = "planner-out") -> Plan:
    write(folder / "scenarios.yaml", scenarios)
    run = run_cli([*SAMPLE_ARGS, "--scenario", "scenarios.yaml", *extra, "-o", out], cwd=folder)
    assert run.exit_code == 0, run.stderr
    return Plan.model_validate_json((folder / out / "plan.json").read_bytes())


def _results(plan: Plan) -> dict[str, ScenarioResult]:
    assert plan.scenarios is not None
    return {r.name: r for r in plan.scenarios.results}


ZERO = ResourceTotals(
    pods=0,
    estimated_cpu_cores=0.0,
    estimated_memory_gib=0.0,
    cpu_request_cores=0.0,
    memory_request_gib=0.0,
    cpu_limit_cores=0.0,
    memory_limit_gib=0.0,
)

NO_CHANGE = """\
scenarios:
  - name: nothing
  - name: neutral
    description: every change that changes nothing
    changes:
      - traffic: {factor: 1}
      - traffic: {factor: 1, namespace: storefront}
      - services: {namespace: catalog, add: 0}
      - replicas: {namespace: storefront, add: 0}
      - replicas: {namespace: orders, workload: order-service, factor: 1}
      - headroom_ratio: 0.25
      - mesh_version: "1.24"
"""


def test_no_change_is_today_exactly(sample: Path) -> None:
    plan = _size(sample, NO_CHANGE)
    assert plan.scenarios is not None
    assert plan.scenarios.today.pods == sum(w.replicas for w in plan.workloads)
    for result in plan.scenarios.results:
        assert result.totals == plan.totals, result.name
        assert result.counts == plan.scenarios.today, result.name
        for part in ("sidecars", "gateways", "control_plane", "node_agents", "mesh"):
            assert getattr(result.difference, part) == ZERO, (result.name, part)
        assert result.mesh_version == plan.profile.mesh_version
        assert result.headroom_ratio == plan.knobs.headroom_ratio
        assert result.size_for == plan.knobs.size_for
    assert [len(r.changes) for r in plan.scenarios.results] == [0, 7]


def test_without_scenarios_the_plan_has_none(sample: Path) -> None:
    run = run_cli(SAMPLE_ARGS, cwd=sample)
    assert run.exit_code == 0, run.stderr
    data = json.loads((sample / "planner-out" / "plan.json").read_bytes())
    assert data["scenarios"] is None
    assert "Scenarios" not in run.stderr


def _cpu_model(plan: Plan, proxy: Any) -> float:
    """A proxy's expected CPU recomputed from the plan's own proxy model and coefficients."""
    values = {a.name: a.value for a in plan.assumptions}
    model = plan.proxy_model
    assert model.extra_cpu == ()
    weighted = proxy.rps_per_pod - proxy.l4_rps_per_pod
    weighted += proxy.l4_rps_per_pod * values[model.tcp_cpu_ratio]
    return float(values[model.idle_cpu] + weighted / 1000 * values[model.cpu_per_1000_rps])


def _by_name(plan: Plan) -> dict[tuple[str, str], WorkloadPlan]:
    return {(w.namespace, w.workload): w for w in plan.workloads}


def test_traffic_times_two_moves_only_what_depends_on_it(
    inputs: tuple[Inventory, Traffic],
) -> None:
    knobs = KNOBS.model_copy(update={"use_observed": False})  # the model alone, to recompute
    today = _plan(inputs, knobs)
    doubled = _what_if(inputs, [{"traffic": {"factor": 2, "namespace": "storefront"}}], knobs)
    edges = inputs[1].edges
    touching = edges.loc[
        (edges["source_namespace"] == "storefront")
        | (edges["destination_namespace"] == "storefront")
    ]
    partners = set(touching["source_namespace"]) | set(touching["destination_namespace"])
    before, after = _by_name(today), _by_name(doubled)
    checked = 0
    for key, was in before.items():
        now = after[key]
        if key[0] not in partners:
            assert now == was, key
        elif key[0] == "storefront" and was.proxy is not None and now.proxy is not None:
            assert now.proxy.rps_per_pod == pytest.approx(2 * was.proxy.rps_per_pod, abs=0.002)
            estimate = _cpu_model(doubled, now.proxy)
            assert now.proxy.estimated_cpu_millicores == pytest.approx(estimate, abs=0.01)
            wanted = now.proxy.estimated_cpu_millicores * (1 + knobs.headroom_ratio)
            if wanted > 100:  # above any floor: the request is the estimate with headroom
                step = doubled.rounding.cpu_step_millicores
                assert now.proxy.cpu_request_millicores == ceil_step(wanted, step)
                checked += 1
            # memory follows what the proxy holds, which traffic does not change
            assert now.proxy.memory_request_mib == was.proxy.memory_request_mib
    assert checked >= 3
    assert doubled.control_plane == today.control_plane


def test_a_namespace_like_another_adds_its_pods(sample: Path) -> None:
    plan = _size(
        sample,
        "scenarios:\n  - name: eu\n    changes:\n"
        "      - namespace: {like: orders, name: orders-eu}\n",
    )
    result = _results(plan)["eu"]
    orders = [w for w in plan.workloads if w.namespace == "orders"]
    pods = sum(w.replicas for w in orders)
    sidecars = sum(w.replicas for w in orders if w.proxy is not None)
    assert result.difference.counts.pods == pods > 0
    assert result.difference.counts.namespaces == 1
    assert result.difference.sidecars.pods == sidecars
    assert result.difference.counts.proxies == sidecars
    assert result.difference.counts.services == sum(
        1 for line in (DATA / "services.csv").read_text().splitlines() if line.startswith("orders,")
    )
    assert result.difference.mesh.cpu_request_cores > 0
    assert result.difference.mesh.memory_request_gib > 0


def test_the_clone_gets_the_same_traffic(inputs: tuple[Inventory, Traffic]) -> None:
    today = _plan(inputs)
    cloned = _what_if(inputs, [{"namespace": {"like": "orders", "name": "orders-eu"}}])
    before, after = _by_name(today), _by_name(cloned)
    for (namespace, workload), was in before.items():
        if namespace == "orders":
            copy = after[("orders-eu", workload)]
            assert copy.inbound_rps == was.inbound_rps
            assert copy.outbound_rps == was.outbound_rps
            assert copy.replicas == was.replicas


def test_more_services_are_like_the_median_and_add_no_pods(
    inputs: tuple[Inventory, Traffic],
) -> None:
    today = _plan(inputs, KNOBS.model_copy(update={"size_for": "unscoped"}))
    more = _what_if(
        inputs,
        [{"services": {"namespace": "catalog", "add": 3}}],
        KNOBS.model_copy(update={"size_for": "unscoped"}),
    )
    assert sum(w.replicas for w in more.workloads) == sum(w.replicas for w in today.workloads)
    added = {s for w in more.workloads for s in w.services if "-whatif-" in s}
    assert len(added) == 3
    istiod = more.control_plane.component("istiod")
    was = today.control_plane.component("istiod")
    assert istiod.driver("services") == was.driver("services") + 3
    assert istiod.driver("endpoints") > was.driver("endpoints")


def test_replicas_add_and_factor(inputs: tuple[Inventory, Traffic]) -> None:
    today = _by_name(_plan(inputs))
    grown = _by_name(
        _what_if(
            inputs,
            [
                {"replicas": {"namespace": "storefront", "add": 1}},
                {"replicas": {"namespace": "orders", "workload": "order-service", "factor": 1.5}},
            ],
        )
    )
    for key, was in today.items():
        if key[0] == "storefront":
            assert grown[key].replicas == was.replicas + 1
        elif key == ("orders", "order-service"):
            assert grown[key].replicas == -(-was.replicas * 3 // 2)  # rounded up
        else:
            assert grown[key].replicas == was.replicas


@pytest.mark.parametrize(
    ("change", "flags"),
    [
        ('mesh_version: "1.22"', ["--istio-version", "1.22"]),
        ("headroom_ratio: 0.4", ["--headroom-ratio", "0.4"]),
        ("size_for: unscoped", ["--size-for", "unscoped"]),
    ],
)
def test_a_knob_change_is_that_flags_run(sample: Path, change: str, flags: list[str]) -> None:
    plan = _size(sample, f"scenarios:\n  - name: k\n    changes:\n      - {change}\n")
    run = run_cli([*SAMPLE_ARGS, *flags, "-o", "flagged"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    flagged = Plan.model_validate_json((sample / "flagged" / "plan.json").read_bytes())
    result = _results(plan)["k"]
    assert result.totals == flagged.totals
    assert result.totals != plan.totals
    assert result.mesh_version == flagged.profile.mesh_version
    assert result.headroom_ratio == flagged.knobs.headroom_ratio


def test_another_version_takes_its_coefficients(inputs: tuple[Inventory, Traffic]) -> None:
    older = _what_if(inputs, [{"mesh_version": "1.22"}])
    today = _plan(inputs)
    name = today.proxy_model.cpu_per_1000_rps
    values = {a.name: a for a in older.assumptions}
    assert older.profile.mesh_version == "1.22"
    assert values[name].holds_for != {a.name: a for a in today.assumptions}[name].holds_for


BAD = [
    (
        "scenarios: [{name: a, changes: [{traffic: {factor: -1}}]}]",
        'scenario "a" change 1 traffic.factor: Input should be greater than or equal to 0; see '
        "docs/scenarios.md for the format",
    ),
    (
        "scenarios: [{name: a, changes: [{traffic: {facter: 2}}]}]",
        'scenario "a" change 1 traffic.factor: missing; add it; see docs/scenarios.md for the '
        "format",
    ),
    (
        "scenarios: [{name: a, changes: [{trafic: {factor: 2}}]}]",
        'scenario "a" change 1 trafic: not a key here; the keys are traffic, services, replicas, '
        "namespace, mesh_version, size_for, headroom_ratio; see docs/scenarios.md for the format",
    ),
    (
        "scenarios: [{name: a, changes: [{traffic: {factor: 2}, headroom_ratio: 0.3}]}]",
        'scenario "a" change 1: a change has exactly one of the keys traffic, services, '
        "replicas, namespace, mesh_version, size_for, headroom_ratio; see docs/scenarios.md for "
        "the format",
    ),
    (
        "scenarios: [{name: a, extra: 1}]",
        'scenario "a" extra: not a key here; the keys are name, description, changes; see '
        "docs/scenarios.md for the format",
    ),
    (
        "scenarios: [{changes: []}]",
        "scenario 1 name: missing; add it; see docs/scenarios.md for the format",
    ),
    (
        "scenarios: []",
        "scenarios: the list is empty; give one scenario at least; see docs/scenarios.md for the "
        "format",
    ),
    (
        "scenario: []",
        "a scenario file is a YAML mapping with a list under scenarios:; see docs/scenarios.md "
        "for the format",
    ),
    (
        "scenarios: [{name: a, changes: [{replicas: {namespace: orders, add: 1, factor: 2}}]}]",
        'scenario "a" change 1 replicas: give add (more pods) or factor (times the replicas), '
        "one of the two; see docs/scenarios.md for the format",
    ),
    (
        "scenarios: [{name: a, changes: [{size_for: partly}]}]",
        "scenario \"a\" change 1 size_for: Input should be 'scoped' or 'unscoped'; see "
        "docs/scenarios.md for the format",
    ),
    (
        "scenarios: [{name: a, changes: [{mesh_version: 1.30}]}]",
        'scenario "a" change 1 mesh_version: write the version in quotes, such as "1.24": YAML '
        "reads 1.3 as a number; see docs/scenarios.md for the format",
    ),
    (
        "scenarios: [{name: a}, {name: a}]",
        'scenario "a" is named twice; give each scenario a name of its own',
    ),
    (
        "scenarios: [{name: a, changes: [{headroom_ratio: 0.3}, "
        "{traffic: {factor: 2, namespace: shop}}]}]",
        'scenario "a" change 2 traffic.namespace: namespace "shop" is not in the inventory; name '
        "one it has: analytics, catalog, checkout, identity, istio-system, messaging, "
        "monitoring, orders and 2 more",
    ),
    (
        "scenarios: [{name: a, changes: [{replicas: {namespace: orders, workload: nope, "
        "add: 1}}]}]",
        'scenario "a" change 1 replicas.workload: workload "nope" is not in namespace "orders"; '
        "name one it has: email-sender, fulfilment-worker, notifications, order-history, "
        "order-service, orders-postgres, returns-service, shipping-service",
    ),
    (
        "scenarios: [{name: a, changes: [{namespace: {like: orders, name: catalog}}]}]",
        'scenario "a" change 1 namespace.name: namespace "catalog" is in the inputs already; name '
        "the new namespace something else",
    ),
    (
        "scenarios: [{name: a, changes: [{namespace: {like: nowhere, name: x}}]}]",
        'scenario "a" change 1 namespace.like: namespace "nowhere" is not in the inventory; name '
        "one it has: analytics, catalog, checkout, identity, istio-system, messaging, "
        "monitoring, orders and 2 more",
    ),
    (
        'scenarios: [{name: a, changes: [{mesh_version: "9.9"}]}]',
        'scenario "a" change 1 mesh_version "9.9": not a release profile istio-sidecar knows of '
        "(the latest it knows is 1.31, as of 2026-12-02); it has published figures for 1.1-1.3, "
        "1.4-1.7, 1.8-1.16, 1.17-1.23, 1.24-1.31; give mesh_version a version in those ranges (a "
        "release since then needs a --profile whose releases.latest names it)",
    ),
    ("scenarios: [", "line 2: not valid YAML; fix the syntax there"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_scenario_file_is_one_line(sample: Path, text: str, message: str) -> None:
    write(sample / "bad.yaml", text + "\n")
    run = run_cli([*SAMPLE_ARGS, "--scenario", "bad.yaml"], cwd=sample)
    assert run.exit_code == 1
    assert run.stdout == ""
    where = "bad.yaml" if message.startswith("line") else "bad.yaml:"
    assert run.stderr == f"Error: {where} {message}\n"
    assert not (sample / "planner-out").exists()


def test_a_missing_file_and_a_name_in_two_files(sample: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--scenario", "none.yaml"], cwd=sample)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == "Error: none.yaml: scenario file not found; check the --scenario path\n"
    write(sample / "one.yaml", "scenarios: [{name: a}]\n")
    write(sample / "two.yaml", "scenarios: [{name: b}, {name: a}]\n")
    run = run_cli([*SAMPLE_ARGS, "--scenario", "one.yaml", "--scenario", "two.yaml"], cwd=sample)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        'Error: two.yaml: scenario "a" is named twice (and in one.yaml); give each scenario a '
        "name of its own\n"
    )


def test_a_version_of_another_mesh_is_refused(sample: Path) -> None:
    write(sample / "v.yaml", 'scenarios: [{name: v, changes: [{mesh_version: "1.24"}]}]\n')
    run = run_cli([*SAMPLE_ARGS, "--mesh", "linkerd", "--scenario", "v.yaml"], cwd=sample)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.startswith('Error: v.yaml: scenario "v" change 1 mesh_version "1.24": ')
    assert run.stderr.count("\n") == 1


def test_summary_html_and_workbook(sample: Path, update_golden: bool) -> None:
    shutil.copy(DATA / "scenarios.yaml", sample / "scenarios.yaml")
    hostile = "scenarios:\n  - name: \"<script>alert(1)</script>\"\n    description: '=1+1'\n"
    write(sample / "hostile.yaml", hostile)
    args = ["--scenario", "scenarios.yaml", "--scenario", "hostile.yaml"]
    run = run_cli([*SAMPLE_ARGS, *args, "-f", "html", "-f", "xlsx"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    table = run.stderr[run.stderr.index("\nScenarios (") :]
    assert_golden("scenarios-summary.txt", table.encode("utf-8"), update_golden)
    plan = Plan.model_validate_json((sample / "planner-out" / "plan.json").read_bytes())
    page = (sample / "planner-out" / "report.html").read_text("utf-8")
    assert '<section id="scenarios"' in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "(Unknown|Conditional Formatting) extension")
        book = load_workbook(io.BytesIO((sample / "planner-out" / "report.xlsx").read_bytes()))
    sheet = book["Scenarios"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:] if row[0]}
    assert plan.scenarios is not None
    assert list(by_name)[: len(plan.scenarios.results) + 1] == [
        "today",
        *(r.name for r in plan.scenarios.results),
    ]
    for result in plan.scenarios.results:
        row = by_name[result.name]
        assert row["Sidecar CPU requests (cores)"] == result.totals.sidecars.cpu_request_cores
        assert row["Pods (workloads' replicas)"] == result.counts.pods
        assert str(row["Total CPU requests (cores)"]).startswith("=")
    assert by_name["<script>alert(1)</script>"]["Description"] == "=1+1"  # text, not a formula


def _shuffle(folder: Path, seed: int) -> None:
    rng = random.Random(seed)
    for name in ("cluster.csv", "services.csv", "traffic.csv"):
        header, *rows = (folder / name).read_text("utf-8").splitlines()
        rng.shuffle(rows)
        (folder / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def test_same_inputs_in_another_order_give_the_same_bytes(sample: Path) -> None:
    shutil.copy(DATA / "scenarios.yaml", sample / "scenarios.yaml")
    args = [*SAMPLE_ARGS, "--scenario", "scenarios.yaml", "-f", "html", "-f", "xlsx"]
    first = run_cli([*args, "-o", "first"], cwd=sample)
    assert first.exit_code == 0, first.stderr
    _shuffle(sample, 5)
    shuffled = run_cli([*args, "-o", "shuffled"], cwd=sample)
    assert shuffled.exit_code == 0, shuffled.stderr
    for name in ("plan.json", "report.html", "report.xlsx"):
        assert (sample / "shuffled" / name).read_bytes() == (sample / "first" / name).read_bytes()
    assert shuffled.stderr == first.stderr.replace("first", "shuffled")


@pytest.mark.parametrize("mesh", [MeshKind.LINKERD, MeshKind.CONSUL])
def test_other_meshes_size_their_scenarios(sample: Path, mesh: MeshKind) -> None:
    plan = _size(
        sample,
        "scenarios:\n  - name: same\n  - name: more\n    changes:\n"
        "      - traffic: {factor: 3}\n      - namespace: {like: checkout, name: checkout-2}\n",
        "--mesh",
        mesh.value,
    )
    results = _results(plan)
    assert results["same"].totals == plan.totals
    assert results["more"].difference.mesh.cpu_request_cores > 0
    assert results["more"].difference.counts.namespaces == 1


def test_node_agents_follow_in_ambient(sample: Path) -> None:
    shutil.copy(DATA / "nodes.csv", sample / "nodes.csv")
    plan = _size(
        sample,
        "scenarios:\n  - name: same\n  - name: busier\n    changes:\n"
        "      - traffic: {factor: 2}\n",
        "--mesh",
        "istio-ambient",
        "--nodes",
        "nodes.csv",
    )
    results = _results(plan)
    assert plan.totals.node_agents.pods > 0
    assert results["same"].totals == plan.totals
    assert results["busier"].difference.node_agents.cpu_request_cores > 0
    assert results["busier"].difference.node_agents.pods == 0


def test_libreoffice_recalculates_the_scenarios_sheet(
    soffice: tuple[str, Path],  # noqa: F811 (the fixture imported above)
    sample: Path,
) -> None:
    shutil.copy(DATA / "scenarios.yaml", sample / "scenarios.yaml")
    run = run_cli([*SAMPLE_ARGS, "--scenario", "scenarios.yaml", "-f", "xlsx"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((sample / "planner-out" / "plan.json").read_bytes())
    recalculated = recalculate(soffice, sample / "planner-out" / "report.xlsx")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "(Unknown|Conditional Formatting) extension")
        warnings.filterwarnings("ignore", "Data Validation extension")
        book = load_workbook(io.BytesIO(recalculated), data_only=True)
    rows = list(book["Scenarios"].iter_rows(values_only=True))
    by_name = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[0]}
    assert plan.scenarios is not None
    today = by_name["today"]
    assert today["Total CPU requests (cores)"] == pytest.approx(
        plan.totals.mesh.cpu_request_cores, abs=0.005
    )
    for result in plan.scenarios.results:
        row = by_name[result.name]
        assert row["Total CPU requests (cores)"] == pytest.approx(
            result.totals.mesh.cpu_request_cores, abs=0.005
        )
        assert row["Total memory requests (GiB)"] == pytest.approx(
            result.totals.mesh.memory_request_gib, abs=0.005
        )
        assert row["CPU requests against today (cores)"] == pytest.approx(
            result.difference.mesh.cpu_request_cores, abs=0.01
        )
        assert row["Memory requests against today (GiB)"] == pytest.approx(
            result.difference.mesh.memory_request_gib, abs=0.01
        )


def test_scenarios_page_in_headless_chromium(sample: Path, tmp_path: Path) -> None:
    shutil.copy(DATA / "scenarios.yaml", sample / "scenarios.yaml")
    write(sample / "hostile.yaml", 'scenarios:\n  - name: "<img src=x onerror=alert(1)>"\n')
    args = ["--scenario", "scenarios.yaml", "--scenario", "hostile.yaml", "-f", "html"]
    run = run_cli([*SAMPLE_ARGS, *args], cwd=sample)
    assert run.exit_code == 0, run.stderr
    page_path = sample / "planner-out" / "report.html"
    seen = load_in_chromium(page_path, tmp_path, "scenarios.png", cards=("#scenario-table",))
    seen.assert_alone(page_path)
    flat = " ".join(seen.text.split())
    assert "What-if scenarios" in flat
    assert "<img src=x onerror=alert(1)>" in flat
    assert "traffic x 2 in storefront; replicas x 2 for storefront/web-frontend" in flat


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    factor=st.floats(min_value=1.0, max_value=20.0),
    namespace=st.sampled_from(["storefront", "catalog", "orders", None]),
)
def test_more_traffic_never_means_less(
    inputs: tuple[Inventory, Traffic], factor: float, namespace: str | None
) -> None:
    today = _plan(inputs)
    busier = _what_if(inputs, [{"traffic": {"factor": factor, "namespace": namespace}}])
    for part in ("sidecars", "gateways", "control_plane", "mesh"):
        was, now = getattr(today.totals, part), getattr(busier.totals, part)
        assert now.cpu_request_cores >= was.cpu_request_cores, part
        assert now.estimated_cpu_cores >= was.estimated_cpu_cores - 1e-9, part


def test_with_prices_each_scenario_is_priced_as_the_plan_is(sample: Path) -> None:
    prices = write(
        sample / "prices.yaml",
        "currency: EUR\nas_of: 2026-12-01\nsource: a test\ncpu_price_per_vcpu_hour: 0.04\n"
        "memory_price_per_gib_hour: 0.005\nnamespaces:\n  storefront:\n"
        "    cpu_price_per_vcpu_hour: 0.08\n",
    )
    scenarios = (
        "scenarios:\n  - name: same\n    changes: []\n"
        "  - name: roomier\n    changes:\n      - headroom_ratio: 0.5\n"
    )
    plan = _size(sample, scenarios, "--prices", str(prices))
    results = _results(plan)
    assert plan.cost is not None
    same = results["same"].cost
    assert same is not None
    # no change costs what the plan costs, namespace prices included
    assert same.mesh.before_monthly == same.mesh.after_monthly == plan.cost.mesh.total_monthly
    assert same.mesh.difference_monthly == 0
    # a knob change costs what a run with that flag costs
    run = run_cli(
        [*SAMPLE_ARGS, "--headroom-ratio", "0.5", "--prices", str(prices), "-o", "flag"],
        cwd=sample,
    )
    assert run.exit_code == 0, run.stderr
    flag = Plan.model_validate_json((sample / "flag" / "plan.json").read_bytes())
    assert flag.cost is not None
    roomier = results["roomier"].cost
    assert roomier is not None
    assert roomier.mesh.after_monthly == flag.cost.mesh.total_monthly
    assert roomier.mesh.difference_monthly == pytest.approx(
        flag.cost.mesh.total_monthly - plan.cost.mesh.total_monthly, abs=1e-3
    )
    assert [p.name for p in roomier.parts] == [p.name for p in plan.cost.parts]
    # without prices, no cost
    bare = _size(sample, scenarios, out="bare")
    assert all(r.cost is None for r in _results(bare).values())
