"""Evaluation of runs against relevance judgments: metrics, significance tests, TREC runs."""

from __future__ import annotations

from searchkit.evaluation.evaluate import Evaluation, evaluate
from searchkit.evaluation.metrics import METRICS
from searchkit.evaluation.significance import Comparison, compare, paired_randomization_test
from searchkit.evaluation.trec import read_trec_run, write_trec_run

__all__ = [
    "METRICS",
    "Comparison",
    "Evaluation",
    "compare",
    "evaluate",
    "paired_randomization_test",
    "read_trec_run",
    "write_trec_run",
]
