"""生成排名 and 校验台账 (also behind 单位明细): read the book, assess, write the output sheets."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import date
from typing import Iterator

from ..core.board import board_sheet
from ..core.engine import Assessment, assess
from . import Book, Progress, quiet as _quiet, today as _today


def _assess(book: Book, asof: date | None, today: date | None, progress: Progress) -> tuple[dict, Assessment]:
    progress(f"正在读取 {book.label} …")
    with quiet_gc():
        grids = book.read_grids()
        gc.freeze()  # the grids (a million cells) live to the end: no collection need walk them
    try:
        progress("正在校验和计分 …")
        return grids, assess(grids, asof=asof, today=today or _today())
    finally:
        gc.unfreeze()


@contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic collections while the grids are built: each full one walks every cell list
    read so far (the cells hold no cycles; collection resumes afterwards)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check(book: Book, *, asof: date | None = None, today: date | None = None,
          progress: Progress = _quiet) -> Assessment:
    return _assess(book, asof, today, progress)[1]


def rank(book: Book, *, asof: date | None = None, today: date | None = None,
         progress: Progress = _quiet, trend: bool = True) -> Assessment:
    """trend=False leaves 趋势 out (benchmarks/bench.py measures what it costs)."""
    # No cyclic collections in the whole job: the grids, the audit lines and the output rows
    # (~10^6 objects on a late-heavy ledger) all live until the sheets are written, and each
    # full collection would walk them (~0.1 s per output pass on 85k 扣分依据 lines).
    with quiet_gc():
        grids, assessment = _assess(book, asof, today, progress)
        progress("正在写入 排名、得分明细、扣分依据、校验、趋势、预警、催办单、看板 …")
        # 看板 too, where the workbook has one: all units, and cached values of this run for
        # viewers that do not recalculate (WPS, LibreOffice)
        day = today or _today()
        board = board_sheet(assessment, grids, today=day, refreshed=f"kaohe rank {day.isoformat()}")
        book.write_outputs(assessment.sheets() + ([trend_output(assessment)] if trend else [])
                           + _warning_sheets(assessment, grids) + [board])
    return assessment


def trend_output(assessment: Assessment):
    """趋势 from the same validated ledger and scored result (SPEC §10)."""
    from ..core.trend import compute_trend, trend_sheet
    return trend_sheet(compute_trend(assessment.result), assessment.result)


def _warning_sheets(assessment: Assessment, grids) -> list:
    """预警 and 催办单 as of the end of the ranking's as-of date (SPEC §9: rank writes both)."""
    from ..core.warnings import compute_warnings
    from .warn import warning_sheets

    result = assessment.result
    ledger = result.ledger
    return warning_sheets(grids, compute_warnings(ledger, ledger.params.asof, deadlines=result.deadlines))
