"""How a ledger configures its own scoring: the 参数, 规则 and 节假日 sheets."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from .. import schema as S
from ..calendar import WorkCalendar, covered_years
from ..clauses import source_problem
from ..dates import DateError, parse_date
from ..holiday_sheet import FESTIVALS, festivals_by_year
from ..ledger import Params
from ..rules import BONUS_CAP_CODE, BONUS_ITEMS, NOT_ASSESSED, Clause, Item, Rubric, default_rubric, parse_code, \
    with_overrides
from ..tables import Grid, find_key_values, find_table, is_blank
from .cells import Collector, parse_count, parse_decimal, parse_points, plain_text, split_list, text_of, yes_no


# ---- 参数 ----------------------------------------------------------------------------------------

def read_params(grid: Grid | None, out: Collector, *, asof: date | None, today: date) -> Params:
    found = find_key_values(grid or [], S.PARAM_KEYS)

    def cell(key):
        value, row, col = found.get(key, (None, None, None))
        return value, row

    # Bad 参数 values are reported in 校验 and replaced by the defaults: the run goes on.
    year_value, year_row = cell(S.P_YEAR)
    year = parse_count(text_of(year_value).rstrip("年度").rstrip("年") if isinstance(year_value, str) else year_value,
                       default=None)
    if year is not None and not (1990 <= year <= 2100):
        year = None
    if year is None and not is_blank(year_value):
        out.error(S.PARAMS, year_row, S.P_YEAR, year_value, "考核年度应为 1990 到 2100 之间的年份（如 2026），已按截止日期或今天所在年度计")

    asof_value, asof_row = cell(S.P_ASOF)
    explicit = asof is not None  # an as-of date given by the caller (--asof): taken as asked
    if explicit and asof > today:
        out.warn(S.PARAMS, None, S.P_ASOF, asof.isoformat(),
                 f"截止日期 {asof.isoformat()} 晚于今天 {today.isoformat()}：这是推算结果，"
                 f"假定此后一切不变（未办结的工单到那天仍未办结）")
    if asof is None and not is_blank(asof_value):
        try:
            asof = parse_date(asof_value)
            explicit = True
        except DateError as e:
            out.error(S.PARAMS, asof_row, S.P_ASOF, asof_value, f"{e}，已按今天（不超过年底）计")
        if asof is not None and asof > today:
            # SPEC §13: staff set 考核截止日期 once, often to the year's end; what depends on
            # the present (open orders, quarters, knowledge-base months) is judged as of today.
            out.warn(S.PARAMS, asof_row, S.P_ASOF, asof.isoformat(),
                     f"考核截止日期 {asof.isoformat()} 晚于今天 {today.isoformat()}，已按今天 {today.isoformat()} 计"
                     f"（未办结工单、季度和知识库月份都截至今天）；要推算某一天请用 --asof")
            asof, explicit = today, False
    if year is None:
        year = (asof or today).year
    if asof is None:
        asof = min(today, date(year, 12, 31))
    if asof < date(year, 1, 1):
        # A ledger prepared before its year starts: nothing is due yet, so score as of 1 January.
        if explicit:
            out.error(S.PARAMS, asof_row, S.P_ASOF, asof.isoformat(),
                      f"考核截止日期早于 {year} 年度开始，已按 {year}-01-01 计")
        asof = date(year, 1, 1)

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
    for key, attr, low, high in ((S.P_WARN_DAYS, "warn_days", 0, 30), (S.P_ESCALATE_DAYS, "escalate_days", 1, 60),
                                 (S.P_BOARD_SIZE, "board_size", 1, 50), (S.P_APPEAL_DAYS, "appeal_days", 1, 60)):
        value, row = cell(key)
        number = parse_count(value, default=getattr(params, attr))
        if number is None or not low <= number <= high:
            out.error(S.PARAMS, row, key, value,
                      f"{key}应为 {low} 到 {high} 的整数，已按 {getattr(params, attr)} 计")
        else:
            setattr(params, attr, number)
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
            if value is not None and column != "阈值":  # points are kept to 0.01 like every score
                value = parse_points(cell)
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
            source = plain_text(g["来源"](row))
            if source:  # the registry (core/clauses.py) decides what is computed; 来源 must agree
                disagreement = source_problem(clause_code, source, bonus)
                if disagreement:
                    source, message, is_error = disagreement
                    (out.error if is_error else out.warn)(S.RULES, r, "来源", g["来源"](row), message)
            clauses[clause_code] = Clause(
                clause_code, item_code,
                plain_text(g["细则"](row)) or (base_clause.text if base_clause else clause_code),
                per,
                source or (base_clause.source if base_clause else (S.BONUSES if bonus else S.DEDUCTIONS)),
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


_RATE_CLAUSES = ("III-9.1", "III-10.1", "III-12.2", "III-14.2")  # thresholds that are rates


# ---- 节假日 --------------------------------------------------------------------------------------

def read_holidays(grid: Grid | None, out: Collector, params: Params | None = None) -> WorkCalendar:
    """The 节假日 overrides as a WorkCalendar. With ``params`` (the 考核年度 and as-of date):
    dates outside 考核年度 ±1 are warnings and left out (a typo like 2062 would otherwise make
    the calendar span decades); an uncovered year whose rows miss festivals, and a December
    as-of date while next year's 元旦 is unknown, are warnings (SPEC §12)."""
    overrides: dict[date, bool] = {}
    rows_of: dict[date, int] = {}
    notes: list[tuple[date, bool, str]] = []
    table = find_table(grid or [], S.HOLIDAYS, ("日期", "类型"))
    window = (params.year - 1, params.year + 1) if params else None
    if table:
        get_day, get_kind, get_note = table.getter("日期"), table.getter("类型"), table.getter("说明")
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
            if window and not window[0] <= day.year <= window[1]:
                out.warn(S.HOLIDAYS, r, "日期", day.isoformat(),
                         f"不在考核年度 {params.year} 年前后一年内（{window[0]}–{window[1]}年），未使用：请核对年份")
                continue
            flag = kind == "上班"
            if day in overrides and overrides[day] != flag:
                out.error(S.HOLIDAYS, r, "类型", kind, f"{day.isoformat()} 与第{rows_of[day]}行矛盾，以第{rows_of[day]}行为准")
                continue
            overrides[day] = flag
            rows_of.setdefault(day, r)
            notes.append((day, flag, plain_text(get_note(row))))
    found = festivals_by_year(notes)
    if params is not None:
        _incomplete_years(notes, found, params, out)
    return WorkCalendar(overrides, found)


def _incomplete_years(rows: list[tuple[date, bool, str]], found: dict[int, set[str]], params: Params,
                      out: Collector) -> None:
    covered = set(covered_years())
    years_with_rows = {day.year for day, _, _ in rows} | set(found)
    # the 考核年度 needs all seven festivals; the next year only its 元旦 (late-December orders)
    for year, needed in ((params.year, FESTIVALS), (params.year + 1, ("元旦",))):
        if year in covered or year not in years_with_rows:
            continue  # covered, or no rows at all: the calendar error names the year
        missing = [f for f in needed if f not in found.get(year, set())]
        if missing:
            out.warn(S.HOLIDAYS, None, "说明", year,
                     f"{year}年的节假日看起来不完整：chinese-calendar 没有{year}年的数据，本表中未见"
                     f"{'、'.join(missing)}的放假日期，这些日子会按工作日计算。国务院公布{year}年放假安排后，"
                     f"请用“导入假日通知”（kaohe holidays）补全")


# The next year's notice has moved days from 29 December on (2004-2026: 29, 30, 31 December);
# a margin of three days. Receipts a week before may have their deadline there.
LATE_DECEMBER = 26
DEADLINE_REACH = timedelta(days=7)


def warn_late_december(calendar: WorkCalendar, params: Params, orders, out: Collector) -> None:
    """SPEC §12: an as-of date in December while the next year's calendar is unknown (not in
    chinese-calendar, no 元旦 in 节假日) -- warned when some order's numbers rest on late
    December: received from the 19th, completed from the 26th, or still open at an as-of
    date from the 26th."""
    asof, following = params.asof, params.asof.year + 1
    if asof.month != 12 or following in covered_years() or "元旦" in calendar.festivals.get(following, set()):
        return
    edge = datetime(asof.year, 12, LATE_DECEMBER)
    open_late = asof >= edge.date()
    if not any(received >= edge - DEADLINE_REACH or (done is None and open_late) or (done is not None and done >= edge)
               for received, done in zip(orders.received, orders.completed)):
        return
    out.warn(S.HOLIDAYS, None, None, asof.isoformat(),
             f"考核截止日期 {asof.isoformat()} 在12月，而{following}年的放假安排还不知道"
             f"（chinese-calendar 只到{covered_years()[-1]}年，本表也没有{following}年元旦）：国务院的{following}年"
             f"通知可能把12月下旬的周末调为上班日或增加放假日，届时12月下旬的应办结时间和拖延天数会变。"
             f"通知公布后请导入（“导入假日通知”或 kaohe holidays）并重新生成排名")
