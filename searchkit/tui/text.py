"""Document text as rich `Text`: always literal (never parsed as markup), query terms highlighted."""

from __future__ import annotations

from rich.text import Text

from searchkit.retrieval.tokenize import ENGLISH_STOPWORDS, TOKEN_PATTERN

HIGHLIGHT = "bold reverse"


def query_terms(query: str) -> set[str]:
    """Lower-cased words of the query, stop words left out (unless nothing else is left)."""
    words = {w.lower() for w in TOKEN_PATTERN.findall(query)}
    return (words - ENGLISH_STOPWORDS) or words


def _matches(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Spans of words that equal a term or start with one (a light stand-in for stemming)."""
    spans = []
    for match in TOKEN_PATTERN.finditer(text):
        word = match.group().lower()
        if any(word == t or (len(t) >= 4 and word.startswith(t)) for t in terms):
            spans.append(match.span())
    return spans


def highlighted(text: str, terms: set[str], style: str = "") -> Text:
    """`text` literally, with every query term highlighted."""
    result = Text(text, style=style)
    for start, end in _matches(text, terms):
        result.stylize(HIGHLIGHT, start, end)
    return result


def snippet(text: str, terms: set[str], width: int = 160) -> Text:
    """About `width` characters of `text` around its densest run of query terms, highlighted."""
    text = " ".join(text.split())
    if len(text) <= width:
        return highlighted(text, terms)
    spans = _matches(text, terms)
    start = 0
    if spans:
        # the window holding the most matches, starting at a match
        best = max(range(len(spans)), key=lambda i: sum(1 for s, _ in spans[i:] if s < spans[i][0] + width))
        first = spans[best][0]
        start = max(0, first - width // 5)
        if start and text[start - 1] != " ":  # begin at a word, not inside one
            back, ahead = text.rfind(" ", 0, start), text.find(" ", start, first)
            start = back + 1 if start - back <= 20 else ahead + 1 if ahead >= 0 else first
    end = min(len(text), start + width)
    piece = text[start:end]
    return Text.assemble("…" if start else "", highlighted(piece, terms), "…" if end < len(text) else "")
