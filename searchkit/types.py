"""Shared value types: hits, runs and relevance judgments (ranx / pytrec_eval shapes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TextKind = Literal["query", "document"]

# query id -> document id -> graded relevance (>= 1 is relevant)
Qrels = dict[str, dict[str, int]]
# query id -> document id -> retrieval score
Run = dict[str, dict[str, float]]


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved document: its id, the retriever's score (higher is better) and, for a long
    document scored by its best passage, that passage's character span in `Document.content`."""

    doc_id: str
    score: float
    span: tuple[int, int] | None = None
