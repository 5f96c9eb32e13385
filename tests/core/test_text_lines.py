"""Row heights of wrapped columns: lines a text needs, one at a time and a column at once."""
from __future__ import annotations

from xl_kaohe.core.report import text_lines, text_width, texts_lines


def test_widths_count_wide_characters_twice():
    # 工单 (2 wide) + space + GD12 (4) + ，(full-width comma, wide) = 2*2 + 1 + 4 + 2 = 11
    assert text_width("工单 GD12，") == 11
    assert text_width("…é") == 2  # an ellipsis and a Latin letter are narrow
    assert text_width("\U00020001") == 2  # CJK Extension B (outside the BMP) is wide


def test_a_column_at_once_equals_one_by_one():
    # width 10: 8.5 usable after the cell padding
    texts = ["一二三四五六七八九十",    # 20 units -> ceil(20 / 8.5) = 3
             "abc",                   # 3 -> 1
             "第一行\n第二行很长很长很长",  # 6 -> 1, then 18 -> ceil(18 / 8.5) = 3: 4 lines
             "",                      # 1
             "\ud800" + "a" * 9]      # a lone surrogate is one narrow unit: 10 -> 2
    assert texts_lines(texts, 10) == [3, 1, 4, 1, 2]
    assert [text_lines(t, 10) for t in texts] == [3, 1, 4, 1, 2]
    assert texts_lines([], 10) == []
