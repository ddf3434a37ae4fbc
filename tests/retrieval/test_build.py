from __future__ import annotations

from pathlib import Path

import pytest

from searchkit.corpus import load_corpus
from searchkit.errors import SearchkitError
from searchkit.index import Index
from searchkit.retrieval import (
    BM25Retriever,
    BM25Settings,
    DenseRetriever,
    HybridRetriever,
    open_retrievers,
)


@pytest.fixture()
def tiny_index(tiny_index_home: Path):
    with Index.open("tiny", home=tiny_index_home) as index:
        yield index


def names(retrievers) -> list[str]:
    return [r.name for r in retrievers]


def test_every_encoder_the_index_holds_by_default(tiny_index: Index) -> None:
    retrievers = open_retrievers(tiny_index)
    assert sorted(names(retrievers)) == ["cls:minilm", "mean:minilm", "sbert:minilm"]
    assert all(isinstance(r, DenseRetriever) for r in retrievers)


def test_bm25_first_then_encoders_then_the_hybrid(tiny_index: Index) -> None:
    retrievers = open_retrievers(tiny_index, "cls:minilm,sbert:minilm,mean:minilm", bm25=True, hybrid=True, rrf_k=10)
    assert names(retrievers) == ["bm25", "cls:minilm", "sbert:minilm", "mean:minilm", "rrf(bm25,sbert:minilm)"]
    hybrid = retrievers[-1]
    assert isinstance(hybrid, HybridRetriever) and hybrid.k == 10
    assert hybrid.parts[0] is retrievers[0] and hybrid.parts[1] is retrievers[2]  # parts are shared
    assert hybrid.search("string instrument", 2)


def test_hybrid_without_sbert_fuses_the_last_encoder(tiny_index: Index) -> None:
    assert names(open_retrievers(tiny_index, ["cls:minilm", "mean:minilm"], hybrid=True)) == [
        "cls:minilm",
        "mean:minilm",
        "rrf(bm25,mean:minilm)",
    ]


def test_a_named_hybrid_partner_need_not_be_shown(tiny_index: Index) -> None:
    retrievers = open_retrievers(tiny_index, "", hybrid="cls:minilm", rrf_weights=[1.0, 0.5])
    assert names(retrievers) == ["rrf(bm25,cls:minilm)"]
    assert retrievers[0].weights == [1.0, 0.5]


def test_bm25_alone_and_its_settings(tiny_index: Index, tiny_corpus: Path) -> None:
    settings = BM25Settings(k1=0.9, b=0.4, stemmer="english")
    retrievers = open_retrievers(tiny_index, [], bm25=True, bm25_settings=settings, corpus=load_corpus(tiny_corpus))
    assert names(retrievers) == ["bm25"]
    assert isinstance(retrievers[0], BM25Retriever) and retrievers[0].settings == settings
    assert retrievers[0].model.tokenizer.stemmer == "english"


def test_a_hybrid_needs_a_dense_encoder(tiny_index: Index) -> None:
    with pytest.raises(SearchkitError, match="needs a dense encoder"):
        open_retrievers(tiny_index, "", bm25=True, hybrid=True)
    assert open_retrievers(tiny_index, "") == []
