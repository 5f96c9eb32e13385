"""Dates and times as staff type them (SPEC §8) and as spreadsheets store them.

Accepted: date/datetime objects, Excel serial numbers (1900 date system), and the text forms
2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, 20260305, each optionally followed by a time
(8:30, 08:30:15, 8时30分). Failures raise ``DateError`` with a Chinese message.

Timezone-aware datetimes (from scripts or databases) are converted to China time and made
naive: every deadline of the rubric is a Beijing-time moment. Serials 1–59 follow Excel's 1900
convention (1 = 1900-01-01, Excel counts a 1900-02-29 that never was: serial 60).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 61 = 1900-03-01 given Excel's 1900 leap-year bug
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991: a fixed offset is exact
_MIN_SERIAL, _MAX_SERIAL = 1, 2958465  # 1900-01-01 .. 9999-12-31

_DATE_RE = re.compile(
    r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))"
    r"(?:[\sT]*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}(?:\.\d+)?))?\s*[分秒]?)?\s*$"
)
_MONTH_RE = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))\s*$")


class DateError(ValueError):
    """A value that is not a date; the message is Chinese and names the accepted forms."""


def from_serial(serial: float) -> datetime:
    if not (_MIN_SERIAL <= serial <= _MAX_SERIAL):
        raise DateError(f"数字 {serial:g} 不是有效的 Excel 日期序号")
    if 60 <= serial < 61:
        raise DateError("Excel 日期序号 60 是 1900-02-29，这一天并不存在")
    # Round to the second: serials carry binary-float noise (0.5 day = 43200.000000001 s).
    moment = EXCEL_EPOCH + timedelta(seconds=round(serial * 86400))
    return moment + timedelta(days=1) if serial < 60 else moment  # before Excel's phantom day


def to_serial(moment: date | datetime) -> float:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    delta = moment - EXCEL_EPOCH
    serial = delta.days + delta.seconds / 86400
    return serial - 1 if moment < datetime(1900, 3, 1) else serial


def china_time(moment: datetime) -> datetime:
    """A datetime as a naive China-time moment (aware ones are converted, naive kept)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=None)
    return moment.astimezone(CHINA).replace(tzinfo=None)


def parse_datetime(value: object) -> tuple[datetime, bool] | None:
    """-> (moment, has_time) or None for a blank cell; raises DateError for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = china_time(value)
        return value, (value.hour, value.minute, value.second) != (0, 0, 0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), False
    if isinstance(value, bool):
        raise DateError(f"“{value}”不是日期")
    if isinstance(value, (int, float)):
        moment = from_serial(float(value))
        return moment, float(value) != int(value)
    text = str(value).strip()
    if not text:
        return None
    if isinstance(value, str) and re.search(r"[zZ]$|[+-]\d{2}:?\d{2}$", text) and "T" in text:
        try:  # ISO 8601 with an offset (2026-03-05T08:30:00+00:00, …Z), as APIs write it
            return parse_datetime(datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00")))
        except ValueError:
            pass
    if re.fullmatch(r"\d{5}(\.\d+)?", text):  # a serial number that arrived as text (CSV)
        return parse_datetime(float(text))
    m = _DATE_RE.match(text)
    if not m:
        raise DateError(f"“{_clip(text)}”不是可识别的日期（可用 2026-03-05、2026/3/5、2026.3.5、2026年3月5日，可带时间 8:30）")
    year = int(m.group(1))
    month = int(m.group(2) or m.group(4))
    day = int(m.group(3) or m.group(5))
    hour = int(m.group(6) or 0)
    minute = int(m.group(7) or 0)
    second = float(m.group(8) or 0)
    try:
        moment = datetime(year, month, day, hour, minute, int(second))
    except ValueError:
        raise DateError(f"“{_clip(text)}”不是存在的日期或时间") from None
    return moment, m.group(6) is not None


def parse_date(value: object) -> date | None:
    parsed = parse_datetime(value)
    return None if parsed is None else parsed[0].date()


def parse_month(value: object) -> date | None:
    """A 知识库 月份 -> the first day of that month.

    Text: 2026-03, 2026/3, 2026.3, 2026.03, 2026年3月, 202603. Numbers: 202603, and 2026.3 /
    2026.03 (what Excel keeps when 2026.03 is typed into a General cell: March). As a number
    2026.1 and 2026.10 are the same value, so a number 2026.1 is January (see
    ``month_is_ambiguous``: October should be typed 2026-10 or 202610). Any other number is an
    Excel date serial, and any date means its month.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    bad = DateError(f"“{_clip(str(value))}”不是有效的月份（应为 2026-03、2026年3月 或 202603 这样的年月）")
    if isinstance(value, str):
        m = _MONTH_RE.match(value)
        if m:
            month = int(m.group(2) or m.group(3))
            if 1 <= month <= 12:
                return date(int(m.group(1)), month, 1)
            raise bad
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if 190001 <= number <= 210012 and number.is_integer():  # 202603
            year, month = divmod(int(number), 100)
            if 1 <= month <= 12:
                return date(year, month, 1)
            raise bad
        if 1900 <= number < 2101:  # 2026.3 / 2026.03 / 2026.12
            year = int(number)
            fraction = repr(number).partition(".")[2]
            if number.is_integer() or not fraction.isdigit() or not 1 <= int(fraction) <= 12:
                raise bad
            return date(year, int(fraction), 1)
    try:
        day = parse_date(value)
    except DateError:
        raise bad from None
    return None if day is None else day.replace(day=1)


def month_is_ambiguous(value: object) -> bool:
    """A number 2026.1: January as typed, or 2026.10 that Excel shortened (10月)."""
    return isinstance(value, float) and 1900 <= value < 2101 and repr(value).partition(".")[2] == "1"


def end_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59)


def chinese_date(day: date) -> str:
    """2026年3月5日: dates in 公文 text (通报, 告知单, 催办单), no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
