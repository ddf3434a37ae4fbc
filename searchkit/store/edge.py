"""Embedded storage on Qdrant's own engine (qdrant-edge): one shard per index, in the index's folder.

`<index>/edge/<collection>/` is the shard (JSON configs, memory-mapped vectors, LZ4-compressed JSON
payloads: nothing is pickled), `<collection>.manifest.json` beside it holds the searchkit manifest
(a shard has no collection metadata), and `.lock` keeps a second process out. Points and payloads
are those `QdrantStore` writes, so both stores answer alike.

Shards are created without a write-ahead log (it doubled the cost of a write, benchmarks/scale_store.py):
writes are durable once `flush` or `close` returns, and `index_corpus` flushes each chunk it writes.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from searchkit.corpus import Document
from searchkit.errors import SearchkitError, StoreError
from searchkit.store.base import DocumentPoint, PointState, VectorRows, WindowPoint
from searchkit.store.connection import damaged, locked, make_folder
from searchkit.store.points import (
    SEARCH_PAYLOAD,
    STATE_PAYLOAD,
    document_payload,
    point_id,
    point_state,
    search_documents,
    window_payload,
    window_point_id,
)
from searchkit.types import Hit

if TYPE_CHECKING:
    from qdrant_edge import EdgeShard

EDGE_FOLDER = "edge"  # inside an index's folder
_NO_DENSE_VECTORS = "searchkit-none"  # a shard needs a vector name: a sparse one, never written, when no encoder has one
# Search at scale (benchmarks/scale_store.py, README "Embedded store at scale"): below OPTIMIZE_FROM points every
# segment is plain and searched exactly; from there `optimize` builds, per segment, an HNSW graph (m 32,
# ef_construct 200: m 16 / 100 left recall@10 near 0.98 on clustered vectors at 50k whatever the ef) and int8
# copies of the vectors, searched with ef 512 on the int8 copies (ef 256: recall@10 0.991 at 100k; 512: 0.996),
# the best 2 x limit rescored on float32.
OPTIMIZE_FROM = 20_000  # points (documents and windows): exact search of three vectors stays near 10 ms below it
HNSW_M, HNSW_EF_CONSTRUCT, HNSW_EF = 32, 200, 512
OVERSAMPLING = 2.0


class EdgeStore:
    """`VectorStore` over a qdrant-edge shard, held by one process at a time."""

    location = "embedded"

    def __init__(self, root: Path, collection: str) -> None:
        make_folder(root)
        self.root = root
        self.collection = collection
        self.where = f"the embedded index at {root}"
        self._path = root / collection
        self._manifest_path = root / f"{collection}.manifest.json"
        self._lock: int | None = _lock(root)
        self._shard: EdgeShard | None = None
        if self._path.is_dir():
            from qdrant_edge import EdgeShard

            _read_ahead(self._path)
            try:
                self._shard = EdgeShard.load(str(self._path))
            except Exception as error:  # edge raises bare Exceptions: a shard that does not load is damaged
                self.close()
                raise damaged(root, error) from None

    @property
    def shard(self) -> EdgeShard:
        if self._shard is None:
            raise StoreError(f"{self.where} holds no collection {self.collection!r}; build it with `searchkit index`")
        return self._shard

    def exists(self) -> bool:
        return self._shard is not None

    def create(self, vectors: dict[str, int], manifest: dict[str, Any]) -> None:
        from qdrant_edge import (
            Distance,
            EdgeConfig,
            EdgeShard,
            EdgeSparseVectorParams,
            EdgeVectorParams,
            HnswIndexConfig,
            Memory,
            ScalarQuantizationConfig,
            ScalarType,
        )

        dense = {name: EdgeVectorParams(size=size, distance=Distance.Cosine, memory=Memory.Cold) for name, size in vectors.items()}
        sparse = {} if dense else {_NO_DENSE_VECTORS: EdgeSparseVectorParams()}
        config = EdgeConfig(
            vectors=dense,
            sparse_vectors=sparse,
            hnsw_config=HnswIndexConfig(m=HNSW_M, ef_construct=HNSW_EF_CONSTRUCT, full_scan_threshold=10_000),
            quantization_config=ScalarQuantizationConfig(ScalarType.Int8, quantile=0.99, always_ram=True),
            wal_enabled=False,
        )  # HNSW and int8 copies are built only by `optimize`
        self.update_manifest(manifest)
        with self._errors():
            self._shard = EdgeShard.create(str(self._path), config)
        self._create_field_indexes()

    def _create_field_indexes(self) -> None:
        """Payload indexes for the fields filters read: window number (documents only) and doc id (their windows)."""
        from qdrant_edge import PayloadSchemaType, UpdateOperation

        self._update(UpdateOperation.create_field_index("window", PayloadSchemaType.Integer))
        self._update(UpdateOperation.create_field_index("doc_id", PayloadSchemaType.Keyword))

    def vector_names(self) -> set[str]:
        # The shard keeps its configuration, vectors added later included, in edge_config.json; no call returns it.
        with self._errors():
            config = json.loads((self._path / "edge_config.json").read_text(encoding="utf-8"))
        return set(config.get("vectors") or {})

    def add_vector(self, name: str, size: int) -> None:
        from qdrant_edge import Distance, UpdateOperation

        self._update(UpdateOperation.create_dense_vector(name, size, Distance.Cosine))

    def remove_vector(self, name: str) -> None:
        from qdrant_edge import UpdateOperation

        self._update(UpdateOperation.delete_vector_name(name))

    def manifest(self) -> dict[str, Any]:
        try:
            text = self._manifest_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise StoreError(f"{self.where}: cannot read {self._manifest_path.name}: {error.strerror}") from None
        return dict(json.loads(text))

    def update_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the stored manifest (as a collection's metadata entry is replaced), atomically."""
        with self._errors():
            handle, temporary = tempfile.mkstemp(prefix=".manifest-", suffix=".tmp", dir=self.root)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    json.dump(manifest, file)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, self._manifest_path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise

    def count(self) -> int:
        from qdrant_edge import CountRequest

        with self._errors():
            return self.shard.count(CountRequest(exact=True, filter=_documents_only()))

    def points(self) -> int:
        """Points held: documents and their window points."""
        from qdrant_edge import CountRequest

        with self._errors():
            return self.shard.count(CountRequest(exact=True))

    def states(self) -> dict[str, PointState]:
        return {payload["doc_id"]: point_state(payload) for payload, _ in self._scroll(STATE_PAYLOAD, False, _documents_only())}

    def upsert(self, points: Sequence[DocumentPoint]) -> None:
        from qdrant_edge import Point, UpdateOperation

        if points:
            structs = [Point(point_id(p.document.id), dict(p.vectors), document_payload(p)) for p in points]
            self._update(UpdateOperation.upsert_points(structs))

    def upsert_records(self, records: Sequence[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        """Write points as they are given (id, named vectors, payload): for copying a store."""
        from qdrant_edge import Point, UpdateOperation

        if records:
            self._update(UpdateOperation.upsert_points([Point(pid, vectors, payload) for pid, vectors, payload in records]))

    def upsert_windows(self, points: Sequence[WindowPoint]) -> None:
        """Write window points, keeping the vectors other encoders of their scheme already hold there."""
        from qdrant_edge import Point, UpdateOperation

        ids = [window_point_id(point.doc_id, point.scheme, point.number) for point in points]
        if not ids:
            return
        with self._errors():
            held = {str(r.id): r for r in self.shard.retrieve(ids, with_payload=["vectors"], with_vector=True)}
        structs = []
        for pid, point in zip(ids, points):
            vectors: dict[str, Any] = dict(point.vectors)
            fingerprints = dict(point.fingerprints)
            if pid in held:
                old = (held[pid].payload or {}).get("vectors") or {}
                for name, vector in (held[pid].vector or {}).items():
                    if name not in vectors and name in old:
                        vectors[name], fingerprints[name] = vector, old[name]
            structs.append(Point(pid, vectors, window_payload(point, fingerprints)))
        self._update(UpdateOperation.upsert_points(structs))

    def delete_windows(self, doc_ids: Sequence[str] | None = None, *, keep_schemes: Sequence[str] = ()) -> None:
        from qdrant_edge import (
            FieldCondition,
            Filter,
            MatchAny,
            RangeFloat,
            UpdateOperation,
        )

        if doc_ids is not None and not doc_ids:
            return
        must: list[Any] = [FieldCondition("window", range=RangeFloat(gte=1))]
        if doc_ids is not None:
            must.append(FieldCondition("doc_id", match=MatchAny(list(doc_ids))))
        must_not = [FieldCondition("scheme", match=MatchAny(list(keep_schemes)))] if keep_schemes else None
        self._update(UpdateOperation.delete_points_by_filter(Filter(must=must, must_not=must_not)))

    def vectors(self, doc_ids: Sequence[str]) -> dict[str, dict[str, list[float]]]:
        with self._errors():
            records = self.shard.retrieve([point_id(d) for d in doc_ids], with_payload=["doc_id"], with_vector=True)
        return {r.payload["doc_id"]: dict(r.vector or {}) for r in records}

    def delete(self, doc_ids: Sequence[str]) -> None:
        from qdrant_edge import UpdateOperation

        if doc_ids:
            self._update(UpdateOperation.delete_points([point_id(d) for d in doc_ids]))
            self.delete_windows(doc_ids)

    def export(self, vector_name: str, *, windows: bool = False) -> VectorRows:
        doc_ids: list[str] = []
        spans: list[tuple[int, int] | None] = []
        rows: list[list[float]] = []
        for payload, vectors in self._scroll(["doc_id", "window", "span"], [vector_name], None if windows else _documents_only()):
            vector = vectors.get(vector_name)
            if vector is None:
                continue  # a point of another encoder's window scheme, or not yet encoded
            doc_ids.append(payload["doc_id"])
            spans.append(tuple(payload["span"]) if payload.get("window") else None)
            rows.append(vector)
        return VectorRows(doc_ids, spans, np.asarray(rows, dtype=np.float32).reshape(len(rows), -1))

    def search(self, vector_name: str, vectors: np.ndarray, k: int, *, windows: bool | None = True) -> list[list[Hit]]:
        query = lambda rows, limit: self._query(vector_name, rows, limit)  # noqa: E731
        return search_documents(query, vector_name, np.atleast_2d(vectors), k, windows)

    def _query(self, vector_name: str, rows: np.ndarray, limit: int) -> list[Any]:
        from qdrant_edge import Query, QueryBatchRequest, QueryRequest

        params = _search_params()
        requests = [
            QueryRequest(limit=limit, query=Query.Nearest(row.tolist(), using=vector_name), with_payload=SEARCH_PAYLOAD, params=params)
            for row in rows
        ]
        with self._errors():
            return self.shard.query_batch(QueryBatchRequest(requests))

    def documents(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        with self._errors():
            records = self.shard.retrieve([point_id(d) for d in doc_ids], with_payload=["doc_id", "title", "text"], with_vector=False)
        return {r.payload["doc_id"]: Document(r.payload["doc_id"], r.payload["title"], r.payload["text"]) for r in records}

    @staticmethod
    def optimizes(points: int) -> bool:
        """Whether `optimize()` builds anything in a shard of `points` points (from OPTIMIZE_FROM)."""
        return points >= OPTIMIZE_FROM

    def optimize(self, *, force: bool = False) -> bool:
        """From OPTIMIZE_FROM points (or with `force`), merge segments and build HNSW graphs and int8 vectors
        on the large ones (edge never does it by itself); True if anything was rebuilt. Blocks: about a
        minute per 50,000 points of three 384-dim vectors on 2 cores; later runs redo only new segments."""
        if not force and not self.optimizes(self.points()):
            return False
        with self._errors():
            return bool(self.shard.optimize())

    def flush(self) -> None:
        with self._errors():
            self.shard.flush()

    def close(self) -> None:
        try:
            if self._shard is not None:
                with self._errors():
                    self._shard.close()
        finally:
            self._shard = None
            if self._lock is not None:
                os.close(self._lock)  # closing the file releases its lock
                self._lock = None

    def _update(self, operation: Any) -> None:
        with self._errors():
            self.shard.update(operation)

    def _scroll(self, fields: list[str], vectors: list[str] | bool, scroll_filter: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        from qdrant_edge import ScrollRequest

        offset = None
        while True:
            request = ScrollRequest(offset=offset, limit=1024, filter=scroll_filter, with_payload=fields, with_vector=vectors)
            with self._errors():
                records, offset = self.shard.scroll(request)
            for record in records:
                yield record.payload or {}, record.vector or {}
            if offset is None:
                return

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Edge's failures (bare Exceptions carrying Qdrant's message) as one `StoreError` line."""
        try:
            yield
        except SearchkitError:
            raise
        except OSError as error:
            raise StoreError(f"{self.where}: {error.strerror or error}{_space_hint(str(error))}") from None
        except Exception as error:
            message = " ".join(str(error).split())[:300]
            raise StoreError(f"{self.where}: the storage failed ({message}){_space_hint(message)}") from None


def _lock(root: Path) -> int:
    """An exclusive lock on the store's folder, held until `close`; another holder means another process."""
    try:
        handle = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StoreError(f"cannot open the embedded index at {root}: {error.strerror}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        raise locked(root) from None
    return handle


def _read_ahead(shard: Path) -> None:
    """Read the shard's files once, in large blocks, so that loading it copies from the page cache.

    Edge drops its files from the page cache after loading them into memory, and the next load then
    faults them in a 4 KiB page at a time (40 MB/s on this machine's disk, against 500 MB/s read
    whole): at 100k documents, 4.1 s to open against 0.4-0.7 s. Float32 vectors (`matrix.dat`) stay on
    disk (`Memory.Cold`): only a search's rescoring reads them, a few at a time.
    """
    for path in shard.rglob("*"):
        if path.name == "matrix.dat" or not path.is_file():
            continue
        try:
            with path.open("rb", buffering=0) as file:
                while file.read(1 << 22):
                    pass
        except OSError:
            pass  # the load that follows says what is wrong


def _search_params() -> Any:
    """HNSW ef and int8 rescoring for optimized segments; plain segments (all of them below OPTIMIZE_FROM) ignore
    both and are searched exactly."""
    from qdrant_edge import QuantizationSearchParams, SearchParams

    return SearchParams(hnsw_ef=HNSW_EF, quantization=QuantizationSearchParams(rescore=True, oversampling=OVERSAMPLING))


def _documents_only() -> Any:
    """A filter that leaves out window points."""
    from qdrant_edge import FieldCondition, Filter, RangeFloat

    return Filter(must_not=[FieldCondition("window", range=RangeFloat(gte=1))])


def _space_hint(message: str) -> str:
    return "; free some disk space and run the command again" if "No space left" in message else ""
