"""Errors a user can act on. The CLI and TUI show their message, never a traceback."""

from __future__ import annotations

from pathlib import Path


class SearchkitError(Exception):
    """Base class: the message says what went wrong and what to do."""


class CorpusError(SearchkitError):
    """Bad input data, located by file and (when known) line."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {problem}")


class ModelNotAvailableError(SearchkitError):
    """A model that is not on this machine (no download is attempted)."""


class EncoderSpecError(SearchkitError):
    """An encoder spec that does not parse or names an unknown kind."""


class IndexNotFoundError(SearchkitError):
    """No index by that name."""


class IndexMismatchError(SearchkitError):
    """The index does not hold what was asked for (encoder missing, model changed)."""


class IndexLockedError(SearchkitError):
    """Another process holds the embedded index."""


class IndexDamagedError(SearchkitError):
    """The index's files or manifest cannot be read: restore or rebuild it."""


class StoreError(SearchkitError):
    """The vector store cannot be used: a server that does not answer or refuses, storage that fails."""
