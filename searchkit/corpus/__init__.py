"""Loading corpora: a BEIR folder, a JSONL or CSV file of documents, or a folder of .txt/.md files."""

from __future__ import annotations

from pathlib import Path

from searchkit.corpus.beir import is_beir_folder, read_beir, read_qrels
from searchkit.corpus.documents import DocumentCollector
from searchkit.corpus.files import (
    read_csv_documents,
    read_jsonl_documents,
    read_text_folder,
)
from searchkit.corpus.model import CONTENT_RULE, Corpus, Document
from searchkit.errors import CorpusError

__all__ = ["CONTENT_RULE", "Corpus", "Document", "load_corpus", "read_qrels"]

_FILE_READERS = {
    ".jsonl": read_jsonl_documents,
    ".gz": read_jsonl_documents,
    ".csv": read_csv_documents,
    ".tsv": read_csv_documents,
}


def load_corpus(path: str | Path, split: str = "test") -> Corpus:
    """Read documents (and, for a BEIR folder, queries and the `split` judgments) from `path`."""
    path = Path(path)
    if path.is_dir():
        if is_beir_folder(path):
            return read_beir(path, split)
        collector = DocumentCollector()
        read_text_folder(path, collector)
        if not collector.documents and not collector.skipped_empty:
            raise CorpusError(path, "no corpus.jsonl[.gz] and no .txt or .md files in this folder")
    elif path.is_file():
        reader = _FILE_READERS.get(path.suffix)
        if reader is None or (path.suffix == ".gz" and not path.name.endswith(".jsonl.gz")):
            raise CorpusError(path, "unsupported file type; use .jsonl, .jsonl.gz, .csv, .tsv or a folder")
        collector = DocumentCollector()
        reader(path, collector)
    else:
        raise CorpusError(path, "no such file or folder")
    name = path.name.removesuffix(".gz").rsplit(".", 1)[0] if path.is_file() else path.resolve().name
    return Corpus(name, path.resolve(), collector.documents, skipped_empty=collector.skipped_empty)
