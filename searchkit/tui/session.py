"""What the app works on, without Textual: an open index, its retrievers, corpus and judgments.

Everything here blocks (model loading, encoding, Qdrant); the app calls it from worker threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from searchkit.corpus import Corpus, Document
from searchkit.encoders import load_encoder
from searchkit.encoders.onnx import OnnxBackbone
from searchkit.encoders.poolings import POOLINGS
from searchkit.encoders.precision import Precision
from searchkit.errors import SearchkitError
from searchkit.evaluation import evaluate
from searchkit.experiments import ExperimentReport, recall_curves, run_experiment
from searchkit.experiments.anisotropy import Anisotropy
from searchkit.experiments.retrieval import sample_documents, stored_anisotropy
from searchkit.index import Index
from searchkit.judgments import Judgments, user_query_id
from searchkit.retrieval import (
    BM25Retriever,
    BM25Settings,
    DenseRetriever,
    HybridRetriever,
    Retriever,
    WhitenedRetriever,
    answer_all,
    open_retrievers,
)
from searchkit.tui.text import Excerpt, excerpt, query_terms
from searchkit.types import Hit

NDCG_CUTOFF = 10
WARM_UP = "warm up"
PROBES = (WARM_UP, "how does it work", "why did this error happen")  # with the corpus's first queries: columns that rank them
SAMPLE_QUERIES = 8  # all identically (hits and scores) are one ranking
SAME_SCORE = 1e-6
ANISOTROPY_SAMPLE = 500  # documents whose stored vectors are paired at random
EVAL_CHUNK = 32  # judged queries answered per turn of the lock: a search waits for one chunk, not the whole evaluation
CURVE_MAX_K = 100
# what each pooling kind is, short enough for a column's header (POOLINGS has the full descriptions)
SHORT_POOLINGS = {
    "cls": "raw [CLS] vector, no fine-tuned pooling",
    "mean": "masked mean of last-layer token vectors",
    "max": "max of last-layer token vectors",
    "firstlast": "mean of first + last layers' tokens",
    "sbert": "the model's own SBERT pipeline",
}
Status = Callable[[str], None]
Spans = list[tuple[int, int, float]]  # character spans with weights


@dataclass
class Options:
    """What to open: the `searchkit tui` command line, changed later from the command palette."""

    index: str
    home: Path | None = None
    url: str | None = None
    encoders: str | None = None  # None: every encoder the index holds
    bm25: bool = True
    hybrid: bool | str = False
    bm25_settings: BM25Settings | None = None
    rrf_k: int = 60
    rrf_weights: list[float] | None = None
    allow_pickle: bool = False
    long_docs: tuple[str, ...] = ()  # how dense columns score long documents; () for as indexed
    whiten: bool = False  # a whitened column beside each dense one
    precision: Precision = "auto"
    k: int = 10


@dataclass(frozen=True)
class Column:
    retriever: str
    hits: list[Hit]  # at least NDCG_CUTOFF deep, so nDCG@10 is right when k < 10


@dataclass(frozen=True)
class SearchResult:
    query: str
    query_id: str
    k: int
    columns: list[Column]
    documents: dict[str, Document]
    excerpts: dict[tuple[str, tuple[int, int] | None], Excerpt]  # (doc id, span) of each hit in a top k -> its snippet's source
    seconds: float


@dataclass(frozen=True)
class QueryScores:
    recall: float
    ndcg: float


@dataclass(frozen=True)
class Evaluation:
    report: ExperimentReport
    curves: dict[str, list[float]]  # retriever -> mean recall@k for k = 1..CURVE_MAX_K


class Cancelled(Exception):
    """An evaluation stopped between chunks because its caller asked."""


class FairLock:
    """A lock taken in the order it is asked for, so a search asked for during an evaluation goes
    before the evaluation's next chunk."""

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._next = self._serving = 0

    def acquire(self) -> None:
        with self._turns:
            ticket = self._next
            self._next += 1
            self._turns.wait_for(lambda: self._serving == ticket)

    def release(self) -> None:
        with self._turns:
            self._serving += 1
            self._turns.notify_all()

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *_: object) -> None:
        self.release()


@dataclass
class Session:
    options: Options
    index: Index
    retrievers: list[Retriever]
    judgments: Judgments
    corpus: Corpus | None = None
    warnings: list[str] = field(default_factory=list)
    same_as: dict[str, tuple[str, str]] = field(default_factory=dict)  # retriever -> (the earlier one it ranks as, why)
    _anisotropy: dict[str, Anisotropy] | None = field(default=None, repr=False)
    _evaluated: tuple[object, Evaluation] | None = field(default=None, repr=False)  # (what it depends on, it)
    _lock: FairLock = field(default_factory=FairLock, repr=False)

    @classmethod
    def open(cls, options: Options, status: Status = lambda _: None) -> Session:
        """Open the index, read its corpus and judgments, and build BM25 (when asked): enough to search.

        `load_models` adds the dense columns (slow)."""
        status(f"opening index {options.index}…")
        index = Index.open(options.index, home=options.home, url=options.url)
        try:
            if index.store.count() == 0:
                raise SearchkitError(f"index {index.name!r} is empty: index a corpus into it first (searchkit index CORPUS --name {index.name})")
            warnings = []
            corpus: Corpus | None = None
            try:
                corpus = index.corpus()
            except SearchkitError as error:
                warnings.append(f"the corpus could not be read again, so its queries and judgments are not shown: {error}")
            judgments = Judgments.load(index.judgments_path, corpus.qrels if corpus else None)
            if options.bm25:
                status("building BM25…")
            retrievers = open_retrievers(index, "", bm25=options.bm25, bm25_settings=options.bm25_settings, corpus=corpus)
        except BaseException:
            index.close()
            raise
        session = cls(options, index, retrievers, judgments, corpus, [*warnings, *index.coverage_warnings([r.name for r in retrievers])])
        if not retrievers and not session.models_to_load:
            session.close()
            raise SearchkitError(f"nothing to search with: index {index.name!r} holds no encoders and BM25 is off")
        return session

    @property
    def models_to_load(self) -> bool:
        """Whether `load_models` would add columns: dense encoders or a hybrid."""
        options = self.options
        return bool(options.hybrid) or (options.encoders is None and bool(self.index.manifest.encoders)) or bool(options.encoders)

    def load_models(self, status: Status = lambda _: None) -> None:
        """Load the models, add their columns (in table order, after BM25) and warm every column up."""
        options, index = self.options, self.index
        status("loading models…")
        lexical = next((r for r in self.retrievers if isinstance(r, BM25Retriever)), None)
        retrievers = open_retrievers(
            index, options.encoders, bm25=options.bm25, hybrid=options.hybrid, bm25_settings=options.bm25_settings,
            rrf_k=options.rrf_k, rrf_weights=options.rrf_weights, corpus=self.corpus, allow_pickle=options.allow_pickle,
            long_docs=options.long_docs, whiten=options.whiten, precision=options.precision, lexical=lexical,
            query_exports=True,
        )
        status("warming up…")  # the probes below pay every retriever's one-off first-call costs too
        corpus = self.corpus
        probes = [*PROBES, *[text for _, text in sorted(corpus.queries.items())[:SAMPLE_QUERIES]]] if corpus else list(PROBES)
        same_as = _same_rankings(retrievers, probes)
        coverage = index.coverage_warnings([r.name for r in retrievers])
        with self._lock:
            self.retrievers, self.same_as = retrievers, same_as
            self.warnings = [*(w for w in self.warnings if w not in coverage), *coverage]

    def describe(self, retriever: Retriever) -> str:
        """What a retriever is, in a few words."""
        if isinstance(retriever, HybridRetriever):
            return f"RRF of {' + '.join(part.name for part in retriever.parts)}"
        if isinstance(retriever, DenseRetriever | WhitenedRetriever):
            kind = retriever.encoder.spec.partition(":")[0]
            what = SHORT_POOLINGS.get(kind) or (POOLINGS[kind].description if kind in POOLINGS else f"third-party {kind} encoder")
            return f"{what}, whitened on this corpus" if isinstance(retriever, WhitenedRetriever) else what
        if retriever.describe().get("kind") == "bm25":
            return "BM25 over title + text"
        return str(retriever.describe().get("kind", ""))

    def same_ranking(self, name: str) -> list[str]:
        """The other retrievers that rank every sample query as `name` does."""
        first = self.same_as[name][0] if name in self.same_as else name
        return [r.name for r in self.retrievers if r.name != name and first in (r.name, self.same_as.get(r.name, ("",))[0])]

    def anisotropy(self) -> dict[str, Anisotropy]:
        """Dense retriever -> the cosines of random pairs of its stored vectors of a seeded sample of documents.

        Measured once per session (blocks for a moment: it reads the vectors from the store)."""
        with self._lock:
            if self._anisotropy is None:
                sample = sample_documents(sorted(self.index.store.states()), ANISOTROPY_SAMPLE)
                measured = {r.name: stored_anisotropy(r, sample) for r in self.retrievers if isinstance(r, DenseRetriever | WhitenedRetriever)}
                self._anisotropy = {name: found[0] for name, found in measured.items() if found is not None}
            return self._anisotropy

    def cls_attention(self, retriever: str | None, text: str) -> Spans:
        """The attention [CLS] pays each word piece of `text` in the last layer (see `Backbone.cls_attention`),
        for a dense retriever over a BERT-family model; a SearchkitError saying why not otherwise."""
        found = next((r for r in self.retrievers if r.name == retriever), None)
        backbone = getattr(found.encoder, "backbone", None) if isinstance(found, DenseRetriever) else None
        if isinstance(backbone, OnnxBackbone):  # queries come from the ONNX export: attention needs the torch model
            backbone = getattr(load_encoder(found.encoder.spec, allow_pickle=self.options.allow_pickle, precision="fp32"), "backbone", None)
        if backbone is None or not hasattr(backbone, "cls_attention"):
            raise SearchkitError(f"[CLS] attention is not available for {retriever or 'this column'}: only for dense columns over a transformer")
        if getattr(backbone.model.tokenizer, "cls_token", None) is None:
            raise SearchkitError(f"[CLS] attention is not available for {retriever}: its model has no [CLS] token (not BERT-family)")
        with self._lock:  # the backbone switches to eager attention for this pass
            return backbone.cls_attention(text)

    @property
    def queries(self) -> dict[str, str]:
        """Judged queries, the corpus's and the user's, by id."""
        queries = {**self.judgments.queries, **(self.corpus.queries if self.corpus else {})}
        return {qid: text for qid, text in queries.items() if self.judgments.judged(qid)}

    def query_id(self, query: str) -> str:
        """The id of a judged query with the same text (the user's or the corpus's), else the id of a typed query."""
        text = _folded(query)
        judgments = self.judgments
        typed = [qid for qid, known in judgments.queries.items() if _folded(known) == text]
        for qid in (*typed, *self._corpus_query_ids.get(text, ())):
            if judgments.judged(qid):
                return qid
        return user_query_id(text)

    @cached_property
    def _corpus_query_ids(self) -> dict[str, list[str]]:
        """The corpus's query ids by text, whitespace folded (a search looks its query up here)."""
        ids: dict[str, list[str]] = {}
        for qid, text in (self.corpus.queries if self.corpus else {}).items():
            ids.setdefault(_folded(text), []).append(qid)
        return ids

    def search(self, query: str, k: int, retrievers: list[Retriever] | None = None) -> SearchResult:
        """Top hits of every retriever (or of `retrievers`), and the documents among their top k."""
        started = time.perf_counter()
        depth = max(k, NDCG_CUTOFF)
        with self._lock:  # one search at a time: a stale one finishes before the next starts
            chosen = self.retrievers if retrievers is None else retrievers
            answers = answer_all(chosen, [query], depth)
            columns = [Column(r.name, answers[r.name].hits[0]) for r in chosen]
            ids = sorted({hit.doc_id for column in columns for hit in column.hits[:k]})
            documents = self._documents(ids)
        terms = query_terms(query)
        excerpts: dict[tuple[str, tuple[int, int] | None], Excerpt] = {}
        for column in columns:  # in the worker: an excerpt takes time linear in its document's length
            for hit in column.hits[:k]:
                if (hit.doc_id, hit.span) not in excerpts and hit.doc_id in documents:
                    excerpts[hit.doc_id, hit.span] = excerpt(documents[hit.doc_id], hit.span, terms)
        return SearchResult(query, self.query_id(query), k, columns, documents, excerpts, time.perf_counter() - started)

    def _documents(self, ids: list[str]) -> dict[str, Document]:
        """The corpus's documents (BM25 has them all, also those an interrupted run left out of the store), else the store's."""
        corpus = self.corpus.documents if self.corpus is not None else {}
        documents = {doc_id: corpus[doc_id] for doc_id in ids if doc_id in corpus}
        missing = [doc_id for doc_id in ids if doc_id not in documents]
        return documents | (self.index.store.documents(missing) if missing else {})

    def scores(self, result: SearchResult) -> dict[str, QueryScores]:
        """recall@k and nDCG@10 per retriever for the result's query; empty when it has no relevant judgment."""
        grades = self.judgments.grades(result.query_id)
        if not any(grade > 0 for grade in grades.values()):
            return {}
        metrics = [f"recall@{result.k}", f"ndcg@{NDCG_CUTOFF}"]
        scores = {}
        for column in result.columns:
            run = {result.query_id: {hit.doc_id: hit.score for hit in column.hits}}
            mean = evaluate({result.query_id: grades}, run, metrics).mean
            scores[column.retriever] = QueryScores(mean[metrics[0]], mean[metrics[1]])
        return scores

    def _evaluation_key(self, hidden: set[str]) -> object:
        """What an evaluation depends on: the retrievers shown and every judgment."""
        judgments = self.judgments
        return [r.name for r in self.retrievers if r.name not in hidden], judgments.qrels, dict(judgments.queries)

    def cached_evaluation(self, hidden: set[str]) -> Evaluation | None:
        """The last evaluation, when the shown retrievers and the judgments have not changed since."""
        if self._evaluated is not None and self._evaluated[0] == self._evaluation_key(hidden):
            return self._evaluated[1]
        return None

    def evaluate(
        self, hidden: set[str], progress: Callable[[int, int], None] = lambda done, total: None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Evaluation:
        """`searchkit eval`'s experiment over the shown retrievers, with the user's judgments merged in.

        The lock is taken per EVAL_CHUNK queries; `progress(answered, queries)` is called and
        `cancelled()` asked between them (True raises Cancelled). Kept until what it depends on changes."""
        if self.corpus is None:
            raise SearchkitError("the corpus could not be read again, so there are no queries to evaluate")
        cached = self.cached_evaluation(hidden)
        if cached is not None:
            return cached
        key = self._evaluation_key(hidden)
        corpus = self.judgments.apply(self.corpus)

        def between_chunks(done: int, total: int) -> None:
            self._lock.release()  # searches asked for meanwhile go first
            try:
                progress(done, total)
                if cancelled():
                    raise Cancelled
            finally:
                self._lock.acquire()

        if cancelled():
            raise Cancelled
        with self._lock:
            report = run_experiment(corpus, [r for r in self.retrievers if r.name not in hidden], progress=between_chunks, chunk=EVAL_CHUNK)
        evaluation = Evaluation(report, recall_curves(report, CURVE_MAX_K))
        self._evaluated = key, evaluation
        return evaluation

    def document(self, doc_id: str) -> Document | None:
        with self._lock:
            return self._documents([doc_id]).get(doc_id)

    def close(self) -> None:
        with self._lock:
            self.index.close()


def _same_rankings(retrievers: list[Retriever], probes: list[str]) -> dict[str, tuple[str, str]]:
    """Retrievers whose hits and scores (to SAME_SCORE) equal an earlier one's for every probe query -> (that one, why)."""
    answers = answer_all(retrievers, probes, NDCG_CUTOFF)
    same: dict[str, tuple[str, str]] = {}
    for i, later in enumerate(retrievers):
        for earlier in retrievers[:i]:
            if earlier.name not in same and all(
                _same_hits(a, b) for a, b in zip(answers[earlier.name].hits, answers[later.name].hits, strict=True)
            ):
                evidence = f"same hits and scores on {len(probes)} sample queries"
                pooling = _pipeline_pooling(later)
                why = f"its pipeline is {pooling} pooling ({evidence})" if pooling else evidence
                same[later.name] = (earlier.name, f"{later.name} ranks as {earlier.name}: {why}")
                break
    return same


def _same_hits(a: list[Hit], b: list[Hit]) -> bool:
    return [h.doc_id for h in a] == [h.doc_id for h in b] and all(abs(x.score - y.score) <= SAME_SCORE for x, y in zip(a, b))


def _pipeline_pooling(retriever: Retriever) -> str | None:
    """The pooling mode an sbert: column's SentenceTransformer pipeline declares (torch model or query export), if any."""
    backbone = getattr(getattr(retriever, "encoder", None), "backbone", None)
    if not isinstance(retriever, DenseRetriever) or not retriever.encoder.spec.startswith("sbert:"):
        return None
    return getattr(backbone, "pipeline_pooling", None)


def _folded(text: str) -> str:
    """`text` with its runs of whitespace made single spaces, as a query is matched by."""
    return " ".join(text.split())
