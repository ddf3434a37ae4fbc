"""Snapshots at a fixed terminal size: the search screen with results (also at 80x24 and 200x50), a markup-laden document, help, [CLS] attention."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from searchkit.tui.app import SearchkitApp
from searchkit.tui.session import Options
from searchkit.tui.widgets.results import ResultsColumn

from .conftest import wait_for, wait_for_session

SIZE = (120, 36)


async def measured(pilot: Pilot):  # type: ignore[no-untyped-def]
    """The search screen, once its index is open and every dense column shows its random-pair cosine."""
    screen = await wait_for_session(pilot, pilot.app)
    dense = [c for c in screen.query(ResultsColumn) if c.retriever != "bm25"]
    await wait_for(pilot, lambda: all(c.random_pairs is not None for c in dense))
    return screen


async def search(pilot: Pilot, query: str) -> None:
    app = pilot.app
    assert isinstance(app, SearchkitApp)
    screen = await measured(pilot)
    screen.query_one("#query", Input).cursor_blink = False
    screen.run_query(query)
    await wait_for(pilot, lambda: screen.result is not None and screen.last_latency is not None)
    screen.set_status("status line fixed for the snapshot (it shows the time the search took)")
    await pilot.pause()


def test_search_screen(snap_compare, tui_home: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await search(pilot, "musical instrument with strings")

    assert snap_compare(SearchkitApp(Options("tiny", home=tui_home)), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
def test_search_screen_at_size(snap_compare, tui_home: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await search(pilot, "musical instrument with strings")
        await pilot.press("tab")  # the highlighted hit, in its colours

    assert snap_compare(SearchkitApp(Options("tiny", home=tui_home)), terminal_size=size, run_before=run_before)


def test_document_full_of_markup_renders_literally(snap_compare, tui_home: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await search(pilot, "markup lookalikes not bold not a link")
        await pilot.press("tab", "enter")  # to the hits, then open the top one

    app = SearchkitApp(Options("tiny", home=tui_home, encoders="sbert:minilm", bm25=False))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, tui_home: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        screen = await measured(pilot)
        screen.query_one("#query", Input).cursor_blink = False
        await pilot.press("f1")

    assert snap_compare(SearchkitApp(Options("tiny", home=tui_home)), terminal_size=SIZE, run_before=run_before)


def test_document_shaded_by_cls_attention(snap_compare, tui_home: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await search(pilot, "fuser overheated")
        await pilot.press("tab", "enter", "a")  # open the top hit, then shade it
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "attention", None) is not None)

    app = SearchkitApp(Options("tiny", home=tui_home, encoders="mean:minilm", bm25=False))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
