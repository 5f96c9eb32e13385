"""生成排名 and 校验台账 (also behind 单位明细): read the book, assess, write the output sheets."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import date
from typing import Iterator

from ..core.engine import Assessment, assess
from . import Book, Progress, quiet as _quiet


def check(book: Book, *, asof: date | None = None, today: date | None = None,
          progress: Progress = _quiet) -> Assessment:
    progress(f"正在读取 {book.label} …")
    with quiet_gc():
        grids = book.read_grids()
        gc.freeze()  # the grids (a million cells) live to the end: no collection need walk them
    try:
        progress("正在校验和计分 …")
        return assess(grids, asof=asof, today=today)
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


def rank(book: Book, *, asof: date | None = None, today: date | None = None,
         progress: Progress = _quiet) -> Assessment:
    assessment = check(book, asof=asof, today=today, progress=progress)
    progress("正在写入 排名、得分明细、扣分依据、校验 …")
    book.write_outputs(assessment.sheets())
    return assessment
