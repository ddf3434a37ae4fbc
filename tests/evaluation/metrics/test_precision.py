from __future__ import annotations

import pytest

from searchkit.evaluation.metrics import precision


def test_relevant_in_top_k_over_k() -> None:
    assert precision(["a", "x", "b", "c"], {"a": 1, "b": 3, "c": 2}, 3) == pytest.approx(2 / 3)


def test_divides_by_k_when_fewer_retrieved() -> None:
    assert precision(["a", "b"], {"a": 1, "b": 1}, 10) == pytest.approx(0.2)


def test_empty_ranking_scores_zero() -> None:
    assert precision([], {"a": 1}, 5) == 0.0


def test_parity_with_pytrec_eval(synthetic_case, check_parity) -> None:
    check_parity(*synthetic_case, "precision")
