"""Deadlines (应办结时间) and days late (拖延天数) for whole columns of work orders (SPEC §3).

Deadline: the end (23:59:59) of the N-th working day strictly after the calendar date of 受理时间
(N=2 咨询, N=3 办理), unless 办理时限 says otherwise: a moment, N小时 (calendar hours from
受理时间), N个工作日, N天 (calendar days, end of day).
Days late: working days d with due date < d <= completion date (or the as-of date for an open
order), at least 1 when the order is late at all; 参数 may switch to calendar days.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import repeat

import numpy as np

from .calendar import WorkCalendar
from .ledger import Limit, Orders, Params
from .rules import TIMELY_BY_TYPE, Rubric

ORDINAL_1970 = 719163  # date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)
_NAT = np.iinfo(np.int64).min  # the int64 value of NaT
END_OF_DAY = np.timedelta64(86399, "s")
DAY = np.timedelta64(1, "D")

# limit kinds as small integers for vector masks
K_WORKDAYS, K_HOURS, K_DAYS, K_MOMENT = 0, 1, 2, 3
_KIND_CODE = {"workdays": K_WORKDAYS, "hours": K_HOURS, "days": K_DAYS, "moment": K_MOMENT}


@dataclass
class Timeliness:
    due: np.ndarray          # datetime64[s]
    done: np.ndarray         # bool: completed by the as-of date
    should: np.ndarray       # bool: 应办结 (done, or due by the as-of date)
    on_time: np.ndarray      # bool: done on or before the deadline
    late: np.ndarray         # bool: completed late, or open and past due (未办结超期)
    late_open: np.ndarray    # bool: open and past due at the as-of date
    late_days: np.ndarray    # int64, 0 unless late
    calendar_bad: np.ndarray  # bool: a year without calendar data is involved; not scored


def ordinals_to_datetime64(ordinals: np.ndarray) -> np.ndarray:
    return (np.asarray(ordinals, dtype=np.int64) - ORDINAL_1970).astype("datetime64[D]").astype("datetime64[s]")


def datetime64_to_ordinals(moments: np.ndarray) -> np.ndarray:
    return moments.astype("datetime64[D]").astype(np.int64) + ORDINAL_1970


def seconds_column(moments: list[datetime | None]) -> np.ndarray:
    """datetime objects (None -> NaT) as datetime64[s], truncated to the second like
    ``np.array(moments, "datetime64[s]")`` but ~5x faster (numpy converts objects one by one
    through a slow generic path; an integer column is built straight from the subtraction)."""
    seconds = np.fromiter(((m - _EPOCH) // _SECOND if m is not None else _NAT for m in moments),
                          dtype=np.int64, count=len(moments))
    return seconds.view("datetime64[s]")


def default_workdays(rubric: Rubric) -> dict[str, int]:
    """咨询 -> 2, 办理 -> 3, read from the thresholds of III-8.1 / III-8.2 in the rubric."""
    return {kind: int(rubric.clauses[code].threshold or 0) for kind, code in TIMELY_BY_TYPE.items()}


@dataclass
class Deadlines:
    """What does not depend on the as-of date: computed once, judged at many as-of dates (趋势)."""
    received: np.ndarray     # datetime64[s]
    completed: np.ndarray    # datetime64[s], NaT when open
    due: np.ndarray          # datetime64[s]
    bad: np.ndarray          # bool: the deadline needs a year without calendar data


def compute_deadlines(orders: Orders, rubric: Rubric, calendar: WorkCalendar) -> Deadlines:
    n = len(orders)
    received = seconds_column(orders.received)
    completed = seconds_column(orders.completed)
    kind, amount, moment = _limit_columns(orders.limit, orders.kind, default_workdays(rubric))

    due = np.empty(n, dtype="datetime64[s]")
    bad = np.zeros(n, dtype=bool)
    received_day = received.astype("datetime64[D]")

    m = kind == K_WORKDAYS
    if m.any():
        start = datetime64_to_ordinals(received[m])
        result, unknown = calendar.add_workdays_masked(start, amount[m].astype(np.int64))
        due[m] = ordinals_to_datetime64(np.where(unknown, start, result)) + END_OF_DAY
        bad[m] = unknown
    m = kind == K_HOURS
    due[m] = received[m] + (amount[m] * 3600).round().astype("timedelta64[s]")
    m = kind == K_DAYS
    due[m] = (received_day[m] + amount[m].astype(np.int64) * DAY).astype("datetime64[s]") + END_OF_DAY
    m = kind == K_MOMENT
    due[m] = moment[m]
    return Deadlines(received, completed, due, bad)


def compute_timeliness(orders: Orders, rubric: Rubric, calendar: WorkCalendar, params: Params,
                       deadlines: Deadlines | None = None) -> Timeliness:
    d = deadlines if deadlines is not None else compute_deadlines(orders, rubric, calendar)
    return judge(d, calendar, params)


def judge(d: Deadlines, calendar: WorkCalendar, params: Params) -> Timeliness:
    """Done, due, on time, late and days late at params.asof (the end of that day)."""
    completed, due = d.completed, d.due
    n = len(due)
    bad = d.bad.copy()
    asof_end = np.datetime64(datetime.combine(params.asof, datetime.max.time().replace(microsecond=0)), "s")
    done = ~np.isnat(completed) & (completed <= asof_end)
    should = done | (due <= asof_end)
    on_time = done & (completed <= due)
    late_closed = done & (completed > due)
    late_open = ~done & (due < asof_end)
    late = late_closed | late_open

    end_day = np.where(late_closed, datetime64_to_ordinals(np.where(done, completed, due)), params.asof.toordinal())
    due_day = datetime64_to_ordinals(due)
    late_days = np.zeros(n, dtype=np.int64)
    if late.any():
        if params.late_mode == "自然日":
            counts = end_day[late] - due_day[late]
        else:
            counts, unknown = calendar.workdays_between_masked(due_day[late], end_day[late])
            bad[np.flatnonzero(late)[unknown]] = True
        late_days[late] = np.maximum(counts, 1)

    ok = ~bad
    return Timeliness(due, done & ok, should & ok, on_time & ok, late & ok, late_open & ok,
                      np.where(ok, late_days, 0), bad)


def _limit_columns(limits: list[Limit | None], kinds: list[str], defaults: dict[str, int]):
    n = len(limits)
    kind = np.zeros(n, dtype=np.int8)
    # the type default for every order, then the few orders with a 办理时限 of their own
    amount = np.fromiter(map(defaults.get, kinds, repeat(0)), dtype=np.float64, count=n)
    moment = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    for i in [i for i, limit in enumerate(limits) if limit is not None]:
        limit = limits[i]
        kind[i] = _KIND_CODE[limit.kind]
        amount[i] = limit.amount
        if limit.moment is not None:
            moment[i] = limit.moment
    return kind, amount, moment
