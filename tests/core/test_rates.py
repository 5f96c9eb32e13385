"""Rates with exact arithmetic and the three rounding policies (SPEC §4)."""
from decimal import Decimal
from fractions import Fraction

import pytest

from ledgerkit import LedgerKit, lines_of, unit_of
from xl_kaohe.core.rates import apply_mode, points_gap, rate_deduction, round_points

D = Decimal


def visits(satisfied: int, unsatisfied: int, unvisited: int = 0, **params):
    """One unit with orders completed on time and the given 回访结果 counts."""
    kit = LedgerKit(**params).unit("甲校")
    results = ["满意"] * satisfied + ["不满意"] * unsatisfied + ["未回访"] * unvisited
    for i, result in enumerate(results):
        kit.order(f"GD-{i}", "甲校", "咨询", "2026-03-02 09:00", "2026-03-03 09:00", visit=result)
    return kit.assess()


def test_88_percent_is_exactly_two_points_below_90():
    # binary floats: (0.90 - 0.88) * 100 = 2.0000000000000018; exact: 2 -> 2 x -2 = -4.00
    assert (0.90 - 0.88) * 100 != 2
    a = visits(88, 12)
    (line,) = lines_of(a, "甲校", "III-9")
    assert line.points == D("-4.00")
    assert "88.00%（88/100）" in line.note


@pytest.mark.parametrize("mode, expected", [
    # 31/35 = 88.5714...% -> 1.428571... points short
    ("按比例", D("-2.86")),       # 2 x 1.428571 = 2.857142 -> 2.86 (half-up)
    ("不足1%按1%计", D("-4.00")),  # ceil(1.43) = 2 points -> 4
    ("满1%计", D("-2.00")),        # floor(1.43) = 1 point -> 2
])
def test_rounding_policies(mode, expected):
    a = visits(31, 4, **{"比率扣分方式": mode})
    (line,) = lines_of(a, "甲校", "III-9")
    assert line.points == expected


def test_half_up_rounding_at_the_cent():
    # 179/200 = 89.5% -> 0.5 points short x 2 = 1.00; and 1.005 rounds to 1.01 (half-up, not banker's)
    assert rate_deduction(points_gap(Fraction(179, 200), D("0.90")), D(-2), "按比例") == D("1.00")
    assert round_points(Fraction(201, 200)) == D("1.01")
    assert round_points(Fraction(-201, 200)) == D("-1.01")
    assert apply_mode(Fraction(1, 2), "满1%计") == 0 and apply_mode(Fraction(1, 2), "不足1%按1%计") == 1


def test_unvisited_orders_are_not_in_the_denominator():
    # 9 satisfied, 1 unsatisfied, 5 未回访 -> 9/10 = 90%: no deduction
    a = visits(9, 1, 5)
    assert unit_of(a, "甲校").rates.satisfaction == Fraction(9, 10)
    assert lines_of(a, "甲校", "III-9") == []


def test_empty_denominator_gives_no_deduction_and_blank_rate():
    a = visits(0, 0, 3)
    u = unit_of(a, "甲校")
    assert u.rates.satisfaction is None and u.total == 95 + 1  # only the 100% timely bonus
    row = next(r for r in a.sheets()[0].rows if r[1] == "甲校")
    assert row[9] is None  # 满意率 column blank


def test_custom_satisfaction_words_from_params():
    # 满意口径 only 非常满意 and 满意: 基本满意 becomes a warning and is not counted
    kit = LedgerKit(**{"满意口径": "非常满意、满意"}).unit("甲校")
    kit.order("GD-1", "甲校", "咨询", "2026-03-02 09:00", "2026-03-03 09:00", visit="满意")
    kit.order("GD-2", "甲校", "咨询", "2026-03-02 09:00", "2026-03-03 09:00", visit="基本满意")
    a = kit.assess()
    assert unit_of(a, "甲校").rates.visited == 1
    assert [p.column for p in a.result.problems] == ["回访结果"]


def test_completion_rate_below_98():
    # 50 orders due by the as-of date, 48 completed -> 96% -> 2 points x -2 = -4.00
    kit = LedgerKit(asof="2026-06-30").unit("甲校")
    for i in range(50):
        done = "2026-03-03 09:00" if i < 48 else None
        kit.order(f"GD-{i}", "甲校", "咨询", "2026-03-02 09:00", done)
    a = kit.assess()
    (line,) = lines_of(a, "甲校", "III-10")
    assert line.points == D("-4.00") and "96.00%（48/50）" in line.note
    assert unit_of(a, "甲校").rates.timely == Fraction(48, 50)
