"""`searchkit index CORPUS`: embed a corpus into an index (resumable, incremental)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from searchkit.cli.common import (
    DEFAULT_ENCODERS,
    add_cache_option,
    add_encoder_options,
    add_index_options,
    add_long_docs_options,
    check_index_target,
    describe_corpus,
    describe_index_report,
    info,
    note,
    positive_int,
    progress_bar,
    quiet_transformers,
)
from searchkit.display import printable, printable_json

if TYPE_CHECKING:
    from searchkit.indexing import IndexReport


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="index a corpus with one or more encoders",
        description="Index a BEIR folder, a .jsonl/.csv file or a folder of .txt/.md files. "
        "Re-running skips what is already indexed; an interrupted run resumes.",
    )
    parser.add_argument("corpus", help="corpus path")
    parser.add_argument("--name", help="index name (default: the corpus name)")
    parser.add_argument("--split", default="test", help="qrels split to record (default: test)")
    parser.add_argument("--batch-size", type=positive_int, default=32)
    parser.add_argument("--json", action="store_true", help="print what was done as JSON on stdout (messages go to stderr)")
    add_encoder_options(parser, DEFAULT_ENCODERS)
    add_long_docs_options(parser, indexing=True)
    add_index_options(parser)
    add_cache_option(parser)
    parser.add_argument(
        "--no-query-export", dest="query_export", action="store_false",
        help="do not export the models to ONNX for torch-free query encoding (`search` then loads torch: seconds more)",
    )  # fmt: skip
    parser.set_defaults(run=run)


def outgrown_warning(report: IndexReport) -> str:
    return (
        f"index {report.index!r} has outgrown one machine: {'; '.join(report.outgrown)}. Move it to a Qdrant server "
        f"or cluster (docker-compose.yml starts one) without re-encoding: searchkit migrate {report.index} --qdrant-url URL"
    )


def export_queries(args: argparse.Namespace) -> None:
    """Export the built-in encoders' models for torch-free query encoding, once per model (see `searchkit.encoders.onnx`)."""
    from searchkit.encoders import POOLINGS, load_encoders, parse_spec, split_specs
    from searchkit.encoders.onnx import export_for_queries, pending_exports

    built_in = [spec for spec in split_specs(args.encoders) if parse_spec(spec)[0] in POOLINGS]  # third-party kinds: not exported
    loaded = load_encoders(built_in, allow_pickle=args.allow_pickle, precision=args.precision)  # loaded already: shared
    for backbone in pending_exports(loaded):
        info(f"exporting {backbone.source.name} for queries without torch (once per model, about 15 s)…")
        try:
            folder = export_for_queries(backbone)
        except Exception as error:  # torch.onnx fails in many ways; searches then load torch, as before
            message = printable(" ".join(str(error).split()))[:200]
            print(f"searchkit: warning: exporting {backbone.source.name} failed ({type(error).__name__}: {message}); searches will load torch", file=sys.stderr)
            continue
        info(f"  {folder}" if folder else "  not exportable: its searches load torch")


def run(args: argparse.Namespace) -> int:
    from searchkit.corpus import load_corpus
    from searchkit.indexing import build_index

    corpus = load_corpus(args.corpus, args.split)
    show = info if args.json else print  # with --json, stdout holds the JSON alone
    show(describe_corpus(corpus))
    check_index_target(args, args.name or corpus.name)
    quiet_transformers()
    with progress_bar() as progress:
        report = build_index(
            corpus, args.encoders, name=args.name, home=args.home, url=args.qdrant_url,
            allow_pickle=args.allow_pickle, precision=args.precision, long_docs=args.long_docs, stride=args.stride,
            window_title=args.window_title, allow_removal=args.allow_removal, batch_size=args.batch_size,
            use_cache=args.use_cache, progress=progress, status=note,
        )  # fmt: skip
    show(describe_index_report(report))
    if report.outgrown:
        print(f"searchkit: warning: {outgrown_warning(report)}", file=sys.stderr)
    if args.query_export and not report.cancelled:
        export_queries(args)
    if args.json:
        data = asdict(report) | {"docs_per_second": report.docs_per_second}
        print(printable_json(json.dumps(data, indent=2, ensure_ascii=False)))
    return 0
