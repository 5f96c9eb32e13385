"""`kaohe build-workbook`: the macro-enabled add-in workbook, built deterministically from the
sources in this repository (no Excel needed).

Steps: the ledger template (io.template) + 使用说明, 看板 (live =KAOHE_* formulas, with cached
values so any viewer shows numbers before Python runs) and xlwings.conf sheets, saved by
openpyxl; then, at zip level, the VBA project (our writer), the ribbon part and their
relationships and content types. Two builds give identical bytes.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from ..core import functions as F
from ..core import schema as S
from ..core.dates import to_serial
from ..core.engine import Assessment, assess
from ..core.rules import default_rubric
from ..io import template
from ..io.workbook import READ_SHEETS
from .help_text import HELP_TEXT
from .vba_project import build_vba_project
from .vba_sources import BOARD_CODE_NAME, check_ribbon_callbacks, project_modules, ribbon_xml

HELP = "使用说明"
BOARD = "看板"
HELP_CODE_NAME = "shHelp"
CONF_CODE_NAME = "shXlwingsConf"
UDF_MODULES = "udfs.kaohe_udfs"
BOARD_ROWS = 60  # 看板 rows: one per unit of the 单位 sheet (rows 2..61)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_RIBBON = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "workbook" / "考核台账.xlsm"

# Only keys with a value: a key present in this sheet wins over the user's own
# %USERPROFILE%\.xlwings\xlwings.conf even when empty (xlwings GetConfig), and the interpreter
# path differs on every PC, so Interpreter_Win / Conda rows are left to the user config.
CONF_ROWS = [
    ("UDF Modules", UDF_MODULES), ("Debug UDFs", False), ("Use UDF Server", True), ("Show Console", False),
]


# ---- extra sheets ---------------------------------------------------------------------------------

HELP_WIDTH = 90  # characters of the single text column (110 ran past a landscape page in LibreOffice)


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _help_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet(HELP, 0)
    ws.sheet_properties.codeName = HELP_CODE_NAME
    ws.sheet_properties.tabColor = "4472C4"
    ws.column_dimensions["A"].width = HELP_WIDTH
    for r, (text, style) in enumerate(HELP_TEXT, start=1):
        cell = ws.cell(r, 1, text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if style == "title":
            cell.font = Font(bold=True, size=16)
            ws.row_dimensions[r].height = 26
        elif style == "head":
            cell.font = Font(bold=True, size=12, color="1F4E79")
            ws.row_dimensions[r].height = 20
        elif text:
            # Row heights are set, not left to the viewer: LibreOffice and WPS do not grow wrapped rows.
            lines = -(-_display_width(text) // (HELP_WIDTH - 10))  # viewers wrap earlier than this estimate
            ws.row_dimensions[r].height = 15 * max(lines, 1)
    _fit_width(ws)


@dataclass(frozen=True)
class BoardColumn:
    header: str
    formula: str                                  # uses {unit} for the unit cell, e.g. $A3
    value: Callable[[Assessment, str], Any]       # what the formula evaluates to (for the cache)
    number_format: str = "General"


def board_columns(categories: list[str]) -> list[BoardColumn]:
    cols = [BoardColumn("总分", "KAOHE_SCORE({unit})", lambda a, u: F.score(a, u), "0.00"),
            BoardColumn("名次", "KAOHE_RANK({unit})", lambda a, u: F.rank(a, u))]
    cols += [BoardColumn(c, f'KAOHE_SCORE({{unit}},"{c}")', lambda a, u, c=c: F.score(a, u, c), "0.00")
             for c in categories]
    cols += [BoardColumn("加分", "KAOHE_BONUS({unit})", lambda a, u: F.bonus(a, u), "0.00"),
             BoardColumn("扣分合计", "KAOHE_DEDUCT({unit})", lambda a, u: F.deduct(a, u), "0.00"),
             BoardColumn("及时办理扣分", 'KAOHE_DEDUCT({unit},"III-8")', lambda a, u: F.deduct(a, u, "III-8"), "0.00")]
    return cols


@dataclass(frozen=True)
class DateExample:
    label: str
    args: tuple
    formula: str                                  # uses {r} for its row
    value: Callable[[F.DateContext], Any]
    note: str


DATE_EXAMPLES = [
    DateExample("受理 2026-01-02（元旦假期），办理类", (date(2026, 1, 2), "办理"), "KAOHE_DUE(B{r},C{r})",
                lambda c: F.due(c, date(2026, 1, 2), "办理"), "01-04 周日调休上班，3 个工作日后是 01-06"),
    DateExample("受理 2026-02-12，办理类", (date(2026, 2, 12), "办理"), "KAOHE_DUE(B{r},C{r})",
                lambda c: F.due(c, date(2026, 2, 12), "办理"), "02-14 周六调休上班，春节后是 02-24"),
    DateExample("2026-01-02 到 2026-01-06 的工作日", (date(2026, 1, 2), date(2026, 1, 6)),
                "KAOHE_WORKDAYS(B{r},C{r})", lambda c: F.workdays(c, date(2026, 1, 2), date(2026, 1, 6)),
                "01-04 周日调休上班，共 3 天"),
    DateExample("2026-10-10 是否工作日", (date(2026, 10, 10),), "KAOHE_ISWORKDAY(B{r})",
                lambda c: F.is_workday(c, date(2026, 10, 10)), "国庆调休的周六"),
    DateExample("咨询类 2026-03-02 受理、03-06 办结", (date(2026, 3, 2), "咨询"), "KAOHE_LATEDAYS(B{r},C{r},DATE(2026,3,6))",
                lambda c: F.late_days(c, date(2026, 3, 2), "咨询", date(2026, 3, 6)), "应办结 03-04，拖延 2 个工作日"),
]


@dataclass
class Board:
    """Where the board's formulas are, and how to compute their cached values."""
    unit_cells: list[tuple[int, int]] = field(default_factory=list)            # (sheet row, 单位 row)
    columns: list[BoardColumn] = field(default_factory=list)
    examples: list[tuple[str, DateExample]] = field(default_factory=list)     # (coordinate, example)


def _board_sheet(wb: Workbook, categories: list[str]) -> Board:
    ws = wb.create_sheet(BOARD, 1)
    ws.sheet_properties.codeName = BOARD_CODE_NAME
    ws.sheet_properties.tabColor = "ED7D31"
    board = Board(columns=board_columns(categories))
    ws.cell(1, 1, "12345 考核看板：公式 =KAOHE_SCORE(单位) 等随台账变化自动更新；正式排名请点功能区“生成排名”").font = \
        Font(bold=True, size=13)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for c, header in enumerate(["单位名称"] + [col.header for col in board.columns], start=1):
        cell = ws.cell(2, c, header)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[cell.column_letter].width = 26 if c == 1 else 11
    for i in range(BOARD_ROWS):
        r, source = 3 + i, 2 + i
        ws.cell(r, 1, f"=IF('{S.UNITS}'!A{source}=\"\",\"\",'{S.UNITS}'!A{source})")
        board.unit_cells.append((r, source))
        for c, col in enumerate(board.columns, start=2):
            cell = ws.cell(r, c, f'=IF($A{r}="","",{col.formula.format(unit=f"$A{r}")})')
            cell.number_format = col.number_format
    top = 3 + BOARD_ROWS + 2
    ws.cell(top, 1, "工作表函数示例（调休上班日也是工作日）").font = Font(bold=True, size=12)
    for c, header in enumerate(["说明", "参数1", "参数2", "结果", "备注"], start=1):
        ws.cell(top + 1, c, header).font = Font(bold=True)
    for k, example in enumerate(DATE_EXAMPLES):
        r = top + 2 + k
        ws.cell(r, 1, example.label)
        for j, value in enumerate(example.args):
            cell = ws.cell(r, 2 + j, value)
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
        result = ws.cell(r, 4, "=" + example.formula.format(r=r))
        result.number_format = "yyyy-mm-dd hh:mm" if "DUE" in example.formula else "General"
        ws.cell(r, 5, example.note)
        board.examples.append((result.coordinate, example))
    ws.freeze_panes = "B3"
    _fit_width(ws)
    return board


def _fit_width(ws) -> None:
    """Print landscape, one page wide (the board is wider than a portrait page)."""
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _conf_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet(S.XLWINGS_CONF)
    ws.sheet_properties.codeName = CONF_CODE_NAME
    for r, (key, value) in enumerate(CONF_ROWS, start=1):
        ws.cell(r, 1, key)
        ws.cell(r, 2, value)
    ws.cell(len(CONF_ROWS) + 3, 1, "xlwings 设置：键从 A1 起连续填写，中间不能有空行。UDF Modules 指向本软件的工作表函数模块。"
            "Python 的位置不要写在这里（每台电脑不同）：用 xlwings config create --force 写进各自的用户配置 "
            "%USERPROFILE%\\.xlwings\\xlwings.conf；都没有时使用 PATH 上的 pythonw.exe。")
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 40


# ---- cached values of the board formulas ---------------------------------------------------------------

def board_values(board: Board, grids: dict, today: date) -> dict[str, Any]:
    """coordinate -> value for every board formula, computed by the functions the UDFs call."""
    assessment = assess(grids, today=today)
    context = F.date_context(grids, today=today)
    units = grids.get(S.UNITS, [])
    values: dict[str, Any] = {}
    for row, source in board.unit_cells:
        cells = units[source - 1] if source - 1 < len(units) else []
        name = cells[0] if cells and cells[0] not in (None, "") else ""
        values[f"A{row}"] = name
        for c, col in enumerate(board.columns, start=2):
            values[f"{get_column_letter(c)}{row}"] = col.value(assessment, name) if name else ""
    for coordinate, example in board.examples:
        values[coordinate] = example.value(context)
    return values


def _cached_cell(match: re.Match, values: dict[str, Any]) -> str:
    coordinate, attrs, formula = match.group(1), match.group(2), match.group(3)
    if coordinate not in values:
        return match.group(0)
    value = values[coordinate]
    attrs = re.sub(r'\s+t="\w+"', "", attrs)
    if isinstance(value, bool):
        return f'<c r="{coordinate}"{attrs} t="b"><f>{formula}</f><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{coordinate}"{attrs}><f>{formula}</f><v>{to_serial(value)!r}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{coordinate}"{attrs}><f>{formula}</f><v>{value!r}</v></c>'
    return f'<c r="{coordinate}"{attrs} t="str"><f>{formula}</f><v>{escape(str(value))}</v></c>'


def fill_cached_values(sheet_xml: bytes, values: dict[str, Any]) -> bytes:
    """Give openpyxl's empty <v/> of each formula cell the value Excel would show."""
    # openpyxl writes <v/> with the stdlib serializer and <v></v> when lxml is installed
    pattern = re.compile(r'<c r="([A-Z]+\d+)"([^>]*)><f>(.*?)</f>(?:<v\s*/>|<v></v>)</c>')
    return pattern.sub(lambda m: _cached_cell(m, values), sheet_xml.decode("utf-8")).encode("utf-8")


# ---- the package ----------------------------------------------------------------------------------------

def _sheet_part(files: dict[str, bytes], name: str) -> str:
    """Zip part of the sheet called ``name`` (via workbook.xml and its relationships)."""
    workbook = files["xl/workbook.xml"].decode("utf-8")
    rid = re.search(r'<sheet [^>]*name="%s"[^>]*r:id="(\w+)"' % re.escape(escape(name)), workbook).group(1)
    rels = files["xl/_rels/workbook.xml.rels"].decode("utf-8")
    target = re.search(r'<Relationship [^>]*Id="%s"[^>]*Target="([^"]+)"' % rid, rels)
    if target is None:
        target = re.search(r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="%s"' % rid, rels)
    path = target.group(1).lstrip("/")
    return path if path.startswith("xl/") else "xl/" + path


def _add_relationship(rels: bytes, rel_id: str, rel_type: str, target: str) -> bytes:
    entry = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/>'
    return rels.replace(b"</Relationships>", entry.encode() + b"</Relationships>")


def assemble(data: bytes, vba_project: bytes, ribbon: bytes, board_xml: tuple[str, bytes] | None = None) -> bytes:
    """Add the VBA project and the ribbon to an openpyxl-saved .xlsm, deterministically."""
    source = zipfile.ZipFile(io.BytesIO(data))
    files = {name: source.read(name) for name in source.namelist()}
    order = list(files)
    types = files["[Content_Types].xml"]
    if b'Extension="bin"' not in types:
        types = types.replace(b"<Default ", f'<Default Extension="bin" ContentType="{VBA_CONTENT_TYPE}"/><Default '.encode(), 1)
    files["[Content_Types].xml"] = types.replace(template.XLSX_MAIN.encode(), template.XLSM_MAIN.encode())
    files["xl/_rels/workbook.xml.rels"] = _add_relationship(files["xl/_rels/workbook.xml.rels"], "rIdVBA", REL_VBA,
                                                            "vbaProject.bin")
    files["_rels/.rels"] = _add_relationship(files["_rels/.rels"], "rIdRibbon", REL_RIBBON, "customUI/customUI.xml")
    files["xl/vbaProject.bin"] = vba_project
    files["customUI/customUI.xml"] = ribbon
    if board_xml:
        files[board_xml[0]] = board_xml[1]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in order + [n for n in ("xl/vbaProject.bin", "customUI/customUI.xml") if n not in order]:
            info = zipfile.ZipInfo(name, ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, files[name])
    return out.getvalue()


def build_addin(*, year: int = 2026, demo: bool = True) -> bytes:
    """The add-in workbook's bytes: same inputs, same bytes."""
    wb = template.build_ledger(year=year, demo=demo)
    _help_sheet(wb)
    board = _board_sheet(wb, default_rubric().categories)
    _conf_sheet(wb)
    wb.code_name = "ThisWorkbook"
    wb.calculation.fullCalcOnLoad = True  # Excel recomputes the =KAOHE_* cells on open
    wb.active = 0
    data = template.ledger_bytes(wb, macro_enabled=True)
    code_names = [ws.sheet_properties.codeName for ws in wb.worksheets]
    modules = project_modules(code_names)
    ribbon = ribbon_xml()
    check_ribbon_callbacks(ribbon, modules)
    files = zipfile.ZipFile(io.BytesIO(data))
    part = _sheet_part({n: files.read(n) for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")}, BOARD)
    grids = read_grids_from_bytes(data)
    values = board_values(board, grids, today=date(year, 12, 31))
    board_xml = (part, fill_cached_values(files.read(part), values))
    return assemble(data, build_vba_project(modules), ribbon, board_xml)


def read_grids_from_bytes(data: bytes) -> dict:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    wanted = set(READ_SHEETS)
    return {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names if n in wanted}


def new_addin(path, *, year: int | None = None, demo: bool = False) -> Path:
    """`kaohe new X.xlsm`: a fresh add-in workbook; never overwrites a file."""
    path = Path(path)
    if year is None:
        year = 2026 if demo else date.today().year
    data = build_addin(year=year, demo=demo)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "xb") as f:
            f.write(data)
    except FileExistsError:
        raise FileExistsError(f"文件已存在：{path}。为免覆盖已有台账，请换一个文件名，或先把原文件移走。") from None
    return path
