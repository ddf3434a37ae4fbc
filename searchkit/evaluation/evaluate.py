"""Evaluate a run against relevance judgments with named metrics such as ``ndcg@10``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from searchkit.evaluation.metrics import METRICS, Metric
from searchkit.evaluation.metrics._utils import relevant_ids
from searchkit.ranking import rank_scores
from searchkit.types import Qrels, Run

# What `searchkit eval` reports unless told otherwise; the first is the one diffs and per-query views use.
DEFAULT_METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10", "map@100", "precision@10")


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Scores per metric name: per query (``per_query[metric][qid]``) and averaged (``mean[metric]``)."""

    per_query: dict[str, dict[str, float]]
    mean: dict[str, float]


def parse_metric(name: str) -> tuple[Metric, int]:
    """Split ``"name@k"`` into its metric function and cutoff; ValueError if it is not one."""
    base, sep, cutoff = name.partition("@")
    if base not in METRICS:
        raise ValueError(f"unknown metric {name!r}; expected one of {sorted(METRICS)} as 'name@k'")
    if not sep or not cutoff.isdigit() or int(cutoff) < 1:
        raise ValueError(f"metric {name!r} needs a positive integer cutoff, e.g. '{base}@10'")
    return METRICS[base], int(cutoff)


def evaluate(
    qrels: Qrels,
    run: Run,
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    drop_self_hits: bool = False,
) -> Evaluation:
    """Score ``run`` against ``qrels`` for each ``"name@k"`` metric.

    Evaluated queries are those in ``qrels`` with at least one document of grade >= 1;
    run queries absent from ``qrels`` are ignored. A judged query missing from the run
    scores 0 on every metric, like ``trec_eval -c`` and BEIR/MTEB (pytrec_eval skips it
    instead, so its means can be higher). Ties in score are broken by doc id descending,
    as in trec_eval. ``drop_self_hits`` removes hits whose doc id equals the query id
    before ranking (BEIR's rule for ArguAna).
    """
    parsed = {name: parse_metric(name) for name in metrics}
    queries = [qid for qid, judged in qrels.items() if relevant_ids(judged)]
    if not queries:
        raise ValueError("qrels have no query with a relevant document (grade >= 1)")

    per_query: dict[str, dict[str, float]] = {name: {} for name in parsed}
    for qid in queries:
        scores = run.get(qid, {})
        ranked = [doc_id for doc_id, _ in rank_scores(scores) if not (drop_self_hits and doc_id == qid)]
        for name, (metric, k) in parsed.items():
            per_query[name][qid] = metric(ranked, qrels[qid], k)

    mean = {name: sum(values.values()) / len(values) for name, values in per_query.items()}
    return Evaluation(per_query=per_query, mean=mean)
