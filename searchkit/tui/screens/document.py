"""One whole document, shown literally, with the query's terms highlighted; judge it here too."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from searchkit.corpus import Document
from searchkit.tui.text import highlighted, query_terms

Judge = Callable[[str, bool], int | None]  # returns the grade stored


class DocumentScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("r", "judge(True)", "Relevant"),
        Binding("n", "judge(False)", "Not relevant"),
    ]

    def __init__(self, document: Document, query: str, grade: int | None, judge: Judge) -> None:
        super().__init__()
        self.document = document
        self.query_text = query
        self.grade = grade
        self.judge = judge

    def compose(self) -> ComposeResult:
        terms = query_terms(self.query_text)
        yield Header()
        yield Static(self._heading(), id="document-heading")
        with VerticalScroll(id="document-body"):
            yield Static(highlighted(self.document.title, terms, "bold"), id="document-title")
            yield Static(highlighted(self.document.text, terms), id="document-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#document-body").focus()

    def _heading(self) -> Text:
        if self.grade is None:
            verdict = ("not judged", "dim")
        elif self.grade > 0:
            verdict = (f"✓ relevant (grade {self.grade})", "green")
        else:
            verdict = ("✗ not relevant", "red")
        return Text.assemble(("document ", "dim"), (self.document.id, "bold"), ("   query ", "dim"), self.query_text, "   ", verdict)

    def action_judge(self, relevant: bool) -> None:
        self.grade = self.judge(self.document.id, relevant)
        self.query_one("#document-heading", Static).update(self._heading())
