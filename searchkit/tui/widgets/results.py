"""One retriever's column: a header with its per-query scores, then its top-k hits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

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
HIT_HEIGHT = 2 + SNIPPET_LINES + 1  # id line, title, snippet, a blank line
COLUMN_MIN_WIDTH = 30  # app.tcss's min-width of .results-column
DrawHit = Callable[[int], Sequence[Strip]]  # a hit's index -> its HIT_HEIGHT lines
Bodies = dict[tuple[str, tuple[int, int] | None, int], list[Strip]]  # (doc id, span, width) -> a hit's lines below its first


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
    bodies: Bodies  # shared by the columns: a passage shown at the same width in several is drawn once


class HitList(ScrollView, can_focus=True):
    """The hits, HIT_HEIGHT lines each, drawn when first shown; judging keys act on the highlighted one."""

    COMPONENT_CLASSES = {"hit-list--highlighted"}
    DEFAULT_CSS = """
    HitList > .hit-list--highlighted {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
    }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "open", "Open", show=False),
        Binding("r", "judge(True)", "Relevant"),
        Binding("n", "judge(False)", "Not relevant"),
        Binding("c", "judge(None)", "Clear"),
        Binding("u", "undo", "Undo"),
        Binding("left", "move(-1)", "Column ←", show=False),
        Binding("right", "move(1)", "Column →", show=False),
    ]

    highlighted: reactive[int] = reactive(0, always_update=True)

    class Open(Message):
        """Open the document of a hit."""

        def __init__(self, hit_list: HitList, doc_id: str) -> None:
            super().__init__()
            self.hit_list = hit_list
            self.doc_id = doc_id

    class Judge(Message):
        """Judge a hit relevant (True), not relevant (False), or clear the user's judgment (None)."""

        def __init__(self, doc_id: str, relevant: bool | None) -> None:
            super().__init__()
            self.doc_id = doc_id
            self.relevant = relevant

    class Undo(Message):
        """Undo the last judgment change."""

    def __init__(self) -> None:
        super().__init__()
        self.doc_ids: list[str] = []
        self._draw: DrawHit = lambda index: ()
        self._drawn: dict[int, tuple[Strip, ...]] = {}
        self._styled: dict[tuple[int, int, bool, Style], Strip] = {}  # (hit, line, highlighted, base style) -> strip
        self._styles = (Style(), Style())  # the base style and the highlighted hit's, set for each paint
        self._width = 0  # of the lines, set for each paint

    def set_hits(self, doc_ids: Sequence[str], draw: DrawHit) -> None:
        """Show a hit per document, `draw(i)` giving the lines of the i-th (called when it is first shown).

        The highlighted rank stays; a list as long as the last one changes no layout."""
        self.doc_ids = list(doc_ids)
        self._draw = draw
        retired = self._drawn, self._styled
        self._drawn, self._styled = {}, {}
        self.call_after_refresh(self.call_later, _free, *retired)  # freeing a result's lines takes milliseconds: after the paint
        self.virtual_size = Size(self.scrollable_content_region.width, HIT_HEIGHT * len(self.doc_ids))
        self.set_reactive(HitList.highlighted, min(self.highlighted, max(len(self.doc_ids) - 1, 0)))
        self.refresh()

    def lines(self, index: int) -> tuple[Strip, ...]:
        """The lines of the hit at `index`."""
        if (lines := self._drawn.get(index)) is None:
            lines = self._drawn[index] = tuple(self._draw(index))
        return lines

    def text(self, index: int) -> str:
        return "\n".join(line.text for line in self.lines(index))

    def render_lines(self, crop: Region) -> list[Strip]:
        base = self.rich_style
        self._styles = (base, base + self.get_component_rich_style("hit-list--highlighted"))
        self._width = self.scrollable_content_region.width
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index, line = divmod(self.scroll_offset.y + y, HIT_HEIGHT)
        width = self._width
        if index >= len(self.doc_ids):
            return Strip.blank(width, self._styles[0])
        highlighted = index == self.highlighted
        key = (index, line, highlighted, self._styles[0])
        if (strip := self._styled.get(key)) is None:
            strip = self._styled[key] = _fill(self.lines(index)[line], width, self._styles[highlighted])
        return strip

    def watch_highlighted(self, index: int) -> None:
        width = self.scrollable_content_region.width
        self.scroll_to_region(Region(0, index * HIT_HEIGHT, width, HIT_HEIGHT), animate=False, force=True, immediate=True)
        self.refresh()

    def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and (index := (offset.y + self.scroll_offset.y) // HIT_HEIGHT) < len(self.doc_ids):
            self.highlighted = index
            self.action_open()

    def action_cursor(self, step: int) -> None:
        if self.doc_ids:
            self.highlighted = min(max(self.highlighted + step, 0), len(self.doc_ids) - 1)

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.scrollable_content_region.height // HIT_HEIGHT))

    def action_first(self) -> None:
        self.action_cursor(-len(self.doc_ids))

    def action_last(self) -> None:
        self.action_cursor(len(self.doc_ids))

    def action_open(self) -> None:
        if self.highlighted < len(self.doc_ids):
            self.post_message(self.Open(self, self.doc_ids[self.highlighted]))

    def action_judge(self, relevant: bool | None) -> None:
        if self.highlighted < len(self.doc_ids):
            self.post_message(self.Judge(self.doc_ids[self.highlighted], relevant))

    def action_undo(self) -> None:
        self.post_message(self.Undo())

    def action_move(self, step: int) -> None:
        lists = list(self.screen.query(HitList))
        lists[(lists.index(self) + step) % len(lists)].focus()


class ColumnHeader(Widget):
    """What a column's retriever is and how it scored, in lines drawn once per change (a Static's text is
    measured and wrapped again at every paint)."""

    def __init__(self) -> None:
        super().__init__(classes="column-header")
        self.text = Text()
        self._lines: list[Strip] = []

    def update(self, text: Text) -> None:
        if text != self.text:
            self.text = text
            console = self.app.console
            self._lines = [_strip(line, console) for line in text.split("\n", allow_blank=True)]
            self.refresh()

    def render(self) -> Text:
        return self.text

    def render_line(self, y: int) -> Strip:
        line = self._lines[y] if y < len(self._lines) else Strip([])
        return _fill(line, self.content_size.width, self.rich_style)


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
        self.header = ColumnHeader()
        self.hit_list = HitList()

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.hit_list

    def on_resize(self) -> None:
        self._show_header()
        if self.view is not None:
            self.show(self.view)  # titles and snippets are cut to the width

    def set_random_pairs(self, anisotropy: Anisotropy) -> None:
        self.random_pairs = anisotropy
        self._show_header()

    def _show_header(self) -> None:
        header = self.header
        header.update(_header(self.description, self.random_pairs, self.view, header.content_size.width))
        reading = self.random_pairs.reading(self.retriever, "documents") if self.random_pairs else ""
        tooltip = "\n".join(line for line in (self.description, self.explanation, reading) if line)
        if tooltip != header.tooltip:
            header.tooltip = tooltip

    def show(self, view: ColumnView) -> None:
        self.view = view
        self._show_header()
        hit_list = self.hit_list
        width = max(hit_list.scrollable_content_region.width, 1)
        console = self.app.console
        hits = view.column.hits[: view.k]
        hit_list.set_hits([hit.doc_id for hit in hits], lambda index: _draw_hit(index + 1, hits[index], view, width, console))


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


def _draw_hit(rank: int, hit: Hit, view: ColumnView, width: int, console: Console) -> list[Strip]:
    """Rank, judgment, shared marker, score and id; the title; two lines of snippet (of the matched passage, if any);
    a blank line. Every line is cut to `width`, so every hit is as high and ranks line up across columns."""
    doc_id = hit.doc_id
    grade = view.grades.get(doc_id)
    if grade is None:
        mark = Text("  ")
    else:
        mark = Text("✓ ", style="bold green") if grade > 0 else Text("✗ ", style=f"bold {NOT_RELEVANT}")
    colour, count = view.shared.get(doc_id, ("", 0))
    shared = Text(f"●{count} ", style=f"bold {colour}") if count else Text("   ")
    first = Text.assemble((f"{rank:>2} ", "bold"), mark, shared, (f"{hit.score:.3f} ", "cyan"), printable(doc_id))
    first.truncate(width, overflow="ellipsis")
    key = (doc_id, hit.span, width)
    if (body := view.bodies.get(key)) is None:
        body = view.bodies[key] = _draw_body(view.documents.get(doc_id), view.excerpts.get((doc_id, hit.span)), view.terms, width, console)
    return [_strip(first, console), *body]


def _draw_body(document: Document | None, excerpt: Excerpt | None, terms: set[str], width: int, console: Console) -> list[Strip]:
    """The title, the snippet and a blank line."""
    title = Text(printable(document.title) if document and document.title else "(untitled)", style="bold")
    title.truncate(width, overflow="ellipsis")
    text = snippet(excerpt, terms, (SNIPPET_LINES + 1) * width) if excerpt else Text()
    return [_strip(line, console) for line in (title, *_lines(text, width, console), Text())]


def _strip(line: Text, console: Console) -> Strip:
    """`line` as segments: directly where its spans do not overlap (about 3x faster than `Text.render`)."""
    plain, get_style = line.plain, console.get_style
    base = get_style(line.style) if isinstance(line.style, str) else line.style
    segments, at = [], 0
    for span in sorted(line.spans, key=lambda span: span.start):
        if span.start < at:
            return Strip(line.render(console), line.cell_len)
        if span.start > at:
            segments.append(Segment(plain[at : span.start], base))
        style = get_style(span.style) if isinstance(span.style, str) else span.style
        segments.append(Segment(plain[span.start : span.end], base + style))
        at = span.end
    if at < len(plain):
        segments.append(Segment(plain[at:], base))
    return Strip(segments, line.cell_len)


def _free(*caches: dict[Any, Any]) -> None:
    for cache in caches:
        cache.clear()


def _fill(line: Strip, width: int, style: Style) -> Strip:
    """`line` in `style` (under its own), cut or padded to `width`."""
    if line.cell_length > width:
        line = line.crop(0, width)
    pad = [Segment(" " * (width - line.cell_length))] if line.cell_length < width else []
    return Strip(Segment.apply_style([*line, *pad], style), width)


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
