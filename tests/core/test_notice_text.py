"""The State Council notice parser (SPEC §12) against the real notices of 2019-2026, with
chinese-calendar's own tables as the oracle (nobody here wrote them), and hand-worked variants.

The fixtures in notices/ are the public notices' texts (title to signature, as on the web page).
"""
from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from xl_kaohe.core.notice_text import parse_notice

NOTICES = Path(__file__).parent / "notices"
NEW_YEAR = chinese_calendar.Holiday.new_years_day.value


def parsed(name: str, year: int | None = None):
    return parse_notice((NOTICES / name).read_text(encoding="utf-8"), year)


def oracle(year: int) -> tuple[set[date], set[date]]:
    """chinese-calendar's 放假 and 上班 dates of the notice for ``year``.

    Its tables are keyed by date, not by notice: the 元旦 of year Y may start on 30/31 December
    of Y-1 (listed under Y-1's dates), and December dates named 元旦 belong to the next notice.
    So the notice of Y = dates of Y except December 元旦 ones, plus December Y-1 元旦 ones."""
    def belongs(day: date, name: str) -> bool:
        if day.year == year:
            return not (day.month == 12 and name == NEW_YEAR)
        return day.year == year - 1 and day.month == 12 and name == NEW_YEAR
    off = {d for d, name in chinese_calendar.holidays.items() if belongs(d, name)}
    work = {d for d, name in chinese_calendar.workdays.items() if belongs(d, name)}
    return off, work


# chinese-calendar also lists, as holidays, the weekend days a notice joins with
# "X月X日放假，与周末连休" (and not always: 2024's 端午 6-10 has no weekend listed). The notice
# itself names only the one day; these weekends are rest days anyway, so the calendar is the
# same. Worked out from the texts: every day below is a Saturday or Sunday next to such a day.
WEEKENDS_JOINED = {
    2019: {date(2019, 4, 6), date(2019, 4, 7),     # 清明 4月5日（周五）放假，与周末连休
           date(2019, 6, 8), date(2019, 6, 9),     # 端午 6月7日（周五）
           date(2019, 9, 14), date(2019, 9, 15)},  # 中秋 9月13日（周五）
    2024: {date(2023, 12, 30), date(2023, 12, 31)},  # 元旦 1月1日（周一）放假，与周末连休
}


def notice_days(year: int) -> tuple[set[date], set[date]]:
    """What the notices of ``year`` say, as a person pasting them all would get."""
    notice = parsed(f"{year}.txt")
    off, work = notice.dates("放假"), notice.dates("上班")
    if year == 2019:
        # The 2019 劳动节 was changed by a second notice (5月1日 only -> 5月1日至4日, with two
        # make-up Sundays); chinese-calendar has the changed one. Pasting it adds its dates.
        change = parsed("2019-劳动节调整.txt")
        assert change.year == 2019 and change.festivals == ["劳动节"] and not change.unparsed
        off |= change.dates("放假")
        work |= change.dates("上班")
    if year == 2020:
        # The 2020 春节 was extended by a second notice: "延长2020年春节假期至2月2日…2月3日起
        # 正常上班" -- 1-31 to 2-2 off, and Saturday 2-1 is no longer a make-up day. That
        # sentence is not of the yearly form; the parser lists it rather than guess, and a
        # person types it. chinese-calendar has the extended holiday.
        extension = parsed("2020-延长春节.txt")
        assert extension.days == [] and len(extension.unparsed) == 1
        assert "延长2020年春节假期至2月2日" in extension.unparsed[0].text
        off |= {date(2020, 1, 31), date(2020, 2, 1), date(2020, 2, 2)}
        work -= {date(2020, 2, 1)}
    return off, work


@pytest.mark.parametrize("year", range(2019, 2027))
def test_every_date_agrees_with_chinese_calendar(year):
    off, work = notice_days(year)
    cc_off, cc_work = oracle(year)
    assert work == cc_work                       # every 上班 date, both ways
    assert off <= cc_off                          # no 放假 date chinese-calendar lacks
    joined = cc_off - off
    assert joined == WEEKENDS_JOINED.get(year, set())   # and nothing missing but those weekends
    assert all(d.weekday() >= 5 for d in joined)


@pytest.mark.parametrize("year", range(2019, 2027))
def test_real_notices_read_completely(year):
    notice = parsed(f"{year}.txt")
    assert notice.year == year and notice.error is None
    assert notice.festivals == ["元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆"]
    assert notice.warnings == []                  # every 共N天 agrees with the days counted
    if year == 2024:  # the one sentence that is advice, not a holiday: listed, not taken
        assert [s.text for s in notice.unparsed] == ["鼓励各单位结合带薪年休假等制度落实,安排职工在除夕(2月9日)休息。"]
        assert date(2024, 2, 9) not in notice.dates("放假")
    else:
        assert notice.unparsed == []


def test_cross_year_new_year_ranges_of_2019_and_2023():
    # 2019: "2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。"
    n2019 = parsed("2019.txt")
    assert {date(2018, 12, 30), date(2018, 12, 31), date(2019, 1, 1)} <= n2019.dates("放假")
    assert date(2018, 12, 29) in n2019.dates("上班")
    # 2023: "2022年12月31日至2023年1月2日"
    assert {date(2022, 12, 31), date(2023, 1, 1), date(2023, 1, 2)} <= parsed("2023.txt").dates("放假")


def test_half_width_single_line_paste_reads_the_same():
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    flat = unicodedata.normalize("NFKC", text).replace("\n", " ")  # (), :, ',' and no line breaks
    assert "（" not in flat and "\n" not in flat
    assert parse_notice(flat).days == parse_notice(text).days


# ---- hand-worked variants (a fictional 2027 in the same format) -----------------------------------------

# A fictional 2027 notice in the same format (not a real one): every date worked out below.
NOTICE_2027 = (NOTICES / "fictional-2027.txt").read_text(encoding="utf-8")


def span(first: date, last: date) -> set[date]:
    return {first + timedelta(n) for n in range((last - first).days + 1)}


def test_fictional_2027_notice_worked_by_hand():
    notice = parse_notice(NOTICE_2027)
    assert notice.year == 2027 and not notice.unparsed and not notice.warnings
    d = lambda m, day: date(2027, m, day)  # noqa: E731
    expected_off = (span(d(1, 1), d(1, 3))          # 3
                    | span(d(2, 5), d(2, 13))        # 9: "至13日" keeps February
                    | span(d(4, 3), d(4, 5))         # 3
                    | span(d(5, 1), d(5, 5))         # 5
                    | {d(6, 9), d(9, 15)}            # 1 + 1
                    | span(d(9, 30), d(10, 8)))      # 9: 9-30 and 10-01..08, across the month
    assert len(expected_off) == 3 + 9 + 3 + 5 + 1 + 1 + 9 == 31
    assert notice.dates("放假") == expected_off
    # two 上班 dates in one sentence (春节, 国庆) and one alone (劳动节)
    assert notice.dates("上班") == {d(2, 14), d(2, 20), d(5, 8), d(9, 26), d(10, 9)}
    by_day = {x.day: x for x in notice.days}
    assert by_day[d(10, 1)].note() == "国庆节放假（国务院2027年节假日安排）"
    assert by_day[d(2, 20)].note() == "春节调休上班（国务院2027年节假日安排）"


def test_stated_total_that_disagrees_is_a_warning():
    text = NOTICE_2027.replace("放假调休，共9天。2月14日", "放假调休，共8天。2月14日")
    notice = parse_notice(text)
    # 2-5..2-13 is 9 days; the text says 8: the dates are still the ones written
    assert notice.warnings == ["春节：通知写“共8天”，但列出的放假日期是9天，请核对"]
    assert len(notice.dates("放假")) == 31


def test_bare_december_dates_of_the_new_year_item_are_the_year_before():
    # 2027's notice, 元旦 starting on Thursday 31 December 2026, a make-up Saturday 26 December
    text = ("国务院办公厅关于2027年部分节假日安排的通知\n"
            "一、元旦：12月31日（周四）至1月2日（周六）放假调休，共3天。12月26日（周六）上班。")
    notice = parse_notice(text)
    assert notice.dates("放假") == {date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)}
    assert notice.dates("上班") == {date(2026, 12, 26)}


def test_next_years_new_year_inside_with_written_years():
    text = NOTICE_2027 + "八、2028年元旦：2027年12月31日（周五）至2028年1月2日（周日）放假，共3天。"
    notice = parse_notice(text)
    assert {date(2027, 12, 31), date(2028, 1, 1), date(2028, 1, 2)} <= notice.dates("放假")
    assert len(notice.dates("放假")) == 31 + 3 and not notice.warnings


def test_one_day_joined_with_the_weekend_and_makeup_day():
    text = ("国务院办公厅关于2027年部分节假日安排的通知\n"
            "一、元旦：1月1日（周五）放假，与周末连休。\n"
            "二、清明节：4月5日放假，4月6日（星期二）补休。")
    notice = parse_notice(text)
    # 与周末连休 adds no date (the weekend rests anyway); 补休 is a day off
    assert notice.dates("放假") == {date(2027, 1, 1), date(2027, 4, 5), date(2027, 4, 6)}
    assert not notice.unparsed


def test_year_from_the_option_when_there_is_no_title():
    body = NOTICE_2027.split("\n", 1)[1]
    assert parse_notice(body).error is not None and "--year" in parse_notice(body).error
    assert len(parse_notice(body, 2027).dates("放假")) == 31


def test_wrong_year_is_refused_not_guessed():
    # the title says 2026, --year says 2027
    assert "2026" in parsed("2026.txt", 2027).error
    # no title and the wrong year: every weekday note disagrees, so no date is taken
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    assert "2026" in parse_notice(text.split("\n", 1)[1], 2027).error  # the preamble says 2026 too
    notice = parse_notice(text[text.index("一、"):], 2027)  # only the items
    assert notice.days == []
    assert any("周四" in s.message and "2027年" in s.message for s in notice.unparsed)


def test_unknown_sentence_is_listed_and_its_dates_not_used():
    text = ("国务院办公厅关于2027年部分节假日安排的通知\n"
            "一、春节：2月5日至13日放假调休，共9天。2月14日（周日）上班，2月21日视情况休息。")
    notice = parse_notice(text)
    assert notice.dates("放假") == span(date(2027, 2, 5), date(2027, 2, 13))
    assert notice.dates("上班") == set()  # the whole second sentence is not understood
    assert [s.festival for s in notice.unparsed] == ["春节"]


def test_text_without_items_is_an_error():
    assert parse_notice("国务院办公厅关于2027年部分节假日安排的通知\n正文稍后公布").error


# ---- older notices: the items as chinese-calendar's scripts/data.py quotes them (2004-2018, with
# its notes; MIT-licensed) -- not pasted pages, but the same sentences ------------------------------------

OLDER = sorted((NOTICES / "older").glob("*.txt"))


@pytest.mark.parametrize("path", OLDER, ids=lambda p: p.stem)
def test_older_notices_never_give_a_wrong_date(path):
    # 2004-2008 wrote "1月1日—3日放假……其中1月1日为法定假日，将……两个公休日调至……": most of those
    # sentences are not of the modern form and are listed; whatever is taken must be right.
    year = int(path.stem)
    notice = parse_notice(path.read_text(encoding="utf-8"), year)
    assert notice.days or notice.unparsed  # 2007: nothing is of the modern form, all listed
    for d in notice.days:
        assert chinese_calendar.is_workday(d.day) == (d.kind == "上班"), d


@pytest.mark.parametrize("year", range(2009, 2019))
def test_older_notices_of_the_modern_form_give_the_same_calendar(year):
    notice = parse_notice((NOTICES / "older" / f"{year}.txt").read_text(encoding="utf-8"), year)
    off, work = notice.dates("放假"), notice.dates("上班")
    cc_off, cc_work = oracle(year)
    if year == 2015:
        # the 70th anniversary (9月3日) was a separate notice; its sentences are listed, not read
        assert len(notice.unparsed) == 2
        off |= {date(2015, 9, 3), date(2015, 9, 4)}
        work |= {date(2015, 9, 6)}
    else:
        assert notice.unparsed == []
    assert work == cc_work
    # 放假 may differ only on weekends, which rest anyway: chinese-calendar adds some joined
    # weekends (2014-04-06) and leaves out some inside ranges (2012-06-23, 2011-06-05)
    assert all(d.weekday() >= 5 for d in off ^ cc_off)


def test_lunar_only_notes_and_sunday_spelled_tian():
    text = ("国务院办公厅关于2026年部分节假日安排的通知\n"
            "一、元旦：1月1日至3日放假调休，共3天。1月4日（星期天）上班。\n"
            "二、春节：2月15日（农历腊月二十八）至23日放假调休，共9天。2月14日（星期六）、2月28日（星期六）上班。")
    notice = parse_notice(text)
    assert notice.dates("放假") == span(date(2026, 1, 1), date(2026, 1, 3)) | span(date(2026, 2, 15), date(2026, 2, 23))
    assert notice.dates("上班") == {date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28)}
    assert not notice.warnings and not notice.unparsed
