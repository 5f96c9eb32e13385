"""Styles: the cell styles output sheets need, found or appended in ``xl/styles.xml``, and the
look they give (header fill, row-mark colours, number formats per column kind).

Each record is looked up by an order-insensitive key among the workbook's own records and
appended only when missing, so rewriting the output sheets every run does not grow the
stylesheet; the file is edited as text, so everything else in it stays as it was. Fonts are the
workbook's default font made bold / larger / recoloured, so CJK text keeps its face.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .opc import NS_MAIN
from .xmltext import XML_DECL, local_name, root_prefix, serialize, xml_attr, xml_num

HEADER_FILL = "FFD9E1F2"   # light blue-grey
ERROR_FILL = "FFFFC7CE"    # Excel's "bad" light red
WARNING_FILL = "FFFFEB9C"  # Excel's "neutral" light yellow
MUTED_COLOR = "FF808080"
BORDER_COLOR = "FFBFBFBF"
TITLE_SIZE_STEP = 5        # title font = default size + 5 (11 -> 16)

NUM_FORMATS = {  # column kind -> format code; "text" keeps General
    "int": "0",
    "number": "0.00",
    "percent": "0.00%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
BUILTIN_NUM_FMT_IDS = {"General": 0, "0": 1, "0.00": 2, "0%": 9, "0.00%": 10}

_STYLE_SECTIONS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                   "cellStyles", "dxfs", "tableStyles", "colors", "extLst")
_SECTION_ITEM = {"numFmts": "numFmt", "fonts": "font", "fills": "fill", "borders": "border",
                 "cellXfs": "xf"}
_FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u",
               "vertAlign", "sz", "color", "name", "family", "charset", "scheme")

MINIMAL_STYLES = (
    XML_DECL + f'<styleSheet xmlns="{NS_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")


def _canon(el: ET.Element) -> tuple:
    """An order-insensitive key for exact-match lookup of style records."""
    return (local_name(el.tag), tuple(sorted(el.attrib.items())), (el.text or "").strip(),
            tuple(sorted(_canon(child) for child in el)))


class Styles:
    """The workbook's stylesheet with records appended on demand."""

    def __init__(self, data: bytes) -> None:
        self._text = data.decode("utf-8")
        root = ET.fromstring(data)
        self._ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        self._prefix = root_prefix(self._text, "styleSheet")
        self._keys: dict[str, list[tuple]] = {}
        self._pending: dict[str, list[str]] = {}
        for section, item in _SECTION_ITEM.items():
            el = root.find(self._q(section))
            self._keys[section] = [_canon(c) for c in el.findall(self._q(item))] \
                if el is not None else []
        numfmts = root.find(self._q("numFmts"))
        self._numfmt_ids: dict[str, int] = {}
        for el in (numfmts if numfmts is not None else []):
            code, fid = el.get("formatCode"), el.get("numFmtId")
            if code is not None and fid is not None and fid.isdigit():
                self._numfmt_ids.setdefault(code, int(fid))
        fonts = root.find(self._q("fonts"))
        self._font0 = fonts[0] if fonts is not None and len(fonts) else ET.Element("font")

    def _q(self, local: str) -> str:
        return f"{{{self._ns}}}{local}" if self._ns else local

    @property
    def changed(self) -> bool:
        return any(self._pending.values())

    def _find_or_add(self, section: str, item_xml: str) -> int:
        pfx = self._prefix[:-1]
        decl = f' xmlns{":" + pfx if pfx else ""}="{self._ns}"' if self._ns else ""
        wrapped = f"<r{decl}>{item_xml}</r>"
        key = _canon(ET.fromstring(wrapped)[0])
        keys = self._keys[section]
        if key in keys:
            return keys.index(key)
        keys.append(key)
        self._pending.setdefault(section, []).append(item_xml)
        return len(keys) - 1

    # -- records ------------------------------------------------------------------------------

    def num_fmt(self, code: str) -> int:
        if code in BUILTIN_NUM_FMT_IDS:
            return BUILTIN_NUM_FMT_IDS[code]
        if code not in self._numfmt_ids:
            fid = max([163, *self._numfmt_ids.values()]) + 1
            self._numfmt_ids[code] = fid
            self._find_or_add("numFmts", f'<{self._prefix}numFmt numFmtId="{fid}" '
                                         f'formatCode="{xml_attr(code)}"/>')
        return self._numfmt_ids[code]

    def font(self, bold: bool = False, size_step: int = 0, color: str | None = None) -> int:
        """The default font (font 0) made bold / larger / recoloured: same face for CJK text."""
        if not (bold or size_step or color):
            return 0
        children = {local_name(c.tag): c for c in self._font0}
        if bold:
            children["b"] = ET.Element("b")
        if size_step:
            base = float(children["sz"].get("val", "11")) if "sz" in children else 11.0
            children["sz"] = ET.Element("sz", val=xml_num(base + size_step))
        if color:
            children["color"] = ET.Element("color", rgb=color)
        ordered = sorted(children.items(), key=lambda kv: _FONT_ORDER.index(kv[0])
                         if kv[0] in _FONT_ORDER else len(_FONT_ORDER))
        body = "".join(serialize(el, self._prefix) for _, el in ordered)
        return self._find_or_add("fonts", f"<{self._prefix}font>{body}</{self._prefix}font>")

    def fill(self, rgb: str | None) -> int:
        if rgb is None:
            return 0
        p = self._prefix
        return self._find_or_add(
            "fills", f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{rgb}"/>'
                     f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')

    def thin_border(self) -> int:
        p = self._prefix
        side = "".join(f'<{p}{s} style="thin"><{p}color rgb="{BORDER_COLOR}"/></{p}{s}>'
                       for s in ("left", "right", "top", "bottom"))
        return self._find_or_add("borders", f"<{p}border>{side}<{p}diagonal/></{p}border>")

    def xf(self, num_fmt: int, font: int, fill: int, border: int,
           alignment: str | None = None) -> int:
        p = self._prefix
        attrs = (f'numFmtId="{num_fmt}" fontId="{font}" fillId="{fill}" borderId="{border}" '
                 f'xfId="0"')
        attrs += ' applyNumberFormat="1"' if num_fmt else ""
        attrs += ' applyFont="1"' if font else ""
        attrs += ' applyFill="1"' if fill else ""
        attrs += ' applyBorder="1"' if border else ""
        if alignment:
            return self._find_or_add(
                "cellXfs", f'<{p}xf {attrs} applyAlignment="1"><{p}alignment {alignment}/></{p}xf>')
        return self._find_or_add("cellXfs", f"<{p}xf {attrs}/>")

    # -- output -------------------------------------------------------------------------------

    def render(self) -> bytes:
        text = self._text
        for section in _SECTION_ITEM:
            items = self._pending.get(section)
            if items:
                text = self._append(text, section, items, len(self._keys[section]))
        return text.encode("utf-8")

    def _append(self, text: str, section: str, items: list[str], count: int) -> str:
        p = self._prefix
        opening = re.search(rf"<{re.escape(p)}{section}\b([^>]*?)(/?)>", text)
        body = "".join(items)
        if opening is None:  # insert the section before the first one that follows it
            later = _STYLE_SECTIONS[_STYLE_SECTIONS.index(section) + 1:]
            pattern = rf"<{re.escape(p)}(?:{'|'.join(later)})[\s/>]|</{re.escape(p)}styleSheet>"
            at = re.search(pattern, text).start()
            return text[:at] + f'<{p}{section} count="{count}">{body}</{p}{section}>' + text[at:]
        attrs = re.sub(r'\s+count="[^"]*"', "", opening.group(1))
        new_open = f'<{p}{section}{attrs} count="{count}">'
        if opening.group(2):  # self-closing
            return (text[:opening.start()] + new_open + body + f"</{p}{section}>"
                    + text[opening.end():])
        close = text.index(f"</{p}{section}>", opening.end())
        return (text[:opening.start()] + new_open + text[opening.end():close] + body
                + text[close:])


@dataclass
class SheetStyles:
    """Cell style (cellXfs index) per role, created on first use."""
    styles: Styles
    _cache: dict[tuple, int] = field(default_factory=dict)

    def title(self, centered: bool = True) -> int:
        """Centered and wrapped over the merged title row; or left-aligned on one line, for a
        table printed over several pages (its text then starts on the first page)."""
        alignment = ('horizontal="center" vertical="center" wrapText="1"' if centered
                     else 'horizontal="left" vertical="center"')
        return self._get(("title", centered), lambda s: s.xf(
            0, s.font(bold=True, size_step=TITLE_SIZE_STEP), 0, 0, alignment))

    def header(self) -> int:
        return self._get(("header",), lambda s: s.xf(
            0, s.font(bold=True), s.fill(HEADER_FILL), s.thin_border(),
            'horizontal="center" vertical="center" wrapText="1"'))

    def body(self, kind: str, mark: str | None, wrap: bool = False, top: bool = False) -> int:
        def make(s: Styles) -> int:
            fmt = s.num_fmt(NUM_FORMATS[kind]) if kind in NUM_FORMATS else 0
            font = s.font(bold=mark == "bold", color=MUTED_COLOR if mark == "muted" else None)
            fill = s.fill({"error": ERROR_FILL, "warning": WARNING_FILL}.get(mark or ""))
            # wrapped text makes rows taller: every cell of such a sheet reads from the top
            alignment = 'vertical="top" wrapText="1"' if wrap else 'vertical="top"' if top else None
            return s.xf(fmt, font, fill, s.thin_border(), alignment)
        return self._get(("body", kind, mark, wrap, top), make)

    def block(self, mark: str) -> int:
        """Rows that are not table rows (report.BLOCK_MARKS, "heading"): no number format."""
        if mark == "heading":
            return self.header()
        align = {"title": 'horizontal="center" vertical="center" wrapText="1"',
                 "note": 'horizontal="left" vertical="center" wrapText="1"',
                 "sign": 'horizontal="right" vertical="center"'}[mark]
        return self._get(("block", mark), lambda s: s.xf(
            0, s.font(bold=mark == "title", size_step=TITLE_SIZE_STEP if mark == "title" else 0), 0, 0, align))

    def _get(self, key: tuple, make) -> int:
        if key not in self._cache:
            self._cache[key] = make(self.styles)
        return self._cache[key]
