"""Dense retrieval: encode the query, then nearest neighbours by cosine in the index's vector store."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from searchkit.corpus import CONTENT_RULE
from searchkit.encoders import Encoder
from searchkit.errors import IndexMismatchError
from searchkit.index import Index
from searchkit.types import Hit

LongDocs = Literal["maxp", "first"]


class QueryEncoding(ABC):
    """`search` and `search_many` for a retriever that answers from its encoder's query vectors."""

    encoder: Encoder
    batch_size: int

    @abstractmethod
    def search_vectors(self, vectors: np.ndarray, k: int = 10) -> list[list[Hit]]: ...

    def search(self, query: str, k: int = 10) -> list[Hit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[Hit]]:
        if not queries:
            return []
        return self.search_vectors(self.encoder.encode(list(queries), "query", self.batch_size), k)


class DenseRetriever(QueryEncoding):
    """Searches the vectors `encoder` wrote into `index` (checked against the manifest).

    `long_docs` says how a long document scores: "maxp", by its best window (the default where
    the index holds windows), or "first", by its start alone (what truncation keeps; for
    reproducing published figures). A retriever that differs from the index's setting is named
    with its mode, e.g. ``mean:minilm@first``.
    """

    def __init__(self, index: Index, encoder: Encoder, *, long_docs: LongDocs | None = None, batch_size: int = 32) -> None:
        self.index = index
        self.encoder = encoder
        self.record = index.record_for(encoder)
        indexed = self.record.long_docs
        default = "maxp" if indexed == "maxp" else "first"
        self.long_docs = long_docs or default
        if self.long_docs == "maxp" and indexed == "first":
            raise IndexMismatchError(
                f"index {index.name!r} holds only the start of long documents for {encoder.spec!r}; index their "
                f"windows with `searchkit index CORPUS --name {index.name} --encoders {encoder.spec} --long-docs maxp`"
            )
        stored = bool(self.record.windows and "scheme" in self.record.windows)  # window points hold this vector
        self.windows: bool | None = (self.long_docs == "maxp") if stored else None
        self.name = encoder.spec if self.long_docs == default or indexed == "whole" else f"{encoder.spec}@{self.long_docs}"
        self.batch_size = batch_size

    def search_vectors(self, vectors: np.ndarray, k: int = 10) -> list[list[Hit]]:
        return self.index.store.search(self.record.vector, vectors, k, windows=self.windows)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "dense",
            "encoder": self.record.spec,
            "fingerprint": self.record.fingerprint,
            "dimension": self.record.dimension,
            "precision": self.record.precision,
            "long_docs": self.long_docs,
            **{key: self.record.windows[key] for key in ("tokens", "stride", "title") if self.record.windows and key in self.record.windows},
            "long_documents": self.record.long_documents,
            "index": self.index.name,
            "store": self.index.store.location,
            "text": CONTENT_RULE,
        }
