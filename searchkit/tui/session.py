"""What the app works on, without Textual: an open index, its retrievers, corpus and judgments.

Everything here blocks (model loading, encoding, Qdrant); the app calls it from worker threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from searchkit.corpus import Corpus, Document
from searchkit.errors import SearchkitError
from searchkit.evaluation import evaluate
from searchkit.experiments import ExperimentReport, run_experiment
from searchkit.index import Index
from searchkit.judgments import Judgments, user_query_id
from searchkit.retrieval import BM25Settings, Retriever, answer_all, open_retrievers
from searchkit.tui.text import Excerpt, excerpt, query_terms
from searchkit.types import Hit

NDCG_CUTOFF = 10
Status = Callable[[str], None]


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


@dataclass
class Session:
    options: Options
    index: Index
    retrievers: list[Retriever]
    judgments: Judgments
    corpus: Corpus | None = None
    warnings: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, options: Options, status: Status = lambda _: None) -> Session:
        """Open the index, read its corpus and judgments, load the models (slow) and warm them up."""
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
            status("loading models…")
            retrievers = open_retrievers(
                index, options.encoders, bm25=options.bm25, hybrid=options.hybrid, bm25_settings=options.bm25_settings,
                rrf_k=options.rrf_k, rrf_weights=options.rrf_weights, corpus=corpus, allow_pickle=options.allow_pickle,
                long_docs=options.long_docs,
            )
            if not retrievers:
                raise SearchkitError(f"nothing to search with: index {index.name!r} holds no encoders and BM25 is off")
            warnings.extend(index.coverage_warnings([r.name for r in retrievers]))
            status("warming up…")
            for retriever in retrievers:
                retriever.search("warm up", 1)  # first calls pay one-off costs
        except BaseException:
            index.close()
            raise
        return cls(options, index, retrievers, judgments, corpus, warnings)

    @property
    def queries(self) -> dict[str, str]:
        """Judged queries, the corpus's and the user's, by id."""
        queries = {**self.judgments.queries, **(self.corpus.queries if self.corpus else {})}
        return {qid: text for qid, text in queries.items() if qid in self.judgments.qrels}

    def query_id(self, query: str) -> str:
        """The corpus's id for a query it has (same text), else the id of a typed query."""
        text = " ".join(query.split())
        for qid, known in self.queries.items():
            if " ".join(known.split()) == text:
                return qid
        return user_query_id(text)

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

    def evaluate(self, hidden: set[str]) -> ExperimentReport:
        """`searchkit eval`'s experiment over the shown retrievers, with the user's judgments merged in."""
        if self.corpus is None:
            raise SearchkitError("the corpus could not be read again, so there are no queries to evaluate")
        with self._lock:
            return run_experiment(self.judgments.apply(self.corpus), [r for r in self.retrievers if r.name not in hidden])

    def document(self, doc_id: str) -> Document | None:
        with self._lock:
            return self._documents([doc_id]).get(doc_id)

    def close(self) -> None:
        with self._lock:
            self.index.close()
