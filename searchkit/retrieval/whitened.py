"""Dense retrieval through BERT-whitening fitted on the indexed corpus (Su et al., 2021).

The whitening (mean and linear map) is fitted to the vectors of the documents' starts as the index
holds them, saved in the index's folder beside the fingerprint and documents it was fitted to, and
refitted only when those change. Documents, windows included, and queries are whitened alike and
searched exactly by cosine; the stored vectors stay as the encoder made them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from searchkit.encoders.whitening import apply_whitening, fit_whitening
from searchkit.index import EncoderRecord, Index
from searchkit.retrieval.dense import DenseRetriever, QueryEncoding
from searchkit.store import VectorRows
from searchkit.types import Hit

WHITENING_FOLDER = "whitening"  # in the index's folder: one .npz per vector name
SUFFIX = "+whiten"


class WhitenedRetriever(QueryEncoding):
    """`dense`'s encoder and stored vectors, whitened: named like it with `+whiten`."""

    def __init__(self, dense: DenseRetriever) -> None:
        self.dense = dense
        self.encoder = dense.encoder
        self.batch_size = dense.batch_size
        self.name = dense.name + SUFFIX
        self._stored: VectorRows | None = None  # read from the store once: the fit and the search both use it
        self._fitted: tuple[np.ndarray, np.ndarray, int] | None = None  # (mu, W, documents fitted to)
        self._whitened: np.ndarray | None = None

    @property
    def index(self) -> Index:
        return self.dense.index

    @property
    def record(self) -> EncoderRecord:
        return self.dense.record

    def whiten(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors of this encoder, whitened as this index's documents are."""
        mu, w, _ = self._whitening()
        return apply_whitening(np.atleast_2d(vectors), mu, w)

    def search_vectors(self, vectors: np.ndarray, k: int = 10) -> list[list[Hit]]:
        stored = self._rows()
        if self._whitened is None:
            self._whitened = self.whiten(stored.matrix)
        scores = self.whiten(vectors) @ self._whitened.T
        return [_best_per_document(row, stored.doc_ids, stored.spans, k) for row in scores]

    def describe(self) -> dict[str, Any]:
        _, w, fitted_to = self._whitening()
        return {
            **self.dense.describe(),
            "whitening": {"fitted_to": f"{fitted_to} indexed documents' starts", "dimensions": int(w.shape[1])},
        }

    def _rows(self) -> VectorRows:
        if self._stored is None:
            self._stored = self.index.store.export(self.record.vector, windows=bool(self.dense.windows))
        return self._stored

    def _whitening(self) -> tuple[np.ndarray, np.ndarray, int]:
        if self._fitted is None:
            stored = self._rows()
            starts = [row for row, span in enumerate(stored.spans) if span is None]  # documents' own points
            doc_ids = [stored.doc_ids[row] for row in starts]
            self._fitted = fitted_whitening(self.index, self.record, doc_ids, stored.matrix[starts])
        return self._fitted


def fitted_whitening(
    index: Index, record: EncoderRecord, doc_ids: Sequence[str], starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """(mu, W, documents) for the vectors of the documents' starts: read from the index folder, or fitted
    to `starts` and saved there."""
    key = _fit_key(record.fingerprint, doc_ids)
    path = whitening_path(index.folder, record.vector)
    if path.is_file():
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["key"]) == key:
                return saved["mu"], saved["w"], len(doc_ids)
    mu, w = fit_whitening(starts)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, key=np.array(key), mu=mu, w=w)
    partial.replace(path)
    return mu, w, len(doc_ids)


def whitening_path(folder: Path, vector: str) -> Path:
    return folder / WHITENING_FOLDER / f"{hashlib.sha256(vector.encode()).hexdigest()[:16]}.npz"


def _fit_key(fingerprint: str, doc_ids: Sequence[str]) -> str:
    """What the fit depends on: the model, and which documents' vectors it saw."""
    digest = hashlib.sha256("\n".join(sorted(doc_ids)).encode()).hexdigest()
    return f"{fingerprint}-{len(doc_ids)}-{digest}"


def _best_per_document(
    scores: np.ndarray, doc_ids: list[str], spans: list[tuple[int, int] | None], k: int
) -> list[Hit]:
    """The top `k` documents by their best row (MaxP when rows include windows)."""
    best: dict[str, Hit] = {}
    for row in np.argsort(-scores, kind="stable"):
        doc_id = doc_ids[row]
        if doc_id not in best:
            best[doc_id] = Hit(doc_id, float(scores[row]), spans[row])
            if len(best) == k:
                break
    return list(best.values())
