"""How cost grows with the corpus: indexing and querying 5k to 100k documents, embedded store and BM25.

    python benchmarks/scale.py --out results/scale [--sizes 5000,20000,50000,100000] [--data ../shared/datasets]

Documents are real where the shared data sets have them (SciFact, MEDLINE, CISI, Cranfield, TIME: about
9,500), then synthetic: each a mix of three sentences of the real ones, drawn with a fixed seed. Queries
are SciFact's. Three fast deterministic encoders stand in for models (hashed words, 384 dimensions, each
turned by its own random rotation), so the figures measure searchkit and its stores, not a model.

Every step runs in a fresh process, so its peak resident memory is its own:
- dense index: `index_corpus` into a new embedded index (edge), `--long-docs first`; the HNSW build that
  ends it from 20,000 points (`optimize`) is timed apart;
- BM25 index: the term matrix built from the index's documents and saved beside them;
- dense query / BM25 query: open the index, then the p50 of one query (the three encoders together for dense).
Writes scale.md and scale.json; each row is written as soon as it is measured.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scale_store import disk_mb  # the same measure for both growth tables

DIM = 384
REAL = ("scifact", "medline", "cisi", "cranfield", "time")
QUERIES = 200
K = 10


class HashedWords:
    """Signed hashed bag of words in `DIM` dimensions, turned by a seeded random rotation: a fast deterministic encoder."""

    def __init__(self, seed: int) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.spec = f"hashed:{seed}"
        self.dimension = DIM
        self.fingerprint = hashlib.sha256(f"hashed-words/{DIM}/{seed}".encode()).hexdigest()[:16]
        self._vectorizer = HashingVectorizer(n_features=DIM, alternate_sign=True, norm=None)
        self._rotation = np.linalg.qr(np.random.default_rng(seed).standard_normal((DIM, DIM)))[0].astype(np.float32)

    def encode(self, texts: Sequence[str], kind: str = "document", batch_size: int = 32) -> np.ndarray:
        vectors = self._vectorizer.transform(texts).toarray().astype(np.float32) @ self._rotation
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, np.finfo(np.float32).tiny)


ENCODERS = (1, 2, 3)


def real_documents(data: Path) -> list[tuple[str, str, str]]:
    documents = []
    for name in REAL:
        path = data / name / "corpus.jsonl.gz"
        if not path.exists():
            path = data / name / "corpus.jsonl"
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                if (row.get("text") or "").strip():
                    documents.append((f"{name}-{row['_id']}", row.get("title") or "", row["text"]))
    return documents


def corpus(data: Path, size: int):
    """`size` documents: the real ones first, then synthetic mixes of their sentences."""
    from searchkit.corpus import Corpus, Document

    real = real_documents(data)
    docs = [Document(*row) for row in real[:size]]
    sentences = [s for _, _, text in real for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 30]
    rng = random.Random(7)
    for i in range(size - len(docs)):
        docs.append(Document(f"synthetic-{i}", "", " ".join(rng.choice(sentences) for _ in range(3))))
    return Corpus(f"scale{size}", data, {d.id: d for d in docs})


def queries(data: Path) -> list[str]:
    with open(data / "scifact" / "queries.jsonl", encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines][:QUERIES]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dense_index(home: Path, data: Path, size: int) -> dict:
    from searchkit.index import Index
    from searchkit.indexing import index_corpus

    documents = corpus(data, size)
    encoders = [HashedWords(seed) for seed in ENCODERS]
    with Index.open(documents.name, home=home, create=True) as index:
        optimize, timed = index.store.optimize, {}

        def optimize_timed(**kwargs):
            started = time.perf_counter()
            try:
                return optimize(**kwargs)
            finally:
                timed["s"] = time.perf_counter() - started

        index.store.optimize = optimize_timed
        started = time.perf_counter()
        report = index_corpus(documents, encoders, index, long_docs="first", batch_size=256)
        seconds = time.perf_counter() - started
    assert report.done == size, report
    folder = home / documents.name
    return {"index_s": seconds, "optimize_s": timed.get("s", 0.0), "index_peak_mb": peak_mb(), "store_disk_mb": disk_mb(folder / "edge")}


def bm25_index(home: Path, data: Path, size: int) -> dict:
    from searchkit.index import Index
    from searchkit.retrieval import BM25Retriever

    with Index.open(f"scale{size}", home=home) as index:
        started = time.perf_counter()
        BM25Retriever.open(index)
        seconds = time.perf_counter() - started
        folder = index.bm25_folder
    return {"bm25_index_s": seconds, "bm25_index_peak_mb": peak_mb(), "bm25_disk_mb": disk_mb(folder)}


def dense_query(home: Path, data: Path, size: int) -> dict:
    from searchkit.index import Index
    from searchkit.retrieval import DenseRetriever

    texts = queries(data)
    encoders = [HashedWords(seed) for seed in ENCODERS]
    started = time.perf_counter()
    with Index.open(f"scale{size}", home=home) as index:
        opened = time.perf_counter() - started
        retrievers = [DenseRetriever(index, encoder) for encoder in encoders]
        for text in texts[:5]:  # warm-up
            for retriever in retrievers:
                retriever.search(text, K)
        timings = []
        for text in texts:
            started = time.perf_counter()
            for retriever in retrievers:
                retriever.search(text, K)
            timings.append(time.perf_counter() - started)
    return {"dense_open_s": opened, "dense_p50_ms": float(np.median(timings) * 1000), "dense_query_peak_mb": peak_mb()}


def bm25_query(home: Path, data: Path, size: int) -> dict:
    from searchkit.index import Index
    from searchkit.retrieval import BM25Retriever

    texts = queries(data)
    with Index.open(f"scale{size}", home=home) as index:
        started = time.perf_counter()
        retriever = BM25Retriever.open(index)
        opened = time.perf_counter() - started
    timings = []
    for text in texts:
        started = time.perf_counter()
        retriever.search(text, K)
        timings.append(time.perf_counter() - started)
    return {"bm25_open_s": opened, "bm25_p50_ms": float(np.median(timings) * 1000), "bm25_query_peak_mb": peak_mb()}


STEPS = {"dense-index": dense_index, "bm25-index": bm25_index, "dense-query": dense_query, "bm25-query": bm25_query}


def child(step: str, home: Path, data: Path, size: int) -> dict:
    command = [sys.executable, __file__, "--step", step, str(home), str(data), str(size)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{step} at {size:,} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


COLUMNS = (
    ("documents", "{:,}"), ("index_s", "{:.1f}"), ("optimize_s", "{:.1f}"), ("index_peak_mb", "{:,.0f}"),
    ("store_disk_mb", "{:,.0f}"), ("dense_open_s", "{:.2f}"), ("dense_p50_ms", "{:.1f}"), ("dense_query_peak_mb", "{:,.0f}"),
    ("bm25_index_s", "{:.1f}"), ("bm25_index_peak_mb", "{:,.0f}"), ("bm25_disk_mb", "{:,.0f}"), ("bm25_open_s", "{:.2f}"),
    ("bm25_p50_ms", "{:.2f}"), ("bm25_query_peak_mb", "{:,.0f}"),
)  # fmt: skip
HEADERS = (
    "documents", "dense index s", "of which HNSW s", "peak MB", "disk MB", "open s", "query p50 ms (3 encoders)", "peak MB",
    "BM25 build s", "peak MB", "disk MB", "open s", "query p50 ms", "peak MB",
)  # fmt: skip


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---:|" * len(HEADERS)]
    lines += ["| " + " | ".join(form.format(row[key]) for key, form in COLUMNS) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--sizes", default="5000,20000,50000,100000")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    parser.add_argument("--step", nargs=4, metavar=("STEP", "HOME", "DATA", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step, home, data, size = args.step
        print(json.dumps(STEPS[step](Path(home), Path(data), int(size))))
        return
    if args.out is None:
        parser.error("--out is required")
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="searchkit-scale-") as scratch:
        for size in map(int, args.sizes.split(",")):
            home = Path(scratch) / str(size)
            row = {"documents": size}
            for step in STEPS:
                row |= child(step, home, args.data, size)
            rows.append(row)
            print(json.dumps(row), flush=True)
            subprocess.run(["rm", "-rf", str(home)], check=True)
            (args.out / "scale.json").write_text(json.dumps(rows, indent=2))
            (args.out / "scale.md").write_text(table(rows))


if __name__ == "__main__":
    main()
