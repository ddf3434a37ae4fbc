"""Experiments over the retrievers: the retrieval A/B (run, compare, diff) and its table, report and plot.

Each experiment lives in its own module beside its renderers; they read `searchkit.evaluation`'s
pure functions and ask retrievers through `searchkit.retrieval.answer_all`.
"""

from __future__ import annotations

from searchkit.experiments.plot import plot_recall_curves, recall_curves
from searchkit.experiments.report import report_to_dict, write_report
from searchkit.experiments.retrieval import (
    ExperimentReport,
    QueryDiff,
    TableRow,
    breakdown,
    diff,
    evaluation_qrels,
    label_for,
    run_experiment,
)
from searchkit.experiments.table import (
    console_table,
    format_cell,
    markdown_table,
    metric_label,
    significance_note,
)

__all__ = [
    "ExperimentReport",
    "QueryDiff",
    "TableRow",
    "breakdown",
    "console_table",
    "diff",
    "evaluation_qrels",
    "format_cell",
    "label_for",
    "markdown_table",
    "metric_label",
    "plot_recall_curves",
    "recall_curves",
    "report_to_dict",
    "run_experiment",
    "significance_note",
    "write_report",
]
