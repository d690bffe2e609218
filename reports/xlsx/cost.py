"""The workbook's Prices, Cost and Cost by namespace sheets (a plan with `--prices`).

The prices are input cells on the Prices sheet, named `price_per_vcpu_hour`,
`price_per_gib_hour` and `hours_per_month` (a namespace's own prices are cells of its row
there); every cost is a formula over them and over the live requests of the Workloads,
Gateways and Control plane sheets, so a reviewer who changes a price, a coefficient or the
headroom sees the money move. What scoping saves multiplies the plan's figures (values) by the
live price.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from models.compare import Comparison
from models.cost import PlanCost, PriceInfo
from models.plan import Plan
from reports.cost import PART_TITLES
from reports.xlsx.spreadsheet import (
    F_CORES,
    F_GIB,
    HEADER_FILLS,
    INPUT_FILL,
    Book,
    CellValue,
    Col,
    Kind,
    Rows,
)

PRICES_SHEET = "Prices"
COST_SHEET = "Cost"
NAMESPACE_SHEET = "Cost by namespace"
CPU_PRICE = "price_per_vcpu_hour"
MEMORY_PRICE = "price_per_gib_hour"
HOURS = "hours_per_month"
MESH_TOTAL = "cost_mesh_monthly"
"""The named cell of the whole mesh's monthly cost on the Cost sheet."""
SCOPING_SAVED = "cost_scoping_saved_monthly"
"""The named cell of what scoping saves per month (a plan with scoping)."""
F_PRICE = "0.000000"


class SheetRanges(Protocol):
    """The data ranges of the Workloads (`w`) and Gateways (`g`) sheets by column key (None
    when the sheet has no rows)."""

    def w(self, key: str) -> str | None: ...

    def g(self, key: str) -> str | None: ...


def _money(currency: str) -> str:
    return f'#,##0.00" {currency}"'


def write_prices(book: Book, p: PriceInfo) -> dict[str, tuple[str | None, str | None]]:
    """The Prices sheet; returns each namespace's own price cells (None: the file's price)."""
    ws = book.wb.create_sheet(PRICES_SHEET)
    for letter, width in zip("ABCD", (40, 18, 18, 60), strict=True):
        ws.column_dimensions[letter].width = width
    text, bold = book.style(), book.style(bold=True)
    price_style = book.style(F_PRICE, fill=INPUT_FILL)
    head = book.style(bold=True, fill=HEADER_FILLS[Kind.INPUT], wrap=True, border=True)

    def t(value: str, style: Any = text) -> Any:
        return book.cell(ws, value, Kind.TEXT, style)

    ws.append([t("Prices: change one and every cost of the Cost sheets moves", bold)])
    ws.append([t("Currency"), t(p.currency)])
    ws.append([t("As of"), t(p.as_of.isoformat())])
    ws.append([t("Source"), t(p.source)])
    ws.append([t("Description"), t(p.description or "")])
    ws.append([t("Prices file"), t(p.file)])
    row = 7
    for label, name, value in (
        ("Price per vCPU-hour (CPU requested)", CPU_PRICE, p.cpu_price_per_vcpu_hour),
        ("Price per GiB-hour (memory requested)", MEMORY_PRICE, p.memory_price_per_gib_hour),
        ("Hours per month (365 x 24 / 12 = 730)", HOURS, p.hours_per_month),
    ):
        ws.append([t(label), book.cell(ws, value, Kind.INPUT, price_style), t(name)])
        book.name(name, PRICES_SHEET, f"$B${row}")
        row += 1
    ws.append([])
    ws.append([t("Namespace prices (chargeback): an empty cell is the price above", bold)])
    ws.append(
        [t(h, head) for h in ("Namespace", "Price per vCPU-hour", "Price per GiB-hour", "Note")]
    )
    row += 3
    cells: dict[str, tuple[str | None, str | None]] = {}
    for namespace, own in p.namespaces.items():
        ws.append(
            [
                t(namespace),
                book.cell(ws, own.cpu_price_per_vcpu_hour, Kind.INPUT, price_style),
                book.cell(ws, own.memory_price_per_gib_hour, Kind.INPUT, price_style),
                t(own.note or ""),
            ]
        )
        cells[namespace] = (
            f"Prices!$B${row}" if own.cpu_price_per_vcpu_hour is not None else None,
            f"Prices!$C${row}" if own.memory_price_per_gib_hour is not None else None,
        )
        row += 1
    return cells


NAMESPACE_COLS = (
    Col("namespace", "Namespace", Kind.TEXT, width=24),
    Col("cpu_price", "Price per vCPU-hour", Kind.FORMULA, F_PRICE, 12),
    Col("mem_price", "Price per GiB-hour", Kind.FORMULA, F_PRICE, 12),
    Col("side_cpu", "Sidecar CPU requests (cores)", Kind.FORMULA, F_CORES, 12),
    Col("side_mem", "Sidecar memory requests (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("gate_cpu", "Gateway CPU requests (cores)", Kind.FORMULA, F_CORES, 12),
    Col("gate_mem", "Gateway memory requests (GiB)", Kind.FORMULA, F_GIB, 12),
)
MONEY_KEYS = ("side_cpu_cost", "side_mem_cost", "gate_cpu_cost", "gate_mem_cost", "total")
MONEY_HEADERS = (
    "Sidecars' CPU per month",
    "Sidecars' memory per month",
    "Gateways' CPU per month",
    "Gateways' memory per month",
    "Total per month",
)


def _namespace_rows(
    cost: PlanCost, ranges: SheetRanges, own: dict[str, tuple[str | None, str | None]]
) -> Iterable[list[CellValue]]:
    def sumifs(found: str | None, namespaces: str | None, r: int) -> str:
        return f"SUMIFS({found},{namespaces},$A{r})" if found and namespaces else "0"

    for r, line in enumerate(cost.namespaces, start=2):
        cpu_cell, memory_cell = own.get(line.name, (None, None))
        side = ranges.w("namespace")
        gate = ranges.g("namespace")
        yield [
            line.name,
            f"={cpu_cell or CPU_PRICE}",
            f"={memory_cell or MEMORY_PRICE}",
            "=" + sumifs(ranges.w("t_cpu_req"), side, r),
            "=" + sumifs(ranges.w("t_mem_req"), side, r),
            "=" + sumifs(ranges.g("t_cpu_req"), gate, r),
            "=" + sumifs(ranges.g("t_mem_req"), gate, r),
            f"=D{r}*B{r}*{HOURS}",
            f"=E{r}*C{r}*{HOURS}",
            f"=F{r}*B{r}*{HOURS}",
            f"=G{r}*C{r}*{HOURS}",
            f"=SUM(H{r}:K{r})",
        ]


def write_cost(
    book: Book, plan: Plan, ranges: SheetRanges, shared: dict[str, tuple[str, str]]
) -> None:
    """The Prices, Cost and Cost by namespace sheets of a plan with a cost (none without).

    `shared` gives, for the control plane and the node agents (`control-plane`,
    `node-agents`; the latter only when the mesh has them), the live formulas of their CPU
    (cores) and memory (GiB) requests, as the Summary sheet totals them.
    """
    cost = plan.cost
    if cost is None:
        return
    money = _money(cost.prices.currency)
    own = write_prices(book, cost.prices)
    ws = book.wb.create_sheet(COST_SHEET)
    for letter, width in zip("ABCDEF", (44, 16, 16, 18, 18, 18), strict=True):
        ws.column_dimensions[letter].width = width
    text, bold = book.style(), book.style(bold=True)
    head = book.style(bold=True, fill=HEADER_FILLS[Kind.FORMULA], wrap=True, border=True)
    info_head = book.style(bold=True, fill=HEADER_FILLS[Kind.INFO], wrap=True, border=True)

    def t(value: str, style: Any = text) -> Any:
        return book.cell(ws, value, Kind.TEXT, style)

    def f(value: CellValue, number_format: str, kind: Kind = Kind.FORMULA) -> Any:
        return book.cell(ws, value, kind, book.style(number_format))

    sheet = Rows(ws)
    put = sheet.put

    put(*[t("Monthly cost of the mesh's requests, live over the Prices sheet", bold)])
    put(*[t(f"Formula: {cost.formula}")])
    put(
        *[
            t(
                f"Prices as of {cost.prices.as_of.isoformat()} ({cost.prices.file}); source: "
                f"{cost.prices.source}"
            )
        ]
    )
    put()
    headers = ("Part", "CPU requests (cores)", "Memory requests (GiB)")
    put(*[t(h, head) for h in (*headers, "CPU per month", "Memory per month", "Total")])
    by_namespace = f"'{NAMESPACE_SHEET}'"
    last = len(cost.namespaces) + 1
    rows: list[tuple[str, str, str, str, str]] = []
    if cost.namespaces:
        column = {c: f"{by_namespace}!${c}$2:${c}${last}" for c in "DEFGHIJK"}
        rows.append(
            (
                "sidecars",
                f"=SUM({column['D']})",
                f"=SUM({column['E']})",
                f"=SUM({column['H']})",
                f"=SUM({column['I']})",
            )
        )
        rows.append(
            (
                "gateways",
                f"=SUM({column['F']})",
                f"=SUM({column['G']})",
                f"=SUM({column['J']})",
                f"=SUM({column['K']})",
            )
        )
    else:
        rows += [("sidecars", "=0", "=0", "=0", "=0"), ("gateways", "=0", "=0", "=0", "=0")]
    first = sheet.written + 1
    for part in ("control-plane", "node-agents"):
        if part in shared:
            r = first + len(rows)
            cpu, memory = shared[part]
            rows.append(
                (part, cpu, memory, f"=B{r}*{CPU_PRICE}*{HOURS}", f"=C{r}*{MEMORY_PRICE}*{HOURS}")
            )
    for part, cpu, memory, cpu_money, memory_money in rows:
        r = sheet.written + 1
        put(
            t(PART_TITLES[part]),
            f(cpu, F_CORES),
            f(memory, F_GIB),
            f(cpu_money, money),
            f(memory_money, money),
            f(f"=D{r}+E{r}", money),
        )
    end = sheet.written
    mesh = sheet.written + 1
    put(
        t(PART_TITLES["mesh"], bold),
        *(
            f(f"=SUM({c}{first}:{c}{end})", fmt)
            for c, fmt in zip("BCDE", (F_CORES, F_GIB, money, money), strict=True)
        ),
        f(f"=D{mesh}+E{mesh}", money),
    )
    book.name(MESH_TOTAL, COST_SHEET, f"$F${mesh}")
    put()
    put(t("As computed by the planner (plan.json), for comparison", bold))
    put(*(t(h, info_head) for h in (*headers, "CPU per month", "Memory per month", "Total")))
    for line in [*cost.parts, cost.mesh]:
        if line.name == "node-agents" and "node-agents" not in shared:
            continue
        figures = (
            line.cpu_request_cores,
            line.memory_request_gib,
            line.cpu_monthly,
            line.memory_monthly,
            line.total_monthly,
        )
        formats = (F_CORES, F_GIB, money, money, money)
        put(
            t(PART_TITLES[line.name]),
            *(f(v, fmt, Kind.INFO) for v, fmt in zip(figures, formats, strict=True)),
        )
    if cost.scoping is not None:
        s = cost.scoping
        put()
        put(
            t(
                "What the recommended scoping saves: the plan's expected memory saved (values) "
                "at the live price per GiB-hour",
                bold,
            )
        )
        put(*(t(h, head) for h in ("Saved", "Memory (GiB)", "Per month")))
        for label, gib in (
            ("Proxies (every pod)", s.proxy_memory_gib_saved),
            ("Control plane (one replica)", s.control_plane_memory_gib_saved),
        ):
            r = sheet.written + 1
            put(t(label), f(gib, F_GIB, Kind.INFO), f(f"=B{r}*{MEMORY_PRICE}*{HOURS}", money))
        r = sheet.written + 1
        put(t("Total", bold), f(f"=B{r - 2}+B{r - 1}", F_GIB), f(f"=C{r - 2}+C{r - 1}", money))
        book.name(SCOPING_SAVED, COST_SHEET, f"$C${r}")
    cols = (
        *NAMESPACE_COLS,
        *(
            Col(k, h, Kind.FORMULA, money, 14)
            for k, h in zip(MONEY_KEYS, MONEY_HEADERS, strict=True)
        ),
    )
    book.table(NAMESPACE_SHEET, cols, _namespace_rows(cost, ranges, own), freeze="B2")


def write_compare_cost(
    book: Book, comparison: Comparison, cpu: str, memory: str, first_row: int
) -> None:
    """compare.xlsx's Prices and Cost sheets (none without prices): each data plane's total
    requests (the Compare sheet's columns `cpu` and `memory`, from `first_row` in the
    comparison's order) times the live prices, and the difference with the baseline's row."""
    cost = comparison.cost
    if cost is None:
        return
    money = _money(cost.prices.currency)
    signed = f'+#,##0.00" {cost.prices.currency}";-#,##0.00" {cost.prices.currency}";0.00'
    write_prices(book, cost.prices)
    order = [row.data_plane.value for row in comparison.rows]
    base = 2 + order.index(cost.baseline)
    cols = (
        Col("data_plane", "Data plane", Kind.TEXT, width=26),
        Col("cpu", "CPU requests (cores)", Kind.FORMULA, F_CORES, 12),
        Col("mem", "Memory requests (GiB)", Kind.FORMULA, F_GIB, 12),
        Col("cpu_cost", "CPU per month", Kind.FORMULA, money, 14),
        Col("mem_cost", "Memory per month", Kind.FORMULA, money, 14),
        Col("total", "Total per month", Kind.FORMULA, money, 14),
        Col("diff", f"Against {cost.baseline} per month", Kind.FORMULA, signed, 16),
    )
    rows: list[list[CellValue]] = [
        [
            name,
            f"=Compare!{cpu}{first_row + i}",
            f"=Compare!{memory}{first_row + i}",
            f"=B{r}*{CPU_PRICE}*{HOURS}",
            f"=C{r}*{MEMORY_PRICE}*{HOURS}",
            f"=D{r}+E{r}",
            f"=F{r}-$F${base}",
        ]
        for i, (r, name) in enumerate(enumerate(order, start=2))
    ]
    book.table(COST_SHEET, cols, rows, freeze="B2")
