"""Evaluation of runs against relevance judgments: metrics, significance tests, TREC runs.

Pure functions over runs and judgments; nothing here knows about retrievers or experiments.
"""

from __future__ import annotations

from searchkit.evaluation.evaluate import (
    DEFAULT_METRICS,
    Evaluation,
    evaluate,
    parse_metric,
)
from searchkit.evaluation.metrics import METRICS
from searchkit.evaluation.metrics._utils import RELEVANCE_THRESHOLD, relevant_ids
from searchkit.evaluation.significance import (
    Comparison,
    compare,
    paired_randomization_test,
)
from searchkit.evaluation.trec import read_trec_run, write_trec_qrels, write_trec_run

__all__ = [
    "DEFAULT_METRICS",
    "METRICS",
    "RELEVANCE_THRESHOLD",
    "Comparison",
    "Evaluation",
    "compare",
    "evaluate",
    "paired_randomization_test",
    "parse_metric",
    "read_trec_run",
    "relevant_ids",
    "write_trec_qrels",
    "write_trec_run",
]
