"""The State Council's yearly notice (国务院办公厅关于Y年部分节假日安排的通知), as pasted from the
web page, turned into 放假 and 上班 dates (SPEC §12).

The notice is a list of numbered items, one per festival::

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
    三、清明节：4月5日放假，与周末连休。

Each sentence of an item that has a date and speaks of 放假/上班/补休/休息 must match one of a
few clause shapes (ranges, lists, 共N天, 与周末连休, 补休, 不调休); a sentence that does not is
listed as unparsed and none of its dates is used -- never guessed. Years: written ones are
taken as written; a date without one is in the notice's year, except December dates of the
元旦 item (the 元旦 of year Y starts on 30/31 December of Y-1), and a date after an earlier one
in the same sentence continues from it (``12月30日至1月1日``, ``9月30日至10月8日``). Weekday
annotations (周四, 星期六) are checked against the date worked out; a mismatch rejects the date.
``共N天`` / ``放假N天`` are checked against the days counted.

Pure: text in, ``Notice`` out. Half-width and full-width punctuation both work (NFKC).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from .holiday_sheet import FESTIVALS, OFF, WORK, festivals_named

_ITEM = re.compile(r"(?:^|(?<=[\s。;]))([一二三四五六七八九十]{1,3})\s*[、.]\s*")
_FEST_NAME = r"(?:\d{4}\s*年\s*)?(?:元旦|春节|清明节?|劳动节|五一|端午节?|中秋节?|国庆节?)"
_HEADER = re.compile(rf"^\s*({_FEST_NAME}(?:\s*[、和及与]\s*{_FEST_NAME})*)\s*(?:\([^()]*\))?\s*:\s*")
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*[日号](?:\s*\(([^()]*)\))?")
_ANNOTATION = re.compile(r"^(?:\s*(?:农历[^、,]*|(?:周|星期)[一二三四五六日天]|除夕)\s*[、,]?)+$")
_WEEKDAY = re.compile(r"(?:周|星期)([一二三四五六日天])")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_KEYWORDS = ("放假", "上班", "补休", "休息", "连休", "调休")
_TITLE_YEAR = (re.compile(r"关于\s*(?:调整|延长)?\s*(\d{4})\s*年"),
               re.compile(r"现将\s*(?:调整|延长)?\s*(\d{4})\s*年"))

# Clause shapes once each date (with its annotation) is replaced by D.
_SPANS = r"D(?:至D)?(?:[、和]D(?:至D)?)*"
_OFF = re.compile(rf"^(?:其中)?({_SPANS})(?:放假|休假)(?:调休|公休)?(?:共?(\d+)天)?$")
_MAKEUP = re.compile(rf"^({_SPANS})补休$")
_WORKS = re.compile(rf"^({_SPANS})(?:调休)?上班$")
_TOTAL = re.compile(r"^共(\d+)天$")
_NO_OP = re.compile(r"^(?:与周末连休|不调休|与周六连休|与周日连休)$")

MSG_NO_YEAR = ("通知中找不到年份：请连同标题“国务院办公厅关于××××年部分节假日安排的通知”一起复制，"
               "或在命令行用 --year 指定")
MSG_YEAR_MISMATCH = "通知标题是{found}年，与指定的 {given} 年不一致：请核对是否贴错了通知"
MSG_NO_ITEMS = "没有找到放假安排条目（如“一、元旦：1月1日放假……”）：请贴入通知正文"
MSG_UNPARSED = "无法识别"
MSG_WEEKDAY = "{day}标注为{said}，但{year}年的这一天是{real}：年份可能不对，未采用此句"
MSG_COUNT = "{festival}：通知写“共{stated}天”，但列出的放假日期是{counted}天，请核对"
MSG_TWICE = "{day} 在通知中既是放假又是上班，未采用"

_CN_WEEKDAY = "一二三四五六日"


@dataclass(frozen=True)
class NoticeDay:
    day: date
    kind: str          # 放假 / 上班
    festival: str      # the item's header as written, e.g. 国庆节、中秋节 ("" when none)
    year: int          # the notice's year (for 说明)

    def note(self) -> str:
        what = self.festival or "节假日"
        return f"{what}{'放假' if self.kind == OFF else '调休上班'}（国务院{self.year}年节假日安排）"


@dataclass
class Sentence:
    festival: str
    text: str
    message: str


@dataclass
class Notice:
    year: int | None
    days: list[NoticeDay] = field(default_factory=list)
    festivals: list[str] = field(default_factory=list)   # canonical names of the items read
    unparsed: list[Sentence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None                               # nothing usable (no year, no items)

    def dates(self, kind: str) -> set[date]:
        return {d.day for d in self.days if d.kind == kind}


def parse_notice(text: str, year: int | None = None) -> Notice:
    """Read a pasted notice. ``year`` (--year) is needed only when the text has no title; when
    both are there they must agree."""
    text = _normalise(text)
    found = _title_year(text)
    if found is not None and year is not None and found != year:
        return Notice(year, error=MSG_YEAR_MISMATCH.format(found=found, given=year))
    year = found if found is not None else year
    if year is None:
        return Notice(None, error=MSG_NO_YEAR)
    notice = Notice(year)
    items = _items(text)
    if not items:
        notice.error = MSG_NO_ITEMS
        return notice
    preamble = festivals_named(text[:_ITEM.search(text).start()]) if _ITEM.search(text) else []
    collected: dict[date, NoticeDay] = {}
    clashes: set[date] = set()
    for body in items:
        header, body = _header(body)
        names = festivals_named(header)
        label = header or (preamble[0] if len(preamble) == 1 else "")
        festival_names = names or ([preamble[0]] if len(preamble) == 1 else [])
        for name in festival_names:
            if name not in notice.festivals:
                notice.festivals.append(name)
        for sentence in _sentences(body):
            got = _sentence(sentence, year, "元旦" in festival_names, label, notice)
            for day, kind in got:
                old = collected.get(day)
                if old is not None and old.kind != kind:
                    clashes.add(day)
                collected.setdefault(day, NoticeDay(day, kind, label, year))
    for day in sorted(clashes):
        notice.warnings.append(MSG_TWICE.format(day=day.isoformat()))
        collected.pop(day)
    notice.days = sorted(collected.values(), key=lambda d: d.day)
    notice.festivals.sort(key=FESTIVALS.index)
    if not notice.days and not notice.unparsed:
        notice.error = MSG_NO_ITEMS
    return notice


def looks_like_notice(text: str | None) -> bool:
    """Is this text (the clipboard, say) a holiday notice at all: an item with a date and 放假?"""
    if not text:
        return False
    text = _normalise(text)
    return bool(_items(text)) and "放假" in text and bool(_DATE.search(text))


# ---- text layout ----------------------------------------------------------------------------------

def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")


def _title_year(text: str) -> int | None:
    for pattern in _TITLE_YEAR:
        m = pattern.search(text)
        if m:
            return int(m.group(1))
    return None


def _items(text: str) -> list[str]:
    marks = list(_ITEM.finditer(text))
    return [text[m.end():(marks[i + 1].start() if i + 1 < len(marks) else len(text))]
            for i, m in enumerate(marks)]


def _header(body: str) -> tuple[str, str]:
    m = _HEADER.match(body)
    if not m:
        return "", body
    return re.sub(r"\d{4}\s*年\s*", "", m.group(1)).strip(), body[m.end():]


def _sentences(body: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。;\n]", body) if s.strip()]


# ---- one sentence -------------------------------------------------------------------------------------

def _sentence(sentence: str, year: int, new_year_item: bool, label: str,
              notice: Notice) -> list[tuple[date, str]]:
    """The (date, kind) pairs of one sentence, or [] (and the sentence listed) when any part
    of it is not understood. Sentences without a date, or without a holiday word, say nothing
    about days (the closing paragraph, the signature date)."""
    matches = list(_DATE.finditer(sentence))
    if not matches or not any(k in sentence for k in _KEYWORDS):
        return []

    def reject(message: str = MSG_UNPARSED) -> list:
        notice.unparsed.append(Sentence(label, sentence + "。", message))
        return []

    days: list[date] = []
    skeleton, pos, prev = [], 0, None
    for m in matches:
        y, mo, d, note = m.group(1), m.group(2), m.group(3), m.group(4)
        month = int(mo) if mo else (prev.month if prev else None)
        if month is None:
            return reject()
        if y:
            year_of = int(y)
        elif prev is not None:
            year_of = prev.year + (1 if month < prev.month else 0)
        else:
            year_of = year - 1 if new_year_item and month == 12 else year
        try:
            day = date(year_of, month, int(d))
        except ValueError:
            return reject()
        end = m.end()
        if note is not None and not _ANNOTATION.match(note):
            end = m.end(3) + 1  # a parenthesis that is not a weekday/lunar note stays in the text
        elif note is not None:
            said = _WEEKDAY.search(note)
            if said and _WEEKDAYS[said.group(1)] != day.weekday():
                return reject(MSG_WEEKDAY.format(day=f"{day.month}月{day.day}日", said=said.group(0),
                                                 year=day.year, real="周" + _CN_WEEKDAY[day.weekday()]))
        skeleton.append(sentence[pos:m.start()])
        skeleton.append("D")
        pos = end
        days.append(day)
        prev = day
    skeleton.append(sentence[pos:])
    shape = re.sub(r"\s+", "", "".join(skeleton))
    shape = re.sub(r"(?<=D)[—–~\-－]+(?=D)", "至", shape)  # older notices: 5月1日—3日, 1月1日~3日

    out: list[tuple[date, str]] = []
    index = 0          # next date of ``days`` a clause consumes
    stated = counted = None
    for clause in shape.split(","):
        n = clause.count("D")
        spans = days[index:index + n]
        if (m := _OFF.match(clause)) or (m := _MAKEUP.match(clause)):
            expanded = _expand(m.group(1), spans)
            if expanded is None:
                return reject()
            out += [(d, OFF) for d in expanded]
            counted = (counted or 0) + len(expanded)
            if m.re is _OFF and m.group(2):
                stated = int(m.group(2))
        elif m := _WORKS.match(clause):
            expanded = _expand(m.group(1), spans)
            if expanded is None:
                return reject()
            out += [(d, WORK) for d in expanded]
        elif m := _TOTAL.match(clause):
            stated = int(m.group(1))
        elif not _NO_OP.match(clause):
            return reject()
        index += n
    if stated is not None and counted is not None and stated != counted:
        notice.warnings.append(MSG_COUNT.format(festival=label or "通知", stated=stated, counted=counted))
    return out


def _expand(spans: str, days: list[date]) -> list[date] | None:
    """'D至D、D' with its dates -> every day; None when a range runs backwards or over 40 days."""
    out: list[date] = []
    i = 0
    for part in re.split(r"[、和]", spans):
        if part == "D至D":
            first, last = days[i], days[i + 1]
            if not 0 <= (last - first).days <= 40:
                return None
            out += [first + timedelta(n) for n in range((last - first).days + 1)]
            i += 2
        else:
            out.append(days[i])
            i += 1
    return out
