"""What a document or query id may hold: every file searchkit writes (TREC runs, qrels, judgments) must hold it as is.

An id is 1 to MAX_ID_LENGTH characters with no whitespace (TREC runs and qrels separate fields by
it), no control characters and no unpaired surrogates (they cannot be written as UTF-8).
"""

from __future__ import annotations

import unicodedata

MAX_ID_LENGTH = 512
ID_RULE = f"1 to {MAX_ID_LENGTH} characters, no whitespace, no control characters"


def id_problem(value: str) -> str | None:
    """Why `value` cannot be an id, or None if it can."""
    if not value:
        return "is empty"
    if len(value) > MAX_ID_LENGTH:
        return f"is {len(value)} characters long (at most {MAX_ID_LENGTH})"
    for position, char in enumerate(value, start=1):
        if char.isspace():
            return f"holds whitespace {char!r} at character {position}"
        if unicodedata.category(char) == "Cc":
            return f"holds control character {char!r} at character {position}"
        if unicodedata.category(char) == "Cs":
            return f"holds {char!r} at character {position}, which is not valid Unicode"
    return None
