"""Document collections that are plain files: JSON lines, CSV/TSV, and folders of .txt/.md."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from searchkit.corpus.documents import ID_KEYS, DocumentCollector
from searchkit.corpus.lines import read_json_lines, read_text
from searchkit.corpus.model import Document
from searchkit.errors import CorpusError

TEXT_SUFFIXES = (".txt", ".md")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


def read_jsonl_documents(path: Path, collector: DocumentCollector) -> None:
    for line, record in read_json_lines(path):
        collector.add_record(record, path, line)


def read_csv_documents(path: Path, collector: DocumentCollector) -> None:
    """CSV (or TSV by suffix) with a header naming `id` or `_id`, `text` and optionally `title`."""
    delimiter = "\t" if path.suffix == ".tsv" else ","
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""), delimiter=delimiter)
    columns = reader.fieldnames or []
    if not any(key in columns for key in ID_KEYS) or "text" not in columns:
        found = ", ".join(columns) or "none"
        raise CorpusError(path, f'the header must name an "id" (or "_id") and a "text" column; found: {found}', 1)
    for row in reader:
        if None in row:  # extra fields
            raise CorpusError(path, f"{len(columns) + len(row[None])} fields, header has {len(columns)}", reader.line_num)
        if None in row.values():  # missing fields
            found = sum(value is not None for value in row.values())
            raise CorpusError(path, f"{found} fields, header has {len(columns)}", reader.line_num)
        collector.add_record(row, path, reader.line_num)


def read_text_folder(folder: Path, collector: DocumentCollector) -> None:
    """Each .txt/.md file is a document: id = path relative to the folder, title = first heading or file name."""
    for path in sorted(p for p in folder.rglob("*") if p.suffix in TEXT_SUFFIXES and p.is_file()):
        content = read_text(path)
        title, text = _split_heading(content) if path.suffix == ".md" else (None, content)
        # a blank file stays an empty document (skipped): its name alone is no content
        title = (title or path.stem) if content.strip() else ""
        collector.add(Document(path.relative_to(folder).as_posix(), title, text.strip()), path)


def _split_heading(content: str) -> tuple[str | None, str]:
    lines = content.splitlines()
    for number, line in enumerate(lines):
        if match := _HEADING.match(line):
            return match.group(1), "\n".join(lines[:number] + lines[number + 1 :])
    return None, content
