"""生成排名 and 校验台账 (also behind 单位明细): read the book, assess, write the output sheets."""
from __future__ import annotations

from datetime import date

from ..core.engine import Assessment, assess
from . import Book, Progress, quiet as _quiet, today as _today


def check(book: Book, *, asof: date | None = None, today: date | None = None,
          progress: Progress = _quiet) -> Assessment:
    progress(f"正在读取 {book.label} …")
    grids = book.read_grids()
    progress("正在校验和计分 …")
    return assess(grids, asof=asof, today=today or _today())


def rank(book: Book, *, asof: date | None = None, today: date | None = None,
         progress: Progress = _quiet) -> Assessment:
    assessment = check(book, asof=asof, today=today, progress=progress)
    progress("正在写入 排名、得分明细、扣分依据、校验 …")
    book.write_outputs(assessment.sheets())
    return assessment
