"""Properties of 申诉复核 decisions on event rows, over random ledgers (hypothesis)."""
from decimal import Decimal

from hypothesis import HealthCheck, given, settings, strategies as st

from ledgerkit import LedgerKit, unit_of
from xl_kaohe.core.rules import default_rubric

MANUAL = sorted(c.code for c in default_rubric().clauses.values() if c.manual and not c.is_bonus)

events = st.lists(st.tuples(st.sampled_from(MANUAL), st.integers(1, 6)), min_size=1, max_size=8)
appeals = st.lists(st.tuples(st.integers(0, 9), st.sampled_from(["待复核", "维持", "撤销", "减免"]),
                             st.sampled_from([Decimal("0.5"), Decimal("1"), Decimal("2.25"), Decimal("40")])),
                   max_size=8)


def run(rows, decisions=()):
    kit = LedgerKit().unit("甲校")
    for code, count in rows:
        kit.deduction("2026-05-06", "甲校", code, count)
    for index, decision, relief in decisions:
        kit.appeal("甲校", f"扣分事件!{2 + index}", decision, relief if decision == "减免" else None,
                   filed="2026-05-07")
    return kit.assess()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events, appeals)
def test_appeals_only_give_points_back_and_items_stay_in_range(rows, decisions):
    plain, a = run(rows), run(rows, decisions)
    u, before = unit_of(a, "甲校"), unit_of(plain, "甲校")
    assert before.total <= u.total <= 95
    for line in u.lines:
        # never below the original, never above 0; the original is what the rule gave
        assert line.original_points <= line.points <= 0
    for code, item in u.items.items():
        assert 0 <= item.score <= item.points and item.raw <= before.items[code].raw
    restored = sum((o.restored for o in u.appeals if o.applied), Decimal(0))
    assert sum(before.items[c].raw for c in u.items) - sum(i.raw for i in u.items.values()) == restored
    if all(d in ("待复核", "维持") for _, d, _ in decisions):
        assert u.total == before.total
