"""Watch [CLS] earn its meaning: tune all-MiniLM-L6-v2 with [CLS] pooling on SciFact's train pairs, then score it.

Tunes with `searchkit tune minilm --pooling cls --train ../shared/datasets/scifact --out OUT` (1 epoch
over the 919 pairs of qrels/train.tsv, batch 16, lr 2e-5, 10% warm-up, in-batch negatives with
scale 20), then runs `searchkit eval ../shared/datasets/scifact --encoders cls:OUT,mean:OUT
--long-docs first --home H` on the test split and prints nDCG@10 after tuning, for [CLS] and for
mean pooling of the same model, beside the untuned figures (README, "Measured here": SciFact).
`--untuned` also measures those. A finished OUT is reused.

    python benchmarks/tune_scifact.py [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "scifact"
REFERENCE = {"cls": (0.606, 0.624), "mean": (0.645, 0.658)}  # nDCG@10 untuned -> tuned


def searchkit(*args: object) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "searchkit", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"searchkit {args[0]} failed:\n{result.stderr}")
    return result


def measure(work: Path, untuned: bool = False) -> dict[str, tuple[float, float]]:
    """pooling -> (nDCG@10 untuned, tuned) on SciFact test (untuned: the reference unless `untuned`)."""
    out = work / "tuned"
    if not (out / "modules.json").is_file():
        started = time.perf_counter()
        print(
            searchkit(
                "tune", "minilm", "--pooling", "cls", "--train", SCIFACT, "--out", out
            ).stderr.strip()
        )
        print(f"tuning took {time.perf_counter() - started:.0f} s")
    specs = [f"{pooling}:{model}" for model in (["minilm"] if untuned else []) + [out] for pooling in REFERENCE]
    options = [
        "--long-docs",
        "first",
        "--home",
        work / "indexes",
        "--metrics",
        "ndcg@10",
        "--json",
    ]
    report = json.loads(
        searchkit("eval", SCIFACT, "--encoders", ",".join(specs), *options).stdout
    )
    ndcg = {name: metrics["ndcg@10"] for name, metrics in report["metrics"].items()}
    before = {p: ndcg[f"{p}:minilm"] if untuned else REFERENCE[p][0] for p in REFERENCE}
    return {pooling: (before[pooling], ndcg[f"{pooling}:{out}"]) for pooling in REFERENCE}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--work",
        type=Path,
        help="folder for the tuned model and the index (default: a temporary one)",
    )
    parser.add_argument("--untuned", action="store_true", help="measure the untuned model too (one more pass)")
    args = parser.parse_args()
    if not SCIFACT.is_dir():
        sys.exit(f"SciFact not found at {SCIFACT}")
    work = args.work or Path(tempfile.mkdtemp(prefix="tune-scifact-"))
    figures = measure(work, args.untuned)
    print(
        "\n| pooling | nDCG@10 untuned | tuned ([CLS] training) | reference |\n|---|---:|---:|---|"
    )
    for pooling, (before, after) in figures.items():
        reference = " -> ".join(f"{v:.3f}" for v in REFERENCE[pooling])
        print(f"| {pooling} | {before:.3f} | {after:.3f} | {reference} |")


if __name__ == "__main__":
    main()
