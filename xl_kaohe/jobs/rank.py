"""生成排名 and 校验台账 (also behind 单位明细): read the book, assess, write the output sheets."""
from __future__ import annotations

from datetime import date

from ..core import schema as S
from ..core.engine import Assessment, assess
from ..io.workbook import READ_SHEETS
from . import Book, Progress, quiet as _quiet


def check(book: Book, *, asof: date | None = None, today: date | None = None,
          progress: Progress = _quiet) -> Assessment:
    progress(f"正在读取 {book.label} …")
    grids = book.read_grids()
    progress("正在校验和计分 …")
    return assess(grids, asof=asof, today=today)


def rank(book: Book, *, asof: date | None = None, today: date | None = None,
         progress: Progress = _quiet, trend: bool = True) -> Assessment:
    """trend=False leaves 趋势 out (benchmarks/bench.py measures what it costs)."""
    progress(f"正在读取 {book.label} …")
    grids = book.read_grids(READ_SHEETS + (S.BULLETIN_TEMPLATE,))
    progress("正在校验和计分 …")
    assessment = assess(grids, asof=asof, today=today)
    progress("正在写入 排名、得分明细、扣分依据、校验、趋势、预警、催办单 …")
    book.write_outputs(assessment.sheets() + ([trend_output(assessment)] if trend else [])
                       + _warning_sheets(assessment, grids))
    return assessment


def trend_output(assessment: Assessment):
    """趋势 from the same validated ledger and scored result (SPEC §10)."""
    from ..core.trend import compute_trend, trend_sheet
    return trend_sheet(compute_trend(assessment.result), assessment.result)


def _warning_sheets(assessment: Assessment, grids) -> list:
    """预警 and 催办单 as of the end of the ranking's as-of date (SPEC §9: rank writes both)."""
    from ..core.warnings import compute_warnings
    from .warn import warning_sheets

    ledger = assessment.result.ledger
    return warning_sheets(grids, compute_warnings(ledger, ledger.params.asof))
