from __future__ import annotations

import pytest
from fixed_retrievers import FixedRetriever

from searchkit.retrieval import HybridRetriever, rrf
from searchkit.types import Hit


def hits(*ids: str) -> list[Hit]:
    return [Hit(doc_id, 100.0 - rank) for rank, doc_id in enumerate(ids)]


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = rrf([hits("a", "b", "c"), hits("c", "a")], k=60)
    expected = {"a": 1 / 61 + 1 / 62, "b": 1 / 62, "c": 1 / 63 + 1 / 61}
    assert [h.doc_id for h in fused] == ["a", "c", "b"]
    assert {h.doc_id: h.score for h in fused} == pytest.approx(expected, abs=1e-15)


def test_rrf_ignores_the_rankings_own_scores() -> None:
    scaled = [Hit(h.doc_id, h.score * 1e6) for h in hits("x", "y")]
    assert rrf([scaled, hits("y")]) == rrf([hits("x", "y"), hits("y")])


def test_rrf_weights_k_and_limit() -> None:
    fused = rrf([hits("a", "b"), hits("b", "a")], k=0, weights=[2.0, 1.0])
    assert [(h.doc_id, h.score) for h in fused] == [("a", 2.0 + 0.5), ("b", 1.0 + 1.0)]
    assert [h.doc_id for h in rrf([hits("a", "b", "c")], limit=2)] == ["a", "b"]
    assert rrf([]) == [] and rrf([[], []]) == []


def test_rrf_ties_follow_the_evaluation_order() -> None:
    # a and b tie (1st and 2nd in swapped order); evaluation ranks ties by doc id descending.
    assert [h.doc_id for h in rrf([hits("a", "b"), hits("b", "a")])] == ["b", "a"]


def test_rrf_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="2 weights for 1"):
        rrf([hits("a")], weights=[1.0, 1.0])
    with pytest.raises(ValueError, match="k must be >= 0"):
        rrf([hits("a")], k=-1)


def test_hybrid_fuses_deep_rankings_and_cuts_to_k() -> None:
    lexical = FixedRetriever("bm25", {"q": ["a", "b", "c", "d"]})
    dense = FixedRetriever("sbert:minilm", {"q": ["d", "c", "b", "a"]})
    hybrid = HybridRetriever([lexical, dense], k=60, depth=3)
    assert hybrid.name == "rrf(bm25,sbert:minilm)"
    assert hybrid.search("q", k=2) == rrf([lexical.search("q", 3), dense.search("q", 3)], limit=2)
    assert lexical.depths[0] == dense.depths[0] == 3  # depth, not k, goes to the parts
    assert hybrid.search_many(["q", "unknown"], k=5) == [rrf([lexical.search("q", 5), dense.search("q", 5)]), []]
    assert hybrid.describe()["weights"] == [1.0, 1.0]


def test_hybrid_checks_its_configuration() -> None:
    one = FixedRetriever("a", {})
    with pytest.raises(ValueError, match="at least two"):
        HybridRetriever([one])
    with pytest.raises(ValueError, match="1 weights for 2"):
        HybridRetriever([one, FixedRetriever("b", {})], weights=[1.0])
