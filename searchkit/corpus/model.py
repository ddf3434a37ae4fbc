"""The corpus data model: documents, queries and graded relevance judgments."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from searchkit.types import Qrels

CONTENT_RULE = 'title + " " + text'  # how `Document.content` is made, for reports


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    title: str
    text: str

    @property
    def content(self) -> str:
        """What every retriever indexes: title and text joined by a space (BEIR / MTEB)."""
        return f"{self.title} {self.text}".strip()

    @property
    def content_hash(self) -> str:
        """A digest of title and text: it changes whenever what the retrievers index changes."""
        return hashlib.sha256(f"{self.title}\x00{self.text}".encode()).hexdigest()[:16]


@dataclass
class Corpus:
    name: str
    path: Path
    documents: dict[str, Document]
    queries: dict[str, str] = field(default_factory=dict)
    qrels: Qrels = field(default_factory=dict)
    skipped_empty: list[str] = field(default_factory=list)
    split: str = "test"  # which qrels file the judgments came from

    def __len__(self) -> int:
        return len(self.documents)
