"""Independent validators over everything we write: every XML part against the ECMA-376
Transitional XSDs (and the ribbon against Microsoft's customUI.xsd) -- in the template, the
built .xlsm, after `kaohe rank` and after `kaohe import` --, and every VBA module through the
antlr4-vba grammar. Schemas and how extensions are handled: tests/ooxml_schemas.py."""
from __future__ import annotations

import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from xl_kaohe.build import vba_sources
from xl_kaohe.build.vba_project import VbaModule, _module_text
from xl_kaohe.build.workbook import build_addin
from xl_kaohe.cli import main
from xl_kaohe.io import demo
from xl_kaohe.io.xlsx_package import write_output_sheets

from ledgerkit import LedgerKit
from ooxml_schemas import package_errors, part_errors, preprocess_mc
from vba_grammar import module_errors


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("v") / "台账.xlsm"
    path.write_bytes(build_addin())
    return path


def _xml_parts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [n for n in z.namelist() if n.endswith((".xml", ".rels"))]


# ---- the validator itself can fail -------------------------------------------------------------

def test_validator_rejects_broken_parts(addin: Path) -> None:
    with zipfile.ZipFile(addin) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
        ribbon = z.read("customUI/customUI.xml")
        types = z.read("[Content_Types].xml")
    assert part_errors("s", sheet) == []
    assert part_errors("s", sheet.replace(b"<sheetData>", b'<sheetData><row r="x"/>', 1))
    assert part_errors("s", sheet.replace(b"<sheetData>", b"<cols/><sheetData>", 1))  # cols needs a col
    assert part_errors("r", ribbon.replace(b"onAction=", b"onClick=", 1))
    assert part_errors("t", types.replace(b"ContentType=", b"Type=", 1))
    assert part_errors("x", b'<foo xmlns="urn:unknown"/>') == ["x: no schema for namespace urn:unknown"]


def test_markup_compatibility_is_applied_like_a_consumer() -> None:
    """mc:Ignorable namespaces are dropped (elements and attributes), AlternateContent becomes
    its Fallback; what is left must be valid ECMA-376."""
    from lxml import etree

    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (f'<worksheet xmlns="{main_ns}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
           ' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">'
           '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
           '<mc:AlternateContent><mc:Choice Requires="x14ac"><x14ac:foo/></mc:Choice>'
           '<mc:Fallback><sheetData><row r="1" x14ac:dyDescent="0.3"/></sheetData></mc:Fallback>'
           "</mc:AlternateContent></worksheet>").encode()
    root = etree.fromstring(xml)
    preprocess_mc(root)
    assert etree.tostring(root).decode().count("x14ac:") == 0
    assert [etree.QName(c).localname for c in root] == ["sheetFormatPr", "sheetData"]
    assert part_errors("w", xml) == []
    # an x14ac attribute without mc:Ignorable is an error: the schema does not know it
    assert part_errors("w", xml.replace(b' mc:Ignorable="x14ac"', b""))


# ---- every part we write -------------------------------------------------------------------------

def test_template_ledger_parts_are_valid(tmp_path: Path) -> None:
    assert main(["new", str(tmp_path / "t.xlsx")]) == 0
    assert main(["new", str(tmp_path / "d.xlsx"), "--demo"]) == 0
    for name in ("t.xlsx", "d.xlsx"):
        assert len(_xml_parts(tmp_path / name)) > 20
        assert package_errors(tmp_path / name) == []


def test_built_workbook_parts_are_valid(addin: Path) -> None:
    parts = _xml_parts(addin)
    assert "customUI/customUI.xml" in parts and "xl/styles.xml" in parts
    assert package_errors(addin) == []


def test_parts_after_rank_with_errors_unit_card_and_chart_are_valid(addin: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsm"
    assert main(["rank", str(addin), "--asof", "2026-12-01", "--output", str(out)]) == 0
    assert main(["unit", str(out), demo.U1, "--write"]) == 0
    names = _xml_parts(out)
    assert any(n.startswith("xl/charts/chart") for n in names)
    assert any(n.startswith("xl/drawings/drawing") for n in names)
    assert package_errors(out) == []
    # a plain .xlsx ledger with bad rows: 校验 has error rows, 排名 marks them
    kit = (LedgerKit().unit("甲校").unit("乙校")
           .order("GD-1", "甲校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 3, 9))
           .order("GD-2", "丙校", "办理", "2026-13-40", None)
           .deduction(date(2026, 4, 1), "乙校", "III-99.9"))
    ledger = kit.save(tmp_path / "bad.xlsx")
    assert main(["rank", str(ledger), "--asof", "2026-12-01"]) == 1
    assert package_errors(ledger) == []


def test_parts_written_into_an_excel_saved_workbook_are_valid(tmp_path: Path) -> None:
    """xlwings' sample was saved by Excel: its workbook.xml carries mc:Ignorable, x15 and
    mc:AlternateContent; what we change or add there must still be valid. Parts copied raw
    are Excel's, not ours (its core.xml has cp:contentType, which the 2006 schema lacks)."""
    import xlwings

    sample = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(sample) as z:
        original = {n: z.read(n) for n in z.namelist()}
    assert b"mc:Ignorable" in original["xl/workbook.xml"] and b"mc:AlternateContent" in original["xl/workbook.xml"]
    out = tmp_path / "o.xlsm"
    assessment = LedgerKit().unit("甲校").unit("乙校").assess(today=date(2026, 12, 1))
    write_output_sheets(sample, out, assessment.sheets())
    with zipfile.ZipFile(out) as z:
        written = {n: z.read(n) for n in z.namelist() if original.get(n) != z.read(n)}
    assert "xl/workbook.xml" in written and len(written) >= 8
    errors = [e for name, data in written.items() if name.endswith((".xml", ".rels"))
              for e in part_errors(name, data)]
    assert errors == []


def test_parts_after_import_are_valid(addin: Path, tmp_path: Path) -> None:
    ledger = tmp_path / "i.xlsm"
    ledger.write_bytes(addin.read_bytes())
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工单编号", "承办单位", "工单类型", "受理时间", "办结时间", "回访结果", "诉求内容"])
    ws.append(["GD-9001", demo.U1, "咨询", datetime(2026, 5, 6, 10), datetime(2026, 5, 7, 10), "满意",
               "=cmd|' /C calc'!A0"])
    ws.cell(2, 7).data_type = "s"
    ws.append(["GD-9002", "不存在的单位", "办理", "2026/5/8 9:00", None, None, "+86 139"])
    export = tmp_path / "导出.xlsx"
    wb.save(export)
    assert main(["import", str(export), "--into", str(ledger)]) in (0, 1)
    from xl_kaohe.io.workbook import read_grids

    assert "GD-9002" in [row[0] for row in read_grids(ledger)["工单"]]
    assert package_errors(ledger) == []


# ---- VBA ------------------------------------------------------------------------------------------

MODULES = vba_sources.project_modules(["shSheet1", "shSheet2"])


XLWINGS_VERBATIM = ("xlwings", "Dictionary")  # xlwings' source, copied as shipped


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_vba_modules_parse_with_the_antlr4_vba_grammar(module: VbaModule) -> None:
    """Ours in every Excel compilation environment. xlwings' runtime is its shipped source,
    byte for byte (test_workbook checks that): parsing its 62,000 characters takes minutes here,
    so by default only the header we write is parsed with it (KAOHE_FULL_VBA_GRAMMAR=1: all)."""
    if module.name in XLWINGS_VERBATIM and not os.environ.get("KAOHE_FULL_VBA_GRAMMAR"):
        module = VbaModule(module.name, module.kind, "Option Explicit\n", module.exposed)
    assert module_errors(_module_text(module).decode("ascii"), module.kind) == []


def test_vba_grammar_rejects_broken_code() -> None:
    good = VbaModule("M", "standard", "Option Explicit\nSub A()\n    x = 1\nEnd Sub\n")
    assert module_errors(_module_text(good).decode(), "standard") == []
    broken = VbaModule("M", "standard", "Option Explicit\nSub A()\n    x = 1\n")  # no End Sub
    assert module_errors(_module_text(broken).decode(), "standard")
    unclosed = VbaModule("M", "standard", "#If Mac Then\nSub A()\nEnd Sub\n")
    with pytest.raises(AssertionError):
        module_errors(_module_text(unclosed).decode(), "standard")


def test_dictionary_class_keeps_vb_exposed_as_xlwings_ships_it() -> None:
    import xlwings

    shipped = (Path(xlwings.__file__).parent / "addin" / "Dictionary.cls").read_text()
    assert "Attribute VB_Exposed = True" in shipped
    dictionary = next(m for m in MODULES if m.name == "Dictionary")
    text = _module_text(dictionary).decode()
    assert "Attribute VB_Exposed = True" in text and "VB_Exposed = False" not in text
    # a class of our own keeps Excel's default for a new class module
    plain = _module_text(VbaModule("C", "class", "Option Explicit\n")).decode()
    assert "Attribute VB_Exposed = False" in plain
