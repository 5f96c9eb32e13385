"""The 导入工单 job: merge a 12345 platform export into the ledger's 工单 sheet.

``import_export`` is what both front ends run: ``kaohe import EXPORT --into WORKBOOK`` passes a
FileBook, the ribbon button its live book. Reading the export is ``io.exports``, the merge plan
is ``core.importing`` (pure), writing a file is ``io.sheet_patch`` (zip-part patch, atomic save).
The workbook open in Excel (``excel.live.ExcelBook``, the ribbon's ``import_into_book``) gets
the same plan written cell by cell through xlwings; it is saved by the user as usual.

Progress: ``progress(message)`` for each stage and, for large exports, ``progress(message,
fraction)`` every 5%; a callback that takes one argument gets the percentage in the text
(Excel's status bar). The command line draws a bar on stderr.
"""
from __future__ import annotations

import inspect
import json
import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, TextIO

from ..core import schema as S
from ..core.aliases import read_header_aliases
from ..core.import_log import block, import_log_sheet, previous_rows
from ..core.import_memory import ImportMemory
from ..core.importing import (KEY, CellChange, IgnoredColumn, ImportPlan, ImportProblem, NotAnExport,
                              choose_sheet, export_columns, ledger_orders, plan_import)
from ..core.report import Column, OutputSheet
from ..core.validate import Collector, LedgerError, display, read_rubric, read_units
from ..io.exports import ExportError, read_export
from ..io.import_write import write_import
from ..io.sheet_patch import PatchError, PreparedPatch, prepare_cells
from ..io.workbook import (BookError, FileBook, atomic_target, excel_lock, iter_sheet_rows,
                           release_freed_memory)
from . import EXIT_FAILED, EXIT_OK, EXIT_ROW_ERRORS
from .rank import quiet_gc

LARGE_EXPORT_ROWS = 5000  # below this a progress bar is noise
SHOWN_PROBLEMS = 20

# ---- messages (Chinese, shown to staff) -------------------------------------------------------------

MSG_READ_EXPORT = "正在读取导出表 {name} …"
MSG_READ_LEDGER = "正在读取台账 {name} …"
MSG_PLAN = "正在比对工单"
MSG_WRITE = "正在写入「工单」表"
MSG_LOCKED = ("{name} 正在 Excel 中打开（发现锁文件 {lock}）：请先在 Excel 中保存并关闭再导入，"
              "或在 Excel 中用“导入工单”按钮导入")
MSG_BAD_PACKAGE = "{name} 的文件结构无法识别，未写入：{error}"
MSG_FORMULA_CELL = "台账「工单」表第{row}行的“{column}”是公式，未覆盖"
MSG_COUNTS = "新增 {added} 条、更新 {updated} 条、未变 {unchanged} 条、冲突 {conflicts} 处、问题 {problems} 条"
MSG_CONFLICTS = ("冲突（台账中的手工修改与导出表不同，已保留台账的值；确认要采用导出表的值时加 --prefer-export）：")
MSG_PREFERRED = "冲突（已按 --prefer-export 采用导出表的值）："
MSG_CONFLICT_LINE = "  {order_id} [{column}] 台账“{old}” ≠ 导出“{new}”"
MSG_KEPT_EDITS = "另有 {n} 处手工修改，导出表未变，已保留"
MSG_LOGGED = f"每处更改已记入「{S.IMPORT_LOG}」表。"
MSG_NOT_IMPORTED = "其中 {n} 条未导入（没有工单编号或编号重复），见下方问题清单"
MSG_IGNORED = "未识别的列（已忽略）：{columns}"
MSG_PROBLEMS = "问题清单："
MSG_MORE = "  …… 另有 {n} 条"
MSG_HEAD = "导入：{export}（{sheet}）→ {ledger}"
MSG_NO_CHANGE = "没有变化：台账未改动。"
MSG_DRY_RUN = "试运行：以上为将要进行的更改，台账未改动。"
MSG_WRITTEN = "已写入：{path}"
MSG_WRITTEN_LIVE = "已写入「工单」表，请保存工作簿。"
MSG_TABLE_GROWN = "表格 {tables} 已扩展到新行。"


@dataclass
class ImportSummary:
    export: Path
    sheet: str                      # the export sheet the orders came from
    ledger: str                     # the ledger's label
    added: int
    updated: int
    unchanged: int
    problems: list[ImportProblem]
    ignored: list[IgnoredColumn]
    mapping: dict[str, str]         # ledger column -> export header
    dry_run: bool = False
    written: Path | None = None     # None: nothing written
    grown_tables: list[str] = field(default_factory=list)
    live: bool = False              # written into the workbook open in Excel (not saved yet)
    conflicts: list[CellChange] = field(default_factory=list)
    changes: list[CellChange] = field(default_factory=list)
    kept: int = 0                   # hand edits kept silently (the export did not change)
    prefer_export: bool = False

    @property
    def problem_rows(self) -> int:
        return len({(p.row, p.order_id) for p in self.problems})

    @property
    def not_imported(self) -> int:
        return len({p.row for p in self.problems if not p.imported})

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def text(self, limit: int = SHOWN_PROBLEMS) -> str:
        lines = [MSG_HEAD.format(export=self.export.name, sheet=self.sheet, ledger=self.ledger),
                 MSG_COUNTS.format(added=self.added, updated=self.updated, unchanged=self.unchanged,
                                   conflicts=len(self.conflicts), problems=self.problem_rows)]
        if self.not_imported:
            lines.append(MSG_NOT_IMPORTED.format(n=self.not_imported))
        if self.ignored:
            lines.append(MSG_IGNORED.format(columns="、".join(c.text() for c in self.ignored)))
        if self.conflicts:
            lines.append(MSG_PREFERRED if self.prefer_export else MSG_CONFLICTS)
            for c in self.conflicts[:limit]:
                lines.append(MSG_CONFLICT_LINE.format(order_id=c.order_id, column=c.column,
                                                      old=display(c.old), new=display(c.new)))
            if len(self.conflicts) > limit:
                lines.append(MSG_MORE.format(n=len(self.conflicts) - limit))
        if self.kept:
            lines.append(MSG_KEPT_EDITS.format(n=self.kept))
        if self.problems:
            lines.append(MSG_PROBLEMS)
            for p in self.problems[:limit]:
                value = f" “{p.value}”" if p.value else ""
                lines.append(f"  {p.where()}{value} {p.message}")
            if len(self.problems) > limit:
                lines.append(MSG_MORE.format(n=len(self.problems) - limit))
        if self.dry_run:
            lines.append(MSG_DRY_RUN)
        elif self.live and self.changed:
            lines.append(MSG_WRITTEN_LIVE)
        elif self.written is not None:
            if self.grown_tables:
                lines.append(MSG_TABLE_GROWN.format(tables="、".join(self.grown_tables)))
            lines.append(MSG_WRITTEN.format(path=self.written))
            lines.append(MSG_LOGGED)
        elif not self.changed:
            lines.append(MSG_NO_CHANGE)
        return "\n".join(lines)

    def message(self) -> str:
        """For Excel's message box: the same text, fewer problem lines."""
        return self.text(limit=10)

    def to_json(self) -> dict[str, Any]:
        """`kaohe import --json`: the counts and every cell changed, kept or in conflict."""
        def cell(c: CellChange) -> dict[str, Any]:
            return {"工单编号": c.order_id, "列": c.column, "原值": display(c.old, 32767),
                    "新值": display(c.new, 32767), "说明": c.kind, "导出表行": c.export_row}
        return {
            "export": str(self.export), "sheet": self.sheet, "ledger": self.ledger,
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "conflicts": [cell(c) for c in self.conflicts], "kept_hand_edits": self.kept,
            "changes": [cell(c) for c in self.changes],
            "problems": [{"row": p.row, "column": p.column, "value": p.value, "message": p.message,
                          "工单编号": p.order_id, "imported": p.imported} for p in self.problems],
            "ignored_columns": [c.text() for c in self.ignored], "mapping": self.mapping,
            "dry_run": self.dry_run, "written": str(self.written) if self.written else None,
        }


# ---- progress ------------------------------------------------------------------------------------------

class _Reporter:
    """Adapts one callback to stage messages and fractions (see the module doc)."""

    def __init__(self, progress: Callable[..., Any] | None):
        self.progress = progress
        self.two_args = progress is not None and _takes_two_args(progress)

    def __call__(self, message: str) -> None:
        if self.progress:
            self.progress(message)

    def fraction(self, message: str) -> Callable[[float], None] | None:
        if not self.progress:
            return None
        if self.two_args:
            return lambda f: self.progress(message, f)
        return lambda f: self.progress(f"{message} … {f:.0%}")


def _takes_two_args(fn: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


class ProgressBar:
    """The command line's progress: stage messages as lines; fractions as a bar redrawn in place
    on a terminal (a line per 5% step elsewhere), all on stderr."""

    def __init__(self, stream: TextIO | None = None, step: float = 0.05, width: int = 30):
        self.stream = stream or sys.stderr
        self.step, self.width = step, width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.current: str | None = None
        self.last = -1

    def __call__(self, message: str, fraction: float | None = None) -> None:
        if fraction is None:
            self._end()
            print(message, file=self.stream, flush=True)
            return
        if message != self.current:
            self._end()
            self.current, self.last = message, -1
        bucket = int(fraction / self.step + 1e-9)
        if bucket <= self.last:
            return
        self.last = bucket
        filled = int(self.width * min(fraction, 1.0))
        bar = f"{message} [{'#' * filled}{'-' * (self.width - filled)}] {fraction:4.0%}"
        if self.tty:
            self.stream.write("\r" + bar)
            self.stream.flush()
            if fraction >= 1:
                self._end()
        else:
            print(bar, file=self.stream, flush=True)

    def _end(self) -> None:
        if self.tty and self.current is not None:
            self.stream.write("\n")
            self.stream.flush()
        self.current = None


# ---- the job ---------------------------------------------------------------------------------------------

def import_export(export_path: str | Path, book, *, dry_run: bool = False, prefer_export: bool = False,
                  now: datetime | None = None, progress: Callable[..., Any] | None = None) -> ImportSummary:
    """Merge the export into ``book``'s 工单 sheet, append a block to 导入记录 and remember what
    was written (导入底稿). Raises BookError / LedgerError (nothing written) when it cannot run;
    row problems and conflicts are in the summary. ``now`` stamps the 导入记录 block."""
    export_path = Path(export_path)
    say = _Reporter(progress)
    target = _file_target(book)
    lock = excel_lock(target) if target is not None and not dry_run else None
    if lock is not None:
        raise BookError(MSG_LOCKED.format(name=target.name, lock=lock.name))

    say(MSG_READ_EXPORT.format(name=export_path.name))
    export = read_export(export_path)
    say(MSG_READ_LEDGER.format(name=book.label))
    grids = book.read_grids((S.UNITS, S.RULES, S.IMPORT_MEMORY))
    ignored_problems = Collector()  # the ledger's own problems are `kaohe check`'s business
    _, units = read_units(grids.get(S.UNITS), ignored_problems)
    rubric = read_rubric(grids.get(S.RULES), ignored_problems)
    aliases = read_header_aliases(grids.get(S.RULES))
    memory = ImportMemory.from_grid(grids.pop(S.IMPORT_MEMORY, None))
    del grids
    try:
        sheet, grid = choose_sheet(export.sheets, aliases)
    except NotAnExport as e:
        raise ExportError(f"{export_path.name}：{e}") from None
    # only the columns this export can change are kept of the ledger's orders
    with quiet_gc():  # 100k rows of lists: no collection need walk them while they are built
        ledger = ledger_orders(_order_rows(book), keep=export_columns(grid, aliases))
    release_freed_memory()
    large = len(grid) >= LARGE_EXPORT_ROWS
    plan = plan_import(grid, ledger, aliases=aliases, type_map=rubric.type_map, units=units,
                       memory=memory, prefer_export=prefer_export,
                       progress=say.fraction(MSG_PLAN) if large else None)
    del export, grid, ledger  # the plan holds what is written; free the grids before writing
    release_freed_memory()

    summary = ImportSummary(export_path, sheet, book.label, len(plan.new_rows), len(plan.updates),
                            plan.unchanged, list(plan.problems), plan.ignored, plan.mapping, dry_run,
                            conflicts=plan.conflicts, changes=plan.changes, kept=plan.kept,
                            prefer_export=prefer_export)
    if dry_run or not plan.needs_write:
        return summary
    say(MSG_WRITE + " …")
    on_step = say.fraction(MSG_WRITE) if large else None
    live = not isinstance(book, FileBook)  # the workbook open in Excel
    prepared = None
    if not live and plan.changed:
        prepared = _prepare_file(book, plan, on_step)
        release_freed_memory()  # the old part's text
        _account_for_formulas(summary, plan, prepared)
        if not (prepared.changed or plan.conflicts or plan.memory.changed):
            return summary  # every cell to write held a formula: nothing to write or log
    sheets = _log_and_memory_sheets(book, plan, summary, export_path, now)
    if live:
        _write_live(book, plan, sheets, on_step)
        summary.live = True
        return summary
    _write_file(book, prepared, sheets)
    if prepared is not None:
        summary.grown_tables = prepared.grown_tables
    summary.written = Path(book.output)
    return summary


def _log_and_memory_sheets(book, plan: ImportPlan, summary: ImportSummary, export_path: Path,
                           now: datetime | None) -> list[OutputSheet]:
    """导入记录 (the earlier blocks read back, this import's appended) and 导入底稿."""
    log_rows = previous_rows(book.read_grids((S.IMPORT_LOG,)).get(S.IMPORT_LOG))
    when = now or datetime.now().replace(microsecond=0)
    new_block = block(when, export_path.name, added=summary.added, updated=summary.updated,
                      unchanged=summary.unchanged, changes=summary.changes)
    return [import_log_sheet(log_rows, new_block), memory_sheet(plan.memory)]


def _order_rows(book):
    """工单 row by row from a file (bounded memory); the live book's grid as it is."""
    if isinstance(book, FileBook):
        return iter_sheet_rows(book.path, S.ORDERS)
    return book.read_grids((S.ORDERS,)).get(S.ORDERS)


def memory_sheet(memory: ImportMemory) -> OutputSheet:
    """导入底稿 as an output sheet (written very hidden)."""
    header = memory.header()
    return OutputSheet(S.IMPORT_MEMORY, [Column(header[0], "text", 20), Column(header[1], "text", 60)],
                       list(memory.rows()))


def _file_target(book) -> Path | None:
    return Path(book.output) if isinstance(book, FileBook) else None


def _prepare_file(book: FileBook, plan: ImportPlan, on_step) -> PreparedPatch:
    try:
        return prepare_cells(book.path, S.ORDERS, plan.cell_edits(), header_row=plan.header_row,
                             key_column=plan.columns[KEY], progress=on_step)
    except PatchError as e:
        raise BookError(f"{book.path.name}：{e}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, ET.ParseError) as e:
        raise BookError(MSG_BAD_PACKAGE.format(name=book.path.name, error=e)) from None


def _write_file(book: FileBook, prepared: PreparedPatch | None, sheets: list[OutputSheet]) -> None:
    """The patched 工单 part, 导入记录 and 导入底稿 into a temporary file that replaces the
    target in one step; any failure leaves the original file as it was."""
    try:
        with atomic_target(book.output) as tmp:
            write_import(book.path, tmp, prepared if prepared is not None and prepared.changed else None,
                         sheets, very_hidden=(S.IMPORT_MEMORY,))
    except PatchError as e:
        raise BookError(f"{book.path.name}：{e}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, ET.ParseError) as e:
        raise BookError(MSG_BAD_PACKAGE.format(name=book.path.name, error=e)) from None


def import_into_book(export_path: str | Path, excel, *, progress: Callable[..., Any] | None = None) -> ImportSummary:
    """The ribbon's 导入工单: the same job on the workbook open in Excel (an ExcelBook)."""
    return import_export(export_path, excel, progress=progress)


def _write_live(excel, plan: ImportPlan, sheets: list[OutputSheet],
                on_step: Callable[[float], None] | None) -> None:
    """Write the plan through xlwings: changed cells one by one, new rows one column at a time
    (one COM call per column, and only the columns the export carries). Text that looks like a
    formula gets Excel's text prefix, which is not part of the cell's value (live.cell_value)."""
    from ..excel.live import cell_value

    sheet = excel.book.sheets[S.ORDERS]
    for name, index in plan.new_headers.items():  # extra columns (登记时间 …) right of the header
        sheet.range((plan.header_row, index + 1)).value = name
    steps = len(plan.updates) + (1 if plan.new_rows else 0)
    for i, change in enumerate(plan.updates, start=1):
        for column, value in change.cells.items():
            sheet.range((change.sheet_row, plan.columns[column] + 1)).value = cell_value(value)
        if on_step and i % max(steps // 20, 1) == 0:
            on_step(i / steps)
    if plan.new_rows:
        first = plan.new_rows[0].sheet_row  # new rows are consecutive from here
        carried = sorted({c for row in plan.new_rows for c in row.cells}, key=plan.columns.get)
        for column in carried:
            block = [[cell_value(row.cells.get(column))] for row in plan.new_rows]
            sheet.range((first, plan.columns[column] + 1)).value = block
        _resize_live_table(sheet, plan.header_row, plan.new_rows[-1].sheet_row)
    excel.write_outputs(sheets)
    _hide_live(excel.book, S.IMPORT_MEMORY)
    if on_step:
        on_step(1.0)


def _hide_live(book, name: str) -> None:
    """xlSheetVeryHidden (2): hidden from 取消隐藏, like the file path's state="veryHidden"."""
    for sheet in book.sheets:
        api = getattr(sheet, "api", None)
        if sheet.name == name and api is not None and hasattr(api, "Visible"):
            api.Visible = 2


def _resize_live_table(sheet, header_row: int, last_row: int) -> None:
    """Grow the Excel Table (ListObject) whose header is the ledger's header over new rows."""
    api = getattr(sheet, "api", None)
    objects = getattr(api, "ListObjects", None)
    if objects is None:  # not real Excel (tests' fake) or no tables
        return
    for i in range(1, objects.Count + 1):
        table = objects.Item(i)
        whole = table.Range
        if table.HeaderRowRange.Row == header_row and whole.Row + whole.Rows.Count - 1 < last_row:
            table.Resize(api.Range(whole.Cells(1, 1), api.Cells(last_row, whole.Column + whole.Columns.Count - 1)))


def _account_for_formulas(summary: ImportSummary, plan: ImportPlan, prepared: PreparedPatch) -> None:
    """Cells holding formulas are not overwritten: list them, forget their fingerprints, drop
    them from the change list; a row none of whose cells could be written counts as unchanged."""
    if not prepared.skipped_formulas:
        return
    names = {index: column for column, index in plan.columns.items()}
    by_row = {u.sheet_row: u for u in plan.updates}
    skipped_rows: dict[int, int] = {}
    skipped_cells: set[tuple[str, str]] = set()
    for row, col in prepared.skipped_formulas:
        change = by_row.get(row)
        skipped_rows[row] = skipped_rows.get(row, 0) + 1
        if change is not None:
            plan.memory.forget(change.order_id, names.get(col, ""))
            skipped_cells.add((change.order_id, names.get(col, "")))
        summary.problems.append(ImportProblem(
            change.export_row if change else None, names.get(col), "",
            MSG_FORMULA_CELL.format(row=row, column=names.get(col, "")),
            change.order_id if change else ""))
    summary.changes = [c for c in summary.changes if (c.order_id, c.column) not in skipped_cells]
    for row, n in skipped_rows.items():
        if row in by_row and n == len(by_row[row].cells):
            summary.updated -= 1
            summary.unchanged += 1


# ---- the `kaohe import` sub-command ------------------------------------------------------------------------

def cmd_import(args) -> int:
    bar = ProgressBar(sys.stderr)
    try:
        summary = import_export(args.export, FileBook(args.into, args.output), dry_run=args.dry_run,
                                prefer_export=args.prefer_export, progress=bar)
    except (BookError, LedgerError) as e:
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_FAILED
    if args.json == "-":
        print(json.dumps(summary.to_json(), ensure_ascii=False, indent=1), flush=True)
    else:
        print(summary.text(), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(summary.to_json(), ensure_ascii=False, indent=1), "utf-8")
    return EXIT_ROW_ERRORS if summary.problems or summary.conflicts else EXIT_OK


def add_import_command(sub) -> None:
    p = sub.add_parser("import", help="把 12345 平台导出的工单（xlsx/xls/csv）按工单编号合并进「工单」表")
    p.add_argument("export", help="平台导出文件 .xlsx/.xls/.csv")
    p.add_argument("--into", required=True, metavar="WORKBOOK", help="考核台账 .xlsm/.xlsx")
    p.add_argument("--dry-run", action="store_true", help="只显示将要新增、更新的条数和问题，不写入")
    p.add_argument("--output", help="写到另一个文件（原台账不改动）")
    p.add_argument("--prefer-export", action="store_true",
                   help="冲突时（台账中手工改过、导出表又有新值）采用导出表的值；默认保留台账的手工修改")
    p.add_argument("--json", metavar="PATH", help="把导入明细（每处更改、冲突、问题）写成 JSON；- 表示输出到屏幕")
    p.set_defaults(run=cmd_import)
