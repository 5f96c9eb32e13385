"""Merging a 12345 platform export into the 工单 sheet: the pure part (no file I/O).

Given the export as grids and the ledger's 工单 grid, this module finds which export column
feeds which ledger column (the header-alias table of 规则, defaults + staff rows), normalises
the values (dates, type words, unit names) and plans an upsert by 工单编号:

- orders the ledger does not have yet become new rows, appended below the last used row;
- orders it has are updated only in the columns the export carries and only where the value
  really changed (same moment, same unit, same type = unchanged), and a blank export cell never
  clears a ledger cell: nothing is ever deleted;
- a cell is updated only while it still holds what the last import wrote (``import_memory``):
  a hand edit is kept; when the export brings yet another value it is a conflict, listed with
  both values (``prefer_export`` takes the export's);
- columns the export does not carry (备注, staff's own columns) are never touched; the extra
  columns of ``aliases.EXTRA_COLUMNS`` (登记时间, the platform's 部门办理截止时间, 是否延期) are added
  at the right of the header when the ledger lacks them;
- an order listed twice in one export: the last row stands, the earlier one is listed.

A row with an unknown unit, a bad date or an unknown type word is still imported, with the
value as given (as text), and listed as a problem; a row without 工单编号 cannot be merged and
is listed (not imported). Text is kept as text whatever its first character: the writer stores
strings as strings, never as formulas.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Sequence

from . import schema as S
from .aliases import EXTRA_COLUMNS, EXTRA_DATE_COLUMNS, KEPT_WHEN_OUTRANKED
from .dates import DateError, parse_datetime
from .import_memory import ImportMemory, fingerprint
from .rules import NOT_ASSESSED, normalise_order_type
from .tables import HEADER_SCAN_ROWS, Grid, find_table, header_key, is_blank
from .validate import LedgerError, display, name_key, parse_limit, text_of

KEY = "工单编号"
UNIT = "承办单位"
TYPE = "工单类型"
DATE_COLUMNS = ("受理时间", "办结时间")
LIMIT = "办理时限"
MAX_CELL_CHARS = 32767  # Excel's limit; longer text is cut here so a re-import compares equal

# ---- messages (Chinese, shown to staff) ---------------------------------------------------------

MSG_NO_KEY_COLUMN = ("导出表中没有找到“工单编号”列（可识别的表头：{aliases}；其它叫法可在「规则」表的"
                     "表头对照中补充）。{found}")
MSG_FOUND_HEADERS = "找到的表头：{headers}"
MSG_EMPTY_EXPORT = "导出表是空的，没有任何内容"
MSG_NO_LEDGER_SHEET = f"工作簿中没有「{S.ORDERS}」表：这不是考核台账"
MSG_NO_LEDGER_HEADER = f"「{S.ORDERS}」表没有“工单编号”表头：这不像一本考核台账"
MSG_NO_ID = "工单编号为空，无法合并，此行未导入"
MSG_DUPLICATE = "导出表第{row}行与第{last}行工单编号相同，以最后的第{last}行为准，第{row}行未导入"
MSG_UNKNOWN_UNIT = f"单位“{{value}}”不在「{S.UNITS}」表中（也不是任何单位的别名），请在「{S.UNITS}」表补充单位或别名"
MSG_UNKNOWN_TYPE = f"工单类型“{{value}}”无法识别，可在「{S.RULES}」表的类型对照中补充"
MSG_AS_GIVEN = "{problem}；已按原文导入"
MSG_KEPT = "{problem}；台账中原有的值未被覆盖"
REASON_UNKNOWN = "未识别"
REASON_DUPLICATE = "与“{other}”同为“{column}”，未采用"
REASON_NOT_IN_LEDGER = f"对应台账的“{{column}}”列，但「{S.ORDERS}」表没有这一列"
CHANGE_UPDATED = "更新"
CHANGE_ADDED = "新增工单"
CHANGE_CONFLICT = "冲突：保留台账中的手工修改"
CHANGE_PREFERRED = "冲突：采用导出值（--prefer-export）"

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class NotAnExport(ValueError):
    """The file has no 工单编号 column: not a 12345 export (the message lists the headers)."""


# ---- results --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportProblem:
    row: int | None       # export row (1-based, as the export shows it); None: the whole file
    column: str | None    # ledger column
    value: str
    message: str
    order_id: str = ""
    imported: bool = True  # False: the row was not merged into the ledger

    def where(self) -> str:
        place = f"导出表第{self.row}行" if self.row else "导出表"
        if self.order_id:
            place += f"（{self.order_id}）"
        return place + (f" [{self.column}]" if self.column else "")


@dataclass(frozen=True)
class IgnoredColumn:
    header: str
    reason: str

    def text(self) -> str:
        return self.header if self.reason == REASON_UNKNOWN else f"{self.header}（{self.reason}）"


@dataclass
class RowChange:
    sheet_row: int                 # worksheet row in 工单
    order_id: str
    cells: dict[str, Any]          # ledger column -> new value (str, datetime or number)
    export_row: int = 0


@dataclass(frozen=True)
class CellChange:
    """One cell an import changed or refused to change: a line of 导入记录."""
    order_id: str
    column: str
    old: Any          # the ledger's value before ("" for a new order)
    new: Any          # the export's value
    kind: str         # CHANGE_*
    export_row: int = 0


@dataclass
class ColumnMap:
    header_row: int                        # export row of the header (1-based)
    sources: dict[str, int]                # ledger column -> export column index (0-based)
    headers: dict[str, str]                # ledger column -> the export header used
    ignored: list[IgnoredColumn]


@dataclass
class LedgerOrders:
    """What the plan needs from the ledger's 工单 sheet."""
    header_row: int                        # worksheet row of the header (1-based)
    columns: dict[str, int]                # header -> 0-based column
    rows: dict[str, tuple[int, Sequence[Any]]]  # 工单编号 -> (worksheet row, values); first wins
    next_row: int                          # first worksheet row below everything in the sheet
    next_column: int = 0                   # first 0-based column right of the header's last cell


@dataclass
class ImportPlan:
    header_row: int                        # ledger header row (worksheet, 1-based)
    columns: dict[str, int]                # ledger column -> 0-based column index
    mapping: dict[str, str]                # ledger column -> export header
    ignored: list[IgnoredColumn]
    new_rows: list[RowChange] = field(default_factory=list)
    updates: list[RowChange] = field(default_factory=list)
    unchanged: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    export_rows: int = 0                   # non-blank data rows in the export
    conflicts: list[CellChange] = field(default_factory=list)  # hand edits kept (or overridden)
    changes: list[CellChange] = field(default_factory=list)    # every cell written, in order
    kept: int = 0                          # hand edits kept where the export did not change
    memory: ImportMemory = field(default_factory=ImportMemory)
    new_headers: dict[str, int] = field(default_factory=dict)  # extra columns to add -> index

    @property
    def changed(self) -> bool:
        return bool(self.new_rows or self.updates)

    @property
    def needs_write(self) -> bool:
        """Cells change, or a conflict is to be logged, or only the fingerprints change."""
        return self.changed or bool(self.conflicts) or self.memory.changed

    @property
    def skipped(self) -> int:
        return len({p.row for p in self.problems if not p.imported})

    @property
    def problem_rows(self) -> int:
        return len({p.row for p in self.problems})

    @property
    def changed_cells(self) -> int:
        return sum(len(u.cells) for u in self.updates)

    def cell_edits(self) -> dict[int, dict[int, Any]]:
        """worksheet row -> {0-based column: value}: what the writer puts into 工单."""
        edits: dict[int, dict[int, Any]] = {}
        if self.new_headers and self.changed:
            edits[self.header_row] = {index: name for name, index in self.new_headers.items()}
        for change in (*self.updates, *self.new_rows):
            row = edits.setdefault(change.sheet_row, {})
            for column, value in change.cells.items():
                row[self.columns[column]] = value
        return edits


Progress = Callable[[float], None]


# ---- the ledger side --------------------------------------------------------------------------------

def ledger_orders(rows: Iterable[Sequence[Any]] | None, keep: Iterable[str] | None = None) -> LedgerOrders:
    """The 工单 sheet's orders, from a grid or rows read one at a time. With ``keep`` (ledger
    column names, e.g. ``export_columns``) only those columns' values are held, repeated short
    texts once: a 100k-order ledger then costs a fraction of its grid."""
    if rows is None:
        raise LedgerError(MSG_NO_LEDGER_SHEET)
    it = iter(rows)
    head = [row for _, row in zip(range(HEADER_SCAN_ROWS), it)]
    table = find_table(head, S.ORDERS, (KEY,))
    if table is None:
        raise LedgerError(MSG_NO_LEDGER_HEADER)
    key_index = table.columns[header_key(KEY)]
    header = head[table.header_row - 1]
    width = max((c + 1 for c, v in enumerate(header) if not is_blank(v)), default=0)
    wanted = None if keep is None else {header_key(k) for k in keep} | {header_key(KEY)}
    kept = None if wanted is None else [i for name, i in table.columns.items() if name in wanted]
    texts: dict[str, str] = {}
    found: dict[str, tuple[int, Sequence[Any]]] = {}
    last = table.header_row
    for r, row in enumerate(itertools.chain(head[table.header_row:], it), start=table.header_row + 1):
        if all(is_blank(v) for v in row):
            continue
        last = r
        order_id = text_of(row[key_index]) if key_index < len(row) else ""
        if order_id and order_id not in found:
            found[order_id] = (r, row if kept is None else _project(row, kept, texts))
    return LedgerOrders(table.header_row, dict(table.columns), found, last + 1, width)


def _project(row: Sequence[Any], kept: list[int], texts: dict[str, str]) -> list[Any]:
    """The row with only the kept columns (others None); short texts shared (units, types)."""
    out: list[Any] = [None] * (max(kept) + 1)
    for i in kept:
        if i < len(row):
            value = row[i]
            if value.__class__ is str and len(value) <= 24:
                value = texts.setdefault(value, value)
            out[i] = value
    return out


def export_columns(export: Grid, aliases: Mapping[str, Sequence[str]]) -> set[str]:
    """The ledger columns (header keys) an export's headers can feed; empty when it has none."""
    index = _alias_index(aliases)
    at = find_export_header(export, aliases)
    if at is None:
        return set()
    found = {index[header_key(v)][0] for v in export[at] if header_key(v) in index}
    return found | {header_key(c) for c in KEPT_WHEN_OUTRANKED.values()}


# ---- headers ---------------------------------------------------------------------------------------

def _alias_index(aliases: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, int]]:
    """export header key -> (ledger column, priority); the first claim of a header wins."""
    index: dict[str, tuple[str, int]] = {}
    for column, headers in aliases.items():
        for priority, header in enumerate(headers):
            index.setdefault(header_key(header), (header_key(column), priority))
    return index


def key_aliases(aliases: Mapping[str, Sequence[str]]) -> list[str]:
    """The export headers that mean 工单编号."""
    index = _alias_index(aliases)
    return [h for headers in aliases.values() for h in headers if index[header_key(h)][0] == KEY]


def find_export_header(grid: Grid, aliases: Mapping[str, Sequence[str]]) -> int | None:
    """0-based index of the first row (within the first rows) that has a 工单编号 header."""
    keys = {header_key(h) for h in key_aliases(aliases)}
    for r in range(min(len(grid), HEADER_SCAN_ROWS)):
        if any(header_key(v) in keys for v in grid[r]):
            return r
    return None


def headers_found(grid: Grid) -> list[str]:
    """The first non-blank row's cells: what staff see as 'the headers' of a wrong file."""
    for row in grid[:HEADER_SCAN_ROWS]:
        cells = [display(v, 30) for v in row if not is_blank(v)]
        if cells:
            return cells
    return []


def no_key_column_message(aliases: Mapping[str, Sequence[str]], grids: Sequence[Grid]) -> str:
    found = next((h for h in map(headers_found, grids) if h), [])
    shown = "、".join(found[:30]) + ("……" if len(found) > 30 else "")
    return MSG_NO_KEY_COLUMN.format(
        aliases="、".join(key_aliases(aliases)),
        found=MSG_FOUND_HEADERS.format(headers=shown) if found else MSG_EMPTY_EXPORT)


def map_columns(header: Sequence[Any], header_row: int, aliases: Mapping[str, Sequence[str]],
                ledger_columns: Mapping[str, int]) -> ColumnMap:
    """Which export column feeds which ledger column. A ledger column named by two export
    columns takes the header listed first in the alias table; columns not used are listed."""
    index = _alias_index(aliases)
    ledger_keys = {header_key(c): c for c in ledger_columns}
    ledger_keys.update({header_key(c): c for c in EXTRA_COLUMNS if header_key(c) not in ledger_keys})
    candidates: dict[str, list[tuple[int, int]]] = {}  # ledger column -> [(priority, export col)]
    ignored: list[tuple[int, IgnoredColumn]] = []
    for c, value in enumerate(header):
        text = display(value, 60)
        if not text:
            continue
        hit = index.get(header_key(value))
        if hit is None:
            ignored.append((c, IgnoredColumn(text, REASON_UNKNOWN)))
        elif hit[0] not in ledger_keys:
            ignored.append((c, IgnoredColumn(text, REASON_NOT_IN_LEDGER.format(column=hit[0]))))
        else:
            candidates.setdefault(ledger_keys[hit[0]], []).append((hit[1], c))
    sources: dict[str, int] = {}
    for column, found in candidates.items():
        found.sort()
        sources[column] = found[0][1]
        used = display(header[found[0][1]], 60)
        for _, c in found[1:]:
            kept = KEPT_WHEN_OUTRANKED.get(header_key(header[c]))
            if kept is not None and kept not in candidates and kept not in sources:
                sources[kept] = c  # e.g. 登记时间 beside 派遣时间: its own extra column
                continue
            ignored.append((c, IgnoredColumn(display(header[c], 60),
                                             REASON_DUPLICATE.format(other=used, column=column))))
    return ColumnMap(header_row, sources, {col: display(header[c], 60) for col, c in sources.items()},
                     [item for _, item in sorted(ignored, key=lambda pair: pair[0])])


# ---- values -----------------------------------------------------------------------------------------

def clean_text(value: Any) -> str:
    """A cell as the text the ledger will hold: no XML-illegal characters, Excel line ends,
    surrounding spaces removed, at most 32767 characters."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime):
        text = display(value)
    else:
        text = str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ILLEGAL_XML.sub("", text).strip()
    return text[:MAX_CELL_CHARS]


def _to_second(moment: datetime) -> datetime:
    """Serial numbers carry float noise: compare and store whole seconds."""
    whole = moment.replace(microsecond=0)
    return whole + timedelta(seconds=1) if moment.microsecond >= 500_000 else whole


def parse_moment(value: Any) -> datetime | None:
    """A date cell of an export -> datetime; raises DateError. Also reads 20260305 typed as a
    number (some platforms export dates that way)."""
    if type(value) is datetime:
        return _to_second(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and float(value).is_integer() and 19000101 <= value <= 29991231:
        value = str(int(value))
    parsed = parse_datetime(value)
    return None if parsed is None else _to_second(parsed[0])


class _Values:
    """Normalises export values per ledger column and compares them with ledger values."""

    def __init__(self, type_map: Mapping[str, str], units: Mapping[str, str]):
        self.type_map = dict(type_map)
        self.units = units
        self._types: dict[str, str | None] = {}

    def kind(self, value: Any) -> str | None:
        text = clean_text(value)
        if text not in self._types:
            self._types[text] = normalise_order_type(text, self.type_map)
        return self._types[text]

    def unit(self, value: Any) -> str | None:
        return self.units.get(name_key(value))

    # -- export value -> (ledger value, problem message or None)
    def normalise(self, column: str, value: Any) -> tuple[Any, str | None]:
        if column in DATE_COLUMNS:
            try:
                return parse_moment(value), None
            except DateError as e:
                return clean_text(value), str(e)
        if column in EXTRA_DATE_COLUMNS:  # the platform's own: a moment when readable, else as given
            try:
                return parse_moment(value), None
            except DateError:
                return clean_text(value), None
        if column == UNIT:
            unit = self.unit(value)
            if unit is None:
                text = clean_text(value)
                return text, MSG_UNKNOWN_UNIT.format(value=display(text))
            return unit, None
        if column == TYPE:
            kind = self.kind(value)
            text = clean_text(value)
            if kind is None:
                return text, MSG_UNKNOWN_TYPE.format(value=display(text))
            # 表扬 and the like stay as the platform word: the ledger maps it to 不考核 itself
            return (text if kind == NOT_ASSESSED else kind), None
        if column == LIMIT:
            return self._limit(value)
        if isinstance(value, str) or isinstance(value, bool):
            return clean_text(value), None
        return (_to_second(value) if isinstance(value, datetime) else value), None  # staff-mapped columns

    def _limit(self, value: Any) -> tuple[Any, str | None]:
        try:
            limit = parse_limit(value)
        except DateError as e:
            return clean_text(value), str(e)
        if limit is not None and limit.kind == "moment":
            return parse_moment(value), None  # the moment as given (a bare date stays a date)
        return clean_text(value), None

    # -- canonical text of a ledger or normalised export value, and its fingerprint
    def canon(self, column: str, value: Any) -> str:
        if is_blank(value):
            return ""
        if column in DATE_COLUMNS or column in EXTRA_DATE_COLUMNS or column == LIMIT \
                or isinstance(value, datetime):
            try:
                moment = parse_moment(value)  # 3个工作日 / 48小时 raise: compared as text
            except (DateError, ValueError, TypeError, OverflowError):
                moment = None
            if moment is not None:
                return moment.isoformat(sep=" ")
        if column == UNIT:
            return self.unit(value) or name_key(value)
        if column == TYPE:
            kind = self.kind(value)
            return kind if kind is not None and kind != NOT_ASSESSED else clean_text(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
            return str(int(number)) if number.is_integer() else repr(number)
        return clean_text(value)

    def fingerprint(self, column: str, value: Any) -> str:
        return fingerprint(self.canon(column, value))

    # -- is the ledger's value the same as the new one?
    def same(self, column: str, old: Any, new: Any) -> bool:
        if is_blank(old):
            return False
        if isinstance(new, datetime):
            try:
                return parse_moment(old) == new
            except (DateError, ValueError, TypeError, OverflowError):
                return False
        if column == UNIT:
            return (self.unit(old) or name_key(old)) == (self.unit(new) or name_key(new))
        if column == TYPE:
            old_kind, new_kind = self.kind(old), self.kind(new)
            if old_kind is not None and old_kind != NOT_ASSESSED:
                return old_kind == new_kind
            return clean_text(old) == clean_text(new)
        if isinstance(new, str):
            return clean_text(old) == new
        if isinstance(new, (int, float)) and isinstance(old, (int, float)):
            return float(old) == float(new)
        return old == new


# ---- the plan ------------------------------------------------------------------------------------------

def plan_import(export: Grid, ledger: LedgerOrders, *, aliases: Mapping[str, Sequence[str]],
                type_map: Mapping[str, str], units: Mapping[str, str],
                memory: ImportMemory | None = None, prefer_export: bool = False,
                progress: Progress | None = None) -> ImportPlan:
    """Plan merging the export (one sheet as a grid) into the ledger's 工单 rows.

    ``units`` maps name_key(name or alias) -> the unit's name (validate.read_units); ``aliases``
    ledger column -> export headers (aliases.read_header_aliases); ``memory`` what earlier
    imports wrote (import_memory; updated in place and returned as ``plan.memory``). Raises
    ``NotAnExport`` when the export has no 工单编号 column."""
    header_index = find_export_header(export, aliases)
    if header_index is None:
        raise NotAnExport(no_key_column_message(aliases, [export]))
    columns = map_columns(export[header_index], header_index + 1, aliases, ledger.columns)
    plan = ImportPlan(ledger.header_row, dict(ledger.columns), columns.headers, columns.ignored,
                      memory=memory if memory is not None else ImportMemory())
    for column in columns.sources:  # extra columns the ledger lacks go right of its header
        if column not in plan.columns:
            plan.columns[column] = plan.new_headers[column] = ledger.next_column + len(plan.new_headers)
    values = _Values(type_map, units)
    sources = [(column, c) for column, c in columns.sources.items() if column != KEY]
    key_source = columns.sources[KEY]
    body = export[header_index + 1:]
    last_of = _last_rows(body, key_source, header_index + 2)
    next_row = ledger.next_row
    total = max(len(body), 1)
    step = max(total // 20, 1)  # report progress every 5%

    for offset, row in enumerate(body):
        if progress and offset % step == 0:
            progress(offset / total)
        if all(is_blank(v) for v in row):
            continue
        r = header_index + 2 + offset
        plan.export_rows += 1
        raw_id = row[key_source] if key_source < len(row) else None
        order_id = text_of(clean_text(raw_id))
        if not order_id:
            plan.problems.append(ImportProblem(r, KEY, "", MSG_NO_ID, imported=False))
            continue
        if last_of[order_id] != r:
            plan.problems.append(ImportProblem(r, KEY, order_id, MSG_DUPLICATE.format(row=r, last=last_of[order_id]),
                                               order_id, imported=False))
            continue
        cells, troubles = _read_row(row, sources, values)
        existing = ledger.rows.get(order_id)
        if existing is None:
            plan.new_rows.append(RowChange(next_row, order_id, {KEY: order_id, **cells}, r))
            next_row += 1
            for column, value in cells.items():
                plan.memory.set(order_id, column, values.fingerprint(column, value))
            plan.changes.append(CellChange(order_id, "", "", cells.get(UNIT, ""), CHANGE_ADDED, r))
            plan.problems += [ImportProblem(r, column, display(raw), MSG_AS_GIVEN.format(problem=problem), order_id)
                              for column, (raw, problem) in troubles.items()]
            continue
        sheet_row, old_row = existing
        changed = _merge_row(plan, values, order_id, r, cells, troubles, old_row, prefer_export)
        if changed:
            plan.updates.append(RowChange(sheet_row, order_id, changed, r))
        else:
            plan.unchanged += 1
    if progress:
        progress(1.0)
    return plan


def _last_rows(body: Grid, key_source: int, first_row: int) -> dict[str, int]:
    """工单编号 -> the export row (1-based) of its last occurrence: the last row stands."""
    last: dict[str, int] = {}
    for offset, row in enumerate(body):
        raw = row[key_source] if key_source < len(row) else None
        if not is_blank(raw):
            last[text_of(clean_text(raw))] = first_row + offset
    return last


def _merge_row(plan: ImportPlan, values: _Values, order_id: str, r: int, cells: dict[str, Any],
               troubles: dict[str, tuple[Any, str]], old_row: Sequence[Any],
               prefer_export: bool) -> dict[str, Any]:
    """The cells of an existing order to write; conflicts, changes and fingerprints noted."""
    memory = plan.memory
    changed: dict[str, Any] = {}
    for column, value in cells.items():
        index = plan.columns[column]
        old = _at(old_row, index) if column not in plan.new_headers else None
        new_print = values.fingerprint(column, value)
        if values.same(column, old, value):
            memory.set(order_id, column, new_print)  # the ledger agrees: remember it as imported
            continue
        if column in troubles and not is_blank(old):
            continue  # a doubtful value never replaces what the ledger has (listed below)
        last = memory.get(order_id, column)
        old_print = values.fingerprint(column, old)
        if (is_blank(old) and last is None) or old_print == last:
            kind = CHANGE_UPDATED                      # blank, or still what the last import wrote
        elif last == new_print:
            plan.kept += 1                             # a hand edit; the platform did not change
            continue
        else:                                          # a hand edit, and the platform changed too
            conflict = CellChange(order_id, column, old, value,
                                  CHANGE_PREFERRED if prefer_export else CHANGE_CONFLICT, r)
            plan.conflicts.append(conflict)
            if not prefer_export:
                plan.changes.append(conflict)
                continue
            kind = CHANGE_PREFERRED
        changed[column] = value
        memory.set(order_id, column, new_print)
        plan.changes.append(CellChange(order_id, column, old, value, kind, r))
    for column, (raw, problem) in troubles.items():
        kept = column in cells and column not in changed and not is_blank(_at(old_row, plan.columns[column]))
        message = (MSG_KEPT if kept else MSG_AS_GIVEN).format(problem=problem)
        plan.problems.append(ImportProblem(r, column, display(raw), message, order_id))
    return changed


def _read_row(row: Sequence[Any], sources: list[tuple[str, int]],
              values: _Values) -> tuple[dict[str, Any], dict[str, tuple[Any, str]]]:
    """-> (ledger column -> value, ledger column -> (export value, problem))."""
    cells: dict[str, Any] = {}
    troubles: dict[str, tuple[Any, str]] = {}
    for column, c in sources:
        raw = row[c] if c < len(row) else None
        if is_blank(raw):
            continue  # a blank export cell never clears the ledger
        value, problem = values.normalise(column, raw)
        if problem:
            troubles[column] = (raw, problem)
        if value is not None and value != "":
            cells[column] = value
    return cells, troubles


def choose_sheet(sheets: Sequence[tuple[str, Grid]], aliases: Mapping[str, Sequence[str]]) -> tuple[str, Grid]:
    """The export's sheet holding the orders: the first with a 工单编号 header."""
    for name, grid in sheets:
        if find_export_header(grid, aliases) is not None:
            return name, grid
    raise NotAnExport(no_key_column_message(aliases, [grid for _, grid in sheets]))


def _at(row: Sequence[Any], index: int) -> Any:
    return row[index] if index < len(row) else None


__all__ = [
    "CellChange", "ImportMemory", "ImportPlan", "ImportProblem", "IgnoredColumn", "LedgerOrders", "NotAnExport", "RowChange",
    "choose_sheet", "clean_text", "export_columns", "ledger_orders", "map_columns", "parse_moment", "plan_import",
]
