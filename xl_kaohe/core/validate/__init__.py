"""Raw sheet grids -> a validated Ledger plus problems (SPEC §6, §8).

cells.py reads single cells, settings.py the sheets that configure scoring (参数, 规则, 节假日),
rows.py the row sheets. ``load_ledger`` runs them all.
"""
from __future__ import annotations

from datetime import date
from typing import Mapping

from .. import schema as S
from ..calendar import CalendarError
from ..ledger import Ledger
from ..tables import Grid
from .appeals import read_appeals
from .cells import (Collector, LedgerError, display, name_key, parse_count, parse_decimal, parse_points,
                    plain_text, split_list, text_of, yes_no)
from .rows import (parse_limit, read_events, read_knowledge, read_meetings, read_orders, read_studies,
                   read_units)
from .headers import report_book
from .settings import read_holidays, read_params, read_rubric, warn_late_december

ROW_SHEETS = (S.ORDERS, S.DEDUCTIONS, S.BONUSES, S.MEETINGS, S.KNOWLEDGE, S.STUDIES)  # report their own formula cells

__all__ = ["Collector", "LedgerError", "display", "name_key", "parse_count", "parse_decimal", "parse_points",
           "plain_text", "split_list", "text_of", "yes_no", "parse_limit", "read_events", "read_knowledge",
           "read_meetings", "read_orders", "read_studies", "read_units", "read_holidays", "read_params",
           "read_rubric", "read_appeals", "load_ledger"]


def load_ledger(grids: Mapping[str, Grid], *, asof: date | None = None, today: date | None = None) -> Ledger:
    """Validate every input sheet. Raises LedgerError only when nothing can be scored."""
    if S.UNITS not in grids and S.ORDERS not in grids:
        raise LedgerError(f"工作簿中没有「{S.UNITS}」和「{S.ORDERS}」表：这不是考核台账")
    out = Collector()
    report_book(grids, out, ROW_SHEETS)
    params = read_params(grids.get(S.PARAMS), out, asof=asof, today=today or date.today())
    rubric = read_rubric(grids.get(S.RULES), out)
    calendar = read_holidays(grids.get(S.HOLIDAYS), out, params)
    units, lookup = read_units(grids.get(S.UNITS), out)
    orders = read_orders(grids, out, lookup, params, rubric)
    warn_late_december(calendar, params, orders, out)
    deductions = read_events(grids, S.DEDUCTIONS, out, lookup, params, rubric)
    bonuses = read_events(grids, S.BONUSES, out, lookup, params, rubric)
    meetings = read_meetings(grids, out, lookup, params)
    knowledge = read_knowledge(grids, out, lookup, params)
    studies = read_studies(grids, out, lookup, params)
    try:
        calendar.require(params.year)
    except CalendarError as e:
        out.error(S.HOLIDAYS, None, None, params.year, str(e))
    ledger = Ledger(params, rubric, calendar, units, orders, deductions, bonuses, meetings, knowledge,
                    studies, out.problems)
    # 申诉复核 last: its objects are the rows validated above (SPEC §11)
    ledger.appeals, ledger.not_assessed_orders = read_appeals(grids, out, lookup, ledger)
    return ledger
