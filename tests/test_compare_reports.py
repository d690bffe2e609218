"""compare.html and compare.xlsx (`planner compare --format`): compare.json's figures row for row,
a page that loads in a real browser and fetches nothing, a sheet whose formulas a real spreadsheet
engine recalculates to compare.json's totals and differences, hostile names kept inert, the same
bytes for the same inputs."""

from __future__ import annotations

import io
import shutil
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from models.compare import CompareRow, Comparison
from models.formats import CompareFormat, DataPlane
from reports import COMPARE_ENTRIES, COMPARE_RENDERERS
from reports.compare import COMPARE_FILE, COMPARE_HTML_FILE, COMPARE_XLSX_FILE
from reports.html.compare import render_compare_html
from reports.xlsx.compare import COMPARE_COLS, LETTERS, NODES_COUNT, SHEET, render_compare_xlsx
from tests.conftest import DATA, SAMPLE_ARGS, run_cli
from tests.plans import DDE, HYPERLINK, SCRIPT
from tests.test_excel import recalculate, soffice  # noqa: F401 (soffice is a fixture)
from tests.test_html import BrowserRun, assert_self_contained, load_in_chromium

INPUTS = SAMPLE_ARGS[1:]
NODES_ARGS = ["--nodes", "nodes.csv"]
FORMATS = ["-f", "html", "-f", "xlsx"]
OUT = "planner-compare"
IMG = "<img src=x onerror=alert(1)>"
FORMULA = "=1+1"
AT = "@SUM(1+1)"


def _with_nodes(folder: Path) -> Path:
    shutil.copy(DATA / "nodes.csv", folder / "nodes.csv")
    return folder


def _read(folder: Path) -> Comparison:
    return Comparison.model_validate_json((folder / COMPARE_FILE).read_bytes())


@dataclass(frozen=True)
class Compared:
    """One `planner compare -f html -f xlsx` of the sample with its nodes."""

    out: Path
    comparison: Comparison
    page: str
    workbook: bytes


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Compared:
    folder = tmp_path_factory.mktemp("compare")
    for name in ("cluster.csv", "services.csv", "traffic.csv", "nodes.csv"):
        shutil.copy(DATA / name, folder / name)
    run = run_cli(["compare", *INPUTS, *NODES_ARGS, *FORMATS], cwd=folder)
    assert run.exit_code == 0, run.stderr
    out = folder / OUT
    return Compared(
        out,
        _read(out),
        (out / COMPARE_HTML_FILE).read_text("utf-8"),
        (out / COMPARE_XLSX_FILE).read_bytes(),
    )


# --- the command ---------------------------------------------------------------------------------


def test_cli_writes_the_page_and_the_sheet_beside_compare_json(sample: Path) -> None:
    _with_nodes(sample)
    plain = run_cli(["compare", *INPUTS, *NODES_ARGS, "-o", "plain"], cwd=sample)
    assert plain.exit_code == 0, plain.stderr
    assert plain.stdout == "plain/compare.json\n"
    assert sorted(p.name for p in (sample / "plain").iterdir()) == [COMPARE_FILE]
    run = run_cli(["compare", *INPUTS, *NODES_ARGS, *FORMATS], cwd=sample)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == (
        "planner-compare/compare.html\nplanner-compare/compare.json\nplanner-compare/compare.xlsx\n"
    )
    assert run.stderr == plain.stderr
    assert (sample / OUT / COMPARE_FILE).read_bytes() == (
        sample / "plain" / COMPARE_FILE
    ).read_bytes()
    # a later run without the formats replaces the folder: only compare.json is left
    again = run_cli(["compare", *INPUTS, *NODES_ARGS, "--force"], cwd=sample)
    assert again.exit_code == 0, again.stderr
    assert again.stdout == "planner-compare/compare.json\n"
    assert sorted(p.name for p in (sample / OUT).iterdir()) == [COMPARE_FILE]


def test_a_format_compare_has_not_is_a_usage_error(sample: Path) -> None:
    run = run_cli(["compare", *INPUTS, "--data-plane", "linkerd", "-f", "kustomize"], cwd=sample)
    assert run.exit_code == 2
    assert "'kustomize' is not one of 'json', 'html', 'xlsx'" in run.stderr
    assert not (sample / OUT).exists()
    only_json = run_cli(["compare", *INPUTS, "--data-plane", "linkerd", "-f", "json"], cwd=sample)
    assert only_json.exit_code == 0, only_json.stderr
    assert only_json.stdout == "planner-compare/compare.json\n"


def test_every_format_has_a_renderer_writing_the_entry_it_owns(compared: Compared) -> None:
    assert set(COMPARE_RENDERERS) == set(CompareFormat)
    assert set(COMPARE_ENTRIES) == set(CompareFormat)
    for output, render in COMPARE_RENDERERS.items():
        files = render(compared.comparison)
        assert list(files) == [COMPARE_ENTRIES[output]]
        assert (
            files[COMPARE_ENTRIES[output]] == (compared.out / COMPARE_ENTRIES[output]).read_bytes()
        )


def test_same_inputs_give_the_same_bytes(sample: Path) -> None:
    _with_nodes(sample)
    for out in ("a", "b"):
        run = run_cli(["compare", *INPUTS, *NODES_ARGS, *FORMATS, "-o", out], cwd=sample)
        assert run.exit_code == 0, run.stderr
    header, *rows = (sample / "cluster.csv").read_text("utf-8").splitlines()
    (sample / "cluster.csv").write_text("\n".join([header, *reversed(rows)]) + "\n", "utf-8")
    run = run_cli(["compare", *INPUTS, *NODES_ARGS, *FORMATS, "-o", "reversed"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    for name in (COMPARE_FILE, COMPARE_HTML_FILE, COMPARE_XLSX_FILE):
        first = (sample / "a" / name).read_bytes()
        assert (sample / "b" / name).read_bytes() == first, name
        assert (sample / "reversed" / name).read_bytes() == first, name


def test_renderers_read_only_the_comparison(compared: Compared) -> None:
    copy = Comparison.model_validate_json(compared.comparison.model_dump_json())
    assert render_compare_html(copy)[COMPARE_HTML_FILE].decode("utf-8") == compared.page
    assert render_compare_xlsx(copy)[COMPARE_XLSX_FILE] == compared.workbook


# --- compare.html --------------------------------------------------------------------------------


class _Page(HTMLParser):
    """Start tags, the text of the body rows of table#compare, of each list and of the chart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: list[list[str]] = []
        self.lists: dict[str, list[list[str]]] = {}
        self.svg_text: list[str] = []
        self._table = self._body = self._svg = False
        self._cell: list[str] | None = None
        self._list: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag == "table" and found.get("id") == "compare":
            self._table = True
        elif self._table and tag == "tbody":
            self._body = True
        elif self._body and tag == "tr":
            self.rows.append([])
        elif (self._body and tag in ("td", "th")) or (self._list and tag == "li"):
            self._cell = []
        elif tag == "ul" and found.get("class"):
            self._list = str(found["class"])
            self.lists.setdefault(self._list, []).append([])
        elif tag == "svg":
            self._svg = True

    def handle_endtag(self, tag: str) -> None:
        if self._cell is not None and tag in ("td", "th", "li"):
            text = " ".join("".join(self._cell).split())
            if tag == "li" and self._list:
                self.lists[self._list][-1].append(text)
            else:
                self.rows[-1].append(text)
            self._cell = None
        elif tag == "table":
            self._table = self._body = False
        elif tag == "ul":
            self._list = None
        elif tag == "svg":
            self._svg = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._svg:
            self.svg_text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _signed(value: float) -> str:
    """A difference as the page shows it: a real minus sign, unsigned when it rounds to 0."""
    text = f"{abs(value):,.2f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("\u2212" if value < 0 else "+") + text


def _page_cells(row: CompareRow, baseline: DataPlane) -> list[str]:
    """compare.json's figures of one row, in the order of the page's columns."""
    t = row.totals
    cells = [row.data_plane.value + (" baseline" if row.data_plane is baseline else "")]
    cells.append(row.mesh_version)
    for part in (t.sidecars, t.node_agents, t.gateways, t.control_plane, t.mesh):
        cells += [f"{part.cpu_request_cores:,.2f}", f"{part.memory_request_gib:,.2f}"]
    cells += [f"{t.mesh.estimated_cpu_cores:,.2f}", f"{t.mesh.estimated_memory_gib:,.2f}"]
    per_node = (row.per_node_cpu_request_cores, row.per_node_memory_request_gib)
    cells += ["n/a" if value is None else f"{value:,.2f}" for value in per_node]
    cells += [_signed(row.difference.cpu_request_cores), _signed(row.difference.memory_request_gib)]
    return cells


def test_page_has_one_row_per_data_plane_with_compare_json_figures(compared: Compared) -> None:
    comparison = compared.comparison
    parsed = _parse(compared.page)
    assert [r[0].split()[0] for r in parsed.rows] == [d.value for d in DataPlane]
    assert parsed.rows == [_page_cells(r, comparison.baseline) for r in comparison.rows]
    # the figures a reviewer checks, spelled out: the baseline, a cheaper and a dearer one
    assert parsed.rows[0][10:12] == ["18.01", "20.50"]
    assert parsed.rows[0][-2:] == ["0.00", "0.00"]
    assert parsed.rows[1][-2:] == ["\u221213.31", "\u221212.64"]
    assert parsed.rows[3][-2:] == ["+7.76", "\u221211.41"]
    baseline = [a for t, a in parsed.tags if t == "tr" and a.get("class") == "baseline"]
    assert baseline == [{"id": "row-istio-sidecar", "class": "baseline"}]


def test_page_lists_what_each_needs_and_its_control_plane(compared: Compared) -> None:
    parsed = _parse(compared.page)
    rows = compared.comparison.rows
    assert parsed.lists["needs"] == [list(r.needs) for r in rows]
    assert parsed.lists["control-plane"] == [list(r.control_plane) for r in rows]
    planes = [a["id"] for t, a in parsed.tags if t == "article"]
    assert planes == [f"plane-{r.data_plane.value}" for r in rows]


def test_page_shows_the_inputs_knobs_and_nodes(compared: Compared) -> None:
    page = compared.page
    for i in compared.comparison.inputs:
        assert f'<td class="name">{i.name}</td>' in page, i.name
        assert f"<code>{i.fingerprint}</code>" in page, i.name
    assert '<tr><th scope="row">Traffic window</th><td>7d</td></tr>' in page
    assert '<tr><th scope="row">Headroom ratio</th><td>0.25</td></tr>' in page
    assert '<td class="name">28 to 31 (median 29.5)</td>' in page
    assert '<td class="name">95.34 cores, 345.60 GiB</td>' in page


def test_page_has_one_chart_of_the_totals_stacked_by_part(compared: Compared) -> None:
    parsed = _parse(compared.page)
    charts = [a for t, a in parsed.tags if t == "svg"]
    assert [a["id"] for a in charts] == ["compare-totals"]
    assert charts[0]["role"] == "img"
    text = " ".join(parsed.svg_text)
    for row in compared.comparison.rows:
        mesh = row.totals.mesh
        assert f"{row.data_plane.value} {mesh.cpu_request_cores:,.2f} cores" in text
        assert f"{row.data_plane.value} {mesh.memory_request_gib:,.2f} GiB" in text
    assert "istio-ambient-waypoints, gateways: 6.38 cores" in text
    # a bar per non-empty part per data plane, CPU and memory, and a legend mark per part
    parts = sum(
        1
        for row in compared.comparison.rows
        for part in (row.totals.sidecars, row.totals.node_agents, row.totals.gateways)
        for value in (part.cpu_request_cores, part.memory_request_gib)
        if value > 0
    ) + 2 * sum(1 for row in compared.comparison.rows if row.totals.control_plane.pods)
    rects = [a for t, a in parsed.tags if t == "rect"]
    assert len(rects) == 4 + parts


def test_page_fetches_nothing_and_runs_nothing(compared: Compared) -> None:
    assert_self_contained(compared.page)


def _load_in_chromium(page_path: Path, tmp_path: Path) -> BrowserRun:
    """The page in headless Chromium (tests/test_html.py), printed on A4 landscape."""
    selectors = ("#compare-totals", "#compare", "#input-files", "#plane-consul")
    return load_in_chromium(page_path, tmp_path, "compare.png", selectors=selectors, landscape=True)


def test_page_in_headless_chromium(compared: Compared, tmp_path: Path) -> None:
    page_path = compared.out / COMPARE_HTML_FILE
    seen = _load_in_chromium(page_path, tmp_path)
    seen.assert_alone(page_path)
    seen.assert_fits()
    flat = " ".join(seen.text.split())
    for figure in ("18.01 cores", "istio-ambient-waypoints", "7 waypoints (14 replicas)", "+7.76"):
        assert figure in flat, figure


# --- compare.xlsx --------------------------------------------------------------------------------


def _open(data: bytes, *, values: bool = False) -> Any:
    return load_workbook(io.BytesIO(data), data_only=values)


def _table(sheet: Any, count: int) -> list[dict[str, Any]]:
    """The first `count` rows under the header, by column key."""
    rows = sheet.iter_rows(min_row=2, max_row=count + 1)
    return [{col.key: cell for col, cell in zip(COMPARE_COLS, row, strict=True)} for row in rows]


def test_sheet_has_one_row_per_data_plane_with_values_and_formulas(compared: Compared) -> None:
    book = _open(compared.workbook)
    assert book.sheetnames == [SHEET]
    sheet = book[SHEET]
    assert [c.value for c in sheet[1]] == [col.header for col in COMPARE_COLS]
    assert sheet.freeze_panes == "B2"
    rows = compared.comparison.rows
    table = _table(sheet, len(rows))
    assert [r["data_plane"].value for r in table] == [d.value for d in DataPlane]
    for r, (cells, row) in enumerate(zip(table, rows, strict=True), start=2):
        t = row.totals
        assert cells["baseline"].value == ("baseline" if r == 2 else None)
        assert cells["mesh"].value == row.mesh_title
        assert cells["version"].value == row.mesh_version
        assert cells["pods"].value == t.mesh.pods
        parts = (t.sidecars, t.node_agents, t.gateways, t.control_plane)
        for prefix, part in zip(("sc", "na", "gw", "cp"), parts, strict=True):
            assert cells[f"{prefix}_cpu"].value == part.cpu_request_cores
            assert cells[f"{prefix}_mem"].value == part.memory_request_gib
        assert cells["est_cpu"].value == t.mesh.estimated_cpu_cores
        assert cells["cpu"].value == f"=F{r}+H{r}+J{r}+L{r}"
        assert cells["mem"].value == f"=G{r}+I{r}+K{r}+M{r}"
        assert cells["node_cpu"].value == f"=N{r}/{NODES_COUNT}"
        assert cells["d_cpu"].value == f"=N{r}-$N$2"
        assert cells["d_mem"].value == f"=O{r}-$O$2"
        for key in ("cpu", "mem", "node_cpu", "node_mem", "d_cpu", "d_mem"):
            assert cells[key].data_type == "f", key
        assert cells["needs"].value == "; ".join(row.needs)
        assert cells["control_plane"].value == "; ".join(row.control_plane)
        assert cells["findings"].value == row.findings
    assert (LETTERS["cpu"], LETTERS["d_cpu"]) == ("N", "T")
    count = book.defined_names[NODES_COUNT].attr_text
    assert sheet[count.split("!")[1].replace("$", "")].value == 6


def _live(book: Any, count: int) -> list[dict[str, Any]]:
    return [{key: cell.value for key, cell in row.items()} for row in _table(book[SHEET], count)]


def test_libreoffice_recalculates_to_compare_json(
    soffice: tuple[str, Path],  # noqa: F811 (the fixture imported above)
    compared: Compared,
    tmp_path: Path,
) -> None:
    workbook = tmp_path / COMPARE_XLSX_FILE
    workbook.write_bytes(compared.workbook)
    book = _open(recalculate(soffice, workbook), values=True)
    rows = compared.comparison.rows
    for live, row in zip(_live(book, len(rows)), rows, strict=True):
        mesh, difference = row.totals.mesh, row.difference
        assert live["cpu"] == pytest.approx(mesh.cpu_request_cores, abs=1e-9)
        assert live["mem"] == pytest.approx(mesh.memory_request_gib, abs=1e-9)
        assert live["d_cpu"] == pytest.approx(difference.cpu_request_cores, abs=1e-9)
        assert live["d_mem"] == pytest.approx(difference.memory_request_gib, abs=1e-9)
        # compare.json rounds the cost per node to 3 decimals; the sheet divides exactly
        assert live["node_cpu"] == pytest.approx(row.per_node_cpu_request_cores, abs=1e-3)
        assert live["node_mem"] == pytest.approx(row.per_node_memory_request_gib, abs=1e-3)


def test_a_changed_figure_moves_the_total_and_every_difference(
    soffice: tuple[str, Path],  # noqa: F811 (the fixture imported above)
    compared: Compared,
    tmp_path: Path,
) -> None:
    book = _open(compared.workbook)
    sheet = book[SHEET]
    sheet[f"{LETTERS['sc_cpu']}2"] = sheet[f"{LETTERS['sc_cpu']}2"].value + 1.5
    workbook = tmp_path / COMPARE_XLSX_FILE
    book.save(workbook)
    rows = compared.comparison.rows
    live = _live(_open(recalculate(soffice, workbook), values=True), len(rows))
    assert live[0]["cpu"] == pytest.approx(rows[0].totals.mesh.cpu_request_cores + 1.5)
    assert live[0]["d_cpu"] == pytest.approx(0.0)
    for cells, row in zip(live[1:], rows[1:], strict=True):
        assert cells["d_cpu"] == pytest.approx(row.difference.cpu_request_cores - 1.5)
        assert cells["d_mem"] == pytest.approx(row.difference.memory_request_gib)


# --- without nodes -------------------------------------------------------------------------------


def test_without_nodes_the_cost_per_node_is_not_known(sample: Path) -> None:
    args = ["compare", *INPUTS, "--data-plane", "linkerd", "--data-plane", "consul", *FORMATS]
    run = run_cli(args, cwd=sample)
    assert run.exit_code == 0, run.stderr
    out = sample / OUT
    comparison = _read(out)
    parsed = _parse((out / COMPARE_HTML_FILE).read_text("utf-8"))
    assert parsed.rows == [_page_cells(r, DataPlane.LINKERD) for r in comparison.rows]
    assert [r[-4:-2] for r in parsed.rows] == [["n/a", "n/a"], ["n/a", "n/a"]]
    assert not any(t == "table" and a.get("id") == "nodes" for t, a in parsed.tags)
    book = _open((out / COMPARE_XLSX_FILE).read_bytes())
    assert NODES_COUNT not in book.defined_names
    for cells in _table(book[SHEET], 2):
        assert cells["node_cpu"].value is None
        assert cells["d_cpu"].value == f"=N{cells['d_cpu'].row}-$N$2"


# --- hostile names -------------------------------------------------------------------------------


def _hostile_inputs(folder: Path) -> list[str]:
    """The sample under file names that are markup and formulas; the arguments to read them."""
    names = {
        "cluster.csv": "cluster.csv",
        "services.csv": f"{FORMULA}.csv",
        "traffic.csv": f"{IMG}.csv",
        "nodes.csv": f"{AT}.csv",
    }
    for source, target in names.items():
        shutil.copy(DATA / source, folder / target)
    return [
        "compare",
        "--inventory",
        "cluster.csv",
        "--services",
        names["services.csv"],
        "--traffic",
        names["traffic.csv"],
        "--traffic-window",
        "7d",
        "--nodes",
        names["nodes.csv"],
        *FORMATS,
    ]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of a comparison whose input files are named as markup and formulas."""
    folder = tmp_path_factory.mktemp("hostile")
    run = run_cli(_hostile_inputs(folder), cwd=folder)
    assert run.exit_code == 0, run.stderr
    return folder / OUT


def test_hostile_file_names_are_escaped_in_the_page(hostile: Path, tmp_path: Path) -> None:
    page = (hostile / COMPARE_HTML_FILE).read_text("utf-8")
    assert IMG not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert f'<td class="name">{FORMULA}.csv</td>' in page
    assert not any(tag == "img" for tag, _ in _parse(page).tags)
    seen = _load_in_chromium(hostile / COMPARE_HTML_FILE, tmp_path)
    seen.assert_alone(hostile / COMPARE_HTML_FILE)
    for name in (IMG, FORMULA, AT):
        assert f"{name}.csv" in seen.text, name


def _text_cells(data: bytes, *, values: bool = False) -> dict[str, Any]:
    """Every text cell of the sheet, by its text (`values`: as last calculated)."""
    sheet = _open(data, values=values)[SHEET]
    return {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}


def _assert_inert(data: bytes) -> None:
    cells = _text_cells(data)
    for name in (f"{IMG}.csv", f"{FORMULA}.csv", f"{AT}.csv"):
        assert name in cells, name
        assert cells[name].data_type == "s", name
    assert cells[f"{FORMULA}.csv"].quotePrefix
    assert cells[f"{AT}.csv"].quotePrefix
    assert f"the nodes table {AT}.csv" in cells
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    formulas = [part.split("</f>")[0] for part in xml.split("<f>")[1:]]
    assert formulas
    for formula in formulas:
        assert "1+1" not in formula, formula


def test_hostile_file_names_are_never_formulas_in_the_sheet(
    soffice: tuple[str, Path],  # noqa: F811 (the fixture imported above)
    hostile: Path,
    tmp_path: Path,
) -> None:
    data = (hostile / COMPARE_XLSX_FILE).read_bytes()
    _assert_inert(data)
    workbook = tmp_path / COMPARE_XLSX_FILE
    workbook.write_bytes(data)
    recalculated = recalculate(soffice, workbook)
    values = _text_cells(recalculated, values=True)
    for name in (f"{IMG}.csv", f"{FORMULA}.csv", f"{AT}.csv"):
        assert name in values, name


def test_hostile_texts_of_a_comparison_stay_inert(compared: Compared) -> None:
    rows = compared.comparison.rows
    poisoned = compared.comparison.model_copy(
        update={
            "rows": tuple(
                row.model_copy(
                    update={
                        "mesh_title": SCRIPT,
                        "needs": (HYPERLINK, SCRIPT),
                        "control_plane": (DDE,),
                    }
                )
                for row in rows
            )
        }
    )
    page = render_compare_html(poisoned)[COMPARE_HTML_FILE].decode("utf-8")
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not any(tag == "script" for tag, _ in _parse(page).tags)
    parsed = _parse(page)
    assert parsed.lists["needs"] == [[HYPERLINK, SCRIPT]] * len(rows)
    sheet = _open(render_compare_xlsx(poisoned)[COMPARE_XLSX_FILE])[SHEET]
    for cells in _table(sheet, len(rows)):
        assert cells["mesh"].value == SCRIPT
        assert cells["needs"].data_type == "s"
        assert cells["needs"].value == f"{HYPERLINK}; {SCRIPT}"
        assert cells["needs"].quotePrefix
        assert cells["control_plane"].value == DDE
        assert cells["control_plane"].quotePrefix
