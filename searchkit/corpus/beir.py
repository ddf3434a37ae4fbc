"""BEIR layout: corpus.jsonl[.gz], queries.jsonl, qrels/<split>.tsv."""

from __future__ import annotations

from pathlib import Path

from searchkit.corpus.documents import DocumentCollector
from searchkit.corpus.files import read_jsonl_documents
from searchkit.corpus.lines import (
    check_id,
    read_json_lines,
    read_lines,
    required_id,
    required_string,
)
from searchkit.corpus.model import Corpus
from searchkit.errors import CorpusError
from searchkit.types import Qrels

CORPUS_FILES = ("corpus.jsonl", "corpus.jsonl.gz")


def is_beir_folder(folder: Path) -> bool:
    try:
        return any((folder / name).is_file() for name in CORPUS_FILES)
    except OSError as error:
        raise CorpusError(folder, f"cannot read this folder: {error.strerror}; check its permissions") from None


def read_beir(folder: Path, split: str = "test") -> Corpus:
    collector = DocumentCollector()
    read_jsonl_documents(next(folder / n for n in CORPUS_FILES if (folder / n).is_file()), collector)
    queries_path = folder / "queries.jsonl"
    queries = read_queries(queries_path) if queries_path.is_file() else {}
    qrels_path = find_qrels(folder, split)
    qrels: Qrels = {}
    if qrels_path is not None:
        if not queries:
            raise CorpusError(qrels_path, f"judgments need queries, but {queries_path.name} is missing or empty")
        qrels = read_qrels(qrels_path, set(queries), collector.known_ids)
    return Corpus(
        name=folder.resolve().name,
        path=folder.resolve(),
        documents=collector.documents,
        queries=queries,
        qrels=qrels,
        skipped_empty=collector.skipped_empty,
        split=qrels_path.stem if qrels_path is not None else split,
    )


def read_queries(path: Path) -> dict[str, str]:
    queries: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, record in read_json_lines(path):
        query_id = required_id(record, "query", path, line)
        if query_id in lines:
            raise CorpusError(path, f"duplicate query id {query_id!r} (first on line {lines[query_id]})", line)
        lines[query_id] = line
        queries[query_id] = required_string(record, ("text",), path, line)
    return queries


def find_qrels(folder: Path, split: str) -> Path | None:
    """qrels/<split>.tsv; failing that, the only .tsv in qrels/."""
    wanted = folder / "qrels" / f"{split}.tsv"
    try:
        if wanted.is_file():
            return wanted
        candidates = sorted(p for p in (folder / "qrels").iterdir() if p.suffix == ".tsv")
    except FileNotFoundError:
        return None
    except OSError as error:  # an unreadable qrels folder would otherwise look like a corpus without judgments
        raise CorpusError(folder / "qrels", f"cannot read this folder: {error.strerror}; check its permissions") from None
    return candidates[0] if len(candidates) == 1 else None


def read_qrels(path: Path, query_ids: set[str] | None = None, doc_ids: set[str] | None = None) -> Qrels:
    """`query-id<TAB>corpus-id<TAB>score` lines and an optional header; ids must be in the given sets."""
    qrels: Qrels = {}
    for line, text in read_lines(path):
        if not text.strip() or (line == 1 and text.startswith("query-id")):
            continue
        fields = text.split("\t")
        if len(fields) != 3:
            raise CorpusError(path, f"expected 3 tab-separated fields (query-id, corpus-id, score), found {len(fields)}", line)
        query_id, doc_id, score = (field.strip() for field in fields)
        check_id(query_id, "query", path, line)
        check_id(doc_id, "document", path, line)
        try:
            grade = int(score)
        except ValueError:
            raise CorpusError(path, f"score {score!r} is not an integer", line) from None
        if query_ids is not None and query_id not in query_ids:
            raise CorpusError(path, f"unknown query id {query_id!r}", line)
        if doc_ids is not None and doc_id not in doc_ids:
            raise CorpusError(path, f"unknown document id {doc_id!r}", line)
        qrels.setdefault(query_id, {})[doc_id] = grade
    return qrels
