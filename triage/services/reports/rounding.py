"""Rounding as a person would do it by hand (half away from zero), not banker's rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def half_up(value: float | None, places: int) -> float | None:
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def pct(numerator: int, base: int) -> float | None:
    """100 * numerator / base to one decimal; None when there is no base."""
    if not base:
        return None
    return float((Decimal(100 * numerator) / Decimal(base)).quantize(Decimal("0.1"), ROUND_HALF_UP))
