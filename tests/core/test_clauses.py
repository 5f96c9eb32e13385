"""One hand-worked test per automatic clause of core/clauses.py (test_clause_III_4_1 is III-4.1),
and the registry checked against the rubric, the 规则 sheet and scoring.

The last test fails when a clause is added to the registry without its own test here.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from ledgerkit import LedgerKit, lines_of
from xl_kaohe.core import schema as S
from xl_kaohe.core import scoring
from xl_kaohe.core.clauses import AUTOMATIC, IMPLEMENTATIONS
from xl_kaohe.core.ledger import ERROR, WARNING
from xl_kaohe.core.rules import default_rubric


def points(a, unit, code) -> list[Decimal]:
    return [l.points for l in lines_of(a, unit, code) if l.code == code]


def one_unit(**kw) -> LedgerKit:
    return LedgerKit(**kw).unit("甲校")


# ---- III-3 落实 ----------------------------------------------------------------------------------

def test_clause_III_3_2():
    # studies in Q1, Q2 and Q4 but none in Q3: one −1 for the third quarter
    kit = LedgerKit().unit("甲校", compliant=False)
    for day in (date(2026, 2, 1), date(2026, 5, 1), date(2026, 11, 1)):
        kit.study("甲校", day)
    a = kit.assess()
    assert points(a, "甲校", "III-3.2") == [-1]
    assert lines_of(a, "甲校", "III-3.2")[0].note.startswith("第3季度（2026-07-01至2026-09-30）")


# ---- III-4.1 and III-8 timeliness ------------------------------------------------------------------

def test_clause_III_4_1():
    # 办理 Mon 03-02 09:00, due Thu 03-05 23:59:59, done Fri 03-06: late -> −2 once (and III-8.2)
    a = one_unit().order("GD-1", "甲校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 6, 10)).assess()
    assert points(a, "甲校", "III-4.1") == [-2]


def test_clause_III_8_1():
    # 咨询 Mon 03-02, 2 working days -> due Wed 03-04 23:59:59; done Fri 03-06: 03-05, 03-06 = 2 days × −2
    a = one_unit().order("GD-1", "甲校", "咨询", datetime(2026, 3, 2, 9), datetime(2026, 3, 6, 10)).assess()
    assert points(a, "甲校", "III-8.1") == [-4]


def test_clause_III_8_2():
    # 办理 Mon 03-02, 3 working days -> due Thu 03-05; done Mon 03-09: 03-06, 03-09 = 2 days × −2
    a = one_unit().order("GD-1", "甲校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 9, 10)).assess()
    assert points(a, "甲校", "III-8.2") == [-4]


def test_clause_III_8_3():
    # 办理时限 2026-03-04 17:00 (另有时限) done Fri 03-06: 03-05, 03-06 = 2 days × −2 = −4;
    # 紧急 24小时 from Mon 03-02 09:00 -> due Tue 03-03 09:00, done Wed 03-04: 1 day × −2
    kit = one_unit()
    kit.order("GD-1", "甲校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 6, 10), limit=datetime(2026, 3, 4, 17))
    kit.order("GD-2", "甲校", "紧急", datetime(2026, 3, 2, 9), datetime(2026, 3, 4, 10), limit="24小时")
    a = kit.assess()
    assert points(a, "甲校", "III-8.3") == [-4, -2]
    assert points(a, "甲校", "III-8.2") == []


# ---- rates -------------------------------------------------------------------------------------------

def test_clause_III_9_1():
    # 满意率 8/9 = 88.888…%: (90% − 88.888…%) × 100 = 1.111… × 2 = 2.222… -> −2.22
    kit = one_unit()
    for i in range(9):
        kit.order(f"GD-{i}", "甲校", "咨询", datetime(2026, 3, 2 + i, 9), datetime(2026, 3, 2 + i, 15),
                  visit="不满意" if i == 0 else "满意")
    assert points(kit.assess(), "甲校", "III-9.1") == [Decimal("-2.22")]


def test_clause_III_10_1():
    # 10 orders due, 9 completed: 90% < 98%: (98 − 90) = 8 × 2 = −16 (the item caps it at 5)
    kit = one_unit()
    for i in range(10):
        kit.order(f"GD-{i}", "甲校", "咨询", datetime(2026, 3, 2 + i, 9), None if i == 0 else datetime(2026, 3, 2 + i, 15))
    a = kit.assess()
    assert points(a, "甲校", "III-10.1") == [-16]
    assert a.unit("甲校").items["III-10"].score == 0


def test_clause_III_12_2():
    # 知识库 used 100 times, 12 errors: 12% > 10%: (12 − 10) = 2 points × −1 = −2
    kit = LedgerKit(asof="2026-03-31").unit("甲校", compliant=False)
    kit.study("甲校", date(2026, 2, 1))
    kit.knowledge("2026-01", "甲校", date(2026, 1, 28), 60, 7).knowledge("2026-02", "甲校", date(2026, 2, 27), 40, 5)
    assert points(kit.assess(today=date(2026, 4, 30)), "甲校", "III-12.2") == [-2]


def test_clause_III_14_2():
    # every due order on time: 及时办理率 100% -> +1; the other unit has one late order -> nothing
    kit = LedgerKit().unit("甲校").unit("乙校")
    kit.order("GD-1", "甲校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 4, 10))
    kit.order("GD-2", "乙校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 6, 10))
    a = kit.assess()
    assert points(a, "甲校", "III-14.2") == [1] and points(a, "乙校", "III-14.2") == []


# ---- meetings and knowledge-base months --------------------------------------------------------------

def test_clause_III_11_1():
    # 缺席 −1; 请假 not approved counts as 缺席 −1; 请假 approved: nothing
    kit = one_unit().meeting(date(2026, 4, 1), "甲校", "缺席").meeting(date(2026, 5, 1), "甲校", "请假", "否")
    kit.meeting(date(2026, 6, 1), "甲校", "请假", "是")
    assert points(kit.assess(), "甲校", "III-11.1") == [-1, -1]


def test_clause_III_11_2():
    assert points(one_unit().meeting(date(2026, 4, 1), "甲校", "迟到").assess(), "甲校", "III-11.2") == [-1]


def test_clause_III_11_3():
    assert points(one_unit().meeting(date(2026, 4, 1), "甲校", "代会").assess(), "甲校", "III-11.3") == [-1]


def test_clause_III_12_1():
    # as of 2026-03-31 January (due 02-05) and February (due 03-05) are due: January reported late
    # (02-10), February missing -> −1 each; March is due 04-05, not yet
    kit = LedgerKit(asof="2026-03-31").unit("甲校", compliant=False)
    kit.study("甲校", date(2026, 2, 1))
    kit.knowledge("2026-01", "甲校", date(2026, 2, 10), 0, 0)
    assert points(kit.assess(today=date(2026, 4, 30)), "甲校", "III-12.1") == [-1, -1]


# ---- the registry ---------------------------------------------------------------------------------------

def test_every_automatic_clause_has_a_hand_worked_test():
    tested = {name[len("test_clause_"):].replace("_", "-", 1).replace("_", ".")
              for name in globals() if name.startswith("test_clause_")}
    assert tested == set(AUTOMATIC)


def test_every_automatic_clause_is_implemented_where_the_registry_says():
    assert set(IMPLEMENTATIONS) == set(AUTOMATIC)
    for code, clause in AUTOMATIC.items():
        assert IMPLEMENTATIONS[code] is getattr(scoring, clause.rule), code


def test_the_built_in_rubric_agrees_with_the_registry():
    rubric = default_rubric()
    for code, clause in rubric.clauses.items():
        if code in AUTOMATIC:
            assert clause.source == AUTOMATIC[code].source, code
            assert clause.manual == AUTOMATIC[code].typeable, code
        else:
            assert clause.source == (S.BONUSES if clause.is_bonus else S.DEDUCTIONS), code


RULE_HEADER = list(S.RULE_COLUMNS)


def rule_row(code, text, per, source):
    return [code, "", "", "", "", text, per, source]


@pytest.mark.parametrize("code, per, source, level, used", [
    ("III-4.1", -2, "扣分事件", ERROR, "工单（自动）"),            # would count late orders twice
    ("III-13.1", -2, "工单（自动）", ERROR, "扣分事件"),           # nothing computes it: never counted
    ("III-12.1", -1, "知识库（自动）", WARNING, "知识库（自动）、扣分事件"),  # still computed, also typeable
    ("III-16.1", None, "加分事件（自动）", ERROR, "加分事件"),
])
def test_rules_source_is_checked_against_the_registry(code, per, source, level, used):
    kit = one_unit()
    kit.rule_rows = [RULE_HEADER, rule_row(code, "细则", per, source)]
    a = kit.assess()
    (p,) = [p for p in a.result.problems if p.sheet == S.RULES]
    assert (p.level, p.row, p.column) == (level, 2, "来源") and code in p.message
    assert a.result.ledger.rubric.clauses[code].source == used


def test_rules_source_that_agrees_is_silent():
    kit = one_unit()
    kit.rule_rows = [RULE_HEADER, rule_row("III-4.1", "超时办结", -2, "工单（自动）"),
                     rule_row("III-13.1", "通报", -2, "扣分事件")]
    assert [p for p in kit.assess().result.problems if p.sheet == S.RULES] == []
