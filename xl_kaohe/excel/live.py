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
from ..core.report import BLOCK_MARKS, Formula, LineChart, OutputSheet
from ..core import schema as S
from ..core.tables import BookGrids, Grid, resolve_sheets
from ..io.workbook import READ_SHEETS

NUMBER_FORMATS = {"int": "0", "number": "0.00", "percent": "0.00%", "date": "yyyy-mm-dd",
                  "datetime": "yyyy-mm-dd hh:mm", "text": "@"}
HEADER_FILL = (221, 235, 247)
MARK_FILL = {"error": (255, 199, 206), "warning": (255, 235, 156)}
BLOCK_ALIGN = {"title": -4108, "note": -4131, "sign": -4152}  # xlCenter, xlLeft, xlRight
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
    prefix (the cell then holds the text itself, not a formula); a Formula (built by our code,
    never from ledger text) is entered as a formula, and Excel computes it."""
    if type(value) is Formula:
        return "=" + value.text
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
        present = {name.casefold() for name in self._sheets()}
        for out in sheets:
            if out.only_if_present and out.name.casefold() not in present:
                continue  # e.g. 看板: never added to a workbook that does not have it
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
    if out.header:
        data.append([c.header for c in out.columns])
    data += [[cell_value(v) for v in row] + [None] * (ncols - len(row)) for row in out.rows]
    first, last = out.first_data_row, out.first_data_row + max(len(out.rows), 1) - 1
    # Formats before values, so dates land formatted and text columns stay text.
    for c, column in enumerate(out.columns, start=1):
        body = sheet.range((first, c), (last, c))
        has_formula = any(c - 1 < len(row) and type(row[c - 1]) is Formula for row in out.rows)
        # a formula typed into a Text ("@") cell stays text: formula columns keep General
        body.number_format = "General" if has_formula and column.kind == "text" else NUMBER_FORMATS[column.kind]
        sheet.range((1, c)).column_width = column.shown_width
        if column.wrap:
            body.api.WrapText = True
    sheet.range((1, 1)).value = data  # one COM round trip for the whole sheet
    for r, c, kind in _cell_kinds(out):  # the few cells whose kind differs from their column's
        sheet.range((r, c)).number_format = "General" if kind == "text" else NUMBER_FORMATS[kind]
    if out.header:
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
        elif mark == "heading":
            rows.font.bold = True
            rows.color = HEADER_FILL
        elif mark in BLOCK_MARKS:
            _block_rows(sheet, out, first_index, last_index, mark, ncols)
    _page_breaks(sheet, out)
    if isinstance(out.chart, LineChart) and out.rows:
        _line_chart(sheet, out)
    elif out.chart and out.rows:
        _bar_chart(sheet, out, first, last)
    _page_setup(sheet, out)


def _page_setup(sheet, out: OutputSheet) -> None:
    """The layout's print settings (those xlwings does not wrap go through the COM object)."""
    from ..io.ooxml.worksheet import is_landscape  # the same rule as the file writer

    try:
        if any(c.wrap for c in out.columns) and out.rows:  # Excel grows wrapped rows itself
            sheet.range((out.first_data_row, 1), (out.header_row + len(out.rows), len(out.columns))) \
                .api.EntireRow.AutoFit()
        setup = sheet.api.PageSetup
        setup.Orientation = 2 if is_landscape(out) else 1  # xlLandscape / xlPortrait
        if out.header_row:
            setup.PrintTitleRows = f"$1:${out.header_row}"
        if out.layout.repeat_columns:
            setup.PrintTitleColumns = f"$A:${chr(ord('A') + out.layout.repeat_columns - 1)}"
        setup.Zoom = False if out.layout.fit_width else 100
        if out.layout.fit_width:
            setup.FitToPagesWide, setup.FitToPagesTall = 1, False
        setup.CenterFooter = "第 &P 页，共 &N 页"
    except Exception:  # pragma: no cover - page setup needs a printer driver in some Excel builds
        pass


def _cell_kinds(out: OutputSheet) -> list[tuple[int, int, str]]:
    """(row, column, kind) of cells that need another format than their column: dates in a
    non-date column, formulas with a kind of their own (看板's examples)."""
    found = []
    for i, row in enumerate(out.rows):
        for j, value in enumerate(row):
            column = out.columns[j].kind
            kind = value.kind if type(value) is Formula and value.kind else None
            probe = value.cached if type(value) is Formula else value
            if isinstance(probe, datetime):
                kind = kind or "datetime"
            elif isinstance(probe, date):
                kind = kind or "date"
            if kind and kind != column and not (kind == "date" and column == "datetime"):
                found.append((out.first_data_row + i, j + 1, kind))
    return found


def _block_rows(sheet, out: OutputSheet, first_index: int, last_index: int, mark: str, ncols: int) -> None:
    """Title, paragraph and signature rows span the columns: one merge per row, one COM call
    for the whole run (Merge(Across:=True))."""
    rows = sheet.range((out.first_data_row + first_index, 1), (out.first_data_row + last_index, ncols))
    rows.merge(across=True)
    rows.font.bold = mark == "title"
    if mark == "title":
        rows.font.size = 14
    try:  # alignment and wrapping need the COM object
        rows.api.HorizontalAlignment = BLOCK_ALIGN[mark]
        rows.api.WrapText = mark == "note"
    except Exception:  # pragma: no cover - depends on the host
        pass


def _page_breaks(sheet, out: OutputSheet) -> None:
    """Manual page breaks (one printed page per block, e.g. per unit in 催办单)."""
    api = getattr(sheet, "api", None)
    for index in out.layout.page_breaks:
        if not 0 < index < len(out.rows) or api is None:
            continue
        try:
            api.HPageBreaks.Add(sheet.range((out.first_data_row + index, 1)).api)
        except Exception:  # pragma: no cover - depends on the host
            pass


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
    # under the table, so it prints on the page with it (as the file writer places it)
    chart = sheet.charts.add(left=sheet.range((1, 1)).left, top=sheet.range((last + 2, 1)).top,
                             width=480, height=max(240, 18 * (last - first + 1)))
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


def _line_chart(sheet, out: OutputSheet) -> None:
    """趋势: one line per series row (the category averages) over the month columns."""
    spec = out.chart
    top_row = out.first_data_row + len(out.rows) + 1
    chart = sheet.charts.add(left=sheet.range((top_row, 1)).left, top=sheet.range((top_row, 1)).top,
                             width=560, height=300)
    chart.chart_type = "line_markers"
    first_col, last_col = spec.first_value_column + 1, spec.last_value_column + 1
    try:  # series by row need the COM object; best effort on other platforms
        com = chart.api[1] if isinstance(chart.api, tuple) else chart.api
        for s in list(com.SeriesCollection()):
            s.Delete()
        months = sheet.range((out.header_row, first_col), (out.header_row, last_col)).api
        for r in spec.series_rows:
            row = out.first_data_row + r
            series = com.SeriesCollection().NewSeries()
            series.Name = str(out.rows[r][spec.label_column] or "")
            series.Values = sheet.range((row, first_col), (row, last_col)).api
            series.XValues = months
        com.HasTitle = True
        com.ChartTitle.Text = spec.title
    except Exception:  # pragma: no cover - depends on the Excel build
        pass
