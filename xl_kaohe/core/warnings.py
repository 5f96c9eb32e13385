"""预警与催办 (SPEC §9): the open orders that are 已超期 or 即将到期 at an as-of *moment*.

Everything is worked out over whole columns from the same deadlines the scoring uses
(``timeliness.compute_timeliness``), so 已扣分 is exactly what ``kaohe rank --asof`` charges:

- the scoring as-of is a date (its end, 23:59:59); a warning run has a moment (a date means its
  end too). The deadlines do not depend on the as-of, and an order overdue at the moment is late
  at the end of that day with the same days late (the day of the moment is the count's end in
  both cases), so those days late are taken from the scoring's own columns;
- 已超期: open at the moment (no 办结时间, or one after it) and deadline before the moment;
- 即将到期: open, not overdue, workdays_left <= N, workdays_left = working days d with
  as-of date < d <= deadline date;
- 已扣分 = III-4.1 + III-8 (before item caps); 再拖一日 = what still being open at the end of the
  next working day adds (for an order not yet overdue: its first late day, III-4.1 included);
- 建议通报: overdue for at least 通报前催办工作日 working days.

Orders that are 不考核 (表扬 …) never reach ``Orders``; orders exempted later (申诉复核 撤销)
come in through ``exempt_orders`` — the one hook to extend.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import numpy as np

from . import rules as R
from .ledger import Ledger, Orders, Params
from .outputs import json_number
from .timeliness import (Deadlines, Timeliness, compute_deadlines, datetime64_to_ordinals, judge,
                         seconds_column)

OVERDUE = "已超期"
DUE_SOON = "即将到期"
NOT_DUE = "未到期"
ON_TIME = "按时办结"
LATE_DONE = "超时办结"
NOT_ASSESSED = R.NOT_ASSESSED  # 不考核

# state codes of ``order_states`` (small integers for vector masks)
S_NOT_DUE, S_DUE_SOON, S_OVERDUE, S_ON_TIME, S_LATE_DONE, S_NONE = range(6)
STATE_TEXT = {S_NOT_DUE: NOT_DUE, S_DUE_SOON: DUE_SOON, S_OVERDUE: OVERDUE, S_ON_TIME: ON_TIME,
              S_LATE_DONE: LATE_DONE, S_NONE: ""}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def moment_of(asof: date | datetime) -> datetime:
    """A date means its end (23:59:59, as in §3); a datetime is taken as it is."""
    if isinstance(asof, datetime):
        return asof.replace(microsecond=0, tzinfo=None)
    return datetime.combine(asof, time(23, 59, 59))


def exempt_orders(ledger: Ledger) -> np.ndarray:
    """Orders out of every timeliness rule although they are in ``Orders`` (bool mask): those
    revoked on appeal (申诉复核 撤销, §11); 不考核 types are already left out of ``Orders``."""
    return ledger.not_assessed_mask()


@dataclass
class States:
    """Each order's state at the moment, plus the figures a warning needs (arrays, one per order)."""
    state: np.ndarray          # S_* codes
    workdays_left: np.ndarray  # int64; meaningful for open, not overdue orders
    late_days: np.ndarray      # int64; as the scoring counts them (参数 拖延天数计算)
    late_workdays: np.ndarray  # int64; working days overdue (建议通报 counts these)
    next_late_days: np.ndarray  # int64; days late if still open at the end of the next working day


def order_states(orders: Orders, timing: Timeliness, calendar, params: Params, moment: datetime,
                 days: int, exempt: np.ndarray | None = None, deadlines: Deadlines | None = None) -> States:
    """Vectorised states at ``moment`` (``timing`` computed with ``params.asof == moment.date()``).

    ``days`` is N of 即将到期. Calendar-less orders (``timing.calendar_bad``), exempt orders and
    orders received after the moment get S_NONE. ``deadlines`` (the scoring's) saves converting
    受理时间 and 办结时间 again."""
    if timing.due.shape[0] != len(orders) or (deadlines is not None and deadlines.due.shape[0] != len(orders)):
        raise ValueError("timing does not belong to these orders")
    n = len(orders)
    at = np.datetime64(moment, "s")
    if deadlines is not None:
        received, completed = deadlines.received, deadlines.completed
    else:
        received, completed = seconds_column(orders.received), seconds_column(orders.completed)
    usable = ~timing.calendar_bad & (received <= at)
    if exempt is not None:
        usable &= ~exempt
    is_open = np.isnat(completed) | (completed > at)
    due = timing.due
    overdue = usable & is_open & (due < at)

    asof_day = moment.date().toordinal()
    due_day = datetime64_to_ordinals(due)
    today = np.full(n, asof_day, dtype=np.int64)
    left, bad_left = calendar.workdays_between_masked(today, np.maximum(due_day, asof_day))
    soon = usable & is_open & ~overdue & ~bad_left & (left <= days)

    state = np.full(n, S_NONE, dtype=np.int8)
    state[usable & is_open] = S_NOT_DUE
    state[soon] = S_DUE_SOON
    state[overdue] = S_OVERDUE
    closed = usable & ~is_open
    state[closed & (completed <= due)] = S_ON_TIME
    state[closed & (completed > due)] = S_LATE_DONE

    # days late of the overdue ones: the scoring's own count (see the module doc)
    late_days = np.where(overdue, timing.late_days, 0)
    worked, bad_worked = calendar.workdays_between_masked(due_day, today)
    late_workdays = np.where(overdue & ~bad_worked, np.maximum(worked, 1), 0)
    # the end of the next working day: what one more day open would make of the count
    nxt, bad_next = calendar.add_workdays_masked(np.array([asof_day]), np.array([1]))
    next_day = int(nxt[0])
    if bad_next[0]:
        next_late = late_days.copy()
    elif params.late_mode == "自然日":
        next_late = np.where(overdue, np.maximum(next_day - due_day, 1), 0)
    else:
        counted, bad = calendar.workdays_between_masked(due_day, np.full(n, next_day, dtype=np.int64))
        next_late = np.where(overdue & ~bad, np.maximum(counted, 1), late_days)
    return States(state, np.where(soon, left, 0), late_days, late_workdays, next_late)


# ---- the warning list ----------------------------------------------------------------------------

@dataclass(frozen=True)
class WarnOrder:
    index: int            # into ledger.orders
    row: int              # 工单 sheet row
    order_id: str
    unit: str
    kind: str             # 咨询 / 办理 / 紧急
    received: datetime
    due: datetime
    status: str           # 已超期 / 即将到期
    workdays_left: int | None
    days_late: int | None
    points_now: Decimal   # points lost now (positive), III-4.1 + III-8, before item caps
    points_next_day: Decimal
    escalate: bool        # 建议通报

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"order": self.order_id, "unit": self.unit, "type": self.kind,
                               "received": self.received.strftime(TIME_FORMAT),
                               "due": self.due.strftime(TIME_FORMAT), "status": self.status}
        if self.status == OVERDUE:
            out["days_late"] = self.days_late
        else:
            out["workdays_left"] = self.workdays_left
        out.update(points_now=json_number(self.points_now), points_next_day=json_number(self.points_next_day),
                   escalate=self.escalate)
        return out


@dataclass
class UnitWarnings:
    unit: str
    orders: list[WarnOrder] = field(default_factory=list)

    @property
    def due_soon(self) -> int:
        return sum(o.status == DUE_SOON for o in self.orders)

    @property
    def overdue(self) -> int:
        return sum(o.status == OVERDUE for o in self.orders)

    @property
    def escalate(self) -> int:
        return sum(o.escalate for o in self.orders)

    @property
    def points_now(self) -> Decimal:
        return sum((o.points_now for o in self.orders), Decimal(0))

    @property
    def points_next_day(self) -> Decimal:
        return sum((o.points_next_day for o in self.orders), Decimal(0))

    def as_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "due_soon": self.due_soon, "overdue": self.overdue,
                "escalate": self.escalate, "points_now": json_number(self.points_now)}


@dataclass
class Warnings:
    asof: datetime
    days: int
    escalate_days: int
    late_word: str               # 个工作日 / 天 (参数 拖延天数计算)
    orders: list[WarnOrder]      # overdue first, then by deadline
    units: list[UnitWarnings]    # units with listed orders, in 单位 sheet order

    def as_json(self) -> dict[str, Any]:
        return {"asof": self.asof.strftime(TIME_FORMAT), "days": self.days,
                "orders": [o.as_json() for o in self.orders],
                "units": [u.as_json() for u in self.units]}


def compute_warnings(ledger: Ledger, asof: date | datetime, *, days: int | None = None,
                     exempt: np.ndarray | None = None, timing: Timeliness | None = None,
                     deadlines: Deadlines | None = None) -> Warnings:
    """The warning list at ``asof`` (a date: its end). ``ledger`` is validated with its as-of
    date = the moment's date (so it holds the orders received up to that day); ``timing`` may
    be passed when the caller already has it for that date, ``deadlines`` (they do not depend
    on the as-of date: ``Result.deadlines``) when the caller has scored these orders."""
    moment = moment_of(asof)
    params = ledger.params
    if params.asof != moment.date():
        params = _with_asof(params, moment.date())
        timing = None
    n_days = params.warn_days if days is None else int(days)
    orders, rubric = ledger.orders, ledger.rubric
    if deadlines is None:
        deadlines = compute_deadlines(orders, rubric, ledger.calendar)
    if timing is None:
        timing = judge(deadlines, ledger.calendar, params)
    if exempt is None:
        exempt = exempt_orders(ledger)
    st = order_states(orders, timing, ledger.calendar, params, moment, n_days, exempt, deadlines)

    per_late = -rubric.clauses[R.LATE_CLOSE].points
    listed = np.flatnonzero((st.state == S_OVERDUE) | (st.state == S_DUE_SOON))
    due_moments = timing.due[listed].astype("datetime64[s]").tolist()
    items: list[WarnOrder] = []
    for k, i in enumerate(listed.tolist()):
        kind, limit = orders.kind[i], orders.limit[i]
        special = limit is not None or kind not in R.TIMELY_BY_TYPE
        per_day = -rubric.clauses[R.TIMELY_SPECIAL if special else R.TIMELY_BY_TYPE[kind]].points
        overdue = bool(st.state[i] == S_OVERDUE)
        if overdue:
            late = int(st.late_days[i])
            now = per_late + per_day * late
            nxt = per_day * (int(st.next_late_days[i]) - late)
        else:
            late, now, nxt = None, Decimal(0), per_late + per_day
        items.append(WarnOrder(
            i, orders.row[i], orders.order_id[i], orders.unit[i], kind, orders.received[i], due_moments[k],
            OVERDUE if overdue else DUE_SOON, None if overdue else int(st.workdays_left[i]), late,
            now + Decimal("0.00"), nxt + Decimal("0.00"),
            overdue and int(st.late_workdays[i]) >= params.escalate_days))
    items.sort(key=lambda o: (o.status != OVERDUE, o.due, o.unit, o.row))
    by_unit: dict[str, UnitWarnings] = {}
    for o in items:
        by_unit.setdefault(o.unit, UnitWarnings(o.unit)).orders.append(o)
    order = {u.name: k for k, u in enumerate(ledger.units)}
    units = sorted(by_unit.values(), key=lambda u: order.get(u.unit, len(order)))
    word = "个工作日" if params.late_mode == "工作日" else "天"
    return Warnings(moment, n_days, params.escalate_days, word, items, units)


def _with_asof(params: Params, day: date) -> Params:
    return replace(params, asof=day)
