"""The output sheets 预警 (one row per listed order) and 催办单 (one printed page per unit: the
催办通知书 a clerk would otherwise type into Word), built from ``warnings.Warnings``.

The units' work contacts (单位 联络人, 联络电话) appear here and nowhere else (SPEC §9); they are
read straight from the 单位 grid, never through the validated Ledger, so no other output can
pick them up. Citizens' 诉求内容 and phone numbers are never read.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from . import schema as S
from .dates import chinese_date
from .rates import points_text
from .report import Column, Layout, OutputSheet
from .tables import Grid, find_table
from .validate.cells import name_key, plain_text
from .warnings import OVERDUE, Warnings, WarnOrder

DEFAULT_OFFICE = "常州市教育局办公室"
# 通报模板 (key/value like 参数) keys that may name the issuing office, first found wins
OFFICE_KEYS = ("发文机关", "发文单位", "落款", "发文机关署名")
CHASE_TITLE = "12345政府服务热线工单催办通知书"


def unit_contacts(grid: Grid | None) -> dict[str, tuple[str, str]]:
    """name_key(单位名称) -> (联络人, 联络电话) from the 单位 sheet."""
    table = find_table(grid or [], S.UNITS, ("单位名称",))
    if table is None:
        return {}
    name, person, phone = (table.getter(c) for c in ("单位名称", "联络人", "联络电话"))
    out: dict[str, tuple[str, str]] = {}
    for _, row in table.rows():
        unit = plain_text(name(row))
        if unit:
            out.setdefault(name_key(unit), (plain_text(person(row)), plain_text(phone(row))))
    return out


def office_name(grid: Grid | None) -> str:
    """The issuing office from 通报模板 (a key cell, its value to the right), else the default."""
    for row in grid or []:
        for c, cell in enumerate(row[:-1]):
            if isinstance(cell, str) and cell.strip() in OFFICE_KEYS and plain_text(row[c + 1]):
                return plain_text(row[c + 1])
    return DEFAULT_OFFICE


def _moment_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _state_text(o: WarnOrder, late_word: str) -> str:
    if o.status == OVERDUE:
        return f"已超期{o.days_late}{late_word}"
    return "今日到期" if o.workdays_left == 0 else f"{o.workdays_left}个工作日后到期"


def _summary(w: Warnings) -> str:
    overdue = sum(o.status == OVERDUE for o in w.orders)
    escalate = sum(o.escalate for o in w.orders)
    return (f"已超期{overdue}件（建议通报{escalate}件），即将到期{len(w.orders) - overdue}件，"
            f"涉及{len(w.units)}个单位")


def warnings_sheet(w: Warnings, contacts: Mapping[str, tuple[str, str]]) -> OutputSheet:
    """预警: overdue first, then by deadline; 建议通报 rows red, other overdue rows yellow."""
    columns = [Column("状态", "text", 9), Column("单位名称", "text", 22), Column("工单编号", "text", 16),
               Column("工单类型", "text", 8), Column("受理时间", "datetime", 16),
               Column("应办结时间", "datetime", 16), Column("剩余工作日", "int", 10),
               Column(f"超期（{w.late_word}）", "int", 12), Column("已扣分", "number", 8),
               Column("再拖一日扣分", "number", 11), Column("建议通报", "text", 9),
               Column("联络人", "text", 16), Column("联络电话", "text", 14), Column("来源", "text", 10)]
    rows, marks = [], {}
    for i, o in enumerate(w.orders):
        person, phone = contacts.get(name_key(o.unit), ("", ""))
        rows.append([o.status, o.unit, o.order_id, o.kind, o.received, o.due, o.workdays_left, o.days_late,
                     o.points_now, o.points_next_day, "是" if o.escalate else "", person or None, phone or None,
                     f"{S.ORDERS}!{o.row}"])
        if o.status == OVERDUE:
            marks[i] = "error" if o.escalate else "warning"
    title = (f"12345工单预警（截至{_moment_text(w.asof)}；即将到期指{w.days}个工作日内到期；"
             f"超期满{w.escalate_days}个工作日建议通报）：{_summary(w) if w.orders else '没有即将到期或已超期的工单'}")
    return OutputSheet(S.WARNINGS, columns, rows, title=title, row_marks=marks)


def chase_sheet(w: Warnings, contacts: Mapping[str, tuple[str, str]], office: str = DEFAULT_OFFICE) -> OutputSheet:
    """催办单: per unit with listed orders, one printed page (a page break before each unit)."""
    # a portrait A4 letter: few, narrow columns (the 预警 sheet has every detail)
    columns = [Column("序号", "int", 5), Column("工单编号", "text", 14), Column("受理时间", "datetime", 16),
               Column("应办结时间", "datetime", 16), Column("办理状态", "text", 14), Column("已扣分", "number", 7),
               Column("再拖一日", "number", 8)]
    rows: list[list[Any]] = []
    marks: dict[int, str] = {}
    breaks: list[int] = []

    def add(row: list[Any], mark: str | None = None) -> None:
        if mark:
            marks[len(rows)] = mark
        rows.append(row)

    for unit in w.units:
        if rows:
            breaks.append(len(rows))
        person, phone = contacts.get(name_key(unit.unit), ("", ""))
        contact = "，".join(p for p in (f"联络人：{person}" if person else "",
                                       f"联络电话：{phone}" if phone else "") if p)
        add([CHASE_TITLE], "title")
        add([f"{unit.unit}" + (f"（{contact}）" if contact else "") + "："], "note")
        add([f"截至{chinese_date(w.asof)} {w.asof.strftime('%H:%M')}，贵单位承办的下列"
             f"12345工单已超期或将在{w.days}个工作日内到期。请即安排专人办理，按时在平台办结回复，"
             f"并将办理情况报{office}。"], "note")
        add([c.header for c in columns], "heading")
        for k, o in enumerate(unit.orders, start=1):
            add([k, o.order_id, o.received, o.due, _state_text(o, w.late_word), o.points_now, o.points_next_day], ("error" if o.escalate else "warning") if o.status == OVERDUE else None)
        escalate = (f"其中{unit.escalate}件超期已满{w.escalate_days}个工作日，将在阶段通报中予以通报。"
                    if unit.escalate else "")
        add([f"合计：已超期{unit.overdue}件、即将到期{unit.due_soon}件；按考核细则已扣{points_text(unit.points_now)}分，"
             f"如再拖延一个工作日将再扣{points_text(unit.points_next_day)}分。{escalate}"], "note")
        add([""], "note")
        add([office], "sign")
        add([chinese_date(w.asof)], "sign")
    if not rows:
        add([CHASE_TITLE], "title")
        add([f"截至{_moment_text(w.asof)}，没有即将到期或已超期的工单，无需催办。"], "note")
    return OutputSheet(S.CHASE, columns, rows, row_marks=marks, header=False,
                       layout=Layout(orientation="portrait", fit_width=False, autofilter=False,
                                     freeze_header=False, page_breaks=tuple(breaks)))
