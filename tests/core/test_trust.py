"""Issue 9 on grids: months as Excel stores them, dates that have not happened yet (SPEC §13),
bounds, and problems that name their record."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerkit import LedgerKit, lines_of
from xl_kaohe.core import functions as F
from xl_kaohe.core.engine import assess
from xl_kaohe.core.ledger import ERROR, WARNING


def problems(a, level=None, sheet=None):
    return [p for p in a.result.problems if (level is None or p.level == level) and (sheet is None or p.sheet == sheet)]


# ---- 3. 知识库 月份 as typed or as Excel stores it --------------------------------------------

MONTH_FORMS = {1: "2026-01", 2: 2026.02, 3: 202603, 4: 2026.4, 5: datetime(2026, 5, 17), 6: 46174,
               7: "2026年7月", 8: "2026/8", 9: "2026.9", 10: 202610, 11: 2026.11}


def kb_kit(forms) -> LedgerKit:
    kit = LedgerKit(asof="2026-12-31").unit("甲校", compliant=False)
    for q in range(4):
        kit.study("甲校", date(2026, 3 * q + 2, 15))
    for m, form in forms.items():
        kit.knowledge(form, "甲校", date(2026, m, 28), 0, 0)
    return kit


def test_every_month_form_is_its_month():
    # 46174 = 46082 (2026-03-01) + 92 days = 2026-06-01. As of 2026-12-31 the months January to
    # November are due (December is due 2027-01-05): each is reported on the 28th, so no III-12.1.
    a = kb_kit(MONTH_FORMS).assess()
    assert lines_of(a, "甲校", "III-12") == []
    assert problems(a) == []


def test_march_typed_as_a_number_was_read_as_a_serial():
    # Before issue 9, 202603 was the Excel serial of a day in 2454: March scored 未报 −1.
    a = kb_kit({m: f"2026-{m:02d}" for m in range(1, 12)} | {3: 202603}).assess()
    assert lines_of(a, "甲校", "III-12") == []


def test_float_month_one_is_january_with_a_warning():
    # 2026.10 typed into a General cell is the number 2026.1: counted as January, and flagged.
    forms = {m: f"2026-{m:02d}" for m in range(1, 12)} | {1: 2026.1}
    a = kb_kit(forms).assess()
    (p,) = problems(a)
    assert (p.level, p.sheet, p.row, p.column) == (WARNING, "知识库", 2, "月份")
    assert "2026-10" in p.message and "202610" in p.message
    assert lines_of(a, "甲校", "III-12") == []


# ---- 4. SPEC §13: dates that have not happened yet --------------------------------------------

def open_order_kit() -> LedgerKit:
    # received Mon 2026-11-30, 办理: 3 working days -> due Thu 2026-12-03 23:59:59, still open
    return LedgerKit(asof="2026-12-31").unit("甲校").order("GD-1", "甲校", "办理", datetime(2026, 11, 30, 9))


def test_param_asof_after_today_is_capped_at_today():
    a = open_order_kit().assess(today=date(2026, 12, 1))
    assert a.result.ledger.params.asof == date(2026, 12, 1)
    # as of 12-01 the order is not due yet: no III-4.1, no III-8 (was: 拖延20个工作日, −40)
    assert lines_of(a, "甲校", "III-4") == [] and lines_of(a, "甲校", "III-8") == []
    (p,) = problems(a)
    assert (p.level, p.sheet, p.column) == (WARNING, "参数", "考核截止日期")
    assert "2026-12-31" in p.message and "2026-12-01" in p.message


def test_explicit_asof_after_today_is_a_projection():
    a = open_order_kit().assess(today=date(2026, 12, 1), asof=date(2026, 12, 31))
    assert a.result.ledger.params.asof == date(2026, 12, 31)
    # working days after the deadline up to 12-31: 12-04, 7–11, 14–18, 21–25, 28–31 = 1+5+5+5+4 = 20
    (late,) = lines_of(a, "甲校", "III-8")
    assert "拖延20个工作日" in late.note
    # the projection warning, and (SPEC §12) the late-December one: 2027's notice is not in the
    # ledger, and this open order's days late run to 12-31
    p, december = sorted(problems(a), key=lambda q: q.sheet != "参数")
    assert p.level == WARNING and "推算" in p.message and "2026-12-31" in p.message
    assert (december.level, december.sheet) == (WARNING, "节假日") and "12月下旬" in december.message


def test_param_asof_in_the_past_is_taken_as_is():
    a = open_order_kit().assess(today=date(2027, 1, 31))
    assert a.result.ledger.params.asof == date(2026, 12, 31)
    # no §13 warning; only §12's: late December may still change while 2027's notice is unknown
    assert [(q.level, q.sheet) for q in problems(a)] == [(WARNING, "节假日")]


# ---- 8. bounds ---------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [101, 1e308, 2026])
def test_count_above_100_is_an_error(count):
    a = LedgerKit().unit("甲校").deduction(date(2026, 4, 1), "甲校", "III-3.1", count).assess()
    (p,) = problems(a, ERROR)
    assert (p.sheet, p.row, p.column) == ("扣分事件", 2, "次数") and "超过 100" in p.message
    assert lines_of(a, "甲校", "III-3") == []


def test_count_of_100_is_accepted():
    a = LedgerKit().unit("甲校").deduction(date(2026, 4, 1), "甲校", "III-3.1", 100).assess()
    assert problems(a, ERROR) == [] and len(lines_of(a, "甲校", "III-3")) == 1


# ---- 7. problems name their record ---------------------------------------------------------------

def test_calendar_problem_of_an_order_carries_its_id():
    # 2027 has no calendar data (chinese-calendar ends with 2026) and no 节假日 row
    kit = LedgerKit(year=2027, asof="2027-03-31").unit("甲校", compliant=False)
    kit.order("GD-27", "甲校", "办理", datetime(2027, 3, 1, 9))
    a = kit.assess(today=date(2027, 4, 1))
    order_problems = problems(a, ERROR, "工单")
    assert order_problems and all(p.key == "GD-27" for p in order_problems)
    assert a.json()["problems"][[p.sheet for p in a.result.problems].index("工单")]["key"] == "GD-27"


# ---- 1. scored columns, on grids ---------------------------------------------------------------

def test_renamed_header_locating_column_names_what_was_found():
    kit = LedgerKit().unit("甲校").order("GD-1", "甲校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 4, 9))
    grids = kit.grids()
    grids["工单"][0][3] = "受理日期"  # 受理时间 renamed: the header row itself is no longer recognised
    a = assess(grids, today=date(2027, 1, 31))
    (p,) = problems(a, ERROR)
    assert (p.sheet, p.row, p.column) == ("工单", 1, "受理时间")
    assert "找到的表头：工单编号、承办单位、工单类型、受理日期" in p.message and "您是否指“受理日期”" in p.message
    assert a.unit("甲校").rates.completion is None  # the sheet is not scored, and says so


def test_missing_informative_column_is_fine():
    kit = LedgerKit().unit("甲校").order("GD-1", "甲校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 4, 9))
    grids = kit.grids()
    for row in grids["工单"]:
        del row[7:]  # no 诉求内容, no 备注
    assert assess(grids, today=date(2027, 1, 31)).result.problems == []


def test_did_you_mean_never_points_at_another_column():
    from xl_kaohe.core.validate.headers import missing_message
    # 办结时间 is close in spelling to 办理时限 but is a column of its own: no suggestion
    found = ["工单编号", "承办单位", "工单类型", "受理时间", "办结时间", "回访结果"]
    assert "您是否指" not in missing_message("工单", "办理时限", found)
    assert "您是否指“时限”" in missing_message("工单", "办理时限", found + ["时限"])


# ---- 6. no cell crashes the reading of an order ---------------------------------------------------

CELL = st.one_of(
    st.none(), st.just(""), st.just("   "), st.text(max_size=12), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**7),
    st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2027, 6, 1)),
    st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2027, 6, 1),
                 timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-5)), timezone(timedelta(hours=8))])),
    st.sampled_from(["咨询", "办理", "紧急", "投诉类", "24小时", "5个工作日", "2026-03-05 09:00", "202603"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(CELL, CELL, CELL, CELL), min_size=1, max_size=6))
def test_any_order_cells_are_scored_or_reported(cells):
    kit = LedgerKit().unit("甲校")
    for i, (received, kind, limit, done) in enumerate(cells):
        kit.order(f"GD-{i}", "甲校", kind, received, done, limit=limit)
    a = kit.assess()  # never raises
    scored = set(a.result.ledger.orders.row)
    reported = {p.row for p in a.result.problems if p.sheet == "工单"}
    assert all(r in scored or r in reported or cells[r - 2][1] == "表扬" for r in range(2, 2 + len(cells)))
    # the date functions answer every cell of the same column, one answer each
    ctx = F.date_context({}, today=date(2027, 1, 31))
    column = [[c[0]] for c in cells]
    answers = F.due(ctx, column, [[c[1]] for c in cells], [[c[2]] for c in cells])
    assert len(answers) == len(cells) and not any(isinstance(a, str) and a.startswith("出错") for (a,) in answers)
