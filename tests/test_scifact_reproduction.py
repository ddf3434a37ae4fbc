"""Opt-in: reproduce the published SciFact figures (`pytest -m "slow and shared_data"`).

Indexing SciFact takes minutes; point $SEARCHKIT_SCIFACT_HOME at a folder to keep the index
between runs.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "scifact_eval.py"


def test_scifact_figures(shared_datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    if not (shared_datasets / "scifact").is_dir():
        pytest.skip("../shared/datasets/scifact is not present")
    spec = importlib.util.spec_from_file_location("scifact_eval", BENCHMARK)
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)

    home = Path(os.environ.get("SEARCHKIT_SCIFACT_HOME") or tmp_path_factory.mktemp("scifact-indexes"))
    out = tmp_path_factory.mktemp("scifact-report")
    benchmark.run_eval(home, out)  # indexes what is missing
    report, _ = benchmark.run_eval(home, out)
    assert benchmark.check(report) == []  # figures only: timings never go in tests
