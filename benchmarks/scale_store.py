"""Embedded stores at scale, through the VectorStore interface: qdrant-client's local mode against qdrant-edge.

    python benchmarks/scale_store.py --out results/scale [--sizes 10000,50000,100000] [--kinds local,edge,edge-hnsw]

Each document has three named 384-dim unit vectors, each a weighted sum of a few of 500 cluster
centres plus noise (so nearest neighbours are structured, as text embeddings are); queries are made
the same way. For every kind and size a fresh process builds the index (ingest points/s: the time in the
store's upsert and flush calls, and also with making the points from numpy rows; disk), and
another opens it and answers the queries (open time, p50/p95 of one query over the three vectors,
peak resident memory); recall@10 is against exact cosine top-10 in numpy. `edge-hnsw` is edge
after `optimize(force=True)` (HNSW m 32 / ef_construct 200 and int8 vectors on the large segments, searched
with EdgeStore's ef 512 and int8 rescoring); `edge` is left plain, searched exactly. Writes scale_store.md and scale_store.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DIM = 384
NAMES = ("cls-minilm", "mean-minilm", "sbert-minilm")
CENTRES = 500
BATCH = 256
K = 10
TARGETS = {"query_p50_ms": 20.0, "recall_at_10": 0.99, "ingest_points_per_s": 5000.0, "open_s": 2.0, "rss_mb": 2048.0}


def vectors(seed: int, count: int, noise: float = 0.6) -> np.ndarray:
    """`count` unit vectors, each three random centres (weights 1, 0.6, 0.3) plus Gaussian noise."""
    centres = np.random.default_rng(12345).standard_normal((CENTRES, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, CENTRES, size=(count, 3))
    out = centres[picks[:, 0]] + 0.6 * centres[picks[:, 1]] + 0.3 * centres[picks[:, 2]]
    out += noise * rng.standard_normal((count, DIM)).astype(np.float32) / np.sqrt(DIM)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def documents(size: int) -> dict[str, np.ndarray]:
    return {name: vectors(1000 + i, size) for i, name in enumerate(NAMES)}


def queries(count: int) -> dict[str, np.ndarray]:
    return {name: vectors(2000 + i, count) for i, name in enumerate(NAMES)}


def open_kind(folder: Path, kind: str):
    from searchkit.store import open_store

    return open_store(folder, "bench", kind="local" if kind == "local" else "edge")


def build(folder: Path, kind: str, size: int) -> dict:
    from searchkit.corpus import Document
    from searchkit.store import DocumentPoint

    data = documents(size)
    store = open_kind(folder, kind)
    store.create(dict.fromkeys(NAMES, DIM), {"bench": size})
    text = "a passage of some two hundred characters, as a short document of a corpus would hold; " * 2
    started, writing = time.perf_counter(), 0.0
    for start in range(0, size, BATCH):
        points = [
            DocumentPoint(
                Document(f"doc-{i}", f"Title {i}", text),
                {name: data[name][i].tolist() for name in NAMES},
                dict.fromkeys(NAMES, "fp"),
            )
            for i in range(start, min(start + BATCH, size))
        ]
        written = time.perf_counter()
        store.upsert(points)
        writing += time.perf_counter() - written
    written = time.perf_counter()
    store.flush()  # durable, as `index_corpus` leaves each chunk
    writing += time.perf_counter() - written
    ingest = time.perf_counter() - started
    optimize = 0.0
    if kind == "edge-hnsw":
        started = time.perf_counter()
        store.optimize(force=True)
        optimize = time.perf_counter() - started
    store.close()
    return {
        "ingest_points_per_s": size / writing,  # in the store: upsert and flush calls
        "prepared_points_per_s": size / ingest,  # with making the points (vectors as lists) counted too
        "ingest_s": ingest, "optimize_s": optimize, "disk_mb": disk_mb(folder),
    }  # fmt: skip


def serve(folder: Path, kind: str, query_file: Path) -> dict:
    rows = dict(np.load(query_file))
    started = time.perf_counter()
    store = open_kind(folder, kind)
    assert store.exists()
    opened = time.perf_counter() - started
    count = len(rows[NAMES[0]])
    for i in range(min(5, count)):  # warm-up
        for name in NAMES:
            store.search(name, rows[name][i], K)
    timings, hits = [], {name: [] for name in NAMES}
    for i in range(count):
        started = time.perf_counter()
        answers = {name: store.search(name, rows[name][i], K)[0] for name in NAMES}
        timings.append(time.perf_counter() - started)
        for name in NAMES:
            hits[name].append([h.doc_id for h in answers[name]])
    store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "open_s": opened,
        "query_p50_ms": float(np.percentile(timings, 50) * 1000),
        "query_p95_ms": float(np.percentile(timings, 95) * 1000),
        "rss_mb": rss,
        "hits": hits,
    }


def disk_mb(folder: Path) -> float:
    return sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file()) / 2**20


def recall(size: int, rows: dict[str, np.ndarray], hits: dict[str, list[list[str]]]) -> float:
    data = documents(size)
    found = total = 0
    for name in NAMES:
        exact = np.argsort(-(rows[name] @ data[name].T), axis=1)[:, :K]
        for truth, got in zip(exact, hits[name]):
            found += len({f"doc-{i}" for i in truth} & set(got))
            total += K
    return found / total


def child(step: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, f"--{step}", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{step} {' '.join(args)} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def table(results: list[dict]) -> str:
    head = "| store | documents | ingest points/s (with making the points) | optimize s | open s | query p50 ms (3 vectors) | p95 ms | recall@10 | RSS MB | disk MB |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        lines.append(
            f"| {r['kind']} | {r['size']:,} | {r['ingest_points_per_s']:,.0f} ({r['prepared_points_per_s']:,.0f}) | {r['optimize_s']:.1f} | {r['open_s']:.2f} "
            f"| {r['query_p50_ms']:.1f} | {r['query_p95_ms']:.1f} | {r['recall_at_10']:.4f} | {r['rss_mb']:,.0f} | {r['disk_mb']:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--kinds", default="local,edge,edge-hnsw")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--build", nargs=3, metavar=("FOLDER", "KIND", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=3, metavar=("FOLDER", "KIND", "QUERIES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        print(json.dumps(build(Path(args.build[0]), args.build[1], int(args.build[2]))))
        return
    if args.serve:
        print(json.dumps(serve(Path(args.serve[0]), args.serve[1], Path(args.serve[2]))))
        return
    if args.out is None:
        parser.error("--out is required")
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="scale-store-") as scratch:
        query_file = Path(scratch) / "queries.npz"
        rows = queries(args.queries)
        np.savez(query_file, **rows)
        for size in map(int, args.sizes.split(",")):
            for kind in args.kinds.split(","):
                folder = Path(scratch) / f"{kind}-{size}"
                built = child("build", str(folder), kind, str(size))
                served = child("serve", str(folder), kind, str(query_file))
                hits = served.pop("hits")
                result = {"kind": kind, "size": size, **built, **served, "recall_at_10": recall(size, rows, hits)}
                results.append(result)
                print(json.dumps(result), flush=True)
                subprocess.run(["rm", "-rf", str(folder)], check=True)
                (args.out / "scale_store.json").write_text(json.dumps({"targets": TARGETS, "results": results}, indent=2))
                (args.out / "scale_store.md").write_text(table(results))


if __name__ == "__main__":
    main()
