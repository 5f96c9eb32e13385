"""What 申诉复核 decisions do to the points (SPEC §11), applied once every rule has written its
AuditLines and before the items are summed.

- 撤销 of an order: the order is 不予考核 — out of every rate (validation put it in
  ``Ledger.not_assessed_orders``, the order rules skip it in the counts) and its timeliness lines
  (III-4.1, III-8) go to 0. 撤销 of any other object: the deductions it caused go to 0.
- 减免 X: the object's deductions are lowered by X in audit order (never below 0).
- 维持 / 待复核: no change.

No line is removed: each keeps its original points (``AuditLine.original``) and says what was
decided and where (``AuditLine.appeal``: 已撤销（申诉复核!3）, 减免1分（申诉复核!4）, 维持（申诉复核!5）),
so 扣分依据 shows the record and the decision side by side.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from .ledger import Appeal, Ledger, Problem
from .rates import points_text
from .validate.appeals import PENDING, REDUCED, REVOKED, UPHELD, nothing_to_revoke, relief_problem

ZERO = Decimal("0.00")


def effect_label(appeal: Appeal, amount: Decimal | None = None) -> str:
    """The text 扣分依据 shows next to a line the appeal names."""
    if appeal.decision == REVOKED:
        return f"已撤销（{appeal.source}）"
    if appeal.decision == REDUCED:
        return f"减免{points_text(amount if amount is not None else appeal.relief)}分（{appeal.source}）"
    return f"{appeal.decision}（{appeal.source}）"


@dataclass(frozen=True)
class AppealOutcome:
    """One valid appeal and what it did."""
    appeal: Appeal
    cost: Decimal       # the object's deductions just before this decision (positive)
    restored: Decimal   # points given back (before item caps)
    applied: bool = True  # False: rejected in scoring (减免 above the deduction), listed in 校验

    @property
    def decision(self) -> str:
        return self.appeal.decision

    def effect(self) -> str:
        """What the decision did, in words (单位明细, 告知单); the decision itself is shown apart."""
        a = self.appeal
        if not self.applied:
            return "减免分值超过扣分，未采用（见「校验」表）"
        if a.decision == PENDING:
            return "暂按原扣分计，复核后调整"
        if a.decision == UPHELD:
            return f"维持原扣分{points_text(self.cost)}分" if self.cost else "维持原认定"
        restored = f"恢复{points_text(self.restored)}分" if self.restored else "不涉及扣分"
        if a.decision == REVOKED and a.target.kind == "order":
            return restored + "；该工单不予考核，不计入满意率、办结率、及时办理率"
        return restored


@dataclass
class AppealEffects:
    problems: list[Problem] = field(default_factory=list)
    by_unit: dict[str, list[AppealOutcome]] = field(default_factory=dict)

    def of(self, unit: str) -> list[AppealOutcome]:
        return self.by_unit.get(unit, [])


def apply_appeals(ledger: Ledger, lines: dict) -> AppealEffects:
    """Rewrite the AuditLines the appeals name (``lines``: unit -> list of AuditLine, in place)."""
    effects = AppealEffects()
    # unit -> line key -> indexes of its lines, built on a unit's first appeal (a unit may have
    # thousands of lines and many appeals); rewriting a line keeps its key
    keyed: dict[str, dict[str, list[int]]] = {}
    for appeal in ledger.appeals:
        unit_lines = lines.get(appeal.unit, [])
        by_key = keyed.get(appeal.unit)
        if by_key is None:
            by_key = keyed[appeal.unit] = {}
            for k, line in enumerate(unit_lines):
                by_key.setdefault(line.key, []).append(k)
        named = by_key.get(appeal.target.key, [])
        deductions = [k for k in named if unit_lines[k].original_points < 0]
        cost = sum((-unit_lines[k].points for k in deductions), ZERO)
        restored, applied = ZERO, True
        if appeal.decision == REVOKED:
            if cost == 0 and not _order_weighs_on_rates(ledger, appeal):
                note = "该工单仍按不考核处理" if appeal.target.kind == "order" else ""
                effects.problems.append(nothing_to_revoke(appeal, note))
            for k in deductions:
                restored += -unit_lines[k].points
                unit_lines[k] = _changed(unit_lines[k], ZERO)
        elif appeal.decision == REDUCED:
            problem = relief_problem(appeal, cost)
            if problem:
                effects.problems.append(problem)
                applied = False
            else:
                left = appeal.relief
                for k in deductions:
                    take = min(left, -unit_lines[k].points)
                    if take > 0:
                        unit_lines[k] = _changed(unit_lines[k], unit_lines[k].points + take)
                        left -= take
                restored = appeal.relief
        if applied:
            label = effect_label(appeal)
            for k in named:
                line = unit_lines[k]
                unit_lines[k] = replace(line, appeal=f"{line.appeal}；{label}" if line.appeal else label)
        effects.by_unit.setdefault(appeal.unit, []).append(AppealOutcome(appeal, cost, restored, applied))
    return effects


def _changed(line, points: Decimal):
    return replace(line, points=points + ZERO, original=line.original_points)


def _order_weighs_on_rates(ledger: Ledger, appeal: Appeal) -> bool:
    """An order revoked without timeliness points may still have counted: an unsatisfied visit."""
    return appeal.target.kind == "order" and ledger.orders.visit[appeal.target.order] == 0


def counts(outcomes: list[AppealOutcome]) -> dict[str, int]:
    """JSON "appeals": pending (待复核), upheld (维持), revoked (撤销), reduced (减免)."""
    keys = {PENDING: "pending", UPHELD: "upheld", REVOKED: "revoked", REDUCED: "reduced"}
    out = dict.fromkeys(keys.values(), 0)
    for o in outcomes:
        out[keys[o.decision]] += 1
    return out


def pending(outcomes: list[AppealOutcome]) -> int:
    return sum(o.decision == PENDING for o in outcomes)
