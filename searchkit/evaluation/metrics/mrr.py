"""Reciprocal rank at k (trec_eval ``recip_rank`` restricted to the top k)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from searchkit.evaluation.metrics._utils import check_cutoff, relevant_ids


def mrr(ranked_doc_ids: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant document in the top k, or 0 if there is none.

    Averaged over queries by ``evaluate`` this is MRR@k.
    """
    check_cutoff(k)
    targets = relevant_ids(relevant)
    for rank, doc_id in enumerate(ranked_doc_ids[:k], start=1):
        if doc_id in targets:
            return 1.0 / rank
    return 0.0
