"""Pairs of sentences with a gold similarity score: STS-Benchmark, SICK, or any CSV/TSV/JSONL of pairs.

A tab-separated file (`.tsv`, `.txt`) is split on tabs as it is, quotes included: STS-Benchmark's and
SICK's files hold unbalanced quote characters in their sentences. A `.csv` file follows CSV quoting.
Columns are found by name (case-insensitive): the first sentence in `sentence1` or `sentence_A`, the
second in `sentence2` or `sentence_B`, the gold score in `score` or `relatedness_score`, the split (when
there is one) in `split` or `SemEval_set`; `PairColumns` names other columns.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from searchkit.corpus.lines import csv_error, read_json_lines, read_lines, read_text
from searchkit.errors import CorpusError

Role = Literal["sentence1", "sentence2", "score"]
KNOWN_COLUMNS: dict[Role, tuple[str, ...]] = {
    "sentence1": ("sentence1", "sentence_A"),
    "sentence2": ("sentence2", "sentence_B"),
    "score": ("score", "relatedness_score"),
}
SPLIT_COLUMNS = ("split", "SemEval_set")
DEFAULT_SPLIT = "test"
ALL_SPLITS = "all"
PAIR_SUFFIXES = (".tsv", ".txt", ".csv", ".jsonl")


@dataclass(frozen=True)
class PairColumns:
    """The columns holding each part of a pair; None: the first known name the file has (see the module)."""

    sentence1: str | None = None
    sentence2: str | None = None
    score: str | None = None


@dataclass(frozen=True)
class Pairs:
    name: str
    path: Path
    split: str | None  # the split read; None: every pair of the file
    first: tuple[str, ...]
    second: tuple[str, ...]
    scores: tuple[float, ...]  # gold similarity, one per pair
    lines: tuple[int, ...]  # where each pair starts in the file
    columns: dict[str, str]  # role (sentence1, sentence2, score, split) -> the column read

    def __len__(self) -> int:
        return len(self.scores)

    @property
    def sentences(self) -> list[str]:
        """Every distinct sentence of the pairs, in order of first appearance."""
        return list(dict.fromkeys(self.first + self.second))


def load_pairs(path: str | Path, split: str | None = None, columns: PairColumns = PairColumns()) -> Pairs:
    """Read the pairs of `split` from `path`.

    `split` matches the file's split column case-insensitively (`test` reads SICK's `TEST`); "all"
    reads every pair. None reads the test split when the file has a split column, else every pair.
    Naming a split for a file without a split column is an error.
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError(
            path, "no such file" if not path.exists() else "not a file; give a .tsv, .txt, .csv or .jsonl file of pairs"
        )
    if path.suffix not in PAIR_SUFFIXES:
        raise CorpusError(path, "unsupported file type for pairs; use .tsv, .txt (tab-separated), .csv or .jsonl")
    found: dict[str, str] | None = None  # role -> column, from the header (or the first JSON line)
    if path.suffix == ".jsonl":
        records: Iterator[tuple[int, dict[str, Any]]] = read_json_lines(path)
    else:
        header_line, header, records = _table(path)
        found = _resolve(columns, header, path, header_line)
    wanted = None if split == ALL_SPLITS else (split or DEFAULT_SPLIT).casefold()
    first: list[str] = []
    second: list[str] = []
    scores: list[float] = []
    lines: list[int] = []
    splits: dict[str, str] = {}  # casefolded split -> as first written
    read = 0  # rows of every split
    for line, record in records:
        if found is None:
            found = _resolve(columns, list(record), path, line)
        read += 1
        # every row is checked, also those of other splits
        sentence1 = _sentence(record, found["sentence1"], path, line)
        sentence2 = _sentence(record, found["sentence2"], path, line)
        score = _score(record, found["score"], path, line)
        if "split" in found:
            written = str(_field(record, found["split"], path, line)).strip()
            splits.setdefault(written.casefold(), written)
            if wanted is not None and written.casefold() != wanted:
                continue
        first.append(sentence1)
        second.append(sentence2)
        scores.append(score)
        lines.append(line)
    if found is None or not read:
        raise CorpusError(path, "no pairs in this file")
    if "split" not in found:
        if split not in (None, ALL_SPLITS):
            names = " or ".join(f'"{name}"' for name in SPLIT_COLUMNS)
            raise CorpusError(
                path,
                f"has no split column ({names}), so split {split!r} cannot be chosen; leave out the split to read every pair",
            )
        wanted = None
    if not scores:
        raise CorpusError(
            path, f"no pairs in split {split or DEFAULT_SPLIT!r}; the file's splits are {', '.join(sorted(splits.values()))} "
            f"(or {ALL_SPLITS!r} for every pair)",
        )  # fmt: skip
    chosen = splits[wanted] if wanted is not None else None
    return Pairs(
        path.stem,
        path.resolve(),
        chosen,
        tuple(first),
        tuple(second),
        tuple(scores),
        tuple(lines),
        found,
    )


def _resolve(columns: PairColumns, available: list[str], path: Path, line: int) -> dict[str, str]:
    """Role -> the column of `available` that holds it; an error naming what is missing."""
    folded: dict[str, list[str]] = {}
    for name in available:
        folded.setdefault(name.casefold(), []).append(name)

    def find(candidates: tuple[str, ...]) -> str | None:
        for candidate in candidates:
            if candidate in available:
                return candidate
            matches = folded.get(candidate.casefold(), [])
            if len(matches) == 1:
                return matches[0]
        return None

    found: dict[str, str] = {}
    for role, known in KNOWN_COLUMNS.items():
        given = getattr(columns, role)
        column = find((given,) if given else known)
        if column is None:
            expected = f'"{given}"' if given else " or ".join(f'"{name}"' for name in known)
            raise CorpusError(
                path,
                f"no {role} column: expected {expected} (name another with --{role} COLUMN); found: {', '.join(available) or 'none'}",
                line,
            )
        found[role] = column
    split_column = find(SPLIT_COLUMNS)
    if split_column is not None:
        found["split"] = split_column
    return found


def _field(record: dict[str, Any], column: str, path: Path, line: int) -> Any:
    if column not in record:
        raise CorpusError(path, f'missing "{column}"', line)
    return record[column]


def _sentence(record: dict[str, Any], column: str, path: Path, line: int) -> str:
    value = _field(record, column, path, line)
    if not isinstance(value, str):
        raise CorpusError(path, f'"{column}" must be a string, found {type(value).__name__}', line)
    if not value.strip():
        raise CorpusError(path, f'"{column}" is empty; every pair needs two sentences', line)
    return value


def _score(record: dict[str, Any], column: str, path: Path, line: int) -> float:
    value = _field(record, column, path, line)
    score = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        score = float(value)
    elif isinstance(value, str):
        try:
            score = float(value.strip())
        except ValueError:
            score = None
    if score is None or not math.isfinite(score):
        shown = value if not isinstance(value, str) or len(value) <= 40 else value[:37] + "..."
        raise CorpusError(path, f'"{column}" must be a finite number, found {shown!r}', line)
    return score


def _table(path: Path) -> tuple[int, list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header's line and columns, and (line, column -> field) per row after it; blank lines are skipped."""
    rows = _csv_rows(path) if path.suffix == ".csv" else _tab_rows(path)
    first = next(rows, None)
    if first is None:
        raise CorpusError(
            path,
            "empty file; expected a header line naming the columns, then a pair per line",
        )
    header_line, header = first[0], [name.strip() for name in first[1]]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise CorpusError(path, f"the header names {', '.join(repeated)} more than once", header_line)

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        for line, fields in rows:
            if len(fields) != len(header):
                raise CorpusError(path, f"{len(fields)} fields, header has {len(header)}", line)
            yield line, dict(zip(header, fields))

    return header_line, header, records()


def _tab_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    for line, text in read_lines(path):
        if text.strip():
            yield line, text.split("\t")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    text = read_text(path)
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))  # a field is never longer than the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1  # line where the row being read starts
    try:
        for fields in reader:
            if fields:
                yield start, fields
            start = reader.line_num + 1
    except csv.Error as error:
        raise csv_error(path, error, start) from None
