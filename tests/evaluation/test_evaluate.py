from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

import numpy as np
import pytest

from searchkit.evaluation import DEFAULT_METRICS, METRICS, Evaluation, evaluate
from searchkit.evaluation.metrics import average_precision, mrr, ndcg, precision, recall
from searchkit.types import Qrels, Run

# ../shared/datasets next to the repository root
SHARED_DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def test_metric_table() -> None:
    assert METRICS == {
        "ndcg": ndcg,
        "recall": recall,
        "precision": precision,
        "mrr": mrr,
        "map": average_precision,
    }


def test_per_query_and_mean() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 2}}
    run = {"q1": {"a": 0.9, "x": 0.1}, "q2": {"x": 0.9, "b": 0.1}}
    result = evaluate(qrels, run, ["mrr@10", "precision@1"])
    assert isinstance(result, Evaluation)
    assert result.per_query == {"mrr@10": {"q1": 1.0, "q2": 0.5}, "precision@1": {"q1": 1.0, "q2": 0.0}}
    assert result.mean == {"mrr@10": pytest.approx(0.75), "precision@1": pytest.approx(0.5)}


def test_judged_query_missing_from_run_scores_zero() -> None:
    result = evaluate({"q1": {"a": 1}, "q2": {"b": 1}}, {"q1": {"a": 1.0}}, ["recall@10"])
    assert result.per_query["recall@10"] == {"q1": 1.0, "q2": 0.0}
    assert result.mean["recall@10"] == pytest.approx(0.5)


def test_queries_without_relevant_docs_and_unjudged_queries_are_skipped() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 0}}
    run = {"q1": {"a": 1.0}, "q2": {"b": 1.0}, "q3": {"c": 1.0}}
    assert evaluate(qrels, run, ["ndcg@10"]).per_query["ndcg@10"] == {"q1": 1.0}


def test_ties_broken_by_doc_id_descending() -> None:
    result = evaluate({"q": {"a": 1}}, {"q": {"a": 1.0, "b": 1.0}}, ["precision@1", "mrr@10"])
    assert result.per_query == {"precision@1": {"q": 0.0}, "mrr@10": {"q": 0.5}}


def test_drop_self_hits() -> None:
    qrels = {"q": {"a": 1}}
    run = {"q": {"q": 2.0, "a": 1.0}}
    assert evaluate(qrels, run, ["mrr@10"]).mean["mrr@10"] == pytest.approx(0.5)
    assert evaluate(qrels, run, ["mrr@10"], drop_self_hits=True).mean["mrr@10"] == pytest.approx(1.0)


def test_default_metrics() -> None:
    result = evaluate({"q": {"a": 1}}, {"q": {"a": 1.0}})
    assert tuple(result.mean) == DEFAULT_METRICS  # one default list, the one `searchkit eval` reports
    assert result.mean == {
        "ndcg@10": pytest.approx(1.0),
        "recall@10": pytest.approx(1.0),
        "recall@100": pytest.approx(1.0),
        "mrr@10": pytest.approx(1.0),
        "map@100": pytest.approx(1.0),
        "precision@10": pytest.approx(0.1),
    }


@pytest.mark.parametrize("name", ["bleu@10", "ndcg", "ndcg@", "ndcg@0", "ndcg@-1", "ndcg@ten"])
def test_bad_metric_names_raise(name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(name))):
        evaluate({"q": {"a": 1}}, {"q": {"a": 1.0}}, [name])


def test_qrels_without_relevant_docs_raise() -> None:
    with pytest.raises(ValueError, match="no query with a relevant document"):
        evaluate({"q": {"a": 0}}, {"q": {"a": 1.0}}, ["ndcg@10"])


def test_excludes_only_missing_queries_from_pytrec_eval_comparison(synthetic_case) -> None:
    pytrec_eval = pytest.importorskip("pytrec_eval")
    qrels, run = synthetic_case
    result = evaluate(qrels, run, ["ndcg@10"])
    reference = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"}).evaluate(run)
    judged = {q for q, docs in qrels.items() if max(docs.values()) >= 1}
    missing = judged - run.keys()
    assert missing, "the synthetic case should have judged queries missing from the run"
    assert result.per_query["ndcg@10"].keys() == judged
    assert judged - reference.keys() == missing
    assert all(result.per_query["ndcg@10"][q] == 0.0 for q in missing)


@pytest.fixture(scope="module")
def scifact_case() -> tuple[Qrels, Run]:
    """SciFact test qrels and a BM25Okapi top-100 run for its 300 test queries."""
    root = SHARED_DATASETS / "scifact"
    if not (root / "qrels" / "test.tsv").is_file():
        pytest.skip(f"SciFact not found under {SHARED_DATASETS}")
    rank_bm25 = pytest.importorskip("rank_bm25")
    qrels: Qrels = {}
    with (root / "qrels" / "test.tsv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    with gzip.open(root / "corpus.jsonl.gz", "rt", encoding="utf-8") as lines:
        docs = [json.loads(line) for line in lines]
    with (root / "queries.jsonl").open(encoding="utf-8") as lines:
        queries = {q["_id"]: q["text"] for q in map(json.loads, lines) if q["_id"] in qrels}

    def tokenize(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    bm25 = rank_bm25.BM25Okapi([tokenize(f"{d['title']} {d['text']}") for d in docs])
    doc_ids = [d["_id"] for d in docs]
    run: Run = {}
    for qid, text in queries.items():
        scores = bm25.get_scores(tokenize(text))
        top = np.argsort(-scores, kind="stable")[:100]
        run[qid] = {doc_ids[i]: float(scores[i]) for i in top}
    return qrels, run


@pytest.mark.shared_data
@pytest.mark.parametrize("metric", sorted(METRICS))
def test_scifact_bm25_parity_with_pytrec_eval(metric: str, scifact_case, check_parity) -> None:
    qrels, run = scifact_case
    assert len(run) == 300
    check_parity(qrels, run, metric)
