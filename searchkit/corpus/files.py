"""Document collections that are plain files: JSON lines, CSV/TSV, and folders of .txt/.md."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from searchkit.corpus.documents import DocumentCollector
from searchkit.corpus.lines import ID_KEYS, csv_error, read_json_lines, read_text
from searchkit.corpus.model import Document
from searchkit.errors import CorpusError

TEXT_SUFFIXES = (".txt", ".md")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_FIELD = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*))?")  # a front matter line `key: value`


def read_jsonl_documents(path: Path, collector: DocumentCollector) -> None:
    for line, record in read_json_lines(path):
        collector.add_record(record, path, line)


def read_csv_documents(path: Path, collector: DocumentCollector) -> None:
    """CSV (or TSV by suffix) with a header naming `id` or `_id`, `text` and optionally `title`."""
    delimiter = "\t" if path.suffix == ".tsv" else ","
    text = read_text(path)
    # a field is never longer than the file, which is in memory already
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1  # line where the row being read starts
    try:
        columns = reader.fieldnames or []
        if not any(key in columns for key in ID_KEYS) or "text" not in columns:
            found = ", ".join(columns) or "none"
            raise CorpusError(path, f'the header must name an "id" (or "_id") and a "text" column; found: {found}', 1)
        start = reader.line_num + 1
        for row in reader:
            if None in row:  # extra fields
                raise CorpusError(path, f"{len(columns) + len(row[None])} fields, header has {len(columns)}", reader.line_num)
            if None in row.values():  # missing fields
                found = sum(value is not None for value in row.values())
                raise CorpusError(path, f"{found} fields, header has {len(columns)}", reader.line_num)
            collector.add_record(row, path, start)
            start = reader.line_num + 1
    except csv.Error as error:
        raise csv_error(path, error, start) from None


def read_text_folder(folder: Path, collector: DocumentCollector) -> None:
    """Each .txt/.md file is a document: id = path relative to the folder, title = a .md file's front matter
    `title:` (the front matter is not text), else its first heading, else the file name.

    Ids hold no whitespace, so whitespace in a path is written %XX (`my notes.md` -> `my%20notes.md`).
    """
    for path in _text_files(folder):
        content = read_text(path)
        title, text = _markdown_title(content) if path.suffix == ".md" else (None, content)
        # a blank file stays an empty document (skipped): its name alone is no content
        title = (title or path.stem) if content.strip() else ""
        doc_id = _ESCAPED.sub(_escape, path.relative_to(folder).as_posix())
        collector.add(Document(doc_id, title, text.strip()), path)


_ESCAPED = re.compile(r"[%\s\x00-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode())


def _text_files(folder: Path) -> list[Path]:
    """The .txt/.md files under `folder`, sorted; an unreadable folder or a link that leaves `folder` is an error.

    Links to files inside the folder are read; links to folders are not descended (their files are read where they are).
    """
    root = folder.resolve()

    def unreadable(error: OSError) -> None:
        raise CorpusError(error.filename or folder, f"cannot read this folder: {error.strerror}; check its permissions")

    found = []
    for dirpath, dirnames, filenames in os.walk(folder, onerror=unreadable):
        texts = [Path(dirpath) / name for name in filenames if Path(name).suffix in TEXT_SUFFIXES]
        for path in [Path(dirpath) / name for name in dirnames] + texts:
            if path.is_symlink():
                _check_link(path, root)
        found += [path for path in texts if path.is_file()]
    return sorted(found)


def _check_link(path: Path, root: Path) -> None:
    target = path.resolve()
    if not target.exists():
        raise CorpusError(path, "symbolic link to nothing; remove it or fix its target")
    if not target.is_relative_to(root):
        raise CorpusError(
            path, f"symbolic link leads outside the corpus folder (to {target}), and such links are not "
            "followed; copy what it points to into the folder, or remove the link",
        )  # fmt: skip


def _markdown_title(content: str) -> tuple[str | None, str]:
    """The title and text of a Markdown file: front matter's `title:`, else the first heading (taken out of the text)."""
    if (front := _split_front_matter(content)) is not None:
        fields, content = front
        if fields.get("title"):
            return fields["title"], content
    return _split_heading(content)


def _split_front_matter(content: str) -> tuple[dict[str, str], str] | None:
    """The `key: value` fields of a YAML front matter block opening `content`, and the text after it.

    The block runs from a first line `---` to the next `---` or `...` line. Blank lines, comments and
    lines that are indented or start with `-` (nested values, list items) are skipped. None when there
    is no block, or it is malformed (unclosed, or a line that is none of these): then it is text.
    """
    lines = content.splitlines()
    if not lines or lines[0].rstrip() != "---":
        return None
    end = next((n for n, line in enumerate(lines[1:], start=1) if line.rstrip() in ("---", "...")), None)
    if end is None:
        return None
    fields = {}
    for line in lines[1:end]:
        if not line.strip() or line.startswith((" ", "\t", "-", "#")):
            continue
        if (match := _FIELD.fullmatch(line.rstrip())) is None:
            return None
        fields[match[1]] = _scalar(match[2] or "")
    return fields, "\n".join(lines[end + 1 :])


def _scalar(value: str) -> str:
    """A one-line YAML value: the text inside its quotes, or plain text up to a ` #` comment; "" for a block (| or >)."""
    if value[:1] in ("'", '"') and (close := value.find(value[0], 1)) > 0:
        return value[1:close]
    return "" if value[:1] in ("|", ">") else value.split(" #", 1)[0].strip()


def _split_heading(content: str) -> tuple[str | None, str]:
    lines = content.splitlines()
    for number, line in enumerate(lines):
        if match := _HEADING.match(line):
            return match.group(1), "\n".join(lines[:number] + lines[number + 1 :])
    return None, content
