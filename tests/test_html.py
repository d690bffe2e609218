"""report.html: exact on the sample, self-contained, escaped, bounded, sound in a real browser."""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from playwright.sync_api import ConsoleMessage, Dialog, Error, Request, sync_playwright

from models.plan import Plan, ResourceTotals, Totals
from reports.conventions import HTML_FILE
from reports.html.charts import Bar, bar_chart, buckets, nice_step
from reports.html.page import (
    TOP_NAMESPACES,
    TOP_WORKLOADS,
    change,
    cores,
    environment,
    gib,
    number,
    percent,
    render_html,
    signed,
)
from tests.conftest import DATA, REPO, SAMPLE_ARGS, assert_golden, require_tool, run_cli
from tests.plans import (
    APPMESH_INGRESS,
    DDE,
    HOSTILE_NAMES,
    HYPERLINK,
    MIGRATION_MESHES,
    MIGRATION_TARGETS,
    SAMPLE_NODES,
    SCRIPT,
    ambient_plan,
    hostile_migration,
    hostile_nodes,
    inventory_only_plan,
    large_plan,
    run_migration,
    sample_plan,
    write_hostile_inputs,
)


class _Tags(HTMLParser):
    """Every start tag and its attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def test_sample_report_is_exactly_as_reviewed(sample: Path, update_golden: bool) -> None:
    run = run_cli([*SAMPLE_ARGS, "--format", "html"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == "planner-out/plan.json\nplanner-out/report.html\n"
    assert_golden(
        "sample-report.html", (sample / "planner-out" / HTML_FILE).read_bytes(), update_golden
    )


def test_both_reports_are_written_next_to_the_plan(sample: Path) -> None:
    run = run_cli(
        [*SAMPLE_ARGS, "--format", "json", "--format", "html", "--format", "xlsx"], sample
    )
    assert run.exit_code == 0, run.stderr
    assert run.stdout == (
        "planner-out/plan.json\nplanner-out/report.html\nplanner-out/report.xlsx\n"
    )


def test_rerun_and_reordered_inputs_give_the_same_bytes(sample: Path) -> None:
    first = run_cli([*SAMPLE_ARGS, "--format", "html", "--out", "first"], cwd=sample)
    assert first.exit_code == 0, first.stderr
    again = run_cli([*SAMPLE_ARGS, "--format", "html", "--out", "again"], cwd=sample)
    assert again.exit_code == 0, again.stderr
    rng = random.Random(11)
    for name in ("cluster.csv", "services.csv", "traffic.csv"):
        header, *rows = (sample / name).read_text("utf-8").splitlines()
        rng.shuffle(rows)
        (sample / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    shuffled = run_cli([*SAMPLE_ARGS, "--format", "html", "--out", "shuffled"], cwd=sample)
    assert shuffled.exit_code == 0, shuffled.stderr
    page = (sample / "first" / HTML_FILE).read_bytes()
    assert (sample / "again" / HTML_FILE).read_bytes() == page
    assert (sample / "shuffled" / HTML_FILE).read_bytes() == page


def assert_self_contained(page: str) -> None:
    """A page fetches nothing and runs nothing: no script, link, image, frame or embedded
    object, no src or on* attribute, links only to its own anchors, no CSS that loads, and a
    Content-Security-Policy that forbids every request (report, compare and review pages)."""
    parsed = _parse(page)
    names = {tag for tag, _ in parsed.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "audio", "video"}
    for tag, attrs in parsed.tags:
        assert "src" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        href = attrs.get("href")
        assert href is None or href.startswith("#"), href
    for banned in ("url(", "@import", "@font-face"):
        assert banned not in page
    csp = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv")]
    assert csp == [
        {
            "http-equiv": "Content-Security-Policy",
            "content": "default-src 'none'; style-src 'unsafe-inline'",
        }
    ]


def test_page_fetches_nothing_and_runs_nothing() -> None:
    page = render_html(sample_plan())[HTML_FILE].decode("utf-8")
    assert_self_contained(page)
    # the only URL in the page is the SVG namespace, which names a vocabulary and is never fetched
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}


def test_page_shows_every_section_and_chart() -> None:
    page = render_html(sample_plan())[HTML_FILE].decode("utf-8")
    parsed = _parse(page)
    sections = [a["id"] for t, a in parsed.tags if t == "section"]
    assert sections == [
        "summary",
        "cost",
        "namespaces",
        "workloads",
        "control-plane",
        "scoping",
        "warnings",
        "assumptions",
    ]
    charts = [a["id"] for t, a in parsed.tags if t == "svg"]
    assert charts == [
        "overhead",
        "dist-cpu",
        "dist-memory",
        "ns-cpu",
        "ns-memory",
        "scoping",
    ]
    for tag, attrs in parsed.tags:
        if tag == "svg":
            assert attrs["role"] == "img"
            assert attrs["aria-labelledby"] == f"{attrs['id']}-t {attrs['id']}-d"
    text = " ".join(" ".join(parsed.text).split())
    for figure in (
        "18.01 cores",
        "20.50 GiB",
        "istiod: 2 replicas",
        "\u22127 % proxy memory",
        "CPU 23.5 %",
        "memory 8.2 %",
        "120m / 128Mi",
        "7 of 45 workloads differ by more than 20 %",
        "46 Sidecars: 45 high confidence, 1 fallback",
    ):
        assert figure in text, figure
    # every coefficient of the plan is shown with its source
    plan = sample_plan()
    for assumption in plan.assumptions:
        assert assumption.name in text
    for formula in plan.formulas:
        assert formula.expression in text


def test_page_without_traffic_says_why_there_is_no_scoping() -> None:
    page = render_html(inventory_only_plan())[HTML_FILE].decode("utf-8")
    text = " ".join(" ".join(_parse(page).text).split())
    assert "Scoping saving none not assessed: scoping is recommended from a traffic table" in text
    assert "Scoping: not assessed: scoping is recommended from a traffic table (--traffic)." in text
    assert 'id="scoping"' in page  # the section stays, saying why it is empty
    assert '<svg class="chart" id="scoping"' not in page


def test_share_card_says_over_which_workloads_each_app_request_counts(tmp_path: Path) -> None:
    (tmp_path / "cluster.csv").write_text(
        "namespace,workload,replicas,rps,app_cpu_millicores,app_memory_mib\n"
        "shop,both,2,10,500,1024\nshop,cpu-only,1,10,1000,\nshop,neither,1,10,,\n",
        encoding="utf-8",
    )
    assert run_cli(["size", "--inventory", "cluster.csv"], cwd=tmp_path).exit_code == 0
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    page = render_html(plan)[HTML_FILE].decode("utf-8")
    text = " ".join(" ".join(_parse(page).text).split())
    cpu = percent(plan.totals.sidecar_share_of_app_cpu_ratio)
    memory = percent(plan.totals.sidecar_share_of_app_memory_ratio)
    assert (
        f"Share of the app's requests CPU {cpu} memory {memory} The sidecars against the app "
        "requests of the meshed workloads that give each: CPU over 2 of 3, memory over 1."
    ) in text


def test_hostile_names_are_escaped_everywhere(tmp_path: Path) -> None:
    write_hostile_inputs(tmp_path)
    args = ["size", "--inventory", "cluster.csv", "--traffic", "traffic.csv"]
    run = run_cli([*args, "--traffic-window", "7d", "--format", "html"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == "planner-out/plan.json\nplanner-out/report.html\n"
    page = (tmp_path / "planner-out" / HTML_FILE).read_text("utf-8")
    parsed = _parse(page)
    assert "script" not in {tag for tag, _ in parsed.tags}
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HYPERLINK not in page  # the quotes are escaped too
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in page
    text = "".join(parsed.text)
    for name in HOSTILE_NAMES:
        assert name in text, name  # shown as text, once unescaped
    # the namespace chart labels are escaped as well
    chart = page[page.index('<svg class="chart" id="ns-cpu"') :]
    chart = chart[: chart.index("</svg>")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chart
    assert DDE.replace("'", "&#39;") in chart


def test_chart_text_is_escaped() -> None:
    svg = bar_chart("c", "t <b>", "d & e", [Bar('<img src=x onerror="x">', 1.0, "1 <m>")])
    assert "<img" not in svg
    assert "&lt;img src=x onerror=&#34;x&#34;&gt;" in svg
    assert '<title id="c-t">t &lt;b&gt;</title>' in svg
    assert '<desc id="c-d">d &amp; e</desc>' in svg
    assert "1 &lt;m&gt;</text>" in svg


def test_large_mesh_page_stays_small() -> None:
    plan = large_plan(20_000)
    page = render_html(plan)[HTML_FILE].decode("utf-8")
    assert len(page.encode("utf-8")) < 200_000
    assert f"The {TOP_NAMESPACES} namespaces with the largest proxy memory" in page
    # 400 namespaces of copies and the gateway's istio-system, 25 shown
    assert "requests, of 401 (376 more in report.xlsx)" in page
    assert f"The {TOP_WORKLOADS} workloads whose sidecars" in page
    assert f"({20_000 - TOP_WORKLOADS:,} more sized workloads in report.xlsx)" in page
    assert "and 391 other namespaces: " in page  # the charts show 10 and sum the rest
    assert page.count("<tr") < 250


def test_buckets_have_round_edges_and_keep_every_pod() -> None:
    groups, edges = buckets([(100.0, 103), (160.0, 18), (270.0, 8), (550.0, 3)], 10)
    assert edges == [100.0 + 50 * i for i in range(11)]
    assert [pods for _, _, pods in groups] == [103, 18, 0, 8, 0, 0, 0, 0, 0, 3]
    single, one_edge = buckets([(128.0, 130), (128.0, 2)], 10)
    assert single == [(128.0, 128.0, 132)]
    assert one_edge == [128.0]
    assert buckets([], 10) == ([], [])
    assert nice_step(450.0, 10) == 50.0
    assert nice_step(7.0, 10) == 1.0
    assert nice_step(130.0, 10) == 20.0


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (100.0, 93.0, "\u22127 %"),
        (10.0, 12.0, "+20 %"),
        (5.0, 5.0, "no change"),
        (0.0, 3.0, "no change"),
        (1000.0, 4.0, "\u221299.6 %"),
        (1000.0, 0.0, "\u2212100 %"),
        (1000.0, 999.0, "\u22120.1 %"),
    ],
)
def test_change_reads_as_a_signed_percentage(before: float, after: float, expected: str) -> None:
    assert change(before, after) == expected


@dataclass
class BrowserRun:
    """What loading a page in Chromium showed and did."""

    text: str = ""
    problems: list[str] = field(default_factory=list)  # console errors and warnings, page errors
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    overflow: list[int] = field(default_factory=list)  # the page's scroll width, the window's

    def console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"{message.type}: {message.text}")

    def page_error(self, error: Error) -> None:
        self.problems.append(f"page error: {error}")

    def request(self, request: Request) -> None:
        self.requests.append(request.url)

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_alone(self, page_path: Path) -> None:
        """The page logged no error or warning, opened no dialog and requested nothing but
        itself."""
        assert self.problems == []
        assert self.dialogs == []
        assert self.requests == [page_path.resolve().as_uri()]

    def assert_fits(self) -> None:
        """The page is no wider than its window (no sideways scrolling)."""
        width, viewport = self.overflow
        assert width <= viewport, "the page is wider than a 1280-pixel window"


REPORT_CARDS = ("#card-overhead", "#card-control-plane", "#card-scoping", "#ns-cpu")
"""What report.html's summary must show."""


def load_in_chromium(
    page_path: Path,
    tmp_path: Path,
    screenshot: str,
    cards: tuple[str, ...] = (),
    *,
    selectors: tuple[str, ...] = REPORT_CARDS,
    landscape: bool = False,
) -> BrowserRun:
    """Load a page from its file:// URL in the system Chromium, screenshot it and print it (on
    A4, `landscape` or not); `selectors` (report.html's summary cards by default) and `cards`
    must be visible. Records how wide the page is against the window.

    Skips without Chromium (fails under PLANNER_REQUIRE_INTEGRATION=1); never downloads one.
    """
    chromium = require_tool("chromium")
    seen = BrowserRun()
    shot = tmp_path / screenshot
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--headless",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", seen.request)
            page.on("console", seen.console)
            page.on("pageerror", seen.page_error)
            page.on("dialog", seen.dialog)
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            seen.text = page.inner_text("body")
            for card in (*selectors, *cards):
                assert page.locator(card).is_visible(), card
            seen.overflow = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
            page.emulate_media(media="print")
            assert not page.locator("nav").is_visible()
            pdf = page.pdf(format="A4", landscape=landscape, print_background=True)
            assert pdf.startswith(b"%PDF")
            (tmp_path / (screenshot + ".pdf")).write_bytes(pdf)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    return seen


def test_page_in_headless_chromium(sample: Path, tmp_path: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--format", "html"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    page_path = sample / "planner-out" / HTML_FILE
    seen = load_in_chromium(page_path, tmp_path, "report.png")
    seen.assert_alone(page_path)
    flat = " ".join(seen.text.split())
    for figure in (
        "18.01 cores",
        "20.50 GiB",
        "istiod: 2 replicas",
        "\u22127 % proxy memory",
        "full push \u221282 %",
    ):
        assert figure in flat, figure


def test_hostile_page_runs_nothing_in_chromium(tmp_path: Path) -> None:
    write_hostile_inputs(tmp_path)
    args = ["size", "--inventory", "cluster.csv", "--traffic", "traffic.csv"]
    run = run_cli([*args, "--traffic-window", "7d", "--format", "html"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    page_path = tmp_path / "planner-out" / HTML_FILE
    seen = load_in_chromium(page_path, tmp_path, "hostile.png")
    seen.assert_alone(page_path)
    for name in HOSTILE_NAMES:
        assert name in seen.text, name


def test_renderer_reads_only_the_plan() -> None:
    plan = sample_plan()
    copy = Plan.model_validate_json(plan.model_dump_json())
    assert render_html(copy) == render_html(plan)


def test_template_refuses_undefined_variables() -> None:
    with pytest.raises(UndefinedError):
        environment().get_template("report.html.j2").render()
    assert environment().autoescape is True


# --- the migration off App Mesh (--migrate-to) ---------------------------------------------------


class _TableCells(HTMLParser):
    """The text of each body row's cells (th and td) of the table with one id."""

    def __init__(self, table_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.table_id = table_id
        self.inside = False
        self.in_body = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if self.in_body and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.inside:
            self.inside = self.in_body = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _table_rows(page: str, table_id: str) -> list[list[str]]:
    parser = _TableCells(table_id)
    parser.feed(page)
    parser.close()
    return parser.rows


@pytest.fixture(scope="module")
def migration(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Path]:
    """The App Mesh walkthrough sized for istio, linkerd and consul: its plan and report.html."""
    folder = tmp_path_factory.mktemp("migration")
    plan = run_migration(folder, "html")
    return plan, folder / "planner-out" / HTML_FILE


def test_migration_section_shows_each_mesh_beside_today(migration: tuple[Plan, Path]) -> None:
    plan, page_path = migration
    assert plan.migration is not None
    assert len(plan.migration.targets) == len(MIGRATION_TARGETS)
    page = page_path.read_text("utf-8")
    parsed = _parse(page)
    sections = [a["id"] for t, a in parsed.tags if t == "section"]
    assert sections.index("migration") == sections.index("scoping") + 1
    assert '<a href="#migration">Migration</a>' in page
    charts = [a["id"] for t, a in parsed.tags if t == "svg"]
    assert charts[-2:] == ["migration-cpu", "migration-memory"]
    rows = _table_rows(page, "migration-meshes")
    assert [row[0] for row in rows] == list(MIGRATION_MESHES)
    today = plan.totals
    expected: list[tuple[str, Totals, ResourceTotals | None]] = [
        (plan.profile.mesh_version, today, None)
    ]
    expected += [(t.mesh_version, t.totals, t.difference) for t in plan.migration.targets]
    for row, (version, totals, difference) in zip(rows, expected, strict=True):
        figures = [
            totals.sidecars.cpu_request_cores,
            totals.sidecars.memory_request_gib,
            totals.gateways.cpu_request_cores,
            totals.gateways.memory_request_gib,
            totals.control_plane.cpu_request_cores,
            totals.control_plane.memory_request_gib,
            totals.mesh.cpu_request_cores,
            totals.mesh.memory_request_gib,
            totals.mesh.estimated_cpu_cores,
            totals.mesh.estimated_memory_gib,
        ]
        against = (
            ["\u2013", "\u2013"]
            if difference is None
            else [signed(difference.cpu_request_cores), signed(difference.memory_request_gib)]
        )
        assert row[1:] == [
            version,
            number(totals.mesh.pods),
            *(number(f, 2) for f in figures),
            *against,
        ], row[0]
    # the reviewed figures of this walkthrough, as the summary prints them
    istio_figures = ["0.50", "0.62", "0.20", "0.25", "1.00", "4.00", "1.70", "4.88", "0.04"]
    assert rows[1][3:] == [*istio_figures, "0.62", "+1.53", "+4.22"]
    text = " ".join(" ".join(parsed.text).split())
    assert "Migration off AWS App Mesh" in text
    assert "it does not translate routes" in text
    for step in plan.migration.manual_steps:
        assert " ".join(step.split()) in text
    for target in plan.migration.targets:
        assert f"{target.folder}/" in text
        for component in target.control_plane:
            assert component in text
        for step in target.manual_steps:
            assert " ".join(step.split()) in text
    istio, linkerd, consul = plan.migration.targets
    assert (
        "Sidecar resources, exportTo and discovery selectors: 5 resources written; "
        "5 workloads scoped exactly, 0 wider" in text
    )
    assert linkerd.scoping_mechanism == "none"
    assert f"Scoping {linkerd.scoping_note}" in text
    assert consul.scoped_workloads == 5
    assert istio.findings > 0
    joined = " ".join("".join(parsed.text).split())
    assert f"Findings{istio.findings} (in {istio.folder}/plan.json)" in joined


def test_page_without_a_migration_has_no_migration_section() -> None:
    plan = sample_plan()
    assert plan.migration is None
    page = render_html(plan)[HTML_FILE].decode("utf-8")
    assert 'id="migration' not in page
    assert "#migration" not in page
    assert "Migration" not in page


def test_hostile_migration_texts_are_escaped(migration: tuple[Plan, Path]) -> None:
    page = render_html(hostile_migration(migration[0]))[HTML_FILE].decode("utf-8")
    parsed = _parse(page)
    assert "script" not in {tag for tag, _ in parsed.tags}
    assert SCRIPT not in page
    assert HYPERLINK not in page
    section = page[page.index('<section id="migration"') :]
    section = section[: section.index("</section>")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (today)" in section
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in section
    text = "".join(_parse(section).text)
    for name in HOSTILE_NAMES:
        assert name in text, name
    # the chart labels and descriptions are escaped as well
    chart = section[section.index('<svg class="chart" id="migration-cpu"') :]
    chart = chart[: chart.index("</svg>")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (today)" in chart
    assert DDE.replace("'", "&#39;") in chart


def test_hostile_names_escaped_on_a_migration_page(tmp_path: Path) -> None:
    write_hostile_inputs(tmp_path)
    args = ["size", "--inventory", "cluster.csv", "--traffic", "traffic.csv", "--mesh", "appmesh"]
    args += [a for target in MIGRATION_TARGETS for a in ("--migrate-to", target)]
    run = run_cli([*args, "--traffic-window", "7d", "--format", "html"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    page = (tmp_path / "planner-out" / HTML_FILE).read_text("utf-8")
    parsed = _parse(page)
    assert [row[0] for row in _table_rows(page, "migration-meshes")] == list(MIGRATION_MESHES)
    assert "script" not in {tag for tag, _ in parsed.tags}
    assert SCRIPT not in page
    assert HYPERLINK not in page
    text = "".join(parsed.text)
    for name in HOSTILE_NAMES:
        assert name in text, name


def test_migration_page_in_headless_chromium(migration: tuple[Plan, Path], tmp_path: Path) -> None:
    _, page_path = migration
    seen = load_in_chromium(page_path, tmp_path, "migration.png")
    seen.assert_alone(page_path)
    flat = " ".join(seen.text.split())
    assert "Migration off AWS App Mesh" in flat
    for mesh in MIGRATION_MESHES:
        assert mesh in flat, mesh


# --- the nodes (--nodes) ------------------------------------------------------------------------

SECTIONS = [
    "summary",
    "cost",
    "namespaces",
    "workloads",
    "control-plane",
    "scoping",
    "warnings",
    "assumptions",
]


def _card(page: str, card_id: str) -> str:
    """The text of one summary card, its whitespace folded."""
    card = page[page.index(f'<div class="card" id="{card_id}">') :]
    card = card[: card.index("</p>")]
    return " ".join("".join(_parse(card).text).split())


def test_per_node_card_and_table_show_the_plans_figures() -> None:
    plan = sample_plan(nodes=SAMPLE_NODES)
    nodes = plan.nodes
    assert nodes is not None
    page = render_html(plan)[HTML_FILE].decode("utf-8")
    parsed = _parse(page)
    # a card and a table, no new section
    assert [a["id"] for t, a in parsed.tags if t == "section"] == SECTIONS
    cards = [a["id"] for t, a in parsed.tags if t == "div" and a.get("class") == "card"]
    assert cards[-1] == "card-nodes"
    card = _card(page, "card-nodes")
    assert card == (
        f"Per node {cores(nodes.mesh_cpu_request_cores_per_node)} "
        f"{gib(nodes.mesh_memory_request_gib_per_node)} The mesh's requests per node, on average "
        "over 6 nodes from the nodes table nodes.csv; 28 to 31 pods a node (median 29.5). The "
        f"busiest node's sidecars: {cores(nodes.busiest_node_sidecar_cpu_request_cores)}, "
        f"{gib(nodes.busiest_node_sidecar_memory_request_gib)}. The mesh takes CPU "
        f"{percent(nodes.mesh_share_of_cpu_ratio)}, memory "
        f"{percent(nodes.mesh_share_of_memory_ratio)} of the nodes' allocatable."
    )
    # the sample's reviewed figures, as the text summary prints them
    for figure in ("3.00 cores", "3.42 GiB", "2.94 cores", "2.86 GiB", "18.9 %", "5.9 %"):
        assert figure in card, figure
    rows = _table_rows(page, "nodes")
    assert [row[:-1] for row in rows] == [
        ["Nodes", "6"],
        ["Pods per node", "28 to 31 (median 29.5)"],
        ["The busiest node's share of the pods", percent(nodes.busiest_node_share_ratio)],
        ["Mesh requests per node (average)", "3.00 cores", "3.42 GiB"],
        ["The busiest node's sidecar requests", "2.94 cores", "2.86 GiB"],
        ["The nodes' allocatable", "95.34 cores", "345.60 GiB"],
        ["Mesh requests / the nodes' allocatable", "18.9 %", "5.9 %"],
    ]
    assert rows[0][-1] == "from the nodes table nodes.csv"
    assert page.index('id="card-nodes"') < page.index('<section id="cost"')
    assert page.index('<section id="cost"') < page.index('<table id="nodes"')


def test_per_node_of_a_count_assumes_an_even_spread() -> None:
    plan = sample_plan(nodes="12")
    nodes = plan.nodes
    assert nodes is not None
    page = render_html(plan)[HTML_FILE].decode("utf-8")
    card = _card(page, "card-nodes")
    assert "on average over 12 nodes from --nodes 12; pods assumed spread evenly." in card
    assert "allocatable" not in card  # unknown: not shown as zero
    rows = _table_rows(page, "nodes")
    assert rows == [
        ["Nodes", "12", "from --nodes 12"],
        ["Pods per node", "not given", "assumed spread evenly"],
        [
            "The busiest node's share of the pods",
            "8.3 %",
            "1 / nodes: the pods taken as spread evenly",
        ],
        [
            "Mesh requests per node (average)",
            cores(nodes.mesh_cpu_request_cores_per_node),
            gib(nodes.mesh_memory_request_gib_per_node),
            rows[3][-1],
        ],
        [
            "The busiest node's sidecar requests",
            cores(nodes.busiest_node_sidecar_cpu_request_cores),
            gib(nodes.busiest_node_sidecar_memory_request_gib),
            rows[4][-1],
        ],
    ]


def test_per_node_of_a_mesh_without_sidecars_shows_no_sidecars(sample: Path) -> None:
    shutil.copy(DATA / "nodes.csv", sample / "nodes.csv")
    args = [*SAMPLE_ARGS, "--mesh", "istio-ambient", "--nodes", "nodes.csv"]
    run = run_cli([*args, "--format", "json", "--format", "html"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((sample / "planner-out" / "plan.json").read_bytes())
    nodes = plan.nodes
    assert nodes is not None
    assert plan.totals.sidecars.pods == 0
    page = (sample / "planner-out" / HTML_FILE).read_text("utf-8")
    card = _card(page, "card-nodes")
    assert f"Per node {cores(nodes.mesh_cpu_request_cores_per_node)} " in card
    assert "sidecars" not in card
    assert f"The mesh takes CPU {percent(nodes.mesh_share_of_cpu_ratio)}," in card
    labels = [row[0] for row in _table_rows(page, "nodes")]
    assert "The busiest node's sidecar requests" not in labels
    assert "Mesh requests per node (average)" in labels


def test_page_without_nodes_has_no_per_node_figures() -> None:
    plan = sample_plan()
    assert plan.nodes is None
    page = render_html(plan)[HTML_FILE].decode("utf-8")
    assert "card-nodes" not in page
    assert 'id="nodes' not in page
    assert "Per node" not in page
    assert "allocatable" not in page


def test_hostile_nodes_source_is_escaped() -> None:
    plan = sample_plan(nodes=SAMPLE_NODES)
    for name in HOSTILE_NAMES:
        page = render_html(hostile_nodes(plan, name))[HTML_FILE].decode("utf-8")
        parsed = _parse(page)
        assert "script" not in {tag for tag, _ in parsed.tags}
        assert SCRIPT not in page
        assert HYPERLINK not in page
        assert f"from {name};" in _card(page, "card-nodes")
        assert _table_rows(page, "nodes")[0][-1] == f"from {name}"


HOSTILE_NODES_FILE = "<img src=x onerror=alert(1)>.csv"
"""A nodes table named as markup (no slash: a file name cannot hold one)."""


def test_hostile_nodes_file_name_runs_nothing_in_chromium(sample: Path, tmp_path: Path) -> None:
    (sample / HOSTILE_NODES_FILE).write_bytes((DATA / "nodes.csv").read_bytes())
    run = run_cli([*SAMPLE_ARGS, "--nodes", HOSTILE_NODES_FILE, "--format", "html"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    page_path = sample / "planner-out" / HTML_FILE
    page = page_path.read_text("utf-8")
    assert "<img" not in page
    assert "img" not in {tag for tag, _ in _parse(page).tags}
    assert "the nodes table &lt;img src=x onerror=alert(1)&gt;.csv" in page
    seen = load_in_chromium(page_path, tmp_path, "nodes.png", cards=("#card-nodes", "#nodes"))
    seen.assert_alone(page_path)
    flat = " ".join(seen.text.split())
    assert f"6 nodes from the nodes table {HOSTILE_NODES_FILE}" in flat
    for figure in ("3.00 cores", "3.42 GiB", "2.94 cores", "2.86 GiB", "CPU 18.9 %"):
        assert figure in flat, figure


def test_per_node_figures_are_documented() -> None:
    doc = (REPO / "docs" / "reports.md").read_text("utf-8")
    html = doc[doc.index("## report.html") : doc.index("## report.xlsx")]
    rows = {line.split("|")[1].strip(): line for line in html.splitlines() if line.startswith("| ")}
    assert "**Per node**" in rows["Summary"]
    assert "**Per node**" in rows["Where the cost goes"]


# --- node agents and waypoints (Istio's ambient mode) ---------------------------------------------


def _parts_rows(page: str) -> list[list[str]]:
    """The body rows of the totals table of "Where the cost goes" (found by its caption)."""
    at = page.index("Mesh overhead by part, summed over pods")
    table = page[page.rindex("<table", 0, at) : page.index("</table>", at) + len("</table>")]
    return _table_rows(table.replace("<table>", '<table id="parts">', 1), "parts")


def _row(total: ResourceTotals) -> list[str]:
    return [
        number(total.pods),
        cores(total.estimated_cpu_cores),
        gib(total.estimated_memory_gib),
        cores(total.cpu_request_cores),
        gib(total.memory_request_gib),
        cores(total.cpu_limit_cores),
        gib(total.memory_limit_gib),
    ]


def test_node_agents_are_a_part_of_the_cost() -> None:
    plan = ambient_plan()
    t = plan.totals
    assert t.node_agents.pods == 12
    page = render_html(plan)[HTML_FILE].decode("utf-8")
    assert _parts_rows(page) == [
        ["Workload proxies", *_row(t.sidecars)],
        ["Node agents (one per node)", *_row(t.node_agents)],
        ["Gateways and waypoints", *_row(t.gateways)],
        ["Control plane", *_row(t.control_plane)],
        ["Whole mesh", *_row(t.mesh)],
    ]
    # the sample's reviewed figures, as the text summary prints them
    assert _parts_rows(page)[1][4:6] == ["3.30 cores", "3.61 GiB"]
    assert _parts_rows(page)[3][4:6] == ["1.00 cores", "4.00 GiB"]
    assert _card(page, "card-overhead") == (
        "Mesh overhead (requests) 10.68 cores 9.61 GiB 30 pods: 0 sidecars, 12 node-agent pods "
        "(one per node), 16 gateway and waypoint replicas, 2 control-plane replicas. Expected use "
        "6.87 cores, 1.24 GiB."
    )
    parsed = _parse(page)
    text = " ".join(" ".join(parsed.text).split())
    # the chart: node agents, the gateways with the waypoints, the control plane (no sidecar)
    assert (
        "Mesh requests split into node agents, gateways (and waypoints) and the control plane. "
        "CPU: node agents 3.30 cores, gateways/waypoints 6.38 cores, control plane 1.00 cores."
    ) in text
    assert (
        "Where the mesh's requests go: node agents, gateways (and waypoints) and the control "
        "plane, as a share" in text
    )
    assert '<a href="#control-plane">Control plane, node agents, gateways and waypoints</a>' in page


def test_node_agents_say_they_run_one_per_node() -> None:
    plan = ambient_plan()
    page = render_html(plan)[HTML_FILE].decode("utf-8")
    text = " ".join(" ".join(_parse(page).text).split())
    ztunnel = plan.control_plane.component("ztunnel")
    per = ztunnel.per_replica
    card = page[page.index('<div class="card" id="card-control-plane">') :]
    card = " ".join("".join(_parse(card[: card.index("</div>\n  <div")]).text).split())
    assert card.startswith("Control plane and node agents istiod: 2 replicas ")
    assert (
        "ztunnel: 6 replicas, one per node Each sized for the busiest node: "
        f"{per.cpu_request_millicores}m CPU and {per.memory_request_mib}Mi memory each (limits "
        f"{per.cpu_limit_millicores}m / {per.memory_limit_mib}Mi); 6 nodes, 176 pods."
    ) in card
    assert "istio-cni: 6 replicas, one per node Each sized for the busiest node: 100m" in card
    assert (
        "A node agent: ztunnel runs one per node (6 replicas), each sized for the busiest node; "
        "nothing is divided among the replicas."
    ) in text
    assert "the busiest node's load: state + what it serves, not divided among the replicas" in text
    # istiod is shared out among its replicas, as before
    assert "state each replica holds + what all replicas serve / replicas" in text
    # waypoints read as waypoints where the gateways are listed
    assert "Gateways and waypoints Gateway or waypoint Role" in text
    assert "catalog/waypoint waypoint 9,988 rps" in text


def test_a_page_without_node_agents_names_none() -> None:
    page = render_html(sample_plan(nodes=SAMPLE_NODES))[HTML_FILE].decode("utf-8")
    assert "node agent" not in page.lower()
    assert "waypoint" not in page.replace("<code>waypoints</code>", "")  # the knob only
    assert [row[0] for row in _parts_rows(page)] == [
        "Workload proxies",
        "Gateways",
        "Control plane",
        "Whole mesh",
    ]


def test_a_migration_to_ambient_shows_the_node_agents(tmp_path: Path) -> None:
    args = ["size", "--inventory", str(APPMESH_INGRESS), "--migrate-to", "istio-ambient"]
    run = run_cli([*args, "--nodes", "3", "--format", "json", "--format", "html"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    assert plan.migration is not None
    target = plan.migration.targets[0]
    page = (tmp_path / "planner-out" / HTML_FILE).read_text("utf-8")
    rows = _table_rows(page, "migration-meshes")
    for row, totals in zip(rows, (plan.totals, target.totals), strict=True):
        # sidecars, then the node agents, then gateways, control plane and the totals
        assert row[3:9] == [
            number(totals.sidecars.cpu_request_cores, 2),
            number(totals.sidecars.memory_request_gib, 2),
            number(totals.node_agents.cpu_request_cores, 2),
            number(totals.node_agents.memory_request_gib, 2),
            number(totals.gateways.cpu_request_cores, 2),
            number(totals.gateways.memory_request_gib, 2),
        ]
        assert row[11:13] == [
            number(totals.mesh.cpu_request_cores, 2),
            number(totals.mesh.memory_request_gib, 2),
        ]
    assert rows[1][5:7] == ["0.90", "1.80"]  # 3 nodes x (200m + 100m), 3 x (512Mi + 104Mi)
    assert '<th scope="colgroup" colspan="2">Node agents</th>' in page


def test_ambient_page_in_headless_chromium(tmp_path: Path) -> None:
    page_path = tmp_path / HTML_FILE
    page_path.write_bytes(render_html(ambient_plan())[HTML_FILE])
    seen = load_in_chromium(page_path, tmp_path, "ambient.png", cards=("#overhead",))
    seen.assert_alone(page_path)
    flat = " ".join(seen.text.split())
    assert "ztunnel: 6 replicas, one per node" in flat
    assert "Node agents (one per node) 12 2.13 cores" in flat


def test_node_agents_in_the_page_are_documented() -> None:
    doc = (REPO / "docs" / "reports.md").read_text("utf-8")
    html = doc[doc.index("## report.html") : doc.index("## report.xlsx")]
    rows = {line.split("|")[1].strip(): line for line in html.splitlines() if line.startswith("| ")}
    for section in ("Summary", "Where the cost goes", "Control plane and gateways", "Migration"):
        assert "node agents" in rows[section].lower(), section
    assert "waypoints" in rows["Control plane and gateways"]
