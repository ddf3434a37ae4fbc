"""`searchkit doctor` (the verdict in text and JSON, one clear line for bad input) and anisotropy in `searchkit eval`."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import assert_clean_error
from experiments.test_doctor import declaring, write_pairs

from searchkit.cli import main


def test_doctor_flags_a_model_declaring_cls(tmp_path: Path, capsys) -> None:
    model = declaring(tmp_path / "minilm-cls", pooling_mode_cls_token=True)
    pairs = write_pairs(tmp_path / "pairs.tsv")
    assert main(["doctor", str(model), str(pairs)]) == 0
    printed = capsys.readouterr()
    assert "Spearman x100" in printed.out and "firstlast:" in printed.out and "paired bootstrap" in printed.out
    assert f"{model} ({model}) declares cls pooling" in printed.out
    assert "best: mean (Spearman x100" in printed.out
    assert f"FLAG: {model} declares cls pooling, but mean scores" in printed.out and "doctor took" in printed.err

    assert main(["doctor", str(model), str(pairs), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["declared"], data["task"], data["winner"]) == ("cls", "similarity", "mean")
    assert data["flag"].endswith("its [CLS] vector was not trained for this")
    cls, mean = data["poolings"][0], data["poolings"][1]
    assert f"mean scores {mean['score']:.1f} vs {cls['score']:.1f}" in data["flag"]
    assert cls["anisotropy"]["mean"] > mean["anisotropy"]["mean"]


def test_doctor_without_data_reports_the_declared_pooling_and_anisotropy(capsys) -> None:
    assert main(["doctor", "minilm"]) == 0
    out = capsys.readouterr().out
    assert "declares mean pooling" in out and "Anisotropy on 12 built-in sentences" in out
    for kind in ("cls", "mean", "max", "firstlast", "sbert"):
        assert f"{kind}:minilm: 90% of random pairs of sentences score between" in out
    assert "FLAG" not in out and "best:" not in out


def test_bad_input_is_one_clear_line(tmp_path: Path, run_searchkit) -> None:
    assert_clean_error(run_searchkit("doctor", tmp_path / "missing"), "does not exist or is not a folder")
    broken = declaring(tmp_path / "broken", pooling_mode_mean_tokens=True)
    (broken / "1_Pooling" / "config.json").write_text("{not json", encoding="utf-8")
    assert_clean_error(run_searchkit("doctor", broken), "1_Pooling/config.json:1: invalid JSON")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("sentence1\tsentence2\tscore\na\tb\tnot a number\n", encoding="utf-8")
    assert_clean_error(run_searchkit("doctor", "minilm", pairs), f"{pairs}:2:")


def test_eval_reports_each_dense_retrievers_anisotropy(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    args = ["eval", tiny_corpus, "--home", tmp_path / "indexes", "--encoders", "cls:minilm,mean:minilm", "--bm25", "--out", out]
    assert main(list(map(str, args))) == 0
    printed = capsys.readouterr().out
    data = json.loads((out / "report.json").read_text())
    assert "anisotropy" not in data["retrievers"]["bm25"]
    for name in ("cls:minilm", "mean:minilm"):
        anisotropy = data["retrievers"][name]["anisotropy"]
        assert anisotropy["documents"] == 7 and anisotropy["pairs"] == 10_000 and -1 <= anisotropy["mean"] <= 1
        assert anisotropy["reading"].startswith(f"{name}: 90% of random pairs of documents score between")
        assert anisotropy["reading"] in printed
        assert f"- {anisotropy['reading']}" in (out / "report.md").read_text()
    assert data["retrievers"]["cls:minilm"]["anisotropy"]["mean"] > data["retrievers"]["mean:minilm"]["anisotropy"]["mean"]
