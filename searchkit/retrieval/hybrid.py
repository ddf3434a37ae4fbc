"""Hybrid retrieval: reciprocal-rank fusion (RRF) of several retrievers' rankings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from searchkit.ranking import rank_scores
from searchkit.retrieval.base import Retriever
from searchkit.types import Hit

DEFAULT_RRF_K = 60


def rrf(
    rankings: Sequence[Sequence[Hit]],
    k: int = DEFAULT_RRF_K,
    weights: Sequence[float] | None = None,
    limit: int | None = None,
) -> list[Hit]:
    """Reciprocal-rank fusion (Cormack et al., 2009).

    A document scores ``sum_i weights[i] / (k + rank_i)`` over the rankings that hold it, with
    ranks counted from 1 in the order given (a ranking's own scores are ignored). Results are
    sorted by fused score, ties by doc id descending (trec_eval's order, so the order shown is the
    order evaluated), and cut to `limit` when given.
    """
    if k < 0:
        raise ValueError(f"the RRF constant k must be >= 0, got {k}")
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"got {len(weights)} weights for {len(rankings)} rankings")
    fused: dict[str, float] = {}
    for hits, weight in zip(rankings, weights):
        for rank, hit in enumerate(hits, start=1):
            fused[hit.doc_id] = fused.get(hit.doc_id, 0.0) + weight / (k + rank)
    return [Hit(doc_id, score) for doc_id, score in rank_scores(fused)[:limit]]


class HybridRetriever:
    """Fuses the top `depth` hits of each retriever with RRF; named like ``rrf(bm25,sbert:minilm)``."""

    remote = False  # fuses here (`ServerHybridRetriever` fuses on a Qdrant server)

    def __init__(
        self,
        retrievers: Sequence[Retriever],
        k: int = DEFAULT_RRF_K,
        weights: Sequence[float] | None = None,
        depth: int = 100,
    ) -> None:
        if len(retrievers) < 2:
            raise ValueError("a hybrid retriever fuses at least two retrievers")
        if weights is not None and len(weights) != len(retrievers):
            raise ValueError(f"got {len(weights)} weights for {len(retrievers)} retrievers")
        if k < 0 or depth < 1:
            raise ValueError(f"need k >= 0 and depth >= 1, got k={k}, depth={depth}")
        self.parts = list(retrievers)
        self.k = k
        self.weights = list(weights) if weights is not None else None
        self.depth = depth
        self.name = f"rrf({','.join(r.name for r in self.parts)})"

    def search(self, query: str, k: int = 10) -> list[Hit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[Hit]]:
        return self.fuse([r.search_many(queries, self.part_depth(k)) for r in self.parts], k)

    def part_depth(self, k: int) -> int:
        return max(self.depth, k)

    def fuse(self, answers: Sequence[Sequence[list[Hit]]], k: int = 10) -> list[list[Hit]]:
        """Top `k` per query from each part's answers (`answers[i][q]`: part i's hits for query q).

        Parts' hits beyond `part_depth(k)` are ignored, so answers fetched deeper fuse the same.
        """
        depth = self.part_depth(k)
        return [rrf([hits[:depth] for hits in rankings], self.k, self.weights, k) for rankings in zip(*answers)]

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "hybrid",
            "fusion": "reciprocal-rank fusion: sum of weight / (k + rank), rank from 1",
            "k": self.k,
            "weights": self.weights or [1.0] * len(self.parts),
            "depth": self.depth,
            "retrievers": [r.name for r in self.parts],
        }
