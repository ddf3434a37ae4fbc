"""Qdrant storage: one collection per corpus, one named vector per encoder.

Points have deterministic ids (uuid5 of the document id) and carry the document, a hash of its
content and the names of the vectors they hold, so indexing can resume and skip unchanged work.
The searchkit manifest lives in the collection's metadata, on a server as in embedded mode.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from searchkit.corpus import Document
from searchkit.store.base import PointState
from searchkit.store.connection import redact
from searchkit.types import Hit

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

_POINT_NAMESPACE = uuid.UUID("6f1c1f5e-3a43-4a43-9d1e-5ea4c4b1e2a7")
MANIFEST_KEY = "searchkit"
EMBEDDED_FOLDER = "qdrant"  # inside an index's folder


def point_id(doc_id: str) -> str:
    return str(uuid.uuid5(_POINT_NAMESPACE, doc_id))


class QdrantStore:
    """`VectorStore` over qdrant-client: embedded (local mode) or a server."""

    def __init__(self, client: QdrantClient, collection: str, url: str | None = None) -> None:
        self.client = client
        self.collection = collection
        self.location = redact(url) if url else "embedded"

    def exists(self) -> bool:
        return self.client.collection_exists(self.collection)

    def create(self, vectors: dict[str, int], manifest: dict[str, Any]) -> None:
        from qdrant_client import models

        self.client.create_collection(
            self.collection,
            vectors_config={
                name: models.VectorParams(size=size, distance=models.Distance.COSINE) for name, size in vectors.items()
            },
            metadata={MANIFEST_KEY: manifest},
        )

    def vector_names(self) -> set[str]:
        config = self.client.get_collection(self.collection).config.params.vectors
        return set(config) if isinstance(config, dict) else set()

    def add_vector(self, name: str, size: int) -> None:
        from qdrant_client import models

        self.client.create_vector_name(
            self.collection,
            name,
            models.DenseVectorNameConfig(dense=models.DenseVectorConfig(size=size, distance=models.Distance.COSINE)),
        )

    def remove_vector(self, name: str) -> None:
        self.client.delete_vector_name(self.collection, name)

    def manifest(self) -> dict[str, Any]:
        metadata = self.client.get_collection(self.collection).config.metadata or {}
        return dict(metadata.get(MANIFEST_KEY) or {})

    def update_manifest(self, manifest: dict[str, Any]) -> None:
        """Merge `manifest` into the stored one (Qdrant merges collection metadata)."""
        self.client.update_collection(self.collection, metadata={MANIFEST_KEY: manifest})

    def count(self) -> int:
        return self.client.count(self.collection, exact=True).count

    def states(self) -> dict[str, PointState]:
        """doc id -> what its point holds, for every point."""
        return {
            payload["doc_id"]: PointState(payload["hash"], dict(payload.get("vectors") or {}))
            for payload in self._scroll_payloads(["doc_id", "hash", "vectors"])
        }

    def upsert(
        self, documents: Sequence[Document], vectors: Sequence[dict[str, Any]], fingerprints: Sequence[dict[str, str]]
    ) -> None:
        """Write whole points: document, content hash, and these vectors with their model fingerprints."""
        from qdrant_client import models

        points = [
            models.PointStruct(
                id=point_id(doc.id),
                vector={name: list(vector) for name, vector in doc_vectors.items()},
                payload={"doc_id": doc.id, "title": doc.title, "text": doc.text, "hash": doc.content_hash, "vectors": doc_fps},
            )
            for doc, doc_vectors, doc_fps in zip(documents, vectors, fingerprints)
        ]
        self.client.upsert(self.collection, points, wait=True)

    def vectors(self, doc_ids: Sequence[str]) -> dict[str, dict[str, list[float]]]:
        """doc id -> the named vectors its point holds."""
        records = self.client.retrieve(self.collection, [point_id(d) for d in doc_ids], with_payload=["doc_id"], with_vectors=True)
        return {r.payload["doc_id"]: dict(r.vector) for r in records if isinstance(r.vector, dict)}

    def delete(self, doc_ids: Sequence[str]) -> None:
        from qdrant_client import models

        if doc_ids:
            self.client.delete(self.collection, models.PointIdsList(points=[point_id(d) for d in doc_ids]))

    def search(self, vector_name: str, vectors: np.ndarray, k: int) -> list[list[Hit]]:
        """Top-k hits by cosine for each query vector (one row per query)."""
        from qdrant_client import models

        requests = [
            models.QueryRequest(query=row.tolist(), using=vector_name, limit=k, with_payload=["doc_id"])
            for row in np.atleast_2d(vectors)
        ]
        from threadpoolctl import threadpool_limits

        # Embedded Qdrant scores with numpy one query at a time, often right after torch encoded it:
        # multi-threaded BLAS only adds overhead there (a server does no BLAS work in this process).
        with threadpool_limits(1, user_api="blas"):
            responses = self.client.query_batch_points(self.collection, requests)
        return [[Hit(p.payload["doc_id"], float(p.score)) for p in response.points] for response in responses]

    def documents(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        records = self.client.retrieve(self.collection, [point_id(d) for d in doc_ids], with_payload=["doc_id", "title", "text"])
        return {r.payload["doc_id"]: Document(r.payload["doc_id"], r.payload["title"], r.payload["text"]) for r in records}

    def close(self) -> None:
        self.client.close()

    def _scroll_payloads(self, fields: list[str]) -> Iterator[dict[str, Any]]:
        offset = None
        while True:
            records, offset = self.client.scroll(
                self.collection, limit=1024, offset=offset, with_payload=fields, with_vectors=False
            )
            for record in records:
                yield record.payload or {}
            if offset is None:
                return
