"""Finding tables inside raw sheet grids.

Adapters hand the core each sheet as a *grid*: a list of rows, grid[r][c] being the value of
worksheet row r+1, column c+1 (None for empty). Headers are found by name, so extra columns,
moved columns and rows typed below an Excel Table's range all work the same way.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

Grid = Sequence[Sequence[Any]]
HEADER_SCAN_ROWS = 30


class BookGrids(dict):
    """Grids by the schema's sheet name, plus what the reader learnt about the workbook itself.

    A plain dict works everywhere a BookGrids does (no renames, no template, no formula facts).
    """

    def __init__(self, grids: Mapping[str, Grid] = (), *, renamed: Mapping[str, str] | None = None,
                 from_template: bool = False,
                 uncalculated: Mapping[str, Sequence[tuple[int, int]]] | None = None) -> None:
        super().__init__(grids)
        self.renamed = dict(renamed or {})            # schema name -> the tab's name in the book
        self.from_template = from_template            # sheets carry the template's code names
        self.uncalculated = dict(uncalculated or {})  # sheet -> [(1-based row, 0-based col)]


def sheet_key(name: Any) -> str:
    """How a sheet tab name is compared: NFKC (full-width folded), no spaces."""
    return "".join(unicodedata.normalize("NFKC", str(name or "")).split())


def resolve_sheets(names: Iterable[str], wanted: Iterable[str],
                   code_names: Mapping[str, str] | None = None,
                   wanted_codes: Mapping[str, str] | None = None) -> dict[str, str]:
    """schema name -> tab name: the exact name, else the name with spaces and full-width
    characters folded, else the tab whose code name is the schema's (a renamed tab)."""
    names = list(names)
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(sheet_key(name), name)
    by_code = {code: name for name, code in (code_names or {}).items() if code}
    found: dict[str, str] = {}
    taken: set[str] = set()
    for sheet in wanted:
        if sheet in names:
            found[sheet] = sheet
            taken.add(sheet)
    for sheet in wanted:
        if sheet in found:
            continue
        name = by_key.get(sheet_key(sheet))
        if name is None or name in taken:
            name = by_code.get((wanted_codes or {}).get(sheet, ""))
        if name is not None and name not in taken:
            found[sheet] = name
            taken.add(name)
    return found


def header_key(value: Any) -> str:
    """How a header cell is compared: NFKC, no spaces, no required-marker '*'."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return "".join(text.split()).strip("*")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class Table:
    sheet: str
    header_row: int              # 1-based worksheet row of the header
    columns: dict[str, int]      # header -> 0-based column index
    grid: Grid

    def rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        """(worksheet row number, row values) for every non-blank row below the header."""
        for r in range(self.header_row, len(self.grid)):
            row = self.grid[r]
            if any(not is_blank(v) for v in row):
                yield r + 1, row

    def getter(self, column: str):
        """A fast accessor for one column (None when the column is absent)."""
        index = self.columns.get(column)
        if index is None:
            return lambda row: None
        return lambda row: row[index] if index < len(row) else None

    def column_letter(self, column: str) -> str:
        index = self.columns.get(column)
        return "" if index is None else column_letter(index)


def find_table(grid: Grid, sheet: str, required: Iterable[str], scan: int = HEADER_SCAN_ROWS,
               start_row: int = 0) -> Table | None:
    """The first row (from start_row, 0-based) whose cells contain every required header."""
    required = [header_key(h) for h in required]
    for r in range(start_row, min(len(grid), start_row + scan)):
        keys = {}
        for c, value in enumerate(grid[r]):
            key = header_key(value)
            if key and key not in keys:
                keys[key] = c
        if all(h in keys for h in required):
            return Table(sheet, r + 1, keys, grid)
    return None


def header_candidates(grid: Grid, columns: Iterable[str], scan: int = HEADER_SCAN_ROWS) -> tuple[int, list[str]]:
    """The row (1-based) that looks most like the header of these columns, and its headers."""
    wanted = {header_key(c) for c in columns}
    best, best_row, best_hits = [], 0, 0
    for r in range(min(len(grid), scan)):
        headers = [str(v).strip() for v in grid[r] if not is_blank(v)]
        hits = sum(1 for h in headers if header_key(h) in wanted)
        if hits > best_hits:
            best, best_row, best_hits = headers, r + 1, hits
    return best_row, best


def find_key_values(grid: Grid, keys: Iterable[str]) -> dict[str, tuple[Any, int, int]]:
    """For a key/value sheet (参数): key -> (value right of it, 1-based row, 1-based column)."""
    wanted = {header_key(k): k for k in keys}
    found: dict[str, tuple[Any, int, int]] = {}
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            key = wanted.get(header_key(value)) if isinstance(value, str) else None
            if key and key not in found:
                found[key] = (row[c + 1] if c + 1 < len(row) else None, r + 1, c + 2)
    return found


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
