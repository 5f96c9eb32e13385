"""`kaohe build-workbook`: the macro-enabled add-in workbook, built deterministically from the
sources in this repository (no Excel needed).

Steps: the ledger template (io.template) + 使用说明, an empty 看板 and xlwings.conf sheets, saved
by openpyxl; then, at zip level, the VBA project (our writer), the ribbon part and their
relationships and content types, and 看板 written as a formula sheet (core.board: live =KAOHE_*
formulas with cached values, so any viewer shows numbers before Python runs) by the same writer
as `kaohe rank`. Two builds give identical bytes.
"""
from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

from openpyxl.styles import Alignment, Font
from openpyxl.workbook import Workbook

from ..core import schema as S
from ..core.board import BOARD, board_sheet
from ..core.engine import assess
from ..io import template
from ..io.workbook import READ_SHEETS
from .help_text import HELP_TEXT
from ..io.xlsx_package import write_output_sheets
from .vba_project import build_vba_project
from .vba_sources import BOARD_CODE_NAME, check_ribbon_callbacks, project_modules, ribbon_xml

HELP = "使用说明"
HELP_CODE_NAME = "shHelp"
CONF_CODE_NAME = "shXlwingsConf"
UDF_MODULES = "udfs.kaohe_udfs"
EXCEL_CALC_ID = 191029  # calcPr/@calcId of Excel 2019 and 365
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


def _board_placeholder(wb: Workbook) -> None:
    """An empty 看板 with its code name and tab colour; the formula sheet itself
    (core.board) is written into it at zip level, the same way `kaohe rank` rewrites it."""
    ws = wb.create_sheet(BOARD, 1)
    ws.sheet_properties.codeName = BOARD_CODE_NAME
    ws.sheet_properties.tabColor = "ED7D31"


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


# ---- the package ----------------------------------------------------------------------------------------

def _add_relationship(rels: bytes, rel_id: str, rel_type: str, target: str) -> bytes:
    entry = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/>'
    return rels.replace(b"</Relationships>", entry.encode() + b"</Relationships>")


def assemble(data: bytes, vba_project: bytes, ribbon: bytes) -> bytes:
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
    _board_placeholder(wb)
    _conf_sheet(wb)
    wb.code_name = "ThisWorkbook"
    # No recalculation forced on open: with macros disabled it would turn every =KAOHE_* cell
    # into #NAME? (and nothing recalculates after 启用内容). The cached values show instead and
    # Workbook_Open recalculates 看板 once macros run. calcId: Excel 2019/365's calculation
    # engine -- an older id makes Excel recalculate everything on load (openpyxl writes 2007's).
    wb.calculation.fullCalcOnLoad = False
    wb.calculation.calcId = EXCEL_CALC_ID
    wb.active = 0
    data = template.ledger_bytes(wb, macro_enabled=True)
    code_names = [ws.sheet_properties.codeName for ws in wb.worksheets]
    modules = project_modules(code_names)
    ribbon = ribbon_xml()
    check_ribbon_callbacks(ribbon, modules)
    grids = read_grids_from_bytes(data)
    today = date(year, 12, 31)  # fixed: two builds give the same bytes
    board = board_sheet(assess(grids, today=today), grids, today=today, refreshed="新建工作簿时")
    out = io.BytesIO()
    write_output_sheets(assemble(data, build_vba_project(modules), ribbon), out, [board])
    return out.getvalue()


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
