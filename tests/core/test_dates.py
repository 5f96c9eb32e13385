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


# ---- issue 9: months as Excel stores them, serials 1–60, timezones ---------------------------

@pytest.mark.parametrize("value", ["2026.3", "2026.03", " 2026 / 3 ", 202603, 202603.0, 2026.03, 2026.3,
                                   46082, 46112.75, datetime(2026, 3, 31, 18)])
def test_month_as_excel_stores_it(value):
    # 46082 = 1899-12-30 + 46082 days = 2026-03-01; 46112.75 = 2026-03-31 18:00 (any day of March)
    assert parse_month(value) == date(2026, 3, 1)


def test_float_month_one_is_january_and_flagged_ambiguous():
    from xl_kaohe.core.dates import month_is_ambiguous
    # as a float 2026.10 == 2026.1: it can only mean January; October must be typed 2026-10/202610
    assert parse_month(2026.1) == date(2026, 1, 1) and month_is_ambiguous(2026.10)
    assert parse_month(2026.12) == date(2026, 12, 1) and not month_is_ambiguous(2026.12)
    assert parse_month("2026.10") == date(2026, 10, 1) and not month_is_ambiguous("2026.10")
    assert parse_month(202610) == date(2026, 10, 1)


@pytest.mark.parametrize("bad", [2026, 2026.0, 2026.13, 202613, "2026.13"])
def test_not_a_month(bad):
    with pytest.raises(DateError):
        parse_month(bad)


def test_excel_1900_serials():
    # Excel: 1 = 1900-01-01, 59 = 1900-02-28, 60 = the 1900-02-29 that never was, 61 = 1900-03-01
    assert from_serial(1) == datetime(1900, 1, 1) and from_serial(59) == datetime(1900, 2, 28)
    assert from_serial(61) == datetime(1900, 3, 1)
    with pytest.raises(DateError):
        from_serial(60)
    assert to_serial(date(1900, 1, 1)) == 1 and to_serial(date(1900, 3, 1)) == 61


def test_aware_datetimes_become_china_time():
    from datetime import timedelta, timezone
    # 00:30 UTC = 08:30 in Beijing (UTC+8); 20:00 in New York (UTC-5) = 09:00 next day in Beijing
    assert parse_datetime(datetime(2026, 3, 5, 0, 30, tzinfo=timezone.utc)) == (datetime(2026, 3, 5, 8, 30), True)
    assert parse_datetime(datetime(2026, 3, 5, 20, tzinfo=timezone(timedelta(hours=-5)))) == \
        (datetime(2026, 3, 6, 9, 0), True)
    assert parse_datetime("2026-03-05T00:30:00Z") == (datetime(2026, 3, 5, 8, 30), True)
