"""The ledger's row sheets: 单位, 工单, 扣分事件, 加分事件, 会议, 知识库, 季度研究.

A bad row is never dropped silently and never crashes the run: it becomes a Problem naming
sheet, row, column and value in Chinese. Errors keep the row out of the scoring; warnings keep
it in (or explain why it is out, e.g. outside the assessment period).
"""
from __future__ import annotations

import re
from datetime import date, datetime

from .. import schema as S
from ..dates import DateError, end_of_day, month_is_ambiguous, parse_date, parse_month
from ..ordercells import OrderCells, parse_limit  # noqa: F401  (parse_limit: validate's API)
from ..ledger import Event, KnowledgeReport, Meeting, Orders, Params, Study, Unit
from ..rules import BONUS_ITEMS, NOT_ASSESSED, Clause, Rubric, parse_code
from ..tables import Grid, Table, column_letter, find_table, header_key, is_blank
from .cells import Collector, LedgerError, display, name_key, parse_count, parse_points, plain_text, text_of, \
    yes_no
from .headers import missing_message, sheet_table, uncalculated_message, uncalculated_rows


# ---- 单位 ----------------------------------------------------------------------------------------

def read_units(grid: Grid | None, out: Collector) -> tuple[list[Unit], dict[str, str]]:
    """Units, and the lookup name_key(name or alias) -> unit name used by every other sheet.

    Names are collected before aliases, so an alias can never hide a unit listed further down.
    """
    table = find_table(grid or [], S.UNITS, ("单位名称",))
    if table is None:
        raise LedgerError(f"没有找到「{S.UNITS}」表或其“单位名称”列：这不像一本考核台账")
    if header_key("参与考核") not in table.columns:
        found = [str(v).strip() for v in table.grid[table.header_row - 1] if not is_blank(v)]
        out.error(S.UNITS, table.header_row, "参与考核", None,
                  missing_message(S.UNITS, "参与考核", found).replace("整张表未计分", "已按全部单位参与考核计"))
    g = {c: table.getter(c) for c in S.UNIT_COLUMNS}
    rows: list[tuple[int, str, list]] = []
    names: dict[str, str] = {}
    for r, row in table.rows():
        name = plain_text(g["单位名称"](row))
        if not name:
            out.error(S.UNITS, r, "单位名称", None, "单位名称为空，此行未使用")
        elif name_key(name) in names:
            out.error(S.UNITS, r, "单位名称", name, f"单位名称与“{names[name_key(name)]}”重复，此行未使用")
        else:
            names[name_key(name)] = name
            rows.append((r, name, row))
    lookup = dict(names)
    units: list[Unit] = []
    for r, name, row in rows:
        aliases = []
        for alias in split_aliases(g["单位别名"](row)):
            owner = lookup.get(name_key(alias))
            if owner and owner != name:
                what = "另一个单位的名称" if name_key(alias) in names else f"“{owner}”的别名"
                out.error(S.UNITS, r, "单位别名", alias, f"别名“{alias}”已是{what}，未采用")
            else:
                aliases.append(alias)
                lookup[name_key(alias)] = name
        joins = g["参与考核"](row)
        participates = yes_no(joins) if not is_blank(joins) else True
        if participates is None:
            out.warn(S.UNITS, r, "参与考核", joins, "参与考核只能填“是”或“否”，已按“是”计")
            participates = True
        units.append(Unit(name, r, tuple(aliases), plain_text(g["单位类别"](row)), participates))
    if not units:
        out.warn(S.UNITS, None, None, None, "「单位」表没有任何单位")
    return units, lookup


def split_aliases(value) -> tuple[str, ...]:
    """单位别名 is separated by 、 or ; (SPEC §6): "X校(A/B校区)" stays one alias."""
    return tuple(p for p in (s.strip() for s in re.split(r"[、;；\n]", plain_text(value))) if p)


# ---- the row readers share these checks -----------------------------------------------------------

class RowReader:
    """Per-sheet helpers that turn a cell into a value or a Problem."""

    def __init__(self, sheet: str, table: Table, out: Collector, units: dict[str, str], params: Params):
        self.sheet, self.table, self.out, self.units, self.params = sheet, table, out, units, params
        self.g = {c: table.getter(c) for c in table.columns}
        self.row_ok = True
        self.unit: str | None = None
        self.key: str | None = None  # 工单编号 of the row, carried by its problems

    def start(self) -> None:
        self.row_ok = True
        self.unit = None

    def get(self, row, column):
        return self.g[column](row) if column in self.g else None

    def error(self, r, column, value, message):
        self.row_ok = False
        self.out.error(self.sheet, r, column, value, message, self.unit, self.key)

    def uncalculated(self, r, columns: list[int]) -> None:
        """Formula cells of this row without a cached value in a column the sheet defines (SPEC
        §6): errors, and the row is not scored. Formulas in staff's own columns (or the 工单
        sheet's 办理状态（自动）, a KAOHE_STATUS array) are never read, so they cost nothing."""
        names = {i: h for h, i in self.table.columns.items()}
        known = S.SHEET_SPECS[self.sheet].columns if self.sheet in S.SHEET_SPECS else None
        for c in columns:
            if known is None or names.get(c) in known:
                self.error(r, names.get(c, column_letter(c)), None, uncalculated_message(self.sheet, r, c))

    def warn(self, r, column, value, message):
        self.out.warn(self.sheet, r, column, value, message, self.unit, self.key)

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
    bad = uncalculated_rows(grids, sheet)
    for r, row in table.rows():
        rd.start()
        if r in bad:
            rd.uncalculated(r, bad[r])
        yield rd, r, row


# Every version of the template has had these: a template-made ledger without one has lost it.
# (Sheets added later, such as 申诉复核, may be missing from older ledgers.)
ALWAYS_IN_TEMPLATE = (S.UNITS, S.ORDERS, S.DEDUCTIONS, S.BONUSES, S.MEETINGS, S.KNOWLEDGE, S.STUDIES)


def _sheet_table(grids, sheet, out, problems_if_missing=True) -> Table | None:
    grid = grids.get(sheet)
    if grid is None:
        if problems_if_missing and getattr(grids, "from_template", False) and sheet in ALWAYS_IN_TEMPLATE:
            # A ledger made from the template had this sheet: scoring it as empty would be wrong.
            out.error(sheet, None, None, None, f"工作簿中没有「{sheet}」表（由模板建立的台账应有此表），按空表处理，"
                                               f"请恢复该表或把改名的表改回「{sheet}」")
        elif problems_if_missing:
            out.warn(sheet, None, None, None, f"工作簿中没有「{sheet}」表，按空表处理")
        return None
    return sheet_table(grid, sheet, out)


# ---- 工单 ----------------------------------------------------------------------------------------

_ABSENT = 1 << 30  # column index of an optional column the sheet does not have: reads as None


def read_orders(grids, out: Collector, units: dict[str, str], params: Params, rubric: Rubric) -> Orders:
    """工单 rows -> Orders. The hot loop of a big ledger (100k rows): cells are read by index,
    and the unit, 工单类型, text 办理时限 and 回访结果 of a cell value are worked out once per
    distinct value; the timing cells are read by core/ordercells (shared with the date
    functions); problems are reported exactly as RowReader would, in the same order."""
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
    bad = uncalculated_rows(grids, S.ORDERS)
    cells = OrderCells(rubric)  # the same reading as =KAOHE_DUE / KAOHE_LATEDAYS
    unit_cache: dict[str, str] = {}             # cell text -> unit name (found units only)
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
        rd.key = raw_id if raw_id.__class__ is str else text_of(raw_id)
        if r in bad:
            rd.uncalculated(r, bad[r])
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
        timing = cells.read(row[i_recv] if i_recv < width else None, row[i_type] if i_type < width else None,
                            row[i_limit] if i_limit < width else None, row[i_done] if i_done < width else None)
        received, kind, limit, completed, problems = timing
        for p in problems:
            rd.error(r, p.column, p.value, p.message)
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


# ---- 扣分事件 / 加分事件 ----------------------------------------------------------------------------

MAX_COUNT = 100  # 次数 of one event row
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
        elif count > MAX_COUNT:  # a typo (1e308, 2026), not that many occurrences
            rd.error(r, "次数", rd.get(row, "次数"), f"次数超过 {MAX_COUNT}，请检查是否输错")
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
        raw_month = rd.get(row, "月份")
        try:
            month = parse_month(raw_month)
            if month is None:
                rd.error(r, "月份", None, "月份为空")
            elif month_is_ambiguous(raw_month):
                rd.warn(r, "月份", raw_month, f"数字 {raw_month!r} 按 {month.year} 年 1 月计；如是 10 月，"
                                              f"Excel 会把 {month.year}.10 存成 {month.year}.1，请填 {month.year}-10 或 {month.year}10")
        except DateError as e:
            rd.error(r, "月份", raw_month, str(e))
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
        if errors and uses is None:
            rd.error(r, "使用次数", None, "填写了错误次数，但使用次数为空")
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

