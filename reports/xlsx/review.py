"""review.xlsx: a review (`planner review`) as a workbook whose sums and fitted laws are live.

Sheets (`SHEETS`, in order; a new part of the review is one more writer there):

- **Changes**: the parts of the mesh before and after (the changes live differences), the
  sidecars' drivers with their total a live SUM beside the sidecars' change it adds up to, every
  namespace, the control plane and the gateways.
- **Cost** (a review with `--prices`): the prices as named input cells and each part's monthly
  cost before and after and the growth as live formulas of them (reports/xlsx/review_cost.py).
- **Workloads**: every workload added, removed or changed (its rows streamed: a large mesh has
  many), the changes live differences.
- **Forecast**: each driver's history as data (its dates, the days since its first date t, its
  values), the intercept a and slope b fitted to it in cells of their own, and the fitted value
  per row and at the horizon as live formulas of them (linear a + b t, exponential EXP(a + b t)):
  a reviewer sees the fit, and can alter it.
- **Thresholds**: the sidecars sized for the projected mesh, the control plane's and gateways'
  thresholds, the proxies crossing today's limits, and the forecast's warnings.

Names (namespaces, workloads, files) are always text cells, never formulas, whatever they start
with (reports/xlsx/spreadsheet.py). The same review gives the same bytes: the workbook is dated
with the current plan's inputs' date, else the ZIP epoch, never the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from models.review import Change, ComponentChange, DriverForecast, Review
from reports.review import REVIEW_FILE, REVIEW_XLSX_FILE
from reports.xlsx.review_cost import write_review_cost
from reports.xlsx.spreadsheet import (
    F_CORES,
    F_GIB,
    F_INT,
    F_SIGNED_CORES,
    F_SIGNED_GIB,
    HEADER_FILLS,
    INPUT_FILL,
    Book,
    CellValue,
    Col,
    Kind,
)

CHANGES = "Changes"
WORKLOADS = "Workloads"
FORECAST = "Forecast"
THRESHOLDS = "Thresholds"
DRIVERS_CPU_TOTAL = "drivers_cpu_total"
DRIVERS_MEMORY_TOTAL = "drivers_memory_total"
SIDECARS_CPU_CHANGE = "sidecars_cpu_change"
SIDECARS_MEMORY_CHANGE = "sidecars_memory_change"
"""Named cells of the Changes sheet: the drivers' live sums and the sidecars' live change."""
F_DATE = "yyyy-mm-dd"
F_NUMBER = "#,##0.0##"
F_SIGNED = "+#,##0;-#,##0;0"
F_PARAMETER = "0.000000000000"
F_DAYS = '#,##0" d"'

STATUS_ORDER = {"added": 0, "removed": 1, "changed": 2}


@dataclass
class _Sheet:
    """One sheet being written row by row, with the styles its cells use."""

    book: Book
    ws: Any
    row: int = 0

    def put(self, *cells: Any) -> int:
        """Append a row; its number."""
        self.ws.append(list(cells))
        self.row += 1
        return self.row

    def text(self, value: str, *, bold: bool = False, size: float | None = None) -> Any:
        return self.book.cell(self.ws, value, Kind.TEXT, self.book.style(bold=bold, size=size))

    def head(self, value: str, kind: Kind = Kind.INFO) -> Any:
        style = self.book.style(bold=True, fill=HEADER_FILLS[kind], wrap=True, border=True)
        return self.book.cell(self.ws, value, Kind.TEXT, style)

    def number(self, value: CellValue, number_format: str, kind: Kind = Kind.INFO) -> Any:
        fill = INPUT_FILL if kind is Kind.INPUT else None
        return self.book.cell(self.ws, value, kind, self.book.style(number_format, fill=fill))

    def day(self, value: str) -> Any:
        cell = WriteOnlyCell(self.ws, datetime.combine(date.fromisoformat(value), time()))
        cell._style = self.book.style(F_DATE)
        return cell


def _sheet(book: Book, title: str, widths: Sequence[float]) -> _Sheet:
    ws = book.wb.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    return _Sheet(book, ws)


def _three(s: _Sheet, change: Change, fmt: str, signed: str, r: int, first: int) -> list[Any]:
    """Before and after as values, the change a live difference (columns from `first`)."""
    before, after = get_column_letter(first), get_column_letter(first + 1)
    return [
        s.number(change.before, fmt),
        s.number(change.after, fmt),
        s.number(f"={after}{r}-{before}{r}", signed, Kind.FORMULA),
    ]


_TRIPLE = ("before", "after", "change")


def _triple_heads(s: _Sheet, what: str) -> list[Any]:
    return [
        s.head(f"{what} {word}", Kind.FORMULA if word == "change" else Kind.INFO)
        for word in _TRIPLE
    ]


def _write_changes(book: Book, review: Review) -> None:
    s = _sheet(book, CHANGES, (34, 26, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 70))
    b, c = review.baseline, review.current
    s.put(
        s.text(
            f"Capacity review: {b.file} ({b.inputs_date or 'undated'}) against {c.file} "
            f"({c.inputs_date or 'undated'}), {c.mesh} {b.mesh_version} -> {c.mesh_version}",
            bold=True,
            size=14,
        )
    )
    s.put(
        s.text(
            f"From {REVIEW_FILE}. The changes are live differences of before and after; the "
            "drivers' total is a live SUM, beside the sidecars' change it adds up to."
        )
    )
    s.put()
    s.put(s.text("Parts of the mesh", bold=True))
    s.put(
        s.head("Part"),
        *_triple_heads(s, "Pods"),
        *_triple_heads(s, "CPU requests (cores)"),
        *_triple_heads(s, "Memory requests (GiB)"),
    )
    sidecars_row = None
    for part in review.parts:
        r = s.row + 1
        if part.part == "sidecars":
            sidecars_row = r
        s.put(
            s.text(part.part),
            *_three(s, part.pods, F_INT, F_SIGNED, r, 2),
            *_three(s, part.cpu_request_cores, F_CORES, F_SIGNED_CORES, r, 5),
            *_three(s, part.memory_request_gib, F_GIB, F_SIGNED_GIB, r, 8),
        )
    if sidecars_row is not None:
        book.name(SIDECARS_CPU_CHANGE, CHANGES, f"$G${sidecars_row}")
        book.name(SIDECARS_MEMORY_CHANGE, CHANGES, f"$J${sidecars_row}")
    s.put()
    s.put(s.text("Why the sidecars' requests changed (they add up to the change)", bold=True))
    s.put(
        s.head("Driver"),
        s.head("Code"),
        s.head("CPU requests (cores)", Kind.INPUT),
        s.head("Memory requests (GiB)", Kind.INPUT),
    )
    first = s.row + 1
    for driver in review.sidecar_drivers:
        s.put(
            s.text(driver.label),
            s.text(driver.code),
            s.number(driver.cpu_request_cores, F_SIGNED_CORES, Kind.INPUT),
            s.number(driver.memory_request_gib, F_SIGNED_GIB, Kind.INPUT),
        )
    last = s.row
    total = s.put(
        s.text("Total of the drivers (live)", bold=True),
        None,
        s.number(f"=SUM(C{first}:C{last})", F_SIGNED_CORES, Kind.FORMULA),
        s.number(f"=SUM(D{first}:D{last})", F_SIGNED_GIB, Kind.FORMULA),
    )
    book.name(DRIVERS_CPU_TOTAL, CHANGES, f"$C${total}")
    book.name(DRIVERS_MEMORY_TOTAL, CHANGES, f"$D${total}")
    if sidecars_row is not None:
        s.put(
            s.text("The sidecars' change (Parts above)"),
            None,
            s.number(f"=G{sidecars_row}", F_SIGNED_CORES, Kind.FORMULA),
            s.number(f"=J{sidecars_row}", F_SIGNED_GIB, Kind.FORMULA),
        )
    _write_namespaces(s, review)
    for title, components in (
        ("Control plane", review.control_plane),
        ("Gateways", review.gateways),
    ):
        _write_components(s, title, components)
    s.put()
    s.put(s.text("Also different between the plans", bold=True))
    for note in review.notes or ("nothing else",):
        s.put(s.text(note))


def _write_namespaces(s: _Sheet, review: Review) -> None:
    s.put()
    s.put(s.text("Namespaces (the sidecars), the largest change in CPU first", bold=True))
    s.put(
        s.head("Namespace"),
        *_triple_heads(s, "Pods"),
        *_triple_heads(s, "CPU requests (cores)"),
        *_triple_heads(s, "Memory requests (GiB)"),
        s.head("Workloads added"),
        s.head("Workloads removed"),
    )
    ordered = sorted(
        review.namespaces, key=lambda n: (-abs(n.cpu_request_cores.delta), n.namespace)
    )
    for n in ordered:
        r = s.row + 1
        s.put(
            s.text(n.namespace),
            *_three(s, n.pods, F_INT, F_SIGNED, r, 2),
            *_three(s, n.cpu_request_cores, F_CORES, F_SIGNED_CORES, r, 5),
            *_three(s, n.memory_request_gib, F_GIB, F_SIGNED_GIB, r, 8),
            s.number(n.workloads_added, F_INT),
            s.number(n.workloads_removed, F_INT),
        )


WORKLOAD_COLS = (
    Col("namespace", "Namespace", Kind.TEXT, width=22),
    Col("workload", "Workload", Kind.TEXT, width=28),
    Col("status", "Status", Kind.TEXT, width=10),
    Col("replicas_before", "Replicas before", Kind.INFO, F_INT),
    Col("replicas_after", "Replicas after", Kind.INFO, F_INT),
    Col("rps_before", "Requests per second per pod before", Kind.INFO, F_NUMBER),
    Col("rps_after", "Requests per second per pod after", Kind.INFO, F_NUMBER),
    Col("services_before", "Services seen before", Kind.INFO, F_INT),
    Col("services_after", "Services seen after", Kind.INFO, F_INT),
    Col("cpu_before", "CPU requests (cores) before", Kind.INFO, F_CORES),
    Col("cpu_after", "CPU requests (cores) after", Kind.INFO, F_CORES),
    Col("cpu_change", "CPU requests (cores) change", Kind.FORMULA, F_SIGNED_CORES),
    Col("memory_before", "Memory requests (GiB) before", Kind.INFO, F_GIB),
    Col("memory_after", "Memory requests (GiB) after", Kind.INFO, F_GIB),
    Col("memory_change", "Memory requests (GiB) change", Kind.FORMULA, F_SIGNED_GIB),
    Col("drivers", "Drivers (cores, GiB)", Kind.TEXT, width=70),
)
"""The Workloads sheet: one row per workload added, removed or changed."""


def _workload_rows(review: Review) -> Iterator[list[CellValue]]:
    """The added and removed first, then the largest changes in CPU; the changes live."""
    ordered = sorted(
        review.workloads,
        key=lambda w: (
            STATUS_ORDER[w.status],
            -abs(w.cpu_request_cores.delta),
            w.namespace,
            w.workload,
        ),
    )
    for r, w in enumerate(ordered, start=2):
        drivers = "; ".join(
            f"{d.label} {d.cpu_request_cores:+.3f}, {d.memory_request_gib:+.3f}"
            for d in w.drivers
            if d.cpu_request_cores or d.memory_request_gib
        )
        yield [
            w.namespace,
            w.workload,
            w.status,
            w.replicas.before,
            w.replicas.after,
            w.rps_per_pod.before,
            w.rps_per_pod.after,
            w.visible_services.before,
            w.visible_services.after,
            w.cpu_request_cores.before,
            w.cpu_request_cores.after,
            f"=K{r}-J{r}",
            w.memory_request_gib.before,
            w.memory_request_gib.after,
            f"=N{r}-M{r}",
            drivers or "none",
        ]


def _write_workloads(book: Book, review: Review) -> None:
    """Every workload added, removed or changed, its rows streamed (a large mesh has many)."""
    book.table(WORKLOADS, WORKLOAD_COLS, _workload_rows(review), freeze="C2")


def _write_components(s: _Sheet, title: str, components: Sequence[ComponentChange]) -> None:
    s.put()
    s.put(s.text(title, bold=True))
    if not components:
        s.put(s.text("none in either plan"))
        return
    s.put(
        s.head("Component"),
        *_triple_heads(s, "Replicas"),
        *_triple_heads(s, "CPU requests (cores)"),
        *_triple_heads(s, "Memory requests (GiB)"),
        s.head("Sized from (before -> after)"),
    )
    for component in components:
        r = s.row + 1
        drivers = "; ".join(
            f"{d.label} {d.before:,.10g} -> {d.after:,.10g}" for d in component.drivers
        )
        s.put(
            s.text(component.component),
            *_three(s, component.replicas, F_INT, F_SIGNED, r, 2),
            *_three(s, component.cpu_request_cores, F_CORES, F_SIGNED_CORES, r, 5),
            *_three(s, component.memory_request_gib, F_GIB, F_SIGNED_GIB, r, 8),
            s.text(drivers or "none"),
        )


def law_formula(law: str, intercept: str, slope: str, t: str) -> str:
    """The fitted law as a formula of the cells holding a, b and t."""
    line = f"{intercept}+{slope}*{t}"
    return f"=EXP({line})" if law == "exponential" else f"={line}"


def _write_driver(s: _Sheet, driver: DriverForecast, horizon: str) -> None:
    """One driver: its law's parameters, its history as data, the fit and the horizon live."""
    s.put()
    s.put(s.text(driver.label, bold=True), s.text(f"{driver.law} law"))
    a = s.put(
        s.text("Intercept a"),
        s.number(driver.intercept, F_PARAMETER, Kind.INPUT),
    )
    b = s.put(
        s.text("Slope b (per day)"),
        s.number(driver.slope, F_PARAMETER, Kind.INPUT),
    )
    for law, rss in sorted(driver.rss.items()):
        s.put(s.text(f"Squared error of the {law} law"), s.number(rss, F_NUMBER))
    s.put(
        s.head("Date"),
        s.head("Days since the first date (t)"),
        s.head("Value"),
        s.head("Fitted (live)", Kind.FORMULA),
        s.head(f"At the horizon ({REVIEW_FILE})"),
        s.head("95 % interval, low"),
        s.head("95 % interval, high"),
    )
    first = date.fromisoformat(driver.dates[0])
    for day, value in zip(driver.dates, driver.values, strict=True):
        r = s.row + 1
        s.put(
            s.day(day),
            s.number((date.fromisoformat(day) - first).days, F_DAYS),
            s.number(value, F_NUMBER),
            s.number(
                law_formula(driver.law, f"$B${a}", f"$B${b}", f"B{r}"), F_NUMBER, Kind.FORMULA
            ),
        )
    r = s.row + 1
    s.put(
        s.day(horizon),
        s.number((date.fromisoformat(horizon) - first).days, F_DAYS),
        s.text("the horizon"),
        s.number(law_formula(driver.law, f"$B${a}", f"$B${b}", f"B{r}"), F_NUMBER, Kind.FORMULA),
        s.number(driver.at_horizon, F_NUMBER),
        s.number(driver.low, F_NUMBER),
        s.number(driver.high, F_NUMBER),
    )


def _write_forecast(book: Book, review: Review) -> None:
    s = _sheet(book, FORECAST, (44, 16, 14, 14, 16, 14, 14))
    forecast = review.forecast
    if forecast is None:
        s.put(s.text("No forecast: run planner review with --history (two dated plans or more)."))
        return
    s.put(
        s.text(
            f"Forecast to {forecast.horizon} ({forecast.horizon_days} days after the last of "
            f"{forecast.snapshots} snapshots)",
            bold=True,
            size=14,
        )
    )
    s.put(
        s.text(
            "Each driver's history as data, and the law fitted to it (the smaller squared error "
            "of a linear and an exponential law): the fitted values and the value at the horizon "
            "are live formulas of the intercept a and the slope b (blue), linear a + b t, "
            "exponential EXP(a + b t), t the days since the driver's first date. Change a or b "
            "and they move."
        )
    )
    for driver in (*forecast.drivers, *forecast.namespaces):
        _write_driver(s, driver, forecast.horizon)


def _write_thresholds(book: Book, review: Review) -> None:
    s = _sheet(book, THRESHOLDS, (30, 40, 16, 10, 12, 12, 12, 100))
    forecast = review.forecast
    if forecast is None:
        s.put(s.text("No forecast: run planner review with --history (two dated plans or more)."))
        return
    s.put(s.text(f"Projected to {forecast.horizon}", bold=True, size=14))
    s.put()
    s.put(s.text("The sidecars sized for the projected mesh", bold=True))
    s.put(
        s.head("Case"),
        s.head("Pods"),
        s.head("CPU requests (cores)"),
        s.head("Memory requests (GiB)"),
    )
    for p in forecast.sidecars:
        s.put(
            s.text(p.case),
            s.number(p.pods, F_INT),
            s.number(p.cpu_request_cores, F_CORES),
            s.number(p.memory_request_gib, F_GIB),
        )
    s.put()
    s.put(s.text("Control plane and gateways: thresholds crossed before then", bold=True))
    s.put(
        *(s.head(h) for h in ("Part", "Subject", "What", "Unit", "Today", "Then", "By", "Message"))
    )
    for t in forecast.thresholds:
        s.put(
            s.text(t.part),
            s.text(t.subject),
            s.text(t.what),
            s.text(t.unit),
            s.number(t.today, F_NUMBER),
            s.number(t.then, F_NUMBER),
            s.text(t.by),
            s.text(t.message),
        )
    if not forecast.thresholds:
        s.put(s.text("none: the control plane and the gateways keep their replicas"))
    s.put()
    s.put(s.text("Proxies crossing today's limits before then", bold=True))
    for line in forecast.crossings or ("none",):
        s.put(s.text(line))
    s.put()
    s.put(s.text("Warnings", bold=True))
    for line in forecast.warnings or ("none",):
        s.put(s.text(line))


SheetWriter = Callable[[Book, Review], None]

SHEETS: tuple[SheetWriter, ...] = (
    _write_changes,
    write_review_cost,
    _write_workloads,
    _write_forecast,
    _write_thresholds,
)
"""The sheets in order."""


def workbook_bytes(review: Review) -> bytes:
    """The whole workbook for one review."""
    book = Book()
    if review.current.inputs_date is not None:  # the inputs' date, never the clock
        book.date = datetime.combine(date.fromisoformat(review.current.inputs_date), time())
    for write in SHEETS:
        write(book, review)
    return book.save()


def render_review_xlsx(review: Review) -> dict[str, bytes]:
    """review.xlsx: the changes, the forecast's inputs and live fit, the thresholds."""
    return {REVIEW_XLSX_FILE: workbook_bytes(review)}
