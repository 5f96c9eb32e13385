"""The rubric (考核细则) as data.

Built-in defaults follow SPEC §2; the workbook's 规则 sheet overrides them row by row, so next
year's rubric is an edit of the sheet, not of code. Points are Decimals: per-occurrence values
are negative for deductions and positive for bonuses; ``None`` means 酌情 (typed per event).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal

D = Decimal


@dataclass(frozen=True)
class Clause:
    code: str              # canonical, e.g. "III-4.2"
    item: str              # "III-4"
    text: str              # 细则, short
    points: Decimal | None  # per occurrence (signed); None = 酌情
    source: str            # 来源, e.g. "扣分事件" or "工单（自动）"
    threshold: Decimal | None = None  # rate threshold (0.90) or working-day limit (2)

    @property
    def manual(self) -> bool:
        """May staff register it by hand in 扣分事件 / 加分事件?"""
        return "事件" in self.source

    @property
    def is_bonus(self) -> bool:
        return self.item in BONUS_ITEMS


@dataclass(frozen=True)
class Item:
    code: str          # "III-4"
    level1: str        # 一级指标 as printed in the seed, e.g. "Ⅰ—3 业务办理"
    level2: str        # 二级指标
    name: str          # 三级指标, e.g. "办理回复"
    points: Decimal | None  # item cap (None for bonus items)

    @property
    def category(self) -> str:
        """一级指标 name without the seed numbering: Ⅰ—3 and Ⅰ—4 are both 业务办理."""
        return re.sub(r"^[ⅠI]+\s*[—\-–－]\s*\d+\s*", "", self.level1).strip()


@dataclass(frozen=True)
class Rubric:
    items: dict[str, Item]
    clauses: dict[str, Clause]
    bonus_cap: Decimal
    type_map: dict[str, str] = field(default_factory=dict)  # platform word -> 咨询/办理/紧急/不考核

    @property
    def base_items(self) -> list[Item]:
        return [i for c, i in self.items.items() if c not in BONUS_ITEMS]

    @property
    def categories(self) -> list[str]:
        seen: list[str] = []
        for item in self.base_items:
            if item.category not in seen:
                seen.append(item.category)
        return seen

    def clauses_of(self, item: str) -> list[Clause]:
        return [c for c in self.clauses.values() if c.item == item]

    def base_total(self) -> Decimal:
        return sum((i.points or D(0) for i in self.base_items), D(0))


BONUS_ITEMS = ("III-14", "III-15", "III-16", "III-17")
BONUS_LEVEL1 = "Ⅰ—7 加分项"
BONUS_CAP_CODE = "加分上限"
NOT_ASSESSED = "不考核"

# Codes the automatic rules write (they must exist in any rubric).
LATE_CLOSE = "III-4.1"
STUDY_MISSING = "III-3.2"
TIMELY_BY_TYPE = {"咨询": "III-8.1", "办理": "III-8.2"}
TIMELY_SPECIAL = "III-8.3"
SATISFACTION = "III-9.1"
COMPLETION = "III-10.1"
MEETING_BY_ATTENDANCE = {"缺席": "III-11.1", "迟到": "III-11.2", "代会": "III-11.3"}
KB_REPORT = "III-12.1"
KB_ERROR_RATE = "III-12.2"
TIMELY_BONUS = "III-14.2"

_L = {
    1: ("Ⅰ—1 组织领导", "Ⅱ—1 明确12345工作分管领导、联络人"),
    2: ("Ⅰ—2 建章立制", "Ⅱ—2 制定系统的12345工作制度并落实执行"),
    3: ("Ⅰ—3 业务办理", "Ⅱ—3 分工明确，运转协调，及时规范办理与答复"),
    4: ("Ⅰ—4 业务办理", "Ⅱ—4 接处及时率、办结率、市民满意率高"),
    5: ("Ⅰ—5 辅助工作", "Ⅱ—5 积极参加各类会议及活动"),
    6: ("Ⅰ—5 辅助工作", "Ⅱ—6 及时向局办公室报送业务知识信息"),
    7: ("Ⅰ—6 社会形象", "Ⅱ—7 社会形象良好"),
    8: (BONUS_LEVEL1, "Ⅱ—8 业务量大、效率高、满意度高，主动承揽份外工作"),
}

EV = "扣分事件"
BV = "加分事件"
AUTO_ORDERS = "工单（自动）"

# (item, level key, name, points, [(clause no, text, per-occurrence points, source, threshold)])
_DEFAULTS = [
    ("III-1", 1, "工作网络和责任人", 5, [
        (1, "分管领导不明确或变动未及时报备", -1, EV, None),
        (2, "联络人信息变动未及时报备", -1, EV, None)]),
    ("III-2", 2, "制度", 5, [
        (1, "工单办理等工作流程未报局办公室备案（缺一项）", -1, EV, None),
        (2, "紧急突发情况处理流程、紧急联络员名单未报备", -1, EV, None),
        (3, "未制定内部考核制度", -1, EV, None)]),
    ("III-3", 2, "落实", 5, [
        (1, "未积极主动落实执行12345工作制度", -1, EV, None),
        (2, "当季未研究12345工作（每季度至少一次）", -1, "季度研究（自动）、扣分事件", None)]),
    ("III-4", 3, "办理回复", 15, [
        (1, "超时办结", -2, AUTO_ORDERS, None),
        (2, "推诿扯皮", -2, EV, None),
        (3, "回复内容与事实不符或答复过于简单", -2, EV, None),
        (4, "不遵守保密规定造成不良影响（泄密）", -2, EV, None)]),
    ("III-5", 3, "落实整改", 15, [
        (1, "局办公室提出的问题未及时整改落实", -2, EV, None),
        (2, "督查督办件、专题协调件未及时解决落实", -3, EV, None),
        (3, "应到现场而未出现场", -3, EV, None)]),
    ("III-6", 3, "全天候办理", 5, [
        (1, "节假日或非工作时间未明确值班人员联系处置", -1, EV, None)]),
    ("III-7", 4, "电话接通率", 5, [
        (1, "工作时间联络人联系电话不通", -1, EV, None)]),
    ("III-8", 4, "及时办理率", 10, [
        (1, "咨询类工单2个工作日办结，每单拖延一天", -2, AUTO_ORDERS, 2),
        (2, "办理类工单3个工作日办结，每单拖延一天", -2, AUTO_ORDERS, 3),
        (3, "紧急类或另有时限要求的工单按要求时限办结，每单拖延一天", -2, AUTO_ORDERS, None)]),
    ("III-9", 4, "满意率", 5, [
        (1, "办理满意率低于90%，每降低1个百分点", -2, AUTO_ORDERS, D("0.90"))]),
    ("III-10", 4, "年累计办结率", 5, [
        (1, "年累计办结率低于98%，每降低1个百分点", -2, AUTO_ORDERS, D("0.98"))]),
    ("III-11", 5, "会议和活动", 5, [
        (1, "缺席（请假未经批准按缺席计）", -1, "会议（自动）、扣分事件", None),
        (2, "迟到", -1, "会议（自动）、扣分事件", None),
        (3, "代会", -1, "会议（自动）、扣分事件", None)]),
    ("III-12", 6, "知识库管理", 10, [
        (1, "月度知识库未报、漏报、报送不及时", -1, "知识库（自动）、扣分事件", None),
        (2, "知识库使用错误率超过10%，每增加1个百分点", -1, "知识库（自动）", D("0.10"))]),
    ("III-13", 7, "批评曝光", 5, [
        (1, "被市级有关部门通报或书面批评", -2, EV, None),
        (2, "被各类新闻媒体曝光", -2, EV, None),
        (3, "被第三方暗访发现问题", -2, EV, None)]),
    ("III-14", 8, "经系统统计、考评小组认定的加分", None, [
        (1, "热线办理排名第一", 1, BV, None),
        (2, "及时办理率达到100%", 1, "工单（自动）", D("1"))]),
    ("III-15", 8, "经部门书面申报、考评小组认定的加分", None, [
        (1, "难点问题有重大突破或有效解决（每一类）", 1, BV, None),
        (2, "创新工作方法、机制，效率和质量明显提高（每一项）", 1, BV, None)]),
    ("III-16", 8, "经局办公室提出、考评小组认定的酌情加分", None, [
        (1, "主动承担职责交叉或职责外工作，积极协调解决（酌情）", None, BV, None),
        (2, "得到市民或媒体表扬、突出好人好事（酌情）", None, BV, None),
        (3, "经推荐获得市级集体荣誉（每项）", 1, BV, None)]),
    ("III-17", 8, "其它加分", None, [
        (1, "其它经考评工作小组认定有必要加分的（酌情）", None, BV, None)]),
]

DEFAULT_TYPE_MAP = {
    "咨询": "咨询", "办理": "办理", "紧急": "紧急",
    "求助": "办理", "投诉": "办理", "举报": "办理", "建议": "办理",
    "表扬": NOT_ASSESSED,
}


def default_rubric() -> Rubric:
    items: dict[str, Item] = {}
    clauses: dict[str, Clause] = {}
    for code, level, name, points, rows in _DEFAULTS:
        level1, level2 = _L[level]
        items[code] = Item(code, level1, level2, name, None if points is None else D(points))
        for no, text, per, source, threshold in rows:
            cc = f"{code}.{no}"
            clauses[cc] = Clause(cc, code, text, None if per is None else D(per), source,
                                 None if threshold is None else D(threshold))
    return Rubric(items, clauses, D(5), dict(DEFAULT_TYPE_MAP))


# ---- codes as staff type them ---------------------------------------------------------------

_DASHES = "—–－‐‑‒―一-"
_CODE_RE = re.compile(r"^\s*III\s*-?\s*(\d{1,2})\s*(?:\.\s*(\d{1,2})|\(\s*(\d{1,2})\s*\))?")


def _normalise(text: str) -> str:
    # NFKC folds full-width digits/brackets and turns the Roman numeral Ⅲ into "III".
    text = unicodedata.normalize("NFKC", text)
    for dash in _DASHES:
        text = text.replace(dash, "-")
    return text.upper()


def parse_code(value: object) -> tuple[str, str | None] | None:
    """'Ⅲ—4（2） 推诿扯皮' -> ('III-4', 'III-4.2'); 'III-4' -> ('III-4', None); junk -> None."""
    if value is None:
        return None
    m = _CODE_RE.match(_normalise(str(value)))
    if not m:
        return None
    item = f"III-{int(m.group(1))}"
    sub = m.group(2) or m.group(3)
    return item, (f"{item}.{int(sub)}" if sub else None)


def normalise_order_type(word: object, type_map: dict[str, str]) -> str | None:
    """Map a platform type word to 咨询/办理/紧急/不考核; None when unknown.

    Exact entries first; then the word without a 类 suffix; then keywords inside combined words
    such as 投诉举报类 (every keyword must agree, otherwise it is ambiguous).
    """
    if word is None:
        return None
    text = unicodedata.normalize("NFKC", str(word)).strip()
    if not text:
        return None
    for candidate in (text, text.rstrip("类").strip(), text.replace("工单", "").rstrip("类").strip()):
        if candidate in type_map:
            return type_map[candidate]
    hits = {v for k, v in type_map.items() if k and k in text}
    return hits.pop() if len(hits) == 1 else None


def with_overrides(rubric: Rubric, *, items: dict[str, Item] | None = None,
                   clauses: dict[str, Clause] | None = None, bonus_cap: Decimal | None = None,
                   type_map: dict[str, str] | None = None) -> Rubric:
    """A copy of ``rubric`` with the given entries replaced (used by the 规则 sheet reader)."""
    return replace(
        rubric,
        items={**rubric.items, **(items or {})},
        clauses={**rubric.clauses, **(clauses or {})},
        bonus_cap=rubric.bonus_cap if bonus_cap is None else bonus_cap,
        type_map={**rubric.type_map, **(type_map or {})},
    )
