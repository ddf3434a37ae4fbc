"""`searchkit sts`: the table, the reports, and one clear line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_clean_error

from searchkit.cli import main

SICK_ROWS = [
    ("1", "A man is playing a guitar", "A man plays the guitar", "4.9", "TEST"),
    ("2", "A woman is slicing an onion", "A woman cuts an onion", "4.6", "TEST"),
    ("3", "A cat sleeps on the sofa", "A dog sleeps on the sofa", "2.9", "TEST"),
    ("4", "A girl is riding a horse", "A girl is feeding a horse", "2.5", "TEST"),
    ("5", "The train arrived late", "The bus left early", "1.7", "TEST"),
    ("6", "A woman is dancing", "The senate passed a tax bill", "1.0", "TEST"),
    ("7", "A boy kicks a ball", "Quantum computers use qubits", "1.1", "TEST"),
    ("8", "Two men talk", "Two people are talking", "4.7", "TRAIN"),
]


@pytest.fixture()
def sick(tmp_path: Path) -> Path:
    path = tmp_path / "SICK.txt"
    lines = ["pair_ID\tsentence_A\tsentence_B\trelatedness_score\tSemEval_set", *("\t".join(row) for row in SICK_ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sts_prints_the_table_and_writes_the_reports(sick: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    args = ["sts", sick, "--encoders", "cls:minilm,mean:minilm", "--resamples", "300", "--random-pairs", "300", "--out", out]
    assert main(list(map(str, args))) == 0
    printed = capsys.readouterr()
    assert "SICK (TEST split, 7 pairs, 14 distinct sentences)" in printed.out
    assert "Spearman x100" in printed.out and "cls:minilm" in printed.out and "mean:minilm" in printed.out
    assert "paired bootstrap" in printed.out and "300 resamples" in printed.out
    assert "mean:minilm: 90% of random pairs of sentences score between" in printed.out
    assert "pairs SICK: 7 pairs (TEST split), 14 distinct sentences" in printed.err and "sts took" in printed.err
    data = json.loads((out / "report.json").read_text())
    assert data["settings"]["pairs"]["columns"]["score"] == "relatedness_score"
    assert data["per_pair"]["line"] == [2, 3, 4, 5, 6, 7, 8]
    assert "| a | `cls:minilm` |" in (out / "report.md").read_text()

    # --json prints the report alone on stdout; the same seed gives the same figures
    assert main(list(map(str, [*args[:-2], "--json", "--split", "train"]))) != 0  # one pair: no correlation
    assert "all have the gold score 4.7" in capsys.readouterr().err
    assert main(list(map(str, [*args[:-2], "--json"]))) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["correlations"] == data["correlations"] and again["comparisons"] == data["comparisons"]


def test_correction_is_applied_and_named(sick: Path, capsys) -> None:
    args = ["sts", sick, "--encoders", "cls:minilm,mean:minilm", "--resamples", "300", "--random-pairs", "300", "--correction", "holm"]
    assert main(list(map(str, args))) == 0
    printed = " ".join(capsys.readouterr().out.split())  # the note as wrapped
    assert "Holm-adjusted p-values (family-wise error rate) over the 1 pairwise test on each correlation" in printed
    assert main(list(map(str, [*args, "--json"]))) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["significance"]["correction"] == "holm"
    assert all(test["adjusted_p_value"] == test["p_value"] for test in data["comparisons"])  # one test: nothing to adjust
    with pytest.raises(SystemExit):
        main(list(map(str, [*args[:-1], "bonferroni"])))
    assert "argument --correction: invalid choice: 'bonferroni'" in capsys.readouterr().err


def test_named_columns_of_a_jsonl_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "mine.jsonl"
    rows = [{"q": a, "d": b, "label": float(score)} for _, a, b, score, _ in SICK_ROWS]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    args = ["sts", path, "--encoders", "mean:minilm", "--sentence1", "q", "--sentence2", "d", "--score", "label", "--json"]
    assert main(list(map(str, [*args, "--resamples", "100", "--random-pairs", "100"]))) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["pairs"] | {"path": None} == {
        "name": "mine", "path": None, "split": None, "pairs": 8, "sentences": 16,
        "columns": {"sentence1": "q", "sentence2": "d", "score": "label"},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--sentence1", "left"], [':1: no sentence1 column: expected "left"', "found: pair_ID, sentence_A"]),
        (["--split", "dev"], ["no pairs in split 'dev'; the file's splits are TEST, TRAIN"]),
        (["--encoders", ""], ["--encoders names no encoder"]),
        (["--encoders", "cls:no-such-model"], ["no-such-model"]),
    ],
    ids=["missing column", "unknown split", "no encoder", "unknown model"],
)
def test_bad_input_is_one_line(sick: Path, capsys, args: list[str], fragments: list[str]) -> None:
    assert main(["sts", str(sick), *args]) == 1
    error = capsys.readouterr().err.splitlines()[-1]  # after the line that describes the pairs, if they were read
    assert error.startswith("searchkit: error: ")
    for fragment in fragments:
        assert fragment in error


def test_a_bad_row_stops_the_command_without_a_traceback(tmp_path: Path, run_searchkit) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text('sentence1,sentence2,score\na,b,1\n"never closed,b,2\n', encoding="utf-8")
    assert_clean_error(run_searchkit("sts", path, "--encoders", "mean:minilm"), f"{path}:3: a quoted field", "never closed")
    path.write_text("sentence1,sentence2,score\na,b,1\nc,d,high\n", encoding="utf-8")
    assert_clean_error(run_searchkit("sts", path), f"{path}:3: \"score\" must be a finite number, found 'high'")
    (tmp_path / "out").write_text("a file")
    assert_clean_error(run_searchkit("sts", path, "--out", tmp_path / "out"), "--out", "is a file")


def test_the_command_line_is_built_without_torch_or_scipy() -> None:
    code = (
        "import sys; from searchkit.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('torch', 'transformers', 'scipy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stderr


def test_whiten_adds_a_row_fitted_on_the_sentences(sick: Path, capsys) -> None:
    args = ["sts", sick, "--encoders", "cls:minilm", "--whiten", "--resamples", "200", "--random-pairs", "200", "--json"]
    assert main(list(map(str, args))) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["correlations"]) == ["cls:minilm", "cls:minilm+whiten"]
    assert "14 distinct sentences" in data["settings"]["whitening"]
    assert abs(data["anisotropy"]["cls:minilm+whiten"]["mean"]) < data["anisotropy"]["cls:minilm"]["mean"]
