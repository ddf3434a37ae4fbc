"""Snippets: around the densest run of query terms, bounded, printable, and linear in the document's size."""

from __future__ import annotations

import json

import pytest
from conftest import DEMO_CORPUS
from rich.console import Console
from rich.text import Text

from searchkit.corpus import Document
from searchkit.display import printable
from searchkit.tui.text import (
    EXCERPT_CHARS,
    excerpt,
    highlighted,
    natural_key,
    query_terms,
    snippet,
)
from searchkit.tui.widgets.results import _breaks

TERMS = query_terms("dog grass")


@pytest.fixture(scope="module")
def demo_texts() -> list[str]:
    """The demo corpus's texts as snippets hold them: printable, on one line."""
    lines = (DEMO_CORPUS / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return [printable(" ".join(json.loads(line)["text"].split())) for line in lines if line.strip()]


def test_snippet_of_a_short_text_is_all_of_it_highlighted() -> None:
    text = snippet(excerpt(Document("d", "", "My dog eats grass\tand doggies   too."), None, TERMS), TERMS, 160)
    assert text.plain == "My dog eats grass and doggies too."
    highlighted_words = [text.plain[span.start : span.end] for span in text.spans]
    assert highlighted_words == ["dog", "grass"]  # "dog" is short: whole words only, not "doggies"


def test_prefixes_of_long_terms_match_whole_words_only() -> None:
    text = highlighted("grassland grasses regrass dogma", query_terms("grass dog"))
    assert [text.plain[s.start : s.end] for s in text.spans] == ["grassland", "grasses"]


def test_a_multi_megabyte_text_full_of_matches() -> None:
    # 4 MB with a match in every sentence (90,000 of them), and one run where every word matches, near
    # the end: a quadratic window search (every match against every later one) would take hours here.
    filler = "the dog ran over the hills and back home. " * 90_000
    dense = "grass dog " * 40
    text = filler + dense + filler[:400_000]
    part = excerpt(Document("big", "", text), None, TERMS)
    assert len(part.text) <= EXCERPT_CHARS
    assert dense.strip() in part.text
    assert part.cut_before and part.cut_after
    shown = snippet(part, TERMS, 120)
    assert dense[:80] in shown.plain
    assert len(shown.plain) <= 122  # at most the width, plus an ellipsis on each side
    assert shown.plain.startswith("…") and shown.plain.endswith("…")
    assert all(shown.plain[s.start : s.end].lower() in {"dog", "grass"} for s in shown.spans)


def test_a_passage_is_the_snippet_source() -> None:
    document = Document("long", "Report", "Intro about cats. " * 50 + "The dog ate the grass here. " + "Outro about birds. " * 50)
    start = document.content.index("The dog")
    part = excerpt(document, (start, start + len("The dog ate the grass here.")), TERMS)
    assert part.text == "The dog ate the grass here."
    assert (part.cut_before, part.cut_after) == (True, True)
    assert snippet(part, TERMS, 160).plain == "…The dog ate the grass here.…"


def test_control_characters_in_snippets_are_escaped() -> None:
    document = Document("d", "", "a \x1b]0;pwned\x07 dog \x9b and\nnewline")
    assert snippet(excerpt(document, None, TERMS), TERMS).plain == "a \\x1b]0;pwned\\x07 dog \\x9b and newline"


def test_ids_sort_naturally() -> None:
    ids = ["q10", "10", "q2", "2", "B", "a", "q2b", "1²"]
    assert sorted(ids, key=natural_key) == ["1²", "2", "10", "a", "B", "q2", "q2b", "q10"]


def test_snippet_lines_break_where_rich_wraps(demo_texts: list[str]) -> None:
    """The column's own line breaking (`_breaks`) gives rich's word wrap, long words folded."""
    console = Console(width=200)
    texts = [*demo_texts, "…" + "x" * 50 + " a b " + "y" * 23 + "…", "a " + "b" * 30, "short", "ab cd"]
    checked = 0
    for text in texts:
        for width in (5, 9, 17, 30, 44, 61):
            piece = text[: 3 * width + 7]
            breaks = _breaks(piece, width, 2)
            assert breaks is not None
            wrapped = [line.plain.rstrip() for line in Text(piece).wrap(console, width)]
            ours = [line.plain.rstrip() for line in Text(piece).divide(breaks)]
            assert ours[:2] == wrapped[:2] and (len(ours) > 2) == (len(wrapped) > 2), (width, piece)
            checked += 1
    assert checked > 1000
    # wide characters, tabs and runs of spaces go to rich's own wrap
    assert _breaks("日本語のテキスト", 4, 2) is None and _breaks("a\tb", 4, 2) is None and _breaks("a  b", 4, 2) is None
