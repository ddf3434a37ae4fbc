"""Opt-in: long documents seen whole reach the reference figures on TIME (`pytest -m "slow and shared_data"`).

The reference was computed straight on torch + transformers: all-MiniLM-L6-v2, windows of 254 word
pieces every 192, a document scored by its best window (MaxP), against the first 254 pieces alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

REFERENCE = {  # nDCG@10
    "bm25": 0.744,  # Snowball stemming
    "cls:minilm@first": 0.613,
    "cls:minilm": 0.664,
    "mean:minilm@first": 0.655,
    "mean:minilm": 0.749,
}


def test_time_with_both_long_document_settings(shared_datasets: Path, tmp_path: Path, run_searchkit) -> None:
    if not (shared_datasets / "time").is_dir():
        pytest.skip("../shared/datasets/time is not present")
    result = run_searchkit(
        "eval", shared_datasets / "time", "--bm25", "--bm25-stemmer", "english", "--long-docs", "both",
        "--encoders", "cls:minilm,mean:minilm", "--json", "--home", tmp_path, timeout=3600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    ndcg = {name: metrics["ndcg@10"] for name, metrics in report["metrics"].items()}
    for name, expected in REFERENCE.items():
        assert ndcg[name] == pytest.approx(expected, abs=0.01), name
    assert report["retrievers"]["mean:minilm"]["long_documents"] == 400
    assert (report["retrievers"]["mean:minilm"]["tokens"], report["retrievers"]["mean:minilm"]["stride"]) == (254, 192)
