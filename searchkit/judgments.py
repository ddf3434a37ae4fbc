"""A user's relevance judgments, kept beside the index and merged over the corpus's qrels.

Judgments live in a BEIR qrels file (`query-id<TAB>corpus-id<TAB>score`, with a header). Queries
the corpus does not have (typed by the user) get a stable id from their text, and their text is
kept in a BEIR `queries.jsonl`-style file next to it, so the judgments mean something on their own.
A user's judgment overrides the corpus's for the same (query, document) pair; clearing it brings
the corpus's back. Every change can be undone, last first, for as long as the `Judgments` is open.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from searchkit.corpus import Corpus
from searchkit.corpus.beir import read_qrels, read_queries
from searchkit.types import Qrels

HEADER = "query-id\tcorpus-id\tscore"
QUERIES_FILE = "judged_queries.jsonl"


def user_query_id(text: str) -> str:
    """A stable id for a typed query: the same words give the same id."""
    normal = " ".join(text.lower().split())
    return "user-" + hashlib.sha1(normal.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Change:
    """One change to a user's judgment, as it was before: the user's grade (None: none) and the query's text."""

    query_id: str
    doc_id: str
    grade: int | None
    query_text: str | None  # the text kept for a typed query, None when none was kept


@dataclass
class Judgments:
    """Corpus qrels plus the user's own judgments (each change saved at once)."""

    path: Path
    corpus_qrels: Qrels = field(default_factory=dict)
    user: Qrels = field(default_factory=dict)
    queries: dict[str, str] = field(default_factory=dict)  # typed queries the user judged
    history: list[Change] = field(default_factory=list)  # changes made since loading, last one last

    @classmethod
    def load(cls, path: Path, corpus_qrels: Qrels | None = None) -> Judgments:
        judgments = cls(Path(path), corpus_qrels or {})
        if judgments.path.is_file():
            judgments.user = read_qrels(judgments.path)
        if judgments.queries_path.is_file():
            judgments.queries = read_queries(judgments.queries_path)
        return judgments

    @property
    def queries_path(self) -> Path:
        return self.path.with_name(QUERIES_FILE)

    @property
    def qrels(self) -> Qrels:
        merged = {qid: dict(docs) for qid, docs in self.corpus_qrels.items()}
        for qid, docs in self.user.items():
            merged.setdefault(qid, {}).update(docs)
        return merged

    def judged(self, query_id: str) -> bool:
        """Whether the corpus or the user has judged anything for the query."""
        return query_id in self.corpus_qrels or query_id in self.user

    def grades(self, query_id: str) -> dict[str, int]:
        """document id -> grade for one query (the user's grade where there is one)."""
        return {**self.corpus_qrels.get(query_id, {}), **self.user.get(query_id, {})}

    def mark(self, query_id: str, doc_id: str, relevant: bool, query_text: str | None = None) -> int:
        """Judge one hit and save at once; returns the grade stored.

        Relevant keeps an existing positive grade (a corpus's 2 stays 2), else 1; not relevant is 0.
        `query_text` is recorded for queries the corpus does not have.
        """
        current = self.grades(query_id).get(doc_id, 0)
        grade = (current if current > 0 else 1) if relevant else 0
        self._change(query_id, doc_id, grade, self.queries.get(query_id, query_text))
        return grade

    def clear(self, query_id: str, doc_id: str) -> int | None:
        """Drop the user's judgment of one hit, if any, and save; returns the grade now in effect (the corpus's, or None).

        A typed query's text goes with its last judgment."""
        judged = self.user.get(query_id, {})
        if doc_id in judged:
            self._change(query_id, doc_id, None, self.queries.get(query_id) if len(judged) > 1 else None)
        return self.grades(query_id).get(doc_id)

    def undo(self) -> Change | None:
        """Undo the last change (a mark, a clear) and save; returns what it was, or None when there is none."""
        if not self.history:
            return None
        change = self.history.pop()
        self._set(change.query_id, change.doc_id, change.grade, change.query_text)
        return change

    def _change(self, query_id: str, doc_id: str, grade: int | None, query_text: str | None) -> None:
        before = Change(query_id, doc_id, self.user.get(query_id, {}).get(doc_id), self.queries.get(query_id))
        self._set(query_id, doc_id, grade, query_text)
        self.history.append(before)

    def _set(self, query_id: str, doc_id: str, grade: int | None, query_text: str | None) -> None:
        """Make the user's grade of (query, doc) `grade` (None: none) and the query's kept text `query_text`, then save."""
        docs = self.user.setdefault(query_id, {})
        if grade is None:
            docs.pop(doc_id, None)
        else:
            docs[doc_id] = grade
        if not docs:
            del self.user[query_id]
        lines = [HEADER] + [f"{q}\t{d}\t{g}" for q, judged in self.user.items() for d, g in judged.items()]
        _write_atomically(self.path, "\n".join(lines) + "\n")
        if query_text != self.queries.get(query_id):
            if query_text is None:
                del self.queries[query_id]
            else:
                self.queries[query_id] = query_text
            rows = (json.dumps({"_id": q, "text": t}, ensure_ascii=False) for q, t in self.queries.items())
            _write_atomically(self.queries_path, "".join(row + "\n" for row in rows))

    def apply(self, corpus: Corpus) -> Corpus:
        """The corpus with the user's queries and judgments merged in (for evaluation)."""
        queries = {**self.queries, **corpus.queries}
        qrels = {qid: docs for qid, docs in self.qrels.items() if qid in queries}
        return replace(corpus, queries=queries, qrels=qrels)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
