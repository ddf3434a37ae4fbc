"""BM25 baseline: Okapi BM25 with exactly rank_bm25's ``BM25Okapi`` scoring.

Scores match ``rank_bm25.BM25Okapi(corpus, k1, b, epsilon).get_scores(query)``
(to floating-point rounding) when both see the same tokens:

* ``idf(t) = log(N - n_t + 0.5) - log(n_t + 0.5)``; idfs below zero (terms in more
  than half of the documents) are replaced by ``epsilon * average_idf``, where
  ``average_idf`` is the mean of the raw idfs over the whole vocabulary;
* a query term counts once per occurrence in the query (``"cell cell"`` adds the
  term's weight twice); terms absent from the corpus add nothing;
* ``avgdl`` is the mean document length in tokens, empty documents included.

One deliberate difference: with ``b == 1`` rank_bm25 scores an empty document
0/0 = NaN for any non-empty query; here empty documents always score 0.

Each (term, document) weight ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``
is precomputed into a sparse term x document matrix, so a query costs one
row-slice addition per query token plus a partial sort.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from searchkit.retrieval.tokenize import Tokenizer
from searchkit.types import Hit

__all__ = ["BM25Index"]

FORMAT_VERSION = 1
_FORMAT_NAME = "searchkit.bm25"
_META_FILE = "bm25.json"
_WEIGHTS_FILE = "bm25_weights.npz"


class BM25Index:
    """An immutable BM25 (Okapi) index over a fixed set of documents.

    ``search`` returns at most ``k`` hits, sorted by score (descending) and then
    by doc id (ascending) so that ties are deterministic. Documents whose score
    is exactly zero (they share no term with the query, or only terms whose idf
    is exactly zero) are left out, so fewer than ``k`` hits may come back.
    Negative scores, which only occur when the corpus's average idf is negative
    (a tiny or very repetitive corpus), are kept and ranked last.
    """

    def __init__(
        self,
        doc_ids: Sequence[str],
        texts: Iterable[str],
        *,
        tokenizer: Tokenizer | None = None,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
    ) -> None:
        if k1 < 0:
            raise ValueError(f"k1 must be >= 0, got {k1}")
        if not 0 <= b <= 1:
            raise ValueError(f"b must be in [0, 1], got {b}")
        self._tokenizer = tokenizer if tokenizer is not None else Tokenizer()
        self._k1 = float(k1)
        self._b = float(b)
        self._epsilon = float(epsilon)
        self._set_doc_ids(list(doc_ids))

        vocab: dict[str, int] = {}
        term_ids: list[int] = []
        doc_lens: list[int] = []
        for text in texts:
            tokens = self._tokenizer(text)
            term_ids.extend(vocab.setdefault(t, len(vocab)) for t in tokens)
            doc_lens.append(len(tokens))
        n_docs = len(self._doc_ids)
        if len(doc_lens) != n_docs:
            raise ValueError(f"got {n_docs} doc ids but {len(doc_lens)} texts")
        dl = np.asarray(doc_lens, dtype=np.float64)
        doc_of_token = np.repeat(np.arange(n_docs, dtype=np.int32), doc_lens)

        # Term x document term frequencies: building a CSR matrix from (row, col)
        # pairs sums duplicate entries, so each stored value is a count.
        tf = sp.csr_matrix(
            (np.ones(len(term_ids)), (np.asarray(term_ids, dtype=np.int64), doc_of_token)),
            shape=(len(vocab), n_docs),
        )
        df = np.diff(tf.indptr).astype(np.float64)

        raw_idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
        self._average_idf = float(raw_idf.mean()) if len(vocab) else 0.0
        idf = np.where(raw_idf < 0, self._epsilon * self._average_idf, raw_idf)
        self._avgdl = float(dl.sum() / n_docs)

        freq = tf.data
        row_of_entry = np.repeat(np.arange(len(vocab)), np.diff(tf.indptr))
        doc_len = dl[tf.indices]
        tf.data = idf[row_of_entry] * (
            freq * (self._k1 + 1)
            / (freq + self._k1 * (1 - self._b + self._b * doc_len / self._avgdl))
        )
        self._weights = tf
        self._vocab = vocab

    # -- construction helpers -------------------------------------------------

    def _set_doc_ids(self, doc_ids: list[str]) -> None:
        if not doc_ids:
            raise ValueError("a BM25 index needs at least one document")
        if len(set(doc_ids)) != len(doc_ids):
            raise ValueError("doc ids must be unique")
        self._doc_ids = doc_ids
        # Position of each document in doc-id order, the tie-breaking key.
        self._id_rank = np.empty(len(doc_ids), dtype=np.int64)
        self._id_rank[np.argsort(np.asarray(doc_ids, dtype=object), kind="stable")] = np.arange(
            len(doc_ids)
        )

    # -- read-only properties -------------------------------------------------

    @property
    def doc_ids(self) -> list[str]:
        """Document ids in index order (the order of ``scores``); a copy."""
        return list(self._doc_ids)

    @property
    def tokenizer(self) -> Tokenizer:
        return self._tokenizer

    @property
    def k1(self) -> float:
        return self._k1

    @property
    def b(self) -> float:
        return self._b

    @property
    def epsilon(self) -> float:
        return self._epsilon

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocab)

    @property
    def average_idf(self) -> float:
        """Mean raw idf over the vocabulary, before the epsilon floor."""
        return self._average_idf

    @property
    def avgdl(self) -> float:
        """Mean document length in tokens."""
        return self._avgdl

    def __len__(self) -> int:
        return len(self._doc_ids)

    # -- scoring --------------------------------------------------------------

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query``, in ``doc_ids`` order (float64)."""
        out = np.zeros(len(self._doc_ids), dtype=np.float64)
        indptr, indices, data = self._weights.indptr, self._weights.indices, self._weights.data
        for token in self._tokenizer(query):
            row = self._vocab.get(token)
            if row is None:
                continue
            start, end = indptr[row], indptr[row + 1]
            # Indices within a row are unique, so fancy-index += is safe.
            out[indices[start:end]] += data[start:end]
        return out

    def search(self, query: str, k: int = 10) -> list[Hit]:
        """Top ``k`` documents for ``query``; see the class docstring for ties and zeros."""
        if k <= 0:
            return []
        scores = self.scores(query)
        candidates = np.flatnonzero(scores)
        values = scores[candidates]
        if candidates.size > k:
            # Keep everything tied with the k-th best score, then sort exactly.
            kth_best = np.partition(values, candidates.size - k)[candidates.size - k]
            keep = values >= kth_best
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((self._id_rank[candidates], -values))[:k]
        return [Hit(self._doc_ids[i], float(scores[i])) for i in candidates[order]]

    def search_many(self, queries: Iterable[str], k: int = 10) -> list[list[Hit]]:
        """``search`` for each query, in order."""
        return [self.search(q, k) for q in queries]

    # -- as sparse vectors -------------------------------------------------------

    def query_terms(self, query: str) -> tuple[list[int], list[float]]:
        """``query`` as a sparse vector over term ids: each known term's count in it."""
        counts: dict[int, int] = {}
        for token in self._tokenizer(query):
            row = self._vocab.get(token)
            if row is not None:
                counts[row] = counts.get(row, 0) + 1
        return list(counts), [float(c) for c in counts.values()]

    def document_terms(self) -> Iterator[tuple[str, list[int], list[float]]]:
        """(doc id, term ids, weights) of each document holding a term.

        The dot product of ``query_terms(q)`` with a document's weights is its BM25 score for ``q``:
        a vector store that holds these as sparse vectors scores BM25 exactly.
        """
        by_document = self._weights.T.tocsr()
        indptr, indices, data = by_document.indptr, by_document.indices, by_document.data
        for row, doc_id in enumerate(self._doc_ids):
            start, end = indptr[row], indptr[row + 1]
            if start < end:
                yield doc_id, indices[start:end].tolist(), data[start:end].tolist()

    # -- persistence ------------------------------------------------------------

    def save(self, folder: Path | str) -> None:
        """Write the index to ``folder`` (created if needed): a JSON file and an npz."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        sp.save_npz(folder / _WEIGHTS_FILE, self._weights, compressed=False)
        meta: dict[str, Any] = {
            "format": _FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "k1": self._k1,
            "b": self._b,
            "epsilon": self._epsilon,
            "avgdl": self._avgdl,
            "average_idf": self._average_idf,
            "tokenizer": self._tokenizer.to_dict(),
            "doc_ids": self._doc_ids,
            # Term strings in row order of the weight matrix.
            "vocabulary": list(self._vocab),
        }
        (folder / _META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path | str) -> BM25Index:
        """Read an index written by ``save``."""
        folder = Path(folder)
        meta = json.loads((folder / _META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT_NAME:
            raise ValueError(f"{folder} does not hold a searchkit BM25 index")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"unsupported BM25 index format version {meta.get('format_version')!r} "
                f"(this code reads version {FORMAT_VERSION})"
            )
        weights = sp.load_npz(folder / _WEIGHTS_FILE).tocsr()
        vocabulary: list[str] = meta["vocabulary"]
        if weights.shape != (len(vocabulary), len(meta["doc_ids"])):
            raise ValueError(f"{folder}: weight matrix shape does not match the metadata")

        index = cls.__new__(cls)
        index._tokenizer = Tokenizer.from_dict(meta["tokenizer"])
        index._k1 = float(meta["k1"])
        index._b = float(meta["b"])
        index._epsilon = float(meta["epsilon"])
        index._avgdl = float(meta["avgdl"])
        index._average_idf = float(meta["average_idf"])
        index._set_doc_ids(list(meta["doc_ids"]))
        index._weights = weights
        index._vocab = {term: i for i, term in enumerate(vocabulary)}
        return index

    def __repr__(self) -> str:
        return (
            f"BM25Index(docs={len(self)}, terms={self.vocabulary_size}, k1={self._k1}, "
            f"b={self._b}, epsilon={self._epsilon}, tokenizer={self._tokenizer})"
        )
