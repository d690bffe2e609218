"""`--prices`: the monthly cost of the mesh's requests, hand-checked on the sample, per
namespace, in compare and review, and bad prices files as one-line errors."""

from __future__ import annotations

import io
import json
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from models.compare import Comparison
from models.cost import NamespacePrices, PlanCost, Prices
from models.plan import Plan
from models.review import Review
from planner.cost import load_prices, plan_cost, price_info, totals_cost
from reports.conventions import HTML_FILE, XLSX_FILE
from reports.xlsx.cost import (
    CPU_PRICE,
    HOURS,
    MESH_TOTAL,
    NAMESPACE_SHEET,
    PRICES_SHEET,
    SCOPING_SAVED,
)
from tests.conftest import DATA, run_cli, write
from tests.test_excel import recalculate, soffice  # noqa: F401 (soffice is a fixture)

EXAMPLE = DATA / "prices" / "aws-fargate-us-east-1-2026-12.yaml"
PRICES = """\
currency: USD
as_of: 2026-12-01
source: round figures for the tests
cpu_price_per_vcpu_hour: 0.04
memory_price_per_gib_hour: 0.005
"""
"""Round prices: one core for a month of 730 hours costs 29.2, one GiB 3.65."""
SAMPLE = [
    "--inventory",
    str(DATA / "cluster.csv"),
    "--services",
    str(DATA / "services.csv"),
    "--traffic",
    str(DATA / "traffic.csv"),
    "--traffic-window",
    "7d",
]


def _size(folder: Path, prices: Path | None, out: str = "out", *extra: str) -> Plan:
    args = ["size", *SAMPLE, *extra, "-o", out]
    if prices is not None:
        args += ["--prices", str(prices)]
    run = run_cli(args, cwd=folder)
    assert run.exit_code == 0, run.stderr
    return Plan.model_validate_json((folder / out / "plan.json").read_bytes())


def _cost(plan: Plan) -> PlanCost:
    assert plan.cost is not None
    return plan.cost


def test_the_sample_costs_what_the_hand_computes(tmp_path: Path) -> None:
    plan = _size(tmp_path, write(tmp_path / "prices.yaml", PRICES))
    cost = _cost(plan)
    # the sample's requests (plan.json totals): sidecars 16.69 cores, 16.25 GiB; gateways 0.32,
    # 0.25; istiod 2 x 500m / 2Gi = 1.0, 4.0; mesh 18.01, 20.5
    assert plan.totals.mesh.cpu_request_cores == 18.01
    assert plan.totals.mesh.memory_request_gib == 20.5
    parts = {p.name: (p.cpu_monthly, p.memory_monthly, p.total_monthly) for p in cost.parts}
    assert parts == {
        "sidecars": (487.348, 59.3125, 546.6605),  # 16.69 x 29.2, 16.25 x 3.65
        "gateways": (9.344, 0.9125, 10.2565),  # 0.32 x 29.2, 0.25 x 3.65
        "control-plane": (29.2, 14.6, 43.8),  # 1.0 x 29.2, 4.0 x 3.65
        "node-agents": (0.0, 0.0, 0.0),
    }
    assert (cost.mesh.cpu_monthly, cost.mesh.memory_monthly) == (525.892, 74.825)
    assert cost.mesh.total_monthly == 600.717
    # the namespaces (sidecars and gateways) and the shared control plane add up to the mesh
    namespaces = sum(n.total_monthly for n in cost.namespaces)
    assert namespaces + parts["control-plane"][2] == pytest.approx(600.717, abs=1e-3)
    assert {n.prices_from for n in cost.namespaces} == {"file"}
    assert cost.prices.hours_per_month == 730
    assert cost.prices.source == "round figures for the tests"
    # what scoping saves: the expected memory it takes off, at 3.65 a GiB-month
    assert plan.scoping is not None
    assert cost.scoping is not None
    saved = plan.scoping.totals.proxy_memory_mib_before - plan.scoping.totals.proxy_memory_mib_after
    assert cost.scoping.proxy_monthly_saved == pytest.approx(saved / 1024 * 3.65, abs=1e-4)
    assert cost.scoping.total_monthly_saved > cost.scoping.proxy_monthly_saved > 0


def test_the_summary_shows_the_cost_and_its_source(tmp_path: Path) -> None:
    prices = write(tmp_path / "prices.yaml", PRICES)
    run = run_cli(["size", *SAMPLE, "--prices", str(prices), "-o", "out"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    block = run.stderr.split("\nCost of the requests per month")[1].split("\n\n")[0]
    assert block.split("\n")[:7] == [
        " at prices.yaml: USD 0.04 per vCPU-hour, 0.005 per GiB-hour, 730 hours a month (as of "
        "2026-12-01)",
        "  source: round figures for the tests",
        "  part                  CPU     memory       total",
        "  sidecars       USD 487.35  USD 59.31  USD 546.66",
        "  gateways         USD 9.34   USD 0.91   USD 10.26",
        "  control plane   USD 29.20  USD 14.60   USD 43.80",
        "  whole mesh     USD 525.89  USD 74.83  USD 600.72",
    ]
    assert "  scoping saves USD " in block


def test_without_prices_the_plan_has_no_cost(tmp_path: Path) -> None:
    plan = _size(tmp_path, None)
    assert plan.cost is None
    assert json.loads((tmp_path / "out" / "plan.json").read_bytes())["cost"] is None


def test_a_namespace_priced_apart_pays_its_own_prices(tmp_path: Path) -> None:
    plain = _cost(_size(tmp_path, write(tmp_path / "plain.yaml", PRICES), "plain"))
    own = PRICES + (
        "namespaces:\n"
        "  payments:\n"
        "    cpu_price_per_vcpu_hour: 0.08\n"
        "    note: PCI nodes, twice the price\n"
        "  archive:\n"
        "    memory_price_per_gib_hour: 0.01\n"
    )
    cost = _cost(_size(tmp_path, write(tmp_path / "own.yaml", own), "own"))
    before = {n.name: n for n in plain.namespaces}
    after = {n.name: n for n in cost.namespaces}
    payments = after["payments"]
    assert payments.prices_from == "namespace"
    assert (payments.cpu_price_per_vcpu_hour, payments.memory_price_per_gib_hour) == (0.08, 0.005)
    assert payments.cpu_monthly == pytest.approx(2 * before["payments"].cpu_monthly, abs=1e-4)
    assert payments.memory_monthly == before["payments"].memory_monthly
    # every other namespace, and the shared control plane, keep the file's prices
    for name, line in after.items():
        if name != "payments":
            assert line == before[name]
    growth = cost.mesh.total_monthly - plain.mesh.total_monthly
    assert growth == pytest.approx(before["payments"].cpu_monthly, abs=1e-3)
    sidecars = {p.name: p for p in cost.parts}["sidecars"]
    assert sum(n.total_monthly for n in cost.namespaces) + cost.parts[2].total_monthly == (
        pytest.approx(cost.mesh.total_monthly, abs=1e-3)
    )
    assert sidecars.total_monthly > {p.name: p for p in plain.parts}["sidecars"].total_monthly
    # a namespace the plan lacks is named, not dropped silently
    assert cost.unused_namespace_prices == ("archive",)


def test_the_totals_of_a_plan_cost_what_the_plan_does(tmp_path: Path) -> None:
    """`totals_cost` (for scenarios and compare) prices the plan's rounded totals; without
    namespace prices it agrees with `plan_cost` to a thousandth of the currency."""
    plan = _size(tmp_path, None)
    prices, info = load_prices(write(tmp_path / "prices.yaml", PRICES))
    whole, totals = plan_cost(plan, prices, info), totals_cost(plan.totals, prices)
    for a, b in zip(whole.parts, totals.parts, strict=True):
        assert (a.name, a.pods) == (b.name, b.pods)
        assert a.total_monthly == pytest.approx(b.total_monthly, abs=1e-3)
    assert whole.mesh.total_monthly == pytest.approx(totals.mesh.total_monthly, abs=1e-3)


def test_costs_are_deterministic_whatever_the_order_of_the_prices_file(tmp_path: Path) -> None:
    first = write(
        tmp_path / "a.yaml", PRICES + "namespaces:\n  payments: {note: x}\n  orders: {}\n"
    )
    lines = PRICES.splitlines()
    second = write(
        tmp_path / "b.yaml",
        "\n".join(reversed(lines)) + "\nnamespaces:\n  orders: {}\n  payments: {note: x}\n",
    )
    _size(tmp_path, first, "one")
    _size(tmp_path, first, "two")
    _size(tmp_path, second, "three")
    one = (tmp_path / "one" / "plan.json").read_bytes()
    assert one == (tmp_path / "two" / "plan.json").read_bytes()
    three = (tmp_path / "three" / "plan.json").read_bytes()
    assert one == three.replace(b'"file": "b.yaml"', b'"file": "a.yaml"')


def test_the_example_prices_carry_their_source_and_date() -> None:
    prices, info = load_prices(EXAMPLE)
    assert (prices.currency, prices.as_of.isoformat()) == ("USD", "2026-12-05")
    assert (prices.cpu_price_per_vcpu_hour, prices.memory_price_per_gib_hour) == (0.04048, 0.004445)
    assert "fargate/pricing" in prices.source
    assert "2026-12-05" in prices.source
    assert info.file == EXAMPLE.name


@pytest.mark.parametrize(
    ("name", "cpu", "memory", "page"),
    [
        ("gke-autopilot-us-central1-2026-12.yaml", 0.0445, 0.0049225, "kubernetes-engine/pricing"),
        ("azure-aci-eastus-2026-12.yaml", 0.0486, 0.0054, "container-instances"),
    ],
)
def test_every_cloud_example_is_dated_and_sourced(
    name: str, cpu: float, memory: float, page: str
) -> None:
    prices, _ = load_prices(EXAMPLE.parent / name)
    assert (prices.currency, prices.as_of.isoformat()) == ("USD", "2026-12-05")
    assert (prices.cpu_price_per_vcpu_hour, prices.memory_price_per_gib_hour) == (cpu, memory)
    assert page in prices.source
    assert "read 2026-12-05" in prices.source


BAD: list[tuple[str, str]] = [
    (
        PRICES.replace("currency: USD\n", ""),
        "prices.yaml: key currency: missing; every prices file gives it",
    ),
    (
        PRICES + "cpu_price_per_core_hour: 0.1\n",
        "prices.yaml: key cpu_price_per_core_hour: not a key of the prices format (a typo?)",
    ),
    (
        PRICES.replace("0.04", "-0.04"),
        "prices.yaml: key cpu_price_per_vcpu_hour: Input should be greater than or equal to 0",
    ),
    (
        PRICES.replace("0.005", "5000"),
        "prices.yaml: key memory_price_per_gib_hour: Input should be less than or equal to 1000",
    ),
    (
        PRICES.replace("USD", "dollars"),
        "prices.yaml: key currency: give an ISO 4217 code such as USD or EUR",
    ),
    (
        PRICES.replace("2026-12-01", "last week"),
        "prices.yaml: key as_of: give the date the prices hold for, such as 2026-12-05",
    ),
    (
        PRICES.replace("2026-12-01", "2026-02-30"),
        "prices.yaml: a value cannot be read (a date that does not exist, a number too long)",
    ),
    (
        PRICES + "namespaces:\n  Payments: {cpu_price_per_vcpu_hour: 0.1}\n",
        "prices.yaml: key namespaces.Payments.[key]: not a Kubernetes namespace name",
    ),
    (
        PRICES + "namespaces:\n  payments: {cpu: 0.1}\n",
        "prices.yaml: key namespaces.payments.cpu: not a key of the prices format (a typo?)",
    ),
    (
        PRICES + "hours_per_month: 0\n",
        "prices.yaml: key hours_per_month: Input should be greater than 0",
    ),
    ("- 0.04\n- 0.005\n", "prices.yaml: a prices file is a YAML mapping of keys to values"),
    ("currency: [USD\n", "prices.yaml line 2: not valid YAML; fix the syntax there"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_prices_file_is_one_line_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    write(tmp_path / "prices.yaml", text)
    run = run_cli(["size", *SAMPLE, "--prices", "prices.yaml", "-o", "out"], cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr.startswith(f"Error: {message}")
    assert run.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_missing_prices_file_is_one_line(tmp_path: Path) -> None:
    run = run_cli(["size", *SAMPLE, "--prices", "nowhere.yaml", "-o", "out"], cwd=tmp_path)
    assert (run.exit_code, run.stderr) == (
        1,
        "Error: --prices nowhere.yaml: no such file; check the path (see docs/cost.md for the "
        "prices format)\n",
    )
    assert not (tmp_path / "out").exists()


def test_compare_prices_every_data_plane_against_the_baseline(tmp_path: Path) -> None:
    prices = write(tmp_path / "prices.yaml", PRICES)
    args = ["compare", *SAMPLE, "--nodes", str(DATA / "nodes.csv"), "--no-observed"]
    run = run_cli([*args, "--prices", str(prices), "-o", "cmp"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    comparison = Comparison.model_validate_json((tmp_path / "cmp" / "compare.json").read_bytes())
    assert comparison.cost is not None
    rows = {r.data_plane: r for r in comparison.cost.rows}
    base = rows[comparison.cost.baseline]
    assert comparison.cost.baseline == "istio-sidecar"
    assert base.difference_monthly == 0
    for row in comparison.rows:
        priced = rows[row.data_plane.value]
        mesh = row.totals.mesh
        expected = mesh.cpu_request_cores * 29.2 + mesh.memory_request_gib * 3.65
        assert priced.mesh.total_monthly == pytest.approx(expected, abs=1e-4)
        assert priced.difference_monthly == pytest.approx(
            priced.mesh.total_monthly - base.mesh.total_monthly, abs=1e-4
        )
    # ambient's node agents need less than a sidecar per pod: moving to it saves money; Linkerd's
    # proxies take more CPU per request on the sample than Envoy's, and cost more
    assert rows["istio-ambient"].difference_monthly < 0 < rows["linkerd"].difference_monthly
    assert "Cost of the requests per month at prices.yaml" in run.stderr
    ambient = [line for line in run.stderr.splitlines() if line.startswith("  istio-ambient ")]
    assert ambient[-1].endswith(f"-USD {-rows['istio-ambient'].difference_monthly:,.2f}")
    without = run_cli([*args, "-o", "plain"], cwd=tmp_path)
    assert json.loads((tmp_path / "plain" / "compare.json").read_bytes())["cost"] is None
    assert "Cost of the requests" not in without.stderr


def test_review_prices_the_baseline_the_current_plan_and_the_growth(tmp_path: Path) -> None:
    prices = write(tmp_path / "prices.yaml", PRICES)
    last = DATA / "history" / "2026-08-20"
    args = ["size", "-i", str(last / "cluster.csv"), "--services", str(last / "services.csv")]
    args += ["--traffic", str(last / "traffic.csv"), "--traffic-window", "7d", "-o", "q3"]
    assert run_cli(args, cwd=tmp_path).exit_code == 0
    q3 = Plan.model_validate_json((tmp_path / "q3" / "plan.json").read_bytes())
    q4 = _size(tmp_path, prices, "q4")  # a plan with its own cost: the review prices both anew
    pair = ["review", "--baseline", "q3/plan.json", "--current", "q4/plan.json"]
    run = run_cli([*pair, "--prices", str(prices), "-o", "review"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    review = Review.model_validate_json((tmp_path / "review" / "review.json").read_bytes())
    assert review.cost is not None
    mesh = review.cost.mesh

    def money(plan: Plan) -> float:
        return (
            plan.totals.mesh.cpu_request_cores * 29.2 + plan.totals.mesh.memory_request_gib * 3.65
        )

    assert mesh.before_monthly == pytest.approx(money(q3), abs=1e-3)
    assert mesh.after_monthly == pytest.approx(money(q4), abs=1e-3)
    assert mesh.after_monthly == _cost(q4).mesh.total_monthly
    assert mesh.difference_monthly == pytest.approx(
        mesh.after_monthly - mesh.before_monthly, abs=1e-4
    )
    assert mesh.difference_monthly > 0  # the sample grew over the quarter
    assert sum(p.difference_monthly for p in review.cost.parts) == pytest.approx(
        mesh.difference_monthly, abs=1e-3
    )
    namespaces = {c.name: c for c in review.cost.namespaces}
    assert namespaces["payments"].difference_monthly > 0  # gift-cards was added there
    assert "Cost of the requests per month at prices.yaml" in run.stderr
    assert "  whole mesh " in run.stderr
    plain = run_cli(
        ["review", "--baseline", "q3/plan.json", "--current", "q4/plan.json"], cwd=tmp_path
    )
    assert "Cost of the requests" not in plain.stderr


# --- the workbook: prices are live cells, costs formulas over them ------------------------------


def _recalculated(office: tuple[str, Path], workbook: Path) -> Any:
    """`workbook` opened and recalculated by LibreOffice (tests/test_excel.py), its values read
    back."""
    recalculated = recalculate(office, workbook)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "(Unknown|Conditional Formatting) extension")
        warnings.filterwarnings("ignore", "Data Validation extension")
        return load_workbook(io.BytesIO(recalculated), data_only=True)


def _named(book: Any, name: str) -> tuple[str, str]:
    sheet, cell = book.defined_names[name].attr_text.split("!")
    return sheet.strip("'"), cell.replace("$", "")


def _namespace_totals(book: Any) -> dict[str, float]:
    rows = book[NAMESPACE_SHEET].iter_rows(min_row=2, values_only=True)
    return {row[0]: row[-1] for row in rows}


def test_the_workbook_prices_are_live_cells_the_costs_follow(
    soffice: tuple[str, Path],  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    own = PRICES + "namespaces:\n  payments:\n    cpu_price_per_vcpu_hour: 0.08\n"
    plan = _size(tmp_path, write(tmp_path / "prices.yaml", own), "out", "-f", "xlsx")
    cost = _cost(plan)
    workbook = tmp_path / "out" / XLSX_FILE
    book = _recalculated(soffice, workbook)
    sheet, cell = _named(book, MESH_TOTAL)
    assert book[sheet][cell].value == pytest.approx(cost.mesh.total_monthly, abs=1e-3)
    totals = _namespace_totals(book)
    assert totals == pytest.approx({n.name: n.total_monthly for n in cost.namespaces}, abs=1e-3)
    assert cost.scoping is not None
    sheet, cell = _named(book, SCOPING_SAVED)
    assert book[sheet][cell].value == pytest.approx(cost.scoping.total_monthly_saved, abs=1e-3)

    # double every CPU price (the file's and payments' own) in the workbook: the CPU half of
    # every cost doubles, memory stays, and the totals follow
    edited = load_workbook(workbook)
    sheet, cell = _named(edited, CPU_PRICE)
    edited[sheet][cell] = 0.08
    prices = edited[PRICES_SHEET]
    payments = next(r for r in prices.iter_rows() if r[0].value == "payments")
    payments[1].value = 0.16
    moved = tmp_path / "moved" / XLSX_FILE
    moved.parent.mkdir()
    edited.save(moved)
    after = _recalculated(soffice, moved)
    sheet, cell = _named(after, MESH_TOTAL)
    expected = 2 * cost.mesh.cpu_monthly + cost.mesh.memory_monthly
    assert after[sheet][cell].value == pytest.approx(expected, abs=1e-3)
    lines = {n.name: n for n in cost.namespaces}
    for name, total in _namespace_totals(after).items():
        assert total == pytest.approx(
            2 * lines[name].cpu_monthly + lines[name].memory_monthly, abs=1e-3
        ), name


def test_without_prices_the_workbook_has_no_cost_sheets(tmp_path: Path) -> None:
    _size(tmp_path, None, "out", "-f", "xlsx")
    book = load_workbook(tmp_path / "out" / XLSX_FILE)
    assert not {PRICES_SHEET, "Cost", NAMESPACE_SHEET} & set(book.sheetnames)
    assert MESH_TOTAL not in book.defined_names


def test_the_page_shows_the_cost_with_its_formula_and_source(tmp_path: Path) -> None:
    _size(tmp_path, EXAMPLE, "out", "-f", "html")
    page = (tmp_path / "out" / HTML_FILE).read_text("utf-8")
    section = page.split('<section id="money"')[1].split("</section>")[0]
    assert "monthly cost = CPU request (cores) x price per vCPU-hour" in section
    assert "as of 2026-12-05" in section
    assert "https://aws.amazon.com/fargate/pricing/" in section
    assert "USD 598.72</strong> a month" in section  # the summary's and plan.json's figure
    plain = tmp_path / "plain"
    plain.mkdir()
    _size(plain, None, "out", "-f", "html")
    assert 'id="money"' not in (plain / "out" / HTML_FILE).read_text("utf-8")


def test_compare_page_and_workbook_show_each_data_planes_cost(
    soffice: tuple[str, Path],  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    prices = write(tmp_path / "prices.yaml", PRICES)
    args = ["compare", *SAMPLE, "--nodes", str(DATA / "nodes.csv"), "--no-observed"]
    args += ["--prices", str(prices), "-f", "html", "-f", "xlsx", "-o", "cmp"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    comparison = Comparison.model_validate_json((tmp_path / "cmp" / "compare.json").read_bytes())
    assert comparison.cost is not None
    rows = {r.data_plane: r for r in comparison.cost.rows}
    page = (tmp_path / "cmp" / "compare.html").read_text("utf-8")
    section = page.split('<section id="money"')[1].split("</section>")[0]
    assert "monthly cost = CPU request (cores) x price per vCPU-hour" in section
    assert "as of 2026-12-01" in section
    ambient = rows["istio-ambient"]
    assert f"-USD {-ambient.difference_monthly:,.2f}" in section
    book = _recalculated(soffice, tmp_path / "cmp" / "compare.xlsx")
    sheet = list(book["Cost"].iter_rows(min_row=2, values_only=True))
    for name, _cpu, _mem, cpu_money, mem_money, total, against in sheet:
        assert (cpu_money, mem_money) == pytest.approx(
            (rows[name].mesh.cpu_monthly, rows[name].mesh.memory_monthly), abs=1e-3
        )
        assert total == pytest.approx(rows[name].mesh.total_monthly, abs=1e-3)
        assert against == pytest.approx(rows[name].difference_monthly, abs=1e-3)
    edited = load_workbook(tmp_path / "cmp" / "compare.xlsx")
    sheet_name, cell = _named(edited, HOURS)
    edited[sheet_name][cell] = 365.0  # half a month: every cost halves
    moved = tmp_path / "moved" / "compare.xlsx"
    moved.parent.mkdir()
    edited.save(moved)
    after = _recalculated(soffice, moved)
    for name, *_, total, against in after["Cost"].iter_rows(min_row=2, values_only=True):
        assert total == pytest.approx(rows[name].mesh.total_monthly / 2, abs=1e-3)
        assert against == pytest.approx(rows[name].difference_monthly / 2, abs=1e-3)


@pytest.fixture(scope="module")
def sample_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _size(tmp_path_factory.mktemp("sample"), None)


@settings(max_examples=40, deadline=None)
@given(
    cpu=st.floats(0.0, 10.0, allow_nan=False),
    memory=st.floats(0.0, 10.0, allow_nan=False),
    own=st.floats(0.0, 10.0, allow_nan=False),
)
def test_cost_is_the_requests_times_the_prices(
    sample_plan: Plan, cpu: float, memory: float, own: float
) -> None:
    """Whatever the prices: the parts add up to the mesh, the namespaces and the shared parts
    too, each namespace costs its requests at its prices, and a dearer price never costs less."""
    prices = Prices(
        currency="EUR",
        as_of=date(2026, 12, 1),
        source="generated",
        cpu_price_per_vcpu_hour=cpu,
        memory_price_per_gib_hour=memory,
        namespaces={"payments": NamespacePrices(cpu_price_per_vcpu_hour=own)},
    )
    cost = plan_cost(sample_plan, prices, price_info(prices, "p.yaml"))
    assert sum(p.total_monthly for p in cost.parts) == pytest.approx(
        cost.mesh.total_monthly, abs=1e-3
    )
    shared = sum(p.total_monthly for p in cost.parts if p.name in cost.shared)
    namespaces = sum(n.total_monthly for n in cost.namespaces)
    assert namespaces + shared == pytest.approx(cost.mesh.total_monthly, abs=1e-3)
    for n in cost.namespaces:
        price = own if n.name == "payments" else cpu
        assert n.cpu_monthly == pytest.approx(n.cpu_request_cores * price * 730, abs=1e-3)
        assert n.memory_monthly == pytest.approx(n.memory_request_gib * memory * 730, abs=1e-3)
    dearer = prices.model_copy(update={"cpu_price_per_vcpu_hour": cpu + 1.0})
    more = plan_cost(sample_plan, dearer, price_info(dearer, "p.yaml"))
    assert more.mesh.total_monthly >= cost.mesh.total_monthly
