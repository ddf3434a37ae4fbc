"""Pilot tests of the TUI on a user's own data: typing never judges, judgments undo, partial indexes, hostile text, passages."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conftest import TINY_DOCS, TINY_QRELS, TINY_QUERIES, write_beir
from test_display import EVIL_DOCS, RAW, RETITLE
from textual.widgets import DataTable, Input, Static

from searchkit.display import printable
from searchkit.judgments import Judgments
from searchkit.tui.app import SearchkitApp
from searchkit.tui.screens.document import PART_CHARS, DocumentScreen
from searchkit.tui.screens.eval import EvalScreen
from searchkit.tui.session import Options
from searchkit.tui.widgets.query import QueryList
from searchkit.tui.widgets.results import HitList, ResultsColumn
from searchkit.types import Hit

from .conftest import run, wait_for, wait_for_result, wait_for_session
from .test_app import SIZE, column_text, make_app


def build(tmp_path: Path, encoders: list, name: str, docs: list[dict], queries: list[dict], qrels: list) -> Path:
    """An index `name` of a BEIR corpus written under tmp_path, under the sbert encoder; returns its home."""
    from searchkit.corpus import load_corpus
    from searchkit.index import Index
    from searchkit.indexing import index_corpus

    corpus = write_beir(tmp_path / name, docs, queries, qrels)
    home = tmp_path / "home"
    with Index.open(name, home=home, create=True) as index:
        index_corpus(load_corpus(corpus), [e for e in encoders if e.spec == "sbert:minilm"], index)
    return home


def hit_list(app: SearchkitApp, retriever: str) -> HitList:
    return next(c for c in app.search_screen.query(ResultsColumn) if c.retriever == retriever).query_one(HitList)


def first_mark(app: SearchkitApp, retriever: str) -> str:
    """The judgment mark of a column's top hit: ✓, ✗ or a space."""
    return hit_list(app, retriever).text(0)[3]


def test_typing_a_query_after_a_search_never_judges(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm")
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            await pilot.click("#query")
            await pilot.press(*"printer error", "enter")
            await wait_for_result(pilot, screen, "printer error")
            await pilot.press("home", "ctrl+k", *"learn rust and go")  # r and n: judging keys on a hit
            await wait_for_result(pilot, screen, "learn rust and go")
            assert screen.query_one("#query", Input).value == "learn rust and go"
            assert isinstance(app.focused, Input)
            assert not (tui_home / "tiny" / "judgments.tsv").exists()
            assert screen.session.judgments.user == {}

    run(scenario())


def test_judgments_clear_and_undo(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm", bm25=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("musical instrument with strings")  # q1: the corpus judges guitar 2
            await wait_for(pilot, lambda: screen.result is not None)
            assert screen.result.columns[0].hits[0].doc_id == "guitar"
            saved = tui_home / "tiny" / "judgments.tsv"
            assert first_mark(app, "sbert:minilm") == "✓"
            await pilot.press("tab", "n")  # to the hits: the top one is not relevant after all
            await pilot.pause()
            assert Judgments.load(saved).user == {"q1": {"guitar": 0}}
            assert first_mark(app, "sbert:minilm") == "✗"
            await pilot.press("c")  # clear: the corpus's grade again
            await pilot.pause()
            assert Judgments.load(saved).user == {}
            assert first_mark(app, "sbert:minilm") == "✓"
            await pilot.press("u")  # undo the clear
            await pilot.pause()
            assert Judgments.load(saved).user == {"q1": {"guitar": 0}}
            assert first_mark(app, "sbert:minilm") == "✗"
            await pilot.press("u")  # undo the judgment itself
            await pilot.pause()
            assert Judgments.load(saved).user == {}
            assert first_mark(app, "sbert:minilm") == "✓"

            screen.run_query("stock exchange")  # a typed query: judging it lists it, undoing unlists it
            await wait_for(pilot, lambda: screen.result is not None and screen.result.query == "stock exchange")
            hit_list(app, "sbert:minilm").focus()
            await pilot.press("r")
            await pilot.pause()
            assert "stock exchange" in screen.query_one(QueryList).queries.values()
            await pilot.press("u")
            await pilot.pause()
            assert "stock exchange" not in screen.query_one(QueryList).queries.values()
            assert Judgments.load(saved).user == {} and Judgments.load(saved).queries == {}

    run(scenario())


def test_judging_in_the_document_screen_can_be_cleared_and_undone(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm", bm25=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("fuser overheated")
            await wait_for(pilot, lambda: screen.result is not None)
            await pilot.press("tab", "enter")
            assert isinstance(app.screen, DocumentScreen)
            heading = app.screen.query_one("#document-heading", Static)
            await pilot.press("r")
            assert "✓ relevant" in str(heading.render())
            await pilot.press("c")
            assert "not judged" in str(heading.render())
            await pilot.press("u")
            assert "✓ relevant" in str(heading.render())
            assert Judgments.load(tui_home / "tiny" / "judgments.tsv").user == {screen.result.query_id: {"error": 1}}

    run(scenario())


def test_warnings_stay_on_screen(tmp_path: Path, minilm_encoders: list) -> None:
    home = build(tmp_path, minilm_encoders, "moved", TINY_DOCS, TINY_QUERIES, TINY_QRELS)
    shutil.rmtree(tmp_path / "moved")  # the corpus is gone: its queries and judgments cannot be shown

    async def scenario() -> None:
        app = SearchkitApp(Options("moved", home=home, encoders="sbert:minilm"))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            warnings = screen.query_one("#warnings", Static)
            assert warnings.display and "corpus could not be read again" in str(warnings.render())
            screen.run_query("stock exchange")
            await wait_for(pilot, lambda: screen.result is not None and screen.last_latency is not None)
            assert "hits from" in str(screen.query_one("#status", Static).render())  # the status line moved on
            assert warnings.display and "corpus could not be read again" in str(warnings.render())

    run(scenario())


def test_bm25_hits_of_documents_missing_from_a_partial_index_show_their_titles(tmp_path: Path, minilm_encoders: list) -> None:
    from searchkit.index import Index

    home = build(tmp_path, minilm_encoders, "partial", TINY_DOCS, TINY_QUERIES, TINY_QRELS)
    with Index.open("partial", home=home) as index:
        index.store.delete(["guitar", "violin"])  # as an interrupted run leaves them: not in the store
        assert index.store.count() == 5

    async def scenario() -> None:
        app = SearchkitApp(Options("partial", home=home, encoders="sbert:minilm"))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("guitar violin string instrument")
            await wait_for(pilot, lambda: screen.result is not None)
            bm25 = screen.result.columns[0]
            assert bm25.retriever == "bm25" and {h.doc_id for h in bm25.hits[:2]} == {"guitar", "violin"}
            text = column_text(app, "bm25")
            assert "Guitar" in text and "Violin" in text and "string instrument" in text
            assert "(untitled)" not in text
            warnings = str(screen.query_one("#warnings", Static).render())
            assert screen.session.warnings and all(printable(w) in warnings for w in screen.session.warnings)

    run(scenario())


def test_escape_sequences_in_documents_and_queries_are_shown_escaped(tmp_path: Path, minilm_encoders: list) -> None:
    queries = [{"_id": "q1", "text": f"printer {RETITLE}manual"}]
    home = build(tmp_path, minilm_encoders, "evil", EVIL_DOCS, queries, [("q1", "retitle", 1)])

    def shown(text: str) -> str:
        assert not [char for char in RAW if char in text], repr(text)
        return text

    async def scenario() -> None:
        app = SearchkitApp(Options("evil", home=home, encoders="sbert:minilm"))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            query_list = screen.query_one(QueryList)
            assert "printer \\x1b]0;pwned\\x07manual" in shown(str(query_list.get_option_at_index(0).prompt))
            query_list.focus()
            await pilot.press("enter")  # the corpus's query, searched as it is and shown safely in the box
            await wait_for(pilot, lambda: screen.result is not None and screen.result.query_id == "q1")
            box = screen.query_one("#query", Input)
            assert box.value == queries[0]["text"]
            assert shown(box.render_line(0).text).startswith("printer ␛]0;pwned")  # (rich drops the BEL itself)
            screen.run_query("printer")
            await wait_for(pilot, lambda: screen.result is not None and screen.result.query == "printer")
            for retriever in ("bm25", "sbert:minilm"):
                text = shown(column_text(app, retriever))
                assert "\\x1b]0;pwned\\x07Printer \\x1b[31mmanual" in text
                assert "Printer \\x1b]8;;https:" in text  # the link title, cut to the column
                assert "\\x9b2J" in text or "\\x7f" in text
            hit_list(app, "bm25").focus()
            hits = screen.result.columns[0].hits
            await pilot.press(*["down"] * [h.doc_id for h in hits].index("retitle"), "enter")
            assert isinstance(app.screen, DocumentScreen)
            assert shown(str(app.screen.query_one("#document-title").render())) == "\\x1b]0;pwned\\x07Printer \\x1b[31mmanual"
            assert shown(str(app.screen.query_one("#document-text").render())) == "Paper jams in the printer. \\x9b2J cleared"
            await pilot.press("escape", "f2")
            eval_screen = app.screen
            assert isinstance(eval_screen, EvalScreen)
            await wait_for(pilot, lambda: eval_screen.report is not None)
            row = eval_screen.query_one("#eval-queries", DataTable).get_row_at(0)
            assert shown(str(row[1])) == "printer \\x1b]0;pwned\\x07manual"

    run(scenario())


PASSAGE = "The fuser calibration failed at 230 degrees."
LONG_TEXT = "Routine entry about paper trays. " * 800 + PASSAGE + " Routine entry about toner. " * 100


class PassageRetriever:
    """Ranks the long document first, scored by its passage on the fuser (as a retriever over windows does)."""

    name = "passages"

    def __init__(self, span: tuple[int, int]) -> None:
        self.span = span

    def search(self, query: str, k: int = 10) -> list[Hit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[Hit]]:
        return [[Hit("long", 0.9, self.span), Hit("error", 0.5)][:k] for _ in queries]

    def describe(self) -> dict[str, Any]:
        return {"kind": "passages"}


def test_a_hit_scored_by_a_passage_shows_and_opens_at_it(tmp_path: Path, minilm_encoders: list) -> None:
    from searchkit.corpus import Document

    docs = [*TINY_DOCS, {"_id": "long", "title": "Maintenance log", "text": LONG_TEXT}]
    home = build(tmp_path, minilm_encoders, "logs", docs, TINY_QUERIES, TINY_QRELS)
    content = Document("long", "Maintenance log", LONG_TEXT).content
    start = content.index(PASSAGE)
    assert start > PART_CHARS  # in the document's second part

    async def scenario() -> None:
        app = SearchkitApp(Options("logs", home=home, encoders="sbert:minilm", bm25=False))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.session.retrievers.append(PassageRetriever((start, start + len(PASSAGE))))
            await screen.set_session(screen.session)
            screen.run_query("fuser calibration")
            await wait_for(pilot, lambda: screen.result is not None)
            text = column_text(app, "passages")
            assert "Maintenance log" in text
            assert "…The fuser calibration failed at 230 degrees.…" in " ".join(text.split())  # the passage, not the text's start
            assert "paper trays" not in text
            assert "Printer fault" in text and "Error E-4471" in text  # a hit without a span: its text as before

            hit_list(app, "passages").focus()
            await pilot.press("enter")
            document = app.screen
            assert isinstance(document, DocumentScreen)
            passage = document.query_one("#document-passage", Static)
            assert passage.display and str(passage.render()) == PASSAGE
            assert "part 2 of 2" in str(document.query_one("#document-heading").render())
            await pilot.press("left_square_bracket")
            assert not passage.display
            assert str(document.query_one("#document-text").render()).startswith("Routine entry about paper trays.")
            assert "part 1 of 2" in str(document.query_one("#document-heading").render())

    run(scenario())


def test_a_huge_document_opens_a_part_at_a_time(tui_home: Path) -> None:
    from searchkit.corpus import Document

    huge = Document("huge", "Huge", "dog grass " * (PART_CHARS * 30))  # 6 MB

    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm", bm25=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("dog grass")
            await wait_for(pilot, lambda: screen.result is not None)
            await app.push_screen(DocumentScreen(huge, "dog grass", None, screen))
            document = app.screen
            first = str(document.query_one("#document-text").render())
            assert PART_CHARS <= len(first) <= PART_CHARS + 10 and first.endswith("dog")  # no word cut
            assert "part 1 of 300" in str(document.query_one("#document-heading").render())
            await pilot.press("right_square_bracket")
            assert "part 2 of 300" in str(document.query_one("#document-heading").render())
            second = str(document.query_one("#document-text").render())
            assert first + second == huge.text[: len(first) + len(second)]

    run(scenario())
