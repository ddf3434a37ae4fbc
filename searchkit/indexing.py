"""Indexing a corpus with several encoders: resumable, incremental, one forward pass per batch.

Every point records a hash of its document and, per vector, the fingerprint of the model that
made it. A run encodes only what is missing or stale: new or changed documents get every
requested vector; unchanged ones get only the vectors they lack. Work is written chunk by
chunk, so an interrupted run (Ctrl-C, SIGKILL) resumes where it stopped.

Long documents (`long_docs="maxp"`, the default) are seen whole: besides the vector of its start
(what plain truncation keeps), a document longer than an encoder reads gets a window point per
further window of the encoder's own tokenizer and length, overlapping by `size - stride` pieces;
a search scores the document by its best window. Window settings are recorded per encoder, and
changing them re-encodes only the windows.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from searchkit.corpus import Corpus, Document
from searchkit.encoders import Encoder, WindowedEncoder, load_encoders
from searchkit.encoders.cache import EmbeddingCache, encode_cached
from searchkit.encoders.precision import Precision
from searchkit.errors import IndexMismatchError, SearchkitError
from searchkit.index import (
    EncoderRecord,
    Index,
    Manifest,
    cache_folder,
    corpus_kind,
    vector_name,
)
from searchkit.store import (
    DocumentPoint,
    EdgeStore,
    PointState,
    WindowPoint,
    build_seconds,
    outgrown,
)

ProgressCallback = Callable[[int, int], None]  # (documents encoded so far, documents to encode)
StatusCallback = Callable[[str], None]  # what a long step without progress counts is doing
LongDocs = Literal["maxp", "first"]
WindowTitle = Literal["first", "every"]  # the title read with the first window only, or prepended to every window
STRIDE_FRACTION = 0.75  # default stride: three quarters of the model's maximum length (192 for 256)
SPECIAL_TOKENS = 2  # [CLS] and [SEP]: a BERT-family window is the maximum length less these
REMOVAL_GUARD = 0.5  # a run that would remove more than this share of the indexed documents stops


@dataclass
class IndexReport:
    index: str
    documents: int
    skipped_empty: int
    added: int = 0
    changed: int = 0
    removed: int = 0
    encoded: dict[str, int] = field(default_factory=dict)  # spec -> documents encoded this run
    windows: dict[str, int] = field(default_factory=dict)  # spec -> window points encoded this run
    long_documents: dict[str, int] = field(default_factory=dict)  # spec -> indexed documents longer than it reads
    to_encode: int = 0
    done: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    from_cache: int = 0  # vectors (documents' starts and windows) read from the embedding cache instead of encoded
    outgrown: list[str] = field(default_factory=list)  # why this machine no longer suits the embedded index (store/capacity.py)

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
    long_docs: LongDocs = "maxp",
    stride: int | None = None,
    window_title: WindowTitle = "first",
    allow_removal: bool = False,
    batch_size: int = 32,
    precision: Precision = "auto",
    use_cache: bool = True,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    status: StatusCallback | None = None,
) -> IndexReport:
    """Load the encoders `encoders` names, then open (or create) index `name` (default: the corpus's) and bring it up to date.

    Vectors come from the home's embedding cache where it has them (`use_cache`). `searchkit index`
    and the TUI's indexing screen both index through here.
    """
    loaded = load_encoders(encoders, allow_pickle=allow_pickle, precision=precision)
    with Index.open(name or corpus.name, home=home, url=url, create=True) as index:
        cache = EmbeddingCache(cache_folder(home)) if use_cache and loaded else None  # nothing to encode: no cache file
        try:
            return index_corpus(
                corpus, loaded, index, long_docs=long_docs, stride=stride, window_title=window_title,
                allow_removal=allow_removal, batch_size=batch_size, progress=progress, cancel=cancel, cache=cache,
                status=status,
            )  # fmt: skip
        finally:
            if cache is not None:
                cache.close()


def index_corpus(
    corpus: Corpus,
    encoders: Sequence[Encoder],
    index: Index,
    *,
    long_docs: LongDocs = "maxp",
    stride: int | None = None,
    window_title: WindowTitle = "first",
    allow_removal: bool = False,
    batch_size: int = 32,
    chunk_size: int = 128,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    cache: EmbeddingCache | None = None,
    status: StatusCallback | None = None,
) -> IndexReport:
    """Bring `index` up to date with `corpus` for `encoders`; returns what was done.

    `stride` (word pieces; default: three quarters of the model's maximum length) sets where windows
    start; `window_title` "every" prepends the title to every window (whose end then falls to the
    next window's overlap) instead of reading it with the first window only. The index stays bound
    to the corpus it was built from: another corpus under its name is an error, and so is a run
    that would remove most of its documents, unless `allow_removal`. `status` hears of the HNSW
    build that follows a large embedded index's encoding, with its expected length.
    """
    started = time.perf_counter()
    records = {e.spec: _record(e, long_docs, stride, window_title) for e in encoders}
    states = index.store.states() if index.store.exists() else {}
    _check_corpus(index, corpus, states, allow_removal)
    manifest = _prepare_collection(index, corpus, records)
    report = IndexReport(index.name, len(corpus.documents), len(corpus.skipped_empty))

    removed = [doc_id for doc_id in states if doc_id not in corpus.documents]
    index.store.delete(removed)
    report.removed = len(removed)
    live_schemes = {r.windows["scheme"] for r in manifest.encoders.values() if r.windows and "scheme" in r.windows}
    index.store.delete_windows(keep_schemes=sorted(live_schemes))  # windows of settings no encoder uses now

    # (whole rewrite?, specs whose document vector is needed, specs whose windows are needed) -> documents
    plan: dict[tuple[bool, frozenset[str], frozenset[str]], list[Document]] = {}
    windowed = frozenset(spec for spec, record in records.items() if record.long_docs == "maxp")
    for doc in corpus.documents.values():
        state = states.get(doc.id)
        if state is None or state.content_hash != doc.content_hash:
            report.added += state is None
            report.changed += state is not None
            plan.setdefault((True, frozenset(records), windowed), []).append(doc)
            continue
        first = frozenset(s for s, r in records.items() if state.vectors.get(r.vector) != r.fingerprint)
        windows = frozenset(s for s in windowed if state.windows.get(records[s].vector) != records[s].windows["scheme"])
        if first or windows:
            plan.setdefault((False, first, windows), []).append(doc)
    report.to_encode = sum(len(docs) for docs in plan.values())
    if progress:
        progress(0, report.to_encode)

    by_spec = {e.spec: e for e in encoders}
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="searchkit-writer") as writer:
            pending: Future[None] | None = None
            for (rewrite, first, windows), docs in plan.items():
                docs.sort(key=lambda d: -len(d.content))  # similar lengths batch with less padding
                for start in range(0, len(docs), chunk_size):
                    if cancel is not None and cancel.is_set():
                        report.cancelled = True
                        break
                    chunk = docs[start : start + chunk_size]
                    encoded = _encode_chunk(
                        chunk, [by_spec[s] for s in sorted(first)], [by_spec[s] for s in sorted(windows)], records, batch_size,
                        cache,
                    )
                    if pending is not None:
                        pending.result()  # one write in flight while the next chunk encodes
                    pending = writer.submit(_write_chunk, index, chunk, encoded, records, states, rewrite)
                    long_docs = len({w.doc_id for w in encoded.windows})
                    for spec in first | windows:
                        count = len(chunk) if spec in first else long_docs
                        report.encoded[spec] = report.encoded.get(spec, 0) + count
                    for spec in windows:
                        report.windows[spec] = report.windows.get(spec, 0) + encoded.window_count
                    report.done += len(chunk)
                    if progress:
                        progress(report.done, report.to_encode)
            if pending is not None:
                pending.result()
    finally:
        manifest = _record_coverage(index, manifest)  # also when interrupted: what was written counts
    report.long_documents = {spec: manifest.encoders[spec].long_documents for spec in records}
    if not report.cancelled and isinstance(index.store, EdgeStore):
        points, dimensions = index.store.points(), [r.dimension for r in manifest.encoders.values()]
        if status and report.done and index.store.optimizes(points):
            cores = os.cpu_count() or 1
            seconds = build_seconds(points, dimensions, cores)
            status(f"building HNSW graphs over {points:,} points: about {seconds:.0f} s on {cores} cores (cannot be cancelled)")
        index.store.optimize()  # HNSW once large (store/edge.py OPTIMIZE_FROM)
        report.outgrown = outgrown(points, dimensions)
    report.from_cache = cache.hits if cache is not None else 0
    report.seconds = time.perf_counter() - started
    return report


def _record(encoder: Encoder, long_docs: LongDocs, stride: int | None, title: WindowTitle) -> EncoderRecord:
    """What the manifest records of an encoder: its vector, model and window settings."""
    windows: dict[str, Any] | None = None
    if isinstance(encoder, WindowedEncoder):
        size = encoder.max_tokens
        windows = {"long_docs": long_docs, "tokens": size}
        if long_docs == "maxp":
            step = stride or max(1, min(size, round(STRIDE_FRACTION * (size + SPECIAL_TOKENS))))
            if not 1 <= step <= size:
                raise SearchkitError(f"--stride {step} must be between 1 and {encoder.spec}'s window of {size} word pieces")
            scheme = f"{encoder.fingerprint}-{size}-{step}" + ("-title" if title == "every" else "")
            windows |= {"stride": step, "title": title, "scheme": scheme}
    return EncoderRecord(
        encoder.spec, vector_name(encoder.spec), encoder.dimension, encoder.fingerprint, windows=windows,
        precision=getattr(encoder, "precision", ""),
    )  # fmt: skip


def _check_corpus(index: Index, corpus: Corpus, states: dict[str, PointState], allow_removal: bool) -> None:
    """Refuse another corpus under an index's name, and a run that would remove most of what is indexed."""
    if not states and not index.store.exists():
        return
    bound = index.manifest
    if bound.corpus_path and Path(bound.corpus_path) != corpus.path:
        raise IndexMismatchError(
            f"index {index.name!r} holds the corpus at {bound.corpus_path} ({bound.corpus_kind or 'unknown kind'}), "
            f"not {corpus.path} ({corpus_kind(corpus.path)}): give this one another name with --name, "
            f"or delete {index.location} first to replace it"
        )
    removed = sum(doc_id not in corpus.documents for doc_id in states)
    if removed and not allow_removal and removed > REMOVAL_GUARD * len(states):
        raise SearchkitError(
            f"{corpus.path} now holds {len(corpus.documents)} documents, so this run would remove {removed} of the "
            f"{len(states)} documents in index {index.name!r}; check the corpus (an empty or cut-short file?), "
            "or pass --allow-removal to remove them"
        )


@dataclass
class EncodedChunk:
    vectors: dict[str, np.ndarray]  # spec -> a row per document: the vector of its start
    spans: list[dict[str, tuple[int, int]]]  # per document: vector name -> its first window, when longer
    windows: list[WindowPoint]
    schemes: dict[str, str] = field(default_factory=dict)  # vector name -> window scheme computed for every document

    @property
    def window_count(self) -> int:
        return len(self.windows)


def _encode_chunk(
    docs: list[Document],
    first: list[Encoder],
    windowed: list[Encoder],
    records: dict[str, EncoderRecord],
    batch_size: int,
    cache: EmbeddingCache | None = None,
) -> EncodedChunk:
    """Vectors of the documents' starts for `first`, and of their further windows for `windowed`."""
    contents = [d.content for d in docs]
    chunk = EncodedChunk(encode_cached(first, contents, "document", batch_size, cache) if first else {}, [{} for _ in docs], [])
    schemes: dict[str, list[Encoder]] = {}
    for encoder in {*first, *windowed}:
        if isinstance(encoder, WindowedEncoder):
            record = records[encoder.spec]
            schemes.setdefault(record.windows.get("scheme") or f"first-{encoder.fingerprint}", []).append(encoder)
    for scheme, group in schemes.items():
        stride = records[group[0].spec].windows.get("stride") or group[0].max_tokens
        spans = group[0].windows(contents, stride)  # type: ignore[attr-defined]
        for row, doc_spans in enumerate(spans):
            if len(doc_spans) > 1:
                chunk.spans[row].update({records[e.spec].vector: doc_spans[0] for e in group})
        encoders = [e for e in group if e in windowed]
        if not encoders:
            continue
        chunk.schemes.update({records[e.spec].vector: scheme for e in encoders})
        owners = [(row, number, span) for row, doc_spans in enumerate(spans) for number, span in enumerate(doc_spans[1:], start=1)]
        with_title = records[group[0].spec].windows.get("title") == "every"
        texts = [
            f"{docs[row].title} {contents[row][s:e]}" if with_title and docs[row].title else contents[row][s:e]
            for row, _, (s, e) in owners
        ]
        vectors = encode_cached(encoders, texts, "document", batch_size, cache)
        for i, (row, number, span) in enumerate(owners):
            names = {e.spec: records[e.spec].vector for e in encoders}
            chunk.windows.append(
                WindowPoint(
                    docs[row].id, scheme, number, span,
                    {names[spec]: vectors[spec][i].tolist() for spec in names},
                    {names[spec]: records[spec].fingerprint for spec in names},
                )  # fmt: skip
            )
    return chunk


def _prepare_collection(index: Index, corpus: Corpus, records: dict[str, EncoderRecord]) -> Manifest:
    """Create the collection, or add the vectors it lacks; returns the manifest as stored."""
    manifest = Manifest(corpus.name, str(corpus.path), corpus.split, dict(records), corpus_kind(corpus.path), len(corpus.documents))
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
    # the coverage of an unchanged model holds until this run recounts it. An encoder switched to
    # `first` keeps the windows it has, for a later `maxp` run.
    for spec, record in records.items():
        old = stored.encoders.get(spec)
        if old is not None and old.fingerprint == record.fingerprint:
            kept = replace(record, documents=old.documents, long_documents=old.long_documents, windowed=old.windowed)
            if record.windows and record.windows["long_docs"] == "first" and old.windows and "scheme" in old.windows:
                kept = replace(kept, windows={**old.windows, "long_docs": "first"})
            records[spec] = kept
    manifest.encoders = {**stored.encoders, **records}
    index.store.update_manifest(manifest.to_dict())
    return manifest


def _record_coverage(index: Index, manifest: Manifest) -> Manifest:
    """Count, per encoder, the documents holding its current vector, the long ones, and those with all their windows."""
    states = index.store.states().values()
    manifest.encoders = {
        spec: replace(
            record,
            documents=sum(s.vectors.get(record.vector) == record.fingerprint for s in states),
            long_documents=sum(record.vector in s.spans for s in states),
            windowed=sum(s.windows.get(record.vector) == (record.windows or {}).get("scheme") for s in states),
        )
        for spec, record in manifest.encoders.items()
    }
    index.store.update_manifest(manifest.to_dict())
    return manifest


def _write_chunk(
    index: Index,
    docs: list[Document],
    encoded: EncodedChunk,
    records: dict[str, EncoderRecord],
    states: dict[str, PointState],
    rewrite: bool,
) -> None:
    """Window points first, then whole document points: new vectors plus, for unchanged documents,
    what they already hold (so a run killed in between redoes the windows, never trusts half of them)."""
    if rewrite:
        index.store.delete_windows([d.id for d in docs])
    index.store.upsert_windows(encoded.windows)
    new_names = {records[spec].vector for spec in encoded.vectors}
    existing = {} if rewrite else index.store.vectors([d.id for d in docs])
    points = []
    for row, doc in enumerate(docs):
        old = PointState("", {}) if rewrite else states[doc.id]
        vectors = {name: v for name, v in existing.get(doc.id, {}).items() if name not in new_names and name in old.vectors}
        fingerprints = {name: old.vectors[name] for name in vectors}
        for spec, matrix in encoded.vectors.items():
            vectors[records[spec].vector] = matrix[row].tolist()
            fingerprints[records[spec].vector] = records[spec].fingerprint
        windows = {name: scheme for name, scheme in old.windows.items() if name in fingerprints}
        windows |= {name: scheme for name, scheme in encoded.schemes.items() if name in fingerprints}
        spans = {name: span for name, span in old.spans.items() if name in fingerprints} | encoded.spans[row]
        points.append(DocumentPoint(doc, vectors, fingerprints, windows, spans))
    index.store.upsert(points)
    index.store.flush()
