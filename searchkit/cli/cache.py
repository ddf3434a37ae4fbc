"""`searchkit cache`: show, limit or clear the embedding cache shared by a home's indexes."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from searchkit.display import printable
from searchkit.errors import SearchkitError
from searchkit.index import HOME_VARIABLE, cache_folder

UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="show, limit or clear the embedding cache",
        description="Indexing reads vectors from a cache shared by the indexes of a home (keyed by model, pooling, "
        "precision, maximum length and text), so text already encoded once is never encoded again.",
    )
    parser.add_argument("--home", type=Path, help=f"folder of indexes (default: ${HOME_VARIABLE} or ./indexes)")
    parser.add_argument("--limit", type=size, metavar="SIZE", help="keep at most SIZE of vectors (e.g. 500MB, 4GB); the oldest used go first")
    parser.add_argument("--clear", action="store_true", help="remove every cached vector")
    parser.set_defaults(run=run)


def size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in UNITS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 500MB or 4GB")
    return int(float(match.group(1)) * UNITS[match.group(2).lower()])


def run(args: argparse.Namespace) -> int:
    from searchkit.encoders.cache import EmbeddingCache

    folder = cache_folder(args.home)
    if not folder.is_dir() and not (args.limit or args.clear):
        print(f"no embedding cache yet in {printable(str(folder))}: indexing creates it")
        return 0
    with EmbeddingCache(folder) as cache:
        if args.clear:
            print(f"removed {cache.clear():,} cached vectors")
        if args.limit is not None:
            if args.limit <= 0:
                raise SearchkitError("--limit must be above 0; use --clear to empty the cache")
            cache.set_limit(args.limit)
        stats = cache.stats()
    print(f"embedding cache {printable(str(stats.path))}")
    print(f"  {stats.entries:,} vectors, {mib(stats.bytes)} of a {mib(stats.limit)} limit")
    for model, count in stats.models.items():
        kind, fingerprint, tokens = model.split("|")
        length = f", {tokens} word pieces" if tokens else ""
        print(f"  {count:>10,}  {printable(kind)} of model {printable(fingerprint)}{length}")
    return 0


def mib(count: int) -> str:
    return f"{count / 1024**2:,.1f} MiB"
