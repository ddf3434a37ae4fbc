"""Evaluation of runs against relevance judgments: metrics, significance tests, TREC runs."""

from __future__ import annotations

from searchkit.evaluation.evaluate import Evaluation, evaluate
from searchkit.evaluation.metrics import METRICS
from searchkit.evaluation.plot import plot_recall_curves, recall_curves
from searchkit.evaluation.report import format_cell, markdown_table, metric_label, report_to_dict, write_report
from searchkit.evaluation.significance import Comparison, compare, paired_randomization_test
from searchkit.evaluation.trec import read_trec_run, write_trec_run

__all__ = [
    "METRICS",
    "Comparison",
    "Evaluation",
    "compare",
    "evaluate",
    "format_cell",
    "markdown_table",
    "metric_label",
    "paired_randomization_test",
    "plot_recall_curves",
    "read_trec_run",
    "recall_curves",
    "report_to_dict",
    "write_report",
    "write_trec_run",
]
