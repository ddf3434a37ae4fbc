"""Indexing is incremental and resumable: only missing or stale vectors are encoded."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import (
    MINILM_SPECS,
    TINY_DOCS,
    TINY_QRELS,
    TINY_QUERIES,
    index_snapshot,
    write_beir,
)
from hashing_plugin import HashingEncoder

from searchkit.corpus import load_corpus
from searchkit.errors import IndexMismatchError, IndexNotFoundError
from searchkit.index import Index, vector_name
from searchkit.indexing import index_corpus
from searchkit.retrieval import DenseRetriever
from searchkit.store import point_id
from searchkit.store.points import point_state

SPECS = MINILM_SPECS.split(",")


def by_spec(encoders) -> dict:
    return {encoder.spec: encoder for encoder in encoders}


def test_reindexing_encodes_nothing(tiny_index_home: Path, tiny_corpus: Path, minilm_encoders) -> None:
    with Index.open("tiny", home=tiny_index_home) as index:
        before = index_snapshot(index)
        report = index_corpus(load_corpus(tiny_corpus), minilm_encoders, index)
        after = index_snapshot(index)
    assert (report.to_encode, report.done, report.encoded) == (0, 0, {})
    assert (report.added, report.changed, report.removed) == (0, 0, 0)
    assert (report.documents, report.skipped_empty) == (7, 1)
    assert after == before
    assert sorted(before) == sorted(point_id(d["_id"]) for d in TINY_DOCS if d["_id"] != "empty")


def test_adding_an_encoder_encodes_only_that_encoder(tmp_path: Path, tiny_corpus: Path, minilm_encoders) -> None:
    corpus = load_corpus(tiny_corpus)
    encoders = by_spec(minilm_encoders)
    sbert = vector_name("sbert:minilm")
    with Index.open("tiny", home=tmp_path, create=True) as index:
        first = index_corpus(corpus, [encoders["sbert:minilm"]], index)
        assert first.encoded == {"sbert:minilm": 7} and first.added == 7
        sbert_only = index_snapshot(index)
        assert all(set(vectors) == {sbert} for _, vectors in sbert_only.values())

        second = index_corpus(corpus, minilm_encoders, index)
        assert second.encoded == {"cls:minilm": 7, "mean:minilm": 7}
        assert (second.to_encode, second.added, second.changed) == (7, 0, 0)
        both = index_snapshot(index)
        assert set(index.manifest.encoders) == set(SPECS)

        # a later run naming one encoder keeps the others in the manifest
        third = index_corpus(corpus, [encoders["cls:minilm"]], index)
        assert third.to_encode == 0
        assert set(index.manifest.encoders) == set(SPECS)

    docs = list(corpus.documents.values())
    expected_cls = encoders["cls:minilm"].encode([d.content for d in docs])
    for row, doc in enumerate(docs):
        payload, vectors = both[point_id(doc.id)]
        # kept, not re-encoded (Qdrant re-normalizes cosine vectors on upsert: equal up to rounding)
        np.testing.assert_allclose(vectors[sbert], sbert_only[point_id(doc.id)][1][sbert], atol=1e-7)
        np.testing.assert_allclose(vectors[vector_name("cls:minilm")], expected_cls[row], atol=1e-5)
        assert point_state(payload).vectors == {vector_name(s): encoders[s].fingerprint for s in SPECS}


def test_changed_document_reencoded_and_removed_document_deleted(
    tiny_index_home: Path, tmp_path: Path, minilm_encoders
) -> None:
    docs = {d["_id"]: dict(d) for d in TINY_DOCS}
    docs["bread"]["text"] = "Under-proofed dough is dense and tears when shaped."
    del docs["tomato"]
    docs["cello"] = {"_id": "cello", "title": "Cello", "text": "The cello is played seated, held between the knees."}
    qrels = [q for q in TINY_QRELS if q[1] != "tomato"]
    # the same corpus path, so the manifest keeps pointing at it
    corpus = load_corpus(write_beir(tmp_path / "tiny", list(docs.values()), TINY_QUERIES, qrels))

    with Index.open("tiny", home=tiny_index_home) as index:
        before = index_snapshot(index)
        report = index_corpus(corpus, minilm_encoders, index)
        after = index_snapshot(index)
        states = index.store.states()
    assert (report.added, report.changed, report.removed) == (1, 1, 1)
    assert report.encoded == {spec: 2 for spec in SPECS}
    assert set(states) == set(corpus.documents) and "tomato" not in states
    assert point_id("tomato") not in after
    assert states["bread"].content_hash == corpus.documents["bread"].content_hash
    assert after[point_id("bread")][0]["text"] == docs["bread"]["text"]
    for encoder in minilm_encoders:
        name = vector_name(encoder.spec)
        new = encoder.encode([corpus.documents["bread"].content, corpus.documents["cello"].content])
        np.testing.assert_allclose(after[point_id("bread")][1][name], new[0], atol=1e-5)
        np.testing.assert_allclose(after[point_id("cello")][1][name], new[1], atol=1e-5)
    for doc_id in ("guitar", "violin", "stocks", "bonds", "error"):
        assert after[point_id(doc_id)] == before[point_id(doc_id)]


def test_an_encoder_left_out_of_a_run_is_reported_as_partial(tmp_path: Path, tiny_corpus: Path, minilm_encoders) -> None:
    encoders = by_spec(minilm_encoders)
    with Index.open("tiny", home=tmp_path, create=True) as index:
        index_corpus(load_corpus(tiny_corpus), minilm_encoders, index)
        assert index.coverage_warnings() == []
        assert {r.documents for r in index.manifest.encoders.values()} == {7}

        docs = TINY_DOCS + [{"_id": "cello", "title": "Cello", "text": "The cello is played seated."}]
        grown = load_corpus(write_beir(tiny_corpus, docs, TINY_QUERIES, TINY_QRELS))  # the corpus grew in place
        index_corpus(grown, [encoders["sbert:minilm"]], index)
        records = index.manifest.encoders
        assert (records["sbert:minilm"].documents, records["cls:minilm"].documents) == (8, 7)
        warnings = index.coverage_warnings()
        assert len(warnings) == 2 and all("covers 7 of 8 documents" in w for w in warnings)
        assert index.coverage_warnings(["sbert:minilm"]) == []


def test_manifest_records_corpus_encoders_fingerprints_dimensions(tiny_index_home: Path, tiny_corpus: Path, minilm_encoders) -> None:
    with Index.open("tiny", home=tiny_index_home) as index:
        manifest = index.manifest.to_dict()
        raw = json.loads((tiny_index_home / "tiny" / "edge" / "tiny.manifest.json").read_text())
    assert raw == manifest
    assert manifest["format"] == 1
    assert manifest["corpus"] == {"name": "tiny", "path": str(tiny_corpus.resolve()), "split": "test", "kind": "BEIR folder", "documents": 7}
    windows = {"long_docs": "maxp", "tokens": 254, "stride": 192, "title": "first"}  # MiniLM reads 256 pieces, 2 of them [CLS] and [SEP]
    assert manifest["encoders"] == {
        e.spec: {
            "spec": e.spec, "vector": vector_name(e.spec), "dimension": 384, "fingerprint": e.fingerprint, "documents": 7,
            "windows": {**windows, "scheme": f"{e.fingerprint}-254-192"}, "long_documents": 0, "windowed": 7,
            "precision": e.precision,
        }  # fmt: skip
        for e in minilm_encoders
    }


def test_search_with_an_encoder_the_index_lacks(tmp_path: Path, tiny_corpus: Path, minilm_encoders) -> None:
    encoders = by_spec(minilm_encoders)
    with Index.open("tiny", home=tmp_path, create=True) as index:
        index_corpus(load_corpus(tiny_corpus), [encoders["sbert:minilm"], HashingEncoder("x")], index)
        with pytest.raises(IndexMismatchError) as caught:
            DenseRetriever(index, encoders["cls:minilm"])
        assert "holds no vectors for 'cls:minilm' (it holds: sbert:minilm, hashing:x)" in str(caught.value)
        assert "--encoders cls:minilm" in str(caught.value)
        with pytest.raises(IndexMismatchError, match="the model behind 'hashing:x' changed"):
            DenseRetriever(index, HashingEncoder("x", dimension=32))


def test_dense_search_scores_are_cosines(tiny_index_home: Path, tiny_corpus: Path, minilm_encoders) -> None:
    corpus = load_corpus(tiny_corpus)
    query = "musical instrument with strings"
    with Index.open("tiny", home=tiny_index_home) as index:
        for encoder in minilm_encoders:
            retriever = DenseRetriever(index, encoder)
            hits = retriever.search(query, k=7)
            assert [h.doc_id for h in hits[:2]] in (["guitar", "violin"], ["violin", "guitar"]), encoder.spec
            docs = encoder.encode([corpus.documents[h.doc_id].content for h in hits])
            cosines = docs @ encoder.encode([query], "query")[0]
            np.testing.assert_allclose([h.score for h in hits], cosines, atol=1e-5)
            # a batch of two pads the query differently: same hits, scores equal to float32 precision
            batched = retriever.search_many([query, "E-4471"], k=2)[0]
            assert [h.doc_id for h in batched] == [h.doc_id for h in hits[:2]]
            np.testing.assert_allclose([h.score for h in batched], [h.score for h in hits[:2]], atol=1e-6)


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="no index 'nope'.*searchkit index"):
        Index.open("nope", home=tmp_path)


def test_cancel_then_resume_and_progress(tmp_path: Path, tiny_corpus: Path, minilm_encoders) -> None:
    corpus = load_corpus(tiny_corpus)
    cancel = threading.Event()
    cancel.set()
    calls: list[tuple[int, int]] = []
    with Index.open("tiny", home=tmp_path, create=True) as index:
        cancelled = index_corpus(corpus, minilm_encoders, index, cancel=cancel)
        assert cancelled.cancelled and cancelled.done == 0 and index.store.count() == 0
        report = index_corpus(corpus, minilm_encoders, index, chunk_size=3, progress=lambda *a: calls.append(a))
        assert not report.cancelled and index.store.count() == 7
    assert report.encoded == {spec: 7 for spec in SPECS}
    assert calls == [(0, 7), (3, 7), (6, 7), (7, 7)]


def generated_corpus(path: Path, count: int) -> Path:
    words = "alpha beta gamma delta river mountain engine signal protein market violin harbor".split()
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            text = " ".join(words[(i * 7 + j * j) % len(words)] for j in range(5 + i % 20))
            handle.write(json.dumps({"_id": f"doc{i:03d}", "title": f"Document {i}", "text": text}) + "\n")
    return path


def flushed_ids(storage: Path) -> int:
    """The size of the flushed id mappings of an edge shard that another process holds: it grows on each flush."""
    return sum(path.stat().st_size for path in storage.glob("*/segments/*/mutable_id_tracker.mappings"))


def test_resume_after_sigkill(tmp_path: Path, minilm_encoders) -> None:
    total = 300  # chunks of 128: the kill lands after the first chunk is written
    path = generated_corpus(tmp_path / "generated.jsonl", total)
    home = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "searchkit", "index", str(path), "--home", str(home), "--batch-size", "1",
         "--encoders", MINILM_SPECS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # The kill comes once a chunk's points are flushed and no more are (the next chunk encodes, one text
        # per forward pass: 128 of them take seconds).
        deadline, size, steady = time.monotonic() + 240, 0, 0
        while size == 0 or steady < 5:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "no points written in time"
            time.sleep(0.1)
            grown = flushed_ids(home / "generated" / "edge")
            steady, size = (steady + 1 if grown == size else 0), grown
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    corpus = load_corpus(path)
    with Index.open("generated", home=home) as index:
        written = index.store.count()
        assert 0 < written < total
        resumed = index_corpus(corpus, minilm_encoders, index)
        assert resumed.to_encode == total - written
        assert resumed.encoded == {spec: total - written for spec in SPECS}
        killed_then_resumed = index_snapshot(index)
    with Index.open("generated", home=tmp_path / "clean", create=True) as index:
        index_corpus(corpus, minilm_encoders, index)
        uninterrupted = index_snapshot(index)

    assert sorted(killed_then_resumed) == sorted(uninterrupted)
    for pid, (payload, vectors) in uninterrupted.items():
        assert killed_then_resumed[pid][0] == payload
        for name, vector in vectors.items():
            np.testing.assert_allclose(killed_then_resumed[pid][1][name], vector, atol=1e-5)


def test_encoder_whose_model_changed_is_reencoded(tmp_path: Path, tiny_corpus: Path) -> None:
    corpus = load_corpus(tiny_corpus)
    name = vector_name("hashing:x")
    with Index.open("tiny", home=tmp_path, create=True) as index:
        index_corpus(corpus, [HashingEncoder("x", dimension=64)], index)
        changed = HashingEncoder("x", dimension=32)  # same spec, new model: new fingerprint and dimension
        report = index_corpus(corpus, [changed], index)
        assert report.encoded == {"hashing:x": 7} and report.changed == 0
        assert index.record_for(changed).dimension == 32
        points = index_snapshot(index)
        hits = DenseRetriever(index, changed).search(corpus.documents["violin"].content, k=1)
    assert all(len(vectors[name]) == 32 and point_state(payload).vectors == {name: changed.fingerprint} for payload, vectors in points.values())
    assert hits[0].doc_id == "violin"
