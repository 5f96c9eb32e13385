"""The timing cells of one work order (受理时间, 工单类型, 办理时限, 办结时间), read one way for
the 工单 sheet (validate/rows.py) and for the date functions =KAOHE_DUE / LATEDAYS (functions.py).

So a cell means the same in a formula and in the ranking: a whitespace-only cell is blank; a
timezone-aware datetime is China time; an Excel serial follows Excel's 1900 convention
(core/dates.py); each bad cell is its own problem — a long Chinese message for 校验 and a short
one for a formula's cell.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, NamedTuple

from .dates import DateError, end_of_day, parse_datetime
from .ledger import Limit
from .rules import NOT_ASSESSED, Rubric, normalise_order_type
from .tables import is_blank

# Short messages shown in a cell (a cell is narrow; the full story is in 校验).
E_DATE = "日期无效"
E_TYPE = "类型无效"
E_LIMIT = "时限无效"
E_URGENT = "紧急需时限"
E_NOT_ASSESSED = "不考核"
E_BEFORE = "办结早于受理"


class CellProblem(NamedTuple):
    column: str
    value: Any
    message: str   # for 校验
    short: str     # for a formula's cell ("" = the answer is blank)


# (received, kind, limit, completed, problems): a plain tuple, made 100k times per ledger.
# kind is 咨询 / 办理 / 紧急 / 不考核, None when unreadable; problems in the order 校验 lists them.
OrderTiming = tuple


def moment_of(value: Any) -> datetime | None:
    """A date-time cell -> naive China time; None when blank (whitespace too); DateError else."""
    if value.__class__ is datetime and value.tzinfo is None:  # the common case: a date cell
        return value
    parsed = parse_datetime(value)
    return None if parsed is None else parsed[0]


class OrderCells:
    """Reads order rows; the few distinct type words and 办理时限 texts are worked out once."""

    def __init__(self, rubric: Rubric) -> None:
        self.type_map = rubric.type_map
        self.kinds: dict[Any, str | None] = {}
        self.limits: dict[str, Limit | None | DateError] = {}

    def kind(self, raw: Any) -> str | None:
        try:
            return self.kinds[raw]
        except KeyError:
            kind = self.kinds[raw] = normalise_order_type(raw, self.type_map)
            return kind
        except TypeError:  # an unhashable value (an error object): not a type word
            return None

    def limit(self, raw: Any) -> Limit | None:
        """办理时限 -> Limit or None (blank); raises DateError."""
        if raw.__class__ is str:
            known = self.limits.get(raw)
            if known is None and raw not in self.limits:
                try:
                    known = parse_limit(raw)
                except DateError as e:
                    known = e
                self.limits[raw] = known
            if isinstance(known, DateError):
                raise known
            return known
        return parse_limit(raw)

    def read(self, raw_recv: Any, raw_type: Any, raw_limit: Any, raw_done: Any) -> OrderTiming:
        # The 工单 sheet's hot loop (100k rows) runs through here: the common cells (a naive
        # datetime, a known type word, a blank or known 办理时限) take the inline fast paths.
        problems: list[CellProblem] = []
        kind = self.kinds.get(raw_type, _UNKNOWN) if raw_type.__hash__ is not None else None
        if kind is _UNKNOWN:
            kind = self.kind(raw_type)
        if kind is None:
            problems.append(CellProblem("工单类型", raw_type, "工单类型为空" if is_blank(raw_type) else
                                        "工单类型无法识别（应为咨询、办理、紧急，或「规则」表类型对照中的平台类型）", E_TYPE))
        if raw_recv.__class__ is datetime and raw_recv.tzinfo is None:
            received = raw_recv
        else:
            received = _moment(problems, "受理时间", raw_recv, required=True)
        if raw_limit is None or raw_limit == "":
            limit_blank = True
        elif (limit := self.limits.get(raw_limit) if raw_limit.__class__ is str else None) is not None:
            limit_blank = False  # a known text 办理时限 such as 24小时
        else:
            limit_blank = is_blank(raw_limit)
        if limit_blank:
            limit = None
        elif limit is None or isinstance(limit, DateError):
            try:
                limit = self.limit(raw_limit)
            except DateError as e:
                limit = None
                problems.append(CellProblem("办理时限", raw_limit, str(e), E_LIMIT))
        if kind == "紧急" and limit is None and limit_blank:
            problems.append(CellProblem("办理时限", None, "紧急类工单必须填写办理时限", E_URGENT))
        if raw_done.__class__ is datetime and raw_done.tzinfo is None:
            completed = raw_done
        elif raw_done is None or raw_done == "":
            completed = None
        else:
            completed = _moment(problems, "办结时间", raw_done, False)
        if received and completed and completed < received:
            problems.append(CellProblem("办结时间", raw_done, f"办结时间早于受理时间（{_display(received)}）", E_BEFORE))
        if limit and limit.kind == "moment" and received and limit.moment < received:
            problems.append(CellProblem("办理时限", raw_limit, "办理时限早于受理时间", E_LIMIT))
        return received, kind, limit, completed, problems


_UNKNOWN = object()


# A formula cell shows one message: the most basic problem first.
_CELL_PRIORITY = {"": 0, E_DATE: 1, E_TYPE: 2, E_LIMIT: 3, E_URGENT: 4, E_BEFORE: 5}


def cell_answer(timing: OrderTiming) -> str | None:
    """The short message a formula's cell shows for this order, None when it can be computed."""
    if timing[4]:
        return min((p.short for p in timing[4]), key=_CELL_PRIORITY.__getitem__)
    if timing[1] == NOT_ASSESSED:
        return E_NOT_ASSESSED
    return None


def _moment(problems: list[CellProblem], column: str, value: Any, required: bool) -> datetime | None:
    try:
        moment = moment_of(value)
    except DateError as e:
        problems.append(CellProblem(column, value, str(e), E_DATE))
        return None
    if moment is None and required:
        problems.append(CellProblem(column, value, f"{column}为空", ""))
    return moment


# ---- 办理时限 ------------------------------------------------------------------------------------

_LIMIT_MAX = {"小时": 24 * 366, "工作日": 260, "自然日": 366, "天": 366, "日": 366}
_LIMIT_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(小时|个?工作日|个?自然日|天|日)$")


def parse_limit(value: Any) -> Limit | None:
    """办理时限 -> Limit; raises DateError (Chinese) for anything unreadable."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        text = "".join(unicodedata.normalize("NFKC", value).split())  # full-width digits, any spaces
        m = _LIMIT_RE.match(text)
        if m:
            amount, unit = float(m.group(1)), m.group(2)
            if amount <= 0:
                raise DateError(f"办理时限“{text}”应大于 0")
            if amount > _LIMIT_MAX.get(unit.lstrip("个"), 3660):
                raise DateError(f"办理时限“{text}”过长，请检查（最多一年左右）")
            if unit == "小时":
                return Limit("hours", amount)
            if "工作日" in unit:
                if not amount.is_integer():
                    raise DateError(f"办理时限“{text}”的工作日数应为整数")
                return Limit("workdays", amount)
            if not amount.is_integer():
                raise DateError(f"办理时限“{text}”的天数应为整数")
            return Limit("days", amount)
    try:
        parsed = parse_datetime(value)
    except DateError:
        raise DateError(f"办理时限“{_display(value)}”无法识别（可填日期时间，或“24小时”“5个工作日”“7天”）") from None
    moment, has_time = parsed
    return Limit("moment", moment=moment if has_time else end_of_day(moment.date()))


def _display(value: Any) -> str:
    from .validate.cells import display  # validate imports this module
    return display(value)


