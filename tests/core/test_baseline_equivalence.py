"""The vectorised deadlines / days late (core.timeliness) == the per-order, day-by-day reference
(tests/support/baseline.py) for every order: across statutory holidays, 调休 working weekends, the year end
(deadlines in a year known only from the 节假日 sheet, or not known at all), every 办理时限 form,
both 拖延天数计算 modes and several as-of dates."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import chinese_calendar
import numpy as np
import pytest

from support import synth
from xl_kaohe.core import schema as S
from support.baseline import DayBook, baseline_timeliness, nth_workday_after, workdays_after
from xl_kaohe.core.calendar import WorkCalendar
from xl_kaohe.core.ledger import Limit, Orders, Params
from xl_kaohe.core.rules import default_rubric
from xl_kaohe.core.timeliness import Timeliness, compute_timeliness
from xl_kaohe.core.validate import load_ledger

FIELDS = tuple(Timeliness.__dataclass_fields__)


def assert_same(fast: Timeliness, slow: Timeliness, orders: Orders) -> None:
    for name in FIELDS:
        a, b = getattr(fast, name), getattr(slow, name)
        assert a.dtype == b.dtype, name
        bad = np.flatnonzero(a != b)
        if len(bad):
            i = int(bad[0])
            pytest.fail(f"{name} differs on {len(bad)} orders; first: row {orders.row[i]} received "
                        f"{orders.received[i]} {orders.kind[i]} limit {orders.limit[i]} completed "
                        f"{orders.completed[i]}: fast {a[i]!r} vs baseline {b[i]!r}")


def both(ledger, **params):
    p = ledger.params
    if params:
        p = Params(**{**p.__dict__, **params})
    args = (ledger.orders, ledger.rubric, ledger.calendar, p)
    return compute_timeliness(*args), baseline_timeliness(*args)


# ---- on generated ledgers ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ledger_2026():
    return load_ledger(synth.generate(4000, seed=7).grids, today=date(2026, 12, 31))


def test_generated_ledger_covers_what_the_equivalence_is_about(ledger_2026):
    orders = ledger_2026.orders
    received_days = {d.date() for d in orders.received}
    tiaoxiu = {d for d in chinese_calendar.workdays if d.year == 2026}
    holidays = {d for d in chinese_calendar.holidays if d.year == 2026 and d.weekday() < 5}
    assert tiaoxiu <= received_days                       # every 调休 working weekend
    assert len(holidays & received_days) >= len(holidays) // 2
    assert any(d.weekday() >= 5 and d not in tiaoxiu for d in received_days)
    kinds = {limit.kind for limit in orders.limit if limit is not None}
    assert kinds == {"workdays", "hours", "days", "moment"} and None in orders.limit
    assert {"咨询", "办理", "紧急"} <= set(orders.kind)
    fast, _ = both(ledger_2026)
    assert fast.late.sum() > 100 and fast.late_open.sum() > 10 and (fast.late & ~fast.late_open).sum() > 100
    assert (fast.due.astype("datetime64[Y]").astype(int) + 1970 == 2027).any()  # deadlines in 2027
    assert not fast.calendar_bad.any()                     # ... known from the 节假日 sheet
    assert len(np.unique(fast.late_days)) > 8


@pytest.mark.parametrize("late_mode", ["工作日", "自然日"])
@pytest.mark.parametrize("asof", [None, date(2026, 2, 20), date(2026, 10, 8), date(2026, 12, 30)])
def test_fast_path_equals_baseline_on_a_generated_year(ledger_2026, late_mode, asof):
    params = {"late_mode": late_mode}
    if asof:
        params["asof"] = asof
    fast, slow = both(ledger_2026, **params)
    assert_same(fast, slow, ledger_2026.orders)


@pytest.mark.parametrize("late_mode", ["工作日", "自然日"])
def test_another_year_and_mode_through_the_ledger_parameters(late_mode):
    # 2025: chinese-calendar knows 2026 too, so no 节假日 rows; 拖延天数计算 from 参数
    generated = synth.generate(3000, year=2025, seed=11, late_mode=late_mode)
    assert not generated.grids[S.HOLIDAYS][1:]
    ledger = load_ledger(generated.grids, today=date(2026, 3, 1))
    assert ledger.params.late_mode == late_mode
    fast, slow = both(ledger)
    assert_same(fast, slow, ledger.orders)
    assert fast.late.any()


def test_deadlines_in_an_unknown_year_are_flagged_the_same_way():
    # the 2026 ledger without its 2027 节假日 rows: late-December orders cannot be scored
    generated = synth.generate(3000, seed=5)
    generated.grids[S.HOLIDAYS] = generated.grids[S.HOLIDAYS][:1]
    ledger = load_ledger(generated.grids, today=date(2026, 12, 31))
    for mode in ("工作日", "自然日"):
        fast, slow = both(ledger, late_mode=mode)
        assert_same(fast, slow, ledger.orders)
        assert fast.calendar_bad.any() and not fast.calendar_bad.all()


# ---- on random orders, with local 节假日 overrides --------------------------------------------------

def random_orders(n: int, seed: int, first: date, last: date) -> Orders:
    rng = random.Random(seed)
    orders = Orders()
    span = (last - first).days
    for i in range(n):
        day = first + timedelta(days=rng.randrange(span + 1))
        received = datetime.combine(day, time(rng.randrange(24), rng.randrange(60), rng.randrange(60)))
        if rng.random() < 0.02:
            received = received.replace(microsecond=rng.randrange(1, 10**6))
        kind = rng.choice(["咨询", "办理", "紧急"])
        form = rng.randrange(6)
        limit = None
        if kind == "紧急" or form >= 3:
            limit = rng.choice([
                Limit("workdays", float(rng.randrange(1, 12))),
                Limit("hours", rng.choice([0.5, 1.5, 12.0, 24.0, 48.0, 72.0, 1000.0])),
                Limit("days", float(rng.randrange(1, 30))),
                Limit("moment", moment=received + timedelta(seconds=rng.randrange(60, 20 * 86400))),
                Limit("moment", moment=datetime.combine(day + timedelta(days=rng.randrange(0, 9)), time(23, 59, 59))),
            ])
        u = rng.random()
        if u < 0.15:
            completed = None
        elif u < 0.25:
            completed = received + timedelta(days=rng.randrange(0, 60), seconds=rng.randrange(86400))
        else:
            completed = received + timedelta(seconds=rng.randrange(60, 6 * 86400))
        orders.append(i + 2, f"R{i}", "甲校", kind, received, limit, completed, -1)
    return orders


OVERRIDES = {
    date(2026, 3, 16): False,   # a local day off on a Monday
    date(2026, 3, 21): True,    # a local working Saturday
    date(2026, 10, 10): False,  # a 调休 Saturday cancelled locally
    date(2027, 1, 1): False,    # 2027 known only from the sheet
    date(2027, 2, 6): True,
}


@pytest.mark.parametrize("late_mode", ["工作日", "自然日"])
@pytest.mark.parametrize("asof", [date(2026, 12, 31), date(2026, 6, 30), date(2027, 1, 20)])
def test_random_orders_with_local_overrides(late_mode, asof):
    seed = 10 * ("工作日", "自然日").index(late_mode) + asof.month
    orders = random_orders(2000, seed=seed, first=date(2025, 12, 1), last=date(2026, 12, 31))
    calendar = WorkCalendar(OVERRIDES)
    params = Params(year=2026, asof=asof, late_mode=late_mode)
    fast = compute_timeliness(orders, default_rubric(), calendar, params)
    slow = baseline_timeliness(orders, default_rubric(), calendar, params)
    assert_same(fast, slow, orders)
    assert fast.late.any() and fast.on_time.any()


def test_random_orders_across_the_edge_of_chinese_calendar():
    # 2026 is its last year; 2027 comes from the sheet; 2028 is unknown (deadlines there are bad)
    orders = random_orders(1500, seed=3, first=date(2027, 12, 1), last=date(2027, 12, 31))
    orders2 = random_orders(1000, seed=4, first=date(2026, 12, 15), last=date(2026, 12, 31))
    for column in ("row", "order_id", "unit", "kind", "received", "limit", "completed", "visit"):
        getattr(orders, column).extend(getattr(orders2, column))
    calendar = WorkCalendar(OVERRIDES)
    for mode in ("工作日", "自然日"):
        params = Params(year=2027, asof=date(2027, 12, 31), late_mode=mode)
        fast = compute_timeliness(orders, default_rubric(), calendar, params)
        slow = baseline_timeliness(orders, default_rubric(), calendar, params)
        assert_same(fast, slow, orders)
        assert fast.calendar_bad.any()


# ---- the reference itself, on the examples of SPEC §3 / §7 -----------------------------------------

def test_reference_on_spec_examples():
    book = DayBook({})
    assert workdays_after(book, date(2026, 1, 2), date(2026, 1, 6)) == 3   # the 4th is a 调休 Sunday
    assert nth_workday_after(book, date(2025, 12, 31), 3) == date(2026, 1, 6)
    assert nth_workday_after(book, date(2026, 2, 12), 3) == date(2026, 2, 24)
    assert nth_workday_after(book, date(2026, 5, 7), 2) == date(2026, 5, 9)   # a Saturday
    assert nth_workday_after(book, date(2026, 9, 18), 2) == date(2026, 9, 21)
    assert nth_workday_after(book, date(2026, 10, 9), 2) == date(2026, 10, 12)
    assert nth_workday_after(book, date(2026, 12, 30), 3) is None            # 2027 unknown
    assert nth_workday_after(DayBook({date(2027, 1, 1): False}), date(2026, 12, 30), 3) == date(2027, 1, 5)
