"""Building the retrievers to compare over one index: dense encoders, BM25, and their RRF hybrid."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from searchkit.corpus import Corpus
from searchkit.encoders import (
    Encoder,
    canonical_spec,
    load_encoders,
    load_query_encoder,
    split_specs,
)
from searchkit.encoders.precision import Precision
from searchkit.errors import SearchkitError, StoreError
from searchkit.index import Index
from searchkit.retrieval.base import Retriever
from searchkit.retrieval.dense import DenseRetriever, LongDocs
from searchkit.retrieval.hybrid import DEFAULT_RRF_K, HybridRetriever
from searchkit.retrieval.lexical import BM25Retriever, BM25Settings
from searchkit.retrieval.server_fusion import ServerHybridRetriever
from searchkit.retrieval.whitened import WhitenedRetriever


def open_retrievers(
    index: Index,
    encoders: str | Sequence[str] | None = None,
    *,
    bm25: bool = False,
    hybrid: bool | str = False,
    bm25_settings: BM25Settings | None = None,
    rrf_k: int = DEFAULT_RRF_K,
    rrf_weights: Sequence[float] | None = None,
    hybrid_depth: int = 100,
    corpus: Corpus | None = None,
    long_docs: Sequence[LongDocs] = (),
    allow_pickle: bool = False,
    whiten: bool = False,
    precision: Precision = "auto",
    lexical: BM25Retriever | None = None,
    query_exports: bool = False,
) -> list[Retriever]:
    """Retrievers in table order: BM25 (when asked), one per encoder, then the hybrid.

    `encoders` None means every encoder the index holds; "" or [] means none. `hybrid` True
    fuses BM25 with the first sbert encoder (else the last encoder); a spec string names the
    encoder to fuse, loaded just for the hybrid when it is not among `encoders`. `rrf_weights`
    are (BM25, dense). BM25 is built from `corpus` when given, else from the documents in the
    index (see `BM25Retriever.open`). `long_docs` lists how dense retrievers score long documents
    ("maxp", "first"; both gives two retrievers per encoder); empty: as each encoder was indexed.
    `precision` "auto" encodes queries in the precision each encoder's documents were indexed in.
    `whiten` adds, after each dense retriever, the same one through BERT-whitening (`SPEC+whiten`).
    `lexical`: a BM25 retriever already built, used instead of building another. `query_exports` encodes
    queries with a built-in encoder's ONNX export where its model has one (no torch: a cold start in a
    second; see `searchkit.encoders.onnx`).
    """
    specs = list(index.manifest.encoders) if encoders is None else split_specs(encoders)
    modes: Sequence[LongDocs | None] = long_docs or [None]
    indexed = {spec: record.precision for spec, record in index.manifest.encoders.items() if record.precision}
    chosen = indexed if precision == "auto" else precision
    loaded = _load_encoders(specs, allow_pickle, chosen, query_exports)
    dense = [DenseRetriever(index, e, long_docs=mode) for e in loaded for mode in modes]
    if lexical is None and (bm25 or hybrid):
        lexical = BM25Retriever.open(index, bm25_settings, corpus=corpus)

    retrievers: list[Retriever] = []
    if bm25 and lexical is not None:
        retrievers.append(lexical)
    for retriever in dense:
        retrievers.append(retriever)
        if whiten:
            retrievers.append(WhitenedRetriever(retriever))
    if hybrid and lexical is not None:
        partner = _hybrid_partner(index, dense, hybrid, allow_pickle, chosen)
        retrievers.append(_hybrid(index, lexical, partner, rrf_k, rrf_weights, hybrid_depth))
    return retrievers


def _hybrid(
    index: Index, lexical: BM25Retriever, dense: DenseRetriever, rrf_k: int, weights: Sequence[float] | None, depth: int
) -> HybridRetriever:
    """Fused by the server where the index is on one, documents score by their own point and parts weigh the same; else here."""
    store = index.store
    equal = weights is None or len(set(weights)) == 1
    if getattr(store, "server", False) and hasattr(store, "fused_search") and not dense.windows and equal:
        try:
            return ServerHybridRetriever(store, lexical, dense, rrf_k, weights, depth)
        except StoreError as error:  # e.g. a read-only API key: BM25's sparse vectors cannot be written
            warnings.warn(f"fusing here instead of on the server: {error}", stacklevel=2)
    return HybridRetriever([lexical, dense], rrf_k, weights, depth)


def _load_encoders(
    specs: list[str], allow_pickle: bool, precision: Precision | dict[str, Precision], query_exports: bool
) -> list[Encoder]:
    """`load_encoders`, with ONNX query encoders instead wherever `query_exports` and the model has an export."""
    exported: dict[str, Encoder] = {}
    for spec in specs if query_exports else []:
        chosen = precision if isinstance(precision, str) else precision.get(spec, "auto")
        encoder = load_query_encoder(spec, allow_pickle=allow_pickle, precision=chosen)
        if encoder is not None:
            exported[spec] = encoder
    rest = [spec for spec in specs if spec not in exported]
    loaded = dict(zip(rest, load_encoders(rest, allow_pickle=allow_pickle, precision=precision))) if rest else {}
    return [exported.get(spec) or loaded[spec] for spec in specs]


def _hybrid_partner(
    index: Index, dense: list[DenseRetriever], hybrid: bool | str, allow_pickle: bool, precision: Precision | dict[str, Precision]
) -> DenseRetriever:
    if isinstance(hybrid, str):
        spec = canonical_spec(hybrid)
        for retriever in dense:
            if retriever.name == spec:
                return retriever
        return DenseRetriever(index, load_encoders([spec], allow_pickle=allow_pickle, precision=precision)[0])
    if not dense:
        raise SearchkitError("a hybrid needs a dense encoder to fuse with BM25; name one with --encoders or --hybrid SPEC")
    sbert = [r for r in dense if r.name.partition(":")[0] == "sbert"]
    return sbert[0] if sbert else dense[-1]
