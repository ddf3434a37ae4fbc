"""Document text never drives the terminal: `printable`, and `searchkit search` over a corpus full of escape sequences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_beir

from searchkit.display import printable, printable_in_place, printable_json

RETITLE = "\x1b]0;pwned\x07"  # OSC 0: set the terminal's title
RED = "\x1b[31m"
LINK = "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"  # OSC 8 hyperlink
CSI_C1 = "\x9b"  # the one-byte (C1) form of ESC [
RAW = ("\x1b", "\x07", "\x9b", "\x7f")

EVIL_DOCS = [
    {"_id": "retitle", "title": f"{RETITLE}Printer {RED}manual", "text": f"Paper jams in the printer. {CSI_C1}2J cleared"},
    {"_id": "link", "title": f"Printer {LINK} here", "text": "printer driver downloads\x7f"},
    {"_id": "untitled", "title": "", "text": f"{RED}{RETITLE}printer without a title"},
]


def test_control_characters_are_shown_as_escapes() -> None:
    assert printable(f"{RETITLE}a{RED}b{CSI_C1}c\x7fd") == "\\x1b]0;pwned\\x07a\\x1b[31mb\\x9bc\\x7fd"
    assert printable(LINK) == "\\x1b]8;;https://evil.example/\\x1b\\click me\\x1b]8;;\\x1b\\"
    assert printable("right-to-left \u202eoverride\u200b") == "right-to-left \\u202eoverride\\u200b"
    assert printable("plain text, accents é and emoji 👍 stay") == "plain text, accents é and emoji 👍 stay"


def test_line_breaks_and_tabs_fold_on_one_line_and_stay_in_a_whole_text() -> None:
    text = "one\ttwo\r\nthree\nfour\rfive\u2028six\x0cseven"
    assert printable(text) == "one two  three four five six seven"
    assert printable(text, lines=True) == "one\ttwo\nthree\nfour\nfive\nsix\nseven"
    assert printable("bell\x07\nESC\x1b", lines=True) == "bell\\x07\nESC\\x1b"


def test_printable_is_idempotent() -> None:
    once = printable(f"{RETITLE}{LINK}{CSI_C1}\ttab")
    assert printable(once) == once


def test_printable_in_place_keeps_every_position() -> None:
    text = f"{RETITLE}a\tb{CSI_C1}\x7f"
    assert printable_in_place(text) == "␛]0;pwned␇a b\ufffd␡"
    assert len(printable_in_place(text)) == len(text)


def test_printable_json_holds_the_same_values() -> None:
    data = {"title": f"{RETITLE}{LINK}{CSI_C1}\x7f\u202e", "text": "é\n"}
    written = printable_json(json.dumps(data, ensure_ascii=False, indent=2))
    assert json.loads(written) == data
    assert written.count("\n") == 3  # the layout's own newlines stay
    assert not any(char in written for char in (*RAW, "\u202e"))
    assert "é" in written  # ordinary text stays readable


@pytest.fixture()
def evil_home(tmp_path: Path, minilm_encoders) -> Path:
    from searchkit.corpus import load_corpus
    from searchkit.index import Index
    from searchkit.indexing import index_corpus

    corpus = write_beir(tmp_path / "evil", EVIL_DOCS, [{"_id": "q1", "text": "printer"}], [("q1", "retitle", 1)])
    home = tmp_path / "home"
    with Index.open("evil", home=home, create=True) as index:
        index_corpus(load_corpus(corpus), [e for e in minilm_encoders if e.spec == "sbert:minilm"], index)
    return home


def test_search_prints_escape_sequences_escaped(evil_home: Path, run_searchkit) -> None:
    query = f"printer {RETITLE}"
    result = run_searchkit("search", "evil", query, "--home", evil_home, "--bm25", "--encoders", "", env={"COLUMNS": "300"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert not [char for char in RAW if char in out]
    assert "query: printer \\x1b]0;pwned\\x07" in out
    assert "\\x1b]0;pwned\\x07Printer \\x1b[31mmanual" in out
    assert "Printer \\x1b]8;;https://evil.example/\\x1b\\click me\\x1b]8;;\\x1b\\ here" in out
    assert "\\x1b[31m\\x1b]0;pwned\\x07printer without a title" in out  # an untitled hit's first words


def test_search_json_stays_exact(evil_home: Path, run_searchkit) -> None:
    result = run_searchkit("search", "evil", "printer", "--home", evil_home, "--bm25", "--encoders", "", "--json")
    assert result.returncode == 0, result.stderr
    assert not [char for char in RAW if char in result.stdout]
    titles = {hit["id"]: hit["title"] for hit in json.loads(result.stdout)["results"]["bm25"]}
    assert titles == {doc["_id"]: doc["title"] for doc in EVIL_DOCS}


def test_search_shows_the_passage_a_hit_was_scored_by(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit.cli.search import print_side_by_side
    from searchkit.corpus import Document

    monkeypatch.setenv("COLUMNS", "200")
    passage = f"The fuser {RED}calibration\nfailed."
    long = Document("long", "Maintenance log", "Paper trays. " * 100 + passage + " Toner." * 100)
    start = long.content.index("The fuser")
    columns = {
        "passages": [
            {"rank": 1, "score": 0.9, "id": "long", "title": long.title, "span": [start, start + len(passage)]},
            {"rank": 2, "score": 0.5, "id": "short", "title": "Short"},
        ]
    }
    print_side_by_side("fuser", columns, {"long": long, "short": Document("short", "Short", "A short one.")})
    lines = capsys.readouterr().out.splitlines()
    first = next(n for n, line in enumerate(lines) if "0.900 long" in line)
    assert "Maintenance log" in lines[first + 1]
    assert "» …The fuser \\x1b[31mcalibration failed.…" in lines[first + 2]  # the passage, on one printable line
    second = next(n for n, line in enumerate(lines) if "0.500 short" in line)
    assert "Short" in lines[second + 1] and "»" not in lines[second + 2]  # no span: two lines, as before


def test_search_shows_a_long_documents_best_passage(tmp_path: Path, minilm_encoders, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit.cli import main
    from searchkit.corpus import Document

    passage = "The fuser calibration failed at 230 degrees and the printer halted."
    text = "Routine entry about paper trays and office supplies. " * 120 + passage + " Routine entry about toner." * 100
    corpus = tmp_path / "log.jsonl"
    docs = [{"_id": "long", "title": "Maintenance log", "text": text}, {"_id": "short", "title": "Short", "text": "Coffee."}]
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    home = str(tmp_path / "home")
    assert main(["index", str(corpus), "--home", home, "--encoders", "sbert:minilm"]) == 0
    capsys.readouterr()

    search = ["search", "log", "fuser calibration failed", "--home", home, "-k", "2"]
    assert main([*search, "--json"]) == 0
    top, second = json.loads(capsys.readouterr().out)["results"]["sbert:minilm"]
    assert top["id"] == "long" and "span" not in second  # a short document is scored whole
    start, end = top["span"]
    # the best window holds the query's words (where windows fall may cut the sentence's tail)
    assert "The fuser calibration failed" in Document("long", "Maintenance log", text).content[start:end]

    monkeypatch.setenv("COLUMNS", "200")
    assert main(search) == 0
    lines = capsys.readouterr().out.splitlines()
    row = next(n for n, line in enumerate(lines) if " long" in line)
    assert "Maintenance log" in lines[row + 1]
    assert "» …" in lines[row + 2] and "The fuser calibration failed" in lines[row + 2]  # around the query's words
