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
    """Fingerprints by 工单编号 and column; reads the sheet's grid, renders the new one."""

    def __init__(self, columns: Iterable[str] = (), rows: dict[str, str] | None = None):
        self.columns: list[str] = list(columns)
        self._index = {c: i for i, c in enumerate(self.columns)}
        self._rows: dict[str, str] = rows or {}        # as stored
        self._new: dict[str, dict[str, str]] = {}      # this import's fingerprints
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

    def get(self, order_id: str, column: str) -> str | None:
        new = self._new.get(order_id)
        if new is not None and column in new:
            return new[column]
        i = self._index.get(column)
        stored = self._rows.get(order_id)
        if i is None or stored is None:
            return None
        parts = stored.split(" ")
        value = parts[i] if i < len(parts) else NONE
        return None if value == NONE else value

    def set(self, order_id: str, column: str, print_: str) -> None:
        if self.get(order_id, column) == print_:
            return
        if column not in self._index:
            self._index[column] = len(self.columns)
            self.columns.append(column)
        self._new.setdefault(order_id, {})[column] = print_
        self.changed = True

    def forget(self, order_id: str, column: str) -> None:
        """Undo this import's fingerprint of a cell that could not be written (a formula)."""
        new = self._new.get(order_id)
        if new is not None and new.pop(column, None) is not None and not new:
            del self._new[order_id]
        self.changed = bool(self._new)

    def __len__(self) -> int:
        return len(self._rows.keys() | self._new.keys())

    def rows(self) -> Iterable[list[Any]]:
        """The sheet's data rows: stored orders in their order, then the new ones."""
        width = len(self.columns)
        for order_id, stored in self._rows.items():
            new = self._new.get(order_id)
            if new is None:
                yield [order_id, stored]
            else:
                yield [order_id, self._merge(stored.split(" "), new, width)]
        for order_id, new in self._new.items():
            if order_id not in self._rows:
                yield [order_id, self._merge([], new, width)]

    def _merge(self, parts: list[str], new: dict[str, str], width: int) -> str:
        parts = parts[:width] + [NONE] * (width - len(parts))
        for column, value in new.items():
            parts[self._index[column]] = value
        return " ".join(parts)

    def header(self) -> list[str]:
        return [KEY_HEADER, SEPARATOR.join(self.columns)]


__all__ = ["ImportMemory", "fingerprint"]
