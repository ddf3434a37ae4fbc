from __future__ import annotations

import pytest

from searchkit.evaluation.metrics import recall


def test_fraction_of_relevant_retrieved_within_k() -> None:
    relevant = {"a": 1, "b": 2, "c": 3, "n": 0}
    assert recall(["a", "x", "b", "c"], relevant, 3) == pytest.approx(2 / 3)
    assert recall(["a", "x", "b", "c"], relevant, 4) == pytest.approx(1.0)


def test_judged_non_relevant_is_not_counted() -> None:
    assert recall(["n", "a"], {"a": 1, "n": 0}, 1) == 0.0


def test_no_relevant_docs_scores_zero() -> None:
    assert recall(["a"], {}, 5) == 0.0


def test_parity_with_pytrec_eval(synthetic_case, check_parity) -> None:
    check_parity(*synthetic_case, "recall")
