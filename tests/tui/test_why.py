"""Pilot tests of "show why": what each column is, random-pair cosines, rankings shown once, [CLS] attention."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from rich.text import Text
from textual.geometry import Region
from textual.widgets import Static

from searchkit.encoders.model_folders import resolve_model
from searchkit.experiments.anisotropy import measure_anisotropy
from searchkit.tui.app import SearchkitApp
from searchkit.tui.screens.document import DocumentScreen
from searchkit.tui.session import Options
from searchkit.tui.widgets.results import ColumnHeader, HitList, ResultsColumn

from .conftest import run, wait_for, wait_for_session

SIZE = (120, 36)


def column(app: SearchkitApp, retriever: str) -> ResultsColumn:
    return next(c for c in app.search_screen.query(ResultsColumn) if c.retriever == retriever)


def header(app: SearchkitApp, retriever: str) -> ColumnHeader:
    return column(app, retriever).query_one(ColumnHeader)


def shown(app: SearchkitApp) -> list[str]:
    return [c.retriever for c in app.search_screen.query(ResultsColumn) if c.display]


def stored_random_pairs(home: Path, spec: str) -> float:
    """The mean cosine of random pairs of every document's stored vector, read here from the store."""
    from searchkit.index import Index

    with Index.open("tiny", home=home) as index:
        name = index.manifest.encoders[spec].vector
        stored = index.store.vectors(sorted(index.store.states()))
    return measure_anisotropy(np.asarray([vectors[name] for _, vectors in sorted(stored.items())])).mean


def test_headers_say_what_each_column_is_and_what_random_pairs_score(tui_home: Path) -> None:
    cls_pairs, mean_pairs = stored_random_pairs(tui_home, "cls:minilm"), stored_random_pairs(tui_home, "mean:minilm")
    assert cls_pairs > mean_pairs + 0.2  # the raw [CLS] vectors of unrelated documents point much the same way

    async def scenario() -> None:
        app = SearchkitApp(Options("tiny", home=tui_home, hybrid=True))
        async with app.run_test(size=(240, 36)) as pilot:  # wide enough for every description
            await wait_for_session(pilot, app)
            await wait_for(pilot, lambda: column(app, "cls:minilm").random_pairs is not None)
            text = {c.retriever: header(app, c.retriever).text.plain for c in app.search_screen.query(ResultsColumn)}
            assert text["bm25"].startswith("BM25 over title + text\n\n")  # no cosine for BM25
            assert text["cls:minilm"].startswith(f"raw [CLS] vector, no fine-tuned pooling\n{cls_pairs:.2f} random pairs\n")
            assert text["mean:minilm"].startswith(f"masked mean of last-layer token vectors\n{mean_pairs:.2f} random pairs\n")
            assert text["rrf(bm25,sbert:minilm)"].startswith("RRF of bm25 + sbert:minilm\n\n")
            tooltip = str(header(app, "cls:minilm").tooltip)
            assert f"unrelated documents already score about {cls_pairs:.2f}" in tooltip

    run(scenario())


def test_header_lines_are_cut_to_a_narrow_column(tui_home: Path) -> None:
    async def scenario() -> None:
        app = SearchkitApp(Options("tiny", home=tui_home))
        async with app.run_test(size=(60, 24)) as pilot:  # columns at their minimum width
            await wait_for_session(pilot, app)
            await wait_for(pilot, lambda: column(app, "cls:minilm").random_pairs is not None)
            widget = header(app, "cls:minilm")
            width = widget.content_size.width
            assert width < len("raw [CLS] vector, no fine-tuned pooling")
            lines = [strip.text.rstrip() for strip in widget.render_lines(Region(0, 0, widget.region.width, widget.region.height))]
            assert lines[0].endswith("…") and lines[0].lstrip().startswith("raw [CLS]")  # one line, cut
            assert lines[1].strip().startswith("0.")  # the figure shows

    run(scenario())


def test_columns_that_rank_alike_are_shown_once_and_come_back_from_the_palette(tui_home: Path) -> None:
    pooling = json.loads((resolve_model("minilm").path / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]  # what the note says

    async def scenario() -> None:
        app = SearchkitApp(Options("tiny", home=tui_home))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            session = screen.session
            assert set(session.same_as) == {"sbert:minilm"}  # cls:minilm and BM25 rank otherwise
            kept, note = session.same_as["sbert:minilm"]
            assert kept == "mean:minilm"
            assert note.startswith("sbert:minilm ranks as mean:minilm: its pipeline is mean pooling (same hits and scores on ")
            assert shown(app) == ["bm25", "cls:minilm", "mean:minilm"]
            assert column(app, "mean:minilm").border_subtitle == "= sbert:minilm"
            assert note in str(header(app, "mean:minilm").tooltip)
            screen.run_query("a loan that pays interest")
            await wait_for(pilot, lambda: screen.result is not None)
            assert [c.retriever for c in screen.result.columns] == ["bm25", "cls:minilm", "mean:minilm"]  # sbert not searched

            await pilot.press("ctrl+p", *"show column sbert")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_for(pilot, lambda: "sbert:minilm" in [c.retriever for c in screen.result.columns])
            assert shown(app) == ["bm25", "cls:minilm", "mean:minilm", "sbert:minilm"]
            hits = {c.retriever: c.hits for c in screen.result.columns}
            assert [h.doc_id for h in hits["sbert:minilm"]] == [h.doc_id for h in hits["mean:minilm"]]
            assert np.allclose([h.score for h in hits["sbert:minilm"]], [h.score for h in hits["mean:minilm"]], atol=1e-6)
            options = column(app, "sbert:minilm").query_one(HitList)
            assert len(options.doc_ids) == len(hits["sbert:minilm"])

    run(scenario())


def test_palette_says_why_scores_cluster(tui_home: Path) -> None:
    async def scenario() -> None:
        app = SearchkitApp(Options("tiny", home=tui_home))
        async with app.run_test(size=SIZE) as pilot:
            await wait_for_session(pilot, app)
            await pilot.press("ctrl+p", *"why do scores cluster")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_for(pilot, lambda: any("Why do scores cluster?" == n.title for n in app._notifications))
            message = next(n.message for n in app._notifications if n.title == "Why do scores cluster?")
            assert "cls:minilm: 90% of random pairs of documents score between" in message
            assert "unrelated documents already score about" in message  # the raw [CLS] reading
            assert "sbert:minilm ranks as mean:minilm" in message

    run(scenario())


def test_backbone_cls_attention_sums_to_one_over_the_tokens(minilm_encoders: list) -> None:
    backbone = minilm_encoders[0].backbone
    text = "The guitar is a string instrument played by plucking or strumming."
    before = backbone.encode([text], ["mean"])["mean"]
    pieces = backbone.cls_attention(text)
    assert abs(sum(w for _, _, w in pieces) - 1.0) < 1e-4
    assert pieces[0][:2] == (0, 0) and pieces[-1][:2] == (0, 0)  # [CLS] and [SEP]
    words = [text[a:b] for a, b, _ in pieces[1:-1]]
    assert words[:3] == ["The", "guitar", "is"]
    assert all(w > 0 for _, _, w in pieces)
    assert np.array_equal(backbone.encode([text], ["mean"])["mean"], before)  # back to the model's own attention


def backgrounds(text: Text) -> dict[str, str]:
    """Shaded word -> its background colour."""
    return {text.plain[s.start : s.end]: str(s.style.bgcolor.name) for s in text.spans if not isinstance(s.style, str) and s.style.bgcolor}


def test_attention_toggle_shades_the_words_cls_looks_at(tui_home: Path) -> None:
    async def scenario() -> None:
        app = SearchkitApp(Options("tiny", home=tui_home, encoders="mean:minilm"))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("fuser overheated")
            await wait_for(pilot, lambda: screen.result is not None)
            column(app, "mean:minilm").query_one(HitList).focus()
            await pilot.press("enter")
            await pilot.pause()
            document = app.screen
            assert isinstance(document, DocumentScreen) and document.document.id == "error"
            body = document.query_one("#document-text", Static)
            assert not backgrounds(body.content)  # query terms highlighted, nothing shaded
            await pilot.press("a")
            await wait_for(pilot, lambda: document.attention is not None)
            shades = backgrounds(body.content)
            assert body.content.plain == document.document.text  # the text itself is unchanged
            assert set(shades) == set(document.document.text.split())  # every word (touching word pieces are one)
            title = backgrounds(document.query_one("#document-title", Static).content)
            assert set(title) == {"Printer", "fault", "E-4471"}
            assert len(set(shades.values()) | set(title.values())) > 3  # a ramp, not one colour
            assert max(w for *_, w in document.attention.text + document.attention.title) == 1.0
            heading = document.query_one("#document-heading", Static).content.plain
            assert "[CLS] attention" in heading and "Mean pooling weighs each of the" in heading
            await pilot.press("a")
            await pilot.pause()
            assert not backgrounds(body.content)

    run(scenario())


def test_attention_is_not_available_for_bm25(tui_home: Path) -> None:
    async def scenario() -> None:
        app = SearchkitApp(Options("tiny", home=tui_home, encoders="mean:minilm"))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_for_session(pilot, app)
            screen.run_query("fuser overheated")
            await wait_for(pilot, lambda: screen.result is not None)
            await pilot.press("tab", "enter")  # the first column is BM25's
            await pilot.pause()
            document = app.screen
            assert isinstance(document, DocumentScreen) and document.column == "bm25"
            await pilot.press("a")
            await wait_for(pilot, lambda: document.attention_problem is not None)
            assert "not available for bm25" in document.query_one("#document-heading", Static).content.plain
            assert not backgrounds(document.query_one("#document-text", Static).content)

    run(scenario())
