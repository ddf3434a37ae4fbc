"""`searchkit index CORPUS`: embed a corpus into an index (resumable, incremental)."""

from __future__ import annotations

import argparse

from searchkit.cli.common import (
    DEFAULT_ENCODERS,
    add_encoder_options,
    add_index_options,
    add_long_docs_options,
    check_index_target,
    describe_corpus,
    describe_index_report,
    positive_int,
    progress_bar,
    quiet_transformers,
)


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
    add_encoder_options(parser, DEFAULT_ENCODERS)
    add_long_docs_options(parser, indexing=True)
    add_index_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from searchkit.corpus import load_corpus
    from searchkit.indexing import build_index

    corpus = load_corpus(args.corpus, args.split)
    print(describe_corpus(corpus))
    check_index_target(args, args.name or corpus.name)
    quiet_transformers()
    with progress_bar() as progress:
        report = build_index(
            corpus, args.encoders, name=args.name, home=args.home, url=args.qdrant_url,
            allow_pickle=args.allow_pickle, long_docs=args.long_docs, stride=args.stride, window_title=args.window_title,
            allow_removal=args.allow_removal, batch_size=args.batch_size, progress=progress,
        )  # fmt: skip
    print(describe_index_report(report))
    return 0
