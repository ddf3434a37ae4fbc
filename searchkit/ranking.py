"""Turning a query's scores into a ranking with trec_eval's tie order."""

from __future__ import annotations

from collections.abc import Mapping


def rank_scores(scores: Mapping[str, float]) -> list[tuple[str, float]]:
    """(doc id, score) pairs by score descending, ties by doc id descending, as trec_eval sorts."""
    return sorted(scores.items(), key=lambda item: (item[1], item[0]), reverse=True)
