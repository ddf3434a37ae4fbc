"""What every Qdrant-backed store writes and reads the same way: point ids, payloads, MaxP folding."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from searchkit.store.base import DocumentPoint, PointState, WindowPoint
from searchkit.types import Hit

_POINT_NAMESPACE = uuid.UUID("6f1c1f5e-3a43-4a43-9d1e-5ea4c4b1e2a7").bytes
MANIFEST_KEY = "searchkit"
FETCH_PER_HIT = 4  # window points fetched per document wanted, before folding them into documents
SEARCH_PAYLOAD = ["doc_id", "window", "span", "spans"]


def point_id(doc_id: str) -> str:
    return _uuid5(doc_id)


def window_point_id(doc_id: str, scheme: str, number: int) -> str:
    return _uuid5(f"{doc_id}\x00{scheme}\x00{number}")


def _uuid5(name: str) -> str:
    """`str(uuid.uuid5(namespace, name))` at a fifth of its cost (it builds a UUID object): ids are made per point."""
    digest = bytearray(hashlib.sha1(_POINT_NAMESPACE + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


STATE_PAYLOAD = ["doc_id", "state", "hash", "vectors", "windows", "spans"]


def document_payload(point: DocumentPoint) -> dict[str, Any]:
    """The document's point payload. Content hash and fingerprints travel as one JSON string, `state`, and
    `windows` and `spans` only come when the document has them: an embedded write costs about 7 µs per
    payload value, a third of the cost of a point."""
    payload: dict[str, Any] = {
        "doc_id": point.document.id,
        "title": point.document.title,
        "text": point.document.text,
        "state": json.dumps({"hash": point.document.content_hash, "vectors": point.fingerprints}),
    }
    if point.windows:
        payload["windows"] = point.windows
    if point.spans:
        payload["spans"] = {name: list(span) for name, span in point.spans.items()}
    return payload


def point_state(payload: dict[str, Any]) -> PointState:
    """What a document point's `STATE_PAYLOAD` fields say was indexed."""
    state = json.loads(payload["state"]) if "state" in payload else payload  # earlier indexes hold them apart
    return PointState(
        state["hash"],
        dict(state.get("vectors") or {}),
        dict(payload.get("windows") or {}),
        {name: (span[0], span[1]) for name, span in (payload.get("spans") or {}).items()},
    )


def window_payload(point: WindowPoint, fingerprints: dict[str, str]) -> dict[str, Any]:
    return {"doc_id": point.doc_id, "window": point.number, "scheme": point.scheme, "span": list(point.span), "vectors": fingerprints}


Query = Callable[[np.ndarray, int], list[Sequence[Any]]]  # (query rows, limit) -> scored points per row


def search_documents(query: Query, vector_name: str, rows: np.ndarray, k: int, windows: bool | None) -> list[list[Hit]]:
    """Top-k documents per row, as `VectorStore.search` defines them, from a store's nearest-point `query`."""
    if windows is None:
        return [[hit(p, vector_name) for p in points] for points in query(rows, k)]
    # Over-fetch and keep each document's best point (its best window, or only its own point);
    # fetch deeper for queries left short. Cheaper than a payload filter in embedded mode.
    results: list[list[Hit]] = [[] for _ in rows]
    pending, limit = list(range(len(rows))), k * FETCH_PER_HIT
    while pending:
        short = []
        for row, points in zip(pending, query(rows[pending], limit)):
            results[row] = _best_per_document(points, vector_name, k, windows)
            if len(results[row]) < k and len(points) == limit:
                short.append(row)
        pending, limit = short, limit * FETCH_PER_HIT
    return results


def hit(point: Any, vector_name: str) -> Hit:
    payload = point.payload or {}
    span = payload.get("span") or (payload.get("spans") or {}).get(vector_name)
    return Hit(payload["doc_id"], float(point.score), (span[0], span[1]) if span else None)


def _best_per_document(points: Sequence[Any], vector_name: str, k: int, windows: bool) -> list[Hit]:
    """The first (best) point of each document, as hits, at most `k`; without `windows`, documents' own points only."""
    best: dict[str, Hit] = {}
    for point in points:
        if not windows and (point.payload or {}).get("window"):
            continue
        found = hit(point, vector_name)
        if found.doc_id not in best:
            best[found.doc_id] = found
            if len(best) == k:
                break
    return list(best.values())
