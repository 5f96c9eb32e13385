"""What a 公文-style document says, independent of how it is written (the Document twin of
report.OutputSheet): the 通报 of §10 and the 考核结果告知单 of §11 build one of these, and
io/docx renders it with the GB/T 9704 page setup. Tests read these objects directly, and read
the rendered .docx back.

Plain data only: no fonts or sizes here (the renderer owns the layout), only the structure a
reader sees: title, 文号, addressee, sections with headings, paragraphs and tables, the issuing
office and date, 抄送.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Union


@dataclass
class Paragraph:
    text: str
    bold_lead: str = ""   # an optional lead-in written in bold before text (e.g. "红榜：")


@dataclass
class DocTable:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""                      # a line above the table (e.g. "（一）教育局机关处室")
    widths_mm: list[float] | None = None   # column widths; None: the renderer shares the width
    align_right: set[int] = field(default_factory=set)  # columns of numbers


Block = Union[Paragraph, DocTable]


@dataclass
class Section:
    heading: str                  # "一、总体情况" (level 1, 黑体) or "（一）…" (level 2, 楷体)
    blocks: list[Block] = field(default_factory=list)
    level: int = 1
    subsections: list["Section"] = field(default_factory=list)


@dataclass
class Document:
    title: str                    # 2号 小标宋, centred
    sections: list[Section]
    doc_number: str = ""          # 文号, e.g. 常教办〔2026〕12号; blank: none printed
    addressee: str = ""           # 主送, e.g. "各直属学校、局机关各处室：" (or the unit)
    opening: list[str] = field(default_factory=list)   # paragraphs before the first heading
    issuer: str = ""              # 发文机关署名
    issued: date | None = None    # 成文日期
    cc: str = ""                  # 抄送
    footer_note: str = ""         # e.g. "（此件公开发布）"
