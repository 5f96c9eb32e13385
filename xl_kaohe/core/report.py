"""Output sheets as plain data.

The core describes what 排名 / 得分明细 / 扣分依据 / 校验 contain; adapters (the .xlsx/.xlsm
file writer and the live-Excel writer) decide how to put it into a workbook. Nothing here
touches a file.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from . import schema as S

CellKind = Literal["text", "int", "number", "percent", "date", "datetime"]
RowMark = Literal["error", "warning", "muted", "bold", "heading", "title", "note", "sign"]
# Marks of rows that are not table rows (a letter per printed page, e.g. 催办单): "heading" looks
# like the header row (a table heading repeated on each page); "title", "note" (a wrapped
# paragraph) and "sign" (right-aligned, e.g. the office and the date) span all the columns.
BLOCK_MARKS = ("title", "note", "sign")


MIN_WIDTH = {"date": 11.0, "datetime": 17.0}  # narrower, Excel shows ### instead of the date
LINE_HEIGHT = 15.0  # points per line of 11-point text (CJK included)


# East Asian Wide and Fullwidth characters (Unicode EastAsianWidth W/F), as ranges: a regex
# count is ~20x faster than unicodedata per character, and 扣分依据 may have 10,000s of rows
_WIDE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
                   "\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6"
                   "\U00020000-\U0003fffd]+")  # runs of them: fewer matches to count


def text_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count two."""
    return len(text) + sum(map(len, _WIDE.findall(text)))


def text_lines(text: str, width: float) -> int:
    """Lines `text` needs when wrapped in a column `width` characters wide. Row heights are
    set from this, not left to the viewer: LibreOffice and WPS do not grow wrapped rows."""
    usable = max(width - 1.5, 1.0)  # cell padding
    if "\n" not in text:
        if 2 * len(text) <= usable:
            return 1  # fits even if every character is wide
        return max(1, math.ceil(text_width(text) / usable))
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


@dataclass(frozen=True)
class Column:
    header: str
    kind: CellKind = "text"  # number: 0.00; percent: 0.00%; date: yyyy-mm-dd
    width: float = 12.0      # Excel column width in characters (dates get at least their text)
    wrap: bool = False       # long text wraps inside the column; its rows are made tall enough

    @property
    def shown_width(self) -> float:
        return max(self.width, MIN_WIDTH.get(self.kind, 0.0))


@dataclass(frozen=True)
class Formula:
    """A live formula cell of a formula sheet (看板): ``text`` without the leading '=', and the
    value it evaluates to, stored as the cached value for viewers that do not recalculate.
    Only code builds these -- text from a ledger is never a formula."""
    text: str
    cached: Any = None
    kind: CellKind | None = None  # how the value shows; None: the column's kind


@dataclass(frozen=True)
class Layout:
    """How the sheet reads on screen and on paper; both writers apply it.

    The title and header rows repeat on every printed page. ``orientation`` None chooses
    landscape for tables wider than a portrait page. ``fit_width`` shrinks the table to one
    page width; a wide table reads better split over pages, with its first ``repeat_columns``
    columns (e.g. 单位名称) repeated on each page.
    """
    orientation: Literal["portrait", "landscape"] | None = None
    fit_width: bool = True
    repeat_columns: int = 0
    autofilter: bool = True
    freeze_header: bool = True
    page_breaks: tuple[int, ...] = ()  # indexes into rows that start a new printed page (催办单)


# Output sheets stay together: a new one goes after the last of these the workbook has
# (else at the end), so 单位明细 or 预警 sit beside 排名 …, not after xlwings.conf.
OUTPUT_GROUP = (S.RANKING, S.DETAIL, S.AUDIT, S.CHECKS, "单位明细", S.WARNINGS, S.CHASE, S.TREND,
                S.IMPORT_LOG)
SETTINGS_LAST = (S.XLWINGS_CONF,)  # with no output sheet yet, new ones go before these


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
    then ``rows``. Values are None, str, bool, int, float, Decimal, date, datetime or Formula. Strings
    are always stored as text, never as formulas, whatever their first character. A new sheet
    is placed after the workbook's other output sheets (``OUTPUT_GROUP``), not at the end.
    """
    name: str
    columns: list[Column]
    rows: list[list[Any]]
    title: str | None = None
    chart: BarChart | LineChart | None = None  # printed under the table, inside the print area
    row_marks: dict[int, RowMark] = field(default_factory=dict)  # index into rows -> highlight
    layout: Layout = field(default_factory=Layout)
    # False: no header row (the rows carry their own headings, e.g. one letter per page: 催办单)
    header: bool = True
    # A formula sheet (cells may be Formula) that belongs to the workbook's design: written only
    # where the workbook already has it (看板 in the add-in, never added to a plain ledger).
    only_if_present: bool = False

    @property
    def header_row(self) -> int:
        """1-based worksheet row of the header (without a header: the row before the data)."""
        return (2 if self.title else 1) - (0 if self.header else 1)

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1
