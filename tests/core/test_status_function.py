"""KAOHE_STATUS (SPEC §9): one call per column, the same states as kaohe warn. 2026-11 has no
holidays; weekends 11-21/22 and 11-28/29."""
from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import udfs.kaohe_udfs as U
from ledgerkit import LedgerKit
from xl_kaohe.core import functions as F
from xl_kaohe.excel.cache import LedgerCache

ROWS = [  # 受理时间, 工单类型, 办结时间, 办理时限 -> state at Fri 2026-11-27 09:30
    ("2026-11-26 09:00", "咨询", "2026-11-26 17:00", None),  # due 11-30, done before: 按时办结
    ("2026-11-16 09:00", "咨询", "2026-11-27 08:00", None),  # due 11-18 23:59:59, done after: 超时办结
    ("2026-11-27 08:00", "办理", None, None),                # due 12-02: (11-27, 12-02] = 3 left: 未到期
    ("2026-11-26 10:00", "咨询", None, "24小时"),            # due 11-27 10:00: 0 left: 即将到期
    ("2026-11-24 09:00", "咨询", None, None),                # due 11-26 23:59:59: 已超期
    ("2026-11-24 09:00", "表扬", None, None),                # 不考核
    ("2026-11-24 09:00", "咨询", "2026-11-27 12:00", None),  # done only after the moment: 已超期
    ("2026年13月1日", "咨询", None, None),                    # 日期无效
    (None, None, None, None),                                  # blank row: blank
    ("2026-11-24 09:00", "紧急", None, None),                # 紧急需时限
]


def ctx(asof="2026-11-27", **params):
    return F.date_context(LedgerKit(asof=asof, **params).grids(), today=date(2026, 12, 31))


def column(i):
    return [[row[i]] for row in ROWS]


def test_each_state_in_one_call():
    got = F.status(ctx(), column(0), column(1), column(2), column(3), "2026-11-27 09:30")
    assert got == [["按时办结"], ["超时办结"], ["未到期"], ["即将到期"], ["已超期"], ["不考核"], ["已超期"],
                   ["日期无效"], [""], ["紧急需时限"]]


def test_a_date_means_its_end_and_the_default_is_the_ledgers_asof():
    # at 11-27 23:59:59 the 24小时 order (due 10:00) is overdue, and the one done at 12:00 is 超时办结
    expected = [["按时办结"], ["超时办结"], ["未到期"], ["已超期"], ["已超期"], ["不考核"], ["超时办结"],
                ["日期无效"], [""], ["紧急需时限"]]
    assert F.status(ctx(), column(0), column(1), column(2), column(3), date(2026, 11, 27)) == expected
    assert F.status(ctx("2026-11-27"), column(0), column(1), column(2), column(3)) == expected


def test_hour_precision_and_excel_datetimes():
    one = ("2026-11-26 10:00", "咨询", None, "24小时")
    assert F.status(ctx(), *one, datetime(2026, 11, 27, 9, 30)) == "即将到期"
    assert F.status(ctx(), *one, datetime(2026, 11, 27, 10, 1)) == "已超期"
    # =NOW() arrives as a serial number with a fraction: 46353 is 2026-11-27, .4 is 09:36
    assert F.status(ctx(), *one, 46353.4) == "即将到期"
    # a time typed as midnight is that moment, not the end of the day
    assert F.status(ctx(), *one, "2026-11-27 00:00") == "即将到期"   # due at 10:00
    assert F.status(ctx(), *one, "2026-11-27") == "已超期"           # the end of the day


def test_n_is_the_parameter():
    # 办理 received Thu 11-26: due 12-01; at 11-27: {11-30, 12-01} = 2 working days left
    order = ("2026-11-26 11:00", "办理", None)
    assert F.status(ctx(), *order, None, "2026-11-27 09:30") == "未到期"
    assert F.status(ctx(预警工作日数=2), *order, None, "2026-11-27 09:30") == "即将到期"


def test_received_after_the_moment_is_not_due_and_unknown_years_say_so():
    assert F.status(ctx(), "2026-11-27 11:00", "咨询", None, None, "2026-11-27 09:30") == "未到期"
    # 2026-12-30 + 2 working days reaches into 2027, a year chinese-calendar 1.11 does not know
    assert F.status(ctx(), "2026-12-30 09:00", "咨询", None, None, "2026-12-31") == "缺2027年日历"
    assert F.status(ctx(), "2026-11-24", "咨询", None, None, "明天") == "日期无效"


def test_the_udf_wrapper(monkeypatch):
    kit = LedgerKit(asof="2026-11-27").unit("甲校")
    grids = kit.grids()
    cache = LedgerCache(lambda book, sheets: {s: grids[s] for s in sheets if s in grids},
                        today=lambda: date(2026, 12, 31))
    monkeypatch.setattr(U, "CACHE", cache)
    caller = SimpleNamespace(sheet=SimpleNamespace(book=SimpleNamespace(fullname="C:\\台账\\考核台账.xlsm")))
    got = U.KAOHE_STATUS(column(0), column(1), column(2), column(3), None, caller, "s1|")
    assert [r[0] for r in got][:7] == ["按时办结", "超时办结", "未到期", "已超期", "已超期", "不考核", "超时办结"]
