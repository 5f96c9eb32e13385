"""阶段通报 (SPEC §10) on the three-month ledger of tests/bulletinkit.py: the scores equal a full
assessment at the period's end, the period's own counts are worked out by hand, ranks move
against the previous period, 红黑榜 per category, 本期无应办结工单 listed apart."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from bulletinkit import TODAY, three_months

from xl_kaohe.core import schema as S
from xl_kaohe.core.bulletin import to_document, to_json
from xl_kaohe.core.document import DocTable
from xl_kaohe.core.validate import Collector
from xl_kaohe.core.validate.bulletin_template import read_bulletin_template
from xl_kaohe.jobs.report import build

D = Decimal


class GridBook:
    label = "测试台账"

    def __init__(self, grids):
        self.grids = grids

    def read_grids(self, sheets=()):
        return {k: v for k, v in self.grids.items() if k in sheets}


def bulletin(period: str, kit=None, today: date = TODAY):
    return build(GridBook((kit or three_months()).grids()), period, today=today).bulletin


def lines(b, group):
    return {l.name: l for l in b.groups[group]}


def test_scores_equal_a_full_assessment_at_the_period_end():
    kit = three_months()
    b = bulletin("2026-03", kit)
    assert b.asof == date(2026, 3, 31) and b.previous_asof == date(2026, 2, 28)
    full = kit.assess(asof=date(2026, 3, 31), today=TODAY)
    assert {u.name: (u.total, u.rank) for u in b.result.units} == \
        {u.name: (u.total, u.rank) for u in full.result.units}
    # hand totals at 03-31 (bulletinkit): A 84, B 92, C 78, D 87
    school = lines(b, "学校")
    assert [(n, l.unit.total, l.group_rank) for n, l in school.items()] == [
        ("B", D("92.00"), 1), ("D", D("87.00"), 2), ("A", D("84.00"), 3), ("E", D("95.00"), None)]


def test_rank_changes_against_the_previous_month():
    feb, mar = bulletin("2026-02"), bulletin("2026-03")
    # 学校 ranks: Jan B1 D2 A3 -> Feb A1 B1 (tie at 92) D3 -> Mar B1 D2 A3
    f = lines(feb, "学校")
    assert {n: (l.group_rank, l.previous_rank, l.change) for n, l in f.items() if n != "E"} == {
        "A": (1, 3, "↑2"), "B": (1, 1, "持平"), "D": (3, 2, "↓1")}
    m = lines(mar, "学校")
    assert {n: l.change for n, l in m.items() if n != "E"} == {"B": "持平", "D": "↑1", "A": "↓2"}
    assert m["E"].change == ""                       # not assessed: no rank, no change
    # C alone in 处室: 1 -> 1
    assert lines(mar, "处室")["C"].change == "持平"


def test_first_period_of_the_year_compares_with_nothing():
    for period in ("2026-01", "2026Q1", "2026"):
        b = bulletin(period)
        assert b.previous_asof is None and b.previous_figures is None
        assert all(l.change == "" for ls in b.groups.values() for l in ls)


def test_period_figures_by_hand():
    b = bulletin("2026-03")
    f = b.figures
    # received in March: GD-A3 办理 (late, done 03-10), GD-B2 咨询 (on time, 满意), GD-C2 咨询 (open,
    # overdue since 03-24): 3 orders, all due by 03-31; done 2; on time 1; late 2 (1 still open)
    assert (f.orders, f.by_kind) == (3, {"咨询": 2, "办理": 1, "紧急": 0})
    assert (f.should, f.done, f.on_time, f.late, f.late_open) == (3, 2, 1, 2, 1)
    assert (f.visited, f.satisfied) == (1, 1)
    assert (f.completion, f.timely, f.satisfaction) == (Fraction(2, 3), Fraction(1, 3), 1)
    # February (the comparison): GD-A2 (on time, 满意), GD-D1 (open, overdue at 02-28)
    p = b.previous_figures
    assert (p.orders, p.should, p.done, p.on_time, p.late, p.late_open) == (2, 2, 1, 1, 1, 1)
    # per unit: D had no order in March, C one overdue
    assert lines(b, "学校")["D"].figures.orders == 0
    c = lines(b, "处室")["C"].figures
    assert (c.orders, c.should, c.late, c.late_open) == (1, 1, 1, 1)
    # the year to date: 8 orders
    assert b.year_orders == 8
    # open overdue at 03-31: only GD-C2 (GD-D1 was completed 03-03), 5 working days late
    assert [(o.order_id, o.unit, o.due, o.days_late) for o in b.overdue] == [
        ("GD-C2", "C", "2026-03-24 23:59", 5)]
    assert b.overdue_total == 1


def test_quarter_figures_cover_three_months():
    b = bulletin("2026Q1")
    # all 8 orders; 7 done by 03-31 (GD-C2 open); on time: B1 C1 A2 B2 = 4; late: A1 D1 A3 C2 = 4
    f = b.figures
    assert (f.orders, f.should, f.done, f.on_time, f.late, f.late_open) == (8, 8, 7, 4, 4, 1)
    assert b.title == "关于2026年第一季度12345政府服务热线办理情况的通报"


def test_red_and_black_boards_per_category():
    b = bulletin("2026-03")    # 红黑榜名额 = 1 in bulletinkit
    school = next(bd for bd in b.boards if bd.group == "学校")
    # 学校 units with an order due in March: B (GD-B2) and A (GD-A3); D had none (listed apart)
    assert [l.name for l in school.red] == ["B"]
    assert [e.line.name for e in school.black] == ["A"]
    assert [l.name for l in school.no_due] == ["D"]
    (a,) = school.black
    # A lost 4 (III-4.1: 2 late orders × 2) + 10 (III-8: 4 + 6, at the cap) = 14 in 业务办理
    assert a.lost == {"业务办理": D("14.00")}
    assert a.reasons == ["及时办理率扣10分：超期2件", "办理回复扣4分：超时办结2件"]
    office = next(bd for bd in b.boards if bd.group == "处室")
    # a single unit with due orders: no board (a unit is never on both), none apart
    assert office.red == [] and office.black == [] and office.no_due == []


def test_units_without_due_orders_are_never_ranked_on_boards():
    b = bulletin("2026-01", three_months(board_size=3))
    school = next(bd for bd in b.boards if bd.group == "学校")
    # January: D received nothing; A (GD-A1) and B (GD-B1) had due orders -> one each side
    assert [l.name for l in school.no_due] == ["D"]
    assert [l.name for l in school.red] == ["B"] and [e.line.name for e in school.black] == ["A"]


def test_json_carries_the_same_figures():
    data = to_json(bulletin("2026-02"))
    assert data["period"] == "2026-02" and data["asof"] == "2026-02-28"
    assert data["previous_asof"] == "2026-01-31"
    school = {u["unit"]: u for u in data["groups"]["学校"]}
    assert (school["A"]["total"], school["A"]["group_rank"], school["A"]["change"]) == (92.0, 1, "↑2")
    assert school["B"]["group_rank"] == 1 and school["D"]["total"] == 86.0
    assert data["summary"]["orders"] == 2 and data["summary"]["completion"] == 0.5
    assert data["overdue"] == [{"order_id": "GD-D1", "unit": "D", "kind": "办理",
                                "received": "2026-02-24 09:00", "due": "2026-02-27 23:59",
                                "days_late": 1}]


def test_document_structure_and_tables():
    doc = to_document(bulletin("2026-03"))
    assert doc.title == "关于2026年3月12345政府服务热线\n办理情况的通报"
    assert [s.heading for s in doc.sections] == ["一、总体情况", "二、考核排名", "三、红黑榜",
                                                 "四、超期未办结工单", "五、下一步工作要求"]
    assert doc.doc_number == "常教办〔2026〕\u3000\u3000号"        # no 文号序号: room to write it
    ranking = doc.sections[1]
    assert [s.heading for s in ranking.subsections] == ["（一）学校", "（二）处室", ""]
    (school,) = ranking.subsections[0].blocks
    assert isinstance(school, DocTable)
    assert school.rows == [
        # B: GD-B2 on time and 满意; D: nothing received in March; A: GD-A3 late, not visited
        ["1", "B", "92.00", "持平", "1", "100.00%", "100.00%", "0"],
        ["2", "D", "87.00", "↑1", "0", "—", "—", "0"],
        ["3", "A", "84.00", "↓2", "1", "0.00%", "—", "1"],
    ]
    assert "E" in ranking.subsections[2].blocks[0].text       # 不参与考核单位
    overall = doc.sections[0].blocks[0].text
    assert "共受理12345政府服务热线工单3件，其中咨询类2件、办理类1件" in overall
    assert "办结率66.67%" in overall and "按时办结率33.33%" in overall and "超期2件，其中仍未办结1件" in overall
    compare = doc.sections[0].blocks[1].text
    # 3 vs 2 orders; 办结率 66.67% vs 50%; 按时 33.33% vs 50%; 满意率 100% vs 100%
    assert compare == ("与上期（2月）相比，工单量增加1件，办结率上升16.67个百分点，"
                       "按时办结率下降16.67个百分点，满意率持平。")
    overdue = doc.sections[3].blocks[1]
    assert overdue.rows == [["1", "GD-C2", "C", "咨询", "03-20 09:00", "03-24 23:59", "5"]]
    text = repr(doc)
    assert "市民来电内容" not in text                     # 诉求内容 never printed


def test_template_sheet_values_and_problems():
    grid = [["项目", "内容"], ["发文机关", "某某局办公室"], ["文号", "某教〔{年}〕{序号}号{未知}"],
            ["文号序号", 12.0], ["下一步工作要求", "第一段\n第二段"], ["下一步工作要求", "第三段"],
            ["抄送", None], ["成文日期", "2026年4月10日"]]
    out = Collector()
    t = read_bulletin_template(grid, out)
    assert t.issuer == "某某局办公室" and t.serial == "12"
    assert t.fill(t.number, year=2026, period_label="3月") == "某教〔2026〕12号{未知}"
    assert t.next_steps == ["第一段", "第二段", "第三段"]
    assert t.cc == "" and t.issued == date(2026, 4, 10)
    assert [(p.sheet, p.row, p.column) for p in out.problems] == [(S.BULLETIN_TEMPLATE, 3, "文号")]
    bad = Collector()
    assert read_bulletin_template([["成文日期", "明天"]], bad).issued is None
    assert bad.problems[0].level == "错误"
    # no sheet at all: the defaults, no problems
    none = Collector()
    assert read_bulletin_template(None, none).issuer == "常州市教育局办公室" and not none.problems


def test_period_outside_the_ledger_year_is_refused():
    with pytest.raises(ValueError, match="不在台账的考核年度"):
        bulletin("2025-11", today=date(2026, 4, 8))
