"""Build small ledgers in code for tests: grids for the core, or real .xlsx files for the CLI.

By default every unit is made *compliant* with the rules that deduct for missing rows (a
季度研究 row each quarter, an on-time 知识库 row each month, 0 uses), so a test sees only the
points of the rule it is about. Pass ``compliant=False`` to a unit to switch that off.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from xl_kaohe.core import schema as S
from xl_kaohe.core.dates import parse_date
from xl_kaohe.core.engine import Assessment, assess


class LedgerKit:
    def __init__(self, year: int = 2026, asof: str | date | None = "2026-12-31", **params: Any):
        self.year = year
        self.params: dict[str, Any] = {S.P_YEAR: year, S.P_ASOF: asof, **params}
        self.rows: dict[str, list[list[Any]]] = {spec.name: [] for spec in S.INPUT_SHEETS}
        self.rule_rows: list[list[Any]] | None = None
        self._compliant: list[str] = []

    # ---- rows ---------------------------------------------------------------------------------
    def unit(self, name: str, *, category: str = "", aliases: str = "", participates: str = "是",
             compliant: bool = True, contact: str = "", phone: str = "") -> "LedgerKit":
        self.rows[S.UNITS].append([name, aliases, category, "", contact, phone, participates])
        if compliant:
            self._compliant.append(name)
        return self

    def order(self, order_id: str, unit: str, kind: str, received: Any, completed: Any = None, *,
              limit: Any = None, visit: Any = None, content: str = "") -> "LedgerKit":
        self.rows[S.ORDERS].append([order_id, unit, kind, received, limit, completed, visit, content, ""])
        return self

    def deduction(self, day: Any, unit: str, code: Any, count: Any = None, note: str = "") -> "LedgerKit":
        self.rows[S.DEDUCTIONS].append([day, unit, code, count, "", note, ""])
        return self

    def bonus(self, day: Any, unit: str, code: Any, count: Any = None, points: Any = None,
              status: str = "") -> "LedgerKit":
        self.rows[S.BONUSES].append([day, unit, code, count, points, status, ""])
        return self

    def meeting(self, day: Any, unit: str, attendance: str, approved: str = "", name: str = "例会") -> "LedgerKit":
        self.rows[S.MEETINGS].append([day, name, unit, attendance, approved])
        return self

    def knowledge(self, month: Any, unit: str, submitted: Any = None, uses: Any = None,
                  errors: Any = None) -> "LedgerKit":
        self.rows[S.KNOWLEDGE].append([month, unit, submitted, uses, errors])
        return self

    def study(self, unit: str, day: Any, content: str = "研究12345工作") -> "LedgerKit":
        self.rows[S.STUDIES].append([unit, day, content])
        return self

    def holiday(self, day: Any, kind: str, note: str = "") -> "LedgerKit":
        self.rows[S.HOLIDAYS].append([day, kind, note])
        return self

    def appeal(self, unit: str, target: Any, decision: Any = "", relief: Any = None, *, filed: Any = None,
               appeal_id: str = "", reason: str = "申诉理由", reviewer: str = "", reviewed: Any = None,
               note: str = "") -> "LedgerKit":
        """A 申诉复核 row (SPEC §11); its worksheet row is 2 + the number of appeals before it."""
        self.rows[S.APPEALS].append([appeal_id, unit, target, filed, reason, decision, relief, reviewer,
                                     reviewed, note])
        return self

    # ---- output -------------------------------------------------------------------------------
    def _compliance_rows(self) -> dict[str, list[list[Any]]]:
        extra: dict[str, list[list[Any]]] = {S.STUDIES: [], S.KNOWLEDGE: []}
        if not self._compliant:
            return extra
        asof = self.params.get(S.P_ASOF)
        last = parse_date(asof) if asof else date(self.year, 12, 31)
        for name in self._compliant:
            for q in range(4):
                if date(self.year, 3 * q + 2, 15) <= last:
                    extra[S.STUDIES].append([name, date(self.year, 3 * q + 2, 15), "季度研究"])
            for m in range(1, 13):
                if date(self.year, m, 28) <= last:
                    extra[S.KNOWLEDGE].append([f"{self.year}-{m:02d}", name, date(self.year, m, 28), 0, 0])
        return extra

    def grids(self) -> dict[str, list[list[Any]]]:
        extra = self._compliance_rows()
        grids: dict[str, list[list[Any]]] = {
            S.PARAMS: [["参数", "值"]] + [[k, v] for k, v in self.params.items() if v is not None],
        }
        for spec in S.INPUT_SHEETS:
            grids[spec.name] = [list(spec.columns)] + self.rows[spec.name] + extra.get(spec.name, [])
        if self.rule_rows is not None:
            grids[S.RULES] = self.rule_rows
        return grids

    def assess(self, **kwargs: Any) -> Assessment:
        return assess(self.grids(), today=kwargs.pop("today", date(2027, 1, 31)), **kwargs)

    def save(self, path: Path) -> Path:
        """Write the ledger as a real .xlsx with openpyxl: dates as date cells, numbers as
        numbers, and every str as a text cell exactly as given ("2026-03-05", "=1+1" and "0012"
        stay text). A cell that should hold a formula is given as ``Formula("=…")``."""
        import openpyxl

        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name, grid in self.grids().items():
            ws = wb.create_sheet(name)
            for r, row in enumerate(grid, start=1):
                for c, value in enumerate(row, start=1):
                    if value is None:
                        continue
                    cell = ws.cell(r, c)
                    if isinstance(value, Formula):
                        cell.value = value.text  # openpyxl stores it without a cached result
                    elif isinstance(value, str):
                        cell.value = value
                        cell.data_type = "s"  # openpyxl would take "=…" for a formula
                    else:
                        cell.value = value
        wb.save(path)
        return path


class Formula:
    """A formula cell for LedgerKit.save (written without a cached value, as scripts do)."""

    def __init__(self, text: str) -> None:
        self.text = text


def unit_of(assessment: Assessment, name: str):
    unit = assessment.unit(name)
    assert unit is not None, name
    return unit


def lines_of(assessment: Assessment, name: str, code_prefix: str = "") -> list:
    return [l for l in unit_of(assessment, name).lines if l.code.startswith(code_prefix)]
