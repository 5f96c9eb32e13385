"""趋势: month-end totals from one run equal a full assessment at each month-end (SPEC §10)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from bulletinkit import TODAY, three_months

from support import synth
from xl_kaohe.core import schema as S
from xl_kaohe.core.engine import assess
from xl_kaohe.core.periods import Period, last_month, ledger_at, month_ends, parse_period
from xl_kaohe.core.report import LineChart
from xl_kaohe.core.scoring import score
from xl_kaohe.core.trend import compute_trend, trend_sheet

D = Decimal


def test_periods_parse_and_bounds():
    assert parse_period("2026-11") == Period("month", 2026, 11)
    assert parse_period("2026年11月") == Period("month", 2026, 11)
    assert parse_period("2026Q3") == Period("quarter", 2026, 3)
    assert parse_period("2026年第三季度") == Period("quarter", 2026, 3)
    assert parse_period("2026") == Period("year", 2026)
    with pytest.raises(ValueError, match="无法识别"):
        parse_period("2026-13")
    q3 = parse_period("2026Q3")
    assert (q3.start, q3.end, q3.label, q3.code) == (date(2026, 7, 1), date(2026, 9, 30), "第三季度", "2026Q3")
    assert parse_period("2026-02").end == date(2026, 2, 28)
    assert parse_period("2026").label == "全年"
    # the period end is capped at today, never before the period's start
    assert parse_period("2026-11").asof(date(2026, 11, 20)) == date(2026, 11, 20)
    assert parse_period("2026-11").asof(date(2026, 12, 3)) == date(2026, 11, 30)
    assert parse_period("2026-01").previous() is None and parse_period("2026Q1").previous() is None
    assert parse_period("2026").previous() is None
    assert parse_period("2026Q3").previous() == Period("quarter", 2026, 2)
    assert last_month(date(2026, 1, 5)) == Period("month", 2025, 12)
    assert month_ends(2026, date(2026, 3, 30)) == [date(2026, 1, 31), date(2026, 2, 28)]


def test_trend_by_hand():
    a = three_months().assess(today=TODAY)
    trend = compute_trend(a.result)
    assert trend.ends == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    # the table of tests/bulletinkit.py
    assert trend.totals["A"] == [D("89.00"), D("92.00"), D("84.00")]
    assert trend.totals["B"] == [D("96.00"), D("92.00"), D("92.00")]
    assert trend.totals["C"] == [D("96.00"), D("96.00"), D("78.00")]
    assert trend.totals["D"] == [D("95.00"), D("86.00"), D("87.00")]
    assert trend.totals["E"] == [D("95.00")] * 3
    # rank at 03-31 over all assessed units: B 92, D 87, A 84, C 78; E none
    assert trend.rank == {"B": 1, "D": 2, "A": 3, "C": 4, "E": None}
    # averages of the assessed units: 学校 (A, B, D): Jan (89+96+95)/3 = 93.33, Feb (92+92+86)/3
    # = 90, Mar (84+92+87)/3 = 87.67; 处室 = C; 全部单位 Mar (84+92+78+87)/4 = 85.25
    assert trend.averages["学校"] == [D("93.33"), D("90.00"), D("87.67")]
    assert trend.averages["处室"] == [D("96.00"), D("96.00"), D("78.00")]
    assert trend.averages["全部单位"][2] == D("85.25")


def test_trend_equals_a_full_assessment_at_every_month_end():
    kit = three_months()
    trend = compute_trend(kit.assess(today=TODAY).result)
    for k, end in enumerate(trend.ends):
        at = kit.assess(asof=end, today=TODAY)
        assert {u.name: u.total for u in at.result.units} == {n: v[k] for n, v in trend.totals.items()}


@pytest.mark.parametrize("seed", [1, 2])
def test_trend_equals_full_assessments_on_synthetic_ledgers(seed):
    # 3,000 orders with noise rows, special limits, open orders, events, meetings, knowledge
    ledger = synth.generate(3000, seed=seed, asof=date(2026, 12, 31))
    a = assess(ledger.grids, today=date(2027, 1, 10))
    trend = compute_trend(a.result)
    assert len(trend.ends) == 12
    for k, end in enumerate(trend.ends):
        at = assess(ledger.grids, asof=end, today=date(2027, 1, 10))
        assert {u.name: u.total for u in at.result.units} == {n: v[k] for n, v in trend.totals.items()}, end


def test_ledger_at_matches_a_fresh_validation():
    kit = three_months()
    full = kit.assess(today=TODAY).result.ledger
    feb = ledger_at(full, date(2026, 2, 28))
    fresh = kit.assess(asof=date(2026, 2, 28), today=TODAY).result
    assert feb.orders.order_id == ["GD-A1", "GD-B1", "GD-C1", "GD-A2", "GD-D1"]
    assert {u.name: u.total for u in score(feb).units} == {u.name: u.total for u in fresh.units}


def test_trend_sheet_layout_and_chart():
    a = three_months().assess(today=TODAY)
    sheet = trend_sheet(compute_trend(a.result), a.result)
    assert sheet.name == S.TREND
    assert [c.header for c in sheet.columns] == ["单位名称", "单位类别", "1月末", "2月末", "3月末", "排名（3月末）"]
    assert sheet.rows[0] == ["B", "学校", D("96.00"), D("92.00"), D("92.00"), 1]
    assert [r[0] for r in sheet.rows[:5]] == ["B", "D", "A", "C", "E"]
    assert sheet.rows[4][-1] is None                     # E: not ranked
    assert sheet.rows[5] == [None] * 6                   # a blank row before the averages
    assert [r[0] for r in sheet.rows[6:]] == ["平均分：学校", "平均分：处室", "平均分：全部单位"]
    chart = sheet.chart
    assert isinstance(chart, LineChart)
    assert chart.series_rows == [6, 7, 8] and (chart.first_value_column, chart.last_value_column) == (2, 4)


def test_no_month_end_yet():
    a = three_months(asof="2026-01-20").assess(today=TODAY)
    trend = compute_trend(a.result)
    assert trend.ends == [] and trend.rank["A"] is None
    sheet = trend_sheet(trend, a.result)
    assert sheet.chart is None and "没有已结束的月份" in sheet.title


def test_trend_applies_appeals_at_every_month_end():
    from ledgerkit import LedgerKit

    kit = LedgerKit(asof="2026-03-31").unit("甲校")
    # GD-1 咨询: due 01-07 (01-06, 01-07), done 01-09: 2 working days late -> III-4.1 -2, III-8.1 -4
    kit.order("GD-1", "甲校", "咨询", "2026-01-05 09:00", "2026-01-09 10:00")
    # GD-2 办理: due 02-05 (02-03..02-05), done 02-09: late 02-06, 02-09 -> III-4.1 -2, III-8.2 -4
    kit.order("GD-2", "甲校", "办理", "2026-02-02 09:00", "2026-02-09 09:00")
    kit.appeal("甲校", "GD-1", "撤销", filed="2026-01-12")
    kit.appeal("甲校", "GD-2", "减免", 3, filed="2026-02-10")  # takes III-4.1's 2, then 1 of III-8.2
    a = kit.assess(today=date(2026, 4, 8))
    trend = compute_trend(a.result)
    # Jan: GD-1 revoked -> 95; Feb and Mar: 95 - 6 + 3 = 92 (without the appeals: 89, 83, 83)
    assert trend.totals["甲校"] == [D("95.00"), D("92.00"), D("92.00")]
    for k, end in enumerate(trend.ends):
        at = kit.assess(asof=end, today=date(2026, 4, 8))
        assert at.unit("甲校").total == trend.totals["甲校"][k], end
    assert a.unit("甲校").items["III-4"].deducted == D("0.00") and a.unit("甲校").items["III-8"].deducted == D("3.00")
