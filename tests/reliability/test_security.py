"""Security of what we write (SPEC §6, §8).

1. Text typed in the input sheets that starts with = + - @ (a DDE payload such as
   ``=cmd|' /C calc'!A0`` included) reaches the output sheets as *text*: no ``<f>`` element in any
   output sheet part, openpyxl sees a string cell, and LibreOffice shows the characters, not a
   computed value.
2. Personal data stays in the ledger: 诉求内容 (what a citizen said, often with an address and a
   phone number) and 联络电话 are never validated, so never echoed -- not in 排名, 得分明细,
   扣分依据, 校验, 单位明细, the JSON or the console, not even from rows with errors.
   Decision: 校验 shows the offending value of the offending (validated) column only, clipped
   to 60 characters; if someone types a phone number into a validated column (e.g. 承办单位),
   that value *is* the error and is shown, as any other wrong value would be.
3. The VBA only calls RunPython into xl_kaohe: tested in tests/packaging/test_workbook.py
   (test_our_vba_only_runs_python_in_our_package), not repeated here.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from ledgerkit import LedgerKit
from xl_kaohe.cli import main
from xl_kaohe.core import schema as S
from xl_kaohe.core.outputs import UNIT_CARD, unit_card_sheet
from xl_kaohe.io.workbook import FileBook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OUTPUTS = list(S.OUTPUT_SHEETS) + [UNIT_CARD]


def save_as_text(kit: LedgerKit, path: Path) -> Path:
    """LedgerKit.save, but every str is a text cell even when it starts with '=' (openpyxl would
    make that a formula): what staff get when they type '=…' into a text-formatted cell, or
    what a platform export holds."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, grid in kit.grids().items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(grid, 1):
            for c, value in enumerate(row, 1):
                if value is None:
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, str):
                    cell.data_type = "s"
    wb.save(path)
    return path


def sheet_parts(path: Path) -> dict[str, bytes]:
    """Worksheet XML by sheet name."""
    with zipfile.ZipFile(path) as z:
        rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        out = {}
        for sheet in ET.fromstring(z.read("xl/workbook.xml")).iter(f"{{{NS}}}sheet"):
            target = rels[sheet.get(f"{{{NS_R}}}id")]
            out[sheet.get("name")] = z.read(target.lstrip("/") if target.startswith("/") else "xl/" + target)
    return out


def has_formula(xml: bytes) -> bool:
    return re.search(rb"<(?:\w+:)?f[\s>/]", xml) is not None


def sheet_text(xml: bytes) -> str:
    """All cell text of a worksheet part (inline strings; we never write shared strings)."""
    root = ET.fromstring(xml)
    return "\n".join(t.text or "" for t in root.iter(f"{{{NS}}}t"))


# ---- formula-looking text stays text ----------------------------------------------------------------------

DDE = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://example.invalid","点我")'
FORMULA_UNITS = [DDE, LINK, "+1", "-2", "@SUM(A1)"]


@pytest.fixture(scope="module")
def formula_book(tmp_path_factory) -> Path:
    kit = LedgerKit()
    for i, name in enumerate(FORMULA_UNITS):
        kit.unit(name, category="=1+1" if i == 0 else "", contact="@联络人" if i == 0 else "",
                 phone="+86-0519-1" if i == 0 else "")
    # open and overdue at 12-31 (due 12-30): listed in 预警 and 催办单 with the unit's contacts
    kit.order("=GD(9)", DDE, "咨询", "2026-12-28 09:00")
    kit.order("=GD(1)", DDE, "办理", "2026-03-02 09:00", "2026-03-12 09:00")  # late: lines in 扣分依据
    kit.deduction("2026-05-06", LINK, "III-4.2", 1, note="=1+1")
    kit.bonus("2026-05-06", "+1", "III-16.1", None, "2")
    # bad cells: 校验 echoes their values
    kit.order("GD-2", "-2", "办理", DDE)                          # 受理时间
    kit.order("GD-3", "=SUM(1,2)", "办理", "2026-03-02 09:00")    # 承办单位
    kit.deduction("2026-05-06", "-2", "@SUM(A1)")                  # 扣分项
    kit.deduction("2026-05-06", "-2", "III-4.2", "-2")             # 次数
    kit.meeting("2026-05-06", "@SUM(A1)", "+1")                    # 出勤
    path = save_as_text(kit, tmp_path_factory.mktemp("formulas") / "台账.xlsx")
    assert main(["rank", str(path)]) == 1
    # 单位明细 of the unit named like a DDE call: exit 0, as none of the bad rows is that unit's own
    assert main(["unit", str(path), DDE, "--write"]) == 0
    return path


# the strings that must be *whole cells* of each output sheet (their first character is = + - @)
EXPECTED_CELLS = {
    S.RANKING: set(FORMULA_UNITS) | {"=1+1"},
    S.DETAIL: set(FORMULA_UNITS),
    S.AUDIT: {DDE, LINK, "+1"},
    S.CHECKS: {DDE, "=SUM(1,2)", "@SUM(A1)", "-2", "+1"},
    S.TREND: set(FORMULA_UNITS),
    UNIT_CARD: set(),
    S.WARNINGS: {DDE, "=GD(9)", "@联络人", "+86-0519-1"},
    S.CHASE: {"=GD(9)", DDE + "（联络人：@联络人，联络电话：+86-0519-1）："},
}


def test_formula_text_is_never_a_formula_in_the_written_parts(formula_book):
    parts = sheet_parts(formula_book)
    for name in OUTPUTS:
        xml = parts[name]
        assert not has_formula(xml), name
        assert not re.search(rb'<c [^>]*t="str"', xml), name  # no formula-result cells either
        cells = set(sheet_text(xml).split("\n"))
        assert EXPECTED_CELLS[name] <= cells, (name, EXPECTED_CELLS[name] - cells)
    assert sheet_text(parts[UNIT_CARD]).startswith(DDE + " 2026年度")  # the title leads with the name
    with zipfile.ZipFile(formula_book) as z:  # nothing that links out or calls out
        assert not [n for n in z.namelist() if "externalLink" in n or "connections" in n or "queryTable" in n]


def test_openpyxl_sees_text_cells_with_the_same_characters(formula_book):
    wb = openpyxl.load_workbook(formula_book)
    for name in OUTPUTS:
        ws = wb[name]
        cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
        assert all(c.data_type != "f" for c in cells), name
        texts = {c.value for c in cells if c.data_type == "s"}
        assert EXPECTED_CELLS[name] <= texts, name
        for c in cells:
            if isinstance(c.value, str) and c.value[:1] in "=+-@":
                assert c.data_type == "s", (name, c.coordinate, c.value)


def test_calamine_reads_the_characters_back(formula_book):
    book = CalamineWorkbook.from_path(str(formula_book))
    try:
        for name in OUTPUTS:
            values = {v for row in book.get_sheet_by_name(name).to_python() for v in row if isinstance(v, str)}
            assert EXPECTED_CELLS[name] <= values, name
    finally:
        book.close()


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not on PATH")
def test_libreoffice_shows_the_characters_not_a_computed_value(formula_book, tmp_path):
    """A spreadsheet application opening the file: 排名 lists '=1+1' and the DDE text as typed."""
    source = tmp_path / "台账.xlsx"
    shutil.copy(formula_book, source)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(tmp_path / "csv"), str(source)], check=True, capture_output=True, timeout=120)
    for name in (S.RANKING, S.CHECKS):
        text = (tmp_path / "csv" / f"台账-{name}.csv").read_text(encoding="utf-8")
        values = {v for row in csv.reader(io.StringIO(text)) for v in row}
        assert EXPECTED_CELLS[name] <= values, (name, EXPECTED_CELLS[name] - values)


# ---- personal data is never echoed ---------------------------------------------------------------------

PHONE = "13912345678"          # 联络电话
CITIZEN_PHONE = "13800001111"  # inside 诉求内容
ADDRESS = "幸福路88号"          # inside 诉求内容
TYPED_INTO_UNIT = "13700000000"  # a phone number typed into 承办单位 (a validated column)
SECRETS = (PHONE, CITIZEN_PHONE, ADDRESS)
CONTACT_SHEETS = (S.WARNINGS, S.CHASE)  # the only sheets that may show 联络人 / 联络电话


def _content(n: int) -> str:
    return f"市民{n}反映：家住{ADDRESS}，孩子转学手续无人办理，请回电{CITIZEN_PHONE}"


@pytest.fixture(scope="module")
def private_ledger() -> LedgerKit:
    kit = LedgerKit()
    for name in ("甲校", "乙校"):
        kit.unit(name)
        kit.rows[S.UNITS][-1][3:6] = ["李分管", "王联络", PHONE]
    kit.rows[S.UNITS] += [
        [None, "", "", "李分管", "王联络", PHONE, "是"],        # row 4: no 单位名称
        ["甲校", "", "", "", "", PHONE, "是"],                  # row 5: duplicate
        ["丙校", "", "", "", "", PHONE, "也许"],                # row 6: bad 参与考核
        ["丁校", "甲校", "", "", "", PHONE, "是"],              # row 7: alias taken
    ]
    kit.order("GD-1", "甲校", "办理", "2026-03-02 09:00", "2026-03-12 09:00", content=_content(1))  # late
    kit.order("GD-2", "甲校", "办理", "2026-13-40 09:00", content=_content(2))                      # bad date
    kit.order("GD-3", "戊校", "咨询", "2026-03-02 09:00", content=_content(3))                      # unknown unit
    kit.order("GD-1", "乙校", "咨询", "2026-03-02 09:00", content=_content(4))                      # duplicate
    kit.order("", "乙校", "咨询", "2026-03-02 09:00", content=_content(5))                          # no 编号
    kit.order("GD-6", "乙校", "其他", "2026-03-02 09:00", content=_content(6))                      # bad type
    kit.order("GD-7", "乙校", "紧急", "2026-03-02 09:00", content=_content(7))                      # 紧急, no 时限
    kit.order("GD-8", "乙校", "咨询", "2026-03-02 09:00", "2026-03-03", visit="很不满意", content=_content(8))
    kit.order("GD-9", TYPED_INTO_UNIT, "咨询", "2026-03-02 09:00", content=_content(9))              # phone as unit
    kit.order("GD-10", "乙校", "办理", "2026-03-05 09:00", "2026-03-04 09:00", content=_content(10) * 200)
    # open, due Wed 12-30: overdue at 12-31, so 预警 and 催办单 list it with 甲校's contacts
    kit.order("GD-11", "甲校", "咨询", "2026-12-28 09:00", content=_content(11))
    return kit


def test_personal_data_is_never_in_any_output(private_ledger):
    a = private_ledger.assess()
    problems = {(p.sheet, p.row, p.column) for p in a.result.problems}
    # the rows with errors are there, and reported ...
    assert {(S.UNITS, 4, "单位名称"), (S.UNITS, 5, "单位名称"), (S.UNITS, 6, "参与考核"), (S.UNITS, 7, "单位别名"),
            (S.ORDERS, 3, "受理时间"), (S.ORDERS, 4, "承办单位"), (S.ORDERS, 5, "工单编号"), (S.ORDERS, 6, "工单编号"),
            (S.ORDERS, 7, "工单类型"), (S.ORDERS, 8, "办理时限"), (S.ORDERS, 9, "回访结果"),
            (S.ORDERS, 10, "承办单位"), (S.ORDERS, 11, "办结时间")} <= problems
    # ... yet no output holds 诉求内容 or 联络电话
    sheets = a.sheets() + [unit_card_sheet(a.result, u) for u in a.ordered]
    for sheet in sheets:
        cells = [sheet.title or ""] + [str(v) for row in sheet.rows for v in row if v is not None]
        for secret in SECRETS:
            assert not [c for c in cells if secret in c], (sheet.name, secret)
    report = json.dumps(a.json(), ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in report
    # 校验 does show the offending value of a validated column, and only there
    checks = a.sheets()[3]
    echoed = [row for row in checks.rows if TYPED_INTO_UNIT in str(row[4])]
    assert [(row[1], row[2], row[3], row[4]) for row in echoed] == [(S.ORDERS, 10, "承办单位", TYPED_INTO_UNIT)]
    assert any(row[4] == "2026-13-40 09:00" for row in checks.rows)


def test_personal_data_is_never_in_the_written_file_json_or_console(private_ledger, tmp_path, capsys):
    path = private_ledger.save(tmp_path / "台账.xlsx")
    result = tmp_path / "result.json"
    assert main(["rank", str(path), "--json", str(result)]) == 1
    assert main(["check", str(path)]) == 1
    assert main(["unit", str(path), "甲校", "--write"]) == 1
    console = capsys.readouterr()
    parts = sheet_parts(path)
    written = {name: sheet_text(parts[name]) for name in OUTPUTS}
    for secret in SECRETS:
        for name, text in written.items():
            if secret == PHONE and name in CONTACT_SHEETS:
                continue  # the unit's work contact belongs on 预警 and 催办单 (SPEC §9)
            assert secret not in text, (name, secret)
        assert secret not in result.read_text(encoding="utf-8")
        assert secret not in console.out and secret not in console.err
    # the inputs still hold them: the ledger itself is not changed
    book = FileBook(path).read_grids([S.ORDERS, S.UNITS])
    assert _content(1) in book[S.ORDERS][1] and PHONE in book[S.UNITS][1]


def test_work_contacts_only_on_the_warning_sheets_and_citizens_data_nowhere(private_ledger, tmp_path, capsys):
    path = private_ledger.save(tmp_path / "台账.xlsx")
    result = tmp_path / "warn.json"
    assert main(["warn", str(path), "--asof", "2026-12-31", "--write", "--json", str(result)]) == 1
    console = capsys.readouterr()
    parts = sheet_parts(path)
    warned, chase = sheet_text(parts[S.WARNINGS]), sheet_text(parts[S.CHASE])
    # GD-11 is listed, and the unit's contact is where a clerk needs it
    assert "GD-11" in warned and "GD-11" in chase
    assert PHONE in warned and "王联络" in warned and PHONE in chase and "王联络" in chase
    for secret in (CITIZEN_PHONE, ADDRESS):
        assert secret not in warned and secret not in chase
    # the console and the JSON name orders and units, not people
    for secret in SECRETS:
        assert secret not in result.read_text(encoding="utf-8")
        assert secret not in console.out and secret not in console.err
    assert "王联络" not in console.out and "王联络" not in result.read_text(encoding="utf-8")
    # nothing else was written: the other output sheets are still absent from this plain ledger
    assert S.RANKING not in parts
