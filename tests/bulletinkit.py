"""A small ledger over January–March 2026 where ranks change, with a tie, a unit with no due
order in a month, two categories and a unit that is not assessed (tests of §10).

Working days used (chinese_calendar 1.11): 2026-02-28 (Sat) is a 调休 working day; the spring
festival holiday is 02-15..02-23; January and March dates below are plain weekdays.

Orders (咨询: due the end of the 2nd working day after the receipt date; 办理: the 3rd):
  GD-A1 A 咨询 recv 01-12 Mon, due 01-14, done 01-16 -> late 2 days (01-15, 01-16): -2 -4
  GD-B1 B 办理 recv 01-12, due 01-15, done 01-14, 满意 -> on time
  GD-C1 C 咨询 recv 01-13, due 01-15, done 01-15 -> on time
  GD-A2 A 咨询 recv 02-02, due 02-04, done 02-03, 满意 -> on time
  GD-D1 D 办理 recv 02-24, due 02-27, done 03-03 -> at 02-28 open, 1 day late (02-28);
                                                  at 03-31 late 3 days (02-28, 03-02, 03-03)
  GD-A3 A 办理 recv 03-02, due 03-05, done 03-10 -> late 3 days (03-06, 03-09, 03-10): -2 -6
  GD-B2 B 咨询 recv 03-09, due 03-11, done 03-10, 满意 -> on time
  GD-C2 C 咨询 recv 03-20 Fri, due 03-24, open -> at 03-31 late 5 days (25 26 27 30 31)
Events: B 2026-02-10 III-4.2 ×2 (-4); A 2026-02-12 III-15.2 ×3 (+3).
Every unit is compliant (a 季度研究 row, on-time 知识库 rows), E is 参与考核=否.

Totals (95 base; III-14.2 +1 when 及时办理率 = 100%; III-10.1 -2 per point below 98%, cap 5):
            Jan-31        Feb-28                         Mar-31
  A (学校)  95-6   = 89   89+3 = 92                      92-8 = 84 (III-8: 4+6 = 10, the cap)
  B (学校)  95+1   = 96   95-4+1 = 92                    92
  C (处室)  95+1   = 96   96                             95-2-10-5 = 78 (1 of 2 done: 50%)
  D (学校)  95     = 95   95-2-2-5 = 86 (0 of 1 done)    95-2-6 = 87
  E (学校)  95 (not ranked)
Ranks in 学校: Jan B1 D2 A3; Feb A1 B1 (tie, 92) D3; Mar B1 D2 A3.
"""
from __future__ import annotations

from datetime import date, datetime

from ledgerkit import LedgerKit

from xl_kaohe.core import schema as S


def three_months(asof: str = "2026-03-31", board_size: int = 1) -> LedgerKit:
    kit = LedgerKit(asof=asof, **{S.P_BOARD_SIZE: board_size})
    kit.unit("A", category="学校").unit("B", category="学校").unit("C", category="处室")
    kit.unit("D", category="学校").unit("E", category="学校", participates="否")
    orders = [
        ("GD-A1", "A", "咨询", datetime(2026, 1, 12, 10), datetime(2026, 1, 16, 10), None),
        ("GD-B1", "B", "办理", datetime(2026, 1, 12, 9), datetime(2026, 1, 14, 9), "满意"),
        ("GD-C1", "C", "咨询", datetime(2026, 1, 13, 9), datetime(2026, 1, 15, 9), None),
        ("GD-A2", "A", "咨询", datetime(2026, 2, 2, 9), datetime(2026, 2, 3, 9), "满意"),
        ("GD-D1", "D", "办理", datetime(2026, 2, 24, 9), datetime(2026, 3, 3, 9), None),
        ("GD-A3", "A", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 10, 9), None),
        ("GD-B2", "B", "咨询", datetime(2026, 3, 9, 9), datetime(2026, 3, 10, 9), "满意"),
        ("GD-C2", "C", "咨询", datetime(2026, 3, 20, 9), None, None),
    ]
    for oid, unit, kind, received, completed, visit in orders:
        kit.order(oid, unit, kind, received, completed, visit=visit, content="市民来电内容（不得出现在通报中）")
    kit.deduction(date(2026, 2, 10), "B", "III-4.2", 2)
    kit.bonus(date(2026, 2, 12), "A", "III-15.2", 3)
    return kit


TODAY = date(2026, 4, 8)
