"""`searchkit migrate`: convert an old local-mode index (pickles) to edge storage, or copy an index
between edge storage and a Qdrant server (`--qdrant-url`, `--to-embedded`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from searchkit.display import printable
from searchkit.errors import SearchkitError
from searchkit.index import (
    HOME_VARIABLE,
    URL_FALLBACK,
    URL_VARIABLE,
    Index,
    default_url,
)
from searchkit.store import (
    BACKUP_FOLDER,
    convert_local_index,
    copy_to_embedded,
    copy_to_server,
    embedded_kind,
    redact,
)


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="convert an old embedded index to the current storage, or copy an index to or from a Qdrant server",
        description="Without options: indexes built before searchkit stored them with qdrant-edge keep their points "
        "as pickles, which can run code when read; this copies them, reading nothing but stored points, into edge "
        "storage. With --qdrant-url: copy the embedded index to a new collection on that server (vectors and "
        "payloads as stored, no re-encoding; the folder is left as it is). With --to-embedded: copy the server's "
        "collection back into edge storage in the index folder.",
    )
    parser.add_argument("index", help="index name (under --home) or folder")
    parser.add_argument("--home", type=Path, help=f"folder of indexes (default: ${HOME_VARIABLE} or ./indexes)")
    parser.add_argument("--qdrant-url", help="copy the embedded index to this Qdrant server (API key from $SEARCHKIT_QDRANT_API_KEY)")
    parser.add_argument(
        "--to-embedded", action="store_true",
        help=f"copy the collection from the server (--qdrant-url, else ${URL_VARIABLE} or ${URL_FALLBACK}) into edge storage",
    )  # fmt: skip
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    name, folder = Index.locate(args.index, args.home)
    where = printable(str(folder))
    if args.to_embedded:
        url = args.qdrant_url or default_url()
        if not url:
            raise SearchkitError(f"--to-embedded needs the server: pass --qdrant-url or set ${URL_VARIABLE}")
        points = copy_to_embedded(folder, name, url)
        print(f"copied collection {name!r} from {redact(url)} into {where}: {points:,} points (the server's copy is untouched)")
        return 0
    if args.qdrant_url:
        if embedded_kind(folder) == "local":
            raise SearchkitError(f"{where} uses the old embedded storage; convert it first with `searchkit migrate {args.index}`")
        points = copy_to_server(folder, name, args.qdrant_url)
        print(
            f"copied {where} to collection {name!r} on {redact(args.qdrant_url)}: {points:,} points; search it with "
            f"--qdrant-url (the embedded copy is untouched: delete {where}/edge once the server's works)"
        )
        return 0
    if embedded_kind(folder) is None:
        raise SearchkitError(f"no index {name!r} at {where}; give an index name under --home, or an index folder")
    if embedded_kind(folder) != "local":
        raise SearchkitError(f"{where} holds no index in the old embedded storage; nothing to convert")
    points = convert_local_index(folder)
    print(f"converted {where}: {points:,} points; the old storage is in {BACKUP_FOLDER}/ (delete it once the index works)")
    return 0
