"""Reading hostile corpora: unreadable files and folders, links out of the folder, broken gzip, long CSV fields, odd ids."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import (
    TINY_DOCS,
    TINY_QUERIES,
    assert_clean_error,
    unprivileged,
    write_beir,
)

from searchkit.corpus import load_corpus
from searchkit.errors import CorpusError


def notes(folder: Path) -> Path:
    (folder / "notes" / "sub").mkdir(parents=True)
    (folder / "notes" / "a.md").write_text("# A\nfirst note\n", encoding="utf-8")
    (folder / "notes" / "sub" / "b.txt").write_text("second note\n", encoding="utf-8")
    return folder / "notes"


def test_unreadable_file_is_an_error(open_folder: Path) -> None:
    folder = notes(open_folder)
    (folder / "a.md").chmod(0)
    with unprivileged(), pytest.raises(CorpusError, match=f"^{folder / 'a.md'}: cannot read: Permission denied"):
        load_corpus(folder)


def test_unreadable_subfolder_is_an_error_not_a_skip(open_folder: Path) -> None:
    folder = notes(open_folder)
    (folder / "sub").chmod(0)
    with unprivileged(), pytest.raises(CorpusError, match=f"^{folder / 'sub'}: cannot read this folder: Permission denied"):
        load_corpus(folder)


def test_unreadable_jsonl_file(open_folder: Path) -> None:
    path = open_folder / "docs.jsonl"
    path.write_text('{"_id": "a", "text": "x"}\n', encoding="utf-8")
    path.chmod(0)
    with unprivileged(), pytest.raises(CorpusError, match=f"^{path}:1: cannot read: Permission denied"):
        load_corpus(path)


def test_unreadable_qrels_folder(open_folder: Path) -> None:
    folder = write_beir(open_folder / "beir", TINY_DOCS, TINY_QUERIES, [("q1", "guitar", 1)])
    (folder / "qrels" / "test.tsv").rename(folder / "qrels" / "dev.tsv")  # found only by listing the folder
    assert load_corpus(folder).qrels == {"q1": {"guitar": 1}}
    (folder / "qrels").chmod(0)
    with unprivileged(), pytest.raises(CorpusError, match=f"^{folder / 'qrels'}: cannot read this folder: Permission denied"):
        load_corpus(folder)


def test_unreadable_corpus_folder(open_folder: Path) -> None:
    folder = write_beir(open_folder / "beir", TINY_DOCS, TINY_QUERIES, [])
    folder.chmod(0)
    with unprivileged(), pytest.raises(CorpusError, match=f"^{folder}: cannot read this folder: Permission denied"):
        load_corpus(folder)


def test_link_out_of_the_folder_is_an_error(tmp_path: Path) -> None:
    folder = notes(tmp_path)
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(CorpusError, match=f"^{folder / 'leak.txt'}: symbolic link leads outside the corpus folder"):
        load_corpus(folder)


def test_link_to_a_folder_outside_is_an_error(tmp_path: Path) -> None:
    folder = notes(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (folder / "more").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(CorpusError, match=f"^{folder / 'more'}: symbolic link leads outside"):
        load_corpus(folder)


def test_broken_link_is_an_error(tmp_path: Path) -> None:
    folder = notes(tmp_path)
    (folder / "gone.md").symlink_to(tmp_path / "missing.md")
    with pytest.raises(CorpusError, match=f"^{folder / 'gone.md'}: symbolic link to nothing"):
        load_corpus(folder)


def test_links_inside_the_folder(tmp_path: Path) -> None:
    """A link to a file inside is read under its own name; a link to a folder inside is not walked twice."""
    folder = notes(tmp_path)
    (folder / "alias.md").symlink_to(folder / "a.md")
    (folder / "sub-again").symlink_to(folder / "sub", target_is_directory=True)
    assert sorted(load_corpus(folder).documents) == ["a.md", "alias.md", "sub/b.txt"]


def test_text_folder_ids_escape_whitespace(tmp_path: Path) -> None:
    folder = notes(tmp_path)
    (folder / "my notes").mkdir()
    (folder / "my notes" / "to do.md").write_text("# Plan\nbuy milk\n", encoding="utf-8")
    (folder / "100%.txt").write_text("complete", encoding="utf-8")
    assert sorted(load_corpus(folder).documents) == ["100%25.txt", "a.md", "my%20notes/to%20do.md", "sub/b.txt"]


def gzip_bytes(records: list[dict]) -> bytes:
    return gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode())


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip_bytes([{"_id": f"d{i}", "text": f"document number {i}"} for i in range(2000)])
    path = tmp_path / "corpus.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorpusError, match=f"^{path}:\\d+: truncated or corrupt gzip file"):
        load_corpus(tmp_path)


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl.gz"
    path.write_bytes(b"this is not gzip at all\n")
    with pytest.raises(CorpusError, match=f"^{path}:1: truncated or corrupt gzip file"):
        load_corpus(path)


def test_csv_field_longer_than_128_kb_loads(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    long_text = "word " * 60_000  # 300 KB
    path.write_text(f'id,text\nlong,"{long_text}"\nshort,x\n', encoding="utf-8")
    corpus = load_corpus(path)
    assert len(corpus.documents["long"].text) == len(long_text)
    assert "short" in corpus.documents


QUERY_AND_QRELS_CASES = {
    "query id with a tab": ("queries.jsonl", "q\tx", 4, "query id 'q\\tx' holds whitespace"),
    "qrels query id with a space": ("qrels", "q1 x", 2, "query id 'q1 x' holds whitespace"),
    "qrels document id with a control character": ("qrels", "\x01", 2, "document id '\\x01' holds control character"),
}


@pytest.mark.parametrize("case", QUERY_AND_QRELS_CASES, ids=list(QUERY_AND_QRELS_CASES))
def test_query_and_qrels_ids(tmp_path: Path, case: str) -> None:
    where, bad_id, line, problem = QUERY_AND_QRELS_CASES[case]
    if where == "queries.jsonl":
        folder = write_beir(tmp_path / "beir", TINY_DOCS, TINY_QUERIES + [{"_id": bad_id, "text": "t"}], [])
        path = folder / "queries.jsonl"
    else:
        folder = write_beir(tmp_path / "beir", TINY_DOCS, TINY_QUERIES, [])
        path = folder / "qrels" / "test.tsv"
        qrel = f"{bad_id}\tguitar\t1" if "query id" in case else f"q1\t{bad_id}\t1"
        path.write_text(f"query-id\tcorpus-id\tscore\n{qrel}\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        load_corpus(folder)
    assert str(caught.value).startswith(f"{path}:{line}: "), caught.value
    assert problem in str(caught.value)


def test_cli_names_the_unterminated_quote(tmp_path: Path, run_searchkit) -> None:
    path = tmp_path / "docs.csv"
    path.write_text('id,text\na,fine\nb,"oops\nc,swallowed\n', encoding="utf-8")
    result = run_searchkit("index", path, "--encoders", "", "--home", tmp_path / "indexes")
    assert_clean_error(result, f"{path}:3: a quoted field opened in this row is never closed")
