from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import assert_clean_error

from searchkit.cli import main
from searchkit.evaluation import read_trec_run
from searchkit.evaluation.correction import benjamini_hochberg
from searchkit.judgments import Judgments
from searchkit.retrieval.lexical import SOURCE_FILE

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ALL = ["bm25", "cls:minilm", "mean:minilm", "sbert:minilm", "rrf(bm25,sbert:minilm)"]


def test_eval_prints_the_table_and_writes_every_output(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    home, out, plot = tmp_path / "indexes", tmp_path / "out", tmp_path / "recall.png"
    args = ["eval", tiny_corpus, "--home", home, "--bm25", "--hybrid", "--out", out, "--plot", plot]
    assert main(list(map(str, args))) == 0
    printed = capsys.readouterr()
    for name in ALL:
        assert name in printed.out
    assert "nDCG@10" in printed.out and "randomization test" in printed.out
    assert "7 added" in printed.err and "sbert:minilm 7" in printed.err and "eval took" in printed.err

    data = json.loads((out / "report.json").read_text())
    assert list(data["metrics"]) == ALL
    assert set(data["per_query"]["bm25"]["ndcg@10"]) == {"q1", "q2", "q3"}
    assert data["retrievers"]["sbert:minilm"]["fingerprint"] and data["retrievers"]["bm25"]["k1"] == 1.5
    for name, relative in data["run_files"].items():
        run = read_trec_run(out / relative)
        assert set(run) == {"q1", "q2", "q3"} and len(run["q1"]) <= 7, name
    assert "| a | `bm25` |" in (out / "report.md").read_text()
    assert plot.read_bytes().startswith(PNG_MAGIC)
    assert (home / "tiny" / "bm25" / SOURCE_FILE).is_file()  # BM25 saved beside the index

    # A second run reuses the vectors and the BM25 model, and --json prints only JSON on stdout.
    mtime = (home / "tiny" / "bm25" / SOURCE_FILE).stat().st_mtime_ns
    args = ["eval", tiny_corpus, "--home", home, "--bm25", "--hybrid", "--json", "--diff", "sbert:minilm", "bm25"]
    assert main(list(map(str, args))) == 0
    printed = capsys.readouterr()
    again = json.loads(printed.out)
    assert "nothing (up to date)" in printed.err
    assert (home / "tiny" / "bm25" / SOURCE_FILE).stat().st_mtime_ns == mtime
    assert again["metrics"] == data["metrics"]
    assert again["diff"]["a"] == "sbert:minilm" and again["diff"]["metric"] == "ndcg@10"


def test_diff_shows_wins_losses_and_the_documents(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    args = ["eval", tiny_corpus, "--home", tmp_path, "--encoders", "cls:minilm", "--bm25", "--diff", "bm25", "cls:minilm"]
    assert main(list(map(str, args))) == 0
    out = capsys.readouterr().out
    assert "bm25 vs cls:minilm on nDCG@10: bm25 better on" in out
    if "bm25 better (" in out:
        assert "relevant " in out and "(grade " in out


def test_correction_is_applied_and_named(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    argv = ["eval", str(tiny_corpus), "--home", str(tmp_path / "indexes"), "--bm25", "--hybrid", "--correction", "bh"]
    assert main(argv) == 0
    printed = " ".join(capsys.readouterr().out.split())  # the note as wrapped
    assert "Benjamini-Hochberg-adjusted p-values (false discovery rate) over the 10 pairwise tests on each metric" in printed
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["significance"]["correction"] == "bh"
    for metric in data["settings"]["metrics"]:
        tests = [test for test in data["comparisons"] if test["metric"] == metric]
        assert len(tests) == 10
        assert [test["adjusted_p_value"] for test in tests] == benjamini_hochberg([test["p_value"] for test in tests])


def test_bm25_alone_needs_no_model(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    args = ["eval", tiny_corpus, "--home", tmp_path, "--encoders", "", "--bm25", "--bm25-stemmer", "english", "--metrics", "ndcg@10,recall@5", "--json"]
    assert main(list(map(str, args))) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["metrics"]) == ["bm25"] and list(data["metrics"]["bm25"]) == ["ndcg@10", "recall@5"]
    assert data["retrievers"]["bm25"]["stemmer"] == "english"
    assert data["comparisons"] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--bm25", "--metrics", "ndcg"], "needs a positive integer cutoff"),
        (["--bm25", "--metrics", "bleu@4"], "unknown metric"),
        (["--bm25", "--bm25-b", "2"], "BM25 settings: b must be in [0, 1]"),
        (["--bm25", "--rrf-weights", "1"], "--rrf-weights takes two numbers"),
        (["--bm25", "--diff", "bm25", "colbert"], "--diff: no retriever 'colbert'"),
        (["--hybrid"], "needs a dense encoder"),
        ([], "no retriever to run"),
    ],
)
def test_bad_options_are_clear_errors(tiny_corpus: Path, tmp_path: Path, capsys, options: list[str], message: str) -> None:
    assert main(["eval", str(tiny_corpus), "--home", str(tmp_path), "--encoders", "", *options]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_corpus_without_judgments_is_refused_before_indexing(tiny_corpus: Path, tmp_path: Path, run_searchkit) -> None:
    shutil.rmtree(tiny_corpus / "qrels")
    result = run_searchkit("eval", tiny_corpus, "--home", tmp_path / "indexes", "--bm25")
    assert_clean_error(result, "has no relevance judgments", "qrels/test.tsv")
    assert not (tmp_path / "indexes").exists()


def test_judgments_saved_beside_the_index_evaluate_a_corpus_without_qrels(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    shutil.rmtree(tiny_corpus / "qrels")
    home = tmp_path / "indexes"
    judgments = Judgments.load(home / "tiny" / "judgments.tsv")
    judgments.mark("user-violin", "violin", relevant=True, query_text="bowed instrument with four strings")
    args = ["eval", tiny_corpus, "--home", home, "--bm25", "--encoders", "", "--judgments", "--json"]
    assert main(list(map(str, args))) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["per_query"]["bm25"]["ndcg@10"]) == {"user-violin"}
    assert report["metrics"]["bm25"]["recall@10"] == 1.0


def test_search_shows_bm25_and_the_hybrid_beside_the_encoders(tiny_index_home: Path, capsys) -> None:
    args = ["search", "tiny", "printer error E-4471", "--home", str(tiny_index_home), "--bm25", "--hybrid", "-k", "3", "--json"]
    assert main(args) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert list(results) == ALL
    assert results["bm25"][0]["id"] == "error" and results["bm25"][0]["title"] == "Printer fault E-4471"
    assert len(results["rrf(bm25,sbert:minilm)"]) == 3


def test_diff_and_errors_show_control_characters_escaped(tmp_path: Path, capsys) -> None:
    from conftest import TINY_DOCS, TINY_QRELS, TINY_QUERIES, write_beir

    queries = [dict(TINY_QUERIES[0], text="\x1b]0;pwned\x07musical instrument with strings"), *TINY_QUERIES[1:]]
    docs = [dict(TINY_DOCS[0], title="Guitar \x1b[31mred"), *TINY_DOCS[1:]]
    corpus = write_beir(tmp_path / "tiny", docs, queries, TINY_QRELS)
    args = ["eval", str(corpus), "--encoders", "cls:minilm", "--bm25", "--diff", "bm25", "cls:minilm", "--diff-limit", "0"]
    assert main([*args, "--home", str(tmp_path / "home")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07musical instrument" in out and "Guitar \\x1b[31mred" in out  # q1's query and relevant title
    bad = tmp_path / "notes\x1b[2J.txt.bin"
    bad.write_text("x", encoding="utf-8")
    assert main(["index", str(bad), "--home", str(tmp_path / "home")]) != 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "notes\\x1b[2J.txt.bin" in err


def test_whiten_adds_a_whitened_row_per_encoder_with_its_anisotropy(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    args = ["eval", tiny_corpus, "--home", tmp_path / "indexes", "--encoders", "cls:minilm", "--whiten", "--json"]
    assert main(list(map(str, args))) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["metrics"]) == ["cls:minilm", "cls:minilm+whiten"]
    raw, white = (data["retrievers"][name] for name in data["metrics"])
    assert white["whitening"]["fitted_to"] == "7 indexed documents' starts" and white["precision"] == raw["precision"]
    assert abs(white["anisotropy"]["mean"]) < raw["anisotropy"]["mean"]
