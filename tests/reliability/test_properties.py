"""Bad input never crashes the run, is always reported where it is, and never moves another
unit's score (SPEC §6, §8) -- property-based, with hypothesis.

Each generated ledger has *clean* units (every row of theirs is well-formed), *dirty* units (some
of their rows carry exactly one malformed cell) and rows naming units that do not exist. The
malformed cells are the things staff really type: impossible dates, text in number columns,
blanks in required columns, unknown units and codes, duplicate 工单编号, negative counts, dates
years away, 10 000-character strings, control characters and formula-looking text
(``=cmd|' /C calc'!A0``, ``+1``, ``-2``, ``@SUM(A1)``). The ledger is assessed twice: as
generated, and with the malformed rows left out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerkit import LedgerKit
from xl_kaohe.core import schema as S
from xl_kaohe.core.dates import to_serial
from xl_kaohe.core.engine import Assessment, assess
from xl_kaohe.core.outputs import unit_card_sheet
from xl_kaohe.core.rules import BONUS_ITEMS
from xl_kaohe.core.validate import LedgerError

CLEAN = ("甲校", "乙校", "丙校")
DIRTY = ("丁校", "戊校")
ALIASES = {"甲小": "甲校"}         # rows may name a unit by its 单位别名
UNKNOWN = "查无此校"
NEW_UNIT = "新校"
PHONE = "13912345678"             # every 联络电话, and inside every 诉求内容
PRIVATE = "幸福路"                 # inside every 诉求内容 (an address)
TODAY = date(2026, 11, 25)

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])

COLS = {spec.name: {c: i for i, c in enumerate(spec.columns)} for spec in S.INPUT_SHEETS}

# ---- what staff type: well-formed values -----------------------------------------------------------

DAYS = st.dates(date(2026, 1, 5), date(2026, 11, 30))
MOMENTS = st.builds(lambda d, h, m: datetime.combine(d, time(h, m)), DAYS, st.integers(0, 23), st.integers(0, 59))


def moment_forms(m: datetime) -> list[Any]:
    """The same moment as an Excel date cell, the text forms of SPEC §8, and a serial number."""
    return [m, m.strftime("%Y-%m-%d %H:%M"), f"{m.year}/{m.month}/{m.day} {m.hour}:{m.minute:02d}",
            f"{m.year}年{m.month}月{m.day}日 {m.hour}:{m.minute:02d}", to_serial(m)]


def day_forms(d: date) -> list[Any]:
    return [d, d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month}.{d.day}",
            f"{d.year}年{d.month}月{d.day}日", int(to_serial(d))]


@st.composite
def a_moment(draw, moment: datetime) -> Any:
    return draw(st.sampled_from(moment_forms(moment)))


@st.composite
def a_day(draw) -> Any:
    return draw(st.sampled_from(day_forms(draw(DAYS))))


UNIT_REFS = st.sampled_from(CLEAN + DIRTY + tuple(ALIASES))

# ---- what staff type: malformed values ---------------------------------------------------------------

FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(A1)", "=1+1", "+1", "-2", '=HYPERLINK("http://example.invalid","点我")']
HUGE = ["坏" * 10_000, "=" + "A" * 9_999]
CONTROL = ["\x00\x01坏\x07", "坏\x1b[31m值", "\u202e坏值", "坏\r\n值\t", "坏\ufeff\u200b"]
# "坏" first: no prefix of these is a date, a number, a code or an order type keyword
ALPHABET = st.sampled_from(list("abcXYZ0123456789 .-/:=+@!#%&*()[]{}|'\"<>\\\t\n\r\x00\x01\x07\x1b\x7f"
                                "坏错误值未知¥、，。") + ["\u200b", "\ufeff", "😀", "\u3000"])
JUNK_TEXT = st.text(alphabet=ALPHABET, max_size=30).map(lambda s: "坏" + s)
JUNK = st.one_of(st.sampled_from(FORMULAS + HUGE + CONTROL), JUNK_TEXT)
# "+1" reads as the number 1: it is a well-formed count or 分值, so number columns do without it
JUNK_NOT_A_NUMBER = JUNK.filter(lambda v: v != "+1")
BLANK = st.sampled_from([None, "", "   ", "\t"])

BAD_DATES = st.one_of(st.sampled_from(["2026/13/45", "2026-02-30", "五月", "2026.3", "3/5/2026", "2026-03-05 25:00",
                                       "明天", True, -5, 10**9, 0.5]), JUNK)
OUT_OF_PERIOD = st.sampled_from([date(2099, 3, 5), "2099-03-05", datetime(2099, 3, 5, 10, 0), "1999-12-31",
                                 datetime(2027, 1, 5, 9, 0)])
BAD_UNITS = st.one_of(st.just(UNKNOWN), BLANK, JUNK)
BAD_TYPES = st.one_of(st.sampled_from(["其他", "投诉咨询", 5]), BLANK, JUNK)
BAD_LIMITS = st.one_of(st.sampled_from(["尽快", "0小时", "2.5个工作日", "1.5天", "1e400小时", True]), JUNK)
BAD_CODES = st.one_of(st.sampled_from(["III-99.1", "III-4.9", "III-15.1", "III-8.1", "III-4", "Ⅲ—4（9）", "推诿", 4.2, True]),
                      BLANK, JUNK)
BAD_BONUS_CODES = st.one_of(st.sampled_from(["III-4.2", "III-15.9", "III-99.1", "III-14.2", "表扬"]), BLANK, JUNK)
BAD_COUNTS = st.one_of(st.sampled_from([0, -1, "-2", "两次", 1.5, "1.5", True, "0"]), JUNK_NOT_A_NUMBER)
BAD_KB_COUNTS = st.one_of(st.sampled_from([-1, "-2", "十", 1.5, True]), JUNK_NOT_A_NUMBER)
# NaN / Infinity are left out here: see test_non_finite_bonus_points_are_reported (a known bug)
BAD_POINTS = st.one_of(st.sampled_from([0, -1, "-2", "很多", "0"]), BLANK, JUNK_NOT_A_NUMBER)
BAD_MONTHS = st.one_of(st.sampled_from(["2026-13", "2026-00", "十三月", "2026/13", True, -5]), BLANK, JUNK)
BAD_ATTENDANCE = st.one_of(st.sampled_from(["早退", "出差"]), BLANK, JUNK)

# ---- rows ----------------------------------------------------------------------------------------


@dataclass
class Row:
    sheet: str
    values: list[Any]
    bad_column: str | None = None   # the column whose problem the row must produce
    after_good: bool = False        # a duplicate: goes after the rows it duplicates
    received: datetime | None = None


@st.composite
def good_order(draw, unit: str) -> Row:
    kind = draw(st.sampled_from(["咨询", "办理", "紧急", "投诉", "求助类", "表扬"]))
    received = draw(MOMENTS)
    limit = None
    if kind == "紧急" or draw(st.integers(0, 3)) == 0:
        limit = draw(st.one_of(
            st.sampled_from(["24小时", "48 小时", "5个工作日", "3工作日", "7天", "2日"]),
            st.integers(1, 200).map(lambda h: received + timedelta(hours=h))))
    completed = None
    if draw(st.integers(0, 3)):
        completed = draw(a_moment(received + timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))))
    visit = draw(st.sampled_from([None, "", "满意", "非常满意", "基本满意", "不满意", "非常不满意", "未回访"]))
    content = f"市民反映：家住{PRIVATE}{draw(st.integers(1, 99))}号，孩子入学问题，回电{PHONE}"
    values = [None, unit, kind, draw(a_moment(received)), limit, completed, visit, content, ""]
    return Row(S.ORDERS, values, received=received)


GOOD_CODES = ["III-1.1", "III-2.1", "III-3.1", "III-3.2", "Ⅲ—4（2）", "III-4.3 回复不符", "III-5.2", "III-5.3",
              "III-6.1", "III-7", "III-11.1", "III-12.1", "III-13.2 媒体曝光", "Ⅲ-13(3)"]
GOOD_COUNTS = [None, 1, 2, 3, "2", 5.0, 12, "+1"]
GOOD_BONUSES = [("III-14.1", None), ("III-15.1", None), ("Ⅲ—15（2）", None), ("III-16.3", None),
                ("III-16.1", "0.5"), ("III-16.2", 2), ("III-17.1", "1.5分"), ("III-15.1", 1)]


@st.composite
def good_deduction(draw, unit: str) -> Row:
    return Row(S.DEDUCTIONS, [draw(a_day()), unit, draw(st.sampled_from(GOOD_CODES)),
                              draw(st.sampled_from(GOOD_COUNTS)), "", "=说明也可以像公式", "登记人"])


@st.composite
def good_bonus(draw, unit: str) -> Row:
    code, points = draw(st.sampled_from(GOOD_BONUSES))
    return Row(S.BONUSES, [draw(a_day()), unit, code, draw(st.sampled_from([None, 1, 2])), points,
                           draw(st.sampled_from(["", "已认定"])), "说明"])


@st.composite
def good_meeting(draw, unit: str) -> Row:
    return Row(S.MEETINGS, [draw(a_day()), "例会", unit, draw(st.sampled_from(S.ATTENDANCE)),
                            draw(st.sampled_from(["", "是", "否"]))])


@st.composite
def good_knowledge(draw, unit: str) -> Row:
    m = draw(st.integers(1, 11))
    month = draw(st.sampled_from([f"2026-{m:02d}", f"2026年{m}月", date(2026, m, 1), f"2026{m:02d}"]))
    submitted = draw(st.one_of(st.none(), st.integers(1, 12).map(lambda d: date(2026, m + 1, d))))
    uses = draw(st.one_of(st.none(), st.integers(0, 40)))
    errors = None if uses is None else draw(st.integers(0, uses))
    return Row(S.KNOWLEDGE, [month, unit, submitted, uses, errors])


@st.composite
def good_study(draw, unit: str) -> Row:
    return Row(S.STUDIES, [unit, draw(a_day()), "研究12345工作"])


GOOD_ROWS = (good_order, good_deduction, good_bonus, good_meeting, good_knowledge, good_study)


def _set(row: Row, column: str, value: Any) -> None:
    row.values[COLS[row.sheet][column]] = value


@st.composite
def bad_order(draw) -> Row:
    row = draw(good_order(draw(st.sampled_from(DIRTY))))
    column = draw(st.sampled_from(["工单编号", "承办单位", "工单类型", "受理时间", "办理时限", "办结时间",
                                   "紧急无时限", "回访结果"]))
    row.bad_column = column
    if column == "工单编号":
        value = draw(st.sampled_from([None, "", "  ", "DUPLICATE"]))
        row.after_good = value == "DUPLICATE"
        _set(row, column, value)
    elif column == "承办单位":
        _set(row, column, draw(BAD_UNITS))
    elif column == "工单类型":
        _set(row, "办理时限", None)
        _set(row, column, draw(BAD_TYPES))
    elif column == "受理时间":
        _set(row, "工单类型", "办理")
        _set(row, "办理时限", None)
        _set(row, "办结时间", None)
        _set(row, column, draw(st.one_of(BLANK, BAD_DATES, OUT_OF_PERIOD)))
    elif column == "办理时限":
        _set(row, column, draw(st.one_of(BAD_LIMITS, st.just(row.received - timedelta(days=1)))))
    elif column == "办结时间":
        _set(row, column, draw(st.one_of(BAD_DATES, st.just(row.received - timedelta(hours=1)))))
    elif column == "紧急无时限":
        row.bad_column = "办理时限"
        _set(row, "工单类型", "紧急")
        _set(row, "办理时限", None)
    else:  # 回访结果: a warning, the order is still scored
        _set(row, column, draw(JUNK))
    return row


@st.composite
def bad_event(draw, sheet: str) -> Row:
    unit = draw(st.sampled_from(DIRTY))
    if sheet == S.DEDUCTIONS:
        row = draw(good_deduction(unit))
        column = draw(st.sampled_from(["日期", "单位名称", "扣分项", "次数"]))
    else:
        row = draw(good_bonus(unit))
        column = draw(st.sampled_from(["日期", "单位名称", "加分项", "次数", "分值", "认定情况"]))
    row.bad_column = column
    value = {
        "日期": st.one_of(BLANK, BAD_DATES, OUT_OF_PERIOD),
        "单位名称": BAD_UNITS,
        "扣分项": BAD_CODES,
        "加分项": BAD_BONUS_CODES,
        "次数": BAD_COUNTS,
        "分值": BAD_POINTS,
        "认定情况": st.sampled_from(["未认定", "不予认定", "待认定"]),  # a warning: not scored
    }[column]
    if column == "分值":
        _set(row, "加分项", "III-16.1")  # 酌情: a blank 分值 is an error too
    _set(row, column, draw(value))
    return row


@st.composite
def bad_meeting(draw) -> Row:
    row = draw(good_meeting(draw(st.sampled_from(DIRTY))))
    row.bad_column = column = draw(st.sampled_from(["会议日期", "单位名称", "出勤"]))
    _set(row, column, draw({"会议日期": st.one_of(BLANK, BAD_DATES, OUT_OF_PERIOD), "单位名称": BAD_UNITS,
                            "出勤": BAD_ATTENDANCE}[column]))
    return row


@st.composite
def bad_knowledge(draw) -> Row:
    row = draw(good_knowledge(draw(st.sampled_from(DIRTY))))
    row.bad_column = column = draw(st.sampled_from(["月份", "单位名称", "报送日期", "使用次数", "错误次数",
                                                    "错误多于使用"]))
    if column == "错误多于使用":
        row.bad_column = "错误次数"
        _set(row, "使用次数", 3)
        _set(row, "错误次数", 7)
    elif column == "错误次数":
        _set(row, "使用次数", 50)
        _set(row, column, draw(BAD_KB_COUNTS))
    else:
        _set(row, column, draw({"月份": st.one_of(BAD_MONTHS, st.sampled_from(["2099-03", "2025-12"])),
                                "单位名称": BAD_UNITS, "报送日期": BAD_DATES, "使用次数": BAD_KB_COUNTS}[column]))
    return row


@st.composite
def bad_study(draw) -> Row:
    row = draw(good_study(draw(st.sampled_from(DIRTY))))
    row.bad_column = column = draw(st.sampled_from(["单位名称", "研究日期"]))
    _set(row, column, draw(BAD_UNITS if column == "单位名称" else st.one_of(BLANK, BAD_DATES, OUT_OF_PERIOD)))
    return row


@st.composite
def bad_unit(draw) -> Row:
    """A 单位 row below the good ones (rows above them would take their names first)."""
    kind = draw(st.sampled_from(["duplicate", "blank", "participates", "alias"]))
    fresh = NEW_UNIT  # numbered when the ledger is put together
    if kind == "duplicate":
        name = draw(st.sampled_from(CLEAN + DIRTY))
        values = [draw(st.sampled_from([name, name[0] + " " + name[1:]])), "", "", "", "", PHONE, "是"]
        return Row(S.UNITS, values, "单位名称")
    if kind == "blank":
        return Row(S.UNITS, [draw(BLANK), "", "", "分管领导", "联络人", PHONE, "是"], "单位名称")
    if kind == "participates":  # a warning: the unit takes part
        return Row(S.UNITS, [fresh, "", "", "", "", PHONE, draw(JUNK)], "参与考核")
    return Row(S.UNITS, [fresh, draw(st.sampled_from(CLEAN)), "", "", "", PHONE, "是"], "单位别名")


@st.composite
def bad_holiday(draw) -> Row:
    if draw(st.booleans()):
        return Row(S.HOLIDAYS, [draw(st.one_of(BLANK, BAD_DATES)), "放假", "说明"], "日期")
    return Row(S.HOLIDAYS, [draw(a_day()), draw(st.one_of(BLANK, JUNK)), "说明"], "类型")


BAD_ROWS = st.one_of(bad_order(), bad_event(S.DEDUCTIONS), bad_event(S.BONUSES), bad_meeting(), bad_knowledge(),
                     bad_study(), bad_unit(), bad_holiday())


@dataclass
class Case:
    kit: LedgerKit                  # every row
    good_kit: LedgerKit             # the well-formed rows only
    expected: list[tuple[str, int, str]] = field(default_factory=list)  # (sheet, row, column) of each bad cell

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        rows = {k: v for k, v in self.kit.rows.items() if v}
        return f"Case(expected={self.expected!r}, rows={_short(rows)!r})"


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 40:
        return value[:40] + f"…({len(value)} chars)"
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(v) for v in value]
    return value


def _kit(units: list[list[Any]]) -> LedgerKit:
    kit = LedgerKit()
    # next year's 元旦 declared, as in the shipped ledger: an as-of date of 31 December then
    # carries no "late December may change" warning (SPEC §12), which would be no false alarm
    kit.holiday(date(2027, 1, 1), "放假", "2027年元旦")
    for name, alias, category, participates in units:
        kit.unit(name, category=category, aliases=alias, participates=participates)
        kit.rows[S.UNITS][-1][3:6] = ["分管领导", "联络人", PHONE]
    return kit


@st.composite
def ledgers(draw, max_bad: int = 12) -> Case:
    units = [[name, "、".join(a for a, owner in ALIASES.items() if owner == name),
              draw(st.sampled_from(["", "小学", "中学"])), draw(st.sampled_from(["是", "是", "否", ""]))]
             for name in CLEAN + DIRTY]
    good: dict[str, list[Row]] = {spec.name: [] for spec in S.INPUT_SHEETS}
    for make in GOOD_ROWS:
        for row in draw(st.lists(UNIT_REFS.flatmap(make), max_size=8)):
            good[row.sheet].append(row)
    for i, row in enumerate(good[S.ORDERS]):
        _set(row, "工单编号", f"GD-{i + 1:04d}")
    bad: list[Row] = draw(st.lists(BAD_ROWS, min_size=min(1, max_bad), max_size=max_bad))
    for i, row in enumerate(r for r in bad if r.sheet == S.ORDERS):
        if row.after_good:  # a duplicate of an earlier order's 编号 (or a blank one if there is none)
            ids = [r.values[0] for r in good[S.ORDERS]]
            row.values[0] = ids[draw(st.integers(0, len(ids) - 1))] if ids else None
        elif row.bad_column != "工单编号":
            row.values[0] = f"BAD-{i + 1:04d}"

    for i, row in enumerate(r for r in bad if r.sheet == S.UNITS and r.values[0] == NEW_UNIT):
        row.values[0] = f"{NEW_UNIT}{i + 1}"
    case = Case(_kit(units), _kit(units))
    for spec in S.INPUT_SHEETS:
        sheet = spec.name
        rows = list(good[sheet]) + [r for r in bad if r.sheet == sheet and not r.after_good]
        if sheet != S.UNITS:
            rows = draw(st.permutations(rows))
        rows += [r for r in bad if r.sheet == sheet and r.after_good]
        first = len(case.kit.rows[sheet]) + 2  # row 1 is the header
        for i, row in enumerate(rows):
            case.kit.rows[sheet].append(row.values)
            if row.bad_column:
                case.expected.append((sheet, first + i, row.bad_column))
            else:
                case.good_kit.rows[sheet].append(row.values)
    return case


# ---- checks -------------------------------------------------------------------------------------------

def snapshot(unit) -> tuple:
    """Everything a unit's score is made of, except source row numbers (they move when rows go)."""
    return (unit.total, unit.bonus, unit.bonus_raw, unit.rates, unit.has_errors,
            {code: (i.score, i.raw, i.deducted) for code, i in unit.items.items()},
            sorted((l.code, l.points, l.note) for l in unit.lines))


def check_invariants(a: Assessment) -> None:
    rubric = a.result.ledger.rubric
    assert rubric.bonus_cap == 5
    for u in a.result.units:
        assert u.total == sum(u.category_scores().values(), Decimal(0)) + u.bonus
        assert u.total == u.base_score + u.bonus
        for code, item in u.items.items():
            assert 0 <= item.score <= item.points == rubric.items[code].points, (u.name, code)
            assert item.raw == -sum((l.points for l in u.lines if l.item == code), Decimal(0))
            assert item.deducted == min(item.raw, item.points)
        assert u.bonus_raw == sum((l.points for l in u.lines if l.item in BONUS_ITEMS), Decimal(0))
        assert 0 <= u.bonus == min(u.bonus_raw, 5) <= 5
        assert all(l.points < 0 for l in u.lines if l.item not in BONUS_ITEMS)
        assert 0 <= u.total <= 100
    # competition ranking (1, 2, 2, 4) over the units that take part; the others have no rank
    ranked = [u for u in a.ordered if u.unit.participates]
    assert a.ordered == ranked + [u for u in a.result.units if not u.unit.participates]
    assert [u.rank for u in ranked] == sorted(u.rank for u in ranked)
    for u in ranked:
        assert u.rank == 1 + sum(v.total > u.total for v in ranked)
        assert u.tied == any(v is not u and v.total == u.total for v in ranked)
        peers = [v for v in ranked if v.unit.category == u.unit.category]
        expected = 1 + sum(v.total > u.total for v in peers) if u.unit.category else None
        assert u.category_rank == expected
    for u in a.result.units:
        if not u.unit.participates:
            assert u.rank is None and u.category_rank is None and not u.tied


def all_output_text(a: Assessment) -> str:
    """Every output sheet (排名, 得分明细, 扣分依据, 校验 and each 单位明细) and the JSON, as text;
    building them must not raise either."""
    sheets = a.sheets() + [unit_card_sheet(a.result, u) for u in a.ordered]
    parts = [json.dumps(a.json(), ensure_ascii=False)]
    for sheet in sheets:
        parts += [sheet.name, sheet.title or ""] + [c.header for c in sheet.columns]
        parts += [str(v) for row in sheet.rows for v in row if v is not None]
    return "\n".join(parts)


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# ---- properties ----------------------------------------------------------------------------------------

@FAST
@given(case=ledgers())
def test_bad_cells_are_reported_where_they_are_and_never_move_other_units(case: Case) -> None:
    full = case.kit.assess()            # never raises
    text = all_output_text(full)        # nor does building any output
    good = case.good_kit.assess()

    # well-formed rows give no problem at all (no false alarms) ...
    assert good.result.problems == []
    # ... and every malformed cell is reported with its sheet, row and column, in Chinese
    found = {(p.sheet, p.row, p.column) for p in full.result.problems}
    missing = [where for where in case.expected if where not in found]
    assert not missing, missing
    bad_rows = {(sheet, row) for sheet, row, _ in case.expected}
    for p in full.result.problems:
        assert (p.sheet, p.row) in bad_rows, p
        assert is_chinese(p.message) and "Traceback" not in p.message
        assert len(p.value) <= 61 and "\n" not in p.value  # 校验 shows a clipped, one-line value

    # the units whose rows are all good score exactly as if the bad rows were not there
    for name in CLEAN:
        before, after = good.unit(name), full.unit(name)
        assert snapshot(after) == snapshot(before), name
        assert not after.has_errors

    for a in (full, good):
        check_invariants(a)
    # 诉求内容 and 联络电话 are never validated, so never echoed
    assert PHONE not in text and PRIVATE not in text


@FAST
@given(case=ledgers(max_bad=0))
def test_invariants_of_well_formed_ledgers(case: Case) -> None:
    """Bigger, all-good ledgers: caps, bonus cap and ranking hold whatever the rows add up to."""
    a = case.kit.assess()
    assert a.result.problems == []
    check_invariants(a)
    sheet = a.sheets()[0]
    total = [c.header for c in sheet.columns].index("总分")
    assert [(row[0], row[1], row[total]) for row in sheet.rows] == [(u.rank, u.name, u.total) for u in a.ordered]


PARAM_VALUES = st.one_of(BLANK, JUNK, OUT_OF_PERIOD, st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                         st.booleans(), st.sampled_from(["2026", "2026年", "2026年度", 2026.0, "2026-06-30",
                                                         "工作日", "自然日", "按比例", "满1%计", "是", "否",
                                                         "满意、基本满意", "31", "0"]))


@FAST
@given(values=st.dictionaries(st.sampled_from(S.PARAM_KEYS), PARAM_VALUES, max_size=len(S.PARAM_KEYS)))
def test_any_params_give_a_result_or_a_clear_ledger_error(values: dict[str, Any]) -> None:
    """参数 is typed by staff too: whatever is in it, the run scores or stops with LedgerError
    (exit code 2, a Chinese message) -- never another exception."""
    kit = LedgerKit(asof=None).unit("甲校").unit("乙校")
    kit.order("GD-1", "甲校", "办理", "2026-03-02 09:00", "2026-03-09 10:00")
    grids = kit.grids()
    grids[S.PARAMS] = [["参数", "值"]] + [[key, value] for key, value in values.items()]
    try:
        a = assess(grids, today=TODAY)
    except LedgerError as e:
        assert is_chinese(str(e))
        return
    all_output_text(a)
    check_invariants(a)
    for p in a.result.problems:
        assert is_chinese(p.message)
        if p.sheet == S.PARAMS:
            assert p.column in S.PARAM_KEYS and p.row is not None


# ---- known bugs: non-finite numbers -----------------------------------------------------------------------

NON_FINITE = ["NaN", "sNaN", "Infinity", "inf"]


def _assess_and_outputs(kit: LedgerKit) -> Assessment:
    a = kit.assess()
    all_output_text(a)
    return a


@pytest.mark.parametrize("value", NON_FINITE)
def test_non_finite_bonus_points_are_reported(value: str) -> None:
    kit = LedgerKit().unit("甲校")
    kit.bonus("2026-03-02", "甲校", "III-16.1", None, value)
    a = _assess_and_outputs(kit)
    assert (S.BONUSES, 2, "分值") in {(p.sheet, p.row, p.column) for p in a.result.problems}
    assert a.unit("甲校").bonus == 0


RULE_HEADER = ["编码", "一级指标", "二级指标", "三级指标", "分值", "细则", "每次分值", "来源", "阈值"]


@pytest.mark.parametrize("code,column", [("III-4", "分值"), ("III-4.1", "每次分值"), ("III-9.1", "阈值"),
                                         ("加分上限", "分值")])
@pytest.mark.parametrize("value", ["NaN", "Infinity"])
def test_non_finite_rule_numbers_are_reported(code: str, column: str, value: str) -> None:
    kit = LedgerKit().unit("甲校")
    kit.order("GD-1", "甲校", "办理", "2026-03-02 09:00", "2026-03-12 09:00", visit="不满意")
    row: list[Any] = [None] * len(RULE_HEADER)
    row[0], row[RULE_HEADER.index(column)] = code, value
    kit.rule_rows = [RULE_HEADER, row]
    a = _assess_and_outputs(kit)
    assert (S.RULES, 2, column) in {(p.sheet, p.row, p.column) for p in a.result.problems}
    check_invariants(a)


# ---- a second bad cell in the same 加分事件 row is reported too -------------------------------------------------

def test_bad_bonus_points_are_reported_even_when_the_code_is_bad_too() -> None:
    kit = LedgerKit().unit("甲校")
    kit.bonus("2026-03-02", "甲校", "坏编码", None, "-2")       # row 2
    kit.bonus("2026-03-02", "甲校", "III-4.2", None, "很多")    # row 3: a deduction code in 加分事件
    found = {(p.sheet, p.row, p.column) for p in kit.assess().result.problems}
    assert {(S.BONUSES, 2, "加分项"), (S.BONUSES, 3, "加分项")} <= found
    assert {(S.BONUSES, 2, "分值"), (S.BONUSES, 3, "分值")} <= found


# ---- imports: nothing is lost, hand edits are never overwritten silently (issue 14) ---------------

from xl_kaohe.core.aliases import DEFAULT_HEADER_ALIASES  # noqa: E402
from xl_kaohe.core.import_memory import ImportMemory  # noqa: E402
from xl_kaohe.core.importing import clean_text, export_columns, ledger_orders, plan_import  # noqa: E402
from xl_kaohe.core.rules import DEFAULT_TYPE_MAP  # noqa: E402

IMPORT_UNITS = {"甲校": "甲校", "乙校": "乙校"}
EXPORT_HEADER = ["工单编号", "承办单位", "回访结果", "诉求内容"]
IMPORT_TEXT = st.sampled_from(["满意", "不满意", "基本满意", "", "=1+1", "  空格 ", "甲校", "内容\n两行"])


def _apply(grid: list[list[Any]], plan) -> list[list[Any]]:
    """What the writer does with a plan, on a plain grid (worksheet row r is grid[r-1])."""
    grid = [list(row) for row in grid]
    for row_number, cells in plan.cell_edits().items():
        while len(grid) < row_number:
            grid.append([None] * len(S.ORDER_COLUMNS))
        for c, value in cells.items():
            grid[row_number - 1] += [None] * (c + 1 - len(grid[row_number - 1]))
            grid[row_number - 1][c] = value
    return grid


def _canon(column: int, value: Any) -> str:
    text = clean_text(value)
    return "".join(text.split()) if column == 1 else text  # units are compared without spaces


def _run_import(grid, export, memory, prefer=False):
    orders = ledger_orders(grid, keep=export_columns(export, DEFAULT_HEADER_ALIASES))  # as the job reads them
    plan = plan_import(export, orders, aliases=DEFAULT_HEADER_ALIASES,
                       type_map=DEFAULT_TYPE_MAP, units=IMPORT_UNITS, memory=memory, prefer_export=prefer)
    return plan, _apply(grid, plan)


export_rows = st.lists(st.tuples(st.sampled_from([f"GD-{i}" for i in range(8)] + ["", "GD-1-01"]),
                                 st.sampled_from(["甲校", "乙校", "丙校"]), IMPORT_TEXT, IMPORT_TEXT),
                       max_size=12)


@FAST
@given(first=export_rows, second=export_rows,
       edits=st.lists(st.tuples(st.integers(0, 9), st.sampled_from([1, 6, 7, 8]), IMPORT_TEXT), max_size=6),
       prefer=st.booleans())
def test_import_loses_nothing_and_keeps_hand_edits(first, second, edits, prefer) -> None:
    ledger = [list(S.ORDER_COLUMNS), ["OWN-1", "甲校", "咨询", "2026-03-01", None, None, "满意", "自己录的", "备注"]]
    memory = ImportMemory()
    plan1, ledger = _run_import(ledger, [EXPORT_HEADER, *map(list, first)], memory)
    imported = [list(row) for row in ledger]
    for r, c, value in edits:  # the clerk edits some cells by hand
        if r + 1 < len(ledger):
            ledger[r + 1][c] = value
    hand = {(row[0], c) for row, old in zip(ledger, imported) for c in range(len(row))
            if c < len(old) and _canon(c, row[c]) != _canon(c, old[c])}
    # (the same text again, with other spaces around it, or clearing a blank cell, is no edit:
    # the import compares texts trimmed, units without spaces)
    before = [list(row) for row in ledger]
    plan2, after = _run_import(ledger, [EXPORT_HEADER, *map(list, second)], plan1.memory, prefer)

    # nothing is lost: every row is still there, 备注 and columns the export lacks untouched
    for i, row in enumerate(before):
        assert after[i][0] == row[0]
        assert after[i][3:6] == row[3:6] and after[i][8:] == row[8:]
    ids = {str(row[0]) for row in after[1:] if row[0]}
    assert {r[0] for r in second if r[0]} <= ids and {r[0] for r in first if r[0]} <= ids
    # a hand edit changes only where the plan says so: a conflict overridden by --prefer-export
    overridden = {(c.order_id, S.ORDER_COLUMNS.index(c.column)) for c in plan2.conflicts}
    written = {(u.order_id, S.ORDER_COLUMNS.index(col)) for u in plan2.updates for col in u.cells}
    for i, row in enumerate(before[1:], start=1):
        for c in (1, 6, 7):
            key = (row[0], c)
            if key in hand and after[i][c] != row[c]:
                assert prefer and key in overridden and key in written
    if not prefer:
        assert not (overridden & written)
