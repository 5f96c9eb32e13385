"""The WordprocessingML that python-docx has no API for (East Asian font slots, grids, table
headers, borders, fields), written as elements in the order ECMA-376 requires: Word repairs, and
WPS may refuse, a part whose children are out of schema order."""
from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from ..ooxml.xmltext import ILLEGAL_XML

# Child order of the property elements we touch (ECMA-376 Part 1, wml.xsd sequences).
PPR = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
       "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku",
       "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi",
       "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
       "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap",
       "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")
RPR = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
       "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden",
       "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect",
       "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout",
       "specVanish", "oMath")
TBLPR = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
         "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
         "tblLayout", "tblCellMar", "tblLook")
TCPR = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap",
        "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark")
SECTPR = ("headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz",
          "pgMar", "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols", "formProt",
          "vAlign", "noEndnote", "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid",
          "printerSettings", "sectPrChange")
BORDERS = ("top", "left", "bottom", "right", "insideH", "insideV")


def twips_mm(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def child(parent, tag: str, order: tuple[str, ...] = (), **attrs: str):
    """The child `w:tag` of parent (created in schema order when missing), attributes set."""
    el = parent.find(qn("w:" + tag))
    if el is None:
        el = OxmlElement("w:" + tag)
        later = order[order.index(tag) + 1:] if tag in order else ()
        successor = next((c for c in parent if _local(c.tag) in later), None)
        if successor is not None:
            successor.addprevious(el)
        else:
            parent.append(el)
    for name, value in attrs.items():
        el.set(qn("w:" + name), str(value))
    return el


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def set_fonts(rpr, font: str, size_pt: float | None = None, bold: bool | None = None) -> None:
    """All four font slots, East Asian included: python-docx's font.name sets ascii/hAnsi only,
    and Word picks the eastAsia slot for every Chinese character."""
    child(rpr, "rFonts", RPR, ascii=font, hAnsi=font, eastAsia=font, cs=font, hint="eastAsia")
    if bold is not None:
        for tag in ("b", "bCs"):
            child(rpr, tag, RPR, val="1" if bold else "0")
    if size_pt is not None:
        half = str(round(size_pt * 2))
        child(rpr, "sz", RPR, val=half)
        child(rpr, "szCs", RPR, val=half)


def borders(parent, tag: str, order: tuple[str, ...], sides=BORDERS, sz: int = 6,
            color: str = "000000") -> None:
    """w:tblBorders / w:pBdr with single lines (sz in eighths of a point)."""
    box = child(parent, tag, order)
    for side in sides:
        child(box, side, BORDERS if tag != "pBdr" else ("top", "left", "bottom", "right",
                                                         "between", "bar"),
              val="single", sz=str(sz), space="0" if tag != "pBdr" else "1", color=color)


def clean(text: str) -> str:
    """Text python-docx accepts: characters illegal in XML 1.0 dropped (imports carry them)."""
    return ILLEGAL_XML.sub("", str(text))


def page_field(paragraph) -> None:
    """A complex PAGE field (begin / instruction / separate / cached 1 / end): python-docx has
    no field API; Word, WPS and LibreOffice all update it when the page is laid out."""
    def run_with(el):
        run = paragraph.add_run()
        run._r.append(el)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    paragraph.add_run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)
