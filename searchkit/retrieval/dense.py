"""Dense retrieval: encode the query, then nearest neighbours by cosine in Qdrant."""

from __future__ import annotations

from collections.abc import Sequence

from searchkit.encoders import Encoder, encode_all
from searchkit.index import Index
from searchkit.types import Hit


class DenseRetriever:
    """Searches the vectors `encoder` wrote into `index` (checked against the manifest)."""

    def __init__(self, index: Index, encoder: Encoder, *, batch_size: int = 32) -> None:
        self.index = index
        self.encoder = encoder
        self.name = encoder.spec
        self.vector = index.record_for(encoder).vector
        self.batch_size = batch_size

    def search(self, query: str, k: int = 10) -> list[Hit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[Hit]]:
        if not queries:
            return []
        vectors = self.encoder.encode(list(queries), "query", self.batch_size)
        return self.index.store.search(self.vector, vectors, k)


def search_shared(retrievers: Sequence[DenseRetriever], queries: Sequence[str], k: int = 10) -> dict[str, list[list[Hit]]]:
    """`search_many` of several dense retrievers, encoding the queries once per shared model."""
    if not retrievers:
        return {}
    vectors = encode_all([r.encoder for r in retrievers], list(queries), "query", retrievers[0].batch_size)
    return {r.name: r.index.store.search(r.vector, vectors[r.encoder.spec], k) for r in retrievers}
