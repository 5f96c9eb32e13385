"""预警 (SPEC §9) with the arithmetic done by hand. Calendar facts used (chinese-calendar 2026):
2026-11 has no holidays (weekends 11-21/22, 11-28/29); 2026-02-14 (Sat) and 2026-02-28 (Sat) are
调休 working days, 02-15..02-23 the Spring Festival; 2026-10-01..10-07 National Day, 2026-10-10
(Sat) a 调休 working day, 09-25 (Fri) 中秋."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pytest

from ledgerkit import LedgerKit
from xl_kaohe.core.validate import load_ledger
from xl_kaohe.core.warnings import DUE_SOON, OVERDUE, compute_warnings, exempt_orders

TODAY = date(2026, 12, 31)  # never the machine's date


def warnings_at(kit: LedgerKit, moment, days=None, **kw):
    day = moment.date() if isinstance(moment, datetime) else moment
    ledger = load_ledger(kit.grids(), asof=day, today=TODAY)
    return compute_warnings(ledger, moment, days=days, **kw)


def by_id(w):
    return {o.order_id: o for o in w.orders}


def november() -> LedgerKit:
    kit = LedgerKit(asof=None).unit("甲校").unit("乙校")
    # 咨询 received Thu 11-26 15:00: working days 11-27 (1), 11-30 Mon (2) -> due 11-30 23:59:59
    kit.order("WEEKEND", "甲校", "咨询", "2026-11-26 15:00")
    # 办理 received Thu 11-26: 11-27, 11-30, 12-01 -> due 12-01; left at 11-27 = {11-30, 12-01} = 2
    kit.order("TWO", "甲校", "办理", "2026-11-26 11:00")
    # 24小时 from Thu 11-26 10:00 -> due Fri 11-27 10:00:00
    kit.order("HOURS", "乙校", "咨询", "2026-11-26 10:00", limit="24小时")
    # 咨询 received Tue 11-24: 11-25, 11-26 -> due 11-26 23:59:59; late at 11-27: 1
    kit.order("LATE1", "乙校", "咨询", "2026-11-24 09:00")
    # 办理 received Wed 11-18: 11-19, 11-20, 11-23 -> due 11-23; late at 11-27: 24,25,26,27 = 4
    kit.order("LATE4", "乙校", "办理", "2026-11-18 09:00")
    # 办理 received Tue 11-17: 11-18, 11-19, 11-20 -> due 11-20; late: 23,24,25,26,27 = 5
    kit.order("LATE5", "乙校", "办理", "2026-11-17 09:00")
    # 办理 received Fri 11-13: 16, 17, 18 -> due 11-18; late: 19,20,23,24,25,26,27 = 7
    kit.order("LATE7", "乙校", "办理", "2026-11-13 09:00")
    # due today 11-27 (咨询 received Wed 11-25: 11-26, 11-27), open: 0 working days left
    kit.order("TODAY", "甲校", "咨询", "2026-11-25 16:00")
    # completed (late and on time): never listed
    kit.order("DONE-LATE", "甲校", "咨询", "2026-11-16 09:00", "2026-11-27 08:00")
    kit.order("DONE", "甲校", "咨询", "2026-11-26 09:00", "2026-11-26 17:00")
    # 表扬 is 不考核; an order received after the moment (Fri 11:00) is not listed either
    kit.order("PRAISE", "乙校", "表扬", "2026-11-24 09:00")
    kit.order("LATER", "甲校", "咨询", "2026-11-27 11:00")
    # far from due: 办理 received Fri 11-27 08:00: 11-30, 12-01, 12-02 -> left 3
    kit.order("FAR", "甲校", "办理", "2026-11-27 08:00")
    return kit


def test_statuses_at_half_past_nine_with_n_1():
    w = warnings_at(november(), datetime(2026, 11, 27, 9, 30), days=1)
    got = by_id(w)
    # N=1: WEEKEND (1 left), TODAY (0), HOURS (0, due 10:00) soon; TWO (2 left) and FAR (3) not
    assert {k for k, o in got.items() if o.status == DUE_SOON} == {"WEEKEND", "TODAY", "HOURS"}
    assert {k for k, o in got.items() if o.status == OVERDUE} == {"LATE1", "LATE4", "LATE5", "LATE7"}
    assert got["WEEKEND"].workdays_left == 1 and got["TODAY"].workdays_left == 0
    assert got["HOURS"].workdays_left == 0 and got["HOURS"].due == datetime(2026, 11, 27, 10, 0)
    # never listed: completed, 表扬, received after the moment
    assert not {"DONE", "DONE-LATE", "PRAISE", "LATER", "TWO", "FAR"} & set(got)


def test_n_2_adds_the_order_two_working_days_out_and_not_the_one_received_later():
    w = warnings_at(november(), datetime(2026, 11, 27, 9, 30), days=2)
    got = by_id(w)
    assert got["TWO"].status == DUE_SOON and got["TWO"].workdays_left == 2
    # LATER (received 11:00, due 12-01: 2 left) would qualify, but it was not received yet
    assert "LATER" not in got and "FAR" not in got


def test_n_defaults_to_the_parameter():
    kit = november()
    kit.params["预警工作日数"] = 2
    assert "TWO" in by_id(warnings_at(kit, datetime(2026, 11, 27, 9, 30)))
    assert warnings_at(kit, datetime(2026, 11, 27, 9, 30)).days == 2


def test_points_now_next_day_and_escalation():
    got = by_id(warnings_at(november(), datetime(2026, 11, 27, 9, 30), days=1))
    # overdue: III-4.1 2 + III-8.x 2 per day late; next working day (Mon 11-30) adds one day
    assert (got["LATE1"].days_late, got["LATE1"].points_now, got["LATE1"].points_next_day) == (1, 4, 2)
    assert (got["LATE4"].days_late, got["LATE4"].points_now, got["LATE4"].escalate) == (4, 10, False)
    assert (got["LATE5"].days_late, got["LATE5"].points_now, got["LATE5"].escalate) == (5, 12, True)
    assert (got["LATE7"].days_late, got["LATE7"].points_now, got["LATE7"].escalate) == (7, 16, True)
    # not yet overdue: nothing lost; one working day late would cost 2 (III-4.1) + 2 (III-8)
    assert (got["WEEKEND"].points_now, got["WEEKEND"].points_next_day) == (0, 4)
    assert isinstance(got["LATE7"].points_now, Decimal)


def test_hour_limit_is_overdue_one_minute_after_it_falls_due():
    at_930 = by_id(warnings_at(november(), datetime(2026, 11, 27, 9, 30)))["HOURS"]
    at_1001 = by_id(warnings_at(november(), datetime(2026, 11, 27, 10, 1)))["HOURS"]
    assert at_930.status == DUE_SOON
    assert at_1001.status == OVERDUE
    # late: working days in (11-27, 11-27] = 0 -> at least 1 -> 2 + 2*1 = 4. Still open at the
    # end of Mon 11-30: days in (11-27, 11-30] = 1 -> still 1 day: one more day adds nothing
    assert (at_1001.days_late, at_1001.points_now, at_1001.points_next_day) == (1, 4, 0)


def test_a_date_means_its_end():
    w = warnings_at(november(), date(2026, 11, 27), days=2)
    assert w.asof == datetime(2026, 11, 27, 23, 59, 59)
    got = by_id(w)
    assert got["HOURS"].status == OVERDUE          # 10:00 has passed at 23:59:59
    assert got["TODAY"].status == DUE_SOON         # due at 23:59:59, not before it
    # LATER, received at 11:00, is counted at the end of the day: due 12-01, {11-30, 12-01} left
    assert (got["LATER"].status, got["LATER"].workdays_left) == (DUE_SOON, 2)


def test_order_sort_overdue_first_then_deadline_and_unit_summary():
    w = warnings_at(november(), datetime(2026, 11, 27, 9, 30), days=1)
    assert [o.order_id for o in w.orders] == ["LATE7", "LATE5", "LATE4", "LATE1", "HOURS", "TODAY", "WEEKEND"]
    units = {u.unit: u for u in w.units}
    assert [u.unit for u in w.units] == ["甲校", "乙校"]  # 单位 sheet order
    # 乙校: 4 overdue (4+10+12+16 = 42 points), 2 of them to escalate, HOURS due soon
    assert (units["乙校"].overdue, units["乙校"].due_soon, units["乙校"].escalate) == (4, 1, 2)
    assert units["乙校"].points_now == 42
    assert (units["甲校"].overdue, units["甲校"].due_soon, units["甲校"].points_now) == (0, 2, 0)


def test_json_shape():
    data = warnings_at(november(), datetime(2026, 11, 27, 9, 30), days=1).as_json()
    assert data["asof"] == "2026-11-27 09:30:00" and data["days"] == 1
    first = data["orders"][0]
    assert first == {"order": "LATE7", "unit": "乙校", "type": "办理", "received": "2026-11-13 09:00:00",
                     "due": "2026-11-18 23:59:59", "status": "已超期", "days_late": 7, "points_now": 16,
                     "points_next_day": 2, "escalate": True}
    soon = next(o for o in data["orders"] if o["order"] == "WEEKEND")
    assert soon["workdays_left"] == 1 and "days_late" not in soon
    assert data["units"][1] == {"unit": "乙校", "due_soon": 1, "overdue": 4, "escalate": 2, "points_now": 42}


@pytest.mark.parametrize("moment", [date(2026, 11, 27), datetime(2026, 11, 27, 9, 30)])
def test_points_now_equal_what_rank_charges_that_day(moment):
    kit = november()
    w = warnings_at(kit, moment)
    assessment = kit.assess(asof=date(2026, 11, 27), today=TODAY)
    charged: dict[int, Decimal] = {}
    for unit in assessment.result.units:
        for line in unit.lines:
            if line.source.startswith("工单!") and (line.code == "III-4.1" or line.code.startswith("III-8")):
                row = int(line.source.split("!")[1])
                charged[row] = charged.get(row, Decimal(0)) - line.points
    overdue = [o for o in w.orders if o.status == OVERDUE]
    assert overdue
    for o in overdue:
        assert o.points_now == charged[o.row], o.order_id
    # and the scoring charges nothing for the orders listed as not yet due
    for o in w.orders:
        if o.status == DUE_SOON and not isinstance(moment, datetime):
            assert o.row not in charged


def test_spring_festival_and_make_up_saturdays():
    kit = LedgerKit(asof=None).unit("甲校")
    # 咨询 received Thu 02-12: 02-13 (1), Sat 02-14 调休 (2) -> due 02-14; at Fri 02-13: 1 left
    kit.order("SAT", "甲校", "咨询", "2026-02-12 10:00")
    # 办理 received 02-12: 02-13, 02-14, then the holiday to 02-23, 02-24 (3) -> due 02-24;
    # at 02-13: {02-14, 02-24} = 2 left
    kit.order("FESTIVAL", "甲校", "办理", "2026-02-12 10:00")
    got = by_id(warnings_at(kit, datetime(2026, 2, 13, 9, 0), days=1))
    assert got["SAT"].due == datetime(2026, 2, 14, 23, 59, 59) and got["SAT"].workdays_left == 1
    assert "FESTIVAL" not in got
    got = by_id(warnings_at(kit, datetime(2026, 2, 13, 9, 0), days=2))
    assert got["FESTIVAL"].due == datetime(2026, 2, 24, 23, 59, 59) and got["FESTIVAL"].workdays_left == 2
    # on the holiday Mon 02-16: SAT is 1 working day late (02-14 < d <= 02-16 : none -> at least 1);
    # the next working day is 02-24: (02-14, 02-24] = {02-24} -> still 1, nothing more
    got = by_id(warnings_at(kit, datetime(2026, 2, 16, 10, 0), days=1))
    assert (got["SAT"].status, got["SAT"].days_late, got["SAT"].points_now, got["SAT"].points_next_day) \
        == (OVERDUE, 1, 4, 0)
    # FESTIVAL on a rest day before its next working day: (02-16, 02-24] = {02-24} -> 1 left
    assert got["FESTIVAL"].workdays_left == 1


def test_second_make_up_saturday_counts_as_a_working_day_late():
    kit = LedgerKit(asof=None).unit("甲校")
    # 咨询 received Wed 02-25: 02-26, 02-27 -> due Fri 02-27; at Mon 03-02: late {02-28 Sat, 03-02} = 2
    kit.order("X", "甲校", "咨询", "2026-02-25 10:00")
    got = by_id(warnings_at(kit, datetime(2026, 3, 2, 9, 0)))
    assert (got["X"].days_late, got["X"].points_now) == (2, 6)


def test_national_day_and_the_october_make_up_saturday():
    kit = LedgerKit(asof=None).unit("甲校")
    # 办理 received Tue 09-29: 09-30 (1), [10-01..10-07 holiday], 10-08 (2), 10-09 (3) -> due 10-09
    kit.order("NATIONAL", "甲校", "办理", "2026-09-29 10:00")
    # 咨询 received Thu 10-08: 10-09 (1), Sat 10-10 调休 (2) -> due 10-10
    kit.order("MAKEUP", "甲校", "咨询", "2026-10-08 14:00")
    got = by_id(warnings_at(kit, datetime(2026, 9, 30, 17, 0), days=1))
    # at 09-30: (09-30, 10-09] = {10-08, 10-09} = 2 left: not listed with N=1
    assert "NATIONAL" not in got
    got = by_id(warnings_at(kit, datetime(2026, 9, 30, 17, 0), days=2))
    assert got["NATIONAL"].workdays_left == 2 and got["NATIONAL"].due == datetime(2026, 10, 9, 23, 59, 59)
    got = by_id(warnings_at(kit, datetime(2026, 10, 9, 9, 30), days=1))
    assert got["NATIONAL"].workdays_left == 0 and got["MAKEUP"].workdays_left == 1
    # Mon 10-12: NATIONAL late {10-10, 10-12} = 2 -> 2 + 4 = 6; MAKEUP late {10-12} = 1 -> 4
    got = by_id(warnings_at(kit, datetime(2026, 10, 12, 9, 30)))
    assert (got["NATIONAL"].days_late, got["NATIONAL"].points_now) == (2, 6)
    assert (got["MAKEUP"].days_late, got["MAKEUP"].points_now) == (1, 4)


def test_exempt_orders_hook_removes_orders_from_the_list():
    kit = november()
    ledger = load_ledger(kit.grids(), asof=date(2026, 11, 27), today=TODAY)
    mask = exempt_orders(ledger)
    assert mask.dtype == bool and not mask.any()
    mask[ledger.orders.order_id.index("LATE7")] = True
    got = by_id(compute_warnings(ledger, datetime(2026, 11, 27, 9, 30), exempt=mask))
    assert "LATE7" not in got and "LATE5" in got


def test_urgent_with_a_moment_limit_and_calendar_days_mode():
    kit = LedgerKit(asof=None, 拖延天数计算="自然日").unit("甲校")
    # 紧急 with 办理时限 2026-11-20 12:00; at Fri 11-27: calendar days 11-20 < d <= 11-27 = 7
    kit.order("URGENT", "甲校", "紧急", "2026-11-19 09:00", limit="2026-11-20 12:00")
    got = by_id(warnings_at(kit, datetime(2026, 11, 27, 9, 30)))
    o = got["URGENT"]
    # III-8.3 2 per day: 2 + 14 = 16; next working day Mon 11-30: 10 days -> +6
    assert (o.days_late, o.points_now, o.points_next_day) == (7, 16, 6)
    # escalation counts working days: (11-20, 11-27] = 23..27 = 5 -> 建议通报
    assert o.escalate


def test_nothing_listed_without_orders():
    kit = LedgerKit(asof=None).unit("甲校")
    w = warnings_at(kit, datetime(2026, 11, 27, 9, 30))
    assert w.orders == [] and w.units == []
    assert np.asarray(exempt_orders(load_ledger(kit.grids(), asof=date(2026, 11, 27), today=TODAY))).size == 0


def test_an_order_revoked_on_appeal_is_never_listed():
    # LATE7 (due 11-18, 7 working days late at 11-27) revoked by 申诉复核: 不予考核, off the list;
    # LATE5 (待复核: nothing changes yet) stays
    kit = november()
    kit.appeal("乙校", "LATE7", "撤销", filed="2026-11-19").appeal("乙校", "LATE5", "待复核", filed="2026-11-23")
    got = by_id(warnings_at(kit, datetime(2026, 11, 27, 9, 30)))
    assert "LATE7" not in got and got["LATE5"].days_late == 5


def test_the_scorings_deadlines_give_the_same_list():
    """kaohe rank passes Result.deadlines (computed once for the scoring) instead of having
    them worked out again: the same statuses and points as in the tests above."""
    from xl_kaohe.core.scoring import score

    ledger = load_ledger(november().grids(), asof=date(2026, 11, 27), today=TODAY)
    result = score(ledger)
    got = by_id(compute_warnings(ledger, datetime(2026, 11, 27, 9, 30), days=1, deadlines=result.deadlines))
    assert {k for k, o in got.items() if o.status == DUE_SOON} == {"WEEKEND", "TODAY", "HOURS"}
    assert {k for k, o in got.items() if o.status == OVERDUE} == {"LATE1", "LATE4", "LATE5", "LATE7"}
    # LATE4: due 11-23, late 24..27 = 4 days: III-4.1 2 + 4 x 2 = 10; received after 09:30: not listed
    assert (got["LATE4"].days_late, got["LATE4"].points_now) == (4, 10) and "LATER" not in got
    assert got["HOURS"].due == datetime(2026, 11, 27, 10, 0)
