"""A small in-memory stand-in for the part of the xlwings object model our Excel code uses
(books, sheets, ranges, charts, the app's status bar and alerts), so the live-Excel adapter and
the ribbon jobs run in tests on Linux. Real Excel is covered by tests/excel/test_windows_excel.py."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any


def as_excel(value: Any) -> Any:
    """What a cell holds once Excel has it, and what xlwings hands back: every number a float,
    every date a datetime, text typed with Excel's ' prefix as the text itself. A value Excel
    cannot take (a Decimal, an aware datetime) fails as COM would."""
    if value is None or isinstance(value, (bool, str)):
        return value[1:] if isinstance(value, str) and value.startswith("'") else value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise TypeError("Excel 不接受带时区的日期时间")
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, Decimal):
        raise TypeError("COM 不接受 Decimal")
    raise TypeError(f"COM 不接受 {type(value).__name__}")


class FakeRange:
    def __init__(self, sheet: "FakeSheet", first: tuple[int, int], last: tuple[int, int] | None = None):
        self.sheet = sheet
        self.row, self.column = first
        self.last = last or first
        self.ndim = None
        self.font = SimpleNamespace(bold=False, size=11, color=None)
        self.color = None
        self.merged = False

    # geometry
    @property
    def shape(self) -> tuple[int, int]:
        return self.last[0] - self.row + 1, self.last[1] - self.column + 1

    @property
    def last_cell(self) -> "FakeRange":
        return FakeRange(self.sheet, self.last)

    @property
    def top(self) -> float:
        return 15.0 * (self.row - 1)

    @property
    def left(self) -> float:
        return 64.0 * (self.column - 1)

    @property
    def api(self):
        return self

    def options(self, ndim=None, **_):
        self.ndim = ndim
        return self

    # values
    @property
    def value(self) -> Any:
        rows, cols = self.shape
        grid = [[self.sheet.cells.get((self.row + r, self.column + c)) for c in range(cols)] for r in range(rows)]
        if self.ndim == 2:
            return grid
        if rows == 1 and cols == 1:
            return grid[0][0]
        if rows == 1 or cols == 1:
            return [v for row in grid for v in row]
        return grid

    @value.setter
    def value(self, data: Any) -> None:
        if not isinstance(data, list):
            data = [[data]]
        elif data and not isinstance(data[0], list):
            data = [data]
        for r, row in enumerate(data):
            for c, v in enumerate(row):
                self.sheet.set(self.row + r, self.column + c, v)

    # formats
    @property
    def number_format(self):
        return self.sheet.formats.get(self.column)

    @number_format.setter
    def number_format(self, fmt):
        self.sheet.formats[self.column] = fmt

    @property
    def column_width(self):
        return self.sheet.widths.get(self.column)

    @column_width.setter
    def column_width(self, width):
        self.sheet.widths[self.column] = width

    def merge(self, across: bool = False):
        if across:  # one merged cell per row, like Excel's Merge(Across:=True)
            for r in range(self.row, self.last[0] + 1):
                self.sheet.merged.append((r, self.column, (r, self.last[1])))
        else:
            self.sheet.merged.append((self.row, self.column, self.last))


class FakeChart:
    def __init__(self, sheet, **geometry):
        self.sheet, self.geometry, self.chart_type, self.source = sheet, geometry, None, None

    def set_source_data(self, rng):
        self.source = rng

    def delete(self):
        self.sheet.charts.remove(self)

    @property
    def api(self):
        raise AttributeError("no COM here")


class FakeCharts(list):
    def __init__(self, sheet):
        super().__init__()
        self.sheet = sheet

    def add(self, **geometry):
        chart = FakeChart(self.sheet, **geometry)
        self.append(chart)
        return chart


class FakeSheet:
    def __init__(self, book: "FakeBook", name: str, grid: list[list[Any]] | None = None):
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], Any] = {}
        self.formats: dict[int, str] = {}
        self.widths: dict[int, float] = {}
        self.merged: list = []
        self.formulas: set[tuple[int, int]] = set()  # cells written as formulas
        self.charts = FakeCharts(self)
        self.writes = 0
        self.page_breaks: list[int] = []  # rows a manual page break is put before (HPageBreaks.Add)
        # the COM sheet: what the writers use of it (a test may replace it, e.g. with a CodeName)
        self.api = SimpleNamespace(HPageBreaks=SimpleNamespace(Add=lambda before: self.page_breaks.append(before.row)),
                                   CodeName="")
        for r, row in enumerate(grid or [], start=1):
            for c, v in enumerate(row, start=1):
                if v not in (None, ""):
                    self.cells[(r, c)] = _typed(v)

    def set(self, row: int, col: int, value: Any) -> None:
        self.writes += 1
        if isinstance(value, str) and value.startswith("="):
            self.formulas.add((row, col))  # Excel would make it a formula (no ' prefix)
        else:
            self.formulas.discard((row, col))
        value = as_excel(value)
        if value is None or value == "":
            self.cells.pop((row, col), None)
        else:
            self.cells[(row, col)] = value

    def range(self, first, last=None) -> FakeRange:
        return FakeRange(self, first, last)


    @property
    def used_range(self) -> FakeRange:
        if not self.cells:
            return FakeRange(self, (1, 1))
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return FakeRange(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def clear(self) -> None:
        self.cells.clear()
        self.formats.clear()
        self.merged.clear()

    def activate(self) -> None:
        self.book.sheets.active = self

    def text(self, row: int, col: int) -> Any:
        return self.cells.get((row, col))


def _typed(value: Any) -> Any:
    """A ledger cell as staff typed it: Excel keeps text as text (the grids hold what the sheet
    shows), numbers and dates as Excel stores them. An aware datetime (a test of the reader)
    is kept as given."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    return value if isinstance(value, str) else as_excel(value)


class FakeSheets(list):
    def __init__(self, book):
        super().__init__()
        self.book = book
        self.active = None

    def add(self, name, after=None):
        sheet = FakeSheet(self.book, name)
        self.append(sheet)
        return sheet

    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return list.__getitem__(self, key)


class FakeApp:
    def __init__(self):
        self.status_bar = False
        self.status_history: list = []
        self.screen_updating = True
        self.alerts: list[tuple[str, str]] = []
        self.selection = SimpleNamespace(row=1)
        self.picked_file: Any = False
        self.api = SimpleNamespace(GetOpenFilename=lambda *a: self.picked_file)

    def __setattr__(self, name, value):
        if name == "status_bar" and "status_history" in self.__dict__:
            self.status_history.append(value)
        object.__setattr__(self, name, value)

    def alert(self, prompt, title=None, **_):
        self.alerts.append((title, prompt))


class FakeBook:
    def __init__(self, grids: dict[str, list[list[Any]]], name: str = "考核台账.xlsm"):
        self.name = name
        self.fullname = "C:\\\\台账\\\\" + name
        self.app = FakeApp()
        self.sheets = FakeSheets(self)
        for sheet_name, grid in grids.items():
            self.sheets.append(FakeSheet(self, sheet_name, grid))
        self.sheets.active = self.sheets[0]
