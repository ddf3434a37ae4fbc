"""`searchkit tune MODEL --pooling cls|mean --train DATA --out FOLDER`: fine-tune a backbone with one pooling."""

from __future__ import annotations

import argparse
from pathlib import Path

from searchkit.cli.common import finite_float, info, positive_int, show_progress
from searchkit.display import printable


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="fine-tune a model with [CLS] or mean pooling on query-document or scored sentence pairs",
        description="Fine-tune MODEL's transformer with the chosen pooling (+ normalization) and save it as a "
        "sentence-transformers folder, usable at once as cls:OUT, mean:OUT or sbert:OUT. A BEIR folder trains on "
        "its qrels/train.tsv (query, relevant document) pairs with in-batch negatives; a file of scored pairs "
        "(STS) trains the cosine towards score / 5. An interrupted run resumes from OUT/checkpoints.",
    )
    parser.add_argument(
        "model",
        help="alias (minilm), local folder, or hub id in the Hugging Face cache",
    )
    parser.add_argument(
        "--pooling", required=True, help="cls or mean: the pooling to train"
    )
    parser.add_argument(
        "--train",
        required=True,
        type=Path,
        metavar="DATA",
        help="a BEIR folder with qrels/train.tsv, or a .tsv/.csv/.jsonl file of scored pairs",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="FOLDER",
        help="folder of the tuned model (and its checkpoints while training)",
    )
    parser.add_argument(
        "--split",
        help="the judgments or pairs to train on (default: train; every pair of a file without a split column)",
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=1,
        help="passes over the pairs (default: 1)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=16,
        help="pairs per step (default: 16)",
    )
    parser.add_argument(
        "--lr",
        type=finite_float,
        default=2e-5,
        help="peak learning rate of AdamW (default: 2e-5)",
    )
    parser.add_argument(
        "--warmup",
        type=finite_float,
        default=0.1,
        help="share of the steps spent warming up linearly (default: 0.1)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=42,
        help="random seed of the initialization, shuffling and dropout (default: 42)",
    )
    parser.add_argument(
        "--scale",
        type=finite_float,
        default=20.0,
        help="scale of the cosines in the in-batch negatives loss (default: 20)",
    )
    parser.add_argument(
        "--save-steps",
        type=positive_int,
        default=20,
        help="steps between checkpoints (default: 20)",
    )
    parser.add_argument(
        "--stop-after",
        type=positive_int,
        metavar="STEPS",
        help="stop after this many steps (with a checkpoint); run again to go on",
    )
    parser.add_argument(
        "--bf16",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="bf16 autocast where the CPU or GPU has bf16 units (default: on)",
    )
    parser.add_argument(
        "--dropout",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="train with the model's own dropout (default: off, which reached the [CLS] reference on SciFact)",
    )
    parser.add_argument(
        "--allow-pickle",
        action="store_true",
        help="allow loading pickle (*.bin) weights you trust",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from searchkit.training import tune

    report = tune(
        args.model, args.pooling, args.train, args.out,
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, warmup=args.warmup, seed=args.seed,
        scale=args.scale, bf16=args.bf16, dropout=args.dropout, split=args.split, save_steps=args.save_steps,
        stop_after=args.stop_after, allow_pickle=args.allow_pickle, progress=show_progress(),
    )
    resumed = f", resumed at step {report.resumed_from}" if report.resumed_from else ""
    info(
        f"tuned on {report.pairs:,} {report.kind} pairs: steps {report.resumed_from}-{report.steps if report.finished else '...'} "
        f"of {report.steps}{resumed}, mean loss {report.loss:.4f}, {report.seconds:.1f} s"
    )
    if report.finished:
        folder = printable(str(report.out))
        info(f"saved {folder}; use it as cls:{folder}, mean:{folder} or sbert:{folder}")
    else:
        info("stopped early; run the same command again to resume from the checkpoint")
    return 0
