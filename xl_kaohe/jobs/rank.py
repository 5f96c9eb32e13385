"""生成排名 and 校验台账 (also behind 单位明细): read the book, assess, write the output sheets."""
from __future__ import annotations

from datetime import date

from ..core.board import board_sheet
from ..core.engine import Assessment, assess
from . import Book, Progress, quiet as _quiet


def _assess(book: Book, asof: date | None, today: date | None, progress: Progress) -> tuple[dict, Assessment]:
    progress(f"正在读取 {book.label} …")
    grids = book.read_grids()
    progress("正在校验和计分 …")
    return grids, assess(grids, asof=asof, today=today)


def check(book: Book, *, asof: date | None = None, today: date | None = None,
          progress: Progress = _quiet) -> Assessment:
    return _assess(book, asof, today, progress)[1]


def rank(book: Book, *, asof: date | None = None, today: date | None = None,
         progress: Progress = _quiet) -> Assessment:
    grids, assessment = _assess(book, asof, today, progress)
    progress("正在写入 排名、得分明细、扣分依据、校验 …")
    # 看板 too, where the workbook has one: all units, and cached values of this run for viewers
    # that do not recalculate (WPS, LibreOffice)
    day = today or date.today()
    board = board_sheet(assessment, grids, today=day, refreshed=f"kaohe rank {day.isoformat()}")
    book.write_outputs(assessment.sheets() + [board])
    return assessment
