"""The ribbon button 导入假日通知 on the fake xlwings model: clipboard first, else a chosen .txt;
the same job as `kaohe holidays`, written cell by cell into the open 节假日 sheet."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from fakexl import FakeBook
from xl_kaohe.excel import ribbon

NOTICE_2027 = (Path(__file__).parents[1] / "core" / "notices" / "fictional-2027.txt").read_text(encoding="utf-8")


def day(value):
    """A date cell as a date (the fake may hand over datetimes, as Excel does)."""
    return value.date() if isinstance(value, datetime) else value


def _book() -> FakeBook:
    # staff typed 2027-01-01 (same as the notice) and 2027-02-14 as 放假 (the notice says 上班)
    return FakeBook({"节假日": [["日期", "类型", "说明"],
                                [date(2027, 1, 1), "放假", "元旦"],
                                [date(2027, 2, 14), "放假", "本校自定"]]})


def test_notice_from_the_clipboard_is_appended_below_the_staff_rows():
    book = _book()
    message = ribbon.import_holiday_notice(book, clipboard=lambda: NOTICE_2027)
    sheet = book.sheets["节假日"]
    # the notice: 31 days off + 5 上班 = 36 dates; 01-01 already there, 02-14 a conflict
    # -> 34 new rows, in rows 4..37
    assert "新增 34 行、已有相同 1 行、与表中不一致 1 行" in message
    assert "2027-02-14：通知为“上班”，「节假日」表第3行为“放假”" in message
    assert sheet.text(3, 2) == "放假" and sheet.text(3, 3) == "本校自定"       # staff's row kept
    assert day(sheet.text(4, 1)) == date(2027, 1, 2) and sheet.text(4, 2) == "放假"  # first new date
    assert day(sheet.text(37, 1)) == date(2027, 10, 9) and sheet.text(37, 2) == "上班"  # the last one
    assert sheet.text(38, 1) is None
    assert sheet.text(4, 3) == "元旦放假（国务院2027年节假日安排）"
    assert sheet.formats[1] == "yyyy-mm-dd"
    assert book.app.alerts[-1] == ("12345考核", message)


def test_second_click_changes_nothing():
    book = _book()
    ribbon.import_holiday_notice(book, clipboard=lambda: NOTICE_2027)
    writes = book.sheets["节假日"].writes
    message = ribbon.import_holiday_notice(book, clipboard=lambda: NOTICE_2027)
    assert "新增 0 行、已有相同 35 行、与表中不一致 1 行" in message and "没有变化" in message
    assert book.sheets["节假日"].writes == writes


def test_without_a_notice_on_the_clipboard_a_txt_file_is_asked_for(tmp_path):
    path = tmp_path / "通知.txt"
    path.write_bytes(NOTICE_2027.encode("gb18030"))  # Notepad's "ANSI" on a Chinese Windows
    book = _book()
    book.app.picked_file = str(path)
    message = ribbon.import_holiday_notice(book, clipboard=lambda: "上周的会议纪要")
    assert "新增 34 行" in message
    book = _book()
    book.app.picked_file = False
    assert ribbon.import_holiday_notice(book, clipboard=lambda: "") == ribbon.MSG_NO_NOTICE
    assert book.sheets["节假日"].text(4, 1) is None


def test_a_notice_without_year_is_a_short_message_not_a_traceback():
    body = NOTICE_2027.split("\n", 1)[1]  # pasted without its title
    message = ribbon.import_holiday_notice(_book(), clipboard=lambda: body)
    assert message.startswith("无法完成：") and "找不到年份" in message and "连同标题" in message
