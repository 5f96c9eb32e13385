"""The 导入记录 sheet: one block per import, appended below the earlier ones.

It is the one output sheet that keeps its earlier content: the job reads it, this module
appends the new block, the writer rewrites the whole sheet. A block is a summary line (time,
file, counts) then one line per cell the import changed or refused to change (工单编号, column,
old value, new value, what happened); a new order is one line (its unit as the new value), so a
first import of 50k orders is 50k lines, not 350k.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from . import schema as S
from .importing import CellChange
from .report import Column, OutputSheet
from .tables import Grid, is_blank
from .validate import display

COLUMNS = [Column("导入时间", "datetime", 18), Column("导出文件", "text", 24), Column("工单编号", "text", 20),
           Column("列", "text", 12), Column("原值", "text", 24), Column("新值", "text", 24),
           Column("说明", "text", 36)]
HEADERS = [c.header for c in COLUMNS]
MAX_ROWS = 1_048_576 - 1  # Excel's rows, less the header: the oldest blocks go first
VALUE_CHARS = 200

MSG_BLOCK = "新增 {added} 条、更新 {updated} 条、未变 {unchanged} 条、冲突 {conflicts} 处"


def previous_rows(grid: Grid | None) -> list[list[Any]]:
    """The earlier blocks as the sheet holds them (below its header row)."""
    if not grid or [str(v) for v in grid[0][:len(HEADERS)]] != HEADERS:
        return []
    width = len(HEADERS)
    return [list(row[:width]) + [None] * (width - len(row)) for row in grid[1:]
            if any(not is_blank(v) for v in row)]


def block(when: datetime, file: str, *, added: int, updated: int, unchanged: int,
          changes: Iterable[CellChange]) -> list[list[Any]]:
    changes = list(changes)
    conflicts = sum(1 for c in changes if c.kind.startswith("冲突"))
    rows = [[when, file, "", "", "", "", MSG_BLOCK.format(added=added, updated=updated,
                                                          unchanged=unchanged, conflicts=conflicts)]]
    rows += [[when, file, c.order_id, c.column, display(c.old, VALUE_CHARS), display(c.new, VALUE_CHARS), c.kind]
             for c in changes]
    return rows


def import_log_sheet(previous: Sequence[list[Any]], new_block: list[list[Any]]) -> OutputSheet:
    rows = list(previous) + new_block
    if len(rows) > MAX_ROWS:
        rows = _drop_oldest(rows, len(rows) - MAX_ROWS)
    marks = {i: "bold" for i, row in enumerate(rows) if is_blank(row[2])}  # the summary lines
    return OutputSheet(S.IMPORT_LOG, list(COLUMNS), rows, row_marks=marks)


def _drop_oldest(rows: list[list[Any]], excess: int) -> list[list[Any]]:
    """Drop whole blocks from the top until ``excess`` rows are gone (or just rows, when a
    single block is longer than the sheet)."""
    cut = excess
    while cut < len(rows) and not is_blank(rows[cut][2]):
        cut += 1
    return rows[cut:] if cut < len(rows) else rows[excess:]


__all__ = ["COLUMNS", "block", "import_log_sheet", "previous_rows"]
