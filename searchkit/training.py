"""Fine-tuning a backbone with a chosen pooling ([CLS] or mean) on query-document or scored sentence pairs.

The model trained is the backbone's Transformer + Pooling(cls|mean) + Normalize, so the saved folder
declares the pooling it was trained with and loads at once as `cls:OUT`, `mean:OUT` or `sbert:OUT`.
Pairs from a BEIR folder's `qrels/train.tsv` train with in-batch negatives (sentence-transformers'
MultipleNegativesRankingLoss); scored pairs (STS) with CosineSimilarityLoss on score / 5.

The loop is sentence-transformers' losses driven by a plain torch loop (AdamW, linear warm-up and
decay, gradient norm clipped at 1, as its trainer does): its trainer needs `datasets` and
`accelerate`, which searchkit does not install. A checkpoint in OUT/checkpoints is written every
`save_steps` steps and at the end of each epoch; a run finds it and resumes from there.
"""

from __future__ import annotations

import json
import math
import pickle
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from searchkit.corpus import load_corpus
from searchkit.corpus.beir import is_beir_folder
from searchkit.corpus.pairs import load_pairs
from searchkit.encoders.model_folders import resolve_model
from searchkit.errors import SearchkitError

TUNE_POOLINGS = ("cls", "mean")
TRAIN_SPLIT = "train"
STS_SCALE = 5.0  # STS gold scores run from 0 to 5; the loss wants a cosine in 0..1
CHECKPOINTS = "checkpoints"
STATE_FILE = "state.pt"
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
    split: str | None = None,
    save_steps: int = 20,
    stop_after: int | None = None,
    allow_pickle: bool = False,
    progress: bool = True,
) -> TuneReport:
    """Fine-tune MODEL with POOLING on the pairs of TRAIN and save it to OUT (resuming OUT/checkpoints).

    `stop_after` ends this run after that many steps, with a checkpoint to resume from.
    """
    import torch

    started = time.perf_counter()
    if pooling not in TUNE_POOLINGS:
        raise SearchkitError(
            f"unknown pooling {pooling!r}; tune trains one of: {', '.join(TUNE_POOLINGS)}"
        )
    if (
        epochs < 1
        or batch_size < 1
        or save_steps < 1
        or not 0 <= warmup < 1
        or not lr > 0
    ):
        raise SearchkitError(
            "epochs, batch size and save steps must be at least 1, lr above 0 and warm-up in [0, 1)"
        )
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SearchkitError(
            f"--out {out} is a file; give a folder for the tuned model"
        )
    pairs = read_training_pairs(train, split)
    if pairs.kind == "retrieval" and batch_size < 2:
        raise SearchkitError("in-batch negatives need a batch size of at least 2")
    settings = TuneSettings(model, pooling, str(Path(train).resolve()), epochs, batch_size, lr, warmup, seed, scale,
                            bf16 and _bf16_supported())
    checkpoints = out / CHECKPOINTS
    state = _read_checkpoint(
        checkpoints, settings, len(pairs)
    )  # before the model loads: a mismatch fails at once
    st_model = _build_model(model, pooling, allow_pickle)
    loss_fn = _loss(st_model, pairs.kind, scale)

    steps_per_epoch = math.ceil(len(pairs) / batch_size)
    total = steps_per_epoch * epochs
    optimizer = torch.optim.AdamW(st_model.parameters(), lr=lr, weight_decay=0.0)
    scheduler = _linear_schedule(optimizer, round(warmup * total), total)
    if state is None:
        step = 0
        _seed(seed)
    else:
        step = _resume(state, st_model, optimizer, scheduler)
    resumed_from = step

    last = total if stop_after is None else min(total, step + stop_after)
    losses: list[float] = []
    st_model.train()
    from tqdm.auto import tqdm

    with tqdm(
        total=total,
        initial=step,
        desc="tune",
        unit="step",
        disable=not progress,
        file=sys.stderr,
    ) as bar:
        while step < last:
            epoch, position = divmod(step, steps_per_epoch)
            order = torch.randperm(
                len(pairs), generator=torch.Generator().manual_seed(seed + epoch)
            ).tolist()
            batch = order[position * batch_size : (position + 1) * batch_size]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=settings.bf16):
                value = loss_fn(*_features(st_model, pairs, batch))
            value.backward()
            torch.nn.utils.clip_grad_norm_(st_model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            losses.append(float(value.detach()))
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
            if step < total and (
                step % save_steps == 0 or step % steps_per_epoch == 0 or step == last
            ):
                _checkpoint(
                    checkpoints,
                    settings,
                    len(pairs),
                    step,
                    st_model,
                    optimizer,
                    scheduler,
                )

    finished = step == total
    if finished:
        st_model.eval()
        out.mkdir(parents=True, exist_ok=True)
        st_model.save(str(out), safe_serialization=True)
        record = {
            **asdict(settings),
            "kind": pairs.kind,
            "pairs": len(pairs),
            "steps": total,
        }
        (out / RECORD_FILE).write_text(
            json.dumps(record, indent=2) + "\n", encoding="utf-8"
        )
        shutil.rmtree(
            checkpoints, ignore_errors=True
        )  # the model is saved; nothing left to resume
    return TuneReport(out, settings, pairs.kind, len(pairs), total, resumed_from, finished,
                      time.perf_counter() - started, sum(losses) / len(losses) if losses else math.nan)


def _bf16_supported() -> bool:
    import torch

    return bool(
        torch.backends.mkldnn.is_available()
        and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    )


def _build_model(name: str, pooling: str, allow_pickle: bool):
    """Transformer of MODEL's folder + Pooling(`pooling`) + Normalize."""
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
    dimension = int(transformer.get_embedding_dimension())
    return SentenceTransformer(
        modules=[transformer, Pooling(dimension, pooling), Normalize()], device="cpu"
    )


def _loss(st_model, kind: PairKind, scale: float):
    from sentence_transformers.sentence_transformer.losses import (
        CosineSimilarityLoss,
        MultipleNegativesRankingLoss,
    )

    return (
        MultipleNegativesRankingLoss(st_model, scale=scale)
        if kind == "retrieval"
        else CosineSimilarityLoss(st_model)
    )


def _features(st_model, pairs: TrainingPairs, batch: list[int]):
    import torch

    columns = [
        st_model.preprocess([texts[i] for i in batch])
        for texts in (pairs.first, pairs.second)
    ]
    labels = torch.tensor(
        [pairs.scores[i] for i in batch] if pairs.scores else [0.0] * len(batch)
    )
    return columns, labels


def _linear_schedule(optimizer, warmup_steps: int, total: int):
    import torch

    def factor(step: int) -> float:
        if step < warmup_steps:
            return step / max(1, warmup_steps)
        return max(0.0, (total - step) / max(1, total - warmup_steps))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _seed(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _checkpoint(
    folder: Path,
    settings: TuneSettings,
    pairs: int,
    step: int,
    st_model,
    optimizer,
    scheduler,
) -> None:
    """Write the state atomically (a temporary file renamed over the last checkpoint)."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (STATE_FILE + ".partial")
    torch.save(
        {
            "settings": asdict(settings), "pairs": pairs, "step": step,
            "model": st_model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state(),
        },
        partial,
    )
    partial.replace(folder / STATE_FILE)


def _read_checkpoint(folder: Path, settings: TuneSettings, pairs: int) -> dict | None:
    """The state saved in `folder` by a run of the same settings and pairs, or None when there is none."""
    import torch

    path = folder / STATE_FILE
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (
        RuntimeError,
        OSError,
        EOFError,
        ValueError,
        pickle.UnpicklingError,
    ) as error:  # a damaged or foreign file
        raise SearchkitError(
            f"{path}: cannot read this checkpoint ({type(error).__name__}); delete {folder} to start over"
        ) from None
    if state.get("settings") != asdict(settings) or state.get("pairs") != pairs:
        raise SearchkitError(
            f"{path}: this checkpoint was written by a run with other settings or pairs; "
            f"run with the same options to resume, or delete {folder} to start over"
        )
    return state


def _resume(state: dict, st_model, optimizer, scheduler) -> int:
    """Load a checkpoint's state; returns its step."""
    import torch

    st_model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng"])
    return int(state["step"])
