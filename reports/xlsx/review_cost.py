"""review.xlsx's Cost sheet (a review with `--prices`): the growth in money, live over the prices.

The prices are input cells named as on report.xlsx's Prices sheet (`price_per_vcpu_hour`,
`price_per_gib_hour`, `hours_per_month`: reports/xlsx/cost.py). Each part's requests before and
after (cores, GiB) are values from review.json; its monthly cost before and after and the growth
are formulas of them and of the price cells, and the whole mesh is their sum, so a reviewer who
changes a price sees every figure move. A namespace with its own prices (chargeback) has a row of
its sidecars' and gateways' requests with its price cells, and what they add to the cost at the
file's prices is in the total. review.json's own figures sit below, for comparison.
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
    Rows,
)

COST = "Cost"
COST_BEFORE = "review_cost_before_monthly"
COST_AFTER = "review_cost_after_monthly"
COST_GROWTH = "review_cost_growth_monthly"
"""Named cells of the Cost sheet: the whole mesh's monthly cost before, after, and the growth."""
WIDTHS = (40, 16, 16, 16, 16, 18, 18, 18, 16, 16)

Pair = tuple[float, float]


def _own_prices(review: Review) -> dict[str, tuple[Pair, Pair]]:
    """The namespaces in either plan that the prices file prices itself: their sidecars' and
    gateways' requests (cores, GiB), each before and after."""
    cost = review.cost
    if cost is None:
        return {}
    found: dict[str, tuple[list[float], list[float]]] = {}
    rows = [(n.namespace, n.cpu_request_cores, n.memory_request_gib) for n in review.namespaces]
    rows += [
        (g.component.split("/", 1)[0], g.cpu_request_cores, g.memory_request_gib)
        for g in review.gateways
    ]
    for namespace, cpu, memory in rows:
        if namespace in cost.prices.namespaces:
            sums = found.setdefault(namespace, ([0.0, 0.0], [0.0, 0.0]))
            sums[0][0] += cpu.before
            sums[0][1] += cpu.after
            sums[1][0] += memory.before
            sums[1][1] += memory.after
    return {namespace: ((c[0], c[1]), (m[0], m[1])) for namespace, (c, m) in sorted(found.items())}


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
        ws.column_dimensions["ABCDEFGHIJ"[index]].width = width
    text, bold = book.style(), book.style(bold=True)
    sheet = Rows(ws)
    put = sheet.put

    def t(value: str, style: Any = text) -> Any:
        return book.cell(ws, value, Kind.TEXT, style)

    def head(value: str, kind: Kind) -> Any:
        style = book.style(bold=True, fill=HEADER_FILLS[kind], wrap=True, border=True)
        return book.cell(ws, value, Kind.TEXT, style)

    def n(value: CellValue, number_format: str, kind: Kind) -> Any:
        fill = INPUT_FILL if kind is Kind.INPUT else None
        return book.cell(ws, value, kind, book.style(number_format, fill=fill))

    def own_price(value: float | None, follows: str) -> Any:
        """A namespace's own price: an input cell, or the file's price (a formula) if none."""
        if value is None:
            return book.cell(ws, f"={follows}", Kind.FORMULA, book.style(F_PRICE, fill=INPUT_FILL))
        return n(value, F_PRICE, Kind.INPUT)

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
    first = sheet.written + 1
    for part in shown:
        r = sheet.written + 1
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
    last = sheet.written
    adjust = _own_prices(review)
    adjust_first = sheet.written + 3
    if adjust:
        put()
        put(
            t(
                "Namespaces at their own prices (chargeback): their sidecars' and gateways' "
                "requests, and what their prices add to the cost above (an own price left out "
                "of the file follows the price above)",
                bold,
            )
        )
        put(
            head("Namespace", Kind.TEXT),
            head("CPU requests before (cores)", Kind.INFO),
            head("CPU requests after (cores)", Kind.INFO),
            head("Memory requests before (GiB)", Kind.INFO),
            head("Memory requests after (GiB)", Kind.INFO),
            head("Difference before per month", Kind.FORMULA),
            head("Difference after per month", Kind.FORMULA),
            head("Growth per month", Kind.FORMULA),
            head("Its price per vCPU-hour", Kind.INPUT),
            head("Its price per GiB-hour", Kind.INPUT),
        )
        for namespace, (cpu, memory) in adjust.items():
            own = p.namespaces[namespace]
            r = sheet.written + 1
            cpu_price = f"(I{r}-{CPU_PRICE})*{HOURS}"
            memory_price = f"(J{r}-{MEMORY_PRICE})*{HOURS}"
            put(
                t(namespace),
                n(cpu[0], F_CORES, Kind.INFO),
                n(cpu[1], F_CORES, Kind.INFO),
                n(memory[0], F_GIB, Kind.INFO),
                n(memory[1], F_GIB, Kind.INFO),
                n(f"=B{r}*{cpu_price}+D{r}*{memory_price}", money, Kind.FORMULA),
                n(f"=C{r}*{cpu_price}+E{r}*{memory_price}", money, Kind.FORMULA),
                n(f"=G{r}-F{r}", signed, Kind.FORMULA),
                own_price(own.cpu_price_per_vcpu_hour, CPU_PRICE),
                own_price(own.memory_price_per_gib_hour, MEMORY_PRICE),
            )
    adjust_last = sheet.written
    total = sheet.written + 1

    def column_sum(c: str, number_format: str, *, money_column: bool = False) -> Any:
        terms = [f"SUM({c}{first}:{c}{last})"] if shown else []
        if money_column and adjust:
            terms.append(f"SUM({c}{adjust_first}:{c}{adjust_last})")
        return n("=" + ("+".join(terms) or "0"), number_format, Kind.FORMULA)

    put(
        t(f"{PART_TITLES['mesh']} (total)", bold),
        column_sum("B", F_CORES),
        column_sum("C", F_CORES),
        column_sum("D", F_GIB),
        column_sum("E", F_GIB),
        column_sum("F", money, money_column=True),
        column_sum("G", money, money_column=True),
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
