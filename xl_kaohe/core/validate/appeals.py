"""The 申诉复核 sheet (SPEC §11): every row checked against the validated ledger.

An appeal names an object — an order (`GD-0012`, `工单 GD-0012`), an event row (`扣分事件!17`,
`会议!8`, `加分事件!5`), a knowledge-base month (`知识库 2026-03`) or a quarter's study
(`季度研究 2026Q2`). The object must be among the scored rows and belong to the appeal's unit,
and the decision must be one of 待复核 / 维持 / 撤销 / 减免 (blank: 待复核, a fresh appeal). Rows
with errors are listed in 校验 and not applied.

What depends on the points an object cost (减免 above its deduction, 撤销 of something that
cost nothing) is known only once the rules have run: ``relief_problem`` and
``nothing_to_revoke`` word those checks for core/appeals.py.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from .. import schema as S
from ..calendar import CalendarError
from ..dates import DateError, parse_date
from ..ledger import ERROR, WARNING, Appeal, AppealTarget, Ledger, Orders, Problem
from ..tables import Grid, find_table, is_blank
from ..timeliness import compute_timeliness
from .cells import Collector, display, name_key, parse_points, plain_text, text_of

PENDING, UPHELD, REVOKED, REDUCED = S.APPEAL_DECISIONS
EFFECTIVE = (REVOKED, REDUCED)   # the decisions that change points

ROW_SHEETS = (S.DEDUCTIONS, S.MEETINGS, S.BONUSES)
FORMS = "工单编号（如 GD-0012 或 工单 GD-0012）、扣分事件!17、会议!8、加分事件!5、知识库 2026-03、季度研究 2026Q2"

_ROW_RE = re.compile(r"^(\S+?)\s*!\s*(\d+)$")        # text_of folds ！ to !
_MONTH_RE = re.compile(r"^知识库\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_QUARTER_RE = re.compile(r"^季度研究\s*(\d{4})\s*(?:[Qq]|年\s*第?)\s*([1-4一二三四])\s*(?:季度)?$")
_ORDER_PREFIX_RE = re.compile(r"^工单\s*[:：]?\s*(\S+)$")
_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4}


class TargetError(ValueError):
    """对象 cannot be read or found; the message is Chinese."""


def parse_target(value: Any) -> tuple:
    """对象 -> ("order", id) | ("row", sheet, row) | ("month", date) | ("quarter", year, q).
    Raises TargetError for anything else."""
    text = text_of(value)
    if not text:
        raise TargetError("对象为空")
    m = _ROW_RE.match(text)
    if m:
        sheet, row = m.group(1), int(m.group(2))
        if sheet in ROW_SHEETS:
            return ("row", sheet, row)
        if sheet == S.ORDERS:
            raise TargetError("申诉工单请写工单编号（如 GD-0012 或 工单 GD-0012），不写行号")
        raise TargetError(f"只能申诉「{'」「'.join(ROW_SHEETS)}」表的行，对象应为：{FORMS}")
    m = _MONTH_RE.match(text)
    if m:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise TargetError(f"“{text}”不是有效的月份（应为 知识库 2026-03）")
        return ("month", date(int(m.group(1)), month, 1))
    if text.startswith("知识库"):
        raise TargetError("知识库对象应写成“知识库 2026-03”（年-月）")
    m = _QUARTER_RE.match(text)
    if m:
        q = m.group(2)
        return ("quarter", int(m.group(1)), _CN_QUARTER.get(q) or int(q))
    if text.startswith("季度研究"):
        raise TargetError("季度研究对象应写成“季度研究 2026Q2”（年 + Q + 季度 1–4）")
    m = _ORDER_PREFIX_RE.match(text)
    if m:
        return ("order", m.group(1))
    if len(text.split()) == 1:
        return ("order", text)
    raise TargetError(f"对象“{display(value)}”无法识别，应为：{FORMS}")


class _Objects:
    """Looks objects up in the validated ledger (built lazily: most ledgers have few appeals)."""

    def __init__(self, ledger: Ledger, grids: Mapping[str, Grid]):
        self.ledger, self.grids = ledger, grids
        self._orders: dict[str, int] | None = None
        self._rows: dict[str, dict[int, Any]] = {}
        self._deadlines: dict[int, date | None] = {}

    def order(self, order_id: str) -> int:
        if self._orders is None:
            self._orders = {}
            for i, oid in enumerate(self.ledger.orders.order_id):
                self._orders.setdefault(oid, i)
        index = self._orders.get(order_id)
        if index is None and order_id.startswith("工单"):
            index = self._orders.get(order_id[2:].strip())
        if index is None:
            if self._in_order_sheet(order_id):
                raise TargetError(f"工单 {order_id} 未计分（该行有错误、不在考核期内或本就不考核），无需申诉")
            raise TargetError(f"「{S.ORDERS}」表中没有工单 {order_id}")
        return index

    def _in_order_sheet(self, order_id: str) -> bool:
        table = find_table(self.grids.get(S.ORDERS) or [], S.ORDERS, ("工单编号",))
        if table is None:
            return False
        get = table.getter("工单编号")
        return any(text_of(get(row)) == order_id for _, row in table.rows())

    def row(self, sheet: str, row: int):
        if sheet not in self._rows:
            source = {S.DEDUCTIONS: self.ledger.deductions, S.BONUSES: self.ledger.bonuses,
                      S.MEETINGS: self.ledger.meetings}[sheet]
            self._rows[sheet] = {item.row: item for item in source}
        found = self._rows[sheet].get(row)
        if found is None:
            raise TargetError(f"{sheet}!{row} 不是计分的行（空行、有错误或不在考核期内）")
        return found

    def prepare_deadlines(self, values) -> None:
        """Deadlines of every order the 对象 cells name, in one vector pass (not one per appeal)."""
        wanted = []
        for value in values:
            try:
                parsed = parse_target(value)
                if parsed[0] == "order":
                    wanted.append(self.order(parsed[1]))
            except TargetError:
                pass  # reported when the row is read
        wanted = sorted(set(wanted))
        if not wanted:
            return
        o, some = self.ledger.orders, Orders()
        for i in wanted:
            some.append(o.row[i], o.order_id[i], o.unit[i], o.kind[i], o.received[i], o.limit[i],
                        o.completed[i], o.visit[i])
        t = compute_timeliness(some, self.ledger.rubric, self.ledger.calendar, self.ledger.params)
        days = t.due.astype("datetime64[D]").tolist()
        self._deadlines = {i: None if bad else day for i, day, bad in zip(wanted, days, t.calendar_bad.tolist())}

    def deadline(self, index: int) -> date | None:
        """The order's deadline (应办结时间) as a date; None when its calendar is unknown."""
        return self._deadlines.get(index)


def resolve(parsed: tuple, unit: str, objects: _Objects) -> tuple[AppealTarget, str]:
    """-> (target, owner unit). Raises TargetError when the object is not in the ledger."""
    params = objects.ledger.params
    kind = parsed[0]
    if kind == "order":
        i = objects.order(parsed[1])
        orders = objects.ledger.orders
        target = AppealTarget("order", f"工单 {orders.order_id[i]}", f"{S.ORDERS}!{orders.row[i]}",
                              objects.deadline(i), i)
        return target, orders.unit[i]
    if kind == "row":
        _, sheet, row = parsed
        item = objects.row(sheet, row)
        key = f"{sheet}!{row}"
        return AppealTarget("row", key, key, item.day), item.unit
    if kind == "month":
        month = parsed[1]
        if month.year != params.year:
            raise TargetError(f"{month.strftime('%Y-%m')} 不在 {params.year} 考核年度")
        key = f"{S.KNOWLEDGE} {month.strftime('%Y-%m')}"
        return AppealTarget("month", key, key, params.kb_deadline(month)), unit
    _, year, q = parsed
    if year != params.year:
        raise TargetError(f"{year}年第{q}季度不在 {params.year} 考核年度")
    key = f"{S.STUDIES} {year}Q{q}"
    return AppealTarget("quarter", key, key, params.quarter_end(q)), unit


def _table(grids: Mapping[str, Grid], out: Collector):
    grid = grids.get(S.APPEALS)
    if grid is None:
        return None  # a ledger from before part two: no appeals, nothing to report
    spec = S.SHEET_SPECS[S.APPEALS]
    table = find_table(grid, S.APPEALS, spec.required)
    if table is None and any(any(not is_blank(v) for v in row) for row in grid):
        out.error(S.APPEALS, None, None, None, f"「{S.APPEALS}」表缺少表头（应包含：{'、'.join(spec.required)}），整张表未读取")
    return table


def read_appeals(grids: Mapping[str, Grid], out: Collector, units: dict[str, str],
                 ledger: Ledger) -> tuple[list[Appeal], frozenset[int]]:
    """Valid appeals in row order, and the orders made 不考核 by a 撤销 (indices into orders)."""
    table = _table(grids, out)
    if table is None:
        return [], frozenset()
    g = {c: table.getter(c) for c in S.APPEAL_COLUMNS}
    objects = _Objects(ledger, grids)
    objects.prepare_deadlines(g["对象"](row) for _, row in table.rows())
    appeals: list[Appeal] = []
    decided: dict[str, int] = {}   # object key -> row of its first 撤销/减免
    for r, row in table.rows():
        problems: list[tuple] = []   # (level, column, value, message)

        def error(column, value, message):
            problems.append((ERROR, column, value, message))

        def warn(column, value, message):
            problems.append((WARNING, column, value, message))

        raw_unit = g["单位名称"](row)
        unit = units.get(name_key(raw_unit)) if not is_blank(raw_unit) else None
        if is_blank(raw_unit):
            error("单位名称", raw_unit, "单位名称为空")
        elif unit is None:
            error("单位名称", raw_unit, f"单位“{display(raw_unit)}”不在「{S.UNITS}」表中（也不是任何单位的别名）")

        raw_decision = g["复核结论"](row)
        decision = text_of(raw_decision) or PENDING
        if decision not in S.APPEAL_DECISIONS:
            error("复核结论", raw_decision, f"复核结论只能是{'、'.join(S.APPEAL_DECISIONS)}（留空按待复核计）")

        raw_relief = g["减免分值"](row)
        relief = parse_points(raw_relief)
        if decision == REDUCED:
            if is_blank(raw_relief):
                error("减免分值", None, "复核结论为减免，必须填写减免分值")
            elif relief is None or relief <= 0:
                error("减免分值", raw_relief, "减免分值应为正数（最多两位小数）")
        elif not is_blank(raw_relief):
            warn("减免分值", raw_relief, f"复核结论为{decision}，减免分值未采用（只在减免时使用）")
            relief = None

        filed = _day(g["申诉日期"](row), "申诉日期", error)
        reviewed = _day(g["复核日期"](row), "复核日期", error)
        if is_blank(g["申诉日期"](row)):
            warn("申诉日期", None, "申诉日期为空，无法核对申诉期限")

        if filed is not None and filed > ledger.params.period_end:
            # filed after the as-of date: as of then there was no appeal (like any row outside the period)
            warn("申诉日期", filed, f"申诉日期不在考核期内（{ledger.params.period_text()}），本次不计")
            for level, column, value, message in problems:
                out.add(level, S.APPEALS, r, column, value, message, unit)
            continue
        raw_target = g["对象"](row)
        target = None
        try:
            parsed = parse_target(raw_target)
            if unit is not None:
                target, owner = resolve(parsed, unit, objects)
                if owner != unit:
                    error("对象", raw_target, f"{target.text} 属于“{owner}”，与申诉单位“{unit}”不一致")
        except TargetError as e:
            error("对象", raw_target, str(e))

        if target is not None and filed is not None and target.day is not None:
            last = _appeal_deadline(ledger, target.day)
            if last is not None and filed > last:
                warn("申诉日期", filed, f"超过申诉期限：{target.text} 的日期为 {target.day.isoformat()}，应在其后"
                                       f"{ledger.params.appeal_days}个工作日内（最迟 {last.isoformat()}）申诉；复核结论仍然有效")
        ok = not any(level == ERROR for level, *_ in problems)
        if ok and target is not None and decision in EFFECTIVE:
            first = decided.setdefault(target.key, r)
            if first != r:
                warn("对象", raw_target, f"{target.text} 已有第{first}行申诉的复核结论，两行的效果依次叠加")
        for level, column, value, message in problems:
            out.add(level, S.APPEALS, r, column, value, message, unit)
        if ok and target is not None:
            appeals.append(Appeal(r, plain_text(g["申诉编号"](row)), unit, target, decision, relief, filed,
                                  reviewed, plain_text(g["复核人"](row)), plain_text(g["说明"](row))))
    revoked = frozenset(a.target.order for a in appeals if a.decision == REVOKED and a.target.kind == "order")
    return appeals, revoked


def _day(value, column, error) -> date | None:
    try:
        return parse_date(value)
    except DateError as e:
        error(column, value, str(e))
        return None


def _appeal_deadline(ledger: Ledger, day: date) -> date | None:
    try:
        return ledger.calendar.add_workdays(day, ledger.params.appeal_days)
    except CalendarError:
        return None  # a year without calendar data is reported elsewhere


# ---- checks that need the scored lines (called from core/appeals.py) ----------------------------

def relief_problem(appeal: Appeal, cost: Decimal) -> Problem | None:
    """减免 above what the object cost: an error, and the decision is not applied."""
    if appeal.relief is not None and appeal.relief > cost:
        return Problem(ERROR, S.APPEALS, appeal.row, "减免分值", display(appeal.relief),
                       f"减免分值 {appeal.relief} 超过 {appeal.target.text} 的扣分（{cost}分），未采用", appeal.unit)
    return None


def nothing_to_revoke(appeal: Appeal, order_note: str = "") -> Problem:
    """撤销 of an object that cost nothing: a warning (an order still becomes 不考核)."""
    tail = f"；{order_note}" if order_note else ""
    return Problem(WARNING, S.APPEALS, appeal.row, "对象", appeal.target.text,
                   f"{appeal.target.text} 没有扣分，撤销不改变得分{tail}", appeal.unit)
