"""write_output_sheets: output sheets replaced as zip parts, everything else copied through."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart as OpenpyxlBarChart, Reference
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from xl_kaohe.core.report import BarChart, Column, OutputSheet
from xl_kaohe.io.xlsx_package import write_output_sheets

XLSM = Path(openpyxl.__file__).parents[1] / "xlwings" / "quickstart_standalone.xlsm"
UI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CALC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"
CALC_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"
TITLE = "2026年度12345工作考核排名（截至2026-03-31）"
UNITS = ["天宁区教育局", "钟楼区教育局", "新北区教育局", "常州市第一中学", "常州高级中学"]


# ---- fixtures ---------------------------------------------------------------------------------

def ranking() -> OutputSheet:
    columns = [Column("排名", "int", 6), Column("单位名称", "text", 24),
               Column("总分", "number", 9), Column("满意率", "percent", 9),
               Column("截至", "date", 12), Column("更新时间", "datetime", 17),
               Column("备注", "text", 16)]
    rows = [[i + 1, unit, 99.5 - 2.25 * i, 0.95 - 0.01 * i, dt.date(2026, 3, 31),
             dt.datetime(2026, 4, 1, 9, 30), None] for i, unit in enumerate(UNITS)]
    rows[1][6] = "=1+1"
    rows[2][6] = "@SUM(A1)"
    rows[3][6] = "+86 519"
    rows[4][6] = "-并列"
    return OutputSheet("排名", columns, rows, title=TITLE,
                       chart=BarChart("总分", category_column=1, value_column=2,
                                      value_axis_title="分"),
                       row_marks={0: "bold", 1: "error", 2: "warning", 4: "muted"})


def audit() -> OutputSheet:
    columns = [Column("单位名称", "text", 24), Column("编码", "text", 10),
               Column("分值", "number", 8), Column("来源", "text", 10),
               Column("说明", "text", 40), Column("计入", "text", 6)]
    rows = [["钟楼区教育局", "III-4.1", -2, "工单!17", "工单 GD-0012 办理类 拖延2个工作日", True],
            ["新北区教育局", "III-14.1", 1, "加分事件!3", "热线办理排名第一", False]]
    return OutputSheet("扣分依据", columns, rows)


def make_source(path: Path, with_old_ranking: bool = False) -> Path:
    """Two input sheets with data, a defined name, a data validation (and an old 排名)."""
    wb = openpyxl.Workbook()
    units = wb.active
    units.title = "单位"
    units.append(["单位名称", "参与考核"])
    for unit in UNITS:
        units.append([unit, "是"])
    dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    units.add_data_validation(dv)
    dv.add("B2:B200")
    if with_old_ranking:
        old = wb.create_sheet("排名")
        old.sheet_properties.tabColor = "FFC00000"
        old.sheet_properties.codeName = "RankSheet"
        old.append(["旧标题"])
        for i in range(30):
            old.append([f"旧单位{i}", i])
        chart = OpenpyxlBarChart()
        chart.add_data(Reference(old, min_col=2, min_row=2, max_row=31))
        old.add_chart(chart, "E2")
    orders = wb.create_sheet("工单")
    orders.append(["工单编号", "承办单位", "受理时间"])
    orders.append(["GD-0001", "天宁区教育局", dt.datetime(2026, 3, 2, 9, 15)])
    wb.defined_names["单位列表"] = DefinedName("单位列表", attr_text="'单位'!$A$2:$A$200")
    wb.save(path)
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return make_source(tmp_path / "台账.xlsx")


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def sheet_part(path: Path, name: str) -> str:
    """The zip name of worksheet `name`, resolved through workbook.xml and its rels."""
    p = parts(path)
    wb = p["xl/workbook.xml"].decode()
    # attribute order differs between openpyxl's serializers (lxml puts xmlns:r first)
    rid = re.search(rf'<sheet\b[^>]*\bname="{name}"[^>]*r:id="(\w+)"', wb).group(1)
    rels = p["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', rels) \
        or re.search(rf'Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def rezip(src: Path, dst: Path, replace: dict[str, bytes] | None = None,
          add: dict[str, bytes] | None = None) -> Path:
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            zo.writestr(info, replace.get(info.filename, zi.read(info)))
        for name, data in add.items():
            zo.writestr(name, data)
    return dst


# ---- values, types, layout --------------------------------------------------------------------

def test_openpyxl_reads_values_types_and_layout(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    write_output_sheets(source, out, [ranking(), audit()])

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["单位", "工单", "排名", "扣分依据"]
    ws = wb["排名"]
    assert ws["A1"].value == TITLE
    assert ws["A1"].font.b and ws["A1"].font.sz > 11
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:G1"]
    assert [c.value for c in ws[2]] == ["排名", "单位名称", "总分", "满意率", "截至", "更新时间", "备注"]
    assert ws["B2"].font.b and ws["B2"].fill.fgColor.rgb == "FFD9E1F2"
    assert ws["B2"].border.bottom.style == "thin"
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:G7"
    assert ws.column_dimensions["B"].width == 24
    assert ws.column_dimensions["F"].width == 17

    row = [c.value for c in ws[3]]
    assert row[:4] == [1, "天宁区教育局", 99.5, 0.95]
    assert isinstance(row[0], int) and isinstance(row[2], float)
    assert row[4] == dt.datetime(2026, 3, 31) and row[5] == dt.datetime(2026, 4, 1, 9, 30)
    assert [ws[f"G{r}"].value for r in range(4, 8)] == ["=1+1", "@SUM(A1)", "+86 519", "-并列"]
    assert all(ws[f"G{r}"].data_type == "s" for r in range(4, 8))
    assert (ws["A3"].number_format, ws["C3"].number_format, ws["D3"].number_format,
            ws["E3"].number_format, ws["F3"].number_format) == \
        ("0", "0.00", "0.00%", "yyyy-mm-dd", "yyyy-mm-dd hh:mm")

    assert ws["B3"].font.b                                   # bold
    assert ws["B4"].fill.fgColor.rgb == "FFFFC7CE"           # error
    assert ws["B5"].fill.fgColor.rgb == "FFFFEB9C"           # warning
    assert ws["B7"].font.color.rgb == "FF808080"             # muted
    assert not ws["B6"].font.b and ws["B6"].fill.fill_type is None

    ws = wb["扣分依据"]
    assert ws.freeze_panes == "A2" and ws.merged_cells.ranges == set()
    assert [c.value for c in ws[1]][:3] == ["单位名称", "编码", "分值"]
    assert [c.value for c in ws[2]] == ["钟楼区教育局", "III-4.1", -2, "工单!17",
                                        "工单 GD-0012 办理类 拖延2个工作日", True]
    assert ws["F3"].value is False

    # the inputs and the defined name are still there
    assert wb["单位"]["A2"].value == "天宁区教育局"
    assert wb["工单"]["C2"].value == dt.datetime(2026, 3, 2, 9, 15)
    assert wb.defined_names["单位列表"].attr_text == "'单位'!$A$2:$A$200"
    assert len(wb["单位"].data_validations.dataValidation) == 1


def test_calamine_reads_values_and_types(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    write_output_sheets(source, out, [ranking(), audit()])
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["单位", "工单", "排名", "扣分依据"]
    rows = book.get_sheet_by_name("排名").to_python()
    assert rows[0][0] == TITLE
    assert rows[1][:3] == ["排名", "单位名称", "总分"]
    assert rows[2][:6] == [1, "天宁区教育局", 99.5, 0.95, dt.date(2026, 3, 31),
                           dt.datetime(2026, 4, 1, 9, 30)]
    assert isinstance(rows[2][2], float) and isinstance(rows[2][4], dt.date)
    assert [r[6] for r in rows[3:7]] == ["=1+1", "@SUM(A1)", "+86 519", "-并列"]
    assert book.get_sheet_by_name("扣分依据").to_python()[1][2] == -2


def test_strings_are_inline_text_never_formulas(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    write_output_sheets(source, out, [ranking(), audit()])
    xml = parts(out)[sheet_part(out, "排名")].decode()
    assert "<f>" not in xml and "<f " not in xml
    assert '<is><t>=1+1</t></is>' in xml and '<is><t>@SUM(A1)</t></is>' in xml
    shared = {n: d for n, d in parts(source).items() if "sharedStrings" in n}
    assert {n: d for n, d in parts(out).items() if "sharedStrings" in n} == shared


def test_text_escaping(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    texts = ["a\x01b\x0bc&<>\"'", "  前后空格 ", "第一行\n第二行", "_x0041_", "\ufffe坏字符\ud800"]
    sheet = OutputSheet("校验", [Column("说明", "text", 30)], [[t] for t in texts])
    write_output_sheets(source, out, [sheet])
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("校验").to_python()
    # calamine decodes _xHHHH_ escapes the way Excel does
    assert [r[0] for r in rows[1:]] == ["abc&<>\"'", "  前后空格 ", "第一行\n第二行", "_x0041_",
                                        "坏字符"]


def test_dates_in_a_1904_workbook(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.save(tmp_path / "mac.xlsx")
    sheet = OutputSheet("排名", [Column("日期", "date")], [[dt.date(2026, 3, 31)]])
    write_output_sheets(tmp_path / "mac.xlsx", tmp_path / "out.xlsx", [sheet])
    assert openpyxl.load_workbook(tmp_path / "out.xlsx")["排名"]["A2"].value == \
        dt.datetime(2026, 3, 31)


# ---- copy-through -----------------------------------------------------------------------------

def test_other_parts_are_copied_raw_in_order(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    write_output_sheets(source, out, [ranking(), audit()])
    touched = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
               "xl/styles.xml", "docProps/app.xml"}
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(out) as b:
        kept = [i for i in a.infolist() if i.filename not in touched]
        assert [i.filename for i in b.infolist()][:len(a.infolist())] == a.namelist()
        for info in kept:  # same content, same compressed bytes, same timestamp
            other = b.getinfo(info.filename)
            assert b.read(other) == a.read(info)
            assert (other.CRC, other.compress_size, other.date_time) == \
                (info.CRC, info.compress_size, info.date_time)
        assert sheet_part(source, "单位") in {i.filename for i in kept}
        assert sheet_part(source, "工单") in {i.filename for i in kept}
        assert b.testzip() is None


def test_existing_sheet_replaced_in_place(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src.xlsx", with_old_ranking=True)
    out = tmp_path / "out.xlsx"
    before = parts(src)["xl/workbook.xml"].decode()
    write_output_sheets(src, out, [ranking()])
    after = parts(out)["xl/workbook.xml"].decode()

    old_entry = re.search(r'<sheet\b[^>]*\bname="排名"[^>]*/>', before).group(0)
    assert old_entry in after  # same sheetId, r:id and position
    assert re.findall(r'<sheet\b[^>]*\bname="([^"]+)"', after) == ["单位", "排名", "工单"]
    assert sheet_part(out, "排名") == sheet_part(src, "排名")

    wb = openpyxl.load_workbook(out)
    ws = wb["排名"]
    assert ws["A1"].value == TITLE and ws.max_row == 7  # no leftover rows of the old sheet
    assert ws.sheet_properties.tabColor.rgb == "FFC00000"
    assert ws.sheet_properties.codeName == "RankSheet"
    names = list(parts(out))
    assert [n for n in names if n.startswith("xl/drawings/drawing")] == ["xl/drawings/drawing1.xml"]
    assert [n for n in names if n.startswith("xl/charts/chart")] == ["xl/charts/chart1.xml"]
    chart = parts(out)["xl/charts/chart1.xml"].decode()
    assert "'排名'!$B$3:$B$7" in chart and "旧单位" not in chart


def test_rewrite_is_stable_and_deterministic(source: Path, tmp_path: Path) -> None:
    out1, out2, again = tmp_path / "1.xlsx", tmp_path / "2.xlsx", tmp_path / "again.xlsx"
    write_output_sheets(source, out1, [ranking(), audit()])
    write_output_sheets(source, again, [ranking(), audit()])
    assert out1.read_bytes() == again.read_bytes()
    write_output_sheets(out1, out2, [ranking(), audit()])
    assert out2.read_bytes() == out1.read_bytes()

    p = parts(out2)
    assert len(re.findall(r"<sheet ", p["xl/workbook.xml"].decode())) == 4
    assert len([n for n in p if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n)]) == 1
    assert len([n for n in p if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]) == 1
    assert len(re.findall("_xlnm._FilterDatabase", p["xl/workbook.xml"].decode())) == 2
    with zipfile.ZipFile(out2) as zf:
        assert zf.getinfo(sheet_part(out2, "排名")).date_time == (1980, 1, 1, 0, 0, 0)


def test_rerun_touches_only_the_output_sheets(source: Path, tmp_path: Path) -> None:
    """Same shape, new values: workbook.xml, rels, content types and styles stay as they were."""
    out1, out2 = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    write_output_sheets(source, out1, [ranking(), audit()])
    changed = ranking()
    changed.rows[0][2] = 100
    changed.rows[0][1] = "武进区教育局"
    write_output_sheets(out1, out2, [changed, audit()])
    with zipfile.ZipFile(out1) as a, zipfile.ZipFile(out2) as b:
        assert a.namelist() == b.namelist()
        differ = {i.filename for i in a.infolist() if a.read(i) != b.read(i.filename)}
    assert differ == {sheet_part(out1, "排名"), "xl/charts/chart1.xml"}


def test_styles_do_not_grow_over_20_runs(source: Path, tmp_path: Path) -> None:
    current = tmp_path / "run0.xlsx"
    write_output_sheets(source, current, [ranking(), audit()])
    first_styles = parts(current)["xl/styles.xml"]
    assert first_styles != parts(source)["xl/styles.xml"]
    for i in range(1, 21):
        nxt = tmp_path / f"run{i}.xlsx"
        write_output_sheets(current, nxt, [ranking(), audit()])
        current = nxt
    assert parts(current)["xl/styles.xml"] == first_styles


def test_chart_parts(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    write_output_sheets(source, out, [ranking(), audit()])
    p = parts(out)
    types = p["[Content_Types].xml"].decode()
    assert 'PartName="/xl/drawings/drawing1.xml" ContentType="application/vnd.openxmlformats-' \
           'officedocument.drawing+xml"' in types
    assert 'PartName="/xl/charts/chart1.xml" ContentType="application/vnd.openxmlformats-' \
           'officedocument.drawingml.chart+xml"' in types
    chart = p["xl/charts/chart1.xml"].decode()
    assert '<c:barDir val="bar"/>' in chart
    assert "<c:f>'排名'!$B$3:$B$7</c:f>" in chart and "<c:f>'排名'!$C$3:$C$7</c:f>" in chart
    assert chart.count("<c:pt ") == 1 + 5 + 5  # series name, categories, values
    assert "<c:v>常州高级中学</c:v>" in chart and "<c:v>90.5</c:v>" in chart
    sheet_rels = f"xl/worksheets/_rels/{sheet_part(out, '排名').split('/')[-1]}.rels"
    assert "../drawings/drawing1.xml" in p[sheet_rels].decode()
    sheet = p[sheet_part(out, "排名")].decode()
    assert sheet.endswith('<drawing r:id="rId1"/></worksheet>')
    assert "<drawing" not in p[sheet_part(out, "扣分依据")].decode()


def test_worksheet_child_order(source: Path, tmp_path: Path) -> None:
    """CT_Worksheet is a sequence: Excel rejects children out of order."""
    out = tmp_path / "out.xlsx"
    write_output_sheets(source, out, [ranking()])
    xml = parts(out)[sheet_part(out, "排名")].decode()
    order = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData",
             "autoFilter", "mergeCells", "pageMargins", "pageSetup", "drawing"]
    positions = [xml.index(f"<{tag}") for tag in order]
    assert positions == sorted(positions)


def test_dst_may_be_a_binary_file(source: Path, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    write_output_sheets(source, buffer, [audit()])
    write_output_sheets(source, tmp_path / "out.xlsx", [audit()])
    assert buffer.getvalue() == (tmp_path / "out.xlsx").read_bytes()


def test_bad_arguments(source: Path) -> None:
    with pytest.raises(ValueError):
        write_output_sheets(source, source, [audit()])
    with pytest.raises(ValueError):
        write_output_sheets(source, io.BytesIO(), [OutputSheet("排名[1]", [Column("a")], [])])
    with pytest.raises(ValueError):
        write_output_sheets(source, io.BytesIO(), [audit(), audit()])
    with pytest.raises(ValueError):
        write_output_sheets(source, io.BytesIO(), [OutputSheet("x", [Column("a")], [[1, 2]])])


# ---- workbook-level parts ---------------------------------------------------------------------

def _with_calc_chain(src: Path, dst: Path, chain: str) -> Path:
    p = parts(src)
    rels = p["xl/_rels/workbook.xml.rels"].decode().replace(
        "</Relationships>",
        f'<Relationship Id="rId99" Type="{CALC_REL}" Target="calcChain.xml"/></Relationships>')
    types = p["[Content_Types].xml"].decode().replace(
        "</Types>", f'<Override PartName="/xl/calcChain.xml" ContentType="{CALC_CT}"/></Types>')
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns='
           f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main">{chain}</calcChain>')
    return rezip(src, dst, replace={"xl/_rels/workbook.xml.rels": rels.encode(),
                                    "[Content_Types].xml": types.encode()},
                 add={"xl/calcChain.xml": xml.encode()})


def test_calc_chain_entries_of_replaced_sheets_removed(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src.xlsx", with_old_ranking=True)  # 排名 is sheetId 2
    # an omitted i= continues the previous entry's sheet: C1 belongs to sheet 1
    src = _with_calc_chain(src, tmp_path / "chain.xlsx",
                           '<c r="A1" i="2"/><c r="B1"/><c r="B2" i="1"/><c r="C1"/>'
                           '<c r="D1" i="2"/><c r="E1" i="3"/>')
    out = tmp_path / "out.xlsx"
    write_output_sheets(src, out, [ranking()])
    chain = parts(out)["xl/calcChain.xml"].decode()
    assert re.findall(r"<c [^>]*/>", chain) == ['<c r="B2" i="1"/>', '<c r="C1"/>',
                                                '<c r="E1" i="3"/>']


def test_calc_chain_removed_when_empty(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src.xlsx", with_old_ranking=True)
    src = _with_calc_chain(src, tmp_path / "chain.xlsx", '<c r="A1" i="2"/><c r="B1"/>')
    out = tmp_path / "out.xlsx"
    write_output_sheets(src, out, [ranking()])
    p = parts(out)
    assert "xl/calcChain.xml" not in p
    assert "calcChain" not in p["xl/_rels/workbook.xml.rels"].decode()
    assert "calcChain" not in p["[Content_Types].xml"].decode()
    openpyxl.load_workbook(out)


def test_calc_chain_dropped_when_a_formula_sheet_is_written(tmp_path: Path) -> None:
    """看板 brings formulas the chain does not list: the chain goes, Excel rebuilds it."""
    from xl_kaohe.core.report import Formula

    src = make_source(tmp_path / "src.xlsx", with_old_ranking=True)
    src = _with_calc_chain(src, tmp_path / "chain.xlsx", '<c r="A1" i="1"/><c r="B1"/>')  # not 排名's
    board = OutputSheet("排名", [Column("a")], [[Formula("1+1", 2)]])
    write_output_sheets(src, tmp_path / "out.xlsx", [board])
    p = parts(tmp_path / "out.xlsx")
    assert "xl/calcChain.xml" not in p and "calcChain" not in p["[Content_Types].xml"].decode()
    assert "<f>1+1</f><v>2</v>" in "".join(v.decode() for k, v in p.items() if k.startswith("xl/worksheets/s"))
    write_output_sheets(src, tmp_path / "kept.xlsx", [ranking()])  # no formulas: the chain stays
    assert "xl/calcChain.xml" in parts(tmp_path / "kept.xlsx")


def test_app_xml_titles_dropped_only_when_a_sheet_is_added(source: Path, tmp_path: Path) -> None:
    app = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
           'schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://'
           'schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Microsoft '
           'Excel</Application><HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant>'
           '<vt:lpstr>工作表</vt:lpstr></vt:variant><vt:variant><vt:i4>2</vt:i4></vt:variant>'
           '</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="2" baseType="lpstr">'
           '<vt:lpstr>单位</vt:lpstr><vt:lpstr>工单</vt:lpstr></vt:vector></TitlesOfParts>'
           '</Properties>')
    src = rezip(source, tmp_path / "app.xlsx", replace={"docProps/app.xml": app.encode()})
    out1, out2 = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    write_output_sheets(src, out1, [audit()])
    new_app = parts(out1)["docProps/app.xml"].decode()
    assert "TitlesOfParts" not in new_app and "HeadingPairs" not in new_app
    assert "<Application>Microsoft Excel</Application>" in new_app
    # replacing an existing sheet leaves app.xml alone
    src2 = rezip(out1, tmp_path / "app2.xlsx", replace={"docProps/app.xml": app.encode()})
    write_output_sheets(src2, out2, [audit()])
    assert parts(out2)["docProps/app.xml"] == app.encode()


# ---- macro-enabled workbook and ribbon --------------------------------------------------------

def test_xlsm_keeps_vba_project(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsm"
    sheet = OutputSheet("Sheet1", ranking().columns, ranking().rows, title=TITLE)
    write_output_sheets(XLSM, out, [sheet, ranking()])
    before, after = parts(XLSM), parts(out)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert ('<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.'
            'sheet.macroEnabled.main+xml"/>') in after["[Content_Types].xml"].decode()
    assert after["xl/worksheets/sheet2.xml"] == before["xl/worksheets/sheet2.xml"]
    assert after["xl/sharedStrings.xml"] == before["xl/sharedStrings.xml"]
    wb = openpyxl.load_workbook(out, keep_vba=True)
    assert wb.sheetnames == ["Sheet1", "排名", "_xlwings.conf"]  # new outputs join the others
    assert wb["Sheet1"].sheet_properties.codeName == "Sheet1"  # ties it to its VBA module
    assert wb["Sheet1"]["A1"].value == TITLE
    assert wb.vba_archive is not None


def test_custom_ui_part_and_relationship_survive(source: Path, tmp_path: Path) -> None:
    ui = ('<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui"><ribbon><tabs>'
          '<tab id="kaohe" label="12345考核"/></tabs></ribbon></customUI>').encode()
    root_rels = parts(source)["_rels/.rels"].decode().replace(
        "</Relationships>",
        f'<Relationship Id="rIdUI" Type="{UI_REL}" Target="customUI/customUI14.xml"/>'
        "</Relationships>")
    src = rezip(source, tmp_path / "ui.xlsx", replace={"_rels/.rels": root_rels.encode()},
                add={"customUI/customUI14.xml": ui})
    out = tmp_path / "out.xlsx"
    write_output_sheets(src, out, [ranking(), audit()])
    p = parts(out)
    assert p["customUI/customUI14.xml"] == ui
    assert p["_rels/.rels"] == root_rels.encode()
    assert UI_REL in p["_rels/.rels"].decode()


# ---- LibreOffice ------------------------------------------------------------------------------

@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_converts_to_pdf(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    write_output_sheets(source, out, [ranking(), audit()])
    profile = tmp_path / "lo-profile"
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        capture_output=True, timeout=180)
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "out.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                              text=True).stdout
        assert "工作考核排名" in text and "单位名称" in text


def test_long_sheet_of_distinct_texts_escaped_and_sized_like_a_short_one(source: Path, tmp_path: Path) -> None:
    """Past the first 1,000 rows a column of mostly distinct texts is rendered a chunk at a
    time (one search for anything to escape); what needs escaping there is still escaped,
    each row still gets its own height, and numbers of two classes keep their own form."""
    out = tmp_path / "out.xlsx"
    n = 2500
    rows = [[f"工单{i:05d}", i, None] for i in range(n)]
    rows[2100][0], rows[2101][0], rows[2102][0], rows[2103][0] = "a&b<c>", " 前空格", "_x0041_", "坏\x01字"
    # 说明 column 10 wide: 8.5 usable after padding; ten CJK characters = 20 units -> ceil(20 / 8.5) = 3 lines
    rows[2200][2] = "一二三四五六七八九十"
    rows[2300][1] = 10 ** 16   # an int stays an integer: Excel's 1E+16
    rows[2301][1] = 1.5
    columns = [Column("编号", "text", 12), Column("值", "number", 8), Column("说明", "text", 10, wrap=True)]
    write_output_sheets(source, out, [OutputSheet("扣分依据", columns, rows)])
    got = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("扣分依据").to_python()
    assert [r[0] for r in got[2101:2105]] == ["a&b<c>", " 前空格", "_x0041_", "坏字"]
    assert got[1][0] == "工单00000" and got[2500][0] == "工单02499"
    assert got[2301][1] == 1e16 and got[2302][1] == 1.5 and got[2000][1] == 1999
    xml = parts(out)[sheet_part(out, "扣分依据")].decode()
    # header is row 1, data row i is worksheet row i + 2: 2200 -> 2202; 3 lines x 15 points = 45
    assert re.search(r'<row r="2202" ht="45" customHeight="1">', xml)
    assert len(re.findall(r"customHeight", xml)) == 1  # every other row fits one line
    assert '<c r="B2302" s="' in xml and "<v>10000000000000000</v>" in xml


def test_rows_joined_from_pieces_keep_every_cell_in_its_row(source: Path, tmp_path: Path) -> None:
    """The body is laid out as pieces (row number, cell openers, bodies, text heads and tails)
    and joined once per 1,000 rows: every cell of every row must carry that row's number and
    its own column letter, in a chunk of plain texts (one piece per text), in a chunk with
    texts to escape, and across chunk boundaries and row marks."""
    out = tmp_path / "out.xlsx"
    n = 2300
    rows = [[f"单位{i % 7}", f"说明 {i}", i * 0.5] for i in range(n)]
    rows[1500][1] = "a<b"  # chunk 1000-1999 needs escaping; 0-999 and 2000-2299 are plain texts
    columns = [Column("单位名称", "text", 12), Column("说明", "text", 20), Column("分值", "number", 8)]
    write_output_sheets(source, out, [OutputSheet("扣分依据", columns, rows, row_marks={2200: "muted"})])
    xml = parts(out)[sheet_part(out, "扣分依据")].decode()
    body = re.findall(r'<row r="(\d+)"[^>]*>(.*?)</row>', xml)
    assert len(body) == n + 1  # the header row (1) and the 2,300 body rows (2..2301)
    for number, cells in body[1:]:
        refs = re.findall(r'<c r="([A-Z]+)(\d+)"', cells)
        assert refs == [("A", number), ("B", number), ("C", number)]
    # data row i is worksheet row i + 2: row 1002 holds data row 1000, and so on
    row = dict(body)
    assert "<t>说明 1000</t>" in row["1002"] and "<t>单位6</t>" in row["1002"]  # 1000 % 7 = 6
    assert "<t>a&lt;b</t>" in row["1502"]
    assert "<v>1149.5</v>" in row["2301"]  # the last data row, 2299: 2299 * 0.5 = 1149.5
    # the muted row (data row 2200, worksheet row 2202) has its own style, its neighbours not
    style = {r: re.findall(r's="(\d+)"', row[r])[0] for r in ("2201", "2202", "2203")}
    assert style["2201"] == style["2203"] != style["2202"]
