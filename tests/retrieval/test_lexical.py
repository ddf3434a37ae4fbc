from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_DOCS, TINY_QRELS, TINY_QUERIES, write_beir
from rank_bm25 import BM25Okapi

from searchkit.corpus import load_corpus
from searchkit.index import Index
from searchkit.retrieval import BM25Retriever, BM25Settings
from searchkit.retrieval.lexical import SOURCE_FILE

ANSERINI_LIKE = BM25Settings(k1=0.9, b=0.4, stemmer="english", stopwords="english")


@pytest.fixture()
def empty_index(tmp_path: Path):
    with Index.open("tiny", home=tmp_path / "indexes", create=True) as index:
        yield index


def test_defaults_are_rank_bm25s_over_the_plain_tokenizer() -> None:
    settings = BM25Settings()
    assert (settings.k1, settings.b, settings.stemmer, settings.stopwords, settings.lowercase) == (1.5, 0.75, None, None, True)
    assert settings.tokenizer()("Café E-4471, running") == ["café", "e", "4471", "running"]
    assert ANSERINI_LIKE.tokenizer()("The runners are running") == ["runner", "run"]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"k1": -1}, "k1"), ({"b": 1.5}, "b must be"), ({"stemmer": "klingon"}, "stemmer"), ({"stopwords": "french"}, "stop-word")],
)
def test_bad_settings_fail_early(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BM25Settings(**options)


@pytest.mark.parametrize("settings", [BM25Settings(), ANSERINI_LIKE], ids=["default", "anserini-like"])
def test_scores_match_bm25okapi_on_title_and_text(tiny_corpus: Path, settings: BM25Settings) -> None:
    documents = list(load_corpus(tiny_corpus).documents.values())
    retriever = BM25Retriever.build(documents, settings)
    tokenizer = settings.tokenizer()
    okapi = BM25Okapi([tokenizer(d.content) for d in documents], k1=settings.k1, b=settings.b)
    for query in ("string instrument", "Printer fault", "the company pays interest", "sourdough oven guitar"):
        assert np.allclose(retriever.model.scores(query), okapi.get_scores(tokenizer(query)), atol=1e-6)
    hits = retriever.search("printer fault", k=3)
    assert hits[0].doc_id == "error" and retriever.name == "bm25"  # the title alone holds "printer"


def test_saved_beside_the_index_and_reused(tiny_corpus: Path, empty_index: Index) -> None:
    corpus = load_corpus(tiny_corpus)
    first = BM25Retriever.open(empty_index, corpus=corpus)
    assert not first.loaded
    assert (empty_index.bm25_folder / SOURCE_FILE).is_file()
    saved = json.loads((empty_index.bm25_folder / SOURCE_FILE).read_text())
    assert saved["fingerprint"] == first.fingerprint and saved["settings"]["k1"] == 1.5

    again = BM25Retriever.open(empty_index, corpus=load_corpus(tiny_corpus))
    assert again.loaded and again.fingerprint == first.fingerprint
    assert again.search("stock exchange shares", 5) == first.search("stock exchange shares", 5)


def test_rebuilt_when_the_corpus_or_the_settings_change(tmp_path: Path, tiny_corpus: Path, empty_index: Index) -> None:
    first = BM25Retriever.open(empty_index, corpus=load_corpus(tiny_corpus))

    changed_docs = [dict(d, text="Bagpipes drone.") if d["_id"] == "violin" else d for d in TINY_DOCS]
    changed = write_beir(tmp_path / "changed", changed_docs, TINY_QUERIES, TINY_QRELS)
    rebuilt = BM25Retriever.open(empty_index, corpus=load_corpus(changed))
    assert not rebuilt.loaded and rebuilt.fingerprint != first.fingerprint
    assert rebuilt.search("bagpipes")[0].doc_id == "violin"

    restemmed = BM25Retriever.open(empty_index, ANSERINI_LIKE, corpus=load_corpus(changed))
    assert not restemmed.loaded and restemmed.settings == ANSERINI_LIKE
    assert BM25Retriever.open(empty_index, ANSERINI_LIKE, corpus=load_corpus(changed)).loaded


def test_a_partial_save_reads_as_stale(tiny_corpus: Path, empty_index: Index) -> None:
    BM25Retriever.open(empty_index, corpus=load_corpus(tiny_corpus))
    (empty_index.bm25_folder / SOURCE_FILE).write_text("{not json")
    assert not BM25Retriever.open(empty_index, corpus=load_corpus(tiny_corpus)).loaded


def test_without_a_corpus_it_reads_the_documents_the_index_holds(tiny_index_home: Path, tiny_corpus: Path) -> None:
    with Index.open("tiny", home=tiny_index_home) as index:
        from_store = BM25Retriever.open(index)
        assert not from_store.loaded and len(from_store.model) == 7
        # the same documents make the same fingerprint, whichever side they were read from
        assert BM25Retriever.open(index, corpus=load_corpus(tiny_corpus)).loaded
        assert BM25Retriever.open(index).search("E-4471")[0].doc_id == "error"
