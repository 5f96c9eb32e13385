"""Round trips of the shipped add-in workbook: `kaohe rank` run again and again rewrites the output
sheets and nothing else (SPEC §6 "nothing else in the workbook is touched"), and other readers
(openpyxl, calamine) still open the result."""
from __future__ import annotations

import io
import json
import posixpath
import re
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from ledgerkit import LedgerKit
from xl_kaohe.build.workbook import BOARD, DEFAULT_PATH, HELP
from xl_kaohe.cli import main
from xl_kaohe.core import schema as S
from xl_kaohe.io.ooxml.worksheet import MAX_CELL_CHARS
from xl_kaohe.io.xlsx_package import write_output_sheets

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_RIBBON = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
RUNS = 20
INPUTS = [S.PARAMS, S.UNITS, S.ORDERS, S.DEDUCTIONS, S.BONUSES, S.MEETINGS, S.KNOWLEDGE, S.STUDIES, S.HOLIDAYS,
          S.RULES, S.APPEALS, S.BULLETIN_TEMPLATE]
KEPT_SHEETS = INPUTS + [HELP, S.XLWINGS_CONF]
REWRITTEN = list(S.OUTPUT_SHEETS) + [BOARD]  # 看板: its formulas stay, its cached values follow the run


# ---- reading a package ------------------------------------------------------------------------------

def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def infos(data: bytes) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: i for i in z.infolist()}


def sheets_of(p: dict[str, bytes]) -> list[tuple[str, str]]:
    """(sheet name, worksheet part) in workbook order."""
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(p["xl/_rels/workbook.xml.rels"])}
    out = []
    for sheet in ET.fromstring(p["xl/workbook.xml"]).iter(f"{{{NS}}}sheet"):
        target = rels[sheet.get(f"{{{NS_R}}}id")]
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out.append((sheet.get("name"), part))
    return out


def rels_part(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def defined_names(p: dict[str, bytes]) -> list[tuple[str, str | None, str]]:
    root = ET.fromstring(p["xl/workbook.xml"])
    return [(n.get("name"), n.get("localSheetId"), n.text or "") for n in root.iter(f"{{{NS}}}definedName")]


def output_indexes(p: dict[str, bytes]) -> set[str]:
    return {str(i) for i, (name, _) in enumerate(sheets_of(p)) if name in REWRITTEN}


def without_output_builtin_names(p: dict[str, bytes]) -> str:
    """workbook.xml with the output sheets' own _xlnm.* names taken out (the writer rewrites
    those with the sheet, SPEC-wise part of the output)."""
    ids = "|".join(sorted(output_indexes(p)))
    return re.sub(rf'<definedName name="_xlnm\.[A-Za-z_]+" localSheetId="(?:{ids})"[^>]*>[^<]*</definedName>', "",
                  p["xl/workbook.xml"].decode("utf-8"))


def content_types(p: dict[str, bytes]) -> set[tuple[str, str, str]]:
    return {(el.tag.rsplit("}", 1)[-1], el.get("PartName") or el.get("Extension"), el.get("ContentType"))
            for el in ET.fromstring(p["[Content_Types].xml"])}


def data_validations(sheet_xml: bytes) -> str:
    m = re.search(rb"<dataValidations\b.*?</dataValidations>", sheet_xml, re.S)
    return m.group(0).decode("utf-8") if m else ""


def formulas(sheet_xml: bytes) -> list[str]:
    return re.findall(r"<(?:\w+:)?f\b[^>]*>(.*?)</(?:\w+:)?f>", sheet_xml.decode("utf-8"), re.S)


# ---- 20 runs of `kaohe rank` --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped() -> bytes:
    return DEFAULT_PATH.read_bytes()


@pytest.fixture(scope="module")
def runs(shipped, tmp_path_factory) -> list[tuple[bytes, dict]]:
    """The workbook's bytes and the --json result after each of 20 consecutive `kaohe rank` runs
    on one copy (index 0: the shipped file)."""
    folder = tmp_path_factory.mktemp("rank20")
    book, result = folder / "考核台账.xlsm", folder / "result.json"
    book.write_bytes(shipped)
    out = [(shipped, {})]
    for _ in range(RUNS):
        assert main(["rank", str(book), "--json", str(result)]) == 0
        out.append((book.read_bytes(), json.loads(result.read_text(encoding="utf-8"))))
    assert sorted(p.name for p in folder.iterdir()) == ["result.json", "考核台账.xlsm"]  # no temp files left
    return out


def test_the_shipped_workbook_has_what_the_round_trip_must_keep(shipped):
    p = parts(shipped)
    names = [n for n, _ in sheets_of(p)]
    assert set(KEPT_SHEETS + REWRITTEN) == set(names)
    assert "xl/vbaProject.bin" in p and "customUI/customUI.xml" in p
    assert any(name.startswith("xl/tables/") for name in p)
    assert [n for n, local, _ in defined_names(p) if local is None]  # workbook-level names (dropdown lists)
    validated = [name for name, part in sheets_of(p) if data_validations(p[part])]
    assert {S.UNITS, S.ORDERS, S.DEDUCTIONS, S.BONUSES, S.MEETINGS} <= set(validated)
    assert formulas(p[dict(sheets_of(p))[BOARD]])  # 看板 is live =KAOHE_* formulas


def test_vba_ribbon_and_its_relationship_stay_byte_identical(runs):
    first = parts(runs[0][0])
    ribbon = [r for r in ET.fromstring(first["_rels/.rels"]) if r.get("Type") == REL_RIBBON]
    assert [r.get("Target") for r in ribbon] == ["customUI/customUI.xml"]
    for n, (data, _) in enumerate(runs[1:], 1):
        p = parts(data)
        for name in ("xl/vbaProject.bin", "customUI/customUI.xml", "_rels/.rels", "xl/_rels/workbook.xml.rels"):
            assert p[name] == first[name], (n, name)


def test_every_part_but_the_outputs_is_copied_through_untouched(runs):
    """Worksheets of the input sheets, 使用说明 and xlwings.conf (values, formulas, data
    validations, table parts), the Tables, theme, docProps and VBA: same bytes, same compressed
    bytes (copied raw, not re-saved)."""
    first, first_info = parts(runs[0][0]), infos(runs[0][0])
    sheets = sheets_of(first)
    outputs = {part for name, part in sheets if name in REWRITTEN}
    may_change = outputs | {rels_part(o) for o in outputs} | {
        "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"}
    kept = [name for name in first if name not in may_change]
    assert {part for name, part in sheets if name in KEPT_SHEETS} <= set(kept)
    assert any(name.startswith("xl/tables/") for name in kept)
    for n, (data, _) in enumerate(runs[1:], 1):
        p, info = parts(data), infos(data)
        for name in kept:
            assert p[name] == first[name], (n, name)
            assert (info[name].CRC, info[name].compress_size) == (first_info[name].CRC, first_info[name].compress_size)
        assert sorted(n for n in p if n.startswith("xl/tables/")) == sorted(n for n in first if n.startswith("xl/tables/"))


def test_data_validations_and_formulas_of_the_kept_sheets(runs):
    first = parts(runs[0][0])
    sheets = dict(sheets_of(first))
    for data, _ in runs[1:]:
        p = parts(data)
        for name in KEPT_SHEETS:
            assert data_validations(p[sheets[name]]) == data_validations(first[sheets[name]]), name
            assert formulas(p[sheets[name]]) == formulas(first[sheets[name]]), name


def test_workbook_xml_changes_only_by_the_output_sheets_builtin_names(runs):
    first = parts(runs[0][0])
    original_names = defined_names(first)
    outputs = output_indexes(first)
    for n, (data, _) in enumerate(runs[1:], 1):
        p = parts(data)
        assert without_output_builtin_names(p) == without_output_builtin_names(first), n
        names = defined_names(p)
        assert [x for x in names if not (x[0].startswith("_xlnm.") and x[1] in outputs)] == \
            [x for x in original_names if not (x[0].startswith("_xlnm.") and x[1] in outputs)]
        added = [(name, local) for name, local, _ in names if name.startswith("_xlnm.") and local in outputs]
        # each output sheet: filter range, print area, print titles -- once each, never piling up;
        # 看板 has no filter; 催办单 (letters, no header row) has only its print area
        board = str(names_index(first, BOARD))
        chase = str(names_index(first, S.CHASE))
        assert sorted(added) == sorted((b, i) for i in outputs
                                       for b in ("_xlnm._FilterDatabase", "_xlnm.Print_Area", "_xlnm.Print_Titles")
                                       if not (i == board and b == "_xlnm._FilterDatabase")
                                       and (i != chase or b == "_xlnm.Print_Area"))


def names_index(p: dict[str, bytes], sheet: str) -> int:
    return [name for name, _ in sheets_of(p)].index(sheet)


def test_board_formulas_survive_every_run(runs):
    """看板 is rewritten (cached values of the run) but holds the same live formulas."""
    first = parts(runs[0][0])
    board = dict(sheets_of(first))[BOARD]
    assert len(formulas(first[board])) == (9 + 20) * 11 + 5  # 9 demo units + 20 spare rows
    for data, _ in runs[1:]:
        assert formulas(parts(data)[board]) == formulas(first[board])


def test_content_types_only_gain_the_chart(runs):
    first = content_types(parts(runs[0][0]))
    for data, _ in runs[1:]:
        after = content_types(parts(data))
        assert first <= after
        # 排名's bar chart and 趋势's line chart
        assert {part for _, part, _ in after - first} == {"/xl/drawings/drawing1.xml", "/xl/charts/chart1.xml",
                                                          "/xl/drawings/drawing2.xml", "/xl/charts/chart2.xml"}


def test_styles_are_stable_after_the_first_run(runs):
    styles = [parts(data)["xl/styles.xml"] for data, _ in runs[1:]]
    assert all(s == styles[0] for s in styles)


def test_runs_are_idempotent_and_deterministic(runs):
    """From the first run on the file is the same, byte for byte, and so is the result."""
    assert all(data == runs[1][0] for data, _ in runs[1:])
    assert all(result == runs[1][1] for _, result in runs[1:])
    assert runs[1][1]["units"] and not runs[1][1]["problems"]


def test_output_sheets_are_replaced_never_duplicated(runs):
    names = [n for n, _ in sheets_of(parts(runs[0][0]))]
    for n, (data, _) in enumerate(runs[1:], 1):
        p = parts(data)
        sheets = sheets_of(p)
        assert [name for name, _ in sheets] == names, n
        drawings = sorted(x for x in p if re.fullmatch(r"xl/drawings/drawing\d+\.xml", x))
        charts = sorted(x for x in p if re.fullmatch(r"xl/charts/chart\d+\.xml", x))
        assert len(drawings) == 2 and len(charts) == 2, (n, drawings, charts)   # 排名, 趋势
        for sheet_name, drawing, chart in zip((S.RANKING, S.TREND), drawings, charts):
            part = dict(sheets)[sheet_name]
            rels = ET.fromstring(p[rels_part(part)])
            assert [posixpath.normpath(posixpath.join(posixpath.dirname(part), r.get("Target")))
                    for r in rels] == [drawing]
            chart_rels = ET.fromstring(p[rels_part(drawing)])
            assert [posixpath.basename(r.get("Target")) for r in chart_rels] == [posixpath.basename(chart)]
        for name, part in sheets:  # no other sheet got a drawing
            if name not in (S.RANKING, S.TREND):
                assert b"<drawing " not in p[part], name
        assert not [x for x in p if x.startswith("xl/externalLinks/")]


def test_output_sheets_contain_no_formulas(runs):
    p = parts(runs[-1][0])
    sheets = dict(sheets_of(p))
    for name in S.OUTPUT_SHEETS:
        assert not formulas(p[sheets[name]]), name


def test_openpyxl_and_calamine_read_the_result(runs, tmp_path):
    path = tmp_path / "after.xlsm"
    path.write_bytes(runs[-1][0])
    wb = openpyxl.load_workbook(path, keep_vba=True)
    names = [n for n, _ in sheets_of(parts(runs[0][0]))]
    assert wb.sheetnames == names
    assert wb.vba_archive is not None and "xl/vbaProject.bin" in wb.vba_archive.namelist()
    ranking = wb[S.RANKING]
    assert len(ranking._charts) == 1
    assert ranking["A1"].value.startswith("2026年度12345工作考核排名")
    assert [c.value for c in ranking[2]][:2] == ["排名", "单位名称"]
    result = runs[-1][1]
    assert [ranking.cell(3 + i, 2).value for i in range(len(result["units"]))] == [u["unit"] for u in result["units"]]

    book = CalamineWorkbook.from_path(str(path))
    try:
        assert book.sheet_names == names
        for name in names:
            grid = book.get_sheet_by_name(name).to_python()
            assert grid, name
        assert book.get_sheet_by_name(S.RANKING).to_python()[2][1] == result["units"][0]["unit"]
    finally:
        book.close()

    # a workbook saved by openpyxl (another tool in the office) still ranks the same
    resaved = tmp_path / "resaved.xlsm"
    wb.save(resaved)
    again = tmp_path / "again.json"
    assert main(["rank", str(resaved), "--json", str(again)]) == 0
    assert json.loads(again.read_text(encoding="utf-8")) == result


# ---- any text staff type comes back as the same text ----------------------------------------------------

TEXTS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40),
    st.sampled_from(["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "_x0041_", "a&b<c>\"d'", " 前后空格 ",
                     "行1\n行2", "回车\r换行", "\x00\x01\x1f控制", "坏" * 40_000, "😀𠀀"]))


def _expected_text(value: str) -> str:
    """What the written cell holds: XML 1.0 cannot carry most control characters, so they go;
    Excel cells hold at most 32 767 characters."""
    kept = "".join(ch for ch in value[:MAX_CELL_CHARS]
                   if ch in "\t\n\r" or not ("\x00" <= ch <= "\x1f" or ch in "\ufffe\uffff"))
    return kept


@pytest.fixture(scope="module")
def small_book(tmp_path_factory) -> Path:
    kit = LedgerKit().unit("甲校")
    return kit.save(tmp_path_factory.mktemp("small") / "ledger.xlsx")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.data_too_large])
@given(names=st.lists(TEXTS, min_size=1, max_size=4, unique_by=lambda t: "".join(t.split())))
@example(names=["0 \x08"])  # found by hypothesis: the trailing space shows only once \x08 is dropped
def test_any_unit_name_round_trips_through_the_written_sheets(small_book, tmp_path_factory, names):
    """Unit names are echoed into 排名, 得分明细 and 扣分依据 (and bad ones into 校验): whatever
    the text, the written package is well-formed and reads back (calamine, our reader) as the same
    text in text cells."""
    from xl_kaohe.core.validate import plain_text

    kit = LedgerKit()
    for name in names:
        kit.unit(name)
    kit.deduction("2026-03-02", names[0], "III-4.2")
    assessment = kit.assess()
    out = tmp_path_factory.mktemp("rt") / "out.xlsx"
    written_sheets = assessment.sheets()
    write_output_sheets(small_book, out, written_sheets)
    p = parts(out.read_bytes())
    sheets = dict(sheets_of(p))
    for name in [sheet.name for sheet in written_sheets]:
        ET.fromstring(p[sheets[name]])  # well-formed XML whatever the text
        assert not formulas(p[sheets[name]])
    book = CalamineWorkbook.from_path(str(out))
    try:
        grid = book.get_sheet_by_name(S.RANKING).to_python()
    finally:
        book.close()
    written = [row[1] for row in grid[2:2 + len(assessment.ordered)]]
    assert written == [_expected_text(u.name) for u in assessment.ordered]
    assert {plain_text(n) for n in names if plain_text(n)} >= {u.name for u in assessment.ordered}
    ranking_xml = p[sheets[S.RANKING]].decode("utf-8")
    cells = re.findall(r'<c r="B(\d+)"([^>]*)>', ranking_xml)
    assert len(cells) == 1 + len(assessment.ordered)
    assert all('t="inlineStr"' in attrs for _, attrs in cells)  # text cells, never formulas
