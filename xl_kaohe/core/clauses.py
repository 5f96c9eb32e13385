"""The automatic clauses of the rubric in one place: clause -> the sheet it is computed from ->
the function of core/scoring.py that computes it.

Everything else reads its meaning from here: the 规则 sheet's 来源 column is checked against it
(validate/settings.py), 扣分事件/加分事件 refuse the clauses that are computed and not typeable
(validate/rows.py, through Clause.manual), and tests/core/test_clauses.py holds one hand-worked
test per clause (a test checks that every clause listed here has one).

A clause that is also *typeable* is computed and may be typed as well (a 漏报 the office noticed,
a meeting recorded only as an event): its 来源 names both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import schema as S

AUTO = "（自动）"


@dataclass(frozen=True)
class AutoClause:
    code: str
    sheet: str          # the input sheet it is computed from
    typeable: bool      # may also be typed into 扣分事件 (then 来源 names both)
    rule: str           # the function of core/scoring.py that computes it

    @property
    def source(self) -> str:
        """The 来源 text of the 规则 sheet, e.g. 工单（自动） or 会议（自动）、扣分事件."""
        return self.sheet + AUTO + (f"、{S.DEDUCTIONS}" if self.typeable else "")


def _auto(sheet: str, rule: str, *codes: str, typeable: bool = False) -> dict[str, AutoClause]:
    return {code: AutoClause(code, sheet, typeable, rule) for code in codes}


AUTOMATIC: dict[str, AutoClause] = {
    **_auto(S.STUDIES, "_study_rules", "III-3.2", typeable=True),
    **_auto(S.ORDERS, "_order_rules", "III-4.1", "III-8.1", "III-8.2", "III-8.3"),
    **_auto(S.ORDERS, "_rate_rules", "III-9.1", "III-10.1", "III-14.2"),
    **_auto(S.MEETINGS, "_meeting_rules", "III-11.1", "III-11.2", "III-11.3", typeable=True),
    **_auto(S.KNOWLEDGE, "_knowledge_rules", "III-12.1", typeable=True),
    **_auto(S.KNOWLEDGE, "_rate_rules", "III-12.2"),
}

# clause -> the scoring function that computes it, filled by @implements in core/scoring.py
IMPLEMENTATIONS: dict[str, Callable] = {}


def implements(*codes: str):
    """Marks a function of core/scoring.py as the one that computes these clauses; the codes must
    be the registry's own (checked at import, so the registry and scoring cannot drift)."""
    def mark(func: Callable) -> Callable:
        for code in codes:
            clause = AUTOMATIC.get(code)
            if clause is None or clause.rule != func.__name__:
                raise LookupError(f"{func.__name__} 计算 {code}，但 core/clauses.py 的登记不符")
            IMPLEMENTATIONS[code] = func
        return func
    return mark


def typed_source_meaning(text: str) -> tuple[bool, bool]:
    """What a typed 来源 says: (computed automatically, typed into an event sheet)."""
    return "自动" in text, "事件" in text


def source_problem(code: str, typed: str, bonus: bool) -> tuple[str, str, bool] | None:
    """None when a 规则 row's 来源 agrees with the registry; else (the 来源 used, the Chinese
    message, whether it is an error: it would count a clause twice, or never)."""
    clause = AUTOMATIC.get(code)
    manual_sheet = S.BONUSES if bonus else S.DEDUCTIONS
    auto, manual = typed_source_meaning(typed)
    if clause is None:
        if not auto:
            return None
        return (manual_sheet, f"系统不会自动计算 {code}，来源“{typed}”有误：此细则只能登记在「{manual_sheet}」表，"
                              f"已按“{manual_sheet}”计", True)
    if (auto, manual) == (True, clause.typeable):
        return None
    if manual and not clause.typeable:
        return (clause.source, f"{code} 由系统根据「{clause.sheet}」自动计算，来源“{typed}”会让它被重复扣分，"
                               f"已按“{clause.source}”计", True)
    return (clause.source, f"{code} 的来源应为“{clause.source}”（系统根据「{clause.sheet}」自动计算"
                           f"{'，也可在扣分事件中登记' if clause.typeable else ''}），已按此计", False)
