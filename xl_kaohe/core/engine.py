"""One call from sheet grids to a ranked, explained result: what the CLI, the ribbon and the
UDFs all run (one code path, one answer)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from .outputs import output_sheets, to_json
from .ranking import rank_units
from .report import OutputSheet
from .scoring import Result, UnitResult, score
from .tables import Grid
from .validate import load_ledger


@dataclass
class Assessment:
    result: Result
    ordered: list[UnitResult]  # display order: ranked units, then the units not ranked

    @property
    def has_errors(self) -> bool:
        return self.result.has_errors

    def sheets(self) -> list[OutputSheet]:
        return output_sheets(self.result, self.ordered)

    def json(self) -> dict[str, Any]:
        return to_json(self.result, self.ordered)

    def unit(self, name: str) -> UnitResult | None:
        return self.result.unit(name)


def assess(grids: Mapping[str, Grid], *, asof: date | None = None, today: date | None = None) -> Assessment:
    """Validate, score and rank. Raises validate.LedgerError when nothing can be scored."""
    result = score(load_ledger(grids, asof=asof, today=today))
    return Assessment(result, rank_units(result.units))
