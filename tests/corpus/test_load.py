"""Loading each corpus format: BEIR (plain and gzip), JSONL, CSV/TSV, and folders of .txt/.md."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import TINY_DOCS, TINY_QRELS

from searchkit.corpus import Document, load_corpus


def test_beir_folder(tiny_corpus: Path) -> None:
    corpus = load_corpus(tiny_corpus)
    assert corpus.name == "tiny"
    assert corpus.path == tiny_corpus.resolve()
    assert list(corpus.documents) == [d["_id"] for d in TINY_DOCS if d["_id"] != "empty"]
    assert corpus.documents["guitar"] == Document("guitar", "Guitar", TINY_DOCS[0]["text"])
    assert corpus.skipped_empty == ["empty"]
    assert corpus.queries["q3"] == "what does E-4471 mean"
    expected: dict[str, dict[str, int]] = {}
    for query, doc, grade in TINY_QRELS:
        expected.setdefault(query, {})[doc] = grade
    assert corpus.qrels == expected
    assert corpus.split == "test"


def test_beir_folder_gzip(tiny_corpus: Path) -> None:
    plain = tiny_corpus / "corpus.jsonl"
    with gzip.open(tiny_corpus / "corpus.jsonl.gz", "wb") as handle:
        handle.write(plain.read_bytes())
    expected = load_corpus(tiny_corpus).documents
    plain.unlink()
    assert load_corpus(tiny_corpus).documents == expected


def test_qrels_may_name_skipped_empty_documents(tiny_corpus: Path) -> None:
    with (tiny_corpus / "qrels" / "test.tsv").open("a") as handle:
        handle.write("q2\tempty\t0\n")
    assert load_corpus(tiny_corpus).qrels["q2"] == {"stocks": 2, "empty": 0}


def test_jsonl_file(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    records = [{"id": 7, "text": "numeric id, no title"}, {}, {"_id": "b", "title": "T", "text": "x"}, {"id": "c", "text": " \t"}]
    # a blank line where the empty record is: blank lines are allowed
    path.write_text("\n".join("" if not r else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    corpus = load_corpus(path)
    assert corpus.name == "docs"
    assert corpus.documents == {"7": Document("7", "", "numeric id, no title"), "b": Document("b", "T", "x")}
    assert corpus.skipped_empty == ["c"]
    assert corpus.documents["b"].content == "T x"


def test_jsonl_gz_file(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"_id": "a", "text": "über café"}) + "\n")
    corpus = load_corpus(path)
    assert corpus.name == "docs"
    assert corpus.documents["a"].text == "über café"


def test_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text('id,title,text\na,"Commas, quoted","line one\nline two"\nb,,plain\nc,,"  "\n', encoding="utf-8")
    corpus = load_corpus(path)
    assert corpus.documents == {
        "a": Document("a", "Commas, quoted", "line one\nline two"),
        "b": Document("b", "", "plain"),
    }
    assert corpus.skipped_empty == ["c"]


def test_tsv_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.tsv"
    path.write_text("_id\ttext\nx\tsome, text\n", encoding="utf-8")
    assert load_corpus(path).documents == {"x": Document("x", "", "some, text")}


def test_text_folder(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    (folder / "sub").mkdir(parents=True)
    (folder / "plain.txt").write_text("Just text.\n", encoding="utf-8")
    (folder / "sub" / "guide.md").write_text("intro line\n\n## Setting up  ##\nDo this.\n# Later heading\n", encoding="utf-8")
    (folder / "untitled.md").write_text("No heading here.", encoding="utf-8")
    (folder / "blank.md").write_text("  \n\n", encoding="utf-8")
    (folder / "ignored.rst").write_text("Not a document", encoding="utf-8")
    corpus = load_corpus(folder)
    assert corpus.name == "notes"
    assert corpus.documents == {
        "plain.txt": Document("plain.txt", "plain", "Just text."),
        "sub/guide.md": Document("sub/guide.md", "Setting up", "intro line\n\nDo this.\n# Later heading"),
        "untitled.md": Document("untitled.md", "untitled", "No heading here."),
    }
    assert corpus.skipped_empty == ["blank.md"]
    assert corpus.queries == {} and corpus.qrels == {}


FRONT_MATTER = {
    "titled.md": (
        "---\ntitle: \"Tuning: a guide\"  # quoted\ndate: 2024-05-01\ntags:\n  - search\n- bm25\n\n# a comment\n---\n# Heading\nBody.\n",
        "Tuning: a guide", "# Heading\nBody.",
    ),
    "dots.md": ("---\ntitle: Closed by dots # note\n...\nBody.\n", "Closed by dots", "Body."),
    "untitled.md": ("---\nauthor: me\n---\n# From the heading\nBody.\n", "From the heading", "Body."),
    "block.md": ("---\ntitle: >\n  folded\n---\nBody.\n", "block", "Body."),
    "unclosed.md": ("---\ntitle: Never closed\nBody.\n", "unclosed", "---\ntitle: Never closed\nBody."),
    "prose.md": ("---\nA rule, then prose: not front matter\n---\nBody.\n", "prose", "---\nA rule, then prose: not front matter\n---\nBody."),
    "late.md": ("Intro.\n---\ntitle: Not at the start\n---\n", "late", "Intro.\n---\ntitle: Not at the start\n---"),
}


def test_markdown_front_matter_gives_the_title(tmp_path: Path) -> None:
    folder = tmp_path / "posts"
    folder.mkdir()
    for name, (content, _, _) in FRONT_MATTER.items():
        (folder / name).write_text(content, encoding="utf-8")
    (folder / "plain.txt").write_text("---\ntitle: Only Markdown has front matter\n---\n", encoding="utf-8")
    documents = load_corpus(folder).documents
    assert {name: (d.title, d.text) for name, d in documents.items() if name != "plain.txt"} == {
        name: (title, text) for name, (_, title, text) in FRONT_MATTER.items()
    }
    assert documents["plain.txt"].title == "plain" and documents["plain.txt"].text.startswith("---\ntitle:")


@pytest.mark.parametrize("name", ["notes.xml", "notes.gz"])
def test_unsupported_file_type(tmp_path: Path, name: str) -> None:
    from searchkit.errors import CorpusError

    (tmp_path / name).write_text("x")
    with pytest.raises(CorpusError, match="unsupported file type"):
        load_corpus(tmp_path / name)
