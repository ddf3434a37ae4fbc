"""The searchkit terminal app: search side by side, judge hits, evaluate, all from the keyboard."""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from searchkit.display import printable
from searchkit.errors import SearchkitError
from searchkit.index import Index
from searchkit.tui.screens.eval import EvalScreen
from searchkit.tui.screens.help import HelpScreen
from searchkit.tui.screens.indexing import IndexingScreen, IndexJob
from searchkit.tui.screens.search import SearchScreen
from searchkit.tui.session import Options, Session

K_CHOICES = (5, 10, 20, 50, 100)
YOUNG_GC_THRESHOLD = 20_000  # allocations between collections of the youngest generation (Python: 700)


class SearchkitCommands(Provider):
    """Palette commands: hide or show a column, change k, open another index, export the report."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        app = self.app
        assert isinstance(app, SearchkitApp)
        search = app.search_screen
        if search.session is not None:
            for retriever in search.session.retrievers:
                verb = "Show" if retriever.name in search.hidden else "Hide"
                same = search.session.same_as.get(retriever.name)
                about = same[1] if same else "switch a retriever's column on or off"
                yield f"{verb} column {retriever.name}", about, partial(search.toggle_column, retriever.name)
            for k in K_CHOICES:
                if k != search.k:
                    yield f"Set k = {k}", f"show the top {k} hits per column (now {search.k})", partial(search.set_k, k)
            yield "Why do scores cluster?", "what random pairs of documents score, per dense column", search.why_scores_cluster
            yield "Evaluation screen", "every retriever over the judged queries", app.action_evaluate
            yield "Export the evaluation report", "write it as Markdown and JSON beside the index", app.export_report
        current = search.session.index.name if search.session else None
        for name in Index.names(app.options.home):
            if name != current:
                yield f"Open index {name}", "search another index", partial(app.open_index, name)
        yield "Help", "keys and what the screens show", app.action_help

    async def discover(self) -> Hits:
        for title, help_text, command in self._commands():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, text=title, help=help_text)


class SearchkitApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "searchkit"
    COMMANDS = App.COMMANDS | {SearchkitCommands}
    BINDINGS = [
        Binding("f2", "evaluate", "Eval"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+s", "screenshot", "Screenshot", show=False),
    ]

    def __init__(self, options: Options | None, index_job: IndexJob | None = None, problem: str | None = None) -> None:
        """Open `options.index`, after building it with `index_job` when given; `problem` is shown instead."""
        super().__init__()
        self.options = options or Options("")
        self.index_job = index_job
        self.problem = problem
        self.search_screen = SearchScreen()

    def get_default_screen(self) -> SearchScreen:
        return self.search_screen

    def on_mount(self) -> None:
        self.search_screen.k = self.options.k
        if self.problem is not None:
            self.call_after_refresh(self.search_screen.show_error, self.problem)  # once the screen is composed
        elif self.index_job is not None:
            self.index(self.index_job)
        else:
            self.load(self.options)

    @work(thread=True, exclusive=True, group="load")
    def index(self, job: IndexJob) -> None:
        """Bring the index up to date with the job's corpus, then open it. The indexing screen shows only
        while documents are encoded: reopening an index that is up to date goes straight to searching."""
        from searchkit.corpus import load_corpus
        from searchkit.indexing import build_index

        screen = self.search_screen
        status = partial(self.call_from_thread, screen.set_status)
        cancel = threading.Event()
        shown: list[IndexingScreen] = []

        def progress(done: int, total: int) -> None:
            if total and not shown:
                shown.append(IndexingScreen(job, cancel))
                self.call_from_thread(self.push_screen, shown[0], self._index_failed)
            if shown:
                self.call_from_thread(shown[0].progress, done, total)

        def step(text: str) -> None:  # the HNSW build after encoding: on the indexing screen, once shown
            if shown:
                self.call_from_thread(shown[0].step, text)

        try:
            status(f"{printable(str(job.corpus))}: reading the corpus…", "yellow")
            corpus = load_corpus(job.corpus)
            status(f"{printable(str(job.corpus))}: {len(corpus)} documents; loading models to check the index…", "yellow")
            report = build_index(
                corpus, job.encoders, name=job.name, home=job.home, url=job.url, allow_pickle=job.allow_pickle,
                progress=progress, cancel=cancel, status=step,
            )
        except Exception as error:
            message = f"indexing {job.corpus} failed: {_message(error)}"
            self.call_from_thread(shown[0].failed if shown else screen.show_error, message)
            return
        if shown:
            self.call_from_thread(shown[0].dismiss)
        if report.cancelled:
            self.call_from_thread(self.notify, f"indexing cancelled: {report.done} documents encoded are kept; index again to resume", timeout=8)
        self.call_from_thread(self.load, dataclasses.replace(self.options, index=report.index))

    def _index_failed(self, message: str | None) -> None:
        if message is not None:
            self.search_screen.show_error(message)

    def open_index(self, name: str) -> None:
        self.load(dataclasses.replace(self.options, index=name))

    @work(thread=True, exclusive=True, group="load")
    def load(self, options: Options) -> None:
        """Open the index and search it with BM25 at once; load the models meanwhile, their progress in the status line."""
        screen = self.search_screen
        old = screen.session
        if old is not None:
            self.call_from_thread(screen.show_error, f"opening index {options.index}…")
            old.close()
        self.options = options
        status = partial(self.call_from_thread, screen.set_status)
        try:
            session = Session.open(options, lambda text: status(text, "yellow"))
        except Exception as error:
            self.call_from_thread(screen.show_error, _message(error))
            return
        self.call_from_thread(screen.set_session, session)
        if session.models_to_load:
            try:
                ready = "BM25 answers; " if session.retrievers else ""
                session.load_models(lambda text: status(f"index {session.index.name}: {ready}{text}", "yellow"))
            except Exception as error:
                self.call_from_thread(screen.models_failed, session, _message(error))
                return
            self.call_from_thread(screen.join_models, session)
        # The models, the corpus and embedded Qdrant's payloads are millions of long-lived objects:
        # kept out of the garbage collector's full passes, which took 0.3 s every few searches.
        gc.freeze()
        # A search's paint makes hundreds of thousands of short-lived objects: collect the young ones less often.
        gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None, time_format: str | None = None) -> str | None:
        """Save an SVG of the screen in the current folder (Ctrl+S, or the palette's Screenshot) and say where, or why not."""
        try:
            saved = self.save_screenshot(filename, path, time_format)
        except OSError as error:
            self.notify(f"screenshot not saved: {error.strerror or error} ({error.filename or path or 'current folder'})", severity="error", markup=False)
            return None
        self.notify(f"screenshot saved to {Path(saved).resolve()}", markup=False)
        return saved

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_evaluate(self) -> None:
        session = self.search_screen.session
        if session is None:
            self.notify("open an index first", severity="warning")
        elif not isinstance(self.screen, EvalScreen):
            self.push_screen(EvalScreen(session, self.search_screen.hidden), self._evaluated)

    def _evaluated(self, query: str | None) -> None:
        if query is not None:
            self.search_screen.run_query(query)

    def export_report(self) -> None:
        if isinstance(self.screen, EvalScreen):
            self.screen.action_export()
        else:
            self.push_screen(EvalScreen(self.search_screen.session, self.search_screen.hidden, export=True), self._evaluated)  # type: ignore[arg-type]

    def on_unmount(self) -> None:
        if self.search_screen.session is not None:
            self.search_screen.session.close()


def _message(error: Exception) -> str:
    """One line for the user; an unexpected error (a bug, a broken model) says its type too."""
    return str(error) if isinstance(error, SearchkitError) else f"unexpected {type(error).__name__}: {error}"
