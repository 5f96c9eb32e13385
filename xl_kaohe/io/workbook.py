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
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..core import schema as S
from ..core.report import OutputSheet
from ..core.tables import BookGrids, Grid, resolve_sheets

READ_SHEETS = (S.PARAMS, S.RULES, S.HOLIDAYS, S.UNITS, S.ORDERS, S.DEDUCTIONS, S.BONUSES, S.MEETINGS,
               S.KNOWLEDGE, S.STUDIES, S.APPEALS, S.BULLETIN_TEMPLATE)  # 通报模板: the office's name (催办单, 通报)


EXPORT_SUFFIXES = (".csv", ".txt", ".tsv", ".html", ".htm")  # what platform exports come as, never a ledger


class BookError(Exception):
    """The workbook cannot be read or written (missing, locked, read-only, not a workbook).
    The message is Chinese and says what to do; the CLI exits with code 2."""


def lock_file(path: Path) -> Path:
    """Excel's owner file for an open workbook: ~$name beside it (long names lose 2 chars)."""
    return path.with_name("~$" + path.name)


def lock_candidates(path: Path) -> list[Path]:
    """The lock files the office programs leave beside a workbook they have open:
    Excel and WPS on Windows ``~$name`` (Excel drops the first two characters of long names),
    LibreOffice ``.~lock.name#``, WPS on Linux (信创 desktops) ``.~name``."""
    candidates = [lock_file(path)]
    if len(path.name) > 2:
        candidates.append(path.with_name("~$" + path.name[2:]))
    candidates += [path.with_name(f".~lock.{path.name}#"), path.with_name(".~" + path.name)]
    return candidates


def excel_lock(path: Path) -> Path | None:
    """The lock file of an open workbook (Excel, WPS or LibreOffice), when there is one beside it."""
    return next((c for c in lock_candidates(Path(path)) if c.exists()), None)


def lock_program(lock: Path) -> str:
    """Which program leaves this lock file, for the message."""
    if lock.name.startswith(".~lock."):
        return "LibreOffice"
    return "WPS" if lock.name.startswith(".~") else "Excel"


def locked_message(target: Path, lock: Path) -> str:
    program = lock_program(lock)
    also = "；WPS 也使用这种锁文件" if program == "Excel" else ""
    return (f"{target.name} 正在 {program} 中打开（发现锁文件 {lock.name}{also}）：请先在 {program} 中保存并关闭，"
            f"或用 --output 写到另一个文件。若确实没有人打开它（程序曾意外退出），删除该锁文件后重试")


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise BookError(f"找不到工作簿：{path}")
    if path.is_dir():
        raise BookError(f"{path} 是文件夹，不是工作簿")
    if not os.access(path, os.R_OK):
        raise BookError(f"没有读取权限：{path}")
    if path.suffix.lower() in EXPORT_SUFFIXES:
        raise BookError(f"{path.name} 不是考核台账（台账是 .xlsm/.xlsx 工作簿）。12345 平台导出的工单请用"
                        f"“kaohe import {path.name} --into 考核台账.xlsm”导入台账，再对台账运行 kaohe rank")
    if path.suffix.lower() in (".xlsx", ".xlsm") and not zipfile.is_zipfile(path):
        raise BookError(f"{path.name} 不是有效的 Excel 工作簿（文件已损坏或不是 .xlsx/.xlsm）")


def read_grids(path: str | Path, sheets: Iterable[str] = READ_SHEETS) -> BookGrids:
    """The named sheets that exist, each as a grid (grid[r][c] = cell at row r+1, column c+1).

    Tabs are found by name with spaces and full-width characters folded, then by the template's
    code name (a renamed tab); formula cells without a cached value are listed (sheetscan).
    A read started ahead by ``prefetch`` for the same unchanged file is taken, not repeated."""
    sheets = tuple(sheets)
    early = _PREFETCHED.pop(_prefetch_key(path, sheets), None)
    if early is not None:
        signature, future = early
        if signature is not None and signature == _signature(Path(path)):
            return future.result()  # its BookError, if any, is this read's
        future.exception()  # the file changed meanwhile: wait, and read it again
    return _read_grids(path, sheets)


# ---- reading ahead -------------------------------------------------------------------------------
# `kaohe rank` spends ~0.1 s importing the scoring code; calamine parses 工单 with the GIL
# released, so the read is started first and the imports run beside it.

_PREFETCHED: dict[tuple, tuple[tuple, Future]] = {}


def _prefetch_key(path: str | Path, sheets: tuple[str, ...]) -> tuple:
    return os.path.abspath(path), sheets


def _signature(path: Path) -> tuple | None:
    """What says the file is the one read ahead (size and modification time)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


@contextmanager
def prefetch(path: str | Path, sheets: Iterable[str] = READ_SHEETS) -> Iterator[None]:
    """Within the block, ``read_grids(path)`` takes the read started here on a thread. Leaving
    the block waits for the read (a parse is never left running as the process ends), except
    on Ctrl+C: the `kaohe` process then ends at once, and any other Python process waits for
    the thread as it exits (the pool's threads are not daemons)."""
    sheets = tuple(sheets)
    key = _prefetch_key(path, sheets)
    signature = _signature(Path(path))
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaohe-read")
    future = pool.submit(_read_grids, path, sheets)
    _PREFETCHED[key] = (signature, future)
    interrupted = False
    try:
        yield
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        _PREFETCHED.pop(key, None)
        pool.shutdown(wait=not interrupted)


def _read_grids(path: str | Path, sheets: tuple[str, ...]) -> BookGrids:
    from python_calamine import CalamineWorkbook  # import here: the UDF path may never need it

    from .sheetscan import scan_book

    path = Path(path)
    _check_readable(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception:  # calamine raises several error types for damaged files
        raise BookError(f"无法读取 {path.name}：文件已损坏，或不是 Excel 工作簿") from None
    code_names, parts = scan_book(path, sheets)
    try:
        tabs = resolve_sheets(book.sheet_names, sheets, code_names, S.LEDGER_CODE_NAMES)
        # the scan inflates the parts once more (~0.1 s for a 30 MB 工单 part): on a thread,
        # while calamine parses (both release the GIL); joined before the package is closed
        with ThreadPoolExecutor(max_workers=1) as pool:
            scanned = pool.submit(lambda: {name: cells for name, tab in tabs.items()
                                           if parts and (cells := parts.uncalculated(tab))})
            grids = {name: book.get_sheet_by_name(tab).to_python(skip_empty_area=False) for name, tab in tabs.items()}
            uncalculated = scanned.result()
    finally:
        book.close()
        if parts:
            parts.zf.close()
    template_codes = set(S.LEDGER_CODE_NAMES.values())
    return BookGrids(grids, renamed={n: t for n, t in tabs.items() if n != t},
                     from_template=any(c in template_codes for c in code_names.values()),
                     uncalculated=uncalculated)


def _nearest_folder(path: Path) -> Path:
    folder = path.parent if str(path.parent) else Path(".")
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_file_target(path: str | Path, option: str, make_folders: bool = False) -> None:
    """Raise BookError now if a file cannot be written at ``path`` later (checked before any
    other file is written, so a run never stops half way: ledger rewritten, export missing).
    ``make_folders``: the writer creates missing folders, so only the nearest existing one counts."""
    path = Path(path)
    if path.is_dir():
        raise BookError(f"{option} {path}：这是文件夹，请给出文件名")
    if path.exists() and not os.access(path, os.W_OK):
        raise BookError(f"{option} {path}：文件是只读的，无法写入")
    folder = _nearest_folder(path) if make_folders else (path.parent if str(path.parent) else Path("."))
    if not folder.is_dir():
        raise BookError(f"{option} {path}：文件夹 {folder} 不存在")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise BookError(f"{option} {path}：没有写入 {folder} 的权限")


def check_folder_target(folder: str | Path, option: str, names: Iterable[str] = ()) -> None:
    """Like check_file_target, for a folder that will receive the files ``names``."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise BookError(f"{option} {folder}：这是一个文件，请给出文件夹")
    for name in names:
        if (folder / name).exists():
            check_file_target(folder / name, option)
    existing = folder if folder.is_dir() else _nearest_folder(folder)
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise BookError(f"{option} {folder}：没有写入 {existing} 的权限")


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it: put it straight back
    os.umask(mask)
    return mask


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


M_ARENA_MAX = -8  # glibc's mallopt parameter


def one_malloc_arena() -> bool:
    """Let the threads of this process (the read ahead, the formula scan, the deflater) share
    the main C heap: glibc gives each thread its own arena otherwise, ~20 MB more peak RSS for
    `kaohe rank` at 100k orders and no faster. For a process of our own (the `kaohe` command),
    before any thread starts; True where it was set (glibc only)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 1))
    except (OSError, AttributeError):
        return False


@contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target in one
    os.replace (never a half-written workbook), on any failure it is removed."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    lock = excel_lock(target)
    if lock is not None:
        raise BookError(locked_message(target, lock))
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
        else:  # a new file gets the permissions of any new file (mkstemp made it 0600)
            os.chmod(tmp, 0o666 & ~_umask())
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
