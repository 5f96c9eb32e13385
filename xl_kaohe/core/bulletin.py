"""What a 阶段通报 says (SPEC §10), as figures (`Bulletin`, also the `--json` report) and as a
core.document.Document (rendered by io/docx).

- Scores are the year-to-date assessment as of the period's end (capped at today): exactly what
  `kaohe rank --asof <end>` gives. The previous period's end gives the comparison (↑2 / ↓1 /
  持平); the first month or quarter of a year, and a year, compare with nothing.
- 本期 figures are over the orders received inside the period, judged at its end: 工单数 by type,
  应办结, 办结率, 按时办结率 (on time / 应办结), 满意率, 超期件数 (late at the end: completed late
  or open past the deadline).
- Groups: one per 单位类别 in the order of the 单位 sheet (units without one: 其他单位), or one
  group of all units when no category is filled. Ranks inside a group are the 类别内排名.
- 红榜 / 黑榜 per group: the best and the worst `红黑榜名额` units by total among the ranked units
  that had orders due in the period; a unit tied with the last one admitted is admitted too;
  in a small group each board takes at most half of the group, so no unit is on both; a unit
  with the group's best total is never on the 黑榜. Units with no due order in the period are
  listed apart (本期无应办结工单), never ranked on empty rates.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from . import rules as R
from .dates import chinese_date
from .document import DocTable, Document, Paragraph, Section
from .ledger import Ledger
from .periods import Period
from .ranking import competition_ranks
from .rates import percent_text, points_text, rate
from .scoring import Result, UnitResult, code_order
from .timeliness import Deadlines, compute_deadlines, judge
from .validate.bulletin_template import BulletinTemplate

OTHER_GROUP = "其他单位"
ALL_GROUP = "全部单位"
OVERDUE_LISTED = 50          # 四、超期未办结工单 lists the longest-overdue ones
ORDER_KINDS = ("咨询", "办理", "紧急")


@dataclass
class PeriodFigures:
    """本期 counts over the orders received in the period, judged at its end."""
    orders: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: {k: 0 for k in ORDER_KINDS})
    should: int = 0
    done: int = 0
    on_time: int = 0
    satisfied: int = 0
    visited: int = 0
    late: int = 0
    late_open: int = 0

    @property
    def timely(self) -> Fraction | None:
        return rate(self.on_time, self.should)

    @property
    def completion(self) -> Fraction | None:
        return rate(self.done, self.should)

    @property
    def satisfaction(self) -> Fraction | None:
        return rate(self.satisfied, self.visited)

    def as_json(self) -> dict[str, Any]:
        return {"orders": self.orders, "by_type": dict(self.by_kind), "should": self.should,
                "done": self.done, "on_time": self.on_time, "late": self.late,
                "late_open": self.late_open, "visited": self.visited, "satisfied": self.satisfied,
                "timely_rate": _num(self.timely), "satisfaction": _num(self.satisfaction),
                "completion": _num(self.completion)}


@dataclass
class UnitLine:
    unit: UnitResult
    group: str
    group_rank: int | None
    figures: PeriodFigures
    previous_rank: int | None = None
    previous_total: Decimal | None = None

    @property
    def name(self) -> str:
        return self.unit.name

    @property
    def change(self) -> str:
        """↑2 / ↓1 / 持平 against the previous period's group rank; blank without one."""
        if self.group_rank is None or self.previous_rank is None:
            return ""
        step = self.previous_rank - self.group_rank
        return "持平" if step == 0 else (f"↑{step}" if step > 0 else f"↓{-step}")


@dataclass
class BlackEntry:
    line: UnitLine
    lost: dict[str, Decimal]          # 一级指标 -> points lost (after item caps)
    reasons: list[str]                # the two largest clauses in words


@dataclass
class Board:
    group: str
    red: list[UnitLine]
    black: list[BlackEntry]
    no_due: list[UnitLine]


@dataclass
class Overdue:
    order_id: str
    unit: str
    kind: str
    received: str
    due: str
    days_late: int


@dataclass
class Bulletin:
    period: Period
    asof: date
    previous_asof: date | None
    year_orders: int
    figures: PeriodFigures
    previous_figures: PeriodFigures | None
    groups: dict[str, list[UnitLine]]          # group -> units in display order
    boards: list[Board]
    overdue: list[Overdue]
    overdue_total: int
    result: Result
    template: BulletinTemplate
    issued: date

    @property
    def title(self) -> str:
        return f"关于{self.period.year}年{self.period.label}12345政府服务热线办理情况的通报"

    @property
    def has_categories(self) -> bool:
        return list(self.groups) != [ALL_GROUP]


# ---- figures --------------------------------------------------------------------------------

def build_bulletin(period: Period, ledger: Ledger, result: Result, *,
                   previous: tuple[Ledger, Result] | None, template: BulletinTemplate,
                   issued: date, board_size: int | None = None) -> Bulletin:
    """`ledger`/`result`: the assessment as of the period's end (ranked: rank_units done);
    `previous`: the same at the previous period's end, or None."""
    asof = ledger.params.asof
    figures, per_unit, overdue, overdue_total = _period_figures(ledger, period, result.deadlines)
    prev_figures = None
    prev_ranks: dict[str, tuple[int | None, Decimal]] = {}
    if previous is not None:
        p_ledger, p_result = previous
        prev_period = period.previous()
        prev_figures, _, _, _ = _period_figures(p_ledger, prev_period) if prev_period else (None,) * 4
        prev_groups = _group_ranks(p_result)
        prev_ranks = {u.name: (prev_groups.get(u.name), u.total) for u in p_result.units}
    groups_rank = _group_ranks(result)
    groups: dict[str, list[UnitLine]] = {}
    for name in _group_names(result):
        groups[name] = []
    for u in sorted(result.units, key=_display_key):
        line = UnitLine(u, _group_of(u, result), groups_rank.get(u.name),
                        per_unit.get(u.name, PeriodFigures()))
        if u.name in prev_ranks:
            line.previous_rank, line.previous_total = prev_ranks[u.name]
        groups[line.group].append(line)
    size = ledger.params.board_size if board_size is None else board_size
    boards = [_board(name, lines, size, ledger) for name, lines in groups.items()]
    return Bulletin(period, asof, previous[0].params.asof if previous else None,
                    len(ledger.orders), figures, prev_figures, groups, boards, overdue,
                    overdue_total, result, template, issued)


def _display_key(u: UnitResult):
    return (u.rank is None, u.rank or 0)


def _group_names(result: Result) -> list[str]:
    names: list[str] = []
    if not any(u.unit.category for u in result.units):
        return [ALL_GROUP]
    for u in result.units:
        name = u.unit.category or OTHER_GROUP
        if name not in names:
            names.append(name)
    if OTHER_GROUP in names:              # the units without a category come last
        names.remove(OTHER_GROUP)
        names.append(OTHER_GROUP)
    return names


def _group_of(u: UnitResult, result: Result) -> str:
    if not any(x.unit.category for x in result.units):
        return ALL_GROUP
    return u.unit.category or OTHER_GROUP


def _group_ranks(result: Result) -> dict[str, int]:
    """Competition ranks inside each group (the 类别内排名; overall rank without categories)."""
    members: dict[str, list[UnitResult]] = defaultdict(list)
    for u in result.units:
        if u.unit.participates:
            members[_group_of(u, result)].append(u)
    out: dict[str, int] = {}
    for units in members.values():
        units.sort(key=lambda u: -u.total)
        for u, r in zip(units, competition_ranks([u.total for u in units])):
            out[u.name] = r
    return out


def _period_figures(ledger: Ledger, period: Period, deadlines: Deadlines | None = None):
    """Totals and per-unit figures over the period's orders, and the open overdue orders of the
    whole year at the period's end (those are what the office chases)."""
    orders, params = ledger.orders, ledger.params
    d = deadlines if deadlines is not None else compute_deadlines(orders, ledger.rubric, ledger.calendar)
    t = judge(d, ledger.calendar, params)
    inside = (d.received >= np.datetime64(period.start, "s")) & ~t.calendar_bad
    total = PeriodFigures()
    per_unit: dict[str, PeriodFigures] = defaultdict(PeriodFigures)
    visit = orders.visit
    for i in np.flatnonzero(inside).tolist():
        for f in (total, per_unit[orders.unit[i]]):
            f.orders += 1
            f.by_kind[orders.kind[i]] = f.by_kind.get(orders.kind[i], 0) + 1
            f.should += bool(t.should[i])
            f.done += bool(t.done[i])
            f.on_time += bool(t.on_time[i])
            f.late += bool(t.late[i])
            f.late_open += bool(t.late_open[i])
            f.visited += visit[i] >= 0
            f.satisfied += visit[i] == 1
    open_late = np.flatnonzero(t.late_open)
    ordered = sorted(open_late.tolist(), key=lambda i: (-int(t.late_days[i]), orders.received[i]))
    overdue = [Overdue(orders.order_id[i], orders.unit[i], orders.kind[i],
                       orders.received[i].strftime("%Y-%m-%d %H:%M"),
                       str(t.due[i].astype("datetime64[m]")).replace("T", " "),
                       int(t.late_days[i])) for i in ordered[:OVERDUE_LISTED]]
    return total, dict(per_unit), overdue, len(open_late)


def _board(group: str, lines: list[UnitLine], size: int, ledger: Ledger) -> Board:
    ranked = [l for l in lines if l.group_rank is not None]
    eligible = [l for l in ranked if l.figures.should > 0]
    no_due = [l for l in ranked if l.figures.should == 0]
    eligible.sort(key=lambda l: -l.unit.total)
    n = min(size, len(eligible) // 2)
    red, black = [], []
    if n:
        totals = [l.unit.total for l in eligible]
        ranks = competition_ranks(totals)
        red = [l for l, r in zip(eligible, ranks) if r <= n]
        rev = list(reversed(eligible))
        rev_ranks = competition_ranks([-t for t in reversed(totals)])
        best = totals[0]
        chosen = [l for l, r in zip(rev, rev_ranks) if r <= n and l not in red and l.unit.total < best]
        black = [_black(l, ledger) for l in chosen]
    return Board(group, red, black, no_due)


def _black(line: UnitLine, ledger: Ledger) -> BlackEntry:
    rubric = ledger.rubric
    u = line.unit
    lost: dict[str, Decimal] = {}
    for item in u.items.values():
        if item.deducted:
            lost[item.category] = lost.get(item.category, Decimal("0.00")) + item.deducted
    return BlackEntry(line, lost, clause_reasons(u, rubric)[:2])


def clause_reasons(u: UnitResult, rubric: R.Rubric) -> list[str]:
    """The unit's deductions grouped by clause (III-8.x together: one rule by type), largest
    first, in words: `及时办理率扣8分：超期4件`. Points are after the item cap."""
    groups: dict[str, list] = defaultdict(list)
    for line in u.lines:
        if line.points < 0 and line.item not in R.BONUS_ITEMS:
            key = line.item if line.item == "III-8" else line.code
            groups[key].append(line)
    out = []
    for key, lines in groups.items():
        item = u.items.get(lines[0].item)
        raw = -sum((l.points for l in lines), Decimal("0.00"))
        points = min(raw, item.points) if item else raw
        out.append((points, key, f"{_clause_name(key, item, rubric)}扣{points_text(points)}分："
                                  f"{_clause_detail(key, lines, u, rubric)}"))
    out.sort(key=lambda x: (-x[0], _code_order(x[1])))
    return [text for points, _, text in out if points > 0]


def _clause_name(key: str, item, rubric: R.Rubric) -> str:
    clause = rubric.clauses.get(key)
    if key == R.LATE_CLOSE:
        return item.name if item else "超时办结"
    if item is not None and (key == item.code or len(rubric.clauses_of(item.code)) == 1
                             or key in (R.SATISFACTION, R.COMPLETION)):
        return item.name
    return clause.text if clause else key


def _clause_detail(key: str, lines, u: UnitResult, rubric: R.Rubric) -> str:
    r = u.rates
    if key == "III-8":
        return f"超期{len(lines)}件"
    if key == R.LATE_CLOSE:
        return f"超时办结{len(lines)}件"
    if key == R.SATISFACTION:
        return f"满意率{percent_text(r.satisfaction)}"
    if key == R.COMPLETION:
        return f"办结率{percent_text(r.completion)}"
    if key == R.KB_ERROR_RATE:
        return f"知识库使用错误率{percent_text(r.kb_error)}"
    if key == R.STUDY_MISSING and all("季度" in l.note for l in lines):
        return f"{len(lines)}个季度未研究12345工作"
    if key == R.KB_REPORT:
        return f"知识库未报或迟报{len(lines)}次"
    clause = rubric.clauses.get(key)
    per = abs(clause.points) if clause and clause.points else None
    raw = -sum((l.points for l in lines), Decimal(0))
    times = int(raw / per) if per and raw % per == 0 else len(lines)
    return f"{times}次"


def _code_order(key: str) -> tuple[int, int]:
    try:
        return code_order(key)
    except (IndexError, ValueError):  # not a clause code: last
        return 99, 0


# ---- JSON -----------------------------------------------------------------------------------

def _num(value) -> float | None:
    if value is None:
        return None
    return round(float(value), 6) if isinstance(value, Fraction) else float(value)


def to_json(b: Bulletin) -> dict[str, Any]:
    def unit(l: UnitLine) -> dict[str, Any]:
        return {"unit": l.name, "group": l.group, "rank": l.unit.rank, "group_rank": l.group_rank,
                "total": _num(l.unit.total), "previous_rank": l.previous_rank,
                "previous_total": _num(l.previous_total), "change": l.change,
                "period": l.figures.as_json()}

    return {
        "period": b.period.code, "label": b.period.label, "title": b.title,
        "asof": b.asof.isoformat(),
        "previous_asof": b.previous_asof.isoformat() if b.previous_asof else None,
        "year_orders": b.year_orders, "summary": b.figures.as_json(),
        "previous_summary": b.previous_figures.as_json() if b.previous_figures else None,
        "groups": {g: [unit(l) for l in lines] for g, lines in b.groups.items()},
        "boards": [{"group": bd.group, "red": [l.name for l in bd.red],
                    "black": [{"unit": e.line.name, "total": _num(e.line.unit.total),
                               "lost": {k: _num(v) for k, v in e.lost.items()},
                               "reasons": e.reasons} for e in bd.black],
                    "no_due": [l.name for l in bd.no_due]} for bd in b.boards],
        "overdue_total": b.overdue_total,
        "overdue": [o.__dict__ for o in b.overdue],
        "problems": [p.as_json() for p in b.result.problems if p.level == "错误"],
    }


# ---- the document ---------------------------------------------------------------------------

def _score(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _change_words(now: Fraction | None, before: Fraction | None, word: str) -> str:
    if now is None or before is None:
        return ""
    gap = (now - before) * 100
    if gap == 0:
        return f"{word}持平"
    return f"{word}{'上升' if gap > 0 else '下降'}{percent_text(abs(gap) / 100).rstrip('%')}个百分点"


def to_document(b: Bulletin) -> Document:
    t, p = b.template, b.period
    f = b.figures
    kinds = "、".join(f"{k}类{f.by_kind.get(k, 0)}件" for k in ORDER_KINDS if f.by_kind.get(k))
    span = f"{chinese_date(p.start)}至{chinese_date(b.asof)}"
    overall = [Paragraph(
        f"{p.label}（{span}），全市教育系统共受理12345政府服务热线工单{f.orders}件"
        + (f"，其中{kinds}" if kinds else "") + "。"
        + f"截至{chinese_date(b.asof)}，应办结{f.should}件，已办结{f.done}件，办结率{percent_text(f.completion)}；"
        + f"按时办结{f.on_time}件，按时办结率{percent_text(f.timely)}；"
        + f"回访{f.visited}件，满意{f.satisfied}件，满意率{percent_text(f.satisfaction)}；"
        + f"超期{f.late}件，其中仍未办结{f.late_open}件。")]
    pf = b.previous_figures
    if pf is not None:
        diff = f.orders - pf.orders
        amount = "持平" if diff == 0 else f"{'增加' if diff > 0 else '减少'}{abs(diff)}件"
        parts = [f"工单量{amount}"] + [w for w in (
            _change_words(f.completion, pf.completion, "办结率"),
            _change_words(f.timely, pf.timely, "按时办结率"),
            _change_words(f.satisfaction, pf.satisfaction, "满意率")) if w]
        overall.append(Paragraph(f"与上期（{p.previous().label}）相比，" + "，".join(parts) + "。"))
    ranked = [u for u in b.result.units if u.rank is not None]
    if ranked:
        avg = sum((u.total for u in ranked), Decimal(0)) / len(ranked)
        overall.append(Paragraph(
            f"截至{chinese_date(b.asof)}，全年累计受理工单{b.year_orders}件；{len(ranked)}个参与考核单位"
            f"年度累计平均得分{avg:.2f}分，最高{_score(max(u.total for u in ranked))}分，"
            f"最低{_score(min(u.total for u in ranked))}分。"))

    ranking = Section("二、考核排名", [Paragraph(
        f"按截至{chinese_date(b.asof)}的年度累计得分排名（满分100分）"
        + ("，分单位类别排名" if b.has_categories else "")
        + (f"；“较上期”为与{chinese_date(b.previous_asof)}排名相比" if b.previous_asof else "")
        + "；“本期”各列为本期受理工单的办理情况。")])
    headers = ["排名", "单位名称", "总分", "较上期", "本期工单", "按时办结率", "满意率", "超期件数"]
    numbered = 0
    for group, lines in b.groups.items():
        rows = [[str(l.group_rank), l.name, _score(l.unit.total), l.change or "—",
                 str(l.figures.orders), percent_text(l.figures.timely),
                 percent_text(l.figures.satisfaction), str(l.figures.late)]
                for l in lines if l.group_rank is not None]
        if not rows:
            continue
        table = DocTable(headers, rows, widths_mm=[11, 42, 16, 14, 15, 21, 21, 14],
                         align_right={2, 4, 7})
        if b.has_categories:
            numbered += 1
            ranking.subsections.append(Section(f"（{_cn(numbered)}）{group}", [table], level=2))
        else:
            ranking.blocks.append(table)
    not_ranked = [l.name for lines in b.groups.values() for l in lines if l.group_rank is None]
    if not_ranked:
        ranking.subsections.append(Section("", [Paragraph(
            f"不参与考核单位（不排名）：{'、'.join(not_ranked)}。")], level=2))

    boards = Section("三、红黑榜", [Paragraph(
        f"在本期有应办结工单的单位中，按年度累计得分，每类列前{b.result.ledger.params.board_size}名为红榜、"
        f"后{b.result.ledger.params.board_size}名为黑榜（同分并列）。")])
    for i, bd in enumerate(b.boards):
        blocks = []
        blocks.append(Paragraph("、".join(f"{l.name}（{_score(l.unit.total)}分）" for l in bd.red)
                                + "。" if bd.red else "无。", bold_lead="红榜："))
        if bd.black:
            blocks.append(Paragraph("", bold_lead="黑榜："))
            for e in bd.black:
                lost = "，".join(f"{k}扣{points_text(v)}分" for k, v in e.lost.items())
                blocks.append(Paragraph(
                    f"{e.line.name}（{_score(e.line.unit.total)}分）：{lost or '未扣分'}"
                    + (f"；主要扣分：{'；'.join(e.reasons)}" if e.reasons else "") + "。"))
        else:
            blocks.append(Paragraph("无。", bold_lead="黑榜："))
        if bd.no_due:
            blocks.append(Paragraph("、".join(l.name for l in bd.no_due) + "（不列入红黑榜）。",
                                    bold_lead="本期无应办结工单："))
        if b.has_categories:
            boards.subsections.append(Section(f"（{_cn(i + 1)}）{bd.group}", blocks, level=2))
        else:
            boards.blocks.extend(blocks)

    overdue = Section("四、超期未办结工单")
    if b.overdue_total:
        more = (f"下表列出超期时间最长的{len(b.overdue)}件，完整清单见台账“预警”表"
                if b.overdue_total > len(b.overdue) else "清单如下")
        overdue.blocks.append(Paragraph(
            f"截至{chinese_date(b.asof)}，仍有{b.overdue_total}件工单超过办理时限未办结，{more}。"
            "请相关单位立即办理，并书面说明超期原因。"))
        overdue.blocks.append(DocTable(
            ["序号", "工单编号", "承办单位", "类型", "受理时间", "应办结时间", "超期\n工作日"],
            # times without the year (all in the bulletin's year): one line each at 五号
            [[str(k + 1), o.order_id, o.unit, o.kind, o.received[5:], o.due[5:], str(o.days_late)]
             for k, o in enumerate(b.overdue)],
            widths_mm=[8, 32, 34, 11, 27, 27, 17], align_right={6}))
    else:
        overdue.blocks.append(Paragraph(f"截至{chinese_date(b.asof)}，无超过办理时限未办结的工单。"))

    steps = Section("五、下一步工作要求", [Paragraph(text) for text in t.next_steps])
    return Document(
        # 回行 between words (GB/T 9704 7.3.2): the title's second line starts at 办理情况.
        title=b.title.replace("热线办理情况", "热线\n办理情况"),
        sections=[Section("一、总体情况", overall), ranking, boards, overdue, steps],
        doc_number=t.fill(t.number, year=p.year, period_label=p.label),
        addressee=t.addressee,
        opening=[t.fill(t.opening, year=p.year, period_label=p.label)] if t.opening else [],
        issuer=t.issuer, issued=b.issued, cc=t.cc, footer_note=t.note)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九十"
    if n <= 10:
        return digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
