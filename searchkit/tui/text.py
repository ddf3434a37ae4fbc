"""Document text as rich `Text`: always literal (never parsed as markup) and printable, query terms highlighted.

A column's snippet is cut in two steps, so that nothing the app's thread does grows with a
document's size: `excerpt` (run in a worker, linear in the text) keeps the part of a hit's passage
around its densest run of query terms; `snippet` fits that excerpt to a column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rich.color import Color
from rich.style import Style
from rich.text import Text

from searchkit.corpus import Document
from searchkit.display import printable
from searchkit.retrieval.tokenize import ENGLISH_STOPWORDS, TOKEN_PATTERN

HIGHLIGHT = "bold reverse"
EXCERPT_CHARS = 1000  # more than two lines of the widest column
_WORD_CHAR = r"[^\W_]"  # what TOKEN_PATTERN's tokens are made of


def natural_key(text: str) -> list[tuple[int, int | str]]:
    """Sorts ids as people do: digits as numbers ("q2" before "q10"), the rest case-blind."""
    return [(0, int(part)) if part.isdecimal() else (1, part.casefold()) for part in re.split(r"(\d+)", text) if part]


def query_terms(query: str) -> set[str]:
    """Lower-cased words of the query, stop words left out (unless nothing else is left)."""
    words = {w.lower() for w in TOKEN_PATTERN.findall(query)}
    return (words - ENGLISH_STOPWORDS) or words


def term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Words that equal a term or start with one of 4 or more letters (a light stand-in for stemming)."""
    return _term_pattern(frozenset(terms))


@lru_cache(maxsize=64)
def _term_pattern(terms: frozenset[str]) -> re.Pattern[str] | None:
    alternatives = [re.escape(t) + (f"{_WORD_CHAR}*" if len(t) >= 4 else "") for t in sorted(terms)]
    if not alternatives:
        return None
    return re.compile(f"(?<!{_WORD_CHAR})(?:{'|'.join(alternatives)})(?!{_WORD_CHAR})", re.IGNORECASE)


def highlighted(text: str, terms: Iterable[str], style: str = "", *, lines: bool = False) -> Text:
    """`text` literally and printably (see `printable`), with every query term highlighted."""
    result = Text(printable(text, lines=lines), style=style)
    pattern = term_pattern(terms)
    if pattern is not None:
        for match in pattern.finditer(result.plain):
            result.stylize(HIGHLIGHT, *match.span())
    return result


def shade(weight: float) -> Style:
    """A background from dark (weight 0) to bright orange (1)."""
    low, high = (40, 30, 20), (235, 125, 20)
    return Style(bgcolor=Color.from_rgb(*(a + (b - a) * min(max(weight, 0.0), 1.0) for a, b in zip(low, high, strict=True))))


def shaded(text: str, spans: Sequence[tuple[int, int, float]], *, lines: bool = False) -> Text:
    """`text` literally and printably, each of `spans` (start, end, weight from 0 to 1; sorted, not
    overlapping) on a background as bright as its weight."""
    result = Text()
    at = 0
    for start, end, weight in spans:
        result.append(printable(text[at:start], lines=lines))
        result.append(printable(text[start:end], lines=lines), style=shade(weight))
        at = end
    result.append(printable(text[at:], lines=lines))
    return result


def _densest(starts: list[int], width: int) -> int:
    """The index of the match that begins the `width`-character window holding the most matches (two pointers)."""
    best, most, end = 0, 0, 0
    for first, start in enumerate(starts):
        while end < len(starts) and starts[end] < start + width:
            end += 1
        if end - first > most:
            best, most = first, end - first
    return best


def _window(text: str, pattern: re.Pattern[str] | None, width: int) -> tuple[int, int]:
    """About `width` characters of `text` around its densest run of matches, beginning at a word."""
    if len(text) <= width:
        return 0, len(text)
    starts = [match.start() for match in pattern.finditer(text)] if pattern else []
    start = 0
    if starts:
        lead = width // 5  # shown before the run
        first = starts[_densest(starts, width - lead)]
        start = max(0, first - lead)
        if start and text[start - 1] != " ":  # begin at a word, not inside one
            back, ahead = text.rfind(" ", max(0, start - 20), start), text.find(" ", start, first)
            start = back + 1 if back >= 0 else ahead + 1 if ahead >= 0 else first
    return start, min(len(text), start + width)


@dataclass(frozen=True)
class Excerpt:
    text: str  # on one line, printable
    cut_before: bool  # whether the document goes on before it
    cut_after: bool


def excerpt(document: Document, span: tuple[int, int] | None, terms: Iterable[str]) -> Excerpt:
    """What a column's snippet of `document` is cut from: the passage at `span` in its content, else its
    text, on one line (whitespace folded), at most EXCERPT_CHARS around the densest run of query terms."""
    source, before, after = document.text, False, False
    if span is not None:
        content = document.content
        source, before, after = content[span[0] : span[1]], span[0] > 0, span[1] < len(content)
    text = printable(" ".join(source.split()))
    start, end = _window(text, term_pattern(terms), EXCERPT_CHARS)
    return Excerpt(text[start:end], before or start > 0, after or end < len(text))


def snippet(excerpt: Excerpt, terms: Iterable[str], width: int = 160) -> Text:
    """About `width` characters of the excerpt around its densest run of query terms, highlighted."""
    start, end = _window(excerpt.text, term_pattern(terms), width)
    return Text.assemble(
        "…" if start or excerpt.cut_before else "",
        highlighted(excerpt.text[start:end], terms),
        "…" if end < len(excerpt.text) or excerpt.cut_after else "",
    )
