"""Text tokenizer for the BM25 baseline.

Default behaviour: lower-case the text, then keep maximal runs of Unicode letters
and digits (the regex ``[^\\W_]+``); everything else, underscore included, splits.
So ``"E-4471"`` becomes ``["e", "4471"]``, ``"snake_case"`` becomes
``["snake", "case"]`` and ``"Café déjà-vu"`` becomes ``["café", "déjà", "vu"]``.

Optional steps, applied in this order after splitting: stop-word removal (matched
case-insensitively), then Snowball stemming through PyStemmer (imported only
when a stemmer is configured).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ENGLISH_STOPWORDS", "TOKEN_PATTERN", "Tokenizer"]

TOKEN_PATTERN = re.compile(r"[^\W_]+", re.UNICODE)  # a token: a run of letters and digits

# Lucene's classic English stop set (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, 33
# words), which is also what Anserini and bm25s use by default.
ENGLISH_STOPWORDS: frozenset[str] = frozenset(
    """
    a an and are as at be but by for if in into is it no not of on or such
    that the their then there these they this to was will with
    """.split()
)

_NAMED_STOPWORDS: dict[str, frozenset[str]] = {"english": ENGLISH_STOPWORDS}


# PyStemmer instances keep internal state and must not be shared across threads.
_local = threading.local()


def _stemmer(language: str) -> Any:
    cache: dict[str, Any] = _local.__dict__.setdefault("stemmers", {})
    if language not in cache:
        import Stemmer  # PyStemmer; lazy so that plain tokenization does not need it

        cache[language] = Stemmer.Stemmer(language)
    return cache[language]


@dataclass(frozen=True)
class Tokenizer:
    """Turns a string into a list of terms.

    Attributes:
        lowercase: lower-case the text before splitting.
        stemmer: a PyStemmer (Snowball) language name such as ``"english"`` or
            ``"porter"``; ``None`` disables stemming.
        stopwords: ``None`` (keep everything), ``"english"`` (``ENGLISH_STOPWORDS``)
            or an explicit frozenset of words. Stop words are compared with the
            lower-cased token, before stemming.
    """

    lowercase: bool = True
    stemmer: str | None = None
    stopwords: Literal["english"] | frozenset[str] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.stopwords, str):
            if self.stopwords not in _NAMED_STOPWORDS:
                raise ValueError(
                    f"unknown stop-word list {self.stopwords!r}; "
                    f"expected one of {sorted(_NAMED_STOPWORDS)} or a frozenset"
                )
        elif self.stopwords is not None and not isinstance(self.stopwords, frozenset):
            raise TypeError("stopwords must be None, 'english' or a frozenset of str")
        if self.stemmer is not None:
            try:
                _stemmer(self.stemmer)
            except KeyError as exc:  # PyStemmer's error for an unknown language
                raise ValueError(f"unknown stemmer language {self.stemmer!r}") from exc

    @property
    def stopword_set(self) -> frozenset[str]:
        """The effective stop-word set (empty when stop words are disabled)."""
        if self.stopwords is None:
            return frozenset()
        if isinstance(self.stopwords, str):
            return _NAMED_STOPWORDS[self.stopwords]
        return self.stopwords

    def __call__(self, text: str) -> list[str]:
        if self.lowercase:
            text = text.lower()
        tokens = TOKEN_PATTERN.findall(text)
        stop = self.stopword_set
        if stop:
            if self.lowercase:
                tokens = [t for t in tokens if t not in stop]
            else:
                tokens = [t for t in tokens if t.lower() not in stop]
        if self.stemmer is not None:
            tokens = _stemmer(self.stemmer).stemWords(tokens)
        return tokens

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; the inverse of ``from_dict``."""
        stopwords: str | list[str] | None
        if isinstance(self.stopwords, frozenset):
            stopwords = sorted(self.stopwords)
        else:
            stopwords = self.stopwords
        return {"lowercase": self.lowercase, "stemmer": self.stemmer, "stopwords": stopwords}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tokenizer:
        stopwords = data.get("stopwords")
        if isinstance(stopwords, list):
            stopwords = frozenset(stopwords)
        return cls(
            lowercase=bool(data.get("lowercase", True)),
            stemmer=data.get("stemmer"),
            stopwords=stopwords,
        )
