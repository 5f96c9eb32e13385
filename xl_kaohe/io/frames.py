"""Output sheets as pandas DataFrames, and as CSV files for other systems.

For analysts (``to_frames(assessment.sheets())`` in a notebook) and for `kaohe rank --csv DIR`
on machines where the results go on into another system. CSV files are UTF-8 with a BOM so
that Excel and WPS open the Chinese text correctly.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..core.celltext import CSV_FORMULA_STARTS, quoted
from ..core.report import OutputSheet


def _value(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def to_frame(sheet: OutputSheet) -> pd.DataFrame:
    columns = [c.header for c in sheet.columns]
    frame = pd.DataFrame([[_value(v) for v in row] for row in sheet.rows], columns=columns)
    for column in sheet.columns:
        if column.kind == "int":  # ranks: nullable integers, blank for units not ranked
            frame[column.header] = frame[column.header].astype("Int64")
    return frame


def to_frames(sheets: Sequence[OutputSheet]) -> dict[str, pd.DataFrame]:
    return {sheet.name: to_frame(sheet) for sheet in sheets}


def _csv_text(value: Any) -> Any:
    return quoted(value, CSV_FORMULA_STARTS) if isinstance(value, str) else value


def write_csv(sheets: Sequence[OutputSheet], folder: str | Path) -> list[Path]:
    """One CSV per sheet; text goes through the same encoder as the workbook writers, so
    =HYPERLINK(…) or @… typed by staff is opened as text (with Excel's ' prefix), never run."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in to_frames(sheets).items():
        path = folder / f"{name}.csv"
        frame = frame.map(_csv_text) if hasattr(frame, "map") else frame.applymap(_csv_text)
        frame.columns = [_csv_text(c) for c in frame.columns]
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    return written
