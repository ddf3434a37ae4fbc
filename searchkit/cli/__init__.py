"""The `searchkit` command: a thin layer over the library. Heavy imports happen inside commands."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

from searchkit.cli import (
    cache,
    doctor,
    encoders,
    eval,
    index,
    migrate,
    search,
    sts,
    tui,
    tune,
)
from searchkit.cli.common import add_verbosity_options, verbosity
from searchkit.display import printable
from searchkit.errors import SearchkitError

COMMANDS = {"index": index, "search": search, "encoders": encoders, "eval": eval, "sts": sts, "tune": tune, "tui": tui, "doctor": doctor, "cache": cache, "migrate": migrate}


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (the subcommands are built with this class too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="searchkit",
        description="Semantic search with pluggable encoders ([CLS], mean pooling, SBERT) and a BM25 baseline, side by side.",
    )
    parser.add_argument("--version", action="version", version=f"searchkit {_version()}")
    add_verbosity_options(parser)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        module.add_parser(subparsers, name)
        add_verbosity_options(subparsers.choices[name], default=argparse.SUPPRESS)  # also after the command
    return parser


def _version() -> str:
    try:
        return version("searchkit")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quiet and args.verbose:
        parser.error("-q/--quiet and -v/--verbose exclude each other")
    try:
        with verbosity(1 if args.verbose else -1 if args.quiet else 0):
            return args.run(args)
    except SearchkitError as error:
        print(f"searchkit: error: {printable(str(error))}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader stopped early (`| head`): nothing went wrong here
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes stdout
        return 0
    except OSError as error:  # a file that cannot be read or written: permissions, a full disk
        where = f"{error.filename}: " if error.filename else ""
        if error.errno == errno.ENOSPC:
            hint = "free some space and run the command again (what was written before is kept)"
        else:
            hint = "check that path and its permissions, then run the command again"
        print(f"searchkit: error: {printable(where)}{error.strerror or error}; {hint}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("searchkit: interrupted; what was written is kept (run the same command again to resume)", file=sys.stderr)
        return 130
