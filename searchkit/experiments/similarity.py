"""The sentence-similarity experiment: how well each encoder's cosine follows human similarity scores.

    report = run_similarity(load_pairs("stsb.tsv"), load_encoders("cls:minilm,mean:minilm,sbert:minilm"))
    for row in report.table_rows(): ...

Per encoder: the Spearman and Pearson correlations (x100, scipy.stats) between the cosine of each
pair's two sentences and its gold score, as STS papers and MTEB report them. Every pair of encoders
is compared on the same pairs with a paired bootstrap, and each encoder's anisotropy is measured on
random pairs of the sentences (see `searchkit.experiments.anisotropy`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import combinations
from typing import Any, Literal

import numpy as np

from searchkit.corpus.pairs import Pairs
from searchkit.encoders import Encoder, encode_all
from searchkit.encoders.whitening import apply_whitening, fit_whitening
from searchkit.errors import SearchkitError
from searchkit.evaluation.correction import adjust, describe_correction
from searchkit.experiments.anisotropy import (
    DEFAULT_PAIRS,
    PERCENTILES,
    Anisotropy,
    measure_anisotropy,
)
from searchkit.experiments.retrieval import label_for, significant_wins

Correlation = Literal["spearman", "pearson"]
CORRELATIONS: tuple[Correlation, ...] = ("spearman", "pearson")
RESAMPLES = 10_000
WHITENED = "+whiten"  # a whitened encoder's row: its spec and this
SIGNIFICANCE_TEST = (
    "paired bootstrap over pairs (both encoders on the same resampled pairs), two-sided: p is the share of "
    "resamples whose difference lies at least as far from the observed one as the observed one lies from 0"
)
# Bound the resampled matrices built per batch to about this many entries.
_BATCH_ENTRIES = 1 << 20


@dataclass(frozen=True)
class PairedTest:
    """Encoders `a` and `b` on one correlation: values and their difference x100, and the bootstrap's verdict."""

    a: str
    b: str
    correlation: Correlation
    value_a: float
    value_b: float
    low: float  # 2.5th percentile of the bootstrap difference a - b
    high: float  # 97.5th percentile
    p_value: float
    adjusted_p_value: float  # after the multiple-comparison correction (the p-value itself without one)
    significant: bool  # adjusted_p_value <= max_p


@dataclass(frozen=True)
class SimilarityRow:
    """One encoder's line in the table."""

    label: str  # a, b, c, ... in table order; significance marks name rows by it
    name: str
    values: dict[Correlation, float]  # x100
    beats: dict[Correlation, list[str]]  # labels of the rows this one is significantly better than
    anisotropy: Anisotropy


@dataclass
class SimilarityReport:
    pairs: Pairs
    cosines: dict[str, np.ndarray]  # encoder spec -> cosine of each pair
    correlations: dict[str, dict[Correlation, float]]  # x100
    comparisons: dict[Correlation, dict[tuple[str, str], PairedTest]]  # (a, b) in table order
    anisotropy: dict[str, Anisotropy]
    encoders: dict[str, dict[str, Any]]  # spec -> fingerprint, dimension
    settings: dict[str, Any]
    seconds: float  # encoding every sentence with every encoder

    @property
    def names(self) -> list[str]:
        return list(self.cosines)

    def better(self, correlation: Correlation, a: str, b: str) -> bool:
        """Whether `a` is significantly better than `b` on `correlation`."""
        tests = self.comparisons[correlation]
        test = tests.get((a, b)) or tests.get((b, a))
        if test is None or not test.significant:
            return False
        return (test.value_a > test.value_b) == (test.a == a)

    def table_rows(self) -> list[SimilarityRow]:
        wins = {c: significant_wins(self.names, partial(self.better, c)) for c in CORRELATIONS}
        return [
            SimilarityRow(
                label=label_for(position),
                name=name,
                values=dict(self.correlations[name]),
                beats={c: wins[c][name] for c in CORRELATIONS},
                anisotropy=self.anisotropy[name],
            )
            for position, name in enumerate(self.names)
        ]


def run_similarity(
    pairs: Pairs,
    encoders: Sequence[Encoder],
    *,
    max_p: float = 0.01,
    random_seed: int = 42,
    resamples: int = RESAMPLES,
    anisotropy_pairs: int = DEFAULT_PAIRS,
    batch_size: int = 32,
    whiten: bool = False,
    correction: str = "none",
) -> SimilarityReport:
    """Encode every distinct sentence once per encoder, correlate the pairs' cosines with the gold scores, compare.

    `whiten` adds a row `SPEC+whiten` after each encoder's: its vectors through BERT-whitening fitted on
    the distinct sentences read (as Su et al. fit it on an STS data set's own sentences). `correction`
    (none, holm or bh) adjusts the p-values of each correlation's pairwise tests.
    """
    from scipy.stats import pearsonr, spearmanr

    if not encoders:
        raise SearchkitError("nothing to compare: name at least one encoder")
    names = [encoder.spec for encoder in encoders]
    if len(set(names)) != len(names):
        raise SearchkitError(f"encoder specs must be unique, got {', '.join(names)}")
    gold = np.asarray(pairs.scores, dtype=np.float64)
    if np.ptp(gold) == 0:
        raise SearchkitError(
            f"{pairs.path}: the {len(gold)} pair(s) read all have the gold score {gold[0]:g}; a correlation needs scores that differ"
        )
    sentences = pairs.sentences
    row = {sentence: i for i, sentence in enumerate(sentences)}
    first = np.array([row[s] for s in pairs.first])
    second = np.array([row[s] for s in pairs.second])

    started = time.perf_counter()
    vectors = encode_all(encoders, sentences, "document", batch_size)
    seconds = time.perf_counter() - started
    if whiten:
        vectors = {
            row: matrix
            for name in names
            for row, matrix in ((name, vectors[name]), (name + WHITENED, apply_whitening(vectors[name], *fit_whitening(vectors[name]))))
        }
        names = list(vectors)
    cosines = {}
    for name in names:
        unit = np.asarray(vectors[name], dtype=np.float64)
        cosines[name] = np.einsum("ij,ij->i", unit[first], unit[second])
        if np.ptp(cosines[name]) == 0:
            raise SearchkitError(
                f"{name} gives every pair the same cosine ({cosines[name][0]:.3f}): its correlation is undefined"
            )
    correlations: dict[str, dict[Correlation, float]] = {
        name: {
            "spearman": 100 * float(spearmanr(cosine, gold).statistic),
            "pearson": 100 * float(pearsonr(cosine, gold).statistic),
        }
        for name, cosine in cosines.items()
    }
    resampled = bootstrap_correlations(gold, cosines, resamples=resamples, random_seed=random_seed)
    comparisons = {c: _paired_tests(names, c, correlations, resampled, max_p, correction) for c in CORRELATIONS}
    settings = {
        "pairs": {
            "name": pairs.name,
            "path": str(pairs.path),
            "split": pairs.split,
            "pairs": len(pairs),
            "sentences": len(sentences),
            "columns": pairs.columns,
        },
        "similarity": "cosine of the two sentences' vectors (encoded as documents), against the gold score",
        "correlations": "Spearman and Pearson x 100 (scipy.stats)",
        "batch_size": batch_size,
        **({"whitening": f"BERT-whitening (every axis that varies) fitted on the {len(sentences)} distinct sentences"} if whiten else {}),
        "significance": {
            "test": SIGNIFICANCE_TEST,
            "resamples": resamples,
            "random_seed": random_seed,
            "max_p": max_p,
            "correction": correction,
            "multiple_comparisons": describe_correction(correction, len(names) * (len(names) - 1) // 2, "correlation"),
            "pairs": "every pair of encoders, on each correlation",
        },
        "anisotropy": {
            "texts": "distinct sentences of the pairs read",
            "pairs": anisotropy_pairs,
            "random_seed": random_seed,
            "percentiles": list(PERCENTILES),
        },
    }
    return SimilarityReport(
        pairs=pairs,
        cosines=cosines,
        correlations=correlations,
        comparisons=comparisons,
        anisotropy={name: measure_anisotropy(vectors[name], anisotropy_pairs, random_seed) for name in names},
        encoders={
            e.spec: {"fingerprint": e.fingerprint, "dimension": e.dimension, "precision": getattr(e, "precision", "")}
            for e in encoders
        },
        settings=settings,
        seconds=seconds,
    )


def bootstrap_correlations(
    gold: np.ndarray,
    cosines: dict[str, np.ndarray],
    *,
    resamples: int = RESAMPLES,
    random_seed: int = 42,
) -> dict[str, dict[Correlation, np.ndarray]]:
    """Each encoder's correlations (x100) on the same `resamples` resamples of the pairs, drawn with replacement.

    A resample whose gold scores or cosines are all equal has no correlation: nan.
    """
    from scipy.stats import rankdata

    rng = np.random.default_rng(random_seed)
    batch = max(1, _BATCH_ENTRIES // len(gold))
    parts: dict[str, dict[Correlation, list[np.ndarray]]] = {name: {c: [] for c in CORRELATIONS} for name in cosines}
    for start in range(0, resamples, batch):
        rows = rng.integers(0, len(gold), size=(min(batch, resamples - start), len(gold)))
        drawn_gold = gold[rows]
        gold_ranks = rankdata(drawn_gold, axis=1)
        for name, cosine in cosines.items():
            drawn = cosine[rows]
            parts[name]["pearson"].append(_row_pearson(drawn, drawn_gold))
            parts[name]["spearman"].append(_row_pearson(rankdata(drawn, axis=1), gold_ranks))
    return {name: {c: np.concatenate(values) for c, values in by_name.items()} for name, by_name in parts.items()}


def _row_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson's r x100 of each row of `x` with the same row of `y`; nan for a row with no spread."""
    x = x - x.mean(axis=1, keepdims=True)
    y = y - y.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100 * np.einsum("ij,ij->i", x, y) / np.sqrt(np.einsum("ij,ij->i", x, x) * np.einsum("ij,ij->i", y, y))


def _paired_tests(
    names: Sequence[str],
    correlation: Correlation,
    observed: dict[str, dict[Correlation, float]],
    resampled: dict[str, dict[Correlation, np.ndarray]],
    max_p: float,
    correction: str,
) -> dict[tuple[str, str], PairedTest]:
    """Every pair of encoders on `correlation`, their p-values adjusted together by `correction`."""
    pairs = list(combinations(names, 2))
    tests = [_bootstrap_test(a, b, correlation, observed, resampled) for a, b in pairs]
    adjusted = adjust([p_value for p_value, _, _ in tests], correction)
    return {
        (a, b): PairedTest(
            a=a,
            b=b,
            correlation=correlation,
            value_a=observed[a][correlation],
            value_b=observed[b][correlation],
            low=low,
            high=high,
            p_value=p_value,
            adjusted_p_value=q,
            significant=q <= max_p,
        )
        for (a, b), (p_value, low, high), q in zip(pairs, tests, adjusted)
    }


def _bootstrap_test(
    a: str,
    b: str,
    correlation: Correlation,
    observed: dict[str, dict[Correlation, float]],
    resampled: dict[str, dict[Correlation, np.ndarray]],
) -> tuple[float, float, float]:
    """The two-sided p-value of `a` - `b` on `correlation`, and the difference's 95% bootstrap interval."""
    difference = observed[a][correlation] - observed[b][correlation]
    drawn = resampled[a][correlation] - resampled[b][correlation]
    drawn = drawn[~np.isnan(drawn)]
    # Tolerate rounding so that resamples at exactly the observed distance are counted.
    threshold = abs(difference) - 1e-9 * max(1.0, abs(difference))
    count = int(np.count_nonzero(np.abs(drawn - difference) >= threshold))
    p_value = (count + 1) / (len(drawn) + 1)
    low, high = np.percentile(drawn, [2.5, 97.5]) if len(drawn) else (float("nan"), float("nan"))
    return p_value, float(low), float(high)
