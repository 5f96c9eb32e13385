"""Sheets a person can read on paper: the layout hints of OutputSheet as the zip writer renders
them (page setup, print titles, row heights, the chart inside the print area, sheet order), and
a LibreOffice rendering of the output sheets."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from ledgerkit import LedgerKit
from xl_kaohe.core import schema as S
from xl_kaohe.core.outputs import unit_card_sheet
from xl_kaohe.core.report import Column, Layout, OutputSheet
from xl_kaohe.io.xlsx_package import write_output_sheets

ASOF = "2026-12-01"


def _kit() -> LedgerKit:
    long_note = "甲" * 40
    return (LedgerKit(asof=ASOF).unit("示例市第一实验中学").unit("乙校").unit("丙校")
            .order("GD-1", "乙校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 10, 9))
            .deduction(date(2026, 4, 1), "丙校", "III-1.1", note=long_note))


@pytest.fixture(scope="module")
def assessment():
    return _kit().assess(today=date(2026, 12, 1))


@pytest.fixture(scope="module")
def written(assessment, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("layout")
    wb = openpyxl.Workbook()
    wb.active.title = S.UNITS
    wb.create_sheet(S.XLWINGS_CONF)
    wb.save(folder / "src.xlsx")
    out = folder / "out.xlsx"
    sheets = assessment.sheets() + [unit_card_sheet(assessment.result, assessment.unit("丙校"))]
    write_output_sheets(folder / "src.xlsx", out, sheets)
    return out


def _part(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet name="{sheet}" sheetId="\d+"[^>]*r:id="(\w+)"', wb).group(1)
        target = re.search(rf'Id="{rid}"[^>]*Target="/?(?:xl/)?([^"]+)"', rels).group(1)
        return z.read("xl/" + target).decode()


def _names(path: Path) -> dict[tuple[str, str], str]:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
    sheets = re.findall(r'<sheet name="([^"]+)"', wb)
    return {(n, sheets[int(i)]): v for n, i, v in
            re.findall(r'<definedName name="([^"]+)" localSheetId="(\d+)"[^>]*>([^<]*)</definedName>', wb)}


def test_outputs_sit_together_before_xlwings_conf(written: Path) -> None:
    with zipfile.ZipFile(written) as z:
        order = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
    assert order == [S.UNITS, S.RANKING, S.DETAIL, S.AUDIT, S.CHECKS, "单位明细", S.XLWINGS_CONF]


def test_inserting_a_sheet_renumbers_local_names_of_later_sheets(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = S.RANKING
    conf = wb.create_sheet(S.XLWINGS_CONF)
    conf.print_area = "A1:B5"  # a sheet-local name on the sheet after the insertion point
    wb.active = 1
    wb.save(tmp_path / "s.xlsx")
    write_output_sheets(tmp_path / "s.xlsx", tmp_path / "o.xlsx", [OutputSheet("单位明细", [Column("a")], [["x"]])])
    names = _names(tmp_path / "o.xlsx")
    assert names[("_xlnm.Print_Area", S.XLWINGS_CONF)] == "'xlwings.conf'!$A$1:$B$5"  # was localSheetId 1, now 2
    with zipfile.ZipFile(tmp_path / "o.xlsx") as z:
        assert 'activeTab="2"' in z.read("xl/workbook.xml").decode()  # still xlwings.conf
    assert openpyxl.load_workbook(tmp_path / "o.xlsx").sheetnames == [S.RANKING, "单位明细", S.XLWINGS_CONF]


def test_detail_prints_landscape_split_over_pages_with_titles_repeated(written: Path) -> None:
    xml = _part(written, S.DETAIL)
    assert '<pageSetup paperSize="9" orientation="landscape"/>' in xml  # no fitToWidth: not shrunk
    assert "fitToPage" not in xml
    assert _names(written)[("_xlnm.Print_Titles", S.DETAIL)] == "'得分明细'!$A:$A,'得分明细'!$1:$2"
    # header "III-1 工作网络和责任人（5分）": 6 + 9 CJK × 2 + （5分）2+1+2+2 = 31 units; column 12
    # wide, bold (÷1.1) less 1.5 padding = 9.41 per line -> 4 lines of 15 pt
    assert '<row r="2" ht="60" customHeight="1">' in xml
    assert '<pane xSplit="1" ySplit="2" topLeftCell="B3" activePane="bottomRight" state="frozen"/>' in xml
    assert "<mergeCell " not in xml  # the title starts on the first page instead of being centred over six


def test_audit_wraps_long_text_with_explicit_row_heights(written: Path) -> None:
    xml = _part(written, S.AUDIT)
    # 丙校's note: 40 CJK = 80 units in 说明 (70 wide, 68.5 usable) -> 2 lines = 30 pt
    row = re.search(r'<row r="(\d+)"[^>]*>(?:(?!</row>).)*甲{40}', xml).group(0)
    assert 'ht="30" customHeight="1"' in row
    assert _names(written)[("_xlnm.Print_Titles", S.AUDIT)] == "'扣分依据'!$1:$1"
    with zipfile.ZipFile(written) as z:
        styles = z.read("xl/styles.xml").decode()
    assert 'wrapText="1"' in styles and 'vertical="top"' in styles


def test_ranking_chart_is_under_the_table_and_inside_the_print_area(written: Path, assessment) -> None:
    ranking = next(s for s in assessment.sheets() if s.name == S.RANKING)
    assert ranking.chart.title == "2026年度总分"
    with zipfile.ZipFile(written) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<a:t>2026年度总分</a:t>" in chart
    frm = re.search(r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", drawing)
    to = re.search(r"<xdr:to><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", drawing)
    # title row 1, header row 2, 3 units in rows 3-5: the chart starts at 0-based row 6 (row 7,
    # one empty row between), 3 bars -> max(ceil(3 × 1.3) + 5, 16) = 16 rows high
    assert (int(frm.group(1)), int(frm.group(2))) == (0, 6)
    assert int(to.group(2)) == 22
    area = _names(written)[("_xlnm.Print_Area", S.RANKING)]
    m = re.fullmatch(r"'排名'!\$A\$1:\$([A-Z]+)\$(\d+)", area)
    assert int(m.group(2)) >= int(to.group(2))  # the chart's last row is printed
    assert 'orientation="landscape"' in _part(written, S.RANKING)


def test_clean_checks_say_so(tmp_path: Path) -> None:
    clean = LedgerKit(asof="2026-12-31").unit("甲校").assess(today=date(2026, 12, 31))
    checks = next(s for s in clean.sheets() if s.name == S.CHECKS)
    assert [dict(zip([c.header for c in checks.columns], row)) for row in checks.rows] == [
        {"级别": "通过", "表": None, "行": None, "列": None, "值": None, "说明": "校验通过：未发现错误或警告", "编号": None}]


def test_date_columns_are_wide_enough_for_their_text(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "s.xlsx")
    sheet = OutputSheet("排名", [Column("受理", "datetime", 10), Column("日期", "date", 8), Column("说明", "text", 8)],
                        [[datetime(2026, 3, 2, 9, 15), date(2026, 3, 2), "x"]])
    write_output_sheets(tmp_path / "s.xlsx", tmp_path / "o.xlsx", [sheet])
    cols = re.findall(r'<col min="\d+" max="\d+" width="([\d.]+)"', _part(tmp_path / "o.xlsx", "排名"))
    assert cols == ["17", "11", "8"]  # "2026-03-02 09:15" is 16 characters, "2026-03-02" 10


def test_layout_hints_are_generic(tmp_path: Path) -> None:
    """Any sheet (预警, 催办单 …) gets them: portrait, no filter, no frozen header."""
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "s.xlsx")
    sheet = OutputSheet("催办单", [Column("a", width=200)], [["x"]],
                        layout=Layout(orientation="portrait", autofilter=False, freeze_header=False))
    write_output_sheets(tmp_path / "s.xlsx", tmp_path / "o.xlsx", [sheet])
    xml = _part(tmp_path / "o.xlsx", "催办单")
    assert 'orientation="portrait"' in xml and "<autoFilter" not in xml and "<pane " not in xml
    assert ("_xlnm._FilterDatabase", "催办单") not in _names(tmp_path / "o.xlsx")


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler-utils missing")
def test_libreoffice_prints_ranking_with_its_chart_and_detail_over_pages(written: Path, tmp_path: Path) -> None:
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(written)],
                   check=True, capture_output=True, timeout=240)
    pdf = tmp_path / "out.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    texts = [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout for i in range(1, pages + 1)]
    texts = [re.sub(r"\s+", "", t) for t in texts]  # LibreOffice spaces digits from CJK in charts
    ranking = [t for t in texts if "工作考核排名" in t]
    assert len(ranking) == 1 and "2026年度总分" in ranking[0]  # the chart is on the printed page
    detail = [t for t in texts if "各单位得分明细" in t]  # the title row repeats on each page
    # 31 columns, ~7 per landscape page: split, each page with 单位名称 and the units repeated
    assert len(detail) >= 4
    assert all("单位名称" in t and "丙校" in t for t in detail)
    size = subprocess.run(["pdfinfo", "-f", "1", "-l", str(pages), str(pdf)], capture_output=True, text=True).stdout
    sizes = re.findall(r"size:\s+([\d.]+ x [\d.]+)", size)
    assert len(sizes) == pages and set(sizes) == {"841.89 x 595.304"}  # A4 landscape, every sheet here


def test_page_breaks_start_pages_at_the_given_rows(tmp_path: Path) -> None:
    """E.g. 催办单: one printed page per unit. Rows 0-2 are unit A, 3-4 unit B, 5 unit C."""
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "s.xlsx")
    sheet = OutputSheet("催办单", [Column("单位"), Column("工单")],
                        [["A", 1], ["A", 2], ["A", 3], ["B", 4], ["B", 5], ["C", 6]], title="催办单",
                        layout=Layout(page_breaks=(3, 5, 0, 99)))
    write_output_sheets(tmp_path / "s.xlsx", tmp_path / "o.xlsx", [sheet])
    xml = _part(tmp_path / "o.xlsx", "催办单")
    # title row 1, header row 2, rows from 3: B starts at row 6, C at row 8 -> breaks after 5 and
    # 7; 0 (before the first row) and 99 (past the end) are ignored
    assert ('<rowBreaks count="2" manualBreakCount="2"><brk id="5" max="16383" man="1"/>'
            '<brk id="7" max="16383" man="1"/></rowBreaks>') in xml
    from ooxml_schemas import part_errors
    assert part_errors("催办单", xml.encode()) == []
