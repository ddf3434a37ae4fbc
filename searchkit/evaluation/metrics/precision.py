"""Precision at k (trec_eval ``P``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from searchkit.evaluation.metrics._utils import check_cutoff, relevant_ids


def precision(ranked_doc_ids: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Relevant documents in the top k divided by k, even when fewer than k were retrieved."""
    check_cutoff(k)
    targets = relevant_ids(relevant)
    return sum(doc_id in targets for doc_id in ranked_doc_ids[:k]) / k
