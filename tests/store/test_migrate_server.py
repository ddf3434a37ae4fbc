"""`searchkit migrate NAME --qdrant-url` and `--to-embedded`: an index copied between edge storage and a
server (faked with respx, keeping what it is sent), points and manifest as stored, nothing re-encoded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import respx

from searchkit.cli import main
from searchkit.corpus import Document
from searchkit.errors import StoreError
from searchkit.store import DocumentPoint, EdgeStore, WindowPoint, point_id
from searchkit.store.migrate import copy_to_embedded, copy_to_server
from searchkit.store.points import window_point_id
from store.fake_qdrant import URL, FakeQdrant

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

MANIFEST = {"format": 1, "corpus": {"name": "tiny"}, "encoders": {"sbert:x": {"vector": "a", "dimension": 4}}}


@pytest.fixture()
def server():
    with respx.mock(base_url=URL, assert_all_called=False) as mock:
        yield FakeQdrant(mock)


def unit(*values: float) -> list[float]:
    vector = np.asarray(values, dtype=np.float32)
    return (vector / np.linalg.norm(vector)).tolist()


VECTORS = {"violin": unit(1, 0, 0, 0), "guitar": unit(1, 1, 0, 0), "stocks": unit(0, 0, 1, 0)}


def build_edge(folder: Path, count: int = 0) -> None:
    """An edge index: three documents, one window point, and `count` filler documents (to span batches)."""
    store = EdgeStore(folder / "edge", folder.name)
    try:
        store.create({"a": 4, "b": 2}, MANIFEST)
        points = [DocumentPoint(Document(d, d.title(), f"about {d}"), {"a": v, "b": unit(1, 2)}, {"a": "fa", "b": "fb"}) for d, v in VECTORS.items()]
        points += [DocumentPoint(Document(f"x{i:04d}", "", f"filler {i}"), {"a": unit(0, 0, 0, 1)}, {"a": "fa"}) for i in range(count)]
        store.upsert(points)
        store.upsert_windows([WindowPoint("violin", "s1", 1, (10, 20), {"a": unit(0, 1, 0, 0)}, {"a": "fa"})])
    finally:
        store.close()


def test_embedded_to_server_sends_the_collection_every_point_and_the_manifest(server: FakeQdrant, tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    build_edge(folder, count=300)
    (folder / "bm25.json").write_text("{}")  # a side file: it stays

    assert main(["migrate", str(folder), "--qdrant-url", URL]) == 0

    (create,) = server.calls("PUT", "/collections/tiny")
    assert create["vectors"] == {"a": {"size": 4, "distance": "Cosine"}, "b": {"size": 2, "distance": "Cosine"}}
    assert create["metadata"] == {"searchkit": MANIFEST} and create["hnsw_config"] == {"m": 16, "ef_construct": 100}
    assert [b["field_name"] for b in server.calls("PUT", "/collections/tiny/index")] == ["doc_id", "window"]
    sent = [p for body in server.calls("PUT", "/points") for p in body["points"]]
    assert len(sent) == 304 and len({p["id"] for p in sent}) == 304  # 303 documents and a window point, in batches
    by_id = {p["id"]: p for p in sent}
    violin = by_id[point_id("violin")]
    state = json.dumps({"hash": Document("violin", "Violin", "about violin").content_hash, "vectors": {"a": "fa", "b": "fb"}})
    assert violin["payload"] == {"doc_id": "violin", "title": "Violin", "text": "about violin", "state": state}
    np.testing.assert_allclose(violin["vector"]["a"], VECTORS["violin"], atol=1e-6)
    np.testing.assert_allclose(violin["vector"]["b"], unit(1, 2), atol=1e-6)
    window = by_id[window_point_id("violin", "s1", 1)]
    assert window["payload"] == {"doc_id": "violin", "window": 1, "scheme": "s1", "span": [10, 20], "vectors": {"a": "fa"}}
    assert set(window["vector"]) == {"a"}
    assert (folder / "edge" / "tiny").is_dir() and (folder / "bm25.json").is_file()  # the embedded copy stays


def test_embedded_to_server_refuses_an_existing_collection(server: FakeQdrant, tmp_path: Path) -> None:
    build_edge(tmp_path / "tiny")
    server.collections["tiny"] = {"config": {}, "points": {}, "indexes": {}}
    with pytest.raises(StoreError, match="already holds a collection 'tiny'"):
        copy_to_server(tmp_path / "tiny", "tiny", URL)
    assert not server.calls("PUT", "/points")


def test_server_to_embedded_writes_edge_storage_that_searches_locally(server: FakeQdrant, tmp_path: Path) -> None:
    build_edge(tmp_path / "tiny", count=300)
    copy_to_server(tmp_path / "tiny", "tiny", URL)  # the fake server now holds the index

    home = tmp_path / "home"
    assert main(["migrate", "tiny", "--home", str(home), "--qdrant-url", URL, "--to-embedded"]) == 0

    scrolls = server.calls("POST", "/points/scroll")
    assert all(s["with_vector"] is True and s["with_payload"] is True for s in scrolls) and len(scrolls) == 2
    store = EdgeStore(home / "tiny" / "edge", "tiny")
    try:
        assert store.manifest() == MANIFEST and store.count() == 303
        assert store.vector_names() == {"a", "b"}
        (hits,) = store.search("a", np.asarray([unit(1, 0.1, 0, 0)], dtype=np.float32), k=2, windows=False)
        assert [h.doc_id for h in hits] == ["violin", "guitar"]
        (hits,) = store.search("a", np.asarray([unit(0, 1, 0, 0)], dtype=np.float32), k=1, windows=True)
        assert (hits[0].doc_id, hits[0].span) == ("violin", (10, 20))  # the window point came along
        assert store.documents(["stocks"])["stocks"] == Document("stocks", "Stocks", "about stocks")
    finally:
        store.close()


def test_server_to_embedded_refuses_a_folder_with_storage(server: FakeQdrant, tmp_path: Path) -> None:
    build_edge(tmp_path / "tiny")
    copy_to_server(tmp_path / "tiny", "tiny", URL)
    with pytest.raises(StoreError, match="already holds embedded storage"):
        copy_to_embedded(tmp_path / "tiny", "tiny", URL)
    assert not server.calls("POST", "/points/scroll")


def test_missing_collection_is_one_line(server: FakeQdrant, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "nothing", "--home", str(tmp_path), "--qdrant-url", URL, "--to-embedded"]) != 0
    err = capsys.readouterr().err
    assert f"Qdrant at {URL} holds no collection 'nothing'" in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "nothing" / "edge").exists()
