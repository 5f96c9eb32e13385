"""A fresh ledger workbook (`kaohe new PATH [--demo]`): sheets, Tables, dropdowns, 规则 sheet.

Layout per SPEC §6: 参数 (key / value / 说明), the input sheets as Excel Tables with frozen
headers, date formats and data-validation dropdowns, 规则 (the rubric, type mapping, export
header aliases and the long dropdown lists, side by side), then the empty output sheets.
Every name comes from core.schema; the rubric from core.rules, so the sheet reads back to
exactly ``default_rubric()``.

``save_ledger`` writes deterministic bytes (fixed document dates and zip timestamps), so two
builds of the same template are identical files.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from ..core import rules as R
from ..core import schema as S
from ..core.aliases import alias_pairs
from . import demo as D

__all__ = ["build_ledger", "save_ledger", "new_ledger", "ledger_bytes", "SHEET_ORDER",
           "SHEET_CODE_NAMES", "TABLE_NAMES", "OUTPUT_NOTE"]

SHEET_ORDER = (S.PARAMS, S.UNITS, S.ORDERS, S.DEDUCTIONS, S.BONUSES, S.MEETINGS, S.KNOWLEDGE,
               S.STUDIES, S.HOLIDAYS, S.RULES, S.APPEALS, S.BULLETIN_TEMPLATE) + S.OUTPUT_SHEETS

SHEET_CODE_NAMES = S.SHEET_CODE_NAMES

TABLE_NAMES = {
    S.UNITS: "tblUnits", S.ORDERS: "tblOrders", S.DEDUCTIONS: "tblDeductions",
    S.BONUSES: "tblBonuses", S.MEETINGS: "tblMeetings", S.KNOWLEDGE: "tblKnowledge",
    S.STUDIES: "tblStudies", S.HOLIDAYS: "tblHolidays", S.APPEALS: "tblAppeals",
    "rubric": "tblRubric", "types": "tblTypeMap", "aliases": "tblHeaderAliases", "options": "tblOptions",
}

OUTPUT_NOTE = "运行 kaohe rank 或点击功能区 12345考核 › 生成排名 后生成"
THRESHOLD_COLUMN = "阈值"  # optional extra column of the rubric table (validate.read_rubric)
OPTION_COLUMNS = ("扣分项选项", "加分项选项")

# defined names feeding the dropdowns
UNIT_LIST = "单位列表"
DEDUCTION_LIST = "扣分项列表"
BONUS_LIST = "加分项列表"

DV_LAST_ROW = 5000     # dropdowns reach far below the Table so typed rows get them too
UNIT_LIST_LAST_ROW = 2000

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"       # keeps 2026-03, phone numbers and IDs as typed
PERCENT_FORMAT = "0%"
SIGNED_FORMAT = "+0.##;-0.##;0"

COLUMN_FORMATS: dict[str, dict[str, str]] = {
    S.UNITS: {"联络电话": TEXT_FORMAT},
    S.ORDERS: {"工单编号": TEXT_FORMAT, "受理时间": DATETIME_FORMAT, "办理时限": DATETIME_FORMAT,
               "办结时间": DATETIME_FORMAT},
    S.DEDUCTIONS: {"日期": DATE_FORMAT, "关联工单": TEXT_FORMAT},
    S.BONUSES: {"日期": DATE_FORMAT},
    S.MEETINGS: {"会议日期": DATE_FORMAT},
    S.KNOWLEDGE: {"月份": TEXT_FORMAT, "报送日期": DATE_FORMAT},
    S.STUDIES: {"研究日期": DATE_FORMAT},
    S.HOLIDAYS: {"日期": DATE_FORMAT},
    S.APPEALS: {"申诉编号": TEXT_FORMAT, "对象": TEXT_FORMAT, "申诉日期": DATE_FORMAT, "复核日期": DATE_FORMAT},
}

# Room for Chinese text that an empty template cannot measure.
MIN_WIDTHS = {
    "单位名称": 24, "承办单位": 24, "单位别名": 20, "诉求内容": 40, "备注": 24, "说明": 36,
    "内容": 40, "会议名称": 28, "扣分项": 30, "加分项": 30, "工单编号": 14, "关联工单": 14,
    "认定情况": 14, "分管领导": 16, "联络人": 16, "联络电话": 14, "细则": 44, "二级指标": 36,
    "一级指标": 14, "三级指标": 22, "来源": 22, "导出表列名": 18, "平台工单类型": 14,
    "扣分项选项": 44, "加分项选项": 44, "对象": 22, "申诉理由": 40, "申诉编号": 14, "复核人": 16,
}
MAX_WIDTH = 60

TABLE_STYLE = "TableStyleMedium2"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
NOTE_FONT = Font(italic=True, color="808080")
CENTRED = Alignment(horizontal="center")
OUTPUT_TAB_COLOR = "70AD47"
RULES_TAB_COLOR = "A6A6A6"


# ---- public API ------------------------------------------------------------------------------

def build_ledger(*, year: int, demo: bool = False) -> Workbook:
    """A ledger for ``year``; with ``demo`` the fictional data set of ``io.demo`` (2026 only)."""
    if demo and year != D.DEMO_YEAR:
        raise ValueError(f"示例数据只有 {D.DEMO_YEAR} 年度，不能生成 {year} 年度的示例台账")
    wb = Workbook()
    wb.remove(wb.active)
    for name in SHEET_ORDER:
        ws = wb.create_sheet(name)
        ws.sheet_properties.codeName = SHEET_CODE_NAMES[name]
    rubric = R.default_rubric()
    _write_params(wb[S.PARAMS], year, demo)
    for spec in S.INPUT_SHEETS:
        rows = _demo_rows(spec.name) if demo else []
        _write_input_sheet(wb[spec.name], spec, rows)
    _status_column(wb[S.ORDERS])
    option_ranges = _write_rules(wb[S.RULES], rubric)
    _write_bulletin_template(wb[S.BULLETIN_TEMPLATE])
    for name in S.OUTPUT_SHEETS:
        _write_output_placeholder(wb[name])
    _define_lists(wb, option_ranges)
    _add_validations(wb)
    wb.properties.creator = "xl_kaohe"
    wb.properties.title = f"{year}年度12345政府服务热线办理工作考核台账"
    wb.properties.created = wb.properties.modified = datetime(year, 1, 1)
    wb.active = 0
    return wb


def save_ledger(wb: Workbook, path) -> None:
    """Write ``wb`` to ``path`` (.xlsx or .xlsm) as deterministic bytes."""
    path = Path(path)
    path.write_bytes(ledger_bytes(wb, macro_enabled=_is_macro_path(path)))


def new_ledger(path, *, year: int | None = None, demo: bool = False) -> Path:
    """Create a new ledger file and return its path (".xlsx" is added when the name has no
    extension); never overwrites an existing file."""
    path = Path(path)
    if not path.suffix:
        path = path.with_name(path.name + ".xlsx")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ValueError(f"台账文件名应以 .xlsm 或 .xlsx 结尾：{path}")
    if path.exists():
        raise FileExistsError(_exists_message(path))
    if year is None:
        year = D.DEMO_YEAR if demo else date.today().year
    data = ledger_bytes(build_ledger(year=year, demo=demo), macro_enabled=_is_macro_path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "xb") as f:  # "x": a file created meanwhile is not overwritten either
            f.write(data)
    except FileExistsError:
        raise FileExistsError(_exists_message(path)) from None
    return path


def _exists_message(path: Path) -> str:
    return f"文件已存在：{path}。为免覆盖已有台账，请换一个文件名，或先把原文件移走。"


# ---- 参数 ---------------------------------------------------------------------------------------

PARAM_NOTES = {
    S.P_YEAR: "考核的自然年度，如 2026；考核期为该年 1月1日 至 12月31日",
    S.P_ASOF: "留空则为今天（不超过年底）；填 12月31日 出全年结果；命令行 --asof 优先",
    S.P_LATE_MODE: "工作日（默认：周末、法定节假日不计，调休上班日计入）或 自然日",
    S.P_RATE_MODE: "差距不足整百分点时：按比例（默认）；不足1%按1%计（向上取整）；满1%计（向下取整）",
    S.P_SATISFIED: "计为“满意”的回访结果，用顿号分隔",
    S.P_UNSATISFIED: "计为“不满意”的回访结果；空白和“未回访”不计入满意率",
    S.P_KB_DEADLINE_DAY: "每月知识库须在次月几日前（含当日）报送，默认 5 日",
    S.P_AUTO_TIMELY_BONUS: "是：及时办理率达到100%的单位自动加1分（III-14.2）；否：不自动加分",
    S.P_WARN_DAYS: "预警：未办结且离应办结时间不超过几个工作日的工单列为“即将到期”，默认 1",
    S.P_ESCALATE_DAYS: "预警：超期满几个工作日仍未办结的工单“建议通报”，默认 5",
    S.P_BOARD_SIZE: "阶段通报：红榜、黑榜各列几个单位（每个单位类别），默认 3",
    S.P_APPEAL_DAYS: "申诉复核：对象发生后几个工作日内可申诉，超过的列为警告，默认 5",
}
PARAM_HEADER = ("参数", "取值", "说明")


def param_defaults(year: int) -> dict[str, Any]:
    return {
        S.P_YEAR: year,
        S.P_ASOF: None,
        S.P_LATE_MODE: S.LATE_MODES[0],
        S.P_RATE_MODE: S.RATE_MODES[0],
        S.P_SATISFIED: "非常满意、满意、基本满意",
        S.P_UNSATISFIED: "不满意、非常不满意",
        S.P_KB_DEADLINE_DAY: 5,
        S.P_AUTO_TIMELY_BONUS: "是",
        S.P_WARN_DAYS: 1,
        S.P_ESCALATE_DAYS: 5,
        S.P_BOARD_SIZE: 3,
        S.P_APPEAL_DAYS: 5,
    }


def _write_params(ws: Worksheet, year: int, demo: bool) -> None:
    values = param_defaults(year)
    if demo:
        values[S.P_ASOF] = D.DEMO_ASOF
    ws.append(PARAM_HEADER)
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for key in S.PARAM_KEYS:
        ws.append((key, values[key], PARAM_NOTES[key]))
    asof_cell = ws.cell(row=2 + S.PARAM_KEYS.index(S.P_ASOF), column=2)
    asof_cell.number_format = DATE_FORMAT
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].alignment = Alignment(horizontal="left")
    # one line per note: wrapped rows do not grow in every spreadsheet program
    note_width = max(_text_width(note) for note in PARAM_NOTES.values()) + 2
    for letter, width in (("A", 26), ("B", 26), ("C", note_width)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    _fit_to_page_width(ws)


def param_row(key: str) -> int:
    """Worksheet row of a 参数 key (its value is in column B)."""
    return 2 + S.PARAM_KEYS.index(key)


# ---- 通报模板 ------------------------------------------------------------------------------------

def _write_bulletin_template(ws: Worksheet) -> None:
    """Key/value like 参数: the wording of 生成通报 (kaohe report) that staff edit."""
    from ..core.validate import bulletin_template as BT

    ws.append(("项目", "内容", "说明"))
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    wrap = Alignment(wrap_text=True, vertical="top")
    for key in BT.KEYS:
        ws.append((key, BT.DEFAULTS[key] or None, BT.NOTES[key]))
        row = ws.max_row
        for col in (1, 2, 3):      # top-aligned together: a key reads beside its value
            ws.cell(row=row, column=col).alignment = wrap
        ws.cell(row=row, column=2).number_format = TEXT_FORMAT if key != BT.K_ISSUED else DATE_FORMAT
        lines = sum(max(1, -(-_text_width(part) // 70)) for part in (BT.DEFAULTS[key] or " ").split("\n"))
        # explicit heights: viewers do not grow wrapped rows themselves
        ws.row_dimensions[row].height = 15 * max(1, lines, -(-_text_width(BT.NOTES[key]) // 44))
    for letter, width in (("A", 16), ("B", 72), ("C", 46)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    _fit_to_page_width(ws)


# ---- input sheets -----------------------------------------------------------------------------

def _demo_rows(sheet: str) -> list[tuple]:
    return {
        S.UNITS: D.UNITS, S.ORDERS: D.ORDERS, S.DEDUCTIONS: D.DEDUCTIONS, S.BONUSES: D.BONUSES,
        S.MEETINGS: D.MEETINGS, S.KNOWLEDGE: D.KNOWLEDGE, S.STUDIES: D.STUDIES, S.HOLIDAYS: D.HOLIDAYS,
        S.APPEALS: D.APPEALS,
    }[sheet]


def _write_input_sheet(ws: Worksheet, spec: S.SheetSpec, rows: Sequence[tuple]) -> None:
    _place_table(ws, 1, spec.columns, rows, TABLE_NAMES[spec.name], COLUMN_FORMATS.get(spec.name, {}))
    ws.freeze_panes = "A2"
    _fit_to_page_width(ws)


def _fit_to_page_width(ws: Worksheet) -> None:
    """Print landscape, all columns on one page width, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _place_table(ws: Worksheet, first_col: int, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 name: str, formats: dict[str, str]) -> int:
    """Header in row 1 from ``first_col``, rows below, an Excel Table over them (at least one
    data row, as Excel requires). Returns the last row of the table."""
    for c, header in enumerate(columns):
        cell = ws.cell(row=1, column=first_col + c, value=header)
        # explicit, because LibreOffice and WPS do not paint Excel's Table styles
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            ws.cell(row=r, column=first_col + c, value=_cell_value(value))
    last_row = max(2, len(rows) + 1)
    for c, header in enumerate(columns):
        col = first_col + c
        letter = get_column_letter(col)
        fmt = formats.get(header)
        if fmt:
            # on the column too, so rows typed below the Table get it
            centred = fmt in (DATE_FORMAT, DATETIME_FORMAT)  # dates and "24小时" line up
            cells = [ws.column_dimensions[letter]] + [ws.cell(row=r, column=col) for r in range(2, last_row + 1)]
            for target in cells:
                target.number_format = fmt
                if centred:
                    target.alignment = CENTRED
        ws.column_dimensions[letter].width = _width(header, (row[c] for row in rows), fmt)
    ref = f"{get_column_letter(first_col)}1:{get_column_letter(first_col + len(columns) - 1)}{last_row}"
    ws.add_table(Table(displayName=name, ref=ref, tableStyleInfo=TableStyleInfo(
        name=TABLE_STYLE, showRowStripes=True, showColumnStripes=False,
        showFirstColumn=False, showLastColumn=False)))
    return last_row


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str) and not value:
        return None
    return value


def _text_width(value: Any) -> int:
    if value is None:
        return 0
    text = value if isinstance(value, str) else str(_cell_value(value))
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _width(header: str, values: Iterable[Any], fmt: str | None) -> float:
    if fmt == DATETIME_FORMAT:
        return 18
    if fmt == DATE_FORMAT:
        return 12.5
    widest = max((_text_width(v) for v in values), default=0)
    # + room for the Table's filter button next to the header
    return min(max(_text_width(header) + 5, widest + 2, MIN_WIDTHS.get(header, 8)), MAX_WIDTH)


# ---- 规则 ---------------------------------------------------------------------------------------

def rubric_rows(rubric: R.Rubric) -> list[tuple]:
    """One row per item, its clauses below it, then the 加分上限 row (columns RULE_COLUMNS + 阈值)."""
    rows: list[tuple] = []
    for item in rubric.items.values():
        rows.append((item.code, item.level1, item.level2, item.name, item.points, None, None, None, None))
        for clause in rubric.clauses_of(item.code):
            per = clause.points if clause.points is not None else "酌情"
            rows.append((clause.code, None, None, None, None, clause.text, per, clause.source, clause.threshold))
    rows.append((R.BONUS_CAP_CODE, R.BONUS_LEVEL1, None, None, rubric.bonus_cap,
                 f"加分项累计不超过{_cell_value(rubric.bonus_cap)}分", None, None, None))
    return rows


def option_lists(rubric: R.Rubric) -> tuple[list[str], list[str]]:
    """Dropdown entries ('III-4.2 推诿扯皮') of the clauses staff register by hand."""
    manual = [c for c in rubric.clauses.values() if c.manual]
    return ([f"{c.code} {c.text}" for c in manual if not c.is_bonus],
            [f"{c.code} {c.text}" for c in manual if c.is_bonus])


def _write_rules(ws: Worksheet, rubric: R.Rubric) -> dict[str, str]:
    """Four tables side by side, one empty column apart. Returns defined-name -> range."""
    ws.sheet_properties.tabColor = RULES_TAB_COLOR
    col = 1
    rubric_columns = S.RULE_COLUMNS + (THRESHOLD_COLUMN,)
    rows = rubric_rows(rubric)
    last_row = _place_table(ws, col, rubric_columns, rows, TABLE_NAMES["rubric"], {})
    _format_rubric(ws, col, rubric_columns, rows)
    _fit_to_page_width(ws)
    ws.print_area = f"A1:{get_column_letter(col + len(rubric_columns) - 1)}{last_row}"  # the rubric only
    col += len(rubric_columns) + 1

    types = [(word, target) for word, target in R.DEFAULT_TYPE_MAP.items()]
    _place_table(ws, col, S.TYPE_MAP_COLUMNS, types, TABLE_NAMES["types"], {})
    col += len(S.TYPE_MAP_COLUMNS) + 1

    _place_table(ws, col, S.HEADER_ALIAS_COLUMNS, alias_pairs(), TABLE_NAMES["aliases"], {})
    col += len(S.HEADER_ALIAS_COLUMNS) + 1

    deductions, bonuses = option_lists(rubric)
    options = [(d, b) for d, b in _zip_longest(deductions, bonuses)]
    _place_table(ws, col, OPTION_COLUMNS, options, TABLE_NAMES["options"], {})
    ranges = {}
    for offset, (name, entries) in enumerate(((DEDUCTION_LIST, deductions), (BONUS_LIST, bonuses))):
        letter = get_column_letter(col + offset)
        ranges[name] = f"'{S.RULES}'!${letter}$2:${letter}${len(entries) + 1}"
    ws.freeze_panes = "A2"
    return ranges


def _zip_longest(a: list, b: list) -> list[tuple]:
    n = max(len(a), len(b))
    return [(a[i] if i < len(a) else None, b[i] if i < len(b) else None) for i in range(n)]


def _format_rubric(ws: Worksheet, first_col: int, columns: Sequence[str], rows: list[tuple]) -> None:
    index = {name: first_col + i for i, name in enumerate(columns)}
    for r, row in enumerate(rows, start=2):
        code = row[0]
        if "." not in code:  # item rows and 加分上限 stand out
            for c in range(first_col, first_col + len(columns)):
                ws.cell(row=r, column=c).font = HEADER_FONT
        ws.cell(row=r, column=index["每次分值"]).number_format = SIGNED_FORMAT
        for name in ("分值", "每次分值", THRESHOLD_COLUMN):  # numbers and 酌情 line up
            ws.cell(row=r, column=index[name]).alignment = CENTRED
        threshold = ws.cell(row=r, column=index[THRESHOLD_COLUMN])
        if threshold.value is not None:
            threshold.number_format = '0"个工作日"' if code in R.TIMELY_BY_TYPE.values() else PERCENT_FORMAT
    for name in ("分值", "每次分值", THRESHOLD_COLUMN):
        ws.column_dimensions[get_column_letter(index[name])].width = 10


# ---- 工单: each row's state at a glance (SPEC §9) ------------------------------------------------------

STATUS_HEADER = "办理状态（自动）"
STATUS_FILLS = {"已超期": "FFC7CE", "即将到期": "FFEB9C", "超时办结": "FCE4D6"}


def _status_column(ws: Worksheet) -> None:
    """One legacy array formula =KAOHE_STATUS(whole columns) beside the 工单 Table (one UDF call
    for all rows; array formulas may not sit inside a Table, hence the empty column between),
    and conditional formatting of each row driven by it (native rules: Excel, WPS, LibreOffice).
    Where KAOHE_STATUS does not exist (WPS, LibreOffice) IFERROR leaves the column blank."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.worksheet.formula import ArrayFormula

    cols = {h: get_column_letter(i + 1) for i, h in enumerate(S.ORDER_COLUMNS)}
    status = get_column_letter(len(S.ORDER_COLUMNS) + 2)
    last = DV_LAST_ROW
    head = ws[f"{status}1"]
    head.value, head.font, head.fill = STATUS_HEADER, HEADER_FONT, HEADER_FILL
    args = ", ".join(f"{cols[c]}2:{cols[c]}{last}" for c in ("受理时间", "工单类型", "办结时间", "办理时限"))
    ws[f"{status}2"] = ArrayFormula(f"{status}2:{status}{last}", f"=IFERROR(KAOHE_STATUS({args}),\"\")")
    ws.column_dimensions[status].width = 14
    # print the Table's columns only: the array's empty strings would print 5000 blank rows
    last_col = cols[S.ORDER_COLUMNS[-1]]
    ws.defined_names["_xlnm.Print_Area"] = DefinedName(
        "_xlnm.Print_Area", attr_text=f"'{ws.title}'!$A:${last_col}")  # whole columns: up to the last row used
    for state, rgb in STATUS_FILLS.items():
        ws.conditional_formatting.add(f"A2:{status}{last}", FormulaRule(
            formula=[f'${status}2="{state}"'], fill=PatternFill("solid", fgColor=rgb, bgColor=rgb)))


# ---- output sheets, names, dropdowns --------------------------------------------------------------

def _write_output_placeholder(ws: Worksheet) -> None:
    ws["A1"] = OUTPUT_NOTE
    ws["A1"].font = NOTE_FONT
    ws.column_dimensions["A"].width = 60
    ws.sheet_properties.tabColor = OUTPUT_TAB_COLOR


def _define_lists(wb: Workbook, option_ranges: dict[str, str]) -> None:
    unit_col = get_column_letter(S.UNIT_COLUMNS.index("单位名称") + 1)
    ranges = {UNIT_LIST: f"'{S.UNITS}'!${unit_col}$2:${unit_col}${UNIT_LIST_LAST_ROW}", **option_ranges}
    for name, ref in ranges.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _inline(options: Iterable[str]) -> str:
    text = ",".join(options)
    assert len(text) < 255, "Excel limits an inline list to 255 characters: use a range"
    return f'"{text}"'


def _list_rule(source: str, title: str, message: str, *, strict: bool) -> DataValidation:
    # strict: only listed values; otherwise a warning lets staff keep an accepted spelling
    return DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True,
                          errorStyle="stop" if strict else "warning", errorTitle=title, error=message)


def _count_rule(minimum: int, title: str, message: str) -> DataValidation:
    return DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(minimum),
                          allow_blank=True, showErrorMessage=True, errorTitle=title, error=message)


def _validations() -> list[tuple[str, tuple[str, ...], DataValidation]]:
    """(sheet, columns, rule) for every dropdown / number check of the input sheets."""
    unit_sheets = [(S.ORDERS, "承办单位")] + [(s, "单位名称") for s in
                                          (S.DEDUCTIONS, S.BONUSES, S.MEETINGS, S.KNOWLEDGE, S.STUDIES, S.APPEALS)]
    rules: list[tuple[str, tuple[str, ...], DataValidation]] = []
    for sheet, column in unit_sheets:
        rules.append((sheet, (column,), _list_rule(
            UNIT_LIST, "单位名称", "请从下拉列表选择「单位」表中的单位名称。若填写的是单位别名，可点“是”保留。",
            strict=False)))
    type_words = tuple(R.DEFAULT_TYPE_MAP)
    rules += [
        (S.ORDERS, ("工单类型",), _list_rule(
            _inline(type_words), "工单类型",
            "工单类型应为咨询、办理、紧急，或「规则」表类型对照中的平台类型。点“是”保留所填内容。", strict=False)),
        (S.ORDERS, ("回访结果",), _list_rule(
            _inline(S.VISIT_RESULTS), "回访结果",
            "回访结果不在列表中：不计入满意率，除非在「参数」表的满意口径或不满意口径中加入它。", strict=False)),
        (S.DEDUCTIONS, ("扣分项",), _list_rule(
            DEDUCTION_LIST, "扣分项",
            "请从下拉列表选择扣分细则，也可直接输入编码，如 III-4.2 或 Ⅲ—4（2）。"
            "超时办结、及时办理率、满意率、办结率等由系统自动计算，无需登记。", strict=False)),
        (S.BONUSES, ("加分项",), _list_rule(
            BONUS_LIST, "加分项",
            "请从下拉列表选择加分细则，也可直接输入编码，如 III-15.1。及时办理率100%的加分由系统自动计算。",
            strict=False)),
        (S.MEETINGS, ("出勤",), _list_rule(
            _inline(S.ATTENDANCE), "出勤", f"出勤只能是{'、'.join(S.ATTENDANCE)}。", strict=True)),
        (S.MEETINGS, ("请假已批准",), _list_rule(_inline(S.YES_NO), "请假已批准", "只能填“是”或“否”。", strict=True)),
        (S.UNITS, ("参与考核",), _list_rule(_inline(S.YES_NO), "参与考核", "只能填“是”或“否”；留空按“是”计。",
                                        strict=True)),
        (S.HOLIDAYS, ("类型",), _list_rule(_inline(S.HOLIDAY_KINDS), "类型", "类型只能是“放假”或“上班”。",
                                        strict=True)),
        (S.DEDUCTIONS, ("次数",), _count_rule(1, "次数", "次数应为不小于 1 的整数（留空按 1 次计）。")),
        (S.BONUSES, ("次数",), _count_rule(1, "次数", "次数应为不小于 1 的整数（留空按 1 次计）。")),
        (S.BONUSES, ("分值",), DataValidation(
            type="decimal", operator="greaterThan", formula1="0", allow_blank=True, showErrorMessage=True,
            errorTitle="分值", error="分值应为正数（酌情加分项必须填写）。")),
        (S.KNOWLEDGE, ("使用次数", "错误次数"), _count_rule(0, "次数", "应为不小于 0 的整数。")),
        # 申诉复核 (§11): the four decisions only; blank means 待复核
        (S.APPEALS, ("复核结论",), _list_rule(
            _inline(S.APPEAL_DECISIONS), "复核结论",
            f"复核结论只能是{'、'.join(S.APPEAL_DECISIONS)}（留空按待复核计）。", strict=True)),
        (S.APPEALS, ("减免分值",), DataValidation(
            type="decimal", operator="greaterThan", formula1="0", allow_blank=True, showErrorMessage=True,
            errorTitle="减免分值", error="减免分值应为正数（复核结论为减免时必须填写）。")),
    ]
    return rules


PARAM_CHOICES = {
    S.P_LATE_MODE: S.LATE_MODES,
    S.P_RATE_MODE: S.RATE_MODES,
    S.P_AUTO_TIMELY_BONUS: S.YES_NO,
}


def _add_validations(wb: Workbook) -> None:
    for sheet, columns, rule in _validations():
        spec = S.SHEET_SPECS[sheet]
        for column in columns:
            letter = get_column_letter(spec.columns.index(column) + 1)
            rule.add(f"{letter}2:{letter}{DV_LAST_ROW}")
        wb[sheet].add_data_validation(rule)
    ws = wb[S.PARAMS]
    for key, options in PARAM_CHOICES.items():
        rule = _list_rule(_inline(options), key, f"{key}只能是{'、'.join(options)}。", strict=True)
        rule.add(f"B{param_row(key)}")
        ws.add_data_validation(rule)


# ---- deterministic packaging ---------------------------------------------------------------------

XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_FIRST_PARTS = ("[Content_Types].xml", "_rels/.rels")


def _is_macro_path(path: Path) -> bool:
    return path.suffix.lower() == ".xlsm"


def ledger_bytes(wb: Workbook, *, macro_enabled: bool = False) -> bytes:
    """The workbook as a zip package whose bytes depend only on its content."""
    stamp = wb.properties.created or datetime(2000, 1, 1)
    wb.properties.created = wb.properties.modified = stamp
    raw = io.BytesIO()
    wb.save(raw)
    return _repack(raw.getvalue(), macro_enabled)


def _repack(data: bytes, macro_enabled: bool) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    order = {name: i for i, name in enumerate(source.namelist())}
    names = sorted(order, key=lambda n: (_FIRST_PARTS.index(n) if n in _FIRST_PARTS else len(_FIRST_PARTS), order[n]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            body = source.read(name)
            if name == "docProps/core.xml":
                # openpyxl stamps "modified" with the wall clock at save time: pin it to "created"
                created = re.search(rb"<dcterms:created[^>]*>([^<]*)<", body)
                if created:
                    body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + created.group(1) + rb"\2", body)
            if name == "[Content_Types].xml" and macro_enabled:
                # openpyxl only writes the macro-enabled type when it carries a VBA project;
                # Excel refuses an .xlsm whose workbook part says plain .xlsx.
                body = body.replace(XLSX_MAIN.encode(), XLSM_MAIN.encode())
            info = zipfile.ZipInfo(name, ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, body)
    return out.getvalue()
