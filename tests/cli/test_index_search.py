"""`searchkit index` and `searchkit search` end to end (in-process, sharing the loaded model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import MINILM_SPECS, TINY_DOCS

from searchkit.cli import main

SPECS = MINILM_SPECS.split(",")
TITLES = {d["_id"]: d["title"] for d in TINY_DOCS}


def test_index_then_search_json(tmp_path: Path, tiny_corpus: Path, minilm_encoders, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "indexes")
    assert main(["index", str(tiny_corpus), "--home", home]) == 0
    out = capsys.readouterr().out
    assert "corpus tiny: 7 documents, 3 queries, 3 judged queries, 1 empty documents skipped" in out
    assert "index tiny: 7 added, 0 changed, 0 removed; encoded: " in out
    assert all(f"{spec} 7" in out for spec in SPECS)

    assert main(["index", str(tiny_corpus), "--home", home]) == 0
    assert "encoded: nothing (up to date)" in capsys.readouterr().out

    assert main(["search", "tiny", "investing in company shares", "--home", home, "--json", "-k", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["query"], result["k"]) == ("investing in company shares", 3)
    assert list(result["results"]) == SPECS
    for spec, hits in result["results"].items():
        assert [h["rank"] for h in hits] == [1, 2, 3], spec
        assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
        assert all(h["title"] == TITLES[h["id"]] for h in hits)
        assert set(hits[0]) == {"rank", "score", "id", "title"}
    assert result["results"]["sbert:minilm"][0]["id"] == "stocks"


def test_side_by_side_text_shows_every_encoder(
    tiny_index_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "240")
    assert main(["search", "tiny", "musical instrument with strings", "--home", str(tiny_index_home), "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert "query: musical instrument with strings" in out
    header = next(line for line in out.splitlines() if "cls:minilm" in line)
    assert all(spec in header for spec in SPECS)
    # each hit takes two lines: score and id, then the title
    lines = out.splitlines()
    id_rows = [n for n, line in enumerate(lines) if line.count("guitar") + line.count("violin") == 3]
    assert len(id_rows) == 2
    assert all(lines[n + 1].count("Guitar") + lines[n + 1].count("Violin") == 3 for n in id_rows)


def test_search_a_subset_of_encoders(tiny_index_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["search", "tiny", "printer error", "--home", str(tiny_index_home), "--json", "--encoders", "mean:minilm"]
    assert main(argv) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert list(results) == ["mean:minilm"] and results["mean:minilm"][0]["id"] == "error"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "nope", "q"], "no index 'nope'"),
        (["search", "tiny", "q", "--encoders", "sbert:minilm,bogus:minilm"], "unknown encoder kind 'bogus'"),
    ],
)
def test_search_errors(tiny_index_home: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main([*argv, "--home", str(tiny_index_home)]) == 1
    assert message in capsys.readouterr().err


def test_search_with_an_encoder_the_index_lacks(tmp_path: Path, tiny_corpus: Path, minilm_encoders, capsys) -> None:
    home = str(tmp_path / "indexes")
    assert main(["index", str(tiny_corpus), "--home", home, "--name", "sbert-only", "--encoders", "sbert:minilm"]) == 0
    capsys.readouterr()
    assert main(["search", "sbert-only", "q", "--home", home, "--encoders", "cls:minilm"]) == 1
    err = capsys.readouterr().err
    assert "searchkit: error: index 'sbert-only' holds no vectors for 'cls:minilm' (it holds: sbert:minilm)" in err


def test_a_file_of_queries_is_answered_in_one_run(tiny_index_home: Path, tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    lines = tmp_path / "queries.txt"
    lines.write_text("investing in company shares\n\nwhat does E-4471 mean\n", encoding="utf-8")
    home = ["--home", str(tiny_index_home), "--json", "-k", "1", "--encoders", "sbert:minilm", "--bm25"]
    assert main(["search", "tiny", "--queries", str(lines), *home]) == 0
    answers = json.loads(capsys.readouterr().out)
    assert [a["query"] for a in answers] == ["investing in company shares", "what does E-4471 mean"]
    assert [a["results"]["sbert:minilm"][0]["id"] for a in answers] == ["stocks", "error"]
    assert list(answers[0]["results"]) == ["bm25", "sbert:minilm"]
    # a BEIR queries.jsonl: its texts, in order, each the same answer as asked alone
    assert main(["search", "tiny", "--queries", str(tiny_corpus / "queries.jsonl"), *home]) == 0
    beir = json.loads(capsys.readouterr().out)
    assert len(beir) == 3 and beir[1] == answers[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [([], "give one query"), (["q", "--queries", "missing.txt"], "not both"), (["--queries", "missing.txt"], "no such file")],
)
def test_query_file_errors(tiny_index_home: Path, capsys, argv: list[str], message: str) -> None:
    assert main(["search", "tiny", *argv, "--home", str(tiny_index_home)]) == 1
    assert message in capsys.readouterr().err


def test_a_reader_that_stops_early_is_no_error(tiny_index_home: Path, tmp_path: Path) -> None:
    """`searchkit search ... | head -1`: the closed pipe ends the command quietly."""
    import subprocess
    import sys

    queries = tmp_path / "queries.txt"
    queries.write_text("guitar\n" * 2000, encoding="utf-8")  # far more output than a pipe buffers
    command = [sys.executable, "-m", "searchkit", "search", "tiny", "--queries", str(queries), "--home", str(tiny_index_home),
               "--encoders", "", "--bm25", "--json", "-k", "7"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.readline()
    process.stdout.close()
    assert process.wait(timeout=120) == 0
    assert b"error" not in process.stderr.read()
