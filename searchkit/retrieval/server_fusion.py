"""Hybrid retrieval fused by a Qdrant server: BM25 kept there as a sparse vector, one Query API request per query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from searchkit.retrieval.dense import DenseRetriever
from searchkit.retrieval.hybrid import HybridRetriever
from searchkit.retrieval.lexical import BM25Retriever
from searchkit.store import FusingStore, SparseRow
from searchkit.types import Hit

SPARSE_VECTOR = "bm25"  # the sparse named vector holding BM25's document weights


class ServerHybridRetriever(HybridRetriever):
    """The RRF hybrid of BM25 and a dense retriever, fused by the Qdrant server that holds the index.

    BM25's precomputed (term, document) weights live on the server as each document's sparse
    vector `bm25`, tagged with the BM25 model's fingerprint and written again when that changes;
    a query's term counts then score exactly BM25 there. Each query is one request: a prefetch per
    retriever, `depth` deep, fused with RRF (the same k). Rankings are `HybridRetriever`'s, except
    that BM25 ties are ordered by the server. Unweighted only: Qdrant weights RRF another way.
    `answer_all` still fuses locally when it has the parts' answers anyway (columns of their own).
    """

    remote = True

    def __init__(
        self,
        store: FusingStore,
        lexical: BM25Retriever,
        dense: DenseRetriever,
        k: int,
        weights: Sequence[float] | None = None,
        depth: int = 100,
    ) -> None:
        super().__init__([lexical, dense], k, weights, depth)
        if dense.windows:
            raise ValueError("a server fuses documents' own points: search MaxP windows with a local HybridRetriever")
        if weights is not None and len(set(weights)) > 1:
            raise ValueError("Qdrant weights RRF by dividing ranks, not as `rrf` does: fuse weighted rankings with a local HybridRetriever")
        self.store, self.lexical, self.dense = store, lexical, dense
        if store.sparse_version(SPARSE_VECTOR) != lexical.fingerprint:
            rows = ((doc_id, (terms, weights)) for doc_id, terms, weights in lexical.model.document_terms())
            store.put_sparse(SPARSE_VECTOR, lexical.fingerprint, rows)

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[Hit]]:
        if not queries:
            return []
        rows: dict[str, np.ndarray | list[SparseRow]] = {
            SPARSE_VECTOR: [self.lexical.model.query_terms(query) for query in queries],
            self.dense.record.vector: self.dense.encoder.encode(list(queries), "query", self.dense.batch_size),
        }
        return self.store.fused_search(rows, k, rrf_k=self.k, depth=self.part_depth(k), windows=self.dense.windows)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "fused_by": "the Qdrant server (Query API: a prefetch per retriever, then RRF)"}
