"""The model doctor on the packaged MiniLM: the declared pooling, every pooling side by side, and the flag."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from searchkit.encoders.model_folders import resolve_model
from searchkit.experiments.doctor import (
    declared_pooling,
    diagnose,
    doctor_to_dict,
    verdict_lines,
)
from searchkit.experiments.table import markdown_table

# STS-B test pairs (sentence1, sentence2, gold score) on which MiniLM's [CLS] vector ranks far worse than its mean
PAIRS = [
    ("It's not a good idea.", "It's a good idea to do both.", 1.0),
    ("Yes, there is a chemical difference.", "Yes, there is a reason for it.", 0.0),
    ('My answer to your question is "Probably Not".', "This is a part answer to your question", 1.0),
    ("You have to decide what you want to get out of this.", "You're probably going to have to read various blogs to get all the information you want.", 0.0),
    ("The key is you have to find something that works for you, and your goals.", "You may want it, but the process given to you is what you have to work within.", 1.0),
    ("There are two possible causes for this:", "There are two options for you - ", 1.0),
    ("Yes, there is a reason to not do what you propose.", "Yes, there is a chemical difference.", 0.0),
    ("I think it's just a habit.", "I think it's a bad idea.", 1.0),
    ("Unfortunately the answer to your question is we simply do not know.", 'My answer to your question is "Probably Not".', 1.0),
    ("I'd say it primarily depends on two things:", "I'd say it depends what conditions you have.", 2.0),
    ("I would say you can do it, but it wouldn't be advised.", "Personally, I would say not unless it suits you.", 2.0),
    ("No it does not affect your ratings.", "No it is not.", 0.0),
    ("You should do it.", "You can do it, too.", 1.0),
    ("Some of what you can do:", "Not much you can do besides:", 1.0),
    ("Two dogs are running through the grass near a house and trees.", "Two dogs are running through a green yard", 4.2),
    ("There is no test that can tell you if it is sealed or not.", "There is no code telling you that you cannot do this.", 0.0),
    ("Two Indian women with two Indian girls near the water.", "Two Indian woman stand with two Indian girls on a beach.", 4.0),
    ("I'd say it primarily depends on two things:", "I'd say it depends on the ultimate outcome you want?", 2.0),
    ("Two women sitting in chairs in a shop.", "Two women are sitting in a cafe.", 3.0),
    ("A man is eating a food.", "A man is eating a piece of bread.", 3.4),
    ("A woman is cutting onions.", "A woman is cutting tofu.", 1.8),
    ("Goa building collapse death toll touches 15", "Indian building collapse deaths rise to 14", 3.0),
    ("A line of scooters are parking in the middle of a street.", "A line of motor bikes are parked in the middle of a street.", 4.4),
    ("Klarman was arrested by FBI agents in the Hamptons, an exclusive summer resort enclave east of New York City.", "Klarman was arrested by FBI agents Monday morning at his home in New York.", 4.0),
]


def write_pairs(path: Path) -> Path:
    lines = ["sentence1\tsentence2\tscore", *(f"{a}\t{b}\t{score}" for a, b, score in PAIRS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def pairs_file(tmp_path: Path) -> Path:
    return write_pairs(tmp_path / "pairs.tsv")


def declaring(folder: Path, **flags: bool) -> Path:
    """A copy of the packaged MiniLM in `folder` whose 1_Pooling/config.json sets the pooling flags given (others off)."""
    shutil.copytree(resolve_model("minilm").path, folder)
    config_path = folder / "1_Pooling" / "config.json"
    config = json.loads(config_path.read_text())
    config.update({key: flags.get(key, False) for key in config if key.startswith("pooling_mode_")})
    config_path.write_text(json.dumps(config), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def cls_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return declaring(tmp_path_factory.mktemp("model") / "minilm-cls", pooling_mode_cls_token=True)


def test_the_declared_pooling_is_read_from_the_folder(cls_model: Path, tmp_path: Path) -> None:
    assert declared_pooling(resolve_model("minilm").path) == "mean"
    assert declared_pooling(cls_model) == "cls"
    both = declaring(tmp_path / "both", pooling_mode_cls_token=True, pooling_mode_max_tokens=True)
    assert declared_pooling(both) == "cls+max"
    plain = tmp_path / "plain"  # a plain checkpoint: no modules.json
    plain.mkdir()
    assert declared_pooling(plain) is None


def test_minilm_declares_mean_and_mean_holds_up(pairs_file: Path) -> None:
    report = diagnose("minilm", pairs_file)
    assert (report.declared, report.task, report.measure) == ("mean", "similarity", "Spearman x100")
    assert report.flag is None
    assert report.winner in {"mean", "sbert"}
    mean, cls = report.pooling("mean"), report.pooling("cls")
    assert mean.score == pytest.approx(report.pooling("sbert").score)  # MiniLM's own pipeline is mean pooling
    assert mean.score > cls.score + 20 and "cls" in mean.beats and "mean" not in cls.beats
    assert cls.anisotropy.mean > 0.3 > mean.anisotropy.mean  # [CLS] vectors crowd together
    assert "ok: no pooling beats the declared mean pooling significantly" in verdict_lines(report)
    assert [p["kind"] for p in doctor_to_dict(report)["poolings"]] == ["cls", "mean", "max", "firstlast", "sbert"]


def test_a_model_declaring_cls_is_flagged_where_mean_wins(cls_model: Path, pairs_file: Path) -> None:
    report = diagnose(str(cls_model), pairs_file)
    assert report.declared == "cls" and report.winner == "mean"
    cls, mean = report.pooling("cls"), report.pooling("mean")
    assert report.pooling("sbert").score == pytest.approx(cls.score)  # its pipeline now pools [CLS]
    assert "cls" in mean.beats and "sbert" in mean.beats
    test = report.experiment.comparisons["spearman"][(cls.spec, mean.spec)]
    assert test.significant and test.p_value <= 0.01
    assert report.flag == (
        f"declares cls pooling, but mean scores {mean.score:.1f} vs {cls.score:.1f} (p={test.p_value:.4f}): "
        "its [CLS] vector was not trained for this"
    )
    assert doctor_to_dict(report)["flag"] == report.flag
    assert f"FLAG: {cls_model} {report.flag}" in verdict_lines(report)


def test_without_data_only_the_declared_pooling_and_anisotropy() -> None:
    report = diagnose("minilm")
    assert (report.declared, report.task, report.winner, report.flag, report.experiment) == ("mean", None, None, None, None)
    assert all(p.score is None and p.anisotropy.pairs == 10_000 for p in report.poolings)
    assert report.pooling("cls").anisotropy.mean > 0.3 > report.pooling("mean").anisotropy.mean
    lines = verdict_lines(report)
    assert lines[0].endswith("declares mean pooling") and lines[1].startswith("Anisotropy on 12 built-in sentences")
    assert len(lines) == 2 + len(report.poolings)


def test_on_a_corpus_every_pooling_is_indexed_and_scored_with_document_anisotropy(tiny_corpus: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    report = diagnose("minilm", tiny_corpus, home=home)
    assert (report.task, report.measure, report.flag) == ("retrieval", "nDCG@10 x100", None)  # 3 queries: nothing significant
    assert (home / "tiny").is_dir()  # the index was built where asked, and is kept
    experiment = report.experiment
    for pooling in report.poolings:
        assert pooling.score == pytest.approx(100 * experiment.evaluations[pooling.spec].mean["ndcg@10"])
        described = experiment.retrievers[pooling.spec]["anisotropy"]
        assert described["documents"] == 7 and described["mean"] == pooling.anisotropy.mean  # 7 non-empty documents
        assert described["reading"].startswith(f"{pooling.spec}: 90% of random pairs of documents score between")
    assert report.pooling(report.winner).score == max(p.score for p in report.poolings)
    assert experiment.retrievers["cls:minilm"]["anisotropy"]["low"] > 0  # unrelated documents all score above 0
    markdown = markdown_table(experiment)
    assert f"- {experiment.retrievers['mean:minilm']['anisotropy']['reading']}" in markdown
    assert "anisotropy=" not in markdown  # a note of its own, not among the settings
