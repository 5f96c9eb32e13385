"""节假日 checks of SPEC §12 and issue 9 item 8: an uncovered year that looks incomplete, the
December warning while next year's 元旦 is unknown, dates far from the 考核年度, and the
calendar error naming the first year really missing."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from ledgerkit import LedgerKit
from xl_kaohe.core.holiday_sheet import festivals_by_year
from xl_kaohe.core.notice_text import parse_notice
from xl_kaohe.core.validate import Collector, load_ledger, read_holidays, read_params

NOTICE_2027 = (Path(__file__).parent / "notices" / "fictional-2027.txt").read_text(encoding="utf-8")


def holiday_problems(kit: LedgerKit, **kw):
    a = kit.assess(**kw)
    return [p for p in a.result.problems if p.sheet == "节假日"]


def with_notice(kit: LedgerKit, text: str, notes: bool = True) -> LedgerKit:
    for d in parse_notice(text).days:
        kit.holiday(d.day, d.kind, d.note() if notes else "")
    return kit


def test_only_new_year_of_an_uncovered_year_warns_naming_the_six_missing():
    kit = LedgerKit(year=2027, asof="2027-03-31").unit("甲校")
    for day in (1, 2, 3):
        kit.holiday(date(2027, 1, day), "放假", "元旦")
    [p] = holiday_problems(kit, today=date(2027, 4, 1))
    assert p.level == "警告" and p.value == "2027"
    assert "未见春节、清明、劳动节、端午、中秋、国庆的放假日期" in p.message


def test_the_whole_notice_imported_gives_no_warning():
    kit = with_notice(LedgerKit(year=2027, asof="2027-03-31").unit("甲校"), NOTICE_2027)
    assert holiday_problems(kit, today=date(2027, 4, 1)) == []


def test_festivals_found_from_where_the_dates_fall_when_notes_are_empty():
    kit = with_notice(LedgerKit(year=2027, asof="2027-03-31").unit("甲校"), NOTICE_2027, notes=False)
    assert holiday_problems(kit, today=date(2027, 4, 1)) == []
    # 国庆 with 中秋 inside (as in 2020, 2025): 10-01..10-08 off, 8 days, names only 国庆 by place
    rows = [(date(2028, 10, 1) + timedelta(n), False, "") for n in range(8)]
    assert festivals_by_year(rows) == {2028: {"国庆", "中秋"}}
    assert festivals_by_year(rows[:7]) == {2028: {"国庆"}}  # a 7-day 国庆 does not hide 中秋
    # 元旦 that starts on 31 December belongs to the next year
    assert festivals_by_year([(date(2026, 12, 31), False, "元旦")]) == {2027: {"元旦"}}


def test_next_year_needs_only_its_new_year():
    # scoring 2026: 2027 rows matter only for deadlines in early January
    kit = LedgerKit(asof="2026-06-30").unit("甲校").holiday("2027-02-08", "放假", "春节")
    [p] = holiday_problems(kit, today=date(2026, 7, 1))
    assert p.value == "2027" and "未见元旦" in p.message
    kit = LedgerKit(asof="2026-06-30").unit("甲校").holiday("2027-01-01", "放假", "元旦")
    assert holiday_problems(kit, today=date(2026, 7, 1)) == []


def test_dates_outside_the_year_plus_minus_one_are_warned_and_not_used():
    kit = LedgerKit(asof="2026-06-30").unit("甲校")
    kit.holiday("2062-01-01", "放假", "元旦（年份打错）")   # row 2
    kit.holiday("2024-05-06", "放假")                      # row 3: 2026 ± 1 is 2025-2027
    kit.holiday("2027-01-01", "放假", "元旦")               # row 4: kept
    a = kit.assess(today=date(2026, 7, 1))
    far = [(p.row, p.level, p.value) for p in a.result.problems if p.sheet == "节假日"]
    assert far == [(2, "警告", "2062-01-01"), (3, "警告", "2024-05-06")]
    cal = a.result.ledger.calendar
    assert cal.last_year == 2027 and 2062 not in cal.known_years   # the calendar did not grow
    assert cal.is_workday(date(2024, 5, 6))                            # chinese-calendar's Monday stands
    assert not cal.is_workday(date(2027, 1, 1))


def _december_kit(asof: str, **orders) -> LedgerKit:
    kit = LedgerKit(asof=asof).unit("甲校", compliant=False)
    kit.order("GD-1", "甲校", "办理", orders.get("received", "2026-12-01 09:00"), orders.get("completed"))
    return kit


def test_december_asof_warns_while_next_years_new_year_is_unknown():
    # an order open through 31 December: its days late count 29-31 December, which the 2027
    # notice may still turn into 上班 days (as the 2019 notice did with 2018-12-29)
    [p] = holiday_problems(_december_kit("2026-12-31"), today=date(2027, 1, 5))
    assert p.level == "警告" and p.value == "2026-12-31" and "2027年" in p.message and "12月下旬" in p.message
    # 2027's 元旦 declared: known enough
    assert holiday_problems(_december_kit("2026-12-31").holiday("2027-01-01", "放假", "元旦"),
                            today=date(2027, 1, 5)) == []
    # an as-of date in November, or no order touching late December: nothing can change
    assert holiday_problems(_december_kit("2026-11-30"), today=date(2027, 1, 5)) == []
    done_in_march = _december_kit("2026-12-31", received="2026-03-02 09:00", completed="2026-03-03 09:00")
    assert holiday_problems(done_in_march, today=date(2027, 1, 5)) == []


def test_december_asof_in_a_covered_following_year_is_quiet():
    # 2025's December: chinese-calendar knows 2026, nothing to warn
    kit = LedgerKit(year=2025, asof="2025-12-31").unit("甲校", compliant=False)
    kit.order("GD-1", "甲校", "办理", "2025-12-01 09:00")
    assert holiday_problems(kit, today=date(2026, 1, 5)) == []


def test_calendar_error_names_the_first_year_really_missing():
    # 2027 and 2028 declared, 2029 not. An order received Thu 2027-12-30 with 260 working days:
    # 2027-12-31 is the 1st; 2028 has 260 weekdays (52 weeks + Sat 1 Jan + Sun 31 Dec) less
    # the 3 weekdays declared off (27-29 December) = 257, so 1 + 257 = 258 < 260: the deadline
    # lies in 2029. The message must say 2029, not 2028 (the year after receipt, which is known).
    kit = LedgerKit(year=2027, asof="2027-12-31").unit("甲校", compliant=False)
    kit.holiday("2027-01-01", "放假", "元旦")
    for day in ("2028-01-01", "2028-12-27", "2028-12-28", "2028-12-29"):
        kit.holiday(day, "放假", "测试")
    kit.order("GD-1", "甲校", "办理", "2027-12-30 09:00", limit="260个工作日")
    a = kit.assess(today=date(2028, 1, 2))
    [p] = [p for p in a.result.problems if p.sheet == "工单"]
    assert p.level == "错误" and "涉及2029年" in p.message and "2029年没有节假日数据" in p.message


def test_read_holidays_without_params_keeps_every_date():
    # the date functions' context passes params; a bare call (no 考核年度) filters nothing
    grid = [["日期", "类型", "说明"], [date(2030, 1, 1), "放假", ""]]
    cal = read_holidays(grid, Collector())
    assert 2030 in cal.known_years
    params = read_params([["考核年度", 2026]], Collector(), asof=None, today=date(2026, 5, 1))
    out = Collector()
    assert 2030 not in read_holidays(grid, out, params).known_years and len(out.problems) == 1


def test_load_ledger_passes_the_year(tmp_path):
    kit = LedgerKit(asof="2026-06-30").unit("甲校").holiday("2030-01-01", "放假")
    ledger = load_ledger(kit.grids(), today=date(2026, 7, 1))
    assert 2030 not in ledger.calendar.known_years


def test_first_missing_year_skips_every_known_year():
    from xl_kaohe.core.calendar import WorkCalendar
    cal = WorkCalendar({date(2027, 1, 1): False, date(2028, 1, 3): False})
    # chinese-calendar covers ..2026, the sheet 2027 and 2028: from 2025 on, 2029 is the first gap
    assert cal.first_missing_year(2025) == 2029 and cal.first_missing_year(2030) == 2030
