"""Opt-in: the shipped workbook in real Excel through xlwings (Windows with Excel only).

Run on a Windows machine with Excel and this package installed:
    set KAOHE_EXCEL_TESTS=1 && python -m pytest tests/excel/test_windows_excel.py
Everywhere else these tests are skipped.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xl_kaohe.build.workbook import DEFAULT_PATH

pytestmark = [
    pytest.mark.excel,
    pytest.mark.skipif(sys.platform != "win32" or os.environ.get("KAOHE_EXCEL_TESTS") != "1",
                       reason="needs Windows + Excel and KAOHE_EXCEL_TESTS=1"),
]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    import xlwings as xw
    path = tmp_path_factory.mktemp("excel") / DEFAULT_PATH.name
    shutil.copy(DEFAULT_PATH, path)
    app = xw.App(visible=False, add_book=False)
    wb = app.books.open(str(path))
    app.calculate()
    yield wb
    wb.close()
    app.quit()


def _cli_json(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "xl_kaohe.cli", "rank", str(path), "--output",
                          str(path.with_name("cli.xlsm")), "--json", "-"], capture_output=True, check=False)
    return json.loads(out.stdout.decode("utf-8"))


def test_board_formulas_equal_the_cli(book):
    report = {u["unit"]: u for u in _cli_json(Path(book.fullname))["units"]}
    board = book.sheets["看板"]
    rows = board.range("A3:C62").value
    checked = 0
    for name, total, rank in rows:
        if name in report:
            assert total == pytest.approx(report[name]["total"])
            assert rank == (report[name]["rank"] if report[name]["rank"] is not None else "不参与排名")
            checked += 1
    assert checked == len(report)


def test_generate_ranking_job_writes_the_ranking(book, monkeypatch):
    """The job behind the 生成排名 button (the VBA callback only calls RunPython with it)."""
    from xl_kaohe.excel import ribbon
    messages = []
    monkeypatch.setattr(type(book.app), "alert", lambda self, prompt, **kw: messages.append(prompt))  # no modal box
    ribbon.generate_ranking(book)
    assert messages and "已生成" in messages[0]
    ranking = book.sheets["排名"]
    assert ranking.range("A1").value.startswith("2026年度12345工作考核排名")
    assert ranking.range("A2").value == "排名" and ranking.range("A3").value == 1


def test_date_udf_over_a_column(book):
    sheet = book.sheets.add("UDF测试")
    sheet.range("A1:A3").value = [["2026-01-02"], ["2026-02-12"], ["2026-05-07"]]
    sheet.range("B1:B3").formula_array = '=KAOHE_DUE(A1:A3,"办理")'
    book.app.calculate()
    values = [v.date().isoformat() for v in sheet.range("B1:B3").value]
    assert values == ["2026-01-06", "2026-02-24", "2026-05-11"]
