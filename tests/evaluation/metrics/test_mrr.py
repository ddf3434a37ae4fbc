from __future__ import annotations

import pytest

from searchkit.evaluation.metrics import mrr


def test_reciprocal_rank_of_first_relevant() -> None:
    assert mrr(["x", "y", "a", "b"], {"a": 1, "b": 3}, 10) == pytest.approx(1 / 3)


def test_first_relevant_beyond_cutoff_scores_zero() -> None:
    assert mrr(["x", "y", "a"], {"a": 1}, 2) == 0.0


def test_judged_zero_is_not_relevant() -> None:
    assert mrr(["n", "a"], {"n": 0, "a": 2}, 5) == pytest.approx(0.5)


def test_parity_with_pytrec_eval(synthetic_case, check_parity) -> None:
    check_parity(*synthetic_case, "mrr")
