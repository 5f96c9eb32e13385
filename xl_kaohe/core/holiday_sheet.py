"""The 节假日 sheet as a whole: which festivals a year's rows seem to cover, and how a notice's
dates are merged into the sheet (SPEC §12).

Pure: rows in, plans and findings out. Reading the notice text is ``notice_text``; writing the
plan into a file or into Excel is ``jobs.holidays``.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

OFF, WORK = "放假", "上班"

# The seven festivals of the yearly notice (SPEC §12), in the notice's order, each with the
# words that name it in a notice header or in a 说明 cell staff typed.
FESTIVALS = ("元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆")
FESTIVAL_WORDS = {
    "元旦": ("元旦",), "春节": ("春节", "除夕"), "清明": ("清明",), "劳动节": ("劳动节", "五一"),
    "端午": ("端午",), "中秋": ("中秋",), "国庆": ("国庆",),
}

# Where a festival's days off fall (month, day) when 说明 does not name it: the lunar
# festivals move, these windows hold every year 2004-2026 of chinese-calendar.
_WINDOWS = {
    "春节": ((1, 19), (2, 25)), "清明": ((4, 2), (4, 7)), "劳动节": ((4, 28), (5, 6)),
    "端午": ((5, 28), (6, 26)), "中秋": ((9, 6), (9, 30)), "国庆": ((10, 1), (10, 8)),
}
COMBINED_GOLDEN_WEEK = 8  # 国庆 with 中秋 inside: 8 days off around 1 October


def festivals_named(text: str) -> list[str]:
    """The festivals a header or a 说明 text names, in the notice's order."""
    text = unicodedata.normalize("NFKC", text or "")
    return [f for f in FESTIVALS if any(w in text for w in FESTIVAL_WORDS[f])]


def festival_year(day: date, festival: str) -> int:
    """元旦 days off on 30/31 December belong to the next year's 元旦."""
    return day.year + 1 if festival == "元旦" and day.month == 12 else day.year


def festivals_by_year(rows: Iterable[tuple[date, bool, str]]) -> dict[int, set[str]]:
    """Festivals each year's 放假 rows seem to cover: from 说明, else from where the dates fall.

    rows: (date, is_workday, 说明)."""
    found: dict[int, set[str]] = {}
    off_by_year: dict[int, set[date]] = {}
    for day, work, note in rows:
        if work:
            continue
        off_by_year.setdefault(day.year, set()).add(day)
        for festival in festivals_named(note):
            found.setdefault(festival_year(day, festival), set()).add(festival)
        for festival in _by_window(day):
            found.setdefault(festival_year(day, festival), set()).add(festival)
    for year, days in off_by_year.items():
        golden = sum(date(year, 9, 28) + timedelta(n) in days for n in range(11))
        if golden >= COMBINED_GOLDEN_WEEK:
            found[year].add("中秋")
    return found


def _by_window(day: date) -> list[str]:
    if (day.month, day.day) <= (1, 3) or (day.month, day.day) >= (12, 30):
        return ["元旦"]
    md = (day.month, day.day)
    return [f for f, (lo, hi) in _WINDOWS.items() if lo <= md <= hi]


# ---- merging a notice into the sheet ---------------------------------------------------------------

@dataclass(frozen=True)
class SheetRow:
    row: int          # worksheet row
    day: date
    kind: str         # 放假 / 上班 as typed (other text: a row validation reports)
    note: str


@dataclass(frozen=True)
class NewRow:
    day: date
    kind: str
    note: str


@dataclass(frozen=True)
class Conflict:
    row: int
    day: date
    sheet_kind: str
    notice_kind: str

    def text(self) -> str:
        return (f"{self.day.isoformat()}：通知为“{self.notice_kind}”，「节假日」表第{self.row}行为"
                f"“{self.sheet_kind}”——已保留表中的行，请核对")


@dataclass
class HolidayPlan:
    new_rows: list[NewRow] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.new_rows)


def plan_upsert(existing: Iterable[SheetRow], notice: Iterable[NewRow]) -> HolidayPlan:
    """Upsert by 日期: a date already in the sheet is never rewritten (staff's row stands; a
    different 类型 is a conflict to list); dates not yet there are appended in date order."""
    by_day: dict[date, SheetRow] = {}
    for row in existing:
        by_day.setdefault(row.day, row)  # the first row of a date is the one the calendar uses
    plan = HolidayPlan()
    for new in sorted(notice, key=lambda n: n.day):
        old = by_day.get(new.day)
        if old is None:
            plan.new_rows.append(new)
            by_day[new.day] = SheetRow(0, new.day, new.kind, new.note)
        elif old.kind == new.kind:
            plan.unchanged += 1
        else:
            plan.conflicts.append(Conflict(old.row, new.day, old.kind, new.kind))
    return plan
