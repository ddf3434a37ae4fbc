"""Holm and Benjamini-Hochberg adjusted p-values: hand-computed cases, scipy for BH, the step-down procedure for Holm."""

from __future__ import annotations

import numpy as np
import pytest

from searchkit.evaluation.correction import (
    adjust,
    benjamini_hochberg,
    describe_correction,
    holm,
)

# p-values; Holm-adjusted; BH-adjusted (in the order given)
CASES = [
    # sorted 0.005, 0.01, 0.03, 0.04; Holm: 4x, 3x, 2x, 1x = 0.02, 0.03, 0.06, 0.04 -> kept rising: 0.06 for the last;
    # BH: x4/1, x4/2, x4/3, x4/4 = 0.02, 0.02, 0.04, 0.04
    ([0.01, 0.04, 0.03, 0.005], [0.03, 0.06, 0.06, 0.02], [0.02, 0.04, 0.04, 0.02]),
    # BH: 0.06, 0.045, 0.035 -> never above the one after: all 0.035; Holm: 0.06, 0.06, 0.06
    ([0.02, 0.03, 0.035], [0.06, 0.06, 0.06], [0.035, 0.035, 0.035]),
    # ties; Holm 0.03, 0.02 -> 0.03, then 0.04; BH: 0.03, 0.015 -> 0.015, and 0.04
    ([0.01, 0.01, 0.04], [0.03, 0.03, 0.04], [0.015, 0.015, 0.04]),
    # capped at 1
    ([0.5, 0.6], [1.0, 1.0], [0.6, 0.6]),
    ([0.2], [0.2], [0.2]),
    ([], [], []),
]


@pytest.mark.parametrize(("p_values", "by_holm", "by_bh"), CASES)
def test_hand_computed(p_values: list[float], by_holm: list[float], by_bh: list[float]) -> None:
    assert holm(p_values) == pytest.approx(by_holm)
    assert benjamini_hochberg(p_values) == pytest.approx(by_bh)
    assert adjust(p_values, "holm") == holm(p_values) and adjust(p_values, "bh") == benjamini_hochberg(p_values)
    assert adjust(p_values, "none") == p_values


def test_bh_agrees_with_scipy() -> None:
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(3)
    for size in (2, 5, 10, 45):
        p_values = list(rng.uniform(0, 0.1, size) ** 2)
        assert benjamini_hochberg(p_values) == pytest.approx(list(false_discovery_control(p_values, method="bh")), rel=1e-12)


def holm_step_down(p_values: list[float], alpha: float) -> list[bool]:
    """Holm's procedure: reject the smallest p-values in turn while p_(i) <= alpha / (m - i + 1)."""
    rejected = [False] * len(p_values)
    for rank, i in enumerate(sorted(range(len(p_values)), key=lambda i: p_values[i])):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        rejected[i] = True
    return rejected


def test_holm_decides_as_the_step_down_procedure() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        p_values = list(rng.uniform(0, 0.05, rng.integers(1, 12)))
        alpha = float(rng.choice([0.01, 0.02, 0.05]))
        assert [q <= alpha for q in holm(p_values)] == holm_step_down(p_values, alpha)


def test_unknown_correction_and_descriptions() -> None:
    with pytest.raises(ValueError, match="unknown correction 'bonferroni'; expected one of none, holm, bh"):
        adjust([0.1], "bonferroni")
    assert describe_correction("none", 10, "metric") == "no correction"
    assert describe_correction("holm", 10, "metric") == (
        "Holm-adjusted p-values (family-wise error rate) over the 10 pairwise tests on each metric"
    )
    assert describe_correction("bh", 1, "correlation") == (
        "Benjamini-Hochberg-adjusted p-values (false discovery rate) over the 1 pairwise test on each correlation"
    )
