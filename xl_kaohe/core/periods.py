"""Bulletin periods (SPEC §10): a month `2026-11`, a quarter `2026Q3`, the year `2026`, and the
ledger as it stood at an earlier date (so that one validation serves every as-of date).

A period's scores are the year-to-date assessment as of its last day (capped at today); its
own figures (本期) are over the orders received inside it. The previous period of the same
kind gives the comparison; the first month / quarter of a year, and a year, have none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from .dates import end_of_day
from .ledger import Ledger, Orders

QUARTER_WORDS = ("一", "二", "三", "四")
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})\s*(?:[Qq]|年\s*第?)\s*([1-4一二三四])\s*(?:季度)?\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*年?(?:度|全年)?\s*$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: Literal["month", "quarter", "year"]
    year: int
    index: int = 0            # month 1–12, quarter 1–4; 0 for the year

    @property
    def start(self) -> date:
        if self.kind == "month":
            return date(self.year, self.index, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.index - 2, 1)
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        """The period's last calendar day (not capped)."""
        if self.kind == "month":
            return month_end(self.year, self.index)
        if self.kind == "quarter":
            return month_end(self.year, 3 * self.index)
        return date(self.year, 12, 31)

    def asof(self, today: date) -> date:
        """The as-of date of the period's assessment: its last day, capped at today (a period
        still running is reported as it stands; never before the period's first day)."""
        return max(self.start, min(self.end, today))

    @property
    def code(self) -> str:
        """The form `kaohe report --period` takes: 2026-11, 2026Q3, 2026."""
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.index}"
        return str(self.year)

    @property
    def label(self) -> str:
        """The words of the title: 11月, 第三季度, 全年 (关于2026年<label>12345…的通报)."""
        if self.kind == "month":
            return f"{self.index}月"
        if self.kind == "quarter":
            return f"第{QUARTER_WORDS[self.index - 1]}季度"
        return "全年"

    @property
    def short(self) -> str:
        """本月 / 本季度 / 本年度, for sentences about the period's own figures."""
        return {"month": "本月", "quarter": "本季度", "year": "本年度"}[self.kind]

    def previous(self) -> "Period | None":
        """The period before, inside the same year; None for the first one and for a year."""
        if self.kind == "year" or self.index == 1:
            return None
        return Period(self.kind, self.year, self.index - 1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_period(text: str | int) -> Period:
    """2026-11, 2026/11, 2026年11月, 2026Q3, 2026年第三季度, 2026, 2026年 → Period."""
    value = str(text).strip()
    m = _MONTH.match(value)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return Period("month", year, month)
    m = _QUARTER.match(value)
    if m:
        q = m.group(2)
        index = int(q) if q.isdigit() else QUARTER_WORDS.index(q) + 1
        return Period("quarter", int(m.group(1)), index)
    m = _YEAR.match(value)
    if m:
        return Period("year", int(m.group(1)))
    raise PeriodError(f"无法识别的通报期间：{value}（应为月份 2026-11、季度 2026Q3 或年度 2026）")


def last_month(today: date) -> Period:
    """The month before today's (the bulletin staff write at the start of a month)."""
    first = today.replace(day=1) - timedelta(days=1)
    return Period("month", first.year, first.month)


def month_end(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))


def month_ends(year: int, asof: date) -> list[date]:
    """The month-ends of `year` on or before `asof` (the columns of 趋势)."""
    return [d for d in (month_end(year, m) for m in range(1, 13)) if d <= asof]


def ledger_at(ledger: Ledger, asof: date) -> Ledger:
    """The validated ledger as `load_ledger(grids, asof=asof)` would give it, for an earlier
    as-of date: rows dated after it dropped (orders by 受理时间, events by 日期, 会议 by 会议日期,
    知识库 by 月份, 季度研究 by 研究日期), everything else (rubric, calendar, units, problems)
    shared. Only for an as-of date within the ledger's own period."""
    params = replace(ledger.params, asof=asof)
    end = params.period_end
    last = end_of_day(end)
    o = ledger.orders
    keep = [i for i, received in enumerate(o.received) if received <= last]
    orders = o if len(keep) == len(o) else _take(o, keep)
    return replace(
        ledger, params=params, orders=orders,
        deductions=[e for e in ledger.deductions if e.day <= end],
        bonuses=[e for e in ledger.bonuses if e.day <= end],
        meetings=[m for m in ledger.meetings if m.day <= end],
        knowledge=[k for k in ledger.knowledge if k.month <= end],
        studies=[s for s in ledger.studies if s.day <= end])


def _take(orders: Orders, index: list[int]) -> Orders:
    out = Orders()
    for name in ("row", "order_id", "unit", "kind", "received", "limit", "completed", "visit"):
        column = getattr(orders, name)
        setattr(out, name, [column[i] for i in index])
    return out
