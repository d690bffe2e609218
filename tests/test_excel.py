"""report.xlsx: its layout, names kept as text, byte-identical reruns, and live formulas that a
real spreadsheet engine (LibreOffice) recalculates to the planner's own numbers."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from models.plan import Plan, ResourceTotals, Role
from reports.breakdown import namespace_totals
from reports.conventions import XLSX_FILE
from reports.xlsx import archive as archive_module
from reports.xlsx.archive import deflated_zip
from reports.xlsx.spreadsheet import FIXED_ZIP_TIME, Kind
from reports.xlsx.workbook import (
    GATEWAY_COLS,
    MIGRATION_AGENT_COLS,
    MIGRATION_COLS,
    NODES_COUNT,
    NODES_SHARE,
    WORKLOAD_COLS,
    render_xlsx,
)
from tests.conftest import DATA, REPO, SAMPLE_ARGS, require_tool, run_cli
from tests.plans import (
    APPMESH_INGRESS,
    HOSTILE_NAMES,
    HYPERLINK,
    MIGRATION_MESHES,
    MIGRATION_TARGETS,
    SAMPLE_NODES,
    ambient_plan,
    hostile_migration,
    hostile_nodes,
    hostile_plan,
    inventory_only_plan,
    large_plan,
    mixed_ambient_plan,
    run_migration,
    sample_plan,
    write_hostile_inputs,
)

SHEETS = [
    "Summary",
    "Workloads",
    "Namespaces",
    "Gateways",
    "Control plane",
    "Scoping",
    "Sidecars",
    "Exports",
    "Findings",
    "Assumptions",
]
TEXT_COLUMNS = {
    "Workloads": ("Namespace", "Workload"),
    "Gateways": ("Namespace", "Gateway"),
    "Namespaces": ("Namespace",),
    "Scoping": ("Namespace", "Workload", "Scoped by"),
    "Sidecars": ("Namespace", "Sidecar", "Workload selector", "Selects"),
    "Exports": ("Namespace", "Service"),
    "Findings": ("Subject", "What to know"),
}


def _open(data: bytes, *, values: bool = False) -> Any:
    """A workbook from bytes; `values` reads the cached (recalculated) values."""
    with warnings.catch_warnings():
        # LibreOffice writes extensions (conditional formats, x14) openpyxl does not read back
        warnings.filterwarnings("ignore", "(Unknown|Conditional Formatting) extension")
        warnings.filterwarnings("ignore", "Data Validation extension")
        return load_workbook(io.BytesIO(data), data_only=values)


def _table(ws: Any) -> list[dict[str, Any]]:
    """The rows of a table sheet as dicts keyed by the header row."""
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, row, strict=False)) for row in rows]


@pytest.fixture(scope="module")
def sample_plan_module() -> Plan:
    return sample_plan()


def test_cli_writes_the_workbook(sample: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--format", "xlsx"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == "planner-out/plan.json\nplanner-out/report.xlsx\n"
    book = _open((sample / "planner-out" / XLSX_FILE).read_bytes())
    assert book.sheetnames == SHEETS


def test_layout_headers_formats_and_names(sample_plan_module: Plan) -> None:
    book = _open(render_xlsx(sample_plan_module)[XLSX_FILE])
    workloads = book["Workloads"]
    assert [c.value for c in workloads[1]] == [col.header for col in WORKLOAD_COLS]
    assert workloads.freeze_panes == "C2"
    assert workloads.auto_filter.ref == f"A1:AV{len(sample_plan_module.workloads) + 1}"
    assert workloads.column_dimensions["B"].width == 28
    assert [c.value for c in book["Gateways"][1]] == [col.header for col in GATEWAY_COLS]
    for title in SHEETS[1:]:
        sheet = book[title]
        assert sheet.freeze_panes in ("A2", "B2", "C2"), title
        assert sheet["A1"].font.b, title
    # the row of catalog/catalog-postgres: inputs as numbers, sizing as formulas, units in formats
    row = next(r for r in workloads.iter_rows(min_row=2) if r[1].value == "catalog-postgres")
    cells = {col.key: cell for col, cell in zip(WORKLOAD_COLS, row, strict=True)}
    assert cells["replicas"].value == 3
    assert cells["rps"].value == 430.667
    assert cells["obs_cpu"].value == 117.0
    r = cells["cpu_req"].row
    assert cells["est_cpu"].value == (
        f"=proxy_idle_cpu_millicores+(I{r}-J{r}+J{r}*proxy_tcp_cpu_ratio)/1000"
        "*version_cpu_per_1000_rps_millicores"
    )
    assert cells["cpu_req"].value == (
        f"=CEILING(ROUND((MAX(MAX(R{r},P{r})*(1+headroom_ratio),"
        "proxy_cpu_request_floor_millicores))/cpu_step_millicores,6),1)*cpu_step_millicores"
    )
    assert cells["cpu_req"].number_format == '#,##0"m"'
    assert cells["mem_req"].number_format == '#,##0" MiB"'
    assert cells["t_cpu_req"].number_format == '#,##0.00" cores"'
    assert cells["t_mem_req"].number_format == '#,##0.00" GiB"'
    assert cells["replicas"].fill.fgColor.rgb == "00EEF4FB"  # inputs are tinted
    for col, cell in cells.items():
        kind = next(c.kind for c in WORKLOAD_COLS if c.key == col)
        if kind is Kind.FORMULA:
            assert cell.data_type == "f", col
        elif cell.value is not None:
            assert cell.data_type in ("s", "n"), col
    names = book.defined_names
    for name in (
        "headroom_ratio",
        "cpu_step_millicores",
        "memory_step_mib",
        "min_gateway_replicas",
        "version_cpu_per_1000_rps_millicores",
        "objects_memory_per_cluster_bytes",
        "control_plane_memory_per_proxy_mib",
        "cp_istiod_replicas",
        "proxy_default_cpu_request_millicores",
    ):
        assert name in names, name
    assert names["headroom_ratio"].attr_text == "Assumptions!$B$2"
    assert book["Assumptions"]["B2"].value == 0.25
    # every assumption of the plan is on the Assumptions sheet, with its source and tag
    listed = {row["Name (in formulas)"]: row for row in _table(book["Assumptions"])}
    for assumption in sample_plan_module.assumptions:
        entry = listed[assumption.name.replace(".", "_")]
        assert entry["Value"] == assumption.value
        assert entry["Source"] == assumption.source
        assert entry["Tag"] == assumption.tag
    texts = [c.value for c in book["Assumptions"]["C"] if isinstance(c.value, str)]
    for formula in sample_plan_module.formulas:
        assert formula.expression in texts
    rules = workloads.conditional_formatting
    assert len(list(rules)) == 9


def test_rounding_steps_come_from_the_plan(sample_plan_module: Plan) -> None:
    book = _open(render_xlsx(sample_plan_module)[XLSX_FILE])
    names = {
        name: book.defined_names[name].attr_text
        for name in ("cpu_step_millicores", "memory_step_mib")
    }
    sheet = book["Assumptions"]
    values = {}
    for name, reference in names.items():
        cell = reference.split("!")[1].replace("$", "")
        values[name] = sheet[cell].value
    assert values == {"cpu_step_millicores": 10, "memory_step_mib": 8}
    assert sample_plan_module.rounding.cpu_step_millicores == 10


def test_hostile_names_stay_text(tmp_path: Path) -> None:
    data = render_xlsx(hostile_plan(tmp_path))[XLSX_FILE]
    book = _open(data)
    seen: set[str] = set()
    for title, headers in TEXT_COLUMNS.items():
        sheet = book[title]
        header = [c.value for c in sheet[1]]
        for header_name in headers:
            index = header.index(header_name)
            for row in sheet.iter_rows(min_row=2):
                cell = row[index]
                if cell.value is None:
                    continue
                assert cell.data_type == "s", (title, header_name, cell.value)
                seen.add(str(cell.value))
                if str(cell.value)[:1] in "=+-@":
                    assert cell.quotePrefix, (title, cell.coordinate)
    for name in HOSTILE_NAMES:
        assert name in seen, name
    sheets = zipfile.ZipFile(io.BytesIO(data))
    for member in sheets.namelist():
        if member.startswith("xl/worksheets/"):
            xml = sheets.read(member).decode("utf-8")
            for formula in (part.split("</f>")[0] for part in xml.split("<f>")[1:]):
                assert "HYPERLINK" not in formula
                assert "cmd|" not in formula
                assert "SUM(1+1)" not in formula


def _dates(archive: zipfile.ZipFile) -> list[str]:
    """The created and modified dates in the workbook's document properties."""
    core = archive.read("docProps/core.xml").decode("utf-8")
    return re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core)


def test_same_plan_gives_the_same_bytes(sample: Path) -> None:
    first = run_cli([*SAMPLE_ARGS, "--format", "xlsx", "--out", "first"], cwd=sample)
    second = run_cli([*SAMPLE_ARGS, "--format", "xlsx", "--out", "second"], cwd=sample)
    assert (first.exit_code, second.exit_code) == (0, 0)
    data = (sample / "first" / XLSX_FILE).read_bytes()
    assert (sample / "second" / XLSX_FILE).read_bytes() == data
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {info.date_time for info in archive.infolist()} == {FIXED_ZIP_TIME}
    assert _dates(archive) == ["1980-01-01T00:00:00Z", "1980-01-01T00:00:00Z"]
    one, two = _open(data), _open((sample / "second" / XLSX_FILE).read_bytes())
    for title in SHEETS:
        assert list(one[title].values) == list(two[title].values), title


def test_the_archive_is_laid_out_as_zipfile_lays_it_out(sample: Path) -> None:
    """reports.xlsx.archive deflates on threads; its bytes are zipfile's, member for member,
    for a real workbook's members, an empty one and a name that is not ASCII."""
    run = run_cli([*SAMPLE_ARGS, "--format", "xlsx"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    written = zipfile.ZipFile(sample / "planner-out" / XLSX_FILE)
    members = [(info.filename, written.read(info)) for info in written.infolist()]
    members += [("empty.xml", b""), ("xl/média/naïve.xml", "<a>é</a>".encode() * 5000)]
    assert deflated_zip(members) == archive_module._with_zipfile(members)
    reread = zipfile.ZipFile(io.BytesIO(deflated_zip(members)))
    assert reread.testzip() is None
    assert [(i.filename, reread.read(i)) for i in reread.infolist()] == members


def test_inputs_date_dates_the_workbook(sample: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--format", "xlsx", "--inputs-date", "2026-11-02"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    archive = zipfile.ZipFile(sample / "planner-out" / XLSX_FILE)
    assert _dates(archive) == ["2026-11-02T00:00:00Z", "2026-11-02T00:00:00Z"]


def test_large_mesh_rows_refer_to_themselves() -> None:
    plan = large_plan(3_000)
    book = _open(render_xlsx(plan)[XLSX_FILE])
    workloads = book["Workloads"]
    assert workloads.max_row == 3_001
    last = [c.value for c in workloads[3_001]]
    by_key = dict(zip((c.key for c in WORKLOAD_COLS), last, strict=True))
    assert by_key["workload"] == plan.workloads[-1].workload
    assert by_key["t_cpu_req"] == "=F3001*V3001/1000"
    assert by_key["ns_no"] == 61  # team-0059, after istio-system and 59 teams in name order
    namespaces = book["Namespaces"]
    assert namespaces.max_row == 62  # 60 teams and istio-system, under the header
    assert namespaces["B62"].value == "team-0059"
    assert namespaces["D62"].value == (
        '=SUMIFS(Workloads!$F$2:$F$3001,Workloads!$AV$2:$AV$3001,$A62,Workloads!$E$2:$E$3001,"yes")'
    )


# --- recalculated by LibreOffice -----------------------------------------------------------------


@pytest.fixture(scope="module")
def soffice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The LibreOffice binary and a profile folder shared by this module's conversions."""
    binary = require_tool("soffice")
    profile = tmp_path_factory.mktemp("libreoffice-profile")
    yield binary, profile
    shutil.rmtree(profile, ignore_errors=True)


def recalculate(soffice: tuple[str, Path], workbook: Path) -> bytes:
    """Open `workbook` in LibreOffice, which recalculates every formula, and save it as xlsx."""
    binary, profile = soffice
    out = workbook.parent / "recalculated"
    done = subprocess.run(
        [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result = out / workbook.name
    assert done.returncode == 0, done.stdout + done.stderr
    assert result.is_file(), done.stdout + done.stderr
    return result.read_bytes()


def _live_totals(book: Any) -> dict[str, tuple[Any, ...]]:
    """The live totals table at the top of the Summary sheet: part -> its seven figures, in the
    sheet's order, up to the whole mesh."""
    rows = list(book["Summary"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Part")
    end = next(i for i, row in enumerate(rows) if i > start and row[0] == "Whole mesh")
    return {row[0]: tuple(row[1:8]) for row in rows[start + 1 : end + 1]}


def _parts(plan: Plan) -> list[tuple[str, ResourceTotals]]:
    """The Summary's parts and the plan's totals of each: node agents for a mesh that runs them
    (after the sidecars, as in the text summary), gateways named with the waypoints when there
    are some."""
    t = plan.totals
    waypoints = any(g.role is Role.WAYPOINT for g in plan.gateways)
    return [
        ("Workload proxies", t.sidecars),
        *([("Node agents", t.node_agents)] if t.node_agents.pods else []),
        ("Gateways and waypoints" if waypoints else "Gateways", t.gateways),
        ("Control plane", t.control_plane),
        ("Whole mesh", t.mesh),
    ]


def _figures(total: ResourceTotals) -> tuple[float, ...]:
    return (
        total.pods,
        total.estimated_cpu_cores,
        total.estimated_memory_gib,
        total.cpu_request_cores,
        total.memory_request_gib,
        total.cpu_limit_cores,
        total.memory_limit_gib,
    )


def _assert_totals(book: Any, plan: Plan) -> None:
    parts = _live_totals(book)
    assert list(parts) == [name for name, _ in _parts(plan)]
    for name, total in _parts(plan):
        expected = _figures(total)
        assert parts[name][0] == expected[0], name
        assert parts[name][1:] == pytest.approx(expected[1:], abs=0.002), name


def _assert_no_errors(book: Any) -> None:
    for title in book.sheetnames:
        for row in book[title].iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value.startswith("#")), (title, value)


def _assert_workloads(book: Any, plan: Plan) -> None:
    rows = {(r["Namespace"], r["Workload"]): r for r in _table(book["Workloads"])}
    checked = 0
    for w in plan.workloads:
        row = rows[(w.namespace, w.workload)]
        if w.proxy is None:
            assert row["CPU request (m)"] is None
            continue
        p = w.proxy
        assert row["Expected CPU (m per pod)"] == pytest.approx(
            p.estimated_cpu_millicores, abs=1e-3
        )
        assert row["Expected memory (MiB per pod)"] == pytest.approx(
            p.estimated_memory_mib, abs=1e-3
        )
        assert row["CPU basis"] == p.cpu_basis.value
        assert row["Memory basis"] == p.memory_basis.value
        figures = (
            row["CPU request (m)"],
            row["CPU limit (m)"],
            row["Memory request (MiB)"],
            row["Memory limit (MiB)"],
        )
        assert figures == (
            p.cpu_request_millicores,
            p.cpu_limit_millicores,
            p.memory_request_mib,
            p.memory_limit_mib,
        ), w.workload
        checked += 1
    assert checked == sum(1 for w in plan.workloads if w.proxy is not None)


def _assert_control_plane_and_gateways(book: Any, plan: Plan) -> None:
    blocks: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] = {}
    for row in book["Control plane"].iter_rows(values_only=True):
        if row[1] == "Live value":
            current = blocks.setdefault(str(row[0]), {})
        elif row[0] is not None:
            current[str(row[0])] = row[1]
    assert list(blocks) == [cp.title for cp in plan.control_plane.components]
    for cp in plan.control_plane.components:
        live = blocks[cp.title]
        assert live["Recommended replicas"] == cp.replicas
        for driver in cp.drivers:
            assert live[driver.label] == pytest.approx(driver.value), driver.name
        assert live["CPU request per replica"] == cp.per_replica.cpu_request_millicores
        assert live["Memory request per replica"] == cp.per_replica.memory_request_mib
        assert live["CPU limit per replica"] == cp.per_replica.cpu_limit_millicores
        assert live["Memory limit per replica"] == cp.per_replica.memory_limit_mib
        assert live.get("Autoscale max") == cp.autoscale_max
        assert live["Expected memory per replica"] == pytest.approx(
            cp.per_replica.estimated_memory_mib, abs=1e-3
        )
        assert live["Expected CPU per replica"] == pytest.approx(
            cp.per_replica.estimated_cpu_millicores, abs=1e-3
        )
    gateways = {(r["Namespace"], r["Gateway"]): r for r in _table(book["Gateways"])}
    assert len(gateways) == len(plan.gateways)
    for g in plan.gateways:
        row = gateways[(g.namespace, g.workload)]
        assert row["Recommended replicas"] == g.replicas
        assert row["Autoscale max"] == g.autoscale_max
        assert row["CPU request (m)"] == g.per_replica.cpu_request_millicores
        assert row["Memory request (MiB)"] == g.per_replica.memory_request_mib


def test_libreoffice_recalculates_to_the_plan(
    soffice: tuple[str, Path], sample_plan_module: Plan, tmp_path: Path
) -> None:
    workbook = tmp_path / XLSX_FILE
    workbook.write_bytes(render_xlsx(sample_plan_module)[XLSX_FILE])
    book = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(book)
    _assert_totals(book, sample_plan_module)
    _assert_workloads(book, sample_plan_module)
    _assert_control_plane_and_gateways(book, sample_plan_module)
    rows = list(book["Summary"].iter_rows(values_only=True))
    share = next(row for row in rows if str(row[0]).startswith("Proxy requests / app"))
    totals = sample_plan_module.totals
    assert share[1] == pytest.approx(totals.sidecar_share_of_app_cpu_ratio, abs=1e-4)
    assert share[2] == pytest.approx(totals.sidecar_share_of_app_memory_ratio, abs=1e-4)
    whole = next(row for row in rows if str(row[0]).startswith("Whole mesh / app"))
    assert whole[1:3] == ("n/a", "n/a")  # not every meshed workload gives app requests
    namespaces = {r["Namespace"]: r for r in _table(book["Namespaces"])}
    for expected in namespace_totals(sample_plan_module):
        row = namespaces[expected.namespace]
        assert row["Proxy pods"] == expected.sidecar_pods
        assert row["CPU requests (cores)"] == pytest.approx(expected.cpu_request_cores, abs=1e-9)
        assert row["Memory requests (GiB)"] == pytest.approx(expected.memory_request_gib, abs=1e-9)


def test_libreoffice_counts_each_app_request_where_it_is_given(
    soffice: tuple[str, Path], tmp_path: Path
) -> None:
    # one workload gives both requests, one only CPU, one only memory, one neither
    (tmp_path / "cluster.csv").write_text(
        "namespace,workload,replicas,rps,app_cpu_millicores,app_memory_mib\n"
        "shop,both,2,10,500,1024\nshop,cpu-only,1,10,1000,\n"
        "shop,memory-only,3,10,,512\nshop,neither,1,10,,\n",
        encoding="utf-8",
    )
    run = run_cli(["size", "--inventory", "cluster.csv", "--format", "xlsx"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    book = _open(recalculate(soffice, tmp_path / "planner-out" / XLSX_FILE), values=True)
    _assert_no_errors(book)
    rows = list(book["Summary"].iter_rows(values_only=True))
    app = next(row for row in rows if str(row[0]).startswith("App requests of the meshed"))
    assert app[1:3] == pytest.approx((2.0, 3.5), abs=1e-9)
    share = next(row for row in rows if str(row[0]).startswith("Proxy requests / app"))
    totals = plan.totals
    assert share[1] == pytest.approx(totals.sidecar_share_of_app_cpu_ratio, abs=1e-4)
    assert share[2] == pytest.approx(totals.sidecar_share_of_app_memory_ratio, abs=1e-4)
    given = {
        r["Workload"]: (r["App CPU request given"], r["App memory request given"])
        for r in _table(book["Workloads"])
    }
    assert given == {
        "both": ("yes", "yes"),
        "cpu-only": ("yes", "no"),
        "memory-only": ("no", "yes"),
        "neither": ("no", "no"),
    }
    (namespace,) = _table(book["Namespaces"])
    (expected,) = namespace_totals(plan)
    assert namespace["Proxy CPU / app CPU"] == pytest.approx(
        expected.sidecar_share_of_app_cpu_ratio, abs=1e-9
    )
    assert namespace["Proxy memory / app memory"] == pytest.approx(
        expected.sidecar_share_of_app_memory_ratio, abs=1e-9
    )


def test_changed_headroom_moves_every_figure_as_the_planner_does(
    soffice: tuple[str, Path], sample: Path, sample_plan_module: Plan, tmp_path: Path
) -> None:
    run = run_cli([*SAMPLE_ARGS, "--headroom-ratio", "0.6", "--format", "json"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    planned = Plan.model_validate(
        json.loads((sample / "planner-out" / "plan.json").read_text("utf-8"))
    )
    book = _open(render_xlsx(sample_plan_module)[XLSX_FILE])
    cell = book.defined_names["headroom_ratio"].attr_text.split("!")[1].replace("$", "")
    assert book["Assumptions"][cell].value == 0.25
    book["Assumptions"][cell].value = 0.6
    workbook = tmp_path / XLSX_FILE
    book.save(workbook)
    recalculated = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(recalculated)
    assert planned.totals.mesh.cpu_request_cores != sample_plan_module.totals.mesh.cpu_request_cores
    _assert_totals(recalculated, planned)
    _assert_workloads(recalculated, planned)
    _assert_control_plane_and_gateways(recalculated, planned)


def test_libreoffice_recalculates_a_plan_without_scoping(
    soffice: tuple[str, Path], tmp_path: Path
) -> None:
    plan = inventory_only_plan()
    assert plan.scoping is None
    workbook = tmp_path / XLSX_FILE
    workbook.write_bytes(render_xlsx(plan)[XLSX_FILE])
    book = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(book)
    _assert_totals(book, plan)
    _assert_workloads(book, plan)
    _assert_control_plane_and_gateways(book, plan)
    assert "Scoping" not in book.sheetnames  # nothing to scope: no empty scoping sheets
    summary = [row[0] for row in book["Summary"].iter_rows(values_only=True)]
    assert (
        "None recommended: not assessed: scoping is recommended from a traffic table (--traffic)."
        in summary
    )


def test_hostile_names_stay_text_after_libreoffice(
    soffice: tuple[str, Path], tmp_path: Path
) -> None:
    plan = hostile_plan(tmp_path)
    workbook = tmp_path / XLSX_FILE
    workbook.write_bytes(render_xlsx(plan)[XLSX_FILE])
    recalculated = recalculate(soffice, workbook)
    values = _open(recalculated, values=True)
    formulas = _open(recalculated)
    _assert_no_errors(values)
    _assert_totals(values, plan)
    _assert_workloads(values, plan)
    rows = _table(formulas["Workloads"])
    names = {row["Namespace"] for row in rows} | {row["Workload"] for row in rows}
    for name in HOSTILE_NAMES:
        assert name in names, name
    for title, headers in TEXT_COLUMNS.items():
        sheet = formulas[title]
        header = [c.value for c in sheet[1]]
        for header_name in headers:
            index = header.index(header_name)
            for row in sheet.iter_rows(min_row=2):
                assert row[index].data_type != "f", (title, row[index].coordinate)
    assert HYPERLINK in {row["Workload"] for row in _table(values["Workloads"])}


def test_hostile_inputs_through_the_cli(tmp_path: Path) -> None:
    write_hostile_inputs(tmp_path)
    args = ["size", "--inventory", "cluster.csv", "--traffic", "traffic.csv"]
    run = run_cli([*args, "--traffic-window", "7d", "--format", "xlsx"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == "planner-out/plan.json\nplanner-out/report.xlsx\n"
    book = _open((tmp_path / "planner-out" / XLSX_FILE).read_bytes())
    cell = next(r[1] for r in book["Workloads"].iter_rows(min_row=2) if r[1].value == HYPERLINK)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)


def test_every_sheet_and_workloads_column_is_documented() -> None:
    doc = (REPO / "docs" / "reports.md").read_text("utf-8")
    for title in SHEETS:
        assert f"| {title} |" in doc, title
    for col in WORKLOAD_COLS:
        assert col.header in doc, col.header


def test_libreoffice_recalculates_a_linkerd_plan(
    soffice: tuple[str, Path], sample: Path, tmp_path: Path
) -> None:
    run = run_cli(
        [*SAMPLE_ARGS, "--mesh", "linkerd", "--no-observed", "--format", "xlsx"], cwd=sample
    )
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((sample / "planner-out" / "plan.json").read_bytes())
    assert [c.component for c in plan.control_plane.components] == [
        "destination",
        "identity",
        "proxy-injector",
    ]
    workbook = sample / "planner-out" / XLSX_FILE
    book = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(book)
    _assert_totals(book, plan)
    _assert_workloads(book, plan)
    _assert_control_plane_and_gateways(book, plan)
    assert "Sidecars" not in book.sheetnames
    names = _open(workbook.read_bytes()).defined_names
    assert "cp_proxy_injector_memory_request_mib" in names
    assert "version_memory_per_connection_bytes" in names


def test_libreoffice_recalculates_a_consul_plan(
    soffice: tuple[str, Path], sample: Path, tmp_path: Path
) -> None:
    run = run_cli([*SAMPLE_ARGS, "--mesh", "consul", "--format", "xlsx"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((sample / "planner-out" / "plan.json").read_bytes())
    assert [c.component for c in plan.control_plane.components] == [
        "consul-server",
        "connect-injector",
    ]
    workbook = sample / "planner-out" / XLSX_FILE
    book = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(book)
    _assert_totals(book, plan)
    _assert_workloads(book, plan)
    _assert_control_plane_and_gateways(book, plan)
    assert "Intentions" in book.sheetnames
    assert "Sidecars" not in book.sheetnames
    names = _open(workbook.read_bytes()).defined_names
    # the dataplane process's CPU and memory are in every sidecar's formula
    assert "proxy_dataplane_cpu_millicores" in names
    assert "proxy_dataplane_memory_mib" in names
    assert "cp_consul_server_replicas" in names


# --- the migration off App Mesh (--migrate-to) ---------------------------------------------------

MIGRATION_TEXT = (
    "Mesh",
    "Version",
    "Folder (its plan.json and hand-over files)",
    "Control plane",
    "Scoping",
)
MIGRATION_FIGURES = {
    "Sidecar CPU requests (cores)": ("sidecars", "cpu_request_cores"),
    "Sidecar memory requests (GiB)": ("sidecars", "memory_request_gib"),
    "Gateway CPU requests (cores)": ("gateways", "cpu_request_cores"),
    "Gateway memory requests (GiB)": ("gateways", "memory_request_gib"),
    "Control-plane CPU requests (cores)": ("control_plane", "cpu_request_cores"),
    "Control-plane memory requests (GiB)": ("control_plane", "memory_request_gib"),
    "Total CPU requests (cores)": ("mesh", "cpu_request_cores"),
    "Total memory requests (GiB)": ("mesh", "memory_request_gib"),
    "Expected CPU (cores)": ("mesh", "estimated_cpu_cores"),
    "Expected memory (GiB)": ("mesh", "estimated_memory_gib"),
    "Pods (proxies and control plane)": ("mesh", "pods"),
}
AGAINST_TODAY = {
    "CPU requests against today (cores)": "cpu_request_cores",
    "Memory requests against today (GiB)": "memory_request_gib",
}


@pytest.fixture(scope="module")
def migration(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Path]:
    """The App Mesh walkthrough sized for istio, linkerd and consul: its plan and report.xlsx."""
    folder = tmp_path_factory.mktemp("migration")
    plan = run_migration(folder, "xlsx")
    return plan, folder / "planner-out" / XLSX_FILE


def _migration_table(sheet: Any) -> list[dict[str, Any]]:
    """The side-by-side rows of the Migration sheet: up to the first empty row."""
    rows = []
    for row in _table(sheet):
        if row["Mesh"] is None:
            break
        rows.append(row)
    return rows


def _assert_migration_figures(rows: list[dict[str, Any]], plan: Plan) -> None:
    """Each mesh's row holds its figures in plan.json's migration, and the difference against
    today's row is the plan's (to the rounding of plan.json)."""
    assert plan.migration is not None
    assert [row["Mesh"] for row in rows] == list(MIGRATION_MESHES)
    meshes = [(plan.totals, None), *((t.totals, t) for t in plan.migration.targets)]
    for row, (totals, target) in zip(rows, meshes, strict=True):
        for header, (part, field) in MIGRATION_FIGURES.items():
            expected = getattr(getattr(totals, part), field)
            # a total adds the three rounded parts: within plan.json's rounding of each
            assert row[header] == pytest.approx(expected, abs=0.002), (row["Mesh"], header)
        for header, field in AGAINST_TODAY.items():
            if target is None:
                assert row[header] is None
            else:
                expected = getattr(target.difference, field)
                assert row[header] == pytest.approx(expected, abs=0.003), (row["Mesh"], header)


def test_migration_sheet_lays_the_meshes_side_by_side(migration: tuple[Plan, Path]) -> None:
    plan, path = migration
    assert plan.migration is not None
    assert len(plan.migration.targets) == len(MIGRATION_TARGETS)
    book = _open(path.read_bytes())
    assert book.sheetnames == [
        "Summary",
        "Workloads",
        "Namespaces",
        "Gateways",
        "Control plane",
        "Migration",
        "Findings",
        "Assumptions",
    ]
    sheet = book["Migration"]
    assert [c.value for c in sheet[1]] == [col.header for col in MIGRATION_COLS]
    assert sheet.freeze_panes == "B2"
    rows = _migration_table(sheet)
    assert [row["Version"] for row in rows] == [
        plan.profile.mesh_version,
        *(t.mesh_version for t in plan.migration.targets),
    ]
    # the figures are the plan's numbers; the totals and the differences are formulas
    for r, (row, target) in enumerate(
        zip(rows, (None, *plan.migration.targets), strict=True), start=2
    ):
        assert row["Total CPU requests (cores)"] == f"=D{r}+F{r}+H{r}"
        assert row["Total memory requests (GiB)"] == f"=E{r}+G{r}+I{r}"
        if target is None:
            assert row["CPU requests against today (cores)"] is None
            continue
        assert row["CPU requests against today (cores)"] == f"=J{r}-$J$2"
        assert row["Memory requests against today (GiB)"] == f"=K{r}-$K$2"
        assert row["Folder (its plan.json and hand-over files)"] == f"{target.folder}/"
        assert row["Control plane"] == "; ".join(target.control_plane)
        assert row["Findings (its plan.json)"] == target.findings
        for header, (part, field) in MIGRATION_FIGURES.items():
            if not header.startswith("Total"):
                assert row[header] == getattr(getattr(target.totals, part), field), header
    for row in sheet.iter_rows(min_row=2, max_row=len(rows) + 1):
        for col, cell in zip(MIGRATION_COLS, row, strict=True):
            if col.kind is Kind.FORMULA and cell.value is not None:
                assert cell.data_type == "f", cell.coordinate
            elif cell.value is not None:
                assert cell.data_type in ("s", "n"), cell.coordinate
    istio, linkerd, _ = (row["Scoping"] for row in rows[1:])
    assert istio == (
        "Sidecar resources, exportTo and discovery selectors: 5 resources written; "
        "5 workloads scoped exactly, 0 wider"
    )
    assert linkerd == plan.migration.targets[1].scoping_note
    # below the table, what is left to do by hand: the common steps, then each target's
    notes = [c.value for c in sheet["A"][len(rows) + 1 :] if c.value is not None]
    assert all(isinstance(note, str) for note in notes)
    at = notes.index(
        "Left to do by hand, whatever the target: mesh-planner does not translate routes "
        "(VirtualRouters, GatewayRoutes)"
    )
    steps = plan.migration.manual_steps
    assert notes[at + 1 : at + 1 + len(steps)] == [f"{i}. {s}" for i, s in enumerate(steps, 1)]
    assert notes[at + 1].startswith("1. Routes are not translated: 2 VirtualRouters")
    for target in plan.migration.targets:
        at = notes.index(f"Left to do by hand for {target.mesh_title}")
        own = [f"{i}. {s}" for i, s in enumerate(target.manual_steps, 1)]
        assert notes[at + 1 : at + 1 + len(own)] == own


def test_workbook_without_a_migration_has_no_migration_sheet(sample_plan_module: Plan) -> None:
    assert sample_plan_module.migration is None
    book = _open(render_xlsx(sample_plan_module)[XLSX_FILE])
    assert "Migration" not in book.sheetnames
    assert book.sheetnames == SHEETS


def test_libreoffice_recalculates_the_migration_to_the_plan(
    soffice: tuple[str, Path], migration: tuple[Plan, Path], tmp_path: Path
) -> None:
    plan, path = migration
    assert plan.migration is not None
    workbook = tmp_path / XLSX_FILE
    workbook.write_bytes(path.read_bytes())
    book = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(book)
    _assert_totals(book, plan)
    _assert_migration_figures(_migration_table(book["Migration"]), plan)
    # the differences are live: a larger figure today lowers every target's difference by it
    edited = _open(path.read_bytes())
    sheet = edited["Migration"]
    assert sheet["A2"].value == MIGRATION_MESHES[0]
    assert sheet["D2"].value == plan.totals.sidecars.cpu_request_cores
    sheet["D2"].value = plan.totals.sidecars.cpu_request_cores + 1.0
    assert sheet["I3"].value == plan.migration.targets[0].totals.control_plane.memory_request_gib
    sheet["I3"].value += 2.0
    moved = tmp_path / "edited" / XLSX_FILE
    moved.parent.mkdir()
    edited.save(moved)
    rows = _migration_table(_open(recalculate(soffice, moved), values=True)["Migration"])
    for row, target in zip(rows[1:], plan.migration.targets, strict=True):
        cpu = target.difference.cpu_request_cores - 1.0
        assert row["CPU requests against today (cores)"] == pytest.approx(cpu, abs=0.003)
    istio = plan.migration.targets[0].difference.memory_request_gib + 2.0
    assert rows[1]["Memory requests against today (GiB)"] == pytest.approx(istio, abs=0.003)


def test_hostile_migration_texts_stay_text(
    soffice: tuple[str, Path], migration: tuple[Plan, Path], tmp_path: Path
) -> None:
    plan = hostile_migration(migration[0])
    data = render_xlsx(plan)[XLSX_FILE]
    workbook = tmp_path / XLSX_FILE
    workbook.write_bytes(data)
    recalculated = recalculate(soffice, workbook)
    for book, written in ((_open(data), True), (_open(recalculated), False)):
        sheet = book["Migration"]
        header = [c.value for c in sheet[1]]
        texts = [header.index(h) for h in MIGRATION_TEXT]
        seen: set[str] = set()
        for r, row in enumerate(sheet.iter_rows(min_row=2), start=2):
            for index, cell in enumerate(row):
                if cell.value is None:
                    continue
                if index in texts or r > len(MIGRATION_MESHES) + 1:
                    assert cell.data_type == "s", cell.coordinate
                    seen.add(str(cell.value))
                    if written and str(cell.value)[:1] in "=+-@":
                        assert cell.quotePrefix, cell.coordinate
                elif cell.data_type == "f":  # only the totals and the differences
                    assert re.fullmatch(r"=[D-K]\d[-+][D-K$\d+]+", str(cell.value)), cell.value
        for name in HOSTILE_NAMES:
            assert any(name in text for text in seen), name
        assert HYPERLINK in seen  # a whole cell, kept as text
    values = _open(recalculated, values=True)
    _assert_no_errors(values)
    rows = _migration_table(values["Migration"])
    assert rows[0]["Mesh"] == "<script>alert(1)</script> (today)"
    assert [row["Mesh"] for row in rows[1:]] == list(HOSTILE_NAMES[:3])
    _assert_migration_figures(
        [{**row, "Mesh": mesh} for row, mesh in zip(rows, MIGRATION_MESHES, strict=True)], plan
    )


def test_migration_sheet_is_documented() -> None:
    doc = (REPO / "docs" / "reports.md").read_text("utf-8")
    assert "| Migration |" in doc
    for col in MIGRATION_COLS:
        assert col.header in doc, col.header


# --- the nodes (--nodes) ------------------------------------------------------------------------

NODES_TITLE = "Per node (live: change the blue cells or the totals above and it moves)"
PER_NODE = "Mesh requests per node (the whole mesh / nodes: an average)"
BUSIEST = "The busiest node's sidecar requests (all sidecars' x its share)"
ALLOCATABLE = "The nodes' allocatable, summed over the nodes"
MESH_SHARE = "Mesh requests / the nodes' allocatable"


def _nodes_block(book: Any) -> dict[str, list[Any]]:
    """The Summary's per-node rows: label -> the cells beside it (A to D), up to the blank row."""
    sheet = book["Summary"]
    rows = list(sheet.iter_rows(min_col=1, max_col=4))
    start = next(i for i, row in enumerate(rows) if row[0].value == NODES_TITLE)
    block: dict[str, list[Any]] = {}
    for row in rows[start + 1 :]:
        if all(c.value is None for c in row):
            break
        block[str(row[0].value)] = list(row[1:])
    return block


def _named_cell(book: Any, name: str) -> Any:
    sheet, cell = book.defined_names[name].attr_text.split("!")
    return book[sheet][cell.replace("$", "")]


@pytest.fixture(scope="module")
def nodes_plan() -> Plan:
    """The sample with the bundled nodes table: pods per node and allocatable as given."""
    return sample_plan(nodes=SAMPLE_NODES)


def test_per_node_block_is_live_over_the_totals(nodes_plan: Plan) -> None:
    nodes = nodes_plan.nodes
    assert nodes is not None
    book = _open(render_xlsx(nodes_plan)[XLSX_FILE])
    block = _nodes_block(book)
    count = block["Nodes, and where they came from"]
    assert (count[0].value, count[0].data_type) == (6, "n")
    assert count[0].fill.fgColor.rgb == "00EEF4FB"  # an input, tinted
    assert (count[1].value, count[1].data_type) == ("the nodes table nodes.csv", "s")
    assert _named_cell(book, NODES_COUNT).coordinate == count[0].coordinate
    spread = block["Pods per node: fewest / median / most (as given)"]
    assert [c.value for c in spread] == [28, 29.5, 31]
    share = block["The busiest node's share of the pods (its pods / all pods, as given)"][0]
    assert share.value == nodes.busiest_node_share_ratio
    assert share.fill.fgColor.rgb == "00EEF4FB"
    assert _named_cell(book, NODES_SHARE).coordinate == share.coordinate
    # formulas over the live totals (row 8 the sidecars, row 11 the whole mesh; docs/reports.md
    # quotes them) and the count's and share's named cells
    summary = book["Summary"]
    assert summary["A8"].value == "Workload proxies"
    assert summary["A11"].value == "Whole mesh"
    assert [c.value for c in block[PER_NODE][:2]] == ["=E11/nodes_count", "=F11/nodes_count"]
    assert [c.value for c in block[BUSIEST][:2]] == [
        "=E8*nodes_busiest_share_ratio",
        "=F8*nodes_busiest_share_ratio",
    ]
    capacity = block[ALLOCATABLE]
    assert [c.value for c in capacity[:2]] == [95.34, 345.6]
    r = capacity[0].row
    assert [c.value for c in block[MESH_SHARE][:2]] == [
        f'=IF(B{r}>0,E11/B{r},"n/a")',
        f'=IF(C{r}>0,F11/C{r},"n/a")',
    ]
    for label in (PER_NODE, BUSIEST, MESH_SHARE):
        assert all(c.data_type == "f" for c in block[label][:2]), label
    doc = (REPO / "docs" / "reports.md").read_text("utf-8")
    assert "`=E11/nodes_count`" in doc
    assert "`=E8*nodes_busiest_share_ratio`" in doc


def test_per_node_block_of_a_count_follows_it() -> None:
    plan = sample_plan(nodes="12")
    book = _open(render_xlsx(plan)[XLSX_FILE])
    block = _nodes_block(book)
    count = block["Nodes, and where they came from"]
    assert count[0].value == 12
    # "--nodes 12" starts like a formula: text, quote-prefixed
    assert (count[1].value, count[1].data_type, count[1].quotePrefix) == ("--nodes 12", "s", True)
    assert [c.value for c in block["Pods per node"][:1]] == ["not given: taken as spread evenly"]
    share = block["The busiest node's share of the pods (1 / nodes: spread evenly)"][0]
    assert (share.value, share.data_type) == ("=1/nodes_count", "f")
    assert ALLOCATABLE not in block
    assert MESH_SHARE not in block
    assert any(
        label.startswith("The nodes' allocatable CPU and memory are not known") for label in block
    )


def test_per_node_block_of_a_mesh_without_sidecars(sample: Path) -> None:
    shutil.copy(DATA / "nodes.csv", sample / "nodes.csv")
    args = [*SAMPLE_ARGS, "--mesh", "istio-ambient", "--nodes", "nodes.csv"]
    run = run_cli([*args, "--format", "json", "--format", "xlsx"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((sample / "planner-out" / "plan.json").read_bytes())
    assert plan.totals.sidecars.pods == 0
    block = _nodes_block(_open((sample / "planner-out" / XLSX_FILE).read_bytes()))
    assert BUSIEST not in block  # no sidecars to put on the busiest node
    # the node agents' row comes after the sidecars': the whole mesh is row 12
    assert [c.value for c in block[PER_NODE][:2]] == ["=E12/nodes_count", "=F12/nodes_count"]


def test_workbook_without_nodes_has_no_per_node_block(sample_plan_module: Plan) -> None:
    assert sample_plan_module.nodes is None
    book = _open(render_xlsx(sample_plan_module)[XLSX_FILE])
    labels = [row[0] for row in book["Summary"].iter_rows(values_only=True)]
    assert NODES_TITLE not in labels
    assert not any(isinstance(label, str) and "per node" in label.lower() for label in labels)
    assert NODES_COUNT not in book.defined_names
    assert NODES_SHARE not in book.defined_names


def _assert_nodes(book: Any, plan: Plan) -> None:
    """The recalculated per-node figures are the plan's (to the rounding of plan.json)."""
    nodes = plan.nodes
    assert nodes is not None
    block = {label: [c.value for c in cells] for label, cells in _nodes_block(book).items()}
    assert block[PER_NODE][:2] == pytest.approx(
        [nodes.mesh_cpu_request_cores_per_node, nodes.mesh_memory_request_gib_per_node],
        abs=0.002,
    )
    if plan.totals.sidecars.pods:
        assert block[BUSIEST][:2] == pytest.approx(
            [
                nodes.busiest_node_sidecar_cpu_request_cores,
                nodes.busiest_node_sidecar_memory_request_gib,
            ],
            abs=0.002,
        )
    else:
        assert BUSIEST not in block
    if nodes.mesh_share_of_cpu_ratio is not None and nodes.mesh_share_of_memory_ratio is not None:
        assert block[MESH_SHARE][:2] == pytest.approx(
            [nodes.mesh_share_of_cpu_ratio, nodes.mesh_share_of_memory_ratio], abs=1e-4
        )


def test_libreoffice_recalculates_the_per_node_block(
    soffice: tuple[str, Path], nodes_plan: Plan, tmp_path: Path
) -> None:
    nodes = nodes_plan.nodes
    assert nodes is not None
    workbook = tmp_path / XLSX_FILE
    workbook.write_bytes(render_xlsx(nodes_plan)[XLSX_FILE])
    book = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(book)
    _assert_totals(book, nodes_plan)
    _assert_nodes(book, nodes_plan)
    # twice the nodes: half the mesh's requests per node; the busiest node's share is as given,
    # so its sidecars do not move
    edited = _open(workbook.read_bytes())
    _named_cell(edited, NODES_COUNT).value = 12
    moved = tmp_path / "edited" / XLSX_FILE
    moved.parent.mkdir()
    edited.save(moved)
    again = _open(recalculate(soffice, moved), values=True)
    _assert_no_errors(again)
    block = {label: [c.value for c in cells] for label, cells in _nodes_block(again).items()}
    mesh = nodes_plan.totals.mesh
    assert block[PER_NODE][:2] == pytest.approx(
        [mesh.cpu_request_cores / 12, mesh.memory_request_gib / 12], abs=0.002
    )
    assert block[BUSIEST][:2] == pytest.approx(
        [
            nodes.busiest_node_sidecar_cpu_request_cores,
            nodes.busiest_node_sidecar_memory_request_gib,
        ],
        abs=0.002,
    )


def test_an_edited_count_recalculates_as_the_planner_sizes_it(
    soffice: tuple[str, Path], tmp_path: Path
) -> None:
    """An even spread: 12 nodes edited to 20 gives `planner size --nodes 20`'s figures."""
    twenty = sample_plan(nodes="20")
    book = _open(render_xlsx(sample_plan(nodes="12"))[XLSX_FILE])
    cell = _named_cell(book, NODES_COUNT)
    assert cell.value == 12
    cell.value = 20
    workbook = tmp_path / XLSX_FILE
    book.save(workbook)
    recalculated = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(recalculated)
    assert twenty.nodes is not None
    assert _named_cell(recalculated, NODES_SHARE).value == pytest.approx(
        twenty.nodes.busiest_node_share_ratio, abs=1e-6
    )
    _assert_nodes(recalculated, twenty)


def test_hostile_nodes_source_stays_text(
    soffice: tuple[str, Path], nodes_plan: Plan, tmp_path: Path
) -> None:
    for name in HOSTILE_NAMES:
        book = _open(render_xlsx(hostile_nodes(nodes_plan, name))[XLSX_FILE])
        source = _nodes_block(book)["Nodes, and where they came from"][1]
        assert (source.value, source.data_type) == (name, "s"), name
        assert source.quotePrefix == (name[:1] in "=+-@"), name
    workbook = tmp_path / XLSX_FILE
    workbook.write_bytes(render_xlsx(hostile_nodes(nodes_plan, HYPERLINK))[XLSX_FILE])
    recalculated = recalculate(soffice, workbook)
    source = _nodes_block(_open(recalculated))["Nodes, and where they came from"][1]
    assert source.data_type == "s"
    values = _open(recalculated, values=True)
    _assert_no_errors(values)
    assert _nodes_block(values)["Nodes, and where they came from"][1].value == HYPERLINK
    _assert_nodes(values, nodes_plan)


def test_a_nodes_file_named_like_a_formula_stays_text(sample: Path) -> None:
    (sample / "=1+1.csv").write_bytes((DATA / "nodes.csv").read_bytes())
    run = run_cli([*SAMPLE_ARGS, "--nodes", "=1+1.csv", "--format", "xlsx"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    data = (sample / "planner-out" / XLSX_FILE).read_bytes()
    source = _nodes_block(_open(data))["Nodes, and where they came from"][1]
    assert (source.value, source.data_type) == ("the nodes table =1+1.csv", "s")
    archive = zipfile.ZipFile(io.BytesIO(data))
    for member in archive.namelist():
        if member.startswith("xl/worksheets/"):
            xml = archive.read(member).decode("utf-8")
            for formula in (part.split("</f>")[0] for part in xml.split("<f>")[1:]):
                assert "1+1" not in formula, formula


# --- node agents: Istio ambient's ztunnel and istio-cni, one per node ----------------------------

AGENTS = ("ztunnel", "istio-cni")


@pytest.fixture(scope="module")
def ambient() -> Plan:
    """The sample in ambient mode on the bundled nodes table, a waypoint per namespace."""
    plan = ambient_plan()
    assert plan.nodes is not None
    assert plan.nodes.count == 6
    return plan


def _control_plane_formulas(book: Any) -> dict[str, dict[str, Any]]:
    """The Control plane sheet's live cells: component title -> row label -> its cell."""
    blocks: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] = {}
    for row in book["Control plane"].iter_rows(max_col=2):
        if row[1].value == "Live value":
            current = blocks.setdefault(str(row[0].value), {})
        elif row[0].value is not None:
            current[str(row[0].value)] = row[1]
    return blocks


def test_node_agents_are_sized_one_per_node(ambient: Plan) -> None:
    book = _open(render_xlsx(ambient)[XLSX_FILE])
    blocks = _control_plane_formulas(book)
    for name in AGENTS:
        cp = ambient.control_plane.component(name)
        assert cp.per_node
        live = blocks[cp.title]
        p = "cp_" + name.replace("-", "_")
        # replicas: the Summary's node count; per replica: the busiest node's load, undivided
        assert live["Recommended replicas"].value == "=nodes_count"
        nodes = next(d.label for d in cp.drivers if d.name == "nodes")
        assert live[nodes].value == "=nodes_count"
        assert live["Expected CPU per replica"].value == f"={p}_cpu_total_millicores"
        assert live["Expected memory per replica"].value == (
            f"={p}_shared_memory_mib+{p}_serving_memory_mib"
        )
        assert "Replicas the CPU needs" not in live  # no replica search: one per node
    # the Summary: node agents apart from the control plane, both in the whole mesh
    summary = book["Summary"]
    labels = [summary[f"A{r}"].value for r in range(8, 13)]
    assert labels == [
        "Workload proxies",
        "Node agents",
        "Gateways and waypoints",
        "Control plane",
        "Whole mesh",
    ]
    assert summary["B9"].value == "=cp_ztunnel_replicas+cp_istio_cni_replicas"
    assert summary["B11"].value == "=cp_istiod_replicas"
    assert summary["E11"].value == "=(cp_istiod_replicas*cp_istiod_cpu_request_millicores)/1000"
    assert summary["E12"].value == "=SUM(E8:E11)"
    # istiod serves every node's ztunnel: what each node adds is an input, times the node count
    istiod = blocks["istiod"]
    assert istiod["Connected proxies"].value.endswith(
        "+nodes_count*cp_istiod_connected_proxies_per_node"
    )
    assert istiod["Connected proxies: what each node adds (node agents)"].value == 1


def test_libreoffice_recalculates_an_ambient_plan(
    soffice: tuple[str, Path], ambient: Plan, tmp_path: Path
) -> None:
    workbook = tmp_path / XLSX_FILE
    workbook.write_bytes(render_xlsx(ambient)[XLSX_FILE])
    book = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(book)
    # node agents, gateways and waypoints, the control plane (istiod alone) and the whole mesh
    _assert_totals(book, ambient)
    _assert_control_plane_and_gateways(book, ambient)
    _assert_nodes(book, ambient)
    blocks = {
        title: {label: cell.value for label, cell in cells.items()}
        for title, cells in _control_plane_formulas(book).items()
    }
    for name in AGENTS:
        cp = ambient.control_plane.component(name)
        live = blocks[cp.title]
        assert live["Recommended replicas"] == cp.replicas == 6
        assert live["CPU request per replica"] == cp.per_replica.cpu_request_millicores
        assert live["Memory request per replica"] == cp.per_replica.memory_request_mib
    # the reviewed figures of the sample: 6 x (450m + 100m), 6 x (512Mi + 104Mi); istiod alone
    parts = _live_totals(book)
    assert parts["Node agents"][0] == 12
    assert parts["Node agents"][3:5] == pytest.approx((3.3, 6 * 616 / 1024))
    assert parts["Control plane"][0] == 2
    assert parts["Control plane"][3:5] == pytest.approx((1.0, 4.0))
    assert parts["Whole mesh"][3] == pytest.approx(ambient.totals.mesh.cpu_request_cores)
    assert ambient.totals.mesh.cpu_request_cores == pytest.approx(10.68)
    summary = {row[0]: row[1:4] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Replicas (one per node, each sized for the busiest node)"][0] == 6


def test_node_agents_follow_the_node_count(
    soffice: tuple[str, Path], ambient: Plan, tmp_path: Path
) -> None:
    """Twice the nodes: twice the node agents (each still sized for the busiest node, whose load
    is an input), and istiod serves the ztunnels added; the whole mesh adds it all up."""
    book = _open(render_xlsx(ambient)[XLSX_FILE])
    _named_cell(book, NODES_COUNT).value = 12
    workbook = tmp_path / XLSX_FILE
    book.save(workbook)
    again = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(again)
    parts = _live_totals(again)
    agents = _figures(ambient.totals.node_agents)
    assert parts["Node agents"][0] == 24
    assert parts["Node agents"][1:] == pytest.approx([2 * f for f in agents[1:]], abs=0.002)
    # the gateways do not move; istiod's drivers count the 6 ztunnels more
    gateways = _figures(ambient.totals.gateways)
    assert parts["Gateways and waypoints"][0] == gateways[0]
    assert parts["Gateways and waypoints"][1:] == pytest.approx(gateways[1:], abs=0.002)
    istiod = {label: cell.value for label, cell in _control_plane_formulas(again)["istiod"].items()}
    assert (
        istiod["Connected proxies"]
        == ambient.control_plane.component("istiod").driver("connected_proxies") + 6
    )
    whole = [sum(parts[name][i] for name in list(parts)[:-1]) for i in range(7)]
    assert parts["Whole mesh"] == pytest.approx(whole)
    assert parts["Whole mesh"][3] > ambient.totals.mesh.cpu_request_cores


def test_a_plan_without_node_agents_has_no_node_agents_part(sample_plan_module: Plan) -> None:
    book = _open(render_xlsx(sample_plan_module)[XLSX_FILE])
    labels = [row[0] for row in book["Summary"].iter_rows(values_only=True)]
    assert "Node agents" not in labels
    assert not any(isinstance(label, str) and label.startswith("Node agent") for label in labels)
    assert "Gateways" in labels


def test_libreoffice_recalculates_a_mixed_ambient_plan(
    soffice: tuple[str, Path], tmp_path: Path
) -> None:
    """Sidecars (at the sidecar mode's figures) beside waypoints and gateways (at the
    waypoint's): each sheet computes with its own model's figures."""
    plan = mixed_ambient_plan()
    assert plan.gateway_model is not None
    sidecars = [w for w in plan.workloads if w.proxy is not None]
    assert {w.namespace for w in sidecars} == {"payments"}
    workbook = tmp_path / XLSX_FILE
    workbook.write_bytes(render_xlsx(plan)[XLSX_FILE])
    book = _open(recalculate(soffice, workbook), values=True)
    _assert_no_errors(book)
    _assert_workloads(book, plan)
    _assert_control_plane_and_gateways(book, plan)
    _assert_totals(book, plan)


def test_libreoffice_recalculates_a_migration_to_ambient(
    soffice: tuple[str, Path], tmp_path: Path
) -> None:
    """A target with node agents: the Migration sheet gains their columns and its totals add
    them up (the plan's whole-mesh figures)."""
    args = ["size", "--inventory", str(APPMESH_INGRESS), "--migrate-to", "istio-ambient"]
    args += ["--migrate-to", "linkerd", "--nodes", "3"]
    run = run_cli([*args, "--format", "json", "--format", "xlsx"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    assert plan.migration is not None
    ambient_target = plan.migration.targets[0]
    assert ambient_target.totals.node_agents.pods == 6
    workbook = tmp_path / "planner-out" / XLSX_FILE
    headers = [c.value for c in _open(workbook.read_bytes())["Migration"][1]]
    at = headers.index("Sidecar memory requests (GiB)") + 1
    assert headers[at : at + 2] == [col.header for col in MIGRATION_AGENT_COLS]
    rows = _migration_table(_open(recalculate(soffice, workbook), values=True)["Migration"])
    meshes = [plan.totals, *(t.totals for t in plan.migration.targets)]
    for row, totals in zip(rows, meshes, strict=True):
        assert row["Node-agent CPU requests (cores)"] == totals.node_agents.cpu_request_cores
        assert row["Total CPU requests (cores)"] == pytest.approx(
            totals.mesh.cpu_request_cores, abs=0.002
        )
        assert row["Total memory requests (GiB)"] == pytest.approx(
            totals.mesh.memory_request_gib, abs=0.002
        )
    assert rows[1]["CPU requests against today (cores)"] == pytest.approx(
        ambient_target.difference.cpu_request_cores, abs=0.003
    )


def test_node_agents_are_documented() -> None:
    doc = (REPO / "docs" / "reports.md").read_text("utf-8")
    xlsx = doc[doc.index("## report.xlsx") :]
    assert "**Node agents**" in xlsx
    assert "`=nodes_count`" in xlsx
    for col in MIGRATION_AGENT_COLS:
        assert col.header in xlsx, col.header
