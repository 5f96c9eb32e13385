"""Every clause of SPEC §2 and the automatic rules of §5, with caps and the bonus cap."""
from decimal import Decimal

import pytest

from ledgerkit import LedgerKit, lines_of, unit_of
from xl_kaohe.core.rules import default_rubric

D = Decimal
MANUAL_DEDUCTIONS = [c for c in default_rubric().clauses.values() if c.manual and not c.is_bonus]


def test_clean_unit_scores_95():
    a = LedgerKit().unit("甲校").assess()
    u = unit_of(a, "甲校")
    assert u.total == 95 and u.bonus == 0 and u.lines == []


@pytest.mark.parametrize("clause", MANUAL_DEDUCTIONS, ids=lambda c: c.code)
def test_every_manual_deduction_clause(clause):
    # one event of 次数 2: points = per-occurrence x 2, e.g. III-5.2: -3 x 2 = -6
    a = LedgerKit().unit("甲校").deduction("2026-05-06", "甲校", clause.code, 2).assess()
    (line,) = lines_of(a, "甲校")
    assert line.code == clause.code and line.points == clause.points * 2
    assert line.source == "扣分事件!2"
    item = unit_of(a, "甲校").items[clause.item]
    assert item.raw == -clause.points * 2
    assert unit_of(a, "甲校").total == 95 - min(item.raw, item.points)


def test_seed_values_for_some_clauses():
    kit = LedgerKit().unit("甲校")
    kit.deduction("2026-05-06", "甲校", "III-5.2 督查督办件")     # -3
    kit.deduction("2026-05-06", "甲校", "Ⅲ—5（3）")              # -3
    kit.deduction("2026-05-06", "甲校", "Ⅲ-13(2)")               # -2
    kit.deduction("2026-05-06", "甲校", "III-1(1)")              # -1
    a = kit.assess()
    # 95 - 3 - 3 - 2 - 1 = 86
    assert unit_of(a, "甲校").total == 86
    assert unit_of(a, "甲校").category_scores()["社会形象"] == 3


def test_item_cap_deduct_until_zero():
    # III-13 批评曝光 (5 points): 4 events of -2 = -8 raw, capped at 5 -> item 0, total 90
    kit = LedgerKit().unit("甲校")
    kit.deduction("2026-05-06", "甲校", "III-13.1", 4)
    u = unit_of(kit.assess(), "甲校")
    assert u.items["III-13"].raw == 8 and u.items["III-13"].deducted == 5 and u.items["III-13"].score == 0
    assert u.total == 90


def test_quarterly_study_missing_for_ended_quarters_only():
    # as-of 2026-08-15: Q1 and Q2 have ended; a study on 2026-02-10 covers Q1 -> only Q2 deducts -1
    kit = LedgerKit(asof="2026-08-15").unit("甲校", compliant=False)
    kit.study("甲校", "2026-02-10")
    for m in range(1, 8):  # knowledge reports on time, so only the study rule shows
        kit.knowledge(f"2026-{m:02d}", "甲校", f"2026-{m:02d}-20", 0, 0)
    a = kit.assess()
    (line,) = lines_of(a, "甲校")
    assert line.code == "III-3.2" and line.points == -1 and "第2季度" in line.note
    assert unit_of(a, "甲校").total == 94


def test_meetings():
    kit = LedgerKit().unit("甲校")
    kit.meeting("2026-03-10", "甲校", "缺席")                # III-11.1 -1
    kit.meeting("2026-04-10", "甲校", "迟到")                # III-11.2 -1
    kit.meeting("2026-05-10", "甲校", "代会")                # III-11.3 -1
    kit.meeting("2026-06-10", "甲校", "请假", "是")          # approved: 0
    kit.meeting("2026-07-10", "甲校", "请假", "否")          # not approved: counted as 缺席 -1
    kit.meeting("2026-08-10", "甲校", "出席")                # 0
    a = kit.assess()
    codes = sorted(l.code for l in lines_of(a, "甲校"))
    assert codes == ["III-11.1", "III-11.1", "III-11.2", "III-11.3"]
    assert any("请假未经批准" in l.note for l in lines_of(a, "甲校"))
    assert unit_of(a, "甲校").total == 91  # 95 - 4


def test_knowledge_base_missing_and_late_reports():
    # as-of 2026-04-10: deadlines passed for Jan (02-05), Feb (03-05), Mar (04-05); Apr's is 05-05.
    kit = LedgerKit(asof="2026-04-10").unit("甲校", compliant=False)
    kit.study("甲校", "2026-03-01")
    kit.knowledge("2026-01", "甲校", "2026-02-03", 10, 0)   # on time
    kit.knowledge("2026-02", "甲校", "2026-03-06", 10, 0)   # 迟报 -1 (deadline 03-05)
    #               March: no row                          -> 未报 -1
    a = kit.assess()
    notes = sorted(l.note for l in lines_of(a, "甲校", "III-12"))
    assert len(notes) == 2
    assert "2026-02 知识库迟报" in notes[0] and "2026-03 知识库未报" in notes[1]
    assert unit_of(a, "甲校").total == 93


def test_knowledge_deadline_day_parameter():
    # 知识库报送截止日 = 10: Feb report on 03-06 is on time now
    kit = LedgerKit(asof="2026-03-31", **{"知识库报送截止日": 10}).unit("甲校", compliant=False)
    kit.knowledge("2026-01", "甲校", "2026-02-03").knowledge("2026-02", "甲校", "2026-03-06")
    assert lines_of(kit.assess(), "甲校", "III-12") == []


def test_knowledge_error_rate_above_ten_percent():
    # 25 errors / 200 uses = 12.5% -> 2.5 points above 10% -> -1 x 2.5 = -2.50 (按比例)
    kit = LedgerKit().unit("甲校")
    kit.knowledge("2026-05", "甲校", "2026-06-01", 200, 25)
    (line,) = lines_of(kit.assess(), "甲校", "III-12.2")
    assert line.points == D("-2.50")


def test_bonus_items_and_cap():
    kit = LedgerKit().unit("甲校").unit("乙校")
    kit.bonus("2026-06-01", "甲校", "III-14.1")                     # +1
    kit.bonus("2026-06-01", "甲校", "III-15.1", 2)                  # +2
    kit.bonus("2026-06-01", "甲校", "III-16.2", points=1.5)         # 酌情 +1.5
    kit.bonus("2026-06-01", "甲校", "III-16.3")                     # +1
    kit.bonus("2026-06-01", "甲校", "III-17.1", points=2)           # 酌情 +2
    kit.bonus("2026-06-01", "乙校", "III-15.2")                     # +1
    a = kit.assess()
    jia, yi = unit_of(a, "甲校"), unit_of(a, "乙校")
    # 甲校: 1 + 2 + 1.5 + 1 + 2 = 7.5 raw, capped at 5 -> 95 + 5 = 100 (the maximum)
    assert jia.bonus_raw == D("7.5") and jia.bonus == 5 and jia.total == 100
    assert yi.bonus == 1 and yi.total == 96


def test_discretionary_bonus_needs_points_and_unrecognised_bonus_is_ignored():
    kit = LedgerKit().unit("甲校")
    kit.bonus("2026-06-01", "甲校", "III-16.1")                          # 酌情 without 分值: error
    kit.bonus("2026-06-01", "甲校", "III-15.1", status="未认定")         # not recognised: warning, 0
    a = kit.assess()
    assert [p.level for p in a.result.problems] == ["错误", "警告"]
    assert a.result.problems[0].column == "分值" and a.result.problems[1].column == "认定情况"
    assert unit_of(a, "甲校").bonus == 0


def test_automatic_timely_bonus_and_switch():
    def build(**params):
        kit = LedgerKit(**params).unit("甲校")
        kit.order("GD-1", "甲校", "咨询", "2026-03-02 09:00", "2026-03-03 09:00")  # on time: 1/1 = 100%
        return kit.assess()
    (line,) = lines_of(build(), "甲校", "III-14.2")
    assert line.points == 1 and unit_of(build(), "甲校").total == 96
    assert lines_of(build(**{"自动加分_及时办理率100%": "否"}), "甲校", "III-14") == []


def test_automatic_clauses_cannot_be_typed_by_hand():
    a = LedgerKit().unit("甲校").deduction("2026-05-06", "甲校", "III-4.1").assess()
    (p,) = a.result.problems
    assert p.level == "错误" and p.column == "扣分项" and "自动" in p.message
    assert unit_of(a, "甲校").total == 95


def test_events_outside_the_period_are_warnings_and_not_scored():
    kit = LedgerKit(asof="2026-06-30").unit("甲校")
    kit.deduction("2025-12-31", "甲校", "III-4.2")   # last year
    kit.deduction("2026-07-01", "甲校", "III-4.2")   # after the as-of date
    kit.order("GD-1", "甲校", "办理", "2026-07-02 09:00")
    a = kit.assess()
    assert [p.level for p in a.result.problems] == ["警告"] * 3
    assert all("考核期" in p.message for p in a.result.problems)
    assert unit_of(a, "甲校").total == 95 and not a.has_errors
