"""Reading text files line by line, with errors that name the file and line."""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from searchkit.corpus.ids import ID_RULE, id_problem
from searchkit.errors import CorpusError

ID_KEYS = ("_id", "id")


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (line number, line without its newline) of a UTF-8 file, gzip if it ends in .gz."""
    number = 0
    with _reading(path, lambda: number + 1):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise CorpusError(path, f"invalid UTF-8 (byte {error.start} of the line)", number) from None
                if number == 1:
                    line = line.removeprefix("\ufeff")
                yield number, line.rstrip("\r\n")


def read_text(path: Path) -> str:
    """A whole UTF-8 file; an invalid byte is reported with its line."""
    with _reading(path, lambda: None):
        data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CorpusError(path, "invalid UTF-8", line) from None


@contextmanager
def _reading(path: Path, line: Callable[[], int | None]) -> Iterator[None]:
    """Turn a failed read of `path` (unreadable, truncated or corrupt gzip) into a CorpusError at `line()`."""
    try:
        yield
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise CorpusError(path, f"truncated or corrupt gzip file ({error}); download or compress it again", line()) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise CorpusError(path, f"cannot read: {reason}; check the file's permissions", line()) from None


def read_json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of a JSON-lines file."""
    for number, line in read_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise CorpusError(path, f"malformed JSON: {error.msg} at column {error.colno}", number) from None
        except RecursionError:
            raise CorpusError(path, "JSON nested too deeply to read", number) from None
        if not isinstance(record, dict):
            raise CorpusError(path, f"expected a JSON object, found {type(record).__name__}", number)
        yield number, record


def required_string(record: dict[str, Any], keys: tuple[str, ...], path: Path, line: int) -> str:
    """The first of `keys` present in `record`, as a string; a clear error if none is."""
    for key in keys:
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
        raise CorpusError(path, f'"{key}" must be a string, found {type(value).__name__}', line)
    names = " or ".join(f'"{key}"' for key in keys)
    raise CorpusError(path, f"missing {names}", line)


def check_id(value: str, kind: str, path: Path, line: int | None) -> str:
    """`value` if it is a valid id (see `searchkit.corpus.ids`), else a CorpusError at path:line."""
    problem = id_problem(value)
    if problem is not None:
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise CorpusError(path, f"{kind} id {shown!r} {problem}; an id must be {ID_RULE}", line)
    return value


def required_id(record: dict[str, Any], kind: str, path: Path, line: int) -> str:
    """The record's "_id" (or "id"), checked."""
    return check_id(required_string(record, ID_KEYS, path, line), kind, path, line)


def csv_error(path: Path, error: csv.Error, line: int) -> CorpusError:
    """What the csv module's complaint about the row starting at `line` means, located."""
    if "unexpected end of data" in str(error):
        return CorpusError(path, "a quoted field opened in this row is never closed (a missing closing quote)", line)
    return CorpusError(path, f"malformed CSV: {error}", line)
