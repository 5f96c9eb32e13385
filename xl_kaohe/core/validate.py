"""Raw sheet grids -> a validated Ledger plus problems (SPEC §6, §8).

A bad row is never dropped silently and never crashes the run: it becomes a Problem naming
sheet, row, column and value in Chinese. Errors keep the row out of the scoring; warnings keep
it in (or explain why it is out, e.g. outside the assessment period).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from . import schema as S
from .calendar import CalendarError, WorkCalendar
from .dates import DateError, end_of_day, parse_date, parse_datetime, parse_month
from .ledger import (ERROR, WARNING, Event, KnowledgeReport, Ledger, Limit, Meeting, Orders, Params,
                     Problem, Study, Unit)
from .rules import (BONUS_CAP_CODE, BONUS_ITEMS, NOT_ASSESSED, Clause, Item, Rubric, default_rubric,
                    normalise_order_type, parse_code, with_overrides)
from .tables import Grid, Table, find_key_values, find_table, header_key, is_blank

D = Decimal


class LedgerError(Exception):
    """The workbook cannot be scored at all (not a ledger, unusable 参数): exit code 2."""


def display(value: Any, limit: int = 60) -> str:
    """A cell value as shown in 校验 (dates without a midnight time, clipped, one line)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S" if value.time() != datetime.min.time() else "%Y-%m-%d")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def plain_text(value: Any) -> str:
    """A cell as text, as typed (for names, notes and rule texts shown back to people)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def text_of(value: Any) -> str:
    """A cell as a comparable key: NFKC folds full-width letters, digits and spaces (for codes,
    choices and numbers typed with an IME)."""
    if value is None:
        return ""
    if value.__class__ is str and value.isascii():
        return value.strip()  # ASCII is already NFKC: skip the normaliser (工单编号, codes)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def name_key(value: Any) -> str:
    return "".join(text_of(value).split())


def split_list(value: Any) -> tuple[str, ...]:
    return tuple(p for p in (s.strip() for s in re.split(r"[、;；,，/\n]", text_of(value))) if p)


class Collector:
    """Accumulates problems; one place builds the Chinese wording of 'where'."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, level, sheet, row, column, value, message, unit=None) -> None:
        self.problems.append(Problem(level, sheet, row, column, display(value), message, unit))

    def error(self, sheet, row, column, value, message, unit=None) -> None:
        self.add(ERROR, sheet, row, column, value, message, unit)

    def warn(self, sheet, row, column, value, message, unit=None) -> None:
        self.add(WARNING, sheet, row, column, value, message, unit)


def parse_count(value: Any, default: int | None = 1) -> int | None:
    """Integer >= 0 from a cell; None when it is not one. Blank gives ``default``."""
    if is_blank(value):
        return default
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = text_of(value)
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


def parse_decimal(value: Any) -> Decimal | None:
    """A finite number from a cell; None for blanks and for anything else (incl. NaN, ∞)."""
    if is_blank(value) or isinstance(value, bool):
        return None
    try:
        number = D(repr(value)) if isinstance(value, float) else D(value) if isinstance(value, int) \
            else D(text_of(value).rstrip("分"))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_points(value: Any) -> Decimal | None:
    """Points as staff may type them: finite, rounded half-up to 0.01 (the scale of every score)."""
    number = parse_decimal(value)
    return None if number is None else number.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def yes_no(value: Any) -> bool | None:
    text = text_of(value)
    if text in ("是", "Y", "y", "YES", "Yes", "yes", "TRUE", "True", "true", "1", "√", "✓"):
        return True
    if text in ("否", "N", "n", "NO", "No", "no", "FALSE", "False", "false", "0", "×"):
        return False
    if value is True or value is False:
        return bool(value)
    return None


# ---- 参数 ----------------------------------------------------------------------------------------

def read_params(grid: Grid | None, out: Collector, *, asof: date | None, today: date) -> Params:
    found = find_key_values(grid or [], S.PARAM_KEYS)

    def cell(key):
        value, row, col = found.get(key, (None, None, None))
        return value, row

    year_value, year_row = cell(S.P_YEAR)
    year = parse_count(text_of(year_value).rstrip("年度").rstrip("年") if isinstance(year_value, str) else year_value,
                       default=None)
    if year is None and not is_blank(year_value):
        raise LedgerError(f"「{S.PARAMS}」表第{year_row}行 {S.P_YEAR}“{display(year_value)}”不是年份，请填写如 2026")
    if year is not None and not (1990 <= year <= 2100):
        raise LedgerError(f"「{S.PARAMS}」表 {S.P_YEAR} {year} 超出范围")

    asof_value, asof_row = cell(S.P_ASOF)
    if asof is None and not is_blank(asof_value):
        try:
            asof = parse_date(asof_value)
        except DateError as e:
            raise LedgerError(f"「{S.PARAMS}」表第{asof_row}行 {S.P_ASOF}：{e}") from None
    if year is None:
        year = (asof or today).year
    if asof is None:
        asof = min(today, date(year, 12, 31))
    if asof < date(year, 1, 1):
        raise LedgerError(f"考核截止日期 {asof.isoformat()} 早于 {year} 年度开始，无法计分")

    params = Params(year=year, asof=asof)

    def choice(key, options, default):
        value, row = cell(key)
        text = text_of(value)
        if not text:
            return default
        if text not in options:
            out.error(S.PARAMS, row, key, value, f"{key}只能是{'、'.join(options)}，已按“{default}”计")
            return default
        return text

    params.late_mode = choice(S.P_LATE_MODE, S.LATE_MODES, params.late_mode)
    params.rate_mode = choice(S.P_RATE_MODE, S.RATE_MODES, params.rate_mode)
    for key, attr in ((S.P_SATISFIED, "satisfied"), (S.P_UNSATISFIED, "unsatisfied")):
        value, _ = cell(key)
        if split_list(value):
            setattr(params, attr, split_list(value))
    value, row = cell(S.P_KB_DEADLINE_DAY)
    day = parse_count(value, default=params.kb_deadline_day)
    if day is None or not 1 <= day <= 31:
        out.error(S.PARAMS, row, S.P_KB_DEADLINE_DAY, value, "知识库报送截止日应为 1 到 31 的整数，已按 5 日计")
    else:
        params.kb_deadline_day = day
    value, row = cell(S.P_AUTO_TIMELY_BONUS)
    if not is_blank(value):
        flag = yes_no(value)
        if flag is None:
            out.error(S.PARAMS, row, S.P_AUTO_TIMELY_BONUS, value, "只能填“是”或“否”，已按“是”计")
        else:
            params.auto_timely_bonus = flag
    return params


# ---- 规则 ----------------------------------------------------------------------------------------

def read_rubric(grid: Grid | None, out: Collector) -> Rubric:
    rubric = default_rubric()
    if not grid:
        return rubric
    table = find_table(grid, S.RULES, ("编码", "分值"))
    items: dict[str, Item] = {}
    clauses: dict[str, Clause] = {}
    bonus_cap = None
    if table:
        g = {c: table.getter(c) for c in S.RULE_COLUMNS + ("阈值",)}

        def number(row, r, column, words=()) -> Decimal | None:
            """A non-negative finite number, or None (blank / an allowed word such as 酌情);
            anything else is reported and the default is kept."""
            cell = g[column](row)
            value = parse_decimal(cell)
            if value is None and not is_blank(cell) and text_of(cell) not in words:
                out.error(S.RULES, r, column, cell, f"{column}应为数字，此格未采用，按默认值计")
            elif value is not None and value < 0 and column != "每次分值":
                out.error(S.RULES, r, column, cell, f"{column}不能为负数，此格未采用，按默认值计")
                return None
            return value

        for r, row in table.rows():
            code_cell = g["编码"](row)
            if text_of(code_cell) == BONUS_CAP_CODE:
                bonus_cap = number(row, r, "分值")
                continue
            parsed = parse_code(code_cell)
            if parsed is None:
                if text_of(code_cell) in S.TYPE_MAP_COLUMNS + S.HEADER_ALIAS_COLUMNS:
                    break  # the next table of the sheet starts here
                if not is_blank(code_cell):
                    out.warn(S.RULES, r, "编码", code_cell, "不是考核项目编码（如 III-4 或 III-4.2），此行未使用")
                continue
            item_code, clause_code = parsed
            if clause_code is None:
                base = rubric.items.get(item_code)
                points = number(row, r, "分值")
                if base is None and item_code not in BONUS_ITEMS and points is None:
                    out.error(S.RULES, r, "分值", g["分值"](row), f"新项目 {item_code} 需要填写分值")
                    continue
                items[item_code] = Item(
                    item_code,
                    plain_text(g["一级指标"](row)) or (base.level1 if base else ""),
                    plain_text(g["二级指标"](row)) or (base.level2 if base else ""),
                    plain_text(g["三级指标"](row)) or (base.name if base else item_code),
                    None if item_code in BONUS_ITEMS else (points if points is not None else base.points),
                )
                continue
            base_clause = rubric.clauses.get(clause_code)
            per = number(row, r, "每次分值", words=("酌情",))
            bonus = item_code in BONUS_ITEMS
            if per is None and not bonus:
                if base_clause is None:
                    out.error(S.RULES, r, "每次分值", g["每次分值"](row), f"扣分细则 {clause_code} 需要填写每次分值")
                    continue
                per = base_clause.points
            if per is not None:
                per = abs(per) if bonus else -abs(per)
            threshold = number(row, r, "阈值")
            if threshold is not None and threshold > 1 and clause_code in _RATE_CLAUSES:
                threshold = threshold / 100  # staff may type 90 for 90%
            clauses[clause_code] = Clause(
                clause_code, item_code,
                plain_text(g["细则"](row)) or (base_clause.text if base_clause else clause_code),
                per,
                plain_text(g["来源"](row)) or (base_clause.source if base_clause else "扣分事件"),
                threshold if threshold is not None else (base_clause.threshold if base_clause else None),
            )
    type_map: dict[str, str] = {}
    types = find_table(grid, S.RULES, S.TYPE_MAP_COLUMNS, scan=len(grid))
    if types:
        for r, row in types.rows():
            word = text_of(types.getter("平台工单类型")(row))
            target = text_of(types.getter("考核类型")(row))
            if not word:
                continue
            if target not in S.ORDER_TYPES + (NOT_ASSESSED,):
                out.error(S.RULES, r, "考核类型", target, f"考核类型只能是{'、'.join(S.ORDER_TYPES + (NOT_ASSESSED,))}")
                continue
            type_map[word] = target
    result = with_overrides(rubric, items=items, clauses=clauses, bonus_cap=bonus_cap, type_map=type_map)
    for clause in result.clauses.values():
        if clause.item not in result.items:
            out.error(S.RULES, None, "编码", clause.code, f"细则 {clause.code} 没有对应的项目行 {clause.item}")
    return result


_RATE_CLAUSES = ("III-9.1", "III-10.1", "III-12.2")


# ---- 节假日 --------------------------------------------------------------------------------------

def read_holidays(grid: Grid | None, out: Collector) -> WorkCalendar:
    overrides: dict[date, bool] = {}
    rows_of: dict[date, int] = {}
    table = find_table(grid or [], S.HOLIDAYS, ("日期", "类型"))
    if table:
        get_day, get_kind = table.getter("日期"), table.getter("类型")
        for r, row in table.rows():
            try:
                day = parse_date(get_day(row))
            except DateError as e:
                out.error(S.HOLIDAYS, r, "日期", get_day(row), str(e))
                continue
            if day is None:
                out.error(S.HOLIDAYS, r, "日期", None, "日期为空")
                continue
            kind = text_of(get_kind(row))
            if kind not in S.HOLIDAY_KINDS:
                out.error(S.HOLIDAYS, r, "类型", get_kind(row), "类型只能是“放假”或“上班”")
                continue
            flag = kind == "上班"
            if day in overrides and overrides[day] != flag:
                out.error(S.HOLIDAYS, r, "类型", kind, f"{day.isoformat()} 与第{rows_of[day]}行矛盾，以第{rows_of[day]}行为准")
                continue
            overrides[day] = flag
            rows_of.setdefault(day, r)
    return WorkCalendar(overrides)


# ---- 单位 ----------------------------------------------------------------------------------------

def read_units(grid: Grid | None, out: Collector) -> tuple[list[Unit], dict[str, str]]:
    table = find_table(grid or [], S.UNITS, ("单位名称",))
    if table is None:
        raise LedgerError(f"没有找到「{S.UNITS}」表或其“单位名称”列：这不像一本考核台账")
    g = {c: table.getter(c) for c in S.UNIT_COLUMNS}
    units: list[Unit] = []
    lookup: dict[str, str] = {}
    for r, row in table.rows():
        name = plain_text(g["单位名称"](row))
        if not name:
            out.error(S.UNITS, r, "单位名称", None, "单位名称为空，此行未使用")
            continue
        if name_key(name) in lookup:
            out.error(S.UNITS, r, "单位名称", name, f"单位名称与“{lookup[name_key(name)]}”重复，此行未使用")
            continue
        aliases = []
        for alias in split_list(g["单位别名"](row)):
            owner = lookup.get(name_key(alias))
            if owner and owner != name:
                out.error(S.UNITS, r, "单位别名", alias, f"别名已属于“{owner}”，未采用")
            else:
                aliases.append(alias)
        joins = g["参与考核"](row)
        participates = yes_no(joins) if not is_blank(joins) else True
        if participates is None:
            out.warn(S.UNITS, r, "参与考核", joins, "参与考核只能填“是”或“否”，已按“是”计")
            participates = True
        units.append(Unit(name, r, tuple(aliases), plain_text(g["单位类别"](row)), participates))
        lookup[name_key(name)] = name
        for alias in aliases:
            lookup.setdefault(name_key(alias), name)
    if not units:
        out.warn(S.UNITS, None, None, None, "「单位」表没有任何单位")
    return units, lookup


# ---- the row readers share these checks -----------------------------------------------------------

class RowReader:
    """Per-sheet helpers that turn a cell into a value or a Problem."""

    def __init__(self, sheet: str, table: Table, out: Collector, units: dict[str, str], params: Params):
        self.sheet, self.table, self.out, self.units, self.params = sheet, table, out, units, params
        self.g = {c: table.getter(c) for c in table.columns}
        self.row_ok = True
        self.unit: str | None = None

    def start(self) -> None:
        self.row_ok = True
        self.unit = None

    def get(self, row, column):
        return self.g[column](row) if column in self.g else None

    def error(self, r, column, value, message):
        self.row_ok = False
        self.out.error(self.sheet, r, column, value, message, self.unit)

    def warn(self, r, column, value, message):
        self.out.warn(self.sheet, r, column, value, message, self.unit)

    def unit_of(self, r, row, column="单位名称") -> str | None:
        value = self.get(row, column)
        if is_blank(value):
            self.error(r, column, value, f"{column}为空")
            return None
        unit = self.units.get(name_key(value))
        if unit is None:
            self.error(r, column, value, f"单位“{display(value)}”不在「{S.UNITS}」表中（也不是任何单位的别名）")
        self.unit = unit
        return unit

    def day_of(self, r, row, column, required=True) -> date | None:
        value = self.get(row, column)
        try:
            day = parse_date(value)
        except DateError as e:
            self.error(r, column, value, str(e))
            return None
        if day is None and required:
            self.error(r, column, value, f"{column}为空")
        return day

    def in_period(self, r, column, day: date) -> bool:
        if self.params.in_period(day):
            return True
        self.warn(r, column, day, f"不在考核期内（{self.params.period_text()}），不计分")
        return False


def _each_row(grids, sheet: str, out: Collector, units, params):
    """(reader, row number, row) for every non-blank row of an input sheet (none if absent)."""
    table = _sheet_table(grids, sheet, out)
    if table is None:
        return
    rd = RowReader(sheet, table, out, units, params)
    for r, row in table.rows():
        rd.start()
        yield rd, r, row


def _sheet_table(grids, sheet, out, problems_if_missing=True) -> Table | None:
    spec = S.SHEET_SPECS[sheet]
    grid = grids.get(sheet)
    if grid is None:
        if problems_if_missing:
            out.warn(sheet, None, None, None, f"工作簿中没有「{sheet}」表，按空表处理")
        return None
    table = find_table(grid, sheet, spec.required)
    if table is None:
        if any(any(not is_blank(v) for v in row) for row in grid):
            out.error(sheet, None, None, None, f"「{sheet}」表缺少表头（应包含：{'、'.join(spec.required)}），整张表未读取")
        return None
    return table


# ---- 工单 ----------------------------------------------------------------------------------------

_LIMIT_MAX = {"小时": 24 * 366, "工作日": 260, "自然日": 366, "天": 366, "日": 366}
_LIMIT_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(小时|个?工作日|个?自然日|天|日)$")


def parse_limit(value: Any) -> Limit | None:
    """办理时限 -> Limit; raises DateError (Chinese) for anything unreadable."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        text = text_of(value).replace(" ", "")
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
        raise DateError(f"办理时限“{display(value)}”无法识别（可填日期时间，或“24小时”“5个工作日”“7天”）") from None
    moment, has_time = parsed
    return Limit("moment", moment=moment if has_time else end_of_day(moment.date()))


_ABSENT = 1 << 30  # column index of an optional column the sheet does not have: reads as None


def read_orders(grids, out: Collector, units: dict[str, str], params: Params, rubric: Rubric) -> Orders:
    """工单 rows -> Orders. The hot loop of a big ledger (100k rows): cells are read by index,
    and the unit, 工单类型, text 办理时限 and 回访结果 of a cell value are worked out once per
    distinct value; problems are reported exactly as RowReader would, in the same order."""
    orders = Orders()
    table = _sheet_table(grids, S.ORDERS, out)
    if table is None:
        return orders
    rd = RowReader(S.ORDERS, table, out, units, params)
    cols = table.columns
    i_id, i_unit, i_type, i_recv = (cols[c] for c in ("工单编号", "承办单位", "工单类型", "受理时间"))
    i_limit, i_done, i_visit = (cols.get(c, _ABSENT) for c in ("办理时限", "办结时间", "回访结果"))
    satisfied, unsatisfied = set(params.satisfied), set(params.unsatisfied)
    not_visited = {"", "未回访"}
    seen: dict[str, int] = {}
    type_cache: dict[Any, str | None] = {}
    unit_cache: dict[str, str] = {}             # cell text -> unit name (found units only)
    limit_cache: dict[str, Limit] = {}          # "24小时" -> Limit (readable text only)
    visit_cache: dict[str, tuple[int, bool]] = {}  # cell text -> (1/0/-1, warn)
    start, end = datetime.combine(params.period_start, datetime.min.time()), end_of_day(params.period_end)
    append_row, append_id, append_unit = orders.row.append, orders.order_id.append, orders.unit.append
    append_kind, append_received, append_limit = orders.kind.append, orders.received.append, orders.limit.append
    append_completed, append_visit = orders.completed.append, orders.visit.append
    grid = table.grid
    for r0 in range(table.header_row, len(grid)):
        row = grid[r0]
        width = len(row)
        raw_id = row[i_id] if i_id < width else None
        if raw_id is None or (raw_id.__class__ is str and not raw_id.strip()):
            if not any(not is_blank(v) for v in row):
                continue  # an empty row (Table.rows skips these too)
        r = r0 + 1
        rd.row_ok = True
        rd.unit = None
        raw_unit = row[i_unit] if i_unit < width else None
        if raw_unit.__class__ is str and raw_unit in unit_cache:
            unit = rd.unit = unit_cache[raw_unit]
        else:
            unit = rd.unit_of(r, row, "承办单位")
            if unit is not None and raw_unit.__class__ is str:
                unit_cache[raw_unit] = unit
        order_id = text_of(raw_id)
        if not order_id:
            rd.error(r, "工单编号", raw_id, "工单编号为空")
        elif order_id in seen:
            rd.error(r, "工单编号", raw_id, f"工单编号与第{seen[order_id]}行重复，以第{seen[order_id]}行为准，此行不计分")
        else:
            seen[order_id] = r
        raw_type = row[i_type] if i_type < width else None
        if raw_type in type_cache:
            kind = type_cache[raw_type]
        else:
            kind = type_cache[raw_type] = normalise_order_type(raw_type, rubric.type_map)
        if kind is None:
            rd.error(r, "工单类型", raw_type,
                     "工单类型无法识别（应为咨询、办理、紧急，或「规则」表类型对照中的平台类型）" if not is_blank(raw_type) else "工单类型为空")
        raw_recv = row[i_recv] if i_recv < width else None
        received = raw_recv if raw_recv.__class__ is datetime else _moment(rd, r, "受理时间", raw_recv, required=True)
        raw_limit = row[i_limit] if i_limit < width else None
        if raw_limit is None or raw_limit == "":
            limit, limit_blank = None, True
        else:
            limit_blank = is_blank(raw_limit)
            limit = limit_cache.get(raw_limit) if raw_limit.__class__ is str else None
            if limit is None:
                try:
                    limit = parse_limit(raw_limit)
                except DateError as e:
                    rd.error(r, "办理时限", raw_limit, str(e))
                else:
                    if raw_limit.__class__ is str and limit is not None:
                        limit_cache[raw_limit] = limit
        if kind == "紧急" and limit is None and limit_blank:
            rd.error(r, "办理时限", None, "紧急类工单必须填写办理时限")
        raw_done = row[i_done] if i_done < width else None
        if raw_done.__class__ is datetime:
            completed = raw_done
        elif raw_done is None or raw_done == "":
            completed = None
        else:
            completed = _moment(rd, r, "办结时间", raw_done, required=False)
        if received and completed and completed < received:
            rd.error(r, "办结时间", raw_done, f"办结时间早于受理时间（{display(received)}）")
        if limit and limit.kind == "moment" and received and limit.moment < received:
            rd.error(r, "办理时限", raw_limit, "办理时限早于受理时间")
        raw_visit = row[i_visit] if i_visit < width else None
        known = visit_cache.get(raw_visit) if raw_visit.__class__ is str else None
        if known is None:
            visit_text = text_of(raw_visit)
            if visit_text in satisfied:
                known = (1, False)
            elif visit_text in unsatisfied:
                known = (0, False)
            else:
                known = (-1, visit_text not in not_visited)
            if raw_visit.__class__ is str:
                visit_cache[raw_visit] = known
        visit = known[0]
        if known[1]:
            rd.warn(r, "回访结果", raw_visit, "回访结果不在满意口径或不满意口径中（见「参数」表），未计入满意率")
        if not rd.row_ok or kind == NOT_ASSESSED:
            continue
        if not (start <= received <= end):
            rd.warn(r, "受理时间", received, f"受理时间不在考核期内（{params.period_text()}），不计分")
            continue
        append_row(r)
        append_id(order_id)
        append_unit(unit)
        append_kind(kind)
        append_received(received)
        append_limit(limit)
        append_completed(completed)
        append_visit(visit)
    return orders


def _moment(rd: RowReader, r: int, column: str, value: Any, required: bool) -> datetime | None:
    if type(value) is datetime:  # fast path: calamine/Excel give real datetimes for date cells
        return value
    try:
        parsed = parse_datetime(value)
    except DateError as e:
        rd.error(r, column, value, str(e))
        return None
    if parsed is None:
        if required:
            rd.error(r, column, value, f"{column}为空")
        return None
    return parsed[0]


# ---- 扣分事件 / 加分事件 ----------------------------------------------------------------------------

_NOT_RECOGNISED = ("未认定", "不予认定", "待认定", "不认定", "否", "未通过", "驳回")


def read_events(grids, sheet: str, out: Collector, units, params: Params, rubric: Rubric) -> list[Event]:
    bonus = sheet == S.BONUSES
    code_column = "加分项" if bonus else "扣分项"
    events: list[Event] = []
    for rd, r, row in _each_row(grids, sheet, out, units, params):
        day = rd.day_of(r, row, "日期")
        unit = rd.unit_of(r, row)
        clause = _clause_of(rd, r, rd.get(row, code_column), code_column, rubric, bonus)
        count = parse_count(rd.get(row, "次数"))
        if count is None or count < 1:
            rd.error(r, "次数", rd.get(row, "次数"), "次数应为不小于 1 的整数")
        points = clause.points if clause else None
        if bonus:
            raw_points = rd.get(row, "分值")
            typed = parse_points(raw_points)
            if not is_blank(raw_points) and (typed is None or typed <= 0):
                rd.error(r, "分值", raw_points, "分值应为正数（最多两位小数）")
            elif clause is None:
                pass
            elif clause.points is None:
                if typed is None:
                    rd.error(r, "分值", None, f"{clause.code} 为酌情加分项，必须填写分值")
                points = typed
            elif typed is not None and typed != clause.points:
                rd.warn(r, "分值", raw_points, f"{clause.code} 每次固定加 {clause.points} 分，已按规则计，未采用所填分值")
        if bonus and clause:
            status = text_of(rd.get(row, "认定情况"))
            if status and any(word in status for word in _NOT_RECOGNISED):
                rd.warn(r, "认定情况", status, "未经考评小组认定，不计加分")
                continue
        if not rd.row_ok or not rd.in_period(r, "日期", day):
            continue
        note = plain_text(rd.get(row, "说明"))
        related = plain_text(rd.get(row, "关联工单"))
        if related:
            note = f"{note}（关联工单 {related}）" if note else f"关联工单 {related}"
        events.append(Event(sheet, r, day, unit, clause.code, count, points, note))
    return events


def _clause_of(rd: RowReader, r, value, column, rubric: Rubric, bonus: bool) -> Clause | None:
    parsed = parse_code(value)
    if parsed is None:
        rd.error(r, column, value, "编码无法识别（应为 III-4.2、Ⅲ—4（2）这样的细则编码）" if not is_blank(value) else f"{column}为空")
        return None
    item, code = parsed
    if item not in rubric.items:
        rd.error(r, column, value, f"没有 {item} 这个考核项目")
        return None
    if (item in BONUS_ITEMS) != bonus:
        rd.error(r, column, value, f"{item} 是{'扣分' if bonus else '加分'}项目，应登记在「{S.DEDUCTIONS if bonus else S.BONUSES}」表")
        return None
    if code is None:
        options = rubric.clauses_of(item)
        if len(options) != 1:
            rd.error(r, column, value, f"请写到细则，如 {options[0].code if options else item + '.1'}")
            return None
        code = options[0].code
    clause = rubric.clauses.get(code)
    if clause is None:
        rd.error(r, column, value, f"{item} 没有第 {code.split('.')[-1]} 条细则")
        return None
    if not clause.manual:
        rd.error(r, column, value, f"{code}（{clause.text}）由系统根据{clause.source}计算，不能手工登记")
        return None
    return clause


# ---- 会议 / 知识库 / 季度研究 ---------------------------------------------------------------------------

def read_meetings(grids, out, units, params) -> list[Meeting]:
    meetings: list[Meeting] = []
    for rd, r, row in _each_row(grids, S.MEETINGS, out, units, params):
        day = rd.day_of(r, row, "会议日期")
        unit = rd.unit_of(r, row)
        attendance = text_of(rd.get(row, "出勤"))
        if attendance not in S.ATTENDANCE:
            rd.error(r, "出勤", rd.get(row, "出勤"), f"出勤只能是{'、'.join(S.ATTENDANCE)}")
        approved = yes_no(rd.get(row, "请假已批准")) or False
        if not rd.row_ok or not rd.in_period(r, "会议日期", day):
            continue
        meetings.append(Meeting(r, day, plain_text(rd.get(row, "会议名称")), unit, attendance, approved))
    return meetings


def read_knowledge(grids, out, units, params) -> list[KnowledgeReport]:
    reports: list[KnowledgeReport] = []
    for rd, r, row in _each_row(grids, S.KNOWLEDGE, out, units, params):
        try:
            month = parse_month(rd.get(row, "月份"))
            if month is None:
                rd.error(r, "月份", None, "月份为空")
        except DateError as e:
            rd.error(r, "月份", rd.get(row, "月份"), str(e))
            month = None
        unit = rd.unit_of(r, row)
        submitted = rd.day_of(r, row, "报送日期", required=False)
        counts = []
        for column in ("使用次数", "错误次数"):
            n = parse_count(rd.get(row, column), default=None)
            if n is None and not is_blank(rd.get(row, column)) or (n is not None and n < 0):
                rd.error(r, column, rd.get(row, column), f"{column}应为不小于 0 的整数")
            counts.append(n)
        uses, errors = counts
        if uses is not None and errors is not None and errors > uses:
            rd.error(r, "错误次数", errors, f"错误次数大于使用次数（{uses}）")
        if not rd.row_ok:
            continue
        if not (month.year == params.year and month <= params.period_end):
            rd.warn(r, "月份", month.strftime("%Y-%m"), f"月份不在考核期内（{params.period_text()}），不计分")
            continue
        reports.append(KnowledgeReport(r, month, unit, submitted, uses, errors))
    return reports


def read_studies(grids, out, units, params) -> list[Study]:
    studies: list[Study] = []
    for rd, r, row in _each_row(grids, S.STUDIES, out, units, params):
        unit = rd.unit_of(r, row)
        day = rd.day_of(r, row, "研究日期")
        if rd.row_ok and rd.in_period(r, "研究日期", day):
            studies.append(Study(r, unit, day))
    return studies


# ---- the whole ledger ------------------------------------------------------------------------------

def load_ledger(grids: Mapping[str, Grid], *, asof: date | None = None, today: date | None = None) -> Ledger:
    """Validate every input sheet. Raises LedgerError only when nothing can be scored."""
    if S.UNITS not in grids and S.ORDERS not in grids:
        raise LedgerError(f"工作簿中没有「{S.UNITS}」和「{S.ORDERS}」表：这不是考核台账")
    out = Collector()
    params = read_params(grids.get(S.PARAMS), out, asof=asof, today=today or date.today())
    rubric = read_rubric(grids.get(S.RULES), out)
    calendar = read_holidays(grids.get(S.HOLIDAYS), out)
    units, lookup = read_units(grids.get(S.UNITS), out)
    orders = read_orders(grids, out, lookup, params, rubric)
    deductions = read_events(grids, S.DEDUCTIONS, out, lookup, params, rubric)
    bonuses = read_events(grids, S.BONUSES, out, lookup, params, rubric)
    meetings = read_meetings(grids, out, lookup, params)
    knowledge = read_knowledge(grids, out, lookup, params)
    studies = read_studies(grids, out, lookup, params)
    try:
        calendar.require(params.year)
    except CalendarError as e:
        out.error(S.HOLIDAYS, None, None, params.year, str(e))
    return Ledger(params, rubric, calendar, units, orders, deductions, bonuses, meetings, knowledge,
                  studies, out.problems)
