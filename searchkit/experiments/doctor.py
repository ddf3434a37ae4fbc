"""The model doctor: which pooling a model declares, and whether another pooling of it does better.

    report = diagnose("minilm", "stsb.tsv")  # or a BEIR folder, or no data
    report.declared, report.winner, report.flag

A sentence-transformers folder declares its pooling in `1_Pooling/config.json` (named by
`modules.json`); a plain checkpoint declares none. Every pooling of `POOLINGS` runs side by side on
the data: a pairs file through `run_similarity` (Spearman x100), a BEIR folder through
`run_experiment` over an index built for the purpose (nDCG@10 x100), each with its anisotropy. The
model is flagged when a pooling beats the declared one significantly. Without data, only the
anisotropy on a few built-in sentences is measured.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from searchkit.corpus import Corpus, load_corpus
from searchkit.corpus.pairs import load_pairs
from searchkit.encoders import POOLINGS, Encoder, encode_all, load_encoders
from searchkit.encoders.model_folders import _read_json, resolve_model
from searchkit.errors import SearchkitError
from searchkit.experiments.anisotropy import Anisotropy, measure_anisotropy
from searchkit.experiments.retrieval import ExperimentReport, run_experiment
from searchkit.experiments.similarity import SimilarityReport, run_similarity
from searchkit.index import Index
from searchkit.indexing import ProgressCallback, index_corpus
from searchkit.retrieval import DenseRetriever

RETRIEVAL_METRIC = "ndcg@10"
# sentence-transformers' Pooling flags -> the pooling kind of POOLINGS they name (others keep their own name)
POOLING_MODES = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}
REASONS = {"cls": "its [CLS] vector was not trained for this"}
SENTENCES = (
    "A man is playing a guitar on stage.",
    "The stock market fell sharply this morning.",
    "Preheat the oven before baking the bread.",
    "Two dogs are running through a snowy field.",
    "The committee will vote on the new budget next week.",
    "Photosynthesis turns light into chemical energy.",
    "She forgot her umbrella and got soaked in the rain.",
    "The printer shows error E-4471 after a paper jam.",
    "Children are building a sandcastle on the beach.",
    "The treaty was signed after months of negotiation.",
    "How do I reset my password?",
    "Tomato plants need full sun and deep watering.",
)


@dataclass(frozen=True)
class PoolingResult:
    """One pooling of the model: its score on the data (None without data) and its anisotropy."""

    kind: str
    spec: str
    score: float | None  # Spearman x100 on pairs, nDCG@10 x100 on a corpus
    beats: list[str]  # kinds this pooling is significantly better than
    anisotropy: Anisotropy | None  # None: a corpus of fewer than 2 documents


@dataclass
class DoctorReport:
    model: str
    path: Path
    declared: str | None  # the pooling kind the model declares ("mean", "cls+max", ...); None: it declares none
    task: Literal["similarity", "retrieval"] | None  # None: no data given
    measure: str | None  # what `score` is: "Spearman x100" or "nDCG@10 x100"
    poolings: list[PoolingResult]  # in POOLINGS order
    winner: str | None  # the kind with the best score
    flag: str | None  # why the declared pooling is suspect; None when it holds up
    experiment: SimilarityReport | ExperimentReport | None

    def pooling(self, kind: str) -> PoolingResult:
        return next(p for p in self.poolings if p.kind == kind)


def declared_pooling(path: Path) -> str | None:
    """The pooling a sentence-transformers folder declares (kinds joined by "+"); None when it has no Pooling module."""
    modules = _read_json(str(path), path / "modules.json", required=False)
    folder = next(
        (
            str(m.get("path", ""))
            for m in modules or []
            if isinstance(modules, list) and isinstance(m, dict) and str(m.get("type", "")).endswith(".Pooling")
        ),
        None,
    )
    if folder is None:
        return None
    config = _read_json(str(path), path / folder / "config.json", required=True)
    if not isinstance(config, dict):
        raise SearchkitError(f"model {str(path)!r}: {path / folder / 'config.json'} is not a JSON object; the model folder is damaged")
    kinds = [kind for flag, kind in POOLING_MODES.items() if config.get(flag) is True]
    if not kinds and isinstance(config.get("pooling_mode"), str):  # newer files may name the mode itself
        kinds = [str(config["pooling_mode"])]
    return "+".join(kinds) or None


def diagnose(
    model: str,
    data: str | Path | None = None,
    *,
    split: str | None = None,
    home: Path | None = None,
    allow_pickle: bool = False,
    max_p: float = 0.01,
    random_seed: int = 42,
    batch_size: int = 32,
    progress: ProgressCallback | None = None,
) -> DoctorReport:
    """Run every pooling of `model` on `data` (a pairs file, a BEIR folder, or None) and judge the declared pooling.

    A BEIR folder is indexed into `home` (an index named after the corpus, reused when it is there)
    or, without `home`, into a temporary folder removed afterwards. `split` picks the pairs' split
    or the corpus's judgments (default: test).
    """
    source = resolve_model(model, allow_pickle=allow_pickle)
    declared = declared_pooling(source.path)
    encoders = load_encoders([f"{kind}:{model}" for kind in POOLINGS], allow_pickle=allow_pickle)
    specs = {kind: encoder.spec for kind, encoder in zip(POOLINGS, encoders)}
    experiment: SimilarityReport | ExperimentReport | None = None
    task, measure, metric, scores = None, None, "", {}
    if data is None:
        vectors = encode_all(encoders, list(SENTENCES), "document", batch_size)
        anisotropy = {spec: measure_anisotropy(vectors[spec], seed=random_seed) for spec in specs.values()}
    elif Path(data).is_dir():
        experiment = _retrieval(load_corpus(data, split or "test"), encoders, home, max_p, random_seed, batch_size, progress)
        task, measure, metric = "retrieval", "nDCG@10 x100", RETRIEVAL_METRIC
        scores = {spec: 100 * experiment.evaluations[spec].mean[metric] for spec in specs.values()}
        described = {spec: experiment.retrievers[spec].get("anisotropy") for spec in specs.values()}
        anisotropy = {spec: Anisotropy(**_summary(value)) if value else None for spec, value in described.items()}
    else:
        pairs = load_pairs(data, split)
        experiment = run_similarity(pairs, encoders, max_p=max_p, random_seed=random_seed, batch_size=batch_size)
        task, measure, metric = "similarity", "Spearman x100", "spearman"
        scores = {spec: experiment.correlations[spec]["spearman"] for spec in specs.values()}
        anisotropy = dict(experiment.anisotropy)

    poolings = [
        PoolingResult(
            kind=kind,
            spec=spec,
            score=scores.get(spec),
            beats=[other for other, rival in specs.items() if experiment and experiment.better(metric, spec, rival)],  # type: ignore[arg-type]
            anisotropy=anisotropy[spec],
        )
        for kind, spec in specs.items()
    ]
    winner = max(poolings, key=lambda p: scores[p.spec]).kind if experiment else None  # ties: the first, a kind before sbert
    flag = None
    # the declared pooling's own row, or the model's own pipeline (sbert) for a kind POOLINGS lacks
    held = declared if declared in POOLINGS else "sbert"
    if experiment and declared is not None and held in next(p for p in poolings if p.kind == winner).beats:
        tests = experiment.comparisons[metric]  # type: ignore[index]
        test = tests.get((specs[winner], specs[held])) or tests[(specs[held], specs[winner])]
        reason = REASONS.get(held, "the pooling it declares does not suit this data")
        flag = (
            f"declares {declared} pooling, but {winner} scores {scores[specs[winner]]:.1f} vs "
            f"{scores[specs[held]]:.1f} (p={test.p_value:.4f}): {reason}"
        )
    return DoctorReport(model, source.path, declared, task, measure, poolings, winner, flag, experiment)


def _summary(described: dict[str, Any]) -> dict[str, Any]:
    """The Anisotropy fields of a retriever's described anisotropy."""
    return {key: described[key] for key in ("mean", "low", "high", "pairs")}


def _retrieval(
    corpus: Corpus,
    encoders: list[Encoder],
    home: Path | None,
    max_p: float,
    random_seed: int,
    batch_size: int,
    progress: ProgressCallback | None,
) -> ExperimentReport:
    """`run_experiment` of a dense retriever per encoder, over an index of `corpus` in `home` or a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="searchkit-doctor-") as scratch:
        with Index.open(corpus.name, home=home or Path(scratch), create=True) as index:
            index_corpus(corpus, encoders, index, batch_size=batch_size, progress=progress)
            retrievers = [DenseRetriever(index, encoder, batch_size=batch_size) for encoder in encoders]
            return run_experiment(corpus, retrievers, metrics=[RETRIEVAL_METRIC], max_p=max_p, random_seed=random_seed)


def verdict_lines(report: DoctorReport) -> list[str]:
    """What the model declares, which pooling wins (or, without data, each pooling's anisotropy) and the flag."""
    if report.declared is None:
        lines = [f"{report.model} ({report.path}) declares no pooling (no Pooling module in a modules.json)"]
    else:
        lines = [f"{report.model} ({report.path}) declares {report.declared} pooling"]
    if report.experiment is None:
        lines.append(f"Anisotropy on {len(SENTENCES)} built-in sentences; give DATA to compare the poolings' scores:")
        lines += [p.anisotropy.reading(p.spec, "sentences") for p in report.poolings if p.anisotropy]
        return lines
    best = report.pooling(report.winner or "")
    beaten = f", significantly better than {', '.join(best.beats)}" if best.beats else ", not significantly better than any other"
    lines.append(f"best: {best.kind} ({report.measure} {best.score:.1f}){beaten}")
    if report.flag:
        lines.append(f"FLAG: {report.model} {report.flag}")
    elif report.declared is not None:
        lines.append(f"ok: no pooling beats the declared {report.declared} pooling significantly")
    return lines


def doctor_to_dict(report: DoctorReport) -> dict[str, Any]:
    """The verdict as JSON: the declared pooling, each pooling's score, marks and anisotropy, the winner and the flag."""
    return {
        "model": report.model,
        "path": str(report.path),
        "declared": report.declared,
        "task": report.task,
        "measure": report.measure,
        "poolings": [asdict(p) for p in report.poolings],
        "winner": report.winner,
        "flag": report.flag,
    }
