"""A Qdrant server: the HTTP requests qdrant-client sends for us (intercepted with respx), and an opt-in real server."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import numpy as np
import pytest
import respx
from conftest import QDRANT_URL

from searchkit.corpus import load_corpus
from searchkit.index import Index, vector_name
from searchkit.indexing import index_corpus
from searchkit.retrieval import DenseRetriever
from searchkit.store import point_id
from searchkit.store.points import point_state

URL = "http://qdrant.test:6333"
OK = {"status": "ok", "time": 0.0}


@pytest.fixture()
def fake_server(monkeypatch: pytest.MonkeyPatch):
    """Canned Qdrant REST answers for an empty server; every request is recorded."""
    monkeypatch.setenv("SEARCHKIT_QDRANT_API_KEY", "secret-key")
    with respx.mock(base_url=URL, assert_all_called=False) as mock:
        mock.get("/").respond(json={"title": "qdrant", "version": "1.20.0"})  # the client's version check
        mock.get("/collections/tiny/exists").respond(json={"result": {"exists": False}, **OK})
        mock.put("/collections/tiny").respond(json={"result": True, **OK})
        mock.patch("/collections/tiny").respond(json={"result": True, **OK})  # manifest updates
        mock.put("/collections/tiny/index").respond(json={"result": {"operation_id": 0, "status": "completed"}, **OK})
        mock.post("/collections/tiny/points/scroll").respond(json={"result": {"points": [], "next_page_offset": None}, **OK})
        mock.put("/collections/tiny/points").respond(json={"result": {"operation_id": 1, "status": "completed"}, **OK})
        mock.post("/collections/tiny/points/delete").respond(json={"result": {"operation_id": 2, "status": "completed"}, **OK})
        hit = {"id": point_id("violin"), "version": 1, "score": 0.75, "payload": {"doc_id": "violin"}}
        mock.post("/collections/tiny/points/query/batch").respond(json={"result": [{"points": [hit]}], **OK})
        yield mock


def requests(mock: respx.MockRouter, method: str, path: str) -> list[httpx.Request]:
    return [c.request for c in mock.calls if c.request.method == method and c.request.url.path == path]


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
def test_requests_for_index_creation_upsert_and_search(fake_server, tmp_path: Path, tiny_corpus: Path, minilm_encoders) -> None:
    corpus = load_corpus(tiny_corpus)
    sbert = minilm_encoders[2]
    with Index.open("tiny", home=tmp_path, url=URL, create=True) as index:
        index_corpus(corpus, minilm_encoders, index)
        (hits,) = index.store.search(vector_name(sbert.spec), sbert.encode(["bowed strings"], "query"), k=3)
    assert [(h.doc_id, h.score) for h in hits] == [("violin", 0.75)]
    assert not (tmp_path / "tiny" / "qdrant").exists()  # nothing embedded
    assert all(call.request.headers.get("api-key") == "secret-key" for call in fake_server.calls)

    (create,) = requests(fake_server, "PUT", "/collections/tiny")
    body = json.loads(create.content)
    assert body["vectors"] == {vector_name(e.spec): {"size": 384, "distance": "Cosine"} for e in minilm_encoders}
    assert body["hnsw_config"] == {"m": 16, "ef_construct": 100} and "quantization_config" not in body
    indexes = [json.loads(r.content) for r in requests(fake_server, "PUT", "/collections/tiny/index")]
    assert [(i["field_name"], i["field_schema"]) for i in indexes] == [("doc_id", "keyword"), ("window", "integer")]
    manifest = body["metadata"]["searchkit"]
    assert manifest["corpus"] == {"name": "tiny", "path": str(tiny_corpus.resolve()), "split": "test", "kind": "BEIR folder", "documents": 7}
    assert {spec: r["fingerprint"] for spec, r in manifest["encoders"].items()} == {e.spec: e.fingerprint for e in minilm_encoders}

    points = [p for r in requests(fake_server, "PUT", "/collections/tiny/points") for p in json.loads(r.content)["points"]]
    assert sorted(p["payload"]["doc_id"] for p in points) == sorted(corpus.documents)
    for point in points:
        doc = corpus.documents[point["payload"]["doc_id"]]
        assert point["id"] == point_id(doc.id) and uuid.UUID(point["id"]).version == 5
        assert set(point["payload"]) == {"doc_id", "title", "text", "state", "windows"}
        assert (point["payload"]["title"], point["payload"]["text"]) == (doc.title, doc.text)
        state = point_state(point["payload"])
        assert (state.content_hash, state.vectors) == (doc.content_hash, {vector_name(e.spec): e.fingerprint for e in minilm_encoders})
        np.testing.assert_allclose(point["vector"][vector_name(sbert.spec)], sbert.encode([doc.content])[0], atol=1e-5)

    (search,) = requests(fake_server, "POST", "/collections/tiny/points/query/batch")
    (query,) = json.loads(search.content)["searches"]
    # windows are fetched 4 per document wanted, then folded into documents
    assert (query["using"], query["limit"], query["with_payload"]) == (vector_name(sbert.spec), 12, ["doc_id", "window", "span", "spans"])
    np.testing.assert_allclose(query["query"]["nearest"], sbert.encode(["bowed strings"], "query")[0], atol=1e-6)


@pytest.mark.skipif(not QDRANT_URL, reason="set QDRANT_URL to test against a real Qdrant server")
def test_real_server(tmp_path: Path, tiny_corpus: Path, minilm_encoders) -> None:
    name = f"searchkit-test-{uuid.uuid4().hex[:8]}"
    corpus = load_corpus(tiny_corpus)
    with Index.open(name, home=tmp_path, url=QDRANT_URL, create=True) as index:
        try:
            first = index_corpus(corpus, minilm_encoders, index)
            again = index_corpus(corpus, minilm_encoders, index)
            assert first.encoded == {e.spec: 7 for e in minilm_encoders} and again.to_encode == 0
            assert index.store.count() == 7
            assert set(index.manifest.encoders) == {e.spec for e in minilm_encoders}
            hits = DenseRetriever(index, minilm_encoders[2]).search("investing in company shares", k=3)
            assert hits[0].doc_id == "stocks"
        finally:
            index.store.client.delete_collection(name)
