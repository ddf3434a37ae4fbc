"""Options and helpers shared by commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from searchkit.encoders import Encoder
from searchkit.index import HOME_VARIABLE, URL_VARIABLE, Index

DEFAULT_ENCODERS = "cls:minilm,mean:minilm,sbert:minilm"


def add_index_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", type=Path, help=f"folder of embedded indexes (default: ${HOME_VARIABLE} or ./indexes)")
    parser.add_argument("--qdrant-url", help=f"use a Qdrant server (default: ${URL_VARIABLE}); API key from $SEARCHKIT_QDRANT_API_KEY")


def add_encoder_options(parser: argparse.ArgumentParser, default: str | None) -> None:
    shown = default or "every encoder the index holds"
    parser.add_argument("--encoders", default=default, help=f"comma-separated specs KIND:MODEL (default: {shown})")
    parser.add_argument("--allow-pickle", action="store_true", help="allow loading pickle (*.bin) weights you trust")


def open_index(args: argparse.Namespace, name: str, *, create: bool = False) -> Index:
    return Index.open(name, home=args.home, url=args.qdrant_url, create=create)


def load_encoders_quietly(specs: str | list[str], allow_pickle: bool = False) -> list[Encoder]:
    """Load encoders without the libraries' loading bars and warnings on the terminal."""
    import transformers

    from searchkit.encoders import load_encoders

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return load_encoders(specs, allow_pickle=allow_pickle)
