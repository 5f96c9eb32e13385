"""The `formulas` engine with our =KAOHE_* functions registered: an independent Excel-formula
evaluator for the workbooks we ship and write (tests only)."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np

from xl_kaohe.core.dates import to_serial


def scalar(value):
    """One cell's value as the engine hands it (2-D arrays, its EMPTY marker)."""
    import formulas
    if isinstance(value, np.ndarray):
        value = value.ravel()[0]
    return None if value is formulas.functions.sh.EMPTY or value == "" else value


def _excel(value):
    return to_serial(value) if isinstance(value, datetime) else value


def evaluate(path: Path, assessment, ctx=None) -> dict[tuple[str, str], object]:
    """(sheet, cell) -> value of every formula cell of the workbook, the score functions
    answering from ``assessment`` and the date functions from ``ctx`` (core.functions)."""
    import formulas
    from formulas.functions import wrap_ranges_func

    from xl_kaohe.core import functions as F

    s = scalar
    registry = formulas.get_functions()
    registry["KAOHE_SCORE"] = wrap_ranges_func(lambda u, i=None: F.score(assessment, s(u), s(i)))
    registry["KAOHE_RANK"] = wrap_ranges_func(lambda u: F.rank(assessment, s(u)))
    registry["KAOHE_BONUS"] = wrap_ranges_func(lambda u: F.bonus(assessment, s(u)))
    registry["KAOHE_DEDUCT"] = wrap_ranges_func(lambda u, i=None: F.deduct(assessment, s(u), s(i)))
    if ctx is not None:
        registry["KAOHE_DUE"] = wrap_ranges_func(lambda r, k, l=None: _excel(F.due(ctx, s(r), s(k), s(l))))
        registry["KAOHE_WORKDAYS"] = wrap_ranges_func(lambda a, b: F.workdays(ctx, s(a), s(b)))
        registry["KAOHE_ISWORKDAY"] = wrap_ranges_func(lambda d: F.is_workday(ctx, s(d)))
        registry["KAOHE_LATEDAYS"] = wrap_ranges_func(
            lambda r, k, c, l=None, a=None: F.late_days(ctx, s(r), s(k), s(c), s(l), s(a)))
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    cells = {}
    for key, value in solution.items():
        m = re.fullmatch(r"'\[[^\]]+\](.+)'!([A-Z]+\d+)", key)
        if m:
            cells[(m.group(1), m.group(2))] = scalar(getattr(value, "value", value))
    return cells
