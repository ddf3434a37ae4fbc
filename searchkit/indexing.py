"""Indexing a corpus with several encoders: resumable, incremental, one forward pass per batch.

Every point records a hash of its document and, per vector, the fingerprint of the model that
made it. A run encodes only what is missing or stale: new or changed documents get every
requested vector; unchanged ones get only the vectors they lack. Work is written chunk by
chunk, so an interrupted run (Ctrl-C, SIGKILL) resumes where it stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from searchkit.corpus import Corpus, Document
from searchkit.encoders import Encoder, encode_all, load_encoders
from searchkit.index import EncoderRecord, Index, Manifest, vector_name
from searchkit.store import PointState

ProgressCallback = Callable[[int, int], None]  # (documents encoded so far, documents to encode)


@dataclass
class IndexReport:
    index: str
    documents: int
    skipped_empty: int
    added: int = 0
    changed: int = 0
    removed: int = 0
    encoded: dict[str, int] = field(default_factory=dict)  # spec -> documents encoded this run
    to_encode: int = 0
    done: int = 0
    seconds: float = 0.0
    cancelled: bool = False

    @property
    def docs_per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def build_index(
    corpus: Corpus,
    encoders: str | Sequence[str],
    *,
    name: str | None = None,
    home: Path | None = None,
    url: str | None = None,
    allow_pickle: bool = False,
    batch_size: int = 32,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> IndexReport:
    """Load the encoders `encoders` names, then open (or create) index `name` (default: the corpus's) and bring it up to date.

    `searchkit index` and the TUI's indexing screen both index through here.
    """
    loaded = load_encoders(encoders, allow_pickle=allow_pickle)
    with Index.open(name or corpus.name, home=home, url=url, create=True) as index:
        return index_corpus(corpus, loaded, index, batch_size=batch_size, progress=progress, cancel=cancel)


def index_corpus(
    corpus: Corpus,
    encoders: Sequence[Encoder],
    index: Index,
    *,
    batch_size: int = 32,
    chunk_size: int = 128,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> IndexReport:
    """Bring `index` up to date with `corpus` for `encoders`; returns what was done."""
    started = time.perf_counter()
    records = {e.spec: EncoderRecord(e.spec, vector_name(e.spec), e.dimension, e.fingerprint) for e in encoders}
    manifest = _prepare_collection(index, corpus, records)
    states = index.store.states()
    report = IndexReport(index.name, len(corpus.documents), len(corpus.skipped_empty))

    removed = [doc_id for doc_id in states if doc_id not in corpus.documents]
    index.store.delete(removed)
    report.removed = len(removed)

    # (whole rewrite?, encoder specs needed) -> documents
    plan: dict[tuple[bool, frozenset[str]], list[Document]] = {}
    for doc in corpus.documents.values():
        state = states.get(doc.id)
        if state is None or state.content_hash != doc.content_hash:
            report.added += state is None
            report.changed += state is not None
            plan.setdefault((True, frozenset(records)), []).append(doc)
            continue
        needed = frozenset(s for s, r in records.items() if state.vectors.get(r.vector) != r.fingerprint)
        if needed:
            plan.setdefault((False, needed), []).append(doc)
    report.to_encode = sum(len(docs) for docs in plan.values())
    if progress:
        progress(0, report.to_encode)

    by_spec = {e.spec: e for e in encoders}
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="searchkit-writer") as writer:
            pending: Future[None] | None = None
            for (rewrite, specs), docs in plan.items():
                group = [by_spec[s] for s in sorted(specs)]
                docs.sort(key=lambda d: -len(d.content))  # similar lengths batch with less padding
                for start in range(0, len(docs), chunk_size):
                    if cancel is not None and cancel.is_set():
                        report.cancelled = True
                        break
                    chunk = docs[start : start + chunk_size]
                    vectors = encode_all(group, [d.content for d in chunk], "document", batch_size)
                    if pending is not None:
                        pending.result()  # one write in flight while the next chunk encodes
                    pending = writer.submit(_write_chunk, index, chunk, vectors, records, states, rewrite)
                    for spec in specs:
                        report.encoded[spec] = report.encoded.get(spec, 0) + len(chunk)
                    report.done += len(chunk)
                    if progress:
                        progress(report.done, report.to_encode)
            if pending is not None:
                pending.result()
    finally:
        _record_coverage(index, manifest)  # also when interrupted: what was written counts
    report.seconds = time.perf_counter() - started
    return report


def _prepare_collection(index: Index, corpus: Corpus, records: dict[str, EncoderRecord]) -> Manifest:
    """Create the collection, or add the vectors it lacks; returns the manifest as stored."""
    manifest = Manifest(corpus.name, str(corpus.path), corpus.split, dict(records))
    if not index.store.exists():
        index.store.create({r.vector: r.dimension for r in records.values()}, manifest.to_dict())
        return manifest
    stored = index.manifest
    held = index.store.vector_names()
    for record in records.values():
        old = stored.encoders.get(record.spec)
        if record.vector in held and old is not None and old.dimension != record.dimension:
            index.store.remove_vector(record.vector)
            held.discard(record.vector)
        if record.vector not in held:
            index.store.add_vector(record.vector, record.dimension)
    # Encoders indexed earlier but not named in this run keep their vectors and their records;
    # the coverage of an unchanged model holds until this run recounts it.
    for spec, record in records.items():
        old = stored.encoders.get(spec)
        if old is not None and old.fingerprint == record.fingerprint:
            records[spec] = replace(record, documents=old.documents)
    manifest.encoders = {**stored.encoders, **records}
    index.store.update_manifest(manifest.to_dict())
    return manifest


def _record_coverage(index: Index, manifest: Manifest) -> None:
    """Count, per encoder, the points holding a vector from its current model."""
    states = index.store.states().values()
    manifest.encoders = {
        spec: replace(record, documents=sum(s.vectors.get(record.vector) == record.fingerprint for s in states))
        for spec, record in manifest.encoders.items()
    }
    index.store.update_manifest(manifest.to_dict())


def _write_chunk(
    index: Index,
    docs: list[Document],
    vectors: dict[str, np.ndarray],
    records: dict[str, EncoderRecord],
    states: dict[str, PointState],
    rewrite: bool,
) -> None:
    """Whole points: new vectors plus, for unchanged documents, the vectors they already hold."""
    kept: list[dict[str, list[float]]] = [{} for _ in docs]
    fingerprints: list[dict[str, str]] = [{} for _ in docs]
    if not rewrite:
        new_names = {records[spec].vector for spec in vectors}
        existing = index.store.vectors([d.id for d in docs])
        for row, doc in enumerate(docs):
            old = states[doc.id].vectors
            for name, vector in existing.get(doc.id, {}).items():
                if name not in new_names and name in old:
                    kept[row][name] = vector
                    fingerprints[row][name] = old[name]
    for spec, matrix in vectors.items():
        record = records[spec]
        for row in range(len(docs)):
            kept[row][record.vector] = matrix[row].tolist()
            fingerprints[row][record.vector] = record.fingerprint
    index.store.upsert(docs, kept, fingerprints)
