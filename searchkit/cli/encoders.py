"""`searchkit encoders`: list encoder kinds (built-in and third-party) without loading any."""

from __future__ import annotations

import argparse

from searchkit.encoders import ENTRY_POINT_GROUP, available_kinds
from searchkit.encoders.model_folders import ALIASES


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(name, help="list encoder kinds and model aliases")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print("Encoder kinds (spec = KIND:MODEL):")
    for kind in available_kinds().values():
        print(f"  {kind.name:<10} {kind.description}  [{kind.provider}]")
    print("\nModel aliases:")
    for alias, (hub_id, _) in ALIASES.items():
        print(f"  {alias:<8} {hub_id} (packaged, offline; also named by that hub id, with or without its organization)")
    print("\nMODEL may also be a local folder or a hub id already in the Hugging Face cache.")
    print(f"Third-party kinds register under the entry-point group {ENTRY_POINT_GROUP!r}.")
    return 0
