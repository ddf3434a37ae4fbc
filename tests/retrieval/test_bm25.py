from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from searchkit.corpus import load_corpus
from searchkit.retrieval.bm25 import BM25Index
from searchkit.retrieval.tokenize import Tokenizer
from searchkit.types import Hit

SHARED_DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"

# "cells" (and "the") occur in more than half of the documents, so their raw idf
# is negative and BM25Okapi's epsilon floor applies.
DOCS = [
    "The cells of the immune system respond to viral infection within hours.",
    "T cells recognise antigens presented by infected cells.",
    "Stem cells can differentiate into many cell types.",
    "The mitochondria produce energy for the cells.",
    "Cancer cells divide without the usual checks on growth.",
    "Insulin regulates glucose uptake in muscle and fat cells.",
    "The heart pumps blood through the arteries and veins.",
    "Neurons transmit signals with electrical and chemical messages.",
    "Red blood cells carry oxygen from the lungs to the tissues.",
    "Vaccines train the immune system to recognise a pathogen.",
    "The liver cells detoxify drugs and produce bile.",
    "Antibiotics kill bacteria but do not work against viruses.",
    "Running improves cardiovascular health and lowers blood pressure.",
    "Sleep deprivation impairs memory and attention.",
    "The runners ran a marathon; running long distances stresses muscle cells.",
    "Gene expression differs between healthy cells and tumour cells.",
    "Photosynthesis converts light into chemical energy in plant cells.",
    "A diet rich in fibre lowers the risk of heart disease.",
    "Viral infection of liver cells causes hepatitis.",
    "Smoking damages lung cells and raises cancer risk.",
    "Bacteria divide by binary fission; bacterial cells lack a nucleus.",
    "The E-4471 trial tested a new drug against hepatitis C.",
    "",
    "Cells, cells, cells: the word repeated in a very short note about cells.",
]
IDS = [f"d{i:02d}" for i in range(len(DOCS))]

QUERIES = [
    "cells",
    "immune cells immune",  # repeated term counts twice
    "the the the cells",
    "running marathon muscle",
    "hepatitis liver viral infection",
    "zebrafish quasar",  # only unknown terms
    "zebrafish cancer risk",  # unknown plus known
    "E-4471",
    "",
    "Cells!!! CELLS? blood-cells",
]

TOKENIZERS = [
    Tokenizer(),
    Tokenizer(stemmer="english"),
    Tokenizer(stemmer="english", stopwords="english"),
    Tokenizer(lowercase=False, stopwords=frozenset({"the", "a"})),
]


def _okapi(tok: Tokenizer, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> BM25Okapi:
    return BM25Okapi([tok(d) for d in DOCS], k1=k1, b=b, epsilon=epsilon)


@pytest.mark.parametrize("tok", TOKENIZERS, ids=repr)
@pytest.mark.parametrize("params", [(1.5, 0.75, 0.25), (0.9, 0.4, 0.25), (1.2, 1.0, 0.5), (2.0, 0.0, 0.1)])
def test_scores_match_rank_bm25(tok: Tokenizer, params: tuple[float, float, float]) -> None:
    k1, b, epsilon = params
    okapi = _okapi(tok, k1, b, epsilon)
    floor = okapi.epsilon * okapi.average_idf
    assert any(v == floor for v in okapi.idf.values()), "corpus must trigger the epsilon rule"

    index = BM25Index(IDS, DOCS, tokenizer=tok, k1=k1, b=b, epsilon=epsilon)
    assert index.average_idf == pytest.approx(okapi.average_idf, abs=1e-12)
    assert index.avgdl == pytest.approx(okapi.avgdl)
    for query in QUERIES:
        with np.errstate(invalid="ignore"):
            expected = okapi.get_scores(tok(query))
        # With b == 1 rank_bm25 scores the empty document 0/0 = NaN; BM25Index gives 0.
        if b == 1.0:
            assert np.isnan(expected[IDS.index("d22")]) == bool(tok(query))
            expected = np.nan_to_num(expected, nan=0.0)
        assert not np.isnan(expected).any()
        np.testing.assert_allclose(index.scores(query), expected, rtol=0, atol=1e-6, err_msg=query)


def test_repeated_query_terms_count_each_time() -> None:
    index = BM25Index(IDS, DOCS)
    np.testing.assert_allclose(index.scores("immune immune"), 2 * index.scores("immune"))


@pytest.mark.parametrize("tok", TOKENIZERS[:2])
def test_sparse_vectors_score_bm25_by_dot_product(tok: Tokenizer) -> None:
    index = BM25Index(IDS, DOCS, tokenizer=tok)
    documents = {doc_id: dict(zip(terms, weights)) for doc_id, terms, weights in index.document_terms()}
    assert set(documents) == set(IDS) - {"d22"}  # the empty document holds no term
    for query in QUERIES:
        terms, counts = index.query_terms(query)
        dot = [sum(c * documents.get(doc_id, {}).get(t, 0.0) for t, c in zip(terms, counts)) for doc_id in IDS]
        np.testing.assert_allclose(dot, index.scores(query), rtol=1e-12)
    assert index.query_terms("immune cells immune")[1] == [2.0, 1.0]


def test_unknown_and_empty_queries_match_nothing() -> None:
    index = BM25Index(IDS, DOCS)
    for query in ["zebrafish quasar", "", "!!!"]:
        assert not index.scores(query).any()
        assert index.search(query) == []


def test_search_is_sorted_top_k_of_scores() -> None:
    index = BM25Index(IDS, DOCS)
    for query in QUERIES:
        scores = index.scores(query)
        hits = index.search(query, k=5)
        nonzero = int(np.count_nonzero(scores))
        assert len(hits) == min(5, nonzero)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert [h.score for h in hits] == pytest.approx(sorted(scores[scores != 0], reverse=True)[:5])
        for hit in hits:
            assert hit.score == scores[IDS.index(hit.doc_id)]


def test_fewer_hits_than_k_when_few_documents_match() -> None:
    index = BM25Index(IDS, DOCS)
    hits = index.search("hepatitis", k=10)
    assert {h.doc_id for h in hits} == {"d18", "d21"}
    assert index.search("hepatitis", k=0) == []


def test_ties_are_broken_by_doc_id() -> None:
    ids = ["b", "c", "a", "z", "y"]
    texts = ["same text here", "same text here", "same text here", "other words", "same text here"]
    index = BM25Index(ids, texts)
    hits = index.search("text", k=3)
    assert [h.doc_id for h in hits] == ["a", "b", "c"]
    assert len({h.score for h in hits}) == 1
    assert [h.doc_id for h in index.search("text", k=10)] == ["a", "b", "c", "y"]


def test_negative_scores_are_returned_last() -> None:
    # Every term occurs in 2 of 3 documents: all idfs and their average are
    # negative, so matching documents score below zero (as in rank_bm25).
    ids, texts = ["x", "y", "z"], ["alpha beta", "beta gamma", "alpha gamma"]
    index = BM25Index(ids, texts)
    okapi = BM25Okapi([t.split() for t in texts])
    np.testing.assert_allclose(index.scores("alpha"), okapi.get_scores(["alpha"]), atol=1e-12)
    hits = index.search("alpha")
    assert [h.doc_id for h in hits] == ["x", "z"]
    assert all(h.score < 0 for h in hits)


def test_search_many_matches_search() -> None:
    index = BM25Index(IDS, DOCS)
    assert index.search_many(QUERIES, k=3) == [index.search(q, k=3) for q in QUERIES]


def test_len_properties_and_hits() -> None:
    tok = Tokenizer(stemmer="english")
    index = BM25Index(IDS, DOCS, tokenizer=tok, k1=1.2, b=0.5, epsilon=0.3)
    assert len(index) == len(DOCS)
    assert index.doc_ids == IDS
    assert (index.tokenizer, index.k1, index.b, index.epsilon) == (tok, 1.2, 0.5, 0.3)
    assert all(isinstance(h, Hit) for h in index.search("cells"))


@pytest.mark.parametrize("tok", TOKENIZERS, ids=repr)
def test_save_load_round_trip(tmp_path: Path, tok: Tokenizer) -> None:
    index = BM25Index(IDS, DOCS, tokenizer=tok, k1=0.9, b=0.4, epsilon=0.3)
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert len(loaded) == len(index)
    assert loaded.doc_ids == index.doc_ids
    assert loaded.tokenizer == tok
    assert (loaded.k1, loaded.b, loaded.epsilon) == (0.9, 0.4, 0.3)
    assert loaded.average_idf == index.average_idf
    for query in QUERIES:
        np.testing.assert_array_equal(loaded.scores(query), index.scores(query))
        assert loaded.search(query, k=7) == index.search(query, k=7)


def test_load_rejects_unknown_format_version(tmp_path: Path) -> None:
    BM25Index(IDS, DOCS).save(tmp_path)
    meta_path = tmp_path / "bm25.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["format_version"] = 999
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="format version"):
        BM25Index.load(tmp_path)


def test_invalid_inputs_raise() -> None:
    with pytest.raises(ValueError):
        BM25Index([], [])
    with pytest.raises(ValueError):
        BM25Index(["a", "b"], ["only one text"])
    with pytest.raises(ValueError):
        BM25Index(["a", "a"], ["one", "two"])
    with pytest.raises(ValueError):
        BM25Index(["a"], ["one"], b=1.5)


@pytest.mark.shared_data
def test_scifact_parity_with_rank_bm25() -> None:
    root = SHARED_DATASETS / "scifact"
    if not (root / "corpus.jsonl.gz").is_file():
        pytest.skip(f"SciFact not available under {root}")
    corpus = load_corpus(root)
    ids, texts = list(corpus.documents), [d.content for d in corpus.documents.values()]
    queries = list(corpus.queries.values())
    assert len(queries) == 300

    tok = Tokenizer()
    index = BM25Index(ids, texts, tokenizer=tok)
    okapi = BM25Okapi([tok(t) for t in texts])
    for query in queries:
        np.testing.assert_allclose(
            index.scores(query), okapi.get_scores(tok(query)), rtol=0, atol=1e-6, err_msg=query
        )
