"""Helpers shared by the per-query metrics."""

from __future__ import annotations

from collections.abc import Mapping

# trec_eval's default relevance_level: a judgment of at least this grade is relevant.
RELEVANCE_THRESHOLD = 1


def check_cutoff(k: int) -> None:
    """Raise ValueError unless ``k`` is a positive cutoff."""
    if k < 1:
        raise ValueError(f"cutoff k must be a positive integer, got {k}")


def relevant_ids(relevant: Mapping[str, int]) -> set[str]:
    """Ids of the judged documents whose grade reaches the relevance threshold."""
    return {doc_id for doc_id, grade in relevant.items() if grade >= RELEVANCE_THRESHOLD}
