"""Normalized discounted cumulative gain at k (trec_eval ``ndcg_cut``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from searchkit.evaluation.metrics._utils import RELEVANCE_THRESHOLD, check_cutoff


def _gain(grade: int) -> int:
    return grade if grade >= RELEVANCE_THRESHOLD else 0


def ndcg(ranked_doc_ids: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """nDCG@k with linear gain (the grade) and a log2(rank + 1) discount.

    The ideal ranking is built from every judged document in ``relevant``, as
    trec_eval's ``ndcg_cut`` does; a query without relevant documents scores 0.
    """
    check_cutoff(k)
    ideal_gains = sorted((_gain(g) for g in relevant.values()), reverse=True)[:k]
    ideal = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(ideal_gains, start=1))
    if ideal == 0:
        return 0.0
    dcg = sum(
        _gain(relevant.get(doc_id, 0)) / math.log2(rank + 1)
        for rank, doc_id in enumerate(ranked_doc_ids[:k], start=1)
    )
    return dcg / ideal
