"""Bad input (SPEC §8): every problem names sheet, row, column and value in Chinese; bad rows are
never dropped silently and never crash the run; good rows are still scored."""
from datetime import date
from decimal import Decimal

import pytest

from ledgerkit import LedgerKit, unit_of
from xl_kaohe.core.engine import assess
from xl_kaohe.core.validate import LedgerError


def problems(kit):
    a = kit.assess()
    return a, [(p.level, p.sheet, p.row, p.column, p.value) for p in a.result.problems]


def test_each_bad_order_cell_is_reported_and_the_good_row_scored():
    kit = LedgerKit().unit("甲校")
    kit.order("GD-1", "甲校", "办理", "2026-03-02 09:00", "2026-03-09 10:00")   # row 2: good, 2 days late
    kit.order("GD-2", "甲校", "办理", "2026/13/45", None)                       # row 3: bad date
    kit.order("GD-1", "甲校", "咨询", "2026-03-02 09:00", None)                 # row 4: duplicate id
    kit.order("GD-4", "丙校", "咨询", "2026-03-02 09:00", None)                 # row 5: unknown unit
    kit.order("GD-5", "甲校", "办理", "2026-03-05 09:00", "2026-03-04 09:00")   # row 6: done before received
    kit.order("GD-6", "甲校", "紧急", "2026-03-05 09:00", None)                 # row 7: 紧急 without 时限
    kit.order("GD-7", "甲校", "其他", "2026-03-05 09:00", None)                 # row 8: unknown type
    kit.order("GD-8", "甲校", "紧急", "2026-03-05 09:00", None, limit="尽快")    # row 9: bad limit
    a, found = problems(kit)
    assert found == [
        ("错误", "工单", 3, "受理时间", "2026/13/45"),
        ("错误", "工单", 4, "工单编号", "GD-1"),
        ("错误", "工单", 5, "承办单位", "丙校"),
        ("错误", "工单", 6, "办结时间", "2026-03-04 09:00"),
        ("错误", "工单", 7, "办理时限", ""),
        ("错误", "工单", 8, "工单类型", "其他"),
        ("错误", "工单", 9, "办理时限", "尽快"),
    ]
    messages = [p.message for p in a.result.problems]
    assert "与第2行重复" in messages[1] and "不在「单位」表" in messages[2] and "早于受理时间" in messages[3]
    assert "紧急类工单必须填写办理时限" in messages[4]
    # only GD-1 row 2 scored: -2 (III-4.1) -4 (III-8.2) -> 89; the unit is marked 数据有误
    u = unit_of(a, "甲校")
    assert u.total == 89 and u.has_errors
    assert a.has_errors and "数据有误" in a.sheets()[0].title
    assert a.sheets()[0].rows[0][12] == "数据有误"


def test_bad_event_rows():
    kit = LedgerKit().unit("甲校")
    kit.deduction("2026-05-06", "甲校", "III-99.1")          # row 2 unknown item
    kit.deduction("2026-05-06", "甲校", "推诿")               # row 3 not a code
    kit.deduction("2026-05-06", "甲校", "III-4.2", 0)         # row 4 count 0
    kit.deduction("2026-05-06", "甲校", "III-4.2", -1)        # row 5 negative
    kit.deduction("2026-05-06", "甲校", "III-4.2", "两次")     # row 6 text
    kit.deduction("五月", "甲校", "III-4.2")                  # row 7 bad date
    kit.deduction("2026-05-06", "甲校", "III-15.1")           # row 8 a bonus code in 扣分事件
    kit.deduction("2026-05-06", "甲校", "III-4")              # row 9 item without clause (4 clauses)
    kit.deduction("2026-05-06", "甲校", "III-7")              # row 10 item with one clause: fine (-1)
    a, found = problems(kit)
    assert [(f[2], f[3]) for f in found] == [(2, "扣分项"), (3, "扣分项"), (4, "次数"), (5, "次数"), (6, "次数"),
                                             (7, "日期"), (8, "扣分项"), (9, "扣分项")]
    assert all(f[0] == "错误" and f[1] == "扣分事件" for f in found)
    assert unit_of(a, "甲校").total == 94  # only row 10


def test_bad_rows_in_the_other_sheets():
    kit = LedgerKit().unit("甲校")
    kit.meeting("2026-03-10", "甲校", "早退")                  # 会议 row 2: bad 出勤
    kit.knowledge("2026-13", "甲校", "2026-02-01", 5, 1)       # 知识库: bad month (row after compliance? no: first)
    kit.knowledge("2026-03", "甲校", "2026-04-01", 5, 9)       # errors > uses
    kit.study("甲校", "去年")                                  # 季度研究 bad date
    kit.holiday("2026-02-30", "放假")                          # 节假日 bad date
    kit.holiday("2026-03-02", "调休")                          # bad type
    a, found = problems(kit)
    where = {(f[1], f[3]) for f in found}
    assert where == {("会议", "出勤"), ("知识库", "月份"), ("知识库", "错误次数"), ("季度研究", "研究日期"),
                     ("节假日", "日期"), ("节假日", "类型")}
    assert all(f[0] == "错误" and f[2] for f in found)


def test_duplicate_unit_and_alias_resolution():
    kit = LedgerKit().unit("甲校", aliases="甲学校、甲中").unit("甲校")
    kit.deduction("2026-05-06", "甲中", "III-4.2")   # through the alias
    a, found = problems(kit)
    assert found == [("错误", "单位", 3, "单位名称", "甲校")]
    assert unit_of(a, "甲校").total == 93


def test_json_problems_name_everything():
    kit = LedgerKit().unit("甲校").order("GD-1", "甲校", "咨询", "昨天", None)
    data = kit.assess().json()
    (p,) = data["problems"]
    assert p == {"level": "错误", "sheet": "工单", "row": 2, "column": "受理时间", "key": "GD-1", "value": "昨天",
                 "message": p["message"]}
    assert "不是可识别的日期" in p["message"]


def test_not_a_ledger():
    with pytest.raises(LedgerError):
        assess({"Sheet1": [["a"]]})
    with pytest.raises(LedgerError) as err:
        assess({"工单": [["工单编号"]]})
    assert "单位" in str(err.value)


def test_params_defaults_and_bad_values():
    kit = LedgerKit(asof=None, **{"比率扣分方式": "四舍五入", "考核年度": 2026}).unit("甲校", compliant=False)
    a = kit.assess(today=date(2026, 11, 25))
    assert a.result.ledger.params.asof == date(2026, 11, 25)  # today, within the year
    assert [(p.sheet, p.column) for p in a.result.problems] == [("参数", "比率扣分方式")]
    assert a.result.ledger.params.rate_mode == "按比例"
    # a past year: as-of capped to its year end
    a = LedgerKit(year=2025, asof=None).unit("甲校", compliant=False).assess(today=date(2026, 11, 25))
    assert a.result.ledger.params.asof == date(2025, 12, 31)


def test_asof_override_beats_the_sheet():
    a = LedgerKit(asof="2026-12-31").unit("甲校").assess(asof=date(2026, 6, 30))
    assert a.json()["asof"] == "2026-06-30"


def test_year_without_calendar_is_an_error():
    kit = LedgerKit(year=2027, asof="2027-03-31").unit("甲校", compliant=False)
    kit.order("GD-1", "甲校", "咨询", "2027-03-01 09:00", "2027-03-02 09:00")
    a = kit.assess()
    assert any(p.sheet == "节假日" and "2027" in p.message for p in a.result.problems)
    assert any(p.sheet == "工单" and p.row == 2 and "2027" in p.message for p in a.result.problems)
    assert a.has_errors


def test_rules_sheet_numbers_are_checked():
    header = ["编码", "一级指标", "二级指标", "三级指标", "分值", "细则", "每次分值", "来源", "阈值"]
    kit = LedgerKit().unit("甲校").deduction("2026-05-06", "甲校", "III-13.1")
    kit.rule_rows = [header,
                     ["III-13", None, None, None, -5, None, None, None, None],       # negative item points
                     ["III-13.1", None, None, None, None, None, "很多", None, None],  # not a number
                     ["III-16.1", None, None, None, None, None, "酌情", None, None]]  # the word 酌情 is fine
    a = kit.assess()
    assert [(p.row, p.column) for p in a.result.problems] == [(2, "分值"), (3, "每次分值")]
    # both cells fall back to the defaults: III-13 worth 5, III-13.1 -2 -> 95 - 2 = 93
    assert unit_of(a, "甲校").total == 93


def test_discretionary_points_are_rounded_to_cents_and_limits_are_sane():
    kit = LedgerKit().unit("甲校").unit("乙校")
    kit.bonus("2026-06-01", "甲校", "III-17.1", points=0.0000001)   # rounds to 0.00 -> not positive: error
    kit.bonus("2026-06-01", "乙校", "III-17.1", points="1.005")     # half-up to 1.01
    kit.order("GD-1", "甲校", "紧急", "2026-03-02 09:00", None, limit="99999999999999999999天")
    a = kit.assess()
    assert [(p.sheet, p.column) for p in a.result.problems] == [("工单", "办理时限"), ("加分事件", "分值")]
    assert "过长" in a.result.problems[0].message
    assert unit_of(a, "乙校").bonus == Decimal("1.01") and unit_of(a, "甲校").bonus == 0


def test_alias_never_hides_a_unit_listed_later():
    kit = LedgerKit().unit("甲校", aliases="乙校、甲(A/B校区)").unit("乙校")
    kit.deduction("2026-05-06", "乙校", "III-4.2")       # 乙校 itself: 93
    kit.deduction("2026-05-06", "甲(A/B校区)", "III-7.1")  # an alias with a slash stays one alias: 甲校 94
    a = kit.assess()
    assert [(p.sheet, p.row, p.column, p.value) for p in a.result.problems] == [("单位", 2, "单位别名", "乙校")]
    assert "另一个单位的名称" in a.result.problems[0].message
    assert unit_of(a, "乙校").total == 93 and unit_of(a, "甲校").total == 94


def test_units_are_found_like_the_sheets_find_them():
    from xl_kaohe.core import functions as F
    a = LedgerKit().unit("第一中学（本部）", aliases="ＹＺ").assess()
    # half-width brackets, full-width letters folded, spaces ignored: all the same unit
    assert F.score(a, "第一中学(本部)") == 95 and F.score(a, "YZ") == 95 and F.score(a, " 第一中学（本部） ") == 95


def test_rule_points_are_kept_to_cents_so_ties_are_ties():
    header = ["编码", "一级指标", "二级指标", "三级指标", "分值", "细则", "每次分值", "来源", "阈值"]
    kit = LedgerKit().unit("甲校").unit("乙校")
    kit.rule_rows = [header, ["III-4.2", None, None, None, None, None, -0.333, None, None],
                     ["III-13.1", None, None, None, None, None, -0.3345, None, None]]
    kit.deduction("2026-05-06", "甲校", "III-4.2").deduction("2026-05-06", "乙校", "III-13.1")
    a = kit.assess()
    # -0.333 -> -0.33 and -0.3345 -> -0.33 (half-up at the cent): both 94.67, rank 1 shared
    assert unit_of(a, "甲校").total == unit_of(a, "乙校").total == Decimal("94.67")
    assert unit_of(a, "甲校").rank == unit_of(a, "乙校").rank == 1 and unit_of(a, "乙校").tied


def test_a_ledger_for_next_year_can_be_checked_before_it_starts():
    # a 2027 ledger prepared on 2026-11-25: scored as of 2027-01-01, nothing due yet; its one
    # 节假日 row (元旦) makes 2027 usable, with a warning that the other six festivals are missing
    kit = LedgerKit(year=2027, asof=None).unit("甲校", compliant=False).holiday("2027-01-01", "放假")
    a = kit.assess(today=date(2026, 11, 25))
    assert a.json()["asof"] == "2027-01-01" and unit_of(a, "甲校").total == 95
    assert [(p.level, p.sheet) for p in a.result.problems] == [("警告", "节假日")]
    assert "春节、清明、劳动节、端午、中秋、国庆" in a.result.problems[0].message
    # an unreadable 考核截止日期 is a 校验 error, not a stop
    a = LedgerKit(asof="下个月").unit("甲校", compliant=False).assess(today=date(2026, 3, 1))
    assert [(p.sheet, p.column) for p in a.result.problems] == [("参数", "考核截止日期")]
    assert a.json()["asof"] == "2026-03-01"


def test_knowledge_errors_need_uses_and_timely_bonus_threshold_as_percent():
    kit = LedgerKit().unit("甲校")
    kit.knowledge("2026-05", "甲校", "2026-06-01", None, 3)
    assert [(p.sheet, p.column) for p in kit.assess().result.problems] == [("知识库", "使用次数")]
    header = ["编码", "一级指标", "二级指标", "三级指标", "分值", "细则", "每次分值", "来源", "阈值"]
    kit = LedgerKit().unit("甲校").order("GD-1", "甲校", "咨询", "2026-03-02 09:00", "2026-03-03 09:00")
    kit.rule_rows = [header, ["III-14.2", None, None, None, None, None, 1, None, 100]]  # 100 means 100%
    assert unit_of(kit.assess(), "甲校").bonus == 1


def test_part_two_params_are_read_and_bad_ones_fall_back_to_the_default():
    # 预警工作日数 2 and 红黑榜名额 5 are taken; 申诉期限 0 is out of its 1..60 range → error, default 5;
    # 通报前催办工作日 left blank → default 5
    kit = LedgerKit(**{"预警工作日数": 2, "红黑榜名额": "5", "申诉期限": 0}).unit("甲校")
    a, found = problems(kit)
    params = a.result.ledger.params
    assert (params.warn_days, params.board_size, params.appeal_days, params.escalate_days) == (2, 5, 5, 5)
    assert [f for f in found if f[1] == "参数"] == [("错误", "参数", found[0][2], "申诉期限", "0")]
