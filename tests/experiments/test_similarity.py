"""The sentence-similarity experiment on the packaged MiniLM: correlations, the paired bootstrap, anisotropy, reports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from searchkit.corpus.pairs import Pairs, load_pairs
from searchkit.errors import SearchkitError
from searchkit.evaluation.correction import benjamini_hochberg
from searchkit.experiments import (
    Anisotropy,
    measure_anisotropy,
    random_pairs,
    run_similarity,
    write_similarity_report,
)
from searchkit.experiments.similarity import SimilarityReport, bootstrap_correlations
from searchkit.experiments.similarity_report import (
    console_table,
    markdown_table,
    report_to_dict,
)

# (sentence 1, sentence 2, gold score 0-5), graded by hand
PAIRS = [
    ("A man is playing a guitar.", "A man plays the guitar.", 5.0),
    ("A woman is slicing an onion.", "A woman cuts an onion.", 4.8),
    ("Two dogs run across a field.", "Two dogs are running through the grass.", 4.4),
    ("A child is reading a book.", "A kid reads a story book.", 4.2),
    ("The stock market fell sharply today.", "Shares dropped steeply on the exchange.", 4.0),
    ("A man is cooking pasta.", "A man is boiling water in a pot.", 3.0),
    ("A cat sleeps on the sofa.", "A dog sleeps on the sofa.", 2.6),
    ("A girl is riding a horse.", "A girl is feeding a horse.", 2.4),
    ("The train arrived late.", "The bus left early.", 1.6),
    ("A man is playing a guitar.", "A man is playing a flute.", 1.8),
    ("Tomatoes need full sun.", "The printer has run out of paper.", 0.0),
    ("A woman is dancing.", "The senate passed a tax bill.", 0.0),
    ("Heavy rain flooded the streets.", "The recipe calls for two eggs.", 0.2),
    ("A boy kicks a ball.", "Quantum computers use qubits.", 0.0),
]


def write_pairs(path: Path, rows: list[tuple[str, str, float]] = PAIRS) -> Path:
    lines = ["sentence1\tsentence2\tscore", *(f"{a}\t{b}\t{score}" for a, b, score in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Pairs:
    return load_pairs(write_pairs(tmp_path_factory.mktemp("sts") / "pairs.tsv"))


@pytest.fixture(scope="module")
def report(pairs: Pairs, minilm_encoders) -> SimilarityReport:
    return run_similarity(pairs, minilm_encoders, resamples=2_000, anisotropy_pairs=2_000)


def test_correlations_are_scipys_on_the_cosines_of_the_encoders_vectors(
    report: SimilarityReport, pairs: Pairs, minilm_encoders
) -> None:
    for encoder in minilm_encoders:
        first, second = encoder.encode(list(pairs.first)), encoder.encode(list(pairs.second))
        cosines = np.einsum("ij,ij->i", first.astype(np.float64), second.astype(np.float64))
        assert report.cosines[encoder.spec] == pytest.approx(cosines, abs=1e-5)
        gold = list(pairs.scores)
        assert report.correlations[encoder.spec]["spearman"] == pytest.approx(100 * spearmanr(cosines, gold).statistic, abs=1e-6)
        assert report.correlations[encoder.spec]["pearson"] == pytest.approx(100 * pearsonr(cosines, gold).statistic, abs=1e-4)
    # all-MiniLM-L6-v2's own pipeline is mean pooling, so mean: and sbert: agree
    assert report.correlations["mean:minilm"]["spearman"] == pytest.approx(report.correlations["sbert:minilm"]["spearman"])
    assert report.correlations["mean:minilm"]["spearman"] > 80


def test_table_rows_carry_labels_values_marks_and_anisotropy(report: SimilarityReport) -> None:
    rows = report.table_rows()
    assert [(row.label, row.name) for row in rows] == [("a", "cls:minilm"), ("b", "mean:minilm"), ("c", "sbert:minilm")]
    assert len(report.comparisons["spearman"]) == 3 and len(report.comparisons["pearson"]) == 3
    for row in rows:
        assert row.values == report.correlations[row.name] and row.anisotropy == report.anisotropy[row.name]
        for correlation, beaten in row.beats.items():
            for label in beaten:
                other = next(r for r in rows if r.label == label)
                assert row.values[correlation] > other.values[correlation]
    same = report.comparisons["spearman"][("mean:minilm", "sbert:minilm")]
    assert same.value_a == pytest.approx(same.value_b) and same.p_value > 0.5 and not same.significant
    # the [CLS] vector of this model finds random sentences far more alike than mean pooling does
    assert report.anisotropy["cls:minilm"].mean > 0.3 > report.anisotropy["mean:minilm"].mean


def test_max_p_decides_the_marks(pairs: Pairs, minilm_encoders) -> None:
    everything = run_similarity(pairs, minilm_encoders[:2], max_p=1.0, resamples=200, anisotropy_pairs=100)
    nothing = run_similarity(pairs, minilm_encoders[:2], max_p=0.0, resamples=200, anisotropy_pairs=100)
    cls_row, mean_row = everything.table_rows()
    assert mean_row.beats == {"spearman": ["a"], "pearson": ["a"]} and cls_row.beats == {"spearman": [], "pearson": []}
    assert all(not beaten for row in nothing.table_rows() for beaten in row.beats.values())


def test_a_correction_adjusts_each_correlations_p_values(pairs: Pairs, minilm_encoders) -> None:
    plain = run_similarity(pairs, minilm_encoders, resamples=200, anisotropy_pairs=100)
    corrected = run_similarity(pairs, minilm_encoders, resamples=200, anisotropy_pairs=100, max_p=0.05, correction="bh")
    for correlation, tests in corrected.comparisons.items():
        raw = [test.p_value for test in tests.values()]
        assert raw == [test.p_value for test in plain.comparisons[correlation].values()]
        assert [test.adjusted_p_value for test in tests.values()] == benjamini_hochberg(raw)
        assert [test.significant for test in tests.values()] == [q <= 0.05 for q in benjamini_hochberg(raw)]
    assert [test.adjusted_p_value for test in plain.comparisons["spearman"].values()] == [
        test.p_value for test in plain.comparisons["spearman"].values()
    ]
    significance = corrected.settings["significance"]
    assert significance["correction"] == "bh" and plain.settings["significance"]["correction"] == "none"
    assert significance["multiple_comparisons"] == (
        "Benjamini-Hochberg-adjusted p-values (false discovery rate) over the 3 pairwise tests on each correlation"
    )


def test_bootstrap_is_paired_seeded_and_exact_on_a_perfect_encoder() -> None:
    rng = np.random.default_rng(0)
    gold = rng.uniform(0, 5, size=60)
    noisy = gold + rng.normal(0, 1.5, size=60)
    cosines = {"perfect": gold / 5, "noisy": noisy, "same": noisy.copy()}
    drawn = bootstrap_correlations(gold, cosines, resamples=300, random_seed=7)
    assert drawn["perfect"]["spearman"] == pytest.approx(np.full(300, 100.0))
    assert drawn["perfect"]["pearson"] == pytest.approx(np.full(300, 100.0))
    assert np.array_equal(drawn["noisy"]["spearman"], drawn["same"]["spearman"])  # the same resampled pairs
    assert 0 < np.mean(drawn["noisy"]["spearman"]) < 100 and np.std(drawn["noisy"]["spearman"]) > 0
    again = bootstrap_correlations(gold, cosines, resamples=300, random_seed=7)
    other = bootstrap_correlations(gold, cosines, resamples=300, random_seed=8)
    assert np.array_equal(again["noisy"]["spearman"], drawn["noisy"]["spearman"])
    assert not np.array_equal(other["noisy"]["spearman"], drawn["noisy"]["spearman"])


def test_a_resample_without_spread_has_no_correlation() -> None:
    gold = np.array([1.0, 1.0, 1.0, 2.0])  # a resample drawing only the first three has constant gold
    drawn = bootstrap_correlations(gold, {"x": np.array([0.1, 0.2, 0.3, 0.4])}, resamples=2_000, random_seed=1)
    assert np.isnan(drawn["x"]["spearman"]).any() and not np.isnan(drawn["x"]["spearman"]).all()


def test_random_pairs_and_anisotropy() -> None:
    first, second = random_pairs(5, 1_000, seed=3)
    assert len(first) == 1_000 and not np.any(first == second)
    assert set(first) == set(range(5)) and set(second) == set(range(5))
    assert np.array_equal(random_pairs(5, 1_000, seed=3)[1], second)
    with pytest.raises(ValueError, match="at least 2 texts"):
        random_pairs(1, 10)
    assert measure_anisotropy(np.eye(8, dtype=np.float32)) == Anisotropy(0.0, 0.0, 0.0, 10_000)
    alike = Anisotropy.of(np.linspace(0.8, 0.92, 101))
    assert (alike.low, alike.high) == pytest.approx((0.806, 0.914))
    assert alike.reading("cls:x", "documents") == (
        "cls:x: 90% of random pairs of documents score between 0.81 and 0.91 (mean 0.860): "
        "unrelated documents already score about 0.86, so a cosine below 0.91 says little."
    )
    spread = Anisotropy.of(np.linspace(-0.2, 0.3, 101)).reading("mean:x")
    assert spread.endswith("unrelated texts score on both sides of 0, so a high cosine stands out.")


def test_gold_scores_that_never_differ_and_repeated_encoders_are_errors(tmp_path: Path, minilm_encoders) -> None:
    flat = load_pairs(write_pairs(tmp_path / "flat.tsv", [(a, b, 3.0) for a, b, _ in PAIRS[:4]]))
    with pytest.raises(SearchkitError, match="all have the gold score 3; a correlation needs scores that differ"):
        run_similarity(flat, minilm_encoders)
    pairs = load_pairs(write_pairs(tmp_path / "pairs.tsv", PAIRS[:4]))
    with pytest.raises(SearchkitError, match="encoder specs must be unique"):
        run_similarity(pairs, [minilm_encoders[0], minilm_encoders[0]])
    with pytest.raises(SearchkitError, match="name at least one encoder"):
        run_similarity(pairs, [])


def test_reports_state_the_test_versions_fingerprints_and_per_pair_cosines(report: SimilarityReport, tmp_path: Path) -> None:
    data = json.loads(json.dumps(report_to_dict(report)))
    assert data["format"] == "searchkit.sts/1" and data["versions"]["scipy"] and data["versions"]["numpy"]
    assert data["encoders"]["cls:minilm"]["fingerprint"] and data["encoders"]["cls:minilm"]["dimension"] == 384
    assert data["settings"]["pairs"]["pairs"] == len(PAIRS) and data["settings"]["significance"]["resamples"] == 2_000
    assert [row["label"] for row in data["table"]] == ["a", "b", "c"]
    assert len(data["comparisons"]) == 6 and {"p_value", "low", "high", "correlation"} <= set(data["comparisons"][0])
    assert len(data["per_pair"]["cosine"]["mean:minilm"]) == len(PAIRS) and data["per_pair"]["gold"][0] == 5.0
    assert data["anisotropy"]["cls:minilm"]["pairs"] == 2_000

    text = markdown_table(report)
    mean = report.correlations["mean:minilm"]
    assert "| | encoder | Spearman x100 | Pearson x100 | random pairs | 5th–95th pct. |" in text.replace("|  |", "| |")
    assert f"| b | `mean:minilm` | {mean['spearman']:.2f}" in text
    assert "paired bootstrap over pairs" in text and "2,000 resamples, seed 42, p <= 0.01" in text
    assert "cls:minilm: 90% of random pairs of sentences score between" in text

    written = write_similarity_report(report, tmp_path / "out")
    assert [path.name for path in written] == ["report.json", "report.md"]
    assert json.loads(written[0].read_text())["correlations"] == report.correlations  # floats survive JSON exactly
    assert written[1].read_text() == text


def test_terminal_table_shows_names_literally(tmp_path: Path, minilm_encoders) -> None:
    from rich.console import Console

    pairs = load_pairs(write_pairs(tmp_path / "[bold]x\x1b[31m.tsv", PAIRS))
    report = run_similarity(pairs, minilm_encoders[:1], resamples=100, anisotropy_pairs=100)
    console = Console(width=200, record=True, color_system=None)
    console.print(console_table(report))
    shown = console.export_text()
    assert "[bold]x\\x1b[31m (all pairs, 14 pairs, 27 distinct sentences)" in shown and "\x1b" not in shown
