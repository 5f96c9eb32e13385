"""申诉复核 (SPEC §11): validation of every row and the effect of each decision, by hand."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from ledgerkit import LedgerKit, lines_of, unit_of
from xl_kaohe.core import schema as S
from xl_kaohe.core.ledger import ERROR, WARNING
from xl_kaohe.core.outputs import audit_sheet, detail_sheet, ranking_title, remarks, unit_card_sheet
from xl_kaohe.core.validate.appeals import TargetError, parse_target

D = Decimal


def appeal_problems(a, level=None):
    return [p for p in a.result.problems if p.sheet == S.APPEALS and (level is None or p.level == level)]


def with_two_late_orders() -> LedgerKit:
    """甲校, as of 2026-06-30, twelve 办理 orders received Mon 2026-03-02 09:00, due Thu 03-05 23:59:59
    (working days 03-03, 03-04, 03-05):
    - GD-1 done Mon 03-09: late by 03-06, 03-09 = 2 days -> III-4.1 −2, III-8.2 2×−2 = −4; 满意
    - GD-2 done Fri 03-06: late 1 day -> III-4.1 −2, III-8.2 −2; 满意
    - GD-3, GD-5..GD-10 done 03-03 满意 (7); GD-4 done 03-03 不满意; GD-11, GD-12 done 03-04 未回访.
    满意率 9/10 = 90% (no deduction); 办结率 12/12; 及时办理率 10/12.
    Total 95 − 4 (III-4) − 6 (III-8) = 85.
    """
    kit = LedgerKit(asof="2026-06-30").unit("甲校")
    recv = "2026-03-02 09:00"
    kit.order("GD-1", "甲校", "办理", recv, "2026-03-09 10:00", visit="满意")
    kit.order("GD-2", "甲校", "办理", recv, "2026-03-06 10:00", visit="满意")
    kit.order("GD-3", "甲校", "办理", recv, "2026-03-03 10:00", visit="满意")
    kit.order("GD-4", "甲校", "办理", recv, "2026-03-03 10:00", visit="不满意")
    for n in range(5, 11):
        kit.order(f"GD-{n}", "甲校", "办理", recv, "2026-03-03 10:00", visit="满意")
    for n in (11, 12):
        kit.order(f"GD-{n}", "甲校", "办理", recv, "2026-03-04 10:00", visit="未回访")
    return kit


def test_revoking_a_late_order_restores_its_points_and_changes_the_rates():
    before = unit_of(with_two_late_orders().assess(), "甲校")
    assert before.total == 85
    r = before.rates
    assert (r.satisfied, r.visited, r.done, r.should, r.on_time) == (9, 10, 12, 12, 10)

    a = with_two_late_orders().appeal("甲校", "工单 GD-1", "撤销", filed="2026-03-10").assess()
    u = unit_of(a, "甲校")
    gd1 = [l for l in u.lines if l.source == "工单!2"]
    # exactly its own two lines, kept visible with their original points, now worth 0
    assert sorted((l.code, l.original, l.points) for l in gd1) == [("III-4.1", -2, 0), ("III-8.2", -4, 0)]
    assert all(l.appeal == "已撤销（申诉复核!2）" for l in gd1)
    r = u.rates
    # GD-1 is out of every rate: 满意率 8/9, 办结率 11/11, 及时办理率 10/11
    assert (r.satisfied, r.visited, r.done, r.should, r.on_time) == (8, 9, 11, 11, 10)
    assert r.satisfaction == Fraction(8, 9) and r.timely == Fraction(10, 11) and r.completion == 1
    # 满意率 8/9 = 88.89%: (90% − 88.888…%) × 2 = 2.222… -> −2.22 (the revoked order was a satisfied one)
    assert u.items["III-9"].deducted == D("2.22")
    # III-4 15 − 2 (GD-2) = 13; III-8 10 − 2 (GD-2) = 8; total 95 − 2 − 2 − 2.22 = 88.78
    assert u.items["III-4"].score == 13 and u.items["III-8"].score == 8
    assert u.total == D("88.78")
    assert ("撤销", D("6")) == (u.appeals[0].decision, u.appeals[0].restored)  # 2 + 4
    assert a.result.ledger.not_assessed_order_ids == {"GD-1"}
    assert a.result.ledger.not_assessed_mask().tolist() == [True] + [False] * 11
    assert not appeal_problems(a)


def test_revoking_the_only_unsatisfied_visit_lifts_satisfaction_to_100():
    # 5 on-time 办理 orders, 4 满意 and GD-5 不满意: 满意率 4/5 = 80%, (90 − 80) × 2 = 20 -> capped at 5;
    # 及时办理率 5/5 = 100% -> III-14.2 +1. Total 95 − 5 + 1 = 91.
    def kit():
        k = LedgerKit().unit("甲校")
        for n in range(1, 6):
            k.order(f"GD-{n}", "甲校", "咨询", "2026-04-08 09:00", "2026-04-09 09:00",
                    visit="不满意" if n == 5 else "满意")
        return k
    assert unit_of(kit().assess(), "甲校").total == 91
    a = kit().appeal("甲校", "GD-5", "撤销", filed="2026-04-10").assess()
    u = unit_of(a, "甲校")
    # 满意率 4/4 = 100%: III-9 full; still 4/4 on time: +1. 95 + 1 = 96
    assert u.rates.satisfaction == 1 and u.items["III-9"].score == 5 and u.total == 96
    # it cost no timeliness points but weighed on 满意率: no "nothing to revoke" warning
    assert not appeal_problems(a)


def test_revoking_the_only_late_order_earns_the_timely_bonus():
    # GD-1 咨询 received Wed 04-08, due Fri 04-10, done Mon 04-13: 1 day late -> −2 −2; GD-2 on time.
    # 及时办理率 1/2 -> no III-14.2: 91. After 撤销: 1/1 = 100% -> +1 and the −4 restored: 96.
    def kit():
        k = LedgerKit().unit("甲校")
        k.order("GD-1", "甲校", "咨询", "2026-04-08 09:00", "2026-04-13 09:00")
        k.order("GD-2", "甲校", "咨询", "2026-04-08 09:00", "2026-04-09 09:00")
        return k
    assert unit_of(kit().assess(), "甲校").total == 91
    u = unit_of(kit().appeal("甲校", "GD-1", "撤销").assess(), "甲校")
    assert [l.points for l in u.lines if l.code == "III-14.2"] == [1]
    assert u.total == 96


def test_reducing_a_minus_3_event_by_1():
    a = LedgerKit().unit("甲校").deduction("2026-05-06", "甲校", "III-5.2").appeal(
        "甲校", "扣分事件!2", "减免", 1, filed="2026-05-08").assess()
    (line,) = lines_of(a, "甲校")
    # −3 lowered by 1 = −2; III-5 15 − 2 = 13; total 95 − 2 = 93
    assert (line.original, line.points, line.appeal) == (-3, -2, "减免1分（申诉复核!2）")
    u = unit_of(a, "甲校")
    assert u.items["III-5"].score == 13 and u.total == 93
    audit = audit_sheet(a.result, a.ordered)
    headers = [c.header for c in audit.columns]
    row = dict(zip(headers, audit.rows[0]))
    assert (row["分值"], row["原分值"], row["申诉复核"]) == (-2, -3, "减免1分（申诉复核!2）")
    detail = detail_sheet(a.result, a.ordered)
    assert detail.rows[0][[c.header for c in detail.columns].index("申诉撤销/减免扣分(未封顶)")] == 1


@pytest.mark.parametrize("decision", ["维持", "待复核", ""])
def test_upheld_and_pending_leave_scores_equal(decision):
    def kit():
        return LedgerKit().unit("甲校").unit("乙校").deduction("2026-05-06", "甲校", "III-13.1")
    plain = kit().assess()
    a = kit().appeal("甲校", "扣分事件!2", decision, filed="2026-05-07").assess()
    assert unit_of(a, "甲校").total == unit_of(plain, "甲校").total == 93  # 95 − 2
    (line,) = lines_of(a, "甲校")
    assert line.points == -2 and line.original is None
    shown = decision or "待复核"   # blank is a fresh appeal: 待复核
    assert line.appeal == f"{shown}（申诉复核!2）"
    counts = a.json()["units"][[u["unit"] for u in a.json()["units"]].index("甲校")]["appeals"]
    pending = shown == "待复核"
    assert counts == {"pending": int(pending), "upheld": int(not pending), "revoked": 0, "reduced": 0}
    assert ranking_title(a.result).endswith("（含待复核申诉）") == pending
    assert ("有待复核申诉1件" in remarks(unit_of(a, "甲校"))) == pending
    assert remarks(unit_of(a, "乙校")) == ""


def test_an_appeal_naming_a_missing_order_is_an_error():
    kit = LedgerKit().unit("甲校").order("GD-1", "甲校", "咨询", "2026-04-08 09:00", "2026-04-13 09:00")
    a = kit.appeal("甲校", "工单 GD-404", "撤销").assess()
    (error,) = appeal_problems(a, ERROR)
    assert (error.row, error.column, error.value) == (2, "对象", "工单 GD-404") and "GD-404" in error.message
    u = unit_of(a, "甲校")
    assert u.total == 91 and u.has_errors and "数据有误" in remarks(u)  # GD-1 still costs 4
    assert a.result.ledger.not_assessed_orders == frozenset()


def test_appeals_on_a_capped_item():
    # III-12 (10 points): 漏报 events of 次数 14 (−14) and 次数 4 (−4): raw 18, capped at 10 -> item 0.
    # 撤销 of the −4 row: raw 14, still ≥ 10 -> the item stays at 0 and the total at 85.
    def kit():
        k = LedgerKit().unit("甲校")
        k.deduction("2026-05-06", "甲校", "III-12.1", 14)
        k.deduction("2026-06-08", "甲校", "III-12.1", 4)
        return k
    before = unit_of(kit().assess(), "甲校")
    assert (before.items["III-12"].raw, before.items["III-12"].score, before.total) == (18, 0, 85)
    u = unit_of(kit().appeal("甲校", "扣分事件!3", "撤销").assess(), "甲校")
    item = u.items["III-12"]
    assert (item.raw, item.deducted, item.score) == (14, 10, 0) and u.total == 85
    revoked = [l for l in u.lines if l.source == "扣分事件!3"]
    assert [(l.original, l.points) for l in revoked] == [(-4, 0)]
    assert u.appeals[0].restored == 4  # given back before the cap, shown as such


def test_knowledge_month_and_study_quarter_appeals():
    # as of 2026-07-10 months Jan..Jun are due (June's deadline 07-05 has passed);
    # no 2026-03 row -> 未报 −1; 2026-04 sent 05-08 after the 05-05 deadline -> 迟报 −1.
    # Quarters Q1, Q2 ended: Q1 studied, Q2 not -> III-3.2 −1.  Total 95 − 3 = 92.
    def kit():
        k = LedgerKit(asof="2026-07-10").unit("甲校", compliant=False)
        for m in (1, 2, 5, 6):
            k.knowledge(f"2026-{m:02d}", "甲校", f"2026-{m + 1:02d}-02", 0, 0)
        k.knowledge("2026-04", "甲校", "2026-05-08", 0, 0)
        k.study("甲校", "2026-02-10")
        return k
    assert unit_of(kit().assess(), "甲校").total == 92
    k = kit()
    k.appeal("甲校", "知识库 2026-03", "撤销", filed="2026-04-08")
    k.appeal("甲校", "知识库 2026年4月", "减免", "0.5", filed="2026-05-09")
    k.appeal("甲校", "季度研究 2026Q2", "撤销", filed="2026-07-02")
    k.appeal("甲校", "知识库 2026-02", "撤销", filed="2026-03-06")   # sent on time: nothing to revoke
    a = k.assess()
    u = unit_of(a, "甲校")
    kb = {l.note[:7]: (l.original, l.points) for l in u.lines if l.code == "III-12.1"}
    assert kb == {"2026-03": (-1, 0), "2026-04": (-1, D("-0.5"))}
    (study,) = [l for l in u.lines if l.code == "III-3.2"]
    assert (study.original, study.points, study.appeal) == (-1, 0, "已撤销（申诉复核!4）")
    # 95 − 0.5 = 94.5
    assert u.total == D("94.5")
    (warning,) = appeal_problems(a, WARNING)
    assert warning.row == 5 and "没有扣分" in warning.message
    # KB 2026-03 due 04-05 (Sunday); 5 working days after it: 04-07 (04-06 清明 holiday), 04-08,
    # 04-09, 04-10, 04-13 -> filed 04-08 is in time; so are the others: one warning only


def test_meeting_and_bonus_rows():
    kit = LedgerKit().unit("甲校").meeting("2026-03-10", "甲校", "缺席").bonus("2026-04-01", "甲校", "III-15.1")
    kit.appeal("甲校", "会议!2", "撤销", filed="2026-03-11")            # 缺席 −1 -> 0
    kit.appeal("甲校", "加分事件!2", "撤销", filed="2026-04-02")        # a bonus caused no deduction: warning
    kit.appeal("甲校", "加分事件!2", "减免", 1, filed="2026-04-02")     # above its deduction (0): error
    a = kit.assess()
    u = unit_of(a, "甲校")
    assert u.total == 96  # 95 − 0 + 1
    # row 4 also names the object row 3 already decided: a warning that the two add up
    assert sorted((p.level, p.row, p.column) for p in appeal_problems(a)) == [
        (WARNING, 3, "对象"), (WARNING, 4, "对象"), (ERROR, 4, "减免分值")]


def test_appeal_deadline_in_working_days():
    # event 2026-05-06 (Wed); 申诉期限 5 working days: 05-07, 05-08, 05-09 (Saturday 调休 workday),
    # 05-11, 05-12 -> filed 05-12 is in time, 05-13 is late (a warning; the decision still applies)
    def run(filed):
        return LedgerKit().unit("甲校").deduction("2026-05-06", "甲校", "III-13.1").appeal(
            "甲校", "扣分事件!2", "撤销", filed=filed).assess()
    assert not appeal_problems(run("2026-05-12"))
    a = run("2026-05-13")
    (warning,) = appeal_problems(a)
    assert warning.level == WARNING and warning.column == "申诉日期" and "2026-05-12" in warning.message
    assert unit_of(a, "甲校").total == 95
    # 参数 申诉期限 3: the last day is 05-09
    a = LedgerKit(**{S.P_APPEAL_DAYS: 3}).unit("甲校").deduction("2026-05-06", "甲校", "III-13.1").appeal(
        "甲校", "扣分事件!2", "维持", filed="2026-05-11").assess()
    assert "2026-05-09" in appeal_problems(a)[0].message


def test_order_deadline_is_the_appeal_date():
    # GD-1 咨询 received Wed 04-08: due Fri 04-10; +5 working days = 04-17 -> filed 04-20 is late
    kit = LedgerKit().unit("甲校").order("GD-1", "甲校", "咨询", "2026-04-08 09:00", "2026-04-13 09:00")
    (warning,) = appeal_problems(kit.appeal("甲校", "GD-1", "撤销", filed="2026-04-20").assess())
    assert "2026-04-10" in warning.message and "2026-04-17" in warning.message


@pytest.mark.parametrize("target, decision, relief, column, words", [
    ("扣分事件!99", "撤销", None, "对象", "不是计分的行"),
    ("工单!2", "撤销", None, "对象", "工单编号"),
    ("排名!3", "撤销", None, "对象", "只能申诉"),
    ("知识库 2025-03", "撤销", None, "对象", "考核年度"),
    ("季度研究 2026Q5", "撤销", None, "对象", "季度研究对象应写成"),
    ("第三季度 研究", "撤销", None, "对象", "无法识别"),
    ("", "撤销", None, "对象", "对象为空"),
    ("扣分事件!2", "减免", None, "减免分值", "必须填写减免分值"),
    ("扣分事件!2", "减免", "-1", "减免分值", "正数"),
    ("扣分事件!2", "减免", 3, "减免分值", "超过"),       # the event costs 2
    ("扣分事件!2", "同意", None, "复核结论", "复核结论只能是"),
    ("扣分事件!3", "撤销", None, "对象", "属于“乙校”"),
])
def test_invalid_appeals_are_errors_and_not_applied(target, decision, relief, column, words):
    kit = LedgerKit().unit("甲校").unit("乙校")
    kit.deduction("2026-05-06", "甲校", "III-13.1").deduction("2026-05-06", "乙校", "III-13.1")
    a = kit.appeal("甲校", target, decision, relief, filed="2026-05-07").assess()
    errors = appeal_problems(a, ERROR)
    assert [(p.row, p.column) for p in errors] == [(2, column)] and words in errors[0].message, errors
    assert unit_of(a, "甲校").total == 93 and unit_of(a, "乙校").total == 93  # nothing applied
    assert unit_of(a, "甲校").has_errors


def test_relief_on_another_decision_is_ignored_with_a_warning():
    a = LedgerKit().unit("甲校").deduction("2026-05-06", "甲校", "III-13.1").appeal(
        "甲校", "扣分事件!2", "维持", 1, filed="2026-05-07").assess()
    (warning,) = appeal_problems(a)
    assert warning.column == "减免分值" and unit_of(a, "甲校").total == 93


def test_two_reliefs_on_one_object_add_up_never_below_zero():
    # −3 event: 减免 2 then 减免 1 -> 0; a third 减免 1 is above what is left (0): error, not applied
    kit = LedgerKit().unit("甲校").deduction("2026-05-06", "甲校", "III-5.2")
    for relief in (2, 1, 1):
        kit.appeal("甲校", "扣分事件!2", "减免", relief, filed="2026-05-07")
    a = kit.assess()
    (line,) = lines_of(a, "甲校")
    assert (line.original, line.points) == (-3, 0)
    assert line.appeal == "减免2分（申诉复核!2）；减免1分（申诉复核!3）"
    assert [(p.level, p.row) for p in appeal_problems(a)] == [(WARNING, 3), (WARNING, 4), (ERROR, 4)]
    assert unit_of(a, "甲校").total == 95


@pytest.mark.parametrize("text, parsed", [
    ("GD-0012", ("order", "GD-0012")),
    ("工单 GD-0012", ("order", "GD-0012")),
    ("工单：GD-0012", ("order", "GD-0012")),
    ("20260305001", ("order", "20260305001")),
    ("扣分事件!17", ("row", "扣分事件", 17)),
    ("扣分事件！17", ("row", "扣分事件", 17)),     # full-width ！ as an IME types it
    ("会议!8", ("row", "会议", 8)),
    ("加分事件 ! 5", ("row", "加分事件", 5)),
    ("知识库 2026-03", ("month", date(2026, 3, 1))),
    ("知识库2026年3月", ("month", date(2026, 3, 1))),
    ("季度研究 2026Q2", ("quarter", 2026, 2)),
    ("季度研究 2026年第二季度", ("quarter", 2026, 2)),
])
def test_object_forms(text, parsed):
    assert parse_target(text) == parsed


@pytest.mark.parametrize("text", ["知识库 2026-13", "知识库 三月", "季度研究 2026", "a b c", "工单!3"])
def test_object_forms_rejected(text):
    with pytest.raises(TargetError):
        parse_target(text)


def test_unit_card_and_json_show_appeals():
    a = with_two_late_orders().appeal("甲校", "GD-1", "撤销", filed="2026-03-10", appeal_id="SS-1").appeal(
        "甲校", "GD-2", "待复核", filed="2026-03-10").assess()
    u = unit_of(a, "甲校")
    card = unit_card_sheet(a.result, u)
    texts = [" ".join(str(v) for v in row if v is not None) for row in card.rows]
    assert any("申诉复核 共2件" in t for t in texts)
    assert any(t.startswith("SS-1 工单 GD-1") and "撤销：恢复6分" in t for t in texts)
    assert any("【已撤销（申诉复核!2），原 -4】" in t for t in texts)
    unit = a.json()["units"][0]
    assert unit["appeals"] == {"pending": 1, "upheld": 0, "revoked": 1, "reduced": 0}
    gd1 = [l for l in unit["lines"] if l["source"] == "工单!2"]
    assert {(l["code"], l["original"], l["points"], l["appeal"]) for l in gd1} == {
        ("III-4.1", -2, 0, "已撤销（申诉复核!2）"), ("III-8.2", -4, 0, "已撤销（申诉复核!2）")}
    assert a.json()["title"].endswith("（含待复核申诉）") and unit["remarks"] == "有待复核申诉1件"


def test_an_appeal_filed_after_the_asof_date_is_not_yet_counted():
    # a −3 event of 04-01 appealed (撤销) on 04-03: scored as of 04-30 the appeal applies (95);
    # as of 04-02 it was not yet filed: a warning, and the −3 stands (92)
    from datetime import date
    from ledgerkit import LedgerKit

    def kit(asof):
        k = LedgerKit(asof=asof).unit("甲校").deduction("2026-04-01", "甲校", "III-5.2")
        return k.appeal("甲校", "扣分事件!2", "撤销", filed="2026-04-03")
    later = kit("2026-04-30").assess(today=date(2026, 12, 31))
    assert later.unit("甲校").total == 95
    early = kit("2026-04-02").assess(today=date(2026, 12, 31))
    assert early.unit("甲校").total == 92 and not early.has_errors
    (p,) = [p for p in early.result.problems if p.sheet == "申诉复核"]
    assert p.level == "警告" and p.column == "申诉日期" and "本次不计" in p.message
