"""The ledger cache behind =KAOHE_SCORE and friends.

Excel calls a UDF once per cell; re-reading and re-scoring the ledger for each of 200 units ×
8 columns would take minutes. Instead the workbook's VBA keeps a version counter per ledger
sheet (bumped in Workbook_SheetChange) and passes all counters to every UDF call as one string.
This cache keeps, per workbook, each sheet's grid with the version it was read at, and the
assessment built from exactly those versions:
- same versions  -> the cached assessment (a dict lookup);
- one sheet edited -> only that sheet is read again over COM, then one re-score.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Mapping

from ..core import schema as S
from ..core.engine import Assessment, assess
from ..core.functions import CONTEXT_SHEETS, DateContext, date_context
from ..core.tables import Grid

# The VBA module names each ledger sheet by its ASCII code name (VBA source must be ASCII).
SHEET_CODE_NAMES = S.LEDGER_CODE_NAMES
LEDGER_SHEETS = tuple(SHEET_CODE_NAMES)

Reader = Callable[[str, Iterable[str]], Mapping[str, Grid]]  # (book key, sheet names) -> grids


def parse_versions(text: str | None) -> tuple[str, dict[str, str]]:
    """'session|shOrders=3;shUnits=1' -> ('session', {'工单': '3', '单位': '1'})."""
    session, _, pairs = (text or "").partition("|")
    by_code = dict(p.split("=", 1) for p in pairs.split(";") if "=" in p)
    return session, {sheet: by_code.get(code, "") for sheet, code in SHEET_CODE_NAMES.items()}


@dataclass
class _BookState:
    session: str = ""
    grids: dict[str, tuple[str, Grid]] = field(default_factory=dict)   # sheet -> (version, grid)
    assessment: tuple[tuple, Assessment] | None = None
    context: tuple[tuple, DateContext] | None = None


class LedgerCache:
    def __init__(self, reader: Reader, today: Callable[[], date] = date.today):
        self.reader = reader
        self.today = today
        self.books: dict[str, _BookState] = {}
        self.reads = 0  # sheets read so far (tests and the benchmark look at it)

    def _grids(self, book: str, versions: str | None, sheets: Iterable[str]) -> tuple[tuple, dict[str, Grid]]:
        session, current = parse_versions(versions)
        state = self.books.setdefault(book, _BookState())
        if not session or session != state.session:
            state.session, state.grids = session, {}
            state.assessment = state.context = None
        sheets = tuple(sheets)
        # Without versions (e.g. called from outside the workbook) nothing can be trusted.
        stale = [s for s in sheets if not session or s not in state.grids or state.grids[s][0] != current[s]]
        if stale:
            fresh = self.reader(book, stale)
            self.reads += len(stale)
            for sheet in stale:
                state.grids[sheet] = (current[sheet], fresh.get(sheet))
        key = (self.today(),) + tuple(state.grids[s][0] for s in sheets)
        grids = {s: state.grids[s][1] for s in sheets if state.grids[s][1] is not None}
        return key if session else (object(),), grids

    def _memo(self, book: str, versions: str | None, sheets, slot: str, build):
        """The value built from exactly these sheet versions, built again only when one moved."""
        key, grids = self._grids(book, versions, sheets)
        state = self.books[book]
        cached = getattr(state, slot)
        if cached is None or cached[0] != key:
            cached = (key, build(grids, today=self.today()))
            setattr(state, slot, cached)
        return cached[1]

    def assessment(self, book: str, versions: str | None) -> Assessment:
        return self._memo(book, versions, LEDGER_SHEETS, "assessment", assess)

    def date_context(self, book: str, versions: str | None) -> DateContext:
        return self._memo(book, versions, CONTEXT_SHEETS, "context", date_context)
