"""看板: the add-in's sheet of live =KAOHE_* formulas, as a formula sheet (OutputSheet whose
cells are Formula), with the values they evaluate to as cached values.

Excel recalculates the formulas (through the UDFs); LibreOffice, WPS and previews show the
cached values, so every `kaohe rank` (and the build) rewrites the sheet: one row per row of the
单位 sheet -- every unit, plus spare rows for units added in Excel before the next run -- with
the numbers of that run, and a title that says when they were computed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Mapping

from . import functions as F
from . import schema as S
from .engine import Assessment
from .report import Column, Formula, Layout, OutputSheet
from .tables import Grid, column_letter, find_table, is_blank

BOARD = "看板"
UNIT_NAME = S.UNIT_COLUMNS[0]
BOARD_SPARE_ROWS = 20  # rows beyond the last unit: units added in Excel show up at once


@dataclass(frozen=True)
class BoardColumn:
    header: str
    formula: str                                  # uses {unit} for the unit cell, e.g. $A3
    value: Callable[[Assessment, str], Any]       # what the formula evaluates to (the cache)
    kind: str = "number"


def board_columns(categories: list[str]) -> list[BoardColumn]:
    cols = [BoardColumn("总分", "KAOHE_SCORE({unit})", lambda a, u: F.score(a, u)),
            BoardColumn("名次", "KAOHE_RANK({unit})", lambda a, u: F.rank(a, u), "int")]
    cols += [BoardColumn(c, f'KAOHE_SCORE({{unit}},"{c}")', lambda a, u, c=c: F.score(a, u, c))
             for c in categories]
    cols += [BoardColumn("加分", "KAOHE_BONUS({unit})", lambda a, u: F.bonus(a, u)),
             BoardColumn("扣分合计", "KAOHE_DEDUCT({unit})", lambda a, u: F.deduct(a, u)),
             BoardColumn("及时办理扣分", 'KAOHE_DEDUCT({unit},"III-8")', lambda a, u: F.deduct(a, u, "III-8"))]
    return cols


@dataclass(frozen=True)
class DateExample:
    label: str
    args: tuple
    formula: str                                  # uses {r} for its row
    value: Callable[[F.DateContext], Any]
    note: str
    kind: str = "text"                            # how the result shows


DATE_EXAMPLES = [
    DateExample("受理 2026-01-02（元旦假期），办理类", (date(2026, 1, 2), "办理"), "KAOHE_DUE(B{r},C{r})",
                lambda c: F.due(c, date(2026, 1, 2), "办理"), "01-04 周日调休上班，3 个工作日后是 01-06",
                "datetime"),
    DateExample("受理 2026-02-12，办理类", (date(2026, 2, 12), "办理"), "KAOHE_DUE(B{r},C{r})",
                lambda c: F.due(c, date(2026, 2, 12), "办理"), "02-14 周六调休上班，春节后是 02-24", "datetime"),
    DateExample("2026-01-02 到 2026-01-06 的工作日", (date(2026, 1, 2), date(2026, 1, 6)),
                "KAOHE_WORKDAYS(B{r},C{r})", lambda c: F.workdays(c, date(2026, 1, 2), date(2026, 1, 6)),
                "01-04 周日调休上班，共 3 天", "int"),
    DateExample("2026-10-10 是否工作日", (date(2026, 10, 10),), "KAOHE_ISWORKDAY(B{r})",
                lambda c: F.is_workday(c, date(2026, 10, 10)), "国庆调休的周六"),
    DateExample("咨询类 2026-03-02 受理、03-06 办结", (date(2026, 3, 2), "咨询"),
                "KAOHE_LATEDAYS(B{r},C{r},DATE(2026,3,6))",
                lambda c: F.late_days(c, date(2026, 3, 2), "咨询", date(2026, 3, 6)), "应办结 03-04，拖延 2 个工作日",
                "int"),
]
EXAMPLES_HEADING = "工作表函数示例（调休上班日也是工作日）"
EXAMPLE_HEADERS = ("说明", "参数1", "参数2", "结果", "备注")


def _unit_rows(units: Grid | None) -> tuple[str, list[tuple[int, Any]]]:
    """The 单位 sheet's 单位名称 column letter and (sheet row, name) of the rows the board covers."""
    table = find_table(units or [], S.UNITS, [UNIT_NAME]) if units else None
    header, index = (table.header_row, table.columns[UNIT_NAME]) if table else (1, 0)
    grid = units or []
    last = max((r + 1 for r in range(header, len(grid))
                if index < len(grid[r]) and not is_blank(grid[r][index])), default=header)
    count = last - header + BOARD_SPARE_ROWS
    rows = []
    for row in range(header + 1, header + 1 + count):
        cells = grid[row - 1] if row - 1 < len(grid) else []
        name = cells[index] if index < len(cells) and not is_blank(cells[index]) else ""
        rows.append((row, name))
    return column_letter(index), rows


def board_sheet(assessment: Assessment, grids: Mapping[str, Grid], *, today: date,
                refreshed: str) -> OutputSheet:
    """The 看板 formula sheet; cached values from `assessment` (what the UDFs compute) and the
    date functions over `grids`' 参数/规则/节假日. `refreshed` says when, for the title
    (e.g. "kaohe rank 2026-12-01")."""
    columns_spec = board_columns(assessment.result.ledger.rubric.categories)
    # column D also holds the KAOHE_DUE example (a date-time): wide enough not to show ###
    columns = [Column("单位名称", "text", 26, wrap=True)] + [
        Column(c.header, c.kind, 17 if i == 2 else 11) for i, c in enumerate(columns_spec)]
    letter, unit_rows = _unit_rows(grids.get(S.UNITS))
    sheet_ref = f"'{S.UNITS}'!{letter}"
    rows: list[list[Any]] = []
    for offset, (source_row, name) in enumerate(unit_rows):
        r = 3 + offset  # title, header, then the unit rows
        cell = f"{sheet_ref}{source_row}"
        row: list[Any] = [Formula(f'IF({cell}="","",{cell})', name)]
        for col in columns_spec:
            value = col.value(assessment, str(name)) if name != "" else ""
            row.append(Formula(f'IF($A{r}="","",{col.formula.format(unit=f"$A{r}")})', value))
        rows.append(row)
    marks = {}
    context = F.date_context(grids, today=today)
    rows.append([])
    marks[len(rows)] = "bold"
    rows.append([EXAMPLES_HEADING])
    marks[len(rows)] = "bold"
    rows.append(list(EXAMPLE_HEADERS))
    for example in DATE_EXAMPLES:
        r = 3 + len(rows)
        args = list(example.args) + [None] * (2 - len(example.args))
        rows.append([example.label, *args,
                     Formula(example.formula.format(r=r), example.value(context), example.kind), example.note])
    asof = assessment.result.ledger.params.asof.isoformat()
    title = (f"12345 考核看板：数值更新于 {refreshed}（截至{asof}）；"
             "在 Excel 中启用宏后随台账自动更新。正式排名见「排名」表（功能区“生成排名”或 kaohe rank）")
    return OutputSheet(BOARD, columns, rows, title=title, row_marks=marks, only_if_present=True,
                       layout=Layout(orientation="landscape", autofilter=False, repeat_columns=1))
