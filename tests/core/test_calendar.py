"""Working days: chinese-calendar, 调休 make-up days, the 节假日 sheet, uncovered years (SPEC §3)."""
from datetime import date

import pytest

from xl_kaohe.core.calendar import CalendarError, WorkCalendar

CAL = WorkCalendar()


@pytest.mark.parametrize("day", [date(2026, 1, 4), date(2026, 2, 14), date(2026, 10, 10)])
def test_tiaoxiu_weekends_are_working_days(day):
    assert day.weekday() >= 5  # a Saturday or Sunday ...
    assert CAL.is_workday(day)  # ... that is a 调休 make-up working day


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2026, 2, 16), date(2026, 10, 5), date(2026, 3, 7)])
def test_holidays_and_plain_weekends_are_rest_days(day):
    assert not CAL.is_workday(day)


def test_workdays_between_counts_the_tiaoxiu_sunday():
    # (2026-01-02, 2026-01-06]: 01-03 Sat holiday, 01-04 Sun 调休 work, 01-05 Mon, 01-06 Tue -> 3
    assert CAL.workdays_between(date(2026, 1, 2), date(2026, 1, 6)) == 3
    assert CAL.workdays_between(date(2026, 1, 6), date(2026, 1, 2)) == 0


@pytest.mark.parametrize("received, n, expected", [
    # the windows where WORKDAY.INTL with the holiday list goes wrong (packaging notes):
    (date(2025, 12, 31), 3, date(2026, 1, 6)),   # 01-01..03 off, 01-04 Sun work, 01-05, 01-06
    (date(2026, 2, 12), 3, date(2026, 2, 24)),   # 02-13 Fri, 02-14 Sat work, 02-15..23 off, 02-24
    (date(2026, 5, 7), 2, date(2026, 5, 9)),     # 05-08 Fri, 05-09 Sat (调休) work
    (date(2026, 9, 18), 2, date(2026, 9, 21)),   # 09-19 Sat off, 09-20 Sun work, 09-21 Mon
    (date(2026, 10, 9), 2, date(2026, 10, 12)),  # 10-10 Sat work, 10-11 Sun off, 10-12 Mon
])
def test_nth_working_day_after_receipt(received, n, expected):
    assert CAL.add_workdays(received, n) == expected


def test_overrides_from_the_holiday_sheet():
    # a local 放假 on Wednesday 2026-03-11 and a 上班 Saturday 2026-03-14
    cal = WorkCalendar({date(2026, 3, 11): False, date(2026, 3, 14): True})
    assert not cal.is_workday(date(2026, 3, 11))
    assert cal.is_workday(date(2026, 3, 14))
    # after Tue 03-10: Thu 12, Fri 13, Sat 14 (上班) -> the 3rd working day is the 14th
    assert cal.add_workdays(date(2026, 3, 10), 3) == date(2026, 3, 14)


def test_uncovered_year_is_an_error_naming_year_and_sheet():
    with pytest.raises(CalendarError) as err:
        CAL.add_workdays(date(2026, 12, 30), 3)  # 12-31 is the 1st, the 2nd and 3rd are in 2027
    assert err.value.year == 2027
    assert "2027" in str(err.value) and "节假日" in str(err.value)
    with pytest.raises(CalendarError):
        CAL.is_workday(date(2027, 1, 4))


def test_declared_year_uses_weekdays_except_listed_dates():
    cal = WorkCalendar({date(2027, 1, 1): False})
    # after Wed 2026-12-30: Thu 12-31 (1), Fri 2027-01-01 放假, Sat/Sun, Mon 01-04 (2), Tue 01-05 (3)
    assert cal.add_workdays(date(2026, 12, 30), 3) == date(2027, 1, 5)
    assert cal.is_workday(date(2027, 1, 4)) and not cal.is_workday(date(2027, 1, 9))
    with pytest.raises(CalendarError) as err:
        cal.is_workday(date(2028, 1, 3))
    assert err.value.year == 2028


def test_gap_year_between_declared_years_is_still_an_error():
    cal = WorkCalendar({date(2028, 1, 1): False})  # 2028 declared, 2027 not
    with pytest.raises(CalendarError) as err:
        cal.workdays_between(date(2026, 12, 1), date(2028, 1, 5))
    assert err.value.year == 2027
