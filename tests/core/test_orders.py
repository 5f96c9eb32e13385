"""Work orders: deadlines, days late, open overdue orders, III-4.1 and III-8 (SPEC §3, §5)."""
from decimal import Decimal

import pytest

from ledgerkit import LedgerKit, lines_of, unit_of


def one_order(kind, received, completed=None, *, limit=None, asof="2026-12-31", **params):
    kit = LedgerKit(asof=asof, **params).unit("甲校")
    kit.order("GD-1", "甲校", kind, received, completed, limit=limit)
    return kit.assess()


def late_line(assessment, prefix="III-8"):
    lines = lines_of(assessment, "甲校", prefix)
    assert len(lines) <= 1
    return lines[0] if lines else None


def test_consult_order_on_time_on_the_second_working_day():
    # received Mon 03-02; 咨询 = 2 working days -> due Wed 03-04 23:59:59; done 03-04 18:00
    a = one_order("咨询", "2026-03-02 09:00", "2026-03-04 18:00")
    assert late_line(a) is None and late_line(a, "III-4") is None
    assert unit_of(a, "甲校").rates.timely == 1


def test_handle_order_late_by_two_working_days():
    # received Mon 03-02; 办理 = 3 working days -> due Thu 03-05; done Mon 03-09:
    # working days in (03-05, 03-09] = Fri 06, Mon 09 = 2 -> III-8.2: 2 x -2 = -4; III-4.1: -2
    a = one_order("办理", "2026-03-02 09:00", "2026-03-09 10:00")
    assert late_line(a).code == "III-8.2" and late_line(a).points == Decimal(-4)
    assert late_line(a, "III-4").points == Decimal(-2)
    assert "拖延2个工作日" in late_line(a).note and late_line(a).source == "工单!2"
    # III-4: 15 - 2 = 13; III-8: 10 - 4 = 6; total 95 - 2 - 4 = 89
    assert unit_of(a, "甲校").total == Decimal(89)


def test_tiaoxiu_sunday_counts_as_a_day_late():
    # received Wed 2025-12-31 is outside 2026; use 2026-01-02 (Fri, holiday):
    # 咨询 after 01-02: 01-03 Sat off, 01-04 Sun 调休 work (1), 01-05 Mon (2) -> due 01-05;
    # done Tue 01-06 -> 1 working day late
    a = one_order("咨询", "2026-01-02 10:00", "2026-01-06 09:00")
    assert late_line(a).points == Decimal(-2)
    assert "应办结 2026-01-05 23:59" in late_line(a).note


def test_receipt_on_a_holiday_and_deadline_after_national_day():
    # received Sat 10-03 (国庆): after it 10-04..07 off, Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 调休 (3)
    # -> 办理 due 10-10; done Mon 10-12 -> (10-10, 10-12]: Sun 11 off, Mon 12 work = 1 day late
    a = one_order("办理", "2026-10-03 11:00", "2026-10-12 09:00")
    assert "应办结 2026-10-10 23:59" in late_line(a).note
    assert late_line(a).points == Decimal(-2)


def test_deadline_across_spring_festival():
    # received Fri 02-13; 咨询: Sat 02-14 调休 (1), 02-15..23 off, Tue 02-24 (2) -> due 02-24: on time on 02-24
    a = one_order("咨询", "2026-02-13 16:00", "2026-02-24 17:00")
    assert late_line(a) is None


@pytest.mark.parametrize("limit, completed, due_text, days", [
    # 24小时 from Mon 03-02 09:00 -> due Tue 03-03 09:00; done 03-03 15:00: same day, at least 1 day late
    ("24小时", "2026-03-03 15:00", "2026-03-03 09:00", 1),
    # 5个工作日 after Mon 03-02 -> Mon 03-09; done Wed 03-11 -> Tue 10, Wed 11 = 2 days
    ("5个工作日", "2026-03-11 10:00", "2026-03-09 23:59", 2),
    # 7天 (calendar) -> end of Mon 03-09; done Fri 03-13 -> Tue..Fri = 4 working days
    ("7天", "2026-03-13 10:00", "2026-03-09 23:59", 4),
    # an explicit moment 2026-03-03 12:00; done Thu 03-05 -> Wed 04, Thu 05 = 2 days
    ("2026-03-03 12:00", "2026-03-05 08:00", "2026-03-03 12:00", 2),
    # a bare date means its end of day: due 03-03 23:59:59; done 03-04 -> 1 day
    ("2026-03-03", "2026-03-04 08:00", "2026-03-03 23:59", 1),
])
def test_limit_forms_for_urgent_orders(limit, completed, due_text, days):
    a = one_order("紧急", "2026-03-02 09:00", completed, limit=limit)
    line = late_line(a)
    assert line.code == "III-8.3"
    assert f"应办结 {due_text}" in line.note
    assert line.points == Decimal(-2 * days)


def test_limit_overrides_the_type_default_for_any_type():
    # 咨询 with 办理时限 5个工作日: due Mon 03-09 instead of Wed 03-04; done Fri 03-06 -> on time
    a = one_order("咨询", "2026-03-02 09:00", "2026-03-06 09:00", limit="5个工作日")
    assert late_line(a) is None


def test_open_order_past_due_is_overdue_until_the_asof_date():
    # 办理 received Mon 03-02 -> due Thu 03-05; still open at as-of Fri 03-13:
    # working days in (03-05, 03-13] = 6,9,10,11,12,13 = 6 -> III-8.2: -12 (cap 10), III-4.1: -2
    a = one_order("办理", "2026-03-02 09:00", None, asof="2026-03-13")
    line = late_line(a)
    assert "未办结超期" in line.note and line.points == Decimal(-12)
    u = unit_of(a, "甲校")
    assert u.items["III-8"].raw == Decimal(12) and u.items["III-8"].score == 0  # 扣完为止
    # completion: 0 done of 1 due = 0% -> 98 points short x 2 = 196 -> III-10 capped at 5
    assert u.items["III-10"].score == 0


def test_open_order_not_yet_due_is_not_counted():
    # due Thu 03-05, as-of Wed 03-04: not late, not in 应办结 -> no completion rate at all
    a = one_order("办理", "2026-03-02 09:00", None, asof="2026-03-04")
    assert late_line(a) is None
    assert unit_of(a, "甲校").rates.completion is None and unit_of(a, "甲校").total == 95


def test_completion_after_asof_counts_as_open():
    # done 03-20 but as-of 03-13: open at as-of, 6 working days late as above
    a = one_order("办理", "2026-03-02 09:00", "2026-03-20 09:00", asof="2026-03-13")
    assert late_line(a).points == Decimal(-12)


def test_calendar_day_mode():
    # 拖延天数计算 = 自然日: due Thu 03-05, done Mon 03-09 -> 4 calendar days -> -8
    a = one_order("办理", "2026-03-02 09:00", "2026-03-09 10:00", **{"拖延天数计算": "自然日"})
    assert late_line(a).points == Decimal(-8) and "拖延4天" in late_line(a).note


def test_order_with_deadline_in_uncovered_year_is_a_clear_error():
    # received Wed 2026-12-30, 办理: 12-31 is the 1st working day, the rest are in 2027
    a = one_order("办理", "2026-12-30 10:00", None)
    errors = [p for p in a.result.problems if p.level == "错误"]
    assert len(errors) == 1
    assert errors[0].sheet == "工单" and errors[0].row == 2
    assert "2027" in errors[0].message and "节假日" in errors[0].message
    assert a.has_errors and unit_of(a, "甲校").total == 95  # not scored


def test_declaring_2027_in_the_holiday_sheet_fixes_it():
    kit = LedgerKit(asof="2026-12-31").unit("甲校").holiday("2027-01-01", "放假")
    kit.order("GD-1", "甲校", "办理", "2026-12-30 10:00", "2027-01-04 10:00")
    a = kit.assess()
    assert not a.has_errors
    assert unit_of(a, "甲校").total == 95  # due 2027-01-05, not due by the as-of date


def test_praise_orders_are_not_assessed():
    kit = LedgerKit().unit("甲校")
    kit.order("GD-1", "甲校", "表扬", "2026-03-02 09:00", None, visit="不满意")
    a = kit.assess()
    assert unit_of(a, "甲校").rates.visited == 0 and unit_of(a, "甲校").total == 95
