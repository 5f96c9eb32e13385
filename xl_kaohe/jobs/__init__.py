"""The jobs a person starts, one module each, independent of the front end that starts them:
the `kaohe` command passes a FileBook (io), the ribbon an ExcelBook (excel). Both books offer
``read_grids()`` and ``write_outputs(sheets)``. Exit codes live here, not in the command line,
so a job (and the ribbon) never imports cli.

    doctor.py      kaohe doctor: what a PC needs to use the ledger
    rank.py        生成排名 / 校验台账 (kaohe rank, check, unit)
    importing.py   导入工单 (kaohe import)
    notice.py      考核结果告知单 (kaohe notice)
"""
from __future__ import annotations

import os
from datetime import date
from typing import Any, Callable, Iterable, Protocol

from ..core.report import OutputSheet
from ..core.tables import Grid

# 0 clean; 1 some rows had errors (outputs still written, marked 数据有误); 2 could not run.
EXIT_OK, EXIT_ROW_ERRORS, EXIT_FAILED = 0, 1, 2

Progress = Callable[[str], None]


def today() -> date:
    """Today; or the day in KAOHE_TODAY (YYYY-MM-DD), to replay a run as of another day (tests,
    scenarios). SPEC §13 caps 参数 考核截止日期 at today, so today must be settable."""
    text = os.environ.get("KAOHE_TODAY", "").strip()
    try:
        return date.fromisoformat(text) if text else date.today()
    except ValueError:
        return date.today()


def quiet(message: str) -> None:
    pass


class Book(Protocol):
    label: str

    def read_grids(self, sheets: Iterable[str] = ...) -> dict[str, Grid]: ...

    def write_outputs(self, sheets: list[OutputSheet]) -> Any: ...
