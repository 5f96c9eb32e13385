"""Cells as staff type them: text, keys, counts, numbers, yes/no — and the Problem collector.

Every reader of the ledger turns cells into values through these, so a value is read the same
way in every sheet.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..ledger import ERROR, WARNING, Problem
from ..tables import is_blank

D = Decimal


class LedgerError(Exception):
    """The workbook cannot be scored at all (not a ledger, unusable 参数): exit code 2."""


def display(value: Any, limit: int = 60) -> str:
    """A cell value as shown in 校验 (dates without a midnight time, clipped, one line)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S" if value.time() != datetime.min.time() else "%Y-%m-%d")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))
    else:
        text = str(value)  # 1e+308 stays short
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def plain_text(value: Any) -> str:
    """A cell as text, as typed (for names, notes and rule texts shown back to people)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def text_of(value: Any) -> str:
    """A cell as a comparable key: NFKC folds full-width letters, digits and spaces (for codes,
    choices and numbers typed with an IME)."""
    if value is None:
        return ""
    if value.__class__ is str and value.isascii():
        return value.strip()  # ASCII is already NFKC: skip the normaliser (工单编号, codes)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def name_key(value: Any) -> str:
    return "".join(text_of(value).split())


def split_list(value: Any) -> tuple[str, ...]:
    return tuple(p for p in (s.strip() for s in re.split(r"[、;；,，/\n]", text_of(value))) if p)


class Collector:
    """Accumulates problems; one place builds the Chinese wording of 'where'."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, level, sheet, row, column, value, message, unit=None, key=None) -> None:
        self.problems.append(Problem(level, sheet, row, column, display(value), message, unit, key or None))

    def error(self, sheet, row, column, value, message, unit=None, key=None) -> None:
        self.add(ERROR, sheet, row, column, value, message, unit, key)

    def warn(self, sheet, row, column, value, message, unit=None, key=None) -> None:
        self.add(WARNING, sheet, row, column, value, message, unit, key)


def parse_count(value: Any, default: int | None = 1) -> int | None:
    """Integer >= 0 from a cell; None when it is not one. Blank gives ``default``."""
    if is_blank(value):
        return default
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = text_of(value)
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


def parse_decimal(value: Any) -> Decimal | None:
    """A finite number from a cell; None for blanks and for anything else (incl. NaN, ∞)."""
    if is_blank(value) or isinstance(value, bool):
        return None
    try:
        number = D(repr(value)) if isinstance(value, float) else D(value) if isinstance(value, int) \
            else D(text_of(value).rstrip("分"))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_points(value: Any) -> Decimal | None:
    """Points as staff may type them: finite, rounded half-up to 0.01 (the scale of every score)."""
    number = parse_decimal(value)
    return None if number is None else number.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def yes_no(value: Any) -> bool | None:
    text = text_of(value)
    if text in ("是", "Y", "y", "YES", "Yes", "yes", "TRUE", "True", "true", "1", "√", "✓"):
        return True
    if text in ("否", "N", "n", "NO", "No", "no", "FALSE", "False", "false", "0", "×"):
        return False
    if value is True or value is False:
        return bool(value)
    return None

