"""Retrieval through BERT-whitening fitted on the index: exact cosine over whitened vectors, saved with the index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_DOCS, TINY_QRELS, TINY_QUERIES, write_beir

from searchkit.corpus import load_corpus
from searchkit.encoders.whitening import apply_whitening, fit_whitening
from searchkit.index import Index
from searchkit.indexing import index_corpus
from searchkit.retrieval import (
    DenseRetriever,
    WhitenedRetriever,
    answer_all,
    open_retrievers,
)
from searchkit.retrieval.whitened import whitening_path


@pytest.fixture()
def tiny_index(tiny_index_home: Path):
    with Index.open("tiny", home=tiny_index_home) as index:
        yield index


def test_whiten_adds_a_whitened_retriever_after_each_dense_one(tiny_index: Index) -> None:
    retrievers = open_retrievers(tiny_index, "cls:minilm,mean:minilm", bm25=True, whiten=True)
    assert [r.name for r in retrievers] == ["bm25", "cls:minilm", "cls:minilm+whiten", "mean:minilm", "mean:minilm+whiten"]
    assert isinstance(retrievers[2], WhitenedRetriever) and retrievers[2].dense is retrievers[1]


def test_scores_are_cosines_of_vectors_whitened_on_the_indexed_documents(tiny_index: Index) -> None:
    dense = open_retrievers(tiny_index, "cls:minilm")[0]
    assert isinstance(dense, DenseRetriever)
    whitened = WhitenedRetriever(dense)
    rows = tiny_index.store.export(dense.record.vector)
    assert sorted(rows.doc_ids) == sorted(d["_id"] for d in TINY_DOCS if d["text"].strip())
    mu, w = fit_whitening(rows.matrix)
    query = dense.encoder.encode(["string instrument"], "query")
    expected = apply_whitening(query, mu, w) @ apply_whitening(rows.matrix, mu, w).T
    best = int(np.argmax(expected[0]))
    hits = whitened.search("string instrument", k=3)
    assert hits[0].doc_id == rows.doc_ids[best]
    assert hits[0].score == pytest.approx(float(expected[0, best]), abs=1e-5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_whitening_flattens_the_cosines_of_raw_cls(tiny_index: Index) -> None:
    """Raw [CLS] vectors all look alike; whitened, random pairs of documents average a cosine near 0."""
    from searchkit.experiments.retrieval import stored_anisotropy

    dense, whitened = open_retrievers(tiny_index, "cls:minilm", whiten=True)
    ids = sorted(tiny_index.store.states())
    raw, _ = stored_anisotropy(dense, ids)
    white, _ = stored_anisotropy(whitened, ids)
    assert raw.mean > 0.3
    assert abs(white.mean) < raw.mean / 2


def test_the_fit_is_saved_with_the_index_and_refitted_when_documents_change(
    tiny_index_home: Path, tmp_path: Path, minilm_encoders
) -> None:
    with Index.open("tiny", home=tiny_index_home) as index:
        whitened = open_retrievers(index, "mean:minilm", whiten=True)[1]
        first = whitened.search("string instrument", 3)
        path = whitening_path(index.folder, whitened.record.vector)
        assert path.is_file()
        saved = path.stat().st_mtime_ns
    with Index.open("tiny", home=tiny_index_home) as index:  # reopened: read back, not refitted
        again = open_retrievers(index, "mean:minilm", whiten=True)[1]
        assert again.search("string instrument", 3) == first
        assert path.stat().st_mtime_ns == saved
    corpus = write_beir(tmp_path / "tiny", TINY_DOCS + [{"_id": "cello", "title": "Cello", "text": "A cello is a large bowed string instrument."}], TINY_QUERIES, TINY_QRELS)
    with Index.open("tiny", home=tiny_index_home) as index:
        index_corpus(load_corpus(corpus), minilm_encoders, index)
        refitted = open_retrievers(index, "mean:minilm", whiten=True)[1]
        assert "cello" in [h.doc_id for h in refitted.search("string instrument", 3)]
        assert refitted.describe()["whitening"]["fitted_to"].startswith("8 ")


def test_answer_all_encodes_once_for_the_raw_and_whitened_retrievers(tiny_index: Index) -> None:
    retrievers = open_retrievers(tiny_index, "cls:minilm", whiten=True)
    answers = answer_all(retrievers, ["string instrument", "company shares"], k=2)
    assert set(answers) == {"cls:minilm", "cls:minilm+whiten"}
    assert answers["cls:minilm+whiten"].hits == retrievers[1].search_many(["string instrument", "company shares"], 2)
