"""The document's styles, page setup and font table (GB/T 9704, numbers in layout.py)."""
from __future__ import annotations

from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from lxml import etree

from . import layout as L
from .ooxml import PPR, RPR, SECTPR, child, set_fonts, twips_mm


def apply_style(style_el, spec: L.Style) -> None:
    ppr = style_el.get_or_add_pPr()
    if spec.keep_next:
        child(ppr, "keepNext", PPR)
    if spec.line_tw is None:
        child(ppr, "snapToGrid", PPR, val="0")   # table text: its own pitch, not the grid's
        child(ppr, "spacing", PPR, before="0", after=str(spec.after_tw), line="240",
              lineRule="auto")
    else:
        child(ppr, "spacing", PPR, before="0", after=str(spec.after_tw), line=str(spec.line_tw),
              lineRule="exact")
    # Indent in characters (firstLineChars, what Word's 首行缩进 2 字符 writes) with the twips
    # equivalent for readers that ignore the *Chars attributes.
    child(ppr, "ind", PPR, firstLineChars=str(spec.indent_chars * 100),
          firstLine=str(round(spec.indent_chars * spec.size * 20)), leftChars="0", left="0",
          rightChars="0", right="0")
    child(ppr, "jc", PPR, val=spec.align)
    if spec.outline is not None:
        child(ppr, "outlineLvl", PPR, val=str(spec.outline))
    rpr = style_el.get_or_add_rPr()
    set_fonts(rpr, spec.font, spec.size, bold=spec.bold)
    child(rpr, "spacing", RPR, val=str(spec.char_spacing_tw))
    child(rpr, "lang", RPR, val="en-US", eastAsia="zh-CN")


def install_styles(doc) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr_default, L.BODY_FONT, L.SIZE_3)
    child(rpr_default, "lang", RPR, val="en-US", eastAsia="zh-CN")
    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is not None:          # the template's default spacing would add gaps
        ppr_default.getparent().remove(ppr_default)
    apply_style(styles["Normal"].element, L.BODY)
    for spec in L.STYLES:
        style = styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(qn("w:styleId"), spec.style_id)
        style.base_style = styles["Normal"]
        style.quick_style = True
        apply_style(style.element, spec)


def page_setup(doc) -> None:
    section = doc.sections[0]
    sect = section._sectPr
    child(sect, "pgSz", SECTPR, w=str(twips_mm(L.PAGE_W_MM)), h=str(twips_mm(L.PAGE_H_MM)))
    child(sect, "pgMar", SECTPR, top=str(twips_mm(L.TOP_MM)), bottom=str(twips_mm(L.BOTTOM_MM)),
          left=str(twips_mm(L.LEFT_MM)), right=str(twips_mm(L.RIGHT_MM)),
          header=str(twips_mm(L.HEADER_MM)), footer=str(twips_mm(L.FOOTER_MM)), gutter="0")
    # Lines only: a character grid (linesAndChars + charSpace) is what Word writes, but
    # LibreOffice spreads the characters to ~17 a line with it; the body's own -0.25 pt
    # spacing gives the 28 characters instead (layout.py).
    child(sect, "docGrid", SECTPR, type="lines", linePitch=str(L.LINE_PITCH_TW))
    doc.settings.odd_and_even_pages_header_footer = True
    zoom = doc.settings.element.find(qn("w:zoom"))
    if zoom is not None and zoom.get(qn("w:percent")) is None:
        zoom.set(qn("w:percent"), "100")     # required by the schema; the template omits it


def font_table(doc) -> None:
    """Declare the standard's fonts with their Chinese fallbacks (w:altName, GB2312 charset)."""
    part = next((p for p in doc.part.package.iter_parts()
                 if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    known = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name, alt in L.ALT_NAMES.items():
        if name in known:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alt)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "modern" if name != L.H1_FONT
                                                  else "swiss")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "fixed")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
