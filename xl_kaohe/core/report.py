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
_WIDE_RANGES = ((0x1100, 0x115F), (0x2E80, 0x303E), (0x3041, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
                (0xA000, 0xA4CF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFE10, 0xFE19), (0xFE30, 0xFE6F),
                (0xFF00, 0xFF60), (0xFFE0, 0xFFE6), (0x20000, 0x3FFFD))
# runs of them: fewer matches to count
_WIDE = re.compile("[" + "".join(f"{chr(first)}-{chr(last)}" for first, last in _WIDE_RANGES) + "]+")


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


def texts_lines(texts: list[str], width: float) -> list[int]:
    """text_lines of each of many texts (a column of 扣分依据): the widths counted at once over
    their code points (numpy, ~5x faster than a regex per text); texts with a line break one by one."""
    import numpy as np

    if not texts:
        return []
    usable = max(width - 1.5, 1.0)
    points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bounds = np.array([b for first, last in _WIDE_RANGES for b in (first, last + 1)], dtype=np.uint32)
    counted = np.zeros(len(points) + 1, dtype=np.int64)  # wide characters before each position
    np.cumsum(np.searchsorted(bounds, points, side="right") & 1, out=counted[1:])
    breaks = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum(points == 10, out=breaks[1:])
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    widths = lengths + counted[ends] - counted[starts]
    lines = np.maximum(1, np.ceil(widths / usable)).astype(np.int64).tolist()
    for k in np.flatnonzero(breaks[ends] - breaks[starts]).tolist():
        lines[k] = text_lines(texts[k], width)
    return lines


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
