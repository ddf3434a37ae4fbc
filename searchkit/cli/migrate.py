"""`searchkit migrate`: convert an index made by qdrant-client's local mode (pickles) to edge storage."""

from __future__ import annotations

import argparse
from pathlib import Path

from searchkit.display import printable
from searchkit.errors import SearchkitError
from searchkit.index import HOME_VARIABLE, Index
from searchkit.store import BACKUP_FOLDER, convert_local_index, embedded_kind


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="convert an old embedded index to the current storage",
        description="Indexes built before searchkit stored them with qdrant-edge keep their points as pickles, "
        "which can run code when read; this copies them, reading nothing but stored points, into edge storage.",
    )
    parser.add_argument("index", help="index name (under --home) or folder")
    parser.add_argument("--home", type=Path, help=f"folder of indexes (default: ${HOME_VARIABLE} or ./indexes)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    _, folder = Index.locate(args.index, args.home)
    if embedded_kind(folder) != "local":
        raise SearchkitError(f"{printable(str(folder))} holds no index in the old embedded storage; nothing to convert")
    points = convert_local_index(folder)
    print(f"converted {printable(str(folder))}: {points:,} points; the old storage is in {BACKUP_FOLDER}/ (delete it once the index works)")
    return 0
