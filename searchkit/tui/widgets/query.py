"""The corpus's judged queries, filtered by what is typed in the query box; choosing one fills it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from searchkit.display import printable
from searchkit.tui.text import highlighted, query_terms

MAX_SHOWN = 60  # measuring each wrapped query is what a keystroke waits for: more is typed to narrow


class QueryList(OptionList):
    def __init__(self) -> None:
        super().__init__(markup=False, id="query-list")
        self.queries: dict[str, str] = {}

    def set_queries(self, queries: dict[str, str]) -> None:
        self.queries = queries
        self.border_title = f"{len(queries)} judged queries"
        self.filter("")

    def filter(self, typed: str) -> None:
        """Queries whose id or text contains every typed word, the typed words highlighted."""
        words = typed.lower().split()
        matching = [(qid, text) for qid, text in self.queries.items() if all(w in f"{qid} {text}".lower() for w in words)]
        shown = matching[:MAX_SHOWN]
        terms = query_terms(typed)
        self.set_options(Option(Text.assemble((f"{printable(qid)} ", "dim"), highlighted(text, terms)), id=qid) for qid, text in shown)
        if shown:
            self.highlighted = 0
        if len(matching) > len(shown):
            self.add_option(Option(Text(f"{len(matching) - len(shown):,} more: type to narrow", style="dim italic"), disabled=True))
        elif not shown and self.queries:  # an empty panel would look like an index without judged queries
            self.add_option(Option(Text("no judged query holds every typed word", style="dim italic"), disabled=True))
