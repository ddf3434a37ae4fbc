"""`searchkit eval CORPUS`: index what is missing, run the judged queries through every retriever, compare."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from searchkit.cli.common import (
    DEFAULT_ENCODERS,
    add_cache_option,
    add_correction_option,
    add_encoder_options,
    add_index_options,
    add_long_docs_options,
    add_retriever_options,
    describe_corpus,
    describe_index_report,
    embedding_cache,
    finite_float,
    info,
    load_encoders_quietly,
    non_negative_int,
    open_index,
    open_retrievers_from_args,
    positive_int,
    progress_bar,
)
from searchkit.display import printable, printable_json
from searchkit.errors import SearchkitError
from searchkit.evaluation import DEFAULT_METRICS

if TYPE_CHECKING:
    from searchkit.experiments import ExperimentReport, QueryDiff


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="compare encoders, BM25 and hybrid retrieval on a corpus's relevance judgments",
        description="Index what is missing (reusing what is there), answer the corpus's judged queries with "
        "every retriever, and print one table: a row per retriever, a column per metric, with significant "
        "differences marked (paired randomization test).",
    )
    parser.add_argument("corpus", help="BEIR folder with queries.jsonl and qrels/SPLIT.tsv")
    parser.add_argument("--name", help="index name (default: the corpus name)")
    parser.add_argument("--split", default="test", help="qrels split (default: test)")
    metrics = ",".join(DEFAULT_METRICS)
    parser.add_argument("--metrics", default=metrics, help=f"comma-separated NAME@K (default: {metrics})")
    parser.add_argument("--depth", type=positive_int, default=100, help="hits retrieved per query (default: 100)")
    parser.add_argument("--max-p", type=finite_float, default=0.01, help="p-value threshold for significance (default: 0.01)")
    add_correction_option(parser, "metric")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the significance test (default: 42)")
    parser.add_argument(
        "--judgments", action="store_true", help="add the judgments saved from the TUI beside the index (yours override the corpus's)"
    )
    parser.add_argument("--drop-self-hits", action="store_true", help="drop hits whose id equals the query id (ArguAna)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="write TREC run files, report.json and report.md here")
    parser.add_argument("--json", action="store_true", help="print the JSON report on stdout (messages go to stderr)")
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="draw recall@k curves (k = 1..100) per retriever")
    parser.add_argument("--diff", nargs=2, metavar=("A", "B"), help="per-query wins and losses between two retrievers")
    parser.add_argument("--diff-limit", type=non_negative_int, default=10, help="queries shown per side with --diff; 0 for all (default: 10)")
    parser.add_argument("--batch-size", type=positive_int, default=32, help="encoding batch size when indexing (default: 32)")
    add_encoder_options(parser, DEFAULT_ENCODERS)
    add_long_docs_options(parser, indexing=True, both=True)
    add_retriever_options(parser)
    add_index_options(parser)
    add_cache_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from searchkit.corpus import load_corpus
    from searchkit.encoders import split_specs
    from searchkit.evaluation import parse_metric
    from searchkit.experiments import (
        diff,
        evaluation_qrels,
        plot_recall_curves,
        report_to_dict,
        run_experiment,
        write_report,
    )
    from searchkit.indexing import index_corpus
    from searchkit.judgments import Judgments

    started = time.perf_counter()
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    try:
        for metric in metrics:
            parse_metric(metric)
    except ValueError as error:
        raise SearchkitError(str(error)) from None
    if not metrics:
        raise SearchkitError("--metrics names no metric")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise SearchkitError(f"--out {args.out} is a file; give a folder for the run files and reports")
    corpus = load_corpus(args.corpus, args.split)
    info(describe_corpus(corpus))
    if not args.judgments:
        evaluation_qrels(corpus)  # no judgments: say so before any indexing

    specs = split_specs(args.encoders)
    to_index = list(dict.fromkeys(specs + (split_specs(args.hybrid) if isinstance(args.hybrid, str) else [])))
    with open_index(args, args.name or corpus.name, create=True) as index:
        if args.judgments:
            corpus = Judgments.load(index.judgments_path, corpus.qrels).apply(corpus)
            evaluation_qrels(corpus)
        if to_index:
            encoders = load_encoders_quietly(to_index, args.allow_pickle, args.precision)
            with progress_bar() as progress, embedding_cache(args) as cache:
                indexed = index_corpus(
                    corpus, encoders, index, long_docs="first" if args.long_docs == "first" else "maxp",
                    stride=args.stride, window_title=args.window_title, allow_removal=args.allow_removal, batch_size=args.batch_size,
                    progress=progress, cache=cache,
                )  # fmt: skip
            info(describe_index_report(indexed))
        retrievers = open_retrievers_from_args(args, index, specs, corpus)
        names = [r.name for r in retrievers]
        pair = [resolve_name(given, names) for given in args.diff] if args.diff else None
        with progress_bar("answering", "query") as progress:
            report = run_experiment(
                corpus,
                retrievers,
                metrics=metrics,
                depth=args.depth,
                drop_self_hits=args.drop_self_hits,
                max_p=args.max_p,
                random_seed=args.seed,
                correction=args.correction,
                progress=progress,
            )
    # the results are written first: a failed plot or diff must not lose them
    written, failures = [], []
    if args.out:
        try:
            written += write_report(report, args.out)
        except OSError as error:
            failures.append(f"could not write the results to {args.out}: {_reason(error)}")
    if args.plot:
        try:
            written.append(plot_recall_curves(report, args.plot))
        except (OSError, ValueError) as error:  # ValueError: a file type matplotlib cannot write
            failures.append(f"could not write the plot {args.plot}: {_reason(error)}")
    diffs = diff(report, pair[0], pair[1]) if pair else []
    if args.json:
        data = report_to_dict(report)
        if pair:
            data["diff"] = {"a": pair[0], "b": pair[1], "metric": report.metrics[0], "queries": [asdict(d) for d in diffs]}
        print(printable_json(json.dumps(data, indent=2, ensure_ascii=False)))
    else:
        print_table(report)
        if pair:
            titles = {doc_id: doc.title for doc_id, doc in corpus.documents.items()}
            print_diff(report, pair[0], pair[1], diffs, titles, args.diff_limit)
    for path in written:
        info(f"wrote {path}")
    if failures:
        raise SearchkitError("; ".join(failures) + " (the results printed above are complete)")
    info(f"eval took {time.perf_counter() - started:.1f} s")
    return 0


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.filename and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error)


def resolve_name(given: str, names: list[str]) -> str:
    """A retriever name as given, as a canonical encoder spec, or `hybrid` for the one RRF retriever."""
    from searchkit.encoders import canonical_spec

    if given in names:
        return given
    if given in {"hybrid", "rrf"}:
        hybrids = [n for n in names if n.startswith("rrf(")]
        if len(hybrids) == 1:
            return hybrids[0]
    elif ":" in given and (spec := canonical_spec(given)) in names:
        return spec
    raise SearchkitError(f"--diff: no retriever {given!r} in this run; retrievers: {', '.join(names)}")


def print_table(report: ExperimentReport) -> None:
    from rich.console import Console

    from searchkit.experiments import console_table, significance_note
    from searchkit.experiments.table import (
        anisotropy_notes,
        long_documents_note,
        settings_text,
    )

    table = console_table(report)
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # piped output: never squeeze the table
    console.print(table)
    console.print(significance_note(report), style="dim", highlight=False)
    for line in [*long_documents_note(report), *anisotropy_notes(report)]:
        console.print(printable(line), style="dim", highlight=False, markup=False)
    for name, described in report.retrievers.items():
        if described.get("kind") in {"bm25", "hybrid"}:
            keys = ["k1", "b", "stemmer", "stopwords", "lowercase", "k", "weights", "depth"]
            console.print(f"{name}: {settings_text(described, keys)}", style="dim", highlight=False)


def print_diff(report: ExperimentReport, a: str, b: str, diffs: list[QueryDiff], titles: dict[str, str], limit: int) -> None:
    from searchkit.experiments import metric_label

    metric = report.metrics[0]
    wins = {side: [d for d in diffs if d.winner == side] for side in ("a", "b")}
    ties = len(report.queries) - len(diffs)
    print(
        f"\n{a} vs {b} on {metric_label(metric)}: {a} better on {len(wins['a'])} queries, "
        f"{b} better on {len(wins['b'])}, equal on {ties}"
    )
    for side, name in (("a", a), ("b", b)):
        shown = wins[side][:limit] if limit > 0 else wins[side]
        if not shown:
            continue
        print(f"\n{name} better ({len(shown)} of {len(wins[side])}, largest difference first):")
        for d in shown:
            print(f"  query {printable(d.query_id)}: {d.score_a:.3f} vs {d.score_b:.3f}  {printable(d.query)}")
            for doc_id, grade in d.relevant.items():
                rank_a, rank_b = _rank(d.ranks_a, doc_id), _rank(d.ranks_b, doc_id)
                print(f"    relevant {printable(doc_id)} (grade {grade}): {a} {rank_a}, {b} {rank_b}  {printable(titles.get(doc_id, ''))}")


def _rank(ranks: dict[str, int], doc_id: str) -> str:
    return f"#{ranks[doc_id]}" if doc_id in ranks else "missed"
