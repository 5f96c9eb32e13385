"""Worksheet XML for one output sheet, written whole: title row, frozen header with filter, body
rows styled per column kind and row mark, print setup, and the drawing reference of a chart.

Strings are inline (``t="inlineStr"``): sharedStrings.xml is never touched and text starting
with ``=`` is never a formula; dates are serial numbers in the workbook's date system. Of the
sheet being replaced only the head is kept -- code name (it ties the sheet to its VBA module),
tab colour, view -- and it is parsed only up to ``<sheetData>`` because the old sheet may be
large.
"""
from __future__ import annotations

import math
import numbers
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Sequence

from xl_kaohe.core.celltext import MAX_CELL_CHARS, cell_text
from xl_kaohe.core.report import (BLOCK_MARKS, LINE_HEIGHT, Column, Formula, OutputSheet, text_lines, text_width,
                                 texts_lines)

from .opc import NS_MAIN, NS_R
from .styles import TITLE_SIZE_STEP, SheetStyles
from .zipcopy import DeflateSink, Deflated
from .xmltext import (XML_DECL, col_letter, local_name, serialize, xml_attr, xml_num,
                      xml_text)

TITLE_ROW_HEIGHT = 25      # points per line of title
PAGE_CHARS = {False: 66, True: 100}  # column-width units that fit A4 at 100% (LibreOffice's are widest)
BLOCK_LINE_HEIGHT = 18     # points per line of a paragraph row (report.BLOCK_MARKS)
TEXT_CACHE_PROBE = 1000    # rows after which a column of mostly distinct texts stops being cached
BODY_CHUNK_ROWS = 1000     # rows rendered column by column at a time (bounded transient memory)
PACK_CHARS = 1 << 20       # a sheet of more text than this is deflated while it is joined, this much at a time


@dataclass(frozen=True)
class SheetPart:
    """A rendered worksheet part, and whether it holds live formulas (看板): the writer then
    drops the workbook's calculation chain."""
    data: bytes | Deflated
    formulas: bool


@dataclass
class SheetHead:
    """What an existing output sheet keeps across rewrites (code name, tab colour, view)."""
    sheet_pr: ET.Element | None = None
    view: dict[str, str] = field(default_factory=dict)


_KEPT_VIEW_ATTRS = ("workbookViewId", "tabSelected", "zoomScale", "zoomScaleNormal",
                    "showGridLines")


def read_sheet_head(data: bytes) -> SheetHead:
    """Parse only up to <sheetData>: the old sheet may be large."""
    head = SheetHead()
    parser = ET.XMLPullParser(events=("start", "end"))
    for offset in range(0, len(data), 1 << 16):
        parser.feed(data[offset:offset + (1 << 16)])
        for event, el in parser.read_events():
            local = local_name(el.tag)
            if event == "end" and local == "sheetPr":
                head.sheet_pr = el
            elif event == "start" and local == "sheetView" and not head.view:
                head.view = {k: v for k, v in el.attrib.items() if k in _KEPT_VIEW_ATTRS}
                head.view.setdefault("workbookViewId", "0")
            elif event == "start" and local == "sheetData":
                return head
    return head


def _sheet_pr_xml(head: SheetHead | None, fit_width: bool = True) -> str:
    """<sheetPr>: the old code name (it ties the sheet to its VBA module) and tab colour."""
    attrs, children = "", {}
    if head and head.sheet_pr is not None:
        attrs = "".join(f' {k}="{xml_attr(v)}"' for k, v in head.sheet_pr.attrib.items()
                        if "}" not in k and k != "filterMode")
        children = {local_name(c.tag): c for c in head.sheet_pr}
    parts = [serialize(children[k], "") for k in ("tabColor", "outlinePr") if k in children]
    if fit_width:
        parts.append('<pageSetUpPr fitToPage="1"/>')
    return f"<sheetPr{attrs}>{''.join(parts)}</sheetPr>"


class Serial:
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


def _cell_xml(ref: str, value: Any, style: int, serial: Serial) -> str:
    """One <c>. Strings are inline text (never formulas); dates are serial numbers."""
    return f'<c r="{ref}"{_cell_body(value, style, serial)}'


def _cell_body(value: Any, style: int, serial: Serial) -> str:
    """A <c> after its reference: style, type and value."""
    if value is None:
        return f' s="{style}"/>'
    cls = type(value)
    if cls is str:  # the common cases first: this runs for every cell
        return f' s="{style}"{_string_body(value)}'
    if cls is int:
        return f' s="{style}"><v>{value}</v></c>'
    if cls is float and math.isfinite(value):  # before the (slow) numbers ABCs
        return f' s="{style}"><v>{xml_num(value)}</v></c>'
    if isinstance(value, bool):
        return f' s="{style}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, numbers.Integral):
        return f' s="{style}"><v>{int(value)}</v></c>'
    if isinstance(value, (numbers.Real, Decimal)):
        number = float(value)
        if not math.isfinite(number):
            return f' s="{style}" t="e"><v>#NUM!</v></c>'
        return f' s="{style}"><v>{xml_num(number)}</v></c>'
    if isinstance(value, date):
        day = serial(value)
        if day is not None:
            return f' s="{style}"><v>{xml_num(day)}</v></c>'
        value = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return f' s="{style}"{_string_body(str(value))}'


def _string_cell(ref: str, text: str, style: int) -> str:
    return f'<c r="{ref}" s="{style}"{_string_body(text)}'


def _string_body(text: str) -> str:
    """A string cell after its reference and style: the same for every repeat of a text."""
    if len(text) <= MAX_CELL_CHARS and not _NOT_PLAIN.search(text) \
            and not (text[:1].isspace() or text[-1:].isspace()):
        return f' t="inlineStr"><is><t>{text}</t></is></c>'  # nothing to escape
    # Drop the characters XML cannot carry first: what is left decides xml:space ("0 \x08" -> "0 ").
    text = cell_text(text)  # core/celltext: the one text rule; an inline string is never a formula
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() \
        or "\n" in text else ""
    return f' t="inlineStr"><is><t{space}>{xml_text(text)}</t></is></c>'


# what makes a text need escaping or xml:space (see xml_text): the plain case skips both
_NOT_PLAIN = re.compile("[&<>\r\n\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def _date_kind(value: Any, column_kind: str) -> str:
    """Dates need a date format even in a text column (else Excel shows a serial number)."""
    if isinstance(value, datetime):
        return column_kind if column_kind in ("date", "datetime") else "datetime"
    if isinstance(value, date):
        return column_kind if column_kind in ("date", "datetime") else "date"
    return column_kind


def _formula_body(formula: Formula, style: int, serial: Serial) -> str:
    """A live formula cell after its reference, with its cached value (what viewers that do
    not recalculate show)."""
    f = f"<f>{xml_text(formula.text)}</f>"
    value = formula.cached
    if isinstance(value, bool):
        return f' s="{style}" t="b">{f}<v>{int(value)}</v></c>'
    if isinstance(value, date):
        value = serial(value)
    if isinstance(value, (numbers.Real, Decimal)) and math.isfinite(float(value)):
        return f' s="{style}">{f}<v>{xml_num(float(value))}</v></c>'
    text = "" if value is None else cell_text(str(value))
    return f' s="{style}" t="str">{f}<v>{xml_text(text)}</v></c>'


def _row_open(r: int, lines: int) -> str:
    """A row with an explicit height when its wrapped text needs more than one line."""
    if lines <= 1:
        return f'<row r="{r}">'
    return f'<row r="{r}" ht="{xml_num(LINE_HEIGHT * lines)}" customHeight="1">'


def _wrapped_lines(row: Sequence[Any], wrapped: Sequence[tuple[int, float]]) -> int:
    """Lines of the row's tallest wrapped cell; `wrapped`: (column index, width) of wrap columns."""
    lines = 1
    for index, width in wrapped:
        value = row[index] if index < len(row) else None
        if type(value) is str and len(value) * 2 > width - 1.5:  # shorter text fits one line
            lines = max(lines, text_lines(value, width))
    return lines


class _Memo:
    """value -> rendering (or line count) of one column, for texts that repeat (unit names,
    codes, clause texts); given up once the first rows' texts prove mostly distinct."""

    def __init__(self) -> None:
        self.by_key: dict | None = {}

    def probe(self, start: int) -> dict | None:
        if start >= TEXT_CACHE_PROBE and self.by_key is not None and len(self.by_key) > TEXT_CACHE_PROBE // 2:
            self.by_key = None  # mostly distinct texts: the cache only costs
        return self.by_key


_PLAIN_TYPES = (type(None), int, float, Decimal)  # rendered the same for equal values of one class
_JOIN = "\ue000"  # joins a column's texts for one search (not hex: no _xHHHH_ across it)
_NOT_PLAIN_CHAR = re.compile("[&<>\r\n\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s")


class _Texts:
    """A column of plain texts (nothing to escape) in one style: each cell is ``head + value +
    TEXT_TAIL``, joined as three pieces instead of built as one string per cell."""

    __slots__ = ("head", "values")

    def __init__(self, head: str, values: list[str]) -> None:
        self.head, self.values = head, values


TEXT_TAIL = "</t></is></c>"


def _text_bodies(values: list[str], prefix: str, memo: dict | None) -> list[str] | _Texts:
    """The string cells of one column (all texts, one style) after their reference."""
    if memo is not None:
        got = list(map(memo.get, values))
        if None in got:
            for k, body in enumerate(got):
                if body is None:
                    value = values[k]
                    body = memo.get(value)
                    if body is None:
                        body = memo[value] = prefix + _string_body(value)
                    got[k] = body
        return got
    # _string_body's test for all of them at once: nothing to escape, no space at either end
    joined = _JOIN.join(values)
    if max(map(len, values)) <= MAX_CELL_CHARS and not _NOT_PLAIN_CHAR.search(joined) \
            and not ("_x" in joined and _NOT_PLAIN.search(joined)) \
            and not _SPACE.search("".join([v[:1] for v in values]) + "".join([v[-1:] for v in values])):
        return _Texts(f'{prefix} t="inlineStr"><is><t>', values)
    return [prefix + _string_body(value) for value in values]


def _column_bodies(values: list[Any], style: int, serial: Serial, memo: _Memo,
                   start: int) -> list[str] | _Texts | None:
    """A column of one style rendered at once, or None where its cells need one by one
    (dates and formulas choose their own style, classes of numbers mixed)."""
    classes = set(map(type, values))
    if classes == {str}:
        return _text_bodies(values, f' s="{style}"', memo.probe(start))
    if not classes.issubset(_PLAIN_TYPES) or len(classes - {type(None)}) > 1:
        return None
    try:
        rendered = {value: _cell_body(value, style, serial) for value in set(values)}
    except TypeError:  # an unhashable value (a signalling NaN)
        return None
    return list(map(rendered.__getitem__, values))


def _column_lines(values: list[Any], width: float, memo: _Memo, start: int) -> list[int]:
    """Lines each cell of a wrapped column needs (1 for anything but a long text)."""
    fits = width - 1.5
    cache = memo.probe(start)
    if cache is None:
        if set(map(type, values)) == {str}:
            return texts_lines(values, width)
        return [text_lines(v, width) if type(v) is str and len(v) * 2 > fits else 1 for v in values]
    try:
        got = list(map(cache.get, values))  # only texts are keys
    except TypeError:  # an unhashable value (a signalling NaN)
        got = [None] * len(values)
    for k, lines in enumerate(got):
        if lines is None:
            v = values[k]
            lines = text_lines(v, width) if type(v) is str and len(v) * 2 > fits else 1
            if type(v) is str:
                cache[v] = lines
            got[k] = lines
    return got


def _body_rows(sheet: OutputSheet, styles: SheetStyles, serial: Serial, letters: list[str],
               kinds: list[str], wraps: list[bool]) -> tuple[list[str], list[int], bool]:
    """The body rows' XML (and the worksheet rows of block rows, which span the columns), built
    column by column in chunks of rows: each column's cells after their reference (style and
    value) first, then one template fill per row. Where a chunk's rows share one style (no row
    marks, the bulk of 扣分依据), a column is rendered at once: a text once per distinct value
    (unit names, codes and clause texts repeat on every line), a column of mostly distinct
    texts tested for escaping in one search, numbers once per distinct value. A row is given its
    height when it needs one: block rows (report.BLOCK_MARKS: a letter per page, 催办单) and rows
    whose wrapped text takes more than one line."""
    rows, width = sheet.rows, len(letters)
    if not rows or not width:
        return [], [], False
    any_wrap = any(wraps)
    wrapped = [(i, c.shown_width) for i, c in enumerate(sheet.columns) if c.wrap]
    mark_styles: dict[str | None, list[int]] = {}  # per row mark: each column's style
    caches: list[dict[tuple[str, int], str] | None] = [{} for _ in range(width)]
    memos: dict[tuple[int, int], _Memo] = {}  # (column, style) -> texts rendered
    line_memos = {index: _Memo() for index, _ in wrapped}
    openers = [f'<c r="{letter}' for letter in letters]
    out: list[str] = []
    merged: list[int] = []
    formulas = False  # only the cell-by-cell path below meets Formula cells (_column_bodies declines them)
    header_row = sheet.header_row
    row_marks = sheet.row_marks
    for start in range(0, len(rows), BODY_CHUNK_ROWS):
        chunk = rows[start:start + BODY_CHUNK_ROWS]
        n = len(chunk)
        marks = [row_marks.get(start + offset) for offset in range(n)] if row_marks else [None] * n
        uniform = marks.count(marks[0]) == n and marks[0] not in BLOCK_MARKS and marks[0] != "heading" \
            and min(map(len, chunk)) >= width
        row_styles, row_attrs, blocks = [], [], []
        for offset, row in enumerate(chunk[:1] if uniform else chunk):
            mark = marks[offset]
            if mark not in mark_styles:
                mark_styles[mark] = ([styles.block(mark)] * width if mark in BLOCK_MARKS or mark == "heading"
                                     else [styles.body(kind, mark, wrap, any_wrap) for kind, wrap in zip(kinds, wraps)])
            row_styles.append(mark_styles[mark])
            if uniform:
                continue
            block = mark in BLOCK_MARKS
            blocks.append(block)
            if block:
                merged.append(header_row + 1 + start + offset)
                lines = _title_lines(str(row[0] or ""), sheet.columns, 1.0) if mark != "sign" else 1
                height = TITLE_ROW_HEIGHT if mark == "title" else BLOCK_LINE_HEIGHT * lines
                row_attrs.append(f' ht="{xml_num(height)}" customHeight="1"')
            else:
                lines = _wrapped_lines(row, wrapped) if any_wrap else 1
                row_attrs.append(f' ht="{xml_num(LINE_HEIGHT * lines)}" customHeight="1"' if lines > 1 else "")
        if uniform:  # one style for every row, no block rows: each column at once
            row_styles, blocks = row_styles * n, [False] * n
            if any_wrap:
                lines = [1] * n
                for index, column_width in wrapped:
                    lines = list(map(max, lines, _column_lines([row[index] for row in chunk], column_width,
                                                               line_memos[index], start)))
                attrs = {count: f' ht="{xml_num(LINE_HEIGHT * count)}" customHeight="1"' if count > 1 else ""
                         for count in set(lines)}
                row_attrs = list(map(attrs.__getitem__, lines))
            else:
                row_attrs = [""] * n
        columns = []
        for i in range(width):
            cache = caches[i]
            if start >= TEXT_CACHE_PROBE and cache is not None and len(cache) > TEXT_CACHE_PROBE // 2:
                cache = caches[i] = None  # mostly distinct texts: the cache only costs
            if uniform:
                style = row_styles[0][i]
                memo = memos.get((i, style))
                if memo is None:
                    memo = memos[(i, style)] = _Memo()
                bodies = _column_bodies([row[i] for row in chunk], style, serial, memo, start)
                if bodies is not None:
                    columns.append(bodies)
                    continue
            bodies = []
            for offset, row in enumerate(chunk):
                value = row[i] if i < len(row) else None
                style = row_styles[offset][i]
                if value.__class__ is str:  # most cells
                    if cache is None:
                        bodies.append(f' s="{style}"{_string_body(value)}')
                        continue
                    key = (value, style)
                    body = cache.get(key)
                    if body is None:
                        body = cache[key] = f' s="{style}"{_string_body(value)}'
                    bodies.append(body)
                    continue
                mark = marks[offset]
                if type(value) is Formula:
                    formulas = True
                    kind = value.kind or kinds[i]
                    if isinstance(value.cached, date):
                        kind = _date_kind(value.cached, kind)
                    if kind != kinds[i]:
                        style = styles.body(kind, mark, wraps[i], any_wrap)
                    bodies.append(_formula_body(value, style, serial))
                    continue
                if isinstance(value, date) and not blocks[offset]:  # a date needs a date format
                    style = styles.body(_date_kind(value, kinds[i]), mark, wraps[i], any_wrap)
                bodies.append(_cell_body(value, style, serial))
            columns.append(bodies)
        out.append(_joined_rows(header_row + 1 + start, row_attrs, columns, openers))
    return out, merged, formulas


def _joined_rows(first: int, row_attrs: list[str], columns: list[list[str] | _Texts],
                 openers: list[str]) -> str:
    """The rows of a chunk as one string: every row's pieces laid out in one list by slice
    assignment (C speed) and joined once, instead of filling a template per row. A row is
    ``<row r="N"ATTRS><c r="AN"BODY<c r="BN"BODY...</row>``; ``openers`` are the ``<c r="X``
    before each cell after the first."""
    n = len(row_attrs)
    numbers = [f'{r}"' for r in range(first, first + n)]  # the number and the quote closing r=
    heads = {attr: f'{attr}><c r="A' for attr in set(row_attrs)}
    # each slot: one text for every row, or a list of one per row
    slots: list[str | list[str]] = ['<row r="', numbers, [heads[a] for a in row_attrs], numbers]
    for i, bodies in enumerate(columns):
        if i:
            slots += [openers[i], numbers]
        slots += [bodies.head, bodies.values, TEXT_TAIL] if isinstance(bodies, _Texts) else [bodies]
    slots.append("</row>")
    width = len(slots)
    pieces: list[str] = [""] * (width * n)
    for k, slot in enumerate(slots):
        pieces[k::width] = [slot] * n if slot.__class__ is str else slot
    return "".join(pieces)


def sheet_xml(sheet: OutputSheet, styles: SheetStyles, serial: Serial,
               head: SheetHead | None, drawing_rid: str | None, landscape: bool) -> SheetPart:
    """The worksheet part; a big one (扣分依据 at 100k orders: ~40 MB) comes deflated, chunk by
    chunk, so that its text is never whole in memory (``Package.write`` takes either)."""
    layout = sheet.layout
    ncols = max(len(sheet.columns), 1)
    letters = [col_letter(i) for i in range(ncols)]
    kinds = [c.kind for c in sheet.columns]
    wraps = [c.wrap for c in sheet.columns]
    header_row = sheet.header_row
    last_row = header_row + len(sheet.rows)
    out = [XML_DECL, f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">',
           _sheet_pr_xml(head, layout.fit_width), f'<dimension ref="A1:{letters[-1]}{max(last_row, 1)}"/>']

    view = dict(head.view) if head and head.view else {"workbookViewId": "0"}
    view_attrs = "".join(f' {k}="{xml_attr(v)}"' for k, v in view.items())
    if layout.freeze_header and header_row:
        x = min(layout.repeat_columns, ncols - 1)
        top_left = f"{letters[x]}{header_row + 1}"
        pane = "bottomRight" if x else "bottomLeft"
        split = (f'xSplit="{x}" ' if x else "") + f'ySplit="{header_row}"'
        out.append(f"<sheetViews><sheetView{view_attrs}>"
                   f'<pane {split} topLeftCell="{top_left}" activePane="{pane}" state="frozen"/>'
                   f'<selection pane="{pane}" activeCell="{top_left}" sqref="{top_left}"/>'
                   "</sheetView></sheetViews>")
    else:
        out.append(f"<sheetViews><sheetView{view_attrs}/></sheetViews>")
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    if sheet.columns:
        out.append("<cols>" + "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{xml_num(c.shown_width)}" customWidth="1"/>'
            for i, c in enumerate(sheet.columns)) + "</cols>")

    out.append("<sheetData>")
    merge_title = bool(sheet.title) and len(sheet.columns) > 1 and layout.fit_width
    if sheet.title:
        lines = _title_lines(sheet.title, sheet.columns) if merge_title else 1
        out.append(f'<row r="1" ht="{xml_num(TITLE_ROW_HEIGHT * lines)}" customHeight="1">')
        out.append(_cell_xml("A1", sheet.title, styles.title(centered=merge_title), serial))
        out.append("</row>")
    if sheet.header:
        header_style = styles.header()
        # headers wrap (bold: a little wider per character); the row is as tall as the longest
        header_lines = max((text_lines(c.header, c.shown_width / 1.1) for c in sheet.columns), default=1)
        out.append(_row_open(header_row, header_lines))
        out.extend(_cell_xml(f"{letters[i]}{header_row}", c.header, header_style, serial)
                   for i, c in enumerate(sheet.columns))
        out.append("</row>")
    body, merged, formulas = _body_rows(sheet, styles, serial, letters[:len(sheet.columns)], kinds, wraps)
    out.extend(body)
    out.append("</sheetData>")

    if sheet.columns and layout.autofilter and sheet.header:
        out.append(f'<autoFilter ref="A{header_row}:{letters[-1]}{last_row}"/>')
    spans = ([1] if merge_title else []) + (merged if len(sheet.columns) > 1 else [])
    if spans:
        out.append(f'<mergeCells count="{len(spans)}">'
                   + "".join(f'<mergeCell ref="A{r}:{letters[-1]}{r}"/>' for r in spans) + "</mergeCells>")
    out.append('<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" '
               'footer="0.3"/>')
    orientation = "landscape" if landscape else "portrait"
    if layout.fit_width:
        fit = ' fitToWidth="1" fitToHeight="0"'
    elif not layout.repeat_columns:
        # not fitted (Excel drops manual page breaks on a fitted sheet, e.g. 催办单's letters, even
        # before it has any): scaled to the page width
        scale = max(10, min(100, int(100 * PAGE_CHARS[landscape] / max(sum(c.shown_width for c in sheet.columns), 1))))
        fit = f' scale="{scale}"'
    else:
        fit = ""  # a wide table split over pages, its first columns repeated (Layout.repeat_columns)
    out.append(f'<pageSetup paperSize="9"{fit} orientation="{orientation}"/>')
    # page numbers: a table split over pages must say which page is which
    out.append("<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>")
    breaks = sorted({header_row + i for i in layout.page_breaks if 0 < i < len(sheet.rows)})
    if breaks:  # a break after worksheet row N starts the next page with row N + 1
        out.append(f'<rowBreaks count="{len(breaks)}" manualBreakCount="{len(breaks)}">'
                   + "".join(f'<brk id="{b}" max="16383" man="1"/>' for b in breaks) + "</rowBreaks>")
    if drawing_rid:
        out.append(f'<drawing r:id="{drawing_rid}"/>')
    out.append("</worksheet>")
    return SheetPart(_packed(out), formulas)


def _packed(pieces: list[str]) -> bytes | Deflated:
    if sum(map(len, pieces)) < PACK_CHARS:
        return "".join(pieces).encode("utf-8")
    sink = DeflateSink()
    group: list[str] = []
    size = 0
    for piece in pieces:
        group.append(piece)
        size += len(piece)
        if size >= PACK_CHARS:
            sink.write("".join(group).encode("utf-8"))
            group, size = [], 0
    sink.write("".join(group).encode("utf-8"))
    return sink.close()


def _title_lines(title: str, columns: Sequence[Column], scale: float | None = None) -> int:
    """Lines the wrapped title needs in its merged cell: merged text never overflows, and
    Excel does not grow a row height that is set."""
    if scale is None:
        scale = (11 + TITLE_SIZE_STEP) / 11  # title font vs the default
    available = sum(c.shown_width for c in columns) or 1.0
    return max(1, math.ceil(text_width(title) * scale * 1.05 / available))


def is_landscape(sheet: OutputSheet) -> bool:
    """The layout's orientation; by default wide tables print landscape."""
    if sheet.layout.orientation is not None:
        return sheet.layout.orientation == "landscape"
    return sum(c.shown_width for c in sheet.columns) > 100
