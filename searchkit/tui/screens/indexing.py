"""Indexing a corpus from the app: progress, and a cancel that keeps what was indexed."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static

from searchkit.display import printable
from searchkit.errors import SearchkitError


@dataclass(frozen=True)
class IndexJob:
    corpus: Path
    name: str | None  # index name (default: the corpus's name)
    encoders: str
    home: Path | None = None
    url: str | None = None
    allow_pickle: bool = False


class IndexingScreen(Screen[str | None]):
    """Dismisses with the index name to open (also after a cancel), or None after an error."""

    BINDINGS = [Binding("escape", "cancel", "Cancel (keeps what is indexed)")]

    def __init__(self, job: IndexJob) -> None:
        super().__init__()
        self.job = job
        self.cancel = threading.Event()
        self.failed = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="indexing"):
            yield Static(Text(f"Indexing {printable(str(self.job.corpus))}"), id="indexing-title")
            yield ProgressBar(id="indexing-progress", show_eta=True)
            yield Static(Text("reading the corpus…", style="dim"), id="indexing-status")
        yield Footer()

    def on_mount(self) -> None:
        self.build()

    def _status(self, text: str, style: str = "dim") -> None:
        self.query_one("#indexing-status", Static).update(Text(printable(text, lines=True), style=style))

    def _progress(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done if total else 1)
        self._status(f"{done} of {total} documents encoded")

    @work(thread=True, exclusive=True, group="indexing")
    def build(self) -> None:
        from searchkit.corpus import load_corpus
        from searchkit.indexing import build_index

        job = self.job
        try:
            corpus = load_corpus(job.corpus)
            self.app.call_from_thread(self._status, f"{len(corpus)} documents; loading models…")
            report = build_index(
                corpus, job.encoders, name=job.name, home=job.home, url=job.url, allow_pickle=job.allow_pickle,
                progress=lambda done, total: self.app.call_from_thread(self._progress, done, total),
                cancel=self.cancel,
            )
        except SearchkitError as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        if report.cancelled:
            self.app.call_from_thread(self.app.notify, f"indexing cancelled: {report.done} documents encoded are kept; index again to resume", timeout=8)
        self.app.call_from_thread(self.dismiss, report.index)

    def _failed(self, message: str) -> None:
        self._status(message, "bold red")
        self.query_one("#indexing-title", Static).update(Text("Indexing failed (Esc: back)", style="bold red"))
        self.failed = True

    def action_cancel(self) -> None:
        if self.failed:
            self.dismiss(None)
            return
        self.cancel.set()
        self._status("cancelling after the chunk being encoded…", "yellow")
