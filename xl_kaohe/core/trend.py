"""趋势 (SPEC §10): each unit's year-to-date total at every month-end up to the as-of date, the
rank at the last month-end, and the category averages — from the one validated ledger and the
one scored result of `kaohe rank`, not twelve runs.

What a month-end total is made of, and where it comes from:
- lines that stand unchanged from a date on (events, meetings, missed quarters, knowledge-base
  reports: AuditLine.day) are the year-end run's own lines, summed per month-end;
- order rules (III-4.1, III-8) and rates (III-9.1, III-10.1, III-12.2, III-14.2) depend on the
  as-of date: the deadlines are computed once (Result.deadlines), then judged at each month-end
  with timeliness.judge, and the rate lines come from scoring.rate_lines;
- item caps and the bonus cap as in scoring. Points are whole cents (int64): exact.
tests/core/test_trend.py checks every month-end against a full `assess(..., asof=month-end)`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np

from . import rules as R
from .dates import end_of_day
from .ledger import Ledger
from .periods import month_ends
from .ranking import competition_ranks
from .report import Column, LineChart, OutputSheet
from .scoring import Rates, Result, rate_lines
from .timeliness import compute_deadlines, judge
from . import schema as S

ALL_UNITS = "全部单位"


@dataclass
class Trend:
    year: int
    ends: list[date]
    names: list[str]                   # ledger order
    totals: dict[str, list[Decimal]]   # unit -> total at each month-end
    rank: dict[str, int | None]        # at the last month-end (None: 不参与考核, or no month-end)
    averages: dict[str, list[Decimal]]  # category (or 全部单位) -> average of the ranked units


def _cents(points: Decimal) -> int:
    return int((points * 100).to_integral_value())


def compute_trend(result: Result) -> Trend:
    ledger: Ledger = result.ledger
    params, rubric = ledger.params, ledger.rubric
    ends = month_ends(params.year, params.asof)
    units = ledger.units
    names = [u.name for u in units]
    index = {n: i for i, n in enumerate(names)}
    items = [i.code for i in rubric.base_items]
    item_index = {c: k for k, c in enumerate(items)}
    caps = np.array([_cents(i.points or Decimal(0)) for i in rubric.base_items], dtype=np.int64)
    nu, ni, nk = len(units), len(items), len(ends)

    # 1. lines fixed from a date on, summed into [unit, item, month-end] (slot nk: after the last)
    fixed = np.zeros((nu, ni, nk + 1), dtype=np.int64)
    fixed_bonus = np.zeros((nu, nk + 1), dtype=np.int64)
    for line in result.lines:
        if line.day is None or line.unit not in index:
            continue
        k = line.day.month - 1 if line.day.year == params.year else nk
        k = min(k, nk)
        if line.item in R.BONUS_ITEMS:
            fixed_bonus[index[line.unit], k] += _cents(line.points)
        elif line.item in item_index:
            fixed[index[line.unit], item_index[line.item], k] -= _cents(line.points)
    fixed = np.cumsum(fixed, axis=2)
    fixed_bonus = np.cumsum(fixed_bonus, axis=1)

    # 2. per-order constants (unit, the III-8 clause's points per day)
    orders = ledger.orders
    deadlines = result.deadlines or compute_deadlines(orders, rubric, ledger.calendar)
    unit_of = np.fromiter((index.get(u, -1) for u in orders.unit), dtype=np.int64, count=len(orders))
    per_day = {c: _cents(-rubric.clauses[c].points) for c in (*R.TIMELY_BY_TYPE.values(), R.TIMELY_SPECIAL)}
    special = per_day[R.TIMELY_SPECIAL]
    day_cents = np.fromiter(
        (special if (lim is not None or kind not in R.TIMELY_BY_TYPE) else per_day[R.TIMELY_BY_TYPE[kind]]
         for kind, lim in zip(orders.kind, orders.limit)), dtype=np.int64, count=len(orders))
    per_late = _cents(-rubric.clauses[R.LATE_CLOSE].points)
    visit = np.asarray(orders.visit, dtype=np.int8)
    # 申诉复核 (§11): a revoked order is in no timeliness rule and no rate at any month-end; a
    # 减免 of an order lowers its III-4.1 then its III-8 points at each month-end, as scoring
    # lowers them in audit order (event, KB and quarter lines are fixed: their points already are)
    known = (unit_of >= 0) & ~ledger.not_assessed_mask()
    relief: dict[int, int] = defaultdict(int)
    for unit_result in result.units:
        for outcome in unit_result.appeals:
            a = outcome.appeal
            if outcome.applied and a.decision == "减免" and a.target.kind == "order" and a.relief:
                relief[a.target.order] += _cents(a.relief)
    i4, i8 = item_index.get("III-4"), item_index.get("III-8")
    kb_by_month: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for report in ledger.knowledge:
        if report.uses:
            acc = kb_by_month[report.month.month][report.unit]
            acc[0] += report.uses
            acc[1] += report.errors or 0

    totals = np.zeros((nu, nk), dtype=np.int64)
    bonus_cap = _cents(rubric.bonus_cap)
    kb = defaultdict(lambda: [0, 0])
    kb_month = 0
    for k, end in enumerate(ends):
        at = replace(params, asof=end)
        t = judge(deadlines, ledger.calendar, at)
        raw = fixed[:, :, k].copy()
        bonus = fixed_bonus[:, k].copy()
        late = t.late & known
        if i4 is not None:
            raw[:, i4] += per_late * np.bincount(unit_of[late], minlength=nu)
        if i8 is not None:
            np.add.at(raw[:, i8], unit_of[late], day_cents[late] * t.late_days[late])
        for o, cents in relief.items():
            if late[o]:
                take4 = min(cents, per_late) if i4 is not None else 0
                take8 = min(cents - take4, int(day_cents[o] * t.late_days[o])) if i8 is not None else 0
                if take4:
                    raw[unit_of[o], i4] -= take4
                if take8:
                    raw[unit_of[o], i8] -= take8
        valid = known & ~t.calendar_bad & (deadlines.received <= np.datetime64(end_of_day(end), "s"))

        def count(mask):
            return np.bincount(unit_of[mask & valid], minlength=nu)

        satisfied, visited = count(visit == 1), count(visit >= 0)
        done, should, on_time = count(t.done), count(t.should), count(t.on_time)
        while kb_month < end.month:
            kb_month += 1
            for unit, (uses, errors) in kb_by_month.get(kb_month, {}).items():
                kb[unit][0] += uses
                kb[unit][1] += errors
        uses = np.array([kb[n][0] for n in names], dtype=np.int64)
        errors = np.array([kb[n][1] for n in names], dtype=np.int64)
        for u in np.flatnonzero(_rates_matter(rubric, at, satisfied, visited, done, should, on_time,
                                              uses, errors)).tolist():
            name = names[u]
            r = Rates(int(satisfied[u]), int(visited[u]), int(done[u]), int(should[u]), int(on_time[u]),
                      kb[name][1], kb[name][0])
            for code, points, _, _ in rate_lines(rubric, at, r, notes=False):
                item = code.rsplit(".", 1)[0]
                if item in R.BONUS_ITEMS:
                    bonus[u] += _cents(points)
                elif item in item_index:
                    raw[u, item_index[item]] -= _cents(points)
        base = (caps - np.minimum(raw, caps)).sum(axis=1)
        totals[:, k] = base + np.minimum(bonus, bonus_cap)

    out = {n: [Decimal(int(c)) / 100 for c in totals[u]] for u, n in enumerate(names)}
    out = {n: [v.quantize(Decimal("0.01")) for v in vs] for n, vs in out.items()}
    ranked = [u for u in units if u.participates]
    rank: dict[str, int | None] = {n: None for n in names}
    if nk:
        ranked.sort(key=lambda u: -out[u.name][-1])
        for u, r in zip(ranked, competition_ranks([out[u.name][-1] for u in ranked])):
            rank[u.name] = r
    groups: dict[str, list[str]] = defaultdict(list)
    has_categories = any(u.category for u in units)
    for u in units:
        if u.participates:
            groups[(u.category or "其他单位") if has_categories else ALL_UNITS].append(u.name)
    averages = {g: [(sum((out[n][k] for n in members), Decimal(0)) / len(members)).quantize(Decimal("0.01"))
                    for k in range(nk)] for g, members in groups.items()}
    if has_categories and len(groups) > 1:
        members = [u.name for u in units if u.participates]
        averages[ALL_UNITS] = [(sum((out[n][k] for n in members), Decimal(0)) / len(members)).quantize(Decimal("0.01"))
                               for k in range(nk)]
    return Trend(params.year, ends, names, out, rank, averages)


def _fraction(threshold) -> tuple[int, int] | None:
    if threshold is None:
        return None
    f = Fraction(threshold)
    return f.numerator, f.denominator


def _rates_matter(rubric, params, satisfied, visited, done, should, on_time, uses, errors):
    """Units for which scoring.rate_lines can give a line (a rate below or above its threshold,
    or the III-14.2 bonus): integer comparisons over all units; only those are scored exactly."""
    matter = np.zeros(len(visited), dtype=bool)
    for code, num, den, below in ((R.SATISFACTION, satisfied, visited, True),
                                  (R.COMPLETION, done, should, True),
                                  (R.KB_ERROR_RATE, errors, uses, False)):
        clause = rubric.clauses.get(code)
        thr = _fraction(clause.threshold) if clause else None
        if thr is None:
            continue
        p, q = thr
        matter |= (den > 0) & ((num * q < p * den) if below else (num * q > p * den))
    clause = rubric.clauses.get(R.TIMELY_BONUS)
    if params.auto_timely_bonus and clause and clause.points:
        p, q = _fraction(clause.threshold or 1)
        matter |= (should > 0) & (on_time * q >= p * should)
    return matter


def trend_sheet(trend: Trend, result: Result) -> OutputSheet:
    units = {u.name: u for u in result.ledger.units}
    with_category = any(u.category for u in units.values())
    months = [f"{d.month}月末" for d in trend.ends]
    columns = [Column("单位名称", "text", 26)]
    if with_category:
        columns.append(Column("单位类别", "text", 12))
    first_value = len(columns)
    columns += [Column(m, "number", 9) for m in months]
    last_label = months[-1] if months else "月末"
    columns.append(Column(f"排名（{last_label}）", "int", 11))
    order = sorted(trend.names, key=lambda n: (trend.rank[n] is None, trend.rank[n] or 0))
    rows, marks = [], {}
    for n in order:
        row = [n] + ([units[n].category or None] if with_category else [])
        row += list(trend.totals[n]) + [trend.rank[n]]
        if not units[n].participates:
            marks[len(rows)] = "muted"
        rows.append(row)
    chart = None
    if trend.ends:
        rows.append([None] * len(columns))
        first_avg = len(rows)
        for group, values in trend.averages.items():
            marks[len(rows)] = "bold"
            rows.append([f"平均分：{group}"] + ([None] if with_category else []) + list(values) + [None])
        chart = LineChart("各类别平均分走势（年度累计）", series_rows=list(range(first_avg, len(rows))),
                          label_column=0, first_value_column=first_value,
                          last_value_column=first_value + len(months) - 1, value_axis_title="平均分")
    asof = trend.ends[-1].isoformat() if trend.ends else "—"
    title = f"{trend.year}年度12345工作考核趋势（各月末年度累计总分，截至{asof}）"
    if not trend.ends:
        title += f"：{result.ledger.params.asof.isoformat()} 之前没有已结束的月份"
    return OutputSheet(S.TREND, columns, rows, title=title, chart=chart, row_marks=marks)
