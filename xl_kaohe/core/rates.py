"""Rates and rate-based deductions with exact arithmetic (SPEC §4).

Rates are Fractions and thresholds Decimals, so 88/100 is exactly 2 points below 90% (binary
floats say 1.9999999999999996). A deduction is rounded half-up to 2 decimals as soon as it is
computed; everything else is a sum of such numbers, so shown items always add up to the total.
"""
from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

CENT = Decimal("0.01")
POINT = Fraction(100)  # one percentage point is 1/100


def rate(numerator: int, denominator: int) -> Fraction | None:
    """None for an empty denominator: no deduction, no rate-based bonus, shown blank."""
    return Fraction(numerator, denominator) if denominator else None


def round_points(value: Fraction | Decimal) -> Decimal:
    """Half-up (away from zero) to 2 decimals, exactly: no float and no 28-digit context."""
    value = Fraction(value)
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    return (Decimal(cents if value >= 0 else -cents) / 100).quantize(CENT)


def points_gap(actual: Fraction, threshold: Decimal, *, below: bool = True) -> Fraction:
    """Percentage points by which ``actual`` falls below (or, with below=False, rises above)
    the threshold; 0 when it does not."""
    gap = (Fraction(threshold) - actual) if below else (actual - Fraction(threshold))
    return max(gap * POINT, Fraction(0))


def apply_mode(points: Fraction, mode: str) -> Fraction:
    """比率扣分方式: 按比例 (linear), 不足1%按1%计 (ceiling), 满1%计 (floor)."""
    if mode == "不足1%按1%计":
        return Fraction(math.ceil(points))
    if mode == "满1%计":
        return Fraction(math.floor(points))
    return points


def rate_deduction(gap_points: Fraction, per_point: Decimal, mode: str) -> Decimal:
    """Positive deduction magnitude, rounded half-up to 0.01, before the item cap."""
    if gap_points <= 0:
        return Decimal(0).quantize(CENT)
    return round_points(apply_mode(gap_points, mode) * Fraction(abs(per_point)))


def points_text(value: Decimal) -> str:
    """1 -> "1", 1.50 -> "1.5" (points as people write them)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent_text(value: Fraction | None) -> str:
    """88.57% style (half-up to 2 decimals of a percent), '—' when there is no rate."""
    if value is None:
        return "—"
    return f"{round_points(value * 100)}%"
