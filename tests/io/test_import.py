"""kaohe import: 12345 platform exports merged into the 工单 sheet by 工单编号.

Every fixture is generated here (ledgers from the template or openpyxl, exports as .xlsx, .csv
in GBK / UTF-8-BOM, HTML and Excel-2003-XML ".xls"); no binary file is committed.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from python_calamine import CalamineWorkbook

from xl_kaohe import cli
from xl_kaohe.jobs import rank as app
from xl_kaohe.core import schema as S
from xl_kaohe.core.aliases import DEFAULT_HEADER_ALIASES
from xl_kaohe.core.importing import ledger_orders, map_columns, plan_import
from xl_kaohe.core.ledger import ERROR
from xl_kaohe.jobs.importing import ImportSummary, ProgressBar, import_export
from xl_kaohe.io.exports import read_export
from xl_kaohe.io.sheet_patch import is_date_format
from xl_kaohe.io.workbook import FileBook

from ledgerkit import LedgerKit

XLSM_SOURCE = Path(openpyxl.__file__).parents[1] / "xlwings" / "quickstart_standalone.xlsm"
UI14_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
CUSTOM_UI14 = ('<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui"><ribbon><tabs>'
               '<tab id="kaohe" label="12345考核"><group id="g" label="考核">'
               '<button id="imp" label="导入工单" onAction="ImportOrders"/></group></tab></tabs></ribbon></customUI>')

UNITS = [("天宁区教育局", "天宁教育局"), ("钟楼区教育局", "钟楼教育局；钟楼区教育局办公室"),
         ("常州市第一中学", "市一中")]
SHANGHAI = ["序号", "12345工单编号", "12345工单类型", "12345受理时间", "12345内容描述", "主办单位",
            "处理完成时间", "回访总体满意度", "来电人电话"]
PLAIN = ["工单编号", "承办单位", "工单类型", "受理时间", "办理时限", "办结时间", "回访结果", "诉求内容"]
COL = {name: i for i, name in enumerate(S.ORDER_COLUMNS)}  # ledger column -> 0-based index


# ---- fixture builders ----------------------------------------------------------------------------

def template_ledger(path: Path, orders: Sequence[Sequence[Any]] = (), units=UNITS) -> Path:
    """A ledger from the template (Excel Tables on every input sheet) with units and orders."""
    from xl_kaohe.io.template import build_ledger, save_ledger

    wb = build_ledger(year=2026)
    ws = wb[S.UNITS]
    for r, (name, aliases) in enumerate(units, start=2):
        ws.cell(r, 1, name)
        ws.cell(r, 2, aliases)
        ws.cell(r, 7, "是")
    ws.tables["tblUnits"].ref = f"A1:G{max(2, len(units) + 1)}"
    wo = wb[S.ORDERS]
    for r, row in enumerate(orders, start=2):
        for c, value in enumerate(row, start=1):
            wo.cell(r, c, value)
    wo.tables["tblOrders"].ref = f"A1:I{max(2, len(orders) + 1)}"
    save_ledger(wb, path)
    return path


def with_vba_and_ribbon(path: Path) -> Path:
    """Add xlwings' vbaProject.bin, a customUI14 ribbon and their relationships to a package."""
    vba = zipfile.ZipFile(XLSM_SOURCE).read("xl/vbaProject.bin")
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "_rels/.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdUI14" Type="{UI14_REL}" Target="customUI/customUI14.xml"/>'
                    "</Relationships>").encode())
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdVBA" Type="{VBA_REL}" Target="vbaProject.bin"/>'
                    "</Relationships>").encode())
            elif info.filename == "[Content_Types].xml" and b'Extension="bin"' not in data:
                data = data.replace(b"</Types>", b'<Default Extension="bin" '
                                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
            z.writestr(info, data)
        z.writestr("xl/vbaProject.bin", vba)
        z.writestr("customUI/customUI14.xml", CUSTOM_UI14)
    path.write_bytes(out.getvalue())
    return path


def xlsx_export(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]],
                title: str | None = None, sheet: str = "工单导出") -> Path:
    """An export as the platform writes it: optional title row, header, rows; text stays text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    ws.append(list(header))
    for row in rows:
        ws.append([None] * len(row))
        for c, value in enumerate(row, start=1):
            cell = ws.cell(ws.max_row, c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # '=…' from a platform is text, not a formula
    wb.save(path)
    return path


def csv_export(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str,
               delimiter: str = ",") -> Path:
    lines = [delimiter.join(header)] + [delimiter.join("" if v is None else str(v) for v in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def orders_sheet(path: Path) -> list[list[Any]]:
    """The 工单 sheet as calamine (the ranking path) reads it; calamine gives a date for a
    midnight serial, shown here as a datetime so expectations read one way."""
    book = CalamineWorkbook.from_path(str(path))
    try:
        grid = book.get_sheet_by_name(S.ORDERS).to_python(skip_empty_area=False)
    finally:
        book.close()
    return [[datetime(v.year, v.month, v.day) if type(v) is date else v for v in row] for row in grid]


def sheet_xml(path: Path, sheet: str = S.ORDERS) -> str:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        # attribute order differs between openpyxl's serializers (lxml puts xmlns:r first)
        rid = re.search(rf'<sheet\b[^>]*\bname="{sheet}"[^>]*r:id="(rId\d+)"', wb).group(1)
        target = re.search(rf'Id="{rid}"[^>]*Target="/?(?:xl/)?([^"]+)"', rels)
        if target is None:
            target = re.search(rf'Target="/?(?:xl/)?([^"]+)"[^>]*Id="{rid}"', rels)
        return z.read("xl/" + target.group(1)).decode()


def run(*args: str) -> int:
    return cli.main(["import", *map(str, args)])


# ---- real-world export shapes ------------------------------------------------------------------------

def test_shanghai_headers_into_template_ledger(tmp_path: Path, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = xlsx_export(tmp_path / "上海导出.xlsx", SHANGHAI, [
        [1, "SH2026030001", "投诉举报类", datetime(2026, 3, 2, 9, 15), "学校乱收费", "天宁教育局",
         datetime(2026, 3, 4, 16, 0), "满意", "13900000001"],
        [2, "SH2026030002", "咨询类", datetime(2026, 3, 3, 10, 0), "招生政策", "钟楼区教育局", None, None, None],
        [3, "SH2026030003", "求助类", "2026/3/5 8:30", "校车接送", "市一中", "2026-03-06 17:00", "基本满意", None],
        [4, "SH2026030004", "表扬", "2026.3.6", "表扬班主任", "常州市第一中学", "2026年3月7日", "非常满意", None],
    ], title="12345市民服务热线工单导出（2026年3月）")

    assert run(export, "--into", ledger) == 0
    out = capsys.readouterr().out
    # 4 rows, all new, none with a problem; 序号 and 来电人电话 are not ledger columns
    assert "新增 4 条、更新 0 条、未变 0 条、冲突 0 处、问题 0 条" in out
    assert "未识别的列（已忽略）：序号、来电人电话" in out

    grid = orders_sheet(ledger)
    assert [row[COL["工单编号"]] for row in grid[1:5]] == [
        "SH2026030001", "SH2026030002", "SH2026030003", "SH2026030004"]
    # aliases resolve to the unit's name: 天宁教育局 -> 天宁区教育局, 市一中 -> 常州市第一中学
    assert [row[COL["承办单位"]] for row in grid[1:5]] == [
        "天宁区教育局", "钟楼区教育局", "常州市第一中学", "常州市第一中学"]
    # 投诉举报类 / 求助类 -> 办理, 咨询类 -> 咨询; 表扬 stays (the ledger maps it to 不考核)
    assert [row[COL["工单类型"]] for row in grid[1:5]] == ["办理", "咨询", "办理", "表扬"]
    assert [row[COL["受理时间"]] for row in grid[1:5]] == [
        datetime(2026, 3, 2, 9, 15), datetime(2026, 3, 3, 10, 0), datetime(2026, 3, 5, 8, 30),
        datetime(2026, 3, 6)]
    assert grid[1][COL["办结时间"]] == datetime(2026, 3, 4, 16, 0)
    assert grid[2][COL["办结时间"]] in (None, "")
    assert grid[3][COL["办结时间"]] == datetime(2026, 3, 6, 17, 0)
    assert grid[4][COL["办结时间"]] == datetime(2026, 3, 7)
    assert [row[COL["回访结果"]] for row in grid[1:5]] == ["满意", "", "基本满意", "非常满意"]
    assert grid[1][COL["诉求内容"]] == "学校乱收费"

    wb = openpyxl.load_workbook(ledger)
    ws = wb[S.ORDERS]
    assert ws["D2"].is_date and ws["D2"].number_format == "yyyy-mm-dd hh:mm"  # the template's style
    assert ws["A5"].data_type == "s" and ws["A5"].number_format == "@"
    assert ws.tables["tblOrders"].ref == "A1:I5"  # header + 4 orders


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8", "gb18030"])
def test_plain_headers_csv_in_chinese_encodings(tmp_path: Path, encoding: str, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = csv_export(tmp_path / "导出.csv", PLAIN, [
        ["0012345", "钟楼教育局", "咨询", "2026-03-05 08:30", "", "2026-03-06 09:00", "满意", "咨询中考政策，“加分”怎么算？"],
        ["0012346", "天宁区教育局", "投诉", "2026/3/9 14:00", "5个工作日", "", "", "食堂卫生"],
    ], encoding)
    assert run(export, "--into", ledger) == 0
    assert "新增 2 条、更新 0 条、未变 0 条、冲突 0 处、问题 0 条" in capsys.readouterr().out
    grid = orders_sheet(ledger)
    assert grid[1][:8] == ["0012345", "钟楼区教育局", "咨询", datetime(2026, 3, 5, 8, 30), "",
                           datetime(2026, 3, 6, 9, 0), "满意", "咨询中考政策，“加分”怎么算？"]
    # the leading zeros survive (CSV cells stay text); 办理时限 text is kept; 投诉 -> 办理
    assert grid[2][:8] == ["0012346", "天宁区教育局", "办理", datetime(2026, 3, 9, 14, 0), "5个工作日",
                           "", "", "食堂卫生"]


def test_export_reader_detects_encodings_and_delimiters(tmp_path: Path) -> None:
    rows = [["A-1", "天宁区教育局"]]
    gbk = read_export(csv_export(tmp_path / "a.csv", ["工单编号", "承办单位"], rows, "gbk"))
    bom = read_export(csv_export(tmp_path / "b.csv", ["工单编号", "承办单位"], rows, "utf-8-sig"))
    tsv = read_export(csv_export(tmp_path / "c.xls", ["工单编号", "承办单位"], rows, "gbk", "\t"))
    assert (gbk.encoding, bom.encoding, tsv.encoding) == ("gb18030", "utf-8-sig", "gb18030")
    for found in (gbk, bom, tsv):
        assert found.sheets[0][1] == [["工单编号", "承办单位"], ["A-1", "天宁区教育局"]]
    assert tsv.kind == "csv"  # a tab-separated ".xls" is read as text, by its bytes
    # Excel's keep-as-text trick ="00123" is undone
    (tmp_path / "d.csv").write_text('工单编号,承办单位\n="00123",x\n', encoding="utf-8")
    assert read_export(tmp_path / "d.csv").sheets[0][1][1] == ["00123", "x"]


def test_html_and_xml2003_xls_exports(tmp_path: Path) -> None:
    html = ("<html><head><meta charset='gbk'></head><body><table border=1>"
            "<tr><th>工单编号</th><th>承办单位</th><th>受理时间</th></tr>"
            "<tr><td>H-1</td><td>天宁区教育局</td><td>2026-03-05 08:30</td></tr>"
            "<tr><td>H-2</td><td>钟楼区  教育局</td><td></td></tr></table></body></html>")
    (tmp_path / "h.xls").write_bytes(html.encode("gbk"))
    found = read_export(tmp_path / "h.xls")
    assert found.kind == "html"
    assert found.sheets[0][1] == [["工单编号", "承办单位", "受理时间"],
                                  ["H-1", "天宁区教育局", "2026-03-05 08:30"], ["H-2", "钟楼区 教育局", None]]
    xml = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
           '<Worksheet ss:Name="工单"><Table>'
           '<Row><Cell><Data ss:Type="String">工单编号</Data></Cell><Cell><Data ss:Type="String">受理时间</Data></Cell>'
           '<Cell><Data ss:Type="String">回访结果</Data></Cell></Row>'
           '<Row><Cell><Data ss:Type="Number">2026030001</Data></Cell>'
           '<Cell><Data ss:Type="DateTime">2026-03-05T08:30:00.000</Data></Cell>'
           '<Cell ss:Index="3"><Data ss:Type="String">满意</Data></Cell></Row>'
           '</Table></Worksheet></Workbook>')
    (tmp_path / "x.xls").write_text(xml, encoding="utf-8")
    found = read_export(tmp_path / "x.xls")
    assert found.kind == "xml2003"
    assert found.sheets == [("工单", [["工单编号", "受理时间", "回访结果"],
                                      [2026030001, "2026-03-05T08:30:00.000", "满意"]])]


def test_serial_and_text_dates(tmp_path: Path, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    # 46086 is 2026-03-05 (46023 = 2026-01-01, + 31 + 28 + 4); .5 = 12:00, .25 = 06:00
    received = [46086.5, "2026-03-05 08:30", "2026/3/5 8:30", "2026.3.5", "2026年3月5日 8时30分",
                "20260305", 20260305, "46086.25", "2026-03-05T08:30:00", "明天上午"]
    expected = [datetime(2026, 3, 5, 12), datetime(2026, 3, 5, 8, 30), datetime(2026, 3, 5, 8, 30),
                datetime(2026, 3, 5), datetime(2026, 3, 5, 8, 30), datetime(2026, 3, 5),
                datetime(2026, 3, 5), datetime(2026, 3, 5, 6), datetime(2026, 3, 5, 8, 30), "明天上午"]
    rows = [[f"D-{i}", "天宁区教育局", "咨询", value] for i, value in enumerate(received)]
    export = xlsx_export(tmp_path / "dates.xlsx", ["工单编号", "承办单位", "工单类型", "受理时间"], rows)
    assert run(export, "--into", ledger) == 1  # 明天上午 is a problem row
    out = capsys.readouterr().out
    assert "新增 10 条、更新 0 条、未变 0 条、冲突 0 处、问题 1 条" in out
    assert "导出表第11行（D-9） [受理时间]" in out and "已按原文导入" in out
    grid = orders_sheet(ledger)
    assert [row[COL["受理时间"]] for row in grid[1:11]] == expected
    # again: every moment (and the text kept as given) compares equal; the problem is still listed
    again = import_export(export, FileBook(ledger))
    assert (again.added, again.updated, again.unchanged, again.problem_rows) == (0, 0, 10, 1)


def test_type_words(tmp_path: Path, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    words = ["咨询类", "求助类", "投诉举报类", "表扬", "建议类", "紧急", "其他"]
    rows = [[f"T-{i}", "天宁区教育局", word, "2026-03-05"] for i, word in enumerate(words)]
    export = xlsx_export(tmp_path / "types.xlsx", ["工单编号", "承办单位", "工单类型", "受理时间"], rows)
    assert run(export, "--into", ledger) == 1
    out = capsys.readouterr().out
    assert "问题 1 条" in out and "工单类型“其他”无法识别" in out
    grid = orders_sheet(ledger)
    assert [row[COL["工单类型"]] for row in grid[1:8]] == ["咨询", "办理", "办理", "表扬", "办理", "紧急", "其他"]


# ---- the upsert ---------------------------------------------------------------------------------------

def test_reimport_changes_nothing_and_does_not_rewrite(tmp_path: Path, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = xlsx_export(tmp_path / "e.xlsx", SHANGHAI, [
        [1, "R-1", "咨询类", datetime(2026, 3, 2, 9, 15), "=1+1", "天宁教育局", "2026-03-03 10:00", "满意", None],
        [2, "R-2", "投诉", "2026/3/3 8:00", "内容\n第二行", "钟楼教育局", None, "不满意", None],
    ])
    assert run(export, "--into", ledger) == 0
    first = ledger.read_bytes()
    stamp = ledger.stat().st_mtime_ns
    capsys.readouterr()

    assert run(export, "--into", ledger) == 0
    out = capsys.readouterr().out
    assert "新增 0 条、更新 0 条、未变 2 条、冲突 0 处、问题 0 条" in out
    assert "没有变化" in out
    assert ledger.read_bytes() == first and ledger.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob(".~kaohe-*"))


def test_partial_update_touches_only_carried_columns(tmp_path: Path, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm", orders=[
        # 工单编号, 承办单位, 工单类型, 受理时间, 办理时限, 办结时间, 回访结果, 诉求内容, 备注
        ["GD-1", "天宁区教育局", "办理", datetime(2026, 3, 2, 9), None, None, None, "内容1", "跟进中"],
        ["GD-2", "天宁区教育局", "咨询", datetime(2026, 3, 2, 9), None, datetime(2026, 3, 4, 10), "满意", "内容2", "已核实"],
        ["GD-3", "钟楼区教育局", "咨询", datetime(2026, 3, 3, 9), None, datetime(2026, 3, 5, 9), "满意", "内容3", None],
    ])
    export = csv_export(tmp_path / "回访.csv", ["工单编号", "办结时间", "回访结果"], [
        ["GD-1", "2026-03-06 15:00", "不满意"],  # 2 cells change
        ["GD-2", "2026/3/4 10:00", "满意"],      # same moment, same word: unchanged
        ["GD-3", "", "基本满意"],                # blank 办结时间 never clears; 回访 differs from
    ], "utf-8-sig")                              # a value typed by hand (no import wrote it): conflict
    assert run(export, "--into", ledger) == 1
    out = capsys.readouterr().out
    # GD-1 updated (2 blank cells filled); GD-2 unchanged; GD-3 only a conflict: unchanged too
    assert "新增 0 条、更新 1 条、未变 2 条、冲突 1 处、问题 0 条" in out
    assert "GD-3 [回访结果] 台账“满意” ≠ 导出“基本满意”" in out
    grid = orders_sheet(ledger)
    assert grid[1][5:9] == [datetime(2026, 3, 6, 15), "不满意", "内容1", "跟进中"]
    assert grid[2][5:9] == [datetime(2026, 3, 4, 10), "满意", "内容2", "已核实"]
    assert grid[3][5:9] == [datetime(2026, 3, 5, 9), "满意", "内容3", ""]
    assert grid[1][:4] == ["GD-1", "天宁区教育局", "办理", datetime(2026, 3, 2, 9)]
    assert len(grid) == 4  # nothing appended

    summary = import_export(export, FileBook(ledger), prefer_export=True)  # the export's value
    assert (summary.added, summary.updated, summary.unchanged, len(summary.conflicts)) == (0, 1, 2, 1)
    assert orders_sheet(ledger)[3][6] == "基本满意"
    summary = import_export(export, FileBook(ledger))  # and again: nothing left to change
    assert (summary.added, summary.updated, summary.unchanged, summary.conflicts) == (0, 0, 3, [])


def test_unknown_unit_rows_are_imported_and_listed(tmp_path: Path, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = csv_export(tmp_path / "e.csv", PLAIN[:4], [
        ["U-1", "天宁区教育局", "咨询", "2026-03-05"],
        ["U-2", "武进区教育局", "咨询", "2026-03-05"],  # not in 单位
        ["U-3", "新北区教育局", "办理", "2026-03-06"],  # not in 单位
    ], "utf-8")
    assert run(export, "--into", ledger) == 1
    out = capsys.readouterr().out
    assert "新增 3 条、更新 0 条、未变 0 条、冲突 0 处、问题 2 条" in out
    assert "导出表第3行（U-2） [承办单位] “武进区教育局” 单位“武进区教育局”不在「单位」表中" in out
    assert "导出表第4行（U-3）" in out
    assert [row[1] for row in orders_sheet(ledger)[1:4]] == ["天宁区教育局", "武进区教育局", "新北区教育局"]


def test_doubtful_values_never_replace_good_ones(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm", orders=[
        ["B-1", "天宁区教育局", "咨询", datetime(2026, 3, 2, 9), None, None, None, "x", None]])
    export = csv_export(tmp_path / "e.csv", ["工单编号", "承办单位", "受理时间", "办结时间"], [
        ["B-1", "武进区教育局", "三月初", "下周"],  # unit and 受理时间 would replace good values: kept
    ], "utf-8")                                     # 办结时间 is blank in the ledger: filled as given
    summary = import_export(export, FileBook(ledger))
    assert (summary.updated, summary.problem_rows) == (1, 1)
    messages = {p.column: p.message for p in summary.problems}
    assert messages["承办单位"].endswith("台账中原有的值未被覆盖")
    assert messages["受理时间"].endswith("台账中原有的值未被覆盖")
    assert messages["办结时间"].endswith("已按原文导入")
    assert orders_sheet(ledger)[1][:6] == ["B-1", "天宁区教育局", "咨询", datetime(2026, 3, 2, 9), "", "下周"]


def test_rows_without_id_or_duplicated_are_not_imported(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = csv_export(tmp_path / "e.csv", PLAIN[:4], [
        ["N-1", "天宁区教育局", "咨询", "2026-03-05"],
        ["", "天宁区教育局", "咨询", "2026-03-05"],     # row 3: no id
        ["N-1", "钟楼区教育局", "办理", "2026-03-06"],  # row 4: duplicate of row 2, and the last: it stands
    ], "utf-8")
    summary = import_export(export, FileBook(ledger))
    assert (summary.added, summary.updated, summary.unchanged) == (1, 0, 0)
    assert summary.not_imported == 2 and summary.problem_rows == 2
    assert [(p.row, p.imported) for p in summary.problems] == [(2, False), (3, False)]
    assert summary.problems[0].message == "导出表第2行与第4行工单编号相同，以最后的第4行为准，第2行未导入"
    assert "其中 2 条未导入" in summary.text()
    assert orders_sheet(ledger)[1][1:4] == ["钟楼区教育局", "办理", datetime(2026, 3, 6)]


def test_injection_text_is_stored_as_plain_strings(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    tricky = ['=HYPERLINK("http://x","点我")', "+1+1", "-2", "@SUM(A1)"]
    rows = [[f"X-{i}", "天宁区教育局", "咨询", "2026-03-05", text] for i, text in enumerate(tricky)]
    export = xlsx_export(tmp_path / "e.xlsx", ["工单编号", "承办单位", "工单类型", "受理时间", "诉求内容"], rows)
    assert import_export(export, FileBook(ledger)).added == 4
    # control characters (a CSV can carry them; XML cannot) are dropped
    control = csv_export(tmp_path / "c.csv", ["工单编号", "诉求内容"], [["X-4", "控制\x01字符\x0b已去掉"]], "utf-8")
    summary = import_export(control, FileBook(ledger))
    assert summary.added == 1 and not summary.problems

    xml = sheet_xml(ledger)
    # the template's one formula, the 办理状态 array beside the Table, survives the import;
    # nothing imported became a formula
    status = re.findall(r'<f t="array" ref="K2:K5000">[^<]*KAOHE_STATUS[^<]*</f>', xml)
    assert len(status) == 1
    xml = xml.replace(status[0], "")
    assert "<f>" not in xml and "<f " not in xml
    assert xml.count('t="inlineStr"><is><t>=HYPERLINK') == 1
    ws = openpyxl.load_workbook(ledger)[S.ORDERS]
    values = [ws.cell(r, 8).value for r in range(2, 7)]
    assert values == ['=HYPERLINK("http://x","点我")', "+1+1", "-2", "@SUM(A1)", "控制字符已去掉"]
    assert all(ws.cell(r, 8).data_type == "s" and isinstance(ws.cell(r, 8).value, str) for r in range(2, 7))
    # a re-import compares the cleaned text: nothing changes
    again = import_export(export, FileBook(ledger)), import_export(control, FileBook(ledger))
    assert [(s.added, s.updated, s.unchanged) for s in again] == [(0, 0, 4), (0, 0, 1)]


def test_rank_counts_the_imported_orders(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = xlsx_export(tmp_path / "e.xlsx", SHANGHAI, [
        [1, "K-1", "咨询类", datetime(2026, 3, 2, 9), "a", "天宁教育局", datetime(2026, 3, 3, 9), "满意", None],
        [2, "K-2", "投诉举报类", datetime(2026, 3, 2, 9), "b", "天宁区教育局", datetime(2026, 3, 4, 9), "不满意", None],
        [3, "K-3", "求助类", datetime(2026, 3, 2, 9), "c", "钟楼教育局", datetime(2026, 3, 3, 9), "满意", None],
        [4, "K-4", "表扬", datetime(2026, 3, 2, 9), "d", "市一中", None, None, None],
    ])
    assert import_export(export, FileBook(ledger)).added == 4
    assessment = app.rank(FileBook(ledger), asof=date(2026, 12, 31), today=date(2026, 12, 31))
    orders = assessment.result.ledger.orders
    # K-4 is 表扬 = 不考核: the three others are scored
    assert sorted(orders.order_id) == ["K-1", "K-2", "K-3"]
    assert not [p for p in assessment.result.problems if p.sheet == S.ORDERS and p.level == ERROR]
    tianning = assessment.unit("天宁区教育局")
    assert (tianning.rates.satisfied, tianning.rates.visited) == (1, 2)  # 满意 + 不满意
    assert (assessment.unit("钟楼区教育局").rates.satisfied, assessment.unit("钟楼区教育局").rates.visited) == (1, 1)
    # the ranking sheets were written by zip-part replacement; a later import still works
    export2 = csv_export(tmp_path / "e2.csv", ["工单编号", "回访结果"], [["K-2", "满意"]], "utf-8")
    summary = import_export(export2, FileBook(ledger))
    assert (summary.updated, summary.unchanged) == (1, 0)


def test_vba_project_and_ribbon_parts_are_byte_identical(tmp_path: Path) -> None:
    ledger = with_vba_and_ribbon(template_ledger(tmp_path / "台账.xlsm"))
    before = zipfile.ZipFile(io.BytesIO(ledger.read_bytes()))
    export = csv_export(tmp_path / "e.csv", PLAIN[:4], [["V-1", "天宁区教育局", "咨询", "2026-03-05"],
                                                         ["V-2", "天宁区教育局", "咨询", "2026-03-05"]], "utf-8")
    assert import_export(export, FileBook(ledger)).added == 2
    after = zipfile.ZipFile(io.BytesIO(ledger.read_bytes()))
    added = [name for name in after.namelist() if name not in before.namelist()]
    assert len(added) == 2 and all(n.startswith("xl/worksheets/sheet") for n in added)  # 导入记录, 导入底稿
    changed = {name for name in before.namelist() if before.read(name) != after.read(name)}
    # the 工单 worksheet, its table part (ref A1:I2 -> A1:I3), and the parts that list the two
    # new sheets (workbook, its rels, content types, app.xml titles) and the log's styles
    assert {"xl/worksheets/sheet3.xml", "xl/tables/table2.xml"} <= changed
    assert changed <= {"xl/worksheets/sheet3.xml", "xl/tables/table2.xml", "xl/workbook.xml",
                       "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "docProps/app.xml", "xl/styles.xml"}
    for name in ("xl/vbaProject.bin", "customUI/customUI14.xml", "_rels/.rels"):
        assert after.read(name) == before.read(name), name
        assert after.getinfo(name).CRC == before.getinfo(name).CRC
    assert UI14_REL in after.read("_rels/.rels").decode()


def test_openpyxl_ledger_table_ref_and_validations_grow(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    units = wb.active
    units.title = S.UNITS
    units.append(["单位名称", "单位别名"])
    units.append(["天宁区教育局", None])
    ws = wb.create_sheet(S.ORDERS)
    ws.append(list(S.ORDER_COLUMNS))
    ws.append(["OLD-1", "天宁区教育局", "咨询", datetime(2026, 3, 1, 9), None, None, None, "旧", "备注1"])
    ws.append(["OLD-2", "天宁区教育局", "办理", datetime(2026, 3, 1, 9), None, None, None, "旧", None])
    ws.add_table(Table(displayName="Orders", ref="A1:I3", tableStyleInfo=TableStyleInfo(name="TableStyleMedium2")))
    follows = DataValidation(type="list", formula1='"咨询,办理,紧急"')
    follows.add("C2:C3")           # ends at the table's last row: follows the table
    fixed = DataValidation(type="list", formula1='"满意,不满意"')
    fixed.add("G2:G500")           # reaches further already: left alone
    ws.add_data_validation(follows)
    ws.add_data_validation(fixed)
    path = tmp_path / "ledger.xlsx"
    wb.save(path)

    export = csv_export(tmp_path / "e.csv", PLAIN[:4], [[f"NEW-{i}", "天宁区教育局", "咨询", "2026-03-05 10:00"]
                                                         for i in range(3)], "utf-8")
    summary = import_export(export, FileBook(path))
    assert summary.added == 3 and summary.grown_tables == ["Orders"]
    ws = openpyxl.load_workbook(path)[S.ORDERS]
    assert ws.tables["Orders"].ref == "A1:I6"   # 3 old rows (header + 2) + 3 new
    assert ws.tables["Orders"].autoFilter.ref == "A1:I6"
    sqrefs = sorted(str(dv.sqref) for dv in ws.data_validations.dataValidation)
    assert sqrefs == ["C2:C6", "G2:G500"]
    assert [ws.cell(r, 1).value for r in range(2, 7)] == ["OLD-1", "OLD-2", "NEW-0", "NEW-1", "NEW-2"]
    assert ws["I2"].value == "备注1"
    # the new date cells take the style the column already uses (openpyxl's datetime format)
    assert ws["D4"].is_date and ws["D4"].number_format == ws["D2"].number_format
    assert re.search(r'<dimension ref="A1:I6"\s*/>', sheet_xml(path))


def test_ledger_without_table(tmp_path: Path) -> None:
    kit = LedgerKit().unit("天宁区教育局")
    kit.order("T-1", "天宁区教育局", "咨询", datetime(2026, 3, 1, 9))
    path = kit.save(tmp_path / "kit.xlsx")  # openpyxl, no Excel Table
    export = csv_export(tmp_path / "e.csv", PLAIN[:4], [["T-2", "天宁区教育局", "咨询", "2026-03-05 10:00"]], "utf-8")
    before = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    assert import_export(export, FileBook(path)).added == 1
    ws = openpyxl.load_workbook(path)[S.ORDERS]
    assert ws["A3"].value == "T-2" and ws["D3"].value == datetime(2026, 3, 5, 10)
    assert ws["D3"].number_format == ws["D2"].number_format  # the column's own date style
    after = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    assert after.read("xl/styles.xml").count(b"<numFmt ") == before.read("xl/styles.xml").count(b"<numFmt ") + \
        (0 if b"yyyy-mm-dd hh:mm" in before.read("xl/styles.xml") else 1)  # at most 导入记录's own format
    assert app.check(FileBook(path), asof=date(2026, 12, 31)).result.ledger.orders.order_id == ["T-1", "T-2"]


def _plain_ledger(path: Path, header: list, *orders: list) -> Path:
    """A minimal ledger written by openpyxl: one unit (天宁区教育局), a 工单 sheet without a Table."""
    wb = openpyxl.Workbook()
    wb.active.title = S.UNITS
    wb.active.append(["单位名称"])
    wb.active.append(["天宁区教育局"])
    ws = wb.create_sheet(S.ORDERS)
    ws.append(header)
    for row in orders:
        ws.append(row)
    wb.save(path)
    return path


def test_a_date_time_style_is_added_only_when_none_exists(tmp_path: Path) -> None:
    # a text date: no date style anywhere in the workbook
    path = _plain_ledger(tmp_path / "plain.xlsx", list(S.ORDER_COLUMNS), ["T-1", "天宁区教育局", "咨询", "2026-03-01 09:00"])
    export = csv_export(tmp_path / "e.csv", PLAIN[:4], [["T-2", "天宁区教育局", "咨询", "2026-03-05 10:00"],
                                                         ["T-3", "天宁区教育局", "咨询", "2026-03-06 11:00"]], "utf-8")
    before = zipfile.ZipFile(io.BytesIO(path.read_bytes())).read("xl/styles.xml")
    assert import_export(export, FileBook(path)).added == 2
    ws = openpyxl.load_workbook(path)[S.ORDERS]
    assert ws["D3"].value == datetime(2026, 3, 5, 10) and ws["D4"].value == datetime(2026, 3, 6, 11)
    assert ws["D3"].number_format == ws["D4"].number_format == "yyyy-mm-dd hh:mm"
    after = zipfile.ZipFile(io.BytesIO(path.read_bytes())).read("xl/styles.xml")
    assert after != before and after.count(b'formatCode="yyyy-mm-dd hh:mm"') == 1


def test_formula_cells_are_not_overwritten(tmp_path: Path) -> None:
    path = _plain_ledger(tmp_path / "f.xlsx", list(S.ORDER_COLUMNS),
                         ["F-1", "天宁区教育局", "咨询", datetime(2026, 3, 1), None, None, '="满意"', "x", None])
    export = csv_export(tmp_path / "e.csv", ["工单编号", "回访结果"], [["F-1", "不满意"]], "utf-8")
    before = path.read_bytes()
    summary = import_export(export, FileBook(path))
    # the only change would hit a formula: listed, not written, the file is left alone
    assert (summary.updated, summary.unchanged) == (0, 1)
    assert "是公式，未覆盖" in summary.problems[0].message
    assert path.read_bytes() == before


def test_staff_header_alias_row_in_rules(tmp_path: Path) -> None:
    from xl_kaohe.io.template import build_ledger, save_ledger

    wb = build_ledger(year=2026)
    wb[S.UNITS]["A2"] = "天宁区教育局"
    rules = wb[S.RULES]
    table = rules.tables["tblHeaderAliases"]
    last = int(re.search(r"(\d+)$", table.ref).group(1)) + 1
    first_col = re.match(r"([A-Z]+)", table.ref).group(1)
    col = openpyxl.utils.column_index_from_string(first_col)
    rules.cell(last, col, "承办单位")
    rules.cell(last, col + 1, "责任部门")
    table.ref = re.sub(r"\d+$", str(last), table.ref)
    path = tmp_path / "台账.xlsx"
    save_ledger(wb, path)
    export = csv_export(tmp_path / "e.csv", ["工单号", "责任部门", "诉求类型", "派单时间"],
                        [["S-1", "天宁区教育局", "咨询", "2026-03-05"]], "utf-8")
    summary = import_export(export, FileBook(path))
    assert summary.mapping == {"工单编号": "工单号", "承办单位": "责任部门", "工单类型": "诉求类型", "受理时间": "派单时间"}
    assert orders_sheet(path)[1][:3] == ["S-1", "天宁区教育局", "咨询"]


# ---- refusing safely ----------------------------------------------------------------------------------

def test_not_an_export_exits_2_and_names_the_headers(tmp_path: Path, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = csv_export(tmp_path / "名单.csv", ["姓名", "电话", "单位"], [["张三", "1", "x"]], "utf-8")
    before = ledger.read_bytes()
    assert run(export, "--into", ledger) == 2
    err = capsys.readouterr().err
    assert "没有找到“工单编号”列" in err and "找到的表头：姓名、电话、单位" in err
    assert run(tmp_path / "missing.csv", "--into", ledger) == 2
    assert "找不到导出文件" in capsys.readouterr().err
    assert run(export, "--into", tmp_path / "nope.xlsm") == 2
    assert ledger.read_bytes() == before


def test_refused_while_excel_has_the_ledger_open(tmp_path: Path, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    (tmp_path / "~$台账.xlsm").write_bytes(b"owner")
    export = csv_export(tmp_path / "e.csv", PLAIN[:4], [["L-1", "天宁区教育局", "咨询", "2026-03-05"]], "utf-8")
    before = ledger.read_bytes()
    assert run(export, "--into", ledger) == 2
    assert "正在 Excel 中打开" in capsys.readouterr().err
    assert ledger.read_bytes() == before
    # a dry run only reads: allowed
    assert run(export, "--into", ledger, "--dry-run") == 0
    assert "新增 1 条" in capsys.readouterr().out


def test_failure_while_writing_leaves_the_original(tmp_path: Path, monkeypatch) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = csv_export(tmp_path / "e.csv", PLAIN[:4], [["W-1", "天宁区教育局", "咨询", "2026-03-05"]], "utf-8")
    before = ledger.read_bytes()

    def broken(self, dst):
        Path(dst).write_bytes(b"half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("xl_kaohe.jobs.importing.write_import", lambda src, dst, *a, **k: broken(None, dst))
    with pytest.raises(OSError):
        import_export(export, FileBook(ledger))
    assert ledger.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.csv", "台账.xlsm"]


def test_dry_run_and_output_copy(tmp_path: Path, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = csv_export(tmp_path / "e.csv", PLAIN[:4], [["Y-1", "天宁区教育局", "咨询", "2026-03-05"]], "utf-8")
    before = ledger.read_bytes()
    assert run(export, "--into", ledger, "--dry-run") == 0
    assert "试运行" in capsys.readouterr().out
    assert ledger.read_bytes() == before
    copy = tmp_path / "副本.xlsm"
    assert run(export, "--into", ledger, "--output", copy) == 0
    assert ledger.read_bytes() == before
    assert orders_sheet(copy)[1][0] == "Y-1"


# ---- progress ------------------------------------------------------------------------------------------

def test_progress_for_a_large_export(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    n = 6000  # above LARGE_EXPORT_ROWS
    export = csv_export(tmp_path / "big.csv", PLAIN[:4],
                        [[f"P-{i:05d}", "天宁区教育局", "咨询", "2026-03-05 08:30"] for i in range(n)], "utf-8")
    calls: list[tuple[str, float | None]] = []
    summary = import_export(export, FileBook(ledger), progress=lambda m, f=None: calls.append((m, f)))
    assert summary.added == n
    planned = [f for m, f in calls if m == "正在比对工单"]
    written = [f for m, f in calls if m == "正在写入「工单」表"]
    assert planned[0] == 0.0 and planned[-1] == 1.0 and len(planned) >= 20  # every 5%
    assert written[-1] == 1.0 and len(written) >= 20
    assert orders_sheet(ledger)[n][0] == f"P-{n - 1:05d}"

    # a one-argument callback (Excel's status bar) gets the percentage in the text
    texts: list[str] = []
    import_export(export, FileBook(ledger), progress=texts.append, dry_run=True)
    assert "正在比对工单 … 100%" in texts

    stream = io.StringIO()
    bar = ProgressBar(stream)
    for i in range(101):
        bar("正在比对工单", i / 100)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 21 and lines[-1].endswith("100%")  # 0%, 5%, … 100% (not a tty)


# ---- the pure core -------------------------------------------------------------------------------------

def test_header_mapping_prefers_the_first_alias() -> None:
    ledger = ledger_orders([list(S.ORDER_COLUMNS)])
    header = ["12345工单编号", "工单编号", "处理单位", "主办单位", "备注", None, "满意度"]
    columns = map_columns(header, 1, DEFAULT_HEADER_ALIASES, ledger.columns)
    assert columns.sources == {"工单编号": 1, "承办单位": 3, "回访结果": 6}
    assert [c.text() for c in columns.ignored] == [
        "12345工单编号（与“工单编号”同为“工单编号”，未采用）",
        "处理单位（与“主办单位”同为“承办单位”，未采用）",
        "备注"]


def test_plan_is_pure_and_counts_by_hand() -> None:
    ledger = ledger_orders([
        list(S.ORDER_COLUMNS),
        ["A", "天宁区教育局", "咨询", datetime(2026, 3, 1, 9), None, None, None, "x", "备注"],
        [None] * 9,
        ["B", "钟楼区教育局", "投诉", "2026-03-01 09:00", None, None, "满意", "y", None],
    ])
    assert ledger.next_row == 5  # header 1, rows 2..4 (row 3 blank), so new rows start at 5
    export = [["工单编号", "承办单位", "工单类型", "受理时间", "回访结果"],
              ["A", "天宁教育局", "咨询类", 46082.375, None],     # same unit (alias), type, moment
              ["B", "钟楼区教育局", "投诉举报类", datetime(2026, 3, 1, 9), "不满意"],  # 投诉 = 办理: only 回访
              ["C", "常州市第一中学", "求助", "2026-03-02", None]]
    units = {"天宁区教育局": "天宁区教育局", "天宁教育局": "天宁区教育局", "钟楼区教育局": "钟楼区教育局",
             "常州市第一中学": "常州市第一中学"}
    from xl_kaohe.core.rules import DEFAULT_TYPE_MAP
    plan = plan_import(export, ledger, aliases=DEFAULT_HEADER_ALIASES, type_map=DEFAULT_TYPE_MAP, units=units)
    # 46082.375 = 2026-03-01 09:00 (46086 is 03-05; 0.375 day = 9 h)
    # B's 回访结果 满意 was not written by an import (no fingerprint): 不满意 is a conflict, kept
    assert plan.unchanged == 2 and plan.updates == []
    assert [(c.order_id, c.column, c.old, c.new) for c in plan.conflicts] == [("B", "回访结果", "满意", "不满意")]
    assert [(n.sheet_row, n.cells) for n in plan.new_rows] == [
        (5, {"工单编号": "C", "承办单位": "常州市第一中学", "工单类型": "办理", "受理时间": datetime(2026, 3, 2)})]
    assert plan.cell_edits() == {5: {0: "C", 1: "常州市第一中学", 2: "办理", 3: datetime(2026, 3, 2)}}
    forced = plan_import(export, ledger, aliases=DEFAULT_HEADER_ALIASES, type_map=DEFAULT_TYPE_MAP, units=units,
                         prefer_export=True)
    assert [(u.sheet_row, u.cells) for u in forced.updates] == [(4, {"回访结果": "不满意"})]


def test_date_format_detection() -> None:
    assert is_date_format("yyyy-mm-dd hh:mm") and is_date_format('yyyy"年"m"月"d"日"')
    assert is_date_format("[h]:mm") and is_date_format("[$-F800]dddd, mmmm dd, yyyy")
    assert not is_date_format("0.00") and not is_date_format("General") and not is_date_format("@")
    assert not is_date_format('0"个工作日"') and not is_date_format("[Red]0.00")


# ---- an independent reader -----------------------------------------------------------------------------

@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_reads_the_imported_ledger(tmp_path: Path) -> None:
    ledger = with_vba_and_ribbon(template_ledger(tmp_path / "台账.xlsm"))
    export = xlsx_export(tmp_path / "e.xlsx", SHANGHAI, [
        [1, "LO-1", "咨询类", datetime(2026, 3, 2, 9, 15), "=1+1", "天宁教育局", None, "满意", None],
        [2, "LO-2", "投诉", "2026/3/3 8:00", "@SUM(A1)", "钟楼教育局", None, None, None]])
    import_export(export, FileBook(ledger))
    out = tmp_path / "lo"
    profile = tmp_path / "profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(ledger)],
                   check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    ws = openpyxl.load_workbook(out / "台账.xlsx")[S.ORDERS]
    assert [ws.cell(r, 1).value for r in (2, 3)] == ["LO-1", "LO-2"]
    assert ws["D2"].value == datetime(2026, 3, 2, 9, 15)
    assert [ws.cell(r, 8).value for r in (2, 3)] == ["=1+1", "@SUM(A1)"]
    assert ws["H2"].data_type == "s"


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_real_binary_xls_export(tmp_path: Path) -> None:
    """A BIFF8 .xls (made by LibreOffice from an .xlsx) read through calamine."""
    source = xlsx_export(tmp_path / "导出.xlsx", SHANGHAI, [
        [1, "XLS-1", "咨询类", datetime(2026, 3, 2, 9, 15), "内容", "天宁教育局", None, "满意", None]])
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xls", "--outdir", str(tmp_path / "xls"), str(source)],
                   check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    export = tmp_path / "xls" / "导出.xls"
    assert export.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    ledger = template_ledger(tmp_path / "台账.xlsm")
    summary = import_export(export, FileBook(ledger))
    assert (summary.added, summary.problems) == (1, [])
    assert orders_sheet(ledger)[1][:4] == ["XLS-1", "天宁区教育局", "咨询", datetime(2026, 3, 2, 9, 15)]


def test_summary_text_lists_everything() -> None:
    from xl_kaohe.core.importing import IgnoredColumn, ImportProblem

    summary = ImportSummary(Path("导出.xlsx"), "Sheet1", "台账.xlsm", 3, 1, 10,
                            [ImportProblem(5, "承办单位", "某局", "单位不在表中", "A-5")],
                            [IgnoredColumn("序号", "未识别")], {}, written=Path("台账.xlsm"))
    text = summary.text()
    assert "新增 3 条、更新 1 条、未变 10 条、冲突 0 处、问题 1 条" in text
    assert "未识别的列（已忽略）：序号" in text
    assert "导出表第5行（A-5） [承办单位] “某局” 单位不在表中" in text
    assert "已写入：台账.xlsm" in text


def test_prefixed_sheet_xml_and_cells_without_r(tmp_path: Path) -> None:
    """Some generators write <x:worksheet xmlns:x=…> and leave out the optional r= attributes."""
    path = _plain_ledger(tmp_path / "odd.xlsx", ["工单编号", "承办单位", "工单类型", "受理时间", "回访结果"])
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    odd = (f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{main}"><x:sheetData>'
           '<x:row><x:c t="inlineStr"><x:is><x:t>工单编号</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>承办单位</x:t>'
           '</x:is></x:c><x:c t="inlineStr"><x:is><x:t>工单类型</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>受理时间'
           '</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>回访结果</x:t></x:is></x:c></x:row>'
           '<x:row><x:c t="inlineStr"><x:is><x:t>O-1</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>天宁区教育局</x:t>'
           '</x:is></x:c><x:c t="inlineStr"><x:is><x:t>咨询</x:t></x:is></x:c><x:c><x:v>46082.375</x:v></x:c></x:row>'
           "</x:sheetData></x:worksheet>")
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info, odd if info.filename == "xl/worksheets/sheet2.xml" else src.read(info))
    path.write_bytes(out.getvalue())

    export = csv_export(tmp_path / "e.csv", ["工单编号", "回访结果", "受理时间"],
                        [["O-1", "满意", "2026-03-01 09:00"], ["O-2", "不满意", "2026-03-02 10:00"]], "utf-8")
    summary = import_export(export, FileBook(path))
    # O-1: 46082.375 is 2026-03-01 09:00 (same moment), 回访 is new: 1 update; O-2 is new
    assert (summary.added, summary.updated, summary.unchanged) == (1, 1, 0)
    xml = sheet_xml(path)
    assert xml.count("<x:row") == 3 and "<c " not in xml
    assert '<x:c r="E2" t="inlineStr"><x:is><x:t>满意</x:t></x:is></x:c>' in xml
    grid = orders_sheet(path)
    assert grid[1][:5] == ["O-1", "天宁区教育局", "咨询", 46082.375, "满意"]  # the same moment: untouched
    assert grid[2][0] == "O-2" and grid[2][3] == datetime(2026, 3, 2, 10) and grid[2][4] == "不满意"


def test_ribbon_import_into_the_open_workbook(tmp_path: Path) -> None:
    """导入工单 in Excel runs the same job; the plan is written through xlwings (here a fake)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "excel"))
    from fakexl import FakeBook

    from xl_kaohe.excel import ribbon
    from xl_kaohe.excel.live import cell_value

    kit = LedgerKit().unit("天宁区教育局", aliases="天宁教育局").unit("钟楼区教育局")
    kit.order("GD-1", "天宁区教育局", "咨询", datetime(2026, 3, 2, 9), content="原内容")
    book = FakeBook(kit.grids())
    export = csv_export(tmp_path / "e.csv", PLAIN, [
        ["GD-1", "天宁区教育局", "咨询", "2026-03-02 09:00", "", "2026-03-03 10:00", "满意", ""],  # 2 cells
        ["GD-2", "天宁教育局", "投诉举报类", "2026-03-04 08:00", "", "", "", "=1+1"],
        ["GD-3", "钟楼区教育局", "咨询类", "2026-03-05 08:00", "", "", "", "普通"]], "utf-8")
    book.app.picked_file = str(export)
    message = ribbon.import_orders(book)
    assert "新增 2 条、更新 1 条、未变 0 条、冲突 0 处、问题 0 条" in message and "请保存工作簿" in message
    sheet = book.sheets[S.ORDERS]
    # row 2 is GD-1: 办结时间 (F) and 回访结果 (G) filled, 诉求内容 kept
    assert sheet.text(2, 6) == datetime(2026, 3, 3, 10) and sheet.text(2, 7) == "满意"
    assert sheet.text(2, 8) == "原内容"
    assert [sheet.text(r, 1) for r in (3, 4)] == ["GD-2", "GD-3"]
    assert [sheet.text(r, 2) for r in (3, 4)] == ["天宁区教育局", "钟楼区教育局"]
    assert sheet.text(3, 3) == "办理" and sheet.text(3, 4) == datetime(2026, 3, 4, 8)
    assert cell_value("=1+1") == "'=1+1"  # sent with Excel's text prefix: the cell shows =1+1 as text
    assert sheet.text(3, 8) == "=1+1" and (3, 8) not in sheet.formulas
    assert sheet.text(3, 5) is None and sheet.text(3, 9) is None  # columns not carried: untouched
    assert any("正在读取导出表" in str(s) for s in book.app.status_history)
    # the live book got 导入记录 and 导入底稿 too (one ledger, one store)
    assert book.sheets[S.IMPORT_LOG].text(1, 1) == "导入时间"
    assert book.sheets[S.IMPORT_MEMORY].text(1, 1) == "工单编号"
    assert [book.sheets[S.IMPORT_MEMORY].text(r, 1) for r in (2, 3, 4)] == ["GD-1", "GD-2", "GD-3"]


# ---- hand edits, conflicts, 导入记录 (issue 14) -------------------------------------------------------

NOW = datetime(2026, 4, 1, 9, 30)


def _sheet(path: Path, name: str) -> list[list[Any]]:
    book = CalamineWorkbook.from_path(str(path))
    try:
        return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    finally:
        book.close()


def _hand_edit(path: Path, cell: str, value: Any) -> None:
    """What a clerk does in Excel, here through openpyxl (it keeps the very hidden 导入底稿)."""
    wb = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
    wb[S.ORDERS][cell] = value
    wb.save(path)


def _visit_export(path: Path, visit: str, done: str = "2026-03-04 16:00") -> Path:
    return csv_export(path, ["工单编号", "承办单位", "工单类型", "受理时间", "办结时间", "回访结果"],
                      [["GD-1", "天宁区教育局", "办理", "2026-03-02 09:00", done, visit]], "utf-8")


def test_hand_edit_survives_a_reimport_of_the_same_export(tmp_path: Path, capsys) -> None:
    """The clerk's case: 回访结果 不满意 corrected to 满意 after a 回访复核; the same export again."""
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = _visit_export(tmp_path / "e.csv", "不满意")
    assert import_export(export, FileBook(ledger), now=NOW).added == 1
    _hand_edit(ledger, "G2", "满意")
    assert run(export, "--into", ledger) == 0
    out = capsys.readouterr().out
    # the export still says 不满意, as the last import wrote: the platform did not change, so the
    # hand edit stays, silently counted (1 order, 0 cells written)
    assert "新增 0 条、更新 0 条、未变 1 条、冲突 0 处、问题 0 条" in out
    assert "另有 1 处手工修改，导出表未变，已保留" in out
    assert orders_sheet(ledger)[1][6] == "满意"


def test_platform_change_is_taken_where_the_ledger_holds_the_imported_value(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    import_export(_visit_export(tmp_path / "e1.csv", "不满意"), FileBook(ledger), now=NOW)
    _hand_edit(ledger, "I2", "已电话核实")  # 备注: not an imported column, so not a hand edit of one
    summary = import_export(_visit_export(tmp_path / "e2.csv", "基本满意", "2026-03-05 10:00"), FileBook(ledger), now=NOW)
    # 办结时间 and 回访结果 still hold what import 1 wrote: both take the platform's new values
    assert (summary.updated, summary.conflicts) == (1, [])
    assert [(c.column, c.kind) for c in summary.changes] == [("办结时间", "更新"), ("回访结果", "更新")]
    assert orders_sheet(ledger)[1][5:9] == [datetime(2026, 3, 5, 10), "基本满意", "", "已电话核实"]


def test_hand_edit_and_platform_change_is_a_conflict(tmp_path: Path, capsys) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    import_export(_visit_export(tmp_path / "e1.csv", "不满意"), FileBook(ledger), now=NOW)
    _hand_edit(ledger, "G2", "满意")
    export2 = _visit_export(tmp_path / "e2.csv", "非常不满意")
    assert run(export2, "--into", ledger) == 1
    out = capsys.readouterr().out
    # ledger 满意 (by hand) ≠ 不满意 (last imported), and the export now says 非常不满意: conflict
    assert "新增 0 条、更新 0 条、未变 1 条、冲突 1 处、问题 0 条" in out
    assert "GD-1 [回访结果] 台账“满意” ≠ 导出“非常不满意”" in out and "--prefer-export" in out
    assert orders_sheet(ledger)[1][6] == "满意"
    # listed again next time (the difference is still there); --prefer-export takes the export's
    assert len(import_export(export2, FileBook(ledger), now=NOW).conflicts) == 1
    assert run(export2, "--into", ledger, "--prefer-export") == 1
    assert "已按 --prefer-export 采用导出表的值" in capsys.readouterr().out
    assert orders_sheet(ledger)[1][6] == "非常不满意"
    # now the ledger holds what the import wrote: the same export changes nothing
    summary = import_export(export2, FileBook(ledger), now=NOW)
    assert (summary.updated, summary.unchanged, summary.conflicts, summary.written) == (0, 1, [], None)


def test_a_cell_cleared_by_hand_is_a_hand_edit(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    import_export(_visit_export(tmp_path / "e1.csv", "不满意"), FileBook(ledger), now=NOW)
    _hand_edit(ledger, "G2", None)
    same = import_export(_visit_export(tmp_path / "e1.csv", "不满意"), FileBook(ledger), now=NOW)
    assert (same.kept, same.conflicts, orders_sheet(ledger)[1][6]) == (1, [], "")  # stays blank
    other = import_export(_visit_export(tmp_path / "e2.csv", "满意"), FileBook(ledger), now=NOW)
    assert [(c.old, c.new) for c in other.conflicts] == [("", "满意")]  # a blank cell reads as ""


def test_import_log_appends_one_block_per_import(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm", orders=[
        ["GD-9", "钟楼区教育局", "咨询", datetime(2026, 3, 1, 9), None, None, "满意", "x", None]])
    import_export(_visit_export(tmp_path / "第一批.csv", "不满意"), FileBook(ledger), now=NOW)
    second = csv_export(tmp_path / "第二批.csv", ["工单编号", "回访结果", "办结时间"], [
        ["GD-1", "基本满意", "2026-03-04 16:00"],  # 回访 changes (import 1 wrote it); 办结 unchanged
        ["GD-9", "不满意", ""]], "utf-8")           # typed by hand, never imported: a conflict
    later = datetime(2026, 4, 2, 14, 0)
    import_export(second, FileBook(ledger), now=later)
    log = _sheet(ledger, S.IMPORT_LOG)
    assert log[0] == ["导入时间", "导出文件", "工单编号", "列", "原值", "新值", "说明"]
    assert log[1] == [NOW, "第一批.csv", "", "", "", "", "新增 1 条、更新 0 条、未变 0 条、冲突 0 处"]
    assert log[2] == [NOW, "第一批.csv", "GD-1", "", "", "天宁区教育局", "新增工单"]
    assert log[3] == [later, "第二批.csv", "", "", "", "", "新增 0 条、更新 1 条、未变 1 条、冲突 1 处"]
    assert log[4] == [later, "第二批.csv", "GD-1", "回访结果", "不满意", "基本满意", "更新"]
    assert log[5] == [later, "第二批.csv", "GD-9", "回访结果", "满意", "不满意", "冲突：保留台账中的手工修改"]
    assert len(log) == 6


def test_memory_is_a_very_hidden_sheet_that_rank_leaves_alone(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    import_export(_visit_export(tmp_path / "e.csv", "不满意"), FileBook(ledger), now=NOW)
    wb_xml = zipfile.ZipFile(ledger).read("xl/workbook.xml").decode()
    assert re.search(rf'<sheet name="{S.IMPORT_MEMORY}"[^>]*state="veryHidden"', wb_xml)
    memory = _sheet(ledger, S.IMPORT_MEMORY)
    assert memory[0] == ["工单编号", "承办单位|工单类型|受理时间|办结时间|回访结果"]
    # CRC-32 of the canonical texts, 8 hex digits each, in the header's order
    import zlib
    canon = ["天宁区教育局", "办理", "2026-03-02 09:00:00", "2026-03-04 16:00:00", "不满意"]
    assert memory[1] == ["GD-1", " ".join(f"{zlib.crc32(t.encode()):08x}" for t in canon)]
    before = sheet_xml(ledger, S.IMPORT_MEMORY)
    out = tmp_path / "排名.xlsm"
    assert cli.main(["rank", str(ledger), "--asof", "2026-12-31", "--output", str(out)]) in (0, 1)
    assert sheet_xml(out, S.IMPORT_MEMORY) == before


def test_real_export_shapes_dispatch_time_and_extra_columns(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    header = ["诉求编号", "登记时间", "派遣时间", "所有办理部门", "主责部门", "最后一次主责部门", "诉求类型",
              "市民满意度", "结案时间", "部门办理截止时间", "是否延期"]
    export = xlsx_export(tmp_path / "平台.xlsx", header, [
        ["SQ-1", datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 10, 30), "天宁区教育局、钟楼区教育局",
         "钟楼区教育局", "天宁区教育局", "咨询", "满意", datetime(2026, 3, 3, 9, 0), datetime(2026, 3, 5, 17, 30), "否"],
        # split order: the same 诉求 sent to two units is two orders
        ["SQ-2-01", "2026-03-06 08:00", "2026-03-06 09:00", "天宁区教育局", "", "天宁区教育局", "投诉",
         "不满意", "", "2026-03-11 17:30", "是"],
        ["SQ-2-02", "2026-03-06 08:00", "2026-03-06 09:15", "钟楼区教育局", "", "钟楼区教育局", "投诉",
         "", "", "2026-03-11 17:30", "否"],
    ])
    summary = import_export(export, FileBook(ledger), now=NOW)
    assert (summary.added, summary.problems) == (3, [])
    # 受理时间 is the dispatch time (派遣时间 ranks before 登记时间); 最后一次主责部门 before 主责部门
    # before 所有办理部门; 登记时间 and the platform's deadline land in extra columns after the last
    # used one: the template's 工单 has its KAOHE_STATUS array in K (办理状态（自动）, outside the
    # Table: an array formula may not be inside one), so L, M, N, and the Table grows by rows only
    assert summary.mapping["受理时间"] == "派遣时间" and summary.mapping["承办单位"] == "最后一次主责部门"
    assert summary.mapping["回访结果"] == "市民满意度" and summary.mapping["办结时间"] == "结案时间"
    grid = orders_sheet(ledger)
    status = grid[0].index("办理状态（自动）")
    assert status == 10 and grid[0][11:14] == ["登记时间", "部门办理截止时间", "是否延期"]
    assert grid[1][:7] == ["SQ-1", "天宁区教育局", "咨询", datetime(2026, 3, 2, 10, 30), "",
                           datetime(2026, 3, 3, 9), "满意"]
    assert grid[1][11:14] == [datetime(2026, 3, 2, 8), datetime(2026, 3, 5, 17, 30), "否"]
    assert [row[0] for row in grid[2:4]] == ["SQ-2-01", "SQ-2-02"]
    assert [row[1] for row in grid[2:4]] == ["天宁区教育局", "钟楼区教育局"]
    assert grid[3][3] == datetime(2026, 3, 6, 9, 15) and grid[3][4] == ""  # 办理时限 never filled
    table = openpyxl.load_workbook(ledger)[S.ORDERS].tables["tblOrders"]
    assert table.ref == "A1:I4" and len(table.tableColumns) == 9  # never across the status array
    # the rubric's deadline decides: an as-of check still scores SQ-1 by 咨询's 2 working days
    assert app.check(FileBook(ledger), asof=date(2026, 12, 31)).result.ledger.orders.order_id == ["SQ-1", "SQ-2-01", "SQ-2-02"]


def test_registration_time_alone_is_the_receipt(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = csv_export(tmp_path / "e.csv", ["诉求编号", "登记时间", "主责部门", "评价满意度", "办理结束时间"],
                        [["Q-1", "2026-03-02 08:00", "钟楼区教育局", "基本满意", "2026-03-03 12:00"]], "utf-8")
    summary = import_export(export, FileBook(ledger), now=NOW)
    assert summary.added == 1 and summary.mapping["受理时间"] == "登记时间"
    grid = orders_sheet(ledger)
    assert grid[1][:7] == ["Q-1", "钟楼区教育局", "", datetime(2026, 3, 2, 8), "", datetime(2026, 3, 3, 12), "基本满意"]
    assert [h for h in grid[0][9:] if h] == ["办理状态（自动）"]  # no extra column needed


def test_handed_over_time_beats_registration(tmp_path: Path) -> None:
    ledger = template_ledger(tmp_path / "台账.xlsm")
    export = csv_export(tmp_path / "e.csv", ["工单编号", "登记时间", "交办时间", "承办单位"],
                        [["J-1", "2026-03-02 08:00", "2026-03-03 11:00", "天宁区教育局"]], "utf-8")
    import_export(export, FileBook(ledger), now=NOW)
    grid = orders_sheet(ledger)
    assert grid[1][3] == datetime(2026, 3, 3, 11) and grid[0][11] == "登记时间" and grid[1][11] == datetime(2026, 3, 2, 8)


def test_json_lists_every_change(tmp_path: Path, capsys) -> None:
    import json
    ledger = template_ledger(tmp_path / "台账.xlsm")
    import_export(_visit_export(tmp_path / "e1.csv", "不满意"), FileBook(ledger), now=NOW)
    assert run(_visit_export(tmp_path / "e2.csv", "满意"), "--into", ledger, "--json", "-") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["updated"], report["unchanged"], report["conflicts"]) == (0, 1, 0, [])
    assert report["changes"] == [{"工单编号": "GD-1", "列": "回访结果", "原值": "不满意", "新值": "满意",
                                  "说明": "更新", "导出表行": 2}]


def test_rows_one_at_a_time_are_the_grid(tmp_path: Path) -> None:
    """iter_sheet_rows pads from A1 like read_grids (calamine's iter_rows starts at the first
    used column): a sheet whose first cell is C3 reads the same both ways."""
    from xl_kaohe.io.workbook import iter_sheet_rows, read_grids
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = S.ORDERS
    ws["C3"], ws["D5"], ws["E4"] = "工单编号", 7, datetime(2026, 3, 1, 9)
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    grid = read_grids(path, (S.ORDERS,))[S.ORDERS]
    assert list(iter_sheet_rows(path, S.ORDERS)) == grid
    assert grid[2][2] == "工单编号" and grid[4][3] == 7.0 and len(grid) == 5  # rows 1..5, columns A..E
    assert iter_sheet_rows(path, "没有这张表") is None


def test_import_log_drops_whole_old_blocks_at_the_row_limit() -> None:
    from xl_kaohe.core import import_log
    old = [[NOW, "a.csv", "", "", "", "", "新增 2 条"], [NOW, "a.csv", "A-1", "", "", "甲", "新增工单"],
           [NOW, "a.csv", "A-2", "", "", "乙", "新增工单"],
           [NOW, "b.csv", "", "", "", "", "新增 1 条"], [NOW, "b.csv", "B-1", "", "", "丙", "新增工单"]]
    new = [[NOW, "c.csv", "", "", "", "", "新增 0 条"]]
    limited = import_log._drop_oldest(old + new, 1)
    # 6 rows, 1 too many: the whole first block (3 rows) goes, b.csv's block starts the sheet
    assert [row[1] for row in limited] == ["b.csv", "b.csv", "c.csv"]
    sheet = import_log.import_log_sheet(old, new)
    assert len(sheet.rows) == 6 and sheet.row_marks == {0: "bold", 3: "bold", 5: "bold"}
    assert import_log.previous_rows([import_log.HEADERS, *old, ["", None, None]]) == old  # blank rows dropped
