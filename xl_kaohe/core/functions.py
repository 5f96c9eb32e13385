"""What the worksheet functions (=KAOHE_*) compute, without Excel.

The xlwings UDFs in ``udfs/kaohe_udfs.py`` and the ``formulas``-engine tests both call these, so
a cell and ``kaohe rank`` share one code path. Date functions take scalars or whole columns
(2-D lists, as Excel passes a range) and answer in the same shape; a bad element answers with a
short Chinese message in its own cell instead of failing the whole column.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Mapping

import numpy as np

from . import schema as S
from .calendar import CalendarError, WorkCalendar
from .dates import DateError, parse_date, parse_datetime
from .engine import Assessment
from .ledger import Orders, Params
from .ordercells import (E_BEFORE, E_DATE, E_LIMIT, E_NOT_ASSESSED, E_TYPE, E_URGENT,  # noqa: F401  (the cells' words)
                         OrderCells, cell_answer)
from .rules import Rubric, parse_code
from .tables import Grid, is_blank
from .timeliness import compute_timeliness
from .validate import Collector, read_holidays, read_params, read_rubric, text_of

# Short messages shown in a cell (a cell is narrow; the full story is in 校验).
E_UNIT = "无此单位"
E_ITEM = "无此项目"
NO_RANK = "不参与排名"

CONTEXT_SHEETS = (S.PARAMS, S.RULES, S.HOLIDAYS)


@dataclass
class DateContext:
    """What the date functions need from a ledger: 参数, 规则 and the 节假日 calendar."""
    params: Params
    rubric: Rubric
    calendar: WorkCalendar


def date_context(grids: Mapping[str, Grid], today: date | None = None) -> DateContext:
    out = Collector()  # problems of these sheets are reported by kaohe check, not by cells
    params = read_params(grids.get(S.PARAMS), out, asof=None, today=today or date.today())
    return DateContext(params, read_rubric(grids.get(S.RULES), out), read_holidays(grids.get(S.HOLIDAYS), out, params))


# ---- scores ----------------------------------------------------------------------------------------

def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _unit(assessment: Assessment, unit: Any):
    """A unit typed in a formula: text as in every sheet, and a number such as 101 (Excel hands
    over 101.0) read as the name 101."""
    return None if is_blank(unit) else assessment.unit(text_of(unit))


def score(assessment: Assessment, unit: Any, item: Any = None) -> float | int | str:
    """KAOHE_SCORE: the total; or an item code (III-4), a 一级指标 name (业务办理), or 加分."""
    result = _unit(assessment, unit)
    if result is None:
        return E_UNIT
    value = result.item_or_group("" if is_blank(item) else str(item).strip())
    return E_ITEM if value is None else _number(value)


def deduct(assessment: Assessment, unit: Any, item: Any = None) -> float | int | str:
    """KAOHE_DEDUCT: points lost after each item's cap (total, or for one item / 一级指标)."""
    result = _unit(assessment, unit)
    if result is None:
        return E_UNIT
    key = "" if is_blank(item) else str(item).strip()
    if not key:
        return _number(sum((i.deducted for i in result.items.values()), Decimal(0)))
    parsed = parse_code(key)
    if parsed and parsed[0] in result.items:
        return _number(result.items[parsed[0]].deducted)
    chosen = [i.deducted for i in result.items.values() if i.category == key]
    return _number(sum(chosen, Decimal(0))) if chosen else E_ITEM


def bonus(assessment: Assessment, unit: Any) -> float | int | str:
    result = _unit(assessment, unit)
    return E_UNIT if result is None else _number(result.bonus)


def rank(assessment: Assessment, unit: Any) -> int | str:
    result = _unit(assessment, unit)
    if result is None:
        return E_UNIT
    return NO_RANK if result.rank is None else result.rank


# ---- dates over columns ----------------------------------------------------------------------------

Shape = tuple[int, int] | None  # None: a scalar


def _shape(value: Any) -> Shape:
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return len(value), len(value[0])
    if isinstance(value, (list, tuple)):
        return len(value), 1
    return None


def _flat(value: Any, size: int) -> list[Any]:
    if isinstance(value, (list, tuple)):
        cells = [c for row in value for c in (row if isinstance(row, (list, tuple)) else [row])]
        return cells + [None] * (size - len(cells))
    return [value] * size


def broadcast(*args: Any) -> tuple[Shape, list[list[Any]]]:
    """Scalars repeat; ranges must have the size of the largest one (missing cells are blank)."""
    shapes = [s for s in map(_shape, args) if s]
    shape = max(shapes, key=lambda s: s[0] * s[1]) if shapes else None
    size = shape[0] * shape[1] if shape else 1
    return shape, [_flat(a, size) for a in args]


def reshape(shape: Shape, cells: list[Any]) -> Any:
    if shape is None:
        return cells[0]
    rows, cols = shape
    return [cells[r * cols:(r + 1) * cols] for r in range(rows)]


def _orders(ctx: DateContext, received, kinds, limits, completed) -> tuple[Orders, list[int], list[Any]]:
    """Valid rows as Orders (+ their positions); other positions carry a short message. The
    cells are read by core/ordercells, exactly as the 工单 sheet is validated."""
    orders = Orders()
    positions: list[int] = []
    answers: list[Any] = [None] * len(received)
    cells = OrderCells(ctx.rubric)
    for i, (r, k, lim, done) in enumerate(zip(received, kinds, limits, completed)):
        if r is None or r == "":
            answers[i] = ""
            continue
        timing = cells.read(r, k, lim, done)
        answer = cell_answer(timing)
        if answer is not None:
            answers[i] = answer
            continue
        received, kind, limit, done, _ = timing
        orders.append(i, "", "", kind, received, limit, done, -1)
        positions.append(i)
    return orders, positions, answers


def due(ctx: DateContext, received: Any, kind: Any, limit: Any = None) -> Any:
    """KAOHE_DUE: the deadline (a datetime) of each order."""
    shape, (rec, kinds, limits) = broadcast(received, kind, limit)
    orders, positions, answers = _orders(ctx, rec, kinds, limits, [None] * len(rec))
    # As of the day before the first receipt nothing is late yet, so only the deadlines are
    # computed (and only their years need calendar data).
    first = min(orders.received).date() if len(orders) else ctx.params.asof
    params = Params(year=ctx.params.year, asof=first - timedelta(days=1))
    timing = compute_timeliness(orders, ctx.rubric, ctx.calendar, params)
    for k, i in enumerate(positions):
        answers[i] = _calendar_text(ctx, orders.received[k]) if timing.calendar_bad[k] else timing.due[k].item()
    return reshape(shape, answers)


def late_days(ctx: DateContext, received: Any, kind: Any, completed: Any, limit: Any = None,
              asof: Any = None) -> Any:
    """KAOHE_LATEDAYS: days late (0 when on time); an open order counts up to the as-of date."""
    shape, (rec, kinds, dones, limits, asofs) = broadcast(received, kind, completed, limit, asof)
    answers: list[Any] = [None] * len(rec)
    # Group by as-of date: usually one (the ledger's), so this is one vector pass.
    groups: dict[date, list[int]] = {}
    for i, value in enumerate(asofs):
        try:
            day = parse_date(value) if not is_blank(value) else ctx.params.asof
        except DateError:
            answers[i] = E_DATE
            continue
        groups.setdefault(day, []).append(i)
    for day, idx in groups.items():
        orders, positions, sub = _orders(ctx, [rec[i] for i in idx], [kinds[i] for i in idx],
                                         [limits[i] for i in idx], [dones[i] for i in idx])
        params = Params(year=ctx.params.year, asof=day, late_mode=ctx.params.late_mode)
        timing = compute_timeliness(orders, ctx.rubric, ctx.calendar, params)
        for k, j in enumerate(positions):
            sub[j] = _calendar_text(ctx, orders.received[k]) if timing.calendar_bad[k] else int(timing.late_days[k])
        for j, i in enumerate(idx):
            answers[i] = sub[j]
    return reshape(shape, answers)


def workdays(ctx: DateContext, start: Any, end: Any) -> Any:
    """KAOHE_WORKDAYS: working days d with start < d <= end."""
    shape, (starts, ends) = broadcast(start, end)
    answers: list[Any] = [None] * len(starts)
    firsts, lasts, positions = [], [], []
    for i, (a, b) in enumerate(zip(starts, ends)):
        try:
            first, last = parse_date(a), parse_date(b)
        except DateError:
            answers[i] = E_DATE
            continue
        if first is None or last is None:
            answers[i] = ""
            continue
        firsts.append(first.toordinal())
        lasts.append(last.toordinal())
        positions.append(i)
    counts, bad = ctx.calendar.workdays_between_masked(np.array(firsts, dtype=np.int64),
                                                       np.array(lasts, dtype=np.int64))
    for k, i in enumerate(positions):
        answers[i] = _year_text(ctx, firsts[k], lasts[k]) if bad[k] else int(counts[k])
    return reshape(shape, answers)


def is_workday(ctx: DateContext, day: Any) -> Any:
    """KAOHE_ISWORKDAY: TRUE / FALSE for each date."""
    shape, (days,) = broadcast(day)

    def one(value):
        try:
            d = parse_date(value)
        except DateError:
            return E_DATE
        if d is None:
            return ""
        try:
            return ctx.calendar.is_workday(d)
        except CalendarError as e:
            return f"缺{e.year}年日历"
    return reshape(shape, [one(v) for v in days])


def _calendar_text(ctx: DateContext, received: datetime) -> str:
    year = next((y for y in range(received.year, received.year + 3) if y not in ctx.calendar.known_years),
                received.year + 1)
    return f"缺{year}年日历"


def _year_text(ctx: DateContext, first: int, last: int) -> str:
    return f"缺{ctx.calendar.first_unknown_year(first, last)}年日历"


# ---- KAOHE_STATUS (预警, SPEC §9) --------------------------------------------------------------------

def status(ctx: DateContext, received: Any, kind: Any, completed: Any, limit: Any = None, asof: Any = None) -> Any:
    """KAOHE_STATUS: 按时办结 / 超时办结 / 未到期 / 即将到期 / 已超期 / 不考核 of each order at the
    as-of moment (a date: its end, as in §3; a date-time such as =NOW() as is; default: the
    ledger's as-of date). 即将到期 = open, not overdue, at most 参数 预警工作日数 working days left;
    the same vector rules as kaohe warn (core.warnings.order_states)."""
    from .warnings import S_NONE, STATE_TEXT, NOT_DUE, moment_of, order_states

    shape, (rec, kinds, dones, limits, asofs) = broadcast(received, kind, completed, limit, asof)
    answers: list[Any] = [None] * len(rec)
    groups: dict[datetime, list[int]] = {}  # usually one as-of for the whole column
    for i, value in enumerate(asofs):
        try:
            parsed = None if is_blank(value) else parse_datetime(value)
        except DateError:
            answers[i] = E_DATE
            continue
        timed = parsed is not None and (parsed[1] or (isinstance(value, str) and ":" in value))  # "… 00:00"
        moment = moment_of(ctx.params.asof if parsed is None else (parsed[0] if timed else parsed[0].date()))
        groups.setdefault(moment, []).append(i)
    for moment, idx in groups.items():
        orders, positions, sub = _orders(ctx, [rec[i] for i in idx], [kinds[i] for i in idx],
                                         [limits[i] for i in idx], [dones[i] for i in idx])
        params = Params(year=ctx.params.year, asof=moment.date(), late_mode=ctx.params.late_mode)
        timing = compute_timeliness(orders, ctx.rubric, ctx.calendar, params)
        states = order_states(orders, timing, ctx.calendar, params, moment, ctx.params.warn_days).state
        for k, j in enumerate(positions):
            if timing.calendar_bad[k]:
                sub[j] = _calendar_text(ctx, orders.received[k])
            else:  # received after the moment: not due yet
                sub[j] = NOT_DUE if states[k] == S_NONE else STATE_TEXT[int(states[k])]
        for j, i in enumerate(idx):
            answers[i] = sub[j]
    return reshape(shape, answers)
