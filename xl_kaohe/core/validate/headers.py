"""Headers of the row sheets: a column that scoring reads must be there (SPEC §6).

A renamed scored column (办结时间 typed as 办结日期) would otherwise read as a column of blanks:
every order never completed, 办结率 0, with no word. So it is an error naming the sheet, the
header expected, the headers found, and the near names ("您是否指…").
"""
from __future__ import annotations

import difflib

from .. import schema as S
from ..aliases import DEFAULT_HEADER_ALIASES
from ..tables import Grid, Table, column_letter, find_table, header_candidates, header_key, is_blank
from .cells import Collector

# Near names the import alias table does not know (it only covers 工单): header -> column.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "报送日期": ("报送时间", "提交日期", "提交时间"),
    "使用次数": ("使用数", "调用次数"),
    "错误次数": ("错误数", "差错次数"),
    "研究日期": ("研究时间", "日期"),
    "会议日期": ("会议时间", "日期"),
    "请假已批准": ("请假批准", "已批准", "请假是否批准"),
    "认定情况": ("认定", "认定结果"),
    "次数": ("扣分次数", "加分次数", "数量"),
}


def near_names(expected: str, found: list[str]) -> list[str]:
    """Headers found that probably mean ``expected``: an alias of it, or a close spelling."""
    aliases = {header_key(a) for a in DEFAULT_HEADER_ALIASES.get(expected, ()) + EXTRA_ALIASES.get(expected, ())}
    hits = [h for h in found if header_key(h) in aliases]
    close = difflib.get_close_matches(header_key(expected), [header_key(h) for h in found], n=2, cutoff=0.5)
    hits += [h for h in found if header_key(h) in close and h not in hits]
    return hits


def missing_message(sheet: str, expected: str, found: list[str]) -> str:
    shown = "、".join(found[:20]) + ("…" if len(found) > 20 else "") if found else "（无）"
    text = f"「{sheet}」表缺少计分所需的列“{expected}”（找到的表头：{shown}）"
    spec = S.SHEET_SPECS.get(sheet)
    known = {header_key(c) for c in spec.columns} if spec else set()
    near = near_names(expected, [h for h in found if header_key(h) not in known])  # not another column
    if near:
        text += f"。您是否指“{near[0]}”？请把表头改为“{expected}”"
    return text + "，整张表未计分"


def sheet_table(grid: Grid, sheet: str, out: Collector) -> Table | None:
    """The sheet's table when every scored column is present; otherwise one error per missing
    column and None (the sheet is not scored rather than scored as if the column were blank)."""
    spec = S.SHEET_SPECS[sheet]
    scored = spec.scored or spec.required
    table = find_table(grid, sheet, spec.required)
    if table is None:
        if not any(any(not is_blank(v) for v in row) for row in grid):
            return None
        row, found = header_candidates(grid, spec.columns)
        keys = {header_key(h) for h in found}
        missing = [c for c in scored if header_key(c) not in keys]
        for column in missing or spec.required:
            out.error(sheet, row or None, column, None, missing_message(sheet, column, found))
        return None
    found = [str(grid[table.header_row - 1][c]).strip() for c in sorted(table.columns.values())]
    missing = [c for c in scored if header_key(c) not in table.columns]
    for column in missing:
        out.error(sheet, table.header_row, column, None, missing_message(sheet, column, found))
    return None if missing else table


UNCALCULATED = "公式没有计算结果：请在 Excel/WPS 中打开并保存一次"


def uncalculated_message(sheet: str, row: int, col: int) -> str:
    return f"{sheet}!{column_letter(col)}{row} {UNCALCULATED}（此行未计分）"


def uncalculated_rows(grids, sheet: str) -> dict[int, list[int]]:
    """1-based row -> 0-based columns of the sheet's formula cells that hold no value."""
    rows: dict[int, list[int]] = {}
    for r, c in getattr(grids, "uncalculated", {}).get(sheet, ()):
        rows.setdefault(r, []).append(c)
    return rows


def report_book(grids, out: Collector, row_sheets: tuple[str, ...]) -> None:
    """What the reader learnt about the book: renamed tabs (warnings), and formula cells
    without a value in the sheets that have no row reader of their own (errors)."""
    for sheet, tab in getattr(grids, "renamed", {}).items():
        out.warn(sheet, None, None, tab, f"工作表名为“{tab}”，已按「{sheet}」读取；建议把表名改为「{sheet}」")
    for sheet, cells in getattr(grids, "uncalculated", {}).items():
        if sheet in row_sheets:
            continue
        for r, c in cells:
            out.error(sheet, r, column_letter(c), None, f"{sheet}!{column_letter(c)}{r} {UNCALCULATED}")
