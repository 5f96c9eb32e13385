"""看板, the formula sheet: every unit of the 单位 sheet, live formulas kept, cached values of
the last `kaohe rank` (what WPS / LibreOffice show), a title saying when; Excel does not
recalculate on load, Workbook_Open does once macros run."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from ledgerkit import LedgerKit
from xl_kaohe.build.workbook import DEFAULT_PATH, EXCEL_CALC_ID
from xl_kaohe.cli import main
from xl_kaohe.core import schema as S
from xl_kaohe.core.board import BOARD, BOARD_SPARE_ROWS, EXAMPLES_HEADING, board_sheet
from xl_kaohe.core.report import Formula
from xl_kaohe.io.workbook import FileBook
from xl_kaohe.jobs.rank import rank


def board_grid(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(BOARD).to_python()


def unit_rows(grid: list[list]) -> list[list]:
    """The unit rows: after title and header, up to the empty row before the examples."""
    heading = next(i for i, row in enumerate(grid) if row and row[0] == EXAMPLES_HEADING)
    return grid[2:heading - 1]


def test_board_rows_cover_every_unit_plus_spare_rows() -> None:
    kit = LedgerKit()
    for i in range(70):
        kit.unit(f"单位{i:02d}")
    kit.deduction(date(2026, 3, 2), "单位05", "III-1.1", 2)
    grids = kit.grids()
    assessment = kit.assess(today=date(2026, 12, 1))
    sheet = board_sheet(assessment, grids, today=date(2026, 12, 1), refreshed="kaohe rank 2026-12-01")
    units = [row for row in sheet.rows if row and type(row[0]) is Formula]
    # 70 units in 单位 rows 2-71, + 20 spare rows = 90
    assert len(units) == 70 + BOARD_SPARE_ROWS == 90
    assert units[0][0] == Formula("IF('单位'!A2=\"\",\"\",'单位'!A2)", "单位00")
    assert units[89][0] == Formula("IF('单位'!A91=\"\",\"\",'单位'!A91)", "")
    assert [row[0].cached for row in units[:70]] == [f"单位{i:02d}" for i in range(70)]
    total = units[5][1]
    # sheet row 3 + 5 = 8; III-1.1 twice: 95 − 2 × 1 = 93
    assert total == Formula('IF($A8="","",KAOHE_SCORE($A8))', 93)
    assert units[6][1].cached == 95 and units[80][1].cached == ""
    assert sheet.title.startswith("12345 考核看板：数值更新于 kaohe rank 2026-12-01（截至2026-12-01）")
    assert sheet.only_if_present and not sheet.layout.autofilter


@pytest.fixture()
def big_addin(tmp_path: Path) -> Path:
    """The shipped add-in with 65 more units (74 in all, beyond the old 60 fixed rows) and a
    deduction for one of them."""
    path = tmp_path / "台账.xlsm"
    wb = openpyxl.load_workbook(DEFAULT_PATH, keep_vba=True)
    units = wb[S.UNITS]
    first = units.max_row + 1
    for i in range(65):
        units.cell(first + i, 1, f"新增单位{i:02d}")
        units.cell(first + i, 7, "是")
    units.tables["tblUnits"].ref = f"A1:G{first + 64}"
    events = wb[S.DEDUCTIONS]
    r = events.max_row + 1
    for c, v in enumerate([date(2026, 5, 6), "新增单位64", "III-1.1", 3], start=1):
        events.cell(r, c, v)
    events.tables[next(iter(events.tables))].ref = f"A1:G{r}"
    wb.save(path)
    return path


def test_rank_rewrites_the_board_for_all_units_with_current_values(big_addin: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(big_addin) as z:
        before = {n: z.read(n) for n in ("xl/vbaProject.bin", "customUI/customUI.xml")}
    book = FileBook(big_addin)
    first = rank(book, asof=date(2026, 6, 30), today=date(2026, 12, 1))
    grid = board_grid(big_addin)
    june = {u["unit"]: u["total"] for u in first.json()["units"]}
    assert grid[0][0].startswith("12345 考核看板：数值更新于 kaohe rank 2026-12-01（截至2026-06-30）")
    assert len(unit_rows(grid)) == 74 + BOARD_SPARE_ROWS
    names = [row[0] for row in unit_rows(grid) if row[0]]
    assert len(names) == 9 + 65 and names[-1] == "新增单位64"
    shown = {row[0]: row[1] for row in unit_rows(grid) if row[0]}
    assert shown == pytest.approx(june)
    # 95 − 3 × III-1.1 − 2 (III-3.2: no 季度研究 in Q1, Q2) − 5 (III-12.1: 知识库 of Jan–May not
    # reported; June is due 07-05, after the as-of date) = 85
    assert shown["新增单位64"] == 85
    # again at the year end: the cached numbers follow (no stale 84.00 / 5th in WPS)
    second = rank(book, asof=date(2026, 12, 31), today=date(2026, 12, 31))
    december = {u["unit"]: (u["total"], u["rank"]) for u in second.json()["units"]}
    grid = board_grid(big_addin)
    assert grid[0][0].startswith("12345 考核看板：数值更新于 kaohe rank 2026-12-31（截至2026-12-31）")
    for row in unit_rows(grid):
        if row[0]:
            total, place = december[row[0]]
            assert row[1] == pytest.approx(total)
            assert row[2] == (place if place is not None else "不参与排名")
    assert december != {k: (v, None) for k, v in june.items()}
    with zipfile.ZipFile(big_addin) as z:
        assert {n: z.read(n) for n in before} == before  # VBA project and ribbon untouched
        formulas = re.findall(r"<f>([^<]*)</f>", z.read(_board_part(z)).decode())
    # 94 unit rows (74 units + 20 spare) × 11 formulas + 5 examples
    assert len(formulas) == 94 * 11 + 5
    assert formulas[0] == "IF('单位'!A2=\"\",\"\",'单位'!A2)"


def _board_part(z: zipfile.ZipFile) -> str:
    import xml.etree.ElementTree as ET
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rid_attr = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    rid = next(s.get(rid_attr) for s in ET.fromstring(z.read("xl/workbook.xml")).iter(ns + "sheet")
               if s.get("name") == BOARD)
    target = next(r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels")) if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def test_a_plain_ledger_gets_no_board(tmp_path: Path) -> None:
    ledger = LedgerKit().unit("甲校").save(tmp_path / "l.xlsx")
    assert main(["rank", str(ledger), "--asof", "2026-12-31"]) == 0
    assert BOARD not in openpyxl.load_workbook(ledger).sheetnames


def test_excel_does_not_recalculate_on_load_and_workbook_open_refreshes_the_board() -> None:
    with zipfile.ZipFile(DEFAULT_PATH) as z:
        workbook = z.read("xl/workbook.xml").decode()
    calc = re.search(r"<calcPr [^>]*/>", workbook).group(0)
    assert f'calcId="{EXCEL_CALC_ID}"' in calc and 'fullCalcOnLoad="0"' in calc
    assert "forceFullCalc" not in calc
    source = (Path(__file__).resolve().parents[2] / "xl_kaohe/build/vba/ThisWorkbook.cls").read_text()
    open_sub = re.search(r"Private Sub Workbook_Open\(\)(.*?)End Sub", source, re.S).group(1)
    assert "KaoheRefreshBoard" in open_sub and "ThisWorkbook.Saved = wasSaved" in open_sub


def test_rank_keeps_calc_settings(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsm"
    path.write_bytes(DEFAULT_PATH.read_bytes())
    assert main(["rank", str(path), "--asof", "2026-12-31", "--json", str(tmp_path / "r.json")]) == 0
    with zipfile.ZipFile(path) as z:
        assert re.search(r"<calcPr [^>]*/>", z.read("xl/workbook.xml").decode()).group(0) == \
            re.search(r"<calcPr [^>]*/>", zipfile.ZipFile(DEFAULT_PATH).read("xl/workbook.xml").decode()).group(0)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    shown = {row[0]: row[1] for row in unit_rows(board_grid(path)) if row[0]}
    assert shown == pytest.approx({u["unit"]: u["total"] for u in report["units"]})


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler-utils missing")
def test_libreoffice_shows_the_cached_values(tmp_path: Path) -> None:
    """Without a forced recalculation LibreOffice shows the numbers, not #NAME? / #VALUE!."""
    path = tmp_path / "b.xlsm"
    path.write_bytes(DEFAULT_PATH.read_bytes())
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=240)
    pdf = str(tmp_path / "b.pdf")
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", pdf], capture_output=True, text=True,
                                                            check=True).stdout).group(1))
    texts = [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", pdf, "-"], capture_output=True,
                            text=True, check=True).stdout for i in range(1, pages + 1)]
    board = "".join(t for t in texts if "考核看板：数值更新于" in t)
    totals = {row[0]: row[1] for row in unit_rows(board_grid(path)) if row[0]}
    assert len(totals) == 9 and all(f"{v:.2f}" in board for v in totals.values())
    assert "#NAME" not in board and "2026-01-06 23:59" in board  # the KAOHE_DUE example, no ###
    # LibreOffice recomputes formulas with a cached boolean (KAOHE_ISWORKDAY): that one cell
    # shows #VALUE! there; Excel and WPS show the cached TRUE
    assert board.count("#VALUE!") <= 1
