"""Every pooling of all-MiniLM-L6-v2 on STS-B test, with and without BERT-whitening.

Spearman correlation x100 between the cosine of each pair's vectors and its gold score, over the
1,379 test pairs of ../shared/datasets/stsbenchmark/stsb.tsv. All poolings come from one forward
pass per batch (searchkit's encoders over one shared backbone). Whitening is fitted to the test
sentences themselves (both sides of every pair; BERT-whitening's "target" setting fits to the
task's own sentences, its train and dev splits too), on the unit vectors searchkit's encoders return.

    python benchmarks/poolings_sts.py
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from searchkit.encoders import encode_all, load_encoders
from searchkit.encoders.whitening import apply_whitening, fit_whitening

STSB = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "stsbenchmark" / "stsb.tsv"
SPECS = "cls:minilm,mean:minilm,max:minilm,firstlast:minilm,sbert:minilm"
WHITENING_K = (None, 128)  # every axis along which the vectors vary, and the 128 of largest variance


def load_test_pairs() -> tuple[list[str], list[str], np.ndarray]:
    with STSB.open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE) if row["split"] == "test"]
    return [r["sentence1"] for r in rows], [r["sentence2"] for r in rows], np.array([float(r["score"]) for r in rows])


def spearman_x100(left: np.ndarray, right: np.ndarray, gold: np.ndarray) -> float:
    return 100 * spearmanr((left * right).sum(axis=1), gold).statistic  # unit vectors: dot = cosine


def main() -> None:
    if not STSB.is_file():
        sys.exit(f"STS-B not found at {STSB}")
    first, second, gold = load_test_pairs()
    sentences = list(dict.fromkeys(first + second))
    row = {sentence: i for i, sentence in enumerate(sentences)}
    left, right = [row[s] for s in first], [row[s] for s in second]
    print(f"STS-B test: {len(gold)} pairs, {len(sentences)} distinct sentences")

    encoders = load_encoders(SPECS)
    start = time.perf_counter()
    vectors = encode_all(encoders, sentences, batch_size=32)
    print(f"encoded {len(sentences)} sentences with {len(encoders)} poolings in {time.perf_counter() - start:.1f} s\n")

    columns = ["cosine"] + [f"whitened, k={k}" if k else "whitened, all axes" for k in WHITENING_K]
    print(f"| encoder | {' | '.join(columns)} |\n|---|{'---:|' * len(columns)}")
    for spec, matrix in vectors.items():
        scores = [spearman_x100(matrix[left], matrix[right], gold)]
        for k in WHITENING_K:
            whitened = apply_whitening(matrix, *fit_whitening(matrix, k))
            scores.append(spearman_x100(whitened[left], whitened[right], gold))
        print(f"| `{spec}` | {' | '.join(f'{s:.2f}' for s in scores)} |")


if __name__ == "__main__":
    main()
