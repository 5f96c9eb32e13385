"""The output sheets (排名, 得分明细, 扣分依据, 校验) and the JSON report, built from a Result."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from . import schema as S
from .appeals import counts as appeal_counts, pending as pending_appeals
from .ledger import ERROR
from .report import BarChart, Column, Layout, OutputSheet
from .rates import points_text
from .rules import BONUS_ITEMS
from .scoring import Result, UnitResult

DATA_ERROR = "数据有误"
TIED = "并列"
NOT_RANKED = "不参与考核"
PENDING_TITLE = "（含待复核申诉）"


def pending_appeal_count(result: Result) -> int:
    return sum(pending_appeals(u.appeals) for u in result.units)
CHECK_PASSED = "校验通过"


def ranking_title(result: Result) -> str:
    params = result.ledger.params
    title = f"{params.year}年度12345工作考核排名（截至{params.asof.isoformat()}）"
    if pending_appeal_count(result):
        title += PENDING_TITLE  # §11: the ranking may still change
    return title + f"（{DATA_ERROR}，见「{S.CHECKS}」表）" if result.has_errors else title


def remarks(unit: UnitResult) -> str:
    notes = []
    if not unit.unit.participates:
        notes.append(NOT_RANKED)
    if unit.tied:
        notes.append(TIED)
    if unit.has_errors:
        notes.append(DATA_ERROR)
    if pending_appeals(unit.appeals):
        notes.append(f"有待复核申诉{pending_appeals(unit.appeals)}件")
    return "；".join(notes)


def _pct(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 6)


def ranking_sheet(result: Result, ordered: list[UnitResult]) -> OutputSheet:
    categories = result.ledger.rubric.categories
    with_category = any(u.unit.category for u in ordered)
    columns = [Column("排名", "int", 6), Column("单位名称", "text", 26)]
    columns += [Column(c, "number", 10) for c in categories]
    columns += [Column("加分", "number", 8), Column("总分", "number", 9),
                Column("满意率", "percent", 10), Column("办结率", "percent", 10),
                Column("及时办理率", "percent", 11), Column("备注", "text", 22)]
    if with_category:
        columns += [Column("单位类别", "text", 12), Column("类别内排名", "int", 10)]
    rows, marks = [], {}
    for i, unit in enumerate(ordered):
        scores = unit.category_scores()
        row: list[Any] = [unit.rank, unit.name, *[scores.get(c) for c in categories], unit.bonus, unit.total,
                          _pct(unit.rates.satisfaction), _pct(unit.rates.completion), _pct(unit.rates.timely),
                          remarks(unit)]
        if with_category:
            row += [unit.unit.category or None, unit.category_rank]
        rows.append(row)
        if unit.has_errors:
            marks[i] = "error"
        elif not unit.unit.participates:
            marks[i] = "muted"
    ranked_count = sum(1 for u in ordered if u.rank is not None)
    chart = (BarChart(f"{result.ledger.params.year}年度总分", 1, 2 + len(categories) + 1, "总分",
                      rows=ranked_count) if ranked_count else None)
    return OutputSheet(S.RANKING, columns, rows, title=ranking_title(result), chart=chart, row_marks=marks)


def detail_sheet(result: Result, ordered: list[UnitResult]) -> OutputSheet:
    rubric = result.ledger.rubric
    columns = [Column("单位名称", "text", 26)]
    for item in rubric.base_items:
        columns += [Column(f"{item.code} {item.name}（{json_number(item.points)}分）", "number", 12),
                    Column(f"{item.code} 扣分(未封顶)", "number", 10)]
    columns += [Column("基础得分", "number", 10), Column("加分(原始)", "number", 10),
                Column(f"加分(计入，上限{json_number(rubric.bonus_cap)})", "number", 12), Column("总分", "number", 9),
                Column("申诉撤销/减免扣分(未封顶)", "number", 14), Column("待复核申诉(件)", "int", 10)]
    rows = []
    for unit in ordered:
        row: list[Any] = [unit.name]
        for item in rubric.base_items:
            score = unit.items[item.code]
            row += [score.score, score.raw]
        row += [unit.base_score, unit.bonus_raw, unit.bonus, unit.total,
                appeal_relief(unit) or None, pending_appeals(unit.appeals) or None]
        rows.append(row)
    # 31 columns: landscape, split over pages with 单位名称 repeated, not shrunk to one page width
    return OutputSheet(S.DETAIL, columns, rows, title=f"{result.ledger.params.year}年度各单位得分明细（扣分为未封顶的原始扣分，项目得分不低于0）",
                       layout=Layout(orientation="landscape", fit_width=False, repeat_columns=1))


def audit_sheet(result: Result, ordered: list[UnitResult]) -> OutputSheet:
    rubric = result.ledger.rubric
    columns = [Column("单位名称", "text", 24, wrap=True), Column("编码", "text", 10),
               Column("项目", "text", 16, wrap=True), Column("分值", "number", 8), Column("来源", "text", 16),
               Column("说明", "text", 70, wrap=True), Column("原分值", "number", 8),
               Column("申诉复核", "text", 24, wrap=True)]
    rows = []
    item_names: dict[str, str] = {}  # clause code -> its item's name (10,000s of lines, a few dozen codes)
    for unit in ordered:
        name = unit.name
        for line in unit.lines:
            code = line.code
            if code not in item_names:
                item = rubric.items.get(line.item)
                item_names[code] = item.name if item else line.item
            # 分值 is what counts; 原分值 only where an appeal changed it (§11)
            rows.append([name, code, item_names[code], line.points, line.source, line.note,
                         line.original, line.appeal or None])
    return OutputSheet(S.AUDIT, columns, rows)


def appeal_relief(unit: UnitResult) -> Decimal:
    """Points given back by 撤销/减免, before item caps."""
    return sum((line.points - line.original for line in unit.lines if line.original is not None), Decimal("0.00"))


def checks_sheet(result: Result) -> OutputSheet:
    columns = [Column("级别", "text", 6), Column("表", "text", 10), Column("行", "int", 6), Column("列", "text", 12),
               Column("值", "text", 24, wrap=True), Column("说明", "text", 80, wrap=True), Column("编号", "text", 14)]
    rows, marks = [], {}
    ordered = sorted(result.problems, key=lambda p: (p.level != ERROR, _sheet_order(p.sheet), p.row or 0))
    for i, p in enumerate(ordered):
        rows.append([p.level, p.sheet, p.row, p.column, p.value, p.message, p.key])
        marks[i] = "error" if p.level == ERROR else "warning"
    if not rows:  # a clean ledger says so, rather than showing bare headers
        clean = {"级别": "通过", "说明": f"{CHECK_PASSED}：未发现错误或警告"}
        rows.append([clean.get(c.header) for c in columns])
    return OutputSheet(S.CHECKS, columns, rows, row_marks=marks)


def _sheet_order(sheet: str) -> int:
    order = [S.PARAMS, S.RULES, S.HOLIDAYS, S.UNITS, S.ORDERS, S.DEDUCTIONS, S.BONUSES, S.MEETINGS,
             S.KNOWLEDGE, S.STUDIES]
    return order.index(sheet) if sheet in order else len(order)


def output_sheets(result: Result, ordered: list[UnitResult]) -> list[OutputSheet]:
    return [ranking_sheet(result, ordered), detail_sheet(result, ordered), audit_sheet(result, ordered),
            checks_sheet(result)]


# ---- JSON -----------------------------------------------------------------------------------------

def json_number(value: Decimal | None) -> int | float | None:
    """Decimal -> JSON number: an int when whole, else a float (2 decimals are exact enough)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def to_json(result: Result, ordered: list[UnitResult]) -> dict[str, Any]:
    params = result.ledger.params
    units = []
    for unit in ordered:
        units.append({
            "unit": unit.name,
            "rank": unit.rank,
            "category": unit.unit.category or None,
            "category_rank": unit.category_rank,
            "participates": unit.unit.participates,
            "total": json_number(unit.total),
            "bonus": json_number(unit.bonus),
            "bonus_raw": json_number(unit.bonus_raw),
            "categories": {k: json_number(v) for k, v in unit.category_scores().items()},
            "items": {code: json_number(item.score) for code, item in unit.items.items()},
            "deductions": {code: json_number(item.raw) for code, item in unit.items.items() if item.raw},
            "bonus_items": {code: json_number(sum((l.points for l in unit.lines if l.item == code), Decimal(0)))
                            for code in BONUS_ITEMS if any(l.item == code for l in unit.lines)},
            "rates": {k: _pct(v) for k, v in unit.rates.as_dict().items()},
            "remarks": remarks(unit),
            "appeals": appeal_counts(unit.appeals),
            "lines": [_line_json(line) for line in unit.lines],
        })
    return {
        "year": params.year,
        "asof": params.asof.isoformat(),
        "title": ranking_title(result),
        "has_errors": result.has_errors,
        "units": units,
        "problems": [p.as_json() for p in result.problems],
    }


def card_note(line) -> str:
    """说明, plus the appeal's effect on this line (【已撤销（申诉复核!3），原 -4】)."""
    if not line.appeal:
        return line.note
    original = f"，原 {points_text(line.original)}" if line.original is not None else ""
    return f"{line.note}【{line.appeal}{original}】"


def _line_json(line) -> dict[str, Any]:
    return {"code": line.code, "points": json_number(line.points), "source": line.source, "note": line.note,
            "original": json_number(line.original), "appeal": line.appeal or None}


UNIT_CARD = "单位明细"


def unit_card_sheet(result: Result, unit: UnitResult) -> OutputSheet:
    """单位明细: one unit's score card — every item with its points, then every deduction and
    bonus line with its source, so a unit can check each point against the ledger."""
    rubric = result.ledger.rubric
    columns = [Column("编码", "text", 10), Column("项目", "text", 22, wrap=True), Column("分值", "number", 9),
               Column("扣分/加分", "number", 10), Column("得分", "number", 9), Column("来源", "text", 16),
               Column("说明", "text", 70, wrap=True)]
    rows: list[list[Any]] = []
    marks = {}
    for item in rubric.base_items:
        score = unit.items[item.code]
        marks[len(rows)] = "bold"
        rows.append([item.code, f"{item.category} · {item.name}", item.points, -score.raw, score.score, "",
                     f"扣分 {score.raw}，封顶 {item.points}" if score.raw > score.deducted else ""])
        for line in unit.lines:
            if line.item == item.code:
                rows.append([line.code, "", None, line.points, None, line.source, card_note(line)])
    marks[len(rows)] = "bold"
    rows.append(["加分项", f"加分（上限 {json_number(rubric.bonus_cap)} 分）", rubric.bonus_cap, unit.bonus_raw, unit.bonus, "",
                 f"原始加分 {unit.bonus_raw}，计入 {unit.bonus}" if unit.bonus_raw != unit.bonus else ""])
    for line in unit.lines:
        if line.item in BONUS_ITEMS:
            rows.append([line.code, "", None, line.points, None, line.source, card_note(line)])
    marks[len(rows)] = "bold"
    rank = "不参与排名" if unit.rank is None else f"第 {unit.rank} 名" + ("（并列）" if unit.tied else "")
    rows.append(["总分", rank, None, None, unit.total, "", remarks(unit)])
    if unit.appeals:  # §11: the unit's appeals and what each decided
        marks[len(rows)] = "bold"
        rows.append(["申诉复核", f"共{len(unit.appeals)}件", None, appeal_relief(unit) or None, None, "", "恢复的扣分（未封顶）"])
        for outcome in unit.appeals:
            a = outcome.appeal
            filed = f"{a.filed.isoformat()} 申诉；" if a.filed else ""
            rows.append([a.appeal_id or "申诉", a.target.text, None, outcome.restored or None, None, a.source,
                         f"{filed}{a.decision}：{outcome.effect()}" + (f"（{a.note}）" if a.note else "")])
    params = result.ledger.params
    title = f"{unit.name} {params.year}年度12345工作考核得分明细（截至{params.asof.isoformat()}）"
    return OutputSheet(UNIT_CARD, columns, rows, title=title, row_marks=marks)
