"""Small-number suppression for the screen and the files (the JSON stays exact).

A count from 1 to `below - 1` is shown as "<5" (zero is shown: it identifies nobody). A
percentage, median or percentile is suppressed when its base is suppressed, and a
percentage also when its numerator is (numerator = percentage * base would give it away)."""

from __future__ import annotations

SUPPRESSED = "<{below}"


def is_suppressed(count: int | None, below: int) -> bool:
    return count is not None and 0 < count < below


def count(value: int | None, below: int) -> int | str | None:
    return SUPPRESSED.format(below=below) if is_suppressed(value, below) else value


def derived(value: float | None, below: int, *bases: int | None) -> float | str | None:
    """A figure computed from counts (a percentage, a median): suppressed with its bases."""
    if any(is_suppressed(base, below) for base in bases):
        return SUPPRESSED.format(below=below)
    return value
