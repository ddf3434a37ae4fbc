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
**✓** is a hit judged relevant, **✗** one judged not relevant. A long document scored by a
passage shows that passage's snippet. Control characters in documents show as escapes (`\\x1b`).

| Key | Where | What |
| --- | --- | --- |
| type | query box | search as you type (Enter: search now; the box keeps the focus, so typing is always a query) |
| Tab | query box | go to the hits: judging keys act only there and in a document |
| ↓ | query box | the list of the corpus's judged queries (the hits when there is none) |
| / or Esc | anywhere | back to the query box |
| ↑ ↓ ← → | hits | move in a column, between columns |
| PgUp PgDn | hits | a page up or down (Home, End: the first hit, the last) |
| Enter / click | hits | open the whole document (the matched passage marked; `[` / `]`: parts of a long one) |
| a | document | shade each word by the attention `[CLS]` pays it in the last layer (dense columns of a BERT-family model) |
| r / n | hits, document | judge relevant / not relevant (saved at once beside the index) |
| c | hits, document | clear your judgment (back to the corpus's grade, or none) |
| u | hits, document | undo the last judgment change |
| Ctrl+B | search | show or hide the query list |
| F2 | anywhere | evaluation: every retriever over the judged queries |
| Ctrl+P | anywhere | commands: hide or show a column, change k, why scores cluster, open another index, export the report |
| F1 | anywhere | this help |
| Ctrl+Q | anywhere | quit |

Each column's header says what the retriever is and, for a dense one, the mean cosine of random
pairs of the index's documents (500 at most): when unrelated documents already score 0.50, a hit's
0.60 says little (hover it, or Ctrl+P "Why do scores cluster?"). Columns that rank the sample
queries identically (hits and scores) are shown once, the others named in its bottom border
(Ctrl+P "Show column ..." brings one back). In a document, `a` shows where `[CLS]` looks: mean
pooling weighs every token alike, `[CLS]` does not.

With judgments, each column's header shows **recall@k** and **nDCG@10** for the query shown.
Your judgments override the corpus's and are kept in `judgments.tsv` (BEIR qrels) in the index folder.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)
