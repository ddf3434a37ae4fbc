"""The bundled demo corpus shows what it was written to show (corpora/demo/README.md)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from conftest import DEMO_CORPUS

from searchkit.corpus import load_corpus
from searchkit.experiments import breakdown

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


# The README's table for `searchkit eval corpora/demo --bm25 --hybrid`: nDCG@10, Recall@10, MRR@10 and
# the rows each value is significantly better than.
README_TABLE = {
    "bm25": ((0.553, 0.612, 0.589), ([], [], [])),
    "cls:minilm": ((0.773, 0.991, 0.732), (["a", "e"], ["a", "e"], [])),
    "mean:minilm": ((0.825, 1.000, 0.790), (["a", "e"], ["a", "e"], ["a", "e"])),
    "sbert:minilm": ((0.825, 1.000, 0.790), (["a", "e"], ["a", "e"], ["a", "e"])),
    "rrf(bm25,sbert:minilm)": ((0.588, 0.698, 0.601), ([], [], [])),
}


def test_eval_reproduces_the_readme_table(tmp_path: Path, run_searchkit) -> None:
    result = run_searchkit("eval", DEMO_CORPUS, "--bm25", "--hybrid", "--json", "--home", tmp_path)
    assert result.returncode == 0, result.stderr
    table = {row["name"]: row for row in json.loads(result.stdout)["table"]}
    assert list(table) == list(README_TABLE)
    for name, (values, beats) in README_TABLE.items():
        metrics = ("ndcg@10", "recall@10", "mrr@10")
        assert tuple(round(table[name]["values"][m], 3) for m in metrics) == values, name
        assert tuple(table[name]["beats"][m] for m in metrics) == beats, name
