"""Opt-in: the shipped workbook in real Excel through xlwings (Windows with Excel only).

Run on a Windows machine with Excel and this package installed (in the Python that runs pytest):
    set KAOHE_EXCEL_TESTS=1 && python -m pytest tests/excel/test_windows_excel.py
Everywhere else these tests are skipped. What a person checks by hand: docs/WINDOWS-CHECKLIST.md.

- The ribbon buttons run through VBA (Application.Run of the public KaoheRun* macros the ribbon
  callbacks call), not only the Python behind them.
- The interpreter is set explicitly (Interpreter_Win in the copy's xlwings.conf sheet = the
  pythonw.exe beside this Python), so the test does not depend on PATH or a user config.
- Application.DisplayAlerts is off: our VBA and Python then keep their message instead of
  showing a modal box (VBA: KaoheLastMessage()). Anything else that opens a dialog would hang
  Excel: a watchdog kills Excel after KAOHE_EXCEL_TIMEOUT seconds (default 180) and the test fails.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from xl_kaohe.build.vba_messages import HELP, TITLE
from xl_kaohe.build.workbook import DEFAULT_PATH

pytestmark = [
    pytest.mark.excel,
    pytest.mark.skipif(sys.platform != "win32" or os.environ.get("KAOHE_EXCEL_TESTS") != "1",
                       reason="needs Windows + Excel and KAOHE_EXCEL_TESTS=1"),
]

TIMEOUT = int(os.environ.get("KAOHE_EXCEL_TIMEOUT", "180"))
PYTHONW = Path(sys.executable).with_name("pythonw.exe")
CONF_SHEET = "xlwings.conf"


@contextmanager
def watchdog(app, seconds: int = TIMEOUT):
    """Fail instead of hanging: kill Excel when a call has not returned after ``seconds``."""
    fired = threading.Event()

    def kill() -> None:
        fired.set()
        subprocess.run(["taskkill", "/F", "/PID", str(app.pid)], capture_output=True)

    timer = threading.Timer(seconds, kill)
    timer.start()
    try:
        yield
    except Exception:
        if fired.is_set():
            pytest.fail(f"Excel 在 {seconds} 秒内没有返回，已强制结束：多半弹出了对话框（VBA 错误、MsgBox、宏安全提示）")
        raise
    finally:
        timer.cancel()
    if fired.is_set():
        pytest.fail(f"Excel 在 {seconds} 秒内没有返回，已强制结束")


def _set_interpreter(book, path: str | None) -> None:
    """Interpreter_Win in the copy's xlwings.conf sheet (keys run from A1 down without gaps)."""
    sheet = book.sheets[CONF_SHEET]
    keys = sheet.range("A1").expand("down").value
    keys = keys if isinstance(keys, list) else [keys]
    row = next((i + 1 for i, k in enumerate(keys) if str(k).upper() == "INTERPRETER_WIN"), len(keys) + 1)
    if path is None:
        sheet.range(f"A{row}:B{row}").delete(shift="up")
    else:
        sheet.range(f"A{row}").value = ["Interpreter_Win", path]


@pytest.fixture(scope="module")
def app():
    import xlwings as xw
    app = xw.App(visible=False, add_book=False)
    app.display_alerts = False
    app.api.AutomationSecurity = 1  # msoAutomationSecurityLowSecurity: macros of files we open run
    yield app
    try:
        app.quit()
    except Exception:
        app.kill()


@pytest.fixture(scope="module")
def book(app, tmp_path_factory):
    assert PYTHONW.exists(), f"需要 {PYTHONW}"
    path = tmp_path_factory.mktemp("excel") / DEFAULT_PATH.name
    shutil.copy(DEFAULT_PATH, path)
    with watchdog(app):
        wb = app.books.open(str(path))
        _set_interpreter(wb, str(PYTHONW))
        app.calculate()
    yield wb
    wb.close()


def run_macro(book, name: str, *args):
    with watchdog(book.app):
        return book.macro(name)(*args)


def _cli_json(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "xl_kaohe.cli", "rank", str(path), "--output",
                          str(path.with_name("cli.xlsm")), "--json", "-"], capture_output=True, check=False)
    return json.loads(out.stdout.decode("utf-8"))


def test_vba_project_survived_and_runs(book):
    assert book.api.HasVBProject
    # VBA functions of our own modules, evaluated by Excel's VBA
    assert run_macro(book, "KaoheText", "Title") == TITLE  # hex code points decoded by U()
    assert run_macro(book, "KaoheText", "Help").replace("\r", "") == HELP
    version = run_macro(book, "KaoheLedgerVersion")
    assert "|shOrders=" in version and "shUnits=" in version


def test_help_button_without_python(book):
    run_macro(book, "KaoheRunShowHelp")
    assert book.sheets.active.name == "使用说明"
    assert run_macro(book, "KaoheLastMessage").replace("\r", "") == HELP


def test_wrong_interpreter_gives_the_chinese_message(book):
    _set_interpreter(book, r"C:\没有这个目录\pythonw.exe")
    try:
        run_macro(book, "KaoheRunCheckLedger")
        message = run_macro(book, "KaoheLastMessage")
    finally:
        _set_interpreter(book, str(PYTHONW))
    assert "找不到 xlwings 设置中指定的 Python" in message and "kaohe doctor" in message
    assert r"C:\没有这个目录\pythonw.exe" in message


def test_generate_ranking_button(book):
    ranking = book.sheets["排名"]
    ranking.clear()  # the shipped workbook carries a ranking: prove the button writes a new one
    run_macro(book, "KaoheRunGenerateRanking")
    assert ranking.range("A1").value.startswith("2026年度12345工作考核排名")
    assert ranking.range("A2").value == "排名" and ranking.range("A3").value == 1
    report = _cli_json(Path(book.fullname))
    first = next(u for u in report["units"] if u["rank"] == 1)
    assert ranking.range("B3").value == first["unit"]
    assert ranking.range("C3").value == pytest.approx(first["total"])


def test_check_ledger_button(book):
    checks = book.sheets["校验"]
    checks.clear()
    run_macro(book, "KaoheRunCheckLedger")
    assert checks.range("A1").value  # written again by the button (header, or 校验通过 when clean)
    assert book.sheets["排名"].range("A3").value == 1  # 校验台账 writes only 校验


def test_unit_card_button(book):
    ranking = book.sheets["排名"]
    ranking.activate()
    ranking.range("B3").select()  # the unit in first place
    unit = ranking.range("B3").value
    if "单位明细" in [s.name for s in book.sheets]:
        book.sheets["单位明细"].delete()
    run_macro(book, "KaoheRunUnitCard")
    card = book.sheets["单位明细"]
    assert unit in card.range("A1").value


def test_board_formulas_equal_the_cli(book):
    with watchdog(book.app):
        book.app.calculate()
    report = {u["unit"]: u for u in _cli_json(Path(book.fullname))["units"]}
    board = book.sheets["看板"]
    rows = board.range((3, 1), (len(report) + 12, 3)).value  # formulas below the units show ""
    checked = 0
    for name, total, rank in rows:
        if name in report:
            assert total == pytest.approx(report[name]["total"])
            assert rank == (report[name]["rank"] if report[name]["rank"] is not None else "不参与排名")
            checked += 1
    assert checked == len(report)


def test_date_udf_over_a_column(book):
    sheet = book.sheets.add("UDF测试")
    sheet.range("A1:A3").value = [["2026-01-02"], ["2026-02-12"], ["2026-05-07"]]
    sheet.range("B1:B3").formula_array = '=KAOHE_DUE(A1:A3,"办理")'
    with watchdog(book.app):
        book.app.calculate()
    values = [v.date().isoformat() for v in sheet.range("B1:B3").value]
    assert values == ["2026-01-06", "2026-02-24", "2026-05-11"]


def test_udf_without_python_shows_chinese(book):
    """With the interpreter path wrong, a new =KAOHE_* cell shows KaoheUdfFailed's text."""
    sheet = book.sheets["UDF测试"] if "UDF测试" in [s.name for s in book.sheets] else book.sheets.add("UDF测试")
    _set_interpreter(book, r"C:\没有这个目录\pythonw.exe")
    try:
        sheet.range("D1").formula = "=KAOHE_ISWORKDAY(DATE(2026,10,10))"
        with watchdog(book.app):
            book.app.calculate()
        value = sheet.range("D1").value
    finally:
        _set_interpreter(book, str(PYTHONW))
    # xlwings' UDF server may already be running with the right interpreter: then the cell is TRUE
    # (2026-10-10 is a 调休 Saturday); it must never be xlwings' English error text
    assert value is True or value == "未连接Python：见“帮助”", value
