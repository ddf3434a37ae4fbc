"""One retriever's column: a header with its per-query scores, then its top-k hits."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from searchkit.corpus import Document
from searchkit.display import printable
from searchkit.experiments.anisotropy import Anisotropy
from searchkit.tui.session import NDCG_CUTOFF, Column, QueryScores
from searchkit.tui.text import Excerpt, snippet
from searchkit.types import Hit

# colours that tell shared documents apart; a document in several columns has the same one in each.
# Light ones: 4.5:1 or more on the highlighted hit's dark blue (app.tcss), as the ✗ colour is.
SHARED_COLOURS = ("#ff87ff", "#5fd7ff", "#ffd75f", "#87d75f", "#87afff", "#ff8787", "#d7afff", "#5fffd7", "#ffaf5f", "#afff87")
NOT_RELEVANT = "#ff8787"
SNIPPET_LINES = 2
COLUMN_MIN_WIDTH = 30  # app.tcss's min-width of .results-column


@dataclass(frozen=True)
class ColumnView:
    """Everything a column shows, prepared by the search screen."""

    column: Column
    k: int
    documents: dict[str, Document]
    excerpts: dict[tuple[str, tuple[int, int] | None], Excerpt]
    terms: set[str]
    shared: dict[str, tuple[str, int]]  # doc id -> (colour, how many columns hold it), for shared documents
    grades: dict[str, int]  # doc id -> judged grade for this query
    scores: QueryScores | None
    judged: bool  # whether the query has any relevant judgment


class HitList(OptionList):
    """The hits; judging keys act on the highlighted one."""

    BINDINGS = [
        Binding("r", "judge(True)", "Relevant"),
        Binding("n", "judge(False)", "Not relevant"),
        Binding("c", "judge(None)", "Clear"),
        Binding("u", "undo", "Undo"),
        Binding("left", "move(-1)", "Column ←", show=False),
        Binding("right", "move(1)", "Column →", show=False),
    ]

    class Judge(Message):
        """Judge a hit relevant (True), not relevant (False), or clear the user's judgment (None)."""

        def __init__(self, doc_id: str, relevant: bool | None) -> None:
            super().__init__()
            self.doc_id = doc_id
            self.relevant = relevant

    class Undo(Message):
        """Undo the last judgment change."""

    def action_judge(self, relevant: bool | None) -> None:
        option = self.highlighted_option
        if option is not None and option.id is not None:
            self.post_message(self.Judge(option.id, relevant))

    def action_undo(self) -> None:
        self.post_message(self.Undo())

    def action_move(self, step: int) -> None:
        lists = list(self.screen.query(HitList))
        lists[(lists.index(self) + step) % len(lists)].focus()


class ResultsColumn(Vertical):
    ALLOW_MAXIMIZE = True  # maximising a hit list maximises its column, header and all

    def __init__(self, retriever: str, description: str = "", explanation: str = "") -> None:
        """`description`: what the retriever is, in a few words; `explanation`: more, for the header's tooltip."""
        super().__init__(classes="results-column")
        self.retriever = retriever
        self.border_title = retriever
        self.description = description
        self.explanation = explanation
        self.random_pairs: Anisotropy | None = None
        self.view: ColumnView | None = None

    def compose(self) -> ComposeResult:
        yield Static(classes="column-header")
        yield HitList(markup=False)

    def on_resize(self) -> None:
        self._show_header()
        if self.view is not None:
            self.show(self.view)  # titles and snippets are cut to the width

    def set_random_pairs(self, anisotropy: Anisotropy) -> None:
        self.random_pairs = anisotropy
        self._show_header()

    def _show_header(self) -> None:
        header = self.query_one(".column-header", Static)
        # four lines whatever it says (app.tcss): no new layout of the screen
        header.update(_header(self.description, self.random_pairs, self.view, header.content_size.width), layout=False)
        reading = self.random_pairs.reading(self.retriever, "documents") if self.random_pairs else ""
        header.tooltip = "\n".join(line for line in (self.description, self.explanation, reading) if line)

    def show(self, view: ColumnView) -> None:
        self.view = view
        self._show_header()
        hits = self.query_one(HitList)
        highlighted = hits.highlighted or 0
        width = max(hits.scrollable_content_region.width, 1)
        hits.set_options(_option(rank, hit, view, width, self.app.console) for rank, hit in enumerate(view.column.hits[: view.k], 1))
        if hits.option_count:
            hits.highlighted = min(highlighted, hits.option_count - 1)


class Columns(Horizontal):
    """The result columns side by side. When not all fit at COLUMN_MIN_WIDTH, as many as fit share the
    width and the rest are scrolled to (with `1fr` alone each would take the whole width)."""

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        shown = [column for column in self.query(ResultsColumn) if column.display]
        width = self.size.width
        fitting = max(1, width // COLUMN_MIN_WIDTH)
        each = width // fitting if len(shown) > fitting else None
        for column in shown:
            column.styles.width = each if each is not None else "1fr"


def _header(description: str, random_pairs: Anisotropy | None, view: ColumnView | None, width: int) -> Text:
    """What the retriever is; the mean cosine of random pairs of documents (dense); the query's scores.

    Each line is cut to `width` (with …)."""
    header = Text()
    header.append(printable(description), style="italic")
    header.append("\n")
    if random_pairs is not None:
        header.append_text(Text.assemble((f"{random_pairs.mean:.2f}", "bold"), (" random pairs", "dim")))  # the figure first: it shows when cut
    header.append("\n")
    if view is None:
        header.append("type a query", style="dim")
    elif view.scores is not None:
        header.append_text(Text.assemble(
            (f"recall@{view.k} ", "dim"), (f"{view.scores.recall:.2f}", "bold"), "\n",
            (f"nDCG@{NDCG_CUTOFF} ", "dim"), (f"{view.scores.ndcg:.2f}", "bold"),
        ))  # fmt: skip
    elif not view.column.hits:
        header.append("no hits", style="dim")
    elif not view.judged:
        header.append("not judged (Tab, then r: relevant)", style="dim")
    lines = header.split("\n", allow_blank=True)
    for line in lines:
        line.truncate(max(width, 1), overflow="ellipsis")
    return Text("\n").join(lines)


def _option(rank: int, hit: Hit, view: ColumnView, width: int, console: Console) -> Option:
    """Rank, judgment, shared marker, score and id; the title; two lines of snippet (of the matched passage, if any);
    a blank line. Every line is cut to `width`, so every hit is as high and ranks line up across columns."""
    doc_id = hit.doc_id
    document = view.documents.get(doc_id)
    grade = view.grades.get(doc_id)
    if grade is None:
        mark = Text("  ")
    else:
        mark = Text("✓ ", style="bold green") if grade > 0 else Text("✗ ", style=f"bold {NOT_RELEVANT}")
    colour, count = view.shared.get(doc_id, ("", 0))
    shared = Text(f"●{count} ", style=f"bold {colour}") if count else Text("   ")
    first = Text.assemble((f"{rank:>2} ", "bold"), mark, shared, (f"{hit.score:.3f} ", "cyan"), printable(doc_id))
    title = Text(printable(document.title) if document and document.title else "(untitled)", style="bold")
    for line in (first, title):
        line.truncate(width, overflow="ellipsis")
    excerpt = view.excerpts.get((doc_id, hit.span))
    text = snippet(excerpt, view.terms, (SNIPPET_LINES + 1) * width) if excerpt else Text()
    return Option(Text("\n").join([first, title, *_lines(text, width, console), Text(" ")]), id=doc_id)


def _lines(text: Text, width: int, console: Console) -> list[Text]:
    """`text` wrapped to `width`, in exactly SNIPPET_LINES lines (the last one cut with … when there is more)."""
    breaks = _breaks(text.plain, width, SNIPPET_LINES)
    lines = list(text.divide(breaks) if breaks is not None else text.wrap(console, width))
    for line in lines:
        line.rstrip()
    if len(lines) > SNIPPET_LINES:
        last = lines[SNIPPET_LINES - 1]
        last.truncate(width - 1)
        last.append("…")
    return (lines + [Text()] * SNIPPET_LINES)[:SNIPPET_LINES]



def _breaks(plain: str, width: int, lines: int) -> list[int] | None:
    """Where rich's word wrap breaks `plain` at `width`, for its first `lines` lines and the start of the rest.

    Only for one line of single-cell characters, words separated by single spaces (a snippet: about
    10x faster than `Text.wrap`, which measures every word's cells); None for any other text."""
    if width < 1 or "  " in plain or plain.startswith(" ") or not plain.isprintable() or cell_len(plain) != len(plain):
        return None
    breaks: list[int] = []
    start = 0
    while len(breaks) < lines and len(plain) - start > width:
        end = start + width
        if plain[end] == " ":  # every word up to `end` fits: the next one starts the line
            start = end + 1
        else:
            space = plain.rfind(" ", start, end)
            start = space + 1 if space >= start else end  # a word wider than the line is folded
        if start >= len(plain):
            break
        breaks.append(start)
    return breaks
