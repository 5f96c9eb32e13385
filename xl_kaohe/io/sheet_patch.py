"""Write cells into one worksheet of an .xlsx/.xlsm by patching its zip part.

Loading and re-saving the ledger with openpyxl costs ~25 s at 100k orders and orphans the
customUI14 ribbon (notes/EXCEL-PACKAGING.md). So the importer (工单) and the holiday-notice job
(节假日) change only:

- the worksheet XML, edited as text: rows that get cells are rebuilt, every other byte of the
  part stays as it was (other rows, sheetViews, dataValidations, conditional formats, extLst);
  ``<dimension>`` grows to cover the new cells;
- the sheet's Excel Table part (``ref`` and its ``autoFilter ref``) when appended rows go below
  it or new header cells (an import's extra columns) right of it, and the data-validation / conditional-format ranges that ended exactly at the table's
  last row (Excel extends those with the table);
- ``xl/styles.xml`` only when the workbook has no date style at all to show a date with.

Every other part -- VBA project, ribbon, other sheets, workbook.xml with its defined names,
sharedStrings -- is copied as raw compressed bytes by ``ooxml.zipcopy``.

New cells: strings are inline strings (``t="inlineStr"``), never formulas, whatever their first
character; numbers are numbers; dates are serial numbers with a date style -- the style the
cell or the column already uses, else an existing ``yyyy-mm-dd hh:mm``-like style. A cell that
holds a formula is never overwritten (it is reported instead).
"""
from __future__ import annotations

import math
import re
from collections import deque
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Callable, Mapping

from .ooxml.opc import (NS_R, REL_OFFICE_DOC, REL_STYLES, REL_WORKSHEET, parse_rels, rels_name,
                        resolve)
from .ooxml.styles import Styles
from .ooxml.workbook_part import parse_workbook
from .ooxml.worksheet import Serial
from .ooxml.xmltext import col_letter, root_prefix, xml_attr, xml_num, xml_text
from .ooxml.zipcopy import DeflateSink, Deflated, Package

REL_TABLE = NS_R + "/table"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
STYLE_LOOKBACK_ROWS = 200  # how far up to look for the style a column already uses

# Built-in number formats that show dates or times (ECMA-376 18.8.30; 27-36 and 50-58 are the
# East Asian date formats).
_BUILTIN_DATE_FMTS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))

MSG_NO_SHEET = "工作簿中没有「{sheet}」表"
MSG_NOT_WORKSHEET = "「{sheet}」不是普通工作表，无法写入"
MSG_TOTALS_ROW = ("「{sheet}」表格（{table}）带有汇总行，无法在其下方追加：请先在 Excel 中取消"
                  "“汇总行”，再导入")
MSG_CHANGED_MEANWHILE = "台账在导入过程中被其它程序修改，未写入：请重新导入"
MSG_NOT_PACKAGE = "不是有效的 Excel 工作簿：缺少 workbook 部件"
MSG_NO_SHEET_DATA = "工作表 XML 缺少 sheetData，无法写入"
MSG_NO_STYLES = "工作簿缺少样式表（styles.xml），无法写入日期"


class PatchError(ValueError):
    """The sheet cannot be patched; the message is Chinese."""


@dataclass
class PreparedPatch:
    """The new bytes of the changed parts, ready to be copied into a new package."""
    src: Path
    parts: dict[str, bytes | Deflated]  # the big worksheet part arrives compressed
    sheet_part: str
    sheet_crc: int
    skipped_formulas: list[tuple[int, int]] = field(default_factory=list)  # (row, 0-based col)
    grown_tables: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.parts)

    def write(self, dst: str | Path | BinaryIO) -> None:
        with open(self.src, "rb") as raw, zipfile.ZipFile(raw) as zf:
            if zf.getinfo(self.sheet_part).CRC != self.sheet_crc:
                raise PatchError(MSG_CHANGED_MEANWHILE)
            pkg = Package(zf)
            for name, data in self.parts.items():
                pkg.write(name, data)
            if isinstance(dst, (str, Path)):
                with open(dst, "wb") as out:
                    pkg.save(out, raw)
            else:
                pkg.save(dst, raw)


def prepare_cells(src: str | Path, sheet: str, edits: Mapping[int, Mapping[int, Any]], *,
                  header_row: int, key_column: int,
                  progress: Callable[[float], None] | None = None,
                  date_format: str = DATETIME_FORMAT) -> PreparedPatch:
    """Plan writing ``edits`` (worksheet row -> {0-based column: value}) into ``sheet``
    (工单 for imports, 节假日 for holiday notices).

    ``header_row``/``key_column`` locate the ledger's header and key column: the Excel Table
    whose top row is the header and that spans the key column grows over appended rows, and
    over new header cells written just right of it (its new columns take their names).
    ``date_format``: the style added for dates when the column and the workbook have none
    (工单 times: yyyy-mm-dd hh:mm; 节假日 days: yyyy-mm-dd)."""
    src = Path(src)
    with open(src, "rb") as raw, zipfile.ZipFile(raw) as zf:
        pkg = Package(zf)
        wb_part, wb_rels = _workbook(pkg)
        part = _sheet_part(pkg, wb_part, wb_rels, sheet)
        info = next(i for i in zf.infolist() if i.filename.casefold() == part.casefold())
        _, date1904 = parse_workbook(pkg.read(wb_part))
        styles_part = next((resolve(wb_part, r.target) for r in wb_rels if r.type == REL_STYLES), None)
        styles = _StyleInfo(pkg.read_optional(styles_part) if styles_part else None, date_format)
        last_row = max((r for r, cells in edits.items() if cells), default=0)
        prepared = PreparedPatch(src, {}, info.filename, info.CRC)
        bottoms: list[int] = []  # the tables' old last rows: ranges ending there follow them down
        for table_part in _table_parts(pkg, part):
            grown = _grow_table(pkg.read(table_part), sheet, header_row, key_column, last_row,
                                edits.get(header_row, {}))
            if grown is not None:
                new_data, name, old_bottom = grown
                prepared.parts[table_part] = new_data
                prepared.grown_tables.append(name)
                if last_row > old_bottom:
                    bottoms.append(old_bottom)

        def follow_tables(tail: bytes) -> bytes:
            for old_bottom in bottoms:
                tail = _grow_sqrefs(tail, old_bottom, last_row, header_row)
            return tail

        patcher = _SheetPatcher(pkg.read(part), edits, styles, Serial(date1904), header_row, progress)
        new_part = patcher.run(follow_tables)
        prepared.skipped_formulas = patcher.skipped
        if not patcher.changed:
            prepared.parts.clear()
            prepared.grown_tables.clear()
            return prepared
        prepared.parts[part] = new_part
        if styles.changed:
            prepared.parts[styles_part] = styles.render()
        return prepared


# ---- locating parts ----------------------------------------------------------------------------------

def _workbook(pkg: Package):
    office = [r for r in parse_rels(pkg.read_optional("_rels/.rels")) if r.type == REL_OFFICE_DOC]
    if not office:
        raise PatchError(MSG_NOT_PACKAGE)
    wb_part = resolve("", office[0].target)
    return wb_part, parse_rels(pkg.read_optional(rels_name(wb_part)))


def _sheet_part(pkg: Package, wb_part: str, wb_rels, sheet: str) -> str:
    sheets, _ = parse_workbook(pkg.read(wb_part))
    found = next((s for s in sheets if s.name.casefold() == sheet.casefold()), None)
    if found is None:
        raise PatchError(MSG_NO_SHEET.format(sheet=sheet))
    rel = next((r for r in wb_rels if r.id == found.rid), None)
    if rel is None or rel.type != REL_WORKSHEET:
        raise PatchError(MSG_NOT_WORKSHEET.format(sheet=sheet))
    return resolve(wb_part, rel.target)


def _table_parts(pkg: Package, sheet_part: str) -> list[str]:
    rels = parse_rels(pkg.read_optional(rels_name(sheet_part)))
    return [resolve(sheet_part, r.target) for r in rels
            if r.type == REL_TABLE and not r.external and pkg.exists(resolve(sheet_part, r.target))]


# ---- styles ---------------------------------------------------------------------------------------------

def is_date_format(code: str) -> bool:
    """Does a number format code show a date or time? Quoted text, [colour]/[$-locale]
    brackets and escaped characters do not count; [h]/[m]/[s] elapsed time does."""
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    code = re.sub(r"\[(?![hms]+\])[^\]]*\]", "", code, flags=re.I)
    section = code.split(";")[0].lower()
    return section != "general" and bool(re.search(r"[ymdhs]", section))


class _StyleInfo:
    """Which cellXfs show dates; adds a yyyy-mm-dd hh:mm style only when none exists."""

    def __init__(self, data: bytes | None, date_format: str = DATETIME_FORMAT) -> None:
        self._data = data
        self.date_format = date_format
        self._styles: Styles | None = None
        self.xf_formats: list[int] = []
        self.codes: dict[int, str] = {}
        self._added: int | None = None
        if data:
            root = ET.fromstring(data)
            for el in root.iter():
                local = el.tag.rsplit("}", 1)[-1]
                if local == "numFmt" and (el.get("numFmtId") or "").isdigit():
                    self.codes[int(el.get("numFmtId"))] = el.get("formatCode", "")
            xfs = next((el for el in root if el.tag.rsplit("}", 1)[-1] == "cellXfs"), None)
            for xf in (xfs if xfs is not None else []):
                fid = xf.get("numFmtId", "0")
                self.xf_formats.append(int(fid) if fid.isdigit() else 0)
        self._date = [self._fmt_is_date(f) for f in self.xf_formats]

    def _fmt_is_date(self, fid: int) -> bool:
        return is_date_format(self.codes[fid]) if fid in self.codes else fid in _BUILTIN_DATE_FMTS

    def is_date(self, style: int | None) -> bool:
        return style is not None and 0 <= style < len(self._date) and self._date[style]

    def date_style(self) -> int:
        """The workbook's date style for a column that has none of its own (``date_format``
        first, then any style that shows a time exactly when ``date_format`` does); added to
        styles.xml only when there is none."""
        def has_time(i: int) -> bool:
            fid = self.xf_formats[i]
            return fid == 22 or "h" in re.sub(r'"[^"]*"', "", self.codes.get(fid, "")).lower()
        wants_time = "h" in self.date_format.lower()
        dated = [i for i, flag in enumerate(self._date) if flag and has_time(i) == wants_time]
        if dated:
            return min(dated, key=lambda i: (self.codes.get(self.xf_formats[i], "").lower() != self.date_format, i))
        if self._added is None:
            if self._data is None:
                raise PatchError(MSG_NO_STYLES)
            self._styles = Styles(self._data)
            self._added = self._styles.xf(self._styles.num_fmt(self.date_format), 0, 0, 0)
        return self._added

    @property
    def changed(self) -> bool:
        return self._styles is not None and self._styles.changed

    def render(self) -> bytes:
        assert self._styles is not None
        return self._styles.render()


# ---- the worksheet ---------------------------------------------------------------------------------------

_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _attr(tag_attrs: str, name: str) -> str | None:
    m = re.search(rf'\s{name}="([^"]*)"', tag_attrs)
    return m.group(1) if m else None


class _SheetPatcher:
    """Works on the part's UTF-8 bytes (tags are ASCII): only the rows it rebuilds are decoded,
    so a 100k-row sheet is never held as one Python str (4x its bytes with CJK text)."""

    def __init__(self, data: bytes, edits: Mapping[int, Mapping[int, Any]], styles: _StyleInfo,
                 serial: Serial, header_row: int, progress: Callable[[float], None] | None):
        self.data = data
        self.edits = {r: dict(cells) for r, cells in edits.items() if cells}
        self.styles = styles
        self.serial = serial
        self.header_row = header_row
        self.progress = progress
        p = root_prefix(data[:4096].decode("utf-8", "ignore"), "worksheet")
        self.p = p
        pb = re.escape(p.encode())
        self.row_re_b = re.compile(rb"<" + pb + rb"row\b([^>]*?)(?:/>|>(.*?)</" + pb + rb"row>)", re.S)
        self.row_re = re.compile(rf"<{re.escape(p)}row\b([^>]*?)(?:/>|>(.*?)</{re.escape(p)}row>)", re.S)
        self.cell_re = re.compile(rf"<{re.escape(p)}c\b([^>]*?)(?:/>|>(.*?)</{re.escape(p)}c>)", re.S)
        self.skipped: list[tuple[int, int]] = []
        self.written: set[tuple[int, int]] = set()  # (row, col) of cells written
        self.last_row = 0
        self._letters: dict[int, str] = {}
        # (number, start, end) of the rows before the one being written: where a column's style is looked up
        self._above: deque[tuple[int, int, int]] = deque(maxlen=STYLE_LOOKBACK_ROWS)
        self._column_styles: dict[tuple[int, bool], int | None] = {}
        self._col_defaults = self._read_cols()

    # -- top level
    def run(self, tail_transform: Callable[[bytes], bytes] | None = None) -> bytes | Deflated:
        """The new part, deflated as it is produced; the old bytes when no cell was written.
        ``tail_transform`` edits what follows sheetData (validations following a table)."""
        if not self.edits:
            return self.data
        pb = re.escape(self.p.encode())
        m = re.search(rb"<" + pb + rb"sheetData\b[^>]*?(/?)>", self.data)
        if m is None:
            raise PatchError(MSG_NO_SHEET_DATA)
        if m.group(1):  # an empty <sheetData/>
            head = self.data[:m.start()] + f"<{self.p}sheetData>".encode()
            tail_start, inner = m.end(), (m.end(), m.end())
            closing = f"</{self.p}sheetData>".encode()
        else:
            end = self.data.index(f"</{self.p}sheetData>".encode(), m.end())
            head, inner, tail_start, closing = self.data[:m.end()], (m.end(), end), end, b""
        out = DeflateSink()
        out.write(self._grow_dimension(head.decode("utf-8")).encode("utf-8"))
        self._patch_rows(*inner, out)
        if not self.written:
            return self.data
        tail = closing + self.data[tail_start:]
        out.write(tail_transform(tail) if tail_transform else tail)
        return out.close()

    def _patch_rows(self, start: int, end: int, out: DeflateSink) -> None:
        pending = sorted(self.edits)
        total, done, step = len(pending), 0, max(len(pending) // 20, 1)
        view = memoryview(self.data)
        pos, i, number = start, 0, 0
        for m in self.row_re_b.finditer(self.data, start, end):
            r = _attr(m.group(1).decode("ascii", "replace"), "r")
            number = int(r) if r else number + 1
            if i < total and pending[i] <= number:
                out.write(view[pos:m.start()])
                pos = m.start()
                while i < total and pending[i] < number:
                    out.write(self._new_row(pending[i]).encode("utf-8"))
                    i, done = i + 1, self._tick(done, total, step)
                if i < total and pending[i] == number:
                    out.write(self._edit_row(number, m.group(0).decode("utf-8")).encode("utf-8"))
                    pos = m.end()
                    i, done = i + 1, self._tick(done, total, step)
            if number > self.header_row:
                self._above.append((number, m.start(), m.end()))
            if i >= total:
                break
        out.write(view[pos:end])
        while i < total:
            out.write(self._new_row(pending[i]).encode("utf-8"))
            i, done = i + 1, self._tick(done, total, step)

    def _tick(self, done: int, total: int, step: int) -> int:
        done += 1
        if self.progress and done % step == 0:
            self.progress(done / total)
        return done

    # -- rows
    @property
    def changed(self) -> bool:
        return bool(self.written)

    def _new_row(self, number: int) -> str:
        cells = [self._cell(number, c, value, None, new=True)
                 for c, value in sorted(self.edits[number].items())]
        return f'<{self.p}row r="{number}">{"".join(cells)}</{self.p}row>'

    def _edit_row(self, number: int, row_xml: str) -> str:
        m = self.row_re.fullmatch(row_xml)
        attrs, content = m.group(1), m.group(2) or ""
        cells: dict[int, str] = {}
        col = -1
        for cm in self.cell_re.finditer(content):
            ref = _attr(cm.group(1), "r")
            if ref:
                col = _col_index(_REF.fullmatch(ref).group(1))
                cells[col] = cm.group(0)
            else:  # r is optional: the next column; write it out since we rebuild the row
                col += 1
                cells[col] = re.sub(rf"^<{re.escape(self.p)}c\b",
                                    f'<{self.p}c r="{col_letter(col)}{number}"', cm.group(0), count=1)
        rest = self.cell_re.sub("", content)  # e.g. the row's extLst
        changed = False
        for c, value in self.edits[number].items():
            old = cells.get(c)
            if old is not None and re.search(rf"<{re.escape(self.p)}f\b", old):
                self.skipped.append((number, c))
                continue
            style = int(s) if old is not None and (s := _attr(old[:old.index(">")], "s")) else None
            if old is None and number == self.header_row:  # a new header cell looks like its neighbours
                left = [cells[k] for k in sorted(cells) if k < c]
                style = int(s) if left and (s := _attr(left[-1][:left[-1].index(">")], "s")) else None
            cells[c] = self._cell(number, c, value, style, new=old is None)
            changed = True
        if not changed:
            return m.group(0)
        attrs = re.sub(r'\sspans="[^"]*"', "", attrs)  # optional hint; our cells may widen it
        body = "".join(cells[c] for c in sorted(cells)) + rest
        return f"<{self.p}row{attrs}>{body}</{self.p}row>"

    # -- cells
    def _cell(self, row: int, col: int, value: Any, style: int | None, new: bool) -> str:
        letters = self._letters.get(col) or self._letters.setdefault(col, col_letter(col))
        ref = f"{letters}{row}"
        self.written.add((row, col))
        self.last_row = max(self.last_row, row)
        if isinstance(value, (datetime, date)):
            serial = self.serial(value)
            if serial is not None:
                if not self.styles.is_date(style):
                    style = self._column_style(col, row, date=True)
                return f'<{self.p}c r="{ref}" s="{style}"><{self.p}v>{xml_num(serial)}</{self.p}v></{self.p}c>'
            value = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
        if style is None and new:
            style = self._column_style(col, row, date=False)
        s = f' s="{style}"' if style else ""
        if isinstance(value, bool):
            return f'<{self.p}c r="{ref}"{s} t="b"><{self.p}v>{int(value)}</{self.p}v></{self.p}c>'
        if isinstance(value, (int, float)) and math.isfinite(value):
            return f'<{self.p}c r="{ref}"{s}><{self.p}v>{xml_num(value)}</{self.p}v></{self.p}c>'
        text = str(value)
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() or "\n" in text else ""
        return (f'<{self.p}c r="{ref}"{s} t="inlineStr"><{self.p}is><{self.p}t{space}>{xml_text(text)}'
                f"</{self.p}t></{self.p}is></{self.p}c>")

    def _column_style(self, col: int, row: int, date: bool) -> int | None:
        """The style this column already uses: the nearest cell above (a date style for dates),
        else the column's default style, else (dates) any date style of the workbook."""
        key = (col, date)
        if key not in self._column_styles:
            self._column_styles[key] = self._find_column_style(col, row, date)
        return self._column_styles[key]

    def _find_column_style(self, col: int, row: int, date: bool) -> int | None:
        for number, start, end in reversed(self._above):
            if number >= row:
                continue
            s = self._style_in_row(self.data[start:end].decode("utf-8"), col)
            if s is not None and (not date or self.styles.is_date(s)):
                return s
        default = self._col_defaults.get(col)
        if not date:
            return default
        return default if self.styles.is_date(default) else self.styles.date_style()

    def _style_in_row(self, row_xml: str, col: int) -> int | None:
        for cm in self.cell_re.finditer(row_xml):
            ref = _attr(cm.group(1), "r")
            if ref and _col_index(_REF.fullmatch(ref).group(1)) == col:
                s = _attr(cm.group(1), "s")
                return int(s) if s is not None else None
        return None

    def _read_cols(self) -> dict[int, int]:
        p = re.escape(self.p)
        cols: dict[int, int] = {}
        at = self.data.find(b"sheetData")
        head = self.data[:at if at >= 0 else len(self.data)].decode("utf-8", "replace")
        m = re.search(rf"<{p}cols\b.*?</{p}cols>", head, re.S)
        for col in re.finditer(rf"<{p}col\b([^>]*)>", m.group(0) if m else ""):
            lo, hi, style = (_attr(col.group(1), k) for k in ("min", "max", "style"))
            if lo and hi and style:
                for c in range(int(lo) - 1, min(int(hi), 16384)):
                    cols[c] = int(style)
        return cols

    # -- dimension
    def _grow_dimension(self, head: str) -> str:
        p = re.escape(self.p)
        m = re.search(rf'(<{p}dimension\b[^>]*\sref=")([^"]*)(")', head)
        if m is None:
            return head
        bounds = _parse_range(m.group(2))
        if bounds is None:
            return head
        # from the planned cells (the part is written in one pass); a skipped formula cell exists
        # already, so it lies inside the old bounds
        rows = list(self.edits)
        cols = [c for cells in self.edits.values() for c in (min(cells), max(cells))]
        c1, r1, c2, r2 = bounds
        nc1, nr1 = min(c1, *cols), min(r1, *rows)
        nc2, nr2 = max(c2, *cols), max(r2, *rows)
        if (nc1, nr1, nc2, nr2) == bounds:
            return head
        ref = f"{col_letter(nc1)}{nr1}:{col_letter(nc2)}{nr2}"
        return head[:m.start(2)] + ref + head[m.end(2):]


def _parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """'A1:I20' or 'A1' -> (first col, first row, last col, last row), 0-based columns."""
    parts = ref.replace("$", "").split(":")
    found = [_REF.fullmatch(part) for part in parts]
    if not 1 <= len(found) <= 2 or not all(found):
        return None
    a, b = found[0], found[-1]
    return _col_index(a.group(1)), int(a.group(2)), _col_index(b.group(1)), int(b.group(2))


# ---- the Excel Table and the ranges that follow it -------------------------------------------------------

def _grow_table(data: bytes, sheet: str, header_row: int, key_column: int,
                last_row: int, header_cells: Mapping[int, Any] = {}) -> tuple[bytes, str, int] | None:
    """New table XML when rows at or below ``last_row`` fall outside the ledger's table, or
    header cells are written in the columns right after it (they become table columns)."""
    text = data.decode("utf-8")
    root = re.search(r"<(?:[\w.-]+:)?table\b[^>]*>", text)
    if root is None:
        return None
    tag = root.group(0)
    ref = _attr(tag, "ref")
    bounds = _parse_range(ref or "")
    if bounds is None:
        return None
    c1, r1, c2, r2 = bounds
    added = []
    while c2 + 1 + len(added) in header_cells:
        added.append(str(header_cells[c2 + 1 + len(added)]))
    if r1 != header_row or not c1 <= key_column <= c2 or (last_row <= r2 and not added):
        return None
    name = _attr(tag, "displayName") or _attr(tag, "name") or ""
    if int(_attr(tag, "totalsRowCount") or 0) > 0:
        raise PatchError(MSG_TOTALS_ROW.format(sheet=sheet, table=name))
    if added:
        text = _add_table_columns(text, added)
    new_ref = f"{col_letter(c1)}{r1}:{col_letter(c2 + len(added))}{max(last_row, r2)}"
    new_tag = re.sub(r'(\sref=")[^"]*(")', rf"\g<1>{new_ref}\g<2>", tag, count=1)
    text = text[:root.start()] + new_tag + text[root.end():]
    text = re.sub(r'(<(?:[\w.-]+:)?autoFilter\b[^>]*\sref=")[^"]*(")', rf"\g<1>{new_ref}\g<2>", text, count=1)
    return text.encode("utf-8"), name, r2


def _add_table_columns(text: str, names: list[str]) -> str:
    """Append <tableColumn> entries (fresh ids) and raise the count."""
    m = re.search(r"<((?:[\w.-]+:)?)tableColumns\b([^>]*)>", text)
    end = re.search(r"</(?:[\w.-]+:)?tableColumns>", text)
    if m is None or end is None:
        return text
    prefix = m.group(1)
    ids = [int(i) for i in re.findall(r'<(?:[\w.-]+:)?tableColumn\b[^>]*\sid="(\d+)"', text)]
    count = len(re.findall(r"<(?:[\w.-]+:)?tableColumn\b", text)) + len(names)
    start = max(ids, default=0) + 1
    columns = "".join(f'<{prefix}tableColumn id="{start + i}" name="{xml_attr(n)}"/>' for i, n in enumerate(names))
    text = text[:end.start()] + columns + text[end.start():]
    head = re.sub(r'\scount="\d+"', f' count="{count}"', m.group(0), count=1)
    return text[:m.start()] + head + text[m.end():]


def _grow_sqrefs(text: bytes, old_bottom: int, new_bottom: int, header_row: int) -> bytes:
    """Data validations and conditional formats whose ranges end at the table's old last row
    follow it down (what Excel does when a table grows)."""
    def grow(sqref: str) -> str:
        out = []
        for part in sqref.split():
            bounds = _parse_range(part)
            if bounds and bounds[3] == old_bottom and header_row < bounds[1] <= old_bottom:
                c1, r1, c2, _ = bounds
                part = f"{col_letter(c1)}{r1}:{col_letter(c2)}{new_bottom}"
            out.append(part)
        return " ".join(out)

    # both come after sheetData: skip the (large) cell data, decode only the rest
    cut = max(text.rfind(b"sheetData>"), 0)
    head, tail = text[:cut], text[cut:].decode("utf-8")
    tail = re.sub(r'(<(?:[\w.-]+:)?(?:dataValidation|conditionalFormatting)\b[^>]*\ssqref=")([^"]*)(")',
                  lambda m: m.group(1) + grow(m.group(2)) + m.group(3), tail)
    tail = re.sub(r"(<(?:[\w.-]+:)?sqref>)([^<]*)(</(?:[\w.-]+:)?sqref>)",
                  lambda m: m.group(1) + grow(m.group(2)) + m.group(3), tail)
    return head + tail.encode("utf-8")


__all__ = ["PatchError", "PreparedPatch", "is_date_format", "prepare_cells"]
