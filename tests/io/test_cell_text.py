"""Issue 9.9: text stays text everywhere — one encoder (core/celltext) for the xlsx writer, the
live-Excel writer and `--csv`."""
from __future__ import annotations

import csv

from ledgerkit import LedgerKit
from xl_kaohe.cli import main
from xl_kaohe.core.celltext import encode_text, quoted
from xl_kaohe.core.report import Column, OutputSheet
from xl_kaohe.excel.live import cell_value
from xl_kaohe.io.frames import write_csv
from xl_kaohe.io.ooxml.worksheet import _string_cell

NASTY = ['=HYPERLINK("http://x","点我")', "@SUM(A1)", "+1", "-2", "=cmd|' /C calc'!A0", "a\x07b\x00c", "正常"]


def test_one_encoder_decides_for_every_writer():
    for text in NASTY:
        clean, formula_like = encode_text(text)
        assert "\x07" not in clean and "\x00" not in clean
        assert formula_like == text.startswith(("=", "+", "-", "@"))
        assert cell_value(text) == quoted(text)                       # live Excel: ' prefix
        assert (cell_value(text) == "'" + clean) == formula_like
        xml = _string_cell("A1", text, 0)                            # file: always an inline string
        assert 't="inlineStr"' in xml and "<f>" not in xml and "\x07" not in xml


def test_csv_keeps_formula_like_text_as_text(tmp_path):
    sheet = OutputSheet("扣分依据", [Column("说明", "text"), Column("分值", "number")],
                        [[text, -2] for text in NASTY] + [["\t=1+1", 1]])
    (path,) = write_csv([sheet], tmp_path)
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\",\"点我\")", "'@SUM(A1)", "'+1", "'-2",
                                        "'=cmd|' /C calc'!A0", "abc", "正常", "'\t=1+1"]
    assert {r[1] for r in rows[1:]} == {"-2", "1"}  # numbers stay numbers (a negative one too)


def test_rank_csv_protects_a_unit_named_like_a_formula(tmp_path, capsys):
    name = '=HYPERLINK("http://evil","点我")'
    path = LedgerKit().unit("甲校").unit(name).save(tmp_path / "台账.xlsx")
    assert main(["rank", str(path), "--asof", "2026-12-31", "--csv", str(tmp_path / "csv")]) == 0
    text = (tmp_path / "csv" / "排名.csv").read_text(encoding="utf-8-sig")
    assert "'" + name.replace('"', '""') in text and "\n" + name not in text and "," + name not in text
