"""`searchkit doctor MODEL [DATA]`: the pooling a model declares, and whether another of its poolings does better."""

from __future__ import annotations

import argparse
import json
import time
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from searchkit.cli.common import (
    finite_float,
    info,
    positive_int,
    progress_bar,
    quiet_transformers,
)
from searchkit.display import printable, printable_json

if TYPE_CHECKING:
    from searchkit.experiments.doctor import DoctorReport


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="check a model's declared pooling against every other pooling of it, on your data",
        description="Read the pooling MODEL declares (a sentence-transformers folder's 1_Pooling/config.json), run every "
        "pooling kind (cls, mean, max, firstlast, sbert) side by side on DATA, and say which wins, with significance "
        "marks and anisotropy, flagging a declared pooling that loses significantly. Without DATA: the declared "
        "pooling and each pooling's anisotropy on a few built-in sentences.",
    )
    parser.add_argument("model", help="an alias (minilm), a local model folder, or a hub id in the Hugging Face cache")
    parser.add_argument(
        "data", nargs="?", type=Path,
        help="a BEIR folder with judgments (retrieval, nDCG@10) or a file of sentence pairs with gold scores (Spearman)",
    )  # fmt: skip
    parser.add_argument("--split", help="the judgments' or the pairs' split (default: test, as eval and sts)")
    parser.add_argument("--home", type=Path, help="index a BEIR folder here, reusing what is there (default: a temporary folder)")
    parser.add_argument("--max-p", type=finite_float, default=0.01, help="p-value threshold for significance (default: 0.01)")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the tests and the random pairs (default: 42)")
    parser.add_argument("--batch-size", type=positive_int, default=32, help="encoding batch size (default: 32)")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON on stdout (messages go to stderr)")
    parser.add_argument("--allow-pickle", action="store_true", help="allow loading pickle (*.bin) weights you trust")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from searchkit.experiments.doctor import diagnose, doctor_to_dict

    started = time.perf_counter()
    quiet_transformers()
    indexing = args.data is not None and args.data.is_dir()
    with progress_bar() if indexing else nullcontext() as progress:
        report = diagnose(
            args.model, args.data, split=args.split, home=args.home, allow_pickle=args.allow_pickle,
            max_p=args.max_p, random_seed=args.seed, batch_size=args.batch_size, progress=progress,
        )  # fmt: skip
    if args.json:
        print(printable_json(json.dumps(doctor_to_dict(report), indent=2, ensure_ascii=False)))
    else:
        print_report(report)
    info(f"doctor took {time.perf_counter() - started:.1f} s")
    return 0


def print_report(report: DoctorReport) -> None:
    from rich.console import Console

    from searchkit.experiments import similarity_report, table
    from searchkit.experiments.doctor import verdict_lines
    from searchkit.experiments.similarity import SimilarityReport

    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # piped output: never squeeze the table
    notes: list[str] = []
    if isinstance(report.experiment, SimilarityReport):
        console.print(similarity_report.console_table(report.experiment))
        notes = [similarity_report.significance_note(report.experiment), *similarity_report.anisotropy_notes(report.experiment)]
    elif report.experiment is not None:
        console.print(table.console_table(report.experiment))
        notes = [table.significance_note(report.experiment), *table.anisotropy_notes(report.experiment)]
    for line in notes:
        console.print(printable(line), style="dim", highlight=False, markup=False)
    for line in verdict_lines(report):
        console.print(printable(line), highlight=False, markup=False)
