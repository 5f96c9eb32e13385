"""GB/T 9704-2012《党政机关公文格式》 as numbers: the page, the fonts as the standard names
them, and the styles every 公文 we write uses (通报 §10, 考核结果告知单 §11).

Page: A4, 版心 156 × 225 mm (top 37, bottom 35, left 28, right 26 mm); 22 lines of 28
characters: the line pitch is 225 mm / 22 ≈ 28.95 pt (fixed, on a line grid), the character
pitch 156 mm / 28 ≈ 15.8 pt, reached by 0.25 pt less spacing on 3号 (16 pt) text.
Page numbers: 4号 半角宋体 Arabic digits between one-em dashes (`— 1 —`), 7 mm below the 版心;
odd pages at the right, even pages at the left, one character in from the edge of the 版心.
"""
from __future__ import annotations

from dataclasses import dataclass

PAGE_W_MM, PAGE_H_MM = 210.0, 297.0
TOP_MM, BOTTOM_MM, LEFT_MM, RIGHT_MM = 37.0, 35.0, 28.0, 26.0
TEXT_W_MM = PAGE_W_MM - LEFT_MM - RIGHT_MM          # 156
TEXT_H_MM = PAGE_H_MM - TOP_MM - BOTTOM_MM          # 225
LINES, CHARS = 22, 28
PT_PER_MM = 72 / 25.4
LINE_PITCH_TW = int(TEXT_H_MM * PT_PER_MM / LINES * 20)  # 579 twips = 28.95 pt (floor: 22 fit)

# Font sizes (字号) in points.
SIZE_2, SIZE_3, SIZE_4, SIZE_S4, SIZE_5 = 22.0, 16.0, 14.0, 12.0, 10.5

# Font names exactly as GB/T 9704 and Chinese Word installations name them; each with the
# common font a reader falls back to when the GB2312 / 方正 font is not installed (fontTable
# w:altName; Word and WPS use it, LibreOffice substitutes through its own table).
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_FONT = "宋体"
ALT_NAMES = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", H2_FONT: "楷体", H1_FONT: "SimHei",
             PAGE_FONT: "SimSun"}

CHAR_PITCH_PT = TEXT_W_MM * PT_PER_MM / CHARS       # ≈ 15.79 pt
# 3号 characters are 16 pt: 28 of them need 0.25 pt less each (w:spacing, in 1/20 pt).
BODY_SPACING_TW = -5
assert CHARS * (SIZE_3 + BODY_SPACING_TW / 20) <= TEXT_W_MM * PT_PER_MM

# Footer: the dash line's top 7 mm below the 版心; the footer's bottom edge is measured from
# the page edge, so subtract one 4号 line (14 pt ≈ 4.9 mm).
FOOTER_MM = BOTTOM_MM - 7.0 - SIZE_4 / PT_PER_MM
HEADER_MM = 15.0


@dataclass(frozen=True)
class Style:
    style_id: str
    name: str              # shown in Word's style list
    font: str
    size: float
    align: str = "both"    # w:jc
    indent_chars: int = 0  # first-line indent in characters
    bold: bool = False
    line_tw: int | None = LINE_PITCH_TW   # exact line pitch; None: single, off the grid
    outline: int | None = None             # heading level in the navigation pane
    keep_next: bool = False
    after_tw: int = 0
    char_spacing_tw: int = 0               # w:spacing (1/20 pt): the body's 28-a-line squeeze


BODY = Style("Normal", "Normal", BODY_FONT, SIZE_3, indent_chars=2,
             char_spacing_tw=BODY_SPACING_TW)
STYLES = (
    Style("KhTitle", "公文标题", TITLE_FONT, SIZE_2, align="center", line_tw=700,
          keep_next=True, after_tw=LINE_PITCH_TW),
    Style("KhDocNo", "发文字号", BODY_FONT, SIZE_3, align="center",
          char_spacing_tw=BODY_SPACING_TW),
    Style("KhAddressee", "主送机关", BODY_FONT, SIZE_3, align="left",
          char_spacing_tw=BODY_SPACING_TW),
    Style("KhHeading1", "一级标题", H1_FONT, SIZE_3, indent_chars=2, outline=0, keep_next=True,
          char_spacing_tw=BODY_SPACING_TW),
    Style("KhHeading2", "二级标题", H2_FONT, SIZE_3, indent_chars=2, outline=1, keep_next=True,
          char_spacing_tw=BODY_SPACING_TW),
    Style("KhHeading3", "三级标题", BODY_FONT, SIZE_3, indent_chars=2, outline=2, keep_next=True,
          char_spacing_tw=BODY_SPACING_TW),
    Style("KhSignature", "发文机关署名", BODY_FONT, SIZE_3, align="right",
          char_spacing_tw=BODY_SPACING_TW),
    Style("KhNote", "附注", BODY_FONT, SIZE_3, align="left", indent_chars=2,
          char_spacing_tw=BODY_SPACING_TW),
    Style("KhCc", "抄送", BODY_FONT, SIZE_4, align="left"),
    Style("KhTableHead", "表头文字", H1_FONT, SIZE_S4, align="center", line_tw=None),
    Style("KhTableText", "表格文字", BODY_FONT, SIZE_S4, align="center", line_tw=None),
    Style("KhTableTextSmall", "表格文字（小）", BODY_FONT, SIZE_5, align="center", line_tw=None),
    Style("KhTableHeadSmall", "表头文字（小）", H1_FONT, SIZE_5, align="center", line_tw=None),
    Style("KhPageNumber", "页码", PAGE_FONT, SIZE_4, align="right", line_tw=None),
)
BY_ID = {s.style_id: s for s in STYLES}

# Tables of this many columns or more use 五号 instead of 小四, so that numbers and times fit on one line.
SMALL_TABLE_COLUMNS = 7
