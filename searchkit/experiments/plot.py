"""Recall@k curves (k = 1..max_k) per retriever, as numbers and as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from searchkit.evaluation import evaluate

if TYPE_CHECKING:
    from searchkit.experiments.retrieval import ExperimentReport


def recall_curves(report: ExperimentReport, max_k: int = 100) -> dict[str, list[float]]:
    """Retriever name -> mean recall@k for k = 1..max_k (same definition as the table's recall@k)."""
    metrics = [f"recall@{k}" for k in range(1, max_k + 1)]
    curves = {}
    for name, run in report.runs.items():
        mean = evaluate(report.qrels, run, metrics).mean
        curves[name] = [mean[m] for m in metrics]
    return curves


def plot_recall_curves(report: ExperimentReport, path: Path, max_k: int = 100) -> Path:
    """Draw `recall_curves` into a PNG at `path` (matplotlib's Agg backend, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = list(range(1, max_k + 1))
    figure, axes = plt.subplots(figsize=(8, 5), dpi=120)
    try:
        for name, curve in recall_curves(report, max_k).items():
            axes.plot(ks, curve, label=name, linewidth=1.6)
        corpus = report.settings["corpus"]
        axes.set(
            xlabel="k",
            ylabel="mean recall@k",
            xlim=(1, max_k),
            ylim=(0, 1.0),
            title=f"{corpus['name']}: recall@k ({corpus['evaluated_queries']} queries)",
        )
        axes.set_xscale("log")
        ticks = [k for k in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if k <= max_k]
        axes.set_xticks(ticks, [str(k) for k in ticks])
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(loc="lower right")
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png")
    finally:
        plt.close(figure)
    return path
