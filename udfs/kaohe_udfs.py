"""=KAOHE_* worksheet functions (xlwings UDFs): one-screen wrappers over xl_kaohe.core.functions.

Two hidden arguments are filled in by the VBA wrapper, not typed by the user: ``caller`` (the
calling cell, which leads to its workbook) and ``versions`` (the per-sheet edit counters kept by
the workbook's VBA) — the key of the ledger cache, so a cell costs a dict lookup unless the
ledger changed. See xl_kaohe/excel/cache.py and the README (Excel 公式的缓存设计).
"""
import xlwings as xw

from xl_kaohe.core import functions as F
from xl_kaohe.excel.cache import LedgerCache
from xl_kaohe.excel.live import ExcelBook

CATEGORY = "12345考核"
VERSIONS = "KaoheLedgerVersion()"  # a VBA function of the workbook (build/vba/KaoheEvents.bas)


def _read(book_name, sheets):
    return ExcelBook(xw.Book(book_name)).read_grids(sheets)


CACHE = LedgerCache(_read)


def _book(caller):
    return caller.sheet.book.fullname


def _dates(caller, versions):
    """The ledger's 参数/规则/节假日; called without a calling cell (from VBA or another add-in),
    the built-in calendar and rules."""
    return F.date_context({}) if caller is None else CACHE.date_context(_book(caller), versions)


def _guard(compute):
    try:
        return compute()
    except Exception as e:  # a cell shows a short message, never a traceback
        return f"出错：{str(e)[:60]}"


@xw.func(category=CATEGORY)
@xw.arg("unit", doc="单位名称或别名")
@xw.arg("item", doc="可选：III-4 等项目编码、一级指标名称（如 业务办理）或 加分；省略为总分")
@xw.arg("versions", vba=VERSIONS)
def KAOHE_SCORE(unit, item=None, caller=None, versions=None):
    """单位的考核得分：总分，或某项目/一级指标/加分的得分"""
    return _guard(lambda: F.score(CACHE.assessment(_book(caller), versions), unit, item))


@xw.func(category=CATEGORY)
@xw.arg("unit", doc="单位名称或别名")
@xw.arg("item", doc="可选：项目编码或一级指标名称；省略为全部扣分")
@xw.arg("versions", vba=VERSIONS)
def KAOHE_DEDUCT(unit, item=None, caller=None, versions=None):
    """单位被扣的分（各项目封顶后）"""
    return _guard(lambda: F.deduct(CACHE.assessment(_book(caller), versions), unit, item))


@xw.func(category=CATEGORY)
@xw.arg("unit", doc="单位名称或别名")
@xw.arg("versions", vba=VERSIONS)
def KAOHE_BONUS(unit, caller=None, versions=None):
    """单位计入总分的加分（不超过上限）"""
    return _guard(lambda: F.bonus(CACHE.assessment(_book(caller), versions), unit))


@xw.func(category=CATEGORY)
@xw.arg("unit", doc="单位名称或别名")
@xw.arg("versions", vba=VERSIONS)
def KAOHE_RANK(unit, caller=None, versions=None):
    """单位的名次（并列同名次）"""
    return _guard(lambda: F.rank(CACHE.assessment(_book(caller), versions), unit))


@xw.func(category=CATEGORY)
@xw.arg("received", ndim=2, doc="受理时间（单元格或整列）")
@xw.arg("kind", ndim=2, doc="工单类型：咨询/办理/紧急 或平台类型")
@xw.arg("limit", ndim=2, doc="可选：办理时限（日期时间、24小时、5个工作日、7天）")
@xw.arg("versions", vba=VERSIONS)
def KAOHE_DUE(received, kind, limit=None, caller=None, versions=None):
    """工单的应办结时间（按工作日、调休和办理时限计算）"""
    return _guard(lambda: F.due(_dates(caller, versions), received, kind, limit))


@xw.func(category=CATEGORY)
@xw.arg("received", ndim=2, doc="受理时间")
@xw.arg("kind", ndim=2, doc="工单类型")
@xw.arg("completed", ndim=2, doc="办结时间（未办结留空）")
@xw.arg("limit", ndim=2, doc="可选：办理时限")
@xw.arg("asof", ndim=2, doc="可选：截止日期，默认取「参数」表")
@xw.arg("versions", vba=VERSIONS)
def KAOHE_LATEDAYS(received, kind, completed, limit=None, asof=None, caller=None, versions=None):
    """工单的拖延天数（按时办结为 0）"""
    return _guard(lambda: F.late_days(_dates(caller, versions), received, kind, completed,
                                      limit, asof))


@xw.func(category=CATEGORY)
@xw.arg("start_date", ndim=2, doc="起始日期（不计当天）")
@xw.arg("end_date", ndim=2, doc="结束日期（计当天）")
@xw.arg("versions", vba=VERSIONS)
def KAOHE_WORKDAYS(start_date, end_date, caller=None, versions=None):
    """两个日期之间的工作日天数（不含起始日、含结束日；按法定节假日和调休计）"""
    return _guard(lambda: F.workdays(_dates(caller, versions), start_date, end_date))


@xw.func(category=CATEGORY)
@xw.arg("day", ndim=2, doc="日期")
@xw.arg("versions", vba=VERSIONS)
def KAOHE_ISWORKDAY(day, caller=None, versions=None):
    """是否工作日（调休上班日为 TRUE，法定节假日为 FALSE）"""
    return _guard(lambda: F.is_workday(_dates(caller, versions), day))


@xw.func(category=CATEGORY)
@xw.arg("received", ndim=2, doc="受理时间（单元格或整列）")
@xw.arg("kind", ndim=2, doc="工单类型")
@xw.arg("completed", ndim=2, doc="办结时间（未办结留空）")
@xw.arg("limit", ndim=2, doc="可选：办理时限")
@xw.arg("asof", ndim=2, doc="可选：截止时刻（日期取当天结束，可用 NOW()），默认取「参数」表")
@xw.arg("versions", vba=VERSIONS)
def KAOHE_STATUS(received, kind, completed, limit=None, asof=None, caller=None, versions=None):
    """工单状态：按时办结、超时办结、未到期、即将到期、已超期 或 不考核"""
    return _guard(lambda: F.status(_dates(caller, versions), received, kind, completed,
                                   limit, asof))
