"""Precision: bf16 only where the hardware has bf16 units, recorded with the index, queries encoded as documents were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from searchkit.corpus import load_corpus
from searchkit.encoders import load_encoder
from searchkit.encoders.precision import cpu_has_bf16, resolve_precision
from searchkit.errors import IndexMismatchError
from searchkit.index import Index
from searchkit.indexing import build_index
from searchkit.retrieval import open_retrievers

SENTENCES = ["A guitar is a string instrument.", "Shares trade on the stock exchange."]


def cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: x\nflags\t\t: fpu sse2 {flags}\n\nprocessor\t: 1\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("flags", "native"),
    [("avx2 avx512f", False), ("avx512f avx512_bf16", True), ("amx_tile amx_bf16 amx_int8", True), ("avx512_bf16x", False)],
)
def test_bf16_units_are_read_from_the_cpu_flags(tmp_path: Path, flags: str, native: bool) -> None:
    assert cpu_has_bf16(cpuinfo(tmp_path, flags)) is native


def test_no_cpuinfo_means_no_bf16(tmp_path: Path) -> None:
    assert cpu_has_bf16(tmp_path / "missing") is False


def test_explicit_precisions_are_kept_and_unknown_ones_refused() -> None:
    assert resolve_precision("fp32") == "fp32" and resolve_precision("bf16") == "bf16"
    assert resolve_precision("auto") in ("fp32", "bf16")
    with pytest.raises(ValueError, match="fp16"):
        resolve_precision("fp16")


def test_bf16_vectors_are_close_to_fp32_and_fingerprinted_apart() -> None:
    fp32 = load_encoder("mean:minilm", precision="fp32")
    bf16 = load_encoder("mean:minilm", precision="bf16")
    assert bf16.fingerprint == f"{fp32.fingerprint}-bf16" and bf16.precision == "bf16"
    a, b = fp32.encode(SENTENCES), bf16.encode(SENTENCES)
    assert a.dtype == b.dtype == np.float32
    cosines = np.einsum("ij,ij->i", a, b)
    assert cosines.min() > 0.99 and np.abs(a - b).max() > 0  # close, and really computed in bf16


def test_the_index_records_its_precision_and_searches_with_it(tmp_path: Path, tiny_corpus: Path) -> None:
    home = tmp_path / "home"
    build_index(load_corpus(tiny_corpus), "mean:minilm", home=home, precision="bf16")
    with Index.open("tiny", home=home) as index:
        assert index.manifest.encoders["mean:minilm"].precision == "bf16"
        (dense,) = open_retrievers(index, "mean:minilm")  # auto: as indexed
        assert dense.encoder.precision == "bf16"
        assert dense.search("string instrument", 1)[0].doc_id == "guitar"
        assert dense.describe()["precision"] == "bf16"
        with pytest.raises(IndexMismatchError, match="--precision bf16"):
            open_retrievers(index, "mean:minilm", precision="fp32")
