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
        self._fitted: tuple[np.ndarray, np.ndarray, int] | None = None  # (mu, W, documents fitted to)
        self._rows: tuple[list[str], list[tuple[int, int] | None], np.ndarray] | None = None

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
        doc_ids, spans, matrix = self._whitened_rows()
        scores = self.whiten(vectors) @ matrix.T
        return [_best_per_document(row, doc_ids, spans, k) for row in scores]

    def describe(self) -> dict[str, Any]:
        _, w, fitted_to = self._whitening()
        return {
            **self.dense.describe(),
            "whitening": {"fitted_to": f"{fitted_to} indexed documents' starts", "dimensions": int(w.shape[1])},
        }

    def _whitening(self) -> tuple[np.ndarray, np.ndarray, int]:
        if self._fitted is None:
            self._fitted = fitted_whitening(self.index, self.record.vector, self.record.fingerprint)
        return self._fitted

    def _whitened_rows(self) -> tuple[list[str], list[tuple[int, int] | None], np.ndarray]:
        if self._rows is None:
            rows = self.index.store.export(self.record.vector, windows=bool(self.dense.windows))
            self._rows = rows.doc_ids, rows.spans, self.whiten(rows.matrix)
        return self._rows


def fitted_whitening(index: Index, vector: str, fingerprint: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(mu, W, documents) of `vector` in `index`: read from its folder, or fitted and saved there."""
    rows = index.store.export(vector)
    key = _fit_key(fingerprint, rows.doc_ids)
    path = whitening_path(index.folder, vector)
    if path.is_file():
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["key"]) == key:
                return saved["mu"], saved["w"], len(rows.doc_ids)
    mu, w = fit_whitening(rows.matrix)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, key=np.array(key), mu=mu, w=w)
    partial.replace(path)
    return mu, w, len(rows.doc_ids)


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
