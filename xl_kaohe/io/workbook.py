"""The workbook file adapter: read ledger sheets with python-calamine, write output sheets by
replacing zip parts (every other part, the VBA project and the ribbon stay byte for byte), and
save atomically.

``FileBook`` and ``excel.live.ExcelBook`` offer the same two methods, so the services in
``xl_kaohe.jobs`` run unchanged on a file (CLI, WPS, servers) and on the open book in Excel.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..core import schema as S
from ..core.report import OutputSheet
from ..core.tables import Grid

READ_SHEETS = (S.PARAMS, S.RULES, S.HOLIDAYS, S.UNITS, S.ORDERS, S.DEDUCTIONS, S.BONUSES, S.MEETINGS,
               S.KNOWLEDGE, S.STUDIES)


class BookError(Exception):
    """The workbook cannot be read or written (missing, locked, read-only, not a workbook).
    The message is Chinese and says what to do; the CLI exits with code 2."""


def lock_file(path: Path) -> Path:
    """Excel's owner file for an open workbook: ~$name beside it (long names lose 2 chars)."""
    return path.with_name("~$" + path.name)


def excel_lock(path: Path) -> Path | None:
    """Excel's owner file of an open workbook, when there is one beside it."""
    candidates = [lock_file(path)]
    # Excel shortens the owner-file name for long names by dropping the first two characters.
    if len(path.name) > 2:
        candidates.append(path.with_name("~$" + path.name[2:]))
    return next((c for c in candidates if c.exists()), None)


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise BookError(f"找不到工作簿：{path}")
    if path.is_dir():
        raise BookError(f"{path} 是文件夹，不是工作簿")
    if not os.access(path, os.R_OK):
        raise BookError(f"没有读取权限：{path}")
    if path.suffix.lower() in (".xlsx", ".xlsm") and not zipfile.is_zipfile(path):
        raise BookError(f"{path.name} 不是有效的 Excel 工作簿（文件已损坏或不是 .xlsx/.xlsm）")


def read_grids(path: str | Path, sheets: Iterable[str] = READ_SHEETS) -> dict[str, Grid]:
    """The named sheets that exist, each as a grid (grid[r][c] = cell at row r+1, column c+1)."""
    from python_calamine import CalamineWorkbook  # import here: the UDF path may never need it

    path = Path(path)
    _check_readable(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises several error types for damaged files
        raise BookError(f"无法读取 {path.name}：{e}") from None
    try:
        names = set(book.sheet_names)
        return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                for name in sheets if name in names}
    finally:
        book.close()


def iter_sheet_rows(path: str | Path, sheet: str) -> Iterator[list[Any]] | None:
    """One sheet's rows one at a time, as ``read_grids`` would give them (padded from A1), so a
    caller that keeps only some columns never holds the whole sheet as Python objects (the
    import reads 100k orders this way). None when the sheet does not exist."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    _check_readable(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises several error types for damaged files
        raise BookError(f"无法读取 {path.name}：{e}") from None
    if sheet not in book.sheet_names:
        book.close()
        return None
    data = book.get_sheet_by_name(sheet)

    def rows() -> Iterator[list[Any]]:
        try:
            start = data.start
            lead = [""] * (start[1] if start else 0)  # iter_rows starts at the first used column
            for row in data.iter_rows():
                yield lead + row if lead else row
        finally:
            book.close()
    return rows()


def release_freed_memory() -> None:
    """Hand memory the C heap keeps after a big free (calamine's parsed sheet) back to the OS,
    so the next stage does not stack on top of it (glibc only; elsewhere nothing to do)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target in one
    os.replace (never a half-written workbook), on any failure it is removed."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    lock = excel_lock(target)
    if lock is not None:
        raise BookError(f"{target.name} 正在 Excel 中打开（发现锁文件 {lock.name}）："
                        f"请先在 Excel 中保存并关闭，或用 --output 写到另一个文件")
    if target.exists() and not os.access(target, os.W_OK):
        raise BookError(f"{target.name} 是只读文件，无法写入：请取消只读属性，或用 --output 写到另一个文件")
    if not os.access(folder, os.W_OK):
        raise BookError(f"没有写入权限：{folder}")
    fd, tmp_name = tempfile.mkstemp(prefix=".~kaohe-", suffix=target.suffix, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if target.exists():
            shutil.copymode(target, tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


class FileBook:
    """A ledger workbook on disk (.xlsx/.xlsm). Writes go to ``output`` when given, leaving the
    source untouched."""

    def __init__(self, path: str | Path, output: str | Path | None = None):
        self.path = Path(path)
        self.output = Path(output) if output else self.path

    @property
    def label(self) -> str:
        return self.path.name

    def read_grids(self, sheets: Iterable[str] = READ_SHEETS) -> dict[str, Grid]:
        return read_grids(self.path, sheets)

    def write_outputs(self, sheets: list[OutputSheet]) -> Path:
        from .xlsx_package import write_output_sheets

        _check_readable(self.path)
        with atomic_target(self.output) as tmp:
            try:
                write_output_sheets(self.path, tmp, sheets)
            except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as e:  # SyntaxError: ET.ParseError
                raise BookError(f"{self.path.name} 的文件结构无法识别，未写入：{e}") from None
        return self.output
