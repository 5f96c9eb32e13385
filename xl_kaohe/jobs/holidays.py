"""导入假日通知: the State Council's holiday notice into the 节假日 sheet (SPEC §12).

``kaohe holidays NOTICE.txt --into WORKBOOK`` passes a FileBook, the ribbon button 导入假日通知
its live book. Reading the text is ``core.notice_text`` (pure), the merge ``core.holiday_sheet``
(upsert by 日期: staff's rows are never rewritten, conflicts are listed), writing a file
``io.sheet_patch`` (only the 节假日 part and its Table change, atomic save); in Excel the new
rows are written through xlwings, and the user saves as usual.

Exit codes: 0 all read and merged; 1 something needs a look (a sentence not understood, a
conflict with the sheet, a 共N天 that disagrees) -- what was understood is still written;
2 nothing could be done (no year, not a notice, no 节假日 sheet, file locked).
"""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..core import schema as S
from ..core.dates import DateError, parse_date
from ..core.holiday_sheet import HolidayPlan, NewRow, SheetRow, plan_upsert
from ..core.notice_text import Notice, Sentence, parse_notice
from ..core.tables import find_table
from ..core.validate import text_of
from ..io.sheet_patch import PatchError, prepare_cells
from ..io.workbook import BookError, FileBook, atomic_target, excel_lock
from . import EXIT_FAILED, EXIT_OK, EXIT_ROW_ERRORS

DATE_FORMAT = "yyyy-mm-dd"
SHOWN = 20

MSG_HEAD = "{year}年节假日安排 → {ledger}「节假日」表"
MSG_READ = "通知中读到：放假 {off} 天、调休上班 {work} 天（{festivals}）"
MSG_COUNTS = "新增 {added} 行、已有相同 {unchanged} 行、与表中不一致 {conflicts} 行"
MSG_CONFLICTS = "与表中不一致（表中的行已保留，未改动）："
MSG_UNPARSED = "未能识别的句子（其中的日期未写入，请对照通知手工填写）："
MSG_WARNINGS = "请核对："
MSG_MORE = "  …… 另有 {n} 条"
MSG_NO_CHANGE = "没有变化：台账未改动。"
MSG_DRY_RUN = "试运行：以上为将要新增的行，台账未改动。"
MSG_WRITTEN = "已写入：{path}"
MSG_WRITTEN_LIVE = "已写入「节假日」表，请保存工作簿。"
MSG_NO_SHEET = "工作簿中没有「节假日」表（或缺少“日期”“类型”列）：这不是考核台账，或表头被改动"
MSG_LOCKED = ("{name} 正在 Excel 中打开（发现锁文件 {lock}）：请先在 Excel 中保存并关闭，"
              "或在 Excel 中用“导入假日通知”按钮导入")
MSG_BAD_PACKAGE = "{name} 的文件结构无法识别，未写入：{error}"
MSG_EMPTY = "没有读到文字：请先复制通知全文（从标题到落款），或选择保存了通知的 .txt 文件"


class NoticeError(Exception):
    """The text is not a usable notice (no year, no items); the message is Chinese."""


@dataclass
class HolidaySummary:
    notice: Notice
    plan: HolidayPlan
    ledger: str
    dry_run: bool = False
    written: Path | None = None
    live: bool = False

    @property
    def needs_review(self) -> bool:
        return bool(self.plan.conflicts or self.notice.unparsed or self.notice.warnings)

    def exit_code(self) -> int:
        return EXIT_ROW_ERRORS if self.needs_review else EXIT_OK

    def text(self, limit: int = SHOWN) -> str:
        n, plan = self.notice, self.plan
        lines = [MSG_HEAD.format(year=n.year, ledger=self.ledger),
                 MSG_READ.format(off=len(n.dates("放假")), work=len(n.dates("上班")),
                                 festivals="、".join(n.festivals) or "未注明节日"),
                 MSG_COUNTS.format(added=len(plan.new_rows), unchanged=plan.unchanged,
                                   conflicts=len(plan.conflicts))]
        _section(lines, MSG_CONFLICTS, [c.text() for c in plan.conflicts], limit)
        _section(lines, MSG_UNPARSED, [_sentence_text(s) for s in n.unparsed], limit)
        _section(lines, MSG_WARNINGS, n.warnings, limit)
        if self.dry_run:
            lines += [f"  + {r.day.isoformat()} {r.kind} {r.note}" for r in plan.new_rows[:limit]]
            lines.append(MSG_DRY_RUN)
        elif self.live and plan.changed:
            lines.append(MSG_WRITTEN_LIVE)
        elif self.written is not None:
            lines.append(MSG_WRITTEN.format(path=self.written))
        else:
            lines.append(MSG_NO_CHANGE)
        return "\n".join(lines)

    def message(self) -> str:
        """For Excel's message box: fewer lines."""
        return self.text(limit=8)


def _section(lines: list[str], title: str, items: list[str], limit: int) -> None:
    if not items:
        return
    lines.append(title)
    lines += [f"  {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(MSG_MORE.format(n=len(items) - limit))


def _sentence_text(s: Sentence) -> str:
    where = f"{s.festival}：" if s.festival else ""
    return f"{where}“{s.text}”——{s.message}"


# ---- the job -------------------------------------------------------------------------------------------

def read_notice_file(path: str | Path) -> str:
    """A saved notice in UTF-8 (with or without BOM), UTF-16 or GBK/GB18030 (Notepad's 'ANSI')."""
    from ..io.exports import decode_text

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BookError(f"找不到通知文件：{path}") from None
    except OSError as e:
        raise BookError(f"无法读取通知文件 {path.name}：{e}") from None
    return decode_text(data)[0]


def import_notice(text: str, book, *, year: int | None = None, dry_run: bool = False) -> HolidaySummary:
    """Merge the notice's dates into ``book``'s 节假日 sheet. Raises NoticeError / BookError
    (nothing written) when it cannot run."""
    if not text or not text.strip():
        raise NoticeError(MSG_EMPTY)
    notice = parse_notice(text, year)
    if notice.error:
        raise NoticeError(notice.error)
    target = Path(book.output) if isinstance(book, FileBook) else None
    lock = excel_lock(target) if target is not None and not dry_run else None
    if lock is not None:
        raise BookError(MSG_LOCKED.format(name=target.name, lock=lock.name))
    grid = book.read_grids((S.HOLIDAYS,)).get(S.HOLIDAYS)
    table = find_table(grid or [], S.HOLIDAYS, ("日期", "类型"))
    if table is None:
        raise BookError(MSG_NO_SHEET)
    existing, last_row = _sheet_rows(table)
    plan = plan_upsert(existing, [NewRow(d.day, d.kind, d.note()) for d in notice.days])
    summary = HolidaySummary(notice, plan, book.label, dry_run)
    if dry_run or not plan.changed:
        return summary
    edits = _cell_edits(table, plan.new_rows, last_row + 1)
    if target is None:
        _write_live(book, table, edits)
        summary.live = True
    else:
        _write_file(book, table, edits)
        summary.written = target
    return summary


def _sheet_rows(table) -> tuple[list[SheetRow], int]:
    """The rows staff typed (those whose 日期 reads as a date) and the table's last used row."""
    get_day, get_kind, get_note = table.getter("日期"), table.getter("类型"), table.getter("说明")
    rows, last = [], table.header_row
    for r, row in table.rows():
        last = r
        try:
            day = parse_date(get_day(row))
        except DateError:
            continue  # a bad date is `kaohe check`'s to report; the notice's date is added
        if day is not None:
            rows.append(SheetRow(r, day, text_of(get_kind(row)), text_of(get_note(row))))
    return rows, last


def _cell_edits(table, new_rows: list[NewRow], first_row: int) -> dict[int, dict[int, object]]:
    cols = table.columns
    edits: dict[int, dict[int, object]] = {}
    for i, new in enumerate(new_rows):
        cells = {cols["日期"]: new.day, cols["类型"]: new.kind}
        if "说明" in cols:
            cells[cols["说明"]] = new.note
        edits[first_row + i] = cells
    return edits


def _write_file(book: FileBook, table, edits) -> None:
    try:
        prepared = prepare_cells(book.path, S.HOLIDAYS, edits, header_row=table.header_row,
                                 key_column=table.columns["日期"], date_format=DATE_FORMAT)
        if prepared.changed:
            with atomic_target(book.output) as tmp:
                prepared.write(tmp)
    except PatchError as e:
        raise BookError(f"{book.path.name}：{e}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, ET.ParseError) as e:
        raise BookError(MSG_BAD_PACKAGE.format(name=book.path.name, error=e)) from None


def _write_live(excel, table, edits) -> None:
    """The new rows through xlwings, one column block at a time (rows are consecutive), then
    the Excel Table grows over them, as the import does."""
    from ..excel.live import cell_value
    from .importing import _resize_live_table  # the one ListObject resizer

    sheet = excel.book.sheets[S.HOLIDAYS]
    first, last = min(edits), max(edits)
    for col in sorted({c for cells in edits.values() for c in cells}):
        block = [[cell_value(edits[r].get(col))] for r in range(first, last + 1)]
        target = sheet.range((first, col + 1))
        if col == table.columns["日期"]:
            sheet.range((first, col + 1), (last, col + 1)).number_format = DATE_FORMAT
        target.value = block
    _resize_live_table(sheet, table.header_row, last)


# ---- the `kaohe holidays` sub-command ---------------------------------------------------------------------

def cmd_holidays(args) -> int:
    try:
        text = read_notice_file(args.notice)
        summary = import_notice(text, FileBook(args.into, args.output), year=args.year, dry_run=args.dry_run)
    except (BookError, NoticeError) as e:
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_FAILED
    print(summary.text(), flush=True)
    return summary.exit_code()


def add_holidays_command(sub) -> None:
    p = sub.add_parser("holidays", help="把国务院办公厅的节假日安排通知（网页文字）写入「节假日」表")
    p.add_argument("notice", metavar="NOTICE.txt", help="保存了通知全文的文本文件（UTF-8 或 GBK）")
    p.add_argument("--into", required=True, metavar="WORKBOOK", help="考核台账 .xlsm/.xlsx")
    p.add_argument("--year", type=int, default=None, help="通知的年份（通知没有标题时必填；有标题时须一致）")
    p.add_argument("--dry-run", action="store_true", help="只显示将要新增的行和问题，不写入")
    p.add_argument("--output", help="写到另一个文件（原台账不改动）")
    p.set_defaults(run=cmd_holidays)
