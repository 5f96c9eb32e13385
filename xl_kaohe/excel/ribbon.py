"""The ribbon tab 12345考核: one RunPython target per button.

Each target finds the calling workbook, runs the same job as the CLI (``xl_kaohe.jobs``) on an
ExcelBook, shows progress in Excel's status bar and ends with a short Chinese message box.
The VBA callbacks (build/vba/Ribbon.bas) call these by name.
"""
from __future__ import annotations

import traceback
from pathlib import Path
from typing import Callable

from ..jobs import rank as app
from ..core import schema as S
from ..core.outputs import unit_card_sheet
from ..core.validate import LedgerError, name_key
from ..io.workbook import BookError
from .live import ExcelBook

TITLE = "12345考核"
HELP_SHEET = "使用说明"
LOG = Path.home() / "kaohe-error.log"


def _caller():
    import xlwings as xw
    return xw.Book.caller()


def run_job(book, job: Callable[[ExcelBook, Callable[[str], None]], str]) -> str:
    """Run a job with status-bar progress and a message box; never let a traceback reach the user."""
    app_ = book.app

    def progress(message: str) -> None:
        app_.status_bar = f"{TITLE}：{message}"

    app_.screen_updating = False
    _set_events(app_, False)  # our own writes must not fire Workbook_SheetChange mid-job
    try:
        message = job(ExcelBook(book), progress)
    except (BookError, LedgerError) as e:
        message = f"无法完成：{e}"
    except Exception as e:  # the user gets a short message; the details go to a log file
        LOG.write_text(traceback.format_exc(), encoding="utf-8")
        message = f"出错了：{e}\n详细信息已写入 {LOG}"
    finally:
        _set_events(app_, True)  # the VBA callback then bumps the edit counters (Ribbon.bas)
        app_.screen_updating = True
        app_.status_bar = False  # hands the status bar back to Excel
    if getattr(app_, "display_alerts", True):  # off under automation (tests): a modal box would block
        app_.alert(message, title=TITLE)
    return message


def _set_events(app_, enabled: bool) -> None:
    try:
        app_.api.EnableEvents = enabled
    except Exception:  # pragma: no cover - not every host exposes it
        pass


def _summary(assessment) -> str:
    problems = assessment.result.problems
    errors = sum(p.level == "错误" for p in problems)
    warnings = len(problems) - errors
    lines = [f"已生成「{S.RANKING}」「{S.DETAIL}」「{S.AUDIT}」「{S.CHECKS}」「{S.TREND}」「{S.WARNINGS}」「{S.CHASE}」。"]
    ranked = [u for u in assessment.ordered if u.rank is not None]
    if ranked:
        lines.append(f"第一名：{ranked[0].name}（{ranked[0].total} 分），共 {len(ranked)} 个单位参与排名。")
    if problems:
        lines.append(f"校验发现 {errors} 个错误、{warnings} 个警告，详见「{S.CHECKS}」表。")
    return "\n".join(lines)


def generate_ranking(book=None) -> str:
    def job(excel, progress):
        return _summary(app.rank(excel, progress=progress))
    return run_job(book or _caller(), job)


def check_ledger(book=None) -> str:
    def job(excel, progress):
        assessment = app.check(excel, progress=progress)
        excel.write_outputs([assessment.sheets()[-1]])  # only 校验
        problems = assessment.result.problems
        if not problems:
            return "校验通过：没有发现问题。"
        errors = sum(p.level == "错误" for p in problems)
        return f"发现 {errors} 个错误、{len(problems) - errors} 个警告，已列在「{S.CHECKS}」表。"
    return run_job(book or _caller(), job)


def active_unit(book, names: list[str]) -> str | None:
    """The unit named in the active cell's row (any column), e.g. on 排名 or 工单."""
    sheet = book.sheets.active
    row = book.app.selection.row
    values = sheet.range((row, 1), (row, min(sheet.used_range.last_cell.column, 60))).value or []
    keys = {name_key(n): n for n in names}
    for value in values if isinstance(values, list) else [values]:
        if value is not None and name_key(value) in keys:
            return keys[name_key(value)]
    return None


def unit_card(book=None) -> str:
    def job(excel, progress):
        assessment = app.check(excel, progress=progress)
        names = [u.name for u in assessment.ordered] + [a for u in assessment.ordered for a in u.unit.aliases]
        name = active_unit(excel.book, names)
        if name is None:
            return "请先选中某个单位所在的行（如「排名」表或「单位」表中的一行），再点“单位明细”。"
        unit = assessment.unit(name)
        excel.write_outputs([unit_card_sheet(assessment.result, unit)])
        return f"已生成「{unit.name}」的得分明细：总分 {unit.total}。"
    return run_job(book or _caller(), job)


def warning_list(book=None, now=None) -> str:
    """预警清单: only 预警 and 催办单, as of now (fast: reads the sheets warnings need)."""
    def job(excel, progress):
        from ..jobs.warn import warn
        run = warn(excel, now=now, write=True, progress=progress)
        w = run.warnings
        overdue = sum(o.status == "已超期" for o in w.orders)
        escalate = sum(o.escalate for o in w.orders)
        lines = [f"已生成「{S.WARNINGS}」「{S.CHASE}」（截至 {w.asof.strftime('%Y-%m-%d %H:%M')}）。"]
        if w.orders:
            lines.append(f"已超期 {overdue} 件（建议通报 {escalate} 件），即将到期 {len(w.orders) - overdue} 件，"
                         f"涉及 {len(w.units)} 个单位；催办单每个单位一页，可直接打印。")
        else:
            lines.append("没有即将到期或已超期的工单。")
        errors = sum(p.level == "错误" for p in run.problems)
        if errors:
            lines.append(f"台账有 {errors} 个错误，有错误的工单未列入（点“校验台账”查看）。")
        return "\n".join(lines)
    return run_job(book or _caller(), job)


def import_orders(book=None) -> str:
    def job(excel, progress):
        picked = excel.book.app.api.GetOpenFilename("12345 导出文件 (*.xlsx;*.xls;*.csv),*.xlsx;*.xls;*.csv",
                                                    1, "选择 12345 平台导出的工单文件")
        if not picked:
            return "未选择文件，已取消。"
        from ..jobs.importing import import_into_book
        return import_into_book(picked, excel, progress=progress).message()
    return run_job(book or _caller(), job)


MSG_NO_NOTICE = ("剪贴板里没有节假日安排通知，也未选择文件，已取消。\n"
                 "请先在网页上复制“国务院办公厅关于××××年部分节假日安排的通知”全文（从标题到落款），"
                 "再点“导入假日通知”。")


def import_holiday_notice(book=None, clipboard: Callable[[], str] | None = None) -> str:
    """导入假日通知: the notice text from the clipboard, else from a chosen .txt file."""
    from ..core.notice_text import looks_like_notice
    from ..jobs.holidays import NoticeError, import_notice, read_notice_file

    def job(excel, progress):
        text = (clipboard or clipboard_text)()
        if not looks_like_notice(text):
            picked = excel.book.app.api.GetOpenFilename("文本文件 (*.txt),*.txt", 1,
                                                        "选择保存了国务院节假日安排通知的 .txt 文件")
            if not picked:
                return MSG_NO_NOTICE
            text = read_notice_file(picked)
        progress(f"正在写入「{S.HOLIDAYS}」表")
        try:
            return import_notice(text, excel).message()
        except NoticeError as e:
            return f"无法完成：{e}"
    return run_job(book or _caller(), job)


def clipboard_text() -> str:
    """The clipboard's text: pywin32 (installed with xlwings on Windows), else tkinter; "" when
    neither can read it."""
    try:
        import win32clipboard
    except ImportError:
        return _tk_clipboard()
    try:
        win32clipboard.OpenClipboard()
        try:
            if win32clipboard.IsClipboardFormatAvailable(win32clipboard.CF_UNICODETEXT):
                return win32clipboard.GetClipboardData(win32clipboard.CF_UNICODETEXT) or ""
            return ""
        finally:
            win32clipboard.CloseClipboard()
    except Exception:  # pragma: no cover - the clipboard held by another program
        return ""


def _tk_clipboard() -> str:  # pragma: no cover - depends on a display
    try:
        import tkinter
        root = tkinter.Tk()
        root.withdraw()
        try:
            return root.clipboard_get()
        finally:
            root.destroy()
    except Exception:
        return ""


def generate_bulletin(book=None, today=None) -> str:
    """生成通报: asks for the period (default: last month), writes 通报-<期间>.docx beside the
    workbook (the same job as kaohe report) and says where."""
    from datetime import date

    from ..core.periods import PeriodError, last_month, parse_period
    from ..jobs.report import default_output, report

    def job(excel, progress):
        day = today or date.today()
        answer = excel.book.app.api.InputBox(
            "通报期间：月份如 2026-11，季度如 2026Q3，全年如 2026（截至期末，不超过今天）",
            f"{TITLE} · 生成通报", last_month(day).code)
        if answer is False or answer is None or not str(answer).strip():
            return "未输入通报期间，已取消。"
        try:
            period = parse_period(str(answer))
        except PeriodError as e:
            return str(e)
        folder = Path(str(excel.book.fullname)).parent
        # a workbook never saved has no folder: the bulletin goes to the user's home folder
        where = Path(excel.book.fullname) if folder.is_absolute() and folder.is_dir() \
            else Path.home() / excel.book.name
        try:
            outcome = report(excel, period, default_output(where, period), today=day, progress=progress)
        except PeriodError as e:
            return str(e)
        return outcome.message()
    return run_job(book or _caller(), job)


def show_help(book=None) -> str:
    book = book or _caller()
    for sheet in book.sheets:
        if sheet.name == HELP_SHEET:
            sheet.activate()
    message = ("生成排名：校验台账并写出 排名、得分明细、扣分依据、校验、趋势、预警、催办单。\n"
               "校验台账：只检查数据，问题列在「校验」表。\n"
               "导入工单：把 12345 平台导出的 xlsx/xls/csv 合并进「工单」表（按工单编号，不删除任何数据）。\n"
               "导入假日通知：复制国务院的节假日安排通知全文后点击，放假和调休上班日期写入「节假日」表（每年12月做一次）。\n"
               "单位明细：选中某单位所在行后点击，列出该单位每一分的来源。\n"
               "预警清单：列出已超期和即将到期的工单，写出「预警」和每单位一页的「催办单」。\n"
               "生成通报：输入期间（如 2026-11），在台账所在文件夹生成公文格式的阶段通报 .docx。\n"
               f"详细说明见「{HELP_SHEET}」表；没有 Excel 时可用命令 kaohe rank 完成同样的工作。")
    book.app.alert(message, title=TITLE)
    return message
