"""The retrieval experiment: run a corpus's judged queries through several retrievers and compare them.

    report = run_experiment(corpus, open_retrievers(index, bm25=True, hybrid=True))
    for row in report.table_rows(): ...

Every retriever answers every judged query (top `depth`); each run is scored on every metric,
and every pair of retrievers is compared on every metric with a paired two-sided randomization
test. The CLI's `searchkit eval` and the TUI show the same `table_rows()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, Literal

import numpy as np

from searchkit.corpus import CONTENT_RULE, Corpus
from searchkit.errors import SearchkitError
from searchkit.evaluation import (
    DEFAULT_METRICS,
    Comparison,
    Evaluation,
    compare,
    evaluate,
    parse_metric,
    relevant_ids,
)
from searchkit.evaluation.correction import describe_correction
from searchkit.experiments.anisotropy import Anisotropy, measure_anisotropy
from searchkit.ranking import rank_scores
from searchkit.retrieval import (
    Answer,
    DenseRetriever,
    Retriever,
    WhitenedRetriever,
    answer_all,
)
from searchkit.types import Hit, Qrels, Run

RESAMPLES = 10_000
QUERY_CHUNK = 1024  # queries per `answer_all` call in `run_experiment`; progress is reported after each
ANISOTROPY_DOCUMENTS = 1_000  # documents sampled per dense retriever for its anisotropy
SIGNIFICANCE_TEST = "paired two-sided randomization test (random sign flips of per-query differences)"


@dataclass(frozen=True)
class TableRow:
    """One retriever's line in the comparison table."""

    label: str  # a, b, c, ... in table order; significance marks name rows by it
    name: str
    values: dict[str, float]  # metric -> mean over the evaluated queries
    beats: dict[str, list[str]]  # metric -> labels of the rows this one is significantly better than
    seconds: float  # time to answer every query
    queries_per_second: float


@dataclass(frozen=True)
class QueryDiff:
    """One query on which retrievers A and B score differently, with its relevant documents."""

    query_id: str
    query: str
    score_a: float
    score_b: float
    relevant: dict[str, int]  # judged relevant doc id -> grade
    ranks_a: dict[str, int]  # relevant doc id -> rank in A's run, from 1 (absent: not retrieved)
    ranks_b: dict[str, int]

    @property
    def winner(self) -> Literal["a", "b"]:
        return "a" if self.score_a > self.score_b else "b"


@dataclass
class ExperimentReport:
    corpus: str
    metrics: tuple[str, ...]
    queries: dict[str, str]  # the evaluated queries: id -> text
    qrels: Qrels
    runs: dict[str, Run]  # retriever name -> run (top `depth` per query)
    evaluations: dict[str, Evaluation]
    comparisons: dict[str, dict[tuple[str, str], Comparison]]  # metric -> (a, b) in table order -> test
    retrievers: dict[str, dict[str, Any]]  # name -> its settings (kind, model fingerprint, k1/b, ...)
    settings: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)  # name -> seconds to answer every query

    @property
    def names(self) -> list[str]:
        return list(self.runs)

    def better(self, metric: str, a: str, b: str) -> bool:
        """Whether `a` is significantly better than `b` on `metric`."""
        tests = self.comparisons[metric]
        test = tests.get((a, b)) or tests.get((b, a))
        if test is None:
            return False
        mean_a, mean_b = (test.mean_a, test.mean_b) if test.a == a else (test.mean_b, test.mean_a)
        return test.significant and mean_a > mean_b

    def table_rows(self) -> list[TableRow]:
        wins = {m: significant_wins(self.names, partial(self.better, m)) for m in self.metrics}
        queries = len(self.queries)
        return [
            TableRow(
                label=label_for(position),
                name=name,
                values={m: self.evaluations[name].mean[m] for m in self.metrics},
                beats={m: wins[m][name] for m in self.metrics},
                seconds=self.timings.get(name, 0.0),
                queries_per_second=queries / self.timings[name] if self.timings.get(name) else 0.0,
            )
            for position, name in enumerate(self.names)
        ]


def significant_wins(names: Sequence[str], better: Callable[[str, str], bool]) -> dict[str, list[str]]:
    """name -> the labels (a, b, ... in table order) of the rows it is significantly `better` than."""
    labels = {name: label_for(i) for i, name in enumerate(names)}
    return {name: [labels[other] for other in names if better(name, other)] for name in names}


def label_for(position: int) -> str:
    """a..z, then aa, ab, ..."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def evaluation_qrels(corpus: Corpus) -> Qrels:
    """The judgments of queries with at least one relevant document; an error when there are none."""
    qrels = {qid: judged for qid, judged in corpus.qrels.items() if relevant_ids(judged) and qid in corpus.queries}
    if not qrels:
        raise SearchkitError(
            f"corpus {corpus.name!r} has no relevance judgments to evaluate with: expected queries.jsonl and "
            f"qrels/{corpus.split}.tsv (query-id, corpus-id, score >= 1) in {corpus.path}"
        )
    return qrels


def run_experiment(
    corpus: Corpus,
    retrievers: Sequence[Retriever],
    *,
    metrics: Sequence[str] = DEFAULT_METRICS,
    depth: int = 100,
    drop_self_hits: bool = False,
    max_p: float = 0.01,
    random_seed: int = 42,
    correction: str = "none",
    progress: Callable[[int, int], None] | None = None,
    chunk: int = QUERY_CHUNK,
) -> ExperimentReport:
    """Answer every judged query of `corpus` with every retriever, then score and compare the runs.

    Runs go `depth` deep (raised to the largest metric cutoff). `drop_self_hits` removes a hit
    whose doc id equals the query id from the runs themselves (BEIR's rule for ArguAna), so the
    written run files evaluate the same elsewhere. `correction` (none, holm or bh) adjusts the
    p-values of each metric's pairwise tests. `progress(answered, queries)` is called as the
    queries are answered.
    """
    if not retrievers:
        raise SearchkitError("nothing to compare: name at least one encoder, --bm25 or --hybrid")
    names = [r.name for r in retrievers]
    if len(set(names)) != len(names):
        raise SearchkitError(f"retriever names must be unique, got {', '.join(names)}")
    metrics = tuple(metrics)
    depth = max([depth, *(parse_metric(m)[1] for m in metrics)])
    qrels = evaluation_qrels(corpus)
    queries = {qid: corpus.queries[qid] for qid in qrels}

    answers = answer_in_chunks(retrievers, list(queries.values()), depth, progress, chunk)
    runs: dict[str, Run] = {
        name: {
            qid: {hit.doc_id: hit.score for hit in hits if not (drop_self_hits and hit.doc_id == qid)}
            for qid, hits in zip(queries, answer.hits)
        }
        for name, answer in answers.items()
    }

    evaluations = {name: evaluate(qrels, run, metrics) for name, run in runs.items()}
    comparisons = {
        metric: compare(
            {name: evaluations[name].per_query[metric] for name in runs},
            max_p=max_p,
            n_resamples=RESAMPLES,
            random_seed=random_seed,
            correction=correction,
        )
        for metric in metrics
    }
    settings = {
        "corpus": {
            "name": corpus.name,
            "path": str(corpus.path),
            "split": corpus.split,
            "documents": len(corpus.documents),
            "evaluated_queries": len(queries),
        },
        "text": CONTENT_RULE,
        "depth": depth,
        "metrics": list(metrics),
        "drop_self_hits": drop_self_hits,
        "significance": {
            "test": SIGNIFICANCE_TEST,
            "resamples": RESAMPLES,
            "random_seed": random_seed,
            "max_p": max_p,
            "correction": correction,
            "multiple_comparisons": describe_correction(correction, len(names) * (len(names) - 1) // 2, "metric"),
            "pairs": "every pair of retrievers, on every metric",
        },
    }
    described = {r.name: r.describe() for r in retrievers}
    for retriever in retrievers:
        if isinstance(retriever, DenseRetriever | WhitenedRetriever) and (anisotropy := document_anisotropy(retriever, corpus, random_seed)):
            described[retriever.name]["anisotropy"] = anisotropy
    return ExperimentReport(
        corpus=corpus.name,
        metrics=metrics,
        queries=queries,
        qrels=qrels,
        runs=runs,
        evaluations=evaluations,
        comparisons=comparisons,
        retrievers=described,
        settings=settings,
        timings={name: answer.seconds for name, answer in answers.items()},
    )


def answer_in_chunks(
    retrievers: Sequence[Retriever], queries: list[str], k: int, progress: Callable[[int, int], None] | None = None,
    chunk: int = QUERY_CHUNK,
) -> dict[str, Answer]:
    """`answer_all` on `chunk` queries at a time, calling `progress(answered, len(queries))` after each."""
    hits: dict[str, list[list[Hit]]] = {r.name: [] for r in retrievers}
    seconds = dict.fromkeys(hits, 0.0)
    for start in range(0, len(queries), chunk):
        for name, answer in answer_all(retrievers, queries[start : start + chunk], k).items():
            hits[name] += answer.hits
            seconds[name] += answer.seconds
        if progress is not None:
            progress(min(start + chunk, len(queries)), len(queries))
    return {name: Answer(hits[name], seconds[name]) for name in hits}


def document_anisotropy(retriever: DenseRetriever | WhitenedRetriever, corpus: Corpus, seed: int = 42) -> dict[str, Any] | None:
    """The anisotropy of a seeded sample of the corpus's indexed documents under `retriever`'s vectors, with its reading.

    None when fewer than 2 of the sampled documents hold a vector (an index of empty documents).
    """
    sample = sample_documents(sorted(corpus.documents), ANISOTROPY_DOCUMENTS, seed)
    measured = stored_anisotropy(retriever, sample, seed)
    if measured is None:
        return None
    anisotropy, documents = measured
    return {**asdict(anisotropy), "documents": documents, "reading": anisotropy.reading(retriever.name, "documents")}


def sample_documents(doc_ids: Sequence[str], size: int, seed: int = 42) -> list[str]:
    """At most `size` of `doc_ids`, drawn at random (seeded), in their order."""
    if len(doc_ids) <= size:
        return list(doc_ids)
    return [doc_ids[i] for i in sorted(np.random.default_rng(seed).choice(len(doc_ids), size, replace=False))]


def stored_anisotropy(
    retriever: DenseRetriever | WhitenedRetriever, doc_ids: Sequence[str], seed: int = 42
) -> tuple[Anisotropy, int] | None:
    """`measure_anisotropy` of the vectors `retriever` searches for `doc_ids` (stored, or whitened), and how
    many documents held one; None when fewer than 2 do."""
    stored = retriever.index.store.vectors(list(doc_ids))
    vectors = [stored[d][retriever.record.vector] for d in doc_ids if retriever.record.vector in stored.get(d, {})]
    if len(vectors) < 2:
        return None
    matrix = retriever.whiten(np.array(vectors)) if isinstance(retriever, WhitenedRetriever) else np.array(vectors)
    return measure_anisotropy(matrix, seed=seed), len(vectors)


def breakdown(report: ExperimentReport, groups: dict[str, str], metric: str | None = None) -> dict[str, dict[str, float]]:
    """Mean `metric` (default: the first) per group of queries and retriever: group -> name -> mean.

    `groups` maps query id -> group name (e.g. a query category); queries without one are left out.
    """
    metric = metric or report.metrics[0]
    members: dict[str, list[str]] = {}
    for qid in report.queries:
        if qid in groups:
            members.setdefault(groups[qid], []).append(qid)
    return {
        group: {name: sum(report.evaluations[name].per_query[metric][q] for q in qids) / len(qids) for name in report.names}
        for group, qids in sorted(members.items())
    }


def diff(report: ExperimentReport, a: str, b: str, metric: str | None = None) -> list[QueryDiff]:
    """Queries where `a` and `b` differ on `metric` (default: the first): A's wins, largest first, then B's."""
    metric = metric or report.metrics[0]
    for name in (a, b):
        if name not in report.runs:
            raise SearchkitError(f"no retriever {name!r} in this experiment; it has: {', '.join(report.names)}")
    if metric not in report.metrics:
        raise SearchkitError(f"metric {metric!r} was not computed; computed: {', '.join(report.metrics)}")
    scores_a = report.evaluations[a].per_query[metric]
    scores_b = report.evaluations[b].per_query[metric]
    diffs = []
    for qid in report.queries:
        if scores_a[qid] == scores_b[qid]:
            continue
        relevant = {doc_id: report.qrels[qid][doc_id] for doc_id in sorted(relevant_ids(report.qrels[qid]))}
        diffs.append(
            QueryDiff(
                query_id=qid,
                query=report.queries[qid],
                score_a=scores_a[qid],
                score_b=scores_b[qid],
                relevant=relevant,
                ranks_a=_ranks(report.runs[a].get(qid, {}), relevant),
                ranks_b=_ranks(report.runs[b].get(qid, {}), relevant),
            )
        )
    return sorted(diffs, key=lambda d: (d.winner, -abs(d.score_a - d.score_b), d.query_id))


def _ranks(scores: dict[str, float], wanted: dict[str, int]) -> dict[str, int]:
    """Ranks (from 1, evaluation's tie order) of the `wanted` documents found in `scores`."""
    return {doc_id: rank for rank, (doc_id, _) in enumerate(rank_scores(scores), start=1) if doc_id in wanted}
