"""Experiments: the retrieval A/B (run, compare, diff) and its table, report and plot; sentence similarity (STS), anisotropy, and the model doctor.

Each experiment lives in its own module beside its renderers; they read `searchkit.evaluation`'s
pure functions and ask retrievers through `searchkit.retrieval.answer_all`.
"""

from __future__ import annotations

from searchkit.experiments.anisotropy import (
    Anisotropy,
    measure_anisotropy,
    random_pairs,
)
from searchkit.experiments.doctor import DoctorReport, PoolingResult, diagnose
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
from searchkit.experiments.similarity import (
    PairedTest,
    SimilarityReport,
    SimilarityRow,
    run_similarity,
)
from searchkit.experiments.similarity_report import (
    write_report as write_similarity_report,
)
from searchkit.experiments.table import (
    console_table,
    format_cell,
    markdown_table,
    metric_label,
    significance_note,
)

__all__ = [
    "Anisotropy",
    "DoctorReport",
    "ExperimentReport",
    "PairedTest",
    "PoolingResult",
    "QueryDiff",
    "SimilarityReport",
    "SimilarityRow",
    "TableRow",
    "breakdown",
    "console_table",
    "diagnose",
    "diff",
    "evaluation_qrels",
    "format_cell",
    "label_for",
    "markdown_table",
    "measure_anisotropy",
    "metric_label",
    "plot_recall_curves",
    "random_pairs",
    "recall_curves",
    "report_to_dict",
    "run_experiment",
    "run_similarity",
    "significance_note",
    "write_report",
    "write_similarity_report",
]
