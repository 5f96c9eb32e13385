"""Document → .docx: the blocks in reading order, each in its 公文 style (layout.py)."""
from __future__ import annotations

import io
import os
import tempfile
from datetime import date, datetime
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from ...core.dates import chinese_date
from ...core.document import DocTable, Document, Paragraph, Section
from . import layout as L
from .ooxml import PPR, TBLPR, TCPR, borders, child, clean, page_field, twips_mm
from .styles import font_table, install_styles, page_setup

HEADING_STYLES = {1: "KhHeading1", 2: "KhHeading2"}


def write_docx(document: Document, path: str | os.PathLike) -> Path:
    """Write `document` to `path` (atomically: a temporary file in the same folder, then one
    rename, so an open or half-written .docx is never left behind)."""
    path = Path(path)
    data = render_docx(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~kaohe-", suffix=".docx", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            os.replace(tmp, path)
        except PermissionError:
            raise PermissionError(f"无法写入 {path.name}：文件可能正在 Word/WPS 中打开，请关闭后重试，"
                                  f"或换一个文件名") from None
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def render_docx(document: Document) -> bytes:
    doc = docx.Document()
    _clear_body(doc)
    install_styles(doc)
    page_setup(doc)
    font_table(doc)
    _footers(doc)
    _properties(doc, document)

    if document.doc_number:
        p = _para(doc, document.doc_number, "KhDocNo")
        # 发文字号之下 4 mm 处 a red separator as wide as the 版心 (GB/T 9704 §7.2.4).
        borders(child(p._p, "pPr"), "pBdr", PPR, sides=("bottom",), sz=12, color="FF0000")
        _para(doc, "", "KhDocNo")
    _para(doc, document.title, "KhTitle")
    if document.addressee:
        _para(doc, document.addressee, "KhAddressee")
    for text in document.opening:
        _para(doc, text)
    for section in document.sections:
        _section(doc, section)
    _closing(doc, document)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _clear_body(doc) -> None:
    body = doc.element.body
    for el in list(body):
        if el.tag != qn("w:sectPr"):
            body.remove(el)


def _properties(doc, document: Document) -> None:
    props = doc.core_properties
    props.title = clean(document.title).replace("\n", "")
    props.author = clean(document.issuer) or "12345考核台账"
    props.last_modified_by = props.author
    props.comments = ""
    props.keywords = "12345"
    stamp = datetime.combine(document.issued or date(2000, 1, 1), datetime.min.time())
    props.created = props.modified = stamp      # the same document gives the same properties
    props.revision = 1


def _footers(doc) -> None:
    """`— n —` in 4号 宋体: odd pages right, even pages left, one character in (GB/T 9704 §7.5)."""
    section = doc.sections[0]
    one_char = str(round(L.SIZE_4 * 20))
    for footer, align, side in ((section.footer, "right", "right"),
                                (section.even_page_footer, "left", "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = doc.styles["页码"]
        ppr = child(p._p, "pPr")
        child(ppr, "ind", PPR, **{side: one_char, f"{side}Chars": "0", "firstLine": "0",
                                  "firstLineChars": "0"})
        child(ppr, "jc", PPR, val=align)
        p.add_run("— ")
        page_field(p)
        p.add_run(" —")


def _para(doc, text: str, style_id: str = "", bold_lead: str = ""):
    p = doc.add_paragraph()
    if style_id:
        p.style = doc.styles[L.BY_ID[style_id].name]
    if bold_lead:
        run = p.add_run(clean(bold_lead))
        run.bold = True
    if text:
        _add_text(p, clean(text))
    return p


def _add_text(p, text: str) -> None:
    """Text with line breaks as w:br (a cell or a paragraph of several lines)."""
    for i, line in enumerate(text.split("\n")):
        run = p.add_run(line)
        if i:
            run._r.insert(0, OxmlElement("w:br"))


def _section(doc, section: Section) -> None:
    level = max(1, section.level)
    style = HEADING_STYLES.get(level, "KhHeading3")
    if section.heading:
        _para(doc, section.heading, style)
    for block in section.blocks:
        _block(doc, block)
    for sub in section.subsections:
        if sub.level <= level:
            sub = Section(sub.heading, sub.blocks, level + 1, sub.subsections)
        _section(doc, sub)


def _block(doc, block) -> None:
    if isinstance(block, Paragraph):
        _para(doc, block.text, bold_lead=block.bold_lead)
    elif isinstance(block, DocTable):
        _table(doc, block)
    else:
        raise TypeError(f"不支持的文档内容：{type(block).__name__}")


def _table(doc, table: DocTable) -> None:
    if table.caption:
        _para(doc, table.caption, "KhHeading2")
    ncols = max(len(table.headers), max((len(r) for r in table.rows), default=0), 1)
    small = ncols >= L.SMALL_TABLE_COLUMNS
    head_style = doc.styles["表头文字（小）" if small else "表头文字"]
    text_style = doc.styles["表格文字（小）" if small else "表格文字"]
    widths = _widths(table, ncols)

    t = doc.add_table(rows=0, cols=ncols)
    tbl = t._tbl
    tblpr = tbl.tblPr
    for old in tblpr.findall(qn("w:tblStyle")):
        tblpr.remove(old)
    child(tblpr, "tblW", TBLPR, w=str(sum(widths)), type="dxa")
    child(tblpr, "jc", TBLPR, val="center")
    borders(tblpr, "tblBorders", TBLPR)
    child(tblpr, "tblLayout", TBLPR, type="fixed")
    margins = child(tblpr, "tblCellMar", TBLPR)
    for side in ("left", "right"):
        child(margins, side, ("top", "left", "bottom", "right"), w="57", type="dxa")
    for grid_col, w in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths):
        grid_col.set(qn("w:w"), str(w))

    rows = ([(table.headers, True)] if table.headers else []) + [(r, False) for r in table.rows]
    for values, is_head in rows:
        row = t.add_row()
        trpr = row._tr.get_or_add_trPr()
        child(trpr, "cantSplit")                  # a row is never broken across two pages
        if is_head:
            child(trpr, "tblHeader")              # repeated at the top of every page
        for j, cell in enumerate(row.cells):
            tcpr = cell._tc.get_or_add_tcPr()
            child(tcpr, "tcW", TCPR, w=str(widths[j]), type="dxa")
            child(tcpr, "vAlign", TCPR, val="center")
            p = cell.paragraphs[0]
            p.style = head_style if is_head else text_style
            if not is_head and j in table.align_right:
                child(child(p._p, "pPr"), "jc", PPR, val="right")
            value = values[j] if j < len(values) else ""
            if value not in (None, ""):
                _add_text(p, clean(value))
    # A paragraph after the table: two tables never merge, and the text resumes on the grid.
    _para(doc, "")


def _widths(table: DocTable, ncols: int) -> list[int]:
    """Given widths scaled to the 版心; otherwise shares by each column's longest text (2 to 12
    characters), so that unit names wrap less than two-digit numbers."""
    total = twips_mm(L.TEXT_W_MM)
    if table.widths_mm and len(table.widths_mm) == ncols:
        weights = list(table.widths_mm)
    else:
        weights = [2.0] * ncols
        for values in [table.headers, *table.rows]:
            for j, value in enumerate(values[:ncols]):
                longest = max((_text_width_chars(x) for x in str(value).split("\n")), default=0)
                weights[j] = max(weights[j], min(12.0, longest + 1))
    scale = total / sum(weights)
    return [int(w * scale) for w in weights]


def _text_width_chars(text: str) -> float:
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in text)


def _closing(doc, document: Document) -> None:
    """署名 and 成文日期 (date 4 characters in from the right, the issuer centred over it),
    附注, then 抄送 between rules (版记)."""
    issued = chinese_date(document.issued) if document.issued else ""
    if document.issuer or issued:
        _para(doc, "")
        _para(doc, "")
        date_w = _text_width_chars(issued) if issued else 0
        if document.issuer:
            offset = 4 + max(0.0, (date_w - _text_width_chars(document.issuer)) / 2)
            _right_indented(_para(doc, document.issuer, "KhSignature"), offset)
        if issued:
            _right_indented(_para(doc, issued, "KhSignature"), 4)
    if document.footer_note:
        _para(doc, document.footer_note, "KhNote")
    if document.cc:
        _para(doc, "")
        p = _para(doc, f"抄送：{document.cc.removeprefix('抄送：')}", "KhCc")
        ppr = child(p._p, "pPr")
        borders(ppr, "pBdr", PPR, sides=("top", "bottom"), sz=8)
        one = str(round(L.SIZE_4 * 20))
        child(ppr, "ind", PPR, left=one, right=one, hanging="0", leftChars="0", rightChars="0")


def _right_indented(p, chars: float) -> None:
    child(child(p._p, "pPr"), "ind", PPR, right=str(round(chars * L.SIZE_3 * 20)),
          rightChars="0", firstLine="0", firstLineChars="0")
