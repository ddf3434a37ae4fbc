"""Retrievers: dense (one per encoder), BM25, and hybrid fusion."""

from __future__ import annotations

from searchkit.retrieval.base import Retriever
from searchkit.retrieval.dense import DenseRetriever
from searchkit.retrieval.hybrid import HybridRetriever, rrf
from searchkit.retrieval.lexical import BM25Retriever, BM25Settings
from searchkit.retrieval.select import open_retrievers

__all__ = ["BM25Retriever", "BM25Settings", "DenseRetriever", "HybridRetriever", "Retriever", "open_retrievers", "rrf"]
