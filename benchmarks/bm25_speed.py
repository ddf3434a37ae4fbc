"""BM25 speed and quality on SciFact: searchkit's BM25Index vs rank_bm25.BM25Okapi.

Reads ../shared/datasets/scifact relative to the repository root. Reports build
time, queries/s for one query per call (top 10, tokenization included for both),
the largest score difference between the two, and nDCG@10 (linear gain, log2
discount) for two configurations.

    python benchmarks/bm25_speed.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

from searchkit.corpus import Corpus, load_corpus
from searchkit.evaluation import evaluate
from searchkit.retrieval.bm25 import BM25Index
from searchkit.retrieval.tokenize import Tokenizer

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "scifact"


def ndcg_at_10(index: BM25Index, corpus: Corpus) -> float:
    run = {qid: {h.doc_id: h.score for h in index.search(corpus.queries[qid], k=10)} for qid in corpus.qrels}
    return evaluate(corpus.qrels, run, ["ndcg@10"]).mean["ndcg@10"]


def queries_per_second(
    index: BM25Index, okapi: BM25Okapi, tok: Tokenizer, query_texts: list[str], rounds: int = 5
) -> tuple[float, float]:
    """Queries/s of searchkit's BM25 and of rank_bm25, one query per call, top 10, in the same run.

    searchkit answers every query `rounds` times after a warm-up; rank_bm25 (get_scores + argsort,
    as get_top_n) answers every query once.
    """
    for _ in range(2):
        for q in query_texts[:20]:
            index.search(q, k=10)
    t0 = time.perf_counter()
    for _ in range(rounds):
        for q in query_texts:
            index.search(q, k=10)
    qps = rounds * len(query_texts) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for q in query_texts:
        np.argsort(okapi.get_scores(tok(q)))[::-1][:10]
    qps_ref = len(query_texts) / (time.perf_counter() - t0)
    return qps, qps_ref


def main() -> None:
    if not SCIFACT.is_dir():
        sys.exit(f"SciFact not found at {SCIFACT}")
    corpus = load_corpus(SCIFACT)
    doc_ids, texts = list(corpus.documents), [d.content for d in corpus.documents.values()]
    query_texts = [corpus.queries[q] for q in corpus.qrels]
    tok = Tokenizer()
    print(f"SciFact: {len(doc_ids)} docs, {len(query_texts)} test queries")

    t0 = time.perf_counter()
    index = BM25Index(doc_ids, texts, tokenizer=tok)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    okapi = BM25Okapi([tok(t) for t in texts])
    t_build_ref = time.perf_counter() - t0
    print(f"build: searchkit {t_build:.2f}s, rank_bm25 {t_build_ref:.2f}s")

    max_diff = max(
        float(np.abs(index.scores(q) - okapi.get_scores(tok(q))).max()) for q in query_texts
    )
    print(f"max |score difference| over {len(query_texts)} queries: {max_diff:.3g}")

    qps, qps_ref = queries_per_second(index, okapi, tok, query_texts)
    print(f"queries/s: searchkit {qps:,.0f}, rank_bm25 {qps_ref:,.1f}, ratio {qps / qps_ref:,.0f}x")

    print(f"nDCG@10 default (k1=1.5, b=0.75, no stemming/stopwords): {ndcg_at_10(index, corpus):.4f}")
    anserini_like = BM25Index(
        doc_ids, texts, tokenizer=Tokenizer(stemmer="english", stopwords="english"), k1=0.9, b=0.4
    )
    print(
        "nDCG@10 stemmer=english + english stopwords, k1=0.9, b=0.4: "
        f"{ndcg_at_10(anserini_like, corpus):.4f}"
    )


if __name__ == "__main__":
    main()
