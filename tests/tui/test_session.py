from __future__ import annotations

from pathlib import Path

from searchkit.judgments import user_query_id
from searchkit.tui.session import Options, Session


def test_a_query_is_known_by_its_text_whitespace_folded(tui_home: Path) -> None:
    session = Session.open(Options("tiny", home=tui_home))  # BM25 only: no model is loaded
    try:
        assert session.query_id("  musical   instrument\twith strings ") == "q1"  # the corpus's judged query
        typed = "printer error code"
        assert session.query_id(typed) == user_query_id(typed)
        session.judgments.mark(user_query_id(typed), "error", True, typed)
        assert session.query_id("printer  error code ") == user_query_id(typed)  # the user's judged query
        assert session.search(" musical instrument with strings", 3).query_id == "q1"
    finally:
        session.close()
