"""searchkit: semantic search with pluggable encoders, compared side by side.

    from searchkit import Index, load_corpus, load_encoders, index_corpus, DenseRetriever
"""

from __future__ import annotations

from searchkit.corpus import Corpus, Document, load_corpus
from searchkit.corpus.pairs import Pairs, load_pairs
from searchkit.encoders import Encoder, load_encoder, load_encoders
from searchkit.errors import SearchkitError
from searchkit.experiments import (
    DoctorReport,
    ExperimentReport,
    QueryDiff,
    SimilarityReport,
    TableRow,
    diagnose,
    diff,
    run_experiment,
    run_similarity,
)
from searchkit.index import Index
from searchkit.indexing import IndexReport, build_index, index_corpus
from searchkit.retrieval import (
    Answer,
    BM25Retriever,
    BM25Settings,
    DenseRetriever,
    HybridRetriever,
    Retriever,
    answer_all,
    open_retrievers,
    rrf,
)
from searchkit.training import TuneReport, tune
from searchkit.types import Hit, Qrels, Run

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "BM25Retriever",
    "BM25Settings",
    "Corpus",
    "DenseRetriever",
    "DoctorReport",
    "Document",
    "Encoder",
    "ExperimentReport",
    "Hit",
    "HybridRetriever",
    "Index",
    "IndexReport",
    "Pairs",
    "QueryDiff",
    "Qrels",
    "Retriever",
    "Run",
    "SearchkitError",
    "SimilarityReport",
    "TableRow",
    "TuneReport",
    "answer_all",
    "build_index",
    "diagnose",
    "diff",
    "index_corpus",
    "load_corpus",
    "load_encoder",
    "load_encoders",
    "load_pairs",
    "open_retrievers",
    "rrf",
    "run_experiment",
    "run_similarity",
    "tune",
]
