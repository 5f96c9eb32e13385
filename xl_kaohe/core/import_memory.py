"""What the imports wrote, remembered inside the ledger: the very hidden sheet 导入底稿.

A later import must tell a platform change from a hand edit. It does not need the old value,
only whether the ledger still holds what the last import wrote, so the sheet keeps, per order
and per imported column, a fingerprint (CRC-32, 8 hex digits) of the value's canonical form:

    row 1:   工单编号 | 承办单位|工单类型|受理时间|…        (the columns, in fingerprint order)
    row 2+:  GD-0001  | 1a2b3c4d 9f8e7d6c - …              ("-": never imported)

Two cells per order keep the sheet small (100k orders: ~1.5 MB compressed) and quick to read.
A hidden *sheet* is what survives every path the ledger takes: Excel and WPS keep very hidden
sheets, openpyxl loads and saves them (it drops custom XML parts), `kaohe rank` copies it byte
for byte, and the live-Excel import writes it with the same calls as any sheet. Keyed by
工单编号, it survives sorting and filtering 工单.
"""
from __future__ import annotations

import zlib
from typing import Any, Iterable

from .tables import Grid
from .validate import text_of

KEY_HEADER = "工单编号"
SEPARATOR = "|"
NONE = "-"


def fingerprint(canonical: str) -> str:
    return f"{zlib.crc32(canonical.encode('utf-8')):08x}"


class ImportMemory:
    """Fingerprints by 工单编号 and column; reads the sheet's grid, renders the new one. Each
    order is kept as its one stored string (~120 bytes), also while an import updates it."""

    def __init__(self, columns: Iterable[str] = (), rows: dict[str, str] | None = None):
        self.columns: list[str] = list(columns)
        self._index = {c: i for i, c in enumerate(self.columns)}
        self._rows: dict[str, str] = rows or {}        # as stored, then as updated
        self._before: dict[str, str | None] = {}       # orders this import changed: their stored string
        self._last: tuple[str, list[str]] | None = None  # the order being worked on, split
        self.changed = False

    @classmethod
    def from_grid(cls, grid: Grid | None) -> "ImportMemory":
        if not grid or not grid[0] or text_of(grid[0][0]) != KEY_HEADER:
            return cls()
        header = grid[0]
        columns = [c for c in str(header[1]).split(SEPARATOR) if c] if len(header) > 1 and header[1] else []
        rows: dict[str, str] = {}
        for row in grid[1:]:
            if row and row[0] not in (None, "") and len(row) > 1 and isinstance(row[1], str):
                rows[text_of(row[0])] = row[1]
        return cls(columns, rows)

    def _parts(self, order_id: str) -> list[str]:
        if self._last is None or self._last[0] != order_id:
            stored = self._rows.get(order_id)
            self._last = (order_id, stored.split(" ") if stored else [])
        return self._last[1]

    def get(self, order_id: str, column: str) -> str | None:
        i = self._index.get(column)
        if i is None:
            return None
        parts = self._parts(order_id)
        value = parts[i] if i < len(parts) else NONE
        return None if value == NONE else value

    def set(self, order_id: str, column: str, print_: str) -> None:
        if self.get(order_id, column) == print_:
            return
        if column not in self._index:
            self._index[column] = len(self.columns)
            self.columns.append(column)
        parts = self._parts(order_id)
        i = self._index[column]
        parts.extend([NONE] * (i + 1 - len(parts)))
        parts[i] = print_
        self._before.setdefault(order_id, self._rows.get(order_id))
        self._rows[order_id] = " ".join(parts)
        self.changed = True

    def forget(self, order_id: str, column: str) -> None:
        """Undo this import's fingerprint of a cell that could not be written (a formula)."""
        if order_id not in self._before or column not in self._index:
            return
        before = self._before[order_id]
        old = before.split(" ") if before else []
        i = self._index[column]
        parts = self._parts(order_id)
        parts[i] = old[i] if i < len(old) else NONE
        if all(v == NONE for v in parts) and before is None:
            del self._rows[order_id]
            self._last = None
        else:
            self._rows[order_id] = " ".join(parts)
        if self._rows.get(order_id) == before:
            del self._before[order_id]
        self.changed = bool(self._before)

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> Iterable[list[Any]]:
        """The sheet's data rows: stored orders in their order, then the new ones; every row
        as wide as the header."""
        width = len(self.columns)
        for order_id, stored in self._rows.items():
            n = stored.count(" ") + 1
            yield [order_id, stored if n >= width else stored + (" " + NONE) * (width - n)]

    def header(self) -> list[str]:
        return [KEY_HEADER, SEPARATOR.join(self.columns)]


__all__ = ["ImportMemory", "fingerprint"]
