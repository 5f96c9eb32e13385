"""The 通报模板 input sheet (SPEC §10): key/value rows like 参数 — the issuing office, the 文号
pattern, the addressee, the opening sentence, the 下一步工作要求 text, 抄送 and 附注 that a
bulletin prints. Staff edit the wording; blank or missing keys take the defaults below, so a
ledger made before this sheet existed still gets a complete bulletin.

Placeholders in 文号 and 开头语: {年} (the year), {期间} (11月 / 第三季度 / 全年), {序号} (文号序号).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .. import schema as S
from ..dates import DateError, parse_date
from ..tables import Grid, header_key, is_blank
from .cells import Collector, text_of

K_ISSUER = "发文机关"
K_NUMBER = "文号"
K_SERIAL = "文号序号"
K_ADDRESSEE = "主送机关"
K_OPENING = "开头语"
K_NEXT_STEPS = "下一步工作要求"
K_CC = "抄送"
K_NOTE = "附注"
K_ISSUED = "成文日期"
KEYS = (K_ISSUER, K_NUMBER, K_SERIAL, K_ADDRESSEE, K_OPENING, K_NEXT_STEPS, K_CC, K_NOTE,
        K_ISSUED)
PLACEHOLDERS = ("年", "期间", "序号")

DEFAULT_NEXT_STEPS = (
    "（一）提高思想认识。各单位要充分认识12345政府服务热线工作的重要性，主要负责同志要亲自过问，"
    "分管领导要具体负责，确保工单件件有落实、事事有回应。",
    "（二）严格办理时限。咨询类工单2个工作日内、办理类工单3个工作日内办结，另有时限要求的按要求办结；"
    "对超期未办结工单要立即办理，逐件说明原因。",
    "（三）提升办理质量。坚持“谁主管、谁负责”，杜绝推诿扯皮和简单答复，对市民不满意的工单要主动回访、"
    "限期整改，切实提高满意率。",
    "（四）落实日常管理。联络人信息变动要及时报备，确保工作时间电话畅通，按时参加会议、报送知识库，"
    "每季度至少研究一次12345工作。",
)
DEFAULTS: dict[str, str] = {
    K_ISSUER: "常州市教育局办公室",
    K_NUMBER: "常教办〔{年}〕{序号}号",
    K_SERIAL: "",
    K_ADDRESSEE: "各辖市（区）教育局，局属各学校（单位），局机关各处室：",
    K_OPENING: "现将{年}年{期间}全市教育系统12345政府服务热线工单办理情况通报如下。",
    K_NEXT_STEPS: "\n".join(DEFAULT_NEXT_STEPS),
    K_CC: "局领导",
    K_NOTE: "",
    K_ISSUED: "",
}
NOTES = {
    K_ISSUER: "落款的发文机关署名",
    K_NUMBER: "发文字号；{年} 换成年份，{序号} 换成下面的文号序号（留空则留出空位手填）",
    K_SERIAL: "本期通报的文号序号，如 12",
    K_ADDRESSEE: "主送机关，以全角冒号结尾",
    K_OPENING: "正文开头一段；{年}、{期间}（11月 / 第三季度 / 全年）自动替换",
    K_NEXT_STEPS: "第五部分“下一步工作要求”；单元格内换行（Alt+Enter）分段，也可多行填写本参数",
    K_CC: "版记中的抄送机关；留空则不印版记",
    K_NOTE: "附注，如（此件公开发布）；可留空",
    K_ISSUED: "成文日期；留空则为生成通报的当天",
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
BLANK_SERIAL = "\u3000\u3000"   # two full-width spaces: room to write the number by hand


@dataclass
class BulletinTemplate:
    issuer: str = DEFAULTS[K_ISSUER]
    number: str = DEFAULTS[K_NUMBER]
    serial: str = ""
    addressee: str = DEFAULTS[K_ADDRESSEE]
    opening: str = DEFAULTS[K_OPENING]
    next_steps: list[str] = field(default_factory=lambda: list(DEFAULT_NEXT_STEPS))
    cc: str = DEFAULTS[K_CC]
    note: str = ""
    issued: date | None = None

    def fill(self, pattern: str, *, year: int, period_label: str) -> str:
        values = {"年": str(year), "期间": period_label, "序号": self.serial or BLANK_SERIAL}
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), pattern)


def read_bulletin_template(grid: Grid | None, out: Collector) -> BulletinTemplate:
    """The sheet's values (each key's first row; 下一步工作要求 from every row that names it),
    problems reported on sheet 通报模板; missing sheet or keys: the defaults."""
    values: dict[str, list[tuple[str, int]]] = {}
    raw_issued: tuple[object, int] | None = None
    present: set[str] = set()
    wanted = {header_key(k): k for k in KEYS}
    for r, row in enumerate(grid or [], start=1):
        for c, cell in enumerate(row):
            key = wanted.get(header_key(cell)) if isinstance(cell, str) else None
            if not key:
                continue
            value = row[c + 1] if c + 1 < len(row) else None
            present.add(key)
            if key == K_ISSUED:
                raw_issued = raw_issued or (value, r)
            elif not is_blank(value):
                values.setdefault(key, []).append((text_of(value) if not isinstance(value, str)
                                                   else value.strip(), r))
            break
    t = BulletinTemplate()

    def first(key: str) -> str | None:
        found = values.get(key)
        return found[0][0] if found else None

    t.issuer = first(K_ISSUER) or t.issuer
    t.number = first(K_NUMBER) or t.number
    t.serial = _serial(first(K_SERIAL) or "")
    t.addressee = first(K_ADDRESSEE) or t.addressee
    t.opening = first(K_OPENING) or t.opening
    t.cc = (first(K_CC) or "") if K_CC in present else t.cc   # blank: no 版记
    t.note = first(K_NOTE) or ""
    if K_NEXT_STEPS in values:
        t.next_steps = [line.strip() for text, _ in values[K_NEXT_STEPS]
                        for line in text.splitlines() if line.strip()]
    for key in (K_NUMBER, K_OPENING):
        for text, r in values.get(key, []):
            unknown = [m for m in _PLACEHOLDER.findall(text) if m not in PLACEHOLDERS]
            if unknown:
                out.warn(S.BULLETIN_TEMPLATE, r, key, text,
                         f"不认识的占位符 {{{unknown[0]}}}（可用：{{年}}、{{期间}}、{{序号}}），原样印出")
    if raw_issued and not is_blank(raw_issued[0]):
        try:
            t.issued = parse_date(raw_issued[0])
        except DateError as e:
            out.error(S.BULLETIN_TEMPLATE, raw_issued[1], K_ISSUED, raw_issued[0],
                      f"{e}，已按生成当天计")
    return t


def _serial(text: str) -> str:
    # 12.0 typed as a number comes back as "12"; keep what was typed otherwise.
    text = text.strip()
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text
