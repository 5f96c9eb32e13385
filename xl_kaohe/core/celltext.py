"""Text stays text: the one rule for text written into any cell we write.

The .xlsx/.xlsm writer (io/ooxml/worksheet.py), the live-Excel writer (excel/live.py) and the
CSV files of `kaohe rank --csv` (io/frames.py) all encode text through ``encode_text``: the
characters XML 1.0 cannot carry are dropped (Excel could not open the file; a CSV would differ
from the workbook), text is cut at Excel's cell limit, and text that a spreadsheet would take
for a formula (= + - @, also a leading tab or CR in CSV) is marked so that each writer can
store it as text in its own way: an inline string in the file, Excel's ' prefix when typed into
Excel or a CSV cell.
"""
from __future__ import annotations

import re

MAX_CELL_CHARS = 32767  # Excel refuses longer cell text
FORMULA_STARTS = ("=", "+", "-", "@")
CSV_FORMULA_STARTS = FORMULA_STARTS + ("\t", "\r")  # spreadsheets also run "\t=cmd|…" from CSV
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def cell_text(text: str) -> str:
    """The text a cell can hold: illegal XML characters dropped, cut at Excel's limit."""
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS]
    return ILLEGAL_XML.sub("", text) if ILLEGAL_XML.search(text) else text


def encode_text(text: str, starts: tuple[str, ...] = FORMULA_STARTS) -> tuple[str, bool]:
    """(the cell's text, whether a spreadsheet would read it as a formula unless guarded)."""
    text = cell_text(text)
    return text, text.startswith(starts)


def quoted(text: str, starts: tuple[str, ...] = FORMULA_STARTS) -> str:
    """Text as typed into Excel or a CSV cell: formula-like text gets the ' text prefix."""
    text, formula_like = encode_text(text, starts)
    return "'" + text if formula_like else text
