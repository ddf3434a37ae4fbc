"""One whole document, shown literally, with the query's terms highlighted and the matched passage marked; judge it here too.

A long document is shown a part at a time (`[` / `]`), so that opening one never lays out or
highlights megabytes at once; it opens at the part holding the matched passage. `a` shades each
word by the attention the column's model pays it from [CLS] (the passage the column read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from searchkit.corpus import Document
from searchkit.display import printable
from searchkit.errors import SearchkitError
from searchkit.tui.text import highlighted, query_terms, shaded

PART_CHARS = 20_000  # of the text shown at once
_SEEK_CHARS = 200  # how far past a part's nominal end to look for whitespace to end it at


class Judging(Protocol):
    """What the search screen offers: judge, clear (None) or undo, and the grade now in effect."""

    def judge(self, doc_id: str, relevant: bool | None) -> None: ...

    def undo(self) -> None: ...

    def grade(self, doc_id: str) -> int | None: ...


class Explaining(Protocol):
    """What the session offers: the attention [CLS] pays each word piece (char spans, weights), or a SearchkitError."""

    def cls_attention(self, retriever: str | None, text: str) -> list[tuple[int, int, float]]: ...


Shading = list[tuple[int, int, float]]  # word spans with weights scaled to the strongest word's


@dataclass(frozen=True)
class Attention:
    title: Shading  # spans in the document's title
    text: Shading  # spans in its text
    legend: Text


def text_span(document: Document, span: tuple[int, int]) -> tuple[int, int]:
    """A span in `document.content` (title + " " + text, stripped) as a span in `document.text`, clipped to it."""
    joined = f"{document.title} {document.text}"
    offset = len(joined) - len(joined.lstrip()) - len(document.title) - 1  # content position + offset = text position
    return (min(max(span[0] + offset, 0), len(document.text)), min(max(span[1] + offset, 0), len(document.text)))


class DocumentScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("r", "judge(True)", "Relevant"),
        Binding("n", "judge(False)", "Not relevant"),
        Binding("c", "judge(None)", "Clear"),
        Binding("u", "undo", "Undo"),
        Binding("left_square_bracket", "part(-1)", "Previous part", key_display="["),
        Binding("right_square_bracket", "part(1)", "Next part", key_display="]"),
        Binding("a", "attention", "[CLS] attention"),
    ]

    def __init__(
        self, document: Document, query: str, span: tuple[int, int] | None, judging: Judging,
        column: str | None = None, explaining: Explaining | None = None,
    ) -> None:  # fmt: skip
        """`column`: the retriever whose hit was opened; its model's attention is what `a` shows."""
        super().__init__()
        self.document = document
        self.query_text = query
        self.terms = query_terms(query)
        self.span = span
        self.passage = text_span(document, span) if span is not None else None
        self.judging = judging
        self.column = column
        self.explaining = explaining
        self.attention: Attention | None = None
        self.attention_problem: str | None = None
        self.show_attention = False
        self.parts = max(1, -(-len(document.text) // PART_CHARS))
        self.part = 0
        if self.passage is not None:  # the part holding the passage's start
            self.part = min(self.passage[0] // PART_CHARS, self.parts - 1)
            if self.passage[0] < self._bound(self.part):
                self.part -= 1

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._heading(), id="document-heading")
        with VerticalScroll(id="document-body"):
            yield Static(highlighted(self.document.title, self.terms, "bold"), id="document-title")
            yield Static(id="document-text")
            yield Static(id="document-passage")
            yield Static(id="document-after")
        yield Footer()

    def on_mount(self) -> None:
        self._show_part()
        self.query_one("#document-body").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.parts > 1 if action == "part" else True

    def _bound(self, part: int) -> int:
        """Where part `part` starts: at whitespace near its nominal start, so no word is cut."""
        nominal = min(part * PART_CHARS, len(self.document.text))
        text = self.document.text
        if nominal == 0:
            return 0
        return next((i for i in range(nominal, min(nominal + _SEEK_CHARS, len(text))) if text[i].isspace()), nominal)

    def _show_part(self) -> None:
        """The text of the current part: before the passage, the passage (marked), after it."""
        start, end = self._bound(self.part), self._bound(self.part + 1)
        marked = (end, end)  # no passage in this part: all of it comes before
        if self.passage is not None and self.passage[0] < end and self.passage[1] > start:
            marked = (max(start, self.passage[0]), min(end, self.passage[1]))
        text = self.document.text
        bounds = [(start, marked[0]), marked, (marked[1], end)]
        body = self.query_one("#document-body", VerticalScroll)
        attention = self.attention if self.show_attention else None
        title = self.document.title
        self.query_one("#document-title", Static).update(
            shaded(title, attention.title) if attention else highlighted(title, self.terms, "bold")
        )
        for name, (low, high) in zip(("#document-text", "#document-passage", "#document-after"), bounds, strict=True):
            widget = self.query_one(name, Static)
            piece = text[low:high]
            if attention:
                widget.update(shaded(piece, [(a - low, b - low, w) for a, b, w in attention.text if low <= a and b <= high], lines=True))
            else:
                widget.update(highlighted(piece, self.terms, lines=True))
            widget.display = bool(piece) or name == "#document-text"
        passage = self.query_one("#document-passage", Static)
        if passage.display:
            self.call_after_refresh(body.scroll_to_widget, passage, top=True, animate=False)
        else:
            body.scroll_home(animate=False)
        self.query_one("#document-heading", Static).update(self._heading())

    def _heading(self) -> Text:
        grade = self.judging.grade(self.document.id)
        if grade is None:
            verdict = ("not judged", "dim")
        elif grade > 0:
            verdict = (f"✓ relevant (grade {grade})", "green")
        else:
            verdict = ("✗ not relevant", "red")
        heading = Text.assemble(
            ("document ", "dim"), (printable(self.document.id), "bold"), ("   query ", "dim"), printable(self.query_text), "   ", verdict
        )
        notes = []
        if self.passage is not None:
            notes.append("the matched passage is marked")
        if self.parts > 1:
            notes.append(f"part {self.part + 1} of {self.parts} ([ / ] for the others)")
        if notes:
            heading.append("\n" + "; ".join(notes), style="dim")
        if self.show_attention:
            heading.append("\n")
            if self.attention_problem is not None:
                heading.append(printable(self.attention_problem), style="yellow")
            elif self.attention is None:
                heading.append("[CLS] attention: computing…", style="dim")
            else:
                heading.append_text(self.attention.legend)
        return heading

    def action_attention(self) -> None:
        self.show_attention = not self.show_attention
        if self.show_attention and self.attention is None and self.attention_problem is None:
            self.measure_attention()
        self._show_part()

    @work(thread=True, exclusive=True, group="attention")
    def measure_attention(self) -> None:
        """The attention [CLS] pays each word of the text the column read (the matched passage, else the start)."""
        content = self.document.content
        start, end = self.span or (0, len(content))
        try:
            if self.explaining is None:
                raise SearchkitError("[CLS] attention is not available here")
            pieces = self.explaining.cls_attention(self.column, content[start:end])
        except SearchkitError as error:
            self.app.call_from_thread(self._attention_measured, None, str(error))
            return
        self.app.call_from_thread(self._attention_measured, _attention(self.document, start, pieces), None)

    def _attention_measured(self, attention: Attention | None, problem: str | None) -> None:
        self.attention, self.attention_problem = attention, problem
        if problem is not None:
            self.notify(printable(problem), severity="warning", markup=False)
        self._show_part()

    def action_judge(self, relevant: bool | None) -> None:
        self.judging.judge(self.document.id, relevant)
        self.query_one("#document-heading", Static).update(self._heading())

    def action_undo(self) -> None:
        self.judging.undo()
        self.query_one("#document-heading", Static).update(self._heading())

    def action_part(self, step: int) -> None:
        self.part = min(max(self.part + step, 0), self.parts - 1)
        self._show_part()


def _attention(document: Document, offset: int, pieces: list[tuple[int, int, float]]) -> Attention:
    """Word pieces of `document.content[offset:]` with weights -> shaded words of its title and text, and a legend."""
    words: list[list] = []  # [start, end, weight] in the content; a word is a run of touching pieces
    special = 0.0  # what [CLS] pays itself and [SEP]
    for start, end, weight in pieces:
        if start == end:
            special += weight
        elif words and words[-1][1] == start + offset:
            words[-1][1] = end + offset
            words[-1][2] += weight
        else:
            words.append([start + offset, end + offset, weight])
    top = max((w for _, _, w in words), default=1.0) or 1.0
    joined = f"{document.title} {document.text}"
    lead = len(joined) - len(joined.lstrip())  # content = joined, stripped
    title: Shading = []
    text: Shading = []
    for start, end, weight in words:
        if end + lead <= len(document.title):
            title.append((start + lead, end + lead, weight / top))
        else:
            text.append((*text_span(document, (start, end)), weight / top))
    strongest = sorted(words, key=lambda word: -word[2])[:3]
    legend = Text.assemble(
        ("[CLS] attention", "bold"), (" (last layer, mean over heads; brighter = more): ", "dim"),
        ", ".join(f"{printable(document.content[a:b])} {w:.2f}" for a, b, w in strongest),
        (f"; [CLS] and [SEP] themselves {special:.2f}. Mean pooling weighs each of the {len(pieces)} tokens {1 / max(len(pieces), 1):.3f}.", "dim"),
    )  # fmt: skip
    return Attention(title, text, legend)
