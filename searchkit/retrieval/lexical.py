"""The BM25 baseline as a retriever: built once per index, saved beside it, reloaded while current.

The model is built from the same document text the encoders see (``Document.content``: title,
a space, text) and saved in ``index.bm25_folder`` with a fingerprint of its inputs: every
document id and content hash, the tokenizer, k1 and b. Opening it again reloads the saved model
when the fingerprint still matches, and rebuilds (and re-saves) it otherwise, so a search never
re-tokenizes an unchanged corpus.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from searchkit.corpus import CONTENT_RULE, Corpus, Document
from searchkit.errors import SearchkitError
from searchkit.index import Index
from searchkit.retrieval.tokenize import Tokenizer
from searchkit.types import Hit

if TYPE_CHECKING:
    from searchkit.retrieval.bm25 import BM25Index

SOURCE_FILE = "source.json"  # the fingerprint, written after the model so a partial save reads as stale


@dataclass(frozen=True)
class BM25Settings:
    """How BM25 tokenizes and scores.

    The defaults are rank_bm25's ``BM25Okapi`` (k1=1.5, b=0.75) over the plain tokenizer
    (lower-case, split on anything but letters and digits). Anserini's BEIR baseline
    corresponds to ``BM25Settings(k1=0.9, b=0.4, stemmer="english", stopwords="english")``.
    """

    k1: float = 1.5
    b: float = 0.75
    stemmer: str | None = None  # a Snowball (PyStemmer) language such as "english" or "porter"
    stopwords: Literal["english"] | None = None
    lowercase: bool = True

    def __post_init__(self) -> None:
        if self.k1 < 0:
            raise ValueError(f"k1 must be >= 0, got {self.k1:g}")
        if not 0 <= self.b <= 1:
            raise ValueError(f"b must be in [0, 1], got {self.b:g}")
        self.tokenizer()  # an unknown stemmer or stop-word list fails here, not at first search

    def tokenizer(self) -> Tokenizer:
        return Tokenizer(lowercase=self.lowercase, stemmer=self.stemmer, stopwords=self.stopwords)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fingerprint(documents: Iterable[tuple[str, str]], settings: BM25Settings) -> str:
    """A digest of (doc id, content hash) pairs, in any order, and the settings."""
    digest = hashlib.sha256(json.dumps(settings.to_dict(), sort_keys=True).encode())
    for doc_id, doc_hash in sorted(documents):
        digest.update(f"\x00{doc_id}\x01{doc_hash}".encode())
    return digest.hexdigest()[:32]


class BM25Retriever:
    """Okapi BM25 (rank_bm25's BM25Okapi scores) over ``Document.content``."""

    name = "bm25"

    def __init__(self, model: BM25Index, settings: BM25Settings, fingerprint: str, *, loaded: bool = False) -> None:
        self.model = model
        self.settings = settings
        self.fingerprint = fingerprint
        self.loaded = loaded  # True when read from disk rather than built in this process

    @classmethod
    def build(cls, documents: Sequence[Document], settings: BM25Settings | None = None) -> BM25Retriever:
        from searchkit.retrieval.bm25 import (
            BM25Index,  # scipy: imported on use, keeping the CLI quick to start
        )

        settings = settings or BM25Settings()
        model = BM25Index(
            [d.id for d in documents],
            (d.content for d in documents),
            tokenizer=settings.tokenizer(),
            k1=settings.k1,
            b=settings.b,
        )
        return cls(model, settings, fingerprint(((d.id, d.content_hash) for d in documents), settings))

    @classmethod
    def open(cls, index: Index, settings: BM25Settings | None = None, *, corpus: Corpus | None = None) -> BM25Retriever:
        """The model saved beside `index` if it is current, else a fresh one (saved there).

        Its documents are `corpus`'s when given, else those the index's store holds.
        """
        settings = settings or BM25Settings()
        if corpus is not None:
            hashes = [(d.id, d.content_hash) for d in corpus.documents.values()]
        else:
            hashes = [(doc_id, state.content_hash) for doc_id, state in index.store.states().items()]
        if not hashes:
            raise SearchkitError(f"index {index.name!r} holds no documents to build BM25 from")
        wanted = fingerprint(hashes, settings)
        folder = index.bm25_folder
        if _saved_fingerprint(folder) == wanted:
            from searchkit.retrieval.bm25 import BM25Index

            return cls(BM25Index.load(folder), settings, wanted, loaded=True)

        if corpus is not None:
            documents = list(corpus.documents.values())
        else:
            documents = list(index.store.documents([doc_id for doc_id, _ in hashes]).values())
        retriever = cls.build(documents, settings)
        retriever.save(folder)
        return retriever

    def save(self, folder: Path) -> None:
        (folder / SOURCE_FILE).unlink(missing_ok=True)
        self.model.save(folder)
        source = {"fingerprint": self.fingerprint, "settings": self.settings.to_dict(), "documents": len(self.model)}
        temporary = folder / f"{SOURCE_FILE}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(source, indent=2), encoding="utf-8")
        temporary.replace(folder / SOURCE_FILE)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "bm25",
            "implementation": "searchkit BM25Index (scores of rank_bm25 BM25Okapi, epsilon=0.25)",
            "text": CONTENT_RULE,
            **self.settings.to_dict(),
            "documents": len(self.model),
            "vocabulary": self.model.vocabulary_size,
            "fingerprint": self.fingerprint,
        }

    def search(self, query: str, k: int = 10) -> list[Hit]:
        return self.model.search(query, k)

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[Hit]]:
        return self.model.search_many(queries, k)


def _saved_fingerprint(folder: Path) -> str | None:
    try:
        return json.loads((folder / SOURCE_FILE).read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError, AttributeError):
        return None
