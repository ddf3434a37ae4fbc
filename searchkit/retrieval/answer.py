"""Asking several retrievers the same queries at once, sharing what they have in common.

Vector retrievers whose encoders share a model get their query vectors from one forward pass;
a fusing retriever (the RRF hybrid) fuses the answers its parts already gave (one fusing on a
server is asked itself, unless its parts are asked anyway). The CLI, the
experiments and the TUI all ask through `answer_all`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from searchkit.encoders import encode_all, shared_backbone
from searchkit.retrieval.base import FusingRetriever, Retriever, VectorRetriever
from searchkit.types import Hit


@dataclass(frozen=True)
class Answer:
    hits: list[list[Hit]]  # per query, best first, at most k
    seconds: float  # to answer every query; shared encoding is split evenly, a fusion adds its parts' time


def answer_all(retrievers: Sequence[Retriever], queries: Sequence[str], k: int = 10) -> dict[str, Answer]:
    """Retriever name -> its top `k` hits for each query, the same as each one's `search_many`."""
    queries = list(queries)
    if not queries:
        return {r.name: Answer([], 0.0) for r in retrievers}
    asked: dict[int, Retriever] = {}
    depths: dict[int, int] = {}

    top = {id(r) for r in retrievers}
    fusing_here: set[int] = set()

    def need(retriever: Retriever, depth: int) -> None:
        asked[id(retriever)] = retriever
        depths[id(retriever)] = max(depths.get(id(retriever), 0), depth)
        if isinstance(retriever, FusingRetriever) and (
            not getattr(retriever, "remote", False) or all(id(part) in top for part in retriever.parts)
        ):
            fusing_here.add(id(retriever))
            for part in retriever.parts:
                need(part, retriever.part_depth(depth))

    for retriever in retrievers:
        need(retriever, k)

    hits: dict[int, list[list[Hit]]] = {}
    seconds: dict[int, float] = {}
    by_model: dict[int, list[VectorRetriever]] = {}
    for key, retriever in asked.items():
        if key in fusing_here:
            continue
        if isinstance(retriever, VectorRetriever):
            by_model.setdefault(id(shared_backbone(retriever.encoder) or retriever.encoder), []).append(retriever)
            continue
        started = time.perf_counter()
        hits[key] = retriever.search_many(queries, depths[key])
        seconds[key] = time.perf_counter() - started
    for group in by_model.values():
        started = time.perf_counter()
        vectors = encode_all([r.encoder for r in group], queries, "query", group[0].batch_size)
        share = (time.perf_counter() - started) / len(group)
        for retriever in group:
            started = time.perf_counter()
            hits[id(retriever)] = retriever.search_vectors(vectors[retriever.encoder.spec], depths[id(retriever)])
            seconds[id(retriever)] = share + time.perf_counter() - started

    def fused(retriever: FusingRetriever) -> None:
        key = id(retriever)
        if key in hits:
            return
        for part in retriever.parts:
            if id(part) in fusing_here:
                fused(part)  # type: ignore[arg-type]
        started = time.perf_counter()
        hits[key] = retriever.fuse([hits[id(part)] for part in retriever.parts], depths[key])
        seconds[key] = time.perf_counter() - started + sum(seconds[id(part)] for part in retriever.parts)

    for key, retriever in asked.items():
        if key in fusing_here:
            fused(retriever)  # type: ignore[arg-type]
    return {r.name: Answer([h[:k] for h in hits[id(r)]], seconds[id(r)]) for r in retrievers}
