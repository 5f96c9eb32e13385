"""考核结果告知单 (SPEC §11): one Document per unit, as the unit receives it — its score and
items, every deduction and bonus with its source and date, its appeals and their decisions, and
how and until when to appeal. io/docx renders it in the 公文 layout of §10.

The date of a line is the date of its object, the same date the appeal deadline counts from
(validate/appeals.py): an event's 日期, an order's deadline, a knowledge-base month's report
deadline, a quarter's last day; rate lines carry the end of the period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import rules as R
from . import schema as S
from .calendar import CalendarError
from .dates import chinese_date
from .document import DocTable, Document, Paragraph, Section
from .ledger import Ledger
from .rates import percent_text, points_text
from .scoring import AuditLine, Result, UnitResult
from .timeliness import compute_timeliness

DEFAULT_ISSUER = "常州市教育局办公室"
RUBRIC_NAME = "《常州市教育局12345政府服务热线办理工作考核细则》"


@dataclass(frozen=True)
class NoticeOptions:
    issued: date                   # 印发日期: the appeal period runs from it
    issuer: str = DEFAULT_ISSUER


def notice_title(year: int) -> str:
    # two lines, broken between words (a 2号 title holds about 18 characters a line)
    return f"{year}年度12345政府服务热线办理工作\n考核结果告知单"


def appeal_deadline(ledger: Ledger, issued: date) -> date | None:
    """申诉期限 working days after the issue date; None when the calendar does not know them."""
    try:
        return ledger.calendar.add_workdays(issued, ledger.params.appeal_days)
    except CalendarError:
        return None


def line_dates(ledger: Ledger) -> dict[str, date]:
    """AuditLine.key -> the object's date."""
    dates: dict[str, date] = {}
    orders = ledger.orders
    if len(orders):
        due = compute_timeliness(orders, ledger.rubric, ledger.calendar, ledger.params).due
        days = due.astype("datetime64[D]").tolist()
        for row, day in zip(orders.row, days):
            if day is not None:
                dates[f"{S.ORDERS}!{row}"] = day
    for event in ledger.deductions + ledger.bonuses:
        dates[f"{event.sheet}!{event.row}"] = event.day
    for meeting in ledger.meetings:
        dates[f"{S.MEETINGS}!{meeting.row}"] = meeting.day
    params = ledger.params
    for m in range(1, 13):
        month = date(params.year, m, 1)
        dates[f"{S.KNOWLEDGE} {month.strftime('%Y-%m')}"] = params.kb_deadline(month)
    for q in range(1, 5):
        dates[f"{S.STUDIES} {params.year}Q{q}"] = params.quarter_end(q)
    return dates


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def _signed(value) -> str:
    text = points_text(value)
    return text if text.startswith("-") or text == "0" else "+" + text


def build_notice(result: Result, unit: UnitResult, options: NoticeOptions,
                 dates: dict[str, date] | None = None) -> Document:
    ledger = result.ledger
    params = ledger.params
    dates = line_dates(ledger) if dates is None else dates
    ranked = sum(1 for u in result.units if u.unit.participates)
    sections = [_score_section(result, unit, ranked), _lines_section(unit, dates, params.period_end),
                _appeals_section(unit), _how_to_appeal(ledger, options)]
    opening = [f"根据{RUBRIC_NAME}，现将你单位{params.year}年度12345政府服务热线办理工作考核结果"
               f"（考核期{params.period_text()}）告知如下。"]
    return Document(title=notice_title(params.year), sections=sections, addressee=f"{unit.name}：",
                    opening=opening, issuer=options.issuer, issued=options.issued)


def _score_section(result: Result, unit: UnitResult, ranked: int) -> Section:
    rubric = result.ledger.rubric
    if unit.rank is None:
        rank = "你单位不参与排名"
    else:
        rank = f"在{ranked}个参与考核单位中排第{unit.rank}名" + ("（并列）" if unit.tied else "")
        if unit.category_rank is not None:
            rank += f"，在{unit.unit.category}中排第{unit.category_rank}名"
    r = unit.rates
    blocks = [
        Paragraph(f"你单位考核总分{points_text(unit.total)}分（基础得分{points_text(unit.base_score)}分，"
                  f"加分{points_text(unit.bonus)}分），{rank}。"),
        DocTable(["满意率", "年累计办结率", "及时办理率"],
                 [[f"{percent_text(r.satisfaction)}（{r.satisfied}/{r.visited}）",
                   f"{percent_text(r.completion)}（{r.done}/{r.should}）",
                   f"{percent_text(r.timely)}（{r.on_time}/{r.should}）"]], widths_mm=[52, 52, 52]),
    ]
    pending = sum(o.decision == "待复核" for o in unit.appeals)
    if pending:
        blocks.append(Paragraph(f"你单位有{pending}件申诉尚待复核，以上得分暂按原扣分计算，复核后另行告知。"))
    if unit.has_errors:
        blocks.append(Paragraph(f"你单位的台账数据存在错误（见考核台账「{S.CHECKS}」表），以上结果待核实后更正。"))
    rows = []
    for item in rubric.base_items:
        score = unit.items[item.code]
        capped = "（扣完为止）" if score.raw > score.deducted else ""
        rows.append([item.category, f"{item.code} {item.name}", points_text(score.points),
                     points_text(score.raw) + capped if score.raw else "0", points_text(score.score)])
    bonus_note = f"（原始{points_text(unit.bonus_raw)}分，上限{points_text(rubric.bonus_cap)}分）" \
        if unit.bonus_raw != unit.bonus else ""
    rows.append(["加分项", f"加分{bonus_note}", points_text(rubric.bonus_cap), "", points_text(unit.bonus)])
    rows.append(["合计", "", points_text(rubric.base_total() + rubric.bonus_cap), "", points_text(unit.total)])
    table = DocTable(["一级指标", "考核项目", "分值", "扣分", "得分"], rows, widths_mm=[24, 64, 18, 30, 20],
                     align_right={2, 3, 4})
    return Section("一、考核得分", blocks + [table])


def _line_text(line: AuditLine) -> str:
    if not line.appeal:
        return line.note
    original = f"，原{_signed(line.original)}分" if line.original is not None else ""
    return f"{line.note}（{line.appeal}{original}）"


def _lines_section(unit: UnitResult, dates: dict[str, date], period_end: date) -> Section:
    deductions = [l for l in unit.lines if l.item not in R.BONUS_ITEMS]
    bonuses = [l for l in unit.lines if l.item in R.BONUS_ITEMS]
    blocks: list = []
    for caption, word, lines in (("（一）扣分", "扣分", deductions), ("（二）加分", "加分", bonuses)):
        if not lines:
            blocks.append(Paragraph(f"本年度无{word}。", bold_lead=f"{caption}："))
            continue
        rows = [[str(k), line.code, _signed(line.points), _day(dates.get(line.key, period_end)), line.source,
                 _line_text(line)] for k, line in enumerate(lines, 1)]
        blocks.append(DocTable(["序号", "编码", "分值", "日期", "来源", "说明"], rows, caption=caption,
                               widths_mm=[11, 17, 12, 28, 26, 62], align_right={2}))
    return Section("二、扣分和加分明细", blocks)


def _appeals_section(unit: UnitResult) -> Section:
    if not unit.appeals:
        return Section("三、申诉复核情况", [Paragraph("你单位本年度没有申诉记录。")])
    rows = []
    for o in unit.appeals:
        a = o.appeal
        opinion = o.effect() + (f"。{a.note}" if a.note else "")
        rows.append([a.appeal_id or a.source, a.target.text, _day(a.filed), a.decision, opinion, _day(a.reviewed)])
    counts = {d: sum(o.decision == d for o in unit.appeals) for d in S.APPEAL_DECISIONS}
    summary = "，".join(f"{d}{n}件" for d, n in counts.items() if n)
    return Section("三、申诉复核情况", [
        Paragraph(f"你单位共提出申诉{len(unit.appeals)}件：{summary}。"),
        DocTable(["申诉编号", "申诉对象", "申诉日期", "结论", "复核意见", "复核日期"], rows,
                 widths_mm=[25, 26, 27, 13, 38, 27])])


def _how_to_appeal(ledger: Ledger, options: NoticeOptions) -> Section:
    days = ledger.params.appeal_days
    deadline = appeal_deadline(ledger, options.issued)
    until = f"于{chinese_date(deadline)}（含）前（本告知单印发之日起{days}个工作日内）" if deadline else \
        f"自本告知单印发之日起{days}个工作日内"
    return Section("四、申诉方式和期限", [
        Paragraph(f"如对上述考核结果有异议，请{until}，以书面形式向{options.issuer}提出申诉，"
                  f"写明申诉对象（工单编号，或扣分事件、会议、加分事件的登记行，或知识库月份、季度研究季度）、"
                  f"申诉理由，并附相关证明材料。"),
        Paragraph("考评小组复核后作出维持、撤销或减免的结论并告知你单位；撤销的工单不予考核，"
                  "不计入满意率、办结率和及时办理率。逾期未提出申诉的，视为对考核结果无异议。"),
    ])
