"""review.html and review.xlsx (`planner review --format`): the sample's review with its forecast
as a page (exactly as reviewed, loading in a real browser, fetching nothing) and as a workbook
whose sums and fitted laws a real spreadsheet engine recalculates to review.json's figures;
hostile namespace and workload names kept inert in both."""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError
from openpyxl import load_workbook

from models.formats import ReviewFormat
from models.review import DriverForecast, Review, Threshold
from reports import REVIEW_ENTRIES, REVIEW_RENDERERS
from reports.html.charts import Point, Step, trend, waterfall
from reports.html.page import environment
from reports.html.review import (
    TOP_CROSSINGS,
    TOP_WORKLOADS,
    render_review_html,
    render_review_html_text,
)
from reports.review import REVIEW_FILE, REVIEW_HTML_FILE, REVIEW_XLSX_FILE
from reports.xlsx.review import (
    CHANGES,
    DRIVERS_CPU_TOTAL,
    DRIVERS_MEMORY_TOTAL,
    FORECAST,
    SIDECARS_CPU_CHANGE,
    SIDECARS_MEMORY_CHANGE,
    THRESHOLDS,
    WORKLOAD_COLS,
    WORKLOADS,
    render_review_xlsx,
)
from tests.conftest import DATA, assert_golden, run_cli, write
from tests.plans import AT_SUM, DDE, HYPERLINK, MINUS, SCRIPT
from tests.test_excel import recalculate, soffice  # noqa: F401 (soffice is a fixture)
from tests.test_html import BrowserRun, _table_rows, assert_self_contained, load_in_chromium

HISTORY = ["2026-02-20", "2026-05-20", "2026-08-20", "2026-11-20"]
FORMATS = ["-f", "html", "-f", "xlsx"]


def _history(folder: Path) -> list[str]:
    """The sample's four quarters sized into `folder`; the --history arguments naming them."""
    args = []
    for day in HISTORY:
        source = DATA if day == HISTORY[-1] else DATA / "history" / day
        size = ["size", "-i", str(source / "cluster.csv"), "--services"]
        size += [str(source / "services.csv"), "--traffic", str(source / "traffic.csv")]
        size += ["--traffic-window", "7d", "--inputs-date", day, "-o", f"q-{day}"]
        run = run_cli(size, cwd=folder)
        assert run.exit_code == 0, run.stderr
        args += ["--history", f"q-{day}/plan.json"]
    return args


@dataclass(frozen=True)
class Reviewed:
    """One `planner review --history ... -f html -f xlsx` of the sample's history."""

    folder: Path
    out: Path
    review: Review
    page: str
    workbook: bytes


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Reviewed:
    folder = tmp_path_factory.mktemp("review")
    run = run_cli(["review", *_history(folder), *FORMATS], cwd=folder)
    assert run.exit_code == 0, run.stderr
    out = folder / "review"
    return Reviewed(
        folder,
        out,
        Review.model_validate_json((out / REVIEW_FILE).read_bytes()),
        (out / REVIEW_HTML_FILE).read_text("utf-8"),
        (out / REVIEW_XLSX_FILE).read_bytes(),
    )


# --- the command ---------------------------------------------------------------------------------


def test_cli_writes_the_page_and_the_workbook_beside_review_json(reviewed: Reviewed) -> None:
    args = ["review", "--history", "q-2026-08-20/plan.json", "--history", "q-2026-11-20/plan.json"]
    plain = run_cli([*args, "-o", "plain"], cwd=reviewed.folder)
    assert plain.exit_code == 0, plain.stderr
    assert plain.stdout == "plain/review.json\n"
    both = run_cli([*args, *FORMATS, "-o", "both"], cwd=reviewed.folder)
    assert both.exit_code == 0, both.stderr
    assert both.stdout == "both/review.html\nboth/review.json\nboth/review.xlsx\n"
    assert both.stderr == plain.stderr  # the summary is the same whatever is written
    page = run_cli([*args, "--format", "html", "-o", "both"], cwd=reviewed.folder)
    assert page.exit_code == 1
    assert "--force" in page.stderr
    again = run_cli([*args, "--format", "html", "-o", "both", "--force"], cwd=reviewed.folder)
    assert again.exit_code == 0, again.stderr
    # what the review owns: the workbook of the earlier run is gone with --force
    assert sorted(p.name for p in (reviewed.folder / "both").iterdir()) == [
        REVIEW_HTML_FILE,
        REVIEW_FILE,
    ]


def test_a_format_review_has_not_is_a_usage_error(reviewed: Reviewed) -> None:
    args = ["review", "--history", "q-2026-08-20/plan.json", "--history", "q-2026-11-20/plan.json"]
    run = run_cli([*args, "-f", "pdf", "-o", "pdf"], cwd=reviewed.folder)
    assert run.exit_code == 2
    assert "'pdf' is not one of 'json', 'html', 'xlsx'" in run.stderr
    assert not (reviewed.folder / "pdf").exists()


def test_every_format_has_a_renderer_writing_the_entry_it_owns(reviewed: Reviewed) -> None:
    assert set(REVIEW_RENDERERS) == set(ReviewFormat) == set(REVIEW_ENTRIES)
    for output, render in REVIEW_RENDERERS.items():
        assert list(render(reviewed.review)) == [REVIEW_ENTRIES[output]]


def test_renderers_read_only_the_review_and_give_the_same_bytes(reviewed: Reviewed) -> None:
    copy = Review.model_validate_json(reviewed.review.model_dump_json())
    assert render_review_html(copy)[REVIEW_HTML_FILE].decode("utf-8") == reviewed.page
    assert render_review_xlsx(copy)[REVIEW_XLSX_FILE] == reviewed.workbook


def test_template_refuses_undefined_variables() -> None:
    with pytest.raises(UndefinedError):
        environment().get_template("review.html.j2").render()


# --- review.html ---------------------------------------------------------------------------------


def test_sample_review_page_is_exactly_as_reviewed(reviewed: Reviewed, update_golden: bool) -> None:
    assert_golden("review-sample.html", reviewed.page.encode("utf-8"), update_golden)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each svg's title and desc."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.said: dict[str, list[str]] = {}
        self._svg: str | None = None
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag == "svg":
            self._svg = str(found.get("id"))
            self.said[self._svg] = []
        elif self._svg and tag in ("title", "desc") and found.get("id"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg = None
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._svg and self._in:
            self.said[self._svg].append(data)


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def test_page_fetches_nothing_and_runs_nothing(reviewed: Reviewed) -> None:
    assert_self_contained(reviewed.page)


def _signed(value: float) -> str:
    text = f"{abs(value):,.2f}"
    return text if float(text) == 0 else ("\u2212" if value < 0 else "+") + text


def test_page_shows_the_parts_and_the_drivers_adding_up_to_the_change(reviewed: Reviewed) -> None:
    review = reviewed.review
    parts = _table_rows(reviewed.page, "parts-table")
    assert [row[0] for row in parts] == [p.part for p in review.parts]
    sidecars = review.parts[0]
    assert parts[0] == [
        "sidecars",
        "120",
        "130",
        "+10",
        "15.30",
        "16.69",
        "+1.39",
        "15.00",
        "16.25",
        "+1.25",
    ]
    drivers = _table_rows(reviewed.page, "drivers-table")
    assert drivers[:-1] == [
        [d.label, _signed(d.cpu_request_cores), _signed(d.memory_request_gib)]
        for d in review.sidecar_drivers
    ]
    assert drivers[-1] == [
        "total",
        _signed(sidecars.cpu_request_cores.delta),
        _signed(sidecars.memory_request_gib.delta),
    ]
    said = _tags(reviewed.page).said
    cpu = " ".join(said["drivers-cpu"])
    assert "more or fewer pods +1.33 cores" in cpu
    assert "Together +1.39 cores, the sidecars' change (+1.39 cores)." in cpu
    assert "Together +1.25 GiB" in " ".join(said["drivers-memory"])


def test_page_lists_namespaces_workloads_and_the_control_plane(reviewed: Reviewed) -> None:
    review = reviewed.review
    namespaces = _table_rows(reviewed.page, "namespaces-table")
    assert [row[0] for row in namespaces] == [
        "storefront",
        "catalog",
        "checkout",
        "payments",
        "identity",
        "orders",
    ]
    workloads = _table_rows(reviewed.page, "workloads-table")
    assert len(review.workloads) == 46 > TOP_WORKLOADS == len(workloads)
    assert workloads[0][:3] == ["payments", "gift-cards", "added"]
    assert workloads[1][:3] == ["catalog", "legacy-search", "removed"]
    assert workloads[2][-1] == "more or fewer pods +0.21 cores, +0.12 GiB"
    assert "40 of 46 workloads shown" in reviewed.page
    assert f"{REVIEW_FILE} lists every one with its drivers" in reviewed.page
    istiod = _table_rows(reviewed.page, "control-plane-table")
    assert istiod[0][:4] == ["istiod", "2", "2", "0"]
    assert "Connected proxies 122 \u2192 132" in istiod[0][-1]
    gateways = _table_rows(reviewed.page, "gateways-table")
    assert gateways[0][0] == "istio-system/istio-ingressgateway (ingress-gateway)"
    assert "Requests per second through it 1,000 \u2192 1,200" in gateways[0][-1]


def _law(driver: DriverForecast, t: float) -> float:
    x = driver.intercept + driver.slope * t
    return math.exp(x) if driver.law == "exponential" else x


def test_each_forecast_driver_has_a_chart_of_its_history_law_and_interval(
    reviewed: Reviewed,
) -> None:
    forecast = reviewed.review.forecast
    assert forecast is not None
    said = _tags(reviewed.page).said
    for driver in forecast.drivers:
        chart = " ".join(said[f"forecast-{driver.name}"])
        assert f"{driver.label}: history and the {driver.law} law to 2027-02-18" in chart
        for day, value in zip(driver.dates, driver.values, strict=True):
            assert f"{day} {value:,.1f}" in chart
        assert f"where it gives {driver.at_horizon:,.1f}" in chart
        assert driver.low is not None
        assert driver.high is not None
        assert f"95 % prediction interval {driver.low:,.1f} to {driver.high:,.1f}" in chart
        assert "drawn as a whisker" in chart
    # the line is the law: its last point is the value at the horizon
    rps = next(d for d in forecast.drivers if d.name == "rps")
    t = (date.fromisoformat(forecast.horizon) - date.fromisoformat(rps.dates[0])).days
    assert _law(rps, t) == pytest.approx(rps.at_horizon, rel=1e-6)
    table = _table_rows(reviewed.page, "forecast-drivers")
    assert table[2] == [
        "Requests per second into meshed workloads",
        "exponential: value = exp(9.2209 + 0.00199411 t)",
        "17,386.9",
        "+19.9 % a quarter",
        "20,842.7",
        "95 % prediction interval 20,430.6 to 21,263.2",
    ]
    projection = _table_rows(reviewed.page, "projection")
    assert projection[0] == ["expected", "140", "18.20", "17.49"]
    assert "No proxy's request crosses today's limits before 2027-02-18." in reviewed.page


def test_a_review_without_history_has_no_forecast_section(reviewed: Reviewed) -> None:
    review = reviewed.review.model_copy(update={"forecast": None})
    page = render_review_html_text(review)
    assert 'id="forecast"' not in page
    assert 'href="#forecast"' not in page
    book = load_workbook(io.BytesIO(render_review_xlsx(review)[REVIEW_XLSX_FILE]))
    assert book.sheetnames == [CHANGES, WORKLOADS, FORECAST, THRESHOLDS]
    assert book[FORECAST]["A1"].value.startswith("No forecast: run planner review with --history")


def test_thresholds_crossings_and_warnings_are_listed(reviewed: Reviewed) -> None:
    forecast = reviewed.review.forecast
    assert forecast is not None
    message = f"gateway {SCRIPT} needs 3 replicas (planned 2) by 2026-12-25"
    threshold = Threshold(
        part="gateway",
        subject=SCRIPT,
        what="replicas",
        unit="replicas",
        today=2,
        then=3,
        by="2026-12-25",
        message=message,
    )
    crossings = tuple(f"{HYPERLINK}/w{i:02}: its CPU request reaches more" for i in range(30))
    warning = "two snapshots: a line through two points, with no interval"
    update = {"thresholds": (threshold,), "crossings": crossings, "warnings": (warning,)}
    review = reviewed.review.model_copy(update={"forecast": forecast.model_copy(update=update)})
    page = render_review_html_text(review)
    assert _table_rows(page, "thresholds") == [
        ["gateway", SCRIPT, "replicas", "2 replicas", "3 replicas", "2026-12-25", message]
    ]
    assert page.count(f"{HYPERLINK.replace(chr(34), '&#34;')}/w") == TOP_CROSSINGS
    assert f"{TOP_CROSSINGS} of 30 shown; {REVIEW_FILE} lists them all." in page
    assert f"<li>{warning}</li>" in page
    sheet = _open(render_review_xlsx(review)[REVIEW_XLSX_FILE])[THRESHOLDS]
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["gateway", SCRIPT, "replicas", "replicas", 2, 3, "2026-12-25", message] in rows
    assert [[line] for line in crossings] == [r for r in rows if r and r[0] in crossings]
    assert [warning] in rows


def test_the_new_charts_escape_their_text_and_label_every_mark() -> None:
    steps = [Step(SCRIPT, 1.5, "+1.50"), Step(HYPERLINK, -0.5, "\u22120.50")]
    chart = waterfall("w", SCRIPT, SCRIPT, steps, Step("total change", 1.0, "+1.00"))
    points = [Point(0, 1.0, SCRIPT, "1.0"), Point(90, 2.0, "2026-05-20", "2.0")]
    line = trend(
        "t", SCRIPT, SCRIPT, points, [(0, 1.0), (180, 3.0)], points[1], (1.5, 2.5), "linear", SCRIPT
    )
    for svg in (str(chart), str(line)):
        assert SCRIPT not in svg
        assert "&lt;script&gt;" in svg
        assert svg.startswith('<svg class="chart"')
        assert 'role="img"' in svg
        parsed = _tags(svg)
        assert [t for t, _ in parsed.tags if t in ("script", "foreignObject")] == []
    # each bar's value as text, and the bars end where the steps add up to
    for text in ("+1.50", "\u22120.50", "+1.00"):
        assert f">{text}</text>" in str(chart)
    assert waterfall("w", "t", "d", steps, steps[0]) == waterfall("w", "t", "d", steps, steps[0])


def _load_in_chromium(page_path: Path, tmp_path: Path, selectors: tuple[str, ...]) -> BrowserRun:
    """The page in headless Chromium (tests/test_html.py), printed on A4 landscape."""
    return load_in_chromium(page_path, tmp_path, "review.png", selectors=selectors, landscape=True)


def test_page_in_headless_chromium(reviewed: Reviewed, tmp_path: Path) -> None:
    page_path = reviewed.out / REVIEW_HTML_FILE
    selectors = ("#parts-table", "#drivers-cpu", "#drivers-memory", "#forecast-rps", "#projection")
    seen = _load_in_chromium(page_path, tmp_path, selectors)
    seen.assert_alone(page_path)
    seen.assert_fits()
    flat = " ".join(seen.text.split())
    for figure in ("15.30 16.69 +1.39", "gift-cards added", "20,842.7", "2027-02-18"):
        assert figure in flat, figure


# --- review.xlsx ---------------------------------------------------------------------------------


def _open(data: bytes, *, values: bool = False) -> Any:
    return load_workbook(io.BytesIO(data), data_only=values)


def _named(book: Any, name: str) -> Any:
    sheet, cell = book.defined_names[name].attr_text.split("!")
    return book[sheet][cell.replace("$", "")]


def _blocks(sheet: Any) -> list[dict[str, Any]]:
    """Each driver's block on the Forecast sheet: its parameters' cells and its rows."""
    rows = list(sheet.iter_rows())
    blocks: list[dict[str, Any]] = []
    for row in rows:
        first = row[0].value
        if first == "Intercept a":
            blocks.append({"label": rows[row[0].row - 2][0].value, "a": row[1], "rows": []})
        elif first == "Slope b (per day)":
            blocks[-1]["b"] = row[1]
        elif blocks and isinstance(row[1].value, int) and row[3].value is not None:
            blocks[-1]["rows"].append(row)
    return blocks


def test_workbook_holds_the_forecasts_inputs_as_data_and_its_fit_as_formulas(
    reviewed: Reviewed,
) -> None:
    book = _open(reviewed.workbook)
    assert book.sheetnames == [CHANGES, WORKLOADS, FORECAST, THRESHOLDS]
    forecast = reviewed.review.forecast
    assert forecast is not None
    drivers = [*forecast.drivers, *forecast.namespaces]
    blocks = _blocks(book[FORECAST])
    assert [b["label"] for b in blocks] == [d.label for d in drivers]
    for block, driver in zip(blocks, drivers, strict=True):
        assert (block["a"].value, block["b"].value) == (driver.intercept, driver.slope)
        a, b = f"$B${block['a'].row}", f"$B${block['b'].row}"
        history, horizon = block["rows"][:-1], block["rows"][-1]
        first = date.fromisoformat(driver.dates[0])
        for row, day, value in zip(history, driver.dates, driver.values, strict=True):
            assert row[0].value.date() == date.fromisoformat(day)
            assert row[1].value == (date.fromisoformat(day) - first).days
            assert row[2].value == value
        assert horizon[0].value.date() == date.fromisoformat(forecast.horizon)
        assert horizon[4].value == driver.at_horizon
        for row in block["rows"]:
            line = f"{a}+{b}*B{row[0].row}"
            expected = f"=EXP({line})" if driver.law == "exponential" else f"={line}"
            assert row[3].value == expected
            assert row[3].data_type == "f"


def test_libreoffice_recalculates_the_fit_to_review_json(
    soffice: tuple[str, Path],  # noqa: F811 (the fixture imported above)
    reviewed: Reviewed,
    tmp_path: Path,
) -> None:
    workbook = tmp_path / REVIEW_XLSX_FILE
    workbook.write_bytes(reviewed.workbook)
    book = _open(recalculate(soffice, workbook), values=True)
    forecast = reviewed.review.forecast
    assert forecast is not None
    drivers = [*forecast.drivers, *forecast.namespaces]
    for block, driver in zip(_blocks(book[FORECAST]), drivers, strict=True):
        for row in block["rows"]:
            assert row[3].value == pytest.approx(_law(driver, row[1].value), rel=1e-9)
        # the live value at the horizon is review.json's (rounded there to 6 decimals)
        assert block["rows"][-1][3].value == pytest.approx(driver.at_horizon, abs=1e-5)
    review = reviewed.review
    sidecars = review.parts[0]
    cpu = sum(d.cpu_request_cores for d in review.sidecar_drivers)
    memory = sum(d.memory_request_gib for d in review.sidecar_drivers)
    assert _named(book, DRIVERS_CPU_TOTAL).value == pytest.approx(cpu, abs=1e-9)
    assert _named(book, DRIVERS_MEMORY_TOTAL).value == pytest.approx(memory, abs=1e-9)
    # the drivers add up to the sidecars' change (each rounded to 0.01 in review.json)
    change = _named(book, SIDECARS_CPU_CHANGE).value
    assert change == pytest.approx(sidecars.cpu_request_cores.delta, abs=1e-9)
    assert _named(book, DRIVERS_CPU_TOTAL).value == pytest.approx(change, abs=2e-3)
    memory_change = _named(book, SIDECARS_MEMORY_CHANGE).value
    assert memory_change == pytest.approx(sidecars.memory_request_gib.delta, abs=1e-9)
    assert _named(book, DRIVERS_MEMORY_TOTAL).value == pytest.approx(memory_change, abs=2e-3)
    # every workload is listed, its live changes review.json's
    listed = {}
    for row in book[WORKLOADS].iter_rows(min_row=2, values_only=True):
        cells = dict(zip((c.key for c in WORKLOAD_COLS), row, strict=True))
        listed[(cells["namespace"], cells["workload"])] = cells
    assert len(listed) == len(review.workloads)
    for w in review.workloads:
        cells = listed[(w.namespace, w.workload)]
        assert cells["status"] == w.status
        assert cells["cpu_change"] == pytest.approx(w.cpu_request_cores.delta, abs=1e-9)
        assert cells["memory_change"] == pytest.approx(w.memory_request_gib.delta, abs=1e-9)
    # every part's live change is review.json's
    rows = {r[0].value: r for r in book[CHANGES].iter_rows() if r[0].value}
    for part in review.parts:
        row = rows[part.part]
        assert row[3].value == pytest.approx(part.pods.delta, abs=1e-9)
        assert row[6].value == pytest.approx(part.cpu_request_cores.delta, abs=1e-9)
        assert row[9].value == pytest.approx(part.memory_request_gib.delta, abs=1e-9)


def test_a_changed_slope_moves_the_fit(
    soffice: tuple[str, Path],  # noqa: F811 (the fixture imported above)
    reviewed: Reviewed,
    tmp_path: Path,
) -> None:
    book = _open(reviewed.workbook)
    pods = _blocks(book[FORECAST])[0]
    assert pods["label"] == "Sidecar pods"
    book[FORECAST][pods["b"].coordinate] = 0.0
    workbook = tmp_path / REVIEW_XLSX_FILE
    book.save(workbook)
    live = _blocks(_open(recalculate(soffice, workbook), values=True)[FORECAST])[0]
    assert [row[3].value for row in live["rows"]] == [pytest.approx(pods["a"].value)] * 5


# --- hostile names -------------------------------------------------------------------------------

HOSTILE = f"""\
namespace,workload,replicas,rps
"{SCRIPT}","{HYPERLINK.replace('"', '""')}",{{n}},400
"{DDE}",web,3,50
shop,"{AT_SUM}",{{m}},120
shop,"{MINUS}",1,{{m}}0
"""
NEW = f'"{HYPERLINK.replace(chr(34), chr(34) * 2)}","{SCRIPT}",2,30\n'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The review of four dated snapshots of a mesh whose names are markup, formulas and DDE
    payloads: the <script> namespace and @SUM(1+1) grow a pod a quarter, -2+3's traffic grows,
    and a workload named <script> in a namespace named =HYPERLINK(...) appears in the last."""
    folder = tmp_path_factory.mktemp("hostile")
    args = []
    for n, day in enumerate(HISTORY):
        text = HOSTILE.format(n=2 + n, m=4 + n) + (NEW if n == len(HISTORY) - 1 else "")
        write(folder / f"cluster-{n}.csv", text)
        size = ["size", "-i", f"cluster-{n}.csv", "--inputs-date", day, "-o", f"p{n}"]
        run = run_cli(size, cwd=folder)
        assert run.exit_code == 0, run.stderr
        args += ["--history", f"p{n}/plan.json"]
    run = run_cli(["review", *args, *FORMATS], cwd=folder)
    assert run.exit_code == 0, run.stderr
    return folder / "review"


def test_hostile_names_are_escaped_in_the_page(hostile: Path, tmp_path: Path) -> None:
    page = (hostile / REVIEW_HTML_FILE).read_text("utf-8")
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not any(tag == "script" for tag, _ in _tags(page).tags)
    workloads = _table_rows(page, "workloads-table")
    assert workloads[0][:3] == [HYPERLINK, SCRIPT, "added"]
    namespaces = [row[0] for row in _table_rows(page, "namespaces-table")]
    assert SCRIPT in namespaces
    assert HYPERLINK in namespaces
    forecast = [row[0] for row in _table_rows(page, "forecast-drivers")]
    assert f"Sidecar pods in {SCRIPT}" in forecast
    seen = _load_in_chromium(hostile / REVIEW_HTML_FILE, tmp_path, ("#parts-table",))
    seen.assert_alone(hostile / REVIEW_HTML_FILE)
    for name in (SCRIPT, HYPERLINK, DDE, AT_SUM, MINUS):
        assert name in seen.text, name


def _text_cells(data: bytes, *, values: bool = False) -> dict[str, Any]:
    """Every text cell of the workbook, by its text (`values`: as last calculated)."""
    book = _open(data, values=values)
    return {
        c.value: c
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str)
    }


def test_hostile_names_are_never_formulas_in_the_workbook(
    soffice: tuple[str, Path],  # noqa: F811 (the fixture imported above)
    hostile: Path,
    tmp_path: Path,
) -> None:
    data = (hostile / REVIEW_XLSX_FILE).read_bytes()
    cells = _text_cells(data)
    for name in (SCRIPT, HYPERLINK, DDE, AT_SUM, MINUS, f"Sidecar pods in {DDE}"):
        assert name in cells, name
        assert cells[name].data_type == "s", name
    for name in (HYPERLINK, DDE, AT_SUM, MINUS):
        assert cells[name].quotePrefix, name
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(archive.read(n).decode("utf-8") for n in sheets)
    formulas = [part.split("</f>")[0] for part in xml.split("<f>")[1:]]
    assert formulas
    for formula in formulas:
        for payload in ("HYPERLINK", "cmd", "1+1", "2+3"):
            assert payload not in formula, formula
    workbook = tmp_path / REVIEW_XLSX_FILE
    workbook.write_bytes(data)
    values = _text_cells(recalculate(soffice, workbook), values=True)
    for name in (SCRIPT, HYPERLINK, DDE, AT_SUM, MINUS):
        assert name in values, name
