"""`searchkit sts PAIRS`: how well each encoder's cosine follows the gold scores of sentence pairs (STS)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from searchkit.cli.common import (
    DEFAULT_ENCODERS,
    add_correction_option,
    add_encoder_options,
    finite_float,
    info,
    load_encoders_quietly,
    positive_int,
)
from searchkit.display import printable, printable_json
from searchkit.errors import SearchkitError

if TYPE_CHECKING:
    from searchkit.experiments.similarity import SimilarityReport


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="score encoders on sentence pairs with gold similarity (STS-Benchmark, SICK, your own)",
        description="Correlate each encoder's cosine of two sentences with their gold similarity score "
        "(Spearman and Pearson x100), compare every pair of encoders with a paired bootstrap over the pairs, "
        "and measure how similar each encoder finds random pairs of sentences (anisotropy).",
    )
    parser.add_argument(
        "pairs", type=Path,
        help="a .tsv/.txt (tab-separated, quotes kept as text), .csv or .jsonl file of pairs: STS-Benchmark's "
        "columns (sentence1, sentence2, score), SICK's (sentence_A, sentence_B, relatedness_score) or those named below",
    )  # fmt: skip
    parser.add_argument(
        "--split",
        help="the pairs whose split column (split, or SICK's SemEval_set) holds this value, any case; "
        "all for every pair (default: test when the file has a split column, else every pair)",
    )  # fmt: skip
    parser.add_argument("--sentence1", metavar="COLUMN", help="column of the first sentence (default: sentence1 or sentence_A)")
    parser.add_argument("--sentence2", metavar="COLUMN", help="column of the second sentence (default: sentence2 or sentence_B)")
    parser.add_argument("--score", metavar="COLUMN", help="column of the gold score (default: score or relatedness_score)")
    parser.add_argument("--max-p", type=finite_float, default=0.01, help="p-value threshold for significance (default: 0.01)")
    add_correction_option(parser, "correlation")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the bootstrap and the random pairs (default: 42)")
    parser.add_argument("--resamples", type=positive_int, default=10_000, help="bootstrap resamples of the pairs (default: 10000)")
    parser.add_argument(
        "--random-pairs", type=positive_int, default=10_000, help="random pairs of sentences for the anisotropy (default: 10000)"
    )  # fmt: skip
    parser.add_argument("--batch-size", type=positive_int, default=32, help="encoding batch size (default: 32)")
    parser.add_argument(
        "--whiten", action="store_true",
        help="add each encoder through BERT-whitening fitted on the pairs' sentences (SPEC+whiten)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, metavar="DIR", help="write report.json and report.md here")
    parser.add_argument("--json", action="store_true", help="print the JSON report on stdout (messages go to stderr)")
    add_encoder_options(parser, DEFAULT_ENCODERS)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from searchkit.corpus.pairs import PairColumns, load_pairs
    from searchkit.encoders import split_specs
    from searchkit.experiments.similarity import run_similarity
    from searchkit.experiments.similarity_report import report_to_dict, write_report

    started = time.perf_counter()
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise SearchkitError(f"--out {args.out} is a file; give a folder for the reports")
    specs = split_specs(args.encoders)
    if not specs:
        raise SearchkitError("--encoders names no encoder; name at least one, e.g. --encoders mean:minilm")
    pairs = load_pairs(args.pairs, args.split, PairColumns(args.sentence1, args.sentence2, args.score))
    split = f"{pairs.split} split" if pairs.split else "every pair"
    described = f"pairs {pairs.name}: {len(pairs):,} pairs ({split}), {len(pairs.sentences):,} distinct sentences"
    info(printable(described))
    report = run_similarity(
        pairs,
        load_encoders_quietly(specs, args.allow_pickle, args.precision),
        max_p=args.max_p,
        random_seed=args.seed,
        correction=args.correction,
        resamples=args.resamples,
        anisotropy_pairs=args.random_pairs,
        batch_size=args.batch_size,
        whiten=args.whiten,
    )
    if args.json:
        print(printable_json(json.dumps(report_to_dict(report), indent=2, ensure_ascii=False)))
    else:
        print_table(report)
    # written after printing: a folder that cannot be written fails with the results already shown
    for path in write_report(report, args.out) if args.out else []:
        info(f"wrote {printable(str(path))}")
    info(f"sts took {time.perf_counter() - started:.1f} s (encoding {report.seconds:.1f} s)")
    return 0


def print_table(report: SimilarityReport) -> None:
    from rich.console import Console

    from searchkit.experiments.similarity_report import (
        anisotropy_notes,
        console_table,
        significance_note,
    )

    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # piped output: never squeeze the table
    console.print(console_table(report))
    for line in [significance_note(report), *anisotropy_notes(report)]:
        console.print(printable(line), style="dim", highlight=False, markup=False)
