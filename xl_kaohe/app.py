"""The jobs a person starts (生成排名, 校验台账, 单位明细), independent of where they start them:
the `kaohe` command passes a FileBook, the ribbon an ExcelBook. Both books offer
``read_grids()`` and ``write_outputs(sheets)``."""
from __future__ import annotations

from datetime import date
from typing import Any, Callable, Iterable, Protocol

from .core.engine import Assessment, assess
from .core.report import OutputSheet
from .core.tables import Grid

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


class Book(Protocol):
    label: str

    def read_grids(self, sheets: Iterable[str] = ...) -> dict[str, Grid]: ...

    def write_outputs(self, sheets: list[OutputSheet]) -> Any: ...


def check(book: Book, *, asof: date | None = None, today: date | None = None,
          progress: Progress = _quiet) -> Assessment:
    progress(f"正在读取 {book.label} …")
    grids = book.read_grids()
    progress("正在校验和计分 …")
    return assess(grids, asof=asof, today=today)


def rank(book: Book, *, asof: date | None = None, today: date | None = None,
         progress: Progress = _quiet) -> Assessment:
    assessment = check(book, asof=asof, today=today, progress=progress)
    progress("正在写入 排名、得分明细、扣分依据、校验 …")
    book.write_outputs(assessment.sheets())
    return assessment
