"""预警清单 (kaohe warn, the ribbon's 预警清单, and the 预警/催办单 sheets of 生成排名).

Reads only the sheets warnings need (参数 规则 节假日 单位 工单 通报模板), validates them, and lists
the orders 已超期 / 即将到期 at the as-of moment (core.warnings); ``write`` rewrites the output
sheets 预警 and 催办单 and nothing else — fast enough to press every morning.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Mapping

from ..core import schema as S
from ..core.ledger import ERROR, Problem
from ..core.rates import points_text
from ..core.report import OutputSheet
from ..core.tables import Grid
from ..core.validate import load_ledger
from ..core.warn_sheets import chase_sheet, office_name, unit_contacts, warnings_sheet
from ..core.warnings import Warnings, compute_warnings, moment_of
from . import Book, Progress, quiet as _quiet

# sheets a warning run does not read: their absence is not a problem of this run
_NOT_READ = {S.DEDUCTIONS, S.BONUSES, S.MEETINGS, S.KNOWLEDGE, S.STUDIES}


@dataclass
class WarnRun:
    warnings: Warnings
    sheets: list[OutputSheet]
    problems: list[Problem]

    @property
    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.problems)


def warning_sheets(grids: Mapping[str, Grid], warnings: Warnings) -> list[OutputSheet]:
    """预警 and 催办单; the units' contacts and the office come from the 单位 and 通报模板 grids."""
    contacts = unit_contacts(grids.get(S.UNITS))
    return [warnings_sheet(warnings, contacts),
            chase_sheet(warnings, contacts, office_name(grids.get(S.BULLETIN_TEMPLATE)))]


def warn(book: Book, *, asof: date | datetime | None = None, days: int | None = None,
         now: datetime | None = None, write: bool = False, progress: Progress = _quiet) -> WarnRun:
    """As of ``asof`` (a date: its end; a datetime as is; default: ``now``, the current moment)."""
    now = (now or datetime.now()).replace(microsecond=0)
    moment = moment_of(asof if asof is not None else now)
    progress(f"正在读取 {book.label} …")
    grids = book.read_grids(S.WARN_READ)
    progress("正在校验工单、计算到期时间 …")
    ledger = load_ledger(grids, asof=moment.date(), today=now.date())
    warnings = compute_warnings(ledger, moment, days=days)
    sheets = warning_sheets(grids, warnings)
    if write:
        progress(f"正在写入 {S.WARNINGS}、{S.CHASE} …")
        book.write_outputs(sheets)
    problems = [p for p in ledger.problems if p.sheet not in _NOT_READ]
    return WarnRun(warnings, sheets, problems)


def warnings_text(run: WarnRun) -> str:
    """What the command line prints: per unit its orders, then a summary."""
    w = run.warnings
    lines = [f"预警（截至 {w.asof.strftime('%Y-%m-%d %H:%M')}，即将到期：{w.days}个工作日内；"
             f"超期满{w.escalate_days}个工作日建议通报）"]
    if not w.orders:
        lines.append("没有即将到期或已超期的工单。")
    for unit in w.units:
        lines.append("")
        lines.append(f"{unit.unit}：已超期 {unit.overdue} 件（建议通报 {unit.escalate} 件），即将到期 {unit.due_soon} 件，"
                     f"已扣 {points_text(unit.points_now)} 分")
        for o in unit.orders:
            when = (f"超期{o.days_late}{w.late_word}" if o.days_late is not None
                    else ("今日到期" if o.workdays_left == 0 else f"剩{o.workdays_left}个工作日"))
            flag = "  建议通报" if o.escalate else ""
            lines.append(f"  {o.status}  {o.order_id}  {o.kind}  应办结 {o.due.strftime('%Y-%m-%d %H:%M')}  {when}  "
                         f"已扣 {points_text(o.points_now)} 分  再拖一日 {points_text(o.points_next_day)} 分{flag}")
    errors = sum(p.level == ERROR for p in run.problems)
    if errors:
        lines.append("")
        lines.append(f"注意：台账有 {errors} 个错误，有错误的工单未列入预警（kaohe check 可查看清单）。")
    return "\n".join(lines)
