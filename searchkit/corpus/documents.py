"""Collecting documents: duplicate ids are errors, empty documents are skipped and counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from searchkit.corpus.lines import check_id, required_id, required_string
from searchkit.corpus.model import Document
from searchkit.errors import CorpusError


class DocumentCollector:
    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.skipped_empty: list[str] = []
        self._seen: dict[str, int | None] = {}

    def add(self, document: Document, path: Path, line: int | None = None) -> None:
        check_id(document.id, "document", path, line)
        if document.id in self._seen:
            first = self._seen[document.id]
            where = f" (first on line {first})" if first is not None else ""
            raise CorpusError(path, f"duplicate document id {document.id!r}{where}", line)
        self._seen[document.id] = line
        if document.content.strip():
            self.documents[document.id] = document
        else:
            self.skipped_empty.append(document.id)

    def add_record(self, record: dict[str, Any], path: Path, line: int) -> None:
        """Add a {"_id"|"id", "title"?, "text"} record from a JSON line or CSV row."""
        doc_id = required_id(record, "document", path, line)
        text = required_string(record, ("text",), path, line)
        title = record.get("title") or ""
        if not isinstance(title, str):
            raise CorpusError(path, f'"title" must be a string, found {type(title).__name__}', line)
        self.add(Document(doc_id, title, text), path, line)

    @property
    def known_ids(self) -> set[str]:
        """Every id read, including skipped empty documents (qrels may name them)."""
        return set(self._seen)
