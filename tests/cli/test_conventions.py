"""What users expect of a command line."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from searchkit.cli import main


def test_version(run_searchkit) -> None:
    result = run_searchkit("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"searchkit {version('searchkit')}\n"
    assert re.fullmatch(r"searchkit \d+\.\d+\S*\n", result.stdout)


def test_version_needs_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.startswith("searchkit ")


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, so that progress bars draw."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_drops_progress_and_messages_not_the_results(
    tiny_corpus: Path, tmp_path: Path, minilm_encoders, capsys, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    argv = ["eval", str(tiny_corpus), "--home", str(tmp_path / "indexes"), "--bm25", "--out", str(tmp_path / "out")]
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert main(["-q", *argv] if where == "before" else [*argv, "--quiet"]) == 0
    assert sys.stderr.getvalue() == ""
    assert "nDCG@10" in capsys.readouterr().out and (tmp_path / "out" / "report.json").is_file()

    (tmp_path / "out" / "report.json").unlink()
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert main(argv) == 0  # the same run, not quiet: what -q left out
    err = sys.stderr.getvalue()
    assert "corpus tiny: 7 documents" in err and "wrote " in err and "eval took" in err


def test_quiet_keeps_warnings_and_errors(tiny_corpus: Path, tmp_path: Path, minilm_encoders, capsys) -> None:
    home = str(tmp_path / "indexes")
    assert main(["index", str(tiny_corpus), "--home", home, "--encoders", "sbert:minilm"]) == 0
    with (tiny_corpus / "corpus.jsonl").open("a") as corpus:
        corpus.write(json.dumps({"_id": "cello", "title": "Cello", "text": "A cello is a large bowed string instrument."}) + "\n")
    assert main(["index", str(tiny_corpus), "--home", home, "--encoders", "cls:minilm"]) == 0
    capsys.readouterr()
    assert main(["-q", "search", "tiny", "strings", "--home", home, "--encoders", "sbert:minilm", "--json"]) == 0
    assert "searchkit: warning: sbert:minilm covers 7 of 8 documents" in capsys.readouterr().err
    assert main(["-q", "search", "nope", "strings", "--home", home]) == 1
    assert "searchkit: error: no index 'nope'" in capsys.readouterr().err


def test_quiet_and_verbose_exclude_each_other(capsys) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["-q", "encoders", "-v"])
    assert exit.value.code == 2
    assert "-q/--quiet and -v/--verbose exclude each other" in capsys.readouterr().err


def test_verbose_shows_library_log_lines(tiny_index_home: Path, run_searchkit, minilm_query_export: Path, tmp_path: Path) -> None:
    argv = ["search", "tiny", "strings", "--home", tiny_index_home, "--encoders", "sbert:minilm", "--json"]
    result = run_searchkit("-v", *argv, env={"XDG_CACHE_HOME": str(tmp_path)})  # no query export there: torch
    assert result.returncode == 0, result.stderr
    assert "sentence_transformers" in result.stderr and "INFO" in result.stderr
    assert json.loads(result.stdout)["results"]["sbert:minilm"]
    exported = run_searchkit("-v", *argv)
    assert f"sbert:minilm encodes queries with the ONNX export at {minilm_query_export}" in exported.stderr
    hits = [json.loads(r.stdout)["results"]["sbert:minilm"] for r in (result, exported)]
    assert [h["id"] for h in hits[0]] == [h["id"] for h in hits[1]]
    assert [h["score"] for h in hits[0]] == pytest.approx([h["score"] for h in hits[1]], abs=1e-5)


def test_verbose_leaves_logging_as_it_found_it(capsys) -> None:
    handlers, level = list(logging.getLogger().handlers), logging.getLogger().level
    assert main(["--verbose", "encoders"]) == 0
    assert (logging.getLogger().handlers, logging.getLogger().level) == (handlers, level)


def test_index_json_reports_what_was_done(tiny_corpus: Path, tmp_path: Path, minilm_encoders, capsys) -> None:
    argv = ["index", str(tiny_corpus), "--home", str(tmp_path / "indexes"), "--encoders", "sbert:minilm", "--json"]
    assert main(argv) == 0
    printed = capsys.readouterr()
    report = json.loads(printed.out)
    assert (report["index"], report["documents"], report["skipped_empty"]) == ("tiny", 7, 1)
    assert (report["added"], report["changed"], report["removed"]) == (7, 0, 0)
    assert report["encoded"] == {"sbert:minilm": 7} and report["cancelled"] is False
    assert report["docs_per_second"] > 0
    assert "corpus tiny: 7 documents" in printed.err and "index tiny: 7 added" in printed.err

    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["added"], again["encoded"]) == (0, {})


def test_progress_bars_draw_on_a_terminal_only(tiny_corpus: Path, tmp_path: Path, minilm_encoders, capsys, monkeypatch) -> None:
    argv = ["eval", str(tiny_corpus), "--home", str(tmp_path / "indexes"), "--encoders", "sbert:minilm"]
    assert main(argv) == 0  # stderr is not a terminal here
    err = capsys.readouterr().err
    assert "eval took" in err and "encoding" not in err and "answering" not in err

    shutil.rmtree(tmp_path / "indexes")
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert main(argv) == 0
    err = sys.stderr.getvalue()
    assert "encoding: 100%" in err and "7/7" in err  # indexing
    assert "answering: 100%" in err and "3/3" in err  # the judged queries
