"""Scoring: every automatic rule (SPEC §3–§5), item caps, bonus cap, totals, with an audit trail.

Each point lost or won is an AuditLine naming its unit, clause, value and source row, so that
得分明细 and 扣分依据 are views of one list and always add up.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter

import numpy as np

from . import rules as R
from . import schema as S
from .appeals import AppealOutcome, apply_appeals
from .calendar import CalendarError
from .clauses import implements
from .ledger import ERROR, Ledger, Problem, Unit
from .rates import percent_text, points_gap, rate, rate_deduction
from .timeliness import Deadlines, Timeliness, compute_deadlines, compute_timeliness
from .validate.cells import name_key

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AuditLine:
    unit: str
    code: str            # clause code, e.g. III-8.2
    points: Decimal      # signed: negative deduction, positive bonus; after any appeal (items sum these)
    source: str          # 工单!17, 季度研究（自动）…
    note: str            # 工单 GD-0012 办理类 拖延2个工作日
    sort_key: tuple = ()
    ref: str = ""        # the object an appeal names when it is not the source row (知识库 2026-03)
    original: Decimal | None = None  # points before a 申诉复核 decision changed them (core/appeals.py)
    appeal: str = ""     # the decisions naming this line: 已撤销（申诉复核!3）, 减免1分（申诉复核!4）
    # From which as-of date on the line stands unchanged (the event's date, a quarter's last
    # day, a report deadline); None for lines that depend on the as-of date (orders, rates).
    # 趋势 sums these per month-end instead of scoring the year twelve times.
    day: date | None = None

    @property
    def item(self) -> str:
        return self.code.rsplit(".", 1)[0]

    @property
    def key(self) -> str:
        """What a 申诉复核 对象 resolves to (AppealTarget.key)."""
        return self.ref or self.source

    @property
    def original_points(self) -> Decimal:
        return self.points if self.original is None else self.original


@dataclass
class ItemScore:
    code: str
    name: str
    category: str
    points: Decimal   # item full points (the cap)
    raw: Decimal      # sum of deductions before the cap (positive)
    deducted: Decimal  # min(raw, points)

    @property
    def score(self) -> Decimal:
        return self.points - self.deducted


@dataclass
class Rates:
    satisfied: int = 0
    visited: int = 0
    done: int = 0
    should: int = 0
    on_time: int = 0
    kb_errors: int = 0
    kb_uses: int = 0

    @property
    def satisfaction(self) -> Fraction | None:
        return rate(self.satisfied, self.visited)

    @property
    def completion(self) -> Fraction | None:
        return rate(self.done, self.should)

    @property
    def timely(self) -> Fraction | None:
        return rate(self.on_time, self.should)

    @property
    def kb_error(self) -> Fraction | None:
        return rate(self.kb_errors, self.kb_uses)

    def as_dict(self) -> dict[str, Fraction | None]:
        return {"满意率": self.satisfaction, "办结率": self.completion, "及时办理率": self.timely,
                "知识库错误率": self.kb_error}


@dataclass
class UnitResult:
    unit: Unit
    items: dict[str, ItemScore]
    bonus_raw: Decimal
    bonus: Decimal
    rates: Rates
    lines: list[AuditLine]
    has_errors: bool = False
    rank: int | None = None
    tied: bool = False
    category_rank: int | None = None
    appeals: list[AppealOutcome] = field(default_factory=list)  # its 申诉复核 rows (§11)

    @property
    def name(self) -> str:
        return self.unit.name

    @property
    def base_score(self) -> Decimal:
        return sum((i.score for i in self.items.values()), ZERO)

    @property
    def total(self) -> Decimal:
        return self.base_score + self.bonus

    def category_scores(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for item in self.items.values():
            out[item.category] = out.get(item.category, ZERO) + item.score
        return out

    def item_or_group(self, key: str) -> Decimal | None:
        """KAOHE_SCORE(unit, key): an item code, a clause's item, a 一级指标 name, or 加分."""
        if key in ("加分", "加分项"):
            return self.bonus
        if key in ("总分", ""):
            return self.total
        categories = self.category_scores()
        if key in categories:
            return categories[key]
        parsed = R.parse_code(key)
        if parsed and parsed[0] in self.items:
            return self.items[parsed[0]].score
        if parsed and parsed[0] in R.BONUS_ITEMS:
            return sum((l.points for l in self.lines if l.item == parsed[0]), ZERO)
        return None


@dataclass
class Result:
    ledger: Ledger
    units: list[UnitResult]
    problems: list[Problem]
    _by_key: dict[str, UnitResult] | None = field(default=None, repr=False, compare=False)
    deadlines: Deadlines | None = field(default=None, repr=False, compare=False)  # for 趋势

    @property
    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.problems)

    @property
    def lines(self) -> list[AuditLine]:
        return [line for u in self.units for line in u.lines]

    def unit(self, name: str) -> UnitResult | None:
        """By name or alias, compared like every sheet does (full-width folded, no spaces)."""
        if self._by_key is None:
            self._by_key = {}
            for u in self.units:
                for key in (u.name, *u.unit.aliases):
                    self._by_key.setdefault(name_key(key), u)
        return self._by_key.get(name_key(name))


# ---- the rules --------------------------------------------------------------------------------------

def score(ledger: Ledger) -> Result:
    rubric, params = ledger.rubric, ledger.params
    lines: dict[str, list[AuditLine]] = defaultdict(list)
    rates: dict[str, Rates] = defaultdict(Rates)
    problems = list(ledger.problems)

    deadlines = compute_deadlines(ledger.orders, rubric, ledger.calendar)
    timing = compute_timeliness(ledger.orders, rubric, ledger.calendar, params, deadlines)
    problems += _order_rules(ledger, timing, lines, rates)
    _event_rules(ledger, lines)
    _meeting_rules(ledger, lines)
    _study_rules(ledger, lines)
    _knowledge_rules(ledger, lines, rates)
    _rate_rules(ledger, lines, rates)
    appeals = apply_appeals(ledger, lines)  # §11: 撤销/减免 rewrite the lines they name
    problems += appeals.problems

    error_units = {p.unit for p in problems if p.level == ERROR and p.unit}
    results = []
    for unit in ledger.units:
        unit_lines = sorted(lines.get(unit.name, []), key=attrgetter("sort_key"))
        results.append(_unit_result(ledger, unit, unit_lines, rates[unit.name], unit.name in error_units))
        results[-1].appeals = appeals.of(unit.name)
    return Result(ledger, results, problems, deadlines=deadlines)


def code_order(code: str) -> tuple[int, int]:
    """III-8.2 -> (8, 2), III-4 -> (4, 0): rubric order."""
    item, _, clause = code.partition(".")
    return int(item.split("-")[1]), int(clause or 0)


def _add(lines, unit: str, code: str, points: Decimal, source: str, note: str, *order, ref: str = "",
         day: date | None = None) -> None:
    lines[unit].append(AuditLine(unit, code, points, source, note, (code_order(code),) + order, ref=ref, day=day))


@implements("III-4.1", "III-8.1", "III-8.2", "III-8.3")
def _order_rules(ledger: Ledger, t: Timeliness, lines, rates) -> list[Problem]:
    orders, rubric = ledger.orders, ledger.rubric
    per_late = rubric.clauses[R.LATE_CLOSE].points
    problems = []
    for i in np.flatnonzero(t.calendar_bad):
        problems.append(Problem(ERROR, S.ORDERS, orders.row[i], "受理时间",
                                orders.received[i].strftime("%Y-%m-%d %H:%M"),
                                _calendar_message(ledger, orders.received[i]), orders.unit[i],
                                orders.order_id[i]))
    units = orders.unit
    late_index = np.flatnonzero(t.late)
    if len(late_index):
        # one pass over the late orders only (a few thousand of 100k), with the per-clause
        # constants and the deadline texts worked out once: the lines are those _add makes
        unit_word = "个工作日" if ledger.params.late_mode == "工作日" else "天"
        late_key = code_order(R.LATE_CLOSE)
        timely = {code: (code_order(code), rubric.clauses[code].points)
                  for code in (*R.TIMELY_BY_TYPE.values(), R.TIMELY_SPECIAL)}
        due_texts = np.char.replace(np.datetime_as_string(t.due[late_index], unit="m"), "T", " ").tolist()
        rows, kinds, limits, ids = orders.row, orders.kind, orders.limit, orders.order_id
        for i, days, is_open, due in zip(late_index.tolist(), t.late_days[late_index].tolist(),
                                         t.late_open[late_index].tolist(), due_texts):
            unit, row, kind = units[i], rows[i], kinds[i]
            special = limits[i] is not None or kind not in R.TIMELY_BY_TYPE
            clause = R.TIMELY_SPECIAL if special else R.TIMELY_BY_TYPE[kind]
            key, per_day = timely[clause]
            state = "未办结超期" if is_open else "超时办结"
            label = f"工单 {ids[i]} {kind}类 应办结 {due}，{state}"
            source = f"{S.ORDERS}!{row}"
            unit_lines = lines[unit]
            unit_lines.append(AuditLine(unit, R.LATE_CLOSE, per_late, source, label, (late_key, row)))
            unit_lines.append(AuditLine(unit, clause, per_day * days, source, f"{label}，拖延{days}{unit_word}",
                                        (key, row)))
    # rates, by unit, with bincount over the unit index
    names = sorted(set(units))
    index = {name: k for k, name in enumerate(names)}
    codes = np.fromiter(map(index.__getitem__, units), dtype=np.int64, count=len(units))
    visit = np.asarray(orders.visit, dtype=np.int8)
    valid = ~t.calendar_bad & ~ledger.not_assessed_mask()  # revoked on appeal: in no rate (§11)

    def count(mask):
        return np.bincount(codes[mask & valid], minlength=len(names))

    satisfied, visited = count(visit == 1), count(visit >= 0)
    done, should, on_time = count(t.done), count(t.should), count(t.on_time)
    for k, name in enumerate(names):
        r = rates[name]
        r.satisfied, r.visited = int(satisfied[k]), int(visited[k])
        r.done, r.should, r.on_time = int(done[k]), int(should[k]), int(on_time[k])
    return problems


def _calendar_message(ledger: Ledger, received) -> str:
    year = ledger.calendar.first_missing_year(received.year)
    return f"应办结时间或拖延天数涉及{year}年：{CalendarError(year)}"


def _event_rules(ledger: Ledger, lines) -> None:
    for event in ledger.deductions + ledger.bonuses:
        times = f"{event.count}次" if event.count != 1 else ""
        note = "，".join(p for p in (ledger.rubric.clauses[event.clause].text + (f"（{times}）" if times else ""), event.note) if p)
        _add(lines, event.unit, event.clause, event.points * event.count, f"{event.sheet}!{event.row}", note,
             event.row, day=event.day)


@implements("III-11.1", "III-11.2", "III-11.3")
def _meeting_rules(ledger: Ledger, lines) -> None:
    for m in ledger.meetings:
        attendance = m.attendance
        note = f"{m.day.isoformat()} {m.name} {attendance}".strip()
        if attendance == "请假":
            if m.approved:
                continue
            attendance = "缺席"
            note += "（请假未经批准，按缺席计）"
        code = R.MEETING_BY_ATTENDANCE.get(attendance)
        if code:
            _add(lines, m.unit, code, ledger.rubric.clauses[code].points, f"{S.MEETINGS}!{m.row}", note, m.row,
                 day=m.day)


def _quarters(params) -> list[tuple[int, date, date]]:
    out = []
    for q in range(1, 5):
        first = date(params.year, 3 * q - 2, 1)
        last = (date(params.year + 1, 1, 1) if q == 4 else date(params.year, 3 * q + 1, 1)) - timedelta(days=1)
        if last <= params.asof:
            out.append((q, first, last))
    return out


@implements("III-3.2")
def _study_rules(ledger: Ledger, lines) -> None:
    per = ledger.rubric.clauses[R.STUDY_MISSING].points
    studied = {(s.unit, (s.day.month - 1) // 3 + 1) for s in ledger.studies}
    for unit in ledger.units:
        for q, first, last in _quarters(ledger.params):
            if (unit.name, q) not in studied:
                _add(lines, unit.name, R.STUDY_MISSING, per, f"{S.STUDIES}（自动）",
                     f"第{q}季度（{first.isoformat()}至{last.isoformat()}）没有研究12345工作的记录", 0, q,
                     ref=f"{S.STUDIES} {ledger.params.year}Q{q}", day=last)


def _kb_deadline(params, month: date) -> date:
    return params.kb_deadline(month)


@implements("III-12.1")
def _knowledge_rules(ledger: Ledger, lines, rates) -> None:
    params, rubric = ledger.params, ledger.rubric
    per = rubric.clauses[R.KB_REPORT].points
    first_submission: dict[tuple[str, date], tuple[date | None, int]] = {}
    for report in ledger.knowledge:
        key = (report.unit, report.month)
        if report.submitted is not None:
            known = first_submission.get(key)
            if known is None or known[0] is None or report.submitted < known[0]:
                first_submission[key] = (report.submitted, report.row)
        else:
            first_submission.setdefault(key, (None, report.row))
        r = rates[report.unit]
        if report.uses:
            r.kb_uses += report.uses
            r.kb_errors += report.errors or 0
    for unit in ledger.units:
        for m in range(1, 13):
            month = date(params.year, m, 1)
            deadline = _kb_deadline(params, month)
            if deadline > params.asof:
                continue
            submitted, row = first_submission.get((unit.name, month), (None, None))
            label = f"{month.strftime('%Y-%m')} 知识库"
            ref = f"{S.KNOWLEDGE} {month.strftime('%Y-%m')}"
            if submitted is None:
                source = f"{S.KNOWLEDGE}!{row}" if row else f"{S.KNOWLEDGE}（自动）"
                _add(lines, unit.name, R.KB_REPORT, per, source, f"{label}未报（截止 {deadline.isoformat()}）", row or 0, m,
                     ref=ref, day=deadline)
            elif submitted > deadline:
                _add(lines, unit.name, R.KB_REPORT, per, f"{S.KNOWLEDGE}!{row}",
                     f"{label}迟报：{submitted.isoformat()} 报送，截止 {deadline.isoformat()}", row, m,
                     ref=ref, day=deadline)


@implements("III-9.1", "III-10.1", "III-12.2", "III-14.2")
def _rate_rules(ledger: Ledger, lines, rates) -> None:
    for unit in ledger.units:
        for code, points, source, note in rate_lines(ledger.rubric, ledger.params, rates[unit.name]):
            _add(lines, unit.name, code, points, source, note, 0)


def rate_lines(rubric, params, r: Rates, notes: bool = True) -> list[tuple[str, Decimal, str, str]]:
    """The rate-based lines of one unit (III-9.1, III-10.1, III-12.2, the III-14.2 bonus) as
    (code, signed points, source, note): also what 趋势 applies at each month-end (notes=False:
    it needs only the points, and the percentages' texts are most of the cost)."""
    out = []
    checks = (
        (R.SATISFACTION, r.satisfaction, True, f"满意率 {{}}（{r.satisfied}/{r.visited}）", S.ORDERS),
        (R.COMPLETION, r.completion, True, f"年累计办结率 {{}}（{r.done}/{r.should}）", S.ORDERS),
        (R.KB_ERROR_RATE, r.kb_error, False, f"知识库使用错误率 {{}}（{r.kb_errors}/{r.kb_uses}）", S.KNOWLEDGE),
    )
    for code, value, below, text, sheet in checks:
        clause = rubric.clauses[code]
        if value is None or clause.threshold is None:
            continue
        gap = points_gap(value, clause.threshold, below=below)
        deduction = rate_deduction(gap, clause.points, params.rate_mode)
        if deduction > 0:
            word = "低于" if below else "高于"
            out.append((code, -deduction, f"{sheet}（自动）",
                        f"{text.format(percent_text(value))}，{word}{percent_text(Fraction(clause.threshold))}标准 "
                        f"{_num(gap)} 个百分点（{params.rate_mode}）" if notes else ""))
    clause = rubric.clauses.get(R.TIMELY_BONUS)
    if (params.auto_timely_bonus and clause and clause.points and r.timely is not None
            and r.timely >= Fraction(clause.threshold or 1)):
        out.append((R.TIMELY_BONUS, clause.points, f"{S.ORDERS}（自动）",
                    f"及时办理率 {percent_text(r.timely)}（{r.on_time}/{r.should}）" if notes else ""))
    return out


def _num(value: Fraction) -> str:
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return text


def _unit_result(ledger: Ledger, unit: Unit, lines: list[AuditLine], rates: Rates, has_errors: bool) -> UnitResult:
    rubric = ledger.rubric
    raw: dict[str, Decimal] = defaultdict(lambda: ZERO)
    bonus_raw = ZERO
    for line in lines:
        item = line.item
        if item in R.BONUS_ITEMS:
            bonus_raw += line.points
        else:
            raw[item] += -line.points
    items = {}
    for item in rubric.base_items:
        points = item.points or ZERO
        items[item.code] = ItemScore(item.code, item.name, item.category, points, raw[item.code],
                                     min(raw[item.code], points))
    bonus = min(bonus_raw, rubric.bonus_cap) + ZERO  # + 0.00: shown with 2 decimals like the rest
    return UnitResult(unit, items, bonus_raw, bonus, rates, lines, has_errors)
