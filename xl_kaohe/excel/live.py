"""ExcelBook: the open workbook in Excel (through xlwings) behind the same two methods as the
file adapter (``read_grids``, ``write_outputs``), so ``xl_kaohe.jobs`` runs unchanged.

Only the xlwings object model used here is touched (sheets, ranges, charts, .api for the few
things xlwings does not wrap); tests drive it with a small fake of that model.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from ..core import celltext
from ..core.celltext import quoted
from ..core.report import OutputSheet
from ..core import schema as S
from ..core.tables import BookGrids, Grid, resolve_sheets
from ..io.workbook import READ_SHEETS

NUMBER_FORMATS = {"int": "0", "number": "0.00", "percent": "0.00%", "date": "yyyy-mm-dd",
                  "datetime": "yyyy-mm-dd hh:mm", "text": "@"}
HEADER_FILL = (221, 235, 247)
MARK_FILL = {"error": (255, 199, 206), "warning": (255, 235, 156)}
FORMULA_STARTS = celltext.FORMULA_STARTS


def sheet_grid(sheet) -> Grid:
    """The sheet as a grid anchored at A1 (used_range may start anywhere)."""
    used = sheet.used_range
    values = used.options(ndim=2).value or []
    top, left = used.row - 1, used.column - 1
    width = left + (len(values[0]) if values else 0)
    return [[None] * width for _ in range(top)] + [[None] * left + list(row) for row in values]


def _code_name(sheet) -> str:
    try:
        return str(sheet.api.CodeName or "")
    except Exception:  # not every host exposes it (WPS, the tests' fake)
        return ""


def cell_value(value: Any) -> Any:
    """A value as Excel should receive it: text that looks like a formula gets Excel's quote
    prefix (the cell then holds the text itself, not a formula)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, (datetime, date, int, float, bool)) or value is None:
        return value
    return str(value)


class ExcelBook:
    def __init__(self, book):
        self.book = book

    @property
    def label(self) -> str:
        return self.book.name

    def _sheets(self) -> dict[str, Any]:
        return {sheet.name: sheet for sheet in self.book.sheets}

    def read_grids(self, sheets: Iterable[str] = READ_SHEETS) -> BookGrids:
        """As the file reader: tabs found by folded name, then by the template's code name."""
        present = self._sheets()
        sheets = tuple(sheets)
        tabs = resolve_sheets(present, sheets)
        codes: dict[str, str] = {}
        if len(tabs) < len(sheets):  # code names cost a COM call per tab: only when one is missing
            codes = {name: _code_name(sheet) for name, sheet in present.items()}
            tabs = resolve_sheets(present, sheets, codes, S.LEDGER_CODE_NAMES)
        template = set(S.LEDGER_CODE_NAMES.values())
        return BookGrids({name: sheet_grid(present[tab]) for name, tab in tabs.items()},
                         renamed={n: t for n, t in tabs.items() if n != t},
                         from_template=any(c in template for c in codes.values()))

    def write_outputs(self, sheets: list[OutputSheet]) -> None:
        for out in sheets:
            write_sheet(self.book, out)


def _output_sheet(book, name: str):
    for sheet in book.sheets:
        if sheet.name == name:
            for chart in list(sheet.charts):
                chart.delete()
            sheet.clear()
            return sheet
    return book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])


def write_sheet(book, out: OutputSheet) -> None:
    sheet = _output_sheet(book, out.name)
    ncols = len(out.columns)
    data: list[list[Any]] = []
    if out.title:
        data.append([out.title] + [None] * (ncols - 1))
    data.append([c.header for c in out.columns])
    data += [[cell_value(v) for v in row] + [None] * (ncols - len(row)) for row in out.rows]
    first, last = out.first_data_row, out.first_data_row + max(len(out.rows), 1) - 1
    # Formats before values, so dates land formatted and text columns stay text.
    for c, column in enumerate(out.columns, start=1):
        sheet.range((first, c), (last, c)).number_format = NUMBER_FORMATS[column.kind]
        sheet.range((1, c)).column_width = column.width
    sheet.range((1, 1)).value = data  # one COM round trip for the whole sheet
    header = sheet.range((out.header_row, 1), (out.header_row, ncols))
    header.font.bold = True
    header.color = HEADER_FILL
    if out.title:
        title = sheet.range((1, 1), (1, ncols))
        title.merge()
        title.font.bold = True
        title.font.size = 14
    for first_index, last_index, mark in _runs(out.row_marks):
        # one COM call per run of equally marked rows (校验 is sorted: errors, then warnings)
        rows = sheet.range((out.first_data_row + first_index, 1), (out.first_data_row + last_index, ncols))
        if mark in MARK_FILL:
            rows.color = MARK_FILL[mark]
        elif mark == "muted":
            rows.font.color = (128, 128, 128)
        elif mark == "bold":
            rows.font.bold = True
    if out.chart and out.rows:
        _bar_chart(sheet, out, first, last)


def _runs(marks: dict[int, str]) -> list[tuple[int, int, str]]:
    """{0: 'error', 1: 'error', 5: 'warning'} -> [(0, 1, 'error'), (5, 5, 'warning')]."""
    runs: list[tuple[int, int, str]] = []
    for index in sorted(marks):
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == marks[index]:
            runs[-1] = (runs[-1][0], index, marks[index])
        else:
            runs.append((index, index, marks[index]))
    return runs


def _bar_chart(sheet, out: OutputSheet, first: int, last: int) -> None:
    spec = out.chart
    left = sheet.range((1, len(out.columns) + 2)).left
    chart = sheet.charts.add(left=left, top=sheet.range((first, 1)).top, width=480,
                             height=max(240, 18 * (last - first + 1)))
    chart.chart_type = "bar_clustered"
    values = sheet.range((first, spec.value_column + 1), (last, spec.value_column + 1))
    chart.set_source_data(values)
    try:  # categories and title need the COM object; best effort on other platforms
        com = chart.api[1] if isinstance(chart.api, tuple) else chart.api
        series = com.SeriesCollection(1)
        series.XValues = sheet.range((first, spec.category_column + 1), (last, spec.category_column + 1)).api
        series.Name = spec.title
        com.HasTitle = True
        com.ChartTitle.Text = spec.title
    except Exception:  # pragma: no cover - depends on the Excel build
        pass
