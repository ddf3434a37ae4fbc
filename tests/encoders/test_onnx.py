"""Torch-free query encoding: the ONNX export of a built-in encoder's model gives the torch model's vectors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from searchkit.encoders import load_query_encoder
from searchkit.encoders.onnx import (
    QUERY_POOLINGS,
    OnnxBackbone,
    export_for_queries,
    has_export,
    pending_exports,
)

TEXTS = [
    "what causes anemia?",
    "x",
    "Iron deficiency is the most common cause of anemia worldwide. " * 60,  # past 256 pieces: truncated alike
    "ünïcødé, emoji 🙂 and\tcontrol\x07 characters",
]


def test_export_gives_the_torch_vectors(minilm_encoders, minilm_query_export: Path) -> None:
    backbone = minilm_encoders[0].backbone
    exported = OnnxBackbone(minilm_query_export, backbone.fingerprint)
    expected = backbone.encode(TEXTS, QUERY_POOLINGS, "query")
    got = exported.encode(TEXTS, QUERY_POOLINGS, batch_size=3)  # a padded batch and a batch of one
    for pooling in QUERY_POOLINGS:
        assert got[pooling].shape == (len(TEXTS), 384)
        np.testing.assert_allclose(np.sum(got[pooling] * expected[pooling], axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(got["sbert"], got["mean"], atol=1e-6)  # MiniLM's pipeline is mean pooling


def test_query_encoders_share_the_export_and_the_fingerprint(minilm_encoders, minilm_query_export: Path) -> None:
    for torch_encoder in minilm_encoders:
        encoder = load_query_encoder(torch_encoder.spec, precision="fp32")
        assert encoder is not None and (encoder.spec, encoder.fingerprint, encoder.dimension) == (
            torch_encoder.spec, torch_encoder.fingerprint, torch_encoder.dimension,
        )  # fmt: skip
        np.testing.assert_allclose(encoder.encode(TEXTS[:2]), torch_encoder.encode(TEXTS[:2], "query"), atol=1e-5)
    assert load_query_encoder("cls:minilm", precision="fp32").backbone is load_query_encoder("mean:minilm", precision="fp32").backbone
    assert pending_exports(minilm_encoders) == []  # exported once: `searchkit index` does not export again


@pytest.mark.parametrize(("spec", "precision"), [("firstlast:minilm", "fp32"), ("mean:minilm", "bf16")])
def test_what_needs_torch_gets_no_query_encoder(minilm_query_export: Path, spec: str, precision: str) -> None:
    assert load_query_encoder(spec, precision=precision) is None  # type: ignore[arg-type]


def test_a_model_without_export_gets_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert load_query_encoder("mean:minilm", precision="fp32") is None


def test_a_damaged_export_falls_back_to_torch(minilm_query_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    copy = tmp_path / "searchkit" / "onnx" / minilm_query_export.name
    shutil.copytree(minilm_query_export, copy)
    (copy / "model.onnx").write_bytes((minilm_query_export / "model.onnx").read_bytes()[:1000])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert load_query_encoder("mean:minilm", precision="fp32") is None
    assert load_query_encoder("cls:minilm", precision="fp32") is None
    (record,) = caplog.records  # said once
    assert f"the query export at {copy} cannot be read" in record.getMessage() and "encoding queries with torch" in record.getMessage()


def test_a_model_that_cannot_be_exported_is_noted_once(minilm_encoders, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    backbone = minilm_encoders[0].backbone
    monkeypatch.setattr(backbone.model, "prompts", {"query": "query: "})  # a prompted model: queries differ from documents
    assert export_for_queries(backbone) is None
    (folder,) = (tmp_path / "searchkit" / "onnx").iterdir()
    assert not has_export(folder) and "prompts queries" in json.loads((folder / "searchkit-query.json").read_text())["unsupported"]
    assert pending_exports(minilm_encoders) == []


def test_cold_search_loads_no_torch(tiny_index_home: Path, minilm_encoders, minilm_query_export: Path) -> None:
    """`searchkit search` answers from the export without importing torch, transformers or sentence-transformers."""
    script = (
        "import sys; from searchkit.cli import main; status = main(['search', 'tiny', 'bowed string instrument', '--json', "
        f"'--home', {str(tiny_index_home)!r}]); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'sklearn') if m in sys.modules), file=sys.stderr); "
        "sys.exit(status)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"
    answers = json.loads(result.stdout)["results"]
    from searchkit.index import Index
    from searchkit.retrieval import DenseRetriever

    with Index.open("tiny", home=tiny_index_home) as index:
        for encoder in minilm_encoders:
            expected = DenseRetriever(index, encoder).search("bowed string instrument", 10)
            assert [hit["id"] for hit in answers[encoder.spec]] == [hit.doc_id for hit in expected]
            np.testing.assert_allclose([hit["score"] for hit in answers[encoder.spec]], [hit.score for hit in expected], atol=1e-5)
