"""Writing large xlsx workbooks: openpyxl's write-only mode for the structure, rows streamed.

openpyxl writes the workbook's structure (styles, defined names, conditional formats, frozen
panes, filters, headers, the small sheets). It spends about 10 microseconds per cell, 15 s for
the 1.4 million cells of a 100,000-pod mesh, so the rows of table sheets are written here as
SpreadsheetML (the `<c>` elements openpyxl writes, with the style ids openpyxl assigned) and
spliced into each sheet's `<sheetData>` when the archive is finalised. Text is always written as
text, never as a formula, and text that looks like one also gets Excel's quote prefix. The
archive carries fixed timestamps, so the same content gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.writer.excel import ExcelWriter

from reports.xlsx.archive import FIXED_TIME, deflated_zip

FIXED_ZIP_TIME = FIXED_TIME
"""The ZIP epoch: every archive member and the document properties carry it, never the clock."""
FIXED_DOC_TIME = datetime(1980, 1, 1)
HEADER_HEIGHT = 45
"""Points: three lines of wrapped header text (spreadsheets do not grow a row on opening)."""
MAX_CELL_CHARS = 32767
"""Excel's limit on the characters of one cell."""
CellValue = str | int | float | None


class Kind(Enum):
    """What a column holds, which decides its header colour and how its cells are written."""

    TEXT = "text"  # names and labels: always a text cell, never a formula
    INPUT = "input"  # a number the formulas read; a reviewer may change it
    INFO = "info"  # a number shown for reference, read by no formula
    FORMULA = "formula"  # recomputed by the spreadsheet


HEADER_FILLS = {
    Kind.TEXT: "D9D9D9",
    Kind.INFO: "D9D9D9",
    Kind.INPUT: "BDD7EE",
    Kind.FORMULA: "C6E0B4",
}
INPUT_FILL = "EEF4FB"

# number formats, units in the format so a cell reads "160m" or "1.25 GiB"
F_INT = "#,##0"
F_M = '#,##0"m"'
F_M1 = '#,##0.0"m"'
F_MIB = '#,##0" MiB"'
F_MIB1 = '#,##0.0" MiB"'
F_CORES = '#,##0.00" cores"'
F_GIB = '#,##0.00" GiB"'
F_RPS = '#,##0.0" rps"'
F_TIMES = '0.00"x"'
F_PCT = "0.0%"
F_SIGNED_CORES = '+#,##0.00" cores";-#,##0.00" cores";0.00" cores"'
F_SIGNED_GIB = '+#,##0.00" GiB";-#,##0.00" GiB";0.00" GiB"'
F_GENERAL = "General"
F_MONEY = "#,##0.00"
F_SIGNED_MONEY = "+#,##0.00;-#,##0.00;0.00"


@dataclass(frozen=True)
class Col:
    """One column of a table sheet."""

    key: str
    header: str
    kind: Kind
    number_format: str = F_GENERAL
    width: float = 12.0


def clean_text(text: str) -> str:
    """Text as a cell can hold it: no XML-illegal control characters, at most 32,767 chars."""
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 30] + " ... (cut: see the plan)"
    return text


class Book:
    """A write-only workbook: cached cell styles, table sheets whose rows are streamed as XML,
    workbook-wide names, and `save()` giving the same bytes for the same content.

    `date` dates the document properties (created and modified); it is never the clock.
    """

    def __init__(self) -> None:
        self.wb = Workbook(write_only=True)
        self._styles: dict[tuple[Any, ...], Any] = {}
        self._probe = self.wb.create_sheet("_styles")  # removed before saving
        self._bodies: list[tuple[Any, bytes]] = []
        self._styles_by_id: dict[int, Any] = {}
        self.date = FIXED_DOC_TIME

    def style(
        self,
        number_format: str = F_GENERAL,
        *,
        bold: bool = False,
        fill: str | None = None,
        wrap: bool = False,
        quote: bool = False,
        size: float | None = None,
        border: bool = False,
    ) -> Any:
        """A shared style array; cells only point at it, so one style costs nothing per cell."""
        key = (number_format, bold, fill, wrap, quote, size, border)
        found = self._styles.get(key)
        if found is None:
            probe = WriteOnlyCell(self._probe)
            probe.number_format = number_format
            if bold or size:
                probe.font = Font(name="Calibri", family=2, size=size or 11, bold=bold)
            if fill:
                probe.fill = PatternFill("solid", fgColor=fill)
            if wrap:
                probe.alignment = Alignment(wrap_text=True, vertical="top")
            if border:
                probe.border = Border(bottom=Side(style="thin", color="808080"))
            if quote:
                probe.quotePrefix = True
            found = probe._style
            self._styles[key] = found
        return found

    def style_id(self, style: Any) -> int:
        """The index openpyxl gives a style array in the stylesheet's cellXfs."""
        index = int(self.wb._cell_styles.add(style))
        self._styles_by_id[index] = style
        return index

    def cell(self, ws: Any, value: CellValue, kind: Kind, style: Any) -> Any:
        """One openpyxl cell: text stays text (quote-prefixed when it looks like a formula)."""
        if value is None:
            return None
        if isinstance(value, str) and kind is not Kind.FORMULA:
            text = clean_text(value)
            cell = WriteOnlyCell(ws, text)
            cell.data_type = "s"  # a leading "=" made it a formula: it is text, keep it so
            cell._style = style
            if _looks_like_formula(text):
                cell.quotePrefix = True
            return cell
        cell = WriteOnlyCell(ws, value)
        cell._style = style
        return cell

    def table(
        self,
        title: str,
        cols: Sequence[Col],
        rows: Iterable[Sequence[CellValue]],
        freeze: str = "B2",
        *,
        stream: bool = True,
    ) -> tuple[Any, int]:
        """A sheet with a styled header row, frozen panes, a filter and one row per entry.

        Returns the sheet and how many rows (below the header) it holds. With `stream` False the
        rows are openpyxl cells, so more rows may be appended after them.
        """
        ws = self.wb.create_sheet(title)
        for index, col in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(index)].width = col.width
        ws.freeze_panes = freeze
        ws.row_dimensions[1].height = HEADER_HEIGHT
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        head = self.style(bold=True, fill=HEADER_FILLS[Kind.TEXT], wrap=True, border=True)
        ws.append(
            [
                self.cell(
                    ws,
                    col.header,
                    Kind.TEXT,
                    self.style(bold=True, fill=HEADER_FILLS[col.kind], wrap=True, border=True)
                    if col.kind is not Kind.TEXT
                    else head,
                )
                for col in cols
            ]
        )
        writers = []
        for index, col in enumerate(cols, start=1):
            fill = INPUT_FILL if col.kind is Kind.INPUT else None
            writers.append(
                _ColumnWriter(
                    get_column_letter(index),
                    col.kind,
                    self.style_id(self.style(col.number_format, fill=fill)),
                    self.style_id(self.style(col.number_format, fill=fill, quote=True)),
                )
            )
        chunks = []
        count = 0
        for r, row in enumerate(rows, start=2):
            if stream:
                chunks.append(_row_xml(r, row, writers))
            else:
                ws.append(
                    [
                        self.cell(ws, value, col.kind, self._styles_by_id[w.style_id])
                        for value, col, w in zip(row, cols, writers, strict=True)
                    ]
                )
            count += 1
        if stream:
            # held as UTF-8 from here on, and never twice: the row strings go before the body
            # is encoded (at a million pods one sheet's body is 600 MB)
            body = "".join(chunks)
            chunks.clear()
            self._bodies.append((ws, body.encode("utf-8")))
            del body
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(count + 1, 2)}"
        return ws, count

    def name(self, name: str, sheet: str, cell: str) -> None:
        """A workbook-wide name for one cell, so formulas read `headroom_ratio`, not `$B$2`."""
        self.wb.defined_names[name] = DefinedName(name, attr_text=f"{_sheet_ref(sheet)}!{cell}")

    def save(self) -> bytes:
        """The workbook's bytes: fixed timestamps, the table bodies spliced in, deflated once
        (reports.xlsx.archive)."""
        self.wb.remove(self._probe)
        properties = self.wb.properties
        properties.creator = "mesh-planner"
        properties.created = properties.modified = self.date
        stored = io.BytesIO()
        with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as archive:
            ExcelWriter(self.wb, archive).save()  # save_workbook would stamp the clock
        bodies = {ws.path.lstrip("/"): body for ws, body in self._bodies}
        self._bodies.clear()
        members = []
        with zipfile.ZipFile(stored) as source:
            for info in source.infolist():
                content = source.read(info.filename)
                body = bodies.pop(info.filename, b"")  # each body let go once it is spliced in
                if body:
                    head, tail = content.split(b"</sheetData>", 1)
                    content = b"".join((head, body, b"</sheetData>", tail))
                    del body
                members.append((info.filename, content))
        return deflated_zip(members)


class Rows:
    """A sheet filled row by row, for sheets laid out as they are written: `put` appends a row
    and returns its number, `written` is the last row's."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.written = 0

    def put(self, *cells: Any) -> int:
        """Append a row; its number."""
        self.ws.append(list(cells))
        self.written += 1
        return self.written


_FORMULA_STARTS = frozenset("=+-@")
"""First characters a spreadsheet takes for the start of a formula."""


def _looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would take for a formula if typed in (or edited) as it is."""
    return text[:1] in _FORMULA_STARTS


@dataclass(frozen=True)
class _ColumnWriter:
    letter: str
    kind: Kind
    style_id: int
    quoted_style_id: int


def _row_xml(r: int, row: Sequence[CellValue], writers: Sequence[_ColumnWriter]) -> str:
    """One `<row>` of SpreadsheetML: text as inline strings, formulas without cached values.

    Millions of cells go through here: plain text (printable ASCII, the names and reasons of
    almost every cell) skips the control-character scan of `clean_text`, which cannot change it.
    """
    parts = [f'<row r="{r}">']
    append = parts.append
    for value, w in zip(row, writers, strict=True):
        if value is None:
            continue
        if isinstance(value, str):
            if w.kind is Kind.FORMULA and value.startswith("="):
                append(f'<c r="{w.letter}{r}" s="{w.style_id}"><f>{_xml(value[1:])}</f></c>')
                continue
            plain = value.isascii() and value.isprintable() and len(value) <= MAX_CELL_CHARS
            text = value if plain else clean_text(value)
            first = text[:1]
            style = w.quoted_style_id if first in _FORMULA_STARTS else w.style_id
            space = ' xml:space="preserve"' if first.isspace() or text[-1:].isspace() else ""
            append(
                f'<c r="{w.letter}{r}" s="{style}" t="inlineStr"><is><t{space}>{_xml(text)}'
                "</t></is></c>"
            )
        else:
            number = repr(float(value)) if isinstance(value, float) else str(int(value))
            append(f'<c r="{w.letter}{r}" s="{w.style_id}" t="n"><v>{number}</v></c>')
    append("</row>")
    return "".join(parts)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sheet_ref(sheet: str) -> str:
    return f"'{sheet}'" if not sheet.isalnum() else sheet
