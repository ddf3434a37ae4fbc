"""A server's own settings (HNSW, int8 quantization, sharding, payload indexes), batched and retried writes,
and server-side fusion: the HTTP requests qdrant-client sends for us, answered by a fake server (respx)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import numpy as np
import pytest
import respx
from conftest import QDRANT_URL

from searchkit.corpus import Document
from searchkit.errors import StoreError
from searchkit.retrieval.hybrid import rrf
from searchkit.store import (
    DocumentPoint,
    QdrantStore,
    ServerSettings,
    open_store,
    point_id,
)
from searchkit.types import Hit
from store.fake_qdrant import URL, FakeQdrant

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

FAST = dict(backoff=0.0)


@pytest.fixture()
def server(monkeypatch: pytest.MonkeyPatch):
    for name in [v for v in __import__("os").environ if v.startswith("SEARCHKIT_QDRANT_")]:
        monkeypatch.delenv(name)
    with respx.mock(base_url=URL, assert_all_called=False) as mock:
        yield FakeQdrant(mock)


def documents(count: int) -> list[DocumentPoint]:
    rng = np.random.default_rng(0)
    points = []
    for i in range(count):
        doc = Document(f"d{i:04d}", f"title {i}", f"text {i}")
        points.append(DocumentPoint(doc, {"a": rng.normal(size=4).tolist()}, {"a": "fp"}))
    return points


def open_server(tmp_path: Path, settings: ServerSettings | None = None) -> QdrantStore:
    store = open_store(tmp_path / "tiny", "tiny", URL, settings=settings)
    assert isinstance(store, QdrantStore)
    return store


def test_collection_gets_hnsw_and_payload_indexes_and_no_quantization_by_default(server: FakeQdrant, tmp_path: Path) -> None:
    open_server(tmp_path).create({"a": 4}, {"corpus": "x"})
    (body,) = server.calls("PUT", "/collections/tiny")
    assert body["hnsw_config"] == {"m": 16, "ef_construct": 100}
    assert "quantization_config" not in body and "shard_number" not in body and "replication_factor" not in body
    assert body["vectors"] == {"a": {"size": 4, "distance": "Cosine"}} and body["metadata"] == {"searchkit": {"corpus": "x"}}
    indexes = server.calls("PUT", "/collections/tiny/index")
    assert [(i["field_name"], i["field_schema"]) for i in indexes] == [("doc_id", "keyword"), ("window", "integer")]


def test_settings_choose_hnsw_int8_quantization_shards_and_replication(server: FakeQdrant, tmp_path: Path) -> None:
    settings = ServerSettings(hnsw_m=32, ef_construct=256, quantization="int8", shard_number=6, replication_factor=2)
    store = open_server(tmp_path, settings)
    store.create({"a": 4}, {})
    (body,) = server.calls("PUT", "/collections/tiny")
    assert body["hnsw_config"] == {"m": 32, "ef_construct": 256}
    assert body["quantization_config"] == {"scalar": {"type": "int8", "quantile": 0.99, "always_ram": True}}
    assert (body["shard_number"], body["replication_factor"]) == (6, 2)

    # searches over int8 vectors rescore their candidates with the full vectors
    server.mock.post("/collections/tiny/points/query/batch").respond(json={"result": [{"points": []}], "status": "ok", "time": 0})
    store.search("a", np.ones(4, dtype=np.float32), k=3, windows=None)
    (query,) = server.calls("POST", "/points/query/batch")[0]["searches"]
    assert query["params"] == {"quantization": {"rescore": True, "oversampling": 2.0}}


def test_settings_from_the_environment(server: FakeQdrant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARCHKIT_QDRANT_HNSW_M", "48")
    monkeypatch.setenv("SEARCHKIT_QDRANT_QUANTIZATION", "INT8")
    monkeypatch.setenv("SEARCHKIT_QDRANT_SHARDS", "3")
    monkeypatch.setenv("SEARCHKIT_QDRANT_REPLICATION", "2")
    open_server(tmp_path).create({"a": 4}, {})
    (body,) = server.calls("PUT", "/collections/tiny")
    assert body["hnsw_config"]["m"] == 48 and body["quantization_config"]["scalar"]["type"] == "int8"
    assert (body["shard_number"], body["replication_factor"]) == (3, 2)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SEARCHKIT_QDRANT_HNSW_M", "many", "$SEARCHKIT_QDRANT_HNSW_M must be a whole number, got 'many'"),
        ("SEARCHKIT_QDRANT_QUANTIZATION", "pq", "$SEARCHKIT_QDRANT_QUANTIZATION must be one of off, int8, got 'pq'"),
        ("SEARCHKIT_QDRANT_REPLICATION", "0", "server setting replication_factor must be >= 1, got 0"),
    ],
)
def test_bad_settings_are_one_line_before_connecting(server: FakeQdrant, tmp_path: Path, monkeypatch, variable, value, message) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(StoreError) as caught:
        open_server(tmp_path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert not server.mock.calls


def test_local_mode_gets_no_server_settings(tmp_path: Path) -> None:
    store = open_store(tmp_path / "old", "old", kind="local")
    try:
        store.create({"a": 4}, {})  # no payload indexes, HNSW or quantization asked of local mode
        assert isinstance(store, QdrantStore) and not store.server
    finally:
        store.close()


def test_upserts_go_in_batches(server: FakeQdrant, tmp_path: Path) -> None:
    store = open_server(tmp_path, ServerSettings(batch_size=100, **FAST))
    store.create({"a": 4}, {})
    store.upsert(documents(250))
    assert [len(b["points"]) for b in server.calls("PUT", "/points")] == [100, 100, 50]
    assert store.count() == 250


def test_a_503_is_retried_with_backoff_and_leaves_each_point_once(server: FakeQdrant, tmp_path: Path, monkeypatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("searchkit.store.qdrant.time.sleep", slept.append)
    store = open_server(tmp_path, ServerSettings(batch_size=100))
    store.create({"a": 4}, {})
    server.failures, server.apply_failed = [503, 502], True  # both writes landed, their answers were lost
    points = documents(150)
    store.upsert(points)
    bodies = server.calls("PUT", "/points")
    assert [len(b["points"]) for b in bodies] == [100, 100, 100, 50]  # the first batch sent three times
    assert bodies[0] == bodies[1] == bodies[2]
    assert slept == [0.5, 1.0]  # exponential backoff
    held = server.collections["tiny"]["points"]
    assert sorted(held) == sorted(point_id(p.document.id) for p in points)  # deterministic ids: no duplicates
    assert {held[point_id(p.document.id)]["payload"]["doc_id"] for p in points} == {p.document.id for p in points}
    assert store.count() == 150


def test_a_connection_error_or_429_is_retried(server: FakeQdrant, tmp_path: Path) -> None:
    store = open_server(tmp_path, ServerSettings(**FAST))
    store.create({"a": 4}, {})
    server.failures = [httpx.ConnectError("connection refused"), 429, 504]
    store.upsert(documents(3))
    assert len(server.calls("PUT", "/points")) == 4 and store.count() == 3


def test_persistent_failure_is_one_line_after_the_last_attempt(server: FakeQdrant, tmp_path: Path) -> None:
    store = open_server(tmp_path, ServerSettings(attempts=3, **FAST))
    store.create({"a": 4}, {})
    server.failures = [503] * 3
    with pytest.raises(StoreError) as caught:
        store.upsert(documents(3))
    message = str(caught.value)
    assert message == (
        f"writing points 1-3 of 3: Qdrant at {URL} failed (503 Service Unavailable: Service Unavailable); "
        "check the server's log and try again (gave up after 3 attempts)"
    )
    assert len(server.calls("PUT", "/points")) == 3


def test_a_rejected_write_is_not_retried(server: FakeQdrant, tmp_path: Path) -> None:
    store = open_server(tmp_path, ServerSettings(**FAST))
    store.create({"a": 4}, {})
    server.failures = [400]
    with pytest.raises(StoreError, match="rejected the request"):
        store.upsert(documents(3))
    assert len(server.calls("PUT", "/points")) == 1


def test_fused_search_asks_the_server_for_rrf_of_each_vector(server: FakeQdrant, tmp_path: Path) -> None:
    store = open_server(tmp_path)
    answer = [  # the server's fused points: "b" and "c" tie, "a" after them
        {"id": point_id(d), "version": 1, "score": s, "payload": {"doc_id": d}}
        for d, s in [("b", 1 / 61 + 1 / 62), ("c", 1 / 62 + 1 / 61), ("a", 1 / 63)]
    ]
    server.mock.post("/collections/tiny/points/query/batch").respond(json={"result": [{"points": answer}], "status": "ok", "time": 0})
    queries = {"x": np.array([[1.0, 0, 0, 0]]), "y": np.array([[0, 1.0, 0, 0]])}
    (hits,) = store.fused_search(queries, k=2, rrf_k=60, depth=50)
    (request,) = server.calls("POST", "/points/query/batch")[0]["searches"]
    assert request["query"] == {"rrf": {"k": 61}}  # Qdrant counts ranks from 0: 1 / (60 + rank from 1)
    assert request["limit"] == 100 and request["with_payload"] == ["doc_id"]
    only_documents = {"must_not": [{"key": "window", "range": {"gte": 1}}]}
    assert [(p["using"], p["query"], p["limit"], p["filter"]) for p in request["prefetch"]] == [
        ("x", [1.0, 0, 0, 0], 50, only_documents),
        ("y", [0, 1.0, 0, 0], 50, only_documents),
    ]
    # ties broken as local RRF breaks them (doc id descending), then cut to k
    local = rrf([[Hit("c", 0), Hit("b", 0), Hit("a", 0)], [Hit("b", 0), Hit("c", 0)]], k=60, limit=2)
    assert [h.doc_id for h in hits] == [h.doc_id for h in local] == ["c", "b"]


def test_fused_search_sends_sparse_queries_and_drops_empty_ones(server: FakeQdrant, tmp_path: Path) -> None:
    store = open_server(tmp_path)
    server.mock.post("/collections/tiny/points/query/batch").respond(json={"result": [{"points": []}], "status": "ok", "time": 0})
    queries = {"bm25": [([3, 7], [1.0, 2.0]), ([], [])], "x": np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])}
    assert store.fused_search(queries, k=5, rrf_k=10, depth=20) == [[], []]
    first, second = server.calls("POST", "/points/query/batch")[0]["searches"]
    sparse, dense = first["prefetch"]
    assert (sparse["using"], sparse["query"], sparse["limit"]) == ("bm25", {"indices": [3, 7], "values": [1.0, 2.0]}, 20)
    assert "filter" not in sparse and dense["using"] == "x"  # window points hold no sparse vector
    assert first["query"] == {"rrf": {"k": 11}}
    # a query with no known term asks the dense vector alone
    assert [p["using"] for p in second["prefetch"]] == ["x"] and second["query"] == {"rrf": {"k": 11}}


def test_put_sparse_makes_the_vector_anew_and_records_its_version_last(server: FakeQdrant, tmp_path: Path) -> None:
    store = open_server(tmp_path, ServerSettings(batch_size=2, **FAST))
    store.create({"a": 4}, {})
    store.upsert(documents(3))
    assert store.sparse_version("bm25") is None
    rows = [(f"d{i:04d}", ([i, 9], [0.5, 1.5])) for i in range(3)]
    store.put_sparse("bm25", "v1", rows)
    assert server.calls("PUT", "/vectors/bm25") == [{"sparse": {}}]
    writes = server.calls("PUT", "/points/vectors")
    assert [len(w["points"]) for w in writes] == [2, 1]  # in batches of settings.batch_size
    assert writes[0]["points"][0] == {"id": point_id("d0000"), "vector": {"bm25": {"indices": [0, 9], "values": [0.5, 1.5]}}}
    metadata = [body["metadata"] for body in server.calls("PATCH", "/collections/tiny")]
    assert metadata == [{"searchkit_sparse": {"bm25": None}}, {"searchkit_sparse": {"bm25": "v1"}}]
    assert store.sparse_version("bm25") == "v1"

    store.put_sparse("bm25", "v2", rows[:1])  # a new BM25 model: the old vectors go first
    assert len(server.calls("DELETE", "/vectors/bm25")) == 1
    assert "bm25" not in server.collections["tiny"]["points"][point_id("d0002")]["vector"]
    assert store.sparse_version("bm25") == "v2"
    # copying the store (migrate) carries dense vectors only: sparse ones are made again from BM25
    assert all(set(vectors) == {"a"} for _, vectors, _ in store.records())


def test_fused_search_refuses_window_rankings(server: FakeQdrant, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="fuse window"):
        open_server(tmp_path).fused_search({"x": np.ones((1, 4))}, k=3, windows=True)


def test_settings_are_checked() -> None:
    with pytest.raises(StoreError, match="quantization must be one of off, int8"):
        ServerSettings(quantization="binary")
    assert json.dumps(ServerSettings().quantization) == '"off"'


@pytest.mark.skipif(not QDRANT_URL, reason="set QDRANT_URL to test against a real Qdrant server")
def test_real_server_fuses_as_local_rrf_does(tmp_path: Path) -> None:
    name = f"searchkit-test-{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(1)
    points = [DocumentPoint(Document(f"d{i:03d}", "", ""), {"x": rng.normal(size=8).tolist(), "y": rng.normal(size=8).tolist()}, {}) for i in range(200)]
    store = open_store(tmp_path / name, name, QDRANT_URL, settings=ServerSettings(batch_size=64))
    try:
        store.create({"x": 8, "y": 8}, {})
        store.upsert(points)
        queries = {"x": rng.normal(size=(3, 8)), "y": rng.normal(size=(3, 8))}
        fused = store.fused_search(queries, k=10, rrf_k=60, depth=30, windows=None)
        parts = [store.search(n, q.astype(np.float32), k=30, windows=None) for n, q in queries.items()]
        local = [rrf(rankings, k=60, limit=10) for rankings in zip(*parts)]
        assert [[h.doc_id for h in hits] for hits in fused] == [[h.doc_id for h in hits] for hits in local]
    finally:
        store.client.delete_collection(name)
        store.close()
