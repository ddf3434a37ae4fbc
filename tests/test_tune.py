"""`searchkit tune`: the packaged MiniLM really trained, on a dozen pairs, 1 epoch, batch 4 (seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_clean_error, write_beir

from searchkit.encoders import load_encoder
from searchkit.training import CHECKPOINTS, RECORD_FILE, read_training_pairs, tune

TOPICS = [
    (
        "guitar",
        "Guitar",
        "The guitar is a string instrument played by plucking.",
        "instrument you pluck",
    ),
    (
        "violin",
        "Violin",
        "A violin is a bowed string instrument with four strings.",
        "bowed instrument",
    ),
    (
        "stocks",
        "Stock market",
        "Shares of companies are traded on the stock exchange.",
        "buying company shares",
    ),
    (
        "bonds",
        "Bonds",
        "A bond is a loan to a government that pays interest.",
        "lending money to a state",
    ),
    (
        "bread",
        "Sourdough",
        "Over-proofed dough deflates in the oven.",
        "why my bread collapses",
    ),
    (
        "tomato",
        "Tomatoes",
        "Tomato plants need full sun and deep watering.",
        "growing tomatoes",
    ),
    (
        "printer",
        "Printer fault",
        "Error E-4471 means the fuser unit has overheated.",
        "printer error code",
    ),
    (
        "moon",
        "Moon",
        "The Moon orbits the Earth every 27 days.",
        "how long is a lunar orbit",
    ),
    (
        "tea",
        "Green tea",
        "Green tea is steamed or pan-fired to stop oxidation.",
        "how green tea is made",
    ),
    (
        "rust",
        "Rust",
        "Iron rusts when exposed to water and oxygen.",
        "why iron corrodes",
    ),
    (
        "whale",
        "Blue whale",
        "The blue whale is the largest animal ever known.",
        "biggest animal",
    ),
    (
        "volcano",
        "Volcano",
        "Magma that reaches the surface is called lava.",
        "molten rock from volcanoes",
    ),
]
SPLIT_PAIRS = 8  # STS rows of the train split (the other rows are test)


@pytest.fixture(scope="module")
def beir(tmp_path_factory) -> Path:
    """A BEIR folder whose judgments are the train split: 12 queries, one relevant document each."""
    docs = [{"_id": d, "title": title, "text": text} for d, title, text, _ in TOPICS]
    queries = [
        {"_id": f"q{i}", "text": query} for i, (_, _, _, query) in enumerate(TOPICS)
    ]
    folder = write_beir(
        tmp_path_factory.mktemp("beir") / "topics",
        docs,
        queries,
        [(f"q{i}", t[0], 1) for i, t in enumerate(TOPICS)],
    )
    (folder / "qrels" / "test.tsv").rename(folder / "qrels" / "train.tsv")
    return folder


@pytest.fixture(scope="module")
def sts(tmp_path_factory) -> Path:
    """STS-B's columns: 8 train pairs and 4 test pairs, scores 0..5."""
    rows = ["split\tgenre\tfile\tyear\tid\tscore\tsentence1\tsentence2"]
    for i, (_, title, text, query) in enumerate(TOPICS):
        split = "train" if i < SPLIT_PAIRS else "test"
        rows.append(f"{split}\tmain\tx\t2012\t{i}\t{i % 6}\t{title}: {text}\t{query}")
    path = tmp_path_factory.mktemp("sts") / "pairs.tsv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tuned_cls(beir: Path, tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("tuned") / "cls"
    return out, tune("minilm", "cls", beir, out, batch_size=4, progress=False)


def vectors(spec: str) -> np.ndarray:
    return load_encoder(spec).encode([query for *_, query in TOPICS], kind="query")


def test_beir_pairs_are_query_and_title_plus_text(beir: Path) -> None:
    pairs = read_training_pairs(beir)
    assert (pairs.kind, len(pairs)) == ("retrieval", 12)
    assert (pairs.first[0], pairs.second[0]) == (
        "instrument you pluck",
        "Guitar The guitar is a string instrument played by plucking.",
    )


def test_tuned_folder_declares_cls_and_loads_as_a_spec(tuned_cls) -> None:
    out, report = tuned_cls
    assert (report.pairs, report.steps, report.resumed_from, report.finished) == (
        12,
        3,
        0,
        True,
    )
    assert np.isfinite(report.loss) and report.seconds > 0
    assert (out / "model.safetensors").is_file() and not (out / CHECKPOINTS).exists()
    modules = json.loads((out / "modules.json").read_text())
    pooling_path = next(m["path"] for m in modules if m["type"].endswith(".Pooling"))
    assert (
        json.loads((out / pooling_path / "config.json").read_text())["pooling_mode"]
        == "cls"
    )
    assert any(m["type"].endswith(".Normalize") for m in modules)

    tuned, untuned = vectors(f"cls:{out}"), vectors("cls:minilm")
    assert tuned.shape == untuned.shape == (12, 384)
    assert np.abs(tuned - untuned).max() > 1e-3  # training moved the weights
    # the folder's own pipeline is the pooling it declares: sbert:OUT is its [CLS] vector
    np.testing.assert_allclose(vectors(f"sbert:{out}"), tuned, atol=1e-5)


def test_dropout_is_off_by_default_in_training_only(beir: Path, tuned_cls, tmp_path: Path) -> None:
    out, report = tuned_cls
    assert report.settings.dropout is False
    assert json.loads((out / RECORD_FILE).read_text())["dropout"] is False
    # the saved model keeps the backbone's own dropout for whoever trains it next
    assert json.loads((out / "config.json").read_text())["hidden_dropout_prob"] == 0.1

    with_dropout = tune("minilm", "cls", beir, tmp_path / "dropout", batch_size=4, dropout=True, progress=False)
    assert with_dropout.settings.dropout is True
    assert np.abs(vectors(f"cls:{tmp_path / 'dropout'}") - vectors(f"cls:{out}")).max() > 1e-4


def test_sts_pairs_train_mean_pooling_on_the_train_split(
    sts: Path, tmp_path: Path
) -> None:
    report = tune(
        "minilm", "mean", sts, tmp_path / "mean", batch_size=4, progress=False
    )
    assert (report.kind, report.pairs, report.steps) == ("sts", SPLIT_PAIRS, 2)
    assert (
        json.loads((tmp_path / "mean" / "1_Pooling" / "config.json").read_text())[
            "pooling_mode"
        ]
        == "mean"
    )
    assert read_training_pairs(sts).scores[:3] == [0.0, 0.2, 0.4]  # gold score / 5
    assert (
        np.abs(vectors(f"mean:{tmp_path / 'mean'}") - vectors("mean:minilm")).max()
        > 1e-3
    )


def test_an_interrupted_cli_run_resumes_to_the_same_model_and_only_with_its_settings(
    run_searchkit, beir: Path, tuned_cls, tmp_path: Path
) -> None:
    out = tmp_path / "resumed"
    command = [
        "tune",
        "minilm",
        "--pooling",
        "cls",
        "--train",
        beir,
        "--out",
        out,
        "--batch-size",
        "4",
    ]
    first = run_searchkit(*command, "--stop-after", "1", "--save-steps", "1")
    assert first.returncode == 0, first.stderr
    assert "stopped early" in first.stderr
    assert (out / CHECKPOINTS).is_dir() and not (out / "modules.json").exists()
    assert_clean_error(
        run_searchkit(*command, "--lr", "1e-4"), "other settings", "delete"
    )

    second = run_searchkit(*command)
    assert second.returncode == 0, second.stderr
    assert "resumed at step 1" in second.stderr and f"cls:{out}" in second.stderr
    assert not (out / CHECKPOINTS).exists()
    np.testing.assert_allclose(
        vectors(f"cls:{out}"), vectors(f"cls:{tuned_cls[0]}"), atol=1e-5
    )


def test_bad_input_is_one_line(
    run_searchkit, beir: Path, sts: Path, tmp_path: Path
) -> None:
    no_train = write_beir(
        tmp_path / "no_train",
        [{"_id": "a", "title": "", "text": "a"}],
        [{"_id": "q", "text": "q"}],
        [("q", "a", 1)],
    )
    base = ["tune", "minilm", "--out", tmp_path / "out"]
    assert_clean_error(
        run_searchkit(*base, "--pooling", "cls", "--train", no_train),
        "no qrels/train.tsv",
    )
    assert_clean_error(
        run_searchkit(*base, "--pooling", "max", "--train", beir),
        "unknown pooling 'max'",
        "cls, mean",
    )
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert_clean_error(
        run_searchkit(
            "tune", "minilm", "--pooling", "cls", "--train", beir, "--out", a_file
        ),
        "is a file",
    )
    assert_clean_error(
        run_searchkit(*base, "--pooling", "cls", "--train", sts, "--split", "dev"),
        "pairs.tsv",
    )
    assert not (tmp_path / "out").exists()
