"""The =KAOHE_* functions as Excel calls them (udfs/kaohe_udfs.py), with the ledger cache keyed
on the VBA edit counters: same numbers as kaohe rank, and no re-read unless a sheet changed."""
from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest

import udfs.kaohe_udfs as U
from ledgerkit import LedgerKit
from xl_kaohe.core import schema as S
from xl_kaohe.core.engine import assess
from xl_kaohe.excel.cache import LedgerCache, parse_versions

BOOK = "C:\\台账\\考核台账.xlsm"
CALLER = SimpleNamespace(sheet=SimpleNamespace(book=SimpleNamespace(fullname=BOOK)))


def versions(session="s1", **counters):
    names = ["shParams", "shUnits", "shOrders", "shDeductions", "shBonuses", "shMeetings", "shKnowledge",
             "shStudies", "shHolidays", "shRules"]
    return session + "|" + ";".join(f"{n}={counters.get(n, 0)}" for n in names)


@pytest.fixture
def ledger(monkeypatch):
    """A two-unit ledger served to the UDF cache as if read from Excel; counts sheet reads."""
    kit = LedgerKit().unit("甲校").unit("乙校")
    kit.order("GD-1", "甲校", "办理", "2026-03-02 09:00", "2026-03-09 10:00")  # 2 days late: -2, -4
    kit.deduction("2026-05-06", "乙校", "III-13.1")                            # -2
    state = SimpleNamespace(grids=kit.grids(), reads=[])

    def reader(book, sheets):
        state.reads.append(tuple(sheets))
        return {s: state.grids[s] for s in sheets if s in state.grids}
    cache = LedgerCache(reader, today=lambda: date(2026, 11, 25))
    monkeypatch.setattr(U, "CACHE", cache)
    state.cache = cache
    return state


def test_scores_equal_the_engine(ledger):
    v = versions()
    expected = assess(ledger.grids, today=date(2026, 11, 25))
    # 甲校: 95 - 2 (III-4.1) - 4 (III-8.2) = 89; 乙校: 95 - 2 = 93
    assert U.KAOHE_SCORE("甲校", None, CALLER, v) == 89 == expected.unit("甲校").total
    assert U.KAOHE_SCORE("乙校", None, CALLER, v) == 93
    assert U.KAOHE_SCORE("甲校", "业务办理", CALLER, v) == 54  # 60 - 6
    assert U.KAOHE_SCORE("甲校", "III-8", CALLER, v) == 6
    assert U.KAOHE_SCORE("甲校", "加分", CALLER, v) == 0
    assert U.KAOHE_DEDUCT("甲校", None, CALLER, v) == 6
    assert U.KAOHE_DEDUCT("甲校", "III-4", CALLER, v) == 2
    assert U.KAOHE_BONUS("乙校", CALLER, v) == 0
    assert U.KAOHE_RANK("乙校", CALLER, v) == 1 and U.KAOHE_RANK("甲校", CALLER, v) == 2


def test_short_chinese_errors_in_cells(ledger):
    v = versions()
    assert U.KAOHE_SCORE("丙校", None, CALLER, v) == "无此单位"
    assert U.KAOHE_SCORE("甲校", "III-99", CALLER, v) == "无此项目"
    assert U.KAOHE_SCORE("甲校", "不存在的指标", CALLER, v) == "无此项目"


def test_cache_reads_each_sheet_once_and_rereads_only_what_changed(ledger):
    v1 = versions()
    for _ in range(50):
        U.KAOHE_SCORE("甲校", None, CALLER, v1)
    assert len(ledger.reads) == 1 and len(ledger.reads[0]) == len(S.LEDGER_CODE_NAMES)  # one read of all ledger sheets
    assessment = ledger.cache.assessment(BOOK, v1)
    # staff type a new deduction for 甲校: VBA bumps the 扣分事件 counter
    ledger.grids["扣分事件"].append(["2026-06-01", "甲校", "III-4.2", None, "", "", ""])
    v2 = versions(shDeductions=1)
    assert U.KAOHE_SCORE("甲校", None, CALLER, v2) == 87  # 89 - 2
    assert ledger.reads[-1] == ("扣分事件",)  # only the changed sheet was read again
    assert ledger.cache.assessment(BOOK, v2) is not assessment
    # a new VBA session (counters reset) never reuses old grids
    U.KAOHE_SCORE("甲校", None, CALLER, versions("s2"))
    assert len(ledger.reads[-1]) == len(S.LEDGER_CODE_NAMES)


def test_date_functions_answer_columns_in_one_call(ledger):
    v = versions()
    received = [[datetime(2026, 1, 2, 10)], [datetime(2026, 2, 12, 9)], ["坏日期"], [None], [datetime(2026, 3, 2)]]
    kinds = [["办理"], ["办理"], ["办理"], [None], ["紧急"]]
    due = U.KAOHE_DUE(received, kinds, None, CALLER, v)
    # 01-02 + 3 working days (01-04 Sunday is 调休) = 01-06; 02-12 + 3 = 02-24 (02-14 调休, then Spring Festival)
    assert due == [[datetime(2026, 1, 6, 23, 59, 59)], [datetime(2026, 2, 24, 23, 59, 59)], ["日期无效"], [""],
                   ["紧急需时限"]]
    late = U.KAOHE_LATEDAYS([[datetime(2026, 3, 2, 9)], [datetime(2026, 3, 2, 9)]], [["办理"], ["咨询"]],
                            [[datetime(2026, 3, 9, 10)], [datetime(2026, 3, 4, 10)]], None, None, CALLER, v)
    # 办理 due 03-05, done 03-09: Fri 06 + Mon 09 = 2; 咨询 due 03-04, done 03-04: 0
    assert late == [[2], [0]]
    assert U.KAOHE_WORKDAYS([[date(2026, 1, 2)]], [[date(2026, 1, 6)]], CALLER, v) == [[3]]
    assert U.KAOHE_ISWORKDAY([[date(2026, 1, 4)], [date(2026, 1, 3)], [46027]], CALLER, v) == [[True], [False], [True]]
    assert U.KAOHE_ISWORKDAY([[date(2027, 3, 1)]], CALLER, v) == [["缺2027年日历"]]


def test_date_functions_use_the_holiday_sheet(ledger):
    ledger.grids["节假日"].append(["2027-01-01", "放假", "元旦"])
    v = versions(shHolidays=1)
    # Wed 2026-12-30 + 3: Thu 12-31, (Fri 01-01 放假), Mon 01-04, Tue 01-05
    assert U.KAOHE_DUE([[datetime(2026, 12, 30)]], [["办理"]], None, CALLER, v) == [[datetime(2027, 1, 5, 23, 59, 59)]]


def test_parse_versions():
    session, counters = parse_versions("abc|shOrders=3;shUnits=1")
    assert session == "abc" and counters["工单"] == "3" and counters["单位"] == "1" and counters["参数"] == ""
    assert parse_versions(None)[0] == ""


def test_due_needs_only_the_deadline_years_and_rejects_limits_before_receipt(monkeypatch):
    from xl_kaohe.core import functions as F
    # as-of 2027-01-06 (to assess December's 知识库): deadlines in 2026 still compute
    ctx = F.date_context(LedgerKit(asof="2027-01-06").grids())
    assert F.due(ctx, datetime(2026, 3, 2, 9), "咨询") == datetime(2026, 3, 4, 23, 59, 59)
    # a 办理时限 before 受理时间 (or a bare number read as a 1900 date) is 时限无效, as in the ledger
    assert F.due(ctx, datetime(2026, 3, 2, 9), "紧急", datetime(2026, 3, 1)) == "时限无效"
    assert F.late_days(ctx, datetime(2026, 3, 2, 9), "紧急", datetime(2026, 3, 3, 9), 24) == "时限无效"
