"""The shipped add-in workbook, checked by independent readers (oletools, olefile, LibreOffice,
the `formulas` engine) since nobody here has Excel."""
from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import olefile
import pytest
from oletools.olevba import VBA_Parser

from kaohe_formulas import evaluate
from xl_kaohe.build import vba_sources
from xl_kaohe.build.workbook import DEFAULT_PATH, build_addin
from xl_kaohe.cli import main
from xl_kaohe.core.dates import to_serial

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def addin() -> bytes:
    return build_addin()


@pytest.fixture(scope="module")
def addin_path(addin, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("addin") / "考核台账.xlsm"
    path.write_bytes(addin)
    return path


def _sheet_code_names(data: bytes) -> tuple[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        workbook = z.read("xl/workbook.xml").decode()
        names = [re.search(rb'codeName="(\w+)"', z.read(n)).group(1).decode()
                 for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    return re.search(r'<workbookPr[^>]*codeName="(\w+)"', workbook).group(1), names


def _normalised(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.replace("\r\n", "\n").strip().split("\n"))


def test_two_builds_are_identical_and_the_committed_workbook_is_fresh(addin):
    assert build_addin() == addin
    assert DEFAULT_PATH.read_bytes() == addin, "workbook/考核台账.xlsm is stale: run kaohe build-workbook"
    assert main(["build-workbook", "--check"]) == 0


def test_package_parts(addin):
    with zipfile.ZipFile(io.BytesIO(addin)) as z:
        types = z.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
        assert 'Extension="bin" ContentType="application/vnd.ms-office.vbaProject"' in types
        assert "relationships/vbaProject" in z.read("xl/_rels/workbook.xml.rels").decode()
        assert 'Target="customUI/customUI.xml"' in z.read("_rels/.rels").decode()
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_oletools_finds_every_module_with_its_exact_source(addin_path, addin):
    _, code_names = _sheet_code_names(addin)
    expected = {m.name: m for m in vba_sources.project_modules(code_names)}
    parser = VBA_Parser(str(addin_path))
    found = {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    assert set(found) == set(expected)
    for name, module in expected.items():
        body = "\n".join(l for l in found[name].replace("\r\n", "\n").split("\n") if not l.startswith("Attribute VB_"))
        assert _normalised(body) == _normalised(module.source), name
    assert 'Attribute VB_Base = "0{00020819' in found["ThisWorkbook"]
    assert all(ord(ch) < 128 for code in found.values() for ch in code)  # VBA source is ASCII


def test_olefile_opens_the_project_strictly(addin):
    with zipfile.ZipFile(io.BytesIO(addin)) as z:
        project = z.read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(project, raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.exists("VBA/dir") and ole.exists("PROJECT") and ole.exists("VBA/Ribbon")


def test_every_sheet_code_name_has_its_document_module(addin):
    workbook_code, sheet_codes = _sheet_code_names(addin)
    assert workbook_code == "ThisWorkbook"
    modules = {m.name: m.kind for m in vba_sources.project_modules(sheet_codes)}
    # 12 input sheets (申诉复核, 通报模板), 7 outputs (排名 得分明细 扣分依据 校验 预警 催办单 趋势), 看板 使用说明 xlwings.conf
    assert len(sheet_codes) == len(set(sheet_codes)) == 22
    assert all(modules[c] == "document" for c in sheet_codes + ["ThisWorkbook"])


def test_every_ribbon_action_has_a_callback(addin):
    with zipfile.ZipFile(io.BytesIO(addin)) as z:
        xml = z.read("customUI/customUI.xml")
    import xml.etree.ElementTree as ET
    root = ET.fromstring(xml)  # well-formed
    ns = {"c": "http://schemas.microsoft.com/office/2006/01/customui"}
    tab = root.find(".//c:tab", ns)
    assert tab.get("label") == "12345考核"
    labels = [b.get("label") for b in root.iterfind(".//c:button", ns)]
    assert labels == ["生成排名", "校验台账", "单位明细", "预警清单", "生成通报", "导入工单", "导入假日通知", "帮助"]
    assert all(b.get("imageMso") for b in root.iterfind(".//c:button", ns))
    _, codes = _sheet_code_names(addin)
    vba_sources.check_ribbon_callbacks(xml, vba_sources.project_modules(codes))
    broken = xml.replace(b'onAction="KaoheShowHelp"', b'onAction="KaoheMissing"')
    with pytest.raises(ValueError, match="KaoheMissing"):
        vba_sources.check_ribbon_callbacks(broken, vba_sources.project_modules(codes))


def test_our_vba_only_runs_python_in_our_package():
    """Security: besides the xlwings runtime, the VBA calls nothing but RunPython into xl_kaohe."""
    ours = [m for m in vba_sources.project_modules(["shX"]) if m.name not in ("xlwings", "Dictionary")]
    text = "\n".join(m.source for m in ours)
    for danger in ("Shell", "CreateObject", "Declare ", "Kill ", "Open ", "URLDownload", "Environ", "SendKeys"):
        assert danger not in text, danger
    calls = re.findall(r'RunPython[\s(]+"([^"]*)"', text)
    assert len(calls) == 7  # one per ribbon button but 帮助 (pure VBA)
    assert all(re.fullmatch(r"from xl_kaohe\.excel import ribbon; ribbon\.\w+\(\)", c) for c in calls)
    udf_calls = re.findall(r'XLPy\.CallUDF\("([^"]+)"', text)
    assert set(udf_calls) == {"udfs.kaohe_udfs"}


def test_udf_wrappers_cover_every_udf_and_avoid_vba_keywords():
    source = next(m.source for m in vba_sources.project_modules(["shX"]) if m.name == "xlwings_udfs")
    names = re.findall(r"^Function (\w+)\((.*)\)$", source, re.M)
    assert [n for n, _ in names] == ["KAOHE_BONUS", "KAOHE_DEDUCT", "KAOHE_DUE", "KAOHE_ISWORKDAY",
                                     "KAOHE_LATEDAYS", "KAOHE_RANK", "KAOHE_SCORE", "KAOHE_STATUS",
                                     "KAOHE_WORKDAYS"]
    reserved = {"date", "end", "type", "string", "integer", "long", "sub", "function", "next", "loop", "select"}
    for _, args in names:
        for arg in re.findall(r"(?:Optional )?(\w+)", args):
            assert arg.lower() not in reserved, arg
    assert "KaoheLedgerVersion()" in source


def test_rank_keeps_vba_and_ribbon(addin_path, tmp_path):
    out = tmp_path / "out.xlsm"
    assert main(["rank", str(addin_path), "--output", str(out)]) == 0
    with zipfile.ZipFile(addin_path) as before, zipfile.ZipFile(out) as after:
        for part in ("xl/vbaProject.bin", "customUI/customUI.xml", "_rels/.rels", "xl/worksheets/sheet5.xml"):
            assert before.read(part) == after.read(part), part


# ---- the formulas engine: the 看板's date examples and cached values (hand-worked scores: test_golden_workbooks)

@pytest.fixture(scope="module")
def formula_results(addin_path):
    from xl_kaohe.core import functions as F
    from xl_kaohe.core.engine import assess
    from xl_kaohe.io.workbook import read_grids

    grids = read_grids(addin_path)
    # the build caches the 看板 values as of the year's end (build/workbook.py board_values)
    return evaluate(addin_path, assess(grids, today=date(2026, 12, 31)), F.date_context(grids, today=date(2026, 12, 31)))


def test_date_function_examples_in_the_board(formula_results, addin_path):
    import openpyxl
    sheet = openpyxl.load_workbook(addin_path)["看板"]
    results = {sheet.cell(r, 1).value: formula_results.get(("看板", f"D{r}")) for r in range(3, sheet.max_row + 1)
               if sheet.cell(r, 4).data_type == "f"}
    # 2026-01-02 + 3 working days (01-04 is a 调休 Sunday) -> 2026-01-06 23:59:59
    assert results["受理 2026-01-02（元旦假期），办理类"] == pytest.approx(to_serial(datetime(2026, 1, 6, 23, 59, 59)))
    assert results["2026-01-02 到 2026-01-06 的工作日"] == 3
    assert results["2026-10-10 是否工作日"] is True
    assert results["咨询类 2026-03-02 受理、03-06 办结"] == 2


def test_cached_values_match_the_formula_engine(addin, addin_path, formula_results):
    """Viewers that do not recalculate (LibreOffice, WPS preview) show the cached values."""
    import openpyxl
    from python_calamine import CalamineWorkbook
    grid = CalamineWorkbook.from_filelike(io.BytesIO(addin)).get_sheet_by_name("看板").to_python()
    formulas_at = [c for row in openpyxl.load_workbook(addin_path)["看板"].iter_rows() for c in row
                   if c.data_type == "f"]
    compared = 0
    for cell in formulas_at:
        value = formula_results[("看板", cell.coordinate)]
        cached = grid[cell.row - 1][cell.column - 1]
        if isinstance(cached, datetime):
            cached = to_serial(cached)
        assert cached == (pytest.approx(value) if isinstance(value, float) else ("" if value is None else value)), \
            cell.coordinate
        compared += 1
    # every unit-row formula (9 demo units + 20 spare rows, 11 columns) and the five date examples
    assert compared == (9 + 20) * 11 + 5


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not on PATH")
def test_libreoffice_loads_the_workbook_and_lists_the_modules(addin_path, addin, tmp_path):
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "ods", "--outdir", str(tmp_path), str(addin_path)],
                   check=True, capture_output=True, timeout=240)
    _, codes = _sheet_code_names(addin)
    with zipfile.ZipFile(tmp_path / "考核台账.ods") as ods:
        library = ods.read("Basic/VBAProject/script-lb.xml").decode()
        kinds = {"standard": "normal", "class": "class", "document": "document"}
        for module in vba_sources.project_modules(codes):
            assert f'library:name="{module.name}"' in library
            xml = ods.read(f"Basic/VBAProject/{module.name}.xml").decode()
            assert f'script:moduleType="{kinds[module.kind]}"' in xml, module.name
        content = html.unescape(ods.read("content.xml").decode())
        assert "示例市第一实验中学" in content


def test_function_descriptions_are_registered_in_chinese():
    """KaoheFunctions spells the UDF docs as hex code points (VBA is ASCII); decoding them gives
    back exactly the Chinese texts of udfs/kaohe_udfs.py, one MacroOptions call per function."""
    from xl_kaohe.build.udf_wrappers import udf_descriptions
    module = vba_sources.functions_module()
    assert all(ord(ch) < 128 for ch in module.source)
    decoded = ["".join(chr(int(h, 16)) for h in codes.split()) for codes in re.findall(r'U\("([0-9A-F ]+)"\)', module.source)]
    expected = []
    for name, category, description, args in udf_descriptions():
        assert f'Macro:="{name}"' in module.source
        expected += [description, category] + [doc for _, doc in args]
    assert decoded == expected
    assert "单位的考核得分：总分，或某项目/一级指标/加分的得分" in decoded and "12345考核" in decoded
    assert max(len(line) for line in module.source.splitlines()) < 1000  # VBA's line limit is 1023
    this_workbook = vba_sources.static_module("ThisWorkbook", "document").source
    assert "Private Sub Workbook_Open()" in this_workbook and "KaoheRegisterFunctions" in this_workbook


def test_ribbon_survives_an_openpyxl_save(addin_path, tmp_path):
    """Why the ribbon uses the 2006 customUI.xml: openpyxl (which staff scripts may use) keeps it
    and its relationship on save, while it would drop a customUI14 part."""
    import openpyxl
    wb = openpyxl.load_workbook(addin_path, keep_vba=True)
    wb["扣分事件"].append(["2026-06-01", "示例市第二中学", "III-4.2", 1, None, "脚本追加", "测试"])
    saved = tmp_path / "saved.xlsm"
    wb.save(saved)
    with zipfile.ZipFile(addin_path) as before, zipfile.ZipFile(saved) as after:
        assert after.read("customUI/customUI.xml") == before.read("customUI/customUI.xml")
        assert "customUI/customUI.xml" in after.read("_rels/.rels").decode()
        assert after.read("xl/vbaProject.bin") == before.read("xl/vbaProject.bin")
    assert main(["check", str(saved)]) == 0
