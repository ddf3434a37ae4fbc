"""Qdrant storage: one collection per corpus, one named vector per encoder.

Points have deterministic ids (uuid5 of the document id) and carry the document, a hash of its
content and the names of the vectors they hold, so indexing can resume and skip unchanged work,
and a batch written twice (a retry) leaves one copy of each point. The searchkit manifest lives in
the collection's metadata. On a server, collections get the HNSW, quantization, sharding and
payload-index settings of `ServerSettings`, and writes go in batches retried on transient failures.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from searchkit.corpus import Document
from searchkit.errors import StoreError
from searchkit.ranking import rank_scores
from searchkit.store.base import (
    DocumentPoint,
    PointState,
    SparseRow,
    VectorRows,
    WindowPoint,
)
from searchkit.store.connection import TransientStoreError, redact
from searchkit.store.points import (
    MANIFEST_KEY,
    SEARCH_PAYLOAD,
    STATE_PAYLOAD,
    document_payload,
    point_id,
    point_state,
    search_documents,
    window_payload,
    window_point_id,
)
from searchkit.store.settings import ServerSettings
from searchkit.types import Hit

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

EMBEDDED_FOLDER = "qdrant"  # inside an index's folder
PAYLOAD_INDEXES = {"doc_id": "keyword", "window": "integer"}  # the fields searchkit's filters read
SPARSE_KEY = "searchkit_sparse"  # collection metadata: sparse vector name -> version of what it holds
_T = TypeVar("_T")


class QdrantStore:
    """`VectorStore` over qdrant-client: embedded (local mode) or a server (with `settings`)."""

    def __init__(self, client: QdrantClient, collection: str, url: str | None = None, settings: ServerSettings | None = None) -> None:
        self.client = client
        self.collection = collection
        self.location = redact(url) if url else "embedded"
        self.server = bool(url)
        self.settings = settings or (ServerSettings.from_env() if url else ServerSettings())

    def exists(self) -> bool:
        return self.client.collection_exists(self.collection)

    def create(self, vectors: dict[str, int], manifest: dict[str, Any]) -> None:
        from qdrant_client import models

        server: dict[str, Any] = {}
        if self.server:
            settings = self.settings
            server["hnsw_config"] = models.HnswConfigDiff(m=settings.hnsw_m, ef_construct=settings.ef_construct)
            if settings.quantization == "int8":
                server["quantization_config"] = models.ScalarQuantization(
                    scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, quantile=settings.quantile, always_ram=True)
                )
            server["shard_number"] = settings.shard_number
            server["replication_factor"] = settings.replication_factor
        self.client.create_collection(
            self.collection,
            vectors_config={
                name: models.VectorParams(size=size, distance=models.Distance.COSINE) for name, size in vectors.items()
            },
            metadata={MANIFEST_KEY: manifest},
            **server,
        )
        if self.server:  # local mode has no payload indexes (it warns and ignores them)
            for field, schema in PAYLOAD_INDEXES.items():
                self.client.create_payload_index(self.collection, field, models.PayloadSchemaType(schema), wait=True)

    def vector_sizes(self) -> dict[str, int]:
        """name -> dimension of each named vector."""
        config = self.client.get_collection(self.collection).config.params.vectors
        return {name: params.size for name, params in config.items()} if isinstance(config, dict) else {}

    def vector_names(self) -> set[str]:
        config = self.client.get_collection(self.collection).config.params.vectors
        return set(config) if isinstance(config, dict) else set()

    def add_vector(self, name: str, size: int) -> None:
        from qdrant_client import models

        self.client.create_vector_name(
            self.collection,
            name,
            models.DenseVectorNameConfig(dense=models.DenseVectorConfig(size=size, distance=models.Distance.COSINE)),
        )

    def remove_vector(self, name: str) -> None:
        self.client.delete_vector_name(self.collection, name)

    def manifest(self) -> dict[str, Any]:
        metadata = self.client.get_collection(self.collection).config.metadata or {}
        return dict(metadata.get(MANIFEST_KEY) or {})

    def update_manifest(self, manifest: dict[str, Any]) -> None:
        """Merge `manifest` into the stored one (Qdrant merges collection metadata)."""
        self.client.update_collection(self.collection, metadata={MANIFEST_KEY: manifest})

    def count(self) -> int:
        return self.client.count(self.collection, count_filter=_documents_only(), exact=True).count

    def states(self) -> dict[str, PointState]:
        return {payload["doc_id"]: point_state(payload) for payload in self._scroll_payloads(STATE_PAYLOAD, _documents_only())}

    def upsert(self, points: Sequence[DocumentPoint]) -> None:
        from qdrant_client import models

        structs = [
            models.PointStruct(
                id=point_id(point.document.id),
                vector={name: list(vector) for name, vector in point.vectors.items()},
                payload=document_payload(point),
            )
            for point in points
        ]
        self._write(structs)

    def upsert_records(self, records: Sequence[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        """Write points as they are given (id, named vectors, payload): for copying a store."""
        from qdrant_client import models

        self._write([models.PointStruct(id=pid, vector=vectors, payload=payload) for pid, vectors, payload in records])

    def records(self) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
        """(id, named vectors, payload) of every point, windows included: for copying a store."""
        offset = None
        while True:
            scroll = functools.partial(
                self.client.scroll, self.collection, limit=self.settings.batch_size, offset=offset, with_payload=True, with_vectors=True
            )
            records, offset = self._retrying(scroll, "reading points")
            for record in records:
                yield str(record.id), _dense(record.vector), record.payload or {}
            if offset is None:
                return

    def _write(self, structs: list[Any]) -> None:
        """Upsert in batches of `settings.batch_size`, each retried on transient failures (ids make it idempotent)."""
        size = self.settings.batch_size
        for start in range(0, len(structs), size):
            batch = structs[start : start + size]
            what = f"writing points {start + 1:,}-{start + len(batch):,} of {len(structs):,}"
            self._retrying(functools.partial(self.client.upsert, self.collection, batch, wait=True), what)

    def _retrying(self, call: Callable[[], _T], what: str) -> _T:
        """`call()`, tried `settings.attempts` times with exponential backoff while it fails transiently."""
        attempts, delay = self.settings.attempts, self.settings.backoff
        for attempt in range(1, attempts + 1):
            try:
                return call()
            except TransientStoreError as error:
                if attempt == attempts:
                    tries = f"{attempts} attempts" if attempts > 1 else "1 attempt"
                    raise StoreError(f"{what}: {error} (gave up after {tries})") from None
                time.sleep(max(delay, error.retry_after or 0.0))
                delay *= 2
        raise AssertionError("unreachable")

    def upsert_windows(self, points: Sequence[WindowPoint]) -> None:
        """Write window points, keeping the vectors other encoders of their scheme already hold there."""
        from qdrant_client import models

        ids = [window_point_id(point.doc_id, point.scheme, point.number) for point in points]
        if not ids:
            return
        held = {
            str(record.id): record
            for record in self.client.retrieve(self.collection, ids, with_payload=["vectors"], with_vectors=True)
        }
        structs = []
        for pid, point in zip(ids, points):
            vectors: dict[str, Any] = {name: list(vector) for name, vector in point.vectors.items()}
            fingerprints = dict(point.fingerprints)
            if pid in held and isinstance(held[pid].vector, dict):
                old = (held[pid].payload or {}).get("vectors") or {}
                for name, vector in held[pid].vector.items():
                    if name not in vectors and name in old:
                        vectors[name], fingerprints[name] = vector, old[name]
            structs.append(models.PointStruct(id=pid, vector=vectors, payload=window_payload(point, fingerprints)))
        self._write(structs)

    def delete_windows(self, doc_ids: Sequence[str] | None = None, *, keep_schemes: Sequence[str] = ()) -> None:
        from qdrant_client import models

        if doc_ids is not None and not doc_ids:
            return
        must: list[Any] = [models.FieldCondition(key="window", range=models.Range(gte=1))]
        if doc_ids is not None:
            must.append(models.FieldCondition(key="doc_id", match=models.MatchAny(any=list(doc_ids))))
        must_not = [models.FieldCondition(key="scheme", match=models.MatchAny(any=list(keep_schemes)))] if keep_schemes else []
        self.client.delete(self.collection, models.FilterSelector(filter=models.Filter(must=must, must_not=must_not)))

    def vectors(self, doc_ids: Sequence[str]) -> dict[str, dict[str, list[float]]]:
        """doc id -> the named vectors its point holds."""
        records = self.client.retrieve(self.collection, [point_id(d) for d in doc_ids], with_payload=["doc_id"], with_vectors=True)
        return {r.payload["doc_id"]: _dense(r.vector) for r in records if isinstance(r.vector, dict)}

    def delete(self, doc_ids: Sequence[str]) -> None:
        from qdrant_client import models

        if doc_ids:
            self.client.delete(self.collection, models.PointIdsList(points=[point_id(d) for d in doc_ids]))
            self.delete_windows(doc_ids)

    def export(self, vector_name: str, *, windows: bool = False) -> VectorRows:
        doc_ids: list[str] = []
        spans: list[tuple[int, int] | None] = []
        rows: list[list[float]] = []
        offset = None
        while True:
            records, offset = self.client.scroll(
                self.collection, scroll_filter=None if windows else _documents_only(), limit=1024, offset=offset,
                with_payload=["doc_id", "window", "span"], with_vectors=[vector_name],
            )  # fmt: skip
            for record in records:
                vector = record.vector.get(vector_name) if isinstance(record.vector, dict) else None
                if vector is None:
                    continue  # a point of another encoder's window scheme, or not yet encoded
                payload = record.payload or {}
                doc_ids.append(payload["doc_id"])
                spans.append(tuple(payload["span"]) if payload.get("window") else None)
                rows.append(vector)
            if offset is None:
                break
        return VectorRows(doc_ids, spans, np.asarray(rows, dtype=np.float32).reshape(len(rows), -1))

    def search(self, vector_name: str, vectors: np.ndarray, k: int, *, windows: bool | None = True) -> list[list[Hit]]:
        query = lambda rows, limit: self._query(vector_name, rows, limit)  # noqa: E731
        return search_documents(query, vector_name, np.atleast_2d(vectors), k, windows)

    def _query(self, vector_name: str, rows: np.ndarray, limit: int) -> list[Any]:
        from qdrant_client import models
        from threadpoolctl import threadpool_limits

        requests = [
            models.QueryRequest(query=row.tolist(), using=vector_name, limit=limit, with_payload=SEARCH_PAYLOAD, params=self._search_params())
            for row in rows
        ]
        # Embedded Qdrant scores with numpy one query at a time, often right after torch encoded it:
        # multi-threaded BLAS only adds overhead there (a server does no BLAS work in this process).
        with threadpool_limits(1, user_api="blas"):
            return [response.points for response in self.client.query_batch_points(self.collection, requests)]

    def sparse_version(self, name: str) -> str | None:
        """The version `put_sparse` last finished writing under the sparse vector `name`; None if none."""
        metadata = self.client.get_collection(self.collection).config.metadata or {}
        return (metadata.get(SPARSE_KEY) or {}).get(name)

    def put_sparse(self, name: str, version: str, rows: Iterable[tuple[str, SparseRow]]) -> None:
        """Give documents' own points the sparse vector `name` from (doc id, (indices, values)) rows, replacing any.

        The vector is made anew, so a document without a row holds none; `version` is recorded
        once every row is written (an interrupted write reads as no version).
        """
        from qdrant_client import models

        sparse = self.client.get_collection(self.collection).config.params.sparse_vectors or {}
        if name in sparse:
            self.client.delete_vector_name(self.collection, name)
        self.client.create_vector_name(self.collection, name, models.SparseVectorNameConfig(sparse=models.SparseVectorConfig()))
        self.client.update_collection(self.collection, metadata={SPARSE_KEY: {name: None}})
        batch: list[Any] = []
        written = 0
        for doc_id, (indices, values) in rows:
            batch.append(models.PointVectors(id=point_id(doc_id), vector={name: models.SparseVector(indices=list(indices), values=list(values))}))
            if len(batch) == self.settings.batch_size:
                written = self._write_vectors(batch, written)
                batch = []
        if batch:
            self._write_vectors(batch, written)
        self.client.update_collection(self.collection, metadata={SPARSE_KEY: {name: version}})

    def _write_vectors(self, batch: list[Any], written: int) -> int:
        what = f"writing sparse vectors {written + 1:,}-{written + len(batch):,}"
        self._retrying(functools.partial(self.client.update_vectors, self.collection, batch, wait=True), what)
        return written + len(batch)

    def fused_search(
        self,
        queries: Mapping[str, np.ndarray | Sequence[SparseRow]],
        k: int,
        *,
        rrf_k: int = 60,
        depth: int = 100,
        windows: bool | None = False,
    ) -> list[list[Hit]]:
        """Top-k documents per query by reciprocal-rank fusion of several named vectors, fused by Qdrant.

        `queries` maps each vector name to its queries, in the same order for every name: rows of a
        dense matrix, or (indices, values) pairs for a sparse vector. Each vector's top `depth`
        documents are fused with sum 1 / (rrf_k + rank), rank from 1, as
        `searchkit.retrieval.hybrid.rrf` does unweighted (Qdrant counts ranks from 0, so it is sent
        rrf_k + 1), ties by doc id descending. (Qdrant's weighted RRF divides the rank by the weight
        where `rrf` multiplies the term: weighted fusion stays local.) A sparse query with no term
        finds nothing and is left out. Window points cannot be folded into documents
        on the server: `windows` True is refused; False fuses documents' own points, None says no
        window point holds these vectors.
        """
        from qdrant_client import models

        if windows:
            raise StoreError("server-side fusion ranks documents' own points; fuse window (MaxP) rankings locally")
        if not queries:
            return []
        rows = {name: np.atleast_2d(q) if isinstance(q, np.ndarray) else list(q) for name, q in queries.items()}
        count = len(next(iter(rows.values())))
        if any(len(r) != count for r in rows.values()):
            raise ValueError("every vector name needs the same number of queries")
        only_documents = None if windows is None else _documents_only()
        requests, asked = [], []
        for i in range(count):
            prefetch = []
            for name, part in rows.items():
                if isinstance(part, np.ndarray):
                    prefetch.append(models.Prefetch(query=part[i].tolist(), using=name, limit=depth, filter=only_documents, params=self._search_params()))
                elif part[i][0]:  # window points hold no sparse vector: no filter needed
                    prefetch.append(models.Prefetch(query=models.SparseVector(indices=list(part[i][0]), values=list(part[i][1])), using=name, limit=depth))
            if not prefetch:
                continue
            # every fused candidate: ties are broken here, then cut to k
            rrf = models.RrfQuery(rrf=models.Rrf(k=rrf_k + 1))
            requests.append(models.QueryRequest(prefetch=prefetch, query=rrf, limit=depth * len(rows), with_payload=["doc_id"]))
            asked.append(i)
        answers = self.client.query_batch_points(self.collection, requests) if requests else []
        fused: list[dict[str, float]] = [{} for _ in range(count)]
        for i, answer in zip(asked, answers):
            fused[i] = {p.payload["doc_id"]: float(p.score) for p in answer.points}
        return [[Hit(doc_id, score) for doc_id, score in rank_scores(scores)[:k]] for scores in fused]

    def _search_params(self) -> Any:
        """Rescore int8 candidates with the full vectors, over `oversampling` times as many, when quantized."""
        from qdrant_client import models

        if not self.server or self.settings.quantization == "off":
            return None
        return models.SearchParams(
            quantization=models.QuantizationSearchParams(rescore=True, oversampling=self.settings.oversampling)
        )

    def documents(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        records = self.client.retrieve(self.collection, [point_id(d) for d in doc_ids], with_payload=["doc_id", "title", "text"])
        return {r.payload["doc_id"]: Document(r.payload["doc_id"], r.payload["title"], r.payload["text"]) for r in records}

    def flush(self) -> None:
        """Nothing to do: a server, and local mode, persist every request."""

    def close(self) -> None:
        self.client.close()

    def _scroll_payloads(self, fields: list[str], scroll_filter: Any = None) -> Iterator[dict[str, Any]]:
        offset = None
        while True:
            records, offset = self.client.scroll(
                self.collection, scroll_filter=scroll_filter, limit=1024, offset=offset, with_payload=fields, with_vectors=False
            )
            for record in records:
                yield record.payload or {}
            if offset is None:
                return


def _documents_only() -> Any:
    """A filter that leaves out window points."""
    from qdrant_client import models

    return models.Filter(must_not=[models.FieldCondition(key="window", range=models.Range(gte=1))])


def _dense(vectors: Any) -> dict[str, Any]:
    """The dense named vectors of a point's vectors (sparse ones are derived data, made again where needed)."""
    return {name: vector for name, vector in vectors.items() if isinstance(vector, list)} if isinstance(vectors, dict) else {}
