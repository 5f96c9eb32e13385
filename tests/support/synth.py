"""Synthetic ledgers for benchmarks and tests: a big bureau's year, seeded and deterministic.

``generate(n_orders)`` builds every input sheet of SPEC §6 -- 参数, 规则, 节假日, 单位, 工单,
扣分事件, 加分事件, 会议, 知识库, 季度研究 -- with realistic content:

- units: 机关处室, 直属单位, 区教育局 and schools (fictional 示例市 names), some with aliases
  that the 工单 sheet uses, one or two not taking part (参与考核 = 否);
- work orders received around the clock with more on working days and office hours, across
  weekends, statutory holidays and 调休 make-up working days; every 工单类型 word (咨询, 办理,
  紧急 and the platform's 求助/投诉/举报/建议/表扬/投诉举报类); every 办理时限 form (blank,
  datetime, bare date, date text, N小时, N个工作日, N天, N日); most completed on time, some late
  by one second to weeks, some still open at the as-of date; visit results of every kind;
- deduction and bonus events in every accepted code spelling, quarterly meetings and
  trainings with every attendance value, monthly knowledge-base reports (on time, late,
  missing), quarterly studies, and 节假日 rows for the next year when chinese-calendar lacks it;
- optionally (``noise=True``) a thin layer of the bad rows real ledgers have: unknown units,
  impossible dates, duplicate 工单编号, 办结 before 受理, 紧急 without 办理时限, rows of the
  previous year, unknown visit words.

The grids hold cell values as python-calamine returns them from the saved file (blank cells
are "", numbers are floats, a datetime at midnight is a date), so the in-memory benchmark sees
what ``read_grids`` would. ``SynthLedger.save`` writes a real .xlsm/.xlsx ledger: through the
product's template (``io.template``: Tables, dropdowns, 规则) up to 10k orders, above that with
a small streaming writer (shared strings, date styles; 100k orders in ~1 s, openpyxl ~11 s).
Only ``random.Random(seed)`` is used, so the same arguments give the same ledger (and bytes).
"""
from __future__ import annotations

import bisect
import random
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from xl_kaohe.core import schema as S
from xl_kaohe.core.calendar import WorkCalendar, covered_years
from xl_kaohe.core.rules import BONUS_CAP_CODE, BONUS_ITEMS, DEFAULT_TYPE_MAP, default_rubric

Grid = list[list[Any]]

# ---- knobs (fractions of orders / rows) ---------------------------------------------------------
P_LATE = 0.03            # completed after the deadline
P_OPEN = 0.012           # not completed at the as-of date (more in the last days of the year)
P_EXACT_DUE = 0.003      # completed exactly at the deadline (on time)
P_ONE_SECOND = 0.002     # completed one second after the deadline (late by the minimum)
P_TEXT_DATE = 0.01       # 受理时间 typed as text instead of a date cell (imports)
TEMPLATE_MAX_ORDERS = 10_000  # above this the openpyxl-based template writer gets slow
DEDUCTIONS_PER_ORDER = 0.04
BONUSES_PER_ORDER = 0.005

# (platform word, weight): 表扬 is 不考核, 投诉举报类 maps through keywords
ORDER_TYPES = (("咨询", 30), ("求助", 14), ("投诉", 24), ("举报", 4), ("建议", 7), ("办理", 8),
               ("紧急", 3), ("表扬", 2), ("投诉举报类", 1), ("咨询类", 1))
VISITS = (("非常满意", 38), ("满意", 32), ("基本满意", 12), ("不满意", 5), ("非常不满意", 1),
          ("未回访", 7), ("", 5))
# hour-of-day weights: working days peak in office hours, rest days are flatter
HOURS_WORKDAY = (1, 1, 1, 1, 1, 1, 2, 4, 12, 16, 16, 12, 6, 8, 14, 14, 12, 9, 5, 4, 3, 2, 2, 1)
HOURS_RESTDAY = (1, 1, 1, 1, 1, 1, 2, 3, 6, 8, 9, 9, 7, 7, 8, 8, 7, 6, 5, 5, 4, 3, 2, 1)

CLERKS = ("局办公室 赵某", "局办公室 钱某", "局办公室 孙某", "局办公室 李某")
TOPICS = {
    "咨询": ("入学报名时间", "招生政策", "学籍转学手续", "课后服务收费标准", "教师资格认定", "学生资助申请",
             "中考志愿填报", "寒暑假放假时间", "校服征订标准", "成人高考报名"),
    "办理": ("校门口交通拥堵", "食堂饭菜价格偏高", "教室设备长期损坏", "课后服务退费不及时", "学生宿舍热水不足",
             "校车停靠点不合理", "校外培训机构违规招生", "作业量过大", "教室空调故障", "周边施工噪音扰民"),
    "紧急": ("校舍外墙瓷砖脱落", "考生准考证信息有误", "校园周边积水", "学生食物中毒疑似", "围墙倾斜存在隐患"),
}
NOTES = ("已电话回复", "已现场核实", "转派至区教育局", "市民要求书面答复", "")
DEDUCTION_NOTES = ("经核实属实", "局办公室督查发现", "市12345热线办通报", "回访中发现", "书面检查已提交")
CN_DIGITS = "〇一二三四五六七八九"


@dataclass
class SynthLedger:
    """A generated ledger: grids by sheet name (header row first) plus what was generated."""
    year: int
    asof: date
    seed: int
    grids: dict[str, Grid]
    counts: dict[str, int] = field(default_factory=dict)
    late_mode: str = "工作日"
    engine: str | None = None  # the writer the last save() used

    @property
    def n_orders(self) -> int:
        return self.counts.get(S.ORDERS, 0)

    @property
    def n_events(self) -> int:
        """Rows of every event-like sheet (扣分/加分事件, 会议, 知识库, 季度研究)."""
        return sum(self.counts.get(s, 0) for s in (S.DEDUCTIONS, S.BONUSES, S.MEETINGS, S.KNOWLEDGE, S.STUDIES))

    def save(self, path: str | Path, *, engine: str = "auto") -> Path:
        """Write a real ledger workbook (.xlsm or .xlsx) whose sheets and headers follow
        ``core.schema``. Returns the path; ``self.engine`` says which writer was used.

        engine: "template" fills the product's own template (``io.template.build_ledger`` +
        ``save_ledger``: Excel Tables, dropdowns, 规则 sheet; openpyxl, ~2 s per 10k orders);
        "fast" streams the sheets with this module's writer (100k orders in ~1 s; plain sheets,
        no Tables, no VBA project); "openpyxl" uses openpyxl's write_only mode; "auto" takes
        the template up to TEMPLATE_MAX_ORDERS orders when that module is there, else "fast".
        """
        path = Path(path)
        if engine == "auto":
            engine = "template" if self.n_orders <= TEMPLATE_MAX_ORDERS and _template() is not None else "fast"
        if engine == "template":
            save_with_template(path, self)
        elif engine == "fast":
            write_workbook(path, self.grids)
        elif engine == "openpyxl":
            save_ledger_openpyxl(path, self.grids)
        else:
            raise ValueError(f"unknown engine: {engine!r}")
        self.engine = engine
        return path


# =============================================================================================
# Generation
# =============================================================================================

def generate(n_orders: int = 1000, *, n_units: int | None = None, year: int = 2026, asof: date | None = None,
             seed: int = 20260101, noise: bool = True, late_mode: str = "工作日",
             p_late: float = P_LATE) -> SynthLedger:
    """A deterministic ledger with ``n_orders`` work-order rows (noise rows included).

    ``p_late``: the share of orders completed after their deadline (0.40 gives the late-heavy
    ledger of the benchmark: ~80k 扣分依据 lines at 100k orders).

    Units default to n_orders / 500 clamped to 10..200 (a big bureau: ~200 units, ~100k orders,
    ~10k event rows). ``asof`` defaults to the year's end.
    """
    rng = random.Random(seed)
    asof = asof or date(year, 12, 31)
    end = min(asof, date(year, 12, 31))
    n_units = n_units or max(10, min(200, n_orders // 500))
    holidays = _holiday_rows(year)
    calendar = WorkCalendar({d: kind == "上班" for d, kind, _ in holidays})

    units = _units(n_units, rng)
    orders, order_ids = _orders(n_orders, units, year, end, calendar, rng, noise, p_late)
    sheets: dict[str, list[Sequence[Any]]] = {
        S.UNITS: [u.row() for u in units],
        S.ORDERS: orders,
        S.DEDUCTIONS: _deductions(max(n_units, round(n_orders * DEDUCTIONS_PER_ORDER)), units, order_ids, year, end, rng, noise),
        S.BONUSES: _bonuses(max(3, round(n_orders * BONUSES_PER_ORDER)), units, year, end, rng),
        S.MEETINGS: _meetings(units, year, end, rng),
        S.KNOWLEDGE: _knowledge(units, year, end, rng),
        S.STUDIES: _studies(units, year, end, rng),
        S.HOLIDAYS: holidays,
        S.APPEALS: [],
    }
    grids: dict[str, Grid] = {S.PARAMS: _cells(_params_rows(year, asof, late_mode), 2)}
    grids[S.RULES] = _cells(_rules_rows(), len(S.RULE_COLUMNS) + 1)
    for spec in S.INPUT_SHEETS:
        width = len(spec.columns)
        grids[spec.name] = _cells([spec.columns] + sheets[spec.name], width)
    counts = {name: len(rows) for name, rows in sheets.items()}
    return SynthLedger(year, asof, seed, grids, counts, late_mode)


# ---- units ------------------------------------------------------------------------------------

@dataclass
class _Unit:
    name: str
    aliases: tuple[str, ...]
    category: str
    participates: bool
    weight: float

    def row(self) -> tuple:
        k = sum(map(ord, self.name)) % 90 + 10
        return (self.name, "、".join(self.aliases), self.category, f"某某{k}（分管副职）", f"某某{k + 1}（联络人）",
                f"138****{k:04d}", "是" if self.participates else "否")


_OFFICES = ("办公室", "基础教育处", "职业教育处", "人事处", "财务处", "安全稳定处", "体卫艺处", "教师工作处",
            "政策法规处", "发展规划处", "督导室", "民办教育管理处")
_AGENCIES = ("教育考试院", "教育装备中心", "教育发展研究中心", "教师发展中心", "电化教育馆", "青少年活动中心",
             "学生资助管理中心", "教育信息中心", "教育基建办公室", "招生办公室")
_DISTRICTS = ("东城区", "西城区", "南湖区", "北山区", "新区", "高新区", "湖滨县", "山前县")
_SCHOOL_KINDS = (("中学", "中"), ("实验小学", "实小"), ("高级中学", "高中"), ("职业技术学校", "职校"),
                 ("幼儿园", "幼"), ("外国语学校", "外国语"))


def _cn_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def _units(n: int, rng: random.Random) -> list[_Unit]:
    named: list[tuple[str, tuple[str, ...], str]] = []
    named += [(f"示例市教育局{o}", (), "机关处室") for o in _OFFICES[:max(2, n // 20)]]
    named += [(f"示例市{a}", (), "直属单位") for a in _AGENCIES[:max(2, n // 20)]]
    named += [(f"示例市{d}教育局", (f"{d}教育局",), "区教育局") for d in _DISTRICTS[:max(1, n // 25)]]
    k = 1
    while len(named) < n:
        for kind, short in _SCHOOL_KINDS:
            name = f"示例市第{_cn_number(k)}{kind}"
            alias = (f"示例{_cn_number(k)}{short}",) if rng.random() < 0.5 else ()
            if alias and rng.random() < 0.2:
                alias += (f"市{_cn_number(k)}{short}",)
            named.append((name, alias, "直属学校"))
        k += 1
    named = named[:n]
    order = list(range(n))
    rng.shuffle(order)  # order volume is not tied to the sheet order
    units = []
    for i, (name, aliases, category) in enumerate(named):
        weight = 1.0 / (order[i] + 1) ** 0.7  # a few busy units, a long tail
        participates = not (category == "直属单位" and i % 7 == 3)
        units.append(_Unit(name, aliases, category, participates, weight))
    return units


# ---- 工单 -------------------------------------------------------------------------------------

def _cum(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, items: Sequence, cum: list[float]):
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _edge_days(year: int, end: date, calendar: WorkCalendar) -> list[date]:
    """Days next to the calendar's turns: 调休 days, the day before and first day of each run
    of rest days, the last days of the year (deadlines in the next year)."""
    days = []
    first = date(year, 1, 1)
    day = first
    while day <= end:
        today, tomorrow = calendar.is_workday(day), calendar.is_workday(day + timedelta(days=1))
        if today and day.weekday() >= 5:  # 调休 make-up working day
            days.append(day)
        if today != tomorrow:
            days += [day, day + timedelta(days=1)]
        day += timedelta(days=1)
    days += [end - timedelta(days=2), end - timedelta(days=1), end]
    return sorted({d for d in days if first <= d <= end})


def _orders(n: int, units: list[_Unit], year: int, end: date, calendar: WorkCalendar,
            rng: random.Random, noise: bool, p_late: float = P_LATE) -> tuple[list[list[Any]], list[str]]:
    first = date(year, 1, 1)
    days = [first + timedelta(days=i) for i in range((end - first).days + 1)]
    work = [calendar.is_workday(d) for d in days]
    day_weights = []
    for i, d in enumerate(days):
        w = 1.0 if work[i] else 0.45
        if work[i] and i and not work[i - 1] and i > 1 and not work[i - 2]:
            w = 1.6  # backlog after a weekend or holiday
        day_weights.append(w)
    day_cum = _cum(day_weights)
    unit_cum = _cum(u.weight for u in units)
    type_words, type_cum = [t for t, _ in ORDER_TYPES], _cum(w for _, w in ORDER_TYPES)
    visit_words, visit_cum = [v for v, _ in VISITS], _cum(w for _, w in VISITS)
    hours_work, hours_rest = _cum(HOURS_WORKDAY), _cum(HOURS_RESTDAY)
    type_map = dict(DEFAULT_TYPE_MAP)

    n_noise = max(1, n // 10000) if noise else 0
    n_clean = max(0, n - 8 * n_noise)
    edges = _edge_days(year, end, calendar)

    # pass 1: receipt moment, unit, type, limit
    recs = []
    for i in range(n_clean):
        if i < len(edges) and n_clean >= 4 * len(edges):
            day = edges[i]
        else:
            day = days[bisect.bisect_right(day_cum, rng.random() * day_cum[-1])]
        hours = hours_work if calendar.is_workday(day) else hours_rest
        hour = bisect.bisect_right(hours, rng.random() * hours[-1])
        if i % 997 == 13:
            received = datetime.combine(day, time())          # midnight: a date cell
        elif i % 991 == 17:
            received = datetime.combine(day, time(23, 59, 59))
        else:
            received = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)))
        unit = units[bisect.bisect_right(unit_cum, rng.random() * unit_cum[-1])]
        word = _pick(rng, type_words, type_cum)
        kind = _kind(word, type_map)
        limit = _limit(kind, received, rng)
        recs.append([received, unit, word, kind, limit])
    recs.sort(key=lambda r: r[0])

    # pass 2: the deadline (to shape completions), vectorised over the workday limits
    due = _approx_due(recs, calendar)
    asof_end = datetime.combine(end, time(23, 59, 59))
    rows: list[list[Any]] = []
    ids: list[str] = []
    per_day: dict[date, int] = {}
    for rec, deadline in zip(recs, due):
        received, unit, word, kind, limit = rec
        day = received.date()
        per_day[day] = per_day.get(day, 0) + 1
        order_id = f"GD{day:%Y%m%d}{per_day[day]:04d}"
        completed = _completion(received, deadline, asof_end, rng, p_late)
        if completed is not None:
            visit = _pick(rng, visit_words, visit_cum)
        else:
            visit = "未回访" if rng.random() < 0.1 else ""
        unit_text = unit.name
        u = rng.random()
        if unit.aliases and u < 0.15:
            unit_text = unit.aliases[int(u * 100) % len(unit.aliases)]
        elif u > 0.99:
            unit_text = f" {unit.name} "  # stray spaces from a copy-paste
        topic_kind = "咨询" if kind == "咨询" else ("紧急" if kind == "紧急" else "办理")
        topics = TOPICS[topic_kind]
        content = f"{word.rstrip('类')}：{topics[rng.randrange(len(topics))]}"
        note = NOTES[rng.randrange(len(NOTES))] if rng.random() < 0.2 else ""
        received_cell: Any = received
        if rng.random() < P_TEXT_DATE:
            received_cell = f"{received.year}/{received.month}/{received.day} {received:%H:%M:%S}"
        rows.append([order_id, unit_text, word, received_cell, limit, completed, visit, content, note])
        ids.append(order_id)

    if noise:
        rows = _with_noise(rows, n_noise, units, year, rng)
    return rows, ids


def _kind(word: str, type_map: dict[str, str]) -> str:
    for candidate in (word, word.rstrip("类")):
        if candidate in type_map:
            return type_map[candidate]
    hits = {v for k, v in type_map.items() if k in word}
    return hits.pop() if len(hits) == 1 else "办理"


def _limit(kind: str, received: datetime, rng: random.Random) -> Any:
    """A 办理时限 cell: blank for most orders, every form for 紧急 and a few others."""
    u = rng.random()
    if kind == "紧急":
        forms = ("24小时", "48小时", "12小时", "0.5小时", "1个工作日", "2个工作日", "moment", "date", "text")
    elif u < 0.06:
        forms = ("5个工作日", "10个工作日", "7天", "15天", "3日", "2自然日", "72小时", "moment", "date", "text",
                 "5 个工作日", "5工作日")
    else:
        return None
    form = forms[rng.randrange(len(forms))]
    if form == "moment":
        return datetime.combine(received.date() + timedelta(days=rng.randrange(1, 8)), time((12, 17, 18)[rng.randrange(3)], 30))
    if form == "date":
        return received.date() + timedelta(days=rng.randrange(1, 10))
    if form == "text":
        day = received.date() + timedelta(days=rng.randrange(1, 8))
        return f"{day:%Y-%m-%d} 17:00"
    return form


def _approx_due(recs: list[list[Any]], calendar: WorkCalendar) -> list[datetime]:
    """Deadlines for shaping completions (the scoring engine computes its own)."""
    defaults = {"咨询": 2, "办理": 3, "紧急": 1}
    n = len(recs)
    start = np.fromiter((r[0].toordinal() for r in recs), dtype=np.int64, count=n)
    workdays = np.zeros(n, dtype=np.int64)
    out: list[datetime | None] = [None] * n
    for i, (received, _, _, kind, limit) in enumerate(recs):
        if limit is None:
            workdays[i] = defaults.get(kind, 3)
        elif isinstance(limit, datetime):
            out[i] = limit
        elif isinstance(limit, date):
            out[i] = datetime.combine(limit, time(23, 59, 59))
        elif limit.endswith(":00"):
            out[i] = datetime.strptime(limit, "%Y-%m-%d %H:%M")
        else:
            text = limit.replace(" ", "")
            number = float("".join(ch for ch in text if ch.isdigit() or ch == "."))
            if "小时" in text:
                out[i] = received + timedelta(seconds=round(number * 3600))
            elif "工作日" in text:
                workdays[i] = int(number)
            else:
                out[i] = datetime.combine(received.date() + timedelta(days=int(number)), time(23, 59, 59))
    mask = workdays > 0
    if mask.any():
        result, _ = calendar.add_workdays_masked(start[mask], workdays[mask])
        for i, ordinal in zip(np.flatnonzero(mask), result):
            out[i] = datetime.combine(date.fromordinal(int(ordinal)), time(23, 59, 59))
    return out  # type: ignore[return-value]


def _completion(received: datetime, due: datetime, asof_end: datetime, rng: random.Random,
                p_late: float = P_LATE) -> datetime | None:
    u = rng.random()
    p_open = 0.5 if (asof_end - received).days < 3 else P_OPEN
    if u < p_open:
        return None
    u -= p_open
    if u < P_EXACT_DUE:
        done = due
    elif u < P_EXACT_DUE + P_ONE_SECOND:
        done = due + timedelta(seconds=1)
    elif u < P_EXACT_DUE + P_ONE_SECOND + p_late:
        late_by = (1, 1, 1, 2, 2, 3, 4, 6, 9, 14, 30)[rng.randrange(11)]
        done = datetime.combine(due.date() + timedelta(days=late_by),
                                time(rng.randrange(8, 19), rng.randrange(60), rng.randrange(60)))
    else:
        window = max((due - received).total_seconds(), 600.0)
        done = received + timedelta(seconds=max(300, int(window * rng.random() ** 1.6)))
        if done > due:
            done = due
    return None if done > asof_end else done


def _with_noise(rows: list[list[Any]], k: int, units: list[_Unit], year: int, rng: random.Random) -> list[list[Any]]:
    """k rows of each kind of problem real ledgers have, at seeded random places."""
    def base():
        return list(rows[rng.randrange(len(rows))]) if rows else \
            [f"GD{year}00000000", units[0].name, "咨询", datetime(year, 3, 2, 9), None, datetime(year, 3, 3, 9), "满意", "", ""]

    bad: list[list[Any]] = []
    for j in range(k):
        r = base(); r[0] = f"X{year}{j:06d}A"; r[1] = "示例市不存在学校"; bad.append(r)            # unknown unit
        r = base(); r[0] = f"X{year}{j:06d}B"; r[3] = f"{year}-02-30 09:00"; bad.append(r)       # impossible date
        r = base(); bad.append(r)                                                                 # duplicate 工单编号
        r = base(); r[0] = f"X{year}{j:06d}D"; r[3] = datetime(year, 6, 10, 15); r[5] = datetime(year, 6, 9, 10)
        bad.append(r)                                                                             # 办结 before 受理
        r = base(); r[0] = f"X{year}{j:06d}E"; r[2] = "紧急"; r[4] = None; bad.append(r)          # 紧急 without 时限
        r = base(); r[0] = f"X{year}{j:06d}F"; r[3] = datetime(year - 1, 12, 28, 10); r[5] = datetime(year - 1, 12, 29, 10)
        bad.append(r)                                                                             # previous year (warning)
        r = base(); r[0] = f"X{year}{j:06d}G"; r[6] = "满意（电话）"; bad.append(r)               # unknown visit word (warning)
        r = base(); r[0] = f"X{year}{j:06d}H"; r[4] = "尽快"; bad.append(r)                       # unreadable 办理时限
    out = list(rows)
    for r in bad:
        out.insert(rng.randrange(len(out) + 1), r)
    return out


# ---- events -----------------------------------------------------------------------------------

def _spellings(code: str, text: str) -> tuple[str, ...]:
    item, clause = code.split(".")
    n = item.split("-")[1]
    return (code, code, f"Ⅲ-{n}({clause})", f"Ⅲ—{n}（{clause}）", f"III-{n}({clause})", f"{code} {text}")


def _random_day(rng: random.Random, year: int, end: date) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange((end - date(year, 1, 1)).days + 1))


def _unit_picker(units: list[_Unit]):
    cum = _cum(u.weight ** 0.5 for u in units)
    return lambda rng: units[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _deductions(n: int, units, order_ids, year, end, rng, noise) -> list[tuple]:
    rubric = default_rubric()
    clauses = [c for c in rubric.clauses.values() if c.manual and c.item not in BONUS_ITEMS]
    common = {"III-4.2": 6, "III-4.3": 8, "III-5.1": 5, "III-6.1": 4, "III-7.1": 6, "III-12.1": 2}
    cum = _cum(common.get(c.code, 1) for c in clauses)
    pick_unit = _unit_picker(units)
    rows = []
    for i in range(n):
        clause = _pick(rng, clauses, cum)
        spelled = _spellings(clause.code, clause.text)
        code = spelled[rng.randrange(len(spelled))]
        u = rng.random()
        count = "" if u < 0.6 else (1 if u < 0.85 else (2 if u < 0.95 else 3))
        related = order_ids[rng.randrange(len(order_ids))] if order_ids and rng.random() < 0.3 else ""
        rows.append((_random_day(rng, year, end), pick_unit(rng).name, code, count, related,
                     DEDUCTION_NOTES[rng.randrange(len(DEDUCTION_NOTES))], CLERKS[i % len(CLERKS)]))
    if noise and n >= 20:
        rows[n // 3] = rows[n // 3][:2] + ("III-99.1",) + rows[n // 3][3:]                    # unknown code
        rows[n // 2] = rows[n // 2][:3] + (0,) + rows[n // 2][4:]                              # non-positive count
        rows[2 * n // 3] = rows[2 * n // 3][:2] + ("III-8.2",) + rows[2 * n // 3][3:]        # automatic rule by hand
    return rows


def _bonuses(n: int, units, year, end, rng) -> list[tuple]:
    rubric = default_rubric()
    clauses = [c for c in rubric.clauses.values() if c.manual and c.item in BONUS_ITEMS and c.code != "III-14.1"]
    pick_unit = _unit_picker(units)
    rows = [(date(year, min(end.month, 12), min(end.day, 20)), units[0].name, "III-14.1", 1, "", "考评小组认定",
             "全年热线办理量及质量排名第一")]
    for _ in range(n - 1):
        clause = clauses[rng.randrange(len(clauses))]
        spelled = _spellings(clause.code, clause.text)
        points: Any = "" if clause.points is not None else (0.5, 1, 1.5)[rng.randrange(3)]
        u = rng.random()
        status = "考评小组认定" if u < 0.92 else ("待认定" if u < 0.97 else "")
        rows.append((_random_day(rng, year, end), pick_unit(rng).name, spelled[rng.randrange(len(spelled))],
                     1 if rng.random() < 0.85 else 2, points, status, clause.text[:12]))
    return rows


def _meetings(units, year, end, rng) -> list[tuple]:
    held = [(date(year, 3 * q, 10 + q), f"第{_cn_number(q)}季度12345工作例会") for q in range(1, 5)]
    held += [(date(year, m, 20), f"{m}月12345业务培训") for m in (1, 2, 4, 5, 7, 8, 10, 11)]
    rows = []
    for day, name in sorted(held):
        if day > end:
            continue
        for unit in units:
            u = rng.random()
            if u < 0.92:
                attendance, approved = "出席", ""
            elif u < 0.95:
                attendance, approved = "迟到", ""
            elif u < 0.97:
                attendance, approved = "缺席", ""
            elif u < 0.99:
                attendance, approved = "代会", ""
            else:
                attendance, approved = "请假", "是" if rng.random() < 0.7 else "否"
            written = unit.aliases[0] if unit.aliases and rng.random() < 0.05 else unit.name
            rows.append((day, name, written, attendance, approved))
    return rows


def _knowledge(units, year, end, rng) -> list[tuple]:
    rows = []
    sloppy = {u.name for u in units[3::17]}  # a few units with a high error rate
    for m in range(1, 13):
        month_end = (date(year + (m == 12), m % 12 + 1, 1) - timedelta(days=1))
        if month_end - timedelta(days=3) > end:
            break
        nxt = month_end + timedelta(days=1)
        for unit in units:
            u = rng.random()
            if u < 0.02:
                continue                                              # no row: 未报
            if u < 0.04:
                submitted: Any = ""                                   # row without 报送日期: 未报
            elif u < 0.07:
                submitted = nxt + timedelta(days=rng.randrange(5, 20))  # 迟报
            else:
                submitted = month_end + timedelta(days=rng.randrange(-3, 5))
            if isinstance(submitted, date) and submitted > end:
                continue
            uses = int(rng.expovariate(1 / 40))
            rate = 0.15 if unit.name in sloppy else 0.04
            errors = min(uses, int(uses * rate * rng.random() * 2))
            rows.append((f"{year}-{m:02d}", unit.name, submitted, uses, errors))
    return rows


def _studies(units, year, end, rng) -> list[tuple]:
    rows = []
    for q in range(1, 5):
        first = date(year, 3 * q - 2, 1)
        if first > end:
            break
        for unit in units:
            u = rng.random()
            times = 0 if u < 0.05 else (2 if u > 0.97 else 1)
            for _ in range(times):
                day = first + timedelta(days=rng.randrange(85))
                if day <= end:
                    rows.append((unit.name, day, f"班子会议研究第{_cn_number(q)}季度12345工单办理情况"))
    return rows


def _holiday_rows(year: int) -> list[tuple]:
    """The next year's New Year holiday when chinese-calendar lacks that year (deadlines of late
    December orders fall in it), as the 节假日 sheet tells staff to do."""
    if year + 1 in covered_years():
        return []
    note = f"{year + 1}年元旦（示例）。国务院公布放假安排后请补全"
    return [(date(year + 1, 1, d), "放假", note) for d in (1, 2, 3)]


def _params_rows(year: int, asof: date, late_mode: str) -> list[tuple]:
    return [("参数", "值"), (S.P_YEAR, year), (S.P_ASOF, asof), (S.P_LATE_MODE, late_mode), (S.P_RATE_MODE, "按比例"),
            (S.P_SATISFIED, "非常满意、满意、基本满意"), (S.P_UNSATISFIED, "不满意、非常不满意"),
            (S.P_KB_DEADLINE_DAY, 5), (S.P_AUTO_TIMELY_BONUS, "是")]


def _rules_rows() -> list[tuple]:
    """The 规则 sheet as the template lays it out: the rubric, the bonus cap, the type map."""
    rubric = default_rubric()
    rows: list[tuple] = [S.RULE_COLUMNS + ("阈值",)]
    for item in rubric.items.values():
        rows.append((item.code, item.level1, item.level2, item.name, item.points if item.points is not None else "",
                     "", "", "", ""))
        for clause in rubric.clauses_of(item.code):
            rows.append((clause.code, item.level1, item.level2, item.name, "", clause.text,
                         clause.points if clause.points is not None else "", clause.source,
                         clause.threshold if clause.threshold is not None else ""))
    rows.append((BONUS_CAP_CODE, "", "", "", rubric.bonus_cap, "加分项合计上限", "", "", ""))
    rows.append(())
    rows.append(S.TYPE_MAP_COLUMNS)
    rows += [(word, target) for word, target in rubric.type_map.items()]
    return rows


# ---- cells as calamine returns them -----------------------------------------------------------

def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.date() if value.time() == time() else value
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    return value


def _cells(rows: Sequence[Sequence[Any]], width: int) -> Grid:
    grid = []
    for row in rows:
        cells = [_cell(v) for v in row]
        cells += [""] * (width - len(cells))
        grid.append(cells)
    return grid


# =============================================================================================
# A small streaming .xlsx/.xlsm writer (shared strings, date/datetime styles)
# =============================================================================================

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT_MAIN = {
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EPOCH_ORDINAL = _EXCEL_EPOCH.toordinal()
_STYLE_DATETIME, _STYLE_DATE = 1, 2
_STYLES = (
    _DECL + f'<styleSheet {_NS}>'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)


def _letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        s, k = "", i + 1
        while k:
            k, rem = divmod(k - 1, 26)
            s = chr(65 + rem) + s
        out.append(s)
    return out


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n\r") if any(ch < " " for ch in text) else text


def _serial(value: date | datetime) -> str:
    days = value.toordinal() - _EPOCH_ORDINAL
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        if seconds:
            return repr(days + seconds / 86400)
    return str(days)


def _sheet_xml(rows: Sequence[Sequence[Any]], strings: dict[str, int]) -> bytes:
    width = max((len(r) for r in rows), default=1) or 1
    letters = _letters(width)
    parts = [_DECL, f'<worksheet {_NS} {_NS_R}>',
             f'<dimension ref="A1:{letters[-1]}{max(len(rows), 1)}"/>',
             '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
             'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>',
             f'<cols><col min="1" max="{width}" width="16" customWidth="1"/></cols><sheetData>']
    append = parts.append
    for r, row in enumerate(rows, 1):
        cells = []
        bold = ' s="3"' if r == 1 else ""
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            ref = f"{letters[c]}{r}"
            kind = type(value)
            if kind is str:
                index = strings.get(value)
                if index is None:
                    index = strings[value] = len(strings)
                cells.append(f'<c r="{ref}" t="s"{bold}><v>{index}</v></c>')
            elif kind is datetime:
                style = _STYLE_DATETIME if value.time() != time() else _STYLE_DATE
                cells.append(f'<c r="{ref}" s="{style}"><v>{_serial(value)}</v></c>')
            elif kind is date:
                cells.append(f'<c r="{ref}" s="{_STYLE_DATE}"><v>{_serial(value)}</v></c>')
            elif kind is bool:
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif kind in (int, float):
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:  # Decimal and anything else numeric-like or textual
                text = str(value)
                try:
                    cells.append(f'<c r="{ref}"><v>{float(text)!r}</v></c>')
                except ValueError:
                    index = strings.setdefault(text, len(strings))
                    cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
        append(f'<row r="{r}">{"".join(cells)}</row>')
    append('</sheetData></worksheet>')
    return "".join(parts).encode("utf-8")


def _shared_strings_xml(strings: dict[str, int]) -> bytes:
    parts = [_DECL, f'<sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">']
    for text in strings:  # insertion order == index order
        escaped = _escape(text)
        space = ' xml:space="preserve"' if text != text.strip() else ""
        parts.append(f"<si><t{space}>{escaped}</t></si>")
    parts.append("</sst>")
    return "".join(parts).encode("utf-8")


def write_workbook(path: str | Path, sheets: Mapping[str, Sequence[Sequence[Any]]], *, compresslevel: int = 6) -> Path:
    """Write ``sheets`` (name -> rows, header first) as an .xlsx/.xlsm package. Deterministic:
    fixed zip timestamps, sheets in the given order."""
    path = Path(path)
    main_type = _CT_MAIN.get(path.suffix.lower(), _CT_MAIN[".xlsx"])
    names = list(sheets)
    strings: dict[str, int] = {}
    sheet_parts = [_sheet_xml(sheets[name], strings) for name in names]
    content_types = (
        _DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                  for i in range(1, len(names) + 1))
        + '<Override PartName="/xl/styles.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
          '<Override PartName="/xl/sharedStrings.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
          '</Types>')
    root_rels = (_DECL + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    workbook = (_DECL + f'<workbook {_NS} {_NS_R}><bookViews><workbookView activeTab="0"/></bookViews><sheets>'
                + "".join(f'<sheet name="{_escape(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, 1))
                + '</sheets><calcPr calcId="191029"/></workbook>')
    n = len(names)
    workbook_rels = (_DECL + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                     + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                               for i in range(1, n + 1))
                     + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                     + f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
                     + '</Relationships>')
    parts = [("[Content_Types].xml", content_types.encode()), ("_rels/.rels", root_rels.encode()),
             ("xl/workbook.xml", workbook.encode()), ("xl/_rels/workbook.xml.rels", workbook_rels.encode()),
             ("xl/styles.xml", _STYLES.encode())]
    parts += [(f"xl/worksheets/sheet{i}.xml", data) for i, data in enumerate(sheet_parts, 1)]
    parts.append(("xl/sharedStrings.xml", _shared_strings_xml(strings)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=compresslevel)
    return path


def save_ledger_openpyxl(path: str | Path, grids: Mapping[str, Sequence[Sequence[Any]]]) -> Path:
    """The same sheets through openpyxl's write_only mode (slow at 100k rows; a cross-check for
    the streaming writer in tests)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    for name, rows in grids.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
    wb.save(path)
    return Path(path)


def _template():
    """io.template when it is there (build_ledger / save_ledger), else None."""
    try:
        from xl_kaohe.io import template
    except ImportError:
        return None
    needed = ("build_ledger", "save_ledger", "param_row", "TABLE_NAMES", "_place_table")
    return template if all(hasattr(template, name) for name in needed) else None


def save_with_template(path: str | Path, ledger: SynthLedger) -> Path:
    """The product's template (``kaohe new``) with the generated rows in its input Tables."""
    T = _template()
    if T is None:
        raise RuntimeError("xl_kaohe.io.template (build_ledger/save_ledger) is not available")
    wb = T.build_ledger(year=ledger.year)
    params = wb[S.PARAMS]
    for key, value in ledger.grids[S.PARAMS][1:]:
        if key in S.PARAM_KEYS:
            params.cell(row=T.param_row(key), column=2, value=_openpyxl_value(value))
    for spec in S.INPUT_SHEETS:
        ws = wb[spec.name]
        table = T.TABLE_NAMES[spec.name]
        if table in ws.tables:
            del ws.tables[table]
        rows = [[_openpyxl_value(v) for v in row] for row in ledger.grids[spec.name][1:]]
        T._place_table(ws, 1, spec.columns, rows, table, getattr(T, "COLUMN_FORMATS", {}).get(spec.name, {}))
    T.save_ledger(wb, path)
    return Path(path)


def _openpyxl_value(value: Any) -> Any:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# =============================================================================================
# Platform exports (for the import benchmark)
# =============================================================================================

EXPORT_HEADER = ("诉求编号", "派遣时间", "最后一次主责部门", "诉求类型", "结案时间", "市民满意度", "诉求内容")


def platform_export(ledger: SynthLedger, n_rows: int, *, seed: int = 7, share_known: float = 0.5) -> Grid:
    """An export as a platform gives it: ``share_known`` of the rows are orders the ledger has
    (1 in 10 with a new 回访结果, the rest as they are), the others new orders."""
    rng = random.Random(seed)
    orders = [row for row in ledger.grids[S.ORDERS][1:] if row[0]]
    known = min(int(n_rows * share_known), len(orders))
    rows: list[list[Any]] = [list(EXPORT_HEADER)]
    step = max(len(orders) // max(known, 1), 1)
    for i in range(known):
        o = orders[(i * step) % len(orders)]
        visit = o[6]
        if rng.random() < 0.1:
            visit = VISITS[rng.randrange(len(VISITS))][0]
        rows.append([o[0], o[3], o[1], o[2], o[5], visit, o[7]])
    for i in range(n_rows - known):
        o = orders[rng.randrange(len(orders))]
        rows.append([f"SQ{ledger.year}{i:07d}", o[3], o[1], o[2], o[5], o[6], o[7]])
    return rows
