"""Keys and what the screens show."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# searchkit

Type a query: every retriever (raw `[CLS]`, mean pooling, SBERT, BM25, hybrid) answers in its own
column. A coloured **●N** marks a document that N columns found, in the same colour in each.
**✓** is a hit judged relevant, **✗** one judged not relevant.

| Key | Where | What |
| --- | --- | --- |
| type | query box | search as you type (Enter: search now, then go to the hits) |
| ↓ | query box | the list of the corpus's judged queries |
| / or Esc | anywhere | back to the query box |
| ↑ ↓ ← → | hits | move in a column, between columns |
| Enter / click | hits | open the whole document |
| r / n | hits, document | judge relevant / not relevant (saved at once beside the index) |
| Ctrl+B | search | show or hide the query list |
| F2 | anywhere | evaluation: every retriever over the judged queries |
| Ctrl+P | anywhere | commands: hide a column, change k, open another index, export the report |
| F1 | anywhere | this help |
| Ctrl+Q | anywhere | quit |

With judgments, each column's header shows **recall@k** and **nDCG@10** for the query shown.
Your judgments override the corpus's and are kept in `judgments.tsv` (BEIR qrels) in the index folder.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)
