"""Output sheets as plain data.

The core describes what 排名 / 得分明细 / 扣分依据 / 校验 contain; adapters (the .xlsx/.xlsm
file writer and the live-Excel writer) decide how to put it into a workbook. Nothing here
touches a file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CellKind = Literal["text", "int", "number", "percent", "date", "datetime"]
RowMark = Literal["error", "warning", "muted", "bold", "heading", "title", "note", "sign"]
# Marks of rows that are not table rows (a letter per printed page, e.g. 催办单): "heading" looks
# like the header row (a table heading repeated on each page); "title", "note" (a wrapped
# paragraph) and "sign" (right-aligned, e.g. the office and the date) span all the columns.
BLOCK_MARKS = ("title", "note", "sign")


@dataclass(frozen=True)
class Column:
    header: str
    kind: CellKind = "text"  # number: 0.00; percent: 0.00%; date: yyyy-mm-dd
    width: float = 12.0      # Excel column width in characters


@dataclass(frozen=True)
class BarChart:
    """A clustered bar chart over the sheet's own data rows."""
    title: str
    category_column: int  # 0-based index into OutputSheet.columns (e.g. 单位名称)
    value_column: int     # 0-based index into OutputSheet.columns (e.g. 总分)
    value_axis_title: str = ""
    rows: int | None = None  # chart only the first N data rows (e.g. the ranked units); None: all


@dataclass(frozen=True)
class LineChart:
    """A line chart, one series per listed data row (e.g. the category averages of 趋势), over
    a run of value columns whose headers are the categories (1月末, 2月末 …)."""
    title: str
    series_rows: list[int]      # 0-based indexes into OutputSheet.rows
    label_column: int           # the series names (0-based column)
    first_value_column: int
    last_value_column: int
    value_axis_title: str = ""


@dataclass
class OutputSheet:
    """One output sheet: an optional title row, one header row, then data rows.

    Row 1 holds ``title`` (merged across the columns) when it is set; the header row follows,
    then ``rows``. Values are None, str, bool, int, float, Decimal, date or datetime. Strings are
    always stored as text, never as formulas, whatever their first character.
    """
    name: str
    columns: list[Column]
    rows: list[list[Any]]
    title: str | None = None
    chart: BarChart | LineChart | None = None
    row_marks: dict[int, RowMark] = field(default_factory=dict)  # index into rows -> highlight
    # printing: indices into rows that start a new printed page (manual page breaks)
    page_breaks: list[int] = field(default_factory=list)
    # False: no header row (the rows carry their own headings, e.g. one letter per page)
    header: bool = True

    @property
    def header_row(self) -> int:
        """1-based worksheet row of the header (without a header: the row before the data)."""
        return (2 if self.title else 1) - (0 if self.header else 1)

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1
