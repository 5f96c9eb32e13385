"""Working days: chinese-calendar (statutory holidays and 调休 make-up days) plus the 节假日 sheet.

A year that chinese-calendar does not cover is usable only when the 节假日 sheet declares at
least one date of it (then weekdays work, weekends rest, except the listed dates); otherwise
every computation touching it raises ``CalendarError`` naming the first such year (SPEC §3).
Never silently assume plain weekends. Whether a declared year looks complete, and which
dates are near enough to the 考核年度 to be used, is read_holidays' business (validate).

Internally the calendar is a numpy array of day flags plus its running sum, so "the n-th
working day after d" and "working days in (a, b]" are O(1) lookups that vectorise over whole
columns of work orders.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Mapping

import chinese_calendar
import numpy as np

from .schema import HOLIDAYS


_CC_HOLIDAYS = chinese_calendar.holidays
_CC_WORKDAYS = chinese_calendar.workdays


class CalendarError(ValueError):
    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年没有节假日数据：chinese-calendar 只覆盖到 {covered_years()[-1]} 年，"
            f"请在「{HOLIDAYS}」表中填写{year}年的放假和调休上班日期（国务院的{year}年节假日安排通知"
            f"可用“导入假日通知”按钮或 kaohe holidays 导入）"
        )


@lru_cache(maxsize=1)
def covered_years() -> tuple[int, ...]:
    """Years chinese-calendar has data for (it raises NotImplementedError for the others)."""
    first = min(_CC_HOLIDAYS).year
    last = max(_CC_HOLIDAYS).year
    return tuple(range(first, last + 1))


class WorkCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None,
                 festivals: Mapping[int, set[str]] | None = None):
        """overrides: date -> True (上班) / False (放假), from the 节假日 sheet; festivals: which
        festivals those rows seem to cover, per year (holiday_sheet.festivals_by_year)."""
        self.overrides = dict(overrides or {})
        self.festivals = {year: set(names) for year, names in (festivals or {}).items()}
        covered = set(covered_years())
        self.known_years = frozenset(covered | {d.year for d in self.overrides})
        self.first_year = min(self.known_years)
        self.last_year = max(self.known_years)
        self.origin = date(self.first_year, 1, 1).toordinal()
        days = date(self.last_year, 12, 31).toordinal() - self.origin + 1
        flags = np.zeros(days, dtype=np.int8)
        for i in range(days):
            day = date.fromordinal(self.origin + i)
            if day in self.overrides:
                flags[i] = self.overrides[day]
            elif day.year in covered:
                # chinese_calendar.is_workday, inlined on its own tables (8k calls add up)
                flags[i] = day in _CC_WORKDAYS or (day.weekday() < 5 and day not in _CC_HOLIDAYS)
            else:
                flags[i] = day.weekday() < 5
        self.flags = flags
        # cum[i] = number of working days among days 0..i
        self.cum = np.cumsum(flags, dtype=np.int64)
        years = np.arange(self.first_year - 1, self.last_year + 2)
        self._unknown_before = np.cumsum([y not in self.known_years for y in years])
        self._year_base = self.first_year - 1

    # ---- scalar API --------------------------------------------------------------------
    def require(self, year: int) -> None:
        if year not in self.known_years:
            raise CalendarError(year)

    def first_missing_year(self, year: int) -> int:
        """The first year from ``year`` on without data: deadlines and days late run forward
        from a receipt, so that is the year to fill in (not simply the next one)."""
        while year in self.known_years:
            year += 1
        return year

    def is_workday(self, day: date) -> bool:
        self.require(day.year)
        return bool(self.flags[day.toordinal() - self.origin])

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day strictly after ``day`` (n >= 1)."""
        result = self.add_workdays_array(np.array([day.toordinal()]), np.array([n]))
        return date.fromordinal(int(result[0]))

    def workdays_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (0 when end <= start)."""
        got = self.workdays_between_array(np.array([start.toordinal()]), np.array([end.toordinal()]))
        return int(got[0])

    # ---- vectorised API (ordinals in, ordinals / counts out) ----------------------------------
    def add_workdays_array(self, start: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Ordinal of the n-th working day after each start ordinal; raises for unknown years."""
        result, bad = self.add_workdays_masked(start, n)
        self._raise_first(start, result, bad)
        return result

    def workdays_between_array(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        counts, bad = self.workdays_between_masked(start, end)
        self._raise_first(start, end, bad)
        return counts

    def add_workdays_masked(self, start: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like add_workdays_array, but returns (result, bad) where bad marks rows whose window
        touches a year without calendar data (their result is meaningless)."""
        start = np.asarray(start, dtype=np.int64)
        idx = np.clip(start - self.origin, 0, len(self.cum) - 1)
        found = np.searchsorted(self.cum, self.cum[idx] + np.asarray(n, dtype=np.int64), side="left")
        beyond = found >= len(self.cum)
        result = np.where(beyond, self.origin + len(self.cum), found + self.origin)
        return result, beyond | self.unknown_span_mask(start, result)

    def workdays_between_masked(self, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Working days d with start < d <= end, per row, plus the unknown-year mask."""
        start = np.asarray(start, dtype=np.int64)
        end = np.maximum(np.asarray(end, dtype=np.int64), start)
        bad = self.unknown_span_mask(start, end)
        last = len(self.cum) - 1
        counts = self.cum[np.clip(end - self.origin, 0, last)] - self.cum[np.clip(start - self.origin, 0, last)]
        return np.where(bad, 0, counts), bad

    def _raise_first(self, start: np.ndarray, end: np.ndarray, bad: np.ndarray) -> None:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CalendarError(self.first_unknown_year(int(start[i]), int(end[i])))

    def unknown_span_mask(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        y0 = _years(start)
        y1 = _years(end)
        outside = (y0 < self.first_year) | (y1 > self.last_year)
        a = np.clip(y0 - 1 - self._year_base, 0, len(self._unknown_before) - 1)
        b = np.clip(y1 - self._year_base, 0, len(self._unknown_before) - 1)
        return outside | (self._unknown_before[b] - self._unknown_before[a] > 0)

    def first_unknown_year(self, start: int, end: int) -> int:
        for year in range(date.fromordinal(start).year, date.fromordinal(end).year + 1):
            if year not in self.known_years:
                return year
        return date.fromordinal(end).year


def _years(ordinals: np.ndarray) -> np.ndarray:
    # ordinal -> year via numpy datetime64 (ordinal 719163 is 1970-01-01)
    days = (np.asarray(ordinals, dtype=np.int64) - 719163).astype("datetime64[D]")
    return days.astype("datetime64[Y]").astype(np.int64) + 1970
