"""The vector store interface: what indexing, retrieval and the UIs may ask of a store.

A store holds one collection per index: a point per document with its id, title, text, content
hash and named vectors (one per encoder, each tagged with the fingerprint of the model that made
it) of the document's start, plus the index's manifest. A document longer than an encoder reads
at once also has window points, one per further window, holding the vectors of that window under
each encoder of one window scheme (model and window settings). Nothing outside `searchkit.store`
knows how or where it keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from searchkit.corpus import Document
from searchkit.types import Hit

Span = tuple[int, int]
SparseRow = tuple[Sequence[int], Sequence[float]]  # a sparse vector: indices, values


@dataclass(frozen=True, slots=True)
class PointState:
    content_hash: str
    vectors: dict[str, str]  # vector name -> fingerprint of the model that made it
    windows: dict[str, str] = field(default_factory=dict)  # vector name -> scheme of its complete window points
    spans: dict[str, Span] = field(default_factory=dict)  # vector name -> its first window, when the text is longer


@dataclass(frozen=True, slots=True)
class DocumentPoint:
    """A document, the vectors of its start (name -> vector) and what made them."""

    document: Document
    vectors: dict[str, list[float]]
    fingerprints: dict[str, str]
    windows: dict[str, str] = field(default_factory=dict)
    spans: dict[str, Span] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WindowPoint:
    """Window `number` (1, 2, ...; the document point is window 0) of a document under one window scheme."""

    doc_id: str
    scheme: str
    number: int
    span: Span  # character offsets in `Document.content`
    vectors: dict[str, list[float]]
    fingerprints: dict[str, str]


@dataclass(frozen=True, slots=True)
class VectorRows:
    """Stored vectors of one name, a row per point: its document and, for a window, its span."""

    doc_ids: list[str]
    spans: list[Span | None]
    matrix: np.ndarray  # float32, one row per point


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

    def count(self) -> int:
        """Documents held (window points not counted)."""

    def states(self) -> dict[str, PointState]:
        """doc id -> what its document point holds, for every document."""

    def upsert(self, points: Sequence[DocumentPoint]) -> None:
        """Write whole document points: document, content hash, vectors, fingerprints, windows, spans."""

    def upsert_windows(self, points: Sequence[WindowPoint]) -> None: ...

    def delete_windows(self, doc_ids: Sequence[str] | None = None, *, keep_schemes: Sequence[str] = ()) -> None:
        """Delete the window points of `doc_ids` (None: of every document) except those of `keep_schemes`."""

    def vectors(self, doc_ids: Sequence[str]) -> dict[str, dict[str, list[float]]]:
        """doc id -> the named vectors its point holds."""

    def delete(self, doc_ids: Sequence[str]) -> None:
        """Delete documents: their points and their window points."""

    def export(self, vector_name: str, *, windows: bool = False) -> VectorRows:
        """Every stored vector of `vector_name`: documents' starts and, with `windows`, their window points."""

    def search(self, vector_name: str, vectors: np.ndarray, k: int, *, windows: bool | None = True) -> list[list[Hit]]:
        """Top-k documents by cosine for each query vector (one row per query).

        With `windows` True a document scores by its best window (MaxP) and its hit carries that
        window's span; False searches only documents' starts (plain truncation); None says no
        window point holds this vector, so every point is a document's.
        """

    def documents(self, doc_ids: Sequence[str]) -> dict[str, Document]: ...

    def flush(self) -> None:
        """Make the writes so far durable (a store that persists every request has nothing to do)."""

    def close(self) -> None: ...


class FusingStore(Protocol):
    """A store that fuses rankings itself (Qdrant's Query API; `QdrantStore`): sparse vectors and RRF of named vectors."""

    def sparse_version(self, name: str) -> str | None: ...

    def put_sparse(self, name: str, version: str, rows: Iterable[tuple[str, SparseRow]]) -> None: ...

    def fused_search(
        self,
        queries: Mapping[str, np.ndarray | Sequence[SparseRow]],
        k: int,
        *,
        rrf_k: int = 60,
        depth: int = 100,
        windows: bool | None = False,
    ) -> list[list[Hit]]: ...
