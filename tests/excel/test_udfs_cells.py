"""Issue 9.6: one order-cell parser for the 工单 sheet and the date functions — a whitespace
cell is blank, each bad cell answers its own message, aware datetimes are China time, numeric
unit names are found, and a call without a calling cell uses the built-in calendar."""
from __future__ import annotations

from datetime import date, datetime, timezone

import udfs.kaohe_udfs as U
from ledgerkit import LedgerKit
from xl_kaohe.core import functions as F

CTX = F.date_context({}, today=date(2027, 1, 31))  # the built-in rules and calendar
UTC = timezone.utc


def test_a_column_with_blank_bad_and_aware_cells():
    column = [[datetime(2026, 3, 2, 9)], ["   "], ["昨天"], [datetime(2026, 3, 2, 1, tzinfo=UTC)], [None]]
    # 办理: Mon 2026-03-02 + 3 working days = Thu 03-05 23:59:59; 01:00 UTC is 09:00 in Beijing
    due = datetime(2026, 3, 5, 23, 59, 59)
    assert F.due(CTX, column, "办理") == [[due], [""], ["日期无效"], [due], [""]]


def test_each_bad_cell_answers_its_own_message():
    received = [[datetime(2026, 3, 2, 9)]] * 4
    kinds = [["办理"], ["xyz"], ["紧急"], ["咨询"]]
    limits = [[None], [None], [None], ["十天"]]
    assert F.due(CTX, received, kinds, limits) == [[datetime(2026, 3, 5, 23, 59, 59)], ["类型无效"], ["紧急需时限"],
                                                   ["时限无效"]]


def test_late_days_with_whitespace_and_aware_completion():
    received = [[datetime(2026, 3, 2, 9)], [datetime(2026, 3, 2, 9)]]
    # done 2026-03-09 02:00 UTC = 10:00 Beijing, Mon: 03-06 (Fri) and 03-09 are past the 03-05 deadline: 2
    completed = [[datetime(2026, 3, 9, 2, tzinfo=UTC)], ["  "]]
    # open (whitespace = not completed) as of 2026-03-10: 03-06, 03-09, 03-10 = 3 working days late
    assert F.late_days(CTX, received, "办理", completed, None, date(2026, 3, 10)) == [[2], [3]]


def test_validation_reads_the_same_cells_the_same_way():
    kit = LedgerKit().unit("甲校")
    kit.order("GD-1", "甲校", "办理", datetime(2026, 3, 2, 1, tzinfo=UTC), datetime(2026, 3, 9, 2, tzinfo=UTC))
    kit.order("GD-2", "甲校", "办理", datetime(2026, 3, 2, 9), "   ")
    a = kit.assess()
    assert [p for p in a.result.problems if p.level == "错误"] == []
    # GD-1: 2 days late (as above): III-4.1 −2, III-8.2 −2×2; GD-2 open all year: very late
    notes = [l.note for l in a.unit("甲校").lines if l.code.startswith("III-8")]
    assert any("GD-1" in n and "拖延2个工作日" in n for n in notes)


def test_numeric_unit_name_is_found():
    kit = LedgerKit().unit("101").unit("甲校")
    kit.deduction(date(2026, 5, 6), "101", "III-13.1")  # −2
    assessment = kit.assess()
    # Excel hands a cell typed 101 over as the float 101.0; 95 − 2 = 93
    assert F.score(assessment, 101.0) == 93 == F.score(assessment, "101")
    assert F.rank(assessment, 101.0) == 2


def test_date_functions_without_a_calling_cell_use_the_built_in_calendar():
    # 咨询: 2 working days after Mon 2026-03-02 -> Wed 03-04 23:59:59
    assert U.KAOHE_DUE(datetime(2026, 3, 2, 9), "咨询", None, None, None) == datetime(2026, 3, 4, 23, 59, 59)
    assert U.KAOHE_WORKDAYS(date(2026, 1, 2), date(2026, 1, 6), None, None) == 3  # 01-04 (Sun) is a 调休 day
    assert U.KAOHE_ISWORKDAY(date(2026, 10, 1), None, None) is False
