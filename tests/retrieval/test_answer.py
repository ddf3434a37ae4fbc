"""answer_all: several retrievers, one query encoding per shared model, a hybrid's parts asked once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fixed_retrievers import FixedRetriever

from searchkit.index import Index
from searchkit.retrieval import (
    DenseRetriever,
    FusingRetriever,
    HybridRetriever,
    VectorRetriever,
    answer_all,
    open_retrievers,
)

QUERIES = ["musical instrument with strings", "investing in company shares", "what does E-4471 mean"]


@pytest.fixture()
def tiny_index(tiny_index_home: Path):
    with Index.open("tiny", home=tiny_index_home) as index:
        yield index


def test_same_answers_as_each_retriever_alone(tiny_index: Index) -> None:
    retrievers = open_retrievers(tiny_index, bm25=True, hybrid=True)
    assert [r.name for r in retrievers] == ["bm25", "cls:minilm", "mean:minilm", "sbert:minilm", "rrf(bm25,sbert:minilm)"]
    answers = answer_all(retrievers, QUERIES, k=3)
    assert list(answers) == [r.name for r in retrievers]
    for retriever in retrievers:
        alone = retriever.search_many(QUERIES, 3)
        together = answers[retriever.name].hits
        assert [[h.doc_id for h in hits] for hits in together] == [[h.doc_id for h in hits] for hits in alone], retriever.name
        np.testing.assert_allclose(
            [h.score for hits in together for h in hits], [h.score for hits in alone for h in hits], atol=1e-6
        )
        assert answers[retriever.name].seconds > 0


def test_one_forward_pass_for_every_encoder_of_a_model(tiny_index: Index) -> None:
    retrievers = open_retrievers(tiny_index)
    assert all(isinstance(r, VectorRetriever) for r in retrievers) and len(retrievers) == 3
    backbone = retrievers[0].encoder.backbone
    calls = []
    hook = backbone.model[0].register_forward_hook(lambda *_: calls.append(1))
    try:
        answer_all(retrievers, QUERIES, k=2)
    finally:
        hook.remove()
    assert len(calls) == 1  # three queries fit one batch; cls, mean and sbert read the same pass


def test_a_hybrid_reuses_its_parts_answers_asked_as_deep_as_it_fuses() -> None:
    rankings = {q: [f"d{i}" for i in range(150)] for q in QUERIES}
    bm25, dense = FixedRetriever("bm25", rankings), FixedRetriever("dense", {q: list(reversed(r)) for q, r in rankings.items()})
    hybrid = HybridRetriever([bm25, dense], depth=100)
    assert isinstance(hybrid, FusingRetriever) and not isinstance(bm25, FusingRetriever)
    answers = answer_all([bm25, dense, hybrid], QUERIES, k=10)
    assert bm25.depths == [100] and dense.depths == [100]  # one call each, deep enough for the fusion
    assert answers["bm25"].hits == FixedRetriever("x", rankings).search_many(QUERIES, 10)
    assert answers[hybrid.name].hits == hybrid.search_many(QUERIES, 10)
    assert answers[hybrid.name].seconds >= answers["bm25"].seconds + answers["dense"].seconds


def test_a_hybrid_alone_asks_its_parts_once() -> None:
    rankings = {q: ["a", "b", "c"] for q in QUERIES}
    part_a, part_b = FixedRetriever("a", rankings), FixedRetriever("b", rankings)
    answers = answer_all([HybridRetriever([part_a, part_b], depth=5)], QUERIES, k=2)
    assert list(answers) == ["rrf(a,b)"] and part_a.depths == [5] and part_b.depths == [5]
    assert [[h.doc_id for h in hits] for hits in answers["rrf(a,b)"].hits] == [["a", "b"]] * 3


def test_no_queries_no_work(tiny_index: Index) -> None:
    retrievers = open_retrievers(tiny_index, "sbert:minilm")
    assert isinstance(retrievers[0], DenseRetriever)
    assert answer_all(retrievers, [], k=5)["sbert:minilm"].hits == []


def test_retrievers_sharing_an_encoder_get_the_same_query_vectors(tiny_index: Index) -> None:
    """--long-docs both: two retrievers per encoder, one query encoding for all six."""
    retrievers = open_retrievers(tiny_index, long_docs=("maxp", "first"))
    assert [r.name for r in retrievers] == [
        "cls:minilm", "cls:minilm@first", "mean:minilm", "mean:minilm@first", "sbert:minilm", "sbert:minilm@first",
    ]  # fmt: skip
    answers = answer_all(retrievers, QUERIES, k=3)
    for retriever in retrievers:
        alone = retriever.search_many(QUERIES, 3)
        assert [[h.doc_id for h in hits] for hits in answers[retriever.name].hits] == [[h.doc_id for h in hits] for hits in alone]
