from __future__ import annotations

import pytest

from searchkit.ranking import rank_scores


def test_sorts_by_score_descending() -> None:
    assert rank_scores({"a": 0.1, "b": 0.9, "c": 0.5}) == [("b", 0.9), ("c", 0.5), ("a", 0.1)]


def test_ties_broken_by_doc_id_descending() -> None:
    # string order, as trec_eval's strcmp: "d9" > "d10" > "B" (uppercase sorts first)
    ranked = rank_scores({"d10": 1.0, "B": 1.0, "d9": 1.0, "z": 0.5})
    assert [doc_id for doc_id, _ in ranked] == ["d9", "d10", "B", "z"]


def test_tie_order_matches_pytrec_eval() -> None:
    pytrec_eval = pytest.importorskip("pytrec_eval")
    scores = {"d10": 1.0, "B": 1.0, "d9": 1.0, "a0": 1.0, "a": 1.0}
    for rank, (doc, _) in enumerate(rank_scores(scores), start=1):
        evaluator = pytrec_eval.RelevanceEvaluator({"q": {doc: 1}}, {"recip_rank"})
        assert evaluator.evaluate({"q": scores})["q"]["recip_rank"] == pytest.approx(1 / rank)
