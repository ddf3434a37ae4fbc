"""The main screen: a query box, the corpus's judged queries, and one column of hits per retriever."""

from __future__ import annotations

import asyncio
import time
from functools import partial

from rich.highlighter import Highlighter
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Static

from searchkit.display import printable, printable_in_place
from searchkit.experiments.anisotropy import Anisotropy
from searchkit.tui.screens.document import DocumentScreen
from searchkit.tui.session import SearchResult, Session
from searchkit.tui.text import query_terms
from searchkit.tui.widgets.query import QueryList
from searchkit.tui.widgets.results import (
    SHARED_COLOURS,
    Bodies,
    Columns,
    ColumnView,
    HitList,
    ResultsColumn,
)

DEBOUNCE_SECONDS = 0.15
SLOW_SEARCH_SECONDS = 0.2


class ControlPictures(Highlighter):
    """Shows a query's control characters (one from the corpus, chosen in a list) as visible ones, in place."""

    def highlight(self, text: Text) -> None:
        text.plain = printable_in_place(text.plain)


class SearchScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "focus_query", "Query", key_display="/"),
        Binding("escape", "focus_query", "Query", show=False),
        Binding("ctrl+b", "toggle_queries", "Query list"),
        Binding("q", "app.quit", "Quit"),  # the query box types q: it consumes printable keys
    ]

    def __init__(self) -> None:
        super().__init__()
        self.session: Session | None = None
        self.result: SearchResult | None = None
        self.hidden: set[str] = set()  # retrievers whose column the user switched off
        self.k = 10
        self.last_latency: float | None = None  # seconds from query to results on screen
        self.loading_models = False  # whether dense columns are still to join

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="Type a query (Enter: search now; Tab: to the hits; ↓ the query list)", id="query",
            highlighter=ControlPictures(),
        )  # fmt: skip
        yield Static(Text("starting…"), id="status")
        yield Static(id="warnings")
        with Horizontal(id="main"):
            yield QueryList()
            yield Columns(id="columns")
        yield Static(id="message")
        yield Footer()

    # -- state the app sets --------------------------------------------------

    def set_status(self, text: str, style: str = "") -> None:
        self.query_one("#status", Static).update(Text(printable(text), style=style), layout=False)  # one line, always

    def show_error(self, message: str) -> None:
        """A problem the user can act on, in place of the columns."""
        self.session = None
        self.result = None
        self.query_one("#columns").remove_children()
        self.query_one("#main").display = False
        self.query_one("#query", Input).disabled = True
        self.query_one("#warnings").display = False
        box = self.query_one("#message", Static)
        box.update(Text.assemble(("Cannot search\n\n", "bold red"), printable(message, lines=True), ("\n\nCtrl+P: open another index   F1: help   Ctrl+Q: quit", "dim")))
        box.display = True
        self.set_status("error", "red")

    async def set_session(self, session: Session) -> None:
        """Show an index open with its BM25 column (if any); `join_models` adds the dense ones."""
        self.session = session
        self.result = None
        self.loading_models = session.models_to_load
        self.query_one("#message").display = False
        self.query_one("#main").display = True
        await self.query_one("#columns").remove_children()
        queries = self.query_one(QueryList)
        queries.set_queries(session.queries)
        queries.display = bool(session.queries)
        box = self.query_one("#query", Input)
        box.disabled = False
        if self.focused is None:
            box.focus()
        await self._show_columns()

    async def join_models(self, session: Session) -> None:
        """The dense columns, once their models are loaded; the query typed meanwhile searches them too."""
        if session is not self.session:
            return  # another index was opened meanwhile
        self.loading_models = False
        await self._show_columns()
        self.measure_random_pairs(session)

    def models_failed(self, session: Session, message: str) -> None:
        """Loading the models failed: BM25 goes on answering, the reason stays above it."""
        if session is not self.session:
            return
        if not session.retrievers:
            session.close()
            self.show_error(message)
            return
        self.loading_models = False
        session.warnings.append(f"models not loaded: {message}")
        self._show_warnings()
        self.set_status(f"index {session.index.name}: only BM25 answers (models not loaded)", "yellow")

    async def _show_columns(self) -> None:
        """Mount a column per retriever not shown yet (the session's order: BM25 first), then search the query typed."""
        session = self.session
        assert session is not None
        shown = {widget.retriever for widget in self.query(ResultsColumn)}
        new = [r for r in session.retrievers if r.name not in shown]
        if not self.loading_models:
            self.hidden &= {r.name for r in session.retrievers}
            self.hidden |= set(session.same_as)  # a ranking is shown once; the palette shows the others
        await self.query_one("#columns").mount_all(ResultsColumn(r.name, session.describe(r), self._same_note(r.name)) for r in new)
        for widget in self.query(ResultsColumn):
            same = session.same_ranking(widget.retriever)
            widget.border_subtitle = f"= {', '.join(same)}" if same else ""
        self._apply_hidden()
        self._show_warnings()
        judged = f"{len(session.queries)} judged queries" if session.queries else "no judgments yet (Tab to the hits, then r/n)"
        loading = "; loading models…" if self.loading_models else ""
        self.set_status(f"index {session.index.name}: {len(session.retrievers)} retrievers, {judged}{loading}")
        self.rerun()

    def _show_warnings(self) -> None:
        """The index's warnings stay on screen while it is open: the status line changes with every search."""
        assert self.session is not None
        warnings = self.query_one("#warnings", Static)
        warnings.update(Text("\n".join(f"⚠ {printable(w)}" for w in self.session.warnings), style="bold yellow"))
        warnings.display = bool(self.session.warnings)

    def _same_note(self, name: str) -> str:
        """Why `name` and the columns that rank as it are shown once."""
        assert self.session is not None
        notes = [note for other, (same, note) in self.session.same_as.items() if name in (other, same)]
        return "\n".join(notes)

    @work(thread=True, exclusive=True, group="random-pairs")
    def measure_random_pairs(self, session: Session) -> None:
        """Each dense column's mean cosine of random pairs of documents, into its header."""
        try:
            measured = session.anisotropy()
        except Exception as error:  # the store went away (another index opened): nothing to show
            self.app.call_from_thread(self.notify, f"random pairs not measured: {error}", severity="warning", markup=False)
            return
        self.app.call_from_thread(self._show_random_pairs, session, measured)

    def _show_random_pairs(self, session: Session, measured: dict[str, Anisotropy]) -> None:
        if session is self.session:
            for widget in self.query(ResultsColumn):
                if widget.retriever in measured:
                    widget.set_random_pairs(measured[widget.retriever])

    @work(thread=True, group="why")
    def why_scores_cluster(self) -> None:
        """Say what each dense column's random-pair cosine means, and which columns rank identically."""
        session = self.session
        if session is None:
            return
        lines = [anisotropy.reading(name, "documents") for name, anisotropy in session.anisotropy().items()]
        lines += [note for _, note in session.same_as.values()]
        message = "\n".join(printable(line) for line in lines) or "no dense column: BM25 and RRF scores are not cosines"
        self.app.call_from_thread(self.notify, message, title="Why do scores cluster?", timeout=30, markup=False)

    def set_k(self, k: int) -> None:
        self.k = k
        self.rerun()

    def toggle_column(self, name: str) -> None:
        self.hidden ^= {name}
        self._apply_hidden()
        if self.result is not None and name not in {c.retriever for c in self.result.columns}:
            self.rerun()  # a column shown again was not searched
        self._render_result()

    def rerun(self) -> None:
        query = self.query_one("#query", Input).value
        if self.session is not None and query.strip():
            self.run_search(query, time.perf_counter(), debounce=False)

    def run_query(self, query: str) -> None:
        """Search `query` at once (from the query list or the eval screen)."""
        box = self.query_one("#query", Input)
        with box.prevent(Input.Changed):
            box.value = query
        self.query_one(QueryList).filter(query)
        self.run_search(query, time.perf_counter(), debounce=False)

    # -- searching -------------------------------------------------------------

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        self.call_after_refresh(self._filter_queries, event.value)  # the key is drawn first
        self.run_search(event.value, time.perf_counter(), debounce=True)

    def _filter_queries(self, typed: str) -> None:
        if typed == self.query_one("#query", Input).value:  # else a newer key's call filters
            self.query_one(QueryList).filter(typed)

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        # the box keeps the focus: what is typed next is a query, never a judging key
        self.run_search(event.value, time.perf_counter(), debounce=False)

    @work(exclusive=True, group="search")
    async def run_search(self, query: str, started: float, debounce: bool) -> None:
        """A newer query cancels this one; the blocking search runs in a thread."""
        session = self.session
        if session is None or not query.strip():
            return
        if debounce:
            await asyncio.sleep(DEBOUNCE_SECONDS)
        # said only when it takes long: drawing the line competes with the search for the interpreter
        slow = self.set_timer(SLOW_SEARCH_SECONDS, partial(self.set_status, f"searching “{query}”…", "dim"))
        visible = [r for r in session.retrievers if r.name not in self.hidden]
        try:
            result = await asyncio.to_thread(session.search, query, self.k, visible)
        finally:
            slow.stop()
        if session is not self.session:
            return
        self.result = result
        self._render_result()
        self.call_after_refresh(self._shown, result, started)

    def _shown(self, result: SearchResult, started: float) -> None:
        self.last_latency = time.perf_counter() - started
        shown = sum(min(len(c.hits), result.k) for c in result.columns)
        loading = "; loading models…" if self.loading_models else ""
        self.set_status(f"{shown} hits from {len(result.columns)} retrievers in {self.last_latency * 1000:.0f} ms (query id {result.query_id}){loading}")

    def _render_result(self) -> None:
        session, result = self.session, self.result
        if session is None or result is None:
            return
        grades = session.judgments.grades(result.query_id)
        scores = session.scores(result)
        shared = _shared(result)
        terms = query_terms(result.query)
        widgets = {widget.retriever: widget for widget in self.query_one(Columns).children if isinstance(widget, ResultsColumn)}
        bodies: Bodies = {}
        for column in result.columns:
            if (widget := widgets.get(column.retriever)) is not None:
                view = ColumnView(
                    column, result.k, result.documents, result.excerpts, terms, shared, grades,
                    scores.get(column.retriever), bool(scores), bodies,
                )  # fmt: skip
                widget.show(view)

    def _apply_hidden(self) -> None:
        for widget in self.query(ResultsColumn):
            widget.display = widget.retriever not in self.hidden
        self.query_one(Columns).fit()

    # -- judging and opening ------------------------------------------------------

    @on(HitList.Judge)
    def _judge(self, event: HitList.Judge) -> None:
        self.judge(event.doc_id, event.relevant)

    @on(HitList.Undo)
    def _undo(self) -> None:
        self.undo()

    def judge(self, doc_id: str, relevant: bool | None) -> None:
        """Save a judgment of `doc_id` for the query shown: relevant, not relevant, or None to clear the user's."""
        session, result = self.session, self.result
        if session is None or result is None:
            return
        judgments = session.judgments
        if relevant is None:
            grade = judgments.clear(result.query_id, doc_id)
            verdict = "back to no judgment" if grade is None else f"back to the corpus's grade {grade}"
            self._judged(f"{doc_id}: {verdict} for {result.query_id}")
            return
        typed = result.query_id not in (session.corpus.queries if session.corpus else {})
        grade = judgments.mark(result.query_id, doc_id, relevant, result.query if typed else None)
        verdict = f"relevant (grade {grade})" if relevant else "not relevant"
        self._judged(f"{doc_id} judged {verdict} for {result.query_id}")

    def undo(self) -> None:
        """Undo the last judgment change, whichever query it was for."""
        if self.session is None:
            return
        change = self.session.judgments.undo()
        if change is None:
            self.notify("no judgment to undo", timeout=3, markup=False)
        else:
            self._judged(f"undone: the last change to {change.doc_id} for {change.query_id}")

    def grade(self, doc_id: str) -> int | None:
        """The grade of `doc_id` for the query shown (the user's, else the corpus's), None when not judged."""
        if self.session is None or self.result is None:
            return None
        return self.session.judgments.grades(self.result.query_id).get(doc_id)

    def _judged(self, message: str) -> None:
        """Show a judgment change: the columns, the query list (a typed query joins or leaves it), a note."""
        session = self.session
        assert session is not None
        self._render_result()
        queries = self.query_one(QueryList)
        if set(queries.queries) != set(session.queries):
            queries.set_queries(session.queries)
            queries.display = bool(session.queries)
        self.notify(f"{printable(message)}; saved to {session.judgments.path.name}", timeout=3, markup=False)

    @on(HitList.Open)
    def _open(self, event: HitList.Open) -> None:
        session, result = self.session, self.result
        doc_id = event.doc_id
        if session is None or result is None:
            return
        document = result.documents.get(doc_id) or session.document(doc_id)
        column = event.hit_list.parent
        retriever = column.retriever if isinstance(column, ResultsColumn) else None
        span = next((h.span for c in result.columns if c.retriever == retriever for h in c.hits if h.doc_id == doc_id), None)
        if document is not None:
            self.app.push_screen(DocumentScreen(document, result.query, span, self, retriever, session))

    @on(OptionList.OptionSelected, "QueryList")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        query = self.query_one(QueryList).queries.get(event.option.id or "")
        if query is not None:
            self.run_query(query)
            self.query_one("#query", Input).focus()

    # -- keys ----------------------------------------------------------------------

    def action_focus_query(self) -> None:
        self.query_one("#query", Input).focus()

    def action_toggle_queries(self) -> None:
        queries = self.query_one(QueryList)
        queries.display = not queries.display and bool(queries.queries)

    def on_key(self, event: events.Key) -> None:
        # from the query box, Tab goes to the hits and ↓ to the query list (to the hits when there is none)
        if event.key in ("tab", "down") and self.focused is self.query_one("#query", Input):
            hits = next((h for h in self.query(HitList) if h.parent is not None and h.parent.display), None)
            queries = self.query_one(QueryList)
            target = queries if event.key == "down" and queries.display else hits
            if target is not None:
                target.focus()
                event.stop()
                event.prevent_default()


def _shared(result: SearchResult) -> dict[str, tuple[str, int]]:
    """Documents in more than one column's top k -> (colour, count), colours by best rank."""
    counts: dict[str, int] = {}
    order: list[str] = []
    for rank in range(result.k):
        for column in result.columns:
            if rank < len(column.hits):
                doc_id = column.hits[rank].doc_id
                if doc_id not in counts:
                    order.append(doc_id)
                counts[doc_id] = counts.get(doc_id, 0) + 1
    shared = [doc_id for doc_id in order if counts[doc_id] > 1]
    return {doc_id: (SHARED_COLOURS[i % len(SHARED_COLOURS)], counts[doc_id]) for i, doc_id in enumerate(shared)}
