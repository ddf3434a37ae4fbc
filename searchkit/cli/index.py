"""`searchkit index CORPUS`: embed a corpus into an index (resumable, incremental)."""

from __future__ import annotations

import argparse

from searchkit.cli.common import DEFAULT_ENCODERS, add_encoder_options, add_index_options, load_encoders_quietly, open_index


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
    parser.add_argument("--batch-size", type=int, default=32)
    add_encoder_options(parser, DEFAULT_ENCODERS)
    add_index_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from searchkit.corpus import load_corpus
    from searchkit.indexing import index_corpus

    corpus = load_corpus(args.corpus, args.split)
    print(f"corpus {corpus.name}: {len(corpus)} documents, {len(corpus.queries)} queries, "
          f"{len(corpus.qrels)} judged queries, {len(corpus.skipped_empty)} empty documents skipped")
    encoders = load_encoders_quietly(args.encoders, args.allow_pickle)
    with open_index(args, args.name or corpus.name, create=True) as index, tqdm(unit="doc", desc="encoding", dynamic_ncols=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        report = index_corpus(corpus, encoders, index, batch_size=args.batch_size, progress=progress)
    encoded = ", ".join(f"{spec} {n}" for spec, n in report.encoded.items()) or "nothing (up to date)"
    print(f"index {report.index}: {report.added} added, {report.changed} changed, {report.removed} removed; "
          f"encoded: {encoded}; {report.seconds:.1f} s ({report.docs_per_second:.1f} docs/s)")
    return 0
