"""Dense retrieval: encode the query, then nearest neighbours by cosine in the index's vector store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from searchkit.corpus import CONTENT_RULE
from searchkit.encoders import Encoder
from searchkit.index import Index
from searchkit.types import Hit


class DenseRetriever:
    """Searches the vectors `encoder` wrote into `index` (checked against the manifest)."""

    def __init__(self, index: Index, encoder: Encoder, *, batch_size: int = 32) -> None:
        self.index = index
        self.encoder = encoder
        self.name = encoder.spec
        self.record = index.record_for(encoder)
        self.batch_size = batch_size

    def search(self, query: str, k: int = 10) -> list[Hit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[Hit]]:
        if not queries:
            return []
        return self.search_vectors(self.encoder.encode(list(queries), "query", self.batch_size), k)

    def search_vectors(self, vectors: np.ndarray, k: int = 10) -> list[list[Hit]]:
        return self.index.store.search(self.record.vector, vectors, k)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "dense",
            "encoder": self.record.spec,
            "fingerprint": self.record.fingerprint,
            "dimension": self.record.dimension,
            "index": self.index.name,
            "store": self.index.store.location,
            "text": CONTENT_RULE,
        }
