"""Under automation (Application.DisplayAlerts off, as tests/excel/test_windows_excel.py runs
Excel) a ribbon job must not open a modal message box: it would block the caller."""
from __future__ import annotations

from fakexl import FakeBook
from xl_kaohe.build.workbook import DEFAULT_PATH
from xl_kaohe.excel import ribbon
from xl_kaohe.io.workbook import read_grids


def test_no_message_box_while_alerts_are_off():
    book = FakeBook(read_grids(DEFAULT_PATH))
    book.app.display_alerts = False
    message = ribbon.check_ledger(book)
    assert message.startswith("校验通过") and book.app.alerts == []
    book.app.display_alerts = True
    assert ribbon.check_ledger(book) == message and book.app.alerts == [("12345考核", message)]
