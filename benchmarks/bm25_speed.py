"""BM25 speed and quality on SciFact: searchkit's BM25Index vs rank_bm25.BM25Okapi.

Reads ../shared/datasets/scifact relative to the repository root. Reports build
time, queries/s for one query per call (top 10, tokenization included for both),
the largest score difference between the two, and nDCG@10 (linear gain, log2
discount) for two configurations.

    .venv/bin/python benchmarks/bm25_speed.py
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from searchkit.retrieval.bm25 import BM25Index  # noqa: E402
from searchkit.retrieval.tokenize import Tokenizer  # noqa: E402

SCIFACT = REPO.parent / "shared" / "datasets" / "scifact"


def load_scifact() -> tuple[list[str], list[str], dict[str, str], dict[str, dict[str, int]]]:
    doc_ids, texts = [], []
    with gzip.open(SCIFACT / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            doc_ids.append(doc["_id"])
            texts.append(f"{doc['title']} {doc['text']}")
    queries = {}
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            queries[q["_id"]] = q["text"]
    qrels: dict[str, dict[str, int]] = {}
    with open(SCIFACT / "qrels" / "test.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return doc_ids, texts, queries, qrels


def ndcg_at_10(index: BM25Index, queries: dict[str, str], qrels: dict[str, dict[str, int]]) -> float:
    """Mean nDCG@10 over the judged queries (linear gain, log2 discount)."""
    total = 0.0
    for qid, rels in qrels.items():
        hits = index.search(queries[qid], k=10)
        dcg = sum(rels.get(h.doc_id, 0) / math.log2(r + 2) for r, h in enumerate(hits))
        ideal = sorted(rels.values(), reverse=True)[:10]
        idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
        total += dcg / idcg
    return total / len(qrels)


def main() -> None:
    if not SCIFACT.is_dir():
        sys.exit(f"SciFact not found at {SCIFACT}")
    doc_ids, texts, queries, qrels = load_scifact()
    query_texts = [queries[q] for q in qrels]
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

    # Same run, one query per call, top 10 (rank_bm25: get_scores + argsort, as get_top_n).
    for _ in range(2):
        for q in query_texts[:20]:
            index.search(q, k=10)
    t0 = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        for q in query_texts:
            index.search(q, k=10)
    qps = rounds * len(query_texts) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for q in query_texts:
        np.argsort(okapi.get_scores(tok(q)))[::-1][:10]
    qps_ref = len(query_texts) / (time.perf_counter() - t0)
    print(f"queries/s: searchkit {qps:,.0f}, rank_bm25 {qps_ref:,.1f}, ratio {qps / qps_ref:,.0f}x")

    print(f"nDCG@10 default (k1=1.5, b=0.75, no stemming/stopwords): {ndcg_at_10(index, queries, qrels):.4f}")
    anserini_like = BM25Index(
        doc_ids, texts, tokenizer=Tokenizer(stemmer="english", stopwords="english"), k1=0.9, b=0.4
    )
    print(
        "nDCG@10 stemmer=english + english stopwords, k1=0.9, b=0.4: "
        f"{ndcg_at_10(anserini_like, queries, qrels):.4f}"
    )


if __name__ == "__main__":
    main()
