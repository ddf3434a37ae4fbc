"""Hybrid retrieval fused by Qdrant: BM25 as sparse vectors beside the dense ones, checked against local RRF.

Qdrant's own Query API implementation answers here (qdrant-client's local mode implements prefetch
and RRF as the server does); what is sent to a server is checked in tests/store/test_server_scale.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DEMO_CORPUS, QDRANT_URL

from searchkit.corpus import load_corpus
from searchkit.errors import StoreError
from searchkit.index import Index
from searchkit.indexing import index_corpus
from searchkit.retrieval import (
    BM25Retriever,
    DenseRetriever,
    HybridRetriever,
    ServerHybridRetriever,
    answer_all,
    open_retrievers,
)
from searchkit.retrieval.server_fusion import SPARSE_VECTOR


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory, minilm_encoders) -> Path:
    """The demo corpus under sbert:minilm in qdrant-client's local mode (which implements the Query API).

    Long documents are seen by their first window: a server fuses documents' own points (MaxP
    windows are folded into documents, and then fused, here)."""
    home = tmp_path_factory.mktemp("fusion") / "indexes"
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr("searchkit.store.DEFAULT_KIND", "local")
        with Index.open("demo", home=home, create=True) as index:
            index_corpus(load_corpus(DEMO_CORPUS), [minilm_encoders[2]], index, long_docs="first")
    return home


@pytest.fixture()
def index(demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Index]:
    monkeypatch.setattr("searchkit.store.DEFAULT_KIND", "local")
    with Index.open("demo", home=demo_home) as opened:
        opened.store.server = True  # what open_retrievers asks before fusing on the store
        yield opened


@pytest.fixture(scope="module")
def queries() -> list[str]:
    return list(load_corpus(DEMO_CORPUS).queries.values())


def ids(rankings: list[list]) -> list[list[str]]:
    return [[hit.doc_id for hit in hits] for hits in rankings]


def served_bm25(index: Index, lexical: BM25Retriever, queries: list[str], depth: int) -> list[list]:
    """BM25's ranking by the store's sparse vectors (RRF of one ranking keeps its order)."""
    sparse = [lexical.model.query_terms(q) for q in queries]
    return index.store.fused_search({SPARSE_VECTOR: sparse}, k=depth, depth=depth, windows=None)


def test_the_sparse_vectors_score_bm25(index: Index, minilm_encoders, queries: list[str]) -> None:
    lexical = BM25Retriever.open(index)
    ServerHybridRetriever(index.store, lexical, DenseRetriever(index, minilm_encoders[2]), k=60)
    for query, hits in zip(queries, served_bm25(index, lexical, queries, 30)):
        scores = lexical.model.scores(query)
        ranked = [scores[lexical.model.doc_ids.index(hit.doc_id)] for hit in hits]
        local = [hit.score for hit in lexical.search(query, 30)]
        # the same scores in the same order; tied documents may come in another order
        assert ranked == pytest.approx(sorted(ranked, reverse=True)) and ranked == pytest.approx(local, rel=1e-6)


@pytest.mark.parametrize("weights", [None, [0.5, 0.5]])
def test_the_store_fuses_as_local_rrf_does(index: Index, minilm_encoders, queries: list[str], weights) -> None:
    lexical = BM25Retriever.open(index)
    dense = DenseRetriever(index, minilm_encoders[2])
    local = HybridRetriever([lexical, dense], k=20, weights=weights, depth=30)
    fused = ServerHybridRetriever(index.store, lexical, dense, k=20, weights=weights, depth=30)
    assert fused.name == local.name == "rrf(bm25,sbert:minilm)"
    # local RRF of the server's BM25 ranking (tied BM25 scores in its order) and the dense one
    expected = local.fuse([served_bm25(index, lexical, queries, 30), dense.search_many(queries, 30)], 10)
    assert ids(fused.search_many(queries, 10)) == ids(expected)
    assert index.store.sparse_version(SPARSE_VECTOR) == lexical.fingerprint
    assert fused.describe()["fused_by"].startswith("the Qdrant server")


def test_open_retrievers_fuses_on_the_server_and_writes_bm25_once(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[str] = []
    put_sparse = index.store.put_sparse
    monkeypatch.setattr(index.store, "put_sparse", lambda name, version, rows: (writes.append(version), put_sparse(name, version, rows)))
    index.store.put_sparse(SPARSE_VECTOR, "stale", [])  # sparse vectors of another BM25 model
    (hybrid,) = open_retrievers(index, "", hybrid="sbert:minilm")
    assert isinstance(hybrid, ServerHybridRetriever) and writes == ["stale", hybrid.lexical.fingerprint]
    (again,) = open_retrievers(index, "", hybrid="sbert:minilm")
    assert isinstance(again, ServerHybridRetriever) and len(writes) == 2  # current: not written again


def test_answer_all_asks_the_server_unless_it_has_the_parts_answers(index: Index, queries: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    fused_search = index.store.fused_search
    monkeypatch.setattr(index.store, "fused_search", lambda rows, k, **kw: (asked.append(k), fused_search(rows, k, **kw))[1])
    (hybrid,) = open_retrievers(index, "", hybrid="sbert:minilm")
    alone = answer_all([hybrid], queries[:5], 10)[hybrid.name].hits
    assert asked == [10]
    columns = open_retrievers(index, None, bm25=True, hybrid=True)
    assert [r.name for r in columns] == ["bm25", "sbert:minilm", "rrf(bm25,sbert:minilm)"]
    beside = answer_all(columns, queries[:5], 10)["rrf(bm25,sbert:minilm)"].hits
    assert asked == [10]  # fused here from the columns' answers
    assert ids(beside) == ids(HybridRetriever(columns[-1].parts).search_many(queries[:5], 10))
    assert len(alone) == len(beside) == 5 and all(len(hits) == 10 for hits in alone)


def test_a_store_that_refuses_the_sparse_vectors_fuses_here(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise StoreError("Qdrant at http://q:6333 refused the request (403 Forbidden: read-only key)")

    monkeypatch.setattr(index.store, "sparse_version", lambda name: None)
    monkeypatch.setattr(index.store, "put_sparse", refuse)
    with pytest.warns(UserWarning, match="fusing here instead of on the server: .*read-only key"):
        (hybrid,) = open_retrievers(index, "", hybrid="sbert:minilm")
    assert type(hybrid) is HybridRetriever and hybrid.search("aspirin", 3)


def test_embedded_stores_and_weighted_fusion_fuse_here(index: Index, minilm_encoders) -> None:
    (weighted,) = open_retrievers(index, "", hybrid="sbert:minilm", rrf_weights=[1.0, 0.4])
    assert type(weighted) is HybridRetriever  # Qdrant weighs RRF by dividing ranks
    with pytest.raises(ValueError, match="dividing ranks"):
        ServerHybridRetriever(index.store, weighted.parts[0], weighted.parts[1], k=60, weights=[1.0, 0.4])
    index.store.server = False
    (hybrid,) = open_retrievers(index, "", hybrid="sbert:minilm")
    assert type(hybrid) is HybridRetriever


@pytest.mark.skipif(not QDRANT_URL, reason="set QDRANT_URL to test against a real Qdrant server")
def test_a_real_server_fuses_as_local_rrf_does(tmp_path: Path, minilm_encoders, queries: list[str]) -> None:
    name = f"searchkit-test-{uuid.uuid4().hex[:8]}"
    with Index.open(name, home=tmp_path, url=QDRANT_URL, create=True) as index:
        try:
            index_corpus(load_corpus(DEMO_CORPUS), [minilm_encoders[2]], index, long_docs="first")
            (hybrid,) = open_retrievers(index, "", hybrid="sbert:minilm")
            assert isinstance(hybrid, ServerHybridRetriever)
            parts = [served_bm25(index, hybrid.lexical, queries, 100), hybrid.dense.search_many(queries, 100)]
            assert ids(hybrid.search_many(queries, 10)) == ids(hybrid.fuse(parts, 10))
        finally:
            index.store.client.delete_collection(name)
