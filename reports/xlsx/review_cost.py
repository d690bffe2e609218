"""review.xlsx's Cost sheet (a review with `--prices`): the growth in money, live over the prices.

The prices are input cells named as on report.xlsx's Prices sheet (`price_per_vcpu_hour`,
`price_per_gib_hour`, `hours_per_month`: reports/xlsx/cost.py). Each part's requests before and
after (cores, GiB) are values from review.json; its monthly cost before and after and the growth
are formulas of them and of the price cells, and the whole mesh is their sum, so a reviewer who
changes a price sees every figure move. review.json's own figures sit below, for comparison.
"""

from __future__ import annotations

from typing import Any

from models.review import Review
from reports.cost import PART_TITLES
from reports.review import REVIEW_FILE
from reports.xlsx.cost import CPU_PRICE, F_PRICE, HOURS, MEMORY_PRICE
from reports.xlsx.spreadsheet import (
    F_CORES,
    F_GIB,
    HEADER_FILLS,
    INPUT_FILL,
    Book,
    CellValue,
    Kind,
)

COST = "Cost"
COST_BEFORE = "review_cost_before_monthly"
COST_AFTER = "review_cost_after_monthly"
COST_GROWTH = "review_cost_growth_monthly"
"""Named cells of the Cost sheet: the whole mesh's monthly cost before, after, and the growth."""
WIDTHS = (40, 16, 16, 16, 16, 18, 18, 18)


def write_review_cost(book: Book, review: Review) -> None:
    """The Cost sheet of a review with a cost (none without prices)."""
    cost = review.cost
    if cost is None:
        return
    p = cost.prices
    money = f'#,##0.00" {p.currency}"'
    signed = f'+#,##0.00" {p.currency}";-#,##0.00" {p.currency}";0.00" {p.currency}"'
    ws = book.wb.create_sheet(COST)
    for index, width in enumerate(WIDTHS):
        ws.column_dimensions["ABCDEFGH"[index]].width = width
    text, bold = book.style(), book.style(bold=True)
    written = 0

    def put(*cells: Any) -> int:
        """Append a row; its number."""
        nonlocal written
        ws.append(list(cells))
        written += 1
        return written

    def t(value: str, style: Any = text) -> Any:
        return book.cell(ws, value, Kind.TEXT, style)

    def head(value: str, kind: Kind) -> Any:
        style = book.style(bold=True, fill=HEADER_FILLS[kind], wrap=True, border=True)
        return book.cell(ws, value, Kind.TEXT, style)

    def n(value: CellValue, number_format: str, kind: Kind) -> Any:
        fill = INPUT_FILL if kind is Kind.INPUT else None
        return book.cell(ws, value, kind, book.style(number_format, fill=fill))

    put(t("Monthly cost of the mesh's requests before and after, live over the prices", bold))
    put(
        t(
            f"From {REVIEW_FILE}: the requests are the plans' (values); change a price below and "
            "every cost moves."
        )
    )
    put(t(f"Formula: {cost.formula}"))
    put()
    put(t("Prices", bold))
    put(t("Currency"), t(p.currency))
    put(t("As of"), t(p.as_of.isoformat()))
    put(t("Source"), t(p.source))
    put(t("Description"), t(p.description or ""))
    put(t("Prices file"), t(p.file))
    for label, name, value in (
        ("Price per vCPU-hour (CPU requested)", CPU_PRICE, p.cpu_price_per_vcpu_hour),
        ("Price per GiB-hour (memory requested)", MEMORY_PRICE, p.memory_price_per_gib_hour),
        ("Hours per month (365 x 24 / 12 = 730)", HOURS, p.hours_per_month),
    ):
        r = put(t(label), n(value, F_PRICE, Kind.INPUT), t(name))
        book.name(name, COST, f"$B${r}")
    if p.namespaces:
        put(
            t(
                "Namespaces with their own prices (" + ", ".join(p.namespaces) + ") are priced at "
                f"them in {REVIEW_FILE}; the live figures here price every part at the prices "
                "above, so they differ from it there."
            )
        )
    put()
    put(
        head("Part", Kind.TEXT),
        head("CPU requests before (cores)", Kind.INFO),
        head("CPU requests after (cores)", Kind.INFO),
        head("Memory requests before (GiB)", Kind.INFO),
        head("Memory requests after (GiB)", Kind.INFO),
        head("Cost before per month", Kind.FORMULA),
        head("Cost after per month", Kind.FORMULA),
        head("Growth per month", Kind.FORMULA),
    )
    shown = [
        part
        for part in review.parts
        if part.part != PART_TITLES["mesh"]
        and (
            part.cpu_request_cores.before
            or part.cpu_request_cores.after
            or part.memory_request_gib.before
            or part.memory_request_gib.after
        )
    ]
    first = written + 1
    for part in shown:
        r = written + 1
        put(
            t(part.part),
            n(part.cpu_request_cores.before, F_CORES, Kind.INFO),
            n(part.cpu_request_cores.after, F_CORES, Kind.INFO),
            n(part.memory_request_gib.before, F_GIB, Kind.INFO),
            n(part.memory_request_gib.after, F_GIB, Kind.INFO),
            n(f"=B{r}*{CPU_PRICE}*{HOURS}+D{r}*{MEMORY_PRICE}*{HOURS}", money, Kind.FORMULA),
            n(f"=C{r}*{CPU_PRICE}*{HOURS}+E{r}*{MEMORY_PRICE}*{HOURS}", money, Kind.FORMULA),
            n(f"=G{r}-F{r}", signed, Kind.FORMULA),
        )
    last = written
    total = written + 1

    def column_sum(c: str, number_format: str) -> Any:
        return n(f"=SUM({c}{first}:{c}{last})" if shown else "=0", number_format, Kind.FORMULA)

    put(
        t(f"{PART_TITLES['mesh']} (total)", bold),
        column_sum("B", F_CORES),
        column_sum("C", F_CORES),
        column_sum("D", F_GIB),
        column_sum("E", F_GIB),
        column_sum("F", money),
        column_sum("G", money),
        n(f"=G{total}-F{total}", signed, Kind.FORMULA),
    )
    for name, column in ((COST_BEFORE, "F"), (COST_AFTER, "G"), (COST_GROWTH, "H")):
        book.name(name, COST, f"${column}${total}")
    put()
    put(t(f"As computed by the planner ({REVIEW_FILE}), for comparison", bold))
    put(
        head("Part", Kind.TEXT),
        head("Cost before per month", Kind.INFO),
        head("Cost after per month", Kind.INFO),
        head("Growth per month", Kind.INFO),
    )
    for line in [*cost.parts, cost.mesh]:
        if line.name != "mesh" and not (line.before_monthly or line.after_monthly):
            continue
        put(
            t(PART_TITLES[line.name]),
            n(line.before_monthly, money, Kind.INFO),
            n(line.after_monthly, money, Kind.INFO),
            n(line.difference_monthly, signed, Kind.INFO),
        )
