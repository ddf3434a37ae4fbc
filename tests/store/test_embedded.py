"""Embedded Qdrant storage on disk, edge and qdrant-client's local mode: point layout, index location, the single-process lock."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from conftest import assert_clean_error, index_snapshot

from searchkit.corpus import Document, load_corpus
from searchkit.errors import IndexLockedError
from searchkit.index import Index, vector_name
from searchkit.store import point_id

FOLDERS = {"edge": "edge", "local": "qdrant"}


@pytest.fixture(params=sorted(FOLDERS))
def store_kind(request: pytest.FixtureRequest) -> str:
    """Every test of an index here runs on both embedded stores."""
    return request.param


def test_points_have_uuid_ids_and_document_payloads(tiny_index_home: Path, tiny_corpus: Path, minilm_encoders) -> None:
    corpus = load_corpus(tiny_corpus)
    with Index.open("tiny", home=tiny_index_home) as index:
        points = index_snapshot(index)
    assert len(points) == len(corpus) == 7
    fingerprints = {vector_name(e.spec): e.fingerprint for e in minilm_encoders}
    for pid, (payload, vectors) in points.items():
        doc = corpus.documents[payload["doc_id"]]
        assert uuid.UUID(pid).version == 5 and pid == point_id(doc.id)
        windows = {name: f"{fingerprint}-254-192" for name, fingerprint in fingerprints.items()}  # all short: no window points
        assert json.loads(payload.pop("state")) == {"hash": doc.content_hash, "vectors": fingerprints}
        assert payload == {"doc_id": doc.id, "title": doc.title, "text": doc.text, "windows": windows}
        assert {name: len(vector) for name, vector in vectors.items()} == {name: 384 for name in fingerprints}


def test_point_ids_and_hashes_are_stable() -> None:
    assert point_id("guitar") == point_id("guitar") != point_id("violin")
    assert point_id("guitar") == str(uuid.uuid5(uuid.UUID("6f1c1f5e-3a43-4a43-9d1e-5ea4c4b1e2a7"), "guitar"))  # as written since the start
    assert Document("a", "T", "x").content_hash == Document("b", "T", "x").content_hash
    assert Document("a", "T", "x").content_hash != Document("a", "Tx", "").content_hash


def test_index_lives_under_home_and_opens_by_folder(tiny_index_home: Path, store_kind: str) -> None:
    folder = tiny_index_home / "tiny"
    assert [p.name for p in folder.iterdir() if p.name in FOLDERS.values()] == [FOLDERS[store_kind]]
    with Index.open(folder) as index:  # a folder path instead of a name
        assert (index.name, index.folder, index.store.count()) == ("tiny", folder, 7)


def test_second_opener_in_process_is_refused(tiny_index_home: Path) -> None:
    with Index.open("tiny", home=tiny_index_home):
        with pytest.raises(IndexLockedError, match="open in another process"):
            Index.open("tiny", home=tiny_index_home)


def test_second_process_gets_a_clear_lock_error(tiny_index_home: Path, run_searchkit, store_kind: str) -> None:
    with Index.open("tiny", home=tiny_index_home):
        result = run_searchkit("search", "tiny", "guitar", "--home", tiny_index_home)
    if store_kind == "local":  # the command opens no local-mode index: it names the conversion first
        assert_clean_error(result, "searchkit migrate")
    else:
        assert_clean_error(result, "another process", "--qdrant-url")


def test_vector_names_are_readable_and_unique() -> None:
    assert vector_name("sbert:minilm") == "sbert-minilm"
    long_a, long_b = vector_name("cls:/models/a b/minilm"), vector_name("cls:/models/a-b/minilm")
    assert long_a != long_b and long_a.startswith("cls-models-a-b-minilm-")
    assert len(vector_name("mean:/" + "x" * 200)) <= 64
