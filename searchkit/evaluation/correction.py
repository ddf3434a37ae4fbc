"""Multiple-comparison corrections of p-values: Holm (family-wise error rate) and Benjamini-Hochberg (false discovery rate).

Each returns adjusted p-values in the order given: a test is significant at level alpha when its adjusted
p-value is at most alpha, the same decisions as Holm's step-down and Benjamini-Hochberg's step-up procedures.
"""

from __future__ import annotations

from collections.abc import Sequence

# --correction value -> how a report names it
CORRECTIONS = {
    "none": "no correction",
    "holm": "Holm-adjusted p-values (family-wise error rate)",
    "bh": "Benjamini-Hochberg-adjusted p-values (false discovery rate)",
}


def holm(p_values: Sequence[float]) -> list[float]:
    """The i-th smallest of m p-values times m - i + 1 (i from 1), never below the one before it, at most 1."""
    m = len(p_values)
    adjusted = [0.0] * m
    highest = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        highest = max(highest, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = highest
    return adjusted


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """The i-th smallest of m p-values times m / i, never above the one after it, at most 1."""
    m = len(p_values)
    adjusted = [0.0] * m
    lowest = 1.0
    for rank, i in zip(range(m, 0, -1), sorted(range(m), key=lambda i: p_values[i], reverse=True)):
        lowest = min(lowest, m / rank * p_values[i])
        adjusted[i] = lowest
    return adjusted


def adjust(p_values: Sequence[float], correction: str) -> list[float]:
    """`p_values` adjusted by a correction named in CORRECTIONS ("none" leaves them as they are)."""
    if correction == "holm":
        return holm(p_values)
    if correction == "bh":
        return benjamini_hochberg(p_values)
    if correction == "none":
        return list(p_values)
    raise ValueError(f"unknown correction {correction!r}; expected one of {', '.join(CORRECTIONS)}")


def describe_correction(correction: str, tests: int, measure: str) -> str:
    """A report's words for `correction` applied to the `tests` pairwise tests on each `measure` (metric, correlation)."""
    if correction == "none":
        return CORRECTIONS["none"]
    return f"{CORRECTIONS[correction]} over the {tests} pairwise test{'' if tests == 1 else 's'} on each {measure}"
