"""Every bad input is a CorpusError naming the file, the line and the problem."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import TINY_DOCS, TINY_QUERIES, assert_clean_error, write_beir

from searchkit.corpus import load_corpus
from searchkit.errors import CorpusError


def jsonl(*records: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


GOOD = {"_id": "a", "text": "fine"}

# file name, bytes, line of the error, fragment of the problem
FILE_CASES = {
    "malformed JSON": ("docs.jsonl", jsonl(GOOD) + b'{"_id": "b", "text": }\n', 2, "malformed JSON"),
    "not an object": ("docs.jsonl", jsonl(GOOD) + b'["b", "x"]\n', 2, "expected a JSON object, found list"),
    "missing id": ("docs.jsonl", jsonl(GOOD, GOOD | {"_id": "b"}, {"text": "no id"}), 3, 'missing "_id" or "id"'),
    "empty id": ("docs.jsonl", jsonl({"_id": "", "text": "x"}), 1, "document id '' is empty"),
    "blank id": ("docs.jsonl", jsonl({"_id": " ", "text": "x"}), 1, "document id ' ' holds whitespace ' ' at character 1"),
    "newline in id": ("docs.jsonl", jsonl(GOOD, {"_id": "b\nc", "text": "x"}), 2, "holds whitespace '\\n' at character 2"),
    "tab in id": ("docs.jsonl", jsonl({"_id": "b\tc", "text": "x"}), 1, "holds whitespace '\\t'"),
    "space in id": ("docs.jsonl", jsonl({"_id": "my doc", "text": "x"}), 1, "holds whitespace ' ' at character 3"),
    "unicode space in id": ("docs.jsonl", jsonl({"_id": "a\u3000b", "text": "x"}), 1, "holds whitespace"),
    "control character in id": ("docs.jsonl", jsonl({"_id": "a\x07b", "text": "x"}), 1, "holds control character '\\x07'"),
    "lone surrogate in id": ("docs.jsonl", b'{"_id": "a\\ud800", "text": "x"}\n', 1, "not valid Unicode"),
    "id too long": ("docs.jsonl", jsonl({"_id": "x" * 513, "text": "x"}), 1, "is 513 characters long (at most 512)"),
    "deeply nested JSON": ("docs.jsonl", jsonl(GOOD) + b'{"_id": "b", "text": ' + b"[" * 100_000 + b"\n", 2, "nested too deeply"),
    "csv space in id": ("docs.csv", b"id,text\na,x\nb c,y\n", 3, "document id 'b c' holds whitespace"),
    "csv unterminated quote": ("docs.csv", b'id,text\na,x\nb,"never closed\nc,y\nd,z\n', 3, "never closed"),
    "csv stray quote": ("docs.csv", b'id,text\na,"x"y\n', 2, "malformed CSV"),
    "csv quote in a later row": ("docs.csv", b'id,text\na,"two\nlines"\nb,"open\n', 4, "never closed"),
    "missing text": ("docs.jsonl", jsonl(GOOD, {"_id": "b", "title": "only a title"}), 2, 'missing "text"'),
    "text not a string": ("docs.jsonl", jsonl({"_id": "b", "text": ["x"]}), 1, '"text" must be a string, found list'),
    "title not a string": ("docs.jsonl", jsonl({"_id": "b", "title": 3, "text": "x"}), 1, '"title" must be a string'),
    "duplicate id": ("docs.jsonl", jsonl(GOOD | {"_id": "x"}, GOOD, {"_id": "x", "text": "again"}), 3,
                     "duplicate document id 'x' (first on line 1)"),
    "invalid UTF-8": ("docs.jsonl", jsonl(GOOD) + b'{"_id": "b", "text": "caf\xe9"}\n', 2, "invalid UTF-8"),
    "csv invalid UTF-8": ("docs.csv", b"id,text\na,ok\nb,caf\xe9\n", 3, "invalid UTF-8"),
    "csv missing text column": ("docs.csv", b"id,body\na,x\n", 1, 'the header must name an "id" (or "_id") and a "text" column'),
    "csv too many fields": ("docs.csv", b"id,title,text\na,T,x\nb,T,x,extra\n", 3, "4 fields, header has 3"),
    "csv too few fields": ("docs.csv", b"id,text,title\na,x,T\nb,x\n", 3, "2 fields, header has 3"),
    "csv duplicate id": ("docs.csv", b"id,text\na,x\nb,y\na,z\n", 4, "duplicate document id 'a' (first on line 2)"),
}


@pytest.mark.parametrize("case", FILE_CASES, ids=list(FILE_CASES))
def test_document_file_errors(tmp_path: Path, case: str) -> None:
    name, data, line, problem = FILE_CASES[case]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CorpusError) as caught:
        load_corpus(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert problem in str(caught.value)
    assert (caught.value.path, caught.value.line) == (path, line)


def test_gzip_errors_name_the_gz_file(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(jsonl(GOOD) + b"{oops\n")
    with pytest.raises(CorpusError, match=f"^{path}:2: malformed JSON"):
        load_corpus(tmp_path)


def test_text_folder_invalid_utf8_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    bad = tmp_path / "notes" / "bad.md"
    bad.write_bytes(b"# Title\nfine\nbroken \xff byte\n")
    with pytest.raises(CorpusError, match=f"^{bad}:3: invalid UTF-8"):
        load_corpus(tmp_path / "notes")


def test_empty_folder_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no corpus.jsonl"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match=f"^{tmp_path / 'nope.jsonl'}: no such file or folder"):
        load_corpus(tmp_path / "nope.jsonl")


# qrels lines after the header (line 1), line of the error, fragment of the problem
QRELS_CASES = {
    "unknown query": (["q1\tguitar\t1", "q9\tguitar\t1"], 3, "unknown query id 'q9'"),
    "unknown document": (["q1\tguitar\t1", "q1\tcello\t1"], 3, "unknown document id 'cello'"),
    "bad score": (["q1\tguitar\thigh"], 2, "score 'high' is not an integer"),
    "too few fields": (["q1\tguitar"], 2, "expected 3 tab-separated fields (query-id, corpus-id, score), found 2"),
    "too many fields": (["q1\tguitar\t1\t0"], 2, "found 4"),
}


@pytest.mark.parametrize("case", QRELS_CASES, ids=list(QRELS_CASES))
def test_qrels_errors(tmp_path: Path, case: str) -> None:
    lines, line, problem = QRELS_CASES[case]
    folder = write_beir(tmp_path / "beir", TINY_DOCS, TINY_QUERIES, [])
    qrels = folder / "qrels" / "test.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        load_corpus(folder)
    assert str(caught.value).startswith(f"{qrels}:{line}: ")
    assert problem in str(caught.value)


def test_qrels_without_queries(tmp_path: Path) -> None:
    folder = write_beir(tmp_path / "beir", TINY_DOCS, [], [("q1", "guitar", 1)])
    with pytest.raises(CorpusError, match="judgments need queries"):
        load_corpus(folder)


def test_duplicate_query_id(tmp_path: Path) -> None:
    folder = write_beir(tmp_path / "beir", TINY_DOCS, TINY_QUERIES + [{"_id": "q1", "text": "again"}], [])
    with pytest.raises(CorpusError, match=f"^{folder / 'queries.jsonl'}:4: duplicate query id 'q1' \\(first on line 1\\)"):
        load_corpus(folder)


def test_cli_reports_located_error_without_traceback(tmp_path: Path, run_searchkit) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(jsonl(GOOD) + b'{"_id": "b", "text": "unterminated}\n')
    result = run_searchkit("index", bad, "--home", tmp_path / "indexes")
    assert_clean_error(result, f"{bad}:2: malformed JSON")
    assert not (tmp_path / "indexes").exists()
