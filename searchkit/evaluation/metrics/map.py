"""Average precision at k (trec_eval ``map_cut``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from searchkit.evaluation.metrics._utils import check_cutoff, relevant_ids


def average_precision(ranked_doc_ids: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """AP@k: sum of precision at each relevant rank within k over the number of relevant docs.

    The denominator counts all relevant documents, not only those reachable within k,
    as trec_eval's ``map_cut`` does; a query without relevant documents scores 0.
    """
    check_cutoff(k)
    targets = relevant_ids(relevant)
    if not targets:
        return 0.0
    hits = 0
    total = 0.0
    for rank, doc_id in enumerate(ranked_doc_ids[:k], start=1):
        if doc_id in targets:
            hits += 1
            total += hits / rank
    return total / len(targets)
