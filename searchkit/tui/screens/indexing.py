"""Indexing a corpus from the app: progress, and a cancel that keeps what was indexed."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static

from searchkit.display import printable


@dataclass(frozen=True)
class IndexJob:
    corpus: Path
    name: str | None  # index name (default: the corpus's name)
    encoders: str
    home: Path | None = None
    url: str | None = None
    allow_pickle: bool = False


class IndexingScreen(Screen[str | None]):
    """The progress of the app's indexing job, shown once documents need encoding. Esc cancels it
    (what was encoded is kept); after a failure, Esc dismisses with the failure's message."""

    BINDINGS = [Binding("escape", "cancel", "Cancel (keeps what is indexed)")]

    def __init__(self, job: IndexJob, cancel: threading.Event) -> None:
        super().__init__()
        self.job = job
        self.cancel = cancel
        self.failure: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="indexing"):
            yield Static(Text(f"Indexing {printable(str(self.job.corpus))}"), id="indexing-title")
            yield ProgressBar(id="indexing-progress", show_eta=True)
            yield Static(Text("encoding…", style="dim"), id="indexing-status")
        yield Footer()

    def _status(self, text: str, style: str = "dim") -> None:
        self.query_one("#indexing-status", Static).update(Text(printable(text, lines=True), style=style))

    def progress(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done if total else 1)
        self._status(f"{done} of {total} documents encoded")

    def step(self, text: str) -> None:
        """A long step after encoding (the HNSW build), with no progress to count."""
        self.query_one(ProgressBar).update(total=None)
        self._status(text, "yellow")

    def failed(self, message: str) -> None:
        self._status(message, "bold red")
        self.query_one("#indexing-title", Static).update(Text("Indexing failed (Esc: back)", style="bold red"))
        self.failure = message

    def action_cancel(self) -> None:
        if self.failure is not None:
            self.dismiss(self.failure)
            return
        self.cancel.set()
        self._status("cancelling after the chunk being encoded…", "yellow")
