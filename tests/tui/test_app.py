"""Pilot tests of the TUI: searching, judging, the document and eval screens, the palette, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from searchkit.judgments import Judgments
from searchkit.tui.app import SearchkitApp
from searchkit.tui.screens.document import DocumentScreen
from searchkit.tui.screens.eval import EvalScreen
from searchkit.tui.screens.help import HelpScreen
from searchkit.tui.screens.indexing import IndexJob
from searchkit.tui.session import Options
from searchkit.tui.widgets.query import MAX_SHOWN, QueryList
from searchkit.tui.widgets.results import HIT_HEIGHT, HitList, ResultsColumn

from .conftest import MARKUP_DOC, run, wait_for, wait_for_result, wait_for_session

SIZE = (120, 36)


def make_app(home: Path, index: str = "tiny", **options) -> SearchkitApp:  # type: ignore[no-untyped-def]
    return SearchkitApp(Options(index, home=home, **options))


def column_text(app: SearchkitApp, retriever: str) -> str:
    column = next(c for c in app.search_screen.query(ResultsColumn) if c.retriever == retriever)
    hits = column.query_one(HitList)
    header = str(column.query_one(".column-header").render())
    return header + "\n" + "\n".join(hits.text(i) for i in range(len(hits.doc_ids)))


def test_search_shows_one_column_per_retriever_with_scores(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            assert [c.retriever for c in screen.query(ResultsColumn)] == ["bm25", "cls:minilm", "mean:minilm", "sbert:minilm"]
            assert not next(c for c in screen.query(ResultsColumn) if c.retriever == "sbert:minilm").display  # ranks as mean:
            assert screen.query_one(QueryList).display  # the corpus has judged queries
            await pilot.click("#query")
            await pilot.press(*"musical instrument with strings")
            await wait_for_result(pilot, screen, "musical instrument with strings")
            assert screen.result.query_id == "q1"  # the corpus's own query, so its judgments apply
            text = column_text(app, "mean:minilm")
            assert "recall@10" in text and "nDCG@10" in text
            assert "Guitar" in text and "✓" in text  # judged relevant hits are marked
            assert "●" in text  # documents found by several retrievers share a marker

    run(scenario())


def test_newer_query_replaces_older(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            await pilot.click("#query")
            await pilot.press(*"bonds")
            await pilot.press(*" and interest", "enter")
            await wait_for(pilot, lambda: screen.result is not None and screen.result.query == "bonds and interest")
            await pilot.pause(0.5)
            assert screen.result.query == "bonds and interest"
            assert isinstance(app.focused, Input)  # Enter searches; the box keeps the focus

    run(scenario())


def test_judging_saves_at_once_and_changes_the_scores(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm", bm25=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            await pilot.click("#query")
            await pilot.press(*"printer error code", "enter")
            await wait_for_result(pilot, screen, "printer error code")
            assert "not judged" in column_text(app, "sbert:minilm")
            top = screen.result.columns[0].hits[0].doc_id
            await pilot.press("tab", "r")  # to the hits: the top one is relevant
            await pilot.pause()
            assert "recall@10 1.00" in column_text(app, "sbert:minilm")
            await pilot.press("down", "down", "r")  # so is the third
            await pilot.pause()
            third = screen.result.columns[0].hits[2].doc_id
            assert "✓" in column_text(app, "sbert:minilm")
            index_folder = tui_home / "tiny"
            saved = Judgments.load(index_folder / "judgments.tsv")
            qid = screen.result.query_id
            assert saved.user == {qid: {top: 1, third: 1}}
            assert saved.queries == {qid: "printer error code"}
            await pilot.press("up", "up", "n")  # changed my mind about the top hit
            await pilot.pause()
            assert Judgments.load(index_folder / "judgments.tsv").user[qid][top] == 0
            assert "recall@10 1.00" in column_text(app, "sbert:minilm")  # 1 of 1 relevant found
            assert qid in screen.query_one(QueryList).queries  # the typed query joins the judged ones

        # the judgments survive a restart
        app = make_app(tui_home, encoders="sbert:minilm", bm25=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            assert "printer error code" in screen.query_one(QueryList).queries.values()

    run(scenario())


def test_a_corpus_judgment_can_be_overridden(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm", bm25=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("musical instrument with strings")
            await wait_for(pilot, lambda: screen.result is not None)
            before = screen.session.scores(screen.result)["sbert:minilm"]
            assert before.recall == 1.0
            screen.judge("guitar", False)
            after = screen.session.scores(screen.result)["sbert:minilm"]
            assert after.ndcg < before.ndcg

    run(scenario())


def test_choosing_a_hit_opens_the_whole_document(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm")
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            await pilot.click("#query")
            await pilot.press(*"fuser overheated", "enter")
            await wait_for_result(pilot, screen, "fuser overheated")
            await pilot.press("tab", "enter")
            await pilot.pause()
            assert isinstance(app.screen, DocumentScreen)
            assert app.screen.document.id == "error"
            assert "fuser unit has overheated" in str(app.screen.query_one("#document-text").render())
            await pilot.press("r")
            await pilot.pause()
            assert "relevant" in str(app.screen.query_one("#document-heading").render())
            await pilot.press("escape")
            assert app.screen is screen
            assert "✓" in column_text(app, "bm25")

    run(scenario())


def test_keys_move_through_the_hits_and_a_click_opens_one(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm", bm25=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("musical instrument with strings")
            await wait_for(pilot, lambda: screen.result is not None and screen.last_latency is not None)
            hits = screen.query_one(HitList)
            doc_ids = [hit.doc_id for hit in screen.result.columns[0].hits]
            assert hits.doc_ids == doc_ids
            assert len(doc_ids) * HIT_HEIGHT > hits.scrollable_content_region.height  # more than fit
            hits.focus()
            await pilot.press("down", "down")
            assert hits.highlighted == 2
            await pilot.press("end")
            await pilot.pause()
            assert hits.highlighted == len(doc_ids) - 1
            assert hits.scroll_offset.y + hits.scrollable_content_region.height >= len(doc_ids) * HIT_HEIGHT  # the last hit shows
            assert hits.text(hits.highlighted).startswith(f"{len(doc_ids):>2} ")
            await pilot.press("home")
            await pilot.pause()
            assert hits.highlighted == 0 and hits.scroll_offset.y == 0
            await pilot.click(HitList, offset=(3, HIT_HEIGHT + 1))  # the second hit's title
            await pilot.pause()
            assert isinstance(app.screen, DocumentScreen)
            assert app.screen.document.id == doc_ids[1]

    run(scenario())


def test_markup_in_documents_is_shown_literally(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm", bm25=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("markup lookalikes not bold not a link")
            await wait_for(pilot, lambda: screen.result is not None)
            assert screen.result.columns[0].hits[0].doc_id == "markup"
            text = column_text(app, "sbert:minilm")
            assert "[bold]Markup[/bold] in a title [link=https://x]" in text
            screen.query_one(HitList).focus()
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DocumentScreen)
            assert str(app.screen.query_one("#document-title").render()) == MARKUP_DOC["title"]
            assert str(app.screen.query_one("#document-text").render()) == MARKUP_DOC["text"]
            assert isinstance(app.screen, DocumentScreen)  # [@click=app.quit] did nothing

    run(scenario())


def test_query_list_fills_the_box(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm")
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            await pilot.click("#query")
            await pilot.press(*"shares")
            queries = screen.query_one(QueryList)
            await wait_for(pilot, lambda: queries.option_count == 1)  # filtered after the key is drawn
            await pilot.press("down", "enter")
            await wait_for(pilot, lambda: screen.result is not None and screen.result.query_id == "q2")
            assert screen.query_one("#query", Input).value == "investing in company shares"

    run(scenario())


def test_query_list_shows_the_first_matches_and_how_many_more(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="")
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            queries = screen.query_one(QueryList)
            queries.set_queries({f"q{i}": f"query number {i}" for i in range(MAX_SHOWN + 40)})
            await pilot.pause()
            assert queries.option_count == MAX_SHOWN + 1
            more = queries.get_option_at_index(MAX_SHOWN)
            assert more.disabled and str(more.prompt) == "40 more: type to narrow"
            queries.filter("number 1")  # 1 and 10-19: all shown
            assert not any(queries.get_option_at_index(i).disabled for i in range(queries.option_count))

    run(scenario())


def test_query_list_says_when_no_judged_query_matches(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="")
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            await pilot.click("#query")
            await pilot.press(*"xylophone")
            queries = screen.query_one(QueryList)
            await wait_for(pilot, lambda: queries.option_count == 1)  # filtered after the key is drawn
            (hint,) = [queries.get_option_at_index(i) for i in range(queries.option_count)]
            assert hint.disabled and str(hint.prompt) == "no judged query holds every typed word"

    run(scenario())


def test_eval_screen_shows_the_same_numbers_as_searchkit_eval(tui_home: Path) -> None:
    from searchkit.experiments import run_experiment
    from searchkit.index import Index
    from searchkit.retrieval import open_retrievers

    with Index.open("tiny", home=tui_home) as index:
        corpus = index.corpus()
        shown = [r for r in open_retrievers(index, bm25=True, corpus=corpus) if r.name != "sbert:minilm"]  # ranks as mean:
        expected = run_experiment(corpus, shown).table_rows()

    async def scenario() -> None:
        app = make_app(tui_home)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            await pilot.press("f2")
            assert isinstance(app.screen, EvalScreen)
            eval_screen = app.screen
            await wait_for(pilot, lambda: eval_screen.report is not None)
            assert [(r.name, r.values, r.beats) for r in eval_screen.report.table_rows()] == [
                (r.name, r.values, r.beats) for r in expected
            ]
            table = eval_screen.query_one("#eval-table", DataTable)
            assert table.row_count == 3
            assert f"{expected[0].values['ndcg@10']:.3f}" in str(table.get_row_at(0)[2])
            queries = eval_screen.query_one("#eval-queries", DataTable)
            assert queries.row_count == 3
            queries.focus()
            await pilot.press("enter")  # open the first query side by side
            await wait_for(pilot, lambda: screen.result is not None)
            assert app.screen is screen
            assert screen.result.query_id in {"q1", "q2", "q3"}

    run(scenario())


def test_palette_changes_k_and_hides_a_column(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("violin")
            await wait_for(pilot, lambda: screen.result is not None)
            await pilot.press("ctrl+p", *"set k = 5")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.result is not None and screen.result.k == 5)
            assert all(len(c.query_one(HitList).doc_ids) <= 5 for c in screen.query(ResultsColumn))
            await pilot.press("ctrl+p", *"hide column cls")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause()
            shown = [c.retriever for c in screen.query(ResultsColumn) if c.display]
            assert shown == ["bm25", "mean:minilm"]  # sbert:minilm ranks as mean:minilm, so it was hidden already

    run(scenario())


def test_help_screen(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)

    run(scenario())


def test_index_without_qrels_still_searches_and_judges(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, index="plain", encoders="sbert:minilm")
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            assert not screen.query_one(QueryList).display
            await pilot.click("#query")
            await pilot.press(*"stock exchange", "enter")
            await wait_for_result(pilot, screen, "stock exchange")
            assert "not judged" in column_text(app, "sbert:minilm")
            await pilot.press("tab", "r")
            await pilot.pause()
            assert "recall@10 1.00" in column_text(app, "sbert:minilm")
            await pilot.press("f2")
            eval_screen = app.screen
            assert isinstance(eval_screen, EvalScreen)
            await wait_for(pilot, lambda: eval_screen.report is not None)
            assert list(eval_screen.report.queries.values()) == ["stock exchange"]  # your judgments, evaluated

    run(scenario())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"index": "missing"}, "no index 'missing'"),
        ({"encoders": "nope:x", "bm25": False}, "unknown encoder kind 'nope'"),
        ({"encoders": "cls:some-org/not-cached-model", "bm25": False}, "some-org/not-cached-model"),
        ({"encoders": "sbert:minilm,mean:minilm", "hybrid": "cls:minilm"}, None),
    ],
    ids=["no-index", "unknown-encoder", "model-not-offline", "hybrid"],
)
def test_problems_are_messages_not_crashes(tui_home: Path, options: dict, message: str | None) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, **options)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.search_screen
            box = screen.query_one("#message")
            await wait_for(pilot, lambda: (screen.session is not None and not screen.loading_models) or box.display)
            if message is None:
                assert screen.session is not None
                assert [r.name for r in screen.session.retrievers][-1].startswith("rrf")
            else:
                assert message in str(box.render())
                assert screen.query_one("#query", Input).disabled
                await pilot.press("f2")  # nothing to evaluate: a notice, not a crash
                assert app.screen is screen

    run(scenario())


@pytest.mark.parametrize(
    ("encoders", "message"),
    [("nope:x", "unknown encoder kind 'nope'"), ("cls:some-org/not-cached-model", "some-org/not-cached-model")],
    ids=["unknown-encoder", "model-not-offline"],
)
def test_models_that_fail_to_load_leave_bm25_answering(tui_home: Path, encoders: str, message: str) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders=encoders)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            warnings = screen.query_one("#warnings")
            assert warnings.display and message in str(warnings.render())
            assert [r.name for r in screen.session.retrievers] == ["bm25"]
            await pilot.press(*"violin", "enter")
            await wait_for_result(pilot, screen, "violin")
            assert screen.result.columns[0].hits[0].doc_id == "violin"

    run(scenario())


def test_a_problem_found_before_the_app_starts_is_shown(tmp_path: Path) -> None:
    async def scenario() -> None:
        app = SearchkitApp(None, problem="no index in this folder")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            box = app.search_screen.query_one("#message")
            assert box.display and "no index in this folder" in str(box.render())

    run(scenario())


def test_empty_index_is_a_message(tui_home: Path, tmp_path: Path) -> None:
    from searchkit.index import Index

    with Index.open("empty", home=tmp_path, create=True) as index:
        index.store.create({"v": 4}, {})

    async def scenario() -> None:
        app = make_app(tmp_path, index="empty")
        async with app.run_test(size=SIZE) as pilot:
            box = app.search_screen.query_one("#message")
            await wait_for(pilot, lambda: box.display)
            assert "is empty" in str(box.render())

    run(scenario())


def test_indexing_from_the_app_then_searching(tui_home: Path, tmp_path: Path) -> None:
    from conftest import TINY_DOCS, TINY_QRELS, TINY_QUERIES, write_beir

    corpus = write_beir(tmp_path / "mine", TINY_DOCS, TINY_QUERIES, TINY_QRELS)
    home = tmp_path / "home"

    async def scenario() -> None:
        app = SearchkitApp(Options("", home=home), IndexJob(corpus, None, "sbert:minilm", home))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            assert screen.session.index.name == "mine"
            assert screen.session.index.store.count() == 7

    run(scenario())


def test_cancelled_indexing_keeps_what_was_indexed(tui_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import TINY_DOCS, TINY_QRELS, TINY_QUERIES, write_beir

    import searchkit.indexing

    corpus = write_beir(tmp_path / "mine", TINY_DOCS, TINY_QUERIES, TINY_QRELS)
    home = tmp_path / "home"
    index_corpus = searchkit.indexing.index_corpus

    def cancel_after_first_chunk(*args, progress, cancel, **options):  # type: ignore[no-untyped-def]
        def progress_then_cancel(done: int, total: int) -> None:
            progress(done, total)
            if done:
                cancel.set()  # as Esc does

        return index_corpus(*args, **options, chunk_size=2, progress=progress_then_cancel, cancel=cancel)

    monkeypatch.setattr(searchkit.indexing, "index_corpus", cancel_after_first_chunk)

    async def scenario() -> None:
        app = SearchkitApp(Options("", home=home), IndexJob(corpus, None, "sbert:minilm", home))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            assert screen.session.index.store.count() == 2  # the first chunk is kept
            assert any("cancelled" in str(n.message) for n in app._notifications)
            warnings = screen.query_one("#warnings")
            assert warnings.display and "holds 2 of the 7 documents" in str(warnings.render())  # not just a toast

    run(scenario())
