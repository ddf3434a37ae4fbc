"""`searchkit tui [INDEX]`: the terminal app (Textual is imported only when it runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from searchkit.cli.common import (
    DEFAULT_ENCODERS,
    add_encoder_options,
    add_index_options,
    add_long_docs_options,
    add_retriever_options,
    bm25_settings,
    check_index_target,
    long_docs_modes,
    positive_int,
    quiet_transformers,
    rrf_weights,
)
from searchkit.index import Index, default_home


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="search, judge and evaluate side by side in the terminal",
        description="Open an index in the terminal app. INDEX may also be a corpus path, which is indexed "
        "first (incrementally, with progress; Esc cancels and keeps what was indexed).",
    )
    parser.add_argument("index", nargs="?", help="index name (under --home) or folder, or a corpus to index first; "
                        "default: the only index under --home")
    parser.add_argument("--corpus", type=Path, help="index this corpus first (into INDEX, default: the corpus's name)")
    parser.add_argument("-k", type=positive_int, default=10, help="hits per column (default: 10)")
    add_encoder_options(parser, None)
    add_long_docs_options(parser, indexing=False)
    add_retriever_options(parser)
    parser.add_argument("--no-bm25", dest="bm25", action="store_false", help="leave out the BM25 column (shown by default)")
    add_index_options(parser)
    parser.set_defaults(run=run, bm25=True)


def run(args: argparse.Namespace) -> int:
    if args.index and (args.corpus is not None or not _is_corpus(Path(args.index))):
        check_index_target(args, args.index)  # a bad name, home or server: say so before the app starts
    import torch

    from searchkit.tui.app import SearchkitApp
    from searchkit.tui.screens.indexing import IndexJob
    from searchkit.tui.session import Options

    home = args.home or default_home()
    options = Options(
        args.index or "", home=args.home, url=args.qdrant_url, encoders=args.encoders, bm25=args.bm25,
        hybrid=args.hybrid, bm25_settings=bm25_settings(args), rrf_k=args.rrf_k, rrf_weights=rrf_weights(args),
        allow_pickle=args.allow_pickle, k=args.k, long_docs=long_docs_modes(args), whiten=args.whiten,
        precision=args.precision,
    )
    corpus = args.corpus or (Path(args.index) if args.index and _is_corpus(Path(args.index)) else None)
    job = problem = None
    if corpus is not None:
        name = args.index if args.corpus is not None else None
        job = IndexJob(corpus, name, args.encoders or DEFAULT_ENCODERS, args.home, args.qdrant_url, args.allow_pickle)
    elif not args.index:
        names = Index.names(home)
        if len(names) == 1:
            options.index = names[0]
        elif names:
            problem = f"{len(names)} indexes in {home}: {', '.join(names)}. Open one from the command palette (Ctrl+P), or name it: searchkit tui NAME"
        else:
            problem = (f"no index in {home}. Build one with `searchkit index corpora/demo`, "
                       "or index and open a corpus at once: `searchkit tui --corpus corpora/demo`")
    quiet_transformers()
    # One query at a time is too small to gain from threads, and the app's own thread competes
    # with them: one torch thread answers faster here (Qdrant's local search pins BLAS itself).
    torch.set_num_threads(1)
    SearchkitApp(options, job, problem).run()
    return 0


def _is_corpus(path: Path) -> bool:
    """A corpus file or folder, as opposed to an index folder."""
    return path.is_file() or (path.is_dir() and not Index.is_index_folder(path))
