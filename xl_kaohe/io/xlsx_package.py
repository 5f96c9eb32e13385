"""Write output sheets into an existing .xlsx/.xlsm by replacing zip parts.

Loading and re-saving a ledger with openpyxl takes ~25 s for 100k work orders and drops the
``customUI14`` ribbon relationship (see notes/EXCEL-PACKAGING.md). An OOXML workbook is a zip
package, so this module copies every part through untouched -- compressed bytes, name, order
and timestamp -- and only writes:

- the output worksheets (and their drawing/chart parts when a chart is asked for); a replaced
  sheet's old rels go, with every part only they reached (old drawing, chart, comments,
  tables, printer settings) -- parts still referenced from elsewhere stay;
- ``xl/styles.xml`` when a needed style is missing (find-or-append, so it does not grow);
- ``xl/workbook.xml``: new ``<sheet>`` entries, and the output sheets' own built-in names
  ``_xlnm._FilterDatabase`` / ``_xlnm.Print_Area`` / ``_xlnm.Print_Titles`` (they follow the
  sheet's shape, so they are rewritten in place like the sheet); other names are left alone;
- ``xl/_rels/workbook.xml.rels``, ``[Content_Types].xml`` when parts are added or removed;
- ``xl/calcChain.xml`` when it lists cells of a replaced sheet;
- ``docProps/app.xml`` only when a sheet is added: its TitlesOfParts/HeadingPairs would go
  stale, so they are removed (both are optional; openpyxl never writes them and Excel rebuilds
  them on save).

Written parts get a fixed timestamp (1980-01-01) so the same input gives the same bytes.
Strings are inline (``t="inlineStr"``): sharedStrings.xml is never touched and text starting
with ``=`` is never a formula.
"""
from __future__ import annotations

import math
import numbers
import posixpath
import re
import struct
import unicodedata
import zipfile
import zlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Sequence
from urllib.parse import unquote

from xl_kaohe.core.report import BarChart, Column, OutputSheet
from xl_kaohe.core.tables import column_letter

__all__ = ["write_output_sheets"]

# ---- namespaces, relationship and content types ----------------------------------------------

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"

REL_OFFICE_DOC = NS_R + "/officeDocument"
REL_EXT_PROPS = NS_R + "/extended-properties"
REL_WORKSHEET = NS_R + "/worksheet"
REL_STYLES = NS_R + "/styles"
REL_CALC_CHAIN = NS_R + "/calcChain"
REL_DRAWING = NS_R + "/drawing"
REL_CHART = NS_R + "/chart"

CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"

XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = "[Content_Types].xml"

# ---- look -------------------------------------------------------------------------------------

HEADER_FILL = "FFD9E1F2"   # light blue-grey
ERROR_FILL = "FFFFC7CE"    # Excel's "bad" light red
WARNING_FILL = "FFFFEB9C"  # Excel's "neutral" light yellow
MUTED_COLOR = "FF808080"
BORDER_COLOR = "FFBFBFBF"
TITLE_SIZE_STEP = 5        # title font = default size + 5 (11 -> 16)
TITLE_ROW_HEIGHT = 25      # points per line of title
CHART_COLOR = "4472C4"
CHART_WIDTH_COLS = 10      # default-width columns the chart spans
CHART_MIN_ROWS = 16

NUM_FORMATS = {  # column kind -> format code; "text" keeps General
    "int": "0",
    "number": "0.00",
    "percent": "0.00%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
BUILTIN_NUM_FMT_IDS = {"General": 0, "0": 1, "0.00": 2, "0%": 9, "0.00%": 10}

MAX_CELL_CHARS = 32767  # Excel refuses longer cell text
MAX_ZIP32 = 0xFFFFFFFF


# =============================================================================================
# Public API
# =============================================================================================

def write_output_sheets(src: str | Path, dst: str | Path | BinaryIO,
                        sheets: Sequence[OutputSheet]) -> None:
    """Copy the package at src to dst, replacing (or adding) the worksheets named by `sheets`.

    Parts that are not output sheets are copied as raw compressed bytes. An existing sheet keeps
    its position, sheetId, relationship id, code name and tab colour; a new sheet is appended.
    """
    _check_sheets(sheets)
    if isinstance(dst, (str, Path)) and Path(dst).resolve() == Path(src).resolve():
        raise ValueError("dst must differ from src (write to a temporary file, then replace)")
    with open(src, "rb") as raw, zipfile.ZipFile(raw) as zf:
        pkg = _Package(zf)
        _Edit(pkg, sheets).run()
        if isinstance(dst, (str, Path)):
            with open(dst, "wb") as out:
                pkg.save(out, raw)
        else:
            pkg.save(dst, raw)


def _check_sheets(sheets: Sequence[OutputSheet]) -> None:
    seen: set[str] = set()
    for sheet in sheets:
        name = sheet.name
        if not 1 <= len(name) <= 31 or re.search(r"[\[\]:*?/\\]", name) \
                or name.startswith("'") or name.endswith("'") or name.casefold() == "history":
            raise ValueError(f"invalid Excel sheet name: {name!r}")
        if name.casefold() in seen:  # Excel compares sheet names case-insensitively
            raise ValueError(f"duplicate output sheet: {name!r}")
        seen.add(name.casefold())
        for i, row in enumerate(sheet.rows):
            if len(row) > len(sheet.columns):
                raise ValueError(f"{name}: row {i} has {len(row)} cells for "
                                 f"{len(sheet.columns)} columns")
        if sheet.chart is not None:
            n = len(sheet.columns)
            if not (0 <= sheet.chart.category_column < n and 0 <= sheet.chart.value_column < n):
                raise ValueError(f"{name}: chart column out of range")


# =============================================================================================
# Zip package: raw copy-through plus replaced/new parts
# =============================================================================================

_FIXED_DOS_DATE = (1 << 5) | 1  # 1980-01-01
_FIXED_DOS_TIME = 0


class _Package:
    """The source zip's parts in order, with pending replacements, additions and deletions."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self._zf = zf
        self._infos = zf.infolist()
        self._source = {info.filename: info for info in self._infos}
        self._written: dict[str, bytes] = {}
        self._deleted: set[str] = set()
        self._folded = {name.casefold(): name for name in self._source}  # OPC names ignore case

    def exists(self, name: str) -> bool:
        real = self._folded.get(name.casefold())
        return real is not None and real not in self._deleted

    def read(self, name: str) -> bytes:
        real = self._folded.get(name.casefold(), name)
        if real in self._deleted:
            raise KeyError(name)
        if real in self._written:
            return self._written[real]
        return self._zf.read(real)

    def read_optional(self, name: str) -> bytes | None:
        return self.read(name) if self.exists(name) else None

    def write(self, name: str, data: bytes) -> None:
        real = self._folded.setdefault(name.casefold(), name)
        self._deleted.discard(real)
        self._written[real] = data

    def delete(self, name: str) -> None:
        real = self._folded.get(name.casefold())
        if real is not None:
            self._deleted.add(real)
            self._written.pop(real, None)

    def save(self, out: BinaryIO, raw: BinaryIO) -> None:
        """Source order first (replaced parts in place), then new parts in the order written."""
        writer = _ZipWriter(out)
        for info in self._infos:
            name = info.filename
            if name in self._deleted:
                continue
            if name in self._written:
                writer.add(name, self._written[name])
            else:
                writer.copy_raw(info, raw)
        for name, data in self._written.items():
            if name not in self._source:
                writer.add(name, data)
        writer.close(self._zf.comment)


class _ZipWriter:
    """A minimal zip writer that can copy entries without recompressing them (no zip64)."""

    _LOCAL = struct.Struct("<4sHHHHHLLLHH")
    _CENTRAL = struct.Struct("<4sBBBBHHHHLLLHHHHHLL")
    _END = struct.Struct("<4sHHHHLLH")

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._offset = 0
        self._central: list[bytes] = []

    def _put(self, data: bytes) -> None:
        self._out.write(data)
        self._offset += len(data)

    def _entry(self, name: bytes, flags: int, method: int, dos_time: int, dos_date: int,
               crc: int, csize: int, usize: int, create_system: int = 0,
               internal_attr: int = 0, external_attr: int = 0) -> None:
        if max(csize, usize, self._offset) > MAX_ZIP32:
            raise ValueError("package too large for a zip without zip64")
        self._central.append(self._CENTRAL.pack(
            b"PK\x01\x02", 20, create_system, 20, 0, flags, method, dos_time, dos_date,
            crc, csize, usize, len(name), 0, 0, 0, internal_attr, external_attr,
            self._offset) + name)
        self._put(self._LOCAL.pack(b"PK\x03\x04", 20, flags, method, dos_time, dos_date,
                                   crc, csize, usize, len(name), 0) + name)

    def add(self, name: str, data: bytes) -> None:
        """A new part: deflated, with the fixed timestamp."""
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = compressor.compress(data) + compressor.flush()
        encoded, flags = _encode_name(name)
        self._entry(encoded, flags, zipfile.ZIP_DEFLATED, _FIXED_DOS_TIME, _FIXED_DOS_DATE,
                    zlib.crc32(data), len(packed), len(data))
        self._put(packed)

    def copy_raw(self, info: zipfile.ZipInfo, raw: BinaryIO) -> None:
        """Copy an entry's compressed bytes as they are; only the headers are rewritten."""
        if info.flag_bits & 0x1:
            raise ValueError(f"encrypted zip entry: {info.filename}")
        raw.seek(info.header_offset)
        header = raw.read(self._LOCAL.size)
        if header[:4] != b"PK\x03\x04":
            raise ValueError(f"bad local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        name = raw.read(name_len)
        raw.seek(extra_len, 1)
        y, mo, d, h, mi, s = info.date_time
        dos_date = ((y - 1980) << 9) | (mo << 5) | d
        dos_time = (h << 11) | (mi << 5) | (s // 2)
        flags = info.flag_bits & ~0x8  # sizes go in the local header: no data descriptor
        self._entry(name, flags, info.compress_type, dos_time, dos_date, info.CRC,
                    info.compress_size, info.file_size, info.create_system,
                    info.internal_attr, info.external_attr)
        remaining = info.compress_size
        while remaining:
            chunk = raw.read(min(remaining, 1 << 20))
            if not chunk:
                raise ValueError(f"truncated zip entry: {info.filename}")
            self._put(chunk)
            remaining -= len(chunk)

    def close(self, comment: bytes = b"") -> None:
        start = self._offset
        for record in self._central:
            self._put(record)
        count = len(self._central)
        if count > 0xFFFF or start > MAX_ZIP32:
            raise ValueError("package too large for a zip without zip64")
        self._put(self._END.pack(b"PK\x05\x06", 0, 0, count, count, self._offset - start,
                                 start, len(comment)) + comment)


def _encode_name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800  # bit 11: the name is UTF-8


# =============================================================================================
# OPC: relationships, content types, part names
# =============================================================================================

@dataclass
class _Rel:
    id: str
    type: str
    target: str
    external: bool = False


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _resolve(source_part: str, target: str) -> str:
    """The zip name a relationship target points to ('' is the package root)."""
    target = unquote(target)
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def _relative(source_part: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source_part) or ".")


def _parse_rels(data: bytes | None) -> list[_Rel]:
    if not data:
        return []
    rels = []
    for el in ET.fromstring(data):
        if el.tag.rsplit("}", 1)[-1] == "Relationship":
            rels.append(_Rel(el.get("Id", ""), el.get("Type", ""), el.get("Target", ""),
                             el.get("TargetMode") == "External"))
    return rels


def _render_rels(rels: Iterable[_Rel]) -> bytes:
    out = [XML_DECL, f'<Relationships xmlns="{NS_PKG_RELS}">']
    for rel in rels:
        mode = ' TargetMode="External"' if rel.external else ""
        out.append(f'<Relationship Id="{_attr(rel.id)}" Type="{_attr(rel.type)}" '
                   f'Target="{_attr(rel.target)}"{mode}/>')
    out.append("</Relationships>")
    return "".join(out).encode("utf-8")


def _next_rel_id(rels: Iterable[_Rel]) -> str:
    numbers_used = [int(m.group(1)) for r in rels if (m := re.fullmatch(r"rId(\d+)", r.id))]
    return f"rId{max(numbers_used, default=0) + 1}"


def _internal_targets(source_part: str, rels: Iterable[_Rel]) -> list[str]:
    return [_resolve(source_part, r.target) for r in rels if not r.external]


class _ContentTypes:
    """[Content_Types].xml; rewritten only if its set of entries really changed."""

    def __init__(self, data: bytes) -> None:
        self.defaults: list[tuple[str, str]] = []
        self.overrides: dict[str, str] = {}  # part name without the leading slash -> type
        for el in ET.fromstring(data):
            local = _local(el.tag)
            if local == "Default":
                self.defaults.append((el.get("Extension", ""), el.get("ContentType", "")))
            elif local == "Override":
                self.overrides[el.get("PartName", "").lstrip("/")] = el.get("ContentType", "")
        self._original = (list(self.defaults), dict(self.overrides))

    @property
    def changed(self) -> bool:
        return (self.defaults, self.overrides) != self._original

    def set(self, part: str, content_type: str) -> None:
        self.remove(part)
        self.overrides[part] = content_type

    def remove(self, part: str) -> None:
        for key in [k for k in self.overrides if k.casefold() == part.casefold()]:
            del self.overrides[key]

    def ensure_default(self, extension: str, content_type: str) -> None:
        if not any(ext.casefold() == extension for ext, _ in self.defaults):
            self.defaults.append((extension, content_type))

    def render(self) -> bytes:
        out = [XML_DECL, f'<Types xmlns="{NS_CT}">']
        out += [f'<Default Extension="{_attr(e)}" ContentType="{_attr(c)}"/>'
                for e, c in self.defaults]
        out += [f'<Override PartName="/{_attr(p)}" ContentType="{_attr(c)}"/>'
                for p, c in self.overrides.items()]
        out.append("</Types>")
        return "".join(out).encode("utf-8")


def _free_part_name(pkg: _Package, pattern: str, taken: set[str]) -> str:
    """The first `pattern % n` (n = 1, 2, ...) that is not in the package: deterministic."""
    n = 1
    while pkg.exists(pattern % n) or (pattern % n).casefold() in taken:
        n += 1
    taken.add((pattern % n).casefold())
    return pattern % n


# =============================================================================================
# XML text helpers
# =============================================================================================

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
                           "|_x[0-9A-Fa-f]{4}_")
_OOXML_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")


def _text(value: str) -> str:
    """Element text: XML-escaped, illegal XML 1.0 characters dropped.

    A literal ``_x0041_`` would be decoded by Excel as "A", so its underscore is escaped as
    ``_x005F_`` (ECMA-376 ST_Xstring); CR is written as a character reference so that XML
    line-end normalisation keeps it.
    """
    if not _TEXT_SPECIAL.search(value):
        return value
    value = _ILLEGAL_XML.sub("", value)
    value = _OOXML_ESCAPE.sub(r"_x005F_\1", value)
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _num(value: float) -> str:
    """A number as Excel writes it: integers without '.0', floats round-tripping exactly."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _root_prefix(text: str, local: str) -> str:
    """The prefix ('x:' or '') the document uses for its root element `local`."""
    m = re.search(r"<(?:([A-Za-z_][\w.-]*):)?" + local + r"[\s/>]", text)
    return m.group(1) + ":" if m and m.group(1) else ""


def _serialize(el: ET.Element, prefix: str) -> str:
    """Re-serialize a small element (no mixed content) with local names under `prefix`."""
    attrs = "".join(f' {k}="{_attr(v)}"' for k, v in el.attrib.items() if "}" not in k)
    children = "".join(_serialize(child, prefix) for child in el)
    text = _text(el.text or "")
    name = prefix + _local(el.tag)
    if not children and not text:
        return f"<{name}{attrs}/>"
    return f"<{name}{attrs}>{text}{children}</{name}>"


_col_letter = column_letter  # 0-based column index -> 'A', 'B', ... 'AA'


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


# =============================================================================================
# Styles: find-or-append in xl/styles.xml
# =============================================================================================

_STYLE_SECTIONS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                   "cellStyles", "dxfs", "tableStyles", "colors", "extLst")
_SECTION_ITEM = {"numFmts": "numFmt", "fonts": "font", "fills": "fill", "borders": "border",
                 "cellXfs": "xf"}
_FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u",
               "vertAlign", "sz", "color", "name", "family", "charset", "scheme")

_MINIMAL_STYLES = (
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
    return (_local(el.tag), tuple(sorted(el.attrib.items())), (el.text or "").strip(),
            tuple(sorted(_canon(child) for child in el)))


class _Styles:
    """The workbook's stylesheet with records appended on demand."""

    def __init__(self, data: bytes) -> None:
        self._text = data.decode("utf-8")
        root = ET.fromstring(data)
        self._ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        self._prefix = _root_prefix(self._text, "styleSheet")
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
                                         f'formatCode="{_attr(code)}"/>')
        return self._numfmt_ids[code]

    def font(self, bold: bool = False, size_step: int = 0, color: str | None = None) -> int:
        """The default font (font 0) made bold / larger / recoloured: same face for CJK text."""
        if not (bold or size_step or color):
            return 0
        children = {_local(c.tag): c for c in self._font0}
        if bold:
            children["b"] = ET.Element("b")
        if size_step:
            base = float(children["sz"].get("val", "11")) if "sz" in children else 11.0
            children["sz"] = ET.Element("sz", val=_num(base + size_step))
        if color:
            children["color"] = ET.Element("color", rgb=color)
        ordered = sorted(children.items(), key=lambda kv: _FONT_ORDER.index(kv[0])
                         if kv[0] in _FONT_ORDER else len(_FONT_ORDER))
        body = "".join(_serialize(el, self._prefix) for _, el in ordered)
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
class _SheetStyles:
    """Cell style (cellXfs index) per role, created on first use."""
    styles: _Styles
    _cache: dict[tuple, int] = field(default_factory=dict)

    def title(self) -> int:
        return self._get(("title",), lambda s: s.xf(
            0, s.font(bold=True, size_step=TITLE_SIZE_STEP), 0, 0,
            'horizontal="center" vertical="center" wrapText="1"'))

    def header(self) -> int:
        return self._get(("header",), lambda s: s.xf(
            0, s.font(bold=True), s.fill(HEADER_FILL), s.thin_border(),
            'horizontal="center" vertical="center" wrapText="1"'))

    def body(self, kind: str, mark: str | None) -> int:
        def make(s: _Styles) -> int:
            fmt = s.num_fmt(NUM_FORMATS[kind]) if kind in NUM_FORMATS else 0
            font = s.font(bold=mark == "bold", color=MUTED_COLOR if mark == "muted" else None)
            fill = s.fill({"error": ERROR_FILL, "warning": WARNING_FILL}.get(mark or ""))
            return s.xf(fmt, font, fill, s.thin_border())
        return self._get(("body", kind, mark), make)

    def _get(self, key: tuple, make) -> int:
        if key not in self._cache:
            self._cache[key] = make(self.styles)
        return self._cache[key]


# =============================================================================================
# Worksheet XML
# =============================================================================================

@dataclass
class _SheetHead:
    """What an existing output sheet keeps across rewrites (code name, tab colour, view)."""
    sheet_pr: ET.Element | None = None
    view: dict[str, str] = field(default_factory=dict)


_KEPT_VIEW_ATTRS = ("workbookViewId", "tabSelected", "zoomScale", "zoomScaleNormal",
                    "showGridLines")


def _read_sheet_head(data: bytes) -> _SheetHead:
    """Parse only up to <sheetData>: the old sheet may be large."""
    head = _SheetHead()
    parser = ET.XMLPullParser(events=("start", "end"))
    for offset in range(0, len(data), 1 << 16):
        parser.feed(data[offset:offset + (1 << 16)])
        for event, el in parser.read_events():
            local = _local(el.tag)
            if event == "end" and local == "sheetPr":
                head.sheet_pr = el
            elif event == "start" and local == "sheetView" and not head.view:
                head.view = {k: v for k, v in el.attrib.items() if k in _KEPT_VIEW_ATTRS}
                head.view.setdefault("workbookViewId", "0")
            elif event == "start" and local == "sheetData":
                return head
    return head


def _sheet_pr_xml(head: _SheetHead | None) -> str:
    """<sheetPr>: the old code name (it ties the sheet to its VBA module) and tab colour."""
    attrs, children = "", {}
    if head and head.sheet_pr is not None:
        attrs = "".join(f' {k}="{_attr(v)}"' for k, v in head.sheet_pr.attrib.items()
                        if "}" not in k and k != "filterMode")
        children = {_local(c.tag): c for c in head.sheet_pr}
    parts = [_serialize(children[k], "") for k in ("tabColor", "outlinePr") if k in children]
    parts.append('<pageSetUpPr fitToPage="1"/>')
    return f"<sheetPr{attrs}>{''.join(parts)}</sheetPr>"


class _Serial:
    """Dates as Excel serial numbers in the workbook's date system."""

    def __init__(self, date1904: bool) -> None:
        self.epoch = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
        self.date1904 = date1904

    def __call__(self, value: date) -> float | None:
        dt = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        dt = dt.replace(tzinfo=None)
        delta = dt - self.epoch
        if not self.date1904 and dt < datetime(1900, 3, 1):
            delta -= timedelta(days=1)  # Excel's phantom 1900-02-29
            if dt < datetime(1900, 1, 1):
                return None
        if delta < timedelta(0):
            return None
        return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


def _cell_xml(ref: str, value: Any, style: int, serial: _Serial) -> str:
    """One <c>. Strings are inline text (never formulas); dates are serial numbers."""
    if value is None:
        return f'<c r="{ref}" s="{style}"/>'
    cls = type(value)
    if cls is str:  # the common cases first: this runs for every cell
        return _string_cell(ref, value, style)
    if cls is int:
        return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{style}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, numbers.Integral):
        return f'<c r="{ref}" s="{style}"><v>{int(value)}</v></c>'
    if isinstance(value, (numbers.Real, Decimal)):
        number = float(value)
        if not math.isfinite(number):
            return f'<c r="{ref}" s="{style}" t="e"><v>#NUM!</v></c>'
        return f'<c r="{ref}" s="{style}"><v>{_num(number)}</v></c>'
    if isinstance(value, date):
        day = serial(value)
        if day is not None:
            return f'<c r="{ref}" s="{style}"><v>{_num(day)}</v></c>'
        value = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return _string_cell(ref, str(value), style)


def _string_cell(ref: str, text: str, style: int) -> str:
    # Drop the characters XML cannot carry first: what is left decides xml:space ("0 \x08" -> "0 ").
    text = _ILLEGAL_XML.sub("", text[:MAX_CELL_CHARS])
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() \
        or "\n" in text else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{_text(text)}</t></is></c>'


def _date_kind(value: Any, column_kind: str) -> str:
    """Dates need a date format even in a text column (else Excel shows a serial number)."""
    if isinstance(value, datetime):
        return column_kind if column_kind in ("date", "datetime") else "datetime"
    if isinstance(value, date):
        return column_kind if column_kind in ("date", "datetime") else "date"
    return column_kind


def _sheet_xml(sheet: OutputSheet, styles: _SheetStyles, serial: _Serial,
               head: _SheetHead | None, drawing_rid: str | None, landscape: bool) -> bytes:
    ncols = max(len(sheet.columns), 1)
    letters = [_col_letter(i) for i in range(ncols)]
    kinds = [c.kind for c in sheet.columns]
    header_row = sheet.header_row
    last_row = header_row + len(sheet.rows)
    out = [XML_DECL, f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">', _sheet_pr_xml(head),
           f'<dimension ref="A1:{letters[-1]}{last_row}"/>']

    view = dict(head.view) if head and head.view else {"workbookViewId": "0"}
    view_attrs = "".join(f' {k}="{_attr(v)}"' for k, v in view.items())
    top_left = f"A{header_row + 1}"
    out.append(f"<sheetViews><sheetView{view_attrs}>"
               f'<pane ySplit="{header_row}" topLeftCell="{top_left}" activePane="bottomLeft" '
               f'state="frozen"/><selection pane="bottomLeft" activeCell="{top_left}" '
               f'sqref="{top_left}"/></sheetView></sheetViews>')
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    if sheet.columns:
        out.append("<cols>" + "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{_num(c.width)}" customWidth="1"/>'
            for i, c in enumerate(sheet.columns)) + "</cols>")

    out.append("<sheetData>")
    if sheet.title:
        height = TITLE_ROW_HEIGHT * _title_lines(sheet.title, sheet.columns)
        out.append(f'<row r="1" ht="{_num(height)}" customHeight="1">')
        out.append(_cell_xml("A1", sheet.title, styles.title(), serial))
        out.append("</row>")
    header_style = styles.header()
    out.append(f'<row r="{header_row}">')
    out.extend(_cell_xml(f"{letters[i]}{header_row}", c.header, header_style, serial)
               for i, c in enumerate(sheet.columns))
    out.append("</row>")
    mark_styles: dict[str | None, list[int]] = {}  # per row mark: each column's style
    width = len(sheet.columns)
    for index, row in enumerate(sheet.rows):
        r = header_row + 1 + index
        mark = sheet.row_marks.get(index)
        if mark not in mark_styles:
            mark_styles[mark] = [styles.body(kind, mark) for kind in kinds]
        col_styles = mark_styles[mark]
        out.append(f'<row r="{r}">')
        cells = row if len(row) == width else [*row, *[None] * (width - len(row))]
        for i, value in enumerate(cells):
            style = col_styles[i]
            if isinstance(value, date):  # a date needs a date format whatever the column
                style = styles.body(_date_kind(value, kinds[i]), mark)
            out.append(_cell_xml(f"{letters[i]}{r}", value, style, serial))
        out.append("</row>")
    out.append("</sheetData>")

    if sheet.columns:
        out.append(f'<autoFilter ref="A{header_row}:{letters[-1]}{last_row}"/>')
    if sheet.title and len(sheet.columns) > 1:
        out.append(f'<mergeCells count="1"><mergeCell ref="A1:{letters[-1]}1"/></mergeCells>')
    out.append('<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" '
               'footer="0.3"/>')
    orientation = "landscape" if landscape else "portrait"
    out.append(f'<pageSetup paperSize="9" orientation="{orientation}" fitToWidth="1" '
               f'fitToHeight="0"/>')
    if drawing_rid:
        out.append(f'<drawing r:id="{drawing_rid}"/>')
    out.append("</worksheet>")
    return "".join(out).encode("utf-8")


def _title_lines(title: str, columns: Sequence[Column]) -> int:
    """Lines the wrapped title needs in its merged cell: merged text never overflows, and
    Excel does not grow a row height that is set."""
    chars = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in title)
    scale = (11 + TITLE_SIZE_STEP) / 11  # title font vs the default
    available = sum(c.width for c in columns) or 1.0
    return max(1, math.ceil(chars * scale * 1.05 / available))


def _is_landscape(sheet: OutputSheet) -> bool:
    """Wide tables print landscape (the print area is the table; the chart is not printed)."""
    return sum(c.width for c in sheet.columns) > 100


# =============================================================================================
# Drawing + bar chart
# =============================================================================================

def _chart_data(sheet: OutputSheet) -> list:
    """The data rows the chart shows: the first ``chart.rows`` rows, or all of them."""
    limit = sheet.chart.rows if sheet.chart and sheet.chart.rows is not None else len(sheet.rows)
    return sheet.rows[:limit]


def _chart_rows(sheet: OutputSheet) -> tuple[int, int]:
    """First and last worksheet rows of the chart's data (1-based)."""
    return sheet.first_data_row, sheet.header_row + len(_chart_data(sheet))


def _drawing_xml(sheet: OutputSheet) -> bytes:
    """Anchored right of the table (one empty column between), as tall as the data rows."""
    first_col = len(sheet.columns) + 1
    top = sheet.header_row - 1  # 0-based: align with the header row
    # ~1.3 rows per bar keeps every 9pt category label readable; + title and axis
    bottom = top + max(math.ceil(len(_chart_data(sheet)) * 1.3) + 5, CHART_MIN_ROWS)
    return (XML_DECL +
            f'<xdr:wsDr xmlns:xdr="{NS_XDR}" xmlns:a="{NS_A}">'
            '<xdr:twoCellAnchor editAs="oneCell">'
            f"<xdr:from><xdr:col>{first_col}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{top}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f"<xdr:to><xdr:col>{first_col + CHART_WIDTH_COLS}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{bottom}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
            '<xdr:graphicFrame macro="">'
            '<xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/><xdr:cNvGraphicFramePr/>'
            "</xdr:nvGraphicFramePr>"
            '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{NS_C}">'
            f'<c:chart xmlns:c="{NS_C}" xmlns:r="{NS_R}" r:id="rId1"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>"
            "</xdr:twoCellAnchor></xdr:wsDr>").encode("utf-8")


def _rich_text(text: str, size: int) -> str:
    return (f'<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}" b="1"/>'
            f'</a:pPr><a:r><a:rPr lang="zh-CN" sz="{size}" b="1"/><a:t>{_text(text)}</a:t>'
            f"</a:r></a:p></c:rich></c:tx>")


def _chart_xml(sheet: OutputSheet, chart: BarChart) -> bytes:
    """A horizontal clustered bar chart: long Chinese unit names read well on the left axis.

    Ranges are formulas into the sheet (Excel refreshes from them) and carry cached values for
    viewers that do not recalculate.
    """
    first, last = _chart_rows(sheet)
    quoted = _attr(_quote_sheet(sheet.name))
    cat_col = _col_letter(chart.category_column)
    val_col = _col_letter(chart.value_column)
    categories, values = [], []
    for idx, row in enumerate(_chart_data(sheet)):
        cat = row[chart.category_column] if chart.category_column < len(row) else None
        val = row[chart.value_column] if chart.value_column < len(row) else None
        if cat is not None:
            categories.append(f'<c:pt idx="{idx}"><c:v>{_text(str(cat))}</c:v></c:pt>')
        if isinstance(val, (int, float, Decimal)) and not isinstance(val, bool) \
                and math.isfinite(float(val)):
            values.append(f'<c:pt idx="{idx}"><c:v>{_num(float(val))}</c:v></c:pt>')
    n = len(_chart_data(sheet))
    series_name = sheet.columns[chart.value_column].header
    cat_ax, val_ax = 500000001, 500000002
    title = (f"<c:title>{_rich_text(chart.title, 1400)}<c:overlay val=\"0\"/></c:title>"
             if chart.title else "")
    val_title = (f"<c:title>{_rich_text(chart.value_axis_title, 1000)}<c:overlay val=\"0\"/>"
                 "</c:title>" if chart.value_axis_title else "")
    return (XML_DECL +
            f'<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
            '<c:date1904 val="0"/><c:lang val="zh-CN"/><c:roundedCorners val="0"/>'
            f'<c:chart>{title}<c:autoTitleDeleted val="{0 if chart.title else 1}"/>'
            "<c:plotArea><c:layout/><c:barChart>"
            '<c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            '<c:ser><c:idx val="0"/><c:order val="0"/>'
            f"<c:tx><c:strRef><c:f>{quoted}!${val_col}${sheet.header_row}</c:f>"
            f'<c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>{_text(series_name)}</c:v>'
            "</c:pt></c:strCache></c:strRef></c:tx>"
            f'<c:spPr><a:solidFill><a:srgbClr val="{CHART_COLOR}"/></a:solidFill></c:spPr>'
            '<c:invertIfNegative val="0"/>'
            '<c:dLbls><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>'
            '<c:dLblPos val="outEnd"/><c:showLegendKey val="0"/><c:showVal val="1"/>'
            '<c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/>'
            '<c:showBubbleSize val="0"/></c:dLbls>'
            f"<c:cat><c:strRef><c:f>{quoted}!${cat_col}${first}:${cat_col}${last}</c:f>"
            f'<c:strCache><c:ptCount val="{n}"/>{"".join(categories)}</c:strCache>'
            "</c:strRef></c:cat>"
            f"<c:val><c:numRef><c:f>{quoted}!${val_col}${first}:${val_col}${last}</c:f>"
            f'<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{n}"/>'
            f'{"".join(values)}</c:numCache></c:numRef></c:val>'
            "</c:ser>"
            f'<c:gapWidth val="60"/><c:axId val="{cat_ax}"/><c:axId val="{val_ax}"/>'
            "</c:barChart>"
            # categories top-down in table order; the value axis then crosses at the bottom
            f'<c:catAx><c:axId val="{cat_ax}"/><c:scaling><c:orientation val="maxMin"/>'
            '</c:scaling><c:delete val="0"/><c:axPos val="l"/>'
            '<c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="none"/>'
            '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            f'<c:crossAx val="{val_ax}"/><c:crosses val="autoZero"/><c:auto val="1"/>'
            '<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:tickLblSkip val="1"/>'
            '<c:noMultiLvlLbl val="0"/></c:catAx>'
            f'<c:valAx><c:axId val="{val_ax}"/><c:scaling><c:orientation val="minMax"/>'
            '</c:scaling><c:delete val="0"/><c:axPos val="b"/><c:majorGridlines/>'
            f'{val_title}<c:numFmt formatCode="General" sourceLinked="1"/>'
            '<c:majorTickMark val="out"/><c:minorTickMark val="none"/>'
            f'<c:tickLblPos val="nextTo"/><c:crossAx val="{cat_ax}"/><c:crosses val="max"/>'
            '<c:crossBetween val="between"/></c:valAx>'
            '</c:plotArea><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
            '<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"/></a:pPr>'
            '<a:endParaRPr lang="zh-CN"/></a:p></c:txPr>'
            "</c:chartSpace>").encode("utf-8")


# =============================================================================================
# workbook.xml, calcChain.xml, app.xml edits (string edits: everything else stays as it was)
# =============================================================================================

@dataclass
class _WbSheet:
    name: str
    sheet_id: int
    rid: str


def _parse_workbook(data: bytes) -> tuple[list[_WbSheet], bool]:
    root = ET.fromstring(data)
    ns = root.tag[1:].split("}")[0]
    if ns == NS_STRICT_MAIN:
        raise ValueError("Strict Open XML workbooks are not supported; save as Excel Workbook")
    sheets = [_WbSheet(el.get("name", ""), int(el.get("sheetId", "0")), el.get(f"{{{NS_R}}}id", ""))
              for el in root.iter(f"{{{ns}}}sheet")]
    pr = root.find(f"{{{ns}}}workbookPr")
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    return sheets, date1904


_WB_AFTER_DEFINED_NAMES = ("calcPr", "oleSize", "customWorkbookViews", "pivotCaches",
                           "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr",
                           "webPublishObjects", "extLst")


class _WorkbookXml:
    """String edits on workbook.xml so unknown extensions and prefixes survive untouched."""

    def __init__(self, data: bytes) -> None:
        self.text = data.decode("utf-8")
        self.changed = False
        self.p = re.escape(_root_prefix(self.text, "workbook"))
        self.prefix = _root_prefix(self.text, "workbook")
        root_tag = re.search(r"<(?:[\w.-]+:)?workbook\b[^>]*>", self.text).group(0)
        m = re.search(r'xmlns:([\w.-]+)="' + re.escape(NS_R) + '"', root_tag)
        self.r_prefix = m.group(1) if m else None

    def add_sheet(self, name: str, sheet_id: int, rid: str) -> None:
        r = self.r_prefix or "r"
        decl = "" if self.r_prefix else f' xmlns:r="{NS_R}"'
        element = (f'<{self.prefix}sheet name="{_attr(name)}" sheetId="{sheet_id}"{decl} '
                   f'{r}:id="{rid}"/>')
        close = re.search(rf"</{self.p}sheets>", self.text)
        self.text = self.text[:close.start()] + element + self.text[close.start():]
        self.changed = True

    def set_builtin_name(self, index: int, name: str, formula: str, hidden: bool = False) -> None:
        """Set a sheet-local built-in name (_xlnm.*) of an output sheet, in place if present."""
        prefix = self.prefix
        flag = ' hidden="1"' if hidden else ""
        element = (f'<{prefix}definedName name="{name}" localSheetId="{index}"{flag}>'
                   f"{_text(formula)}</{prefix}definedName>")
        found = self._find_names(name, index)
        if not found:
            self._add_name(element)
            return
        for m in reversed(found[1:]):  # duplicates: keep one
            self.text = self.text[:m.start()] + self.text[m.end():]
            self.changed = True
        if found[0].group(0) != element:
            self.text = self.text[:found[0].start()] + element + self.text[found[0].end():]
            self.changed = True

    def _find_names(self, name: str, index: int) -> list[re.Match]:
        pattern = (rf"<{self.p}definedName\b[^>]*/>"
                   rf"|<{self.p}definedName\b[^>]*>.*?</{self.p}definedName>")
        found = []
        for m in re.finditer(pattern, self.text, re.S):
            start = m.group(0)[:m.group(0).index(">")]
            if f'name="{name}"' in start and re.search(rf'localSheetId="{index}"', start):
                found.append(m)
        return found

    def _add_name(self, element: str) -> None:
        p, prefix = self.p, self.prefix
        empty_list = f"<{prefix}definedNames></{prefix}definedNames>"
        if not re.search(rf"</{p}definedNames>", self.text):
            empty = re.search(rf"<{p}definedNames\s*/>", self.text)
            if empty:
                self.text = self.text[:empty.start()] + empty_list + self.text[empty.end():]
            else:  # schema order: definedNames goes before calcPr and the rest
                later = "|".join(_WB_AFTER_DEFINED_NAMES)
                at = re.search(rf"<{p}(?:{later})[\s/>]|</{p}workbook>", self.text).start()
                self.text = self.text[:at] + empty_list + self.text[at:]
        at = re.search(rf"</{p}definedNames>", self.text).start()
        self.text = self.text[:at] + element + self.text[at:]
        self.changed = True


def _prune_calc_chain(data: bytes, sheet_ids: set[int]) -> bytes | None:
    """Drop the cells of `sheet_ids`; None when nothing is left. An omitted i= means 'same sheet
    as the previous entry', so a kept entry gets an explicit i= where that would change."""
    text = data.decode("utf-8")
    entries = list(re.finditer(r"<(?:[\w.-]+:)?c\b[^>]*/>", text))
    if not entries:
        return None
    kept, current, last_kept = [], None, None
    for m in entries:
        i = re.search(r'\bi="(\d+)"', m.group(0))
        if i:
            current = int(i.group(1))
        if current in sheet_ids:
            continue
        element = m.group(0)
        if not i and last_kept != current:
            element = re.sub(r"^(<(?:[\w.-]+:)?c)\b", rf'\1 i="{current}"', element)
        kept.append(element)
        last_kept = current
    if len(kept) == len(entries):
        return data
    if not kept:
        return None
    return (text[:entries[0].start()] + "".join(kept) + text[entries[-1].end():]).encode("utf-8")


def _drop_app_titles(data: bytes) -> bytes:
    text = data.decode("utf-8")
    for local in ("HeadingPairs", "TitlesOfParts"):
        text = re.sub(rf"<((?:[\w.-]+:)?){local}\b.*?</\1{local}>|<(?:[\w.-]+:)?{local}\s*/>",
                      "", text, flags=re.S)
    return text.encode("utf-8")


# =============================================================================================
# The edit: plan, remove old parts, write new ones
# =============================================================================================

@dataclass
class _Target:
    sheet: OutputSheet
    part: str
    index: int          # position in <sheets> (localSheetId)
    head: _SheetHead | None


class _Edit:
    def __init__(self, pkg: _Package, sheets: Sequence[OutputSheet]) -> None:
        self.pkg = pkg
        self.sheets = sheets
        self.root_rels = _parse_rels(pkg.read_optional("_rels/.rels"))
        office = [r for r in self.root_rels if r.type == REL_OFFICE_DOC]
        if not office:
            raise ValueError("not a spreadsheet package: no officeDocument relationship")
        self.wb_part = _resolve("", office[0].target)
        self.wb_rels_part = _rels_name(self.wb_part)
        self.wb_rels = _parse_rels(pkg.read_optional(self.wb_rels_part))
        self.wb_rels_changed = False
        self.types = _ContentTypes(pkg.read(CONTENT_TYPES))
        self.wb = _WorkbookXml(pkg.read(self.wb_part))
        self.wb_sheets, date1904 = _parse_workbook(pkg.read(self.wb_part))
        self.serial = _Serial(date1904)

    def run(self) -> None:
        targets, replaced_ids, added = self._plan_sheets()
        self._remove_old_subtrees([t.part for t in targets if t.head is not None])
        styles_part, styles = self._load_styles()
        sheet_styles = _SheetStyles(styles)
        taken: set[str] = set()
        for target in targets:
            self._write_sheet(target, sheet_styles, taken)
        if styles.changed:
            self.pkg.write(styles_part, styles.render())
        self._prune_calc_chain(replaced_ids)
        if added:
            self._drop_stale_app_titles()
        self._save_workbook_parts()

    # -- planning -----------------------------------------------------------------------------

    def _plan_sheets(self) -> tuple[list[_Target], set[int], bool]:
        by_name = {s.name.casefold(): (i, s) for i, s in enumerate(self.wb_sheets)}
        rels = {r.id: r for r in self.wb_rels}
        targets, replaced_ids, added = [], set(), False
        taken: set[str] = set()
        for sheet in self.sheets:
            found = by_name.get(sheet.name.casefold())
            if found:
                index, wb_sheet = found
                rel = rels.get(wb_sheet.rid)
                if rel is None or rel.type != REL_WORKSHEET:
                    raise ValueError(f"sheet {wb_sheet.name!r} exists but is not a worksheet")
                part = _resolve(self.wb_part, rel.target)
                targets.append(_Target(sheet, part, index, _read_sheet_head(self.pkg.read(part))))
                replaced_ids.add(wb_sheet.sheet_id)
                continue
            folder = posixpath.join(posixpath.dirname(self.wb_part), "worksheets")
            part = _free_part_name(self.pkg, folder + "/sheet%d.xml", taken)
            rid = _next_rel_id(self.wb_rels)
            sheet_id = max((s.sheet_id for s in self.wb_sheets), default=0) + 1
            self.wb_rels.append(_Rel(rid, REL_WORKSHEET, _relative(self.wb_part, part)))
            self.wb_rels_changed = True
            self.wb_sheets.append(_WbSheet(sheet.name, sheet_id, rid))
            self.wb.add_sheet(sheet.name, sheet_id, rid)
            self.types.set(part, CT_WORKSHEET)
            targets.append(_Target(sheet, part, len(self.wb_sheets) - 1, None))
            added = True
        return targets, replaced_ids, added

    def _remove_old_subtrees(self, sheet_parts: list[str]) -> None:
        """Drop the old sheets' rels and every part only they reached (drawings, charts,
        comments, printer settings ...): parts still reachable from elsewhere stay."""
        old = {p.casefold() for p in sheet_parts}
        candidates: set[str] = set()
        stack = list(sheet_parts)
        while stack:
            part = stack.pop()
            rels = _parse_rels(self.pkg.read_optional(_rels_name(part)))
            for target in _internal_targets(part, rels):
                if target.casefold() not in candidates and target.casefold() not in old:
                    candidates.add(target.casefold())
                    stack.append(target)
        for part in sheet_parts:
            self.pkg.delete(_rels_name(part))
        if not candidates:
            return
        reachable = self._reachable(skip=old)
        for part in candidates - reachable:
            self.pkg.delete(part)
            self.pkg.delete(_rels_name(part))
            self.types.remove(part)

    def _reachable(self, skip: set[str]) -> set[str]:
        seen: set[str] = set()
        stack = [""]
        while stack:
            part = stack.pop()
            rels_part = "_rels/.rels" if part == "" else _rels_name(part)
            if part.casefold() in skip:
                continue
            for target in _internal_targets(part, _parse_rels(self.pkg.read_optional(rels_part))):
                if target.casefold() not in seen:
                    seen.add(target.casefold())
                    stack.append(target)
        return seen

    # -- styles -------------------------------------------------------------------------------

    def _load_styles(self) -> tuple[str, _Styles]:
        rel = next((r for r in self.wb_rels if r.type == REL_STYLES), None)
        if rel is not None:
            part = _resolve(self.wb_part, rel.target)
            if self.pkg.exists(part):
                return part, _Styles(self.pkg.read(part))
        part = posixpath.join(posixpath.dirname(self.wb_part), "styles.xml")
        if rel is None:
            self.wb_rels.append(_Rel(_next_rel_id(self.wb_rels), REL_STYLES,
                                     _relative(self.wb_part, part)))
            self.wb_rels_changed = True
        self.types.set(part, CT_STYLES)
        data = _MINIMAL_STYLES.encode("utf-8")
        self.pkg.write(part, data)
        return part, _Styles(data)

    # -- sheets -------------------------------------------------------------------------------

    def _write_sheet(self, target: _Target, styles: _SheetStyles, taken: set[str]) -> None:
        sheet = target.sheet
        drawing_rid = None
        if sheet.chart is not None and sheet.rows:
            drawing_rid = "rId1"
            folder = posixpath.dirname(self.wb_part)
            drawing = _free_part_name(self.pkg, folder + "/drawings/drawing%d.xml", taken)
            chart = _free_part_name(self.pkg, folder + "/charts/chart%d.xml", taken)
            self.pkg.write(drawing, _drawing_xml(sheet))
            self.pkg.write(_rels_name(drawing), _render_rels(
                [_Rel("rId1", REL_CHART, _relative(drawing, chart))]))
            self.pkg.write(chart, _chart_xml(sheet, sheet.chart))
            self.pkg.write(_rels_name(target.part), _render_rels(
                [_Rel(drawing_rid, REL_DRAWING, _relative(target.part, drawing))]))
            self.types.set(drawing, CT_DRAWING)
            self.types.set(chart, CT_CHART)
        self.pkg.write(target.part, _sheet_xml(sheet, styles, self.serial, target.head,
                                               drawing_rid, _is_landscape(sheet)))
        if sheet.columns:
            self._set_builtin_names(target)

    def _set_builtin_names(self, target: _Target) -> None:
        """The output sheet's filter range, print area (the table, not the chart) and print
        titles follow its shape, so they are rewritten every run like the sheet itself."""
        sheet = target.sheet
        quoted = _quote_sheet(self.wb_sheets[target.index].name)
        last_col = _col_letter(len(sheet.columns) - 1)
        last_row = sheet.header_row + len(sheet.rows)
        header = sheet.header_row
        self.wb.set_builtin_name(target.index, "_xlnm._FilterDatabase",
                                 f"{quoted}!$A${header}:${last_col}${last_row}", hidden=True)
        self.wb.set_builtin_name(target.index, "_xlnm.Print_Area",
                                 f"{quoted}!$A$1:${last_col}${last_row}")
        self.wb.set_builtin_name(target.index, "_xlnm.Print_Titles",
                                 f"{quoted}!${header}:${header}")

    # -- workbook-level parts -----------------------------------------------------------------

    def _prune_calc_chain(self, sheet_ids: set[int]) -> None:
        rel = next((r for r in self.wb_rels if r.type == REL_CALC_CHAIN), None)
        if rel is None or not sheet_ids:
            return
        part = _resolve(self.wb_part, rel.target)
        data = self.pkg.read_optional(part)
        if data is None:
            return
        pruned = _prune_calc_chain(data, sheet_ids)
        if pruned is None:
            self.pkg.delete(part)
            self.types.remove(part)
            self.wb_rels.remove(rel)
            self.wb_rels_changed = True
        elif pruned != data:
            self.pkg.write(part, pruned)

    def _drop_stale_app_titles(self) -> None:
        rel = next((r for r in self.root_rels if r.type == REL_EXT_PROPS), None)
        part = _resolve("", rel.target) if rel else None
        data = self.pkg.read_optional(part) if part else None
        if data is not None:
            new = _drop_app_titles(data)
            if new != data:
                self.pkg.write(part, new)

    def _save_workbook_parts(self) -> None:
        if self.wb.changed:
            self.pkg.write(self.wb_part, self.wb.text.encode("utf-8"))
        if self.wb_rels_changed:
            self.pkg.write(self.wb_rels_part, _render_rels(self.wb_rels))
        self.types.ensure_default("rels", CT_RELS)
        if self.types.changed:
            self.pkg.write(CONTENT_TYPES, self.types.render())
