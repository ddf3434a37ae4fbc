"""Pilot tests of a fluid app: evaluation in a cancellable worker and kept, searching never waits for it or for models."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, ProgressBar

import searchkit.tui.session
from searchkit.tui.app import SearchkitApp
from searchkit.tui.screens.eval import EvalScreen
from searchkit.tui.screens.indexing import IndexingScreen, IndexJob
from searchkit.tui.session import Cancelled, Options, Session
from searchkit.tui.widgets.results import HitList, ResultsColumn

from .conftest import run, wait_for, wait_for_result, wait_for_session
from .test_app import SIZE, make_app


def test_searching_goes_between_the_chunks_of_an_evaluation(tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searchkit.tui.session, "EVAL_CHUNK", 1)
    session = Session.open(Options("tiny", home=tui_home, encoders="sbert:minilm"))
    session.load_models()
    searched: list[str] = []
    answered: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        answered.append((done, total))
        if done == 1:  # a search from another thread gets the lock now, not after the evaluation
            thread = threading.Thread(target=lambda: searched.append(session.search("violin", 5).columns[0].hits[0].doc_id))
            thread.start()
            thread.join(timeout=60)

    try:
        evaluation = session.evaluate(set(), progress)
        assert searched == ["violin"]
        assert answered == [(1, 3), (2, 3), (3, 3)]
        assert set(evaluation.report.names) == {"bm25", "sbert:minilm"}
        assert session.evaluate(set()) is evaluation  # nothing changed: kept
        with pytest.raises(Cancelled):
            session.evaluate({"bm25"}, cancelled=lambda: True)  # other columns: evaluated again, so cancellable
    finally:
        session.close()


def test_second_f2_shows_the_kept_evaluation_until_a_judgment_changes(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm")
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            await pilot.press("f2")
            first = app.screen
            assert isinstance(first, EvalScreen)
            await wait_for(pilot, lambda: first.report is not None)
            assert not first.query_one(ProgressBar).display
            await pilot.press("escape", "f2")
            again = app.screen
            assert isinstance(again, EvalScreen) and again is not first
            assert again.report is first.report  # shown at once, not evaluated again
            assert again.query_one("#eval-table", DataTable).row_count == 2
            await pilot.press("escape")
            screen.run_query("musical instrument with strings")
            await wait_for(pilot, lambda: screen.result is not None)
            screen.judge("piano", True)
            await pilot.press("f2")
            changed = app.screen
            assert isinstance(changed, EvalScreen)
            await wait_for(pilot, lambda: changed.report is not None)
            assert changed.report is not first.report
            assert changed.report.qrels["q1"]["piano"] == 1

    run(scenario())


def test_escape_leaves_a_running_evaluation_and_cancels_it(tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = searchkit.tui.session.run_experiment
    reached, go = threading.Event(), threading.Event()
    outcome: list[str] = []

    def held_after_the_first_chunk(corpus, retrievers, *, progress, chunk, **options):  # type: ignore[no-untyped-def]
        def hold(done: int, total: int) -> None:
            progress(done, total)
            reached.set()
            go.wait(timeout=60)

        try:
            report = real(corpus, retrievers, progress=hold, chunk=1, **options)
        except Cancelled:
            outcome.append("cancelled")
            raise
        outcome.append("finished")
        return report

    monkeypatch.setattr(searchkit.tui.session, "run_experiment", held_after_the_first_chunk)

    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm")
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            await pilot.press("f2")
            eval_screen = app.screen
            assert isinstance(eval_screen, EvalScreen)
            await wait_for(pilot, reached.is_set)
            bar = eval_screen.query_one(ProgressBar)
            await wait_for(pilot, lambda: bar.total == 3)
            assert bar.progress == 1 and bar.display
            await pilot.press("escape")
            assert app.screen is screen  # back at once
            go.set()
            await wait_for(pilot, lambda: outcome)
            assert outcome == ["cancelled"]
            assert screen.session.cached_evaluation(screen.hidden) is None
            screen.run_query("violin")
            await wait_for(pilot, lambda: screen.result is not None)

    try:
        run(scenario())
    finally:
        go.set()


def test_bm25_answers_first_and_dense_columns_join_when_loaded(tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened, loaded = threading.Event(), threading.Event()
    real_open, real_load = Session.open.__func__, Session.load_models

    def held_open(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.wait(timeout=60)
        return real_open(cls, *args, **kwargs)

    def held_load(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        loaded.wait(timeout=60)
        return real_load(self, *args, **kwargs)

    monkeypatch.setattr(Session, "open", classmethod(held_open))
    monkeypatch.setattr(Session, "load_models", held_load)

    async def scenario() -> None:
        app = make_app(tui_home, encoders="mean:minilm")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.search_screen
            await pilot.pause()
            box = screen.query_one("#query", Input)
            assert app.focused is box and not box.disabled  # usable from the first frame
            await pilot.press(*"vio")
            assert screen.session is None and box.value == "vio"  # kept while the index opens
            opened.set()
            await wait_for(pilot, lambda: screen.result is not None)
            assert [c.retriever for c in screen.query(ResultsColumn)] == ["bm25"]
            await pilot.press(*"lin")
            await wait_for_result(pilot, screen, "violin")
            assert [c.retriever for c in screen.result.columns] == ["bm25"]
            assert "loading models" in str(screen.query_one("#status").render())
            loaded.set()
            await wait_for(pilot, lambda: [c.retriever for c in screen.result.columns] == ["bm25", "mean:minilm"])
            assert screen.result.query == "violin" and box.value == "violin"
            assert [c.retriever for c in screen.query(ResultsColumn)] == ["bm25", "mean:minilm"]
            assert "loading models" not in str(screen.query_one("#status").render())

    try:
        run(scenario())
    finally:
        opened.set()
        loaded.set()


def test_reopening_an_index_with_nothing_to_encode_skips_the_indexing_screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import TINY_DOCS, TINY_QRELS, TINY_QUERIES, write_beir

    import searchkit.tui.app

    corpus = write_beir(tmp_path / "mine", TINY_DOCS, TINY_QUERIES, TINY_QRELS)
    home = tmp_path / "home"
    shown: list[IndexingScreen] = []

    class Recorded(IndexingScreen):
        def on_mount(self) -> None:
            shown.append(self)

    monkeypatch.setattr(searchkit.tui.app, "IndexingScreen", Recorded)

    async def open_corpus() -> None:
        app = SearchkitApp(Options("", home=home), IndexJob(corpus, None, "sbert:minilm", home))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            assert screen.session.index.store.count() == 7

    run(open_corpus())
    assert len(shown) == 1  # the first time, documents were encoded
    run(open_corpus())
    assert len(shown) == 1  # the second, nothing was: no indexing screen


def test_q_quits_from_the_hits_and_types_in_the_query(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm", bm25=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            await pilot.press(*"quartz", "enter")
            await wait_for_result(pilot, screen, "quartz")
            assert screen.query_one("#query", Input).value == "quartz" and app.is_running
            await pilot.press("tab", "q")
            await wait_for(pilot, lambda: not app.is_running)

    run(scenario())


def test_screenshot_is_saved_or_says_why_not(tui_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    async def scenario() -> None:
        app = make_app(tui_home, encoders="sbert:minilm", bm25=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for_session(pilot, app)
            await pilot.press("ctrl+s")
            saved = list(tmp_path.glob("*.svg"))
            assert len(saved) == 1 and "<svg" in saved[0].read_text(encoding="utf-8")
            assert any(f"saved to {saved[0]}" in str(n.message) for n in app._notifications)
            app.deliver_screenshot(path=str(tmp_path / "missing" / "folder"))
            await pilot.pause()
            assert any(str(n.message).startswith("screenshot not saved: No such file") for n in app._notifications)

    run(scenario())


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two sRGB colours."""

    def luminance(rgb: tuple[int, int, int]) -> float:
        c = [v / 255 for v in rgb]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_columns_at_80x24_keep_their_width_line_up_by_rank_and_stay_legible(tui_home: Path) -> None:
    async def scenario() -> None:
        app = make_app(tui_home)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("musical instrument with strings")
            await wait_for(pilot, lambda: screen.result is not None and screen.last_latency is not None)
            columns = [c for c in screen.query(ResultsColumn) if c.display]
            assert len(columns) == 3
            assert all(c.region.width >= 30 for c in columns)  # not 9 characters, words split
            area = screen.query_one("#columns")
            assert area.virtual_size.width > area.scrollable_content_region.width  # the others are a scroll away
            for column in columns:
                hits = column.query_one(HitList)
                width = hits.scrollable_content_region.width
                for i in range(len(hits.doc_ids)):
                    lines = hits.lines(i)
                    assert len(lines) == 5  # rank i starts on the same row in every column
                    assert all(line.cell_length <= width for line in lines)  # cut to the column, never wrapped again
            await pilot.press("tab")
            hits = app.focused
            assert isinstance(hits, HitList)
            for y in range(5):  # the highlighted hit
                for segment in hits.render_line(y):
                    style = segment.style
                    if segment.text.strip() and style is not None and style.bgcolor is not None:
                        fg = tuple(style.color.get_truecolor(app.ansi_theme)) if style.color is not None else (255, 255, 255)
                        assert not style.dim and contrast(fg, tuple(style.bgcolor.get_truecolor(app.ansi_theme))) >= 4.5, segment
            screen.maximize(hits)
            await pilot.pause()
            column = hits.parent
            assert screen.maximized is column
            assert column.query_one(".column-header").region.height > 0  # the header stays

    run(scenario())
