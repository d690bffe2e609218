"""The review's cost on its page and in its workbook (`planner review --prices -f html -f xlsx`):
the Cost section shows review.json's figures with the prices and their source; the Cost sheet's
figures are live formulas of the price cells, which LibreOffice recalculates to review.json's
cost, and which move when a price does; without prices there is neither."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from models.cost import CostChange
from models.review import Review
from reports.cost import PART_TITLES, money, signed_money
from reports.html.review import TOP_COST_NAMESPACES, render_review_html_text
from reports.review import REVIEW_FILE, REVIEW_HTML_FILE, REVIEW_XLSX_FILE
from reports.xlsx.cost import CPU_PRICE, HOURS, MEMORY_PRICE
from reports.xlsx.review_cost import COST, COST_AFTER, COST_BEFORE, COST_GROWTH
from tests.conftest import DATA, run_cli, write
from tests.plans import SCRIPT
from tests.test_excel import recalculate, soffice  # noqa: F401 (soffice is a fixture)
from tests.test_html import _table_rows
from tests.test_review_page import (  # noqa: F401 (hostile is a fixture)
    FORMATS,
    _load_in_chromium,
    hostile,
)

EXAMPLE = DATA / "prices" / "aws-fargate-us-east-1-2026-12.yaml"
QUARTERS = ["2026-08-20", "2026-11-20"]


@dataclass(frozen=True)
class Priced:
    """The sample's last two quarters reviewed with and without prices (-f html -f xlsx)."""

    folder: Path
    review: Review
    page: str
    workbook: Path
    plain_page: str
    plain_workbook: Path


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory) -> Priced:
    folder = tmp_path_factory.mktemp("review-cost")
    args = ["review"]
    for day in QUARTERS:
        source = DATA if day == QUARTERS[-1] else DATA / "history" / day
        size = ["size", "-i", str(source / "cluster.csv"), "--services"]
        size += [str(source / "services.csv"), "--traffic", str(source / "traffic.csv")]
        size += ["--traffic-window", "7d", "--inputs-date", day, "-o", f"q-{day}"]
        run = run_cli(size, cwd=folder)
        assert run.exit_code == 0, run.stderr
        args += ["--history", f"q-{day}/plan.json"]
    run = run_cli([*args, *FORMATS, "--prices", str(EXAMPLE), "-o", "priced"], cwd=folder)
    assert run.exit_code == 0, run.stderr
    plain = run_cli([*args, *FORMATS, "-o", "plain"], cwd=folder)
    assert plain.exit_code == 0, plain.stderr
    out = folder / "priced"
    return Priced(
        folder,
        Review.model_validate_json((out / REVIEW_FILE).read_bytes()),
        (out / REVIEW_HTML_FILE).read_text("utf-8"),
        out / REVIEW_XLSX_FILE,
        (folder / "plain" / REVIEW_HTML_FILE).read_text("utf-8"),
        folder / "plain" / REVIEW_XLSX_FILE,
    )


def _cost_row(change: CostChange, currency: str) -> list[str]:
    return [
        PART_TITLES.get(change.name, change.name),
        money(change.before_monthly, currency),
        money(change.after_monthly, currency),
        signed_money(change.difference_monthly, currency),
    ]


# --- the page ------------------------------------------------------------------------------------


def test_page_shows_the_prices_the_formula_and_the_cost_by_part(priced: Priced) -> None:
    cost = priced.review.cost
    assert cost is not None
    page = priced.page
    assert '<a href="#cost">Cost</a>' in page
    # the Cost section comes right after the parts of the mesh
    assert page.index('id="parts-h"') < page.index('id="cost-h"') < page.index('id="drivers-h"')
    prices = {row[0]: row[1] for row in _table_rows(page, "cost-prices") if len(row) == 2}
    assert prices == {
        "Currency": "USD",
        "Price per vCPU-hour": "0.04048",
        "Price per GiB-hour": "0.004445",
        "Hours a month": "730",
        "As of": "2026-12-05",
        "Source": cost.prices.source,
        "Prices file": f"{EXAMPLE.name} ({cost.prices.description})",
    }
    assert f"Formula: {cost.formula}." in page
    rows = _table_rows(page, "cost-parts")
    shown = [c for c in cost.parts if c.before_monthly or c.after_monthly]
    assert rows == [_cost_row(c, "USD") for c in [*shown, cost.mesh]]
    assert rows[-1] == ["whole mesh", "USD 552.41", "USD 598.72", "+USD 46.31"]
    assert "<strong>+USD 46.31</strong> a month" in page


def test_page_lists_the_namespaces_whose_cost_changed_most(priced: Priced) -> None:
    cost = priced.review.cost
    assert cost is not None
    moved = sorted(
        (n for n in cost.namespaces if round(n.difference_monthly, 2)),
        key=lambda n: (-abs(n.difference_monthly), n.name),
    )
    assert len(moved) < len(cost.namespaces)  # messaging's cost did not change: not listed
    rows = _table_rows(priced.page, "cost-namespaces")
    assert rows == [_cost_row(n, "USD") for n in moved]
    assert rows[0] == ["storefront", "USD 104.63", "USD 117.96", "+USD 13.33"]
    assert "namespaces whose cost changed shown" not in priced.page  # all of them fit


def test_page_caps_the_namespaces_and_points_to_review_json(priced: Priced) -> None:
    cost = priced.review.cost
    assert cost is not None
    many = tuple(
        CostChange(
            name=f"team-{i:02}",
            before_monthly=10.0,
            after_monthly=10.0 + i,
            difference_monthly=float(i),
        )
        for i in range(1, 31)
    )
    review = priced.review.model_copy(update={"cost": cost.model_copy(update={"namespaces": many})})
    page = render_review_html_text(review)
    rows = _table_rows(page, "cost-namespaces")
    assert [r[0] for r in rows] == [f"team-{i:02}" for i in range(30, 30 - TOP_COST_NAMESPACES, -1)]
    assert (
        f"{TOP_COST_NAMESPACES} of 30 namespaces whose cost changed shown (the largest changes "
        f"first); {REVIEW_FILE} lists every namespace's cost." in page
    )


def test_priced_page_in_headless_chromium(priced: Priced, tmp_path: Path) -> None:
    page_path = priced.folder / "priced" / REVIEW_HTML_FILE
    seen = _load_in_chromium(page_path, tmp_path, ("#cost-prices", "#cost-parts"))
    seen.assert_alone(page_path)
    seen.assert_fits()
    flat = " ".join(seen.text.split())
    assert "whole mesh USD 552.41 USD 598.72 +USD 46.31" in flat


def test_without_prices_the_page_has_no_cost_section(priced: Priced) -> None:
    assert 'id="cost"' not in priced.plain_page
    assert "#cost" not in priced.plain_page
    assert 'id="cost"' in priced.page
    # the footer names the workbook's Cost sheet only when there is one
    assert "and the cost with the prices as live cells" in priced.page
    assert "and the cost with the prices as live cells" not in priced.plain_page


def test_prices_and_namespaces_are_escaped_in_the_page(hostile: Path) -> None:  # noqa: F811
    folder = hostile.parent
    prices = write(
        folder / "hostile-prices.yaml",
        "currency: EUR\nas_of: 2026-12-01\nsource: <script>alert(1)</script> & co\n"
        "description: <b>bold</b>\ncpu_price_per_vcpu_hour: 0.05\n"
        "memory_price_per_gib_hour: 0.005\n",
    )
    run = run_cli(
        [
            *("review", "--history", "p2/plan.json", "--history", "p3/plan.json", "-f", "html"),
            *("--prices", str(prices), "-o", "hostile-cost"),
        ],
        cwd=folder,
    )
    assert run.exit_code == 0, run.stderr
    page = (folder / "hostile-cost" / REVIEW_HTML_FILE).read_text("utf-8")
    assert "<script>" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    names = [row[0] for row in _table_rows(page, "cost-namespaces")]
    assert SCRIPT in names  # the <script> namespace grew a pod: listed, as text


# --- the workbook --------------------------------------------------------------------------------


def _named(book: Any, name: str) -> Any:
    sheet, cell = book.defined_names[name].attr_text.split("!")
    return book[sheet.strip("'")][cell.replace("$", "")]


def test_workbook_cost_sheet_holds_prices_as_inputs_and_costs_as_formulas(
    priced: Priced,
) -> None:
    book = load_workbook(priced.workbook)
    assert book.sheetnames[:2] == ["Changes", COST]
    assert _named(book, CPU_PRICE).value == 0.04048
    assert _named(book, MEMORY_PRICE).value == 0.004445
    assert _named(book, HOURS).value == 730
    sidecars = next(r for r in book[COST].iter_rows() if r[0].value == "sidecars")
    parts = {p.part: p for p in priced.review.parts}
    assert [c.value for c in sidecars[1:5]] == [
        parts["sidecars"].cpu_request_cores.before,
        parts["sidecars"].cpu_request_cores.after,
        parts["sidecars"].memory_request_gib.before,
        parts["sidecars"].memory_request_gib.after,
    ]
    r = sidecars[0].row
    assert sidecars[5].value == (f"=B{r}*{CPU_PRICE}*{HOURS}+D{r}*{MEMORY_PRICE}*{HOURS}")
    assert sidecars[7].value == f"=G{r}-F{r}"
    assert str(_named(book, COST_AFTER).value).startswith("=SUM(G")


def test_libreoffice_recalculates_the_cost_to_review_json_and_follows_the_prices(
    priced: Priced,
    soffice: tuple[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    cost = priced.review.cost
    assert cost is not None
    book = load_workbook(io.BytesIO(recalculate(soffice, priced.workbook)), data_only=True)
    assert round(_named(book, COST_BEFORE).value, 2) == round(cost.mesh.before_monthly, 2)
    assert round(_named(book, COST_AFTER).value, 2) == round(cost.mesh.after_monthly, 2)
    assert round(_named(book, COST_GROWTH).value, 2) == round(cost.mesh.difference_monthly, 2)
    live = {r[0]: r for r in book[COST].iter_rows(values_only=True) if r[5] is not None}
    for line in cost.parts:
        if line.before_monthly or line.after_monthly:
            row = live[PART_TITLES[line.name]]
            assert [round(v, 2) for v in row[5:8]] == [
                round(line.before_monthly, 2),
                round(line.after_monthly, 2),
                round(line.difference_monthly, 2),
            ], line.name

    # double the price per vCPU-hour: the CPU half of every cost doubles, memory's stays
    edited = load_workbook(priced.workbook)
    _named(edited, CPU_PRICE).value = 2 * cost.prices.cpu_price_per_vcpu_hour
    moved = tmp_path / "moved" / REVIEW_XLSX_FILE
    moved.parent.mkdir()
    edited.save(moved)
    after = load_workbook(io.BytesIO(recalculate(soffice, moved)), data_only=True)
    hours = cost.prices.hours_per_month
    cpu = {p.part: p.cpu_request_cores for p in priced.review.parts}["whole mesh"]
    cpu_before = cpu.before * cost.prices.cpu_price_per_vcpu_hour * hours
    cpu_after = cpu.after * cost.prices.cpu_price_per_vcpu_hour * hours
    assert _named(after, COST_BEFORE).value == pytest.approx(
        cost.mesh.before_monthly + cpu_before, abs=0.005
    )
    assert _named(after, COST_AFTER).value == pytest.approx(
        cost.mesh.after_monthly + cpu_after, abs=0.005
    )
    assert _named(after, COST_GROWTH).value == pytest.approx(
        cost.mesh.difference_monthly + cpu_after - cpu_before, abs=0.005
    )


def test_without_prices_the_workbook_has_no_cost_sheet(priced: Priced) -> None:
    book = load_workbook(priced.plain_workbook)
    assert COST not in book.sheetnames
    assert not {CPU_PRICE, COST_BEFORE, COST_AFTER} & set(book.defined_names)


def test_namespaces_own_prices_are_live_rows_and_the_total_is_review_jsons(
    priced: Priced,
    soffice: tuple[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    own = EXAMPLE.read_text("utf-8") + (
        "\nnamespaces:\n  catalog:\n    cpu_price_per_vcpu_hour: 0.08\n"
        "  istio-system:\n    memory_price_per_gib_hour: 0.01\n"
        "  nowhere:\n    cpu_price_per_vcpu_hour: 1.0\n"
    )
    prices = write(tmp_path / "own.yaml", own)
    args = ["review", "--history", "q-2026-08-20/plan.json", "--history", "q-2026-11-20/plan.json"]
    out = tmp_path / "own"
    run = run_cli([*args, "-f", "xlsx", "--prices", str(prices), "-o", str(out)], cwd=priced.folder)
    assert run.exit_code == 0, run.stderr
    review = Review.model_validate_json((out / REVIEW_FILE).read_bytes())
    cost = review.cost
    assert cost is not None
    assert priced.review.cost is not None
    assert cost.mesh.after_monthly > priced.review.cost.mesh.after_monthly
    book = load_workbook(out / REVIEW_XLSX_FILE)
    rows = {r[0].value: r for r in book[COST].iter_rows() if r[0].value in cost.prices.namespaces}
    assert sorted(rows) == ["catalog", "istio-system"]  # nowhere is in neither plan
    # an own price is an input; one the file leaves out follows the file's price
    assert [c.value for c in rows["catalog"][8:10]] == [0.08, f"={MEMORY_PRICE}"]
    assert [c.value for c in rows["istio-system"][8:10]] == [f"={CPU_PRICE}", 0.01]
    live = load_workbook(io.BytesIO(recalculate(soffice, out / REVIEW_XLSX_FILE)), data_only=True)
    assert round(_named(live, COST_BEFORE).value, 2) == round(cost.mesh.before_monthly, 2)
    assert round(_named(live, COST_AFTER).value, 2) == round(cost.mesh.after_monthly, 2)
    assert round(_named(live, COST_GROWTH).value, 2) == round(cost.mesh.difference_monthly, 2)
