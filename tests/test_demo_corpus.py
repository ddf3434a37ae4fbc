"""The bundled demo corpus shows what it was written to show (corpora/demo/README.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from conftest import DEMO_CORPUS

from searchkit.corpus import load_corpus
from searchkit.experiment import breakdown

spec = importlib.util.spec_from_file_location("check_demo", DEMO_CORPUS.parent / "check_demo.py")
check_demo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_demo)


def test_demo_corpus_is_valid_and_fully_judged() -> None:
    corpus = load_corpus(DEMO_CORPUS)
    assert len(corpus) >= 250 and not corpus.skipped_empty
    assert set(corpus.qrels) == set(corpus.queries) == set(check_demo.categories())
    assert {grade for judged in corpus.qrels.values() for grade in judged.values()} == {1, 2}


def test_encoders_differ_by_query_category(tmp_path: Path, minilm_encoders) -> None:
    report = check_demo.evaluate_demo(tmp_path)
    ndcg = breakdown(report, check_demo.categories(), "ndcg@10")
    means = {row.name: row.values["ndcg@10"] for row in report.table_rows()}
    # paraphrases share few words with their documents: a sentence model finds them, BM25 does not
    assert ndcg["paraphrase"]["sbert:minilm"] >= ndcg["paraphrase"]["bm25"] + 0.3
    # exact identifiers and rare names: BM25 wins
    assert ndcg["identifier"]["bm25"] > ndcg["identifier"]["sbert:minilm"] + 0.1
    # the raw [CLS] vector is the weakest encoder; mean pooling equals this model's SBERT pipeline
    assert means["cls:minilm"] < means["mean:minilm"]
    assert abs(means["mean:minilm"] - means["sbert:minilm"]) < 0.01
