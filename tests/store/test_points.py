"""Point payloads both Qdrant stores write and read."""

from __future__ import annotations

import json

from searchkit.corpus import Document
from searchkit.store import DocumentPoint, PointState
from searchkit.store.points import document_payload, point_state


def test_state_round_trips_through_the_payload() -> None:
    doc = Document("d1", "Title", "text " * 400)
    point = DocumentPoint(doc, {"a": [1.0]}, {"a": "fa", "b": "fb"}, {"a": "fa-254-192"}, {"a": (0, 900)})
    payload = json.loads(json.dumps(document_payload(point)))  # as a store returns it
    assert point_state(payload) == PointState(doc.content_hash, {"a": "fa", "b": "fb"}, {"a": "fa-254-192"}, {"a": (0, 900)})


def test_a_short_document_carries_no_window_fields() -> None:
    payload = document_payload(DocumentPoint(Document("d1", "T", "short"), {"a": [1.0]}, {"a": "fa"}))
    assert set(payload) == {"doc_id", "title", "text", "state"}
    assert point_state(payload) == PointState(Document("d1", "T", "short").content_hash, {"a": "fa"})


def test_points_of_earlier_indexes_are_read() -> None:
    """Indexes written before the state was packed hold hash and fingerprints as fields of their own."""
    payload = {"doc_id": "d1", "title": "T", "text": "x", "hash": "h", "vectors": {"a": "fa"}, "windows": {}, "spans": {"a": [0, 5]}}
    assert point_state(payload) == PointState("h", {"a": "fa"}, {}, {"a": (0, 5)})
