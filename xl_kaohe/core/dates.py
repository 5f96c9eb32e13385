"""Dates and times as staff type them (SPEC §8) and as spreadsheets store them.

Accepted: date/datetime objects, Excel serial numbers (1900 date system), and the text forms
2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, 20260305, each optionally followed by a time
(8:30, 08:30:15, 8时30分). Failures raise ``DateError`` with a Chinese message.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 = 1900-01-01 given Excel's 1900 leap-year bug
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
    # Round to the second: serials carry binary-float noise (0.5 day = 43200.000000001 s).
    return EXCEL_EPOCH + timedelta(seconds=round(serial * 86400))


def to_serial(moment: date | datetime) -> float:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    delta = moment - EXCEL_EPOCH
    return delta.days + delta.seconds / 86400


def parse_datetime(value: object) -> tuple[datetime, bool] | None:
    """-> (moment, has_time) or None for a blank cell; raises DateError for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None), (value.hour, value.minute, value.second) != (0, 0, 0)
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
    """'2026-03', '2026年3月', '202603' or any date -> the first day of that month."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        m = _MONTH_RE.match(value)
        if m:
            month = int(m.group(2) or m.group(3))
            if 1 <= month <= 12:
                return date(int(m.group(1)), month, 1)
            raise DateError(f"“{_clip(value)}”不是有效的月份（应为 2026-03 这样的年月）")
    try:
        day = parse_date(value)
    except DateError:
        raise DateError(f"“{_clip(str(value))}”不是有效的月份（应为 2026-03 这样的年月）") from None
    return None if day is None else day.replace(day=1)


def end_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59)


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
