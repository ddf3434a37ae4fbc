"""Per-query ranking metrics, one module each, and the name -> function table."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from searchkit.evaluation.metrics.map import average_precision
from searchkit.evaluation.metrics.mrr import mrr
from searchkit.evaluation.metrics.ndcg import ndcg
from searchkit.evaluation.metrics.precision import precision
from searchkit.evaluation.metrics.recall import recall

Metric = Callable[[Sequence[str], Mapping[str, int], int], float]

METRICS: dict[str, Metric] = {
    "ndcg": ndcg,
    "recall": recall,
    "precision": precision,
    "mrr": mrr,
    "map": average_precision,
}

__all__ = ["METRICS", "Metric", "average_precision", "mrr", "ndcg", "precision", "recall"]
