"""A small index built once per session (the MiniLM model loads once), and helpers for pilot tests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TINY_DOCS, TINY_QRELS, TINY_QUERIES, write_beir
from textual.pilot import Pilot

MARKUP_DOC = {
    "_id": "markup",
    "title": "[bold]Markup[/bold] in a title [link=https://x]",
    "text": "Markup lookalikes: [bold]not bold[/bold], [link=x]not a link[/link], a lone [/] and [red]x[/red] "
    "and \\[escaped] and [@click=app.quit]quit[/].",
}
TUI_DOCS = [*TINY_DOCS, MARKUP_DOC]


@pytest.fixture(scope="session")
def tui_home(tmp_path_factory: pytest.TempPathFactory, minilm_encoders: list) -> Path:
    """Indexes `tiny` (judged, with a markup document) and `plain` (no queries, no qrels), both closed."""
    from searchkit.corpus import load_corpus
    from searchkit.index import Index
    from searchkit.indexing import index_corpus

    root = tmp_path_factory.mktemp("tui")
    home = root / "home"
    tiny = write_beir(root / "tiny", TUI_DOCS, TINY_QUERIES, TINY_QRELS)
    plain = root / "plain.jsonl"
    plain.write_text("".join(json.dumps(d) + "\n" for d in TINY_DOCS), encoding="utf-8")
    for name, corpus in (("tiny", tiny), ("plain", plain)):
        with Index.open(name, home=home, create=True) as index:
            index_corpus(load_corpus(corpus), minilm_encoders, index)
    return home


@pytest.fixture(autouse=True)
def fresh_judgments(tui_home: Path) -> None:
    """Every test starts without user judgments."""
    for path in [*tui_home.glob("*/judgments.tsv"), *tui_home.glob("*/judged_queries.jsonl")]:
        path.unlink()


def run(coroutine) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(coroutine)


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 60.0) -> None:
    """Let the app run until `condition()` is true (workers finish in the background)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.05)
    await pilot.pause()


async def wait_for_result(pilot: Pilot, screen, query: str) -> None:
    """Wait for the results of `query` itself, not of a prefix searched while it was typed."""
    await wait_for(pilot, lambda: screen.result is not None and screen.result.query == query)


async def wait_for_session(pilot: Pilot, app):
    """The search screen, once its index and models are loaded."""
    screen = app.search_screen
    await wait_for(pilot, lambda: screen.session is not None and not screen.loading_models)
    return screen
