from __future__ import annotations

import math

import pytest

from searchkit.evaluation.metrics import ndcg


def test_perfect_ranking_scores_one() -> None:
    assert ndcg(["a", "b", "c"], {"a": 3, "b": 2, "c": 1}, 3) == pytest.approx(1.0)


def test_linear_gain_and_log2_discount() -> None:
    # ranked gains 0, 2, 3 vs ideal 3, 2 (the judged 0 adds nothing)
    dcg = 2 / math.log2(3) + 3 / math.log2(4)
    idcg = 3 / math.log2(2) + 2 / math.log2(3)
    assert ndcg(["x", "b", "a"], {"a": 3, "b": 2, "z": 0}, 3) == pytest.approx(dcg / idcg)


def test_cutoff_applies_to_ranking_and_ideal() -> None:
    # only rank 1 counts; ideal at k=1 is the single best grade
    assert ndcg(["b", "a"], {"a": 3, "b": 1}, 1) == pytest.approx(1 / 3)


def test_relevant_outside_cutoff_scores_zero() -> None:
    assert ndcg(["x", "y", "a"], {"a": 1}, 2) == 0.0


def test_no_relevant_docs_scores_zero() -> None:
    assert ndcg(["a"], {"a": 0}, 10) == 0.0


def test_rejects_non_positive_cutoff() -> None:
    with pytest.raises(ValueError, match="cutoff"):
        ndcg(["a"], {"a": 1}, 0)


def test_parity_with_pytrec_eval(synthetic_case, check_parity) -> None:
    check_parity(*synthetic_case, "ndcg")
