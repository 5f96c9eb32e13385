"""OutputSheet print hints used by 催办单: manual page breaks (then the sheet is scaled, not
fitted: Excel drops manual breaks on a fitted sheet), no header row, and rows that are a
heading, a title, a paragraph or a signature."""
from __future__ import annotations

import re
import zipfile

import openpyxl

from xl_kaohe.core.report import Column, Layout, OutputSheet
from xl_kaohe.io.xlsx_package import write_output_sheets


def sheet_xml(path, name):
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        parts = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        return {p: z.read(p).decode() for p in parts}, workbook


def source(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "台账"
    path = tmp_path / "src.xlsx"
    wb.save(path)
    return path


def test_breaks_blocks_and_no_header(tmp_path):
    columns = [Column("序号", "int", 5), Column("说明", "text", 40)]
    rows = [["第一页"], ["一段较长的说明文字"], ["序号", "说明"], [1, "x"], ["落款"],
            ["第二页"], ["序号", "说明"], [1, "y"]]
    marks = {0: "title", 1: "note", 2: "heading", 4: "sign", 5: "title", 6: "heading"}
    letters = OutputSheet("信", columns, rows, row_marks=marks, header=False,
                          layout=Layout(fit_width=False, autofilter=False, freeze_header=False, page_breaks=(5,)))
    table = OutputSheet("表", columns, [[1, "a"], [2, "b"]], layout=Layout(fit_width=False, page_breaks=(1,)))
    out = tmp_path / "out.xlsx"
    write_output_sheets(source(tmp_path), out, [letters, table])
    parts, workbook = sheet_xml(out, "信")
    letter_xml = next(x for x in parts.values() if "第一页" in x)
    table_xml = next(x for x in parts.values() if "<v>2</v>" in x and "第一页" not in x)
    # no header row: the first row of the sheet is the first letter's title, spanning the columns
    assert '<row r="1" ht="25" customHeight="1"><c r="A1"' in letter_xml
    assert re.findall(r'<mergeCell ref="([^"]+)"/>', letter_xml) == ["A1:B1", "A2:B2", "A5:B5", "A6:B6"]
    # a break after row 5 (the second letter starts at row 6); scaled: 45 units wide -> 100 %
    assert '<rowBreaks count="1" manualBreakCount="1"><brk id="5" max="16383" man="1"/></rowBreaks>' in letter_xml
    assert "fitToPage" not in letter_xml and 'scale="100"' in letter_xml
    assert "<pane " not in letter_xml and "<autoFilter" not in letter_xml
    names = re.findall(r'<definedName name="(_xlnm\.\w+)" localSheetId="(\d)"', workbook)
    assert ("_xlnm.Print_Area", "1") in names and ("_xlnm.Print_Titles", "1") not in names
    # a table with a header keeps its filter and print titles; its break is after the header + 1 row
    assert '<brk id="2" max="16383" man="1"/>' in table_xml and "<autoFilter" in table_xml
    assert ("_xlnm.Print_Titles", "2") in names
    # what a reader sees
    ws = openpyxl.load_workbook(out)["信"]
    assert [ws.cell(r, 1).value for r in range(1, 9)] == [r[0] for r in rows]
    assert ws.cell(3, 1).font.b and ws.cell(1, 1).alignment.horizontal == "center"
    assert ws.cell(5, 1).alignment.horizontal == "right" and ws.cell(2, 1).alignment.wrap_text


def test_a_letter_sheet_without_breaks_is_still_scaled_to_the_page(tmp_path):
    # 催办单 with nothing to chase: one letter, no page break; 3 columns of 40 = 120 width units on
    # a portrait page of 66 -> scale int(100 * 66 / 120) = 55, so it prints on one page width
    columns = [Column("a", "text", 40), Column("b", "text", 40), Column("c", "text", 40)]
    letter = OutputSheet("信", columns, [["标题"], ["没有需要催办的工单"]], row_marks={0: "title", 1: "note"},
                         header=False, layout=Layout(orientation="portrait", fit_width=False, autofilter=False,
                                                     freeze_header=False))
    out = tmp_path / "out.xlsx"
    write_output_sheets(source(tmp_path), out, [letter])
    parts, _ = sheet_xml(out, "信")
    xml = next(x for x in parts.values() if "标题" in x)
    assert 'scale="55"' in xml and "fitToPage" not in xml and "<rowBreaks" not in xml
