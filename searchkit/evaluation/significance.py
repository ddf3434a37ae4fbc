"""Paired two-sided randomization test and pairwise comparison of retrievers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from searchkit.evaluation.correction import adjust

# Bound the sign matrix built per batch to about this many entries.
_BATCH_ENTRIES = 1 << 22


@dataclass(frozen=True, slots=True)
class Comparison:
    """Means of retrievers ``a`` and ``b`` over their common queries and the test's verdict."""

    a: str
    b: str
    mean_a: float
    mean_b: float
    p_value: float
    adjusted_p_value: float  # after the multiple-comparison correction (the p-value itself without one)
    significant: bool  # adjusted_p_value <= max_p


def paired_randomization_test(
    a: Sequence[float],
    b: Sequence[float],
    *,
    n_resamples: int = 10_000,
    random_seed: int = 42,
) -> float:
    """Two-sided p-value that paired scores ``a`` and ``b`` have the same mean.

    Each resample flips the sign of every per-query difference at random; the p-value is
    (count + 1) / (n_resamples + 1), where count is the number of resamples whose absolute
    mean difference reaches the observed one (the observed split counts once, as in
    Fisher's test).
    """
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if diff.ndim != 1 or len(a) != len(b):
        raise ValueError(f"a and b must be flat sequences of equal length, got {len(a)} and {len(b)}")
    if diff.size == 0:
        raise ValueError("a and b are empty")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be positive, got {n_resamples}")

    observed = abs(diff.mean())
    # Tolerate rounding so that resamples equal to the observed statistic are counted.
    threshold = observed - 1e-12 * max(1.0, observed)
    rng = np.random.default_rng(random_seed)
    batch = max(1, _BATCH_ENTRIES // diff.size)
    count = 0
    for start in range(0, n_resamples, batch):
        size = min(batch, n_resamples - start)
        signs = rng.integers(0, 2, size=(size, diff.size), dtype=np.int8) * 2 - 1
        count += int(np.count_nonzero(np.abs(signs @ diff) / diff.size >= threshold))
    return (count + 1) / (n_resamples + 1)


def compare(
    per_query: dict[str, dict[str, float]],
    *,
    max_p: float = 0.01,
    n_resamples: int = 10_000,
    random_seed: int = 42,
    correction: str = "none",
) -> dict[tuple[str, str], Comparison]:
    """Test every pair of retrievers (in the given order) on the queries both have scores for.

    ``per_query`` maps retriever name -> query id -> score for one metric, e.g.
    ``{"bm25": evaluation.per_query["ndcg@10"], ...}``. The p-values of these tests are
    adjusted by ``correction`` (none, holm or bh: see `searchkit.evaluation.correction`);
    a pair is significant when its adjusted p-value is at most ``max_p``.
    """
    tested = []
    for name_a, name_b in combinations(per_query, 2):
        scores_a, scores_b = per_query[name_a], per_query[name_b]
        common = sorted(scores_a.keys() & scores_b.keys())
        if not common:
            raise ValueError(f"{name_a!r} and {name_b!r} have no query in common")
        values_a = [scores_a[qid] for qid in common]
        values_b = [scores_b[qid] for qid in common]
        p_value = paired_randomization_test(
            values_a, values_b, n_resamples=n_resamples, random_seed=random_seed
        )
        tested.append((name_a, name_b, float(np.mean(values_a)), float(np.mean(values_b)), p_value))
    adjusted = adjust([p_value for *_, p_value in tested], correction)
    return {
        (a, b): Comparison(a, b, mean_a, mean_b, p_value, q, q <= max_p)
        for (a, b, mean_a, mean_b, p_value), q in zip(tested, adjusted)
    }
