"""Reproduce published SciFact figures with `searchkit eval`, and time the evaluation.

Reads ../shared/datasets/scifact relative to the repository root (test split, 300 queries).
The first run indexes SciFact with the three MiniLM encoders (minutes on a laptop CPU); a
second, timed run then shows how long `searchkit eval` takes once the index exists.

    .venv/bin/python benchmarks/scifact_eval.py --home /some/scratch/indexes --out results/scifact

Published references:
* all-MiniLM-L6-v2 on SciFact, MTEB leaderboard: nDCG@10 0.645;
* BM25 flat (Anserini / Pyserini BEIR baseline: Lucene English analyzer, k1=0.9, b=0.4): 0.679.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCIFACT = REPO.parent / "shared" / "datasets" / "scifact"
HYBRID = "rrf(bm25,sbert:minilm)"
# BM25 configured like Anserini's flat BEIR baseline: stemming, stop words, k1=0.9, b=0.4.
# The published figures read each document's first 256 tokens: --long-docs first reproduces them.
EVAL_ARGS = [
    "eval", str(SCIFACT), "--bm25", "--hybrid", "--long-docs", "first",
    "--bm25-stemmer", "english", "--bm25-stopwords", "english", "--bm25-k1", "0.9", "--bm25-b", "0.4",
]  # fmt: skip
SPEED_TARGET_S = 30.0  # reported, not checked: timings depend on the machine's load
# The table in the README (measured with this command): retriever -> metric -> value, to 3 decimals.
README_FIGURES = {
    "bm25": {"ndcg@10": 0.677, "recall@100": 0.925, "mrr@10": 0.645},
    "cls:minilm": {"ndcg@10": 0.606, "recall@100": 0.916, "mrr@10": 0.570},
    "mean:minilm": {"ndcg@10": 0.645, "recall@100": 0.925, "mrr@10": 0.605},
    "sbert:minilm": {"ndcg@10": 0.645, "recall@100": 0.925, "mrr@10": 0.605},
    HYBRID: {"ndcg@10": 0.713, "recall@100": 0.955, "mrr@10": 0.676},
}


def run_eval(home: Path, out: Path) -> tuple[dict, float]:
    """Run `searchkit eval` in a fresh interpreter; the JSON report and the wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "searchkit", *EVAL_ARGS, "--home", str(home), "--out", str(out), "--plot", str(out / "recall.png")],
        check=True,
    )
    seconds = time.perf_counter() - started
    return json.loads((out / "report.json").read_text(encoding="utf-8")), seconds


def check(report: dict) -> list[str]:
    """The failed checks (empty when every figure is where it should be)."""
    ndcg = {name: metrics["ndcg@10"] for name, metrics in report["metrics"].items()}
    failures = []
    if abs(ndcg["sbert:minilm"] - 0.645) > 0.01:
        failures.append(f"sbert:minilm nDCG@10 {ndcg['sbert:minilm']:.4f} is not within 0.01 of MTEB's 0.645")
    if abs(ndcg["bm25"] - 0.679) > 0.03:
        failures.append(f"bm25 nDCG@10 {ndcg['bm25']:.4f} is not within 0.03 of Anserini's 0.679")
    if ndcg[HYBRID] <= max(ndcg["bm25"], ndcg["sbert:minilm"]):
        failures.append(f"{HYBRID} nDCG@10 {ndcg[HYBRID]:.4f} is not above both of its parts")
    for name, figures in README_FIGURES.items():
        for metric, expected in figures.items():
            measured = report["metrics"][name][metric]
            if round(measured, 3) != expected:
                failures.append(f"{name} {metric} {measured:.4f} differs from the README's {expected:.3f}")
    tested = {frozenset((c["a"], c["b"])) for c in report["comparisons"] if c["metric"] == "ndcg@10"}
    for name in ("cls:minilm", "mean:minilm"):
        for other in ("sbert:minilm", "bm25"):
            if frozenset((name, other)) not in tested:
                failures.append(f"no significance test between {name} and {other}")
    if report["settings"]["corpus"]["evaluated_queries"] != 300:
        failures.append(f"expected 300 test queries, got {report['settings']['corpus']['evaluated_queries']}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True, help="folder for the SciFact index (reused when present)")
    parser.add_argument("--out", type=Path, required=True, help="folder for run files, report.json, report.md, recall.png")
    args = parser.parse_args()
    if not SCIFACT.is_dir():
        sys.exit(f"SciFact not found at {SCIFACT}")
    run_eval(args.home, args.out)  # indexes what is missing
    report, seconds = run_eval(args.home, args.out)
    print(f"\nsearchkit eval after indexing: {seconds:.1f} s wall time (5 retrievers, 300 queries; target {SPEED_TARGET_S:.0f} s)")
    failures = check(report)
    for failure in failures:
        print(f"FAIL: {failure}")
    print("all checks passed" if not failures else f"{len(failures)} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
