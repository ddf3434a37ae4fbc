"""The vector store interface: what indexing, retrieval and the UIs may ask of a store.

A store holds one collection per index: a point per document with its id, title, text, content
hash and named vectors (one per encoder, each tagged with the fingerprint of the model that made
it), plus the index's manifest. Nothing outside `searchkit.store` knows how or where it keeps them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from searchkit.corpus import Document
from searchkit.types import Hit


@dataclass(frozen=True, slots=True)
class PointState:
    content_hash: str
    vectors: dict[str, str]  # vector name -> fingerprint of the model that made it


class VectorStore(Protocol):
    location: str  # where the points live, for reports and messages ("embedded" or a server URL)

    def exists(self) -> bool: ...

    def create(self, vectors: dict[str, int], manifest: dict[str, Any]) -> None:
        """A new collection with these named vectors (name -> dimension, cosine) and manifest."""

    def vector_names(self) -> set[str]: ...

    def add_vector(self, name: str, size: int) -> None: ...

    def remove_vector(self, name: str) -> None:
        """Drop a named vector from every point (to re-add it with another dimension)."""

    def manifest(self) -> dict[str, Any]: ...

    def update_manifest(self, manifest: dict[str, Any]) -> None: ...

    def count(self) -> int: ...

    def states(self) -> dict[str, PointState]:
        """doc id -> what its point holds, for every point."""

    def upsert(
        self, documents: Sequence[Document], vectors: Sequence[dict[str, Any]], fingerprints: Sequence[dict[str, str]]
    ) -> None:
        """Write whole points: document, content hash, and these vectors with their model fingerprints."""

    def vectors(self, doc_ids: Sequence[str]) -> dict[str, dict[str, list[float]]]:
        """doc id -> the named vectors its point holds."""

    def delete(self, doc_ids: Sequence[str]) -> None: ...

    def search(self, vector_name: str, vectors: np.ndarray, k: int) -> list[list[Hit]]:
        """Top-k hits by cosine for each query vector (one row per query)."""

    def documents(self, doc_ids: Sequence[str]) -> dict[str, Document]: ...

    def close(self) -> None: ...
