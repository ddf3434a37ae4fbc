"""Reading text files line by line, with errors that name the file and line."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from searchkit.errors import CorpusError


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (line number, line without its newline) of a UTF-8 file, gzip if it ends in .gz."""
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
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CorpusError(path, "invalid UTF-8", line) from None


def read_json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of a JSON-lines file."""
    for number, line in read_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise CorpusError(path, f"malformed JSON: {error.msg} at column {error.colno}", number) from None
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
