"""Dates as staff type them and as spreadsheets store them (SPEC §8)."""
from datetime import date, datetime

import pytest

from xl_kaohe.core.dates import DateError, from_serial, parse_date, parse_datetime, parse_month, to_serial


@pytest.mark.parametrize("text", ["2026-03-05", "2026/3/5", "2026.3.5", "2026年3月5日", "20260305", " 2026-3-5 "])
def test_text_date_forms(text):
    assert parse_date(text) == date(2026, 3, 5)


@pytest.mark.parametrize("text, expected", [
    ("2026-03-05 08:30", datetime(2026, 3, 5, 8, 30)),
    ("2026/3/5 8:30:15", datetime(2026, 3, 5, 8, 30, 15)),
    ("2026年3月5日 14时05分", datetime(2026, 3, 5, 14, 5)),
    ("2026-03-05T08:30:00", datetime(2026, 3, 5, 8, 30)),
])
def test_text_with_time(text, expected):
    assert parse_datetime(text) == (expected, True)


def test_excel_serials():
    # 46086 = 2026-03-05: 1899-12-30 + 46086 days; 0.5 of a day is noon
    assert from_serial(46086) == datetime(2026, 3, 5)
    assert parse_datetime(46086.5) == (datetime(2026, 3, 5, 12, 0), True)
    assert to_serial(date(2026, 3, 5)) == 46086
    assert parse_date("46086") == date(2026, 3, 5)  # a serial that arrived as CSV text


def test_date_objects_pass_through():
    assert parse_datetime(date(2026, 3, 5)) == (datetime(2026, 3, 5), False)
    assert parse_datetime(datetime(2026, 3, 5, 9)) == (datetime(2026, 3, 5, 9), True)
    assert parse_datetime(None) is None and parse_datetime("  ") is None


@pytest.mark.parametrize("bad", ["2026-02-30", "明天", "3/5/2026", "2026-13-01", True, -5])
def test_bad_dates_raise_chinese_errors(bad):
    with pytest.raises(DateError) as err:
        parse_datetime(bad)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(err.value))


@pytest.mark.parametrize("value", ["2026-03", "2026年3月", "202603", "2026/3", date(2026, 3, 17)])
def test_month_forms(value):
    assert parse_month(value) == date(2026, 3, 1)


def test_bad_month():
    with pytest.raises(DateError):
        parse_month("2026-13")
