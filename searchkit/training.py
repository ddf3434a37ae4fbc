"""Fine-tuning a backbone with a chosen pooling ([CLS] or mean) on query-document or scored sentence pairs.

The model trained is the backbone's Transformer + Pooling(cls|mean) + Normalize, so the saved folder
declares the pooling it was trained with and loads at once as `cls:OUT`, `mean:OUT` or `sbert:OUT`.
Pairs from a BEIR folder's `qrels/train.tsv` train with in-batch negatives (sentence-transformers'
MultipleNegativesRankingLoss); scored pairs (STS) with CosineSimilarityLoss on score / 5.

Training is sentence-transformers' trainer (AdamW, linear warm-up and decay, gradient norm clipped
at 1, bf16 autocast where the hardware has bf16 units), with the backbone's dropout off unless asked
for (README, "Fine-tuning": on SciFact it lifted tuned [CLS] to the reference). The saved config keeps
the backbone's dropout. It writes a checkpoint to OUT/checkpoints every `save_steps` steps; a run
with the same settings resumes from the newest one.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from searchkit.corpus import load_corpus
from searchkit.corpus.beir import is_beir_folder
from searchkit.corpus.pairs import load_pairs
from searchkit.encoders.model_folders import resolve_model
from searchkit.encoders.precision import bf16_native
from searchkit.errors import SearchkitError

TUNE_POOLINGS = ("cls", "mean")
TRAIN_SPLIT = "train"
STS_SCALE = 5.0  # STS gold scores run from 0 to 5; the loss wants a cosine in 0..1
CHECKPOINTS = "checkpoints"
SETTINGS_FILE = "searchkit_settings.json"  # in CHECKPOINTS: what the run resuming from them must match
RECORD_FILE = "searchkit_tune.json"  # in OUT: how the model was tuned

PairKind = Literal["retrieval", "sts"]


@dataclass(frozen=True)
class TrainingPairs:
    kind: PairKind
    first: list[str]  # queries, or first sentences
    second: list[str]  # relevant documents' `title + " " + text`, or second sentences
    scores: list[float]  # STS only: gold score / 5

    def __len__(self) -> int:
        return len(self.first)


@dataclass(frozen=True)
class TuneSettings:
    model: str
    pooling: str
    train: str
    epochs: int
    batch_size: int
    lr: float
    warmup: float
    seed: int
    scale: float
    bf16: bool
    dropout: bool


@dataclass(frozen=True)
class TuneReport:
    out: Path
    settings: TuneSettings
    kind: PairKind
    pairs: int
    steps: int  # optimizer steps of the whole training
    resumed_from: int  # step the run started at (0: from the untuned backbone)
    finished: bool  # False when `stop_after` ended the run early; run again to resume
    seconds: float
    loss: (
        float  # mean training loss over the steps this run took (nan when it took none)
    )


def read_training_pairs(path: str | Path, split: str | None = None) -> TrainingPairs:
    """A BEIR folder's `qrels/<split or train>.tsv` pairs, or the scored pairs of an STS file."""
    path = Path(path)
    if path.is_dir():
        if not is_beir_folder(path):
            raise SearchkitError(
                f"{path}: not a BEIR folder (no corpus.jsonl[.gz]); give a BEIR folder or a file of scored pairs"
            )
        split = split or TRAIN_SPLIT
        if not (path / "qrels" / f"{split}.tsv").is_file():
            raise SearchkitError(
                f"{path}: no qrels/{split}.tsv; training needs judgments of the {split} split"
            )
        corpus = load_corpus(path, split)
        pairs = [
            (corpus.queries[query], corpus.documents[doc].content)
            for query, judged in corpus.qrels.items()
            for doc, grade in judged.items()
            if grade > 0 and doc in corpus.documents
        ]
        if not pairs:
            raise SearchkitError(
                f"{path}: qrels/{split}.tsv holds no relevant (score > 0) non-empty document"
            )
        return TrainingPairs(
            "retrieval", [q for q, _ in pairs], [d for _, d in pairs], []
        )
    found = load_pairs(path, split)
    if (
        split is None and found.split is not None
    ):  # a file with a split column: train on its train split
        found = load_pairs(path, TRAIN_SPLIT)
    outside = next(
        (
            line
            for line, score in zip(found.lines, found.scores)
            if not 0 <= score <= STS_SCALE
        ),
        None,
    )
    if outside is not None:
        raise SearchkitError(
            f"{path}:{outside}: score outside 0..5; STS training divides the gold score by 5"
        )
    if not len(found):
        raise SearchkitError(f"{path}: no pairs in the {found.split} split to train on")
    return TrainingPairs(
        "sts",
        list(found.first),
        list(found.second),
        [s / STS_SCALE for s in found.scores],
    )


def tune(
    model: str,
    pooling: str,
    train: str | Path,
    out: str | Path,
    *,
    epochs: int = 1,
    batch_size: int = 16,
    lr: float = 2e-5,
    warmup: float = 0.1,
    seed: int = 42,
    scale: float = 20.0,
    bf16: bool = True,
    dropout: bool = False,
    split: str | None = None,
    save_steps: int = 20,
    stop_after: int | None = None,
    allow_pickle: bool = False,
    progress: bool = True,
) -> TuneReport:
    """Fine-tune MODEL with POOLING on the pairs of TRAIN and save it to OUT (resuming OUT/checkpoints).

    `stop_after` ends this run after that many steps, with a checkpoint to resume from. `dropout` trains
    with the backbone's own dropout; by default it is off.
    """
    started = time.perf_counter()
    if pooling not in TUNE_POOLINGS:
        raise SearchkitError(f"unknown pooling {pooling!r}; tune trains one of: {', '.join(TUNE_POOLINGS)}")
    if epochs < 1 or batch_size < 1 or save_steps < 1 or not 0 <= warmup < 1 or not lr > 0:
        raise SearchkitError("epochs, batch size and save steps must be at least 1, lr above 0 and warm-up in [0, 1)")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SearchkitError(f"--out {out} is a file; give a folder for the tuned model")
    pairs = read_training_pairs(train, split)
    if pairs.kind == "retrieval" and batch_size < 2:
        raise SearchkitError("in-batch negatives need a batch size of at least 2")
    settings = TuneSettings(
        model, pooling, str(Path(train).resolve()), epochs, batch_size, lr, warmup, seed, scale, bf16 and bf16_native(), dropout
    )
    checkpoints = out / CHECKPOINTS
    resume = _last_checkpoint(checkpoints, settings, len(pairs))  # before the model loads: a mismatch fails at once
    resumed_from = _checkpoint_step(resume) if resume else 0
    total = math.ceil(len(pairs) / batch_size) * epochs

    with _quiet_trainer():
        trainer = _trainer(_build_model(model, pooling, allow_pickle, dropout), pairs, settings, checkpoints, save_steps, progress)
        if stop_after is not None:
            trainer.add_callback(_stop_after(resumed_from + stop_after))
        checkpoints.mkdir(parents=True, exist_ok=True)
        (checkpoints / SETTINGS_FILE).write_text(json.dumps(_resume_key(settings, len(pairs))) + "\n", encoding="utf-8")
        result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
        step = int(result.global_step)
        finished = step >= total
        if finished:
            out.mkdir(parents=True, exist_ok=True)
            trainer.model.save(str(out), safe_serialization=True)
            record = {**asdict(settings), "kind": pairs.kind, "pairs": len(pairs), "steps": total}
            (out / RECORD_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            shutil.rmtree(checkpoints, ignore_errors=True)  # the model is saved; nothing left to resume
    loss = float(result.training_loss) if step > resumed_from else math.nan
    return TuneReport(out, settings, pairs.kind, len(pairs), total, resumed_from, finished, time.perf_counter() - started, loss)


def _trainer(st_model, pairs: TrainingPairs, settings: TuneSettings, checkpoints: Path, save_steps: int, progress: bool):
    """sentence-transformers' trainer: linear warm-up and decay, AdamW, gradient norm clipped at 1."""
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import (
        CosineSimilarityLoss,
        MultipleNegativesRankingLoss,
    )

    if pairs.kind == "retrieval":
        dataset = Dataset.from_dict({"anchor": pairs.first, "positive": pairs.second})
        loss = MultipleNegativesRankingLoss(st_model, scale=settings.scale)
    else:
        dataset = Dataset.from_dict({"sentence1": pairs.first, "sentence2": pairs.second, "score": pairs.scores})
        loss = CosineSimilarityLoss(st_model)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(checkpoints), num_train_epochs=settings.epochs, per_device_train_batch_size=settings.batch_size,
        learning_rate=settings.lr, warmup_steps=settings.warmup, seed=settings.seed, bf16=settings.bf16,
        save_strategy="steps", save_steps=save_steps, save_total_limit=1, report_to="none",
        logging_strategy="no", disable_tqdm=not progress, dataloader_pin_memory=False,
    )  # fmt: skip
    return SentenceTransformerTrainer(model=st_model, args=args, train_dataset=dataset, loss=loss)


def _stop_after(step: int):
    """A trainer callback that ends training once `step` steps are done, saving a checkpoint there."""
    from transformers import TrainerCallback

    class StopAfter(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step >= step:
                control.should_training_stop = control.should_save = True
            return control

    return StopAfter()


def _resume_key(settings: TuneSettings, pairs: int) -> dict:
    return {"settings": asdict(settings), "pairs": pairs}


def _last_checkpoint(folder: Path, settings: TuneSettings, pairs: int) -> Path | None:
    """The newest checkpoint in `folder` of a run with the same settings and pairs; None when there is none."""
    from transformers.trainer_utils import get_last_checkpoint

    if not folder.is_dir():
        return None
    last = get_last_checkpoint(str(folder))
    if last is None:
        return None
    try:
        saved = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = None
    if saved != _resume_key(settings, pairs):
        raise SearchkitError(
            f"{folder}: these checkpoints were written by a run with other settings or pairs; "
            f"run with the same options to resume, or delete {folder} to start over"
        )
    return Path(last)


def _checkpoint_step(checkpoint: Path) -> int:
    return int(checkpoint.name.rpartition("-")[2])


@contextmanager
def _quiet_trainer() -> Iterator[None]:
    """transformers' info and warning lines (deprecations, model card) and its bars for each checkpoint
    written would bury the training's own progress bar."""
    from transformers.utils import logging as hf_logging

    level, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def _build_model(name: str, pooling: str, allow_pickle: bool, dropout: bool):
    """Transformer of MODEL's folder + Pooling(`pooling`) + Normalize, its dropout zeroed unless `dropout`."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

    source = resolve_model(name, allow_pickle=allow_pickle)
    try:
        loaded = SentenceTransformer(
            str(source.path), local_files_only=True, trust_remote_code=False,
            model_kwargs={"use_safetensors": not allow_pickle}, device="cpu",
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        reason = (
            str(error).strip().splitlines()[0]
            if str(error).strip()
            else type(error).__name__
        )
        raise SearchkitError(
            f"model {name!r} ({source.path}) cannot be loaded: {reason}"
        ) from None
    transformer = loaded[0]
    if not dropout:
        for module in transformer.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
    dimension = int(transformer.get_embedding_dimension())
    return SentenceTransformer(
        modules=[transformer, Pooling(dimension, pooling), Normalize()], device="cpu"
    )
