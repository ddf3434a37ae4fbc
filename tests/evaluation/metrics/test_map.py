from __future__ import annotations

import pytest

from searchkit.evaluation.metrics import average_precision


def test_mean_of_precisions_at_relevant_ranks() -> None:
    # relevant at ranks 1 and 3: (1/1 + 2/3) / 2
    assert average_precision(["a", "x", "b"], {"a": 1, "b": 2}, 10) == pytest.approx((1 + 2 / 3) / 2)


def test_divides_by_all_relevant_even_beyond_cutoff() -> None:
    # only "a" is within k=2, but there are 3 relevant docs
    assert average_precision(["a", "x", "b", "c"], {"a": 1, "b": 1, "c": 1}, 2) == pytest.approx(1 / 3)


def test_no_relevant_docs_scores_zero() -> None:
    assert average_precision(["a"], {"a": 0}, 10) == 0.0


def test_parity_with_pytrec_eval(synthetic_case, check_parity) -> None:
    check_parity(*synthetic_case, "map")
