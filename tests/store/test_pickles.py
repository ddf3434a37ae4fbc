"""No index folder runs code from its files: edge storage holds no pickles, local-mode storage is never unpickled
unless asked for, and converting it to edge reads its points with an unpickler that refuses everything else."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_clean_error, index_snapshot

from searchkit.corpus import load_corpus
from searchkit.errors import IndexDamagedError, StoreError
from searchkit.index import Index
from searchkit.indexing import index_corpus
from searchkit.store import convert_local_index, point_id


class Payload:
    """Unpickled, it creates `marker` (as an attacker's pickle would run anything)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def plant_local_mode(folder: Path, marker: Path) -> bytes:
    """A local-mode storage for collection "tiny" in `folder`, whose one point is a malicious pickle."""
    storage = folder / "qdrant" / "collection" / "tiny"
    storage.mkdir(parents=True)
    vectors = {"sbert-minilm": {"size": 384, "distance": "Cosine"}}
    meta = {"collections": {"tiny": {"vectors": vectors, "metadata": {"searchkit": {"format": 1}}}}, "aliases": {}}
    (folder / "qdrant" / "meta.json").write_text(json.dumps(meta))
    blob = pickle.dumps(Payload(marker))
    with sqlite3.connect(storage / "storage.sqlite") as db:
        db.execute("CREATE TABLE points (id TEXT PRIMARY KEY, point BLOB)")
        db.execute("INSERT INTO points VALUES (?, ?)", (point_id("guitar"), blob))
    db.close()
    return blob


def test_a_local_mode_folder_is_never_unpickled(tmp_path: Path, run_searchkit) -> None:
    home, marker = tmp_path / "indexes", tmp_path / "pwned"
    folder = home / "tiny"
    blob = plant_local_mode(folder, marker)

    with pytest.raises(StoreError, match=r"qdrant-client local mode.*`searchkit migrate .*tiny`"):
        Index.open("tiny", home=home)
    result = run_searchkit("search", "tiny", "guitar", "--home", home)
    assert_clean_error(result, "searchkit migrate")
    with pytest.raises(IndexDamagedError, match="refused to load io.open"):
        convert_local_index(folder)
    assert not marker.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["qdrant"]  # a failed conversion leaves the folder as it was

    pickle.loads(blob)  # the planted pickle does run code when trusted
    assert marker.exists()


def test_an_edge_index_never_unpickles(tiny_index_home: Path, monkeypatch: pytest.MonkeyPatch, run_searchkit, minilm_encoders) -> None:
    folder, marker = tiny_index_home / "tiny", tiny_index_home / "pwned"
    plant_local_mode(folder, marker)  # beside the edge storage: the folder is an edge index, the planted files are never read

    def refuse(*args, **kwargs):
        raise AssertionError("something unpickled")

    with monkeypatch.context() as patched:
        for name in ("load", "loads", "Unpickler"):
            patched.setattr(pickle, name, refuse)
        with Index.open("tiny", home=tiny_index_home) as index:
            query = minilm_encoders[2].encode(["string instrument"], "query")
            assert index.store.search("sbert-minilm", query, 3)[0][0].doc_id in {"guitar", "violin"}
    result = run_searchkit("search", "tiny", "guitar", "--home", tiny_index_home)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()


def test_convert_a_local_mode_index(tmp_path: Path, tiny_corpus: Path, minilm_encoders, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "indexes"
    with monkeypatch.context() as patched:
        patched.setattr("searchkit.store.DEFAULT_KIND", "local")
        with Index.open("tiny", home=home, create=True) as index:
            index_corpus(load_corpus(tiny_corpus), minilm_encoders, index)
            before, manifest = index_snapshot(index), index.manifest
            query = minilm_encoders[2].encode(["string instrument"], "query")
            hits = index.store.search("sbert-minilm", query, 5)

    assert convert_local_index(home / "tiny") == len(before)
    assert sorted(p.name for p in (home / "tiny").iterdir()) == ["edge", "qdrant.local-mode-backup"]
    with Index.open("tiny", home=home) as index:
        assert type(index.store).__name__ == "EdgeStore"
        after = index_snapshot(index)
        assert index.manifest == manifest
        converted = index.store.search("sbert-minilm", query, 5)
    assert sorted(after) == sorted(before)
    for pid, (payload, vectors) in before.items():
        assert after[pid][0] == payload
        for name, vector in vectors.items():
            unit = np.asarray(vector) / np.linalg.norm(vector)
            np.testing.assert_allclose(after[pid][1][name], unit, atol=1e-6)
    assert [h.doc_id for h in converted[0]] == [h.doc_id for h in hits[0]]
    np.testing.assert_allclose([h.score for h in converted[0]], [h.score for h in hits[0]], atol=1e-5)


def test_the_migrate_command_converts_and_refuses_what_is_not_local_mode(
    tmp_path: Path, tiny_index_home: Path, run_searchkit
) -> None:
    assert_clean_error(run_searchkit("migrate", "tiny", "--home", tiny_index_home), "nothing to convert")
    home, marker = tmp_path / "indexes", tmp_path / "pwned"
    plant_local_mode(home / "tiny", marker)
    assert_clean_error(run_searchkit("migrate", "tiny", "--home", home), "tiny")  # its one point is no PointStruct
    assert not marker.exists() and (home / "tiny" / "qdrant").is_dir()  # refused before anything moved
