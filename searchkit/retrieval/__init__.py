"""Retrievers: dense (one per encoder), BM25, and hybrid fusion."""

from __future__ import annotations

from searchkit.retrieval.base import Retriever
from searchkit.retrieval.dense import DenseRetriever

__all__ = ["DenseRetriever", "Retriever"]
