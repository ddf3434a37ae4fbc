"""Retrievers: dense (one per encoder), BM25, and hybrid fusion (here, or by a Qdrant server); `answer_all` asks several at once."""

from __future__ import annotations

from searchkit.retrieval.answer import Answer, answer_all
from searchkit.retrieval.base import FusingRetriever, Retriever, VectorRetriever
from searchkit.retrieval.build import open_retrievers
from searchkit.retrieval.dense import DenseRetriever
from searchkit.retrieval.hybrid import HybridRetriever, rrf
from searchkit.retrieval.lexical import BM25Retriever, BM25Settings
from searchkit.retrieval.server_fusion import ServerHybridRetriever
from searchkit.retrieval.whitened import WhitenedRetriever

__all__ = [
    "Answer",
    "BM25Retriever",
    "BM25Settings",
    "DenseRetriever",
    "FusingRetriever",
    "HybridRetriever",
    "Retriever",
    "ServerHybridRetriever",
    "VectorRetriever",
    "WhitenedRetriever",
    "answer_all",
    "open_retrievers",
    "rrf",
]
