"""The 公文 renderer: schema-valid WordprocessingML, the GB/T 9704 page and fonts, tables that
repeat their header and keep rows whole, page-number fields; read back with python-docx."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm

import wmlschema
from xl_kaohe.core.document import DocTable, Document, Paragraph, Section
from xl_kaohe.io.docx import write_docx
from xl_kaohe.io.pdf import PdfUnavailable, to_pdf

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def sample(rows: int = 3) -> Document:
    return Document(
        title="关于2026年11月12345政府服务热线办理情况的通报",
        doc_number="常教办〔2026〕12号",
        addressee="各直属学校、局机关各处室：",
        opening=["现将有关情况通报如下。"],
        sections=[
            Section("一、总体情况", [Paragraph("11月共受理工单120件。"),
                                 Paragraph("甲学校、乙学校。", bold_lead="红榜：")]),
            Section("二、考核排名", [DocTable(
                ["排名", "单位名称", "总分"],
                [[str(i), f"学校{i}", f"{95 - i:.2f}"] for i in range(1, rows + 1)],
                caption="（一）直属学校", align_right={2})],
                subsections=[Section("（一）说明", [Paragraph("按总分排序。")], level=2)]),
        ],
        issuer="常州市教育局办公室", issued=date(2026, 12, 3), cc="局领导", footer_note="（此件公开发布）")


@pytest.fixture
def written(tmp_path):
    return write_docx(sample(), tmp_path / "通报.docx")


def test_parts_are_valid_wordprocessingml(written):
    with zipfile.ZipFile(written) as z:
        parts = [n for n in z.namelist() if n.startswith("word/") and n.endswith(".xml")
                 and n.split("/")[-1].startswith(("document", "styles", "settings", "footer",
                                                   "fontTable"))]
    assert {"word/document.xml", "word/styles.xml", "word/settings.xml"} <= set(parts)
    for part in parts:
        assert wmlschema.errors(written, part) == []


def test_schema_check_can_fail(tmp_path, written):
    # A table property out of schema order (tblLayout before tblW) must be reported.
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(written) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                text = data.decode()
                text = text.replace('<w:tblPr>', '<w:tblPr><w:tblLayout w:type="fixed"/>', 1)
                data = text.encode()
            dst.writestr(item, data)
    assert wmlschema.errors(bad, "word/document.xml")


def test_page_setup_is_gbt9704(written):
    d = docx.Document(str(written))
    s = d.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    # 37/35/28/26 mm: twips rounded to 1/1440 inch, so within 0.02 mm.
    for got, want in ((s.top_margin, 37), (s.bottom_margin, 35), (s.left_margin, 28),
                      (s.right_margin, 26)):
        assert abs(got.mm - want) < 0.02
    grid = s._sectPr.find(qn("w:docGrid"))
    # 225 mm / 22 lines = 637.8 pt / 22 = 28.99 pt; 28.95 pt = 579 twips keeps 22 lines.
    assert grid.get(qn("w:linePitch")) == "579"
    assert d.settings.odd_and_even_pages_header_footer is True


def _fonts(style):
    f = style.element.rPr.find(qn("w:rFonts"))
    return f.get(qn("w:eastAsia")), f.get(qn("w:ascii"))


def test_styles_name_the_standard_fonts_in_the_east_asian_slot(written):
    d = docx.Document(str(written))
    assert _fonts(d.styles["Normal"]) == ("仿宋_GB2312", "仿宋_GB2312")
    assert d.styles["Normal"].font.size.pt == 16        # 3号
    assert _fonts(d.styles["公文标题"])[0] == "方正小标宋简体"
    assert d.styles["公文标题"].font.size.pt == 22      # 2号
    assert _fonts(d.styles["一级标题"])[0] == "黑体"
    assert _fonts(d.styles["二级标题"])[0] == "楷体_GB2312"
    assert _fonts(d.styles["页码"])[0] == "宋体"
    assert d.styles["页码"].font.size.pt == 14          # 4号
    normal = d.styles["Normal"].paragraph_format
    assert normal.line_spacing.pt == 28.95 and normal.first_line_indent.pt == 32  # 2 字符
    # 28 characters of 16 pt − 0.25 pt fit the 156 mm 版心 (442.2 pt): 28 × 15.75 = 441.
    spacing = d.styles["Normal"].element.rPr.find(qn("w:spacing")).get(qn("w:val"))
    assert int(spacing) == -5 and 28 * (16 - 5 / 20) <= Mm(156).pt


def test_reading_order_and_styles(written):
    d = docx.Document(str(written))
    seen = [(p.style.name, p.text) for p in d.paragraphs if p.text]
    assert seen[:5] == [("发文字号", "常教办〔2026〕12号"),
                        ("公文标题", "关于2026年11月12345政府服务热线办理情况的通报"),
                        ("主送机关", "各直属学校、局机关各处室："),
                        ("Normal", "现将有关情况通报如下。"),
                        ("一级标题", "一、总体情况")]
    texts = [t for _, t in seen]
    assert texts.index("（一）直属学校") < texts.index("（一）说明")
    assert ("二级标题", "（一）说明") in seen
    assert seen[-4:] == [("发文机关署名", "常州市教育局办公室"), ("发文机关署名", "2026年12月3日"),
                         ("附注", "（此件公开发布）"), ("抄送", "抄送：局领导")]
    lead = next(p for p in d.paragraphs if p.text.startswith("红榜"))
    assert [(r.text, bool(r.bold)) for r in lead.runs] == [("红榜：", True), ("甲学校、乙学校。", False)]
    # 成文日期 右空四字 (4 × 16 pt); the issuer (9 chars) centred over the date (2026年12月3日 =
    # 6 digits × ½ + 4 = 7 chars wide): it cannot be centred further right, so 4 chars too.
    date_p = next(p for p in d.paragraphs if p.text == "2026年12月3日")
    assert date_p.paragraph_format.right_indent.pt == 64


def test_table_cells_and_row_properties(written):
    d = docx.Document(str(written))
    (t,) = d.tables
    assert [[c.text for c in r.cells] for r in t.rows] == [
        ["排名", "单位名称", "总分"], ["1", "学校1", "94.00"], ["2", "学校2", "93.00"],
        ["3", "学校3", "92.00"]]
    rows = t._tbl.findall(qn("w:tr"))
    assert rows[0].trPr.find(qn("w:tblHeader")) is not None
    assert all(r.trPr.find(qn("w:tblHeader")) is None for r in rows[1:])
    assert all(r.trPr.find(qn("w:cantSplit")) is not None for r in rows)
    borders = t._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.tag.removeprefix(W) for b in borders} == {"top", "left", "bottom", "right",
                                                         "insideH", "insideV"}
    # Column widths add up to the 156 mm 版心 (8844 twips), within rounding of 3 columns.
    widths = [int(g.get(qn("w:w"))) for g in t._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert 8844 - 3 <= sum(widths) <= 8844
    assert widths[1] > widths[0]              # 单位名称 wider than 排名
    assert t.rows[1].cells[2].paragraphs[0].alignment == 2        # RIGHT: a number column
    assert t.rows[1].cells[0].paragraphs[0].style.name == "表格文字"
    assert t.rows[0].cells[0].paragraphs[0].style.name == "表头文字"


def test_footers_hold_page_fields_with_dashes(written):
    d = docx.Document(str(written))
    s = d.sections[0]
    for footer, align in ((s.footer, 2), (s.even_page_footer, 0)):   # odd right, even left
        p = footer.paragraphs[0]
        assert p.text == "— 1 —"           # the field's cached value between the dashes
        assert p.paragraph_format.alignment == align
        instr = p._p.findall(f".//{W}instrText")
        assert [i.text.strip() for i in instr] == ["PAGE"]
        kinds = [f.get(qn("w:fldCharType")) for f in p._p.findall(f".//{W}fldChar")]
        assert kinds == ["begin", "separate", "end"]


def test_text_with_control_characters_and_formulas_is_kept_as_text(tmp_path):
    doc = Document(title="标题", sections=[Section("一、情况", [
        Paragraph("=HYPERLINK(\"x\")\x07 第一行\n第二行"), DocTable(["a"], [["@SUM(1)\x0b"]])])])
    d = docx.Document(str(write_docx(doc, tmp_path / "x.docx")))
    texts = [p.text for p in d.paragraphs]
    assert "=HYPERLINK(\"x\") 第一行\n第二行" in texts
    assert d.tables[0].cell(1, 0).text == "@SUM(1)"


def test_missing_soffice_is_a_chinese_error(tmp_path, monkeypatch, written):
    monkeypatch.setenv("KAOHE_SOFFICE", str(tmp_path / "没有这个程序"))
    with pytest.raises(PdfUnavailable, match="未找到 LibreOffice"):
        to_pdf(written)


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not on PATH")
def test_pdf_pages_carry_dashed_numbers(tmp_path):
    # 60 rows of a table: more than one page, so the header repeats and pages 1 and 2 differ.
    path = write_docx(sample(rows=60), tmp_path / "长表.docx")
    pdf = to_pdf(path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 2
    # pdftotext drops the narrow spaces around the number.
    assert re.search(r"—\s*1\s*—", pages[0]) and re.search(r"—\s*2\s*—", pages[1])
    assert pages[1].count("单位名称") == 1      # the header row repeated on page 2
