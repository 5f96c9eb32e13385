"""The ledger workbook's fixed names (SPEC §6): sheets, columns, 参数 keys.

Staff, scripts and acceptance tests rely on these exact strings; every adapter and the
template builder reads them from here so that a name is spelled in one place only.
"""
from __future__ import annotations

from dataclasses import dataclass

# ---- input sheets -------------------------------------------------------------------------
PARAMS = "参数"
UNITS = "单位"
ORDERS = "工单"
DEDUCTIONS = "扣分事件"
BONUSES = "加分事件"
MEETINGS = "会议"
KNOWLEDGE = "知识库"
STUDIES = "季度研究"
HOLIDAYS = "节假日"
RULES = "规则"
XLWINGS_CONF = "xlwings.conf"

# ---- output sheets (rewritten on every run; nothing else is touched) ------------------------
RANKING = "排名"
DETAIL = "得分明细"
AUDIT = "扣分依据"
CHECKS = "校验"
OUTPUT_SHEETS = (RANKING, DETAIL, AUDIT, CHECKS)

# ---- part two (SPEC §9–§14): the office's year ------------------------------------------------
WARNINGS = "预警"          # output: orders due soon / overdue (§9)
CHASE = "催办单"           # output: one printable page per unit (§9)
TREND = "趋势"             # output: year-to-date totals at each month-end (§10)
OUTPUT_SHEETS = OUTPUT_SHEETS + (TREND,)  # kaohe rank writes 趋势 too (a placeholder in the template)
BULLETIN_TEMPLATE = "通报模板"  # input, key/value: issuing office, 文号, 下一步工作要求 (§10)
APPEALS = "申诉复核"        # input Table (§11)
IMPORT_LOG = "导入记录"     # output, appended per import (issue 14)
IMPORT_MEMORY = "导入底稿"  # very hidden: a fingerprint of each cell the imports wrote (issue 14)
APPEAL_COLUMNS = ("申诉编号", "单位名称", "对象", "申诉日期", "申诉理由", "复核结论", "减免分值", "复核人",
                  "复核日期", "说明")
APPEAL_DECISIONS = ("待复核", "维持", "撤销", "减免")
OUTPUT_SHEETS = OUTPUT_SHEETS + (WARNINGS, CHASE)  # kaohe rank writes 预警 and 催办单 too (§9)
WARN_READ = (PARAMS, RULES, HOLIDAYS, UNITS, ORDERS, BULLETIN_TEMPLATE)  # what kaohe warn reads


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]  # columns that locate the header row
    # Columns scoring reads (a superset of required): a missing one is an error, because the
    # sheet would otherwise read as if every cell of it were blank. The rest are informative.
    scored: tuple[str, ...] = ()

    @property
    def informative(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.scored)


UNIT_COLUMNS = ("单位名称", "单位别名", "单位类别", "分管领导", "联络人", "联络电话", "参与考核")
ORDER_COLUMNS = ("工单编号", "承办单位", "工单类型", "受理时间", "办理时限", "办结时间", "回访结果", "诉求内容", "备注")
DEDUCTION_COLUMNS = ("日期", "单位名称", "扣分项", "次数", "关联工单", "说明", "登记人")
BONUS_COLUMNS = ("日期", "单位名称", "加分项", "次数", "分值", "认定情况", "说明")
MEETING_COLUMNS = ("会议日期", "会议名称", "单位名称", "出勤", "请假已批准")
KNOWLEDGE_COLUMNS = ("月份", "单位名称", "报送日期", "使用次数", "错误次数")
STUDY_COLUMNS = ("单位名称", "研究日期", "内容")
HOLIDAY_COLUMNS = ("日期", "类型", "说明")

INPUT_SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(UNITS, UNIT_COLUMNS, ("单位名称",), ("单位名称", "参与考核")),
    SheetSpec(ORDERS, ORDER_COLUMNS, ("工单编号", "承办单位", "工单类型", "受理时间"),
              ("工单编号", "承办单位", "工单类型", "受理时间", "办理时限", "办结时间", "回访结果")),
    SheetSpec(DEDUCTIONS, DEDUCTION_COLUMNS, ("日期", "单位名称", "扣分项"), ("日期", "单位名称", "扣分项", "次数")),
    SheetSpec(BONUSES, BONUS_COLUMNS, ("日期", "单位名称", "加分项"),
              ("日期", "单位名称", "加分项", "次数", "分值", "认定情况")),
    SheetSpec(MEETINGS, MEETING_COLUMNS, ("会议日期", "单位名称", "出勤"), ("会议日期", "单位名称", "出勤", "请假已批准")),
    SheetSpec(KNOWLEDGE, KNOWLEDGE_COLUMNS, ("月份", "单位名称"), KNOWLEDGE_COLUMNS),
    SheetSpec(STUDIES, STUDY_COLUMNS, ("单位名称", "研究日期"), ("单位名称", "研究日期")),
    SheetSpec(HOLIDAYS, HOLIDAY_COLUMNS, ("日期", "类型"), ("日期", "类型")),
    SheetSpec(APPEALS, APPEAL_COLUMNS, ("单位名称", "对象", "复核结论"),
              ("单位名称", "对象", "申诉日期", "复核结论", "减免分值")),
)
SHEET_SPECS = {spec.name: spec for spec in INPUT_SHEETS}

# ASCII code names of the sheets: VBA document modules must match them, and VBA source must be
# ASCII, so the VBA names the ledger sheets by these (excel/cache.py, build/vba_sources.py).
LEDGER_CODE_NAMES = {
    PARAMS: "shParams", UNITS: "shUnits", ORDERS: "shOrders", DEDUCTIONS: "shDeductions",
    BONUSES: "shBonuses", MEETINGS: "shMeetings", KNOWLEDGE: "shKnowledge", STUDIES: "shStudies",
    HOLIDAYS: "shHolidays", RULES: "shRules", APPEALS: "shAppeals",
}
SHEET_CODE_NAMES = {**LEDGER_CODE_NAMES, RANKING: "shRanking", DETAIL: "shDetail", AUDIT: "shAudit",
                    CHECKS: "shChecks"}
SHEET_CODE_NAMES.update({WARNINGS: "shWarnings", CHASE: "shChase"})
SHEET_CODE_NAMES[BULLETIN_TEMPLATE] = "shBulletinTemplate"
SHEET_CODE_NAMES[TREND] = "shTrend"

# ---- 规则 sheet: the rubric table and the type / header mapping tables ---------------------
RULE_COLUMNS = ("编码", "一级指标", "二级指标", "三级指标", "分值", "细则", "每次分值", "来源")
TYPE_MAP_COLUMNS = ("平台工单类型", "考核类型")
HEADER_ALIAS_COLUMNS = ("台账列名", "导出表列名")

# ---- 参数 keys (key in one cell, value in the cell to its right) ----------------------------
P_YEAR = "考核年度"
P_ASOF = "考核截止日期"
P_LATE_MODE = "拖延天数计算"
P_RATE_MODE = "比率扣分方式"
P_SATISFIED = "满意口径"
P_UNSATISFIED = "不满意口径"
P_KB_DEADLINE_DAY = "知识库报送截止日"
P_AUTO_TIMELY_BONUS = "自动加分_及时办理率100%"
P_WARN_DAYS = "预警工作日数"          # §9, default 1
P_ESCALATE_DAYS = "通报前催办工作日"   # §9, default 5
P_BOARD_SIZE = "红黑榜名额"            # §10, default 3
P_APPEAL_DAYS = "申诉期限"             # §11, default 5 working days
PARAM_KEYS = (P_YEAR, P_ASOF, P_LATE_MODE, P_RATE_MODE, P_SATISFIED, P_UNSATISFIED,
              P_KB_DEADLINE_DAY, P_AUTO_TIMELY_BONUS, P_WARN_DAYS, P_ESCALATE_DAYS, P_BOARD_SIZE,
              P_APPEAL_DAYS)

LATE_MODES = ("工作日", "自然日")
RATE_MODES = ("按比例", "不足1%按1%计", "满1%计")
ATTENDANCE = ("出席", "缺席", "迟到", "代会", "请假")
YES_NO = ("是", "否")
HOLIDAY_KINDS = ("放假", "上班")
ORDER_TYPES = ("咨询", "办理", "紧急")
VISIT_RESULTS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意", "未回访")
