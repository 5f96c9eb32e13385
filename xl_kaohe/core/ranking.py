"""Ranking (SPEC §6): by 总分 descending, equal totals share a rank (1, 2, 2, 4) and are marked
并列; units with 参与考核 = 否 get no rank; 单位类别 gives a second, within-category ranking."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from .scoring import UnitResult


def competition_ranks(totals: list) -> list[int]:
    """Standard competition ranking of already-sorted (descending) totals: 1, 2, 2, 4."""
    ranks: list[int] = []
    for i, total in enumerate(totals):
        ranks.append(ranks[-1] if i and total == totals[i - 1] else i + 1)
    return ranks


def rank_units(units: Iterable[UnitResult]) -> list[UnitResult]:
    """Sets rank, tied and category_rank; returns units in display order (ranked first, by
    rank then ledger order; then the units that are not ranked)."""
    units = list(units)
    ranked = sorted((u for u in units if u.unit.participates), key=lambda u: -u.total)
    ranks = competition_ranks([u.total for u in ranked])
    counts: dict[int, int] = defaultdict(int)
    for rank in ranks:
        counts[rank] += 1
    for unit, rank in zip(ranked, ranks):
        unit.rank, unit.tied = rank, counts[rank] > 1
    by_category: dict[str, list[UnitResult]] = defaultdict(list)
    for unit in ranked:
        if unit.unit.category:
            by_category[unit.unit.category].append(unit)
    for members in by_category.values():
        for unit, rank in zip(members, competition_ranks([u.total for u in members])):
            unit.category_rank = rank
    for unit in units:
        if not unit.unit.participates:
            unit.rank = unit.category_rank = None
            unit.tied = False
    return ranked + [u for u in units if not u.unit.participates]
