"""Reading a 12345 platform export into grids (grid[r][c] = cell at row r+1, column c+1).

The kind of file is told by its first bytes, not its name, because platforms mislabel: many
".xls" downloads are really HTML tables, Excel 2003 XML or tab-separated text.

- zip (.xlsx/.xlsm/.xlsb/.ods) and OLE (.xls): python-calamine;
- text: the encoding is detected (UTF-8 with or without BOM, UTF-16 with BOM, else GB18030,
  the superset of GBK), then an HTML table, Excel 2003 XML, or delimited text (comma, tab,
  semicolon; the delimiter that splits the header line most wins). All text cells stay text:
  a long 工单编号 never turns into a float, and the ``="0012"`` keep-as-text trick is undone.
"""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..core.tables import Grid
from .workbook import BookError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DELIMITERS = (",", "\t", ";", "|")
SS_NS = "urn:schemas-microsoft-com:office:spreadsheet"


class ExportError(BookError):
    """The export cannot be read (missing, damaged, not a table). Chinese message; exit code 2."""


@dataclass
class ExportFile:
    sheets: list[tuple[str, Grid]]  # (sheet name, grid); CSV and HTML give one sheet
    kind: str                       # "xlsx", "xls", "csv", "html", "xml2003"
    encoding: str | None = None     # for text files


def read_export(path: str | Path) -> ExportFile:
    path = Path(path)
    if not path.exists():
        raise ExportError(f"找不到导出文件：{path}")
    if path.is_dir():
        raise ExportError(f"{path} 是文件夹，不是导出文件")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ExportError(f"无法读取导出文件 {path.name}：{e.strerror or e}") from None
    if not data.strip():
        raise ExportError(f"导出文件 {path.name} 是空的")
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC):
        return ExportFile(_read_spreadsheet(path), "xls" if data.startswith(OLE_MAGIC) else "xlsx")
    text, encoding = decode_text(data)
    head = text[:4096].lstrip().lower()
    if head.startswith("<?xml") and SS_NS in text[:4096] or head.startswith("<workbook"):
        return ExportFile(_read_xml2003(text, path.name), "xml2003", encoding)
    if "<table" in text[:65536].lower() and head.startswith("<"):
        return ExportFile([(path.stem, _read_html(text, path.name))], "html", encoding)
    return ExportFile([(path.stem, read_delimited(text))], "csv", encoding)


# ---- spreadsheets -----------------------------------------------------------------------------------

def _read_spreadsheet(path: Path) -> list[tuple[str, Grid]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises several error types for damaged or encrypted files
        raise ExportError(f"无法读取导出文件 {path.name}（文件已损坏、加密，或不是 Excel 文件）：{e}") from None
    try:
        sheets = []
        for name in book.sheet_names:
            try:
                sheets.append((name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)))
            except Exception:  # a chart sheet or a damaged sheet: the others may still hold the orders
                continue
        return sheets
    finally:
        book.close()


# ---- text -------------------------------------------------------------------------------------------

def decode_text(data: bytes) -> tuple[str, str]:
    """-> (text, encoding name). BOMs first; then strict UTF-8; then GB18030 (covers GBK)."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace"), "gb18030"


_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.S)


def _cell_text(value: str) -> str | None:
    if value == "":
        return None
    m = _EXCEL_TEXT.match(value)
    return m.group(1) if m else value


def sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties: the order of DELIMITERS
    return best if counts[best] else ","


def read_delimited(text: str) -> Grid:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    return [[_cell_text(v) for v in row] for row in reader]


class _TableParser(HTMLParser):
    """Rows of every <table> as text; the largest table is the export."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str | None]]] = []
        self.depth = 0
        self.row: list[str | None] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.depth += 1
            self.tables.append([])
        elif tag == "tr" and self.depth:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(_cell_text("".join(self.cell).strip(" ")))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[-1].append(self.row)
            self.row = None
        elif tag == "table" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is not None:  # HTML collapses white space; <br> is the only line break
            self.cell.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def _read_html(text: str, name: str) -> Grid:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    tables = [t for t in parser.tables if t]
    if not tables:
        raise ExportError(f"{name} 是网页文件，但里面没有表格")
    return max(tables, key=len)


def _read_xml2003(text: str, name: str) -> list[tuple[str, Grid]]:
    """Excel 2003 XML Spreadsheet (<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">)."""
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # already decoded: drop the encoding declaration
    try:
        root = ET.fromstring(body.encode("utf-8"))
    except ET.ParseError as e:
        raise ExportError(f"无法读取 {name}（XML 格式有误）：{e}") from None
    q = lambda local: f"{{{SS_NS}}}{local}"  # noqa: E731
    sheets: list[tuple[str, Grid]] = []
    for ws in root.iter(q("Worksheet")):
        grid: list[list[Any]] = []
        for row_el in ws.iter(q("Row")):
            index = row_el.get(q("Index"))
            while index and len(grid) < int(index) - 1:
                grid.append([])
            row: list[Any] = []
            for cell in row_el.findall(q("Cell")):
                at = cell.get(q("Index"))
                while at and len(row) < int(at) - 1:
                    row.append(None)
                data = cell.find(q("Data"))
                row.append(_xml_value(data, q) if data is not None else None)
            grid.append(row)
        sheets.append((ws.get(q("Name"), f"Sheet{len(sheets) + 1}"), grid))
    return sheets


def _xml_value(data: ET.Element, q) -> Any:
    text = "".join(data.itertext())
    kind = data.get(q("Type"), "String")
    if text == "":
        return None
    if kind == "Number":
        try:
            number = float(text)
            return int(number) if number.is_integer() and abs(number) < 2**53 else number
        except ValueError:
            return text
    return text  # DateTime stays ISO text ("2026-03-05T08:30:00.000"): the importer parses it
