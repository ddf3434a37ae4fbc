"""Recall at k (trec_eval ``recall``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from searchkit.evaluation.metrics._utils import check_cutoff, relevant_ids


def recall(ranked_doc_ids: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Fraction of the relevant documents retrieved in the top k (0 if none are relevant)."""
    check_cutoff(k)
    targets = relevant_ids(relevant)
    if not targets:
        return 0.0
    return len(targets.intersection(ranked_doc_ids[:k])) / len(targets)
