"""EdgeStore's optimize hook: nothing below OPTIMIZE_FROM points; forced, the same hits before and after."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from searchkit.corpus import Document, load_corpus
from searchkit.index import Index
from searchkit.indexing import index_corpus
from searchkit.store.base import DocumentPoint
from searchkit.store.edge import OPTIMIZE_FROM, EdgeStore


def _store(root: Path, count: int) -> tuple[EdgeStore, np.ndarray]:
    rows = np.random.default_rng(7).standard_normal((count, 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    store = EdgeStore(root, "c")
    store.create({"v": 16}, {})
    store.upsert([DocumentPoint(Document(f"d{i}", "", f"text {i}"), {"v": rows[i].tolist()}, {"v": "fp"}) for i in range(count)])
    return store, rows


def test_optimize_waits_for_the_threshold(tmp_path: Path) -> None:
    store, _ = _store(tmp_path, 50)
    try:
        assert 50 < OPTIMIZE_FROM and store.optimize() is False
    finally:
        store.close()


def test_forced_optimize_keeps_hits_and_reopens(tmp_path: Path) -> None:
    store, rows = _store(tmp_path, 300)
    before = store.search("v", rows[:5], 5, windows=None)
    store.optimize(force=True)
    assert store.search("v", rows[:5], 5, windows=None) == before
    assert [hits[0].doc_id for hits in before] == [f"d{i}" for i in range(5)]
    store.close()
    store = EdgeStore(tmp_path, "c")
    try:
        assert store.count() == 300 and store.search("v", rows[:5], 5, windows=None) == before
    finally:
        store.close()


def test_indexing_says_when_the_hnsw_build_starts_and_how_long_it_takes(
    tmp_path: Path, tiny_corpus: Path, minilm_encoders, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("searchkit.store.edge.OPTIMIZE_FROM", 5)
    said: list[str] = []
    with Index.open("tiny", home=tmp_path, create=True) as index:
        index_corpus(load_corpus(tiny_corpus), minilm_encoders[2:], index, status=said.append)
        expected = rf"building HNSW graphs over {index.store.points()} points: about \d+ s on \d+ cores \(cannot be cancelled\)"
        assert len(said) == 1 and re.fullmatch(expected, said[0])
        index_corpus(load_corpus(tiny_corpus), minilm_encoders[2:], index, status=said.append)
        assert len(said) == 1  # nothing new was written: nothing to announce
