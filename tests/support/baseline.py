"""The straightforward per-order reference for deadlines and days late (SPEC §3).

One order at a time, one day at a time, asking ``chinese_calendar.is_workday`` (after the
节假日 sheet's overrides) about every day it walks over. It is what a careful programmer writes
first, and it is as slow as it is obvious: ~10 s for 100k orders. The vectorised
``timeliness.compute_timeliness`` must give exactly the same answer for every order; the
equivalence tests and ``benchmarks/bench.py`` check that against this module.

Conventions shared with the fast path (so that "the same answer" is well defined):
- moments are compared at whole seconds (the fast path stores datetime64[s]);
- when the deadline or the days-late window touches a year without calendar data, the order
  is flagged ``calendar_bad`` and not scored (done/should/on_time/late all False, 0 days);
  a 个工作日 deadline that cannot be computed is reported as the end of the day of receipt.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Mapping

import chinese_calendar
import numpy as np

from xl_kaohe.core.calendar import WorkCalendar
from xl_kaohe.core.ledger import Orders, Params
from xl_kaohe.core.rules import Rubric
from xl_kaohe.core.timeliness import Timeliness, default_workdays

END_OF_DAY = time(23, 59, 59)


class DayBook:
    """is_workday per day: the 节假日 sheet first, then chinese-calendar, then (for a year the
    sheet declares but chinese-calendar lacks) plain weekdays; None for an unknown year."""

    def __init__(self, overrides: Mapping[date, bool]):
        self.overrides = dict(overrides)
        self.sheet_years = {d.year for d in self.overrides}

    def is_workday(self, day: date) -> bool | None:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year chinese-calendar does not cover
            if day.year in self.sheet_years:
                return day.weekday() < 5
            return None

    def known(self, year: int) -> bool:
        return self.is_workday(date(year, 1, 1)) is not None


def nth_workday_after(book: DayBook, start: date, n: int) -> date | None:
    """The n-th working day strictly after ``start``; None when a year on the way is unknown."""
    if not book.known(start.year):
        return None
    day, found = start, 0
    while found < n:
        day += timedelta(days=1)
        flag = book.is_workday(day)
        if flag is None:
            return None
        found += flag
    return day


def workdays_after(book: DayBook, start: date, end: date) -> int | None:
    """Working days d with start < d <= end; None when a year in the window is unknown."""
    if not book.known(start.year):
        return None
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        flag = book.is_workday(day)
        if flag is None:
            return None
        count += flag
    return count


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def deadline(book: DayBook, received: datetime, kind: str, limit, defaults: Mapping[str, int]) -> tuple[datetime, bool]:
    """(应办结时间, calendar_bad) for one order."""
    received = _seconds(received)
    if limit is None or limit.kind == "workdays":
        n = defaults.get(kind, 0) if limit is None else int(limit.amount)
        day = nth_workday_after(book, received.date(), n)
        if day is None:
            return datetime.combine(received.date(), END_OF_DAY), True
        return datetime.combine(day, END_OF_DAY), False
    if limit.kind == "hours":
        return received + timedelta(seconds=round(limit.amount * 3600)), False
    if limit.kind == "days":
        return datetime.combine(received.date() + timedelta(days=int(limit.amount)), END_OF_DAY), False
    return _seconds(limit.moment), False  # "moment"


def baseline_timeliness(orders: Orders, rubric: Rubric, calendar: WorkCalendar | Mapping[date, bool],
                        params: Params) -> Timeliness:
    """compute_timeliness, order by order and day by day."""
    overrides = calendar.overrides if isinstance(calendar, WorkCalendar) else calendar
    book = DayBook(overrides)
    defaults = default_workdays(rubric)
    asof_end = datetime.combine(params.asof, END_OF_DAY)
    natural = params.late_mode == "自然日"
    cols: dict[str, list] = {k: [] for k in ("due", "done", "should", "on_time", "late", "late_open", "late_days", "bad")}
    for received, kind, limit, completed in zip(orders.received, orders.kind, orders.limit, orders.completed):
        due, bad = deadline(book, received, kind, limit, defaults)
        completed = _seconds(completed) if completed is not None else None
        done = completed is not None and completed <= asof_end
        should = done or due <= asof_end
        on_time = done and completed <= due
        late_open = not done and due < asof_end
        late = (done and completed > due) or late_open
        days = 0
        if late:
            end_day = completed.date() if done else params.asof
            if natural:
                days = (end_day - due.date()).days
            else:
                counted = workdays_after(book, due.date(), end_day)
                if counted is None:
                    bad, counted = True, 0
                days = counted
            days = max(days, 1)
        ok = not bad
        for key, value in (("due", due), ("done", done and ok), ("should", should and ok),
                           ("on_time", on_time and ok), ("late", late and ok), ("late_open", late_open and ok),
                           ("late_days", days if ok else 0), ("bad", bad)):
            cols[key].append(value)
    n = len(orders)
    return Timeliness(
        due=np.array(cols["due"], dtype="datetime64[s]") if n else np.empty(0, "datetime64[s]"),
        done=np.array(cols["done"], dtype=bool), should=np.array(cols["should"], dtype=bool),
        on_time=np.array(cols["on_time"], dtype=bool), late=np.array(cols["late"], dtype=bool),
        late_open=np.array(cols["late_open"], dtype=bool),
        late_days=np.array(cols["late_days"], dtype=np.int64), calendar_bad=np.array(cols["bad"], dtype=bool),
    )
