"""Pilot tests of a fluid app: evaluation in a cancellable worker and cached, searching never waits for it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import DataTable, ProgressBar

import searchkit.tui.session
from searchkit.tui.screens.eval import EvalScreen
from searchkit.tui.session import Cancelled, Options, Session

from .conftest import run, wait_for, wait_for_session
from .test_app import SIZE, make_app


def test_searching_goes_between_the_chunks_of_an_evaluation(tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searchkit.tui.session, "EVAL_CHUNK", 1)
    session = Session.open(Options("tiny", home=tui_home, encoders="sbert:minilm"))
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
